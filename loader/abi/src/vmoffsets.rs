//! The VMContext layout.
//!
//! One `VMContext` is allocated per instance. Compiled code reaches everything it
//! needs about the instance through it; the runtime fills it in at instantiation.
//! Every offset is computed here, from the module's counts and the TARGET's pointer
//! size `P` (never the host's), so cross-compiled code agrees with the loader that
//! runs it.
//!
//! ```text
//!  offset                      field                                     size
//!  0                           magic  b"vmcx"                            4 (+4 pad)
//!  8                           runtime_limits: *const VMRuntimeLimits    P
//!  8+P                         store: *mut StoreOpaque                   P
//!  8+2P                        instance: *mut Instance                   P
//!  8+3P                        libcalls: *const [P; Libcall::ALL.len()]  P   (runtime functions)
//!  header_end                  type_ids: [u32; types]                    4 * types   (engine-wide ids)
//!  (align P) imported_funcs    [*const VMFuncRef; imported_funcs]        P each
//!            imported_tables   [*mut VMTableDefinition; imported_tables] P each
//!            imported_memories [*mut VMMemoryDefinition; ...]            P each
//!            imported_globals  [*mut VMGlobalDefinition; ...]            P each
//!            defined_tables    [VMTableDefinition; defined_tables]       2P each
//!            defined_memories  [VMMemoryDefinition; defined_memories]    2P each
//!  (align 16) defined_globals  [VMGlobalDefinition; defined_globals]     16 each
//!            defined_funcrefs  [VMFuncRef; defined_funcs]                3P each
//! ```
//!
//! The records it points to:
//!
//! ```text
//!  VMRuntimeLimits    { stack_limit: P, fuel_consumed: 8, epoch_deadline: 8,
//!                       epoch_counter: P (*const u64, the engine's epoch) }   (one per store)
//!  VMFuncRef          { wasm_call: P, type_id: u32 (+pad to P), vmctx: P }
//!  VMTableDefinition  { base: P, current_elements: u32 (+pad to P) }   elements are P-sized
//!  VMMemoryDefinition { base: P, current_length: P }                    (length in bytes)
//!  VMGlobalDefinition 16 bytes, value little-endian at offset 0
//!  VMHostFuncContext  { magic b"host": u32 (+4 pad), callback: P, shim: P, ... }
//! ```
//!
//! A `VMFuncRef` of a host function has as `vmctx` a `VMHostFuncContext`, whose
//! `callback` is `extern "C" fn(host_ctx, caller_vmctx, values: *mut ValRaw, len: P)`.
//! `shim` and what follows are the runtime's own: compiled code never reads them.
//!
//! The methods are `const fn`, so that the runtime's assembly can take offsets of the
//! header and the records (which do not depend on the counts) as `const` operands:
//! `VMOffsets::new(pointer_size, Counts::NONE)`.

/// Counts that determine the layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub types: u32,
    pub imported_funcs: u32,
    pub imported_tables: u32,
    pub imported_memories: u32,
    pub imported_globals: u32,
    pub defined_funcs: u32,
    pub defined_tables: u32,
    pub defined_memories: u32,
    pub defined_globals: u32,
    pub imported_tags: u32,
    pub defined_tags: u32,
}

impl Counts {
    /// A module without entities.
    pub const NONE: Counts = Counts {
        types: 0,
        imported_funcs: 0,
        imported_tables: 0,
        imported_memories: 0,
        imported_globals: 0,
        defined_funcs: 0,
        defined_tables: 0,
        defined_memories: 0,
        defined_globals: 0,
        imported_tags: 0,
        defined_tags: 0,
    };
}

/// Magic of a VMContext ("vmcx" little-endian).
pub const VMCTX_MAGIC: u32 = u32::from_le_bytes(*b"vmcx");
/// Magic of a VMHostFuncContext ("host" little-endian).
pub const HOST_CTX_MAGIC: u32 = u32::from_le_bytes(*b"host");

/// Offsets into a VMContext and the records it refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    pub pointer_size: u8,
    pub counts: Counts,
    type_ids: u32,
    imported_funcs: u32,
    imported_tables: u32,
    imported_memories: u32,
    imported_globals: u32,
    defined_tables: u32,
    defined_memories: u32,
    defined_globals: u32,
    defined_funcrefs: u32,
    tags: u32,
    size: u32,
}

const fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

/// The offset after `n` records of `each` bytes from `start`. Counts come from validated
/// modules (at most a few million entities), so this stays far from u32 overflow;
/// saturate defensively anyway.
const fn after(start: u32, n: u32, each: u32) -> u32 {
    start.saturating_add(n.saturating_mul(each))
}

/// Size of a `VMGlobalDefinition`, and the alignment of the defined globals.
const GLOBAL_SIZE: u32 = 16;

impl VMOffsets {
    /// The layout for `counts` on a target with `pointer_size`-byte pointers (4 or 8).
    pub const fn new(pointer_size: u8, counts: Counts) -> VMOffsets {
        let p = pointer_size as u32;
        let type_ids = 8 + 4 * p;
        let imported_funcs = align(after(type_ids, counts.types, 4), p);
        let imported_tables = after(imported_funcs, counts.imported_funcs, p);
        let imported_memories = after(imported_tables, counts.imported_tables, p);
        let imported_globals = after(imported_memories, counts.imported_memories, p);
        let defined_tables = after(imported_globals, counts.imported_globals, p);
        let defined_memories = after(defined_tables, counts.defined_tables, 2 * p);
        let defined_globals = align(
            after(defined_memories, counts.defined_memories, 2 * p),
            GLOBAL_SIZE,
        );
        let defined_funcrefs = after(defined_globals, counts.defined_globals, GLOBAL_SIZE);
        let tags = after(defined_funcrefs, counts.defined_funcs, 3 * p);
        let all_tags = counts.imported_tags.saturating_add(counts.defined_tags);
        let size = align(after(tags, all_tags, p), 16);
        VMOffsets {
            pointer_size,
            counts,
            type_ids,
            imported_funcs,
            imported_tables,
            imported_memories,
            imported_globals,
            defined_tables,
            defined_memories,
            defined_globals,
            defined_funcrefs,
            tags,
            size,
        }
    }

    const fn p(&self) -> u32 {
        self.pointer_size as u32
    }

    // --- VMContext header ---
    #[inline]
    pub const fn vmctx_magic(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn vmctx_runtime_limits(&self) -> u32 {
        8
    }
    #[inline]
    pub const fn vmctx_store(&self) -> u32 {
        8 + self.p()
    }
    #[inline]
    pub const fn vmctx_instance(&self) -> u32 {
        8 + 2 * self.p()
    }
    /// Pointer to the table of runtime-function addresses, indexed by `Libcall::index`:
    /// compiled code calls libcalls through it, so `.text` holds no absolute address.
    #[inline]
    pub const fn vmctx_libcalls(&self) -> u32 {
        8 + 3 * self.p()
    }
    /// Offset of libcall `index`'s address in the table `vmctx_libcalls` points to.
    #[inline]
    pub const fn libcall_slot(&self, index: u32) -> u32 {
        index * self.p()
    }
    /// Engine-wide id of module type `index`.
    #[inline]
    pub const fn vmctx_type_id(&self, index: u32) -> u32 {
        self.type_ids + 4 * index
    }
    /// Pointer to the `VMFuncRef` of imported function `index`.
    #[inline]
    pub const fn vmctx_imported_func(&self, index: u32) -> u32 {
        self.imported_funcs + index * self.p()
    }
    #[inline]
    pub const fn vmctx_imported_table(&self, index: u32) -> u32 {
        self.imported_tables + index * self.p()
    }
    #[inline]
    pub const fn vmctx_imported_memory(&self, index: u32) -> u32 {
        self.imported_memories + index * self.p()
    }
    #[inline]
    pub const fn vmctx_imported_global(&self, index: u32) -> u32 {
        self.imported_globals + index * self.p()
    }
    /// `VMTableDefinition` of defined table `index` (index among defined tables).
    #[inline]
    pub const fn vmctx_defined_table(&self, index: u32) -> u32 {
        self.defined_tables + index * 2 * self.p()
    }
    #[inline]
    pub const fn vmctx_defined_memory(&self, index: u32) -> u32 {
        self.defined_memories + index * 2 * self.p()
    }
    #[inline]
    pub const fn vmctx_defined_global(&self, index: u32) -> u32 {
        self.defined_globals + index * GLOBAL_SIZE
    }
    /// `VMFuncRef` of defined function `index` (index among defined functions).
    #[inline]
    pub const fn vmctx_defined_funcref(&self, index: u32) -> u32 {
        self.defined_funcrefs + index * 3 * self.p()
    }
    /// Pointer to the runtime's tag of tag `index` (imported tags first): the tag's
    /// identity is that address, so an imported tag and its export compare equal.
    #[inline]
    pub const fn vmctx_tag(&self, index: u32) -> u32 {
        self.tags + index * self.p()
    }
    /// Total size of the VMContext in bytes (a multiple of 16).
    #[inline]
    pub const fn size(&self) -> u32 {
        self.size
    }

    // --- records ---
    #[inline]
    pub const fn limits_stack_limit(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn limits_fuel_consumed(&self) -> u32 {
        self.p()
    }
    #[inline]
    pub const fn limits_epoch_deadline(&self) -> u32 {
        self.p() + 8
    }
    /// Pointer to the engine's current epoch (a `u64`).
    #[inline]
    pub const fn limits_epoch_counter(&self) -> u32 {
        self.p() + 16
    }
    #[inline]
    pub const fn size_of_limits(&self) -> u32 {
        2 * self.p() + 16
    }
    #[inline]
    pub const fn funcref_wasm_call(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn funcref_type_id(&self) -> u32 {
        self.p()
    }
    #[inline]
    pub const fn funcref_vmctx(&self) -> u32 {
        2 * self.p()
    }
    #[inline]
    pub const fn size_of_funcref(&self) -> u32 {
        3 * self.p()
    }
    #[inline]
    pub const fn table_base(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn table_current_elements(&self) -> u32 {
        self.p()
    }
    #[inline]
    pub const fn size_of_table_definition(&self) -> u32 {
        2 * self.p()
    }
    #[inline]
    pub const fn memory_base(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn memory_current_length(&self) -> u32 {
        self.p()
    }
    #[inline]
    pub const fn size_of_memory_definition(&self) -> u32 {
        2 * self.p()
    }
    #[inline]
    pub const fn size_of_global_definition(&self) -> u32 {
        GLOBAL_SIZE
    }
    /// In an exception object: pointer to the tag it was thrown with (its identity).
    #[inline]
    pub const fn exn_tag(&self) -> u32 {
        0
    }
    /// In an exception object: the payload, one `ValRaw` per param of the tag's type.
    #[inline]
    pub const fn exn_values(&self) -> u32 {
        16
    }
    #[inline]
    pub const fn host_ctx_magic(&self) -> u32 {
        0
    }
    #[inline]
    pub const fn host_ctx_callback(&self) -> u32 {
        8
    }
    /// The runtime's function the `callback` passes every call on to.
    #[inline]
    pub const fn host_ctx_shim(&self) -> u32 {
        self.host_ctx_callback() + self.p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_ordered_aligned_and_pointer_size_dependent() {
        let counts = Counts {
            types: 3,
            imported_funcs: 2,
            imported_tables: 1,
            imported_memories: 1,
            imported_globals: 2,
            defined_funcs: 5,
            defined_tables: 2,
            defined_memories: 1,
            defined_globals: 3,
            imported_tags: 1,
            defined_tags: 2,
        };
        for p in [4u8, 8] {
            let o = VMOffsets::new(p, counts);
            let p32 = u32::from(p);
            assert_eq!(o.vmctx_imported_func(0) % p32, 0);
            assert!(o.vmctx_type_id(2) + 4 <= o.vmctx_imported_func(0));
            assert_eq!(o.vmctx_imported_table(0), o.vmctx_imported_func(2));
            assert_eq!(o.vmctx_defined_global(0) % 16, 0);
            assert!(o.vmctx_defined_memory(1) <= o.vmctx_defined_global(0));
            assert_eq!(o.vmctx_defined_funcref(0), o.vmctx_defined_global(3));
            assert_eq!(o.vmctx_tag(0), o.vmctx_defined_funcref(5));
            assert_eq!(o.size(), o.vmctx_tag(3).div_ceil(16) * 16);
        }
        assert!(VMOffsets::new(4, counts).size() < VMOffsets::new(8, counts).size());
    }
}
