//! Lane-wise integer arithmetic whose operands and result have one lane shape: addition
//! and subtraction (wrapping and saturating), multiplication, min/max, rounding average,
//! negation, absolute value, population count, `i16x8.q15mulr_sat_s`, and the shifts.

use super::{binary, pop_as, unary};
use crate::translate::Cx;
use cranelift_codegen::ir::types::{I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Opcode, Type};
use wasmparser::Operator;

/// Translate `op` if it is lane-wise integer arithmetic or a shift.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    if let Some((ty, opcode)) = binary_op(op) {
        binary(cx, ty, opcode);
    } else if let Some((ty, opcode)) = unary_op(op) {
        unary(cx, ty, opcode);
    } else if let Some((ty, opcode)) = shift_op(op) {
        // The shift count is an `i32`, taken modulo the lane width as wasm wants.
        let count = cx.st.pop1();
        let x = pop_as(cx, ty);
        let (inst, dfg) = cx.b.ins().Binary(opcode, ty, x, count);
        let v = dfg.first_result(inst);
        cx.st.push1(v);
    } else {
        return false;
    }
    true
}

/// The operators of two operands: their type and the Cranelift instruction.
fn binary_op(op: &Operator) -> Option<(Type, Opcode)> {
    use Opcode::*;
    use Operator::*;
    Some(match *op {
        I8x16Add => (I8X16, Iadd),
        I16x8Add => (I16X8, Iadd),
        I32x4Add => (I32X4, Iadd),
        I64x2Add => (I64X2, Iadd),
        I8x16AddSatS => (I8X16, SaddSat),
        I16x8AddSatS => (I16X8, SaddSat),
        I8x16AddSatU => (I8X16, UaddSat),
        I16x8AddSatU => (I16X8, UaddSat),
        I8x16Sub => (I8X16, Isub),
        I16x8Sub => (I16X8, Isub),
        I32x4Sub => (I32X4, Isub),
        I64x2Sub => (I64X2, Isub),
        I8x16SubSatS => (I8X16, SsubSat),
        I16x8SubSatS => (I16X8, SsubSat),
        I8x16SubSatU => (I8X16, UsubSat),
        I16x8SubSatU => (I16X8, UsubSat),
        I16x8Mul => (I16X8, Imul),
        I32x4Mul => (I32X4, Imul),
        I64x2Mul => (I64X2, Imul),
        I8x16MinS => (I8X16, Smin),
        I16x8MinS => (I16X8, Smin),
        I32x4MinS => (I32X4, Smin),
        I8x16MinU => (I8X16, Umin),
        I16x8MinU => (I16X8, Umin),
        I32x4MinU => (I32X4, Umin),
        I8x16MaxS => (I8X16, Smax),
        I16x8MaxS => (I16X8, Smax),
        I32x4MaxS => (I32X4, Smax),
        I8x16MaxU => (I8X16, Umax),
        I16x8MaxU => (I16X8, Umax),
        I32x4MaxU => (I32X4, Umax),
        I8x16AvgrU => (I8X16, AvgRound),
        I16x8AvgrU => (I16X8, AvgRound),
        I16x8Q15MulrSatS => (I16X8, SqmulRoundSat),
        _ => return None,
    })
}

/// The operators of one operand: its type and the Cranelift instruction.
fn unary_op(op: &Operator) -> Option<(Type, Opcode)> {
    use Opcode::*;
    use Operator::*;
    Some(match *op {
        I8x16Neg => (I8X16, Ineg),
        I16x8Neg => (I16X8, Ineg),
        I32x4Neg => (I32X4, Ineg),
        I64x2Neg => (I64X2, Ineg),
        I8x16Abs => (I8X16, Iabs),
        I16x8Abs => (I16X8, Iabs),
        I32x4Abs => (I32X4, Iabs),
        I64x2Abs => (I64X2, Iabs),
        I8x16Popcnt => (I8X16, Popcnt),
        _ => return None,
    })
}

/// The shifts (a vector and an `i32` count): the vector's type and the instruction.
fn shift_op(op: &Operator) -> Option<(Type, Opcode)> {
    use Opcode::*;
    use Operator::*;
    Some(match *op {
        I8x16Shl => (I8X16, Ishl),
        I16x8Shl => (I16X8, Ishl),
        I32x4Shl => (I32X4, Ishl),
        I64x2Shl => (I64X2, Ishl),
        I8x16ShrS => (I8X16, Sshr),
        I16x8ShrS => (I16X8, Sshr),
        I32x4ShrS => (I32X4, Sshr),
        I64x2ShrS => (I64X2, Sshr),
        I8x16ShrU => (I8X16, Ushr),
        I16x8ShrU => (I16X8, Ushr),
        I32x4ShrU => (I32X4, Ushr),
        I64x2ShrU => (I64X2, Ushr),
        _ => return None,
    })
}
