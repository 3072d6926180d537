//! What a store does when its epoch deadline is reached (`interrupt.rs` does it).

use crate::error::Result;

/// What an epoch deadline callback wants to happen next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateDeadline {
    /// Resume the wasm code with a new deadline this many ticks beyond the current epoch.
    Continue(u64),
    /// Stop the wasm code with an `Interrupt` trap.
    Interrupt,
}

/// A type-erased epoch deadline callback (it holds a pointer to its store).
pub(crate) type EpochCallback = Box<dyn FnMut() -> Result<UpdateDeadline>>;

/// What a store does when its epoch deadline is reached.
pub(crate) enum DeadlineBehavior {
    /// Trap with `Interrupt` (the default).
    Trap,
    Callback(EpochCallback),
    /// The callback is running: it is out of the store meanwhile.
    Running,
}
