//! The runner itself: every directive passes when the script is right and fails, with
//! its location, when the script is wrong.

use super::*;

fn run(script: &str) -> FileReport {
    run_text("test.wast", script, &RunOptions::default())
}

/// Assert every directive of `script` passes.
fn passes(script: &str) {
    let r = run(script);
    assert!(r.failed == 0 && r.passed > 0, "{r:#?}");
}

/// Assert the last directive of `script` (and only it) fails with a message containing
/// `needle`.
fn last_fails(script: &str, needle: &str) {
    let r = run(script);
    assert_eq!(r.failed, 1, "{r:#?}");
    let line = script.trim_end().lines().count();
    let failure = &r.failures[0];
    assert!(
        failure.starts_with(&format!("test.wast:{line}:")),
        "wrong location: {failure}"
    );
    assert!(failure.contains(needle), "`{needle}` not in: {failure}");
}

const MODULE: &str = r#"(module $m
  (memory (export "mem") 1)
  (table $t (export "tab") 2 funcref)
  (global (export "g") i32 (i32.const 42))
  (func $id (export "id") (param i32) (result i32) (local.get 0))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "v") (result v128) (v128.const i32x4 1 2 3 -1))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "fref") (result funcref) (ref.func $id))
  (func (export "null") (result funcref) (ref.null func))
  (func $rec (export "rec") (call $rec))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (elem (i32.const 0) $id))"#;

fn with_module(directives: &str) -> String {
    format!("{MODULE}\n{directives}")
}

#[test]
fn correct_directives_pass() {
    passes(&with_module(
        r#"(assert_return (invoke "id" (i32.const 7)) (i32.const 7))
(assert_return (invoke $m "id" (i32.const -1)) (i32.const -1))
(assert_return (get "g") (i32.const 42))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "nan") (either (f32.const nan:arithmetic) (f32.const 1)))
(assert_return (invoke "f64" (f64.const -0x1p-1074)) (f64.const -0x1p-1074))
(assert_return (invoke "v") (v128.const i32x4 1 2 3 -1))
(assert_return (invoke "v") (v128.const i16x8 1 0 2 0 3 0 -1 -1))
(assert_return (invoke "ext" (ref.extern 5)) (ref.extern 5))
(assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "fref") (ref.func))
(assert_return (invoke "null") (ref.null func))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_trap (invoke "load" (i32.const 65535)) "out of bounds memory access")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element 1")
(assert_trap (invoke "call" (i32.const 2)) "undefined element")
(assert_exhaustion (invoke "rec") "call stack exhausted")
(invoke "id" (i32.const 0))
(register "M" $m)
(module (import "M" "id" (func (param i32) (result i32))) (import "spectest" "print_i32" (func (param i32)))
  (import "spectest" "global_i32" (global i32)) (import "spectest" "table" (table 10 funcref))
  (import "spectest" "memory" (memory 1)) (import "M" "mem" (memory 1)))
(assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "M" "id" (func (param i64)))) "incompatible import type")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module quote "(func (i32.const))") "unexpected token")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(module quote "(func (export \"q\") (result i32) (i32.const 9))")
(assert_return (invoke "q") (i32.const 9))"#,
    ));
}

#[test]
fn wrong_results_fail() {
    last_fails(
        &with_module(r#"(assert_return (invoke "id" (i32.const 7)) (i32.const 8))"#),
        "expected i32 8",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "f64" (f64.const 1)) (f64.const nan:canonical))"#),
        "nan",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "f64" (f64.const 0)) (f64.const -0))"#),
        "expected f64",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "v") (v128.const i32x4 1 2 3 4))"#),
        "i32x4",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "ext" (ref.extern 5)) (ref.extern 6))"#),
        "ref.extern 5",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "ext" (ref.extern 5)) (ref.null extern))"#),
        "ref.null",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "null") (ref.func))"#),
        "ref.func",
    );
    last_fails(
        &with_module(r#"(assert_return (invoke "id" (i32.const 7)))"#),
        "expected 0 results, got 1",
    );
    last_fails(
        &with_module(r#"(assert_return (get "g") (i32.const 41))"#),
        "expected i32 41",
    );
}

#[test]
fn wrong_traps_fail() {
    last_fails(
        &with_module(r#"(assert_trap (invoke "id" (i32.const 1)) "unreachable")"#),
        "expected trap",
    );
    last_fails(
        &with_module(
            r#"(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")"#,
        ),
        "integer divide by zero",
    );
    last_fails(
        &with_module(
            r#"(assert_trap (invoke "call" (i32.const 1)) "indirect call type mismatch")"#,
        ),
        "expected trap",
    );
    last_fails(
        &with_module(
            r#"(assert_exhaustion (invoke "load" (i32.const 65535)) "call stack exhausted")"#,
        ),
        "",
    );
    last_fails(
        &with_module(r#"(assert_trap (module (memory 1)) "out of bounds memory access")"#),
        "expected trap",
    );
}

#[test]
fn wrong_module_assertions_fail() {
    last_fails(
        r#"(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")"#,
        "compiled",
    );
    last_fails(
        r#"(assert_malformed (module quote "(func)") "unexpected token")"#,
        "compiled",
    );
    last_fails(
        r#"(assert_unlinkable (module (import "spectest" "print" (func))) "unknown import")"#,
        "instantiated",
    );
    last_fails(
        r#"(assert_unlinkable (module (func (result i32) (i64.const 0))) "unknown import")"#,
        "compile",
    );
    last_fails(
        r#"(module (import "spectest" "nope" (func)))"#,
        "link error",
    );
    last_fails(
        r#"(module (func (result i32) (i64.const 0)))"#,
        "compile error",
    );
}

#[test]
fn references_to_missing_things_fail() {
    last_fails(r#"(invoke "f")"#, "no current module");
    last_fails(r#"(register "x" $nope)"#, "no module `$nope`");
    last_fails(&with_module(r#"(invoke "nope")"#), "no export `nope`");
    last_fails(&with_module(r#"(invoke "mem")"#), "not a function");
    last_fails(
        &with_module(r#"(assert_return (get "id") (i32.const 0))"#),
        "not a global",
    );
    // After a module fails, directives do not silently use the one before it.
    let r = run(&with_module(
        "(module (func (result i32) (i64.const 0)))\n(invoke \"id\" (i32.const 1))",
    ));
    assert_eq!(r.failed, 2, "{r:#?}");
}

#[test]
fn unsupported_directives_fail_with_their_name() {
    let r = run("(module $a)\n(thread $t (invoke \"f\"))\n(wait $t)");
    assert_eq!((r.passed, r.failed), (1, 2), "{r:#?}");
    assert!(
        r.failures[0].contains("unsupported directive `thread`"),
        "{r:#?}"
    );
    assert!(
        r.failures[1].contains("unsupported directive `wait`"),
        "{r:#?}"
    );
}

#[test]
fn a_script_that_does_not_parse_is_one_failure() {
    let r = run("(module (func)\n(assert_return");
    assert_eq!((r.passed, r.failed), (0, 1), "{r:#?}");
    assert!(r.failures[0].contains("test.wast:"), "{r:#?}");
}

#[test]
fn file_mode_loads_from_files() {
    let options = RunOptions {
        mode: Mode::File,
        ..Default::default()
    };
    let r = run_text(
        "file.wast",
        &with_module(r#"(assert_return (invoke "id" (i32.const 3)) (i32.const 3))"#),
        &options,
    );
    assert_eq!((r.passed, r.failed), (2, 0), "{r:#?}");
}

#[test]
fn spec_features_follow_the_testsuite_layout() {
    use wasmaot_abi::features;
    assert_eq!(
        spec_features(Path::new(
            "/x/testsuite/proposals/tail-call/return_call.wast"
        )),
        Some(WASM2 | features::TAIL_CALL)
    );
    assert_eq!(
        spec_features(Path::new("proposals/multi-memory/load.wast")),
        Some(WASM2 | features::MULTI_MEMORY)
    );
    assert_eq!(
        spec_features(Path::new("proposals/exception-handling/legacy/throw.wast")),
        Some(WASM2 | features::EXCEPTIONS | features::TAIL_CALL)
    );
    assert_eq!(
        spec_features(Path::new("proposals/threads/imports.wast")),
        Some((WASM2 & !features::REFERENCE_TYPES) | features::THREADS)
    );
    assert_eq!(
        spec_features(Path::new("proposals/gc/struct.wast")),
        Some(WASM2 | features::GC | features::FUNCTION_REFERENCES | features::TAIL_CALL)
    );
    assert_eq!(
        spec_features(Path::new("proposals/custom-page-sizes/memory_max_i64.wast")),
        Some(WASM2 | features::CUSTOM_PAGE_SIZES | features::MEMORY64 | features::MULTI_MEMORY)
    );
    assert_eq!(
        spec_features(Path::new("proposals/annotations/x.wast")),
        None
    );
    assert_eq!(spec_features(Path::new("/nonexistent/dir/x.wast")), None);
}

#[test]
fn a_named_module_is_importable_by_its_name() {
    passes(
        r#"(module $lib (func (export "seven") (result i32) (i32.const 7)))
(module (import "lib" "seven" (func $s (result i32)))
  (func (export "call") (result i32) (call $s)))
(assert_return (invoke "call") (i32.const 7))
(module $lib (func (export "seven") (result i32) (i32.const 8)))
(module (import "lib" "seven" (func $s (result i32)))
  (func (export "call") (result i32) (call $s)))
(assert_return (invoke "call") (i32.const 8))"#,
    );
}
