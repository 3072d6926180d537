//! What the loader asks of the operating system and the CPU below everything else: the
//! page size, and making freshly written code visible to instruction fetch.

use std::ffi::c_void;

extern "C" {
    // In `traphandlers/setjmp.c`.
    fn wasmaot_flush_icache(start: *mut c_void, end: *mut c_void);
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

/// Make code written at `[start, start+len)` visible to instruction fetch.
pub(crate) fn flush_icache(start: *const u8, len: usize) {
    // SAFETY: only maintenance instructions on the given range (a no-op on x86_64).
    unsafe { wasmaot_flush_icache(start as *mut c_void, start.wrapping_add(len) as *mut c_void) }
}
