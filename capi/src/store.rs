//! `wasmtime_store_t` / `wasmtime_context_t`: a loader `Store<StoreData>` plus the C
//! host's data, handle tables, WASI context, fuel, epoch and limiter settings.
//!
//! A `wasmtime_context_t *` is the same address as its `wasmtime_store_t *` (the store is
//! boxed and never moves), so `wasmtime_instance_pre_instantiate` accepts either.
//!
//! wasm.h's `wasm_store_t` is a reference-counted `wasmtime_store_t`: each wasm.h object
//! points at its store, so it stays valid whatever order the host deletes things in.

use crate::config::{wasm_engine_t, EngineShared};
use crate::error::{new_error, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Finalized, Out, SendPtr};
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmaot_loader::{AnyRef, ExnRef, ExternRef, Func, Global, Instance, Memory, Store, Table};
use wasmaot_wasi::WasiCtx;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Loader handles as small indices (`__private` of the C handle types).
pub struct Interner<T> {
    list: Vec<T>,
    map: HashMap<T, usize>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            list: Vec::new(),
            map: HashMap::new(),
        }
    }
}

impl<T: Copy + Eq + Hash> Interner<T> {
    pub fn intern(&mut self, t: T) -> usize {
        if let Some(i) = self.map.get(&t) {
            return *i;
        }
        self.list.push(t);
        self.map.insert(t, self.list.len() - 1);
        self.list.len() - 1
    }
    pub fn get(&self, i: usize) -> Option<T> {
        self.list.get(i).copied()
    }
}

#[derive(Default)]
pub struct Handles {
    pub funcs: Interner<Func>,
    pub tables: Interner<Table>,
    pub memories: Interner<Memory>,
    pub globals: Interner<Global>,
    pub instances: Interner<Instance>,
    pub externrefs: Interner<ExternRef>,
    /// Exceptions (exnref values) handed to C, see `val.rs`.
    pub exnrefs: Interner<ExnRef>,
    pub anyrefs: Interner<AnyRef>,
}

/// `wasmtime_store_limiter` settings (negative in C = no limit).
#[derive(Clone, Copy, Default, Debug)]
pub struct Limits {
    pub memory_size: Option<u64>,
    pub table_elements: Option<u64>,
    pub instances: Option<u64>,
    pub tables: Option<u64>,
    pub memories: Option<u64>,
}

pub struct StoreData {
    pub id: u64,
    /// The `wasmtime_store_t` this data lives in (host callbacks find their context here).
    pub this: *mut wasmtime_store_t,
    pub host: *mut c_void,
    pub host_finalizer: Option<extern "C" fn(*mut c_void)>,
    pub original_host: *mut c_void,
    pub handles: Handles,
    pub wasi: WasiCtx,
    pub wasi_set: bool,
    pub limits: Limits,
    pub counts: (u64, u64, u64),
    /// Export names handed out by `wasmtime_instance_export_nth`, by (instance handle,
    /// export index); they live as long as the store.
    pub names: HashMap<(usize, usize), Box<[u8]>>,
    pub engine: Arc<EngineShared>,
}

impl Drop for StoreData {
    fn drop(&mut self) {
        ptr::finalize(self.host_finalizer, self.original_host);
    }
}

pub struct wasmtime_store_t {
    pub store: Store<StoreData>,
    pub engine: wasm_engine_t,
}

/// Same address as the store.
pub type wasmtime_context_t = wasmtime_store_t;

impl wasmtime_store_t {
    pub fn id(&self) -> u64 {
        self.store.data().id
    }
    pub fn data(&mut self) -> &mut StoreData {
        self.store.data_mut()
    }
}

pub fn new_store(
    engine: &wasm_engine_t,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> Box<wasmtime_store_t> {
    let sd = StoreData {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        this: std::ptr::null_mut(),
        host: data,
        host_finalizer: fin,
        original_host: data,
        handles: Handles::default(),
        wasi: WasiCtx::default(),
        wasi_set: false,
        limits: Limits::default(),
        counts: (0, 0, 0),
        names: HashMap::new(),
        engine: engine.shared.clone(),
    };
    let mut b = Box::new(wasmtime_store_t {
        store: Store::new(&engine.engine, sd),
        engine: engine.clone(),
    });
    let this: *mut wasmtime_store_t = &mut *b;
    b.store.data_mut().this = this;
    b
}

#[no_mangle]
pub extern "C" fn wasmtime_store_new(
    engine: Option<&wasm_engine_t>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_store_t {
    guard(std::ptr::null_mut(), || match engine {
        Some(e) => Box::into_raw(new_store(e, data, fin)),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_store_context(s: *mut wasmtime_store_t) -> *mut wasmtime_context_t {
    s
}

#[no_mangle]
pub extern "C" fn wasmtime_store_delete(s: Option<Box<wasmtime_store_t>>) {
    guard((), || drop(s))
}

fn limit(v: i64) -> Option<u64> {
    (v >= 0).then_some(v as u64)
}

#[no_mangle]
pub extern "C" fn wasmtime_store_limiter(
    s: Option<&mut wasmtime_store_t>,
    memory_size: i64,
    table_elements: i64,
    instances: i64,
    tables: i64,
    memories: i64,
) {
    guard((), || {
        if let Some(s) = s {
            s.data().limits = Limits {
                memory_size: limit(memory_size),
                table_elements: limit(table_elements),
                instances: limit(instances),
                tables: limit(tables),
                memories: limit(memories),
            };
            // Growth by wasm (`memory.grow`, `table.grow`) is limited by the loader.
            s.store.set_growth_limits(wasmaot_loader::GrowthLimits {
                memory_bytes: limit(memory_size),
                table_elements: limit(table_elements),
            });
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_context_get_data(c: Option<&wasmtime_context_t>) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        c.map_or(std::ptr::null_mut(), |s| s.store.data().host)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_context_set_data(c: Option<&mut wasmtime_context_t>, data: *mut c_void) {
    guard((), || {
        if let Some(s) = c {
            s.data().host = data;
        }
    })
}

/// Nothing to collect: externrefs live until their store is deleted.
#[no_mangle]
pub extern "C" fn wasmtime_context_gc(_c: *mut wasmtime_context_t) {}

#[no_mangle]
pub extern "C" fn wasmtime_context_set_fuel(
    c: Option<&mut wasmtime_context_t>,
    fuel: u64,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return crate::error::null_arg("context");
        };
        if !s.engine.shared.settings.consume_fuel {
            return new_error("fuel is not configured in this store");
        }
        match s.store.set_fuel(fuel) {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => crate::error::from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_context_get_fuel(
    c: Option<&wasmtime_context_t>,
    fuel: Out<'_, u64>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(s) = c else {
            return crate::error::null_arg("context");
        };
        if !s.engine.shared.settings.consume_fuel {
            return new_error("fuel is not configured in this store");
        }
        match s.store.get_fuel() {
            Ok(f) => {
                ptr::put(fuel, f);
                std::ptr::null_mut()
            }
            Err(e) => crate::error::from_loader(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_context_set_epoch_deadline(
    c: Option<&mut wasmtime_context_t>,
    ticks: u64,
) {
    guard((), || {
        if let Some(s) = c {
            s.store.set_epoch_deadline(ticks);
        }
    })
}

/// The C epoch-deadline callback type.
pub type EpochCallbackFn = extern "C" fn(
    *mut wasmtime_store_t,
    *mut c_void,
    *mut u64,
    *mut u8,
) -> Option<Box<wasmtime_error_t>>;

/// `func` (if any) runs when the deadline is reached: an error fails the running call
/// with that error; otherwise the deadline moves `*delta` ticks beyond the current epoch
/// and the code resumes (`WASMTIME_UPDATE_DEADLINE_YIELD` behaves like `CONTINUE`: there
/// is no async support). Without a callback, reaching the deadline traps.
#[no_mangle]
pub extern "C" fn wasmtime_store_epoch_deadline_callback(
    s: Option<&mut wasmtime_store_t>,
    func: Option<EpochCallbackFn>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
) {
    guard((), || {
        let Some(s) = s else { return };
        let env = Finalized {
            data: SendPtr(data),
            finalizer: fin,
        };
        let Some(func) = func else {
            drop(env);
            s.store.epoch_deadline_trap();
            return;
        };
        s.store.epoch_deadline_callback(move |cx| {
            let env = &env;
            let this = cx.data().this;
            let mut delta = 0u64;
            let mut kind = 0u8;
            let err = func(this, env.data.0, &mut delta, &mut kind);
            if let Some(e) = err {
                return Err(wasmaot_loader::Error::host(crate::func::CError(
                    e.message.clone(),
                )));
            }
            Ok(wasmaot_loader::UpdateDeadline::Continue(delta))
        });
    })
}

// ---------------------------------------------------------------------------------------
// WASI

#[derive(Default)]
pub struct wasi_config_t {
    pub builder: wasmaot_wasi::WasiCtxBuilder,
}

#[no_mangle]
pub extern "C" fn wasmtime_context_set_wasi(
    c: Option<&mut wasmtime_context_t>,
    wasi: Option<Box<wasi_config_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(mut w) = wasi else {
            return crate::error::null_arg("wasi config");
        };
        let Some(s) = c else {
            return crate::error::null_arg("context");
        };
        let d = s.data();
        d.wasi = w.builder.build();
        d.wasi_set = true;
        std::ptr::null_mut()
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h stores

pub struct WasmStore {
    cell: UnsafeCell<Box<wasmtime_store_t>>,
}

impl WasmStore {
    /// The store. wasm.h stores are single-threaded and every call gets it for its own
    /// duration only (re-entrant calls from host functions take it again, as the loader
    /// itself does with raw store pointers).
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut wasmtime_store_t {
        // SAFETY: see above; the box never moves while the `WasmStore` lives.
        unsafe { &mut *self.cell.get() }
    }
}

// SAFETY: a wasm.h store is used by one thread at a time (C API contract); host
// functions only hold weak references to it.
unsafe impl Send for WasmStore {}
// SAFETY: as above.
unsafe impl Sync for WasmStore {}

pub struct wasm_store_t {
    pub inner: Arc<WasmStore>,
}

#[no_mangle]
pub extern "C" fn wasm_store_new(engine: Option<&wasm_engine_t>) -> *mut wasm_store_t {
    guard(std::ptr::null_mut(), || match engine {
        Some(e) => Box::into_raw(Box::new(wasm_store_t {
            inner: Arc::new(WasmStore {
                cell: UnsafeCell::new(new_store(e, std::ptr::null_mut(), None)),
            }),
        })),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_store_delete(s: Option<Box<wasm_store_t>>) {
    guard((), || drop(s))
}

pub fn store_of(s: Option<&wasm_store_t>) -> Option<Arc<WasmStore>> {
    s.map(|s| s.inner.clone())
}
