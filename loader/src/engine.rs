//! The engine: configuration shared by modules and stores, the engine-wide registry of
//! function type ids, the registry of host trampolines by type, and the epoch counter.

use crate::abi::{FuncType, RefType, TypeDecl};
use crate::code_memory::CodeMemory;
use crate::type_registry::TypeRegistry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Runtime configuration.
///
/// `consume_fuel` and `epoch_interruption` must match how the artifacts were compiled
/// (their header tunables): loading a module compiled otherwise is an error.
#[derive(Debug, Clone)]
pub struct Config {
    /// Most bytes of native stack wasm code may use per entry from the host.
    pub max_wasm_stack: usize,
    /// Code counts fuel (Wasmtime's `consume_fuel`); see `Store::set_fuel`.
    pub consume_fuel: bool,
    /// Code checks the engine's epoch against the store's deadline (Wasmtime's
    /// `epoch_interruption`); see [`Engine::increment_epoch`], `Store::set_epoch_deadline`.
    pub epoch_interruption: bool,
    /// Check the CRC-32 of the whole artifact when loading it (default on). Off, only the
    /// header and metadata are checked, as Wasmtime's `Module::deserialize_file` does: a
    /// damaged byte in the code is then not detected, but loading no longer reads every
    /// page of the file (the code is mapped, not read, and pages come in as they run).
    pub verify_artifact_checksum: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_wasm_stack: 1 << 20,
            consume_fuel: false,
            epoch_interruption: false,
            verify_artifact_checksum: true,
        }
    }
}

impl Config {
    /// Set [`Config::consume_fuel`].
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }
    /// Set [`Config::epoch_interruption`].
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }
    /// Set [`Config::verify_artifact_checksum`].
    pub fn verify_artifact_checksum(&mut self, enable: bool) -> &mut Self {
        self.verify_artifact_checksum = enable;
        self
    }
}

/// A wasm→host trampoline of some type, in some module's code.
struct HostTrampoline {
    code: Weak<CodeMemory>,
    address: usize,
}

struct EngineInner {
    config: Config,
    /// The epoch; compiled code reads it through `VMRuntimeLimits::epoch_counter`, so its
    /// address is stable for the engine's lifetime (it lives in the `Arc`).
    epoch: AtomicU64,
    types: Mutex<TypeRegistry>,
    host_trampolines: Mutex<HashMap<u32, Vec<HostTrampoline>>>,
}

/// Shared runtime state; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Config::default())
    }
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        Engine {
            inner: Arc::new(EngineInner {
                config,
                epoch: AtomicU64::new(0),
                types: Mutex::new(TypeRegistry::default()),
                host_trampolines: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Advance the epoch by one: every store whose deadline is now reached interrupts its
    /// running wasm code at the next function entry or loop header (with
    /// `epoch_interruption`). Cheap and callable from any thread (e.g. a timer).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The current epoch.
    pub fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Relaxed)
    }

    /// Address of the epoch counter, what `VMRuntimeLimits::epoch_counter` holds (valid
    /// while the engine lives; stores keep their engine alive).
    pub(crate) fn epoch_counter(&self) -> *const u64 {
        self.inner.epoch.as_ptr().cast_const()
    }

    /// Whether two handles are the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// The engine-wide id of host function type `ty` (equal types share an id).
    pub fn type_id(&self, ty: &FuncType) -> u32 {
        self.types().register_host(ty)
    }

    /// The engine-wide ids of a module's types (one lock for all).
    pub(crate) fn module_type_ids(&self, types: &[FuncType], decls: &[TypeDecl]) -> Vec<u32> {
        self.types().register_module(types, decls)
    }

    /// The flat type with engine-wide id `id`.
    pub fn func_type(&self, id: u32) -> Option<FuncType> {
        self.types().func_type(id).cloned()
    }

    /// The exact type of each parameter of type `id` that is a reference (in order).
    pub(crate) fn exact_params(&self, id: u32) -> Vec<RefType> {
        let types = self.types();
        let nparams = types
            .func_type(id)
            .map_or(0, |f| f.params.iter().filter(|t| t.is_ref()).count());
        types.exact_refs(id).iter().take(nparams).copied().collect()
    }

    /// Whether type `a` is `b` or a declared subtype of it (engine-wide ids).
    pub fn is_subtype(&self, a: u32, b: u32) -> bool {
        a == b || self.types().is_subtype(a, b)
    }

    /// Whether every reference of type `a` is of type `b` (concrete types by engine id).
    pub fn ref_subtype(&self, a: RefType, b: RefType) -> bool {
        if a == b {
            return true;
        }
        let types = self.types();
        a.is_subtype(b, |x, y| types.is_subtype(x, y))
    }

    fn types(&self) -> std::sync::MutexGuard<'_, TypeRegistry> {
        self.inner.types.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record that `code` has a host trampoline for each `(type_id, address)` (one lock
    /// for all).
    pub(crate) fn register_host_trampolines(
        &self,
        code: &Arc<CodeMemory>,
        trampolines: impl Iterator<Item = (u32, usize)>,
    ) {
        let mut map = self
            .inner
            .host_trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (type_id, address) in trampolines {
            let list = map.entry(type_id).or_default();
            list.retain(|t| t.code.strong_count() > 0);
            if list.len() < 4 {
                list.push(HostTrampoline {
                    code: Arc::downgrade(code),
                    address,
                });
            }
        }
    }

    /// A live host trampoline for `type_id`: its address and the code keeping it alive.
    pub(crate) fn host_trampoline(&self, type_id: u32) -> Option<(usize, Arc<CodeMemory>)> {
        let map = self
            .inner
            .host_trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.get(&type_id)?
            .iter()
            .find_map(|t| t.code.upgrade().map(|c| (t.address, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ValType;

    #[test]
    fn structurally_equal_types_share_ids() {
        let e = Engine::default();
        let a = e.type_id(&FuncType::new([ValType::I32], [ValType::I64]));
        let b = e.type_id(&FuncType::new([ValType::I32], []));
        let c = e.type_id(&FuncType::new([ValType::I32], [ValType::I64]));
        assert_eq!(a, c);
        assert_ne!(a, b);
        assert_eq!(e.func_type(b), Some(FuncType::new([ValType::I32], [])));
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Engine>();
    }
}
