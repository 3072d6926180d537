//! `wasm_*_vec_t`: `{size, data}` arrays allocated as boxed slices; `wasm_byte_vec_t`.

use crate::ptr;

/// The C layout of every `wasm_*_vec_t`.
#[repr(C)]
pub struct WasmVec<T> {
    pub size: usize,
    pub data: *mut T,
}

impl<T> WasmVec<T> {
    pub fn empty() -> Self {
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
    pub fn as_slice(&self) -> &[T] {
        ptr::legacy_slice(self.data, self.size).unwrap_or(&[])
    }
    /// Take the elements back (the vector becomes empty).
    pub fn take(&mut self) -> Vec<T> {
        if self.data.is_null() || self.size == 0 {
            *self = Self::empty();
            return Vec::new();
        }
        let raw = std::ptr::slice_from_raw_parts_mut(self.data, self.size);
        *self = Self::empty();
        // SAFETY: non-empty vectors are always `Box<[T]>::into_raw` (from_vec), and the
        // C API gives each one back to exactly one `_delete`.
        unsafe { Box::from_raw(raw) }.into_vec()
    }
}

/// A vector owned by a Rust object (freed with it).
pub struct OwnedVec<T>(pub WasmVec<T>);

impl<T> Drop for OwnedVec<T> {
    fn drop(&mut self) {
        drop(self.0.take());
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
        pub extern "C" fn $new_empty(out: *mut $vec) {
            $crate::guard::guard((), || {
                $crate::ptr::legacy_write(out, $crate::vec::WasmVec::empty())
            })
        }

        #[no_mangle]
        pub extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            $crate::guard::guard((), || {
                let v: Vec<$elem> = (0..size).map(|_| <$elem>::default()).collect();
                $crate::ptr::legacy_write(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        #[no_mangle]
        pub extern "C" fn $new(out: *mut $vec, size: usize, data: *const $elem) {
            $crate::guard::guard((), || {
                let Some(src) = $crate::ptr::legacy_slice(data, size) else {
                    return $crate::ptr::legacy_write(out, $crate::vec::WasmVec::empty());
                };
                // Ownership of the elements moves into the vector (bitwise copy).
                let v: Vec<$elem> = src
                    .iter()
                    // SAFETY: `own` elements: the caller hands them over and must not use
                    // or free them again, so a bitwise move is the transfer.
                    .map(|e| unsafe { std::ptr::read(e) })
                    .collect();
                $crate::ptr::legacy_write(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        #[no_mangle]
        pub extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            $crate::guard::guard((), || {
                let clone: fn(&$elem) -> $elem = $clone;
                let v: Vec<$elem> = match $crate::ptr::legacy_r(src) {
                    Some(s) => s.as_slice().iter().map(clone).collect(),
                    None => Vec::new(),
                };
                $crate::ptr::legacy_write(out, $crate::vec::WasmVec::from_vec(v))
            })
        }

        #[no_mangle]
        pub extern "C" fn $delete(v: *mut $vec) {
            $crate::guard::guard((), || {
                if let Some(v) = $crate::ptr::legacy_m(v) {
                    drop(v.take());
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
