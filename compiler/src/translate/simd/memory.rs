//! `v128` memory accesses: whole-vector loads and stores, the loads that extend eight
//! bytes to wider lanes, the loads that fill every lane (`load*_splat`) or only the first
//! (`load*_zero`), and the loads and stores of a single lane.
//!
//! Every access is bounds-checked by the memory module's `prepare_addr` like the scalar
//! ones, for as many bytes as it touches.

use super::{pop_as, Sign};
use crate::translate::memory::{check_memarg, prepare_addr};
use crate::translate::{Cx, Result};
use cranelift_codegen::ir::types::{I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArg, Operator};

/// Translate `op` if it is a `v128` memory access.
pub(super) fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    use Operator::*;
    match *op {
        V128Load { memarg } => load(cx, &memarg)?,
        V128Load8x8S { memarg } => extending_load(cx, &memarg, I16X8, Sign::Signed)?,
        V128Load8x8U { memarg } => extending_load(cx, &memarg, I16X8, Sign::Unsigned)?,
        V128Load16x4S { memarg } => extending_load(cx, &memarg, I32X4, Sign::Signed)?,
        V128Load16x4U { memarg } => extending_load(cx, &memarg, I32X4, Sign::Unsigned)?,
        V128Load32x2S { memarg } => extending_load(cx, &memarg, I64X2, Sign::Signed)?,
        V128Load32x2U { memarg } => extending_load(cx, &memarg, I64X2, Sign::Unsigned)?,
        V128Load8Splat { memarg } => splat_load(cx, &memarg, I8X16)?,
        V128Load16Splat { memarg } => splat_load(cx, &memarg, I16X8)?,
        V128Load32Splat { memarg } => splat_load(cx, &memarg, I32X4)?,
        V128Load64Splat { memarg } => splat_load(cx, &memarg, I64X2)?,
        V128Load32Zero { memarg } => zero_load(cx, &memarg, I32X4)?,
        V128Load64Zero { memarg } => zero_load(cx, &memarg, I64X2)?,
        V128Load8Lane { memarg, lane } => lane_load(cx, &memarg, I8X16, lane)?,
        V128Load16Lane { memarg, lane } => lane_load(cx, &memarg, I16X8, lane)?,
        V128Load32Lane { memarg, lane } => lane_load(cx, &memarg, I32X4, lane)?,
        V128Load64Lane { memarg, lane } => lane_load(cx, &memarg, I64X2, lane)?,
        V128Store { memarg } => store(cx, &memarg)?,
        V128Store8Lane { memarg, lane } => lane_store(cx, &memarg, I8X16, lane)?,
        V128Store16Lane { memarg, lane } => lane_store(cx, &memarg, I16X8, lane)?,
        V128Store32Lane { memarg, lane } => lane_store(cx, &memarg, I32X4, lane)?,
        V128Store64Lane { memarg, lane } => lane_store(cx, &memarg, I64X2, lane)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Pop the address operand and bounds-check an access of `size` bytes at it: the flags,
/// base address and offset to access memory with.
fn address(cx: &mut Cx, memarg: &MemArg, size: u32) -> Result<(MemFlagsData, Value, i32)> {
    check_memarg(memarg)?;
    let index = cx.st.pop1();
    Ok(prepare_addr(cx, memarg, size, index))
}

/// `v128.load`.
fn load(cx: &mut Cx, memarg: &MemArg) -> Result<()> {
    let (flags, addr, offset) = address(cx, memarg, 16)?;
    let v = cx.b.ins().load(I8X16, flags, addr, offset);
    cx.st.push1(v);
    Ok(())
}

/// `v128.load{8x8,16x4,32x2}_{s,u}`: 8 bytes, each of their lanes extended to a lane of
/// `ty` (twice as wide).
fn extending_load(cx: &mut Cx, memarg: &MemArg, ty: Type, sign: Sign) -> Result<()> {
    let (flags, addr, offset) = address(cx, memarg, 8)?;
    let ins = cx.b.ins();
    let v = match (ty, sign) {
        (I16X8, Sign::Signed) => ins.sload8x8(flags, addr, offset),
        (I16X8, Sign::Unsigned) => ins.uload8x8(flags, addr, offset),
        (I32X4, Sign::Signed) => ins.sload16x4(flags, addr, offset),
        (I32X4, Sign::Unsigned) => ins.uload16x4(flags, addr, offset),
        (_, Sign::Signed) => ins.sload32x2(flags, addr, offset),
        (_, Sign::Unsigned) => ins.uload32x2(flags, addr, offset),
    };
    cx.st.push1(v);
    Ok(())
}

/// Load one lane of `ty`.
fn load_lane(cx: &mut Cx, memarg: &MemArg, ty: Type) -> Result<Value> {
    let lane_ty = ty.lane_type();
    let (flags, addr, offset) = address(cx, memarg, lane_ty.bytes())?;
    Ok(cx.b.ins().load(lane_ty, flags, addr, offset))
}

/// `v128.load*_splat`: one lane of `ty`, copied into all of them.
fn splat_load(cx: &mut Cx, memarg: &MemArg, ty: Type) -> Result<()> {
    let lane = load_lane(cx, memarg, ty)?;
    let v = cx.b.ins().splat(ty, lane);
    cx.st.push1(v);
    Ok(())
}

/// `v128.load*_zero`: the first lane of `ty`, the others zero.
fn zero_load(cx: &mut Cx, memarg: &MemArg, ty: Type) -> Result<()> {
    let lane = load_lane(cx, memarg, ty)?;
    let v = cx.b.ins().scalar_to_vector(ty, lane);
    cx.st.push1(v);
    Ok(())
}

/// `v128.load*_lane`: replace lane `lane` of the vector operand, as `ty`, from memory.
fn lane_load(cx: &mut Cx, memarg: &MemArg, ty: Type, lane: u8) -> Result<()> {
    let vector = pop_as(cx, ty);
    let replacement = load_lane(cx, memarg, ty)?;
    let v = cx.b.ins().insertlane(vector, replacement, lane);
    cx.st.push1(v);
    Ok(())
}

/// `v128.store`.
fn store(cx: &mut Cx, memarg: &MemArg) -> Result<()> {
    let v = cx.st.pop1();
    let (flags, addr, offset) = address(cx, memarg, 16)?;
    cx.b.ins().store(flags, v, addr, offset);
    Ok(())
}

/// `v128.store*_lane`: store lane `lane` of the vector operand, as `ty`.
fn lane_store(cx: &mut Cx, memarg: &MemArg, ty: Type, lane: u8) -> Result<()> {
    let vector = pop_as(cx, ty);
    let v = cx.b.ins().extractlane(vector, lane);
    let (flags, addr, offset) = address(cx, memarg, ty.lane_type().bytes())?;
    cx.b.ins().store(flags, v, addr, offset);
    Ok(())
}
