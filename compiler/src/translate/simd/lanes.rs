//! Building vectors and moving lanes: `v128.const`, the splats, lane extraction and
//! replacement, `i8x16.shuffle` and `i8x16.swizzle`.

use super::{pop2_as, pop_as, Sign};
use crate::translate::state::bitcast_to;
use crate::translate::Cx;
use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{ConstantData, InstBuilder, Type, Value};
use wasmparser::Operator;

/// Translate `op` if it builds a vector or moves lanes.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> bool {
    use Operator::*;
    match *op {
        V128Const { value } => constant(cx, value.bytes()),
        I8x16Splat => splat(cx, I8X16),
        I16x8Splat => splat(cx, I16X8),
        I32x4Splat => splat(cx, I32X4),
        I64x2Splat => splat(cx, I64X2),
        F32x4Splat => splat(cx, F32X4),
        F64x2Splat => splat(cx, F64X2),
        I8x16ExtractLaneS { lane } => extract_to_i32(cx, I8X16, lane, Sign::Signed),
        I8x16ExtractLaneU { lane } => extract_to_i32(cx, I8X16, lane, Sign::Unsigned),
        I16x8ExtractLaneS { lane } => extract_to_i32(cx, I16X8, lane, Sign::Signed),
        I16x8ExtractLaneU { lane } => extract_to_i32(cx, I16X8, lane, Sign::Unsigned),
        I32x4ExtractLane { lane } => extract(cx, I32X4, lane),
        I64x2ExtractLane { lane } => extract(cx, I64X2, lane),
        F32x4ExtractLane { lane } => extract(cx, F32X4, lane),
        F64x2ExtractLane { lane } => extract(cx, F64X2, lane),
        I8x16ReplaceLane { lane } => replace(cx, I8X16, lane),
        I16x8ReplaceLane { lane } => replace(cx, I16X8, lane),
        I32x4ReplaceLane { lane } => replace(cx, I32X4, lane),
        I64x2ReplaceLane { lane } => replace(cx, I64X2, lane),
        F32x4ReplaceLane { lane } => replace(cx, F32X4, lane),
        F64x2ReplaceLane { lane } => replace(cx, F64X2, lane),
        I8x16Shuffle { lanes } => shuffle(cx, &lanes),
        I8x16Swizzle => {
            let (x, indices) = pop2_as(cx, I8X16);
            let v = cx.b.ins().swizzle(x, indices);
            cx.st.push1(v);
        }
        _ => return false,
    }
    true
}

/// `v128.const`: the bytes in memory order (lane 0 first).
fn constant(cx: &mut Cx, bytes: &[u8; 16]) {
    let data = ConstantData::from(&bytes[..]);
    let constant = cx.b.func.dfg.constants.insert(data);
    let v = cx.b.ins().vconst(I8X16, constant);
    cx.st.push1(v);
}

/// Reduce `v` (an `i32` operand) to the lane type of `ty` when the lanes are narrower.
fn to_lane(cx: &mut Cx, ty: Type, v: Value) -> Value {
    let lane_ty = ty.lane_type();
    if lane_ty.bits() < cx.b.func.dfg.value_type(v).bits() {
        cx.b.ins().ireduce(lane_ty, v)
    } else {
        v
    }
}

/// `*.splat`: the scalar operand in every lane of `ty`.
fn splat(cx: &mut Cx, ty: Type) {
    let scalar = cx.st.pop1();
    let scalar = to_lane(cx, ty, scalar);
    let v = cx.b.ins().splat(ty, scalar);
    cx.st.push1(v);
}

/// `i32x4`, `i64x2`, `f32x4`, `f64x2` `.extract_lane`.
fn extract(cx: &mut Cx, ty: Type, lane: u8) {
    let vector = pop_as(cx, ty);
    let v = cx.b.ins().extractlane(vector, lane);
    cx.st.push1(v);
}

/// `i8x16`, `i16x8` `.extract_lane_{s,u}`: the lane extended to `i32`.
fn extract_to_i32(cx: &mut Cx, ty: Type, lane: u8, sign: Sign) {
    let vector = pop_as(cx, ty);
    let v = cx.b.ins().extractlane(vector, lane);
    let v = match sign {
        Sign::Signed => cx.b.ins().sextend(I32, v),
        Sign::Unsigned => cx.b.ins().uextend(I32, v),
    };
    cx.st.push1(v);
}

/// `*.replace_lane`: lane `lane` of the vector operand, as `ty`, replaced by the scalar one.
fn replace(cx: &mut Cx, ty: Type, lane: u8) {
    let (vector, scalar) = cx.st.pop2();
    let vector = bitcast_to(cx.b, ty, vector);
    let scalar = to_lane(cx, ty, scalar);
    let v = cx.b.ins().insertlane(vector, scalar, lane);
    cx.st.push1(v);
}

/// `i8x16.shuffle`: lanes `0..16` pick from the first operand, `16..32` from the second.
fn shuffle(cx: &mut Cx, lanes: &[u8; 16]) {
    let (a, b) = pop2_as(cx, I8X16);
    let data = ConstantData::from(&lanes[..]);
    let mask = cx.b.func.dfg.immediates.push(data);
    let v = cx.b.ins().shuffle(a, b, mask);
    cx.st.push1(v);
}
