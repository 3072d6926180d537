//! The artifacts the loader target mutates: modules with something in every part of the
//! metadata — imports of every kind, memories with data (an image and passive segments),
//! tables with active, passive and declared element segments and initializer
//! expressions, globals of every type, exports of every kind, a start function — and
//! code that uses them all. No function loops, so whatever a mutation rewires, every
//! call ends (at worst in a stack overflow, which traps). Beside them, a few `wasm-smith`
//! modules with every kind of entity, everything exported, and fuel-bounded loops.

/// Every section, and bulk memory, table and SIMD instructions.
const EVERYTHING: &str = r#"(module $everything
  (import "env" "log" (func $log (param i32 i64)))
  (import "env" "seed" (global $seed i32))
  (import "env" "counter" (global $counter (mut i64)))
  (type $unary (func (param i32) (result i32)))
  (memory (export "mem") 1 3)
  (data (i32.const 16) "hello, robustness")
  (data (i32.const 4000) "\01\02\03\04")
  (data $passive "passive bytes")
  (table $t (export "table") 4 8 funcref)
  (table $e 2 externref)
  (elem (i32.const 0) $double $inc)
  (elem $pe func $double $inc $entry)
  (elem declare func $entry)
  (global $g (export "g") (mut i32) (i32.const 7))
  (global $h i64 (i64.const -1))
  (global $f (export "f") (mut f64) (f64.const 1.5))
  (global $r (mut funcref) (ref.func $double))
  (global $v v128 (v128.const i32x4 1 2 3 4))
  (func $double (export "double") (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $unary) (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load8_u offset=16 (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "bulk") (param i32 i32 i32)
    (memory.init $passive (local.get 0) (local.get 1) (local.get 2))
    (memory.copy (local.get 1) (local.get 0) (local.get 2))
    (memory.fill (local.get 0) (i32.const 0x5a) (local.get 2))
    (data.drop $passive))
  (func (export "tables") (param i32 i32 i32) (result i32)
    (table.init $t $pe (local.get 0) (local.get 1) (local.get 2))
    (elem.drop $pe)
    (table.copy $t $t (local.get 1) (local.get 0) (local.get 2))
    (drop (table.grow $t (ref.null func) (local.get 2)))
    (table.set $e (i32.const 1) (table.get $e (i32.const 0)))
    (table.size $t))
  (func $entry (export "globals") (result i32 i64 f64)
    (global.set $g (i32.add (global.get $g) (global.get $seed)))
    (global.set $counter (i64.add (global.get $counter) (global.get $h)))
    (call $log (global.get $g) (global.get $counter))
    (global.get $g) (global.get $counter) (global.get $f))
  (func (export "ref") (result funcref) (global.get $r))
  (func (export "simd") (result i32) (i32x4.extract_lane 2 (global.get $v)))
  (func (export "divide") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "unreachable") unreachable)
  (func $start (global.set $g (i32.const 11)))
  (start $start))"#;

/// Imported memory, table and globals initialized by segments with expression offsets
/// and items, an imported start function, a second memory and table.
const IMPORTS: &str = r#"(module $imports
  (import "env" "init" (func $init))
  (import "env" "memory" (memory $m 1 2))
  (import "env" "table" (table $t 3 funcref))
  (import "env" "base" (global $base i32))
  (import "env" "fref" (global $fref funcref))
  (memory $second 1)
  (table $own 2 funcref)
  (elem (table $own) (i32.const 1) func $get)
  (data (memory $m) (i32.add (global.get $base) (i32.const 8)) "imported")
  (data (memory $second) (i32.const 100) "second")
  (elem (table $t) (global.get $base) funcref (ref.func $get) (ref.null func) (global.get $fref))
  (func $get (export "get") (param i32) (result i32)
    (i32.add (i32.load (local.get 0)) (i32.load $second (local.get 0))))
  (func (export "call") (param i32) (result i32)
    (call_indirect $t (param i32) (result i32) (i32.const 0) (local.get 0)))
  (func (export "own") (param i32) (result i32)
    (call_indirect $own (param i32) (result i32) (i32.const 100) (local.get 0)))
  (export "memory" (memory $m))
  (export "second" (memory $second))
  (export "base" (global $base))
  (start $init))"#;

/// The smallest module with code.
const TINY: &str = r#"(module (func (export "answer") (result i32) (i32.const 42)))"#;

/// A memory whose initial contents become a page-aligned image, beside a segment that
/// does not fit one.
const IMAGE: &str = r#"(module $image
  (memory (export "mem") 2 4)
  (data (i32.const 65536) "at the second page")
  (data (i32.const 0) "\ff\ff\ff\ff")
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))"#;

/// How many `wasm-smith` modules are tried (from fixed seeds: the same in every process).
const GENERATED: u64 = 6;

/// The modules, compiled for the host.
pub fn compile_all() -> Vec<Vec<u8>> {
    let written = [EVERYTHING, IMPORTS, TINY, IMAGE].map(|wat| wat.as_bytes().to_vec());
    let generated = (0..GENERATED)
        .filter_map(|seed| super::smith::terminating_module(&mut super::Rng::new(seed)));
    let options = wasmaot_compiler::CompileOptions {
        parallel: false,
        ..Default::default()
    };
    written
        .into_iter()
        .chain(generated)
        .map(|module| {
            wasmaot_compiler::compile(&module, &options)
                .unwrap_or_else(|e| panic!("a robustness module does not compile: {e}"))
        })
        .collect()
}
