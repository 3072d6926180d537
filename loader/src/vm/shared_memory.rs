//! Shared linear memories (the threads proposal): one memory used at once by instances in
//! any number of stores on any number of threads.
//!
//! The memory's whole maximum lies inside one reservation made at creation, so its base
//! never moves. Its [`VMMemoryDefinition`] lives here, in one place every user points at:
//! compiled code reaches a shared memory, imported or defined, through a pointer to it
//! (docs/FORMAT.md, "VMContext"). Growth is serialized by a mutex and publishes the new
//! length with a release store; readers see a length that never goes backwards.

use crate::abi::{MemoryType, Tunables};
use crate::error::{Error, Result};
use crate::vm::memory::LinearMemory;
use crate::vmcontext::VMMemoryDefinition;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A shared linear memory; clones are handles to the same memory.
#[derive(Clone)]
pub struct SharedMemory(Arc<SharedMemoryInner>);

struct SharedMemoryInner {
    ty: MemoryType,
    /// The reservation; locked only to grow.
    memory: Mutex<LinearMemory>,
    /// The definition compiled code reads (its base is fixed, its length only grows).
    def: Box<UnsafeCell<VMMemoryDefinition>>,
    max_pages: u64,
    guard: u64,
}

// SAFETY: the reservation is only changed under the mutex; the definition's base never
// changes after creation and its length is written with atomic stores under that mutex
// and read with atomic loads (or by compiled code, whose word-sized aligned loads are
// atomic on every supported target). The bytes of the memory are the guest's: races on
// them are the guest's data races, as on any shared memory.
unsafe impl Send for SharedMemoryInner {}
// SAFETY: as above.
unsafe impl Sync for SharedMemoryInner {}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", &self.0.ty)
            .field("length", &self.data_size())
            .finish()
    }
}

impl SharedMemory {
    /// A new shared memory of type `ty` (which must be shared and have a maximum),
    /// laid out with the default tunables.
    pub fn new(ty: MemoryType) -> Result<SharedMemory> {
        SharedMemory::with_tunables(ty, &Tunables::default())
    }

    /// A shared memory laid out as `tunables` say (those a module was compiled for).
    pub(crate) fn with_tunables(ty: MemoryType, tunables: &Tunables) -> Result<SharedMemory> {
        if !ty.shared {
            return Err(Error::ty(
                "shared memory must have the `shared` flag enabled on its memory type",
            ));
        }
        if ty.maximum.is_none() {
            return Err(Error::ty("shared memories must have a maximum size"));
        }
        let memory = LinearMemory::new(&ty, tunables, None)?;
        let def = Box::new(UnsafeCell::new(memory.definition()));
        Ok(SharedMemory(Arc::new(SharedMemoryInner {
            ty,
            max_pages: memory.max_pages(),
            guard: memory.guard_size(),
            memory: Mutex::new(memory),
            def,
        })))
    }

    /// The type it was created with (as Wasmtime's, its minimum does not follow growth).
    pub fn ty(&self) -> MemoryType {
        self.0.ty
    }

    /// The current length in bytes.
    pub fn data_size(&self) -> usize {
        // SAFETY: `def` is live as long as `self`; the length is only written atomically.
        let len = unsafe { AtomicUsize::from_ptr(&raw mut (*self.0.def.get()).current_length) };
        len.load(Ordering::Acquire)
    }

    /// The current size in pages.
    pub fn size(&self) -> u64 {
        self.data_size() as u64 >> self.0.ty.page_size_log2
    }

    /// The first byte of the memory (it never moves). The bytes may be changed by other
    /// threads at any time.
    pub fn data(&self) -> *mut u8 {
        // SAFETY: the base is written once, before `self` was shared.
        unsafe { (*self.0.def.get()).base }
    }

    /// The most pages it can grow to.
    pub fn max_pages(&self) -> u64 {
        self.0.max_pages
    }

    /// Inaccessible bytes after the reservation.
    pub(crate) fn guard_size(&self) -> u64 {
        self.0.guard
    }

    /// Grow by `delta` pages, atomically with respect to every other user; the old size
    /// in pages, or `None` beyond the maximum or out of memory.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let mut memory = self.0.memory.lock().unwrap_or_else(|p| p.into_inner());
        let old = memory.grow(delta)?;
        let len = memory.definition().current_length;
        // SAFETY: as in `data_size`; the mutex makes this the only writer.
        let current = unsafe { AtomicUsize::from_ptr(&raw mut (*self.0.def.get()).current_length) };
        current.store(len, Ordering::Release);
        Some(old)
    }

    /// The definition compiled code reads, at an address stable for the memory's life.
    pub(crate) fn definition_ptr(&self) -> *mut VMMemoryDefinition {
        self.0.def.get()
    }

    /// The current definition.
    pub(crate) fn definition(&self) -> VMMemoryDefinition {
        VMMemoryDefinition {
            base: self.data(),
            current_length: self.data_size(),
        }
    }

    /// Whether `self` and `other` are the same memory.
    pub fn same(&self, other: &SharedMemory) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            minimum: min,
            maximum: max,
            memory64: false,
            shared: true,
            page_size_log2: 16,
        }
    }

    #[test]
    fn type_must_be_shared_with_a_maximum() {
        let e = SharedMemory::new(MemoryType {
            shared: false,
            ..shared(1, Some(2))
        })
        .unwrap_err();
        assert!(e.to_string().contains("`shared` flag"), "{e}");
        let e = SharedMemory::new(shared(1, None)).unwrap_err();
        assert!(e.to_string().contains("maximum"), "{e}");
    }

    #[test]
    fn growth_from_other_threads_is_seen_and_never_exceeds_the_maximum() {
        let m = SharedMemory::new(shared(1, Some(40))).unwrap();
        let base = m.data();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || (0..20).filter(|_| m.grow(1).is_some()).count())
            })
            .collect();
        let grown: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(grown, 39);
        assert_eq!(m.size(), 40);
        assert_eq!(m.data_size(), 40 << 16);
        assert_eq!(m.data(), base, "the base never moves");
        assert_eq!(m.ty().minimum, 1);
        // SAFETY: the last byte is inside the accessible length.
        unsafe { *base.add((40 << 16) - 1) = 1 };
        assert!(m.same(&m.clone()));
    }
}
