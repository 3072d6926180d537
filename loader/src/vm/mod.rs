//! The runtime's records of wasm entities, as the store owns them and compiled code reads
//! them: linear memories, tables, globals, functions, instances, tags and exception
//! objects. Nothing here knows the store or the handles; `store.rs` holds these records
//! and the handle files (`func.rs`, `memory.rs`, ...) give the API over them.

pub(crate) mod exception;
pub(crate) mod func;
pub(crate) mod global;
pub(crate) mod instance;
pub(crate) mod memory;
pub(crate) mod shared_memory;
pub(crate) mod table;
pub(crate) mod tag;
