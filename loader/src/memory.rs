//! Linear memories: a reservation of `memory_reservation + guard` bytes of address space
//! (PROT_NONE, MAP_NORESERVE) whose first `current_length` bytes are read-write.
//! Growing is an `mprotect`; the base never moves. Reservations come from and go back to
//! the process-wide pool (`memory_pool.rs`).

use crate::abi::{MemoryType, Tunables, WASM_PAGE_SIZE};
use crate::error::{Error, Result};
use crate::memory_pool::{self, ImageKey, Reservation};
use crate::module::ModuleInner;
use crate::vmcontext::VMMemoryDefinition;
use std::sync::Arc;

/// Images at least this large are mapped from the artifact file rather than copied.
pub const MIN_MAPPED_IMAGE: usize = 64 << 10;

/// Most pages of a 32-bit memory.
pub const MAX_PAGES_32: u64 = 1 << 16;

/// A reserved, partly accessible linear memory.
#[derive(Debug)]
pub(crate) struct LinearMemory {
    base: *mut u8,
    /// `region.accessible` is the memory's current length in bytes.
    region: Reservation,
    max_pages: u64,
    guard: u64,
    /// Bytes a memory of this type starts with: released, they stay read-write in the pool.
    initial: usize,
    /// The image this memory is to start with when it is mapped from the artifact file.
    image: Option<ImageKey>,
}

/// The key of the memory image of memory `memory` (memory index space) of `module`, if it
/// has one that [`LinearMemory::write_image`] maps from the artifact file.
pub(crate) fn mapped_image_key(module: &Arc<ModuleInner>, memory: u32) -> Option<ImageKey> {
    let image = module
        .meta
        .memory_images
        .iter()
        .find(|i| i.memory == memory)?;
    let (_, offset) = module.file_offset(image.offset)?;
    let whole = mapped_len(usize::try_from(image.len).ok()?, offset)?;
    Some(ImageKey::new(module, memory, offset, whole))
}

/// How many bytes of an image of `len` bytes at file offset `offset` are mapped from the
/// file: its whole pages, if they are at least [`MIN_MAPPED_IMAGE`] and the offset is
/// page-aligned.
fn mapped_len(len: usize, offset: u64) -> Option<usize> {
    let page = memory_pool::page_size();
    let whole = len / page * page;
    (whole >= MIN_MAPPED_IMAGE && offset.is_multiple_of(page as u64)).then_some(whole)
}

impl LinearMemory {
    /// Reserve a memory of type `ty` laid out as `tunables` say; `image` is the key of the
    /// image it will start with if mapped from a file ([`mapped_image_key`]): a pooled
    /// reservation already holding it is preferred.
    pub fn new(
        ty: &MemoryType,
        tunables: &Tunables,
        image: Option<ImageKey>,
    ) -> Result<LinearMemory> {
        if ty.memory64 {
            return Err(Error::unsupported(
                "64-bit memories (memory64) are not supported",
            ));
        }
        if ty.shared {
            return Err(Error::unsupported("shared memories are not supported"));
        }
        if ty.page_size_log2 != 16 {
            return Err(Error::unsupported(format!(
                "memories with page size 2^{} are not supported",
                ty.page_size_log2
            )));
        }
        let max_pages = ty.maximum.unwrap_or(MAX_PAGES_32).min(MAX_PAGES_32);
        if ty.minimum > max_pages {
            return Err(Error::resource(format!(
                "memory minimum of {} pages exceeds the limit of {max_pages} pages",
                ty.minimum
            )));
        }
        let reserved = tunables
            .memory_reservation
            .checked_add(tunables.memory_guard_size)
            .and_then(|r| usize::try_from(r).ok())
            .ok_or_else(|| Error::resource("memory reservation does not fit the address space"))?;
        let initial = ty.minimum * WASM_PAGE_SIZE;
        let initial_bytes = usize::try_from(initial).unwrap_or(usize::MAX);
        let region = usize::try_from(initial)
            .map_err(|e| e.to_string())
            .and_then(|initial| memory_pool::reserve(reserved, initial, image.as_ref()))
            .map_err(|e| {
                Error::resource(format!(
                    "reserving {reserved} bytes of address space for a linear memory of {} pages: {e}",
                    ty.minimum
                ))
            })?;
        Ok(LinearMemory {
            base: region.base as *mut u8,
            region,
            max_pages,
            guard: tunables.memory_guard_size,
            initial: initial_bytes,
            image,
        })
    }

    fn set_len(&mut self, new_len: u64) -> Result<()> {
        let new_len = new_len as usize;
        if new_len > self.region.accessible {
            memory_pool::set_accessible(&mut self.region, new_len).map_err(|e| {
                Error::resource(format!(
                    "making {new_len} bytes of linear memory accessible: {e}"
                ))
            })?;
        }
        Ok(())
    }

    /// Grow by `delta` pages; the old size in pages, or `None` if beyond the maximum or
    /// out of memory.
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        self.set_len(new * WASM_PAGE_SIZE).ok()?;
        Some(old)
    }

    pub fn pages(&self) -> u64 {
        self.len() as u64 / WASM_PAGE_SIZE
    }

    /// Accessible bytes.
    fn len(&self) -> usize {
        self.region.accessible
    }

    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Inaccessible bytes after the 4 GiB reservation.
    pub fn guard_size(&self) -> u64 {
        self.guard
    }

    pub fn definition(&self) -> VMMemoryDefinition {
        VMMemoryDefinition {
            base: self.base,
            current_length: self.len(),
        }
    }

    /// Put `bytes` at the start of the memory (an initial image); false if it does not
    /// fit. With `file` = (the artifact file, the file offset of `bytes`) and the image's
    /// key given at creation, the whole pages of a large image are mapped copy-on-write
    /// from the file instead of copied (or are already there, in a reservation from the
    /// pool that holds this image).
    pub fn write_image(&mut self, bytes: &[u8], file: Option<(&std::fs::File, u64)>) -> bool {
        if bytes.len() > self.len() {
            return false;
        }
        let mut copied_from = 0;
        if let (Some((file, offset)), Some(key)) = (file, &self.image) {
            if mapped_len(bytes.len(), offset) == Some(key.len()) && key.offset() == offset {
                match memory_pool::map_image(&mut self.region, key, file) {
                    Ok(()) => copied_from = key.len(),
                    // The pages may be gone: fail rather than run on a wrong image.
                    Err(_) => return false,
                }
            }
        }
        let rest = &bytes[copied_from..];
        if copied_from == 0 {
            memory_pool::prefault(&self.region, rest.len());
        }
        self.as_mut_slice()[copied_from..bytes.len()].copy_from_slice(rest);
        true
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the first `len` bytes are mapped read-write and owned by us.
        unsafe { std::slice::from_raw_parts(self.base, self.len()) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len()) }
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        let region = std::mem::replace(&mut self.region, Reservation::none());
        memory_pool::release(region, self.initial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            minimum: min,
            maximum: max,
            memory64: false,
            shared: false,
            page_size_log2: 16,
        }
    }

    #[test]
    fn grow_within_limits() {
        let mut m = LinearMemory::new(&ty(1, Some(3)), &Tunables::default(), None).unwrap();
        assert_eq!(m.pages(), 1);
        m.as_mut_slice()[65535] = 7;
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.as_slice().len(), 2 * 65536);
        m.as_mut_slice()[2 * 65536 - 1] = 9;
        assert_eq!(m.as_slice()[65535], 7);
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(1), Some(2));
        assert_eq!(m.grow(0), Some(3));
        assert_eq!(m.grow(1), None);
        assert_eq!(m.definition().current_length, 3 * 65536);
    }

    #[test]
    fn unlimited_memory_caps_at_4gib_and_unsupported_types_error() {
        let mut m = LinearMemory::new(&ty(0, None), &Tunables::default(), None).unwrap();
        assert_eq!(m.grow(MAX_PAGES_32 + 1), None);
        assert_eq!(m.grow(u64::MAX), None);
        assert!(LinearMemory::new(&ty(2, Some(1)), &Tunables::default(), None).is_err());
        let mut t = ty(0, None);
        t.memory64 = true;
        let e = LinearMemory::new(&t, &Tunables::default(), None).unwrap_err();
        assert!(matches!(e.kind(), crate::ErrorKind::Unsupported));
    }
}

/// A memory in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

pub(crate) struct MemoryData {
    pub ty: MemoryType,
    pub memory: LinearMemory,
    /// Stable address of the definition compiled code reads.
    pub def: *mut VMMemoryDefinition,
    _owned: Option<Box<VMMemoryDefinition>>,
}

impl MemoryData {
    /// A memory whose definition lives at `def` (inside an instance's VMContext), or in
    /// its own box if `def` is null.
    pub fn new(ty: MemoryType, memory: LinearMemory, def: *mut VMMemoryDefinition) -> MemoryData {
        let mut data = if def.is_null() {
            let mut owned = Box::new(memory.definition());
            let def: *mut VMMemoryDefinition = &mut *owned;
            MemoryData {
                ty,
                memory,
                def,
                _owned: Some(owned),
            }
        } else {
            MemoryData {
                ty,
                memory,
                def,
                _owned: None,
            }
        };
        data.sync();
        data
    }

    fn sync(&mut self) {
        // SAFETY: `def` points to a live definition owned by the store.
        unsafe { *self.def = self.memory.definition() }
    }

    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.memory.grow(delta)?;
        self.sync();
        Some(old)
    }
}

impl Memory {
    /// A host memory of type `ty`.
    pub fn new(mut store: impl crate::AsContextMut, ty: MemoryType) -> Result<Memory> {
        let store = &mut store.as_context_mut().0.opaque;
        let memory = LinearMemory::new(&ty, &Tunables::default(), None)?;
        store
            .memories
            .push(MemoryData::new(ty, memory, std::ptr::null_mut()));
        Ok(Memory {
            store: store.id,
            index: store.memories.len() as u32 - 1,
        })
    }

    /// The memory's type, with its current size as minimum (an empty memory type for a
    /// handle of another store).
    pub fn ty(&self, store: impl crate::AsContext) -> MemoryType {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.memories.get(self.index as usize) {
            Some(m) if o.id == self.store => MemoryType {
                minimum: m.memory.pages(),
                ..m.ty
            },
            _ => MemoryType {
                minimum: 0,
                maximum: Some(0),
                memory64: false,
                shared: false,
                page_size_log2: 16,
            },
        }
    }

    /// Size in pages (0 for a handle of another store).
    pub fn size(&self, store: impl crate::AsContext) -> u64 {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.memories.get(self.index as usize) {
            Some(m) if o.id == self.store => m.memory.pages(),
            _ => 0,
        }
    }

    pub fn data<'a, S: crate::AsContext + 'a>(&self, store: &'a S) -> &'a [u8] {
        let inner = store.as_context().0;
        match inner.opaque.memories.get(self.index as usize) {
            Some(m) if inner.opaque.id == self.store => m.memory.as_slice(),
            _ => &[],
        }
    }

    pub fn data_mut<'a, S: crate::AsContextMut + 'a>(&self, store: &'a mut S) -> &'a mut [u8] {
        let inner = store.as_context_mut().0;
        let id = inner.opaque.id;
        match inner.opaque.memories.get_mut(self.index as usize) {
            Some(m) if id == self.store => m.memory.as_mut_slice(),
            _ => &mut [],
        }
    }

    /// The memory's bytes and the store's data, borrowed together (e.g. a host function
    /// working on guest memory and its own state). Empty bytes for a handle of another
    /// store.
    pub fn data_and_store_mut<'a, T: 'a, S: crate::AsContextMut<Data = T> + 'a>(
        &self,
        store: &'a mut S,
    ) -> (&'a mut [u8], &'a mut T) {
        let inner = store.as_context_mut().0;
        let crate::store::StoreInner { opaque, data } = inner;
        let id = opaque.id;
        let bytes = match opaque.memories.get_mut(self.index as usize) {
            Some(m) if id == self.store => m.memory.as_mut_slice(),
            _ => &mut [],
        };
        (bytes, data)
    }

    /// Grow by `delta` pages; the old size in pages.
    pub fn grow(&self, mut store: impl crate::AsContextMut, delta: u64) -> Result<u64> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check(self.store, "memory")?;
        let index = self.index as usize;
        store.grow_memory(index, delta).ok_or_else(|| {
            let m = &store.memories[index];
            Error::resource(format!(
                "failed to grow memory of {} pages by {delta} (maximum {} pages)",
                m.memory.pages(),
                m.memory.max_pages()
            ))
        })
    }
}
