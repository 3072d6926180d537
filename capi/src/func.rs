//! Functions: host functions (`wasmtime_func_new[_unchecked]`, wasm.h's `wasm_func_new`),
//! calls into wasm, `wasmtime_caller_t`, wasm.h's `wasm_func_t`.

use crate::error::{exit_error, from_loader, new_error, null_arg, wasmtime_error_t};
use crate::externs::{extern_casts, extern_to_c, extern_view, wasmtime_extern_t};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Finalized, Out, SendPtr};
use crate::refs::{has_hdr, ref_casts, ref_fns};
use crate::store::{
    store_of, wasm_store_t, wasmtime_context_t, wasmtime_store_t, StoreData, WasmStore,
};
use crate::trap::{error_from_trap, msg_trap, trap_from_error, wasm_trap_t};
use crate::types::wasm_functype_t;
use crate::val::{
    from_c_typed, from_raw, func_handle, func_of, to_c, to_raw, val_from_c, val_to_c, wasm_val_t,
    wasm_val_vec_t, wasmtime_val_raw_t, wasmtime_val_t, CHandle,
};
use crate::vec::OwnedVec;
use std::ffi::{c_char, c_void};
use std::sync::{Arc, Weak};
use wasmaot_loader::{Caller, Error, Extern, Func, FuncType, Val};

pub type Callback = extern "C" fn(
    *mut c_void,
    *mut wasmtime_caller_t,
    *const wasmtime_val_t,
    usize,
    *mut wasmtime_val_t,
    usize,
) -> Option<Box<wasm_trap_t>>;
pub type UncheckedCallback = extern "C" fn(
    *mut c_void,
    *mut wasmtime_caller_t,
    *mut wasmtime_val_raw_t,
    usize,
) -> Option<Box<wasm_trap_t>>;

/// `wasmtime_caller_t`: the loader's caller, borrowed for the callback.
pub struct wasmtime_caller_t<'a, 'b> {
    caller: &'a mut Caller<'b, StoreData>,
}

/// A C host function: the callback and its environment (finalized when the last
/// function using it is gone).
#[derive(Clone)]
pub enum HostCallback {
    Checked(Callback, Arc<Finalized>),
    Unchecked(UncheckedCallback, Arc<Finalized>),
}

impl HostCallback {
    pub fn new_checked(
        cb: Callback,
        env: *mut c_void,
        fin: Option<extern "C" fn(*mut c_void)>,
    ) -> Self {
        HostCallback::Checked(
            cb,
            Arc::new(Finalized {
                data: SendPtr(env),
                finalizer: fin,
            }),
        )
    }
    pub fn new_unchecked(
        cb: UncheckedCallback,
        env: *mut c_void,
        fin: Option<extern "C" fn(*mut c_void)>,
    ) -> Self {
        HostCallback::Unchecked(
            cb,
            Arc::new(Finalized {
                data: SendPtr(env),
                finalizer: fin,
            }),
        )
    }

    /// Run the C callback for a call with `params`, filling `results`.
    pub fn invoke(
        &self,
        ty: &FuncType,
        caller: &mut Caller<'_, StoreData>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        match self {
            HostCallback::Checked(cb, env) => {
                let d = caller.data_mut();
                let args: Vec<wasmtime_val_t> = params.iter().map(|p| to_c(d, p)).collect();
                let mut out: Vec<wasmtime_val_t> = ty
                    .results
                    .iter()
                    .map(|t| to_c(d, &Val::default_for(*t)))
                    .collect();
                let mut c = wasmtime_caller_t { caller };
                let trap = cb(
                    env.data.0,
                    &mut c,
                    args.as_ptr(),
                    args.len(),
                    out.as_mut_ptr(),
                    out.len(),
                );
                if let Some(trap) = trap {
                    return Err(error_from_trap(&trap));
                }
                let d = caller.data();
                for (i, (o, t)) in out.iter().zip(&ty.results).enumerate() {
                    results[i] = from_c_typed(d, o, *t, &format!("host function result {i}"))
                        .map_err(Error::msg)?;
                }
                Ok(())
            }
            HostCallback::Unchecked(cb, env) => {
                let d = caller.data_mut();
                let n = params.len().max(results.len());
                let mut raw = vec![wasmtime_val_raw_t::default(); n];
                for (slot, p) in raw.iter_mut().zip(params) {
                    *slot = to_raw(d, p);
                }
                let mut c = wasmtime_caller_t { caller };
                let trap = cb(env.data.0, &mut c, raw.as_mut_ptr(), raw.len());
                if let Some(trap) = trap {
                    return Err(error_from_trap(&trap));
                }
                let d = caller.data();
                for (i, t) in ty.results.iter().enumerate() {
                    results[i] = from_raw(d, *t, &raw[i]);
                }
                Ok(())
            }
        }
    }

    /// A loader host function in `store` calling this callback.
    pub fn make_func(&self, store: &mut wasmtime_store_t, ty: FuncType) -> Func {
        let cb = self.clone();
        let fty = ty.clone();
        Func::new(
            &mut store.store,
            ty,
            move |mut caller: Caller<'_, StoreData>, params: &[Val], results: &mut [Val]| {
                cb.invoke(&fty, &mut caller, params, results)
            },
        )
    }
}

pub fn functype_of(t: Option<&wasm_functype_t>) -> Option<FuncType> {
    t.map(|t| t.inner().ty.clone())
}

/// The body of `wasmtime_func_new{,_unchecked}`; `callback` is only built (taking
/// ownership of `env`) once the store and type checked out.
fn new_host_func(
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    callback: impl FnOnce() -> Option<HostCallback>,
    ret: Out<'_, CHandle>,
) {
    guard((), || {
        let (Some(s), Some(ty)) = (c, functype_of(ty)) else {
            return;
        };
        let Some(cb) = callback() else {
            return;
        };
        let f = cb.make_func(s, ty);
        let h = func_handle(s.data(), f);
        ptr::put(ret, h)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_func_new(
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    cb: Option<Callback>,
    env: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
    ret: Out<'_, CHandle>,
) {
    new_host_func(
        c,
        ty,
        || cb.map(|cb| HostCallback::new_checked(cb, env, fin)),
        ret,
    )
}

#[no_mangle]
pub extern "C" fn wasmtime_func_new_unchecked(
    c: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    cb: Option<UncheckedCallback>,
    env: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
    ret: Out<'_, CHandle>,
) {
    new_host_func(
        c,
        ty,
        || cb.map(|cb| HostCallback::new_unchecked(cb, env, fin)),
        ret,
    )
}

#[no_mangle]
pub extern "C" fn wasmtime_func_type(
    c: Option<&wasmtime_context_t>,
    f: Option<&CHandle>,
) -> *mut wasm_functype_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, f) else {
            return std::ptr::null_mut();
        };
        match func_of(s.store.data(), h) {
            Ok(f) => Box::into_raw(wasm_functype_t::new(f.ty(&s.store))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// An error a C callback returned as a `wasmtime_error_t` (not a trap): it unwinds
/// through wasm and comes back to the caller as that error.
#[derive(Debug)]
pub struct CError(pub String);

impl std::fmt::Display for CError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CError {}

/// Turn a call's failure into the (error, trap) pair of the C API: a trap goes to `trap`
/// if there is a slot for it (the error is then NULL).
pub fn call_failure(
    s: &mut wasmtime_store_t,
    e: &Error,
    trap: Option<&mut Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    if let Some(exit) = e.downcast_ref::<wasmaot_wasi::I32Exit>() {
        let _ = s.data().wasi.take_exit_code();
        return exit_error(exit.0);
    }
    if let Some(c) = e.downcast_ref::<CError>() {
        return new_error(c.0.clone());
    }
    // An exception no wasm handler caught is an error, not a trap (as in Wasmtime,
    // which reports thrown exceptions as errors).
    if e.is::<wasmaot_loader::UncaughtException>() {
        let mut message = e.message().to_string();
        for (i, frame) in e
            .as_trap()
            .map_or(&[][..], |t| &t.backtrace)
            .iter()
            .enumerate()
        {
            message.push_str(&format!("\n  {i}: {frame}"));
        }
        return new_error(message);
    }
    if e.trap_code().is_none() {
        if let Some(code) = s.data().wasi.take_exit_code() {
            return exit_error(code);
        }
    }
    match (trap_from_error(e), trap) {
        (Some(t), Some(slot)) => {
            *slot = Some(t);
            std::ptr::null_mut()
        }
        _ => from_loader(e),
    }
}

/// # Safety
///
/// Unless `nargs` is 0, `args` must be NULL or point to `nargs` values; unless
/// `nresults` is 0, `results` must be NULL or point to `nresults` writable values. They
/// may overlap.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_call(
    c: Option<&mut wasmtime_context_t>,
    f: Option<&CHandle>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let trap = ptr::init(trap, None);
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = f else {
            return null_arg("func");
        };
        let func = match func_of(s.store.data(), h) {
            Ok(f) => f,
            Err(e) => return new_error(e),
        };
        let ty = func.ty(&s.store);
        if nargs != ty.params.len() {
            return new_error(format!(
                "expected {} arguments, got {nargs}",
                ty.params.len()
            ));
        }
        if nresults != ty.results.len() {
            return new_error(format!(
                "expected {} results, got {nresults}",
                ty.results.len()
            ));
        }
        // SAFETY: the caller's promise about `args`; the slice is not used once `results`
        // is written.
        let Some(args) = (unsafe { ptr::slice(args, nargs) }) else {
            return null_arg("args");
        };
        if nresults > 0 && results.is_null() {
            return null_arg("results");
        }
        let mut params = Vec::with_capacity(nargs);
        for (i, (a, t)) in args.iter().zip(&ty.params).enumerate() {
            match from_c_typed(s.store.data(), a, *t, &format!("argument {i}")) {
                Ok(v) => params.push(v),
                Err(e) => return new_error(format!("argument type mismatch: {e}")),
            }
        }
        let mut out: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
        match func.call(&mut s.store, &params, &mut out) {
            Ok(()) => {
                // SAFETY: the caller's promise about `results` (not NULL unless empty).
                let res = unsafe { ptr::slice_mut(results, nresults) }.unwrap_or_default();
                let d = s.data();
                for (slot, v) in res.iter_mut().zip(&out) {
                    *slot = to_c(d, v);
                }
                std::ptr::null_mut()
            }
            Err(e) => call_failure(s, &e, trap),
        }
    })
}

/// # Safety
///
/// Unless `len` is 0, `args_and_results` must be NULL or point to `len` writable raw
/// values.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_call_unchecked(
    c: Option<&mut wasmtime_context_t>,
    f: Option<&CHandle>,
    args_and_results: *mut wasmtime_val_raw_t,
    len: usize,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let trap = ptr::init(trap, None);
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(h) = f else {
            return null_arg("func");
        };
        let func = match func_of(s.store.data(), h) {
            Ok(f) => f,
            Err(e) => return new_error(e),
        };
        let ty = func.ty(&s.store);
        let need = ty.params.len().max(ty.results.len());
        if len < need {
            return new_error(format!("expected room for {need} values, got {len}"));
        }
        // SAFETY: the caller's promise.
        let Some(raw) = (unsafe { ptr::slice_mut(args_and_results, len) }) else {
            return null_arg("args_and_results");
        };
        let params: Vec<Val> = ty
            .params
            .iter()
            .zip(raw.iter())
            .map(|(t, r)| from_raw(s.store.data(), *t, r))
            .collect();
        let mut out: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
        match func.call(&mut s.store, &params, &mut out) {
            Ok(()) => {
                let d = s.data();
                for (slot, v) in raw.iter_mut().zip(&out) {
                    *slot = to_raw(d, v);
                }
                std::ptr::null_mut()
            }
            Err(e) => call_failure(s, &e, trap),
        }
    })
}

/// # Safety
///
/// Unless `len` is 0, `name` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_caller_export_get(
    c: Option<&mut wasmtime_caller_t>,
    name: *const c_char,
    len: usize,
    item: Out<'_, wasmtime_extern_t>,
) -> bool {
    guard(false, || {
        // SAFETY: the caller's promise.
        let name = unsafe { ptr::str_n(name, len) };
        let (Some(c), Some(name)) = (c, name) else {
            return false;
        };
        match c
            .caller
            .get_export(&name)
            .and_then(|e| extern_to_c(&mut c.caller, e))
        {
            Some(x) => {
                ptr::put(item, x);
                true
            }
            None => false,
        }
    })
}

/// The caller's store, as a context: the address of its `wasmtime_store_t`.
#[no_mangle]
pub extern "C" fn wasmtime_caller_context(
    c: Option<&wasmtime_caller_t>,
) -> *mut wasmtime_context_t {
    guard(std::ptr::null_mut(), || {
        c.map_or(std::ptr::null_mut(), |c| c.caller.data().this)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_func_from_raw(
    c: Option<&wasmtime_context_t>,
    raw: *mut c_void,
    ret: Out<'_, CHandle>,
) {
    guard((), || {
        let Some(s) = c else { return };
        let h = match (raw as usize)
            .checked_sub(1)
            .and_then(|i| s.store.data().handles.funcs.get(i))
        {
            Some(_) => CHandle {
                store_id: s.id(),
                private: raw as usize - 1,
            },
            None => CHandle::default(),
        };
        ptr::put(ret, h)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_func_to_raw(
    c: Option<&wasmtime_context_t>,
    f: Option<&CHandle>,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(h)) = (c, f) else {
            return std::ptr::null_mut();
        };
        match func_of(s.store.data(), h) {
            Ok(_) => (h.private + 1) as *mut c_void,
            Err(_) => std::ptr::null_mut(),
        }
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h functions

extern_view!(wasm_func_t, Func, func);
has_hdr!(wasm_func_t, ext);

extern_casts!(
    wasm_func_t,
    wasm_func_as_extern,
    wasm_func_as_extern_const,
    wasm_extern_as_func,
    wasm_extern_as_func_const
);
ref_fns!(
    wasm_func_t,
    wasm_func_delete,
    wasm_func_copy,
    wasm_func_same,
    |a, b| a.ext.same(&b.ext),
    wasm_func_get_host_info,
    wasm_func_set_host_info,
    wasm_func_set_host_info_with_finalizer
);
ref_casts!(
    wasm_func_t,
    wasm_func_as_ref,
    wasm_func_as_ref_const,
    wasm_ref_as_func,
    wasm_ref_as_func_const,
    |v| v.is_extern(|e| matches!(e, Extern::Func(_)))
);

type WasmCallback =
    extern "C" fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> Option<Box<wasm_trap_t>>;
type WasmCallbackEnv = extern "C" fn(
    *mut c_void,
    *const wasm_val_vec_t,
    *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>>;

fn host_call(
    store: &Weak<WasmStore>,
    ty: &FuncType,
    params: &[Val],
    results: &mut [Val],
    call: impl FnOnce(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> Option<Box<wasm_trap_t>>,
) -> Result<(), wasmaot_loader::Error> {
    let Some(store) = store.upgrade() else {
        return Err(wasmaot_loader::Error::msg("the store was deleted"));
    };
    let args = OwnedVec::new(params.iter().map(|p| val_to_c(&store, p)).collect());
    let mut res = OwnedVec::new(ty.results.iter().map(|_| wasm_val_t::default()).collect());
    let trap = call(args.as_c(), res.as_c_mut());
    drop(args);
    let res = res.into_vec();
    if let Some(trap) = trap {
        return Err(error_from_trap(&trap));
    }
    for (i, (r, t)) in res.iter().zip(&ty.results).enumerate() {
        results[i] = val_from_c(r, *t)
            .map_err(|e| wasmaot_loader::Error::msg(format!("host function result {i}: {e}")))?;
    }
    Ok(())
}

fn new_wasm_host_func(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    call: impl Fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> Option<Box<wasm_trap_t>>
        + Send
        + Sync
        + 'static,
) -> *mut wasm_func_t {
    let (Some(store), Some(ty)) = (store_of(s), functype_of(ty)) else {
        return std::ptr::null_mut();
    };
    let weak = Arc::downgrade(&store);
    let fty = ty.clone();
    let f = Func::new(
        &mut store.get().store,
        ty,
        move |_c: Caller<'_, _>, params: &[Val], results: &mut [Val]| {
            host_call(&weak, &fty, params, results, &call)
        },
    );
    wasm_func_t::boxed(&store, f)
}

#[no_mangle]
pub extern "C" fn wasm_func_new(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    cb: Option<WasmCallback>,
) -> *mut wasm_func_t {
    guard(std::ptr::null_mut(), || {
        let Some(cb) = cb else {
            return std::ptr::null_mut();
        };
        new_wasm_host_func(s, ty, move |a, r| cb(a, r))
    })
}

#[no_mangle]
pub extern "C" fn wasm_func_new_with_env(
    s: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    cb: Option<WasmCallbackEnv>,
    env: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    guard(std::ptr::null_mut(), || {
        let Some(cb) = cb else {
            return std::ptr::null_mut();
        };
        let env = Finalized {
            data: SendPtr(env),
            finalizer: fin,
        };
        new_wasm_host_func(s, ty, move |a, r| {
            let env = &env;
            cb(env.data.0, a, r)
        })
    })
}

fn func_ty(f: &wasm_func_t) -> Option<FuncType> {
    Some(f.func()?.ty(&f.ext.store.get().store))
}

#[no_mangle]
pub extern "C" fn wasm_func_type(f: Option<&wasm_func_t>) -> *mut wasm_functype_t {
    guard(std::ptr::null_mut(), || match f.and_then(func_ty) {
        Some(t) => Box::into_raw(wasm_functype_t::new(t)),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_func_param_arity(f: Option<&wasm_func_t>) -> usize {
    guard(0, || f.and_then(func_ty).map_or(0, |t| t.params.len()))
}

#[no_mangle]
pub extern "C" fn wasm_func_result_arity(f: Option<&wasm_func_t>) -> usize {
    guard(0, || f.and_then(func_ty).map_or(0, |t| t.results.len()))
}

/// # Safety
///
/// `args` and `results` must each be NULL or a valid vector (a non-NULL `data` points to
/// `size` values); the values in `results` are overwritten without being freed.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_call(
    f: Option<&wasm_func_t>,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>> {
    crate::guard::guard_else(
        || Some(msg_trap("internal error in wasm_func_call")),
        || {
            let Some(f) = f else {
                return Some(msg_trap("wasm_func_call: NULL function"));
            };
            let Some(func) = f.func() else {
                return Some(msg_trap("not a function"));
            };
            let store = f.ext.store.clone();
            let ty = func.ty(&store.get().store);
            // SAFETY: the caller's promise about `args`; the slice is not used once
            // `results` is written.
            let args = unsafe { args.as_ref().map_or(&[][..], |a| a.as_slice()) };
            if args.len() != ty.params.len() {
                return Some(msg_trap(format!(
                    "expected {} arguments, got {}",
                    ty.params.len(),
                    args.len()
                )));
            }
            // SAFETY: the caller's promise about `results` (read only here).
            let (size, data) =
                unsafe { results.as_ref() }.map_or((0, std::ptr::null_mut()), |r| (r.size, r.data));
            if size < ty.results.len() || (size > 0 && data.is_null()) {
                return Some(msg_trap(format!(
                    "expected room for {} results, got {size}",
                    ty.results.len()
                )));
            }
            let mut params = Vec::new();
            for (i, (a, t)) in args.iter().zip(&ty.params).enumerate() {
                match val_from_c(a, *t) {
                    Ok(v) => params.push(v),
                    Err(e) => return Some(msg_trap(format!("argument {i}: {e}"))),
                }
            }
            let mut out: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
            match func.call(&mut store.get().store, &params, &mut out) {
                Ok(()) => {
                    // SAFETY: the caller's promise about `results`: `data` (not NULL, see
                    // above) holds `size` values.
                    let slots = unsafe { ptr::slice_mut(data, size) }.unwrap_or_default();
                    for (slot, v) in slots.iter_mut().zip(&out) {
                        // Result slots are output: overwrite without dropping.
                        std::mem::forget(std::mem::replace(slot, val_to_c(&store, v)));
                    }
                    None
                }
                Err(e) => Some(trap_from_error(&e).unwrap_or_else(|| msg_trap(e.to_string()))),
            }
        },
    )
}
