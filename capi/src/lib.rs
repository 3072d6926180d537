//! libwasmaot: wasmaot's C library, a drop-in for Wasmtime v23's C API (`wasm.h`,
//! `wasi.h`, `wasmtime.h`; headers in `capi/include`).
//!
//! One module per concept (stores, values, functions, globals, tables, memories,
//! instances, modules, ...), holding both its wasm.h and its wasmtime.h functions. Every `extern "C"` function runs its body inside
//! [`guard`] so that no Rust panic crosses the C boundary, and turns C pointers into
//! references only through [`ptr`] (NULL is never dereferenced).
//!
//! `unsafe` is confined to `ptr` (raw pointers from C), `vec` (boxed slices handed to C),
//! `val` (reading C unions), `types` and `refs` (pointer views between
//! `repr(C)`/`repr(transparent)` objects).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
#![allow(clippy::not_unsafe_ptr_arg_deref)]
#![allow(clippy::too_many_arguments)]
#![allow(clippy::type_complexity)]

pub mod config;
pub mod error;
pub mod externs;
pub mod func;
pub mod global;
pub mod guard;
pub mod instance;
pub mod linker;
pub mod memory;
pub mod module;
pub mod ptr;
pub mod refs;
pub mod static_module;
pub mod store;
pub mod table;
pub mod trap;
pub mod types;
pub mod unsupported;
pub mod val;
pub mod vec;
pub mod wasi;

pub use guard::guard;
