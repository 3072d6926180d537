//! Wasm exception handling end to end (compile → artifact → loader): the scripts in
//! `tests/exceptions/` (payloads of every type, values live across a handler, tag
//! identity across instances, exnref values, traps and loops), run from memory and from
//! files, and what the embedder sees of exceptions: the uncaught-exception error, host
//! tags, exnref values, exceptions meeting host frames. (The spec's scripts, legacy ones
//! included, run in `spec.rs`.)

use wasmaot_loader::{
    Caller, Engine, ExnRef, FuncType, Global, GlobalType, Instance, Linker, Module, Store, Tag,
    UncaughtException, Val, ValType,
};

const SCRIPTS: &[(&str, &str)] = &[
    ("payloads.wast", include_str!("exceptions/payloads.wast")),
    (
        "live_values.wast",
        include_str!("exceptions/live_values.wast"),
    ),
    (
        "tag_identity.wast",
        include_str!("exceptions/tag_identity.wast"),
    ),
    ("exnref.wast", include_str!("exceptions/exnref.wast")),
    (
        "traps_and_loops.wast",
        include_str!("exceptions/traps_and_loops.wast"),
    ),
];

#[test]
fn scripts_pass_from_memory_and_from_files() {
    wasmaot_tests::run_scripts(SCRIPTS);
}

fn module(engine: &Engine, wat: &str) -> Module {
    wasmaot_tests::load_module(engine, wat)
}

use wasmaot_tests::call_export as call;

const THROWER: &str = r#"
(module $m
  (tag $boom (export "boom") (param i32))
  (tag $quiet (param i64))
  (func $inner (param i32) (throw $boom (local.get 0)))
  (func $middle (export "throw") (param i32) (call $inner (local.get 0)))
  (func (export "throw-quiet") (throw $quiet (i64.const 5)))
  (func (export "catch-ref") (param i32) (result exnref)
    (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $boom $h) (call $inner (local.get 0)))
      (unreachable))
    (local.set $x)
    (drop)
    (local.get $x))
  (func (export "rethrow") (param exnref) (result i32)
    (block $h (result i32)
      (try_table (catch $boom $h) (throw_ref (local.get 0)))
      (i32.const -1)))
  (global (export "g") (mut exnref) (ref.null exn))
)
"#;

#[test]
fn an_uncaught_exception_is_an_error_naming_its_tag() {
    let engine = Engine::default();
    let module = module(&engine, THROWER);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let e = call(&mut store, instance, "throw", &[Val::I32(42)]).unwrap_err();
    let uncaught = e
        .downcast_ref::<UncaughtException>()
        .expect("an UncaughtException payload");
    assert_eq!(uncaught.tag_description(), "tag `boom` of module `m`");
    assert!(
        e.message()
            .starts_with("uncaught wasm exception (tag `boom`"),
        "{e}"
    );
    // Not a trap code: the call ended like a failing host function, with the backtrace
    // from the throw.
    let trap = e.as_trap().expect("reported like a host error");
    assert_eq!(trap.code, None);
    let names: Vec<_> = trap
        .backtrace
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "middle"], "{e}");
    // The exception itself stays reachable.
    let exn = uncaught.exception();
    assert_eq!(exn.payload(&mut store), [Val::I32(42)]);
    assert_eq!(exn.tag(&store), instance.get_tag(&mut store, "boom"));
    // A tag the module does not export is named by its index.
    let e = call(&mut store, instance, "throw-quiet", &[]).unwrap_err();
    assert!(e.to_string().contains("(tag 1 of module `m`)"), "{e}");
    // The store stays usable.
    let exn = call(&mut store, instance, "catch-ref", &[Val::I32(7)]).unwrap();
    assert!(matches!(exn[..], [Val::ExnRef(Some(_))]));
}

#[test]
fn exnref_values_cross_the_host_api() {
    let engine = Engine::default();
    let module = module(&engine, THROWER);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let exn = match call(&mut store, instance, "catch-ref", &[Val::I32(9)]).unwrap()[..] {
        [Val::ExnRef(Some(exn))] => exn,
        ref other => panic!("{other:?}"),
    };
    assert_eq!(exn.payload(&mut store), [Val::I32(9)]);
    // Thrown again by wasm, caught by tag.
    let caught = call(&mut store, instance, "rethrow", &[Val::ExnRef(Some(exn))]).unwrap();
    assert_eq!(caught, [Val::I32(9)]);
    // Through a global.
    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&mut store), Val::ExnRef(None));
    g.set(&mut store, Val::ExnRef(Some(exn))).unwrap();
    assert_eq!(g.get(&mut store), Val::ExnRef(Some(exn)));
    let host_global = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::ExnRef,
            mutable: true,
        },
        Val::ExnRef(Some(exn)),
    )
    .unwrap();
    assert_eq!(host_global.get(&mut store), Val::ExnRef(Some(exn)));
    // An exnref of another store is refused.
    let mut other = Store::new(&engine, ());
    let other_instance = Instance::new(&mut other, &module, &[]).unwrap();
    let e = call(
        &mut other,
        other_instance,
        "rethrow",
        &[Val::ExnRef(Some(exn))],
    )
    .unwrap_err();
    assert!(e.to_string().contains("different store"), "{e}");
    let foreign: ExnRef = exn;
    assert!(foreign.payload(&mut other).is_empty());
    assert_eq!(foreign.tag(&other), None);
}

const IMPORTS_A_TAG: &str = r#"
(module
  (import "host" "e" (tag $e (param i32)))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (local.get 0)))
      (i32.const -1)))
)
"#;

#[test]
fn host_tags_are_imported_by_type_and_identity() {
    let engine = Engine::default();
    let module = module(&engine, IMPORTS_A_TAG);
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, FuncType::new([ValType::I32], [])).unwrap();
    assert_eq!(tag.ty(&store), FuncType::new([ValType::I32], []));
    assert!(Tag::new(&mut store, FuncType::new([], [ValType::I32])).is_err());
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.define("host", "e", tag).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(
        call(&mut store, instance, "catch", &[Val::I32(3)]).unwrap(),
        [Val::I32(3)]
    );
    let e = call(&mut store, instance, "throw", &[Val::I32(4)]).unwrap_err();
    let uncaught = e.downcast_ref::<UncaughtException>().unwrap();
    assert_eq!(uncaught.tag_description(), "a host tag");
    assert_eq!(uncaught.exception().tag(&store), Some(tag));
    // Another type, or something that is not a tag, does not link.
    let wrong = Tag::new(&mut store, FuncType::new([ValType::I64], [])).unwrap();
    linker.define("host", "e", wrong).unwrap();
    let e = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("incompatible import type for `host::e`: expected tag"),
        "{e}"
    );
    let global = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::I32,
            mutable: false,
        },
        Val::I32(0),
    )
    .unwrap();
    linker.define("host", "e", global).unwrap();
    let e = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(e.to_string().contains("expected tag, found global"), "{e}");
    // A tag of another store does not either.
    let mut other = Store::new(&engine, ());
    linker.define("host", "e", tag).unwrap();
    assert!(linker.instantiate(&mut other, &module).is_err());
}

const HOST_IN_BETWEEN: &str = r#"
(module
  (import "host" "call" (func $host))
  (tag $e (export "e"))
  (func (export "thrower") (throw $e))
  (func (export "outer") (result i32)
    (block $h
      (try_table (catch_all $h) (call $host))
      (return (i32.const 1)))
    (i32.const 2))
)
"#;

/// An exception does not cross host frames: the host function's own call of wasm fails
/// with it; if the host function returns that error, its caller fails the same way and
/// no wasm handler outside sees it.
#[test]
fn exceptions_stop_at_host_frames() {
    let engine = Engine::default();
    let module = module(&engine, HOST_IN_BETWEEN);
    for propagate in [false, true] {
        let mut store = Store::new(&engine, ());
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_new(
                "host",
                "call",
                FuncType::new([], []),
                move |mut caller: Caller<'_, ()>, _, _| {
                    let thrower = caller.get_export("thrower").unwrap().into_func().unwrap();
                    let result = thrower.call(&mut caller, &[], &mut []);
                    let e = result.as_ref().unwrap_err();
                    assert!(e.is::<UncaughtException>(), "{e}");
                    if propagate {
                        result
                    } else {
                        Ok(())
                    }
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let outcome = call(&mut store, instance, "outer", &[]);
        if propagate {
            let e = outcome.unwrap_err();
            assert!(e.is::<UncaughtException>(), "{e}");
        } else {
            assert_eq!(outcome.unwrap(), [Val::I32(1)]);
        }
    }
}
