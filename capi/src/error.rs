//! `wasmtime_error_t`: a message, optionally a WASI exit status and a wasm backtrace.

use crate::guard::guard;
use crate::ptr::{self, Out};
use crate::trap::{frames, wasm_frame_vec_t};
use crate::vec::{byte_vec, wasm_byte_vec_t, WasmVec};
use std::ffi::c_char;
use wasmaot_loader::{Error, FrameInfo};

/// A Wasmtime error: a message, optionally a WASI exit status and a wasm backtrace.
pub struct wasmtime_error_t {
    pub message: String,
    pub exit_status: Option<i32>,
    pub trace: Vec<FrameInfo>,
}

pub fn new_error(message: impl Into<String>) -> *mut wasmtime_error_t {
    Box::into_raw(Box::new(wasmtime_error_t {
        message: message.into(),
        exit_status: None,
        trace: Vec::new(),
    }))
}

/// The error for a loader error (traps keep their backtrace).
pub fn from_loader(e: &Error) -> *mut wasmtime_error_t {
    let trace = e.as_trap().map(|t| t.backtrace.clone()).unwrap_or_default();
    Box::into_raw(Box::new(wasmtime_error_t {
        message: e.to_string(),
        exit_status: None,
        trace,
    }))
}

pub fn exit_error(code: i32) -> *mut wasmtime_error_t {
    Box::into_raw(Box::new(wasmtime_error_t {
        message: format!("Exited with i32 exit status {code}"),
        exit_status: Some(code),
        trace: Vec::new(),
    }))
}

pub fn null_arg(what: &str) -> *mut wasmtime_error_t {
    new_error(format!("{what} must not be NULL"))
}

/// # Safety
///
/// `msg` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_error_new(msg: *const c_char) -> *mut wasmtime_error_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller's promise.
        new_error(unsafe { ptr::cstr(msg) }.unwrap_or(""))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_error_delete(e: Option<Box<wasmtime_error_t>>) {
    guard((), || drop(e))
}

#[no_mangle]
pub extern "C" fn wasmtime_error_message(
    e: Option<&wasmtime_error_t>,
    out: Out<'_, wasm_byte_vec_t>,
) {
    guard((), || {
        let msg = e.map_or("", |e| e.message.as_str());
        ptr::put(out, byte_vec(msg.as_bytes(), false))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_error_exit_status(
    e: Option<&wasmtime_error_t>,
    status: Out<'_, i32>,
) -> bool {
    guard(false, || match e.and_then(|e| e.exit_status) {
        Some(s) => {
            ptr::put(status, s);
            true
        }
        None => false,
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_error_wasm_trace(
    e: Option<&wasmtime_error_t>,
    out: Out<'_, wasm_frame_vec_t>,
) {
    guard((), || {
        let frames = e.map(|e| frames(&e.trace)).unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(frames))
    })
}
