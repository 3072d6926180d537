//! Conversions between lane types: integers to floats (`convert`), floats to integers
//! with saturation (`trunc_sat`), and between `f32` and `f64` lanes (`promote_low`,
//! `demote_zero`).
//!
//! The conversions between four `f32`/`i32` lanes and two `f64` lanes use (and, for the
//! narrower result, fill with zeros) the low half of the four-lane vector.

use super::{pop_as, widen::widen, zeros, Half, Sign};
use crate::translate::Cx;
use cranelift_codegen::ir::types::{F32X4, F64X2, I32X4, I64X2};
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

/// Translate `op` if it converts between lane types.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    let v = match *op {
        F32x4ConvertI32x4S => {
            let x = pop_as(cx, I32X4);
            cx.b.ins().fcvt_from_sint(F32X4, x)
        }
        F32x4ConvertI32x4U => {
            let x = pop_as(cx, I32X4);
            cx.b.ins().fcvt_from_uint(F32X4, x)
        }
        F64x2ConvertLowI32x4S => convert_low(cx, Sign::Signed),
        F64x2ConvertLowI32x4U => convert_low(cx, Sign::Unsigned),
        F64x2PromoteLowF32x4 => {
            let x = pop_as(cx, F32X4);
            cx.b.ins().fvpromote_low(x)
        }
        F32x4DemoteF64x2Zero => {
            let x = pop_as(cx, F64X2);
            cx.b.ins().fvdemote(x)
        }
        I32x4TruncSatF32x4S => trunc_sat_f32x4(cx, Sign::Signed),
        I32x4TruncSatF32x4U => trunc_sat_f32x4(cx, Sign::Unsigned),
        I32x4TruncSatF64x2SZero => trunc_sat_f64x2_zero(cx, Sign::Signed),
        I32x4TruncSatF64x2UZero => trunc_sat_f64x2_zero(cx, Sign::Unsigned),
        _ => return false,
    };
    cx.st.push1(v);
    true
}

/// `f64x2.convert_low_i32x4_{s,u}`.
fn convert_low(cx: &mut Cx, sign: Sign) -> Value {
    let x = pop_as(cx, I32X4);
    let wide = widen(cx.b, sign, Half::Low, x);
    match sign {
        Sign::Signed => cx.b.ins().fcvt_from_sint(F64X2, wide),
        Sign::Unsigned => cx.b.ins().fcvt_from_uint(F64X2, wide),
    }
}

/// `i32x4.trunc_sat_f32x4_{s,u}`: NaN to zero, out-of-range values to the nearest bound.
pub(super) fn trunc_sat_f32x4(cx: &mut Cx, sign: Sign) -> Value {
    let x = pop_as(cx, F32X4);
    match sign {
        Sign::Signed => cx.b.ins().fcvt_to_sint_sat(I32X4, x),
        Sign::Unsigned => cx.b.ins().fcvt_to_uint_sat(I32X4, x),
    }
}

/// `i32x4.trunc_sat_f64x2_{s,u}_zero`: the two lanes converted to saturated 64-bit
/// integers, then narrowed to 32 bits, saturating again, next to two zero lanes.
pub(super) fn trunc_sat_f64x2_zero(cx: &mut Cx, sign: Sign) -> Value {
    let x = pop_as(cx, F64X2);
    match sign {
        Sign::Signed => {
            let wide = cx.b.ins().fcvt_to_sint_sat(I64X2, x);
            let zero = zeros(cx, I64X2);
            cx.b.ins().snarrow(wide, zero)
        }
        Sign::Unsigned => {
            let wide = cx.b.ins().fcvt_to_uint_sat(I64X2, x);
            let zero = zeros(cx, I64X2);
            cx.b.ins().uunarrow(wide, zero)
        }
    }
}
