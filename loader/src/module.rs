//! A loaded module: verified artifact, linked and registered code, metadata.

use crate::abi::{self, EntityIndex, Header, ImportKind, ModuleMeta};
use crate::artifact;
use crate::code_memory::{CodeInfo, CodeMemory};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::{ExportType, ExternType, ImportType};
use crate::libcalls;
use crate::link;
use object::{Object, ObjectSymbol};
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
        Module::load(engine, map, bytes.len(), "artifact".to_string())
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
        // SAFETY: the mapping is private and read-only; like every loader we assume the
        // file is not truncated or modified while mapped.
        // Populated: verification reads every page anyway, and one populating mmap is
        // cheaper than a fault per page.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| Error::load(format!("{what}: mapping: {e}")))?;
        let len = map.len();
        let mut module = Module::load(engine, map, len, what)?;
        if let Some(inner) = Arc::get_mut(&mut module.inner) {
            inner.file = Some(file);
        }
        Ok(module)
    }

    fn load(engine: &Engine, bytes: memmap2::Mmap, len: usize, what: String) -> Result<Module> {
        let (header, meta, linked, data_range) = {
            let art = artifact::parse(&bytes[..len], engine.config(), &what)?;
            check_symbols(&art, &what)?;
            let linked = link::link(&art.file, art.text_index, &libcalls::address_of, &what)?;
            (art.header, art.meta, linked, art.data_range)
        };
        let bytes = crate::prelinked::ModuleBytes::Mapped(bytes);
        let parts = (header, meta, bytes, data_range);
        Ok(Module::assemble(
            engine,
            what,
            parts,
            linked.code,
            linked.relocations,
        ))
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
        let mut func_names = meta.func_names.clone();
        func_names.sort_by_key(|(i, _)| *i);
        func_names.dedup_by_key(|(i, _)| *i);
        code.register(CodeInfo {
            trap_sites: meta.trap_sites.clone(),
            funcs,
            module_name: meta.module_name.clone(),
            func_names,
            address_map: meta.address_map.clone(),
            ..CodeInfo::default()
        });
        let code = Arc::new(code);
        let type_ids: Vec<u32> = meta.types.iter().map(|t| engine.type_id(t)).collect();
        for (t, &off) in meta.host_trampolines.iter().enumerate() {
            if off != u32::MAX {
                engine.register_host_trampoline(
                    type_ids[t],
                    &code,
                    code.text_base() + off as usize,
                );
            }
        }
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

/// Where the artifact's symbols for functions and trampolines exist, they must agree
/// with the metadata.
fn check_symbols(art: &artifact::Artifact<'_>, what: &str) -> Result<()> {
    // One pass over the symbol table, parsing `<prefix>wasm_func_<N>` names (no map of
    // all names, no formatting per function: this is on the load path of big modules).
    let stem = format!("{}wasm_func_", art.header.symbol_prefix);
    let nimported = art.meta.num_imported_funcs();
    for sym in art.file.symbols() {
        if sym.section_index().is_none() || sym.section_index() != art.text_index {
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
