//! Lane-wise comparisons. Each lane of the result is all ones where the comparison holds
//! and zero where it does not, as Cranelift's vector `icmp` and `fcmp` produce them (an
//! integer vector of the operands' lane width).

use super::pop2_as;
use crate::translate::Cx;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type};
use wasmparser::Operator;

/// Translate `op` if it is a vector comparison.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    if let Some((ty, cc)) = int_comparison(op) {
        let (x, y) = pop2_as(cx, ty);
        let v = cx.b.ins().icmp(cc, x, y);
        cx.st.push1(v);
    } else if let Some((ty, cc)) = float_comparison(op) {
        let (x, y) = pop2_as(cx, ty);
        let v = cx.b.ins().fcmp(cc, x, y);
        cx.st.push1(v);
    } else {
        return false;
    }
    true
}

/// The integer comparisons: the operands' type and the condition.
fn int_comparison(op: &Operator) -> Option<(Type, IntCC)> {
    use IntCC::*;
    use Operator::*;
    Some(match *op {
        I8x16Eq => (I8X16, Equal),
        I8x16Ne => (I8X16, NotEqual),
        I8x16LtS => (I8X16, SignedLessThan),
        I8x16LtU => (I8X16, UnsignedLessThan),
        I8x16GtS => (I8X16, SignedGreaterThan),
        I8x16GtU => (I8X16, UnsignedGreaterThan),
        I8x16LeS => (I8X16, SignedLessThanOrEqual),
        I8x16LeU => (I8X16, UnsignedLessThanOrEqual),
        I8x16GeS => (I8X16, SignedGreaterThanOrEqual),
        I8x16GeU => (I8X16, UnsignedGreaterThanOrEqual),
        I16x8Eq => (I16X8, Equal),
        I16x8Ne => (I16X8, NotEqual),
        I16x8LtS => (I16X8, SignedLessThan),
        I16x8LtU => (I16X8, UnsignedLessThan),
        I16x8GtS => (I16X8, SignedGreaterThan),
        I16x8GtU => (I16X8, UnsignedGreaterThan),
        I16x8LeS => (I16X8, SignedLessThanOrEqual),
        I16x8LeU => (I16X8, UnsignedLessThanOrEqual),
        I16x8GeS => (I16X8, SignedGreaterThanOrEqual),
        I16x8GeU => (I16X8, UnsignedGreaterThanOrEqual),
        I32x4Eq => (I32X4, Equal),
        I32x4Ne => (I32X4, NotEqual),
        I32x4LtS => (I32X4, SignedLessThan),
        I32x4LtU => (I32X4, UnsignedLessThan),
        I32x4GtS => (I32X4, SignedGreaterThan),
        I32x4GtU => (I32X4, UnsignedGreaterThan),
        I32x4LeS => (I32X4, SignedLessThanOrEqual),
        I32x4LeU => (I32X4, UnsignedLessThanOrEqual),
        I32x4GeS => (I32X4, SignedGreaterThanOrEqual),
        I32x4GeU => (I32X4, UnsignedGreaterThanOrEqual),
        I64x2Eq => (I64X2, Equal),
        I64x2Ne => (I64X2, NotEqual),
        I64x2LtS => (I64X2, SignedLessThan),
        I64x2GtS => (I64X2, SignedGreaterThan),
        I64x2LeS => (I64X2, SignedLessThanOrEqual),
        I64x2GeS => (I64X2, SignedGreaterThanOrEqual),
        _ => return None,
    })
}

/// The float comparisons: the operands' type and the condition (ordered, but `ne`, which
/// holds for NaNs).
fn float_comparison(op: &Operator) -> Option<(Type, FloatCC)> {
    use FloatCC::*;
    use Operator::*;
    Some(match *op {
        F32x4Eq => (F32X4, Equal),
        F32x4Ne => (F32X4, NotEqual),
        F32x4Lt => (F32X4, LessThan),
        F32x4Gt => (F32X4, GreaterThan),
        F32x4Le => (F32X4, LessThanOrEqual),
        F32x4Ge => (F32X4, GreaterThanOrEqual),
        F64x2Eq => (F64X2, Equal),
        F64x2Ne => (F64X2, NotEqual),
        F64x2Lt => (F64X2, LessThan),
        F64x2Gt => (F64X2, GreaterThan),
        F64x2Le => (F64X2, LessThanOrEqual),
        F64x2Ge => (F64X2, GreaterThanOrEqual),
        _ => return None,
    })
}
