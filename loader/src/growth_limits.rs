//! Limits on how far a store's memories and tables may grow (Wasmtime's `StoreLimits`,
//! behind the C API's `wasmtime_store_limiter`). They apply to growth from wasm
//! (`memory.grow`, `table.grow`) and from the host alike: growth beyond a limit fails the
//! way growth beyond a declared maximum does (-1 to wasm, an error to the host).

use crate::abi::WASM_PAGE_SIZE;
use crate::store::{Store, StoreOpaque};

/// Upper bounds for one store; `None` is unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrowthLimits {
    /// Bytes any one linear memory may grow to.
    pub memory_bytes: Option<u64>,
    /// Elements any one table may grow to.
    pub table_elements: Option<u64>,
}

impl<T> Store<T> {
    /// Limit the growth of this store's memories and tables.
    pub fn set_growth_limits(&mut self, limits: GrowthLimits) {
        self.inner.opaque.growth_limits = limits;
    }

    pub fn growth_limits(&self) -> GrowthLimits {
        self.inner.opaque.growth_limits
    }
}

impl StoreOpaque {
    /// Grow memory `index` by `delta` pages within the store's limits; the old size.
    pub(crate) fn grow_memory(&mut self, index: usize, delta: u64) -> Option<u64> {
        let m = &mut self.memories[index];
        if let Some(max) = self.growth_limits.memory_bytes {
            let new = m.memory.pages().checked_add(delta)?;
            if new.checked_mul(WASM_PAGE_SIZE)? > max {
                return None;
            }
        }
        m.grow(delta)
    }

    /// Grow table `index` by `delta` elements of `init` within the store's limits; the old size.
    pub(crate) fn grow_table(&mut self, index: usize, delta: u32, init: usize) -> Option<u32> {
        let t = &mut self.tables[index];
        if let Some(max) = self.growth_limits.table_elements {
            if u64::from(t.table.len()) + u64::from(delta) > max {
                return None;
            }
        }
        let old = t.table.grow(delta, init)?;
        t.sync();
        Some(old)
    }
}
