//! Shared memories: `wasmtime_sharedmemory_*`, and the `WASMTIME_EXTERN_SHAREDMEMORY`
//! externs that carry them. A `wasmtime_sharedmemory_t` belongs to no store: it is
//! created from an engine, cloned to hand to other threads, and used as an import by any
//! store (each store gets its own handle to it, `Memory::from_shared`).

use crate::config::wasm_engine_t;
use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::types::wasm_memorytype_t;
use wasmaot_loader::SharedMemory;

/// An owned handle to a shared memory.
pub struct wasmtime_sharedmemory_t {
    pub memory: SharedMemory,
}

/// A new owned handle to `memory`, as an extern's payload or a function's result.
pub fn new_handle(memory: SharedMemory) -> *mut wasmtime_sharedmemory_t {
    Box::into_raw(Box::new(wasmtime_sharedmemory_t { memory }))
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_new(
    e: Option<&wasm_engine_t>,
    ty: Option<&wasm_memorytype_t>,
    ret: Out<'_, *mut wasmtime_sharedmemory_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let (Some(_), Some(ty)) = (e, ty) else {
            return null_arg("engine and type");
        };
        match SharedMemory::new(ty.inner().ty) {
            Ok(m) => {
                ptr::put(ret, new_handle(m));
                std::ptr::null_mut()
            }
            Err(e) => from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_delete(m: Option<Box<wasmtime_sharedmemory_t>>) {
    guard((), || drop(m))
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_clone(
    m: Option<&wasmtime_sharedmemory_t>,
) -> *mut wasmtime_sharedmemory_t {
    guard(std::ptr::null_mut(), || {
        m.map_or(std::ptr::null_mut(), |m| new_handle(m.memory.clone()))
    })
}

/// The type, with the current size as minimum; owned by the caller.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_type(
    m: Option<&wasmtime_sharedmemory_t>,
) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        m.map_or(std::ptr::null_mut(), |m| {
            Box::into_raw(wasm_memorytype_t::new(m.memory.ty()))
        })
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_data(m: Option<&wasmtime_sharedmemory_t>) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        m.map_or(std::ptr::null_mut(), |m| m.memory.data())
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_data_size(m: Option<&wasmtime_sharedmemory_t>) -> usize {
    guard(0, || m.map_or(0, |m| m.memory.data_size()))
}

/// Size in pages.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_size(m: Option<&wasmtime_sharedmemory_t>) -> u64 {
    guard(0, || m.map_or(0, |m| m.memory.size()))
}

#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_grow(
    m: Option<&wasmtime_sharedmemory_t>,
    delta: u64,
    prev: Out<'_, u64>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(m) = m else {
            return null_arg("memory");
        };
        match m.memory.grow(delta) {
            Some(old) => {
                ptr::put(prev, old);
                std::ptr::null_mut()
            }
            None => new_error(format!(
                "failed to grow shared memory of {} pages by {delta} (maximum {} pages)",
                m.memory.size(),
                m.memory.max_pages()
            )),
        }
    })
}
