//! The module descriptor: how linked code finds its module without file I/O.
//!
//! Every artifact defines one global data symbol, `<prefix>wasmaot_module`, holding this
//! record. Its three pointers carry absolute relocations to the start of the object's
//! metadata, `.text` and data sections, so once a system linker has placed the object in
//! an executable or a shared object, the record tells the runtime where everything is:
//! a C host passes `&<prefix>wasmaot_module` to `wasmaot_module_from_static`, the loader
//! finds it in a `.so` with `dlsym`.
//!
//! ```text
//! offset (P = target pointer size)
//!   0       u32   magic            DESCRIPTOR_MAGIC ("WAOT" little-endian)
//!   4       u32   version          DESCRIPTOR_VERSION
//!   8       ptr   metadata         start of the metadata section (header first)
//!   8+P     usize metadata_len
//!   8+2P    ptr   text             start of this object's `.text`
//!   8+3P    usize text_len
//!   8+4P    ptr   data             start of the data section (memory images, segments)
//!   8+5P    usize data_len
//!   8+6P          (size)
//! ```

use alloc::format;
use alloc::string::String;

/// `Descriptor::magic`: the bytes `WAOT` read as a little-endian u32.
pub const DESCRIPTOR_MAGIC: u32 = u32::from_le_bytes(*b"WAOT");

/// `Descriptor::version`; bumped when the record's layout changes.
pub const DESCRIPTOR_VERSION: u32 = 1;

/// Name of the descriptor symbol for a symbol prefix (before any platform mangling:
/// Mach-O adds a leading `_`, as it does to every C symbol).
#[inline]
pub fn descriptor_symbol(prefix: &str) -> String {
    format!("{prefix}wasmaot_module")
}

/// The descriptor record as the host sees it (the layout above for the host's pointer
/// size). Produced by the compiler and the system linker, never built by the runtime.
#[repr(C)]
#[derive(Debug)]
pub struct Descriptor {
    pub magic: u32,
    pub version: u32,
    pub metadata: *const u8,
    pub metadata_len: usize,
    pub text: *const u8,
    pub text_len: usize,
    pub data: *const u8,
    pub data_len: usize,
}

/// Field offsets of the descriptor for a target pointer size (the compiler's view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescriptorLayout {
    pub pointer_size: u32,
}

impl DescriptorLayout {
    #[inline]
    pub fn new(pointer_size: u8) -> DescriptorLayout {
        DescriptorLayout {
            pointer_size: u32::from(pointer_size),
        }
    }
    #[inline]
    pub fn magic(&self) -> u32 {
        0
    }
    #[inline]
    pub fn version(&self) -> u32 {
        4
    }
    #[inline]
    pub fn metadata(&self) -> u32 {
        8
    }
    #[inline]
    pub fn metadata_len(&self) -> u32 {
        8 + self.pointer_size
    }
    #[inline]
    pub fn text(&self) -> u32 {
        8 + 2 * self.pointer_size
    }
    #[inline]
    pub fn text_len(&self) -> u32 {
        8 + 3 * self.pointer_size
    }
    #[inline]
    pub fn data(&self) -> u32 {
        8 + 4 * self.pointer_size
    }
    #[inline]
    pub fn data_len(&self) -> u32 {
        8 + 5 * self.pointer_size
    }
    #[inline]
    pub fn size(&self) -> u32 {
        8 + 6 * self.pointer_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_host_record() {
        let l = DescriptorLayout::new(core::mem::size_of::<usize>() as u8);
        assert_eq!(l.size() as usize, core::mem::size_of::<Descriptor>());
        assert_eq!(
            l.metadata() as usize,
            core::mem::offset_of!(Descriptor, metadata)
        );
        assert_eq!(
            l.text_len() as usize,
            core::mem::offset_of!(Descriptor, text_len)
        );
        assert_eq!(
            l.data_len() as usize,
            core::mem::offset_of!(Descriptor, data_len)
        );
        assert_eq!(&DESCRIPTOR_MAGIC.to_le_bytes(), b"WAOT");
    }
}
