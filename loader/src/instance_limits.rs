//! Limits on how many instances, tables and memories a store may create (the counting
//! half of Wasmtime's `StoreLimits`; `growth_limits.rs` is the sizing half).
//! `limits_check.rs` checks them when a module is instantiated.

/// Upper bounds for one store; `None` is unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstanceLimits {
    /// Instances the store may hold.
    pub instances: Option<u64>,
    /// Tables defined by the store's instances.
    pub tables: Option<u64>,
    /// Linear memories defined by the store's instances.
    pub memories: Option<u64>,
}
