//! The panic guard every `extern "C"` function body runs in: a Rust panic never crosses
//! the C boundary; it becomes a returned error ("internal error: ...") or a default value.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Run `f`; on a panic return `default` (after printing the panic to stderr).
pub fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            eprintln!("libwasmaot: internal error: {}", panic_message(&*p));
            default
        }
    }
}

/// Like [`guard`] with a default computed only on a panic (for defaults that allocate).
pub fn guard_else<R>(default: impl FnOnce() -> R, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = panic_message(&*p);
            eprintln!("libwasmaot: internal error: {msg}");
            default()
        }
    }
}

/// Run `f` returning an owned error pointer; a panic becomes an "internal error" error.
pub fn guard_err(
    f: impl FnOnce() -> *mut crate::error::wasmtime_error_t,
) -> *mut crate::error::wasmtime_error_t {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => crate::error::new_error(format!("internal error: {}", panic_message(&*p))),
    }
}
