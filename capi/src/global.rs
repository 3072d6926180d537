//! Globals: `wasmtime_global_*` and wasm.h's `wasm_global_t`.

use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::externs::{check_store, extern_casts, extern_view};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns};
use crate::store::{store_of, wasm_store_t, wasmtime_context_t, StoreData};
use crate::types::wasm_globaltype_t;
use crate::val::{from_c_typed, to_c, val_from_c, val_to_c, wasm_val_t, wasmtime_val_t, CHandle};
use wasmaot_loader::Extern;
use wasmaot_loader::Global;

pub fn global_of(d: &StoreData, h: &CHandle) -> Result<Global, String> {
    check_store(d, h)?;
    d.handles
        .globals
        .get(h.private)
        .ok_or_else(|| "invalid global handle".into())
}

// --- globals ------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn wasmtime_global_new(
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_globaltype_t>,
    val: Option<&wasmtime_val_t>,
    ret: Out<'_, CHandle>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(ty) = ty.map(|t| t.inner().ty) else {
            return null_arg("global type");
        };
        let Some(v) = val else {
            return null_arg("value");
        };
        let v = match from_c_typed(s.store.data(), v, ty.content, "global initial value") {
            Ok(v) => v,
            Err(e) => return new_error(e),
        };
        match Global::new(&mut s.store, ty, v) {
            Ok(g) => {
                let d = s.data();
                ptr::put(
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
    c: Option<&wasmtime_context_t>,
    g: Option<&CHandle>,
) -> *mut wasm_globaltype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, g) else {
            return std::ptr::null_mut();
        };
        match global_of(s.store.data(), h) {
            Ok(g) => Box::into_raw(wasm_globaltype_t::new(g.ty(&s.store))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_global_get(
    c: Option<&mut wasmtime_context_t>,
    g: Option<&CHandle>,
    out: Out<'_, wasmtime_val_t>,
) {
    guard((), || {
        let (Some(s), Some(h)) = (c, g) else {
            return;
        };
        if let Ok(g) = global_of(s.store.data(), h) {
            let v = g.get(&mut s.store);
            let cv = to_c(s.data(), &v);
            ptr::put(out, cv);
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_global_set(
    c: Option<&mut wasmtime_context_t>,
    g: Option<&CHandle>,
    val: Option<&wasmtime_val_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = g else {
            return null_arg("global");
        };
        let Some(v) = val else {
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

// ---------------------------------------------------------------------------------------
// wasm.h globals

extern_view!(wasm_global_t, Global, global);
has_hdr!(wasm_global_t, ext);

extern_casts!(
    wasm_global_t,
    wasm_global_as_extern,
    wasm_global_as_extern_const,
    wasm_extern_as_global,
    wasm_extern_as_global_const
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
    |v| v.is_extern(|e| matches!(e, Extern::Global(_)))
);

#[no_mangle]
pub extern "C" fn wasm_global_new(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_globaltype_t>,
    v: Option<&wasm_val_t>,
) -> *mut wasm_global_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty), Some(v)) = (store_of(s), ty.map(|t| t.inner().ty), v) else {
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
pub extern "C" fn wasm_global_type(g: Option<&wasm_global_t>) -> *mut wasm_globaltype_t {
    guard(std::ptr::null_mut(), || {
        match g.and_then(|g| Some((g.global()?, g))) {
            Some((x, g)) => Box::into_raw(wasm_globaltype_t::new(x.ty(&g.ext.store.get().store))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_global_get(g: Option<&wasm_global_t>, out: Out<'_, wasm_val_t>) {
    guard((), || {
        let Some(g) = g else { return };
        let Some(x) = g.global() else { return };
        let v = x.get(&mut g.ext.store.get().store);
        ptr::put(out, val_to_c(&g.ext.store, &v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_global_set(g: Option<&wasm_global_t>, v: Option<&wasm_val_t>) {
    guard((), || {
        let (Some(g), Some(v)) = (g, v) else {
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
