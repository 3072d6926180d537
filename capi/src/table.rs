//! Tables: `wasmtime_table_*` and wasm.h's `wasm_table_t`.

use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::externs::{check_store, extern_casts, extern_view};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns};
use crate::refs::{view, wasm_ref_t};
use crate::store::{store_of, wasm_store_t, wasmtime_context_t, wasmtime_store_t, StoreData};
use crate::types::wasm_tabletype_t;
use crate::val::ref_to_val;
use crate::val::{from_c_typed, to_c, val_to_c, wasmtime_val_t, CHandle};
use wasmaot_loader::Extern;
use wasmaot_loader::{Table, Val, ValType};

pub fn table_of(d: &StoreData, h: &CHandle) -> Result<Table, String> {
    check_store(d, h)?;
    d.handles
        .tables
        .get(h.private)
        .ok_or_else(|| "invalid table handle".into())
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
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_tabletype_t>,
    init: Option<&wasmtime_val_t>,
    ret: Out<'_, CHandle>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(ty) = ty.map(|t| t.inner().ty) else {
            return null_arg("table type");
        };
        let Some(v) = init else {
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
                ptr::put(
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
    c: Option<&wasmtime_context_t>,
    t: Option<&CHandle>,
) -> *mut wasm_tabletype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, t) else {
            return std::ptr::null_mut();
        };
        match table_of(s.store.data(), h) {
            Ok(t) => Box::into_raw(wasm_tabletype_t::new(t.ty(&s.store))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_get(
    c: Option<&mut wasmtime_context_t>,
    t: Option<&CHandle>,
    index: u32,
    out: Out<'_, wasmtime_val_t>,
) -> bool {
    guard(false, || {
        let (Some(s), Some(h)) = (c, t) else {
            return false;
        };
        let Ok(t) = table_of(s.store.data(), h) else {
            return false;
        };
        match t.get(&mut s.store, index) {
            Some(v) => {
                let cv = to_c(s.data(), &v);
                ptr::put(out, cv);
                true
            }
            None => false,
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_set(
    c: Option<&mut wasmtime_context_t>,
    t: Option<&CHandle>,
    index: u32,
    val: Option<&wasmtime_val_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = t else {
            return null_arg("table");
        };
        let Some(v) = val else {
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
pub extern "C" fn wasmtime_table_size(c: Option<&wasmtime_context_t>, t: Option<&CHandle>) -> u32 {
    guard(0, || {
        let (Some(s), Some(h)) = (c, t) else {
            return 0;
        };
        table_of(s.store.data(), h).map_or(0, |t| t.size(&s.store))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_table_grow(
    c: Option<&mut wasmtime_context_t>,
    t: Option<&CHandle>,
    delta: u32,
    init: Option<&wasmtime_val_t>,
    prev: Out<'_, u32>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = t else {
            return null_arg("table");
        };
        let Some(v) = init else {
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
                ptr::put(prev, p);
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h tables

extern_view!(wasm_table_t, Table, table);
has_hdr!(wasm_table_t, ext);

extern_casts!(
    wasm_table_t,
    wasm_table_as_extern,
    wasm_table_as_extern_const,
    wasm_extern_as_table,
    wasm_extern_as_table_const
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
    |v| v.is_extern(|e| matches!(e, Extern::Table(_)))
);

/// The loader value of the C reference `r` for a table of `ty` elements.
///
/// # Safety
///
/// `r` must be NULL or a live reference object of this library.
unsafe fn ref_val(r: *const wasm_ref_t, ty: ValType) -> Option<Val> {
    // SAFETY: the caller's promise.
    ref_to_val(unsafe { view(r) }, ty).ok()
}

/// # Safety
///
/// `init` must be NULL or a live reference object of this library.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_new(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_tabletype_t>,
    init: *mut wasm_ref_t,
) -> *mut wasm_table_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty)) = (store_of(s), ty.map(|t| t.inner().ty)) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the caller's promise about `init`.
        let Some(v) = (unsafe { ref_val(init, ty.element) }) else {
            return std::ptr::null_mut();
        };
        match Table::new(&mut store.get().store, ty, v) {
            Ok(t) => wasm_table_t::boxed(&store, t),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_type(t: Option<&wasm_table_t>) -> *mut wasm_tabletype_t {
    guard(std::ptr::null_mut(), || {
        match t.and_then(|t| Some((t.table()?, t))) {
            Some((x, t)) => Box::into_raw(wasm_tabletype_t::new(x.ty(&t.ext.store.get().store))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_get(t: Option<&wasm_table_t>, index: u32) -> *mut wasm_ref_t {
    guard(std::ptr::null_mut(), || {
        let Some(t) = t else {
            return std::ptr::null_mut();
        };
        let Some(x) = t.table() else {
            return std::ptr::null_mut();
        };
        match x.get(&mut t.ext.store.get().store, index) {
            Some(v) => val_to_c(&t.ext.store, &v).into_ref(),
            None => std::ptr::null_mut(),
        }
    })
}

/// # Safety
///
/// `r` must be NULL or a live reference object of this library.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_set(
    t: Option<&wasm_table_t>,
    index: u32,
    r: *mut wasm_ref_t,
) -> bool {
    guard(false, || {
        let Some(t) = t else { return false };
        let Some(x) = t.table() else { return false };
        let st = &mut t.ext.store.get().store;
        let ty = x.ty(&*st);
        // SAFETY: the caller's promise about `r`.
        let Some(v) = (unsafe { ref_val(r, ty.element) }) else {
            return false;
        };
        x.set(st, index, v).is_ok()
    })
}

#[no_mangle]
pub extern "C" fn wasm_table_size(t: Option<&wasm_table_t>) -> u32 {
    guard(0, || {
        t.and_then(|t| Some(t.table()?.size(&t.ext.store.get().store)))
            .unwrap_or(0)
    })
}

/// # Safety
///
/// `init` must be NULL or a live reference object of this library.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_grow(
    t: Option<&wasm_table_t>,
    delta: u32,
    init: *mut wasm_ref_t,
) -> bool {
    guard(false, || {
        let Some(t) = t else { return false };
        let Some(x) = t.table() else { return false };
        let st = &mut t.ext.store.get().store;
        let ty = x.ty(&*st);
        // SAFETY: the caller's promise about `init`.
        let Some(v) = (unsafe { ref_val(init, ty.element) }) else {
            return false;
        };
        x.grow(st, delta, v).is_ok()
    })
}
