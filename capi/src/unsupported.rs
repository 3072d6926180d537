//! Out-of-scope groups (see capi/README.md): async and the guest profiler. Every symbol
//! exists; each returns an error or NULL as its header allows.

use crate::error::{new_error, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::store::wasmtime_context_t;
use crate::trap::wasm_trap_t;
use crate::val::{wasmtime_val_t, CHandle};
use std::ffi::{c_char, c_void};

const ASYNC: &str = "async support is not available in wasmaot";

#[no_mangle]
pub extern "C" fn wasmtime_context_fuel_async_yield_interval(
    _c: *mut wasmtime_context_t,
    _i: u64,
) -> *mut wasmtime_error_t {
    guard_err(|| new_error(ASYNC))
}
#[no_mangle]
pub extern "C" fn wasmtime_context_epoch_deadline_async_yield_and_update(
    _c: *mut wasmtime_context_t,
    _d: u64,
) -> *mut wasmtime_error_t {
    guard_err(|| new_error(ASYNC))
}

/// A future that is already complete; it carries nothing.
pub struct wasmtime_call_future_t;

fn failed_future(
    trap_ret: Out<'_, Option<Box<wasm_trap_t>>>,
    error_ret: Out<'_, *mut wasmtime_error_t>,
) -> *mut wasmtime_call_future_t {
    ptr::put(trap_ret, None);
    ptr::put(error_ret, new_error(ASYNC));
    Box::into_raw(Box::new(wasmtime_call_future_t))
}

#[no_mangle]
pub extern "C" fn wasmtime_call_future_poll(_f: *mut wasmtime_call_future_t) -> bool {
    true
}
#[no_mangle]
pub extern "C" fn wasmtime_call_future_delete(f: Option<Box<wasmtime_call_future_t>>) {
    guard((), || drop(f))
}
#[no_mangle]
pub extern "C" fn wasmtime_func_call_async(
    _c: *mut wasmtime_context_t,
    _f: *const CHandle,
    _a: *const wasmtime_val_t,
    _na: usize,
    _r: *mut wasmtime_val_t,
    _nr: usize,
    trap_ret: Out<'_, Option<Box<wasm_trap_t>>>,
    error_ret: Out<'_, *mut wasmtime_error_t>,
) -> *mut wasmtime_call_future_t {
    guard(std::ptr::null_mut(), || failed_future(trap_ret, error_ret))
}
#[no_mangle]
pub extern "C" fn wasmtime_linker_define_async_func(
    _l: *mut c_void,
    _m: *const c_char,
    _ml: usize,
    _n: *const c_char,
    _nl: usize,
    _ty: *const c_void,
    _cb: *const c_void,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        ptr::finalize(fin, data);
        new_error(ASYNC)
    })
}
#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate_async(
    _l: *const c_void,
    _c: *mut wasmtime_context_t,
    _m: *const c_void,
    _i: *mut CHandle,
    trap_ret: Out<'_, Option<Box<wasm_trap_t>>>,
    error_ret: Out<'_, *mut wasmtime_error_t>,
) -> *mut wasmtime_call_future_t {
    guard(std::ptr::null_mut(), || failed_future(trap_ret, error_ret))
}
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_instantiate_async(
    _p: *const c_void,
    _c: *mut wasmtime_context_t,
    _i: *mut CHandle,
    trap_ret: Out<'_, Option<Box<wasm_trap_t>>>,
    error_ret: Out<'_, *mut wasmtime_error_t>,
) -> *mut wasmtime_call_future_t {
    guard(std::ptr::null_mut(), || failed_future(trap_ret, error_ret))
}

#[repr(C)]
pub struct wasmtime_stack_creator_t {
    env: *mut c_void,
    new_stack: *const c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
}

/// Ignored (no async stacks); `env` is finalized right away.
#[no_mangle]
pub extern "C" fn wasmtime_config_host_stack_creator_set(
    _c: *mut crate::config::wasm_config_t,
    sc: Option<&wasmtime_stack_creator_t>,
) {
    guard((), || {
        if let Some(sc) = sc {
            ptr::finalize(sc.finalizer, sc.env);
        }
    })
}

// --- guest profiler ------------------------------------------------------------------------

pub struct wasmtime_guestprofiler_t;

#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_new(
    _name: *const c_void,
    _interval: u64,
    _m: *const c_void,
    _n: usize,
) -> *mut wasmtime_guestprofiler_t {
    std::ptr::null_mut()
}
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_delete(p: Option<Box<wasmtime_guestprofiler_t>>) {
    guard((), || drop(p))
}
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_sample(
    _p: *mut wasmtime_guestprofiler_t,
    _s: *const c_void,
    _d: u64,
) {
}
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_finish(
    p: Option<Box<wasmtime_guestprofiler_t>>,
    _out: *mut c_void,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        drop(p);
        new_error("the guest profiler is not available in wasmaot")
    })
}
