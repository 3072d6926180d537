//! Where the generators put their scratch files: in memory (`/dev/shm`) where there is
//! such a directory, else the system's temporary directory. A case may create and remove
//! dozens of entries, which on a disk costs milliseconds each.

use std::path::{Path, PathBuf};

/// A fresh path under the scratch directory, unique in this process, named after `what`.
pub fn scratch_path(what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let shm = Path::new("/dev/shm");
    let parent = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(
        "wasmaot-robustness-{what}-{}-{n}",
        std::process::id()
    ))
}
