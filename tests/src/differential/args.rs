//! Deterministic arguments: edge values often, random bits otherwise.

use super::rng::Rng;
use super::value::{Type, Value};

const I32_EDGES: &[i32] = &[0, 1, -1, 2, 8, 31, 32, i32::MIN, i32::MAX, 0x8000, 0xffff];
const I64_EDGES: &[i64] = &[
    0,
    1,
    -1,
    63,
    64,
    i64::MIN,
    i64::MAX,
    1 << 32,
    u32::MAX as i64,
];
const F32_EDGES: &[f32] = &[0.0, -0.0, 1.0, -1.5, 0.5, f32::INFINITY, f32::NEG_INFINITY];
const F32_BITS: &[u32] = &[
    0x7fc0_0000,
    0xffc0_0000,
    0x7fa0_0001,
    0x0000_0001,
    0x4f00_0000,
];
const F64_EDGES: &[f64] = &[0.0, -0.0, 1.0, -1.5, 0.5, f64::INFINITY, f64::NEG_INFINITY];
const F64_BITS: &[u64] = &[
    0x7ff8_0000_0000_0000,
    0xfff4_0000_0000_0001,
    0x43e0_0000_0000_0000,
];

/// Arguments of the given types.
pub fn arguments(rng: &mut Rng, params: &[Type]) -> Vec<Value> {
    params.iter().map(|ty| argument(rng, *ty)).collect()
}

fn argument(rng: &mut Rng, ty: Type) -> Value {
    let edge = rng.below(2) == 0;
    match ty {
        Type::I32 if edge => Value::I32(pick(rng, I32_EDGES)),
        Type::I32 => Value::I32(small_or_any(rng) as i32),
        Type::I64 if edge => Value::I64(pick(rng, I64_EDGES)),
        Type::I64 => Value::I64(small_or_any(rng) as i64),
        Type::F32 if edge && rng.below(3) == 0 => Value::F32(pick(rng, F32_BITS)),
        Type::F32 if edge => Value::F32(pick(rng, F32_EDGES).to_bits()),
        Type::F32 if rng.below(2) == 0 => Value::F32((rng.below(1 << 16) as f32).to_bits()),
        Type::F32 => Value::F32(rng.next_u64() as u32),
        Type::F64 if edge && rng.below(3) == 0 => Value::F64(pick(rng, F64_BITS)),
        Type::F64 if edge => Value::F64(pick(rng, F64_EDGES).to_bits()),
        Type::F64 if rng.below(2) == 0 => Value::F64((rng.below(1 << 16) as f64).to_bits()),
        Type::F64 => Value::F64(rng.next_u64()),
        Type::V128 => Value::V128(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())),
        Type::FuncRef | Type::ExternRef | Type::ExnRef | Type::AnyRef => {
            Value::null(ty).expect("a reference type")
        }
    }
}

/// A small number (a likely address, index or count) or any 64 bits.
fn small_or_any(rng: &mut Rng) -> u64 {
    if rng.below(2) == 0 {
        rng.below(1 << 16)
    } else {
        rng.next_u64()
    }
}

fn pick<T: Copy>(rng: &mut Rng, values: &[T]) -> T {
    values[rng.below(values.len() as u64) as usize]
}
