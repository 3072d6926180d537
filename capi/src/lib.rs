//! libwasmaot: wasmaot's C library, a drop-in for Wasmtime v23's C API (`wasm.h`,
//! `wasi.h`, `wasmtime.h`; headers in `capi/include`).
//!
//! One module per concept (stores, values, functions, globals, tables, memories,
//! instances, modules, ...), holding both its wasm.h and its wasmtime.h functions. Every
//! `extern "C"` function that can panic runs its body inside [`guard`], so no Rust panic
//! crosses the C boundary.
//!
//! Pointers: as in Wasmtime's own C API, exported functions take the pointers the headers
//! pass as "NULL or a live object" as `Option<&T>` / `Option<&mut T>`, objects they take
//! over as `Option<Box<T>>`, and output slots as [`ptr::Out`] — the C pointer's ABI, with
//! NULL still answered by an error or a default — so they dereference no raw pointer and
//! are safe to call. The functions that must (for `(pointer, length)` arrays and names,
//! NUL-terminated strings, `wasm_*_vec_t` contents, `wasm_ref_t` objects) are
//! `unsafe extern "C" fn` with a `# Safety` section and use the `unsafe` helpers of
//! [`ptr`], [`vec::WasmVec`] and [`refs::view`]. Every `unsafe` block says why it holds.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

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
pub mod shared_memory;
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
