//! A loaded module: verified artifact, linked and registered code, metadata.

use crate::abi::{self, CodeTables, EntityIndex, Header, ImportKind, ModuleMeta};
use crate::artifact;
use crate::code_memory::{CodeInfo, CodeMemory, MetaBytes};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::{ExportType, ExternType, ImportType};
use crate::libcalls;
use crate::link;
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;
use std::sync::Arc;

pub(crate) struct ModuleInner {
    pub engine: Engine,
    /// What to call the artifact in messages (its path, or "artifact").
    pub name: String,
    pub header: Header,
    pub meta: ModuleMeta,
    pub code: Arc<CodeMemory>,
    bytes: crate::prelinked::ModuleBytes,
    data_range: (usize, usize),
    /// The artifact file, when loaded from one: large memory images are mapped from it
    /// copy-on-write at instantiation.
    file: Option<std::fs::File>,
    /// Engine-wide type id of each module type.
    pub type_ids: Vec<u32>,
    relocation_count: usize,
}

/// A compiled module, ready to instantiate; cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.inner.name)
            .finish()
    }
}

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
        let bytes = crate::prelinked::ModuleBytes::Mapped(bytes);
        let parts = (header, meta, bytes, data_range);
        let mut module = Module::assemble(engine, what, parts, tables, code, relocations);
        if let Some(inner) = Arc::get_mut(&mut module.inner) {
            inner.file = file;
        }
        Ok(module)
    }

    /// A module from verified metadata and linked code (an artifact the loader linked, or
    /// code a system linker placed): register the code, assign type ids.
    pub(crate) fn assemble(
        engine: &Engine,
        what: String,
        (header, meta, bytes, data_range): (
            Header,
            ModuleMeta,
            crate::prelinked::ModuleBytes,
            (usize, usize),
        ),
        (meta_bytes, tables): (MetaBytes, CodeTables),
        mut code: CodeMemory,
        relocation_count: usize,
    ) -> Module {
        let nimported = meta.num_imported_funcs();
        let mut funcs: Vec<(u32, u32, u32)> = meta
            .funcs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    f.text_offset,
                    f.text_offset + f.text_len,
                    nimported + i as u32,
                )
            })
            .collect();
        funcs.sort_unstable();
        code.register(CodeInfo {
            funcs,
            module_name: meta.module_name.clone(),
            meta: meta_bytes,
            tables,
            ..CodeInfo::default()
        });
        let code = Arc::new(code);
        let type_ids = engine.type_ids(&meta.types);
        let trampolines = meta.host_trampolines.iter().enumerate();
        engine.register_host_trampolines(
            &code,
            trampolines
                .filter(|(_, &off)| off != u32::MAX)
                .map(|(t, &off)| (type_ids[t], code.text_base() + off as usize)),
        );
        Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                name: what,
                header,
                meta,
                code,
                bytes,
                data_range,
                file: None,
                type_ids,
                relocation_count,
            }),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
    pub fn header(&self) -> &Header {
        &self.inner.header
    }
    pub fn meta(&self) -> &ModuleMeta {
        &self.inner.meta
    }
    /// Size of the linked `.text`.
    pub fn text_len(&self) -> usize {
        self.inner.code.text_len()
    }
    /// The address range `[start, end)` of the linked code in memory.
    pub fn image_range(&self) -> (usize, usize) {
        let base = self.inner.code.text_base();
        (base, base + self.inner.code.text_len())
    }
    /// Number of relocations applied when linking.
    pub fn relocation_count(&self) -> usize {
        self.inner.relocation_count
    }
    /// The module's name from its name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.meta.module_name.as_deref()
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> Vec<ImportType> {
        let meta = &self.inner.meta;
        meta.imports
            .iter()
            .map(|i| ImportType {
                module: i.module.clone(),
                name: i.name.clone(),
                ty: match &i.kind {
                    ImportKind::Func(t) => ExternType::Func(meta.types[*t as usize].clone()),
                    ImportKind::Table(t) => ExternType::Table(*t),
                    ImportKind::Memory(m) => ExternType::Memory(*m),
                    ImportKind::Global(g) => ExternType::Global(*g),
                },
            })
            .collect()
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> Vec<ExportType> {
        self.inner
            .meta
            .exports
            .iter()
            .map(|e| ExportType {
                name: e.name.clone(),
                ty: self.inner.entity_type(e.index),
            })
            .collect()
    }
}

impl ModuleInner {
    /// The bytes of data segment `index` (validated at load).
    pub fn data_segment(&self, index: usize) -> &[u8] {
        match self.meta.data.get(index) {
            Some(seg) => self.data_bytes(seg.offset, seg.len),
            None => &[],
        }
    }

    /// `len` bytes at `offset` in the data section (empty if out of range; the metadata
    /// was validated against the section's size at load).
    pub fn data_bytes(&self, offset: u64, len: u64) -> &[u8] {
        let (start, size) = self.data_range;
        match offset.checked_add(len) {
            Some(end) if end <= size as u64 => {
                &self.bytes[start + offset as usize..start + end as usize]
            }
            _ => &[],
        }
    }

    /// The artifact file and the file offset of data-section bytes at `offset`, if the
    /// module was loaded from a file.
    pub fn file_offset(&self, offset: u64) -> Option<(&std::fs::File, u64)> {
        let file = self.file.as_ref()?;
        let start = u64::try_from(self.data_range.0).ok()?;
        Some((file, start.checked_add(offset)?))
    }

    /// Type of function `index` in the module's function index space.
    pub fn func_type_index(&self, index: u32) -> u32 {
        let mut n = 0;
        for import in &self.meta.imports {
            if let ImportKind::Func(t) = import.kind {
                if n == index {
                    return t;
                }
                n += 1;
            }
        }
        self.meta
            .funcs
            .get((index - n) as usize)
            .map_or(0, |f| f.type_index)
    }

    pub fn entity_type(&self, index: EntityIndex) -> ExternType {
        let meta = &self.meta;
        let nth_import = |pick: &dyn Fn(&ImportKind) -> Option<ExternType>, i: u32| {
            meta.imports
                .iter()
                .filter_map(|imp| pick(&imp.kind))
                .nth(i as usize)
        };
        match index {
            EntityIndex::Func(i) => {
                ExternType::Func(meta.types[self.func_type_index(i) as usize].clone())
            }
            EntityIndex::Table(i) => nth_import(
                &|k| match k {
                    ImportKind::Table(t) => Some(ExternType::Table(*t)),
                    _ => None,
                },
                i,
            )
            .unwrap_or_else(|| {
                let n = meta.num_imported_tables();
                ExternType::Table(meta.tables[(i - n) as usize].ty)
            }),
            EntityIndex::Memory(i) => nth_import(
                &|k| match k {
                    ImportKind::Memory(m) => Some(ExternType::Memory(*m)),
                    _ => None,
                },
                i,
            )
            .unwrap_or_else(|| {
                let n = meta.num_imported_memories();
                ExternType::Memory(meta.memories[(i - n) as usize])
            }),
            EntityIndex::Global(i) => nth_import(
                &|k| match k {
                    ImportKind::Global(g) => Some(ExternType::Global(*g)),
                    _ => None,
                },
                i,
            )
            .unwrap_or_else(|| {
                let n = meta.num_imported_globals();
                ExternType::Global(meta.globals[(i - n) as usize].ty)
            }),
        }
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
