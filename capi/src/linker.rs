//! `wasmtime_linker_t` and `wasmtime_instance_pre_t`.
//!
//! The linker lives on the C side: definitions are either items of one store or C host
//! functions (created in each store on instantiation); WASI imports come from a loader
//! `Linker` filled by `wasi::add_to_linker`.

use crate::config::wasm_engine_t;
use crate::error::{from_loader, new_error, null_arg, wasmtime_error_t};
use crate::externs::{extern_from_c, extern_to_c, wasmtime_extern_t};
use crate::func::{call_failure, functype_of, Callback, HostCallback, UncheckedCallback};
use crate::guard::{guard, guard_err};
use crate::instance::{
    check_instance_limits, instance_handle, instance_of, instantiate, ret_instance,
};
use crate::module::wasmtime_module_t;
use crate::ptr::{self, Out};
use crate::store::{wasmtime_context_t, wasmtime_store_t, StoreData};
use crate::trap::wasm_trap_t;
use crate::types::wasm_functype_t;
use crate::val::{func_handle, CHandle};
use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::sync::Arc;
use wasmaot_loader::{
    Caller, Error, Extern, ExternType, Func, FuncType, Instance, Linker, Module, Store, Val,
};

#[derive(Clone)]
enum Def {
    Item { store_id: u64, item: Extern },
    Host { ty: FuncType, cb: HostCallback },
}

#[derive(Clone)]
pub struct wasmtime_linker_t {
    engine: wasm_engine_t,
    defs: HashMap<(String, String), Def>,
    allow_shadowing: bool,
    wasi: Option<Arc<Linker<StoreData>>>,
}

impl wasmtime_linker_t {
    fn insert(&mut self, module: String, name: String, def: Def) -> Result<(), String> {
        let key = (module, name);
        let wasi_defined = key.0 == wasmaot_wasi::MODULE && self.wasi.is_some();
        if !self.allow_shadowing && (self.defs.contains_key(&key) || wasi_defined) {
            return Err(format!("import of `{}::{}` defined twice", key.0, key.1));
        }
        self.defs.insert(key, def);
        Ok(())
    }

    /// The definition of `module::name` as an item of `s` (host functions are created).
    fn resolve(
        &self,
        s: &mut wasmtime_store_t,
        module: &str,
        name: &str,
    ) -> Result<Option<Extern>, String> {
        match self.defs.get(&(module.to_string(), name.to_string())) {
            Some(Def::Item { store_id, item }) => {
                if *store_id != s.id() {
                    return Err(format!(
                        "`{module}::{name}` was defined with a different store"
                    ));
                }
                Ok(Some(*item))
            }
            Some(Def::Host { ty, cb }) => Ok(Some(Extern::Func(cb.make_func(s, ty.clone())))),
            None => match &self.wasi {
                Some(w) if module == wasmaot_wasi::MODULE => Ok(w.get(&mut s.store, module, name)),
                _ => Ok(None),
            },
        }
    }

    fn defined(&self, module: &str, name: &str) -> bool {
        self.defs
            .contains_key(&(module.to_string(), name.to_string()))
            || (module == wasmaot_wasi::MODULE && self.wasi.is_some())
    }

    fn imports_for(
        &self,
        s: &mut wasmtime_store_t,
        module: &Module,
    ) -> Result<Vec<Extern>, String> {
        let mut out = Vec::new();
        for imp in module.imports() {
            match self.resolve(s, &imp.module, &imp.name)? {
                Some(e) => out.push(e),
                None => {
                    return Err(format!(
                        "unknown import: `{}::{}` has not been defined",
                        imp.module, imp.name
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Error unless every import of `module` is defined (host functions with its type).
    fn check_imports(&self, module: &Module) -> Result<(), String> {
        for imp in module.imports() {
            if !self.defined(&imp.module, &imp.name) {
                return Err(format!(
                    "unknown import: `{}::{}` has not been defined",
                    imp.module, imp.name
                ));
            }
            let key = (imp.module.clone(), imp.name.clone());
            if let (Some(Def::Host { ty, .. }), ExternType::Func(want)) =
                (self.defs.get(&key), &imp.ty)
            {
                if want != ty {
                    return Err(format!(
                        "incompatible import type for `{}::{}`: expected {want}, found {ty}",
                        imp.module, imp.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// An instance of `module` in `s`, or the C API's error (NULL when the failure is a
    /// trap, stored in `trap`).
    fn instantiate(
        &self,
        s: &mut wasmtime_store_t,
        module: &wasmtime_module_t,
        trap: Option<&mut Option<Box<wasm_trap_t>>>,
    ) -> Result<CHandle, *mut wasmtime_error_t> {
        let module = module.get().map_err(new_error)?;
        let imports = self.imports_for(s, module).map_err(new_error)?;
        instantiate(s, module, &imports, trap)
    }
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_new(engine: Option<&wasm_engine_t>) -> *mut wasmtime_linker_t {
    guard(std::ptr::null_mut(), || match engine {
        Some(e) => Box::into_raw(Box::new(wasmtime_linker_t {
            engine: e.clone(),
            defs: HashMap::new(),
            allow_shadowing: false,
            wasi: None,
        })),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_clone(
    l: Option<&wasmtime_linker_t>,
) -> Option<Box<wasmtime_linker_t>> {
    guard(None, || l.map(|l| Box::new(l.clone())))
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_delete(l: Option<Box<wasmtime_linker_t>>) {
    guard((), || drop(l))
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_allow_shadowing(l: Option<&mut wasmtime_linker_t>, allow: bool) {
    guard((), || {
        if let Some(l) = l {
            l.allow_shadowing = allow;
        }
    })
}

/// The `(module, name)` pair of a definition.
///
/// # Safety
///
/// As for [`ptr::str_n`], for `m`/`ml` and `n`/`nl`.
unsafe fn names(
    m: *const c_char,
    ml: usize,
    n: *const c_char,
    nl: usize,
) -> Option<(String, String)> {
    // SAFETY: the caller's promise.
    unsafe { Some((ptr::str_n(m, ml)?, ptr::str_n(n, nl)?)) }
}

fn result(r: Result<(), String>) -> *mut wasmtime_error_t {
    match r {
        Ok(()) => std::ptr::null_mut(),
        Err(e) => new_error(e),
    }
}

/// # Safety
///
/// Unless `ml` (`nl`) is 0, `module` (`name`) must be NULL or point to that many bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define(
    l: Option<&mut wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    module: *const c_char,
    ml: usize,
    name: *const c_char,
    nl: usize,
    item: Option<&wasmtime_extern_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(s) = c else {
            return null_arg("context");
        };
        // SAFETY: the caller's promise.
        let Some((m, n)) = (unsafe { names(module, ml, name, nl) }) else {
            return null_arg("name");
        };
        let Some(item) = item else {
            return null_arg("item");
        };
        // SAFETY: the caller's promise (a valid extern).
        let item = match unsafe { extern_from_c(&mut s.store, item) } {
            Ok(i) => i,
            Err(e) => return new_error(e),
        };
        result(l.insert(
            m,
            n,
            Def::Item {
                store_id: s.id(),
                item,
            },
        ))
    })
}

/// The body of `wasmtime_linker_define_func{,_unchecked}`; `callback` is only built
/// (taking ownership of the host's data) once every other argument checked out.
///
/// # Safety
///
/// As for [`names`].
#[allow(clippy::too_many_arguments)]
unsafe fn define_host_func(
    l: Option<&mut wasmtime_linker_t>,
    module: *const c_char,
    ml: usize,
    name: *const c_char,
    nl: usize,
    ty: Option<&wasm_functype_t>,
    callback: impl FnOnce() -> Option<HostCallback>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        // SAFETY: the caller's promise.
        let Some((m, n)) = (unsafe { names(module, ml, name, nl) }) else {
            return null_arg("name");
        };
        let Some(ty) = functype_of(ty) else {
            return null_arg("type");
        };
        let Some(cb) = callback() else {
            return null_arg("callback");
        };
        result(l.insert(m, n, Def::Host { ty, cb }))
    })
}

/// # Safety
///
/// Unless `ml` (`nl`) is 0, `module` (`name`) must be NULL or point to that many bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_func(
    l: Option<&mut wasmtime_linker_t>,
    module: *const c_char,
    ml: usize,
    name: *const c_char,
    nl: usize,
    ty: Option<&wasm_functype_t>,
    cb: Option<Callback>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    // SAFETY: the caller's promise.
    unsafe {
        define_host_func(l, module, ml, name, nl, ty, || {
            cb.map(|cb| HostCallback::new_checked(cb, data, fin))
        })
    }
}

/// # Safety
///
/// Unless `ml` (`nl`) is 0, `module` (`name`) must be NULL or point to that many bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_func_unchecked(
    l: Option<&mut wasmtime_linker_t>,
    module: *const c_char,
    ml: usize,
    name: *const c_char,
    nl: usize,
    ty: Option<&wasm_functype_t>,
    cb: Option<UncheckedCallback>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    // SAFETY: the caller's promise.
    unsafe {
        define_host_func(l, module, ml, name, nl, ty, || {
            cb.map(|cb| HostCallback::new_unchecked(cb, data, fin))
        })
    }
}

fn wasi_of(d: &mut StoreData) -> &mut wasmaot_wasi::WasiCtx {
    &mut d.wasi
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_define_wasi(
    l: Option<&mut wasmtime_linker_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let mut w = Linker::new(&l.engine.engine);
        if let Err(e) = wasmaot_wasi::add_to_linker(&mut w, wasi_of) {
            return from_loader(&e);
        }
        l.wasi = Some(Arc::new(w));
        std::ptr::null_mut()
    })
}

/// # Safety
///
/// Unless `len` is 0, `name` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_instance(
    l: Option<&mut wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    len: usize,
    i: Option<&CHandle>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(s) = c else {
            return null_arg("context");
        };
        // SAFETY: the caller's promise.
        let Some(name) = (unsafe { ptr::str_n(name, len) }) else {
            return null_arg("name");
        };
        let Some(h) = i else {
            return null_arg("instance");
        };
        let inst = match instance_of(s.store.data(), h) {
            Ok(i) => i,
            Err(e) => return new_error(e),
        };
        let id = s.id();
        for (n, item) in inst.exports(&mut s.store) {
            if let Err(e) = l.insert(name.clone(), n, Def::Item { store_id: id, item }) {
                return new_error(e);
            }
        }
        std::ptr::null_mut()
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate(
    l: Option<&wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    m: Option<&wasmtime_module_t>,
    ret: Out<'_, CHandle>,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let trap = ptr::init(trap, None);
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(s) = c else {
            return null_arg("context");
        };
        let Some(m) = m else {
            return null_arg("module");
        };
        ret_instance(l.instantiate(s, m, trap), ret)
    })
}

/// Wasmtime's `Linker::module`.
///
/// A *command* (a module exporting `_start`) is not instantiated here: each of its function
/// exports becomes a function of this store that, on every call, instantiates the module
/// afresh in the store, calls the export and returns its results (traps, errors and WASI
/// exit statuses propagate). As in Wasmtime, the command's imports resolve through the
/// linker as it is now (a snapshot), so they must already be defined; its memory, tables
/// and the toolchain globals Wasmtime tolerates are not defined, any other non-function
/// export is an error.
///
/// A *reactor* (any other module) is instantiated once, its `_initialize` (if exported)
/// is called, and all its exports are defined under `name`.
///
/// # Safety
///
/// Unless `len` is 0, `name` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_module(
    l: Option<&mut wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    len: usize,
    m: Option<&wasmtime_module_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(s) = c else {
            return null_arg("context");
        };
        // SAFETY: the caller's promise.
        let Some(name) = (unsafe { ptr::str_n(name, len) }) else {
            return null_arg("name");
        };
        let Some(m) = m else {
            return null_arg("module");
        };
        let module = match m.get() {
            Ok(module) => module,
            Err(e) => return new_error(e),
        };
        match is_command(module) {
            Ok(true) => result(define_command(l, s, &name, module)),
            Ok(false) => define_reactor(l, s, &name, m),
            Err(e) => new_error(e),
        }
    })
}

/// Whether `module` is a command (exports `_start`) rather than a reactor.
fn is_command(module: &Module) -> Result<bool, String> {
    let exports = module.exports();
    let kind = |n: &str| exports.iter().find(|e| e.name == n).map(|e| &e.ty);
    match (kind("_start"), kind("_initialize")) {
        (Some(_), Some(_)) => Err("Program cannot be both a Command and a Reactor".into()),
        (Some(ExternType::Func(_)), None) => Ok(true),
        (Some(_), None) => Err("`_start` must be a function".into()),
        (None, Some(ExternType::Func(_))) | (None, None) => Ok(false),
        (None, Some(_)) => Err("`_initialize` must be a function".into()),
    }
}

/// The non-function exports a command may have (they are not defined), as in Wasmtime.
fn tolerated_command_export(name: &str, ty: &ExternType) -> bool {
    match ty {
        ExternType::Memory(_) => name == "memory",
        ExternType::Table(_) => name == "table" || name == "__indirect_function_table",
        ExternType::Global(_) => matches!(
            name,
            "__data_end" | "__heap_base" | "__dso_handle" | "__rtti_base"
        ),
        ExternType::Func(_) => true,
        // Not shown by the C API: ignored, as if absent.
        ExternType::Tag(_) => true,
    }
}

fn define_command(
    l: &mut wasmtime_linker_t,
    s: &mut wasmtime_store_t,
    name: &str,
    module: &Module,
) -> Result<(), String> {
    let exports = module.exports();
    if let Some(e) = exports
        .iter()
        .find(|e| !tolerated_command_export(&e.name, &e.ty))
    {
        return Err(format!("command export '{}' is not a function", e.name));
    }
    l.check_imports(module)?;
    let snapshot = Arc::new(l.clone());
    let id = s.id();
    for e in exports {
        let ExternType::Func(ty) = e.ty else { continue };
        let f = command_func(s, snapshot.clone(), module.clone(), e.name.clone(), ty);
        l.insert(
            name.to_string(),
            e.name,
            Def::Item {
                store_id: id,
                item: Extern::Func(f),
            },
        )?;
    }
    Ok(())
}

/// A function of `s` calling `export` of a fresh instance of the command `module`.
fn command_func(
    s: &mut wasmtime_store_t,
    linker: Arc<wasmtime_linker_t>,
    module: Module,
    export: String,
    ty: FuncType,
) -> Func {
    Func::new(
        &mut s.store,
        ty,
        move |caller: Caller<'_, StoreData>, params: &[Val], results: &mut [Val]| {
            // Re-enter through the store's C address, as a C callback does with
            // `wasmtime_caller_context`; `caller` is not used again.
            let this = caller.data().this;
            // SAFETY: `this` is the address of the boxed store that owns this function
            // (set by `new_store`; the store outlives its functions). The call that got
            // here holds the store only inside the loader, which hands it to host
            // functions the same way (its `Caller`), and `caller` is not used again.
            let Some(s) = (unsafe { this.as_mut() }) else {
                return Err(Error::msg("command called without its store"));
            };
            let imports = linker.imports_for(s, &module).map_err(Error::msg)?;
            check_instance_limits(s, &module).map_err(Error::msg)?;
            let instance = Instance::new(&mut s.store, &module, &imports)?;
            let f = instance
                .get_func(&mut s.store, &export)
                .ok_or_else(|| Error::msg(format!("command export `{export}` is missing")))?;
            f.call(&mut s.store, params, results)
        },
    )
}

fn define_reactor(
    l: &mut wasmtime_linker_t,
    s: &mut wasmtime_store_t,
    name: &str,
    m: &wasmtime_module_t,
) -> *mut wasmtime_error_t {
    let mut trap = None;
    let h = match l.instantiate(s, m, Some(&mut trap)) {
        Ok(h) => h,
        Err(err) if !err.is_null() => return err,
        Err(_) => return new_error(trap.map(|t| t.message).unwrap_or_default()),
    };
    let inst = match instance_of(s.store.data(), &h) {
        Ok(i) => i,
        Err(e) => return new_error(e),
    };
    if let Some(init) = inst.get_func(&mut s.store, "_initialize") {
        const CONTEXT: &str = "calling the Reactor initialization function";
        let ty = init.ty(&s.store);
        if !ty.params.is_empty() || !ty.results.is_empty() {
            return new_error(format!("{CONTEXT}: expected type [] -> [], found {ty}"));
        }
        if let Err(e) = init.call(&mut s.store, &[], &mut []) {
            let err = call_failure(s, &e, None);
            // SAFETY: without a trap slot `call_failure` returns a new error
            // (`Box::into_raw`) that nobody else has seen yet.
            if let Some(err) = unsafe { err.as_mut() } {
                err.message = format!("{CONTEXT}: {}", err.message);
            }
            return err;
        }
    }
    let id = s.id();
    for (n, item) in inst.exports(&mut s.store) {
        if let Err(e) = l.insert(name.to_string(), n, Def::Item { store_id: id, item }) {
            return new_error(e);
        }
    }
    std::ptr::null_mut()
}

/// # Safety
///
/// Unless `len` is 0, `name` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_get_default(
    l: Option<&wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    len: usize,
    func: Out<'_, CHandle>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(s) = c else {
            return null_arg("context");
        };
        // SAFETY: the caller's promise.
        let Some(name) = (unsafe { ptr::str_n(name, len) }) else {
            return null_arg("name");
        };
        for n in ["", "_start"] {
            match l.resolve(s, &name, n) {
                Ok(Some(Extern::Func(f))) => {
                    let h = func_handle(s.data(), f);
                    ptr::put(func, h);
                    return std::ptr::null_mut();
                }
                Ok(Some(_)) => return new_error(format!("`{name}::{n}` is not a function")),
                Ok(None) => {}
                Err(e) => return new_error(e),
            }
        }
        // Like Wasmtime: a module without a default export gets a function doing nothing.
        let f = Func::new(&mut s.store, FuncType::default(), |_, _, _| Ok(()));
        let h = func_handle(s.data(), f);
        ptr::put(func, h);
        std::ptr::null_mut()
    })
}

/// # Safety
///
/// Unless `ml` (`nl`) is 0, `module` (`name`) must be NULL or point to that many bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_get(
    l: Option<&wasmtime_linker_t>,
    c: Option<&mut wasmtime_context_t>,
    module: *const c_char,
    ml: usize,
    name: *const c_char,
    nl: usize,
    item: Out<'_, wasmtime_extern_t>,
) -> bool {
    guard(false, || {
        // SAFETY: the caller's promise.
        let names = unsafe { names(module, ml, name, nl) };
        let (Some(l), Some(s), Some((m, n))) = (l, c, names) else {
            return false;
        };
        match l.resolve(s, &m, &n) {
            Ok(Some(e)) => match extern_to_c(&mut s.store, e) {
                Some(x) => {
                    ptr::put(item, x);
                    true
                }
                None => false,
            },
            _ => false,
        }
    })
}

// --- instance_pre --------------------------------------------------------------------------

/// Instantiates a pre-resolved module in a store.
type Instantiate = Box<dyn Fn(&mut Store<StoreData>) -> Result<Instance, Error> + Send + Sync>;

/// A module whose imports were resolved once: a loader `InstancePre` (behind the closure)
/// over a loader linker holding just the module's imports (C host functions, items of a
/// store, WASI functions).
pub struct wasmtime_instance_pre_t {
    module: wasmtime_module_t,
    /// Imports defined as items of a store: the store's id and the import's name (checked
    /// before instantiating, for the C API's message).
    items: Vec<(u64, String, String)>,
    instantiate: Instantiate,
}

#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate_pre(
    l: Option<&wasmtime_linker_t>,
    m: Option<&wasmtime_module_t>,
    ret: Out<'_, Box<wasmtime_instance_pre_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(l) = l else {
            return null_arg("linker");
        };
        let Some(m) = m else {
            return null_arg("module");
        };
        let module = match m.get() {
            Ok(module) => module,
            Err(e) => return new_error(e),
        };
        if let Err(e) = l.check_imports(module) {
            return new_error(e);
        }
        let mut linker: Linker<StoreData> = match &l.wasi {
            Some(w) => (**w).clone(),
            None => Linker::new(module.engine()),
        };
        linker.allow_shadowing(true);
        let mut items = Vec::new();
        for imp in module.imports() {
            let defined = match l.defs.get(&(imp.module.clone(), imp.name.clone())) {
                Some(Def::Item { store_id, item }) => {
                    items.push((*store_id, imp.module.clone(), imp.name.clone()));
                    linker.define(&imp.module, &imp.name, *item).map(|_| ())
                }
                Some(Def::Host { ty, cb }) => {
                    let (cb, fty) = (cb.clone(), ty.clone());
                    linker
                        .func_new(
                            &imp.module,
                            &imp.name,
                            ty.clone(),
                            move |mut caller: Caller<'_, StoreData>,
                                  params: &[Val],
                                  results: &mut [Val]| {
                                cb.invoke(&fty, &mut caller, params, results)
                            },
                        )
                        .map(|_| ())
                }
                // A WASI function (`check_imports` saw it defined).
                None => Ok(()),
            };
            if let Err(e) = defined {
                return from_loader(&e);
            }
        }
        let pre = match linker.instantiate_pre(module) {
            Ok(pre) => pre,
            Err(e) => return from_loader(&e),
        };
        ptr::put(
            ret,
            Box::new(wasmtime_instance_pre_t {
                module: m.clone(),
                items,
                instantiate: Box::new(move |store: &mut Store<StoreData>| pre.instantiate(store)),
            }),
        );
        std::ptr::null_mut()
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_delete(p: Option<Box<wasmtime_instance_pre_t>>) {
    guard((), || drop(p))
}

/// `store` is a context pointer (as in v23's implementation) or a store pointer: they are
/// the same address in libwasmaot.
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_instantiate(
    p: Option<&wasmtime_instance_pre_t>,
    store: Option<&mut wasmtime_store_t>,
    ret: Out<'_, CHandle>,
    trap: Out<'_, Option<Box<wasm_trap_t>>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let trap = ptr::init(trap, None);
        let Some(p) = p else {
            return null_arg("instance_pre");
        };
        let Some(s) = store else {
            return null_arg("store");
        };
        for (store_id, module, name) in &p.items {
            if *store_id != s.id() {
                return new_error(format!(
                    "`{module}::{name}` was defined with a different store"
                ));
            }
        }
        let module = match p.module.get() {
            Ok(m) => m,
            Err(e) => return new_error(e),
        };
        if let Err(e) = check_instance_limits(s, module) {
            return new_error(e);
        }
        let r = match (p.instantiate)(&mut s.store) {
            Ok(i) => Ok(instance_handle(s.data(), i)),
            Err(e) => Err(call_failure(s, &e, trap)),
        };
        ret_instance(r, ret)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_module(
    p: Option<&wasmtime_instance_pre_t>,
) -> Option<Box<wasmtime_module_t>> {
    guard(None, || p.map(|p| Box::new(p.module.clone())))
}
