//! Fuel is counted in Wasmtime's units, so a host that budgets fuel gets the same
//! behaviour: 1 for every call of a function, 1 for every operator except `nop`, `drop`,
//! `block`, `loop`, `unreachable`, `return`, `else` and `end`. The expected figures were
//! printed by Wasmtime 23 (the `wasmtime==23.0.0` Python wheel: `Store.set_fuel`, a call,
//! `Store.get_fuel`) for the same module.

use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{Config, Engine, Instance, Module, Store, Val};

const WAT: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref) (elem (i32.const 0) $sq $neg)
  (memory 1)
  (func $sq (type $t) (i32.mul (local.get 0) (local.get 0)))
  (func $neg (type $t) (i32.sub (i32.const 0) (local.get 0)))
  (func $fibonacci (export "fibonacci") (param $n i32) (result i32)
    (if (i32.lt_s (local.get $n) (i32.const 2)) (then (return (local.get $n))))
    (i32.add (call $fibonacci (i32.sub (local.get $n) (i32.const 1)))
             (call $fibonacci (i32.sub (local.get $n) (i32.const 2)))))
  (func (export "mix") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $acc (i32.add (local.get $acc)
          (call_indirect (type $t) (local.get $i) (i32.const 0)))))
        (else (local.set $acc (i32.add (local.get $acc)
          (call_indirect (type $t) (local.get $i) (i32.const 1))))))
      (block $a (block $b (br_table $a $b $a (i32.rem_u (local.get $i) (i32.const 3))))
        (i32.store (i32.const 0) (local.get $acc)) (nop) (drop (i32.const 1)))
      (local.set $acc (select (local.get $acc) (i32.load (i32.const 0)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

/// Fuel consumed by `fibonacci(n)` for n = 0..=11 in Wasmtime 23.
const FIBONACCI: [u64; 12] = [6, 6, 26, 46, 86, 146, 246, 406, 666, 1086, 1766, 2866];

#[test]
fn calls_consume_what_wasmtime_23_reports() {
    let options = CompileOptions {
        consume_fuel: true,
        ..CompileOptions::default()
    };
    let artifact = compile(WAT.as_bytes(), &options).expect("compiles");
    let mut config = Config::default();
    config.consume_fuel(true);
    let engine = Engine::new(config);
    let module = Module::from_bytes(&engine, &artifact).expect("loads");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mut consumed = |name: &str, n: i32| {
        store.set_fuel(100_000).unwrap();
        let f = instance.get_func(&mut store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(n)], &mut out).unwrap();
        100_000 - store.get_fuel().unwrap()
    };
    let fib: Vec<u64> = (0..12).map(|n| consumed("fibonacci", n)).collect();
    assert_eq!(fib, FIBONACCI);
    // `mix(n)` for n = 0..=5: loops, branches, indirect calls, memory, select.
    let mix: Vec<u64> = (0..6).map(|n| consumed("mix", n)).collect();
    assert_eq!(mix, MIX);
}

/// Fuel consumed by `mix(n)` for n = 0..=5 in Wasmtime 23.
const MIX: [u64; 6] = [34, 34, 70, 102, 134, 170];
