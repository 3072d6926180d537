//! Raw pointers from C that no reference type in a signature can describe: output slots,
//! `(pointer, length)` arrays and strings, NUL-terminated strings and owned objects handed
//! back through a raw pointer.
//!
//! Exported functions take the pointers that Wasmtime's headers describe as "NULL or a
//! live object" as `Option<&T>`, `Option<&mut T>` or `Option<Box<T>>` (the same ABI as
//! the C pointer), and output slots as [`Out`], so they need no raw-pointer code. Every
//! helper here that dereferences a raw pointer is `unsafe`: its caller says in a
//! `// SAFETY:` comment why the pointer is valid, usually by the `# Safety` section of the
//! exported function it was passed to. NULL is checked, never dereferenced.

use std::ffi::{c_char, CStr};
use std::mem::MaybeUninit;

/// An output slot (`T *out` in C): NULL or writable memory for a `T`, uninitialised on
/// entry.
pub type Out<'a, T> = Option<&'a mut MaybeUninit<T>>;

/// Write `v` to the output slot `out` (nothing for NULL). Old contents are not dropped:
/// output slots are uninitialised on entry.
pub fn put<T>(out: Out<'_, T>, v: T) {
    if let Some(o) = out {
        o.write(v);
    }
}

/// Write `v` to the output slot `out` and return it as an initialised `&mut T` (for
/// slots like `wasm_trap_t **trap` that are cleared first and filled later).
pub fn init<T>(out: Out<'_, T>, v: T) -> Option<&mut T> {
    out.map(|o| &mut *o.write(v))
}

/// `len` elements at `p`; empty for `len == 0` (then `p` may be NULL or dangling), `None`
/// for a NULL `p` with a non-zero `len`.
///
/// # Safety
///
/// Unless `len` is 0 or `p` is NULL, `p` must point to `len` initialised, properly aligned
/// `T`s that stay live and are not written for `'a`.
pub unsafe fn slice<'a, T>(p: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is not NULL and `len > 0`, so the caller's promise applies.
    Some(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `len` mutable elements at `p`; like [`slice`].
///
/// # Safety
///
/// Unless `len` is 0 or `p` is NULL, `p` must point to `len` initialised, properly aligned
/// `T`s that stay live and that nothing else reads or writes for `'a`.
pub unsafe fn slice_mut<'a, T>(p: *mut T, len: usize) -> Option<&'a mut [T]> {
    if len == 0 {
        return Some(&mut []);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is not NULL and `len > 0`, so the caller's promise applies.
    Some(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// A `(pointer, length)` name as text (lossy UTF-8), `None` for a NULL pointer with a
/// non-zero length.
///
/// # Safety
///
/// As for [`slice`]: unless `len` is 0 or `p` is NULL, `p` points to `len` readable bytes.
pub unsafe fn str_n(p: *const c_char, len: usize) -> Option<String> {
    // SAFETY: the caller's promise, for bytes.
    let bytes = unsafe { slice(p.cast::<u8>(), len) }?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// A NUL-terminated C string; `None` for NULL or text that is not UTF-8.
///
/// # Safety
///
/// A non-NULL `p` must point to a NUL-terminated string that stays live and unchanged for
/// `'a`.
pub unsafe fn cstr<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is not NULL, so the caller's promise applies.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

/// Take back ownership of an object this library handed out as `Box::into_raw`; `None`
/// for NULL.
///
/// # Safety
///
/// A non-NULL `p` must come from `Box::<T>::into_raw` (an owned object of this library's)
/// and must not be used again by anyone else.
pub unsafe fn take_box<T>(p: *mut T) -> Option<Box<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is not NULL, so the caller's promise applies.
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
