//! wasmaot-loader: the runtime. Loads artifacts produced by the compiler, links and
//! instantiates them, runs their code and turns hardware faults into Wasm traps.
//! It never depends on the compiler: what both sides agree on is the `wasmaot-abi` crate,
//! re-exported as [`abi`].
//!
//! One concept per file:
//!
//! - `artifact`: parse the object file, check the header (magic, version, target, CPU
//!   features, tunables) *before* anything else, verify the checksum, decode and
//!   cross-check the metadata. Nothing is mapped or run before this succeeds.
//! - `link`: copy `.text` into fresh memory, apply relocations (veneers for PC-relative
//!   calls to runtime functions), map it read+execute. `code_memory`: that mapping, and
//!   the process-global registry of code ranges (trap sites, function ranges, names).
//! - `engine` (type ids, host trampolines by type), `module`, `store`, `instance`
//!   (instantiation in Wasm 2.0 order), `vmcontext` (records laid out per `abi::VMOffsets`).
//! - `memory` (reservation + guard, grown by `mprotect`; `memory_pool`: reservations
//!   reused across instances, reset with `madvise`), `table`, `global`, `func`
//!   (host functions and calls into wasm), `values`, `linker`, `externals`.
//! - `interrupt`: fuel and epoch interruption (the store's fuel and deadline, deadline
//!   callbacks, what the `out_of_fuel` / `epoch_interrupt` libcalls do).
//! - `libcalls`: the `wasmaot_rt_*` functions compiled code calls.
//! - `traphandlers`: entries into wasm (`setjmp`), signal handlers, backtraces.
//! - `prelinked`: modules a system linker placed (linked into the program, or a shared
//!   object opened with `dlopen`), found through their descriptor symbol.
//!
//! Handles (`Func`, `Table`, `Memory`, `Global`, `Instance`, `ExternRef`) are `Copy`
//! indices into the `Store` that created them; using one with another store is an
//! error (or yields an empty value for the infallible accessors), never a crash.
//!
//! `unsafe` code lives in: `vmcontext`, `memory`, `memory_pool`, `table`, `global`, `func`,
//! `instance`, `libcalls`, `module` (file mapping), `prelinked` (descriptor memory,
//! `dlopen`), `store` (`Send`), `interrupt` (the deadline callback's store pointer) and
//! `traphandlers`; every block
//! carries a `SAFETY:` comment (enforced by clippy).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub use wasmaot_abi as abi;

mod artifact;
mod code_memory;
mod const_expr;
mod elf_sections;
mod engine;
mod error;
mod externals;
mod func;
mod global;
mod growth_limits;
mod instance;
mod interrupt;
mod libcalls;
mod link;
mod linker;
mod memory;
mod memory_pool;
mod module;
mod prelinked;
mod store;
mod table;
mod traphandlers;
mod values;
mod vmcontext;
#[cfg(feature = "wasi")]
pub mod wasi;

pub use abi::{FuncType, GlobalType, MemoryType, TableType, TrapCode, ValType};
pub use engine::{Config, Engine};
pub use error::{Error, ErrorKind, FrameInfo, HostError, Result, Trap};
pub use externals::{ExportType, Extern, ExternType, ImportType};
pub use func::Func;
pub use global::Global;
pub use growth_limits::GrowthLimits;
pub use instance::Instance;
pub use interrupt::UpdateDeadline;
pub use linker::{InstancePre, Linker};
pub use memory::Memory;
pub use module::Module;
pub use prelinked::is_shared_object;
pub use store::{AsContext, AsContextMut, Caller, Store, StoreContext, StoreContextMut};
pub use table::Table;
pub use traphandlers::{in_wasm, init_traps};
pub use values::{ExternRef, Val};

#[cfg(all(test, target_arch = "x86_64"))]
mod interrupt_tests;
#[cfg(test)]
mod tests;
