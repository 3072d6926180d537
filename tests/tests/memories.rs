//! Memories beyond 32-bit 64 KiB pages, end to end (compile → artifact → loader), from
//! memory and from files: the scripts in `tests/memories/`. (64-bit memories and tables
//! are also covered by the Wasm 3.0 testsuite in `spec.rs`; custom page sizes have no
//! spec scripts in ../shared.)

use wasmaot_compiler::wast::{run_text, Mode, RunOptions};
use wasmaot_loader::abi::features;

const SCRIPTS: &[(&str, &str)] = &[(
    "custom_page_sizes.wast",
    include_str!("memories/custom_page_sizes.wast"),
)];

#[test]
fn scripts_pass_from_memory_and_from_files() {
    for mode in [Mode::InMemory, Mode::File] {
        let mut options = RunOptions {
            mode,
            ..RunOptions::default()
        };
        options.compile.wasm_features = features::ALL;
        for (name, text) in SCRIPTS {
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
