//! wasmaot-loader: the runtime. Loads artifacts produced by the compiler, links and
//! instantiates them, runs their code and turns hardware faults into Wasm traps.
//! It never depends on the compiler: what both sides agree on is the `wasmaot-abi` crate,
//! re-exported as [`abi`].
//!
//! One concept per file, in layers (docs/ARCHITECTURE.md draws them; no import cycle):
//!
//! - base: `os` (page size, icache), `vmcontext` (records laid out per `abi::VMOffsets`),
//!   `error`, `const_expr`, `elf_sections`.
//! - mapping: `code_memory` (code mappings and the process-global registry of code
//!   ranges), `link` (copy `.text`, apply relocations), `memory_pool` (reservations reused
//!   across instances), `traphandlers` (entries into wasm, signal handlers, backtraces).
//! - module: `artifact` (parse the object file, check the header before anything else,
//!   verify the checksum) and `meta_check` (cross-check the metadata); `engine` (config,
//!   type ids, host trampolines); `module`, `load` (artifact → module), `prelinked`
//!   (modules a system linker placed, found through their descriptor symbol).
//! - records: `vm` (what the store owns and compiled code reads: linear memories, table
//!   elements, global slots, functions, instances, tags, exception objects), `handles`.
//! - store: `store`, `deadline`, `growth_limits`, `instance_limits`.
//! - API: `func`, `table`, `memory`, `global`, `tag`, `instance`, `values`, `externals`,
//!   `caller`, `exception` (exnrefs, uncaught exceptions), `instantiate` (in phases, Wasm
//!   2.0 order), `limits_check` (the store's limits on a new instance), `interrupt` (fuel
//!   and epochs), `libcalls` (the `wasmaot_rt_*` functions compiled code calls, `throw`
//!   among them), `linker`, `unknown_imports` (traps or default values for the imports a
//!   linker lacks).
//!
//! Handles (`Func`, `Table`, `Memory`, `Global`, `Tag`, `Instance`, `ExternRef`, `ExnRef`)
//! are `Copy` indices into the `Store` that created them; using one with another store is
//! an error (or yields an empty value for the infallible accessors), never a crash.
//!
//! `unsafe` code lives in: `os`, `vmcontext`, `vm`, `memory_pool`, `code_memory`, `link`,
//! `func`, `instantiate`, `libcalls`, `load` (file mapping), `module_bytes`, `prelinked`
//! (descriptor memory, opening shared objects with libloading), `store` (`Send`), `interrupt` (the deadline callback's
//! store pointer) and `traphandlers`; every block carries a `SAFETY:` comment (enforced
//! by clippy).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub use wasmaot_abi as abi;

mod artifact;
mod atomic_wait;
mod caller;
mod code_memory;
mod const_expr;
mod cpu_features;
mod deadline;
mod elf_sections;
mod engine;
mod error;
mod exception;
mod extern_type;
mod externals;
mod func;
mod global;
mod growth_limits;
mod handles;
mod instance;
mod instance_limits;
mod instantiate;
mod interrupt;
mod libcalls;
mod limits_check;
mod link;
mod linker;
mod load;
mod memory;
mod memory_pool;
mod meta_check;
mod meta_check_types;
mod module;
mod module_bytes;
mod os;
mod prelinked;
mod store;
mod table;
mod tag;
mod traphandlers;
mod type_registry;
mod unknown_imports;
mod values;
mod vm;
mod vmcontext;

pub use abi::{FuncType, GlobalType, MemoryType, TableType, TrapCode, ValType};
pub use artifact::check_cpu_features;
pub use caller::Caller;
pub use cpu_features::CpuFeatures;
pub use deadline::UpdateDeadline;
pub use engine::{Config, Engine};
pub use error::{Error, ErrorKind, FrameInfo, HostError, Result, Trap};
pub use exception::UncaughtException;
pub use extern_type::{ExportType, ExternType, ImportType};
pub use externals::Extern;
pub use growth_limits::GrowthLimits;
pub use handles::{ExnRef, Func, Global, Instance, Memory, Table, Tag};
pub use instance_limits::InstanceLimits;
pub use linker::{InstancePre, Linker};
pub use module::Module;
pub use prelinked::is_shared_object;
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut};
pub use traphandlers::{in_wasm, init_traps};
pub use values::{AnyRef, ExternRef, Val};
pub use vm::shared_memory::SharedMemory;

#[cfg(all(test, target_arch = "x86_64"))]
mod interrupt_tests;
#[cfg(test)]
mod tests;
