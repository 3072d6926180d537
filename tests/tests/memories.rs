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

/// A memory64 program from a real toolchain (`examples/wasm64/far_sum.wasm`, C built by
/// zig's clang for wasm64) grows its memory by 5 GiB, writes across it and gives the
/// checksum its native build prints.
#[test]
fn a_wasm64_program_grows_beyond_4_gib_and_agrees_with_native() {
    use wasmaot_loader::{Engine, Instance, Store, Val};
    use wasmaot_tests::{workspace_root, TempDir};
    let dir = workspace_root().join("examples/wasm64");
    let tmp = TempDir::new("wasm64-far-sum");
    let native = tmp.join("far_sum");
    let built = std::process::Command::new("cc")
        .args(["-O2"])
        .arg(dir.join("far_sum.c"))
        .arg("-o")
        .arg(&native)
        .status()
        .expect("running cc");
    assert!(built.success(), "cc far_sum.c");
    let out = std::process::Command::new(&native)
        .arg("80")
        .output()
        .unwrap();
    let expected: u64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    let wasm = std::fs::read(dir.join("far_sum.wasm")).unwrap();
    let options = wasmaot_compiler::CompileOptions {
        wasm_features: wasmaot_loader::abi::features::ALL,
        ..wasmaot_compiler::CompileOptions::default()
    };
    let artifact = wasmaot_compiler::compile(&wasm, &options).expect("far_sum.wasm compiles");
    let engine = Engine::default();
    let module = wasmaot_loader::Module::from_bytes(&engine, &artifact).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut result = [Val::I64(0)];
    run.call(&mut store, &[Val::I64(80)], &mut result).unwrap();
    assert_eq!(result[0], Val::I64(expected as i64));
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert!(memory.size(&store) > 65536, "{} pages", memory.size(&store));
}
