//! `CompileOptions::nan_canonicalization` (the C API's
//! `wasmtime_config_cranelift_nan_canonicalization_set`, `-W nan-canonicalization`):
//! every NaN a float operation produces becomes the canonical one, in scalars and in
//! every f32x4/f64x2 lane; without it, a NaN operand's payload comes through.

use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{Engine, Instance, Module, Store, Val};

const WAT: &str = r#"(module
  (func (export "f32") (result i32)
    (i32.reinterpret_f32 (f32.add (f32.const nan:0x200000) (f32.const 1))))
  (func (export "f64") (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.const nan:0x4000000000000) (f64.const 2))))
  (func (export "f32x4") (result v128)
    (f32x4.sub (v128.const f32x4 nan:0x200000 1 nan:0x1234 -nan:0x300000)
               (v128.const f32x4 1 1 1 1)))
  (func (export "f64x2") (result v128)
    (f64x2.div (v128.const f64x2 nan:0x4000000000000 6) (v128.const f64x2 1 2)))
  (func (export "sqrt") (result i32)
    (i32.reinterpret_f32 (f32.sqrt (f32.const -1)))))"#;

const F32_CANON: u32 = 0x7fc0_0000;
const F64_CANON: u64 = 0x7ff8_0000_0000_0000;

fn run(canonicalize: bool, name: &str, result: Val) -> Val {
    let options = CompileOptions {
        nan_canonicalization: canonicalize,
        ..CompileOptions::default()
    };
    let artifact = compile(WAT.as_bytes(), &options).expect("compiles");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &artifact).expect("loads");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_func(&mut store, name).unwrap();
    let mut out = [result];
    f.call(&mut store, &[], &mut out).unwrap();
    out[0]
}

fn f32_lanes(v: Val) -> [u32; 4] {
    let Val::V128(v) = v else { panic!("{v:?}") };
    let b = v.to_le_bytes();
    std::array::from_fn(|i| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap()))
}

fn f64_lanes(v: Val) -> [u64; 2] {
    let Val::V128(v) = v else { panic!("{v:?}") };
    let b = v.to_le_bytes();
    std::array::from_fn(|i| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap()))
}

#[test]
fn canonical_nans_in_scalars_and_lanes() {
    assert_eq!(run(true, "f32", Val::I32(0)), Val::I32(F32_CANON as i32));
    assert_eq!(run(true, "f64", Val::I64(0)), Val::I64(F64_CANON as i64));
    assert_eq!(run(true, "sqrt", Val::I32(0)), Val::I32(F32_CANON as i32));
    let lanes = f32_lanes(run(true, "f32x4", Val::V128(0)));
    assert_eq!(lanes, [F32_CANON, 0, F32_CANON, F32_CANON]);
    let lanes = f64_lanes(run(true, "f64x2", Val::V128(0)));
    assert_eq!(lanes, [F64_CANON, 3f64.to_bits()]);
}

#[test]
fn without_it_a_payload_comes_through() {
    // The operand's quiet NaN (payload kept) on the hosts we run on.
    let Val::I32(bits) = run(false, "f32", Val::I32(0)) else {
        panic!()
    };
    assert_ne!(bits as u32 & 0x7fff_ffff, F32_CANON, "{bits:#x}");
    let lanes = f32_lanes(run(false, "f32x4", Val::V128(0)));
    assert_ne!(lanes[0], F32_CANON, "{lanes:x?}");
}
