//! Memories beyond 32-bit 64 KiB pages, end to end (compile → artifact → loader), from
//! memory and from files: the scripts in `tests/memories/`. (64-bit memories and tables
//! are also covered by the Wasm 3.0 testsuite in `spec.rs`; custom page sizes have no
//! spec scripts in ../shared.)

const SCRIPTS: &[(&str, &str)] = &[(
    "custom_page_sizes.wast",
    include_str!("memories/custom_page_sizes.wast"),
)];

#[test]
fn scripts_pass_from_memory_and_from_files() {
    wasmaot_tests::run_scripts(SCRIPTS);
}

#[path = "memories/shared.rs"]
mod shared;
