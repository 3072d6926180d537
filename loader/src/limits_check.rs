//! The store's limits applied to a new instance, before anything is allocated
//! (`instantiate` calls it): the count limits of `instance_limits.rs` (the store's
//! instances so far plus the new one; the tables and memories instances defined — host-
//! created ones are not counted, as in Wasmtime) and the minimum sizes of its memories
//! and tables against the growth limits of `growth_limits.rs`. Wasmtime's messages.

use crate::abi::ModuleMeta;
use crate::error::{Error, Result};
use crate::store::StoreOpaque;
use crate::vm::instance::InstanceData;

impl StoreOpaque {
    /// Error unless an instance of `meta` fits the store's limits: its count and its
    /// defined tables and memories, and their minimum sizes against the growth limits
    /// (Wasmtime's messages).
    pub(crate) fn check_instance_limits(&self, meta: &ModuleMeta) -> Result<()> {
        let l = self.instance_limits;
        let defined = |per_instance: fn(&InstanceData) -> usize, new: usize| {
            self.instances
                .iter()
                .map(|i| per_instance(i))
                .sum::<usize>()
                + new
        };
        within(l.instances, self.instances.len() + 1, "instance")?;
        within(
            l.tables,
            defined(|i| i.tables.len(), meta.tables.len()),
            "table",
        )?;
        within(
            l.memories,
            defined(|i| i.memories.len(), meta.memories.len()),
            "memory",
        )?;
        self.check_minimum_sizes(meta)
    }

    /// The defined memories' and tables' minimum sizes within the growth limits.
    fn check_minimum_sizes(&self, meta: &ModuleMeta) -> Result<()> {
        let g = self.growth_limits;
        for m in &meta.memories {
            let bytes = m.minimum.saturating_mul(1u64 << m.page_size_log2.min(63));
            if g.memory_bytes.is_some_and(|max| bytes > max) {
                return Err(Error::resource(format!(
                    "memory minimum size of {} pages exceeds memory limits",
                    m.minimum
                )));
            }
        }
        for t in &meta.tables {
            let minimum = u64::from(t.ty.minimum);
            if g.table_elements.is_some_and(|max| minimum > max) {
                return Err(Error::resource(format!(
                    "table minimum size of {minimum} elements exceeds table limits"
                )));
            }
        }
        Ok(())
    }
}

/// Error if `count` `what`s exceed the limit `max`.
fn within(max: Option<u64>, count: usize, what: &str) -> Result<()> {
    if max.is_some_and(|max| count as u64 > max) {
        return Err(Error::resource(format!(
            "resource limit exceeded: {what} count too high at {count}"
        )));
    }
    Ok(())
}
