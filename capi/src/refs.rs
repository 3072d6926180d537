//! `wasm_ref_t`: the common header of every wasm.h reference object (traps, foreign
//! objects, modules, externs, instances, externref values), host info, the generic
//! `_as_ref` / `wasm_ref_as_*` casts, externref value objects and `wasm_foreign_t`.

use crate::externs::wasm_extern_t;
use crate::guard::guard;
use crate::instance::wasm_instance_t;
use crate::module::wasm_module_t;
use crate::ptr::{Finalized, SendPtr};
use crate::store::{wasm_store_t, WasmStore};
use crate::trap::wasm_trap_t;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, MutexGuard};
use wasmaot_loader::{Extern, ExternRef};

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
    /// The host info; shared by the copies of a foreign object, which are one object.
    host_info: Arc<Mutex<Option<Finalized>>>,
}

impl RefHeader {
    pub fn new(kind: RefKind) -> RefHeader {
        RefHeader {
            kind,
            host_info: Arc::new(Mutex::new(None)),
        }
    }

    /// A header for a copy that is the same object as this one: same host info.
    fn same_object(&self) -> RefHeader {
        RefHeader {
            kind: self.kind,
            host_info: self.host_info.clone(),
        }
    }

    fn is_same_object(&self, other: &RefHeader) -> bool {
        Arc::ptr_eq(&self.host_info, &other.host_info)
    }

    fn host_info(&self) -> MutexGuard<'_, Option<Finalized>> {
        // A panic while the lock was held left plain data behind: keep using it.
        self.host_info.lock().unwrap_or_else(|e| e.into_inner())
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
    h.and_then(|h| h.host_info().as_ref().map(|f| f.data.0))
        .unwrap_or(std::ptr::null_mut())
}

pub fn set_host_info(
    h: Option<&RefHeader>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) {
    if let Some(h) = h {
        let new = Some(Finalized {
            data: SendPtr(data),
            finalizer: fin,
        });
        // The old info's finalizer runs after the lock is released.
        let old = std::mem::replace(&mut *h.host_info(), new);
        drop(old);
    }
}

/// Declares `_delete`, `_copy`, `_same` (by `$same_fn`) and the host-info functions of
/// the wasm.h reference type `$t`.
macro_rules! ref_fns {
    ($t:ty, $delete:ident, $copy:ident, $same:ident, $same_fn:expr,
     $get:ident, $set:ident, $setf:ident) => {
        #[no_mangle]
        pub extern "C" fn $delete(p: Option<Box<$t>>) {
            $crate::guard::guard((), || drop(p))
        }
        #[no_mangle]
        pub extern "C" fn $copy(p: Option<&$t>) -> Option<Box<$t>> {
            $crate::guard::guard(None, || p.map(|x| Box::new(x.clone())))
        }
        #[no_mangle]
        pub extern "C" fn $same(a: Option<&$t>, b: Option<&$t>) -> bool {
            $crate::guard::guard(false, || match (a, b) {
                (Some(a), Some(b)) => {
                    let same: fn(&$t, &$t) -> bool = $same_fn;
                    same(a, b)
                }
                _ => false,
            })
        }
        #[no_mangle]
        pub extern "C" fn $get(p: Option<&$t>) -> *mut std::ffi::c_void {
            $crate::guard::guard(std::ptr::null_mut(), || {
                $crate::refs::get_host_info(p.map($crate::refs::HasHdr::hdr))
            })
        }
        #[no_mangle]
        pub extern "C" fn $set(p: Option<&$t>, data: *mut std::ffi::c_void) {
            $crate::guard::guard((), || {
                $crate::refs::set_host_info(p.map($crate::refs::HasHdr::hdr), data, None)
            })
        }
        #[no_mangle]
        pub extern "C" fn $setf(
            p: Option<&$t>,
            data: *mut std::ffi::c_void,
            fin: Option<extern "C" fn(*mut std::ffi::c_void)>,
        ) {
            $crate::guard::guard((), || {
                $crate::refs::set_host_info(p.map($crate::refs::HasHdr::hdr), data, fin)
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

/// `_as_ref`, `_as_ref_const` (pointer casts) and the checked `wasm_ref_as_*`,
/// `wasm_ref_as_*_const` for `$t`, which a reference object is when `$is(view)` holds.
macro_rules! ref_casts {
    ($t:ty, $as_ref:ident, $as_ref_const:ident, $from:ident, $from_const:ident, $is:expr) => {
        #[no_mangle]
        pub extern "C" fn $as_ref(p: *mut $t) -> *mut $crate::refs::wasm_ref_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $as_ref_const(p: *const $t) -> *const $crate::refs::wasm_ref_t {
            p.cast()
        }
        /// # Safety
        ///
        /// `r` must be NULL or a live reference object of this library.
        #[no_mangle]
        pub unsafe extern "C" fn $from(r: *mut $crate::refs::wasm_ref_t) -> *mut $t {
            $crate::guard::guard(std::ptr::null_mut(), || {
                let is: fn($crate::refs::RefView<'_>) -> bool = $is;
                // SAFETY: the caller's promise.
                match unsafe { $crate::refs::view(r) } {
                    Some(v) if is(v) => r.cast(),
                    _ => std::ptr::null_mut(),
                }
            })
        }
        /// # Safety
        ///
        /// `r` must be NULL or a live reference object of this library.
        #[no_mangle]
        pub unsafe extern "C" fn $from_const(r: *const $crate::refs::wasm_ref_t) -> *const $t {
            $crate::guard::guard(std::ptr::null(), || {
                let is: fn($crate::refs::RefView<'_>) -> bool = $is;
                // SAFETY: the caller's promise.
                match unsafe { $crate::refs::view(r) } {
                    Some(v) if is(v) => r.cast(),
                    _ => std::ptr::null(),
                }
            })
        }
    };
}
pub(crate) use ref_casts;

// --- wasm_ref_t itself: dispatch on the kind --------------------------------------------

/// A reference object, by the kind in its header.
#[derive(Clone, Copy)]
pub enum RefView<'a> {
    Trap(&'a wasm_trap_t),
    Foreign(&'a wasm_foreign_t),
    Module(&'a wasm_module_t),
    Extern(&'a wasm_extern_t),
    Instance(&'a wasm_instance_t),
    ExternRef(&'a ExternRefObj),
}

/// The object `r` points to; `None` for NULL.
///
/// # Safety
///
/// `r` must be NULL or point to a live reference object of this library (each is a
/// `repr(C)` struct whose first field is a [`RefHeader`]) that is not freed or written
/// (except through its header's `RefCell`) for `'a`.
pub unsafe fn view<'a>(r: *const wasm_ref_t) -> Option<RefView<'a>> {
    // SAFETY: the caller's promise; every reference object starts with the header.
    let kind = unsafe { r.as_ref() }?.hdr.kind;
    // SAFETY: the caller's promise; the header's kind says which object `r` starts.
    Some(unsafe {
        match kind {
            RefKind::Trap => RefView::Trap(&*r.cast()),
            RefKind::Foreign => RefView::Foreign(&*r.cast()),
            RefKind::Module => RefView::Module(&*r.cast()),
            RefKind::Extern => RefView::Extern(&*r.cast()),
            RefKind::Instance => RefView::Instance(&*r.cast()),
            RefKind::ExternRef => RefView::ExternRef(&*r.cast()),
        }
    })
}

fn boxed<T>(x: T) -> *mut wasm_ref_t {
    Box::into_raw(Box::new(x)).cast()
}

impl RefView<'_> {
    /// A deep copy, as a new object.
    pub fn copy(self) -> *mut wasm_ref_t {
        match self {
            RefView::Trap(x) => boxed(x.clone()),
            RefView::Foreign(x) => boxed(x.clone()),
            RefView::Module(x) => boxed(x.clone()),
            RefView::Extern(x) => boxed(x.clone()),
            RefView::Instance(x) => boxed(x.clone()),
            RefView::ExternRef(x) => boxed(x.clone()),
        }
    }

    /// `wasm_ref_same`: the same extern, instance or externref, or the same object.
    pub fn same(self, other: RefView<'_>) -> bool {
        match (self, other) {
            (RefView::Extern(x), RefView::Extern(y)) => x.same(y),
            (RefView::Instance(x), RefView::Instance(y)) => x.instance == y.instance,
            (RefView::ExternRef(x), RefView::ExternRef(y)) => x.r == y.r,
            (RefView::Trap(x), RefView::Trap(y)) => std::ptr::eq(x, y),
            (RefView::Foreign(x), RefView::Foreign(y)) => x.hdr.is_same_object(&y.hdr),
            (RefView::Module(x), RefView::Module(y)) => std::ptr::eq(x, y),
            _ => false,
        }
    }

    /// Whether this is an extern whose item `f` accepts.
    pub fn is_extern(self, f: fn(&Extern) -> bool) -> bool {
        matches!(self, RefView::Extern(e) if f(&e.which))
    }
}

/// Free a reference object (nothing for NULL).
///
/// # Safety
///
/// `r` must be NULL or a reference object of this library that the caller owns and does
/// not use again.
pub unsafe fn delete_ref(r: *mut wasm_ref_t) {
    // SAFETY: the caller's promise; every reference object starts with the header.
    let Some(kind) = (unsafe { r.as_ref() }).map(|r| r.hdr.kind) else {
        return;
    };
    // SAFETY: the kind says which `Box` the object was made as (`Box::into_raw`); the
    // caller hands it over.
    unsafe {
        match kind {
            RefKind::Trap => drop(Box::from_raw(r.cast::<wasm_trap_t>())),
            RefKind::Foreign => drop(Box::from_raw(r.cast::<wasm_foreign_t>())),
            RefKind::Module => drop(Box::from_raw(r.cast::<wasm_module_t>())),
            RefKind::Extern => drop(Box::from_raw(r.cast::<wasm_extern_t>())),
            RefKind::Instance => drop(Box::from_raw(r.cast::<wasm_instance_t>())),
            RefKind::ExternRef => drop(Box::from_raw(r.cast::<ExternRefObj>())),
        }
    }
}

/// # Safety
///
/// `r` must be NULL or a reference object of this library that the caller owns.
#[no_mangle]
pub unsafe extern "C" fn wasm_ref_delete(r: *mut wasm_ref_t) {
    // SAFETY: the caller's promise.
    guard((), || unsafe { delete_ref(r) })
}
/// # Safety
///
/// `r` must be NULL or a live reference object of this library.
#[no_mangle]
pub unsafe extern "C" fn wasm_ref_copy(r: *const wasm_ref_t) -> *mut wasm_ref_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller's promise.
        let r = unsafe { view(r) };
        r.map_or(std::ptr::null_mut(), RefView::copy)
    })
}
/// # Safety
///
/// `a` and `b` must each be NULL or a live reference object of this library.
#[no_mangle]
pub unsafe extern "C" fn wasm_ref_same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
    guard(false, || {
        // SAFETY: the caller's promise.
        let (a, b) = unsafe { (view(a), view(b)) };
        a.zip(b).is_some_and(|(a, b)| a.same(b))
    })
}
#[no_mangle]
pub extern "C" fn wasm_ref_get_host_info(r: Option<&wasm_ref_t>) -> *mut c_void {
    guard(std::ptr::null_mut(), || get_host_info(r.map(|r| &r.hdr)))
}
#[no_mangle]
pub extern "C" fn wasm_ref_set_host_info(r: Option<&wasm_ref_t>, data: *mut c_void) {
    guard((), || set_host_info(r.map(|r| &r.hdr), data, None))
}
#[no_mangle]
pub extern "C" fn wasm_ref_set_host_info_with_finalizer(
    r: Option<&wasm_ref_t>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) {
    guard((), || set_host_info(r.map(|r| &r.hdr), data, fin))
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

/// A copy of a foreign object is the same object (`wasm_foreign_same`, as a reference of
/// the host's), with the same host info.
impl Clone for wasm_foreign_t {
    fn clone(&self) -> Self {
        wasm_foreign_t {
            hdr: self.hdr.same_object(),
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
    |a, b| a.hdr.is_same_object(&b.hdr),
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
    |v| matches!(v, RefView::Foreign(_))
);
