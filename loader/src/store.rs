//! The store: owns instances, functions, tables, memories, globals, tags, externrefs and
//! exceptions, and the runtime limits compiled code checks. Handles (`Func`, `Table`,
//! ...) are indices into a store, tagged with its id.

use crate::deadline::DeadlineBehavior;
use crate::engine::Engine;
use crate::growth_limits::GrowthLimits;
use crate::instance_limits::InstanceLimits;
use crate::vm::exception::ExnData;
use crate::vm::func::FuncData;
use crate::vm::global::GlobalData;
use crate::vm::instance::InstanceData;
use crate::vm::memory::MemoryData;
use crate::vm::table::TableData;
use crate::vm::tag::TagData;
use crate::vmcontext::VMRuntimeLimits;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A hasher for addresses (map keys the store itself made, so no flooding to fear):
/// one multiplication instead of SipHash.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing; hashbrown takes the top 7 bits and the low bits, so fold the
        // high half down too.
        let h = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// The part of a store that does not depend on its data type.
pub(crate) struct StoreOpaque {
    pub engine: Engine,
    pub id: u64,
    /// Boxed: every VMContext of the store points to it.
    pub limits: Box<VMRuntimeLimits>,
    /// What happens when the epoch deadline is reached (`interrupt.rs`).
    pub deadline: DeadlineBehavior,
    /// How far memories and tables may grow (`growth_limits.rs`).
    pub growth_limits: crate::growth_limits::GrowthLimits,
    /// How many instances, tables and memories instantiation may create
    /// (`instance_limits.rs`).
    pub instance_limits: InstanceLimits,
    /// Boxed: compiled code and libcalls hold pointers to them.
    #[allow(clippy::vec_box)]
    pub instances: Vec<Box<InstanceData>>,
    pub funcs: Vec<FuncData>,
    pub tables: Vec<TableData>,
    pub memories: Vec<MemoryData>,
    pub globals: Vec<GlobalData>,
    pub externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// Tags defined by instances and by the host.
    pub tags: Vec<TagData>,
    /// Every exception thrown in the store (they live as long as it: `vm/exception.rs`).
    pub exceptions: Vec<ExnData>,
    /// Exception object address (an exnref) → index in `exceptions`.
    pub exn_to_index: HashMap<usize, u32, BuildHasherDefault<AddressHasher>>,
    /// `*const VMFuncRef` → index in `funcs`.
    pub funcref_to_func: HashMap<usize, u32, BuildHasherDefault<AddressHasher>>,
    /// VMContext start address → index in `instances`.
    pub vmctx_to_instance: BTreeMap<usize, u32>,
    /// Host functions that have no wasm→host trampoline yet.
    pub pending_host_funcs: Vec<u32>,
}

/// `StoreOpaque` first so that a `*mut StoreInner<T>` is also a `*mut StoreOpaque`.
#[repr(C)]
pub(crate) struct StoreInner<T> {
    pub opaque: StoreOpaque,
    pub data: T,
}

/// A collection of instances and host objects; single-threaded.
pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

// SAFETY: every raw pointer inside a store points to memory the store itself owns
// (VMContexts, table and memory definitions, host function contexts); host closures and
// externref data are `Send + Sync`. A store is used by one thread at a time (`&mut`).
unsafe impl<T: Send> Send for Store<T> {}

impl<T> Store<T> {
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque {
                    engine: engine.clone(),
                    id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                    limits: Box::new(VMRuntimeLimits {
                        epoch_counter: engine.epoch_counter(),
                        ..VMRuntimeLimits::default()
                    }),
                    deadline: DeadlineBehavior::Trap,
                    growth_limits: Default::default(),
                    instance_limits: Default::default(),
                    instances: Vec::new(),
                    funcs: Vec::new(),
                    tables: Vec::new(),
                    memories: Vec::new(),
                    globals: Vec::new(),
                    externrefs: Vec::new(),
                    tags: Vec::new(),
                    exceptions: Vec::new(),
                    exn_to_index: HashMap::default(),
                    funcref_to_func: HashMap::default(),
                    vmctx_to_instance: BTreeMap::new(),
                    pending_host_funcs: Vec::new(),
                },
                data,
            }),
        }
    }
    pub fn data(&self) -> &T {
        &self.inner.data
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }
    pub fn into_data(self) -> T {
        self.inner.data
    }
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }
}

impl<T> Store<T> {
    /// Limit the growth of this store's memories and tables.
    pub fn set_growth_limits(&mut self, limits: GrowthLimits) {
        self.inner.opaque.growth_limits = limits;
    }

    pub fn growth_limits(&self) -> GrowthLimits {
        self.inner.opaque.growth_limits
    }

    /// Limit how many instances, tables and memories instantiating modules may create.
    pub fn set_instance_limits(&mut self, limits: InstanceLimits) {
        self.inner.opaque.instance_limits = limits;
    }

    pub fn instance_limits(&self) -> InstanceLimits {
        self.inner.opaque.instance_limits
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("id", &self.inner.opaque.id)
            .finish()
    }
}

/// Shared access to a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);
/// Exclusive access to a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    pub fn data(&self) -> &T {
        &self.0.data
    }
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }
}

impl<T> StoreContextMut<'_, T> {
    pub fn data(&self) -> &T {
        &self.0.data
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }
}

/// Something that gives shared access to a store (`&Store`, `&mut Store`, `Caller`, ...).
pub trait AsContext {
    type Data;
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Something that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}
impl<S: AsContext + ?Sized> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}
impl<S: AsContext + ?Sized> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}
impl<S: AsContextMut + ?Sized> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, S::Data> {
        (**self).as_context_mut()
    }
}

impl StoreOpaque {
    /// Error unless a handle with store id `id` belongs to this store.
    pub fn check(&self, id: u64, what: &str) -> crate::Result<()> {
        if id != self.id {
            return Err(crate::Error::ty(format!(
                "{what} belongs to a different store"
            )));
        }
        Ok(())
    }
}
