//! Limits on how far a store's memories and tables may grow (Wasmtime's `StoreLimits`,
//! behind the C API's `wasmtime_store_limiter`). They apply to growth from wasm
//! (`memory.grow`, `table.grow`) and from the host alike: growth beyond a limit fails the
//! way growth beyond a declared maximum does (-1 to wasm, an error to the host).

/// Upper bounds for one store; `None` is unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrowthLimits {
    /// Bytes any one linear memory may grow to.
    pub memory_bytes: Option<u64>,
    /// Elements any one table may grow to.
    pub table_elements: Option<u64>,
}
