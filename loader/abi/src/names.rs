//! The symbol and section naming scheme of artifacts.

use alloc::format;
use alloc::string::String;

/// Symbol of defined function `index` (index in the module's function space).
#[inline]
pub fn func_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}wasm_func_{index}")
}

/// Symbol of the host->wasm entry trampoline for module type `index`.
#[inline]
pub fn entry_trampoline_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}wasm_entry_{index}")
}

/// Symbol of the wasm->host trampoline for module type `index`.
#[inline]
pub fn host_trampoline_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}wasm_host_{index}")
}

/// Object formats an artifact can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectFormat {
    Elf,
    MachO,
    Coff,
}

/// Section holding the metadata (header first).
#[inline]
pub fn metadata_section(format: ObjectFormat) -> &'static str {
    match format {
        ObjectFormat::Elf => ".wasmaot.meta",
        ObjectFormat::MachO => "__wasmaot_meta",
        ObjectFormat::Coff => ".wameta",
    }
}

/// Page-aligned section holding data segment bytes.
#[inline]
pub fn data_section(format: ObjectFormat) -> &'static str {
    match format {
        ObjectFormat::Elf => ".wasmaot.data",
        ObjectFormat::MachO => "__wasmaot_data",
        ObjectFormat::Coff => ".wadata",
    }
}

/// Mach-O segment our own sections live in.
pub const MACHO_SEGMENT: &str = "__WASMAOT";
