//! A process-wide pool of linear-memory reservations, so that instantiating a module with a
//! memory and dropping it again costs no `mmap`/`munmap` (servers that make an instance
//! per request).
//!
//! A reservation in the pool has its first `accessible` bytes read-write and the rest
//! `PROT_NONE`, and is in one of two states:
//!
//! - **plain**: all zero. When a memory without a mapped image is released, the dirty
//!   pages among its first [`KEEP_RESIDENT`] bytes are zeroed in place (no syscall; the
//!   pages stay resident, so the next instance does not fault them in again; clean pages
//!   are only read), the rest of its accessible bytes are given back with
//!   `madvise(MADV_DONTNEED)` (which zeroes them), and only bytes beyond the memory's
//!   initial size, if it grew, are made `PROT_NONE` again.
//! - **holding an image** (slot affinity, like Wasmtime's pooling allocator with
//!   `memory_init_cow`): the first `file_mapped` bytes are a copy-on-write mapping of a
//!   memory image from its artifact file ([`map_image`]), the accessible bytes after it
//!   zero. Released, the whole accessible range is reset with one `MADV_DONTNEED`, which
//!   for a private file mapping brings back the file's pages and for anonymous pages
//!   zeros. The reservation remembers which image it holds ([`ImageKey`]); a memory of the
//!   same image prefers it, so a warm instantiation makes no `mmap` and no `mprotect`.
//!
//! A memory takes, of the reservations of its size: one holding its image; else a plain
//! one (preferring one whose accessible size is already right); else one holding another
//! image, which is first reset to plain by an anonymous remap. When a module is dropped,
//! the reservations holding its images are reset to plain at once ([`purge_module`]), so
//! the pool does not keep its file's pages mapped; a memory released after its module
//! was dropped is reset to plain as well.
//!
//! At most [`MAX_POOLED`] reservations are kept (6 GiB of address space each with the
//! default tunables, nothing committed beyond the resident bytes); others are unmapped.

use std::any::Any;
use std::sync::{Mutex, MutexGuard, Weak};

/// Most reservations kept for reuse.
pub const MAX_POOLED: usize = 32;

/// Bytes at the start of a released memory zeroed in place and kept resident.
pub const KEEP_RESIDENT: usize = 64 << 10;

/// A module, as the pool names it: any shared value (the pool does not know the type);
/// the module calls [`purge_module`] when it drops.
pub(crate) type ModuleRef = Weak<dyn Any + Send + Sync>;

/// Images at least this large are mapped from the artifact file rather than copied.
pub const MIN_MAPPED_IMAGE: usize = 64 << 10;

/// How many bytes of an image of `len` bytes at file offset `offset`, to go at `start` in
/// its memory, are mapped from the file: its whole pages, if they are at least
/// [`MIN_MAPPED_IMAGE`] and both places are page-aligned.
pub(crate) fn mapped_len(len: usize, offset: u64, start: usize) -> Option<usize> {
    let page = crate::os::page_size();
    let whole = len / page * page;
    let aligned = offset.is_multiple_of(page as u64) && start.is_multiple_of(page);
    (whole >= MIN_MAPPED_IMAGE && aligned).then_some(whole)
}

/// Which memory image a reservation holds: a module, its memory index, the image's place
/// in the memory and its place in the artifact file.
///
/// The module is named by a `Weak`: it keeps the module's allocation (not the module, its
/// code or its file) from being freed, so no other module can get the same address, and
/// hence the same key, while any reservation names it.
#[derive(Clone)]
pub(crate) struct ImageKey {
    module: ModuleRef,
    memory: u32,
    /// Where the image begins in the memory.
    start: usize,
    /// File offset and length of the mapped (whole-page) part of the image.
    offset: u64,
    len: usize,
}

impl ImageKey {
    pub fn new(module: ModuleRef, memory: u32, start: usize, offset: u64, len: usize) -> ImageKey {
        ImageKey {
            module,
            memory,
            start,
            offset,
            len,
        }
    }

    /// Where the image begins in the memory.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Where the mapped part ends in the memory.
    fn end(&self) -> usize {
        self.start + self.len
    }

    /// File offset of the mapped part.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Length of the mapped part.
    pub fn len(&self) -> usize {
        self.len
    }

    fn same(&self, other: &ImageKey) -> bool {
        Weak::ptr_eq(&self.module, &other.module)
            && self.memory == other.memory
            && self.start == other.start
            && self.offset == other.offset
            && self.len == other.len
    }

    /// Whether the module is still alive.
    fn live(&self) -> bool {
        self.module.strong_count() > 0
    }
}

impl std::fmt::Debug for ImageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageKey")
            .field("module", &self.module.as_ptr())
            .field("memory", &self.memory)
            .field("start", &self.start)
            .field("offset", &self.offset)
            .field("len", &self.len)
            .finish()
    }
}

/// A reserved range of address space: `[base, base + size)`, of which the first
/// `accessible` bytes are read-write.
#[derive(Debug)]
pub(crate) struct Reservation {
    pub base: usize,
    pub size: usize,
    pub accessible: usize,
    /// Among the first `file_mapped` bytes are (or may be) the pages of a copy-on-write
    /// file mapping ([`map_image`]); a reset to plain replaces them with anonymous memory.
    pub file_mapped: usize,
    /// The image mapped in the first `file_mapped` bytes, ending there, if it is known to
    /// be exactly that image's (`None` while a mapping is being made or after one failed).
    image: Option<ImageKey>,
}

impl Reservation {
    /// An empty placeholder (owns nothing).
    pub fn none() -> Reservation {
        Reservation {
            base: 0,
            size: 0,
            accessible: 0,
            file_mapped: 0,
            image: None,
        }
    }

    /// Whether the reservation holds exactly `key`'s image, mapped.
    pub fn holds(&self, key: &ImageKey) -> bool {
        self.image.as_ref().is_some_and(|k| k.same(key)) && self.file_mapped == key.end()
    }
}

static POOL: Mutex<Vec<Reservation>> = Mutex::new(Vec::new());

fn pool() -> MutexGuard<'static, Vec<Reservation>> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A reservation of `size` bytes whose first `accessible` bytes are read-write and zero,
/// or, if it holds `image` (see [`Reservation::holds`]), start with that image: from the
/// pool, or freshly mapped. The error is the OS error's text.
pub(crate) fn reserve(
    size: usize,
    accessible: usize,
    image: Option<&ImageKey>,
) -> Result<Reservation, String> {
    let pooled = {
        let mut pool = pool();
        // Rank: 3 holds the image; 2 plain, right size; 1 plain; 0 another image.
        let rank = |r: &Reservation| match (&r.image, image) {
            (Some(k), Some(want)) if r.holds(want) && k.live() => 3,
            (None, _) if r.file_mapped == 0 && r.accessible == accessible => 2,
            (None, _) if r.file_mapped == 0 => 1,
            _ => 0,
        };
        let mut best: Option<(usize, u8)> = None;
        for (i, r) in pool.iter().enumerate().rev() {
            if r.size != size {
                continue;
            }
            let k = rank(r);
            if best.is_none_or(|(_, b)| k > b) {
                best = Some((i, k));
                if k == 3 {
                    break;
                }
            }
        }
        best.map(|(i, _)| pool.swap_remove(i))
    };
    let mut r = match pooled {
        Some(r) => r,
        None => map(size)?,
    };
    let keep = match (&r.image, image) {
        (Some(_), Some(want)) => r.holds(want),
        (None, _) => r.file_mapped == 0,
        _ => false,
    };
    if !keep {
        if let Err(e) = reset_to_plain(&mut r) {
            unmap(&r);
            return Err(e);
        }
    }
    if let Err(e) = set_accessible(&mut r, accessible) {
        release(r, 0);
        return Err(e);
    }
    Ok(r)
}

/// Make exactly the first `len` bytes of `r` read-write (`len <= r.size`). Bytes that
/// become inaccessible are zeroed (given back to the OS).
pub(crate) fn set_accessible(r: &mut Reservation, len: usize) -> Result<(), String> {
    if len > r.size {
        return Err(format!(
            "{len} bytes exceed the {}-byte reservation",
            r.size
        ));
    }
    if len > r.accessible {
        protect(r.base + r.accessible, len - r.accessible, true)?;
    } else if len < r.accessible {
        discard(r.base + len, r.accessible - len)?;
        protect(r.base + len, r.accessible - len, false)?;
    }
    r.accessible = len;
    Ok(())
}

/// `mprotect` `[at, at + len)` of a reservation read-write or `PROT_NONE`.
fn protect(at: usize, len: usize, accessible: bool) -> Result<(), String> {
    let prot = if accessible {
        libc::PROT_READ | libc::PROT_WRITE
    } else {
        libc::PROT_NONE
    };
    // SAFETY: the range lies inside a reservation the caller owns; no Rust reference
    // points into bytes that become inaccessible (the caller owns the memory).
    let rc = unsafe { libc::mprotect(at as *mut libc::c_void, len, prot) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Fault in the accessible bytes `[start, end)` of `r` for writing in one go, ahead of a
/// bulk copy (a memory image): far cheaper than a page fault per page. Best effort.
pub(crate) fn prefault(r: &Reservation, start: usize, end: usize) {
    let start = start / crate::os::page_size() * crate::os::page_size();
    let len = end.min(r.accessible).saturating_sub(start);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if len > 2 * 4096 {
        // SAFETY: populating read-write pages of our own mapping changes no contents.
        // Kernels before 5.14 answer EINVAL, which is fine: the copy faults them in.
        unsafe {
            libc::madvise(
                (r.base + start) as *mut libc::c_void,
                len,
                libc::MADV_POPULATE_WRITE,
            );
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (r, len);
}

/// Make `r` hold `key`'s image at the image's start, mapped copy-on-write from `file` (the
/// module's artifact file, which `key` names the offset and length of): nothing to do if
/// it already holds it (a reservation from the pool with this image: its pages read as
/// the file's), else a private file mapping, so pages are read in when first touched and
/// copied when first written. The start, offset and length are page-aligned and the
/// image ends inside `r.accessible`.
pub(crate) fn map_image(
    r: &mut Reservation,
    key: &ImageKey,
    file: &std::fs::File,
) -> Result<(), String> {
    if r.holds(key) {
        return Ok(());
    }
    if r.image.is_some() || r.file_mapped > 0 {
        let accessible = r.accessible;
        reset_to_plain(r)?;
        set_accessible(r, accessible)?;
    }
    map_file(r, file, key.start, key.offset, key.len)?;
    r.image = Some(key.clone());
    Ok(())
}

/// Map `len` bytes of `file` at `offset` copy-on-write over `[start, start + len)` of `r`.
fn map_file(
    r: &mut Reservation,
    file: &std::fs::File,
    start: usize,
    offset: u64,
    len: usize,
) -> Result<(), String> {
    use std::os::unix::io::AsRawFd;
    let page = crate::os::page_size();
    let inside = start
        .checked_add(len)
        .is_some_and(|end| end <= r.accessible);
    let aligned = start.is_multiple_of(page)
        && len.is_multiple_of(page)
        && offset.is_multiple_of(page as u64);
    if !inside || !aligned {
        return Err(format!(
            "unaligned image ({len} bytes at file offset {offset}, memory offset {start})"
        ));
    }
    let offset = libc::off_t::try_from(offset).map_err(|e| e.to_string())?;
    // From here on the start of `r` may hold file pages, even if the mapping fails.
    r.file_mapped = r.file_mapped.max(start + len);
    // SAFETY: replaces read-write pages inside our own reservation (nothing refers to
    // them) with a private mapping of a file the module keeps open.
    let at = unsafe {
        libc::mmap(
            (r.base + start) as *mut libc::c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_FIXED,
            file.as_raw_fd(),
            offset,
        )
    };
    if at == libc::MAP_FAILED || at as usize != r.base + start {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Give a reservation back: reset it and keep it for reuse, or unmap it. `keep` is how
/// many bytes a memory of the same type starts with (its initial size): they stay
/// read-write, so that taking the reservation again needs no `mprotect`.
pub(crate) fn release(mut r: Reservation, keep: usize) {
    if r.image.as_ref().is_some_and(|k| !k.live()) {
        // Its module is gone: no one will take this image again.
        r.image = None;
    }
    if reset(&mut r, keep).is_err() {
        unmap(&r);
        return;
    }
    let mut guard = pool();
    // Checked under the lock: a module dropped after this sees the reservation in the
    // pool when it purges its images; one dropped before has purged already.
    if r.image.as_ref().is_some_and(|k| !k.live()) {
        drop(guard);
        r.image = None;
        if reset(&mut r, keep).is_err() {
            unmap(&r);
            return;
        }
        guard = pool();
    }
    if guard.len() < MAX_POOLED {
        guard.push(r);
        return;
    }
    drop(guard);
    unmap(&r);
}

/// Reset a reservation coming back to the pool, keeping its first `keep` bytes (at most
/// the accessible ones) read-write: an image's pages come back from the file and the
/// other accessible bytes read zero.
fn reset(r: &mut Reservation, keep: usize) -> Result<(), String> {
    let keep = keep.min(r.accessible);
    if r.image.is_none() && r.file_mapped > 0 {
        return reset_to_plain(r);
    }
    let accessible = r.accessible;
    if r.image.is_some() {
        // One DONTNEED: private file pages come back from the file, anonymous pages read
        // zero.
        if accessible > 0 {
            discard(r.base, accessible)?;
        }
    } else {
        let resident = accessible.min(KEEP_RESIDENT);
        zero_dirty(r.base, resident);
        if accessible > resident {
            discard(r.base + resident, accessible - resident)?;
        }
    }
    if accessible > keep {
        // It grew: the pages beyond its initial size are zero (discarded above).
        protect(r.base + keep, accessible - keep, false)?;
        r.accessible = keep;
    }
    Ok(())
}

/// Make a reservation plain and inaccessible: fresh anonymous memory over any file pages
/// and everything that was accessible.
fn reset_to_plain(r: &mut Reservation) -> Result<(), String> {
    r.image = None;
    if r.file_mapped == 0 {
        return set_accessible(r, 0);
    }
    let len = r.accessible.max(r.file_mapped);
    // SAFETY: a range of our own reservation that nothing refers to any more.
    let at = unsafe {
        libc::mmap(
            r.base as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_FIXED | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if at == libc::MAP_FAILED || at as usize != r.base {
        return Err(std::io::Error::last_os_error().to_string());
    }
    r.accessible = 0;
    r.file_mapped = 0;
    Ok(())
}

/// Reset the pooled reservations holding an image of the module at `module` to plain, so
/// that they no longer keep its file's pages mapped.
pub(crate) fn purge_module(module: *const ()) {
    let mut stale = Vec::new();
    {
        let mut pool = pool();
        let mut i = 0;
        while i < pool.len() {
            if pool[i]
                .image
                .as_ref()
                .is_some_and(|k| std::ptr::eq(k.module.as_ptr().cast::<()>(), module))
            {
                stale.push(pool.swap_remove(i));
            } else {
                i += 1;
            }
        }
    }
    for mut r in stale {
        if reset_to_plain(&mut r).is_ok() {
            let mut pool = pool();
            if pool.len() < MAX_POOLED {
                pool.push(r);
                continue;
            }
        }
        unmap(&r);
    }
}

/// Zero the non-zero 4 KiB blocks of `[at, at + len)`, a read-write range of a
/// reservation that nothing refers to any more. Reading a clean block costs less than half
/// of writing it, and leaves it clean in the cache.
fn zero_dirty(at: usize, len: usize) {
    const BLOCK: usize = 4096;
    // SAFETY: the caller guarantees the range is mapped read-write and unaliased.
    let bytes = unsafe { std::slice::from_raw_parts_mut(at as *mut u8, len) };
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    for block in bytes.chunks_mut(BLOCK) {
        #[cfg(target_arch = "x86_64")]
        let zero = if avx2 {
            // SAFETY: the CPU has AVX2.
            unsafe { is_zero_avx2(block) }
        } else {
            is_zero(block)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let zero = is_zero(block);
        if !zero {
            block.fill(0);
        }
    }
}

#[inline(always)]
fn is_zero(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let acc = words.by_ref().fold(0u64, |a, w| {
        a | u64::from_ne_bytes(w.try_into().unwrap_or([0; 8]))
    });
    acc == 0 && words.remainder().iter().all(|&b| b == 0)
}

/// [`is_zero`] compiled for AVX2 (32-byte ORs).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn is_zero_avx2(bytes: &[u8]) -> bool {
    is_zero(bytes)
}

/// Give `[at, at + len)` of a reservation back to the OS: anonymous pages read as zeros
/// afterwards, pages of a private file mapping as the file's.
fn discard(at: usize, len: usize) -> Result<(), String> {
    // SAFETY: a range of one of our own private mappings, which nothing refers to any
    // more.
    let rc = unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// A fresh reservation of `size` bytes, all `PROT_NONE`.
fn map(size: usize) -> Result<Reservation, String> {
    // SAFETY: a fresh anonymous mapping; no existing memory is affected.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(Reservation {
        base: base as usize,
        size,
        accessible: 0,
        file_mapped: 0,
        image: None,
    })
}

fn unmap(r: &Reservation) {
    // SAFETY: unmapping exactly a reservation we mapped and nobody uses any more.
    unsafe {
        libc::munmap(r.base as *mut libc::c_void, r.size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Instance, Memory, Module, Store};

    #[test]
    fn reused_reservations_are_zero_and_protected() {
        let size = 1 << 30;
        let mut r = reserve(size, 3 * KEEP_RESIDENT, None).unwrap();
        // SAFETY: the first `accessible` bytes are read-write.
        let bytes = unsafe { std::slice::from_raw_parts_mut(r.base as *mut u8, r.accessible) };
        bytes.fill(0xab);
        set_accessible(&mut r, KEEP_RESIDENT / 2).unwrap();
        set_accessible(&mut r, 2 * KEEP_RESIDENT).unwrap();
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts_mut(r.base as *mut u8, r.accessible) };
        bytes[..KEEP_RESIDENT / 2].fill(0xcd);
        bytes[KEEP_RESIDENT + 1] = 1;
        let base = r.base;
        // Kept: the first 3 * 4 KiB read-write, the rest back to PROT_NONE.
        release(r, 3 * 4096);
        // Other tests may take it first; look for ours among a few.
        let mut taken = Vec::new();
        for _ in 0..MAX_POOLED {
            let r = reserve(size, 4 * KEEP_RESIDENT, None).unwrap();
            // SAFETY: as above.
            let bytes = unsafe { std::slice::from_raw_parts(r.base as *const u8, r.accessible) };
            assert!(bytes.iter().all(|&b| b == 0));
            let found = r.base == base;
            taken.push(r);
            if found {
                break;
            }
        }
        assert!(set_accessible(&mut taken[0], size + 1).is_err());
        for r in taken {
            release(r, 0);
        }
    }

    #[test]
    fn zero_dirty_zeroes_exactly_the_dirty_blocks() {
        let mut v = vec![0u8; 5 * 4096 + 100];
        v[0] = 1;
        v[3 * 4096 + 4095] = 2;
        v[5 * 4096 + 99] = 3;
        zero_dirty(v.as_mut_ptr() as usize, v.len());
        assert!(v.iter().all(|&b| b == 0));
        assert!(is_zero(&[0; 13]) && !is_zero(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    }

    const IMAGE_LEN: usize = 3 * 65536 + 100;

    /// A module with a 4-page memory `m` (no maximum) whose first `IMAGE_LEN` bytes are an
    /// image (non-zero bytes depending on `tag`), written to a file and loaded from it.
    fn image_module(engine: &Engine, tag: u8) -> (Module, std::path::PathBuf, Vec<u8>) {
        let data: Vec<u8> = (0..IMAGE_LEN)
            .map(|i| ((i * 7 + usize::from(tag)) % 251) as u8 | 1)
            .collect();
        let meta = crate::tests::image_meta(0, IMAGE_LEN as u64);
        let bytes =
            crate::tests::build_artifact(&[], &[], &crate::tests::host_header(), &meta, &data);
        let path = std::env::temp_dir().join(format!(
            "wasmaot-pool-{}-{tag}-{:?}.cwasm",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, &bytes).unwrap();
        let module = Module::from_file(engine, &path).unwrap();
        (module, path, data)
    }

    /// Instantiate `module`, check that its memory is exactly `data` then zeros, 4 pages,
    /// then dirty it all over and grow it; the memory's base address.
    fn use_once(engine: &Engine, module: &Module, data: &[u8]) -> usize {
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, module, &[]).unwrap();
        let m = instance.get_memory(&mut store, "m").unwrap();
        let mem = m.data_mut(&mut store);
        assert_eq!(mem.len(), 4 * 65536);
        assert!(mem[..data.len()] == *data, "image content");
        assert!(
            mem[data.len()..].iter().all(|&b| b == 0),
            "zeros after the image"
        );
        let base = mem.as_ptr() as usize;
        mem.fill(0x5a);
        m.grow(&mut store, 2).unwrap();
        let mem = m.data_mut(&mut store);
        assert_eq!(mem.len(), 6 * 65536);
        assert!(mem[4 * 65536..].iter().all(|&b| b == 0));
        mem[4 * 65536..].fill(0xa5);
        base
    }

    fn file_is_mapped(path: &std::path::Path) -> bool {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let path = path.to_string_lossy();
        maps.lines().any(|l| l.ends_with(&*path))
    }

    #[test]
    fn a_reused_slot_starts_with_exactly_the_image() {
        let engine = Engine::default();
        let (module, path, data) = image_module(&engine, 1);
        let bases: Vec<usize> = (0..8).map(|_| use_once(&engine, &module, &data)).collect();
        // The slot stays with the image (other tests may take it now and then).
        assert!(bases.windows(2).any(|w| w[0] == w[1]), "{bases:x?}");
        // Plain memories of the same type reusing reservations start zeroed.
        for _ in 0..4 {
            let mut store = Store::new(&engine, ());
            let m = Memory::new(&mut store, module.meta().memories[0]).unwrap();
            assert!(m.data(&store).iter().all(|&b| b == 0));
            assert_eq!(m.data(&store).len(), 4 * 65536);
        }
        use_once(&engine, &module, &data);
        // Dropping the module leaves no mapping of its file in the pool.
        drop(module);
        assert!(!file_is_mapped(&path));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn two_modules_alternating_and_together() {
        let engine = Engine::default();
        let (a, path_a, data_a) = image_module(&engine, 2);
        let (b, path_b, data_b) = image_module(&engine, 3);
        assert_ne!(data_a, data_b);
        for _ in 0..6 {
            use_once(&engine, &a, &data_a);
            use_once(&engine, &b, &data_b);
        }
        // Both alive at once, in one store, then the slots change hands.
        for _ in 0..3 {
            let mut store = Store::new(&engine, ());
            let ia = Instance::new(&mut store, &a, &[]).unwrap();
            let ib = Instance::new(&mut store, &b, &[]).unwrap();
            let ma = ia.get_memory(&mut store, "m").unwrap();
            let mb = ib.get_memory(&mut store, "m").unwrap();
            assert!(ma.data(&store)[..IMAGE_LEN] == data_a[..]);
            assert!(mb.data(&store)[..IMAGE_LEN] == data_b[..]);
            ma.data_mut(&mut store).fill(1);
            mb.data_mut(&mut store).fill(2);
        }
        drop(a);
        for _ in 0..3 {
            use_once(&engine, &b, &data_b);
        }
        assert!(!file_is_mapped(&path_a));
        drop(b);
        assert!(!file_is_mapped(&path_b));
        let _ = std::fs::remove_file(&path_a);
        let _ = std::fs::remove_file(&path_b);
    }

    #[test]
    fn concurrent_instantiation_of_several_images() {
        let engine = Engine::default();
        let modules: Vec<_> = (10..13).map(|tag| image_module(&engine, tag)).collect();
        std::thread::scope(|s| {
            for t in 0..4 {
                let (engine, modules) = (&engine, &modules);
                s.spawn(move || {
                    for i in 0..30 {
                        let (module, _, data) = &modules[(t + i) % modules.len()];
                        use_once(engine, module, data);
                    }
                });
            }
        });
        for (module, path, _) in modules {
            drop(module);
            assert!(!file_is_mapped(&path));
            let _ = std::fs::remove_file(&path);
        }
    }
}
