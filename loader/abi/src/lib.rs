//! wasmaot-abi: the one contract between the compiler and the loader.
//!
//! Pure data and arithmetic, no OS calls. The compiler emits code and metadata
//! according to these definitions; the loader reads and links them. Nothing here
//! depends on the host: every layout is computed from the *target's* pointer size.
//!
//! `no_std` (with `alloc`) and free of `unsafe`: it runs wherever the compiler or the
//! loader does, and only ever decodes bytes it was given.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod address_map;
mod call_encoding;
mod checksum;
mod descriptor;
// `Reader::len` reads a LEB128 length; it is not a container length.
#[allow(clippy::len_without_is_empty)]
mod encoding;
mod exceptions;
mod libcalls;
mod metadata;
mod names;
mod ref_types;
mod traps;
mod types;
mod vmoffsets;

pub use address_map::{AddressMap, AddressMapEntry, FuncAddress, WasmOffsets};
pub use call_encoding::{call26, pc32};
pub use checksum::artifact_checksum;
pub use descriptor::{
    descriptor_symbol, Descriptor, DescriptorLayout, DESCRIPTOR_MAGIC, DESCRIPTOR_VERSION,
};
pub use encoding::{DecodeError, Reader, Writer};
pub use exceptions::{
    decode_exception_table, encode_exception_table, ExceptionHandler, ExceptionSite, ExceptionTable,
};
pub use libcalls::{FloatHelper, Libcall, LibcallType};
pub use metadata::*;
pub use names::*;
pub use ref_types::{HeapType, RefType, TypeDecl};
pub use traps::TrapCode;
pub use types::*;
pub use vmoffsets::{Counts, VMOffsets, HOST_CTX_MAGIC, VMCTX_MAGIC};

/// Size in bytes of one `ValRaw` slot in the host<->wasm value arrays.
pub const VAL_RAW_SIZE: u32 = 16;

/// Size of a WebAssembly page.
pub const WASM_PAGE_SIZE: u64 = 65536;
