//! The bytes of a module's artifact: a file mapping, or memory a system linker placed.

/// The bytes a module's data segments and memory images are read from.
pub(crate) enum ModuleBytes {
    /// The artifact file (or a copy), mapped by the loader.
    Mapped(std::sync::Arc<memmap2::Mmap>),
    /// The data section where the system linker placed it; it lives as long as the
    /// module (static, or in a shared object the module's code memory keeps open).
    Linked { ptr: *const u8, len: usize },
}

// SAFETY: `Linked` points to read-only memory that outlives the module and is never
// written; sharing or sending a view of it between threads is sound.
unsafe impl Send for ModuleBytes {}
// SAFETY: as above.
unsafe impl Sync for ModuleBytes {}

impl std::ops::Deref for ModuleBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ModuleBytes::Mapped(map) => map,
            ModuleBytes::Linked { len: 0, .. } => &[],
            // SAFETY: checked non-null at construction; the memory is readable for `len`
            // bytes and lives as long as the module (see the variant).
            ModuleBytes::Linked { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}
