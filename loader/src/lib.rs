//! wasmaot-loader: the runtime. Loads artifacts produced by the compiler, links and
//! instantiates them, runs their code and turns hardware faults into Wasm traps.
//! It never depends on the compiler.
//!
//! `unsafe` code lives in: `vmcontext`, `code_memory` (via memmap2), `memory`, `table`,
//! `global`, `func`, `instance`, `libcalls`, `module` (file mapping) and `traphandlers`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

// `Reader::len` reads a LEB128 length; it is not a container length.
#[allow(clippy::len_without_is_empty)]
pub mod abi;

mod artifact;
mod code_memory;
mod const_expr;
mod engine;
mod error;
mod externals;
mod func;
mod global;
mod instance;
mod libcalls;
mod link;
mod linker;
mod memory;
mod module;
mod store;
mod table;
mod traphandlers;
mod values;
mod vmcontext;

pub use abi::{FuncType, GlobalType, MemoryType, TableType, TrapCode, ValType};
pub use engine::{Config, Engine};
pub use error::{Error, ErrorKind, FrameInfo, Result, Trap};
pub use externals::{ExportType, Extern, ExternType, ImportType};
pub use func::Func;
pub use global::Global;
pub use instance::Instance;
pub use linker::Linker;
pub use memory::Memory;
pub use module::Module;
pub use store::{AsContext, AsContextMut, Caller, Store, StoreContext, StoreContextMut};
pub use table::Table;
pub use traphandlers::{in_wasm, init_traps};
pub use values::{ExternRef, Val};

#[cfg(test)]
mod tests;
