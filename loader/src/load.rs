//! Loading a module: an artifact mapped from its file or copied from memory, parsed and
//! verified (`artifact`), its code put in place — mapped as it lies when the compiler
//! pre-linked it, else copied and linked against the runtime's functions (`link`,
//! `libcalls`) — and assembled into a [`Module`].

use crate::abi;
use crate::artifact;
use crate::code_memory::{CodeMemory, MetaBytes};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::libcalls;
use crate::link;
use crate::module::Module;
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;
use std::sync::Arc;

impl Module {
    /// Load an artifact from memory (the bytes are copied).
    pub fn from_bytes(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let mut map = memmap2::MmapMut::map_anon(bytes.len().max(1)).map_err(|e| {
            Error::resource(format!("artifact: allocating {} bytes: {e}", bytes.len()))
        })?;
        map[..bytes.len()].copy_from_slice(bytes);
        let map = map
            .make_read_only()
            .map_err(|e| Error::resource(format!("artifact: {e}")))?;
        Module::load(engine, map, bytes.len(), "artifact".to_string(), None)
    }

    /// Load an artifact file (mapped, not read).
    pub fn from_file(engine: &Engine, path: &Path) -> Result<Module> {
        let what = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::load(format!("{what}: {e}")))?;
        let len = file
            .metadata()
            .map_err(|e| Error::load(format!("{what}: {e}")))?
            .len();
        if len == 0 {
            return Err(Error::load(format!("{what}: empty file, not an artifact")));
        }
        // Populated when the checksum is verified: that reads every page, and one
        // populating mmap is cheaper than a fault per page. Otherwise only the pages of
        // the header, section table and metadata are read at load.
        let mut options = memmap2::MmapOptions::new();
        if engine.config().verify_artifact_checksum {
            options.populate();
        }
        // SAFETY: the mapping is private and read-only; like every loader we assume the
        // file is not truncated or modified while mapped.
        let map = unsafe { options.len(len as usize).map(&file) }
            .map_err(|e| Error::load(format!("{what}: mapping: {e}")))?;
        let len = map.len();
        Module::load(engine, map, len, what, Some(file))
    }

    fn load(
        engine: &Engine,
        bytes: memmap2::Mmap,
        len: usize,
        what: String,
        file: Option<std::fs::File>,
    ) -> Result<Module> {
        let bytes = Arc::new(bytes);
        let (header, meta, tables, code, relocations, data_range) = {
            let art = artifact::parse(&bytes[..len], engine.config(), &what)?;
            // Pre-linked `.text` runs as it lies in the artifact's mapping: nothing copied,
            // nothing patched, no page read. Its symbols are for debuggers; nothing here
            // reads them.
            let in_place = text_in_place(&art).and_then(|(offset, text_len)| match &file {
                Some(file) => CodeMemory::map_file_text(file, offset, text_len).ok(),
                None => CodeMemory::in_place(bytes.clone(), offset, text_len).ok(),
            });
            let (code, relocations) = match in_place {
                Some(code) => (code, 0),
                None => {
                    let file = object::File::parse(&bytes[..len]).map_err(|e| {
                        Error::load(format!("{what}: not a valid object file: {e}"))
                    })?;
                    let text_index = file
                        .section_by_name(artifact::text_section(art.format))
                        .map(|s| s.index());
                    check_symbols(&art, &file, text_index, &what)?;
                    let linked = link::link(&file, text_index, &libcalls::address_of, &what)?;
                    (linked.code, linked.relocations)
                }
            };
            let (start, size) = art.meta_range;
            let owner: Arc<dyn std::any::Any + Send + Sync> = bytes.clone();
            // SAFETY: the metadata section lies inside the mapping (`artifact::parse`
            // checked its range), which is read-only and lives as long as `owner`.
            let meta_bytes = unsafe { MetaBytes::new(&bytes[start..start + size], Some(owner)) };
            let tables = (meta_bytes, art.tables);
            (
                art.header,
                art.meta,
                tables,
                code,
                relocations,
                art.data_range,
            )
        };
        let bytes = crate::module_bytes::ModuleBytes::Mapped(bytes);
        let parts = (header, meta, bytes, data_range);
        let mut module = Module::assemble(engine, what, parts, tables, code, relocations);
        if let Some(inner) = Arc::get_mut(&mut module.inner) {
            inner.file = file;
        }
        Ok(module)
    }
}

/// The file range of `.text` when it can be mapped from the file as it lies: the compiler
/// pre-linked it (no relocation left to apply) and it starts on a page boundary.
fn text_in_place(art: &artifact::Artifact) -> Option<(usize, usize)> {
    let (offset, len) = art.text_range?;
    let ok = art.header.text_prelinked && art.format == abi::ObjectFormat::Elf;
    let range = (usize::try_from(offset).ok()?, usize::try_from(len).ok()?);
    Some(range).filter(|_| ok)
}

/// Where the artifact's symbols for functions and trampolines exist, they must agree
/// with the metadata.
fn check_symbols(
    art: &artifact::Artifact,
    file: &object::File<'_>,
    text_index: Option<object::SectionIndex>,
    what: &str,
) -> Result<()> {
    // One pass over the symbol table, parsing `<prefix>wasm_func_<N>` names (no map of
    // all names, no formatting per function: this is on the load path of big modules).
    let stem = format!("{}wasm_func_", art.header.symbol_prefix);
    let nimported = art.meta.num_imported_funcs();
    for sym in file.symbols() {
        if sym.section_index().is_none() || sym.section_index() != text_index {
            continue;
        }
        let Some(digits) = sym.name().ok().and_then(|n| n.strip_prefix(stem.as_str())) else {
            continue;
        };
        // Only the canonical spelling `abi::func_symbol` produces.
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let Some(index) = digits.parse::<u32>().ok().filter(|_| canonical) else {
            continue;
        };
        let Some(f) = index
            .checked_sub(nimported)
            .and_then(|d| art.meta.funcs.get(d as usize))
        else {
            continue;
        };
        let addr = sym.address();
        if addr != u64::from(f.text_offset) {
            return Err(Error::load(format!(
                "{what}: metadata: function {index} at .text offset {} but symbol `{}` is at {addr}",
                f.text_offset,
                abi::func_symbol(&art.header.symbol_prefix, index)
            )));
        }
    }
    Ok(())
}
