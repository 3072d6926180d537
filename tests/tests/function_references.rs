//! Typed function references (`call_ref`, `return_call_ref`, `ref.as_non_null`,
//! `br_on_null`, `br_on_non_null`, typed locals, globals and tables) run in the Wasm 3.0
//! testsuite (`spec.rs`). This test holds what keeps them sound while imports are matched
//! by signature only (not yet by the precise reference types in them): a `call_ref`
//! through a reference that was linked in with another function type traps, it never
//! calls the function with the wrong signature.

use wasmaot_loader::abi::TrapCode;
use wasmaot_loader::{Engine, Extern, Instance, Module, Store, Val};

fn module(engine: &Engine, wat: &str) -> Module {
    wasmaot_tests::load_module(engine, wat)
}

/// Exports a `funcref` global holding a function of type `[i32 i32] -> [i32]`.
const EXPORTER: &str = r#"(module
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (elem declare func $sub)
  (global (export "g") funcref (ref.func $sub)))"#;

/// Takes that global as a reference to a function of type `[] -> [i32]`: the spec's
/// linking rules refuse this import.
const IMPORTER: &str = r#"(module
  (type $t (func (result i32)))
  (import "m" "g" (global $g (ref null $t)))
  (func (export "call") (result i32) (call_ref $t (global.get $g)))
  (func (export "tail") (result i32) (return_call_ref $t (global.get $g))))"#;

#[test]
fn a_call_ref_through_a_mislinked_reference_traps() {
    let engine = Engine::default();
    let exporter = module(&engine, EXPORTER);
    let importer = module(&engine, IMPORTER);
    let mut store = Store::new(&engine, ());
    let exporter = Instance::new(&mut store, &exporter, &[]).unwrap();
    let g = exporter.get_global(&mut store, "g").expect("export g");
    // Refusing the import is right too; a call that goes through must not happen.
    let Ok(importer) = Instance::new(&mut store, &importer, &[Extern::Global(g)]) else {
        return;
    };
    for name in ["call", "tail"] {
        let f = importer.get_func(&mut store, name).unwrap();
        let mut results = [Val::I32(0)];
        let e = f.call(&mut store, &[], &mut results).unwrap_err();
        let trap = e.as_trap().expect("a trap");
        assert_eq!(trap.code, Some(TrapCode::BadSignature), "{name}: {e}");
    }
}

#[test]
fn call_ref_on_null_traps_and_calls_a_matching_function() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
          (type $t (func (param i32) (result i32)))
          (func $double (type $t) (i32.add (local.get 0) (local.get 0)))
          (elem declare func $double)
          (table $tab 1 (ref null $t))
          (func (export "direct") (param i32) (result i32)
            (call_ref $t (local.get 0) (ref.func $double)))
          (func (export "null") (param i32) (result i32)
            (call_ref $t (local.get 0) (table.get $tab (i32.const 0))))
          (func (export "or_minus_one") (param i32) (result i32)
            (block $null
              (return (call_ref $t (local.get 0)
                (br_on_null $null (table.get $tab (i32.const 0))))))
            (i32.const -1)))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let mut results = [Val::I32(0)];
    let f = instance.get_func(&mut store, "direct").unwrap();
    f.call(&mut store, &[Val::I32(21)], &mut results).unwrap();
    assert_eq!(results[0], Val::I32(42));
    let f = instance.get_func(&mut store, "null").unwrap();
    let e = f
        .call(&mut store, &[Val::I32(1)], &mut results)
        .unwrap_err();
    assert_eq!(e.as_trap().unwrap().code, Some(TrapCode::NullReference));
    let f = instance.get_func(&mut store, "or_minus_one").unwrap();
    f.call(&mut store, &[Val::I32(1)], &mut results).unwrap();
    assert_eq!(results[0], Val::I32(-1));
}
