//! A process-wide pool of linear-memory reservations, so that instantiating a module with a
//! memory and dropping it again costs no `mmap`/`munmap` (servers that make an instance
//! per request).
//!
//! A reservation in the pool is all zero, its first `accessible` bytes read-write and the
//! rest `PROT_NONE`. When a memory is dropped, its first [`KEEP_RESIDENT`] bytes are zeroed
//! in place (no syscall; the pages stay resident, so the next instance does not fault them
//! in again) and the rest of its accessible bytes are released with `madvise(MADV_DONTNEED)`
//! (which zeroes them) and made `PROT_NONE` again. A new memory takes a reservation of the
//! same size and adjusts the read-write part with at most one `mprotect`.
//!
//! At most [`MAX_POOLED`] reservations are kept (6 GiB of address space each with the
//! default tunables, nothing committed beyond the resident bytes); others are unmapped.

use std::sync::Mutex;

/// Most reservations kept for reuse.
pub const MAX_POOLED: usize = 32;

/// Bytes at the start of a released memory zeroed in place and kept resident.
pub const KEEP_RESIDENT: usize = 64 << 10;

/// A reserved range of address space: `[base, base + size)`, of which the first
/// `accessible` bytes are read-write.
#[derive(Debug)]
pub(crate) struct Reservation {
    pub base: usize,
    pub size: usize,
    pub accessible: usize,
    /// The first `file_mapped` bytes are (or may be) a copy-on-write file mapping
    /// ([`map_file`]); resetting replaces them with anonymous memory.
    pub file_mapped: usize,
}

impl Reservation {
    /// An empty placeholder (owns nothing).
    pub fn none() -> Reservation {
        Reservation {
            base: 0,
            size: 0,
            accessible: 0,
            file_mapped: 0,
        }
    }
}

static POOL: Mutex<Vec<Reservation>> = Mutex::new(Vec::new());

/// A zeroed reservation of `size` bytes whose first `accessible` bytes are read-write:
/// from the pool, or freshly mapped. The error is the OS error's text.
pub(crate) fn reserve(size: usize, accessible: usize) -> Result<Reservation, String> {
    let pooled = {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        let i = pool.iter().rposition(|r| r.size == size);
        i.map(|i| pool.swap_remove(i))
    };
    let mut r = match pooled {
        Some(r) => r,
        None => map(size)?,
    };
    if let Err(e) = set_accessible(&mut r, accessible) {
        release(r);
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
    let (from, to, prot) = if len > r.accessible {
        (r.accessible, len, libc::PROT_READ | libc::PROT_WRITE)
    } else if len < r.accessible {
        discard(r.base + len, r.accessible - len)?;
        (len, r.accessible, libc::PROT_NONE)
    } else {
        return Ok(());
    };
    // SAFETY: `[base+from, base+to)` lies inside the reservation, which we own; no Rust
    // reference points into bytes that become inaccessible (the caller owns the memory).
    let rc = unsafe { libc::mprotect((r.base + from) as *mut libc::c_void, to - from, prot) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    r.accessible = len;
    Ok(())
}

/// Fault in the first `len` accessible bytes of `r` for writing in one go, ahead of a bulk
/// copy (a memory image): far cheaper than a page fault per page. Best effort.
pub(crate) fn prefault(r: &Reservation, len: usize) {
    let len = len.min(r.accessible);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if len > 2 * 4096 {
        // SAFETY: populating read-write pages of our own mapping changes no contents.
        // Kernels before 5.14 answer EINVAL, which is fine: the copy faults them in.
        unsafe {
            libc::madvise(r.base as *mut libc::c_void, len, libc::MADV_POPULATE_WRITE);
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (r, len);
}

/// The OS page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// Map `len` bytes of `file` at `offset` copy-on-write over the start of `r` (a memory
/// image): no copy, pages are read in when first touched and copied when first written.
/// `offset` and `len` are page-aligned and `len <= r.accessible`.
pub(crate) fn map_file(
    r: &mut Reservation,
    file: &std::fs::File,
    offset: u64,
    len: usize,
) -> Result<(), String> {
    use std::os::unix::io::AsRawFd;
    let page = page_size();
    if len > r.accessible || !len.is_multiple_of(page) || !offset.is_multiple_of(page as u64) {
        return Err(format!(
            "unaligned image ({len} bytes at file offset {offset})"
        ));
    }
    let offset = libc::off_t::try_from(offset).map_err(|e| e.to_string())?;
    // From here on the start of `r` may hold file pages, even if the mapping fails.
    r.file_mapped = r.file_mapped.max(len);
    // SAFETY: replaces read-write pages at the start of our own reservation (nothing
    // refers to them) with a private mapping of a file the module keeps open.
    let at = unsafe {
        libc::mmap(
            r.base as *mut libc::c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_FIXED,
            file.as_raw_fd(),
            offset,
        )
    };
    if at == libc::MAP_FAILED || at as usize != r.base {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Give a reservation back: reset it and keep it for reuse, or unmap it.
pub(crate) fn release(mut r: Reservation) {
    if reset(&mut r).is_ok() {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < MAX_POOLED {
            pool.push(r);
            return;
        }
    }
    unmap(&r);
}

/// Zero the accessible bytes: the first `KEEP_RESIDENT` in place, the rest by giving the
/// pages back to the OS and making them inaccessible.
fn reset(r: &mut Reservation) -> Result<(), String> {
    if r.file_mapped > 0 {
        // Fresh anonymous memory over the file pages and everything after them that was
        // accessible: zero and inaccessible again.
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
        return Ok(());
    }
    let keep = r.accessible.min(KEEP_RESIDENT);
    // SAFETY: the first `accessible` bytes are mapped read-write and owned by the
    // reservation; nothing else refers to them any more.
    unsafe { std::ptr::write_bytes(r.base as *mut u8, 0, keep) };
    set_accessible(r, keep)
}

/// Give `[at, at + len)` of a reservation back to the OS: it reads as zeros afterwards.
fn discard(at: usize, len: usize) -> Result<(), String> {
    // SAFETY: a range of one of our own private anonymous mappings, which nothing refers to
    // any more; DONTNEED makes it read as zeros.
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

    #[test]
    fn reused_reservations_are_zero_and_protected() {
        let size = 1 << 30;
        let mut r = reserve(size, 3 * KEEP_RESIDENT).unwrap();
        // SAFETY: the first `accessible` bytes are read-write.
        let bytes = unsafe { std::slice::from_raw_parts_mut(r.base as *mut u8, r.accessible) };
        bytes.fill(0xab);
        set_accessible(&mut r, KEEP_RESIDENT / 2).unwrap();
        set_accessible(&mut r, 2 * KEEP_RESIDENT).unwrap();
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts_mut(r.base as *mut u8, r.accessible) };
        bytes.fill(0xcd);
        let base = r.base;
        release(r);
        // Other tests may take it first; look for ours among a few.
        let mut taken = Vec::new();
        for _ in 0..MAX_POOLED {
            let r = reserve(size, 4 * KEEP_RESIDENT).unwrap();
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
            release(r);
        }
    }
}
