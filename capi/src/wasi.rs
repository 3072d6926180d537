//! wasi.h: `wasi_config_t`, a `WasiCtxBuilder` handed to a store by
//! `wasmtime_context_set_wasi`.

use crate::guard::guard;
use crate::ptr;
use crate::store::wasi_config_t;
use crate::vec::WasmVec;
use std::ffi::c_char;

fn with(c: *mut wasi_config_t, f: impl FnOnce(&mut wasi_config_t) -> bool) -> bool {
    guard(false, || ptr::legacy_m(c).is_some_and(f))
}

fn strings(p: *const *const c_char, n: usize) -> Option<Vec<String>> {
    ptr::legacy_slice(p, n)?
        .iter()
        .map(|s| ptr::legacy_cstr(*s).map(str::to_string))
        .collect()
}

#[no_mangle]
pub extern "C" fn wasi_config_new() -> *mut wasi_config_t {
    guard(std::ptr::null_mut(), || Box::into_raw(Box::default()))
}
#[no_mangle]
pub extern "C" fn wasi_config_delete(c: *mut wasi_config_t) {
    guard((), || drop(ptr::legacy_take_box(c)))
}
#[no_mangle]
pub extern "C" fn wasi_config_set_argv(
    c: *mut wasi_config_t,
    argc: usize,
    argv: *const *const c_char,
) -> bool {
    with(c, |c| match strings(argv, argc) {
        Some(a) => {
            c.builder.args(a);
            true
        }
        None => false,
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_argv(c: *mut wasi_config_t) {
    with(c, |c| {
        c.builder.inherit_args();
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_set_env(
    c: *mut wasi_config_t,
    n: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) -> bool {
    with(c, |c| match (strings(names, n), strings(values, n)) {
        (Some(k), Some(v)) => {
            for (k, v) in k.iter().zip(v.iter()) {
                c.builder.env(k, v);
            }
            true
        }
        _ => false,
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_env(c: *mut wasi_config_t) {
    with(c, |c| {
        c.builder.inherit_env();
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_set_stdin_file(c: *mut wasi_config_t, path: *const c_char) -> bool {
    with(c, |c| {
        ptr::legacy_cstr(path).is_some_and(|p| c.builder.stdin_file(p).is_ok())
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_set_stdin_bytes(c: *mut wasi_config_t, bytes: *mut WasmVec<u8>) {
    with(c, |c| {
        let b = ptr::legacy_m(bytes)
            .map(|b| b.legacy_take())
            .unwrap_or_default();
        c.builder.stdin_bytes(b);
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdin(c: *mut wasi_config_t) {
    with(c, |c| {
        c.builder.inherit_stdin();
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_set_stdout_file(c: *mut wasi_config_t, path: *const c_char) -> bool {
    with(c, |c| {
        ptr::legacy_cstr(path).is_some_and(|p| c.builder.stdout_file(p).is_ok())
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdout(c: *mut wasi_config_t) {
    with(c, |c| {
        c.builder.inherit_stdout();
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_set_stderr_file(c: *mut wasi_config_t, path: *const c_char) -> bool {
    with(c, |c| {
        ptr::legacy_cstr(path).is_some_and(|p| c.builder.stderr_file(p).is_ok())
    })
}
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stderr(c: *mut wasi_config_t) {
    with(c, |c| {
        c.builder.inherit_stderr();
        true
    });
}
#[no_mangle]
pub extern "C" fn wasi_config_preopen_dir(
    c: *mut wasi_config_t,
    path: *const c_char,
    guest: *const c_char,
) -> bool {
    with(c, |c| {
        match (ptr::legacy_cstr(path), ptr::legacy_cstr(guest)) {
            (Some(p), Some(g)) => c.builder.preopened_dir(p, g).is_ok(),
            _ => false,
        }
    })
}
