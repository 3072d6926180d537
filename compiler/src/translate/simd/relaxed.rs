//! The relaxed-SIMD operators, whose results may differ between platforms within the
//! choices the proposal allows.
//!
//! Each has a deterministic lowering, the result of the corresponding exact operator
//! (`swizzle`, `fmin`/`fmax`, fused multiply-add, `bitselect`, `trunc_sat`,
//! `q15mulr_sat_s`, a signed dot product), and some a cheaper target-specific one.
//! The choice reproduces cranelift-wasm 0.112.3 with our environment: its
//! `relaxed_simd_deterministic` hook defaults to `true` and our `FuncEnvironment` never
//! overrode it, so every operator got its deterministic lowering, as `DETERMINISTIC`
//! keeps it. With that constant `false`, the choices are the ones 0.112.3 made for an environment answering `is_x86` and
//! `has_native_fma` only (its `pshufb`, `blendv`, `pmulhrsw` and `pmaddubsw` hooks
//! defaulted to off): on x86 `relaxed_min/max` become `pmin`/`pmax` and the signed
//! truncations `cvttps2dq`/`cvttpd2dq` (`INT_MIN` for NaN and out-of-range lanes); without
//! a native FMA instruction `relaxed_madd/nmadd` are an unfused multiplication and addition.
//! The unsigned truncations are always the saturating ones.

use super::convert::{trunc_sat_f32x4, trunc_sat_f64x2_zero};
use super::float::{pmax, pmin};
use super::widen::signed_dot;
use super::{pop2_as, pop3_as, pop_as, zeros, Sign};
use crate::func_env::FuncEnv;
use crate::translate::Cx;
use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::Operator;

/// Whether every relaxed operator gets its deterministic lowering, on every target.
const DETERMINISTIC: bool = true;

/// Which lowerings the relaxed operators get on the target.
#[derive(Debug, Clone, Copy)]
struct Lowering {
    /// `min`/`max` and the signed truncations with the semantics of x86's instructions.
    x86: bool,
    /// `madd`/`nmadd` fused (without, a multiplication then an addition).
    fused: bool,
}

impl Lowering {
    fn for_target(env: &FuncEnv) -> Self {
        Lowering {
            x86: !DETERMINISTIC && env.is_x86(),
            fused: DETERMINISTIC || env.has_native_fma(),
        }
    }
}

/// Translate `op` if it is a relaxed-SIMD operator.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    let v = match *op {
        I8x16RelaxedSwizzle => {
            let (x, indices) = pop2_as(cx, I8X16);
            cx.b.ins().swizzle(x, indices)
        }
        F32x4RelaxedMin => min(cx, F32X4),
        F64x2RelaxedMin => min(cx, F64X2),
        F32x4RelaxedMax => max(cx, F32X4),
        F64x2RelaxedMax => max(cx, F64X2),
        F32x4RelaxedMadd => multiply_add(cx, F32X4, false),
        F64x2RelaxedMadd => multiply_add(cx, F64X2, false),
        F32x4RelaxedNmadd => multiply_add(cx, F32X4, true),
        F64x2RelaxedNmadd => multiply_add(cx, F64X2, true),
        I8x16RelaxedLaneselect => laneselect(cx, I8X16),
        I16x8RelaxedLaneselect => laneselect(cx, I16X8),
        I32x4RelaxedLaneselect => laneselect(cx, I32X4),
        I64x2RelaxedLaneselect => laneselect(cx, I64X2),
        I32x4RelaxedTruncF32x4S => trunc_f32x4_s(cx),
        I32x4RelaxedTruncF32x4U => trunc_sat_f32x4(cx, Sign::Unsigned),
        I32x4RelaxedTruncF64x2SZero => trunc_f64x2_s_zero(cx),
        I32x4RelaxedTruncF64x2UZero => trunc_sat_f64x2_zero(cx, Sign::Unsigned),
        I16x8RelaxedQ15mulrS => {
            let (x, y) = pop2_as(cx, I16X8);
            cx.b.ins().sqmul_round_sat(x, y)
        }
        I16x8RelaxedDotI8x16I7x16S => {
            let (x, y) = pop2_as(cx, I8X16);
            signed_dot(cx.b, x, y)
        }
        I32x4RelaxedDotI8x16I7x16AddS => dot_add(cx),
        _ => return false,
    };
    cx.st.push1(v);
    true
}

/// `relaxed_min` on `ty` vectors.
fn min(cx: &mut Cx, ty: Type) -> Value {
    if Lowering::for_target(cx.env).x86 {
        return pmin(cx, ty);
    }
    let (x, y) = pop2_as(cx, ty);
    cx.b.ins().fmin(x, y)
}

/// `relaxed_max` on `ty` vectors.
fn max(cx: &mut Cx, ty: Type) -> Value {
    if Lowering::for_target(cx.env).x86 {
        return pmax(cx, ty);
    }
    let (x, y) = pop2_as(cx, ty);
    cx.b.ins().fmax(x, y)
}

/// `relaxed_madd` (`a * b + c`), or with `negate` `relaxed_nmadd` (`-a * b + c`), on
/// `ty` vectors.
fn multiply_add(cx: &mut Cx, ty: Type, negate: bool) -> Value {
    let (a, b, c) = pop3_as(cx, ty);
    let a = if negate { cx.b.ins().fneg(a) } else { a };
    if Lowering::for_target(cx.env).fused {
        cx.b.ins().fma(a, b, c)
    } else {
        let product = cx.b.ins().fmul(a, b);
        cx.b.ins().fadd(product, c)
    }
}

/// `relaxed_laneselect` on `ty` lanes: the bits of the first operand where the mask (the
/// third) has ones, of the second where it has zeros (as `v128.bitselect`).
fn laneselect(cx: &mut Cx, ty: Type) -> Value {
    let (if_set, if_clear, mask) = pop3_as(cx, ty);
    cx.b.ins().bitselect(mask, if_set, if_clear)
}

/// `i32x4.relaxed_trunc_f32x4_s`.
fn trunc_f32x4_s(cx: &mut Cx) -> Value {
    if !Lowering::for_target(cx.env).x86 {
        return trunc_sat_f32x4(cx, Sign::Signed);
    }
    let x = pop_as(cx, F32X4);
    cx.b.ins().x86_cvtt2dq(I32X4, x)
}

/// `i32x4.relaxed_trunc_f64x2_s_zero`.
fn trunc_f64x2_s_zero(cx: &mut Cx) -> Value {
    if !Lowering::for_target(cx.env).x86 {
        return trunc_sat_f64x2_zero(cx, Sign::Signed);
    }
    let x = pop_as(cx, F64X2);
    let wide = cx.b.ins().x86_cvtt2dq(I64X2, x);
    let zero = zeros(cx, I64X2);
    cx.b.ins().snarrow(wide, zero)
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the signed `i16x8` dot product of the first two
/// operands (wrapping), its adjacent lanes summed into `i32` lanes, plus the third operand.
fn dot_add(cx: &mut Cx) -> Value {
    let addend = pop_as(cx, I32X4);
    let (x, y) = pop2_as(cx, I8X16);
    let dot = signed_dot(cx.b, x, y);
    let low = cx.b.ins().swiden_low(dot);
    let high = cx.b.ins().swiden_high(dot);
    let sums = cx.b.ins().iadd_pairwise(low, high);
    cx.b.ins().iadd(sums, addend)
}
