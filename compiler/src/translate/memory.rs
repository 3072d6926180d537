//! Linear memory: scalar loads and stores with their bounds checks, `memory.size`,
//! `memory.grow` and the bulk operations (`memory.copy/fill/init`, `data.drop`).
//!
//! Bounds checks follow the memory's reservation (`Tunables`): a 32-bit memory reserves
//! `memory_reservation` bytes followed by `memory_guard_size` inaccessible bytes and never
//! moves, so an access whose largest address (`u32::MAX + offset + size`) stays inside
//! reservation + guard needs no check at all (the guard faults); otherwise the index is
//! compared with the reservation, beyond the memory's length pages are inaccessible.

use super::{Cx, Result, TranslateError};
use crate::func_env::{alias_region, Region};
use cranelift_codegen::ir::{
    condcodes::IntCC, types, Endianness, InstBuilder, MemFlagsData, TrapCode, Type, Value,
};
use wasmaot_abi::Libcall;
use wasmparser::{MemArg, MemArgTarget, Operator};

/// Flags of an access to memory `index`: little-endian, may trap (as out of bounds),
/// in the memory's alias region.
fn heap_flags(cx: &mut Cx, index: u32) -> MemFlagsData {
    let region = alias_region(cx.b.func, Region::Memory(index));
    MemFlagsData::new()
        .with_endianness(Endianness::Little)
        .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
        .with_alias_region(Some(region))
}

/// Bounds-check an access of `size` bytes at wasm address `index` (the popped address
/// operand) with `memarg`; returns the flags, a base address and a constant offset:
/// access with `load(ty, flags, addr, offset)`.
pub fn prepare_addr(
    cx: &mut Cx,
    memarg: &MemArg,
    size: u32,
    index: Value,
) -> (MemFlagsData, Value, i32) {
    let memory = memory_index(memarg);
    let flags = heap_flags(cx, memory);
    let ty = cx.env.memory_type(memory);
    if ty.memory64 || ty.page_size_log2 < 16 {
        return prepare_addr_checked(cx, memarg, size, index, flags);
    }
    let tunables = *cx.env.tunables();
    let (bound, guard) = (tunables.memory_reservation, tunables.memory_guard_size);
    let end = memarg.offset.saturating_add(u64::from(size));
    let ptr = cx.env.pointer_type();
    if end > bound {
        // Every such access is out of bounds; what follows is unreachable.
        cx.b.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
        let dead = cx.b.create_block();
        cx.b.seal_block(dead);
        cx.b.switch_to_block(dead);
        let zero = cx.b.ins().iconst(ptr, 0);
        return (flags, zero, 0);
    }
    let index = if cx.b.func.dfg.value_type(index) == ptr {
        index
    } else {
        cx.b.ins().uextend(ptr, index)
    };
    if u64::from(u32::MAX) > (bound + guard) - end {
        let limit = cx.b.ins().iconst(ptr, (bound - end) as i64);
        let oob = cx.b.ins().icmp(IntCC::UnsignedGreaterThan, index, limit);
        cx.b.ins().trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
    }
    let (addr, offset) = host_address(cx, memory, index, memarg.offset);
    (flags, addr, offset)
}

/// `prepare_addr` for a 64-bit memory or one with small pages: every access is checked
/// against the memory's current length (`index + offset + size <= length`, the sum
/// trapping on overflow). No 64-bit index fits a guard region, and the length of a
/// memory with 1-byte pages need not end on a host page that could fault.
fn prepare_addr_checked(
    cx: &mut Cx,
    memarg: &MemArg,
    size: u32,
    index: Value,
    flags: MemFlagsData,
) -> (MemFlagsData, Value, i32) {
    let memory = memory_index(memarg);
    let Some(end) = memarg.offset.checked_add(u64::from(size)) else {
        cx.b.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
        let dead = cx.b.create_block();
        cx.b.seal_block(dead);
        cx.b.switch_to_block(dead);
        let zero = cx.b.ins().iconst(cx.env.pointer_type(), 0);
        return (flags, zero, 0);
    };
    let index = to_i64(cx, index);
    let end = cx.b.ins().iconst(types::I64, end as i64);
    let last =
        cx.b.ins()
            .uadd_overflow_trap(index, end, TrapCode::HEAP_OUT_OF_BOUNDS);
    let len = cx.env.memory_length(cx.b, memory);
    let oob = cx.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
    cx.b.ins().trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
    let (addr, offset) = host_address(cx, memory, index, memarg.offset);
    (flags, addr, offset)
}

/// The host address of wasm address `index` (pointer-sized) of `memory`, as a base and
/// the constant offset to add (folded into the base when it does not fit an `i32`).
fn host_address(cx: &mut Cx, memory: u32, index: Value, offset: u64) -> (Value, i32) {
    let base = cx.env.memory_base(cx.b, memory);
    let addr = cx.b.ins().iadd(base, index);
    match i32::try_from(offset) {
        Ok(offset) => (addr, offset),
        Err(_) => (cx.b.ins().iadd_imm_s(addr, offset as i64), 0),
    }
}

/// How a scalar load reads memory.
#[derive(Clone, Copy)]
enum Load {
    Plain(Type),
    /// Zero-extending load of `bytes` bytes into `Type`.
    Unsigned(Type, u32),
    /// Sign-extending load of `bytes` bytes into `Type`.
    Signed(Type, u32),
}

fn load_kind(op: &Operator) -> Option<(Load, MemArg)> {
    use types::{F32, F64, I32, I64};
    use Load::*;
    Some(match *op {
        Operator::I32Load { memarg } => (Plain(I32), memarg),
        Operator::I64Load { memarg } => (Plain(I64), memarg),
        Operator::F32Load { memarg } => (Plain(F32), memarg),
        Operator::F64Load { memarg } => (Plain(F64), memarg),
        Operator::I32Load8U { memarg } => (Unsigned(I32, 1), memarg),
        Operator::I32Load8S { memarg } => (Signed(I32, 1), memarg),
        Operator::I32Load16U { memarg } => (Unsigned(I32, 2), memarg),
        Operator::I32Load16S { memarg } => (Signed(I32, 2), memarg),
        Operator::I64Load8U { memarg } => (Unsigned(I64, 1), memarg),
        Operator::I64Load8S { memarg } => (Signed(I64, 1), memarg),
        Operator::I64Load16U { memarg } => (Unsigned(I64, 2), memarg),
        Operator::I64Load16S { memarg } => (Signed(I64, 2), memarg),
        Operator::I64Load32U { memarg } => (Unsigned(I64, 4), memarg),
        Operator::I64Load32S { memarg } => (Signed(I64, 4), memarg),
        _ => return None,
    })
}

/// Bytes a scalar store writes, and its memarg.
fn store_kind(op: &Operator) -> Option<(u32, MemArg)> {
    Some(match *op {
        Operator::I32Store { memarg } | Operator::F32Store { memarg } => (4, memarg),
        Operator::I64Store { memarg } | Operator::F64Store { memarg } => (8, memarg),
        Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => (1, memarg),
        Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => (2, memarg),
        Operator::I64Store32 { memarg } => (4, memarg),
        _ => return None,
    })
}

/// The memory `memarg` accesses. (Accesses to GC arrays through a memarg are a
/// proposal the validator does not accept from us.)
pub fn memory_index(memarg: &MemArg) -> u32 {
    match memarg.target {
        MemArgTarget::Memory(index) => index,
        MemArgTarget::Array(_) => 0,
    }
}

/// Refuse a memarg the translator does not compile; the memory it accesses.
pub fn check_memarg(memarg: &MemArg) -> Result<u32> {
    match memarg.target {
        MemArgTarget::Memory(index) => Ok(index),
        MemArgTarget::Array(_) => Err(TranslateError::Unsupported(
            "memory accesses to GC arrays".into(),
        )),
    }
}

/// Translate `op` if it is a scalar memory access or a memory instruction.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    if let Some((kind, memarg)) = load_kind(op) {
        check_memarg(&memarg)?;
        load(cx, kind, &memarg);
    } else if let Some((size, memarg)) = store_kind(op) {
        check_memarg(&memarg)?;
        store(cx, size, &memarg);
    } else {
        return memory_instruction(op, cx);
    }
    Ok(true)
}

fn load(cx: &mut Cx, kind: Load, memarg: &MemArg) {
    let bytes = match kind {
        Load::Plain(ty) => ty.bytes(),
        Load::Unsigned(_, n) | Load::Signed(_, n) => n,
    };
    let index = cx.st.pop1();
    let (flags, addr, offset) = prepare_addr(cx, memarg, bytes, index);
    let ins = cx.b.ins();
    let v = match kind {
        Load::Plain(ty) => ins.load(ty, flags, addr, offset),
        Load::Unsigned(ty, 1) => ins.uload8(ty, flags, addr, offset),
        Load::Signed(ty, 1) => ins.sload8(ty, flags, addr, offset),
        Load::Unsigned(ty, 2) => ins.uload16(ty, flags, addr, offset),
        Load::Signed(ty, 2) => ins.sload16(ty, flags, addr, offset),
        Load::Unsigned(_, _) => ins.uload32(flags, addr, offset),
        Load::Signed(_, _) => ins.sload32(flags, addr, offset),
    };
    cx.st.push1(v);
}

fn store(cx: &mut Cx, bytes: u32, memarg: &MemArg) {
    let (index, v) = cx.st.pop2();
    let (flags, addr, offset) = prepare_addr(cx, memarg, bytes, index);
    let width = cx.b.func.dfg.value_type(v).bytes();
    let ins = cx.b.ins();
    match bytes {
        _ if bytes == width => ins.store(flags, v, addr, offset),
        1 => ins.istore8(flags, v, addr, offset),
        2 => ins.istore16(flags, v, addr, offset),
        _ => ins.istore32(flags, v, addr, offset),
    };
}

fn i32_const(cx: &mut Cx, v: u32) -> Value {
    cx.b.ins().iconst(types::I32, i64::from(v))
}

fn to_i64(cx: &mut Cx, v: Value) -> Value {
    if cx.b.func.dfg.value_type(v) == types::I64 {
        v
    } else {
        cx.b.ins().uextend(types::I64, v)
    }
}

/// `v` (an `i64`) as memory `mem`'s address type: `i64` for a 64-bit memory, else `i32`.
fn to_address_type(cx: &mut Cx, mem: u32, v: Value) -> Value {
    if cx.env.memory_type(mem).memory64 {
        v
    } else {
        cx.b.ins().ireduce(types::I32, v)
    }
}

fn memory_instruction(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::MemorySize { mem } => {
            let len = cx.env.memory_length(cx.b, mem);
            let log2 = cx.env.memory_type(mem).page_size_log2;
            let pages = cx.b.ins().ushr_imm_u(len, i64::from(log2));
            let pages = to_address_type(cx, mem, pages);
            cx.st.push1(pages);
        }
        Operator::MemoryGrow { mem } => {
            let delta = cx.st.pop1();
            let m = i32_const(cx, mem);
            let delta = to_i64(cx, delta);
            let old = super::tables::libcall_result(cx, Libcall::MemoryGrow, &[m, delta]);
            let old = to_address_type(cx, mem, old);
            cx.st.push1(old);
        }
        Operator::MemoryCopy { dst_mem, src_mem } => {
            let (dst, src, len) = cx.st.pop3();
            let d = i32_const(cx, dst_mem);
            let s = i32_const(cx, src_mem);
            let (dst, src, len) = (to_i64(cx, dst), to_i64(cx, src), to_i64(cx, len));
            let args = [d, dst, s, src, len];
            cx.env.call_libcall(cx.b, Libcall::MemoryCopy, &args);
        }
        Operator::MemoryFill { mem } => {
            let (dst, v, len) = cx.st.pop3();
            let m = i32_const(cx, mem);
            let (dst, len) = (to_i64(cx, dst), to_i64(cx, len));
            cx.env
                .call_libcall(cx.b, Libcall::MemoryFill, &[m, dst, v, len]);
        }
        Operator::MemoryInit { data_index, mem } => {
            let (dst, src, len) = cx.st.pop3();
            let m = i32_const(cx, mem);
            let seg = i32_const(cx, data_index);
            let dst = to_i64(cx, dst);
            let args = [m, seg, dst, src, len];
            cx.env.call_libcall(cx.b, Libcall::MemoryInit, &args);
        }
        Operator::DataDrop { data_index } => {
            let seg = i32_const(cx, data_index);
            cx.env.call_libcall(cx.b, Libcall::DataDrop, &[seg]);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
