//! `wasmtime_extern_t`, globals, tables, memories and instances of the wasmtime API.

use crate::error::wasm_trap_t;
use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::func::call_failure;
use crate::guard::{guard, guard_err};
use crate::module::wasmtime_module_t;
use crate::ptr;
use crate::store::{ctx, wasmtime_context_t, wasmtime_store_t, StoreData};
use crate::types::{wasm_externtype_t, wasm_globaltype_t, wasm_memorytype_t, wasm_tabletype_t};
use crate::val::{from_c_typed, func_handle, func_of, to_c, wasmtime_val_t, CHandle};
use std::ffi::c_char;
use wasmaot_loader::{Extern, ExternType, Global, Instance, Memory, Module, Table};

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

pub fn extern_to_c(d: &mut StoreData, e: Extern) -> wasmtime_extern_t {
    let id = d.id;
    let h = |private| CHandle {
        store_id: id,
        private,
    };
    match e {
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
    }
}

fn check_store(d: &StoreData, h: &CHandle) -> Result<(), String> {
    if h.store_id != d.id {
        return Err("object used with the wrong store".into());
    }
    Ok(())
}

pub fn global_of(d: &StoreData, h: &CHandle) -> Result<Global, String> {
    check_store(d, h)?;
    d.handles
        .globals
        .get(h.private)
        .ok_or_else(|| "invalid global handle".into())
}
pub fn table_of(d: &StoreData, h: &CHandle) -> Result<Table, String> {
    check_store(d, h)?;
    d.handles
        .tables
        .get(h.private)
        .ok_or_else(|| "invalid table handle".into())
}
pub fn memory_of(d: &StoreData, h: &CHandle) -> Result<Memory, String> {
    check_store(d, h)?;
    d.handles
        .memories
        .get(h.private)
        .ok_or_else(|| "invalid memory handle".into())
}
pub fn instance_of(d: &StoreData, h: &CHandle) -> Result<Instance, String> {
    check_store(d, h)?;
    d.handles
        .instances
        .get(h.private)
        .ok_or_else(|| "invalid instance handle".into())
}

pub fn extern_from_c(d: &StoreData, e: &wasmtime_extern_t) -> Result<Extern, String> {
    Ok(match e.kind {
        WASMTIME_EXTERN_FUNC => Extern::Func(func_of(d, &e.of)?),
        WASMTIME_EXTERN_GLOBAL => Extern::Global(global_of(d, &e.of)?),
        WASMTIME_EXTERN_TABLE => Extern::Table(table_of(d, &e.of)?),
        WASMTIME_EXTERN_MEMORY => Extern::Memory(memory_of(d, &e.of)?),
        WASMTIME_EXTERN_SHAREDMEMORY => {
            return Err("shared memories are not supported by wasmaot".into())
        }
        k => return Err(format!("invalid extern kind {k}")),
    })
}

pub fn instance_handle(d: &mut StoreData, i: Instance) -> CHandle {
    CHandle {
        store_id: d.id,
        private: d.handles.instances.intern(i),
    }
}

/// Nothing owned: shared memories (the only owning kind) cannot be created.
#[no_mangle]
pub extern "C" fn wasmtime_extern_delete(_e: *mut wasmtime_extern_t) {}

#[no_mangle]
pub extern "C" fn wasmtime_extern_type(
    c: *mut wasmtime_context_t,
    e: *mut wasmtime_extern_t,
) -> *mut wasm_externtype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(e)) = (ctx(c), ptr::r(e)) else {
            return std::ptr::null_mut();
        };
        match extern_from_c(s.store.data(), e) {
            Ok(x) => Box::into_raw(Box::new(wasm_externtype_t::new(x.ty(&s.store)))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

// --- globals ------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn wasmtime_global_new(
    c: *mut wasmtime_context_t,
    ty: *const wasm_globaltype_t,
    val: *const wasmtime_val_t,
    ret: *mut CHandle,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(ty) = ptr::r(ty).map(|t| t.inner().ty) else {
            return null_arg("global type");
        };
        let Some(v) = ptr::r(val) else {
            return null_arg("value");
        };
        let v = match from_c_typed(s.store.data(), v, ty.content, "global initial value") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        match Global::new(&mut s.store, ty, v) {
            Ok(g) => {
                let d = s.data();
                ptr::write(
                    ret,
                    CHandle {
                        store_id: d.id,
                        private: d.handles.globals.intern(g),
                    },
                );
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_global_type(
    c: *const wasmtime_context_t,
    g: *const CHandle,
) -> *mut wasm_globaltype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(g)) else {
            return std::ptr::null_mut();
        };
        match global_of(s.store.data(), h) {
            Ok(g) => Box::into_raw(wasm_globaltype_t::new(ExternType::Global(g.ty(&s.store)))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_global_get(
    c: *mut wasmtime_context_t,
    g: *const CHandle,
    out: *mut wasmtime_val_t,
) {
    guard((), || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(g)) else {
            return;
        };
        if let Ok(g) = global_of(s.store.data(), h) {
            let v = g.get(&mut s.store);
            let cv = to_c(s.data(), &v);
            ptr::write(out, cv);
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_global_set(
    c: *mut wasmtime_context_t,
    g: *const CHandle,
    val: *const wasmtime_val_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(h) = ptr::r(g) else {
            return null_arg("global");
        };
        let Some(v) = ptr::r(val) else {
            return null_arg("value");
        };
        let g = match global_of(s.store.data(), h) {
            Ok(g) => g,
            Err(e) => return new_error(e),
        };
        let ty = g.ty(&s.store);
        if !ty.mutable {
            return new_error("global is immutable: cannot set it");
        }
        let v = match from_c_typed(s.store.data(), v, ty.content, "global value") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        match g.set(&mut s.store, v) {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => from_loader(&e),
        }
    })
}

// --- tables -------------------------------------------------------------------------------

fn table_limit_check(s: &mut wasmtime_store_t, new_len: u64) -> Result<(), String> {
    if let Some(max) = s.data().limits.table_elements {
        if new_len > max {
            return Err(format!(
                "table of {new_len} elements exceeds the store limit of {max}"
            ));
        }
    }
    Ok(())
}

#[no_mangle]
pub extern "C" fn wasmtime_table_new(
    c: *mut wasmtime_context_t,
    ty: *const wasm_tabletype_t,
    init: *const wasmtime_val_t,
    ret: *mut CHandle,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(ty) = ptr::r(ty).map(|t| t.inner().ty) else {
            return null_arg("table type");
        };
        let Some(v) = ptr::r(init) else {
            return null_arg("init");
        };
        let v = match from_c_typed(s.store.data(), v, ty.element, "table initial value") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        if let Err(e) = table_limit_check(s, u64::from(ty.minimum)) {
            return new_error(e);
        }
        match Table::new(&mut s.store, ty, v) {
            Ok(t) => {
                let d = s.data();
                ptr::write(
                    ret,
                    CHandle {
                        store_id: d.id,
                        private: d.handles.tables.intern(t),
                    },
                );
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_type(
    c: *const wasmtime_context_t,
    t: *const CHandle,
) -> *mut wasm_tabletype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(t)) else {
            return std::ptr::null_mut();
        };
        match table_of(s.store.data(), h) {
            Ok(t) => Box::into_raw(wasm_tabletype_t::new(ExternType::Table(t.ty(&s.store)))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_get(
    c: *mut wasmtime_context_t,
    t: *const CHandle,
    index: u32,
    out: *mut wasmtime_val_t,
) -> bool {
    guard(false, || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(t)) else {
            return false;
        };
        let Ok(t) = table_of(s.store.data(), h) else {
            return false;
        };
        match t.get(&mut s.store, index) {
            Some(v) => {
                let cv = to_c(s.data(), &v);
                ptr::write(out, cv);
                true
            }
            None => false,
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_set(
    c: *mut wasmtime_context_t,
    t: *const CHandle,
    index: u32,
    val: *const wasmtime_val_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(h) = ptr::r(t) else {
            return null_arg("table");
        };
        let Some(v) = ptr::r(val) else {
            return null_arg("value");
        };
        let t = match table_of(s.store.data(), h) {
            Ok(t) => t,
            Err(e) => return new_error(e),
        };
        let ty = t.ty(&s.store);
        let v = match from_c_typed(s.store.data(), v, ty.element, "table element") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        match t.set(&mut s.store, index, v) {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_size(c: *const wasmtime_context_t, t: *const CHandle) -> u32 {
    guard(0, || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(t)) else {
            return 0;
        };
        table_of(s.store.data(), h).map_or(0, |t| t.size(&s.store))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_grow(
    c: *mut wasmtime_context_t,
    t: *const CHandle,
    delta: u32,
    init: *const wasmtime_val_t,
    prev: *mut u32,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(h) = ptr::r(t) else {
            return null_arg("table");
        };
        let Some(v) = ptr::r(init) else {
            return null_arg("init");
        };
        let t = match table_of(s.store.data(), h) {
            Ok(t) => t,
            Err(e) => return new_error(e),
        };
        let ty = t.ty(&s.store);
        let v = match from_c_typed(s.store.data(), v, ty.element, "table initial value") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        if let Err(e) = table_limit_check(s, u64::from(t.size(&s.store)) + u64::from(delta)) {
            return new_error(e);
        }
        match t.grow(&mut s.store, delta, v) {
            Ok(p) => {
                ptr::write(prev, p);
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

// --- memories -----------------------------------------------------------------------------

fn memory_limit_check(s: &mut wasmtime_store_t, pages: u64) -> Result<(), String> {
    if let Some(max) = s.data().limits.memory_size {
        let bytes = pages.saturating_mul(65536);
        if bytes > max {
            return Err(format!(
                "memory of {bytes} bytes exceeds the store limit of {max} bytes"
            ));
        }
    }
    Ok(())
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_new(
    c: *mut wasmtime_context_t,
    ty: *const wasm_memorytype_t,
    ret: *mut CHandle,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(ty) = ptr::r(ty).map(|t| t.inner().ty) else {
            return null_arg("memory type");
        };
        if let Err(e) = memory_limit_check(s, ty.minimum) {
            return new_error(e);
        }
        match Memory::new(&mut s.store, ty) {
            Ok(m) => {
                let d = s.data();
                ptr::write(
                    ret,
                    CHandle {
                        store_id: d.id,
                        private: d.handles.memories.intern(m),
                    },
                );
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_type(
    c: *const wasmtime_context_t,
    m: *const CHandle,
) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(m)) else {
            return std::ptr::null_mut();
        };
        match memory_of(s.store.data(), h) {
            Ok(m) => Box::into_raw(wasm_memorytype_t::new(ExternType::Memory(m.ty(&s.store)))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_data(c: *const wasmtime_context_t, m: *const CHandle) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(m)) else {
            return std::ptr::null_mut();
        };
        match memory_of(s.store.data(), h) {
            Ok(m) => m.data_mut(&mut s.store).as_mut_ptr(),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_data_size(
    c: *const wasmtime_context_t,
    m: *const CHandle,
) -> usize {
    guard(0, || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(m)) else {
            return 0;
        };
        memory_of(s.store.data(), h).map_or(0, |m| m.data(&s.store).len())
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_size(c: *const wasmtime_context_t, m: *const CHandle) -> u64 {
    guard(0, || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(m)) else {
            return 0;
        };
        memory_of(s.store.data(), h).map_or(0, |m| m.size(&s.store))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_grow(
    c: *mut wasmtime_context_t,
    m: *const CHandle,
    delta: u64,
    prev: *mut u64,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(h) = ptr::r(m) else {
            return null_arg("memory");
        };
        let m = match memory_of(s.store.data(), h) {
            Ok(m) => m,
            Err(e) => return new_error(e),
        };
        if let Err(e) = memory_limit_check(s, m.size(&s.store).saturating_add(delta)) {
            return new_error(e);
        }
        match m.grow(&mut s.store, delta) {
            Ok(p) => {
                ptr::write(prev, p);
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

// --- instances ----------------------------------------------------------------------------

/// Enforce `wasmtime_store_limiter` for a new instance of `module`.
pub fn check_instance_limits(s: &mut wasmtime_store_t, module: &Module) -> Result<(), String> {
    let meta = module.meta();
    // `meta.tables` / `meta.memories` hold the module's own definitions only.
    let tables = meta.tables.len() as u64;
    let memories = meta.memories.len() as u64;
    let d = s.data();
    let l = d.limits;
    let (ni, nt, nm) = d.counts;
    if l.instances.is_some_and(|m| ni + 1 > m) {
        return Err("resource limit exceeded: instance count too high".into());
    }
    if l.tables.is_some_and(|m| nt + tables > m) {
        return Err("resource limit exceeded: table count too high".into());
    }
    if l.memories.is_some_and(|m| nm + memories > m) {
        return Err("resource limit exceeded: memory count too high".into());
    }
    for (i, mt) in meta.memories.iter().enumerate() {
        if let Some(max) = l.memory_size {
            if mt.minimum.saturating_mul(65536) > max {
                return Err(format!(
                    "memory {i}: minimum size exceeds the store limit of {max} bytes"
                ));
            }
        }
    }
    for (i, t) in meta.tables.iter().enumerate() {
        if let Some(max) = l.table_elements {
            if u64::from(t.ty.minimum) > max {
                return Err(format!(
                    "table {i}: minimum size exceeds the store limit of {max} elements"
                ));
            }
        }
    }
    d.counts = (ni + 1, nt + tables, nm + memories);
    Ok(())
}

/// Instantiate `module` with `imports` and report per the C API outcome convention.
pub fn instantiate(
    s: &mut wasmtime_store_t,
    module: &Module,
    imports: &[Extern],
    ret: *mut CHandle,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    if let Err(e) = check_instance_limits(s, module) {
        return new_error(e);
    }
    match Instance::new(&mut s.store, module, imports) {
        Ok(i) => {
            let h = instance_handle(s.data(), i);
            ptr::write(ret, h);
            std::ptr::null_mut()
        }
        Err(e) => call_failure(s, &e, trap),
    }
}

#[no_mangle]
pub extern "C" fn wasmtime_instance_new(
    c: *mut wasmtime_context_t,
    m: *const wasmtime_module_t,
    imports: *const wasmtime_extern_t,
    n: usize,
    ret: *mut CHandle,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        ptr::write(trap, std::ptr::null_mut());
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(m) = ptr::r(m) else {
            return null_arg("module");
        };
        let Some(imports) = ptr::slice(imports, n) else {
            return null_arg("imports");
        };
        let module = match m.get() {
            Ok(x) => x,
            Err(e) => return new_error(e),
        };
        let expected = module.imports().len();
        if n != expected {
            return new_error(format!("expected {expected} imports, found {n}"));
        }
        let mut ext = Vec::with_capacity(n);
        for (i, e) in imports.iter().enumerate() {
            match extern_from_c(s.store.data(), e) {
                Ok(x) => ext.push(x),
                Err(e) => return new_error(format!("import {i}: {e}")),
            }
        }
        instantiate(s, module, &ext, ret, trap)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_instance_export_get(
    c: *mut wasmtime_context_t,
    i: *const CHandle,
    name: *const c_char,
    len: usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    guard(false, || {
        let (Some(s), Some(h), Some(name)) = (ctx(c), ptr::r(i), ptr::str_n(name, len)) else {
            return false;
        };
        let Ok(inst) = instance_of(s.store.data(), h) else {
            return false;
        };
        match inst.get_export(&mut s.store, &name) {
            Some(e) => {
                let x = extern_to_c(s.data(), e);
                ptr::write(item, x);
                true
            }
            None => false,
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_instance_export_nth(
    c: *mut wasmtime_context_t,
    i: *const CHandle,
    index: usize,
    name: *mut *mut c_char,
    name_len: *mut usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    guard(false, || {
        let (Some(s), Some(h)) = (ctx(c), ptr::r(i)) else {
            return false;
        };
        let Ok(inst) = instance_of(s.store.data(), h) else {
            return false;
        };
        let exports = inst.exports(&mut s.store);
        let Some((n, e)) = exports.into_iter().nth(index) else {
            return false;
        };
        let d = s.data();
        let x = extern_to_c(d, e);
        let bytes = d
            .names
            .entry((h.private, index))
            .or_insert_with(|| n.into_bytes().into_boxed_slice());
        ptr::write(name, bytes.as_mut_ptr().cast::<c_char>());
        ptr::write(name_len, bytes.len());
        ptr::write(item, x);
        true
    })
}

pub fn error_if(cond: bool, msg: &str) -> Option<*mut wasmtime_error_t> {
    cond.then(|| new_error(msg))
}
