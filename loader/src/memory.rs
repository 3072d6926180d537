//! The `Memory` handle: host memories, and what the host does with a store's memories
//! (size, grow within the store's limits, read and write).

use crate::abi::MemoryType;
use crate::abi::Tunables;
use crate::error::{Error, Result};
use crate::handles::Memory;
use crate::store::StoreOpaque;
use crate::vm::memory::LinearMemory;
use crate::vm::memory::MemoryData;
use crate::vm::shared_memory::SharedMemory;
impl Memory {
    /// A host memory of type `ty` (a [`SharedMemory`] if the type is shared).
    pub fn new(mut store: impl crate::AsContextMut, ty: MemoryType) -> Result<Memory> {
        let store = &mut store.as_context_mut().0.opaque;
        let data = if ty.shared {
            // As in Wasmtime: a shared memory, which other stores can use too.
            MemoryData::shared(SharedMemory::new(ty)?)
        } else {
            let memory = LinearMemory::new(&ty, &Tunables::default(), None)?;
            MemoryData::new(ty, memory, std::ptr::null_mut())
        };
        store.memories.push(data);
        Ok(Memory {
            store: store.id,
            index: store.memories.len() as u32 - 1,
        })
    }

    /// This store's handle to the shared memory `shared` (one per store, made on first
    /// use): to import it, or to read and grow it through this store.
    pub fn from_shared(mut store: impl crate::AsContextMut, shared: &SharedMemory) -> Memory {
        let store = &mut store.as_context_mut().0.opaque;
        let existing = store
            .memories
            .iter()
            .position(|m| m.as_shared().is_some_and(|s| s.same(shared)));
        let index = existing.unwrap_or_else(|| {
            store.memories.push(MemoryData::shared(shared.clone()));
            store.memories.len() - 1
        });
        Memory {
            store: store.id,
            index: index as u32,
        }
    }

    /// The shared memory this handle names, if it is one (for other stores and threads).
    pub fn shared(&self, store: impl crate::AsContext) -> Option<SharedMemory> {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.memories.get(self.index as usize) {
            Some(m) if o.id == self.store => m.as_shared().cloned(),
            _ => None,
        }
    }

    /// The memory's type, with its current size as minimum (an empty memory type for a
    /// handle of another store).
    pub fn ty(&self, store: impl crate::AsContext) -> MemoryType {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.memories.get(self.index as usize) {
            Some(m) if o.id == self.store => MemoryType {
                minimum: m.pages(),
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
            Some(m) if o.id == self.store => m.pages(),
            _ => 0,
        }
    }

    pub fn data<'a, S: crate::AsContext + 'a>(&self, store: &'a S) -> &'a [u8] {
        let inner = store.as_context().0;
        match inner.opaque.memories.get(self.index as usize) {
            Some(m) if inner.opaque.id == self.store => m.as_slice(),
            _ => &[],
        }
    }

    pub fn data_mut<'a, S: crate::AsContextMut + 'a>(&self, store: &'a mut S) -> &'a mut [u8] {
        let inner = store.as_context_mut().0;
        let id = inner.opaque.id;
        match inner.opaque.memories.get_mut(self.index as usize) {
            Some(m) if id == self.store => m.as_mut_slice(),
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
            Some(m) if id == self.store => m.as_mut_slice(),
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
                m.pages(),
                m.max_pages()
            ))
        })
    }
}

impl StoreOpaque {
    /// Grow memory `index` by `delta` pages within the store's limits; the old size.
    pub(crate) fn grow_memory(&mut self, index: usize, delta: u64) -> Option<u64> {
        let m = &mut self.memories[index];
        if let Some(max) = self.growth_limits.memory_bytes {
            let new = m.pages().checked_add(delta)?;
            if new.checked_shl(u32::from(m.ty.page_size_log2))? > max {
                return None;
            }
        }
        m.grow(delta)
    }
}
