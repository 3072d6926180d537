//! WASI preview 1 (`wasi_snapshot_preview1`) for the loader, behind the `wasi` feature.
//!
//! - [`WasiCtxBuilder`] / [`WasiCtx`] (`ctx.rs`): arguments, environment, stdio,
//!   preopened directories — the knobs of `wasi.h`'s `wasi_config_*`.
//! - [`preview1`]: one function per import, on raw wasm values and a `&mut [u8]` memory.
//! - [`add_to_linker`] (`linker.rs`): defines all of them in a [`crate::Linker`].
//! - `fd_table.rs` (descriptors and rights), `fs.rs` (capability-based path operations on
//!   cap-std: nothing escapes a preopened directory), `poll.rs`, `clocks.rs`, `random.rs`,
//!   `memory.rs` (bounds-checked guest memory access), `errno.rs`, `types.rs` (ABI
//!   constants and layouts).

pub mod clocks;
pub mod ctx;
pub mod errno;
pub mod fd_table;
pub mod fs;
pub mod linker;
pub mod memory;
pub mod poll;
pub mod preview1;
pub mod random;
pub mod types;

#[cfg(test)]
mod tests;

pub use ctx::{OutputSink, StdinSource, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use linker::{add_to_linker, exit_status, MODULE};
pub use preview1::WasiExit;
