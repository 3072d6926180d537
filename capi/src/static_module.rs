//! `wasmaot.h`: modules linked into the program by the system linker
//! (`wasmaot_module_from_static`) or into a shared object
//! (`wasmaot_module_from_shared_object`). See `Module::from_prelinked`.

use crate::config::wasm_engine_t;
use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::guard::guard_err;
use crate::module::{wasmtime_module_t, Artifact};
use crate::ptr;
use std::ffi::c_char;
use std::path::PathBuf;
use wasmaot_loader::abi::Descriptor;
use wasmaot_loader::Module;

/// Opaque to C: the module descriptor `<prefix>wasmaot_module`.
#[repr(C)]
pub struct wasmaot_static_module_t {
    descriptor: Descriptor,
}

fn ret_module(
    r: Result<Module, String>,
    artifact: Artifact,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    if ret.is_null() {
        return null_arg("ret");
    }
    match r {
        Ok(module) => {
            ptr::legacy_write(
                ret,
                Box::into_raw(Box::new(wasmtime_module_t::new(module, artifact))),
            );
            std::ptr::null_mut()
        }
        Err(e) => new_error(e),
    }
}

#[no_mangle]
pub extern "C" fn wasmaot_module_from_static(
    engine: *const wasm_engine_t,
    module: *const wasmaot_static_module_t,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        if !module.is_aligned() {
            return new_error("wasmaot_module_from_static: misaligned module descriptor");
        }
        // The descriptor is a symbol of the program: it lives as long as the process.
        let Some(m) = ptr::legacy_r::<wasmaot_static_module_t>(module) else {
            return null_arg("module");
        };
        let m: &'static wasmaot_static_module_t = m;
        let r = Module::from_prelinked(&e.engine, &m.descriptor).map_err(|e| e.to_string());
        ret_module(r, Artifact::Linked, ret)
    })
}

#[no_mangle]
pub extern "C" fn wasmaot_module_from_shared_object(
    engine: *const wasm_engine_t,
    path: *const c_char,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        let Some(p) = ptr::legacy_cstr(path) else {
            return null_arg("path");
        };
        let r = Module::from_shared_object(&e.engine, &PathBuf::from(p)).map_err(|e| e.to_string());
        ret_module(r, Artifact::Linked, ret)
    })
}
