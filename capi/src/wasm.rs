//! wasm.h runtime objects: `wasm_store_t`, values, references, foreign objects, modules,
//! functions, globals, tables, memories, externs and instances.
//!
//! Each object is a heap box pointing at its (reference-counted) `wasm_store_t`, so it
//! stays valid whatever order the host deletes things in.

use crate::config::wasm_engine_t;
use crate::error::{error_from_trap, new_trap, trap_from_error, wasm_byte_vec_t, wasm_trap_t};
use crate::guard::guard;
use crate::module::{deserialize, new_module, validate, wasmtime_module_t};
use crate::ptr;
use crate::refs::{has_hdr, is_kind, ref_casts, ref_fns, wasm_ref_t, RefHeader, RefKind};
use crate::store::{new_store, wasmtime_store_t};
use crate::types::{
    exporttype, importtype, wasm_exporttype_vec_t, wasm_externtype_t, wasm_functype_t,
    wasm_globaltype_t, wasm_importtype_vec_t, wasm_limits_t, wasm_memorytype_t, wasm_tabletype_t,
    WASM_EXTERNREF, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_I32, WASM_I64,
};
use crate::vec::{declare_vec, WasmVec};
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::sync::{Arc, Weak};
use wasmaot_loader::{
    Caller, Extern, ExternRef, ExternType, Func, FuncType, Global, Instance, Memory, Table, Val,
    ValType,
};

// --- store --------------------------------------------------------------------------------

pub struct WasmStore {
    cell: UnsafeCell<Box<wasmtime_store_t>>,
}

impl WasmStore {
    /// The store. wasm.h stores are single-threaded and every call gets it for its own
    /// duration only (re-entrant calls from host functions take it again, as the loader
    /// itself does with raw store pointers).
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut wasmtime_store_t {
        // SAFETY: see above; the box never moves while the `WasmStore` lives.
        unsafe { &mut *self.cell.get() }
    }
}

// SAFETY: a wasm.h store is used by one thread at a time (C API contract); host
// functions only hold weak references to it.
unsafe impl Send for WasmStore {}
// SAFETY: as above.
unsafe impl Sync for WasmStore {}

has_hdr!(ExternRefObj);
has_hdr!(wasm_foreign_t);
has_hdr!(wasm_module_t);
has_hdr!(wasm_extern_t);
has_hdr!(wasm_instance_t);
has_hdr!(wasm_func_t, ext);
has_hdr!(wasm_global_t, ext);
has_hdr!(wasm_table_t, ext);
has_hdr!(wasm_memory_t, ext);

pub struct wasm_store_t {
    pub inner: Arc<WasmStore>,
}

#[no_mangle]
pub extern "C" fn wasm_store_new(engine: *mut wasm_engine_t) -> *mut wasm_store_t {
    guard(std::ptr::null_mut(), || match ptr::r(engine) {
        Some(e) => Box::into_raw(Box::new(wasm_store_t {
            inner: Arc::new(WasmStore {
                cell: UnsafeCell::new(new_store(e, std::ptr::null_mut(), None)),
            }),
        })),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_store_delete(s: *mut wasm_store_t) {
    guard((), || drop(ptr::take_box(s)))
}

fn store_of(s: *mut wasm_store_t) -> Option<Arc<WasmStore>> {
    ptr::r(s).map(|s| s.inner.clone())
}

// --- values -------------------------------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub ref_: *mut wasm_ref_t,
}

/// `wasm_val_t`; owns the reference it carries (freed on drop).
#[repr(C)]
pub struct wasm_val_t {
    pub kind: u8,
    pub of: wasm_val_union,
}

impl Default for wasm_val_t {
    fn default() -> Self {
        wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i64: 0 },
        }
    }
}

impl wasm_val_t {
    fn ref_ptr(&self) -> *mut wasm_ref_t {
        if self.kind == WASM_EXTERNREF || self.kind == WASM_FUNCREF {
            // SAFETY: reference kinds use the `ref_` member.
            unsafe { self.of.ref_ }
        } else {
            std::ptr::null_mut()
        }
    }
    fn copy(&self) -> wasm_val_t {
        let r = self.ref_ptr();
        if r.is_null() {
            // SAFETY: plain data (or a null reference): a bitwise copy is a copy.
            let of = unsafe { std::ptr::read(&self.of) };
            return wasm_val_t {
                kind: self.kind,
                of,
            };
        }
        let copy = ptr::r(r).map_or(std::ptr::null_mut(), crate::refs::copy_ref);
        wasm_val_t {
            kind: self.kind,
            of: wasm_val_union { ref_: copy },
        }
    }
}

impl Drop for wasm_val_t {
    fn drop(&mut self) {
        let r = self.ref_ptr();
        if !r.is_null() {
            crate::refs::delete_ref(r);
        }
    }
}

impl Clone for wasm_val_t {
    fn clone(&self) -> Self {
        self.copy()
    }
}

/// The C value of `v` (new reference objects for references).
fn val_to_c(store: &Arc<WasmStore>, v: &Val) -> wasm_val_t {
    match *v {
        Val::I32(x) => wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i32: x },
        },
        Val::I64(x) => wasm_val_t {
            kind: WASM_I64,
            of: wasm_val_union { i64: x },
        },
        Val::F32(x) => wasm_val_t {
            kind: WASM_F32,
            of: wasm_val_union {
                f32: f32::from_bits(x),
            },
        },
        Val::F64(x) => wasm_val_t {
            kind: WASM_F64,
            of: wasm_val_union {
                f64: f64::from_bits(x),
            },
        },
        Val::V128(_) => wasm_val_t::default(),
        Val::FuncRef(f) => {
            let r = f.map_or(std::ptr::null_mut(), |f| {
                Box::into_raw(new_extern(store, Extern::Func(f))).cast()
            });
            wasm_val_t {
                kind: WASM_FUNCREF,
                of: wasm_val_union { ref_: r },
            }
        }
        Val::ExternRef(e) => {
            let r = e.map_or(std::ptr::null_mut(), |r| {
                Box::into_raw(Box::new(ExternRefObj {
                    hdr: RefHeader::new(RefKind::ExternRef),
                    store: store.clone(),
                    r,
                }))
                .cast()
            });
            wasm_val_t {
                kind: WASM_EXTERNREF,
                of: wasm_val_union { ref_: r },
            }
        }
    }
}

fn ref_to_val(r: *const wasm_ref_t, ty: ValType) -> Result<Val, String> {
    if r.is_null() {
        return Ok(Val::default_for(ty));
    }
    match ty {
        ValType::FuncRef => match ptr::r(r.cast::<wasm_extern_t>()) {
            Some(e) if is_kind(r, RefKind::Extern) => match e.which {
                Extern::Func(f) => Ok(Val::FuncRef(Some(f))),
                _ => Err("reference is not a function".into()),
            },
            _ => Err("reference is not a function".into()),
        },
        _ => match ptr::r(r.cast::<ExternRefObj>()) {
            Some(e) if is_kind(r, RefKind::ExternRef) => Ok(Val::ExternRef(Some(e.r))),
            _ => Err("only externref values made by wasm can be passed as externref".into()),
        },
    }
}

/// The loader value of `v`, which must have type `ty`.
fn val_from_c(v: &wasm_val_t, ty: ValType) -> Result<Val, String> {
    // SAFETY: each arm reads the member its kind selects.
    let val = unsafe {
        match v.kind {
            WASM_I32 => Val::I32(v.of.i32),
            WASM_I64 => Val::I64(v.of.i64),
            WASM_F32 => Val::F32(v.of.f32.to_bits()),
            WASM_F64 => Val::F64(v.of.f64.to_bits()),
            WASM_FUNCREF => ref_to_val(v.of.ref_, ValType::FuncRef)?,
            WASM_EXTERNREF => ref_to_val(v.of.ref_, ValType::ExternRef)?,
            k => return Err(format!("invalid value kind {k}")),
        }
    };
    if val.ty() != ty {
        return Err(format!("expected {ty}, found {}", val.ty()));
    }
    Ok(val)
}

#[no_mangle]
pub extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    guard((), || {
        if let Some(v) = ptr::m(v) {
            let r = v.ref_ptr();
            if !r.is_null() {
                crate::refs::delete_ref(r);
                v.of.ref_ = std::ptr::null_mut();
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_val_copy(out: *mut wasm_val_t, v: *const wasm_val_t) {
    guard((), || {
        if let Some(v) = ptr::r(v) {
            ptr::write(out, v.copy())
        }
    })
}

declare_vec!(
    wasm_val_vec_t,
    wasm_val_t,
    wasm_val_t::clone,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete
);

// --- externref values and foreign objects -------------------------------------------------

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

// --- modules ------------------------------------------------------------------------------

#[repr(C)]
pub struct wasm_module_t {
    pub hdr: RefHeader,
    pub module: wasmtime_module_t,
}

impl Clone for wasm_module_t {
    fn clone(&self) -> Self {
        wasm_module_t {
            hdr: RefHeader::new(RefKind::Module),
            module: self.module.clone(),
        }
    }
}

pub struct wasm_shared_module_t {
    module: wasmtime_module_t,
}

fn boxed_module(module: wasmtime_module_t) -> *mut wasm_module_t {
    Box::into_raw(Box::new(wasm_module_t {
        hdr: RefHeader::new(RefKind::Module),
        module,
    }))
}

#[no_mangle]
pub extern "C" fn wasm_module_new(
    s: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(s), ptr::r(binary)) else {
            return std::ptr::null_mut();
        };
        match new_module(&s.get().engine, b.as_slice()) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_validate(
    s: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> bool {
    guard(false, || {
        let (Some(s), Some(b)) = (store_of(s), ptr::r(binary)) else {
            return false;
        };
        validate(&s.get().engine, b.as_slice()).is_ok()
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_imports(m: *const wasm_module_t, out: *mut wasm_importtype_vec_t) {
    guard((), || {
        let v = ptr::r(m)
            .map(|m| m.module.imports().iter().map(importtype).collect())
            .unwrap_or_default();
        ptr::write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_exports(m: *const wasm_module_t, out: *mut wasm_exporttype_vec_t) {
    guard((), || {
        let v = ptr::r(m)
            .map(|m| m.module.exports().iter().map(exporttype).collect())
            .unwrap_or_default();
        ptr::write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_serialize(m: *const wasm_module_t, out: *mut wasm_byte_vec_t) {
    guard((), || {
        let b = ptr::r(m)
            .and_then(|m| m.module.artifact.bytes().ok())
            .unwrap_or_default();
        ptr::write(out, WasmVec::from_vec(b))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_deserialize(
    s: *mut wasm_store_t,
    b: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(s), ptr::r(b)) else {
            return std::ptr::null_mut();
        };
        match deserialize(&s.get().engine, b.as_slice()) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_share(m: *const wasm_module_t) -> *mut wasm_shared_module_t {
    guard(std::ptr::null_mut(), || match ptr::r(m) {
        Some(m) => Box::into_raw(Box::new(wasm_shared_module_t {
            module: m.module.clone(),
        })),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_obtain(
    s: *mut wasm_store_t,
    m: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(m)) = (store_of(s), ptr::r(m)) else {
            return std::ptr::null_mut();
        };
        if !m
            .module
            .get()
            .is_ok_and(|x| wasmaot_loader::Engine::same(x.engine(), &s.get().engine.engine))
        {
            return std::ptr::null_mut();
        }
        boxed_module(m.module.clone())
    })
}

#[no_mangle]
pub extern "C" fn wasm_shared_module_delete(m: *mut wasm_shared_module_t) {
    guard((), || drop(ptr::take_box(m)))
}

ref_fns!(
    wasm_module_t,
    wasm_module_delete,
    wasm_module_copy,
    wasm_module_same,
    |a, b| std::ptr::eq(a, b),
    wasm_module_get_host_info,
    wasm_module_set_host_info,
    wasm_module_set_host_info_with_finalizer
);
ref_casts!(
    wasm_module_t,
    wasm_module_as_ref,
    wasm_module_as_ref_const,
    wasm_ref_as_module,
    wasm_ref_as_module_const,
    |r| is_kind(r, RefKind::Module)
);

// --- externs ------------------------------------------------------------------------------

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

fn new_extern(store: &Arc<WasmStore>, which: Extern) -> Box<wasm_extern_t> {
    Box::new(wasm_extern_t {
        hdr: RefHeader::new(RefKind::Extern),
        store: store.clone(),
        which,
    })
}

macro_rules! extern_view {
    ($t:ident, $variant:ident, $get:ident) => {
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $t {
            pub ext: wasm_extern_t,
        }
        impl $t {
            fn $get(&self) -> Option<wasmaot_loader::$variant> {
                match self.ext.which {
                    Extern::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn boxed(store: &Arc<WasmStore>, x: wasmaot_loader::$variant) -> *mut $t {
                Box::into_raw(new_extern(store, Extern::$variant(x))).cast()
            }
        }
    };
}

extern_view!(wasm_func_t, Func, func);
extern_view!(wasm_global_t, Global, global);
extern_view!(wasm_table_t, Table, table);
extern_view!(wasm_memory_t, Memory, memory);

macro_rules! extern_casts {
    ($t:ident, $variant:ident, $as_ext:ident, $as_ext_const:ident, $from:ident, $from_const:ident) => {
        #[no_mangle]
        pub extern "C" fn $as_ext(p: *mut $t) -> *mut wasm_extern_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $as_ext_const(p: *const $t) -> *const wasm_extern_t {
            p.cast()
        }
        #[no_mangle]
        pub extern "C" fn $from(e: *mut wasm_extern_t) -> *mut $t {
            guard(std::ptr::null_mut(), || match ptr::r(e).map(|e| &e.which) {
                Some(Extern::$variant(_)) => e.cast(),
                _ => std::ptr::null_mut(),
            })
        }
        #[no_mangle]
        pub extern "C" fn $from_const(e: *const wasm_extern_t) -> *const $t {
            guard(std::ptr::null(), || match ptr::r(e).map(|e| &e.which) {
                Some(Extern::$variant(_)) => e.cast(),
                _ => std::ptr::null(),
            })
        }
    };
}

extern_casts!(
    wasm_func_t,
    Func,
    wasm_func_as_extern,
    wasm_func_as_extern_const,
    wasm_extern_as_func,
    wasm_extern_as_func_const
);
extern_casts!(
    wasm_global_t,
    Global,
    wasm_global_as_extern,
    wasm_global_as_extern_const,
    wasm_extern_as_global,
    wasm_extern_as_global_const
);
extern_casts!(
    wasm_table_t,
    Table,
    wasm_table_as_extern,
    wasm_table_as_extern_const,
    wasm_extern_as_table,
    wasm_extern_as_table_const
);
extern_casts!(
    wasm_memory_t,
    Memory,
    wasm_memory_as_extern,
    wasm_memory_as_extern_const,
    wasm_extern_as_memory,
    wasm_extern_as_memory_const
);

fn is_extern_of(r: *const wasm_ref_t, f: fn(&Extern) -> bool) -> bool {
    is_kind(r, RefKind::Extern) && ptr::r(r.cast::<wasm_extern_t>()).is_some_and(|e| f(&e.which))
}

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
    |r| is_kind(r, RefKind::Extern)
);
ref_fns!(
    wasm_func_t,
    wasm_func_delete,
    wasm_func_copy,
    wasm_func_same,
    |a, b| a.ext.same(&b.ext),
    wasm_func_get_host_info,
    wasm_func_set_host_info,
    wasm_func_set_host_info_with_finalizer
);
ref_casts!(
    wasm_func_t,
    wasm_func_as_ref,
    wasm_func_as_ref_const,
    wasm_ref_as_func,
    wasm_ref_as_func_const,
    |r| is_extern_of(r, |e| matches!(e, Extern::Func(_)))
);
ref_fns!(
    wasm_global_t,
    wasm_global_delete,
    wasm_global_copy,
    wasm_global_same,
    |a, b| a.ext.same(&b.ext),
    wasm_global_get_host_info,
    wasm_global_set_host_info,
    wasm_global_set_host_info_with_finalizer
);
ref_casts!(
    wasm_global_t,
    wasm_global_as_ref,
    wasm_global_as_ref_const,
    wasm_ref_as_global,
    wasm_ref_as_global_const,
    |r| is_extern_of(r, |e| matches!(e, Extern::Global(_)))
);
ref_fns!(
    wasm_table_t,
    wasm_table_delete,
    wasm_table_copy,
    wasm_table_same,
    |a, b| a.ext.same(&b.ext),
    wasm_table_get_host_info,
    wasm_table_set_host_info,
    wasm_table_set_host_info_with_finalizer
);
ref_casts!(
    wasm_table_t,
    wasm_table_as_ref,
    wasm_table_as_ref_const,
    wasm_ref_as_table,
    wasm_ref_as_table_const,
    |r| is_extern_of(r, |e| matches!(e, Extern::Table(_)))
);
ref_fns!(
    wasm_memory_t,
    wasm_memory_delete,
    wasm_memory_copy,
    wasm_memory_same,
    |a, b| a.ext.same(&b.ext),
    wasm_memory_get_host_info,
    wasm_memory_set_host_info,
    wasm_memory_set_host_info_with_finalizer
);
ref_casts!(
    wasm_memory_t,
    wasm_memory_as_ref,
    wasm_memory_as_ref_const,
    wasm_ref_as_memory,
    wasm_ref_as_memory_const,
    |r| is_extern_of(r, |e| matches!(e, Extern::Memory(_)))
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
pub extern "C" fn wasm_extern_kind(e: *const wasm_extern_t) -> u8 {
    guard(0, || match ptr::r(e).map(|e| &e.which) {
        Some(Extern::Global(_)) => 1,
        Some(Extern::Table(_)) => 2,
        Some(Extern::Memory(_)) => 3,
        _ => 0,
    })
}

#[no_mangle]
pub extern "C" fn wasm_extern_type(e: *const wasm_extern_t) -> *mut wasm_externtype_t {
    guard(std::ptr::null_mut(), || match ptr::r(e) {
        Some(e) => Box::into_raw(Box::new(wasm_externtype_t::new(
            e.which.ty(&e.store.get().store),
        ))),
        None => std::ptr::null_mut(),
    })
}

// --- functions ----------------------------------------------------------------------------

type WasmCallback = extern "C" fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_trap_t;
type WasmCallbackEnv =
    extern "C" fn(*mut c_void, *const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_trap_t;

fn host_call(
    store: &Weak<WasmStore>,
    ty: &FuncType,
    params: &[Val],
    results: &mut [Val],
    call: impl FnOnce(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_trap_t,
) -> Result<(), wasmaot_loader::Error> {
    let Some(store) = store.upgrade() else {
        return Err(wasmaot_loader::Error::msg("the store was deleted"));
    };
    let mut args = WasmVec::from_vec(params.iter().map(|p| val_to_c(&store, p)).collect());
    let mut res = WasmVec::from_vec(
        ty.results
            .iter()
            .map(|_| wasm_val_t::default())
            .collect::<Vec<_>>(),
    );
    let trap = call(&args, &mut res);
    drop(args.take());
    let res = res.take();
    if !trap.is_null() {
        return Err(error_from_trap(trap));
    }
    for (i, (r, t)) in res.iter().zip(&ty.results).enumerate() {
        results[i] = val_from_c(r, *t)
            .map_err(|e| wasmaot_loader::Error::msg(format!("host function result {i}: {e}")))?;
    }
    Ok(())
}

fn new_host_func(
    s: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    call: impl Fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_trap_t
        + Send
        + Sync
        + 'static,
) -> *mut wasm_func_t {
    let (Some(store), Some(ty)) = (store_of(s), ptr::r(ty).map(|t| t.inner().ty.clone())) else {
        return std::ptr::null_mut();
    };
    let weak = Arc::downgrade(&store);
    let fty = ty.clone();
    let f = Func::new(
        &mut store.get().store,
        ty,
        move |_c: Caller<'_, _>, params: &[Val], results: &mut [Val]| {
            host_call(&weak, &fty, params, results, &call)
        },
    );
    wasm_func_t::boxed(&store, f)
}

#[no_mangle]
pub extern "C" fn wasm_func_new(
    s: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    cb: Option<WasmCallback>,
) -> *mut wasm_func_t {
    guard(std::ptr::null_mut(), || {
        let Some(cb) = cb else {
            return std::ptr::null_mut();
        };
        new_host_func(s, ty, move |a, r| cb(a, r))
    })
}

#[no_mangle]
pub extern "C" fn wasm_func_new_with_env(
    s: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    cb: Option<WasmCallbackEnv>,
    env: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    guard(std::ptr::null_mut(), || {
        let Some(cb) = cb else {
            return std::ptr::null_mut();
        };
        let env = ptr::Finalized {
            data: ptr::SendPtr(env),
            finalizer: fin,
        };
        new_host_func(s, ty, move |a, r| {
            let env = &env;
            cb(env.data.0, a, r)
        })
    })
}

fn func_ty(f: &wasm_func_t) -> Option<FuncType> {
    Some(f.func()?.ty(&f.ext.store.get().store))
}

#[no_mangle]
pub extern "C" fn wasm_func_type(f: *const wasm_func_t) -> *mut wasm_functype_t {
    guard(std::ptr::null_mut(), || match ptr::r(f).and_then(func_ty) {
        Some(t) => Box::into_raw(wasm_functype_t::new(ExternType::Func(t))),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_func_param_arity(f: *const wasm_func_t) -> usize {
    guard(0, || {
        ptr::r(f).and_then(func_ty).map_or(0, |t| t.params.len())
    })
}

#[no_mangle]
pub extern "C" fn wasm_func_result_arity(f: *const wasm_func_t) -> usize {
    guard(0, || {
        ptr::r(f).and_then(func_ty).map_or(0, |t| t.results.len())
    })
}

fn msg_trap(msg: impl Into<String>) -> *mut wasm_trap_t {
    new_trap(msg.into(), None, Vec::new())
}

#[no_mangle]
pub extern "C" fn wasm_func_call(
    f: *const wasm_func_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t {
    crate::guard::guard_else(
        || msg_trap("internal error in wasm_func_call"),
        || {
            let Some(f) = ptr::r(f) else {
                return msg_trap("wasm_func_call: NULL function");
            };
            let Some(func) = f.func() else {
                return msg_trap("not a function");
            };
            let store = f.ext.store.clone();
            let ty = func.ty(&store.get().store);
            let args = ptr::r(args).map(|a| a.as_slice()).unwrap_or(&[]);
            if args.len() != ty.params.len() {
                return msg_trap(format!(
                    "expected {} arguments, got {}",
                    ty.params.len(),
                    args.len()
                ));
            }
            let mut no_results = WasmVec::empty();
            let results = match ptr::m(results) {
                Some(r) => r,
                None => &mut no_results,
            };
            if results.size < ty.results.len() || (results.size > 0 && results.data.is_null()) {
                return msg_trap(format!(
                    "expected room for {} results, got {}",
                    ty.results.len(),
                    results.size
                ));
            }
            let mut params = Vec::new();
            for (i, (a, t)) in args.iter().zip(&ty.params).enumerate() {
                match val_from_c(a, *t) {
                    Ok(v) => params.push(v),
                    Err(e) => return msg_trap(format!("argument {i}: {e}")),
                }
            }
            let mut out: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
            match func.call(&mut store.get().store, &params, &mut out) {
                Ok(()) => {
                    let slots = ptr::slice_mut(results.data, results.size).unwrap_or_default();
                    for (slot, v) in slots.iter_mut().zip(&out) {
                        // Result slots are output: overwrite without dropping.
                        std::mem::forget(std::mem::replace(slot, val_to_c(&store, v)));
                    }
                    std::ptr::null_mut()
                }
                Err(e) => trap_from_error(&e).unwrap_or_else(|| msg_trap(e.to_string())),
            }
        },
    )
}

// --- globals ------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn wasm_global_new(
    s: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    v: *const wasm_val_t,
) -> *mut wasm_global_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty), Some(v)) =
            (store_of(s), ptr::r(ty).map(|t| t.inner().ty), ptr::r(v))
        else {
            return std::ptr::null_mut();
        };
        let Ok(val) = val_from_c(v, ty.content) else {
            return std::ptr::null_mut();
        };
        match Global::new(&mut store.get().store, ty, val) {
            Ok(g) => wasm_global_t::boxed(&store, g),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_global_type(g: *const wasm_global_t) -> *mut wasm_globaltype_t {
    guard(std::ptr::null_mut(), || {
        match ptr::r(g).and_then(|g| Some((g.global()?, g))) {
            Some((x, g)) => Box::into_raw(wasm_globaltype_t::new(ExternType::Global(
                x.ty(&g.ext.store.get().store),
            ))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_global_get(g: *const wasm_global_t, out: *mut wasm_val_t) {
    guard((), || {
        let Some(g) = ptr::r(g) else { return };
        let Some(x) = g.global() else { return };
        let v = x.get(&mut g.ext.store.get().store);
        ptr::write(out, val_to_c(&g.ext.store, &v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_global_set(g: *mut wasm_global_t, v: *const wasm_val_t) {
    guard((), || {
        let (Some(g), Some(v)) = (ptr::r(g), ptr::r(v)) else {
            return;
        };
        let Some(x) = g.global() else { return };
        let st = &mut g.ext.store.get().store;
        let ty = x.ty(&*st);
        if let Ok(val) = val_from_c(v, ty.content) {
            let _ = x.set(st, val);
        }
    })
}

// --- tables -------------------------------------------------------------------------------

fn ref_val(r: *const wasm_ref_t, ty: ValType) -> Option<Val> {
    ref_to_val(r, ty).ok()
}

fn ref_out(store: &Arc<WasmStore>, v: Val) -> *mut wasm_ref_t {
    let mut c = val_to_c(store, &v);
    let r = c.ref_ptr();
    c.kind = WASM_I32; // the reference moves out; nothing left to drop
    r
}

#[no_mangle]
pub extern "C" fn wasm_table_new(
    s: *mut wasm_store_t,
    ty: *const wasm_tabletype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_table_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty)) = (store_of(s), ptr::r(ty).map(|t| t.inner().ty)) else {
            return std::ptr::null_mut();
        };
        let Some(v) = ref_val(init, ty.element) else {
            return std::ptr::null_mut();
        };
        match Table::new(&mut store.get().store, ty, v) {
            Ok(t) => wasm_table_t::boxed(&store, t),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_type(t: *const wasm_table_t) -> *mut wasm_tabletype_t {
    guard(std::ptr::null_mut(), || {
        match ptr::r(t).and_then(|t| Some((t.table()?, t))) {
            Some((x, t)) => Box::into_raw(wasm_tabletype_t::new(ExternType::Table(
                x.ty(&t.ext.store.get().store),
            ))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_get(t: *const wasm_table_t, index: u32) -> *mut wasm_ref_t {
    guard(std::ptr::null_mut(), || {
        let Some(t) = ptr::r(t) else {
            return std::ptr::null_mut();
        };
        let Some(x) = t.table() else {
            return std::ptr::null_mut();
        };
        match x.get(&mut t.ext.store.get().store, index) {
            Some(v) => ref_out(&t.ext.store, v),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_set(t: *mut wasm_table_t, index: u32, r: *mut wasm_ref_t) -> bool {
    guard(false, || {
        let Some(t) = ptr::r(t) else { return false };
        let Some(x) = t.table() else { return false };
        let st = &mut t.ext.store.get().store;
        let ty = x.ty(&*st);
        let Some(v) = ref_val(r, ty.element) else {
            return false;
        };
        x.set(st, index, v).is_ok()
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_size(t: *const wasm_table_t) -> u32 {
    guard(0, || {
        ptr::r(t)
            .and_then(|t| Some(t.table()?.size(&t.ext.store.get().store)))
            .unwrap_or(0)
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_grow(t: *mut wasm_table_t, delta: u32, init: *mut wasm_ref_t) -> bool {
    guard(false, || {
        let Some(t) = ptr::r(t) else { return false };
        let Some(x) = t.table() else { return false };
        let st = &mut t.ext.store.get().store;
        let ty = x.ty(&*st);
        let Some(v) = ref_val(init, ty.element) else {
            return false;
        };
        x.grow(st, delta, v).is_ok()
    })
}

// --- memories -----------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn wasm_memory_new(
    s: *mut wasm_store_t,
    ty: *const wasm_memorytype_t,
) -> *mut wasm_memory_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty)) = (store_of(s), ptr::r(ty).map(|t| t.inner().ty)) else {
            return std::ptr::null_mut();
        };
        match Memory::new(&mut store.get().store, ty) {
            Ok(m) => wasm_memory_t::boxed(&store, m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_type(m: *const wasm_memory_t) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        match ptr::r(m).and_then(|m| Some((m.memory()?, m))) {
            Some((x, m)) => Box::into_raw(wasm_memorytype_t::new(ExternType::Memory(
                x.ty(&m.ext.store.get().store),
            ))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_data(m: *mut wasm_memory_t) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        let Some(m) = ptr::r(m) else {
            return std::ptr::null_mut();
        };
        let Some(x) = m.memory() else {
            return std::ptr::null_mut();
        };
        x.data_mut(&mut m.ext.store.get().store).as_mut_ptr()
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_data_size(m: *const wasm_memory_t) -> usize {
    guard(0, || {
        ptr::r(m)
            .and_then(|m| Some(m.memory()?.data(&m.ext.store.get().store).len()))
            .unwrap_or(0)
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_size(m: *const wasm_memory_t) -> u32 {
    guard(0, || {
        ptr::r(m)
            .and_then(|m| Some(m.memory()?.size(&m.ext.store.get().store) as u32))
            .unwrap_or(0)
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_grow(m: *mut wasm_memory_t, delta: u32) -> bool {
    guard(false, || {
        let Some(m) = ptr::r(m) else { return false };
        let Some(x) = m.memory() else { return false };
        x.grow(&mut m.ext.store.get().store, u64::from(delta))
            .is_ok()
    })
}

// --- instances ----------------------------------------------------------------------------

#[repr(C)]
pub struct wasm_instance_t {
    pub hdr: RefHeader,
    pub store: Arc<WasmStore>,
    pub instance: Instance,
}

impl Clone for wasm_instance_t {
    fn clone(&self) -> Self {
        wasm_instance_t {
            hdr: RefHeader::new(RefKind::Instance),
            store: self.store.clone(),
            instance: self.instance,
        }
    }
}

ref_fns!(
    wasm_instance_t,
    wasm_instance_delete,
    wasm_instance_copy,
    wasm_instance_same,
    |a, b| a.instance == b.instance,
    wasm_instance_get_host_info,
    wasm_instance_set_host_info,
    wasm_instance_set_host_info_with_finalizer
);
ref_casts!(
    wasm_instance_t,
    wasm_instance_as_ref,
    wasm_instance_as_ref_const,
    wasm_ref_as_instance,
    wasm_ref_as_instance_const,
    |r| is_kind(r, RefKind::Instance)
);

#[no_mangle]
pub extern "C" fn wasm_instance_new(
    s: *mut wasm_store_t,
    m: *const wasm_module_t,
    imports: *const wasm_extern_vec_t,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    guard(std::ptr::null_mut(), || {
        ptr::write(trap, std::ptr::null_mut());
        let fail = |msg: String| {
            ptr::write(trap, msg_trap(msg));
            std::ptr::null_mut()
        };
        let Some(store) = store_of(s) else {
            return fail("wasm_instance_new: NULL store".into());
        };
        let Some(m) = ptr::r(m) else {
            return fail("wasm_instance_new: NULL module".into());
        };
        let items = ptr::r(imports).map(|v| v.as_slice()).unwrap_or(&[]);
        let mut ext = Vec::new();
        for (i, e) in items.iter().enumerate() {
            match e {
                Some(e) if Arc::ptr_eq(&e.store, &store) => ext.push(e.which),
                Some(_) => return fail(format!("import {i} belongs to a different store")),
                None => return fail(format!("import {i} is NULL")),
            }
        }
        let s = store.get();
        let module = match m.module.get() {
            Ok(x) => x,
            Err(e) => return fail(e),
        };
        match Instance::new(&mut s.store, module, &ext) {
            Ok(i) => Box::into_raw(Box::new(wasm_instance_t {
                hdr: RefHeader::new(RefKind::Instance),
                store: store.clone(),
                instance: i,
            })),
            Err(e) => {
                let t = trap_from_error(&e).unwrap_or_else(|| msg_trap(e.to_string()));
                ptr::write(trap, t);
                std::ptr::null_mut()
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_instance_exports(i: *const wasm_instance_t, out: *mut wasm_extern_vec_t) {
    guard((), || {
        let v = match ptr::r(i) {
            Some(i) => i
                .instance
                .exports(&mut i.store.get().store)
                .into_iter()
                .map(|(_, e)| Some(new_extern(&i.store, e)))
                .collect(),
            None => Vec::new(),
        };
        ptr::write(out, WasmVec::from_vec(v))
    })
}

#[allow(dead_code)]
fn _limits(_: wasm_limits_t) {}
