//! wasmaot-wasi: WASI preview 1 (`wasi_snapshot_preview1`) for the loader, on its public
//! API (a [`Linker`](wasmaot_loader::Linker) and host functions).
//!
//! - [`WasiCtxBuilder`] / [`WasiCtx`] (`ctx.rs`): arguments, environment, stdio,
//!   preopened directories — the knobs of `wasi.h`'s `wasi_config_*`.
//! - [`preview1`]: one plain function per import, on the context, a `&mut [u8]` memory
//!   and the arguments, returning its outputs or an [`Errno`].
//! - [`add_to_linker`] (`linker.rs`): defines all of them in a [`wasmaot_loader::Linker`],
//!   through the glue of `glue.rs` (wasm params in, outputs and errno out), written once
//!   for every function of that shape.
//! - `fd_table.rs` (descriptors and rights), `fs.rs` (capability-based path operations on
//!   cap-std: nothing escapes a preopened directory), `poll.rs`, `clocks.rs`, `random.rs`,
//!   `memory.rs` (bounds-checked guest memory access), `errno.rs`, `types.rs` (ABI
//!   constants and layouts).
//!
//! Running a WASI command:
//!
//! ```no_run
//! use wasmaot_loader::{Engine, Linker, Module, Store};
//! use wasmaot_wasi::{WasiCtx, WasiCtxBuilder};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, std::path::Path::new("app.cwasm"))?;
//! let ctx = WasiCtxBuilder::new()
//!     .args(["app", "--verbose"])
//!     .inherit_env()
//!     .inherit_stdio()
//!     .preopened_dir(".", "/")?
//!     .build();
//! let mut store = Store::new(&engine, ctx);
//! let mut linker = Linker::new(&engine);
//! wasmaot_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_func(&mut store, "_start").ok_or("no _start")?;
//! let result = start.call(&mut store, &[], &mut []);
//! // 0, the code passed to proc_exit, or Err for a trap.
//! let status = wasmaot_wasi::exit_status(result, store.data_mut())?;
//! // (Equivalently: `proc_exit` fails the call with an error whose payload is the
//! // code, `e.downcast_ref::<wasmaot_wasi::I32Exit>()`.)
//! std::process::exit(status);
//! # }
//! ```
//!
//! Every guest path is resolved by cap-std beneath a preopened directory: `..` past it,
//! absolute paths and symlinks leading out fail with `ENOTCAPABLE`; a NUL byte in a path
//! is `EINVAL`; a closed (or renumbered-over) preopen is `EBADF`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod clocks;
pub mod ctx;
pub mod errno;
pub mod fd_table;
pub mod fs;
mod glue;
pub mod linker;
pub mod memory;
pub mod poll;
pub mod preview1;
pub mod random;
pub mod threads;
pub mod types;

#[cfg(test)]
mod tests;

pub use ctx::{OutputSink, StdinSource, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use linker::{add_to_linker, add_to_linker_shared, exit_status, SharedWasiCtx, MODULE};
pub use preview1::WasiExit;
/// The payload of the error `proc_exit` fails a call with (Wasmtime's `I32Exit`):
/// `error.downcast_ref::<I32Exit>()` gives the exit code.
pub use preview1::WasiExit as I32Exit;
