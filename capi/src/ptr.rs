//! The one place raw pointers from C are turned into Rust references and slices.
//!
//! The C API contract (Wasmtime v23's headers) is that a non-NULL pointer argument points
//! to a live, properly aligned object of the declared type for the duration of the call,
//! and that `T *out` pointers are writable. NULL is checked here, never dereferenced.

use std::ffi::{c_char, CStr};

/// `p` as a shared reference, or `None` for NULL.
pub fn r<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: per the C API contract a non-NULL `p` points to a live `T` for the call.
    unsafe { p.as_ref() }
}

/// `p` as an exclusive reference, or `None` for NULL.
pub fn m<'a, T>(p: *mut T) -> Option<&'a mut T> {
    // SAFETY: per the C API contract a non-NULL `p` points to a live `T` the caller lets
    // us mutate for the call.
    unsafe { p.as_mut() }
}

/// Write `v` to the output slot `p` (nothing for NULL). The old contents are not dropped:
/// output slots are uninitialised on entry.
pub fn write<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: a non-NULL output slot is writable memory for a `T` (C API contract).
        unsafe { p.write(v) }
    }
}

/// Read the value at `p` (which stays owned by the caller), or `None` for NULL.
pub fn read<T: Copy>(p: *const T) -> Option<T> {
    r(p).copied()
}

/// `len` elements at `p`; empty for `len == 0` (then `p` may be NULL or dangling).
pub fn slice<'a, T>(p: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: C API contract: `p` points to `len` live, initialised elements.
    Some(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `len` mutable elements at `p`; empty for `len == 0`.
pub fn slice_mut<'a, T>(p: *mut T, len: usize) -> Option<&'a mut [T]> {
    if len == 0 {
        return Some(&mut []);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: C API contract: `p` points to `len` live elements we may write.
    Some(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// A `(pointer, length)` name as text (lossy UTF-8), `None` for a NULL pointer with a
/// non-zero length.
pub fn str_n(p: *const c_char, len: usize) -> Option<String> {
    slice(p.cast::<u8>(), len).map(|b| String::from_utf8_lossy(b).into_owned())
}

/// A NUL-terminated C string, `None` for NULL.
pub fn cstr<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: C API contract: a non-NULL `p` is a NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

/// Take ownership of a `Box` handed to us by C (`own` parameters); `None` for NULL.
pub fn take_box<T>(p: *mut T) -> Option<Box<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: every owned object we hand out is a `Box::into_raw`; C gives it back once.
    Some(unsafe { Box::from_raw(p) })
}

/// Call a C finalizer on `data` if there is one.
pub fn finalize(f: Option<extern "C" fn(*mut std::ffi::c_void)>, data: *mut std::ffi::c_void) {
    if let Some(f) = f {
        f(data)
    }
}

/// A raw pointer that may cross threads: C hosts promise the data behind `void *env`
/// pointers is safe to use from where the engine calls it (Wasmtime's contract).
#[derive(Clone, Copy, Debug)]
pub struct SendPtr(pub *mut std::ffi::c_void);
// SAFETY: see the type's documentation; we never dereference it, C does.
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}

/// A C `void *` plus its optional finalizer, run once on drop.
pub struct Finalized {
    pub data: SendPtr,
    pub finalizer: Option<extern "C" fn(*mut std::ffi::c_void)>,
}

impl Drop for Finalized {
    fn drop(&mut self) {
        finalize(self.finalizer, self.data.0);
    }
}
