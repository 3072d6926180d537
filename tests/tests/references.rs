//! The part of GC without a heap (`anyref`, `eqref`, `i31ref`, conversions, tests and
//! casts), end to end: the scripts in `tests/references/` (the testsuite's cast scripts
//! all need struct types; `i31.wast` and the rest run in `spec.rs`), the host's `AnyRef`
//! through tables, globals and calls, and the refusal of what needs a GC heap.

use wasmaot_compiler::{compile, CompileError, CompileOptions};
use wasmaot_loader::abi::{features, GlobalType, TableType, ValType};
use wasmaot_loader::{AnyRef, Engine, ExternRef, Global, Instance, Store, Table, Val};

const SCRIPTS: &[(&str, &str)] = &[("casts.wast", include_str!("references/casts.wast"))];

#[test]
fn scripts_pass_from_memory_and_from_files() {
    wasmaot_tests::run_scripts(SCRIPTS);
}

#[test]
fn host_i31s_through_tables_globals_and_calls() {
    let engine = Engine::default();
    let module = wasmaot_tests::load_module(
        &engine,
        r#"(module
          (import "host" "t" (table $t 2 anyref))
          (import "host" "g" (global $g (mut anyref)))
          (func (export "sum") (result i32)
            (i32.add (i31.get_s (ref.cast i31ref (table.get $t (i32.const 1))))
                     (i31.get_s (ref.cast i31ref (global.get $g)))))
          (func (export "swap") (param anyref) (result anyref)
            (global.get $g) (global.set $g (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    let a = AnyRef::from_i31(&store, 0xffff_fffe);
    assert_eq!(
        (a.i31_get_u(), a.i31_get_s()),
        (Some(0x7fff_fffe), Some(-2))
    );
    let ty = TableType {
        ref_type: None,
        element: ValType::AnyRef,
        minimum: 2,
        maximum: None,
        table64: false,
    };
    let table = Table::new(&mut store, ty, Val::AnyRef(None)).unwrap();
    table.set(&mut store, 1, Val::AnyRef(Some(a))).unwrap();
    assert_eq!(table.get(&mut store, 1), Some(Val::AnyRef(Some(a))));
    assert!(table.set(&mut store, 0, Val::ExternRef(None)).is_err());
    let ty = GlobalType {
        ref_type: None,
        content: ValType::AnyRef,
        mutable: true,
    };
    let b = AnyRef::from_i31(&store, 40);
    let global = Global::new(&mut store, ty, Val::AnyRef(Some(b))).unwrap();
    let instance = Instance::new(&mut store, &module, &[table.into(), global.into()]).unwrap();

    let sum = instance.get_func(&mut store, "sum").unwrap();
    let mut out = [Val::I32(0)];
    sum.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(38));

    // An internalized host reference comes back as the same host data.
    let host = ExternRef::new(&mut store, Box::new("host data"));
    let inner = AnyRef::convert_extern(host);
    assert_eq!(inner.i31_get_u(), None);
    let swap = instance.get_func(&mut store, "swap").unwrap();
    let mut out = [Val::AnyRef(None)];
    swap.call(&mut store, &[Val::AnyRef(Some(inner))], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::AnyRef(Some(b)));
    assert_eq!(global.get(&mut store), Val::AnyRef(Some(inner)));
    let back = ExternRef::convert_any(inner);
    assert_eq!(back.data(&store).downcast_ref::<&str>(), Some(&"host data"));
    // `sum` now casts the host reference to i31: a trap, not a crash.
    let e = sum.call(&mut store, &[], &mut [Val::I32(0)]).unwrap_err();
    assert!(e.to_string().contains("cast failure"), "{e}");
}

#[test]
fn an_anyref_of_another_store_is_refused() {
    let engine = Engine::default();
    let other = Store::new(&engine, ());
    let foreign = AnyRef::from_i31(&other, 1);
    let mut store = Store::new(&engine, ());
    let ty = GlobalType {
        ref_type: None,
        content: ValType::AnyRef,
        mutable: false,
    };
    let e = Global::new(&mut store, ty, Val::AnyRef(Some(foreign))).unwrap_err();
    assert!(e.to_string().contains("anyref"), "{e}");
}

fn compile_gc(wat: &str) -> Result<Vec<u8>, CompileError> {
    let options = CompileOptions {
        wasm_features: features::ALL,
        ..CompileOptions::default()
    };
    compile(wat.as_bytes(), &options)
}

#[test]
fn recursion_groups_and_subtypes_of_function_types_compile() {
    for wat in [
        "(module (rec (type (func)) (type (func))))",
        "(module (type $a (sub (func))) (type (sub final $a (func))))",
    ] {
        compile_gc(wat).expect(wat);
    }
}

#[test]
fn what_needs_a_gc_heap_is_refused_with_its_offset() {
    for (wat, what) in [
        ("(module (type (struct (field i32))))", "struct/array type"),
        ("(module (type (array i8)))", "struct/array type"),
        (
            "(module (rec (type (func)) (type (struct))))",
            "struct/array type",
        ),
        (
            "(module (func (result i32) (array.len (ref.null array))))",
            "operator ArrayLen",
        ),
    ] {
        let e = compile_gc(wat).expect_err(wat).to_string();
        assert!(
            e.contains(what) && e.contains("byte offset 0x"),
            "{wat}: {e}"
        );
    }
}

#[test]
fn an_invalid_module_with_gc_types_is_reported_invalid() {
    // The struct type is refused, but the body after it does not validate: the module
    // is invalid, and that is what is reported.
    let e = compile_gc("(module (type (struct)) (func (result i32) (i64.const 0)))")
        .expect_err("invalid");
    assert!(matches!(e, CompileError::Invalid { .. }), "{e}");
}

#[test]
fn gc_is_a_feature_that_can_be_switched_off() {
    let options = CompileOptions {
        wasm_features: features::ALL & !features::GC,
        ..CompileOptions::default()
    };
    let e = compile(
        b"(module (global i31ref (ref.i31 (i32.const 1))))",
        &options,
    )
    .expect_err("GC is off");
    assert!(matches!(e, CompileError::Invalid { .. }), "{e}");
}
