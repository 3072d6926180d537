//! Integer operators that change the lane width: `extend_{low,high}` (half the lanes,
//! twice as wide), `extmul` (their product), `extadd_pairwise` (sums of adjacent lanes),
//! `i32x4.dot_i16x8_s`, and `narrow` (two vectors saturated into one of half-width lanes).
//!
//! The shapes of the emitted instructions are the ones Cranelift's backends recognise
//! (e.g. `pmaddwd` for the dot product and for `i32x4.extadd_pairwise_i16x8_s` on x86).

use super::{pop2_as, pop_as, Half, Sign};
use crate::translate::Cx;
use cranelift_codegen::ir::types::{I16X8, I32X4, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

/// Translate `op` if it changes the lane width of integers.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    if let Some((from, sign, half)) = extend_op(op) {
        let x = pop_as(cx, from);
        let v = widen(cx.b, sign, half, x);
        cx.st.push1(v);
    } else if let Some((from, sign, half)) = extmul_op(op) {
        let (x, y) = pop2_as(cx, from);
        let v = extended_mul(cx.b, sign, half, x, y);
        cx.st.push1(v);
    } else {
        return other(op, cx);
    }
    true
}

/// `extend_{low,high}_*`: the operand's type, the extension and the half taken.
fn extend_op(op: &Operator) -> Option<(Type, Sign, Half)> {
    use Half::*;
    use Operator::*;
    use Sign::*;
    Some(match *op {
        I16x8ExtendLowI8x16S => (I8X16, Signed, Low),
        I16x8ExtendHighI8x16S => (I8X16, Signed, High),
        I16x8ExtendLowI8x16U => (I8X16, Unsigned, Low),
        I16x8ExtendHighI8x16U => (I8X16, Unsigned, High),
        I32x4ExtendLowI16x8S => (I16X8, Signed, Low),
        I32x4ExtendHighI16x8S => (I16X8, Signed, High),
        I32x4ExtendLowI16x8U => (I16X8, Unsigned, Low),
        I32x4ExtendHighI16x8U => (I16X8, Unsigned, High),
        I64x2ExtendLowI32x4S => (I32X4, Signed, Low),
        I64x2ExtendHighI32x4S => (I32X4, Signed, High),
        I64x2ExtendLowI32x4U => (I32X4, Unsigned, Low),
        I64x2ExtendHighI32x4U => (I32X4, Unsigned, High),
        _ => return None,
    })
}

/// `extmul_{low,high}_*`: the operands' type, their extension and the half multiplied.
fn extmul_op(op: &Operator) -> Option<(Type, Sign, Half)> {
    use Half::*;
    use Operator::*;
    use Sign::*;
    Some(match *op {
        I16x8ExtMulLowI8x16S => (I8X16, Signed, Low),
        I16x8ExtMulHighI8x16S => (I8X16, Signed, High),
        I16x8ExtMulLowI8x16U => (I8X16, Unsigned, Low),
        I16x8ExtMulHighI8x16U => (I8X16, Unsigned, High),
        I32x4ExtMulLowI16x8S => (I16X8, Signed, Low),
        I32x4ExtMulHighI16x8S => (I16X8, Signed, High),
        I32x4ExtMulLowI16x8U => (I16X8, Unsigned, Low),
        I32x4ExtMulHighI16x8U => (I16X8, Unsigned, High),
        I64x2ExtMulLowI32x4S => (I32X4, Signed, Low),
        I64x2ExtMulHighI32x4S => (I32X4, Signed, High),
        I64x2ExtMulLowI32x4U => (I32X4, Unsigned, Low),
        I64x2ExtMulHighI32x4U => (I32X4, Unsigned, High),
        _ => return None,
    })
}

/// The pairwise additions, the dot product and the narrowings.
fn other(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    let v = match *op {
        I16x8ExtAddPairwiseI8x16S => extadd_pairwise(cx, I8X16, Sign::Signed),
        I16x8ExtAddPairwiseI8x16U => extadd_pairwise(cx, I8X16, Sign::Unsigned),
        I32x4ExtAddPairwiseI16x8S => extadd_pairwise(cx, I16X8, Sign::Signed),
        I32x4ExtAddPairwiseI16x8U => extadd_pairwise(cx, I16X8, Sign::Unsigned),
        I32x4DotI16x8S => {
            let (x, y) = pop2_as(cx, I16X8);
            signed_dot(cx.b, x, y)
        }
        I8x16NarrowI16x8S => narrow(cx, I16X8, Sign::Signed),
        I8x16NarrowI16x8U => narrow(cx, I16X8, Sign::Unsigned),
        I16x8NarrowI32x4S => narrow(cx, I32X4, Sign::Signed),
        I16x8NarrowI32x4U => narrow(cx, I32X4, Sign::Unsigned),
        _ => return false,
    };
    cx.st.push1(v);
    true
}

/// Half of the lanes of `x`, extended to twice their width.
pub(super) fn widen(b: &mut FunctionBuilder, sign: Sign, half: Half, x: Value) -> Value {
    match (sign, half) {
        (Sign::Signed, Half::Low) => b.ins().swiden_low(x),
        (Sign::Signed, Half::High) => b.ins().swiden_high(x),
        (Sign::Unsigned, Half::Low) => b.ins().uwiden_low(x),
        (Sign::Unsigned, Half::High) => b.ins().uwiden_high(x),
    }
}

/// The products of half of the lanes of `x` and `y`, extended to twice their width.
fn extended_mul(b: &mut FunctionBuilder, sign: Sign, half: Half, x: Value, y: Value) -> Value {
    let x = widen(b, sign, half, x);
    let y = widen(b, sign, half, y);
    b.ins().imul(x, y)
}

/// `extadd_pairwise`: the sums of adjacent lanes of the operand (as `ty`), extended to
/// twice their width.
fn extadd_pairwise(cx: &mut Cx, ty: Type, sign: Sign) -> Value {
    let x = pop_as(cx, ty);
    let low = widen(cx.b, sign, Half::Low, x);
    let high = widen(cx.b, sign, Half::High, x);
    cx.b.ins().iadd_pairwise(low, high)
}

/// The signed dot product of `x` and `y`: the sums of the products of adjacent lanes,
/// extended to twice their width (wrapping where the sum does not fit).
pub(super) fn signed_dot(b: &mut FunctionBuilder, x: Value, y: Value) -> Value {
    let low = extended_mul(b, Sign::Signed, Half::Low, x, y);
    let high = extended_mul(b, Sign::Signed, Half::High, x, y);
    b.ins().iadd_pairwise(low, high)
}

/// `narrow`: the lanes of both operands (as `ty`, first operand in the low lanes),
/// saturated to half their width as signed or unsigned integers; the operands are signed.
fn narrow(cx: &mut Cx, ty: Type, sign: Sign) -> Value {
    let (x, y) = pop2_as(cx, ty);
    match sign {
        Sign::Signed => cx.b.ins().snarrow(x, y),
        Sign::Unsigned => cx.b.ins().unarrow(x, y),
    }
}
