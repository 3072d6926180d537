//! Atomic memory accesses (the threads proposal): atomic loads and stores,
//! read-modify-write and compare-exchange, `atomic.fence`, and `memory.atomic.wait32/64`
//! and `memory.atomic.notify` (runtime calls).
//!
//! An atomic access traps as "unaligned atomic" when its effective address (index plus
//! offset) is not a multiple of its size; that check comes before the bounds check, as
//! in Wasmtime. The access itself is then bounds-checked like a plain one
//! (`memory::prepare_addr`) and is sequentially consistent. Narrow accesses work on the
//! low bytes of the operand and zero-extend their result.

use super::memory::{check_memarg, memory_index, prepare_addr};
use super::{Cx, Result};
use crate::traps::HEAP_MISALIGNED;
use cranelift_codegen::ir::{types, AtomicRmwOp, InstBuilder, MemFlagsData, TrapCode, Type, Value};
use wasmaot_abi::Libcall;
use wasmparser::{MemArg, Operator};

/// An atomic operator: what it does, the type of its wasm operands and result, and the
/// bytes it accesses.
#[derive(Clone, Copy)]
enum Atomic {
    Load,
    Store,
    Rmw(AtomicRmwOp),
    Cmpxchg,
}

/// The atomic access `op` performs: (kind, wasm type, bytes accessed, memarg).
fn atomic_kind(op: &Operator) -> Option<(Atomic, Type, u32, MemArg)> {
    use types::{I32, I64};
    use Atomic::*;
    Some(match *op {
        Operator::I32AtomicLoad { memarg } => (Load, I32, 4, memarg),
        Operator::I64AtomicLoad { memarg } => (Load, I64, 8, memarg),
        Operator::I32AtomicLoad8U { memarg } => (Load, I32, 1, memarg),
        Operator::I32AtomicLoad16U { memarg } => (Load, I32, 2, memarg),
        Operator::I64AtomicLoad8U { memarg } => (Load, I64, 1, memarg),
        Operator::I64AtomicLoad16U { memarg } => (Load, I64, 2, memarg),
        Operator::I64AtomicLoad32U { memarg } => (Load, I64, 4, memarg),
        Operator::I32AtomicStore { memarg } => (Store, I32, 4, memarg),
        Operator::I64AtomicStore { memarg } => (Store, I64, 8, memarg),
        Operator::I32AtomicStore8 { memarg } => (Store, I32, 1, memarg),
        Operator::I32AtomicStore16 { memarg } => (Store, I32, 2, memarg),
        Operator::I64AtomicStore8 { memarg } => (Store, I64, 1, memarg),
        Operator::I64AtomicStore16 { memarg } => (Store, I64, 2, memarg),
        Operator::I64AtomicStore32 { memarg } => (Store, I64, 4, memarg),
        Operator::I32AtomicRmwCmpxchg { memarg } => (Cmpxchg, I32, 4, memarg),
        Operator::I64AtomicRmwCmpxchg { memarg } => (Cmpxchg, I64, 8, memarg),
        Operator::I32AtomicRmw8CmpxchgU { memarg } => (Cmpxchg, I32, 1, memarg),
        Operator::I32AtomicRmw16CmpxchgU { memarg } => (Cmpxchg, I32, 2, memarg),
        Operator::I64AtomicRmw8CmpxchgU { memarg } => (Cmpxchg, I64, 1, memarg),
        Operator::I64AtomicRmw16CmpxchgU { memarg } => (Cmpxchg, I64, 2, memarg),
        Operator::I64AtomicRmw32CmpxchgU { memarg } => (Cmpxchg, I64, 4, memarg),
        _ => {
            let (rmw, ty, bytes, memarg) = rmw_kind(op)?;
            (Rmw(rmw), ty, bytes, memarg)
        }
    })
}

/// The read-modify-write `op` performs: (operation, wasm type, bytes, memarg).
fn rmw_kind(op: &Operator) -> Option<(AtomicRmwOp, Type, u32, MemArg)> {
    use types::{I32, I64};
    use AtomicRmwOp::{Add, And, Or, Sub, Xchg, Xor};
    macro_rules! rmw {
        ($($op:ident: $i32:ident $i32_8:ident $i32_16:ident
            $i64:ident $i64_8:ident $i64_16:ident $i64_32:ident;)*) => {
            match *op {
                $(
                    Operator::$i32 { memarg } => ($op, I32, 4, memarg),
                    Operator::$i32_8 { memarg } => ($op, I32, 1, memarg),
                    Operator::$i32_16 { memarg } => ($op, I32, 2, memarg),
                    Operator::$i64 { memarg } => ($op, I64, 8, memarg),
                    Operator::$i64_8 { memarg } => ($op, I64, 1, memarg),
                    Operator::$i64_16 { memarg } => ($op, I64, 2, memarg),
                    Operator::$i64_32 { memarg } => ($op, I64, 4, memarg),
                )*
                _ => return None,
            }
        };
    }
    Some(rmw! {
        Add: I32AtomicRmwAdd I32AtomicRmw8AddU I32AtomicRmw16AddU
            I64AtomicRmwAdd I64AtomicRmw8AddU I64AtomicRmw16AddU I64AtomicRmw32AddU;
        Sub: I32AtomicRmwSub I32AtomicRmw8SubU I32AtomicRmw16SubU
            I64AtomicRmwSub I64AtomicRmw8SubU I64AtomicRmw16SubU I64AtomicRmw32SubU;
        And: I32AtomicRmwAnd I32AtomicRmw8AndU I32AtomicRmw16AndU
            I64AtomicRmwAnd I64AtomicRmw8AndU I64AtomicRmw16AndU I64AtomicRmw32AndU;
        Or: I32AtomicRmwOr I32AtomicRmw8OrU I32AtomicRmw16OrU
            I64AtomicRmwOr I64AtomicRmw8OrU I64AtomicRmw16OrU I64AtomicRmw32OrU;
        Xor: I32AtomicRmwXor I32AtomicRmw8XorU I32AtomicRmw16XorU
            I64AtomicRmwXor I64AtomicRmw8XorU I64AtomicRmw16XorU I64AtomicRmw32XorU;
        Xchg: I32AtomicRmwXchg I32AtomicRmw8XchgU I32AtomicRmw16XchgU
            I64AtomicRmwXchg I64AtomicRmw8XchgU I64AtomicRmw16XchgU I64AtomicRmw32XchgU;
    })
}

/// Translate `op` if it is an atomic operator.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    if let Some((kind, ty, bytes, memarg)) = atomic_kind(op) {
        check_memarg(&memarg)?;
        access(cx, kind, ty, bytes, &memarg);
        return Ok(true);
    }
    let (call, memarg) = match *op {
        Operator::AtomicFence { .. } => {
            cx.b.ins().fence();
            return Ok(true);
        }
        Operator::MemoryAtomicNotify { memarg } => (Libcall::MemoryAtomicNotify, memarg),
        Operator::MemoryAtomicWait32 { memarg } => (Libcall::MemoryAtomicWait32, memarg),
        Operator::MemoryAtomicWait64 { memarg } => (Libcall::MemoryAtomicWait64, memarg),
        _ => return Ok(false),
    };
    check_memarg(&memarg)?;
    wait_or_notify(cx, call, &memarg);
    Ok(true)
}

/// The effective address (index + offset, as i64) of a wait or notify with `memarg`. A
/// sum that overflows the index type (32 or 64 bits) is out of bounds here, before the
/// runtime checks alignment: the order Wasmtime has for these two instructions (the other
/// atomic accesses check alignment first, see `check_alignment`).
fn effective_address(cx: &mut Cx, memarg: &MemArg, index: Value) -> Value {
    let index_type = cx.b.func.dfg.value_type(index);
    let address = if memarg.offset == 0 {
        index
    } else {
        // A 32-bit memory's offsets fit in 32 bits (validation).
        let offset = if index_type == types::I64 {
            memarg.offset as i64
        } else {
            i64::from(memarg.offset as u32)
        };
        let offset = cx.b.ins().iconst(index_type, offset);
        cx.b.ins()
            .uadd_overflow_trap(index, offset, TrapCode::HEAP_OUT_OF_BOUNDS)
    };
    widen(cx, address, types::I64)
}

/// Trap as "unaligned atomic" unless the access at `index` is aligned to `bytes`. This
/// comes before any bounds check, that of a 64-bit address overflowing included: the
/// effective address's low bits are those of the wrapping sum.
fn check_alignment(cx: &mut Cx, memarg: &MemArg, bytes: u32, index: Value) {
    if bytes > 1 {
        let low_bits = (memarg.offset & u64::from(bytes - 1)) as i64;
        let address = if low_bits == 0 {
            index
        } else {
            cx.b.ins().iadd_imm_s(index, low_bits)
        };
        let misaligned = cx.b.ins().band_imm_u(address, i64::from(bytes - 1));
        cx.b.ins().trapnz(misaligned, HEAP_MISALIGNED);
    }
}

/// The host address of an aligned, in-bounds atomic access, and its flags.
fn atomic_addr(cx: &mut Cx, memarg: &MemArg, bytes: u32, index: Value) -> (MemFlagsData, Value) {
    check_alignment(cx, memarg, bytes, index);
    let (flags, addr, offset) = prepare_addr(cx, memarg, bytes, index);
    let addr = if offset == 0 {
        addr
    } else {
        cx.b.ins().iadd_imm_s(addr, i64::from(offset))
    };
    (flags, addr)
}

/// The integer type of `bytes` bytes.
fn mem_type(bytes: u32) -> Type {
    Type::int_with_byte_size(bytes as u16).expect("1, 2, 4 or 8 bytes")
}

/// `v` narrowed to `to` (unchanged when it already has that type).
fn narrow(cx: &mut Cx, v: Value, to: Type) -> Value {
    if cx.b.func.dfg.value_type(v) == to {
        v
    } else {
        cx.b.ins().ireduce(to, v)
    }
}

/// `v` zero-extended to `to` (unchanged when it already has that type).
fn widen(cx: &mut Cx, v: Value, to: Type) -> Value {
    if cx.b.func.dfg.value_type(v) == to {
        v
    } else {
        cx.b.ins().uextend(to, v)
    }
}

fn access(cx: &mut Cx, kind: Atomic, ty: Type, bytes: u32, memarg: &MemArg) {
    let mem = mem_type(bytes);
    let result = match kind {
        Atomic::Load => {
            let index = cx.st.pop1();
            let (flags, addr) = atomic_addr(cx, memarg, bytes, index);
            Some(cx.b.ins().atomic_load(mem, flags, addr))
        }
        Atomic::Store => {
            let (index, v) = cx.st.pop2();
            let (flags, addr) = atomic_addr(cx, memarg, bytes, index);
            let v = narrow(cx, v, mem);
            cx.b.ins().atomic_store(flags, v, addr);
            None
        }
        Atomic::Rmw(op) => {
            let (index, v) = cx.st.pop2();
            let (flags, addr) = atomic_addr(cx, memarg, bytes, index);
            let v = narrow(cx, v, mem);
            Some(cx.b.ins().atomic_rmw(mem, flags, op, addr, v))
        }
        Atomic::Cmpxchg => {
            let (index, expected, replacement) = cx.st.pop3();
            let (flags, addr) = atomic_addr(cx, memarg, bytes, index);
            let expected = narrow(cx, expected, mem);
            let replacement = narrow(cx, replacement, mem);
            Some(cx.b.ins().atomic_cas(flags, addr, expected, replacement))
        }
    };
    if let Some(v) = result {
        let v = widen(cx, v, ty);
        cx.st.push1(v);
    }
}

/// `memory.atomic.notify` (address, count) and `memory.atomic.wait32/64` (address,
/// expected, timeout): the runtime checks alignment, bounds and sharing, and waits.
fn wait_or_notify(cx: &mut Cx, call: Libcall, memarg: &MemArg) {
    let memory =
        cx.b.ins()
            .iconst(types::I32, i64::from(memory_index(memarg)));
    // The address, then the count (notify) or the expected value and timeout (wait).
    let n = if call == Libcall::MemoryAtomicNotify {
        2
    } else {
        3
    };
    let operands = cx.st.peekn(n).to_vec();
    cx.st.popn(n);
    let address = effective_address(cx, memarg, operands[0]);
    let mut args = vec![memory, address];
    args.extend_from_slice(&operands[1..]);
    let woken = super::tables::libcall_result(cx, call, &args);
    cx.st.push1(woken);
}
