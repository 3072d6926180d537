//! The runtime records compiled code reads and writes, as Rust types laid out exactly as
//! `abi::VMOffsets` describes them for the host's pointer size, and the VMContext
//! allocation itself.

use crate::abi::{Counts, VMOffsets, VMCTX_MAGIC};
use std::alloc::Layout;
use std::ptr::NonNull;

/// Pointer size of the host, as `abi::VMOffsets` wants it.
pub const HOST_POINTER_SIZE: u8 = std::mem::size_of::<usize>() as u8;

/// The offsets on this host that do not depend on the module: those of the VMContext
/// header and of the records (for `const` operands of the runtime's assembly).
pub const HOST_FIXED_OFFSETS: VMOffsets = VMOffsets::new(HOST_POINTER_SIZE, Counts::NONE);

/// Per-store limits compiled code checks (`VMRuntimeLimits`).
#[repr(C)]
#[derive(Debug)]
pub struct VMRuntimeLimits {
    pub stack_limit: usize,
    pub fuel_consumed: i64,
    pub epoch_deadline: u64,
    /// The engine's epoch counter (null until an engine is attached).
    pub epoch_counter: *const u64,
}

impl Default for VMRuntimeLimits {
    fn default() -> Self {
        VMRuntimeLimits {
            stack_limit: 0,
            fuel_consumed: 0,
            epoch_deadline: u64::MAX,
            epoch_counter: std::ptr::null(),
        }
    }
}

/// `VMFuncRef`: what a funcref points to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMFuncRef {
    pub wasm_call: usize,
    pub type_id: u32,
    pub vmctx: *mut u8,
}

/// `VMTableDefinition`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMTableDefinition {
    pub base: *mut usize,
    pub current_elements: u32,
}

/// `VMMemoryDefinition`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMMemoryDefinition {
    pub base: *mut u8,
    pub current_length: usize,
}

/// `VMGlobalDefinition`: 16 bytes, value little-endian at offset 0.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct VMGlobalDefinition(pub [u8; 16]);

/// One slot of the host<->wasm value arrays.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct ValRaw(pub [u8; 16]);

impl ValRaw {
    pub fn from_u128(v: u128) -> ValRaw {
        ValRaw(v.to_le_bytes())
    }
    pub fn as_u128(&self) -> u128 {
        u128::from_le_bytes(self.0)
    }
}

// The layouts above must agree with `abi::VMOffsets` for the host (field offsets:
// `layout_tests`).
const _: () = {
    use std::mem::size_of;
    let o = HOST_FIXED_OFFSETS;
    assert!(size_of::<VMFuncRef>() == o.size_of_funcref() as usize);
    assert!(size_of::<VMTableDefinition>() == o.size_of_table_definition() as usize);
    assert!(size_of::<VMMemoryDefinition>() == o.size_of_memory_definition() as usize);
    assert!(size_of::<VMGlobalDefinition>() == o.size_of_global_definition() as usize);
    assert!(size_of::<ValRaw>() == crate::abi::VAL_RAW_SIZE as usize);
    assert!(size_of::<VMRuntimeLimits>() == o.size_of_limits() as usize);
};

/// An owned, zeroed, 16-aligned VMContext allocation.
#[derive(Debug)]
pub struct VMContextAlloc {
    ptr: NonNull<u8>,
    layout: Layout,
    pub offsets: VMOffsets,
}

impl VMContextAlloc {
    /// Allocate a zeroed VMContext for `offsets` and write its magic and the address of
    /// the libcall table (`Libcall::index` → address) compiled code calls through.
    pub fn new(offsets: VMOffsets, libcalls: &'static [usize]) -> VMContextAlloc {
        let size = (offsets.size() as usize).max(16);
        // The size is at most a few hundred MiB for validated modules and 16 is a power of two.
        let layout = Layout::from_size_align(size, 16).unwrap_or(Layout::new::<[u8; 16]>());
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        let vmctx = VMContextAlloc {
            ptr,
            layout,
            offsets,
        };
        vmctx.write_u32(offsets.vmctx_magic(), VMCTX_MAGIC);
        vmctx.write_usize(offsets.vmctx_libcalls(), libcalls.as_ptr() as usize);
        vmctx
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Pointer to the byte at `offset` (which the VMOffsets computed; inside the allocation).
    pub fn at<T>(&self, offset: u32) -> *mut T {
        debug_assert!(offset as usize + std::mem::size_of::<T>() <= self.layout.size());
        self.ptr.as_ptr().wrapping_add(offset as usize).cast()
    }

    pub fn write_u32(&self, offset: u32, v: u32) {
        assert!(offset as usize + 4 <= self.layout.size());
        // SAFETY: in bounds (checked above) of our allocation, 4-aligned by VMOffsets.
        unsafe { self.at::<u32>(offset).write_unaligned(v) }
    }

    pub fn write_usize(&self, offset: u32, v: usize) {
        assert!(offset as usize + std::mem::size_of::<usize>() <= self.layout.size());
        // SAFETY: in bounds (checked above) of our allocation.
        unsafe { self.at::<usize>(offset).write_unaligned(v) }
    }
}

impl Drop for VMContextAlloc {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// Read the `instance` field of a VMContext.
///
/// # Safety
/// `vmctx` must point to a live VMContext allocated by this runtime.
pub unsafe fn vmctx_instance(vmctx: *mut u8) -> *mut u8 {
    // SAFETY: the header fields are at fixed offsets in every VMContext (see caller's contract).
    unsafe {
        vmctx
            .add(HOST_FIXED_OFFSETS.vmctx_instance() as usize)
            .cast::<*mut u8>()
            .read()
    }
}

/// Read the `store` field of a VMContext: the `StoreOpaque` that owns its instance.
///
/// # Safety
/// `vmctx` must point to a live VMContext allocated by this runtime.
pub unsafe fn vmctx_store(vmctx: *mut u8) -> *mut u8 {
    let offsets = VMOffsets::new(HOST_POINTER_SIZE, Default::default());
    // SAFETY: the header fields are at fixed offsets in every VMContext (see caller's contract).
    unsafe {
        vmctx
            .add(offsets.vmctx_store() as usize)
            .cast::<*mut u8>()
            .read()
    }
}

/// Read the magic of a VMContext or VMHostFuncContext.
///
/// # Safety
/// `ctx` must point to at least 4 readable bytes.
pub unsafe fn ctx_magic(ctx: *const u8) -> u32 {
    // SAFETY: see contract.
    unsafe { ctx.cast::<u32>().read_unaligned() }
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use crate::abi::Counts;
    use std::mem::offset_of;

    /// Every record field the compiler addresses through `abi::VMOffsets` is where the
    /// runtime's Rust type puts it.
    #[test]
    fn records_match_vmoffsets() {
        let o = VMOffsets::new(HOST_POINTER_SIZE, Counts::default());
        let at = |x: usize| x as u32;
        assert_eq!(
            at(offset_of!(VMRuntimeLimits, stack_limit)),
            o.limits_stack_limit()
        );
        assert_eq!(
            at(offset_of!(VMRuntimeLimits, fuel_consumed)),
            o.limits_fuel_consumed()
        );
        assert_eq!(
            at(offset_of!(VMRuntimeLimits, epoch_deadline)),
            o.limits_epoch_deadline()
        );
        assert_eq!(
            at(offset_of!(VMRuntimeLimits, epoch_counter)),
            o.limits_epoch_counter()
        );
        assert_eq!(
            at(std::mem::size_of::<VMRuntimeLimits>()),
            o.size_of_limits()
        );
        assert_eq!(at(offset_of!(VMFuncRef, wasm_call)), o.funcref_wasm_call());
        assert_eq!(at(offset_of!(VMFuncRef, type_id)), o.funcref_type_id());
        assert_eq!(at(offset_of!(VMFuncRef, vmctx)), o.funcref_vmctx());
        assert_eq!(at(std::mem::size_of::<VMFuncRef>()), o.size_of_funcref());
        assert_eq!(at(offset_of!(VMTableDefinition, base)), o.table_base());
        assert_eq!(
            at(offset_of!(VMTableDefinition, current_elements)),
            o.table_current_elements()
        );
        assert_eq!(
            at(std::mem::size_of::<VMTableDefinition>()),
            o.size_of_table_definition()
        );
        assert_eq!(at(offset_of!(VMMemoryDefinition, base)), o.memory_base());
        assert_eq!(
            at(offset_of!(VMMemoryDefinition, current_length)),
            o.memory_current_length()
        );
        assert_eq!(
            at(std::mem::size_of::<VMMemoryDefinition>()),
            o.size_of_memory_definition()
        );
    }
}
