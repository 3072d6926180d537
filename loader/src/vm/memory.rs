//! Linear memories: a reservation of `memory_reservation + guard` bytes of address space
//! (PROT_NONE, MAP_NORESERVE) whose first `current_length` bytes are read-write.
//! Growing is an `mprotect`; the base never moves, which is also what a shared memory
//! needs (threads hold its addresses; `atomic_wait.rs` parks on them). Reservations come
//! from and go back to the process-wide pool (`memory_pool.rs`).

use crate::abi::{MemoryType, Tunables, WASM_PAGE_SIZE};
use crate::error::{Error, Result};
use crate::memory_pool::{self, ImageKey, Reservation};
use crate::vm::shared_memory::SharedMemory;
use crate::vmcontext::VMMemoryDefinition;

/// Most pages of a 32-bit memory.
pub const MAX_PAGES_32: u64 = 1 << 16;

/// Address space a 64-bit memory without a maximum reserves: it can grow to this.
pub const MEMORY64_DEFAULT_RESERVATION: u64 = 16 << 30;
/// The most address space a 64-bit memory reserves, whatever its maximum.
pub const MEMORY64_MAX_RESERVATION: u64 = 1 << 40;

/// Bytes of address space reserved for a memory of type `ty`, before its guard. A 32-bit
/// memory's accesses rely on the reservation and guard (`tunables`); a 64-bit memory's
/// are checked against its length, so its reservation is sized for its maximum (at least
/// the 32-bit one, at most [`MEMORY64_MAX_RESERVATION`]): it grows beyond 4 GiB, and
/// never moves.
fn reservation(ty: &MemoryType, tunables: &Tunables) -> u64 {
    if !ty.memory64 {
        return tunables.memory_reservation;
    }
    let wanted = ty.maximum.map_or(MEMORY64_DEFAULT_RESERVATION, |pages| {
        pages.saturating_mul(1 << ty.page_size_log2)
    });
    let page = crate::os::page_size() as u64;
    wanted
        .max(tunables.memory_reservation)
        .min(MEMORY64_MAX_RESERVATION)
        .div_ceil(page)
        .saturating_mul(page)
}

/// A reserved, partly accessible linear memory.
#[derive(Debug)]
pub(crate) struct LinearMemory {
    base: *mut u8,
    /// `region.accessible` is the memory's current length in bytes, rounded up to a host
    /// page (a memory of 1-byte pages may end inside one).
    region: Reservation,
    /// The memory's current length in bytes.
    len: usize,
    /// log2 of the wasm page size: 16, or 0 (custom page sizes).
    page_log2: u8,
    max_pages: u64,
    guard: u64,
    /// Bytes a memory of this type starts with: released, they stay read-write in the pool.
    initial: usize,
    /// The image this memory is to start with when it is mapped from the artifact file.
    image: Option<ImageKey>,
}

impl LinearMemory {
    /// Reserve a memory of type `ty` laid out as `tunables` say; `image` is the key of the
    /// image it will start with if mapped from a file ([`ModuleInner::image_key`](crate::module::ModuleInner::image_key)): a pooled
    /// reservation already holding it is preferred.
    pub fn new(
        ty: &MemoryType,
        tunables: &Tunables,
        image: Option<ImageKey>,
    ) -> Result<LinearMemory> {
        let page_log2 = ty.page_size_log2;
        if page_log2 != 16 && page_log2 != 0 {
            return Err(Error::unsupported(format!(
                "memories with page size 2^{page_log2} are not supported (only 1 and 65536)"
            )));
        }
        let reservation = reservation(ty, tunables);
        let limit = if ty.memory64 {
            reservation >> page_log2
        } else {
            (MAX_PAGES_32 * WASM_PAGE_SIZE) >> page_log2
        };
        let max_pages = ty.maximum.unwrap_or(limit).min(limit);
        if ty.minimum > max_pages {
            return Err(Error::resource(format!(
                "memory minimum of {} pages exceeds the limit of {max_pages} pages",
                ty.minimum
            )));
        }
        let reserved = reservation
            .checked_add(tunables.memory_guard_size)
            .and_then(|r| usize::try_from(r).ok())
            .ok_or_else(|| Error::resource("memory reservation does not fit the address space"))?;
        let initial = usize::try_from(ty.minimum << page_log2).unwrap_or(usize::MAX);
        let initial_bytes = host_pages(initial);
        let region = memory_pool::reserve(reserved, initial_bytes, image.as_ref())
            .map_err(|e| {
                Error::resource(format!(
                    "reserving {reserved} bytes of address space for a linear memory of {} pages: {e}",
                    ty.minimum
                ))
            })?;
        Ok(LinearMemory {
            base: region.base as *mut u8,
            region,
            len: initial,
            page_log2,
            max_pages,
            guard: tunables.memory_guard_size,
            initial: initial_bytes,
            image,
        })
    }

    fn set_len(&mut self, new_len: u64) -> Result<()> {
        let new_len = usize::try_from(new_len).map_err(|_| Error::resource("memory too large"))?;
        let accessible = host_pages(new_len);
        if accessible > self.region.accessible {
            memory_pool::set_accessible(&mut self.region, accessible).map_err(|e| {
                Error::resource(format!(
                    "making {new_len} bytes of linear memory accessible: {e}"
                ))
            })?;
        }
        self.len = new_len;
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
        self.set_len(new << self.page_log2).ok()?;
        Some(old)
    }

    pub fn pages(&self) -> u64 {
        self.len() as u64 >> self.page_log2
    }

    /// The memory's length in bytes.
    fn len(&self) -> usize {
        self.len
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

    /// Put `bytes` at `start` in the memory (an initial image); false if it does not
    /// fit. With `file` = (the artifact file, the file offset of `bytes`) and the image's
    /// key given at creation, the whole pages of a large image are mapped copy-on-write
    /// from the file instead of copied (or are already there, in a reservation from the
    /// pool that holds this image).
    pub fn write_image(
        &mut self,
        start: usize,
        bytes: &[u8],
        file: Option<(&std::fs::File, u64)>,
    ) -> bool {
        let Some(end) = start.checked_add(bytes.len()).filter(|&e| e <= self.len()) else {
            return false;
        };
        let mut copied_from = 0;
        if let (Some((file, offset)), Some(key)) = (file, &self.image) {
            if memory_pool::mapped_len(bytes.len(), offset, start) == Some(key.len())
                && key.offset() == offset
                && key.start() == start
            {
                match memory_pool::map_image(&mut self.region, key, file) {
                    Ok(()) => copied_from = key.len(),
                    // The pages may be gone: fail rather than run on a wrong image.
                    Err(_) => return false,
                }
            }
        }
        let rest = &bytes[copied_from..];
        if copied_from == 0 {
            memory_pool::prefault(&self.region, start, end);
        }
        self.as_mut_slice()[start + copied_from..end].copy_from_slice(rest);
        true
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the first `len` bytes are mapped read-write and owned by us; `&mut self`
        // gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len()) }
    }
}

/// `bytes` rounded up to a whole number of host pages (saturating).
fn host_pages(bytes: usize) -> usize {
    let page = crate::os::page_size();
    bytes.div_ceil(page).saturating_mul(page)
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        let region = std::mem::replace(&mut self.region, Reservation::none());
        memory_pool::release(region, self.initial);
    }
}

/// A memory as its store holds it: owned by the store, or a handle to a shared memory
/// other stores may use too.
pub(crate) struct MemoryData {
    pub ty: MemoryType,
    storage: Storage,
    /// Stable address of the definition compiled code reads.
    pub def: *mut VMMemoryDefinition,
}

enum Storage {
    Owned {
        memory: LinearMemory,
        /// The definition of a host memory (an instance's memories live in its VMContext).
        _def: Option<Box<VMMemoryDefinition>>,
    },
    Shared(SharedMemory),
}

impl MemoryData {
    /// A memory whose definition lives at `def` (inside an instance's VMContext), or in
    /// its own box if `def` is null.
    pub fn new(ty: MemoryType, memory: LinearMemory, def: *mut VMMemoryDefinition) -> MemoryData {
        let (def, owned) = if def.is_null() {
            let mut owned = Box::new(memory.definition());
            let def: *mut VMMemoryDefinition = &mut *owned;
            (def, Some(owned))
        } else {
            (def, None)
        };
        let mut data = MemoryData {
            ty,
            storage: Storage::Owned {
                memory,
                _def: owned,
            },
            def,
        };
        data.sync();
        data
    }

    /// A store's record of the shared memory `memory`; its definition is the memory's own.
    pub fn shared(memory: SharedMemory) -> MemoryData {
        MemoryData {
            ty: memory.ty(),
            def: memory.definition_ptr(),
            storage: Storage::Shared(memory),
        }
    }

    /// The shared memory this is, if it is one.
    pub fn as_shared(&self) -> Option<&SharedMemory> {
        match &self.storage {
            Storage::Shared(m) => Some(m),
            Storage::Owned { .. } => None,
        }
    }

    fn sync(&mut self) {
        if let Storage::Owned { memory, .. } = &self.storage {
            // SAFETY: `def` points to a live definition owned by the store.
            unsafe { *self.def = memory.definition() }
        }
    }

    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = match &mut self.storage {
            Storage::Owned { memory, .. } => memory.grow(delta)?,
            Storage::Shared(m) => m.grow(delta)?,
        };
        self.sync();
        Some(old)
    }

    pub fn pages(&self) -> u64 {
        match &self.storage {
            Storage::Owned { memory, .. } => memory.pages(),
            Storage::Shared(m) => m.size(),
        }
    }

    pub fn max_pages(&self) -> u64 {
        match &self.storage {
            Storage::Owned { memory, .. } => memory.max_pages(),
            Storage::Shared(m) => m.max_pages(),
        }
    }

    /// Inaccessible bytes after the reservation.
    pub fn guard_size(&self) -> u64 {
        match &self.storage {
            Storage::Owned { memory, .. } => memory.guard_size(),
            Storage::Shared(m) => m.guard_size(),
        }
    }

    /// The current base and length.
    pub fn definition(&self) -> VMMemoryDefinition {
        match &self.storage {
            Storage::Owned { memory, .. } => memory.definition(),
            Storage::Shared(m) => m.definition(),
        }
    }

    /// The first byte (it never moves).
    pub fn as_ptr(&self) -> *mut u8 {
        self.definition().base
    }

    /// The memory's bytes. For a shared memory other threads may write them meanwhile:
    /// those are the guest's data races, as for compiled code.
    pub fn as_slice(&self) -> &[u8] {
        let def = self.definition();
        // SAFETY: the first `current_length` bytes are mapped read-write for as long as
        // the memory lives, which `&self` covers.
        unsafe { std::slice::from_raw_parts(def.base, def.current_length) }
    }

    /// As [`MemoryData::as_slice`], writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let def = self.definition();
        // SAFETY: as above; `&mut self` excludes other users within this store.
        unsafe { std::slice::from_raw_parts_mut(def.base, def.current_length) }
    }

    /// The owned memory, to map an image into (shared memories start without one).
    pub fn owned_mut(&mut self) -> Option<&mut LinearMemory> {
        match &mut self.storage {
            Storage::Owned { memory, .. } => Some(memory),
            Storage::Shared(_) => None,
        }
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
        assert_eq!(m.as_mut_slice().len(), 2 * 65536);
        m.as_mut_slice()[2 * 65536 - 1] = 9;
        assert_eq!(m.as_mut_slice()[65535], 7);
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(1), Some(2));
        assert_eq!(m.grow(0), Some(3));
        assert_eq!(m.grow(1), None);
        assert_eq!(m.definition().current_length, 3 * 65536);
    }

    #[test]
    fn unlimited_memory_caps_at_4gib_and_custom_page_sizes_error() {
        let mut m = LinearMemory::new(&ty(0, None), &Tunables::default(), None).unwrap();
        assert_eq!(m.grow(MAX_PAGES_32 + 1), None);
        assert_eq!(m.grow(u64::MAX), None);
        assert!(LinearMemory::new(&ty(2, Some(1)), &Tunables::default(), None).is_err());
        let mut t = ty(0, None);
        t.page_size_log2 = 2;
        let e = LinearMemory::new(&t, &Tunables::default(), None).unwrap_err();
        assert!(matches!(e.kind(), crate::ErrorKind::Unsupported));
    }

    #[test]
    fn a_64_bit_memory_grows_beyond_4_gib_within_its_reservation() {
        let mut t = ty(1, Some((5 << 30) >> 16));
        t.memory64 = true;
        let tunables = Tunables {
            memory_reservation: 1 << 20,
            ..Tunables::default()
        };
        let mut m = LinearMemory::new(&t, &tunables, None).unwrap();
        assert_eq!(m.max_pages(), (5 << 30) >> 16);
        assert_eq!(m.grow(MAX_PAGES_32), Some(1));
        let end = m.definition().current_length;
        assert_eq!(end, (MAX_PAGES_32 as usize + 1) << 16);
        m.as_mut_slice()[end - 1] = 7; // beyond 4 GiB
        assert_eq!(m.grow(m.max_pages() - m.pages() + 1), None);
        // Without a maximum: the default reservation; a huge one is capped.
        t.maximum = None;
        let m = LinearMemory::new(&t, &tunables, None).unwrap();
        assert_eq!(m.max_pages(), MEMORY64_DEFAULT_RESERVATION >> 16);
        t.maximum = Some(1 << 40);
        let m = LinearMemory::new(&t, &tunables, None).unwrap();
        assert_eq!(m.max_pages(), MEMORY64_MAX_RESERVATION >> 16);
        t.minimum = (MEMORY64_MAX_RESERVATION >> 16) + 1;
        assert!(LinearMemory::new(&t, &tunables, None).is_err());
    }
}
