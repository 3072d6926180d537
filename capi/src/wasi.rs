//! wasi.h: `wasi_config_t`, a `WasiCtxBuilder` handed to a store by
//! `wasmtime_context_set_wasi`.

use crate::guard::guard;
use crate::ptr;
use crate::store::wasi_config_t;
use crate::vec::wasm_byte_vec_t;
use std::ffi::c_char;

fn with(c: Option<&mut wasi_config_t>, f: impl FnOnce(&mut wasi_config_t) -> bool) -> bool {
    guard(false, || c.is_some_and(f))
}

/// `n` C strings (`None` if the array or one of them is NULL or not UTF-8).
///
/// # Safety
///
/// Unless `n` is 0, `p` must be NULL or point to `n` pointers, each NULL or a
/// NUL-terminated string.
unsafe fn strings(p: *const *const c_char, n: usize) -> Option<Vec<String>> {
    // SAFETY: the caller's promise.
    let p = unsafe { ptr::slice(p, n) }?;
    p.iter()
        // SAFETY: the caller's promise.
        .map(|s| unsafe { ptr::cstr(*s) }.map(str::to_string))
        .collect()
}

#[no_mangle]
pub extern "C" fn wasi_config_new() -> *mut wasi_config_t {
    guard(std::ptr::null_mut(), || Box::into_raw(Box::default()))
}
#[no_mangle]
pub extern "C" fn wasi_config_delete(c: Option<Box<wasi_config_t>>) {
    guard((), || drop(c))
}
/// # Safety
///
/// Unless `argc` is 0, `argv` must be NULL or point to `argc` NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_argv(
    c: Option<&mut wasi_config_t>,
    argc: usize,
    argv: *const *const c_char,
) -> bool {
    // SAFETY: the caller's promise.
    with(c, |c| match unsafe { strings(argv, argc) } {
        Some(a) => {
            c.builder.args(a);
            true
        }
        None => false,
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_argv(c: Option<&mut wasi_config_t>) {
    with(c, |c| {
        c.builder.inherit_args();
        true
    });
}
/// # Safety
///
/// Unless `n` is 0, `names` and `values` must each be NULL or point to `n`
/// NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_env(
    c: Option<&mut wasi_config_t>,
    n: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) -> bool {
    with(c, |c| {
        // SAFETY: the caller's promise.
        let (names, values) = unsafe { (strings(names, n), strings(values, n)) };
        match (names, values) {
            (Some(k), Some(v)) => {
                for (k, v) in k.iter().zip(v.iter()) {
                    c.builder.env(k, v);
                }
                true
            }
            _ => false,
        }
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_env(c: Option<&mut wasi_config_t>) {
    with(c, |c| {
        c.builder.inherit_env();
        true
    });
}
/// # Safety
///
/// `path` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_file(
    c: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    with(c, |c| {
        // SAFETY: the caller's promise.
        unsafe { ptr::cstr(path) }.is_some_and(|p| c.builder.stdin_file(p).is_ok())
    })
}
/// # Safety
///
/// `bytes` must be NULL or a vector this library made that still owns its bytes; they
/// move into the configuration.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_bytes(
    c: Option<&mut wasi_config_t>,
    bytes: Option<&mut wasm_byte_vec_t>,
) {
    with(c, |c| {
        // SAFETY: the caller's promise.
        let b = bytes.map(|b| unsafe { b.take() }).unwrap_or_default();
        c.builder.stdin_bytes(b);
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdin(c: Option<&mut wasi_config_t>) {
    with(c, |c| {
        c.builder.inherit_stdin();
        true
    });
}
/// # Safety
///
/// `path` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdout_file(
    c: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    with(c, |c| {
        // SAFETY: the caller's promise.
        unsafe { ptr::cstr(path) }.is_some_and(|p| c.builder.stdout_file(p).is_ok())
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdout(c: Option<&mut wasi_config_t>) {
    with(c, |c| {
        c.builder.inherit_stdout();
        true
    });
}
/// # Safety
///
/// `path` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stderr_file(
    c: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    with(c, |c| {
        // SAFETY: the caller's promise.
        unsafe { ptr::cstr(path) }.is_some_and(|p| c.builder.stderr_file(p).is_ok())
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stderr(c: Option<&mut wasi_config_t>) {
    with(c, |c| {
        c.builder.inherit_stderr();
        true
    });
}
/// # Safety
///
/// `path` and `guest` must each be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_preopen_dir(
    c: Option<&mut wasi_config_t>,
    path: *const c_char,
    guest: *const c_char,
) -> bool {
    with(c, |c| {
        // SAFETY: the caller's promise.
        let (path, guest) = unsafe { (ptr::cstr(path), ptr::cstr(guest)) };
        match (path, guest) {
            (Some(p), Some(g)) => c.builder.preopened_dir(p, g).is_ok(),
            _ => false,
        }
    })
}
