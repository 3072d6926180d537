//! Helpers shared by the end-to-end tests in `tests/tests/`.

pub mod cli;
pub mod differential;
pub mod gc_types;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wasmaot_loader::abi;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lies in the workspace")
        .to_path_buf()
}

/// Whether the tests run in CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !v.is_empty() && v != "0" && v != "false")
        .unwrap_or(false)
}

/// Where the spec testsuite is: `$WASMAOT_TESTSUITE`, else `../shared/testsuite` beside
/// the workspace.
pub fn testsuite_dir() -> PathBuf {
    match std::env::var_os("WASMAOT_TESTSUITE") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/testsuite"),
    }
}

/// Where the Wasm 3.0 spec testsuite is: `$WASMAOT_TESTSUITE_3`, else
/// `../shared/testsuite-3.0` beside the workspace.
pub fn testsuite_3_dir() -> PathBuf {
    match std::env::var_os("WASMAOT_TESTSUITE_3") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/testsuite-3.0"),
    }
}

/// Where the WASI testsuite (wasi-testsuite, with its prebuilt `tests/`) is:
/// `$WASMAOT_WASI_TESTSUITE`, else `../shared/wasi-testsuite` beside the workspace.
pub fn wasi_testsuite_dir() -> PathBuf {
    match std::env::var_os("WASMAOT_WASI_TESTSUITE") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/wasi-testsuite"),
    }
}

/// The directory the build writes to (`target/`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// The `wasmaot` binary, built (or found up to date) once per test process by the cargo
/// and profile that built this test: `cargo test` of the workspace does not build other
/// packages' binaries. (Cargo does not hold its build lock while tests run.)
/// `$WASMAOT_BIN` names another one instead (`.ci/aarch64`: a script running the aarch64
/// build under qemu, for test binaries that run there too).
pub fn wasmaot_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("WASMAOT_BIN") {
            return PathBuf::from(bin);
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        // target/<profile>/deps/<test>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test lies in target/<profile>/deps");
        let profile = profile_dir
            .file_name()
            .and_then(|p| p.to_str())
            .unwrap_or("debug");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.current_dir(workspace_root()).args([
            "build",
            "-p",
            "wasmaot-compiler",
            "--bin",
            "wasmaot",
        ]);
        match profile {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build
            .status()
            .expect("cannot run cargo to build the wasmaot binary");
        assert!(status.success(), "building the wasmaot binary failed");
        let bin = profile_dir.join(format!("wasmaot{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
    .clone()
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory named after `what`.
    pub fn new(what: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("wasmaot-test-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cannot create a temporary directory");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compile WebAssembly text (or binary) for the host with default options.
pub fn compile(source: &str) -> Vec<u8> {
    wasmaot_compiler::compile(
        source.as_bytes(),
        &wasmaot_compiler::CompileOptions::default(),
    )
    .unwrap_or_else(|e| panic!("cannot compile the test module: {e}"))
}

/// The file range of an artifact's metadata section.
pub fn metadata_range(artifact: &[u8]) -> std::ops::Range<usize> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(artifact).expect("the artifact is an object file");
    let section = file
        .section_by_name(abi::metadata_section(abi::ObjectFormat::Elf))
        .expect("the artifact has a metadata section");
    let (offset, size) = section
        .file_range()
        .expect("the metadata section has file data");
    offset as usize..(offset + size) as usize
}

/// Recompute the checksum of an artifact after it was patched, as the compiler does:
/// CRC-32 of the whole file with the checksum field zeroed.
pub fn fix_checksum(artifact: &mut [u8]) {
    let at = metadata_range(artifact).start + abi::CHECKSUM_OFFSET;
    write_checksum(artifact, at);
}

/// [`fix_checksum`] with the checksum field at file offset `at` (for artifacts too
/// damaged to find their metadata section in).
pub fn write_checksum(artifact: &mut [u8], at: usize) {
    artifact[at..at + 4].fill(0);
    let sum = crc32fast::hash(artifact);
    artifact[at..at + 4].copy_from_slice(&sum.to_le_bytes());
}

pub mod robustness;

/// Whether `tool --version` runs. Outside CI a missing tool skips the check that needs it,
/// with a message; in CI (whose `.ci/run` installs it) it is a failure.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "{tool} is required in CI (.ci/run installs it)");
        eprintln!("{tool} is not installed; skipping that check");
    }
    ok
}

/// Compile `wat` with every feature on and load it into `engine`.
pub fn load_module(engine: &wasmaot_loader::Engine, wat: &str) -> wasmaot_loader::Module {
    let options = wasmaot_compiler::CompileOptions {
        wasm_features: abi::features::ALL,
        ..wasmaot_compiler::CompileOptions::default()
    };
    let artifact =
        wasmaot_compiler::compile(wat.as_bytes(), &options).expect("the module compiles");
    wasmaot_loader::Module::from_bytes(engine, &artifact).expect("the artifact loads")
}

/// Call export `name` of `instance` with `args`; its results (a missing export panics).
pub fn call_export<T: 'static>(
    store: &mut wasmaot_loader::Store<T>,
    instance: wasmaot_loader::Instance,
    name: &str,
    args: &[wasmaot_loader::Val],
) -> Result<Vec<wasmaot_loader::Val>, wasmaot_loader::Error> {
    let f = instance
        .get_func(&mut *store, name)
        .unwrap_or_else(|| panic!("no export `{name}`"));
    let ty = f.ty(&*store);
    let mut results: Vec<_> = ty
        .results
        .iter()
        .map(|t| wasmaot_loader::Val::default_for(*t))
        .collect();
    f.call(&mut *store, args, &mut results)?;
    Ok(results)
}

/// Run each (name, text) script with every feature on, from memory and from files;
/// every directive must pass.
pub fn run_scripts(scripts: &[(&str, &str)]) {
    use wasmaot_compiler::wast::{run_text, Mode, RunOptions};
    for mode in [Mode::InMemory, Mode::File] {
        let mut options = RunOptions {
            mode,
            ..RunOptions::default()
        };
        options.compile.wasm_features = abi::features::ALL;
        for (name, text) in scripts {
            let report = run_text(name, text, &options);
            assert!(
                report.failed == 0 && report.passed > 0,
                "{name} ({mode:?}): {} passed, {} failed:\n{}",
                report.passed,
                report.failed,
                report.failures.join("\n")
            );
        }
    }
}
