//! The 128-bit SIMD operators: everything of the `simd` and `relaxed_simd` proposals.
//!
//! A `v128` value on the value stack may have any 128-bit vector type. Each operator
//! bitcasts its operands (lanes in wasm's little-endian order) to the lane shape it works
//! on and pushes its result in whatever shape it comes out as; the translator makes vectors
//! `I8X16` where they cross control-flow edges, locals and calls. Scalar results
//! (`extract_lane`, `any_true`, `all_true`, `bitmask`) have the scalar type wasm gives them.
//!
//! One submodule per concern: memory accesses, lane manipulation, bitwise operators and
//! reductions, comparisons, integer and float arithmetic, operators that change the lane
//! width (extend, narrow, extended multiplication and addition, dot products), conversions,
//! and the relaxed operators.

mod bitwise;
mod compare;
mod convert;
mod float;
mod int;
mod lanes;
mod memory;
mod relaxed;
mod widen;

use super::state::bitcast_to;
use super::{Cx, Result};
use cranelift_codegen::ir::{ConstantData, InstBuilder, Opcode, Type, Value};
use wasmparser::Operator;

/// Translate `op` if it is a SIMD or relaxed-SIMD operator; `Ok(false)` if it is not one.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    Ok(memory::translate(op, cx)?
        || lanes::translate(op, cx)
        || bitwise::translate(op, cx)
        || compare::translate(op, cx)
        || int::translate(op, cx)
        || float::translate(op, cx)
        || widen::translate(op, cx)
        || convert::translate(op, cx)
        || relaxed::translate(op, cx))
}

/// How the lanes of a narrower integer are extended to a wider one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Signed,
    Unsigned,
}

/// Which half of the lanes an operator that doubles their width takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Low,
    High,
}

/// Pop a `v128` operand as a vector of type `ty`.
fn pop_as(cx: &mut Cx, ty: Type) -> Value {
    let v = cx.st.pop1();
    bitcast_to(cx.b, ty, v)
}

/// Pop two `v128` operands (in push order) as vectors of type `ty`.
fn pop2_as(cx: &mut Cx, ty: Type) -> (Value, Value) {
    let (a, b) = cx.st.pop2();
    (bitcast_to(cx.b, ty, a), bitcast_to(cx.b, ty, b))
}

/// Pop three `v128` operands (in push order) as vectors of type `ty`.
fn pop3_as(cx: &mut Cx, ty: Type) -> (Value, Value, Value) {
    let (a, b, c) = cx.st.pop3();
    let a = bitcast_to(cx.b, ty, a);
    (a, bitcast_to(cx.b, ty, b), bitcast_to(cx.b, ty, c))
}

/// Apply `opcode`, a lane-wise instruction of one operand, to the top of the stack taken
/// as a `ty` vector.
fn unary(cx: &mut Cx, ty: Type, opcode: Opcode) {
    let x = pop_as(cx, ty);
    let (inst, dfg) = cx.b.ins().Unary(opcode, ty, x);
    let result = dfg.first_result(inst);
    cx.st.push1(result);
}

/// Apply `opcode`, a lane-wise instruction of two operands of one type, to the top two
/// values of the stack taken as `ty` vectors.
fn binary(cx: &mut Cx, ty: Type, opcode: Opcode) {
    let (x, y) = pop2_as(cx, ty);
    let (inst, dfg) = cx.b.ins().Binary(opcode, ty, x, y);
    let result = dfg.first_result(inst);
    cx.st.push1(result);
}

/// A `ty` vector of zeros.
fn zeros(cx: &mut Cx, ty: Type) -> Value {
    let bytes = ConstantData::from(vec![0u8; 16]);
    let constant = cx.b.func.dfg.constants.insert(bytes);
    cx.b.ins().vconst(ty, constant)
}
