//! Externs: `wasmtime_extern_t` (a kind and a handle) and wasm.h's `wasm_extern_t` with
//! its typed views (`wasm_func_t`, `wasm_global_t`, `wasm_table_t`, `wasm_memory_t`,
//! declared by [`extern_view!`] in their own modules) and casts.

use crate::global::global_of;
use crate::guard::guard;
use crate::memory::memory_of;
use crate::refs::{has_hdr, ref_casts, ref_fns, RefHeader, RefKind, RefView};
use crate::shared_memory::{new_handle, wasmtime_sharedmemory_t};
use crate::store::{wasmtime_context_t, StoreData, WasmStore};
use crate::table::table_of;
use crate::types::wasm_externtype_t;
use crate::val::{func_handle, func_of, CHandle};
use crate::vec::declare_vec;
use std::sync::Arc;
use wasmaot_loader::{AsContextMut, Extern, Memory, Store};

pub const WASMTIME_EXTERN_FUNC: u8 = 0;
pub const WASMTIME_EXTERN_GLOBAL: u8 = 1;
pub const WASMTIME_EXTERN_TABLE: u8 = 2;
pub const WASMTIME_EXTERN_MEMORY: u8 = 3;
pub const WASMTIME_EXTERN_SHAREDMEMORY: u8 = 4;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct wasmtime_extern_t {
    pub kind: u8,
    pub of: CHandle,
}

/// The C extern of `e`; `None` for a tag (exception handling), for which the Wasmtime 23
/// C API has no kind: the C API does not show tags (lookups do not find them, listings
/// skip them). A shared memory comes out as an owned `WASMTIME_EXTERN_SHAREDMEMORY`.
pub fn extern_to_c(
    mut cx: impl AsContextMut<Data = StoreData>,
    e: Extern,
) -> Option<wasmtime_extern_t> {
    if let Extern::Memory(m) = e {
        if let Some(shared) = m.shared(&cx) {
            return Some(wasmtime_extern_t {
                kind: WASMTIME_EXTERN_SHAREDMEMORY,
                of: CHandle {
                    store_id: new_handle(shared) as usize as u64,
                    private: 0,
                },
            });
        }
    }
    let mut cx = cx.as_context_mut();
    let d = cx.data_mut();
    let id = d.id;
    let h = |private| CHandle {
        store_id: id,
        private,
    };
    Some(match e {
        Extern::Func(f) => wasmtime_extern_t {
            kind: WASMTIME_EXTERN_FUNC,
            of: func_handle(d, f),
        },
        Extern::Global(g) => wasmtime_extern_t {
            kind: WASMTIME_EXTERN_GLOBAL,
            of: h(d.handles.globals.intern(g)),
        },
        Extern::Table(t) => wasmtime_extern_t {
            kind: WASMTIME_EXTERN_TABLE,
            of: h(d.handles.tables.intern(t)),
        },
        Extern::Memory(m) => wasmtime_extern_t {
            kind: WASMTIME_EXTERN_MEMORY,
            of: h(d.handles.memories.intern(m)),
        },
        Extern::Tag(_) => return None,
    })
}

/// The shared memory a `WASMTIME_EXTERN_SHAREDMEMORY` extern carries (its union's first
/// word is the pointer); `None` for other kinds or a NULL pointer.
///
/// # Safety
/// A shared-memory extern's pointer must be NULL or a live `wasmtime_sharedmemory_t`.
unsafe fn shared_of(e: &wasmtime_extern_t) -> Option<&wasmtime_sharedmemory_t> {
    if e.kind != WASMTIME_EXTERN_SHAREDMEMORY {
        return None;
    }
    // SAFETY: the caller's promise.
    unsafe { shared_ptr(e).as_ref() }
}

/// The pointer in the union of a `WASMTIME_EXTERN_SHAREDMEMORY` extern (its first word).
fn shared_ptr(e: &wasmtime_extern_t) -> *mut wasmtime_sharedmemory_t {
    e.of.store_id as usize as *mut wasmtime_sharedmemory_t
}

/// Whether the C API shows `e` (everything but tags).
pub fn shown(e: &Extern) -> bool {
    !matches!(e, Extern::Tag(_))
}

pub fn check_store(d: &StoreData, h: &CHandle) -> Result<(), String> {
    if h.store_id != d.id {
        return Err("object used with the wrong store".into());
    }
    Ok(())
}

/// The loader's extern for `e`; a shared memory becomes `store`'s handle to it.
///
/// # Safety
/// As for [`shared_of`].
pub unsafe fn extern_from_c(
    store: &mut Store<StoreData>,
    e: &wasmtime_extern_t,
) -> Result<Extern, String> {
    let d = store.data();
    Ok(match e.kind {
        WASMTIME_EXTERN_FUNC => Extern::Func(func_of(d, &e.of)?),
        WASMTIME_EXTERN_GLOBAL => Extern::Global(global_of(d, &e.of)?),
        WASMTIME_EXTERN_TABLE => Extern::Table(table_of(d, &e.of)?),
        WASMTIME_EXTERN_MEMORY => Extern::Memory(memory_of(d, &e.of)?),
        WASMTIME_EXTERN_SHAREDMEMORY => {
            // SAFETY: the caller's promise.
            let shared = unsafe { shared_of(e) }.ok_or("shared memory must not be NULL")?;
            Extern::Memory(Memory::from_shared(store, &shared.memory))
        }
        k => return Err(format!("invalid extern kind {k}")),
    })
}

/// Frees what `e` owns: the handle of a shared-memory extern.
///
/// # Safety
/// `e` must be NULL or point to an extern the library produced (or one whose shared
/// memory the caller owns), not deleted before.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_extern_delete(e: *mut wasmtime_extern_t) {
    guard((), || {
        // SAFETY: the caller's promise.
        let Some(e) = (unsafe { e.as_mut() }) else {
            return;
        };
        if e.kind == WASMTIME_EXTERN_SHAREDMEMORY {
            let p = shared_ptr(e);
            if !p.is_null() {
                // SAFETY: the caller's promise: the library made this handle with
                // `Box::into_raw` and it is freed once.
                drop(unsafe { Box::from_raw(p) });
            }
            e.of.store_id = 0;
        }
    })
}

/// # Safety
/// As for [`extern_from_c`].
#[no_mangle]
pub unsafe extern "C" fn wasmtime_extern_type(
    c: Option<&mut wasmtime_context_t>,
    e: Option<&wasmtime_extern_t>,
) -> *mut wasm_externtype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(e)) = (c, e) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the caller's promise.
        if let Some(shared) = unsafe { shared_of(e) } {
            let ty = wasmaot_loader::ExternType::Memory(shared.memory.ty());
            return wasm_externtype_t::new(ty)
                .map_or(std::ptr::null_mut(), |t| Box::into_raw(Box::new(t)));
        }
        // SAFETY: the caller's promise.
        match unsafe { extern_from_c(&mut s.store, e) }
            .map(|x| wasm_externtype_t::new(x.ty(&s.store)))
        {
            Ok(Some(t)) => Box::into_raw(Box::new(t)),
            _ => std::ptr::null_mut(),
        }
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h externs

has_hdr!(wasm_extern_t);

#[repr(C)]
pub struct wasm_extern_t {
    pub hdr: RefHeader,
    pub store: Arc<WasmStore>,
    pub which: Extern,
}

impl Clone for wasm_extern_t {
    fn clone(&self) -> Self {
        wasm_extern_t {
            hdr: RefHeader::new(RefKind::Extern),
            store: self.store.clone(),
            which: self.which,
        }
    }
}

impl wasm_extern_t {
    pub fn same(&self, other: &wasm_extern_t) -> bool {
        Arc::ptr_eq(&self.store, &other.store) && self.which == other.which
    }
}

pub fn new_extern(store: &Arc<WasmStore>, which: Extern) -> Box<wasm_extern_t> {
    Box::new(wasm_extern_t {
        hdr: RefHeader::new(RefKind::Extern),
        store: store.clone(),
        which,
    })
}

/// Declares `$t`, a `repr(transparent)` view of a `wasm_extern_t` holding an
/// `Extern::$variant`, with `$get` (the loader item), `boxed` (a new object) and the
/// checked views `from_ext` / `from_ext_mut`.
macro_rules! extern_view {
    ($t:ident, $variant:ident, $get:ident) => {
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $t {
            pub ext: $crate::externs::wasm_extern_t,
        }
        impl $t {
            pub fn $get(&self) -> Option<wasmaot_loader::$variant> {
                match self.ext.which {
                    wasmaot_loader::Extern::$variant(x) => Some(x),
                    _ => None,
                }
            }
            pub fn boxed(
                store: &std::sync::Arc<$crate::store::WasmStore>,
                x: wasmaot_loader::$variant,
            ) -> *mut $t {
                let e = $crate::externs::new_extern(store, wasmaot_loader::Extern::$variant(x));
                Box::into_raw(e).cast()
            }
            /// `e` as this view, if it holds an `Extern::$variant`.
            pub fn from_ext(e: &$crate::externs::wasm_extern_t) -> Option<&$t> {
                match e.which {
                    wasmaot_loader::Extern::$variant(_) => {
                        let p = (e as *const $crate::externs::wasm_extern_t).cast::<$t>();
                        // SAFETY: `$t` is `repr(transparent)` over `wasm_extern_t`.
                        Some(unsafe { &*p })
                    }
                    _ => None,
                }
            }
            /// `e` as this view, if it holds an `Extern::$variant`.
            pub fn from_ext_mut(e: &mut $crate::externs::wasm_extern_t) -> Option<&mut $t> {
                match e.which {
                    wasmaot_loader::Extern::$variant(_) => {
                        let p = (e as *mut $crate::externs::wasm_extern_t).cast::<$t>();
                        // SAFETY: `$t` is `repr(transparent)` over `wasm_extern_t`.
                        Some(unsafe { &mut *p })
                    }
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use extern_view;

/// `_as_extern`, `_as_extern_const` (pointer casts), `wasm_extern_as_*` and
/// `wasm_extern_as_*_const` (checked) for the view `$t`.
macro_rules! extern_casts {
    ($t:ident, $as_ext:ident, $as_ext_const:ident, $from:ident, $from_const:ident) => {
        #[no_mangle]
        pub extern "C" fn $as_ext(p: *mut $t) -> *mut $crate::externs::wasm_extern_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $as_ext_const(p: *const $t) -> *const $crate::externs::wasm_extern_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $from(e: Option<&mut $crate::externs::wasm_extern_t>) -> Option<&mut $t> {
            $crate::guard::guard(None, || e.and_then($t::from_ext_mut))
        }
        #[no_mangle]
        pub extern "C" fn $from_const(e: Option<&$crate::externs::wasm_extern_t>) -> Option<&$t> {
            $crate::guard::guard(None, || e.and_then($t::from_ext))
        }
    };
}
pub(crate) use extern_casts;

ref_fns!(
    wasm_extern_t,
    wasm_extern_delete,
    wasm_extern_copy,
    wasm_extern_same,
    |a, b| a.same(b),
    wasm_extern_get_host_info,
    wasm_extern_set_host_info,
    wasm_extern_set_host_info_with_finalizer
);
ref_casts!(
    wasm_extern_t,
    wasm_extern_as_ref,
    wasm_extern_as_ref_const,
    wasm_ref_as_extern,
    wasm_ref_as_extern_const,
    |v| matches!(v, RefView::Extern(_))
);

declare_vec!(
    wasm_extern_vec_t,
    Option<Box<wasm_extern_t>>,
    crate::vec::clone_box,
    wasm_extern_vec_new_empty,
    wasm_extern_vec_new_uninitialized,
    wasm_extern_vec_new,
    wasm_extern_vec_copy,
    wasm_extern_vec_delete
);

#[no_mangle]
pub extern "C" fn wasm_extern_kind(e: Option<&wasm_extern_t>) -> u8 {
    guard(0, || match e.map(|e| &e.which) {
        Some(Extern::Global(_)) => 1,
        Some(Extern::Table(_)) => 2,
        Some(Extern::Memory(_)) => 3,
        _ => 0,
    })
}

#[no_mangle]
pub extern "C" fn wasm_extern_type(e: Option<&wasm_extern_t>) -> *mut wasm_externtype_t {
    guard(std::ptr::null_mut(), || match e {
        Some(e) => match wasm_externtype_t::new(e.which.ty(&e.store.get().store)) {
            Some(t) => Box::into_raw(Box::new(t)),
            None => std::ptr::null_mut(),
        },
        None => std::ptr::null_mut(),
    })
}
