//! `Caller`: what a host function gets of the store, and the exports of the instance
//! that called it.

use crate::engine::Engine;
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner};

/// Exclusive access to a store from inside a host function, and to the exports of the
/// instance that called it.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    /// Index of the calling instance, if the caller is wasm.
    pub(crate) instance: Option<u32>,
}

impl<T> Caller<'_, T> {
    pub fn data(&self) -> &T {
        &self.store.data
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }
    pub fn engine(&self) -> &Engine {
        &self.store.opaque.engine
    }
    /// An export of the calling instance.
    pub fn get_export(&mut self, name: &str) -> Option<crate::Extern> {
        let index = self.instance?;
        let instance = crate::Instance {
            store: self.store.opaque.id,
            index,
        };
        instance.get_export(&mut *self, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}
