//! Memories: `wasmtime_memory_*` and wasm.h's `wasm_memory_t`.

use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::externs::{check_store, extern_casts, extern_view};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns};
use crate::store::{store_of, wasm_store_t, wasmtime_context_t, wasmtime_store_t, StoreData};
use crate::types::wasm_memorytype_t;
use crate::val::CHandle;
use wasmaot_loader::Extern;
use wasmaot_loader::Memory;

pub fn memory_of(d: &StoreData, h: &CHandle) -> Result<Memory, String> {
    check_store(d, h)?;
    d.handles
        .memories
        .get(h.private)
        .ok_or_else(|| "invalid memory handle".into())
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
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_memorytype_t>,
    ret: Out<'_, CHandle>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(ty) = ty.map(|t| t.inner().ty) else {
            return null_arg("memory type");
        };
        if let Err(e) = memory_limit_check(s, ty.minimum) {
            return new_error(e);
        }
        match Memory::new(&mut s.store, ty) {
            Ok(m) => {
                let d = s.data();
                ptr::put(
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
    c: Option<&wasmtime_context_t>,
    m: Option<&CHandle>,
) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, m) else {
            return std::ptr::null_mut();
        };
        match memory_of(s.store.data(), h) {
            Ok(m) => Box::into_raw(wasm_memorytype_t::new(m.ty(&s.store))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_data(
    c: Option<&mut wasmtime_context_t>,
    m: Option<&CHandle>,
) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, m) else {
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
    c: Option<&wasmtime_context_t>,
    m: Option<&CHandle>,
) -> usize {
    guard(0, || {
        let (Some(s), Some(h)) = (c, m) else {
            return 0;
        };
        memory_of(s.store.data(), h).map_or(0, |m| m.data(&s.store).len())
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_size(c: Option<&wasmtime_context_t>, m: Option<&CHandle>) -> u64 {
    guard(0, || {
        let (Some(s), Some(h)) = (c, m) else {
            return 0;
        };
        memory_of(s.store.data(), h).map_or(0, |m| m.size(&s.store))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memory_grow(
    c: Option<&mut wasmtime_context_t>,
    m: Option<&CHandle>,
    delta: u64,
    prev: Out<'_, u64>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = m else {
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
                ptr::put(prev, p);
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h memories

extern_view!(wasm_memory_t, Memory, memory);
has_hdr!(wasm_memory_t, ext);

extern_casts!(
    wasm_memory_t,
    wasm_memory_as_extern,
    wasm_memory_as_extern_const,
    wasm_extern_as_memory,
    wasm_extern_as_memory_const
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
    |v| v.is_extern(|e| matches!(e, Extern::Memory(_)))
);

#[no_mangle]
pub extern "C" fn wasm_memory_new(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_memorytype_t>,
) -> *mut wasm_memory_t {
    guard(std::ptr::null_mut(), || {
        let (Some(store), Some(ty)) = (store_of(s), ty.map(|t| t.inner().ty)) else {
            return std::ptr::null_mut();
        };
        match Memory::new(&mut store.get().store, ty) {
            Ok(m) => wasm_memory_t::boxed(&store, m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_type(m: Option<&wasm_memory_t>) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        match m.and_then(|m| Some((m.memory()?, m))) {
            Some((x, m)) => Box::into_raw(wasm_memorytype_t::new(x.ty(&m.ext.store.get().store))),
            None => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_data(m: Option<&wasm_memory_t>) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        let Some(m) = m else {
            return std::ptr::null_mut();
        };
        let Some(x) = m.memory() else {
            return std::ptr::null_mut();
        };
        x.data_mut(&mut m.ext.store.get().store).as_mut_ptr()
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_data_size(m: Option<&wasm_memory_t>) -> usize {
    guard(0, || {
        m.and_then(|m| Some(m.memory()?.data(&m.ext.store.get().store).len()))
            .unwrap_or(0)
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_size(m: Option<&wasm_memory_t>) -> u32 {
    guard(0, || {
        m.and_then(|m| Some(m.memory()?.size(&m.ext.store.get().store) as u32))
            .unwrap_or(0)
    })
}

#[no_mangle]
pub extern "C" fn wasm_memory_grow(m: Option<&wasm_memory_t>, delta: u32) -> bool {
    guard(false, || {
        let Some(m) = m else {
            return false;
        };
        let Some(x) = m.memory() else { return false };
        x.grow(&mut m.ext.store.get().store, u64::from(delta))
            .is_ok()
    })
}
