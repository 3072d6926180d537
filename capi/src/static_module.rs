//! `wasmaot.h`: modules linked into the program by the system linker
//! (`wasmaot_module_from_static`) or into a shared object
//! (`wasmaot_module_from_shared_object`). See `Module::from_prelinked`.

use crate::config::wasm_engine_t;
use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::guard::guard_err;
use crate::module::{wasmtime_module_t, Artifact};
use crate::ptr::{self, Out};
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
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    let Some(ret) = ret else {
        return null_arg("ret");
    };
    match r {
        Ok(module) => {
            ret.write(Box::new(wasmtime_module_t::new(module, artifact)));
            std::ptr::null_mut()
        }
        Err(e) => new_error(e),
    }
}

/// # Safety
///
/// `module` must be NULL, misaligned (an error), or the address of a module descriptor
/// (`<prefix>wasmaot_module`) of the program or of a loaded shared object that stays
/// loaded as long as the process runs.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_module_from_static(
    engine: Option<&wasm_engine_t>,
    module: *const wasmaot_static_module_t,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        if !module.is_aligned() {
            return new_error("wasmaot_module_from_static: misaligned module descriptor");
        }
        // SAFETY: the caller's promise: a descriptor is a symbol of the program, which
        // lives as long as the process.
        let Some(m) = (unsafe { module.as_ref::<'static>() }) else {
            return null_arg("module");
        };
        let r = Module::from_prelinked(&e.engine, &m.descriptor).map_err(|e| e.to_string());
        ret_module(r, Artifact::Linked, ret)
    })
}

/// # Safety
///
/// `path` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmaot_module_from_shared_object(
    engine: Option<&wasm_engine_t>,
    path: *const c_char,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        // SAFETY: the caller's promise.
        let Some(p) = (unsafe { ptr::cstr(path) }) else {
            return null_arg("path");
        };
        let r = Module::from_shared_object(&e.engine, &PathBuf::from(p)).map_err(|e| e.to_string());
        ret_module(r, Artifact::Linked, ret)
    })
}
