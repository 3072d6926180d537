//! Bitwise operators on whole vectors (`v128.not/and/andnot/or/xor/bitselect`) and the
//! reductions to an `i32`: `v128.any_true`, `*.all_true` and `*.bitmask`.

use super::{binary, pop2_as, pop3_as, pop_as};
use crate::translate::Cx;
use cranelift_codegen::ir::types::{I16X8, I32, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Opcode, Type};
use wasmparser::Operator;

/// Translate `op` if it is a bitwise operator or a reduction.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    match *op {
        V128Not => {
            // Any vector type does: no bitcast.
            let x = cx.st.pop1();
            let v = cx.b.ins().bnot(x);
            cx.st.push1(v);
        }
        V128And => binary(cx, I8X16, Opcode::Band),
        V128AndNot => {
            // `x & !y`, emitted as a `band` of a `bnot`, which the backends match.
            let (x, y) = pop2_as(cx, I8X16);
            let v = cx.b.ins().band_not(x, y);
            cx.st.push1(v);
        }
        V128Or => binary(cx, I8X16, Opcode::Bor),
        V128Xor => binary(cx, I8X16, Opcode::Bxor),
        V128Bitselect => bitselect(cx),
        V128AnyTrue => {
            let x = pop_as(cx, I8X16);
            let any = cx.b.ins().vany_true(x);
            let v = cx.b.ins().uextend(I32, any);
            cx.st.push1(v);
        }
        I8x16AllTrue => all_true(cx, I8X16),
        I16x8AllTrue => all_true(cx, I16X8),
        I32x4AllTrue => all_true(cx, I32X4),
        I64x2AllTrue => all_true(cx, I64X2),
        I8x16Bitmask => bitmask(cx, I8X16),
        I16x8Bitmask => bitmask(cx, I16X8),
        I32x4Bitmask => bitmask(cx, I32X4),
        I64x2Bitmask => bitmask(cx, I64X2),
        _ => return false,
    }
    true
}

/// `v128.bitselect`: the bits of the first operand where the mask (the third) has ones,
/// of the second where it has zeros.
fn bitselect(cx: &mut Cx) {
    let (if_set, if_clear, mask) = pop3_as(cx, I8X16);
    let v = cx.b.ins().bitselect(mask, if_set, if_clear);
    cx.st.push1(v);
}

/// `*.all_true`: whether no lane of `ty` is zero.
fn all_true(cx: &mut Cx, ty: Type) {
    let x = pop_as(cx, ty);
    let all = cx.b.ins().vall_true(x);
    let v = cx.b.ins().uextend(I32, all);
    cx.st.push1(v);
}

/// `*.bitmask`: the top bit of each lane of `ty`, lane 0 in bit 0.
fn bitmask(cx: &mut Cx, ty: Type) {
    let x = pop_as(cx, ty);
    let v = cx.b.ins().vhigh_bits(I32, x);
    cx.st.push1(v);
}
