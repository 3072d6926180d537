//! The runtime functions compiled code calls (`abi::Libcall`), and Cranelift's float
//! helpers. Each is `extern "C"` with exactly the signature in `abi::libcalls`
//! (Ptr = `*mut VMContext`, I32 = `u32`, I64 = `u64`). A libcall that traps records the
//! trap code and unwinds to the innermost entry; its frame then holds nothing with a
//! destructor (the work is done in a helper that has returned).
//!
//! Compiled code calls them through `table()`, which every VMContext points to. They are
//! also exported unmangled (`wasmaot_rt_*`): Cranelift's float helpers are still reached
//! by symbol (only when the target lacks the instruction), and C hosts may call them.

use crate::abi::{FloatHelper, Libcall, TrapCode};
use crate::atomic_wait::{notify, wait32, wait64};
use crate::store::StoreOpaque;
use crate::traphandlers::raise_trap;
use crate::vm::instance::InstanceData;
use crate::vm::memory::MemoryData;
use crate::vmcontext::{vmctx_instance, vmctx_store, ValRaw};

/// Offset of `instance` in a VMContext on this host.
#[cfg(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(target_os = "macos"),
    not(windows)
))]
const VMCTX_INSTANCE: usize = crate::vmcontext::HOST_FIXED_OFFSETS.vmctx_instance() as usize;

/// Thunks for the libcalls that can trap or throw: record the calling wasm frame (frame
/// pointer, return address) in the instance (`InstanceData::last_wasm_fp/pc`) and jump to
/// the libcall, so a trap it raises has a backtrace and a throw knows where to start
/// unwinding.
macro_rules! libcall_thunks {
    ($($thunk:ident => $real:ident,)*) => {
        #[cfg(all(target_arch = "x86_64", not(target_os = "macos"), not(windows)))]
        std::arch::global_asm!(
            $(
                ".text",
                ".p2align 4",
                concat!(stringify!($thunk), ":"),
                "mov rax, qword ptr [rdi + {instance}]",
                "mov qword ptr [rax], rbp",
                "mov r11, qword ptr [rsp]",
                "mov qword ptr [rax + 8], r11",
                concat!("jmp {", stringify!($real), "}"),
            )*
            instance = const VMCTX_INSTANCE,
            $($real = sym $real,)*
        );
        #[cfg(all(target_arch = "aarch64", not(target_os = "macos"), not(windows)))]
        std::arch::global_asm!(
            $(
                ".text",
                ".p2align 4",
                concat!(stringify!($thunk), ":"),
                "ldr x16, [x0, #{instance}]",
                "stp x29, x30, [x16]",
                concat!("b {", stringify!($real), "}"),
            )*
            instance = const VMCTX_INSTANCE,
            $($real = sym $real,)*
        );
        #[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(target_os = "macos"), not(windows)))]
        extern "C" {
            $(fn $thunk();)*
        }
    };
}

libcall_thunks! {
    wasmaot_thunk_memory_copy => wasmaot_rt_memory_copy,
    wasmaot_thunk_memory_fill => wasmaot_rt_memory_fill,
    wasmaot_thunk_memory_init => wasmaot_rt_memory_init,
    wasmaot_thunk_table_fill => wasmaot_rt_table_fill,
    wasmaot_thunk_table_copy => wasmaot_rt_table_copy,
    wasmaot_thunk_table_init => wasmaot_rt_table_init,
    wasmaot_thunk_out_of_fuel => wasmaot_rt_out_of_fuel,
    wasmaot_thunk_epoch_interrupt => wasmaot_rt_epoch_interrupt,
    wasmaot_thunk_memory_atomic_notify => wasmaot_rt_memory_atomic_notify,
    wasmaot_thunk_memory_atomic_wait32 => wasmaot_rt_memory_atomic_wait32,
    wasmaot_thunk_memory_atomic_wait64 => wasmaot_rt_memory_atomic_wait64,
}

/// Thunks for the libcalls that throw: like [`libcall_thunks`], and they also record the
/// callee-saved registers at the call (`InstanceData::last_wasm_regs`). Compiled code
/// calls these libcalls with the platform's C convention, for which Cranelift keeps
/// callee-saved registers live across the exceptional edge too: a handler in the
/// calling frame gets them back (`traphandlers::resume`).
macro_rules! throw_thunks {
    ($($thunk:ident => $real:ident,)*) => {
        #[cfg(all(target_arch = "x86_64", not(target_os = "macos"), not(windows)))]
        std::arch::global_asm!(
            $(
                ".text",
                ".p2align 4",
                concat!(stringify!($thunk), ":"),
                "mov rax, qword ptr [rdi + {instance}]",
                "mov qword ptr [rax], rbp",
                "mov r11, qword ptr [rsp]",
                "mov qword ptr [rax + 8], r11",
                "mov qword ptr [rax + 16], rbx",
                "mov qword ptr [rax + 24], r12",
                "mov qword ptr [rax + 32], r13",
                "mov qword ptr [rax + 40], r14",
                "mov qword ptr [rax + 48], r15",
                concat!("jmp {", stringify!($real), "}"),
            )*
            instance = const VMCTX_INSTANCE,
            $($real = sym $real,)*
        );
        #[cfg(all(target_arch = "aarch64", not(target_os = "macos"), not(windows)))]
        std::arch::global_asm!(
            $(
                ".text",
                ".p2align 4",
                concat!(stringify!($thunk), ":"),
                "ldr x16, [x0, #{instance}]",
                "stp x29, x30, [x16]",
                "stp x19, x20, [x16, #16]",
                "stp x21, x22, [x16, #32]",
                "stp x23, x24, [x16, #48]",
                "stp x25, x26, [x16, #64]",
                "stp x27, x28, [x16, #80]",
                concat!("b {", stringify!($real), "}"),
            )*
            instance = const VMCTX_INSTANCE,
            $($real = sym $real,)*
        );
        #[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(target_os = "macos"), not(windows)))]
        extern "C" {
            $(fn $thunk();)*
        }
    };
}

throw_thunks! {
    wasmaot_thunk_throw => wasmaot_rt_throw,
    wasmaot_thunk_throw_ref => wasmaot_rt_throw_ref,
}

/// The address compiled code should call for a trapping libcall: its thunk where we have
/// one, else the function itself.
macro_rules! trapping {
    ($real:ident, $thunk:ident) => {{
        #[cfg(all(
            any(target_arch = "x86_64", target_arch = "aarch64"),
            not(target_os = "macos"),
            not(windows)
        ))]
        let address = $thunk as *const () as usize;
        #[cfg(not(all(
            any(target_arch = "x86_64", target_arch = "aarch64"),
            not(target_os = "macos"),
            not(windows)
        )))]
        let address = $real as *const () as usize;
        address
    }};
}

/// The address of the runtime function an artifact refers to as `symbol`.
pub(crate) fn address_of(symbol: &str) -> Option<usize> {
    if let Some(libcall) = Libcall::from_symbol(symbol) {
        return Some(match libcall {
            Libcall::MemoryGrow => wasmaot_rt_memory_grow as *const () as usize,
            Libcall::MemoryCopy => trapping!(wasmaot_rt_memory_copy, wasmaot_thunk_memory_copy),
            Libcall::MemoryFill => trapping!(wasmaot_rt_memory_fill, wasmaot_thunk_memory_fill),
            Libcall::MemoryInit => trapping!(wasmaot_rt_memory_init, wasmaot_thunk_memory_init),
            Libcall::DataDrop => wasmaot_rt_data_drop as *const () as usize,
            Libcall::TableGrow => wasmaot_rt_table_grow as *const () as usize,
            Libcall::TableFill => trapping!(wasmaot_rt_table_fill, wasmaot_thunk_table_fill),
            Libcall::TableCopy => trapping!(wasmaot_rt_table_copy, wasmaot_thunk_table_copy),
            Libcall::TableInit => trapping!(wasmaot_rt_table_init, wasmaot_thunk_table_init),
            Libcall::ElemDrop => wasmaot_rt_elem_drop as *const () as usize,
            Libcall::RaiseTrap => wasmaot_rt_raise_trap as *const () as usize,
            Libcall::OutOfFuel => trapping!(wasmaot_rt_out_of_fuel, wasmaot_thunk_out_of_fuel),
            Libcall::EpochInterrupt => {
                trapping!(wasmaot_rt_epoch_interrupt, wasmaot_thunk_epoch_interrupt)
            }
            Libcall::Throw => trapping!(wasmaot_rt_throw, wasmaot_thunk_throw),
            Libcall::ThrowRef => trapping!(wasmaot_rt_throw_ref, wasmaot_thunk_throw_ref),
            Libcall::MemoryAtomicNotify => trapping!(
                wasmaot_rt_memory_atomic_notify,
                wasmaot_thunk_memory_atomic_notify
            ),
            Libcall::MemoryAtomicWait32 => trapping!(
                wasmaot_rt_memory_atomic_wait32,
                wasmaot_thunk_memory_atomic_wait32
            ),
            Libcall::IsSubtype => wasmaot_rt_is_subtype as *const () as usize,
            Libcall::MemoryAtomicWait64 => trapping!(
                wasmaot_rt_memory_atomic_wait64,
                wasmaot_thunk_memory_atomic_wait64
            ),
        });
    }
    Some(match FloatHelper::from_symbol(symbol)? {
        FloatHelper::CeilF32 => wasmaot_rt_ceilf as *const () as usize,
        FloatHelper::CeilF64 => wasmaot_rt_ceil as *const () as usize,
        FloatHelper::FloorF32 => wasmaot_rt_floorf as *const () as usize,
        FloatHelper::FloorF64 => wasmaot_rt_floor as *const () as usize,
        FloatHelper::TruncF32 => wasmaot_rt_truncf as *const () as usize,
        FloatHelper::TruncF64 => wasmaot_rt_trunc as *const () as usize,
        FloatHelper::NearestF32 => wasmaot_rt_nearbyintf as *const () as usize,
        FloatHelper::NearestF64 => wasmaot_rt_nearbyint as *const () as usize,
        FloatHelper::FmaF32 => wasmaot_rt_fmaf as *const () as usize,
        FloatHelper::FmaF64 => wasmaot_rt_fma as *const () as usize,
    })
}

/// The addresses compiled code calls, indexed by `Libcall::index`; every VMContext points
/// to this table (`VMOffsets::vmctx_libcalls`).
pub(crate) fn table() -> &'static [usize] {
    static TABLE: std::sync::LazyLock<Vec<usize>> = std::sync::LazyLock::new(|| {
        Libcall::ALL
            .iter()
            .map(|l| address_of(l.symbol()).unwrap_or(0))
            .collect()
    });
    &TABLE
}

/// The store and instance index of the instance whose VMContext is `vmctx`.
///
/// # Safety
/// `vmctx` must be a live VMContext of this runtime, and no other reference to the store
/// may be used while the result is.
unsafe fn context<'a>(vmctx: *mut u8) -> (&'a mut StoreOpaque, u32) {
    // SAFETY: see contract: the instance field points to the live InstanceData, the store
    // field to the owning store.
    unsafe {
        let inst = vmctx_instance(vmctx).cast::<InstanceData>();
        let store = vmctx_store(vmctx).cast::<StoreOpaque>();
        ((&mut *store), (*inst).index)
    }
}

/// The calling wasm frame (frame pointer, return address) the thunk recorded in the
/// instance of `vmctx`, cleared for the next libcall; zeros if the libcall was not called
/// through a thunk.
///
/// # Safety
/// `vmctx` must be a live VMContext of this runtime.
unsafe fn take_frame(vmctx: *mut u8) -> (usize, usize) {
    // SAFETY: see contract; the instance outlives the call.
    unsafe {
        let inst = vmctx_instance(vmctx).cast::<InstanceData>();
        let frame = ((*inst).last_wasm_fp, (*inst).last_wasm_pc);
        (*inst).last_wasm_fp = 0;
        (*inst).last_wasm_pc = 0;
        frame
    }
}

/// Finish a libcall: return its value or raise its trap (with the wasm frames the
/// thunk recorded, if it was called through one).
///
/// # Safety
/// Only from a libcall called by wasm (inside an entry) with its VMContext.
unsafe fn finish<T>(vmctx: *mut u8, result: Result<T, TrapCode>) -> T {
    // SAFETY: see contract.
    let (fp, pc) = unsafe { take_frame(vmctx) };
    match result {
        Ok(v) => v,
        // SAFETY: see contract; `result` holds no destructor-bearing data.
        Err(code) => unsafe { raise_trap(code, pc, fp) },
    }
}

/// Like [`finish`] for a libcall whose failure is an [`Error`] (e.g. from a callback).
///
/// # Safety
/// As for [`finish`].
unsafe fn finish_error<T>(vmctx: *mut u8, result: crate::Result<T>) -> T {
    // SAFETY: see contract.
    let (fp, pc) = unsafe { take_frame(vmctx) };
    match result {
        Ok(v) => v,
        // SAFETY: see contract; the error moves into the trap record.
        Err(error) => unsafe { crate::traphandlers::raise_error(error, pc, fp) },
    }
}

fn memory_index(store: &StoreOpaque, instance: u32, memory: u32) -> Result<usize, TrapCode> {
    let inst = store
        .instances
        .get(instance as usize)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    inst.memories
        .get(memory as usize)
        .map(|&m| m as usize)
        .ok_or(TrapCode::MemoryOutOfBounds)
}

fn table_index(store: &StoreOpaque, instance: u32, table: u32) -> Result<usize, TrapCode> {
    let inst = store
        .instances
        .get(instance as usize)
        .ok_or(TrapCode::TableOutOfBounds)?;
    inst.tables
        .get(table as usize)
        .map(|&t| t as usize)
        .ok_or(TrapCode::TableOutOfBounds)
}

/// `[start, start+len)` fits in `size`.
fn in_bounds(start: u64, len: u64, size: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size)
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    let Ok(m) = memory_index(store, instance, memory) else {
        return u64::MAX;
    };
    store.grow_memory(m, delta).unwrap_or(u64::MAX)
}

fn memory_copy(
    store: &mut StoreOpaque,
    instance: u32,
    dst_mem: u32,
    dst: u64,
    src_mem: u32,
    src: u64,
    len: u64,
) -> Result<(), TrapCode> {
    let d = memory_index(store, instance, dst_mem)?;
    let s = memory_index(store, instance, src_mem)?;
    let dst_def = store.memories[d].definition();
    let src_def = store.memories[s].definition();
    if !in_bounds(src, len, src_def.current_length as u64)
        || !in_bounds(dst, len, dst_def.current_length as u64)
    {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    // SAFETY: both ranges are inside accessible memory (checked above); `copy` has
    // memmove semantics for overlapping ranges.
    unsafe {
        std::ptr::copy(
            src_def.base.add(src as usize),
            dst_def.base.add(dst as usize),
            len as usize,
        )
    };
    Ok(())
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    dst: u64,
    src_mem: u32,
    src: u64,
    len: u64,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(
            vmctx,
            memory_copy(store, instance, dst_mem, dst, src_mem, src, len),
        )
    }
}

fn memory_fill(
    store: &mut StoreOpaque,
    instance: u32,
    memory: u32,
    dst: u64,
    byte: u32,
    len: u64,
) -> Result<(), TrapCode> {
    let m = memory_index(store, instance, memory)?;
    let mem = store.memories[m].as_mut_slice();
    if !in_bounds(dst, len, mem.len() as u64) {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    mem[dst as usize..(dst + len) as usize].fill(byte as u8);
    Ok(())
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_fill(
    vmctx: *mut u8,
    memory: u32,
    dst: u64,
    byte: u32,
    len: u64,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(vmctx, memory_fill(store, instance, memory, dst, byte, len))
    }
}

fn memory_init(
    store: &mut StoreOpaque,
    instance: u32,
    memory: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    let m = memory_index(store, instance, memory)?;
    let inst = &store.instances[instance as usize];
    let dropped = inst.data_dropped.get(seg as usize).copied().unwrap_or(true);
    let module = inst.module.inner.clone();
    let bytes = if dropped {
        &[][..]
    } else {
        module.data_segment(seg as usize)
    };
    let mem = store.memories[m].as_mut_slice();
    if !in_bounds(u64::from(src), u64::from(len), bytes.len() as u64)
        || !in_bounds(dst, u64::from(len), mem.len() as u64)
    {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    mem[dst as usize..dst as usize + len as usize]
        .copy_from_slice(&bytes[src as usize..(src + len) as usize]);
    Ok(())
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_init(
    vmctx: *mut u8,
    memory: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(
            vmctx,
            memory_init(store, instance, memory, seg, dst, src, len),
        )
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_data_drop(vmctx: *mut u8, seg: u32) {
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    if let Some(d) = store.instances[instance as usize]
        .data_dropped
        .get_mut(seg as usize)
    {
        *d = true;
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_table_grow(
    vmctx: *mut u8,
    table: u32,
    delta: u32,
    init: *mut u8,
) -> u32 {
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    let Ok(t) = table_index(store, instance, table) else {
        return u32::MAX;
    };
    store
        .grow_table(t, delta, init as usize)
        .unwrap_or(u32::MAX)
}

fn table_fill(
    store: &mut StoreOpaque,
    instance: u32,
    table: u32,
    dst: u32,
    value: usize,
    len: u32,
) -> Result<(), TrapCode> {
    let t = table_index(store, instance, table)?;
    if store.tables[t].table.fill(dst, value, len) {
        Ok(())
    } else {
        Err(TrapCode::TableOutOfBounds)
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_table_fill(
    vmctx: *mut u8,
    table: u32,
    dst: u32,
    value: *mut u8,
    len: u32,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(
            vmctx,
            table_fill(store, instance, table, dst, value as usize, len),
        )
    }
}

fn table_copy(
    store: &mut StoreOpaque,
    instance: u32,
    dst_t: u32,
    src_t: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    let d = table_index(store, instance, dst_t)?;
    let s = table_index(store, instance, src_t)?;
    if d == s {
        return if store.tables[d].table.copy_within(dst, src, len) {
            Ok(())
        } else {
            Err(TrapCode::TableOutOfBounds)
        };
    }
    let src_elems = store.tables[s].table.elements();
    if !in_bounds(u64::from(src), u64::from(len), src_elems.len() as u64) {
        return Err(TrapCode::TableOutOfBounds);
    }
    let items: Vec<usize> = src_elems[src as usize..(src + len) as usize].to_vec();
    if store.tables[d].table.init(dst, &items) {
        Ok(())
    } else {
        Err(TrapCode::TableOutOfBounds)
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_table_copy(
    vmctx: *mut u8,
    dst_t: u32,
    src_t: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(
            vmctx,
            table_copy(store, instance, dst_t, src_t, dst, src, len),
        )
    }
}

fn table_init(
    store: &mut StoreOpaque,
    instance: u32,
    table: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    let t = table_index(store, instance, table)?;
    let items = store.instances[instance as usize]
        .elements
        .get(seg as usize)
        .map_or(&[][..], |v| &v[..]);
    if !in_bounds(u64::from(src), u64::from(len), items.len() as u64) {
        return Err(TrapCode::TableOutOfBounds);
    }
    let items: Vec<usize> = items[src as usize..(src + len) as usize].to_vec();
    if store.tables[t].table.init(dst, &items) {
        Ok(())
    } else {
        Err(TrapCode::TableOutOfBounds)
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_table_init(
    vmctx: *mut u8,
    table: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: see contract.
    unsafe {
        let (store, instance) = context(vmctx);
        finish(
            vmctx,
            table_init(store, instance, table, seg, dst, src, len),
        )
    }
}

/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_elem_drop(vmctx: *mut u8, seg: u32) {
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    if let Some(e) = store.instances[instance as usize]
        .elements
        .get_mut(seg as usize)
    {
        *e = Vec::new();
    }
}

/// The memory record of memory `memory` of the instance of `vmctx`.
///
/// # Safety
/// As for [`context`].
unsafe fn memory_data<'a>(vmctx: *mut u8, memory: u32) -> Result<&'a MemoryData, TrapCode> {
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    let m = memory_index(store, instance, memory)?;
    Ok(&store.memories[m])
}

/// `memory.atomic.notify` at `address` of `memory`: wake up to `count` waiters.
///
/// # Safety
/// Called by compiled code (through its thunk) with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_atomic_notify(
    vmctx: *mut u8,
    memory: u32,
    address: u64,
    count: u32,
) -> u32 {
    // SAFETY: see contract.
    unsafe {
        let result = memory_data(vmctx, memory).and_then(|m| notify(m, address, count));
        finish(vmctx, result)
    }
}

/// `memory.atomic.wait32` at `address` of `memory`: 0 woken, 1 not equal, 2 timed out.
///
/// # Safety
/// Called by compiled code (through its thunk) with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_atomic_wait32(
    vmctx: *mut u8,
    memory: u32,
    address: u64,
    expected: u32,
    timeout: i64,
) -> u32 {
    // SAFETY: see contract.
    unsafe {
        let result = memory_data(vmctx, memory)
            .and_then(|m| wait32(m, address, expected, timeout))
            .map(|r| r as u32);
        finish(vmctx, result)
    }
}

/// `memory.atomic.wait64` at `address` of `memory`: 0 woken, 1 not equal, 2 timed out.
///
/// # Safety
/// Called by compiled code (through its thunk) with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_memory_atomic_wait64(
    vmctx: *mut u8,
    memory: u32,
    address: u64,
    expected: u64,
    timeout: i64,
) -> u32 {
    // SAFETY: see contract.
    unsafe {
        let result = memory_data(vmctx, memory)
            .and_then(|m| wait64(m, address, expected, timeout))
            .map(|r| r as u32);
        finish(vmctx, result)
    }
}

/// Whether function type `actual` is a subtype of `expected` (engine type ids).
///
/// # Safety
/// Called by compiled code with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_is_subtype(vmctx: *mut u8, actual: u32, expected: u32) -> u32 {
    // SAFETY: see contract.
    let (store, _) = unsafe { context(vmctx) };
    u32::from(store.engine.is_subtype(actual, expected))
}

/// # Safety
/// Called by compiled code inside an entry.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_raise_trap(_vmctx: *mut u8) {
    // SAFETY: see contract.
    unsafe { crate::traphandlers::raise_recorded() }
}

/// Fuel ran out (`fuel_consumed` is no longer negative): trap with `OutOfFuel`.
///
/// # Safety
/// Called by compiled code inside an entry.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_out_of_fuel(vmctx: *mut u8) {
    // SAFETY: see contract.
    let (store, _) = unsafe { context(vmctx) };
    let result = crate::interrupt::out_of_fuel(store);
    // SAFETY: see contract.
    unsafe { finish(vmctx, result) }
}

/// The engine's epoch reached the store's deadline: trap with `Interrupt`, or run the
/// store's deadline callback and return if it set a new deadline.
///
/// # Safety
/// Called by compiled code inside an entry.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_epoch_interrupt(vmctx: *mut u8) {
    // SAFETY: see contract.
    let store: *mut StoreOpaque = unsafe { context(vmctx).0 };
    // SAFETY: wasm of this store called us; we hold no reference to the store.
    let result = unsafe { crate::interrupt::epoch_interrupt(store) };
    // SAFETY: see contract; `result` moves into the trap record if it is an error.
    unsafe { finish_error(vmctx, result) }
}

/// Throw a new exception of tag `tag` (module tag index) whose payload is in `values`
/// (one `ValRaw` per param of the tag's type): unwind to the nearest wasm handler that
/// takes it, or end the call with an [`crate::UncaughtException`] error.
///
/// # Safety
/// Called by compiled code (through its thunk) inside an entry, with its own VMContext
/// and, unless the tag has no params, `values` pointing to the payload.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_throw(vmctx: *mut u8, tag: u32, values: *const ValRaw) {
    // SAFETY: see contract.
    let (fp, pc) = unsafe { take_frame(vmctx) };
    // SAFETY: see contract.
    let (store, instance) = unsafe { context(vmctx) };
    let tag = store.instance_tag(instance, tag);
    let arity = tag.and_then(|t| store.tag_arity(t)).unwrap_or(0);
    let payload = if arity == 0 || values.is_null() {
        &[][..]
    } else {
        // SAFETY: the compiler passes the tag's params in `values` (see contract).
        unsafe { std::slice::from_raw_parts(values, arity) }
    };
    let exn = match tag {
        Some(tag) => store.new_exception(tag, payload),
        None => Err(crate::Error::ty(
            "throw of a tag the instance does not have",
        )),
    };
    match exn {
        // SAFETY: see contract.
        Ok(exn) => unsafe { throw(vmctx, store, exn, fp, pc) },
        // SAFETY: see contract; the error moves into the trap record.
        Err(error) => unsafe { crate::traphandlers::raise_error(error, pc, fp) },
    }
}

/// Throw the exception `exn` (an exnref, not null) again.
///
/// # Safety
/// Called by compiled code (through its thunk) inside an entry, with its own VMContext.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_rt_throw_ref(vmctx: *mut u8, exn: *mut u8) {
    // SAFETY: see contract.
    let (fp, pc) = unsafe { take_frame(vmctx) };
    // SAFETY: see contract.
    let (store, _) = unsafe { context(vmctx) };
    match store.exception_at(exn as usize) {
        // SAFETY: see contract.
        Some(index) => unsafe { throw(vmctx, store, index, fp, pc) },
        None => {
            let error = crate::Error::ty("throw_ref of an exception this store does not have");
            // SAFETY: see contract; the error moves into the trap record.
            unsafe { crate::traphandlers::raise_error(error, pc, fp) }
        }
    }
}

/// Unwind exception `index` of `store` from the wasm frame (`fp`, return address `pc`)
/// that called a throw libcall with `vmctx`: resume at the handler that takes it, or end
/// the call with the uncaught-exception error (backtrace from the throw).
///
/// # Safety
/// Called from a throw libcall with the frame its thunk recorded; the libcall's frame
/// holds nothing with a destructor.
unsafe fn throw(vmctx: *mut u8, store: &mut StoreOpaque, index: u32, fp: usize, pc: usize) -> ! {
    // SAFETY: see contract; the thunk recorded them in the instance of `vmctx`.
    let regs = unsafe {
        let inst = vmctx_instance(vmctx).cast::<InstanceData>();
        (*inst).last_wasm_regs
    };
    let exn = store.exceptions[index as usize].address();
    let tag = store.exception_tag_address(index).unwrap_or(0);
    let is_vmctx = |vmctx: usize, len: usize| store.is_vmctx(vmctx, len);
    // SAFETY: see contract: the frames from `fp` outward are live wasm frames.
    let handler =
        unsafe { crate::traphandlers::find_handler(tag, vmctx as usize, fp, pc, &is_vmctx) };
    match handler {
        // SAFETY: the handler was found for this throw; the frames it abandons (this one,
        // the libcall's, wasm frames) hold nothing with a destructor.
        Some(handler) => unsafe { crate::traphandlers::resume(handler, exn, &regs) },
        None => {
            let error = store.uncaught(index);
            // SAFETY: see contract; the error moves into the trap record. The innermost
            // frame is the throw's call, just before its return address.
            unsafe { crate::traphandlers::raise_error(error, pc.saturating_sub(1), fp) }
        }
    }
}

#[no_mangle]
pub extern "C" fn wasmaot_rt_ceilf(x: f32) -> f32 {
    x.ceil()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_ceil(x: f64) -> f64 {
    x.ceil()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_floorf(x: f32) -> f32 {
    x.floor()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_floor(x: f64) -> f64 {
    x.floor()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_truncf(x: f32) -> f32 {
    x.trunc()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_trunc(x: f64) -> f64 {
    x.trunc()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_nearbyintf(x: f32) -> f32 {
    x.round_ties_even()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_nearbyint(x: f64) -> f64 {
    x.round_ties_even()
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_fmaf(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
#[no_mangle]
pub extern "C" fn wasmaot_rt_fma(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    ))]
    fn thunks_agree_with_the_instance_layout() {
        assert_eq!(std::mem::offset_of!(InstanceData, last_wasm_fp), 0);
        assert_eq!(std::mem::offset_of!(InstanceData, last_wasm_pc), 8);
        assert_eq!(std::mem::offset_of!(InstanceData, last_wasm_regs), 16);
        // x86_64 records 5 registers, aarch64 10.
        const { assert!(crate::vm::instance::SAVED_REGS >= 10) };
    }

    #[test]
    fn every_libcall_and_float_helper_resolves() {
        for l in Libcall::ALL {
            assert!(address_of(l.symbol()).is_some(), "{l:?}");
        }
        for h in FloatHelper::ALL {
            assert!(address_of(h.symbol()).is_some(), "{h:?}");
        }
        for (i, l) in Libcall::ALL.iter().enumerate() {
            assert_eq!(l.index() as usize, i);
            assert_eq!(Some(table()[i]), address_of(l.symbol()), "{l:?}");
        }
        assert_eq!(address_of("wasmaot_rt_nope"), None);
        assert_eq!(address_of("memcpy"), None);
        assert_eq!(wasmaot_rt_nearbyintf(2.5), 2.0);
        assert_eq!(wasmaot_rt_nearbyint(-3.5), -4.0);
        assert_eq!(wasmaot_rt_fma(2.0, 3.0, 1.0), 7.0);
    }

    /// An instance of a code-less module: memory 0 (1 page), table 0 (4 funcrefs),
    /// passive data "abcdef", passive elem segment of two nulls and one non-null word.
    fn instance() -> (crate::Store<()>, u32) {
        use crate::abi::*;
        let meta = ModuleMeta {
            memories: vec![MemoryType {
                minimum: 1,
                maximum: None,
                memory64: false,
                shared: false,
                page_size_log2: 16,
            }],
            tables: vec![TableDef {
                ty: TableType {
                    ref_type: None,
                    element: ValType::FuncRef,
                    minimum: 4,
                    maximum: None,
                    table64: false,
                },
                init: ConstExpr(vec![ConstOp::RefNull]),
            }],
            data: vec![DataSegment {
                mode: SegmentMode::Passive,
                offset: 0,
                len: 6,
            }],
            elements: vec![ElemSegment {
                mode: SegmentMode::Passive,
                element: ValType::FuncRef,
                items: ElemItems::Exprs(vec![ConstExpr(vec![ConstOp::RefNull]); 2]),
            }],
            ..ModuleMeta::default()
        };
        let bytes =
            crate::tests::build_artifact(&[], &[], &crate::tests::host_header(), &meta, b"abcdef");
        let engine = crate::Engine::default();
        let module = crate::Module::from_bytes(&engine, &bytes).unwrap();
        let mut store = crate::Store::new(&engine, ());
        crate::Instance::new(&mut store, &module, &[]).unwrap();
        (store, 0)
    }

    #[test]
    fn bulk_memory_bounds_and_overlap() {
        let (mut store, i) = instance();
        let s = &mut store.inner.opaque;
        let page = 65536u64;
        assert_eq!(memory_fill(s, i, 0, 8, 1, 2), Ok(()));
        assert_eq!(memory_fill(s, i, 0, page, 1, 0), Ok(()));
        assert_eq!(
            memory_fill(s, i, 0, page, 1, 1),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            memory_fill(s, i, 0, u64::MAX, 1, 2),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(memory_init(s, i, 0, 0, 10, 1, 5), Ok(()));
        assert_eq!(
            &s.memories[0].as_slice()[8..16],
            &[1, 1, b'b', b'c', b'd', b'e', b'f', 0]
        );
        assert_eq!(
            memory_init(s, i, 0, 0, 0, 2, 5),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(memory_init(s, i, 0, 0, page, 6, 0), Ok(()));
        assert_eq!(
            memory_init(s, i, 0, 0, page + 1, 6, 0),
            Err(TrapCode::MemoryOutOfBounds)
        );
        // Overlapping copies move like memmove.
        assert_eq!(memory_copy(s, i, 0, 11, 0, 10, 5), Ok(()));
        assert_eq!(
            &s.memories[0].as_slice()[8..16],
            &[1, 1, b'b', b'b', b'c', b'd', b'e', b'f']
        );
        assert_eq!(memory_copy(s, i, 0, 9, 0, 11, 5), Ok(()));
        assert_eq!(
            &s.memories[0].as_slice()[8..16],
            &[1, b'b', b'c', b'd', b'e', b'f', b'e', b'f']
        );
        assert_eq!(memory_copy(s, i, 0, page, 0, 0, 0), Ok(()));
        assert_eq!(
            memory_copy(s, i, 0, 0, 0, page - 1, 2),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            memory_copy(s, i, 0, u64::MAX, 0, 0, 1),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(memory_index(s, i, 7), Err(TrapCode::MemoryOutOfBounds));
        // Dropping the segment makes it empty.
        s.instances[0].data_dropped[0] = true;
        assert_eq!(
            memory_init(s, i, 0, 0, 0, 0, 1),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(memory_init(s, i, 0, 0, 0, 0, 0), Ok(()));
    }

    #[test]
    fn bulk_table_bounds() {
        let (mut store, i) = instance();
        let s = &mut store.inner.opaque;
        assert_eq!(table_fill(s, i, 0, 1, 0x1000, 3), Ok(()));
        assert_eq!(table_fill(s, i, 0, 4, 0x1000, 0), Ok(()));
        assert_eq!(
            table_fill(s, i, 0, 4, 0x1000, 1),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(table_copy(s, i, 0, 0, 0, 1, 3), Ok(()));
        assert_eq!(
            s.tables[0].table.elements(),
            &[0x1000, 0x1000, 0x1000, 0x1000]
        );
        assert_eq!(table_init(s, i, 0, 0, 1, 0, 2), Ok(()));
        assert_eq!(s.tables[0].table.elements(), &[0x1000, 0, 0, 0x1000]);
        assert_eq!(
            table_init(s, i, 0, 0, 3, 0, 2),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(
            table_init(s, i, 0, 0, 0, 1, 2),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(
            table_copy(s, i, 0, 0, 3, 0, 2),
            Err(TrapCode::TableOutOfBounds)
        );
        s.instances[0].elements[0] = Vec::new();
        assert_eq!(
            table_init(s, i, 0, 0, 0, 0, 1),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(table_init(s, i, 0, 0, 4, 0, 0), Ok(()));
    }
}
