//! Lane-wise float arithmetic: the four operations, `min`/`max` (NaN-propagating, as
//! Cranelift's `fmin`/`fmax` are), the pseudo-minimum and -maximum `pmin`/`pmax`, square
//! root, negation, absolute value and the roundings.

use super::{binary, pop2_as, unary};
use crate::translate::state::bitcast_to;
use crate::translate::Cx;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{F32X4, F64X2};
use cranelift_codegen::ir::{InstBuilder, Opcode, Type, Value};
use wasmparser::Operator;

/// Translate `op` if it is lane-wise float arithmetic.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    if let Some((ty, opcode)) = binary_op(op) {
        binary(cx, ty, opcode);
    } else if let Some((ty, opcode)) = unary_op(op) {
        unary(cx, ty, opcode);
    } else {
        let v = match *op {
            F32x4PMin => pmin(cx, F32X4),
            F64x2PMin => pmin(cx, F64X2),
            F32x4PMax => pmax(cx, F32X4),
            F64x2PMax => pmax(cx, F64X2),
            _ => return false,
        };
        cx.st.push1(v);
    }
    true
}

/// The operators of two operands: their type and the Cranelift instruction.
fn binary_op(op: &Operator) -> Option<(Type, Opcode)> {
    use Opcode::*;
    use Operator::*;
    Some(match *op {
        F32x4Add => (F32X4, Fadd),
        F64x2Add => (F64X2, Fadd),
        F32x4Sub => (F32X4, Fsub),
        F64x2Sub => (F64X2, Fsub),
        F32x4Mul => (F32X4, Fmul),
        F64x2Mul => (F64X2, Fmul),
        F32x4Div => (F32X4, Fdiv),
        F64x2Div => (F64X2, Fdiv),
        F32x4Min => (F32X4, Fmin),
        F64x2Min => (F64X2, Fmin),
        F32x4Max => (F32X4, Fmax),
        F64x2Max => (F64X2, Fmax),
        _ => return None,
    })
}

/// The operators of one operand: its type and the Cranelift instruction.
fn unary_op(op: &Operator) -> Option<(Type, Opcode)> {
    use Opcode::*;
    use Operator::*;
    Some(match *op {
        F32x4Sqrt => (F32X4, Sqrt),
        F64x2Sqrt => (F64X2, Sqrt),
        F32x4Neg => (F32X4, Fneg),
        F64x2Neg => (F64X2, Fneg),
        F32x4Abs => (F32X4, Fabs),
        F64x2Abs => (F64X2, Fabs),
        F32x4Ceil => (F32X4, Ceil),
        F64x2Ceil => (F64X2, Ceil),
        F32x4Floor => (F32X4, Floor),
        F64x2Floor => (F64X2, Floor),
        F32x4Trunc => (F32X4, Trunc),
        F64x2Trunc => (F64X2, Trunc),
        F32x4Nearest => (F32X4, Nearest),
        F64x2Nearest => (F64X2, Nearest),
        _ => return None,
    })
}

/// `pmin`: per lane `b < a ? b : a`, for operands `a`, `b` (in push order) of type `ty`.
///
/// Written, like `pmax`, as the compare-and-`bitselect` the spec defines it as; the x86
/// backend recognises this shape (operand order included) as `minps`/`minpd`.
pub(super) fn pmin(cx: &mut Cx, ty: Type) -> Value {
    let (a, b) = pop2_as(cx, ty);
    let b_less = less_than(cx, ty, b, a);
    cx.b.ins().bitselect(b_less, b, a)
}

/// `pmax`: per lane `a < b ? b : a`, for operands `a`, `b` (in push order) of type `ty`.
pub(super) fn pmax(cx: &mut Cx, ty: Type) -> Value {
    let (a, b) = pop2_as(cx, ty);
    let a_less = less_than(cx, ty, a, b);
    cx.b.ins().bitselect(a_less, b, a)
}

/// The lane mask of `x < y` as a `ty` vector, the type `bitselect` wants it in.
fn less_than(cx: &mut Cx, ty: Type, x: Value, y: Value) -> Value {
    let mask = cx.b.ins().fcmp(FloatCC::LessThan, x, y);
    bitcast_to(cx.b, ty, mask)
}
