//! Loading without copying: a pre-linked artifact's `.text` runs where it lies in the
//! file (or in the module's copy of the bytes), runtime functions are reached through the
//! VMContext, and the trap table, names and address map are read in place. An artifact
//! that is not pre-linked (here: x86_64 code for a CPU without SSE4.1, which calls a float
//! helper by symbol) is copied and linked, with the same results.

use wasmaot_loader::{Config, Engine, Instance, Module, Store, TrapCode, Val};
use wasmaot_tests::{compile, TempDir};

/// Calls between functions, runtime calls (`memory.grow`, `memory.fill`), a table, a
/// trap with a backtrace through named functions, and a float op needing a helper on
/// x86_64's baseline.
const MODULE: &str = r#"(module $m
  (memory 1 4)
  (data (i32.const 8) "in place")
  (table 2 funcref)
  (elem (i32.const 0) $double $boom)
  (type $t (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $boom (param i32) (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "twice") (param i32) (result i32)
    (call $double (call $double (local.get 0))))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill_and_read") (param i32) (result i32)
    (memory.fill (i32.const 8) (local.get 0) (i32.const 2))
    (i32.load (i32.const 8)))
  (func (export "ceil") (param f32) (result f32) (f32.ceil (local.get 0))))"#;

fn call(store: &mut Store<()>, instance: Instance, name: &str, args: &[Val]) -> Val {
    let func = instance.get_func(&mut *store, name).unwrap();
    let mut out = [Val::I32(0)];
    func.call(&mut *store, args, &mut out)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    out[0]
}

/// Run every export of `module` and check the results, the trap and its backtrace.
fn exercise(engine: &Engine, module: &Module, what: &str) {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).unwrap();
    let i32_of = |v: Val| v.i32().unwrap();
    assert_eq!(
        i32_of(call(&mut store, instance, "twice", &[Val::I32(5)])),
        20,
        "{what}"
    );
    let indirect = [Val::I32(21), Val::I32(0)];
    assert_eq!(
        i32_of(call(&mut store, instance, "indirect", &indirect)),
        42,
        "{what}"
    );
    assert_eq!(
        i32_of(call(&mut store, instance, "grow", &[Val::I32(2)])),
        1,
        "{what}"
    );
    assert_eq!(
        i32_of(call(&mut store, instance, "grow", &[Val::I32(9)])),
        -1,
        "{what}"
    );
    let filled = call(&mut store, instance, "fill_and_read", &[Val::I32(0x41)]);
    assert_eq!(i32_of(filled), i32::from_le_bytes(*b"AA p"), "{what}");
    match call(&mut store, instance, "ceil", &[Val::F32(1.25f32.to_bits())]) {
        Val::F32(bits) => assert_eq!(f32::from_bits(bits), 2.0, "{what}"),
        other => panic!("{what}: ceil gave {other:?}"),
    }

    // The trap table (read in place by the signal handler), then the lazily decoded names
    // and address map.
    let func = instance.get_func(&mut store, "indirect").unwrap();
    let mut out = [Val::I32(0)];
    let e = func
        .call(&mut store, &[Val::I32(1), Val::I32(1)], &mut out)
        .unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::IntegerDivisionByZero),
        "{what}: {e}"
    );
    let trap = e.as_trap().unwrap();
    let names: Vec<_> = trap
        .backtrace
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("boom"),
        "{what}: {names:?}"
    );
    assert!(
        trap.backtrace.iter().all(|f| f.module_offset.is_some()),
        "{what}: {:?}",
        trap.backtrace
    );
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn prelinked_code_runs_where_it_lies() {
    let dir = TempDir::new("in-place");
    let artifact = compile(MODULE);
    let engine = Engine::default();
    let from_file = Module::from_file(&engine, &write(&dir, "m.cwasm", &artifact)).unwrap();
    assert!(from_file.header().text_prelinked);
    assert_eq!(from_file.relocation_count(), 0, "nothing patched at load");
    exercise(&engine, &from_file, "from_file");

    let from_bytes = Module::from_bytes(&engine, &artifact).unwrap();
    assert_eq!(from_bytes.relocation_count(), 0);
    exercise(&engine, &from_bytes, "from_bytes");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn code_calling_a_float_helper_is_linked_by_copying() {
    let options = wasmaot_compiler::CompileOptions {
        // The baseline x86_64 CPU has no `roundss`: `f32.ceil` calls `wasmaot_rt_ceilf`.
        target: Some("x86_64-unknown-linux-gnu".into()),
        ..Default::default()
    };
    let artifact = wasmaot_compiler::compile(MODULE.as_bytes(), &options).unwrap();
    let dir = TempDir::new("linked");
    let engine = Engine::default();
    let module = Module::from_file(&engine, &write(&dir, "m.cwasm", &artifact)).unwrap();
    assert!(!module.header().text_prelinked);
    assert!(module.relocation_count() > 0);
    exercise(&engine, &module, "linked by the loader");
}

#[test]
fn without_the_checksum_the_header_and_metadata_are_still_checked() {
    let artifact = compile(MODULE);
    let dir = TempDir::new("unverified");
    let mut config = Config::default();
    config.verify_artifact_checksum(false);
    let engine = Engine::new(config);
    let path = write(&dir, "m.cwasm", &artifact);
    let module = Module::from_file(&engine, &path).unwrap();
    exercise(&engine, &module, "unverified");

    // A damaged header or metadata is refused all the same.
    let meta = wasmaot_tests::metadata_range(&artifact);
    let arch = std::env::consts::ARCH.as_bytes();
    let target = meta.start
        + artifact[meta.clone()]
            .windows(arch.len())
            .position(|w| w == arch)
            .expect("the target triple in the header");
    for (at, what) in [
        (meta.start, "magic"),
        (meta.start + 8, "format version"),
        (target, "target triple"),
    ] {
        let mut damaged = artifact.clone();
        damaged[at] ^= 0x5a;
        let path = write(&dir, "damaged.cwasm", &damaged);
        assert!(
            Module::from_file(&engine, &path).is_err(),
            "{what}: a damaged artifact was accepted"
        );
    }
    // The default engine refuses a flipped byte of code, which this one does not read.
    let mut damaged = artifact.clone();
    let text = object_text_start(&artifact);
    damaged[text] ^= 0x01;
    let path = write(&dir, "code.cwasm", &damaged);
    assert!(Module::from_file(&Engine::default(), &path).is_err());
    assert!(Module::from_file(&engine, &path).is_ok());
}

/// File offset of `.text`.
fn object_text_start(artifact: &[u8]) -> usize {
    use object::{Object, ObjectSection};
    let file = object::File::parse(artifact).unwrap();
    let text = file.section_by_name(".text").unwrap();
    text.file_range().unwrap().0 as usize
}
