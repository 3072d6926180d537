//! Typed function references (`call_ref`, `return_call_ref`, `ref.as_non_null`,
//! `br_on_null`, `br_on_non_null`, typed locals, globals and tables) run in the Wasm 3.0
//! testsuite (`spec.rs`). This test holds what keeps `call_ref` sound without a type
//! check at the call, as in Wasmtime: linking by exact types, and host values checked
//! against the exact types of tables, globals and parameters.

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
fn an_import_of_another_function_type_is_refused() {
    let engine = Engine::default();
    let exporter = module(&engine, EXPORTER);
    let importer = module(&engine, IMPORTER);
    let mut store = Store::new(&engine, ());
    let exporter = Instance::new(&mut store, &exporter, &[]).unwrap();
    let g = exporter.get_global(&mut store, "g").expect("export g");
    let e = Instance::new(&mut store, &importer, &[Extern::Global(g)]).unwrap_err();
    assert!(e.to_string().contains("incompatible import type"), "{e}");
}

/// The host cannot put a function of another type where a typed reference is expected:
/// not in a typed table or global, not as a typed argument (a `call_ref` trusts them).
#[test]
fn host_values_are_checked_against_exact_types() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
          (type $t (func (result i32)))
          (func $one (export "one") (type $t) (i32.const 1))
          (func (export "other") (param i64))
          (table (export "tab") 1 (ref null $t))
          (global (export "g") (mut (ref null $t)) (ref.null $t))
          (func (export "call") (param (ref $t)) (result i32) (call_ref $t (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let one = Val::FuncRef(instance.get_func(&mut store, "one"));
    let other = Val::FuncRef(instance.get_func(&mut store, "other"));
    let tab = instance.get_table(&mut store, "tab").unwrap();
    let g = instance.get_global(&mut store, "g").unwrap();
    let call = instance.get_func(&mut store, "call").unwrap();
    tab.set(&mut store, 0, one).unwrap();
    g.set(&mut store, one).unwrap();
    g.set(&mut store, Val::FuncRef(None)).unwrap();
    let e = tab.set(&mut store, 0, other).unwrap_err();
    assert!(
        e.to_string().contains("table element: expected (ref null"),
        "{e}"
    );
    let e = g.set(&mut store, other).unwrap_err();
    assert!(e.to_string().contains("global value: expected"), "{e}");
    let mut results = [Val::I32(0)];
    call.call(&mut store, &[one], &mut results).unwrap();
    assert_eq!(results[0], Val::I32(1));
    for bad in [other, Val::FuncRef(None)] {
        let e = call.call(&mut store, &[bad], &mut results).unwrap_err();
        assert!(e.to_string().contains("argument 1: expected (ref "), "{e}");
    }
}

/// A host function reached through `call_ref` (its plain type is the module's) runs
/// through a wasm→host trampoline like an imported one.
#[test]
fn call_ref_reaches_a_host_function() {
    use wasmaot_loader::abi::{FuncType, ValType};
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
          (type $t (func (param i32) (result i32)))
          (global (export "g") (mut (ref null $t)) (ref.null $t))
          (func (export "call") (param i32) (result i32)
            (call_ref $t (local.get 0) (global.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    let triple = wasmaot_loader::Func::new(&mut store, ty, |_, params, results| {
        let Val::I32(x) = params[0] else {
            unreachable!()
        };
        results[0] = Val::I32(3 * x);
        Ok(())
    });
    let g = instance.get_global(&mut store, "g").unwrap();
    g.set(&mut store, Val::FuncRef(Some(triple))).unwrap();
    let call = instance.get_func(&mut store, "call").unwrap();
    let mut results = [Val::I32(0)];
    call.call(&mut store, &[Val::I32(14)], &mut results)
        .unwrap();
    assert_eq!(results[0], Val::I32(42));
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
