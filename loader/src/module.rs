//! A module: its verified metadata, its code in place and registered, its data; and
//! what it says about itself (imports, exports, types). Loading one is `load.rs`.

use crate::abi::{CodeTables, EntityIndex, Header, ImportKind, ModuleMeta};
use crate::code_memory::{CodeInfo, CodeMemory, MetaBytes};
use crate::engine::Engine;
use crate::extern_type::{ExportType, ExternType, ImportType};
use crate::memory_pool::{self, ImageKey};
use std::sync::Arc;

pub(crate) struct ModuleInner {
    pub engine: Engine,
    /// What to call the artifact in messages (its path, or "artifact").
    pub name: String,
    pub header: Header,
    pub meta: ModuleMeta,
    pub code: Arc<CodeMemory>,
    bytes: crate::module_bytes::ModuleBytes,
    data_range: (usize, usize),
    /// The artifact file, when loaded from one: large memory images are mapped from it
    /// copy-on-write at instantiation.
    pub(crate) file: Option<std::fs::File>,
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
    /// A module from verified metadata and linked code (an artifact the loader linked, or
    /// code a system linker placed): register the code, assign type ids.
    pub(crate) fn assemble(
        engine: &Engine,
        what: String,
        (header, mut meta, bytes, data_range): (
            Header,
            ModuleMeta,
            crate::module_bytes::ModuleBytes,
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
            offsets: Some(meta.vmoffsets(crate::vmcontext::HOST_POINTER_SIZE)),
            ..CodeInfo::default()
        });
        let code = Arc::new(code);
        let type_ids = engine.module_type_ids(&meta.types, &meta.type_decls);
        crate::type_registry::name_engine_types(&mut meta, &type_ids);
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
                    ImportKind::Tag(t) => ExternType::Tag(meta.types[*t as usize].clone()),
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

/// The memory pool's hook in a module's life: the reservations holding its images are
/// reset at once, so the pool never keeps a dropped module's file mapped.
impl Drop for ModuleInner {
    fn drop(&mut self) {
        memory_pool::purge_module((self as *const ModuleInner).cast());
    }
}

impl ModuleInner {
    /// The key of the memory image of memory `memory` (memory index space), if it has one
    /// that `LinearMemory::write_image` maps from the artifact file.
    pub fn image_key(self: &Arc<Self>, memory: u32) -> Option<ImageKey> {
        let image = self
            .meta
            .memory_images
            .iter()
            .find(|i| i.memory == memory)?;
        let (_, offset) = self.file_offset(image.offset)?;
        let start = usize::try_from(image.start).ok()?;
        let whole = memory_pool::mapped_len(usize::try_from(image.len).ok()?, offset, start)?;
        let module: std::sync::Weak<ModuleInner> = Arc::downgrade(self);
        Some(ImageKey::new(module, memory, start, offset, whole))
    }

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

    /// Type of tag `index` in the module's tag index space (imported tags first).
    pub fn tag_type_index(&self, index: u32) -> u32 {
        let mut imported = self.meta.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Tag(t) => Some(t),
            _ => None,
        });
        match imported.nth(index as usize) {
            Some(t) => t,
            None => {
                let n = self.meta.num_imported_tags();
                self.meta
                    .tags
                    .get((index - n) as usize)
                    .copied()
                    .unwrap_or(0)
            }
        }
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
            EntityIndex::Tag(i) => {
                ExternType::Tag(meta.types[self.tag_type_index(i) as usize].clone())
            }
        }
    }
}
