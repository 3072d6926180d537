//! Where the modules that once diverged are kept (each oracle's directory: see
//! `Oracle::corpus_dir`), and where new failures are written.

use std::path::{Path, PathBuf};

/// `target/differential-failures/`: a failing module is written here (and the module
/// being checked, while it is: see `campaign`).
pub fn failures_dir() -> PathBuf {
    crate::target_dir().join("differential-failures")
}

/// Write a failing module as `failures_dir()/<name>.wasm`; returns the path.
pub fn save_failure(name: &str, wasm: &[u8]) -> PathBuf {
    let dir = failures_dir();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// The `.wasm` files in `dir`, sorted by name.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    files
}
