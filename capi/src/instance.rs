//! Instances: `wasmtime_instance_*` and wasm.h's `wasm_instance_t`.

use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::externs::{
    check_store, extern_from_c, extern_to_c, new_extern, shown, wasm_extern_t, wasm_extern_vec_t,
    wasmtime_extern_t,
};
use crate::func::call_failure;
use crate::guard::{guard, guard_err};
use crate::module::{wasm_module_t, wasmtime_module_t};
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns, RefHeader, RefKind, RefView};
use crate::store::{
    store_of, wasm_store_t, wasmtime_context_t, wasmtime_store_t, StoreData, WasmStore,
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

/// Error if `module` imports a tag: the C API cannot pass one in a list of imports (it
/// has no tag extern kind); a linker can resolve it by name from an instance it defined.
pub fn no_tag_imports(module: &Module) -> Result<(), String> {
    match module
        .imports()
        .into_iter()
        .find(|i| matches!(i.ty, wasmaot_loader::ExternType::Tag(_)))
    {
        Some(i) => Err(format!(
            "the module imports tag `{}::{}`, which the C API cannot pass in a list of \
             imports (instantiate it through a linker)",
            i.module, i.name
        )),
        None => Ok(()),
    }
}

/// Instantiate `module` with `imports` in `s`: the new instance's handle, or the C API's
/// error (NULL when the failure is a trap, stored in `trap`).
pub fn instantiate(
    s: &mut wasmtime_store_t,
    module: &Module,
    imports: &[Extern],
    trap: Option<&mut Option<Box<wasm_trap_t>>>,
) -> Result<CHandle, *mut wasmtime_error_t> {
    if let Err(e) = check_instance_limits(s, module) {
        return Err(new_error(e));
    }
    match Instance::new(&mut s.store, module, imports) {
        Ok(i) => Ok(instance_handle(s.data(), i)),
        Err(e) => Err(call_failure(s, &e, trap)),
    }
}

/// Report an instantiation per the C API: the handle to `ret`, or the error.
pub fn ret_instance(
    r: Result<CHandle, *mut wasmtime_error_t>,
    ret: Out<'_, CHandle>,
) -> *mut wasmtime_error_t {
    match r {
        Ok(h) => {
            ptr::put(ret, h);
            std::ptr::null_mut()
        }
        Err(e) => e,
    }
}

/// # Safety
///
/// Unless `n` is 0, `imports` must be NULL or point to `n` externs.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_instance_new(
    c: Option<&mut wasmtime_context_t>,
    m: Option<&wasmtime_module_t>,
    imports: *const wasmtime_extern_t,
    n: usize,
    ret: Out<'_, CHandle>,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let trap = ptr::init(trap, None);
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(m) = m else {
            return null_arg("module");
        };
        // SAFETY: the caller's promise.
        let Some(imports) = (unsafe { ptr::slice(imports, n) }) else {
            return null_arg("imports");
        };
        let module = match m.get() {
            Ok(x) => x,
            Err(e) => return new_error(e),
        };
        if let Err(e) = no_tag_imports(module) {
            return new_error(e);
        }
        let expected = module.imports().len();
        if n != expected {
            return new_error(format!("expected {expected} imports, found {n}"));
        }
        let mut ext = Vec::with_capacity(n);
        for (i, e) in imports.iter().enumerate() {
            // SAFETY: the caller's promise (an array of valid externs).
            match unsafe { extern_from_c(&mut s.store, e) } {
                Ok(x) => ext.push(x),
                Err(e) => return new_error(format!("import {i}: {e}")),
            }
        }
        ret_instance(instantiate(s, module, &ext, trap), ret)
    })
}

/// # Safety
///
/// Unless `len` is 0, `name` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_instance_export_get(
    c: Option<&mut wasmtime_context_t>,
    i: Option<&CHandle>,
    name: *const c_char,
    len: usize,
    item: Out<'_, wasmtime_extern_t>,
) -> bool {
    guard(false, || {
        // SAFETY: the caller's promise.
        let name = unsafe { ptr::str_n(name, len) };
        let (Some(s), Some(h), Some(name)) = (c, i, name) else {
            return false;
        };
        let Ok(inst) = instance_of(s.store.data(), h) else {
            return false;
        };
        match inst
            .get_export(&mut s.store, &name)
            .and_then(|e| extern_to_c(&mut s.store, e))
        {
            Some(x) => {
                ptr::put(item, x);
                true
            }
            None => false,
        }
    })
}

/// The export's name stays valid as long as the store.
#[no_mangle]
pub extern "C" fn wasmtime_instance_export_nth(
    c: Option<&mut wasmtime_context_t>,
    i: Option<&CHandle>,
    index: usize,
    name: Out<'_, *mut c_char>,
    name_len: Out<'_, usize>,
    item: Out<'_, wasmtime_extern_t>,
) -> bool {
    guard(false, || {
        let (Some(s), Some(h)) = (c, i) else {
            return false;
        };
        let Ok(inst) = instance_of(s.store.data(), h) else {
            return false;
        };
        // The exports the C API shows (no tags), numbered as `wasmtime_module_exports`.
        let exports = inst.exports(&mut s.store);
        let Some((n, e)) = exports.into_iter().filter(|(_, e)| shown(e)).nth(index) else {
            return false;
        };
        let Some(x) = extern_to_c(&mut s.store, e) else {
            return false;
        };
        let d = s.data();
        let bytes = d
            .names
            .entry((h.private, index))
            .or_insert_with(|| n.into_bytes().into_boxed_slice());
        ptr::put(name, bytes.as_mut_ptr().cast::<c_char>());
        ptr::put(name_len, bytes.len());
        ptr::put(item, x);
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

/// The body of `wasm_instance_new`: the instance, or the trap to report.
fn new_instance(
    s: Option<&wasm_store_t>,
    m: Option<&wasm_module_t>,
    imports: &[Option<Box<wasm_extern_t>>],
) -> Result<Box<wasm_instance_t>, Box<wasm_trap_t>> {
    let Some(store) = store_of(s) else {
        return Err(msg_trap("wasm_instance_new: NULL store"));
    };
    let Some(m) = m else {
        return Err(msg_trap("wasm_instance_new: NULL module"));
    };
    let mut ext = Vec::new();
    for (i, e) in imports.iter().enumerate() {
        match e {
            Some(e) if Arc::ptr_eq(&e.store, &store) => ext.push(e.which),
            Some(_) => return Err(msg_trap(format!("import {i} belongs to a different store"))),
            None => return Err(msg_trap(format!("import {i} is NULL"))),
        }
    }
    let s = store.get();
    let module = m.module.get().map_err(msg_trap)?;
    no_tag_imports(module).map_err(msg_trap)?;
    match Instance::new(&mut s.store, module, &ext) {
        Ok(i) => Ok(Box::new(wasm_instance_t {
            hdr: RefHeader::new(RefKind::Instance),
            store: store.clone(),
            instance: i,
        })),
        Err(e) => Err(trap_from_error(&e).unwrap_or_else(|| msg_trap(e.to_string()))),
    }
}

/// # Safety
///
/// `imports` must be NULL or a valid vector (a non-NULL `data` points to `size` entries,
/// each NULL or a live extern).
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_new(
    s: Option<&wasm_store_t>,
    m: Option<&wasm_module_t>,
    imports: Option<&wasm_extern_vec_t>,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> Option<Box<wasm_instance_t>> {
    guard(None, || {
        let trap = ptr::init(trap, None);
        // SAFETY: the caller's promise.
        let items = imports.map_or(&[][..], |v| unsafe { v.as_slice() });
        match new_instance(s, m, items) {
            Ok(i) => Some(i),
            Err(t) => {
                if let Some(slot) = trap {
                    *slot = Some(t);
                }
                None
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_instance_exports(
    i: Option<&wasm_instance_t>,
    out: Out<'_, wasm_extern_vec_t>,
) {
    guard((), || {
        let v = match i {
            Some(i) => i
                .instance
                .exports(&mut i.store.get().store)
                .into_iter()
                .filter(|(_, e)| shown(e))
                .map(|(_, e)| Some(new_extern(&i.store, e)))
                .collect(),
            None => Vec::new(),
        };
        ptr::put(out, WasmVec::from_vec(v))
    })
}
