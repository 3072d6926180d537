//! `wasm_ref_t`: the common header of every wasm.h reference object (traps, foreign
//! objects, modules, externs, instances, externref values), host info, the generic
//! `_as_ref` / `wasm_ref_as_*` casts, externref value objects and `wasm_foreign_t`.

use crate::externs::wasm_extern_t;
use crate::guard::guard;
use crate::instance::wasm_instance_t;
use crate::module::wasm_module_t;
use crate::ptr::{self, Finalized, SendPtr};
use crate::store::{wasm_store_t, WasmStore};
use crate::trap::wasm_trap_t;
use std::cell::RefCell;
use std::ffi::c_void;
use std::sync::Arc;
use wasmaot_loader::ExternRef;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RefKind {
    Trap,
    Foreign,
    Module,
    Extern,
    Instance,
    /// An externref value (`wasm_val_t` of kind `WASM_EXTERNREF`).
    ExternRef,
}

/// First field of every reference object (all are `repr(C)`).
#[repr(C)]
pub struct RefHeader {
    pub kind: RefKind,
    pub host_info: RefCell<Option<Finalized>>,
}

impl RefHeader {
    pub fn new(kind: RefKind) -> RefHeader {
        RefHeader {
            kind,
            host_info: RefCell::new(None),
        }
    }
}

/// Objects with a `RefHeader`.
pub trait HasHdr {
    fn hdr(&self) -> &RefHeader;
}

/// The opaque `wasm_ref_t`: any object starting with a `RefHeader`.
#[repr(C)]
pub struct wasm_ref_t {
    pub hdr: RefHeader,
}

pub fn get_host_info(h: Option<&RefHeader>) -> *mut c_void {
    h.and_then(|h| h.host_info.borrow().as_ref().map(|f| f.data.0))
        .unwrap_or(std::ptr::null_mut())
}

pub fn set_host_info(
    h: Option<&RefHeader>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) {
    if let Some(h) = h {
        let old = h.host_info.replace(Some(Finalized {
            data: SendPtr(data),
            finalizer: fin,
        }));
        drop(old);
    }
}

/// Declares `_delete`, `_copy`, `_same`, host info and (with `as_ref`) the ref casts for
/// wasm.h reference type `$t` whose kind is checked by `$is`.
macro_rules! ref_fns {
    ($t:ty, $delete:ident, $copy:ident, $same:ident, $same_fn:expr,
     $get:ident, $set:ident, $setf:ident) => {
        #[no_mangle]
        pub extern "C" fn $delete(p: *mut $t) {
            $crate::guard::guard((), || drop($crate::refs::take_ref::<$t>(p)))
        }
        #[no_mangle]
        pub extern "C" fn $copy(p: *const $t) -> *mut $t {
            $crate::guard::guard(std::ptr::null_mut(), || match $crate::ptr::legacy_r(p) {
                Some(x) => Box::into_raw(Box::new(x.clone())),
                None => std::ptr::null_mut(),
            })
        }
        #[no_mangle]
        pub extern "C" fn $same(a: *const $t, b: *const $t) -> bool {
            $crate::guard::guard(false, || {
                match ($crate::ptr::legacy_r(a), $crate::ptr::legacy_r(b)) {
                    (Some(a), Some(b)) => {
                        let same: fn(&$t, &$t) -> bool = $same_fn;
                        same(a, b)
                    }
                    _ => false,
                }
            })
        }
        #[no_mangle]
        pub extern "C" fn $get(p: *const $t) -> *mut std::ffi::c_void {
            $crate::guard::guard(std::ptr::null_mut(), || {
                $crate::refs::get_host_info(
                    $crate::ptr::legacy_r(p).map(|x| $crate::refs::HasHdr::hdr(x)),
                )
            })
        }
        #[no_mangle]
        pub extern "C" fn $set(p: *mut $t, data: *mut std::ffi::c_void) {
            $crate::guard::guard((), || {
                $crate::refs::set_host_info(
                    $crate::ptr::legacy_r(p).map(|x| $crate::refs::HasHdr::hdr(x)),
                    data,
                    None,
                )
            })
        }
        #[no_mangle]
        pub extern "C" fn $setf(
            p: *mut $t,
            data: *mut std::ffi::c_void,
            fin: Option<extern "C" fn(*mut std::ffi::c_void)>,
        ) {
            $crate::guard::guard((), || {
                $crate::refs::set_host_info(
                    $crate::ptr::legacy_r(p).map(|x| $crate::refs::HasHdr::hdr(x)),
                    data,
                    fin,
                )
            })
        }
    };
}
pub(crate) use ref_fns;

macro_rules! has_hdr {
    ($t:ty) => {
        impl $crate::refs::HasHdr for $t {
            fn hdr(&self) -> &$crate::refs::RefHeader {
                &self.hdr
            }
        }
    };
    ($t:ty, ext) => {
        impl $crate::refs::HasHdr for $t {
            fn hdr(&self) -> &$crate::refs::RefHeader {
                &self.ext.hdr
            }
        }
    };
}
pub(crate) use has_hdr;

/// `_as_ref`, `_as_ref_const`, `wasm_ref_as_*`, `wasm_ref_as_*_const` for `$t`, which
/// a `wasm_ref_t` is when `$check(&RefHeader)` holds.
macro_rules! ref_casts {
    ($t:ty, $as_ref:ident, $as_ref_const:ident, $from:ident, $from_const:ident, $check:expr) => {
        #[no_mangle]
        pub extern "C" fn $as_ref(p: *mut $t) -> *mut $crate::refs::wasm_ref_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $as_ref_const(p: *const $t) -> *const $crate::refs::wasm_ref_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $from(r: *mut $crate::refs::wasm_ref_t) -> *mut $t {
            $crate::guard::guard(std::ptr::null_mut(), || {
                let check: fn(*const $crate::refs::wasm_ref_t) -> bool = $check;
                if check(r) {
                    r.cast()
                } else {
                    std::ptr::null_mut()
                }
            })
        }
        #[no_mangle]
        pub extern "C" fn $from_const(r: *const $crate::refs::wasm_ref_t) -> *const $t {
            $crate::guard::guard(std::ptr::null(), || {
                let check: fn(*const $crate::refs::wasm_ref_t) -> bool = $check;
                if check(r) {
                    r.cast()
                } else {
                    std::ptr::null()
                }
            })
        }
    };
}
pub(crate) use ref_casts;

pub fn take_ref<T>(p: *mut T) -> Option<Box<T>> {
    ptr::legacy_take_box(p)
}

/// Whether `r` is a reference of kind `k`.
pub fn is_kind(r: *const wasm_ref_t, k: RefKind) -> bool {
    ptr::legacy_r(r).is_some_and(|r| r.hdr.kind == k)
}

// --- wasm_ref_t itself: dispatch on the kind --------------------------------------------

/// Deep copy of any reference object.
pub fn copy_ref(r: &wasm_ref_t) -> *mut wasm_ref_t {
    let p: *const wasm_ref_t = r;
    match r.hdr.kind {
        RefKind::Trap => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<wasm_trap_t>()).unwrap().clone(),
        ))
        .cast(),
        RefKind::Foreign => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<wasm_foreign_t>()).unwrap().clone(),
        ))
        .cast(),
        RefKind::Module => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<wasm_module_t>()).unwrap().clone(),
        ))
        .cast(),
        RefKind::Extern => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<wasm_extern_t>()).unwrap().clone(),
        ))
        .cast(),
        RefKind::Instance => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<wasm_instance_t>()).unwrap().clone(),
        ))
        .cast(),
        RefKind::ExternRef => Box::into_raw(Box::new(
            ptr::legacy_r(p.cast::<ExternRefObj>()).unwrap().clone(),
        ))
        .cast(),
    }
}

/// Free any reference object.
pub fn delete_ref(r: *mut wasm_ref_t) {
    let Some(kind) = ptr::legacy_r(r).map(|r| r.hdr.kind) else {
        return;
    };
    match kind {
        RefKind::Trap => drop(ptr::legacy_take_box(r.cast::<wasm_trap_t>())),
        RefKind::Foreign => drop(ptr::legacy_take_box(r.cast::<wasm_foreign_t>())),
        RefKind::Module => drop(ptr::legacy_take_box(r.cast::<wasm_module_t>())),
        RefKind::Extern => drop(ptr::legacy_take_box(r.cast::<wasm_extern_t>())),
        RefKind::Instance => drop(ptr::legacy_take_box(r.cast::<wasm_instance_t>())),
        RefKind::ExternRef => drop(ptr::legacy_take_box(r.cast::<ExternRefObj>())),
    }
}

#[no_mangle]
pub extern "C" fn wasm_ref_delete(r: *mut wasm_ref_t) {
    guard((), || delete_ref(r))
}
#[no_mangle]
pub extern "C" fn wasm_ref_copy(r: *const wasm_ref_t) -> *mut wasm_ref_t {
    guard(std::ptr::null_mut(), || {
        ptr::legacy_r(r).map_or(std::ptr::null_mut(), copy_ref)
    })
}
#[no_mangle]
pub extern "C" fn wasm_ref_same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
    guard(false, || {
        let (Some(x), Some(y)) = (ptr::legacy_r(a), ptr::legacy_r(b)) else {
            return false;
        };
        if x.hdr.kind != y.hdr.kind {
            return false;
        }
        match x.hdr.kind {
            RefKind::Extern => {
                let (x, y) = (
                    ptr::legacy_r(a.cast::<wasm_extern_t>()),
                    ptr::legacy_r(b.cast::<wasm_extern_t>()),
                );
                x.zip(y).is_some_and(|(x, y)| x.same(y))
            }
            RefKind::Instance => {
                let (x, y) = (
                    ptr::legacy_r(a.cast::<wasm_instance_t>()),
                    ptr::legacy_r(b.cast::<wasm_instance_t>()),
                );
                x.zip(y).is_some_and(|(x, y)| x.instance == y.instance)
            }
            RefKind::ExternRef => {
                let (x, y) = (
                    ptr::legacy_r(a.cast::<ExternRefObj>()),
                    ptr::legacy_r(b.cast::<ExternRefObj>()),
                );
                x.zip(y).is_some_and(|(x, y)| x.r == y.r)
            }
            _ => std::ptr::eq(a, b),
        }
    })
}
#[no_mangle]
pub extern "C" fn wasm_ref_get_host_info(r: *const wasm_ref_t) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        get_host_info(ptr::legacy_r(r).map(|r| &r.hdr))
    })
}
#[no_mangle]
pub extern "C" fn wasm_ref_set_host_info(r: *mut wasm_ref_t, data: *mut c_void) {
    guard((), || {
        set_host_info(ptr::legacy_r(r).map(|r| &r.hdr), data, None)
    })
}
#[no_mangle]
pub extern "C" fn wasm_ref_set_host_info_with_finalizer(
    r: *mut wasm_ref_t,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) {
    guard((), || {
        set_host_info(ptr::legacy_r(r).map(|r| &r.hdr), data, fin)
    })
}

// --- externref values and foreign objects -------------------------------------------------

has_hdr!(ExternRefObj);
has_hdr!(wasm_foreign_t);

#[repr(C)]
pub struct ExternRefObj {
    pub hdr: RefHeader,
    pub store: Arc<WasmStore>,
    pub r: ExternRef,
}

impl Clone for ExternRefObj {
    fn clone(&self) -> Self {
        ExternRefObj {
            hdr: RefHeader::new(RefKind::ExternRef),
            store: self.store.clone(),
            r: self.r,
        }
    }
}

#[repr(C)]
pub struct wasm_foreign_t {
    pub hdr: RefHeader,
}

impl Clone for wasm_foreign_t {
    fn clone(&self) -> Self {
        wasm_foreign_t {
            hdr: RefHeader::new(RefKind::Foreign),
        }
    }
}

#[no_mangle]
pub extern "C" fn wasm_foreign_new(_s: *mut wasm_store_t) -> *mut wasm_foreign_t {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(wasm_foreign_t {
            hdr: RefHeader::new(RefKind::Foreign),
        }))
    })
}

ref_fns!(
    wasm_foreign_t,
    wasm_foreign_delete,
    wasm_foreign_copy,
    wasm_foreign_same,
    |a, b| std::ptr::eq(a, b),
    wasm_foreign_get_host_info,
    wasm_foreign_set_host_info,
    wasm_foreign_set_host_info_with_finalizer
);
ref_casts!(
    wasm_foreign_t,
    wasm_foreign_as_ref,
    wasm_foreign_as_ref_const,
    wasm_ref_as_foreign,
    wasm_ref_as_foreign_const,
    |r| is_kind(r, RefKind::Foreign)
);
