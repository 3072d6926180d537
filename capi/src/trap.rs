//! Traps and frames: `wasm_trap_t`, `wasm_frame_t`.

use crate::guard::guard;
use crate::instance::wasm_instance_t;
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns, RefHeader, RefKind, RefView};
use crate::store::wasm_store_t;
use crate::vec::{byte_vec, clone_box, declare_vec, wasm_byte_vec_t, OwnedVec, WasmVec};
use std::ffi::c_char;
use wasmaot_loader::{Error, ErrorKind, FrameInfo, TrapCode};

// ---------------------------------------------------------------------------------------
// Frames

pub struct wasm_frame_t {
    info: FrameInfo,
    func_name: Option<OwnedVec<u8>>,
    module_name: Option<OwnedVec<u8>>,
}

impl Clone for wasm_frame_t {
    fn clone(&self) -> Self {
        new_frame(self.info.clone())
    }
}

fn new_frame(info: FrameInfo) -> wasm_frame_t {
    wasm_frame_t {
        func_name: info
            .func_name
            .as_ref()
            .map(|n| OwnedVec::new(n.as_bytes().to_vec())),
        module_name: info
            .module_name
            .as_ref()
            .map(|n| OwnedVec::new(n.as_bytes().to_vec())),
        info,
    }
}

pub fn frames(trace: &[FrameInfo]) -> Vec<Option<Box<wasm_frame_t>>> {
    trace
        .iter()
        .map(|f| Some(Box::new(new_frame(f.clone()))))
        .collect()
}

declare_vec!(
    wasm_frame_vec_t,
    Option<Box<wasm_frame_t>>,
    clone_box,
    wasm_frame_vec_new_empty,
    wasm_frame_vec_new_uninitialized,
    wasm_frame_vec_new,
    wasm_frame_vec_copy,
    wasm_frame_vec_delete
);

#[no_mangle]
pub extern "C" fn wasm_frame_delete(f: Option<Box<wasm_frame_t>>) {
    guard((), || drop(f))
}
#[no_mangle]
pub extern "C" fn wasm_frame_copy(f: Option<&wasm_frame_t>) -> Option<Box<wasm_frame_t>> {
    guard(None, || f.map(|f| Box::new(f.clone())))
}
/// wasmaot frames do not record their instance: always NULL (Wasmtime v23 does not
/// implement this function either; it panics).
#[no_mangle]
pub extern "C" fn wasm_frame_instance(_f: *const wasm_frame_t) -> *mut wasm_instance_t {
    std::ptr::null_mut()
}
#[no_mangle]
pub extern "C" fn wasm_frame_func_index(f: Option<&wasm_frame_t>) -> u32 {
    guard(0, || f.map_or(0, |f| f.info.func_index))
}
/// Byte offset of the frame's instruction from the start of its function's body in the
/// wasm binary; `SIZE_MAX` if unknown (as Wasmtime).
#[no_mangle]
pub extern "C" fn wasm_frame_func_offset(f: Option<&wasm_frame_t>) -> usize {
    guard(usize::MAX, || {
        f.and_then(|f| f.info.func_offset).unwrap_or(usize::MAX)
    })
}
/// Byte offset of the frame's instruction in the wasm binary; `SIZE_MAX` if unknown (as
/// Wasmtime).
#[no_mangle]
pub extern "C" fn wasm_frame_module_offset(f: Option<&wasm_frame_t>) -> usize {
    guard(usize::MAX, || {
        f.and_then(|f| f.info.module_offset).unwrap_or(usize::MAX)
    })
}
#[no_mangle]
pub extern "C" fn wasmtime_frame_func_name(f: Option<&wasm_frame_t>) -> Option<&wasm_byte_vec_t> {
    guard(None, || f.and_then(|f| Some(f.func_name.as_ref()?.as_c())))
}
#[no_mangle]
pub extern "C" fn wasmtime_frame_module_name(f: Option<&wasm_frame_t>) -> Option<&wasm_byte_vec_t> {
    guard(None, || {
        f.and_then(|f| Some(f.module_name.as_ref()?.as_c()))
    })
}

// ---------------------------------------------------------------------------------------
// Traps

#[repr(C)]
pub struct wasm_trap_t {
    pub hdr: RefHeader,
    pub message: String,
    pub code: Option<TrapCode>,
    pub trace: Vec<FrameInfo>,
}

impl Clone for wasm_trap_t {
    fn clone(&self) -> Self {
        wasm_trap_t {
            hdr: RefHeader::new(RefKind::Trap),
            message: self.message.clone(),
            code: self.code,
            trace: self.trace.clone(),
        }
    }
}

pub fn new_trap(
    message: String,
    code: Option<TrapCode>,
    trace: Vec<FrameInfo>,
) -> Box<wasm_trap_t> {
    Box::new(wasm_trap_t {
        hdr: RefHeader::new(RefKind::Trap),
        message,
        code,
        trace,
    })
}

/// A trap with just a message.
pub fn msg_trap(msg: impl Into<String>) -> Box<wasm_trap_t> {
    new_trap(msg.into(), None, Vec::new())
}

/// The trap for a loader error that is a trap (`None` otherwise).
pub fn trap_from_error(e: &Error) -> Option<Box<wasm_trap_t>> {
    match e.kind() {
        ErrorKind::Trap(t) => {
            let message = match t.code {
                Some(_) => format!("wasm trap: {}", t.message),
                None => t.message.clone(),
            };
            Some(new_trap(message, t.code, t.backtrace.clone()))
        }
        _ => None,
    }
}

/// A loader error from a trap returned by a host callback.
pub fn error_from_trap(t: &wasm_trap_t) -> Error {
    Error::trap(wasmaot_loader::Trap {
        code: t.code,
        message: t.message.clone(),
        backtrace: Vec::new(),
    })
}

/// # Safety
///
/// Unless `len` is 0 or `msg` is NULL, `msg` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_trap_new(
    msg: *const c_char,
    len: usize,
) -> Option<Box<wasm_trap_t>> {
    guard(None, || {
        // SAFETY: the caller's promise.
        let msg = unsafe { ptr::str_n(msg, len) };
        Some(new_trap(msg.unwrap_or_default(), None, Vec::new()))
    })
}

/// # Safety
///
/// `msg` must be NULL or a valid vector (a non-NULL `data` points to `size` bytes).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_new(
    _store: *mut wasm_store_t,
    msg: Option<&wasm_byte_vec_t>,
) -> Option<Box<wasm_trap_t>> {
    guard(None, || {
        // SAFETY: the caller's promise.
        let mut bytes = msg
            .map(|m| unsafe { m.as_slice() }.to_vec())
            .unwrap_or_default();
        if bytes.last() == Some(&0) {
            bytes.pop();
        }
        let msg = String::from_utf8_lossy(&bytes).into_owned();
        Some(new_trap(msg, None, Vec::new()))
    })
}

#[no_mangle]
pub extern "C" fn wasm_trap_message(t: Option<&wasm_trap_t>, out: Out<'_, wasm_byte_vec_t>) {
    guard((), || {
        let msg = t.map_or("", |t| t.message.as_str());
        ptr::put(out, byte_vec(msg.as_bytes(), true))
    })
}

#[no_mangle]
pub extern "C" fn wasm_trap_origin(t: Option<&wasm_trap_t>) -> Option<Box<wasm_frame_t>> {
    guard(None, || {
        let f = t?.trace.first()?;
        Some(Box::new(new_frame(f.clone())))
    })
}

#[no_mangle]
pub extern "C" fn wasm_trap_trace(t: Option<&wasm_trap_t>, out: Out<'_, wasm_frame_vec_t>) {
    guard((), || {
        let f = t.map(|t| frames(&t.trace)).unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(f))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_trap_code(t: Option<&wasm_trap_t>, code: Out<'_, u8>) -> bool {
    guard(false, || match t.and_then(|t| t.code) {
        // NullReference (12), AtomicWaitNonSharedMemory (13) and CastFailure (14) have
        // no v23 code; they are reported as "not a code".
        Some(c) if (c as u8) <= 11 => {
            ptr::put(code, c as u8);
            true
        }
        _ => false,
    })
}

has_hdr!(wasm_trap_t);
ref_fns!(
    wasm_trap_t,
    wasm_trap_delete,
    wasm_trap_copy,
    wasm_trap_same,
    |a, b| std::ptr::eq(a, b),
    wasm_trap_get_host_info,
    wasm_trap_set_host_info,
    wasm_trap_set_host_info_with_finalizer
);
ref_casts!(
    wasm_trap_t,
    wasm_trap_as_ref,
    wasm_trap_as_ref_const,
    wasm_ref_as_trap,
    wasm_ref_as_trap_const,
    |v| matches!(v, RefView::Trap(_))
);
