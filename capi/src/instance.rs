//! Instances: `wasmtime_instance_*` and wasm.h's `wasm_instance_t`.

use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::externs::{
    check_store, extern_from_c, extern_to_c, new_extern, wasm_extern_vec_t, wasmtime_extern_t,
};
use crate::func::call_failure;
use crate::guard::{guard, guard_err};
use crate::module::{wasm_module_t, wasmtime_module_t};
use crate::ptr;
use crate::refs::{has_hdr, ref_casts, ref_fns, RefHeader, RefKind, RefView};
use crate::store::{
    ctx, store_of, wasm_store_t, wasmtime_context_t, wasmtime_store_t, StoreData, WasmStore,
};
use crate::trap::{msg_trap, trap_from_error, wasm_trap_t};
use crate::val::CHandle;
use crate::vec::WasmVec;
use std::ffi::c_char;
use std::sync::Arc;
use wasmaot_loader::{Extern, Instance, Module};

pub fn instance_of(d: &StoreData, h: &CHandle) -> Result<Instance, String> {
    check_store(d, h)?;
    d.handles
        .instances
        .get(h.private)
        .ok_or_else(|| "invalid instance handle".into())
}

pub fn instance_handle(d: &mut StoreData, i: Instance) -> CHandle {
    CHandle {
        store_id: d.id,
        private: d.handles.instances.intern(i),
    }
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
            ptr::legacy_write(ret, h);
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
        ptr::legacy_write(trap, std::ptr::null_mut());
        let Some(s) = ctx(c) else {
            return null_arg("context");
        };
        let Some(m) = ptr::legacy_r(m) else {
            return null_arg("module");
        };
        let Some(imports) = ptr::legacy_slice(imports, n) else {
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
        let (Some(s), Some(h), Some(name)) =
            (ctx(c), ptr::legacy_r(i), ptr::legacy_str_n(name, len))
        else {
            return false;
        };
        let Ok(inst) = instance_of(s.store.data(), h) else {
            return false;
        };
        match inst.get_export(&mut s.store, &name) {
            Some(e) => {
                let x = extern_to_c(s.data(), e);
                ptr::legacy_write(item, x);
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
        let (Some(s), Some(h)) = (ctx(c), ptr::legacy_r(i)) else {
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
        ptr::legacy_write(name, bytes.as_mut_ptr().cast::<c_char>());
        ptr::legacy_write(name_len, bytes.len());
        ptr::legacy_write(item, x);
        true
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h instances

has_hdr!(wasm_instance_t);

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
    |v| matches!(v, RefView::Instance(_))
);

#[no_mangle]
pub extern "C" fn wasm_instance_new(
    s: *mut wasm_store_t,
    m: *const wasm_module_t,
    imports: *const wasm_extern_vec_t,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    guard(std::ptr::null_mut(), || {
        ptr::legacy_write(trap, std::ptr::null_mut());
        let fail = |msg: String| {
            ptr::legacy_write(trap, msg_trap(msg));
            std::ptr::null_mut()
        };
        let Some(store) = store_of(ptr::legacy_r(s)) else {
            return fail("wasm_instance_new: NULL store".into());
        };
        let Some(m) = ptr::legacy_r(m) else {
            return fail("wasm_instance_new: NULL module".into());
        };
        let items = ptr::legacy_r(imports)
            .map(|v| v.legacy_as_slice())
            .unwrap_or(&[]);
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
                ptr::legacy_write(trap, t);
                std::ptr::null_mut()
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_instance_exports(i: *const wasm_instance_t, out: *mut wasm_extern_vec_t) {
    guard((), || {
        let v = match ptr::legacy_r(i) {
            Some(i) => i
                .instance
                .exports(&mut i.store.get().store)
                .into_iter()
                .map(|(_, e)| Some(new_extern(&i.store, e)))
                .collect(),
            None => Vec::new(),
        };
        ptr::legacy_write(out, WasmVec::from_vec(v))
    })
}
