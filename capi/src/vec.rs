//! `wasm_*_vec_t`: `{size, data}` arrays allocated as boxed slices; `wasm_byte_vec_t`.

use crate::ptr;

/// The C layout of every `wasm_*_vec_t`.
///
/// A vector the library makes ([`WasmVec::from_vec`]: every `wasm_*_vec_new*`, `_copy`
/// and output vector) owns a `Box<[T]>` of `size` elements at `data` (NULL when empty) until
/// it is deleted or taken over. A host may also build one around its own array to pass as
/// a borrowed argument. Reading the elements or taking them back is therefore `unsafe`:
/// the caller says which of the two kinds the vector is.
#[repr(C)]
pub struct WasmVec<T> {
    pub size: usize,
    pub data: *mut T,
}

impl<T> WasmVec<T> {
    pub const fn empty() -> Self {
        WasmVec {
            size: 0,
            data: std::ptr::null_mut(),
        }
    }
    pub fn from_vec(v: Vec<T>) -> Self {
        if v.is_empty() {
            return Self::empty();
        }
        let b = v.into_boxed_slice();
        let size = b.len();
        let data = Box::into_raw(b).cast::<T>();
        WasmVec { size, data }
    }
    /// The elements (none when `data` is NULL).
    ///
    /// # Safety
    ///
    /// A non-NULL `data` must point to `size` initialised elements that stay live and are
    /// not written while the slice is in use (true of every vector the library made, and of
    /// a valid vector a host passes).
    pub unsafe fn as_slice(&self) -> &[T] {
        // SAFETY: the caller's promise.
        unsafe { ptr::slice(self.data, self.size) }.unwrap_or(&[])
    }
    /// The elements, to overwrite (none when `data` is NULL).
    ///
    /// # Safety
    ///
    /// As for [`WasmVec::as_slice`], and nothing else reads or writes the elements while
    /// the slice is in use.
    pub unsafe fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: the caller's promise.
        unsafe { ptr::slice_mut(self.data, self.size) }.unwrap_or_default()
    }
    /// Take the elements back (the vector becomes empty).
    ///
    /// # Safety
    ///
    /// The vector must be one the library made (see the type) that still owns its
    /// elements; afterwards nobody else may use its old `data`.
    pub unsafe fn take(&mut self) -> Vec<T> {
        if self.data.is_null() || self.size == 0 {
            *self = Self::empty();
            return Vec::new();
        }
        let raw = std::ptr::slice_from_raw_parts_mut(self.data, self.size);
        *self = Self::empty();
        // SAFETY: the caller's promise: a non-empty vector of the library's is a
        // `Box<[T]>::into_raw` of `size` elements (`from_vec`) it still owns.
        unsafe { Box::from_raw(raw) }.into_vec()
    }
}

/// A vector the library made and keeps (freed with its Rust owner); C only reads it.
pub struct OwnedVec<T>(WasmVec<T>);

impl<T> OwnedVec<T> {
    pub fn new(v: Vec<T>) -> Self {
        OwnedVec(WasmVec::from_vec(v))
    }
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the vector is private and made by `from_vec`: `size` live elements.
        unsafe { self.0.as_slice() }
    }
    /// The C vector, for accessors that return a `const wasm_*_vec_t *`.
    pub fn as_c(&self) -> &WasmVec<T> {
        &self.0
    }
    /// The C vector, for a callback that fills in the elements (not the vector itself).
    pub fn as_c_mut(&mut self) -> *mut WasmVec<T> {
        &mut self.0
    }
    /// The elements.
    pub fn into_vec(mut self) -> Vec<T> {
        // SAFETY: made by `from_vec`; C may only have written elements in place (see
        // `as_c_mut`), so the vector still owns them; `self` is not used again (its drop
        // sees an empty vector).
        unsafe { self.0.take() }
    }
}

impl<T> Drop for OwnedVec<T> {
    fn drop(&mut self) {
        // SAFETY: as in `into_vec`; this is the last use.
        drop(unsafe { self.0.take() });
    }
}

// SAFETY: an OwnedVec owns its elements like a Vec<T> would.
unsafe impl<T: Send> Send for OwnedVec<T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for OwnedVec<T> {}

/// Declares the five vector functions of a `wasm_*_vec_t` with element type `$elem`
/// (`Default` for uninitialised slots); `$clone` deep-copies one element.
macro_rules! declare_vec {
    ($vec:ident, $elem:ty, $clone:expr,
     $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        pub type $vec = $crate::vec::WasmVec<$elem>;

        #[no_mangle]
        pub extern "C" fn $new_empty(out: $crate::ptr::Out<'_, $vec>) {
            $crate::guard::guard((), || $crate::ptr::put(out, $crate::vec::WasmVec::empty()))
        }

        #[no_mangle]
        pub extern "C" fn $new_uninit(out: $crate::ptr::Out<'_, $vec>, size: usize) {
            $crate::guard::guard((), || {
                let v: Vec<$elem> = (0..size).map(|_| <$elem>::default()).collect();
                $crate::ptr::put(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        /// # Safety
        ///
        /// Unless `size` is 0 or `data` is NULL, `data` must point to `size` initialised
        /// elements; they move into the new vector (the caller must not use or delete them
        /// again).
        #[no_mangle]
        pub unsafe extern "C" fn $new(
            out: $crate::ptr::Out<'_, $vec>,
            size: usize,
            data: *const $elem,
        ) {
            $crate::guard::guard((), || {
                // SAFETY: the caller's promise about `data`.
                let Some(src) = (unsafe { $crate::ptr::slice(data, size) }) else {
                    return $crate::ptr::put(out, $crate::vec::WasmVec::empty());
                };
                let v: Vec<$elem> = src
                    .iter()
                    // SAFETY: the caller hands the elements over and does not use them
                    // again, so a bitwise move is the transfer of ownership.
                    .map(|e| unsafe { std::ptr::read(e) })
                    .collect();
                $crate::ptr::put(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        /// # Safety
        ///
        /// `src` must be NULL or a valid vector: a non-NULL `data` points to `size`
        /// initialised elements.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(out: $crate::ptr::Out<'_, $vec>, src: Option<&$vec>) {
            $crate::guard::guard((), || {
                let clone: fn(&$elem) -> $elem = $clone;
                let v: Vec<$elem> = match src {
                    // SAFETY: the caller's promise about `src`.
                    Some(s) => unsafe { s.as_slice() }.iter().map(clone).collect(),
                    None => Vec::new(),
                };
                $crate::ptr::put(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        /// # Safety
        ///
        /// `v` must be NULL or a vector this library made that still owns its elements
        /// (not one the host built around its own array, nor one already deleted).
        #[no_mangle]
        pub unsafe extern "C" fn $delete(v: Option<&mut $vec>) {
            $crate::guard::guard((), || {
                if let Some(v) = v {
                    // SAFETY: the caller's promise.
                    drop(unsafe { v.take() });
                }
            })
        }
    };
}
pub(crate) use declare_vec;

/// Deep copy of an optional boxed element.
pub fn clone_box<T: Clone>(e: &Option<Box<T>>) -> Option<Box<T>> {
    e.clone()
}

declare_vec!(
    wasm_byte_vec_t,
    u8,
    |b: &u8| *b,
    wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized,
    wasm_byte_vec_new,
    wasm_byte_vec_copy,
    wasm_byte_vec_delete
);

/// A byte vector with a copy of `s`, optionally NUL-terminated.
pub fn byte_vec(s: &[u8], nul: bool) -> WasmVec<u8> {
    let mut v = s.to_vec();
    if nul {
        v.push(0);
    }
    WasmVec::from_vec(v)
}
