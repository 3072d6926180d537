//! Artifact metadata: the header and the module description, and their encoding.
//!
//! Layout of the metadata section (all integers little-endian):
//!
//! ```text
//!   0  magic             8 bytes  "\0wasmaot"
//!   8  format version    u32
//!  12  checksum          u32      CRC-32 of the whole artifact file with these 4 bytes zeroed
//!  16  header fields     (see `Header::encode`)
//!  ..  module metadata   (see `ModuleMeta::encode`)
//! ```

use super::encoding::{DecodeError, DecodeResult, Reader, Writer};
use super::exceptions::{
    decode_exception_table, encode_exception_table, ExceptionSite, ExceptionTable,
};
use super::ref_types::TypeDecl;
use super::traps::TrapCode;
use super::types::*;
use super::AddressMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

/// First bytes of the metadata section.
pub const MAGIC: [u8; 8] = *b"\0wasmaot";
/// Version of the artifact format; bumped whenever anything in this module or the
/// VMContext layout changes.
pub const FORMAT_VERSION: u32 = 7;
/// Offset of the checksum field within the metadata section.
pub const CHECKSUM_OFFSET: usize = 12;

/// WebAssembly features an artifact was compiled with (bit set).
pub mod features {
    use alloc::string::String;
    use alloc::vec::Vec;

    pub const MUTABLE_GLOBAL: u64 = 1 << 0;
    pub const SATURATING_FLOAT_TO_INT: u64 = 1 << 1;
    pub const SIGN_EXTENSION: u64 = 1 << 2;
    pub const MULTI_VALUE: u64 = 1 << 3;
    pub const BULK_MEMORY: u64 = 1 << 4;
    pub const REFERENCE_TYPES: u64 = 1 << 5;
    pub const SIMD: u64 = 1 << 6;
    pub const RELAXED_SIMD: u64 = 1 << 7;
    pub const EXTENDED_CONST: u64 = 1 << 8;
    pub const MULTI_MEMORY: u64 = 1 << 9;
    pub const TAIL_CALL: u64 = 1 << 10;
    /// Exception handling: tags, `try_table`, `throw`, `throw_ref`, `exnref`, and the
    /// legacy `try`/`catch`/`rethrow`/`delegate`.
    pub const EXCEPTIONS: u64 = 1 << 11;
    /// Threads: shared memories, atomic accesses, `memory.atomic.wait32/64` and
    /// `memory.atomic.notify`, `atomic.fence`.
    pub const THREADS: u64 = 1 << 12;
    /// 64-bit memories (`i64` addresses; 64-bit tables are not compiled yet).
    pub const MEMORY64: u64 = 1 << 13;
    /// Memories whose page size is 1 byte instead of 64 KiB (`(pagesize 1)`).
    pub const CUSTOM_PAGE_SIZES: u64 = 1 << 14;
    /// Typed function references: `(ref $t)`, `(ref null func)` and the like in any type,
    /// `call_ref`, `return_call_ref`, `ref.as_non_null`, `br_on_null`, `br_on_non_null`.
    pub const FUNCTION_REFERENCES: u64 = 1 << 15;
    /// The part of GC without a heap: `anyref`/`eqref`/`i31ref` and their bottom types,
    /// `ref.i31`, `i31.get_s/u`, `ref.eq`, `any.convert_extern`, `extern.convert_any`,
    /// `ref.test`/`ref.cast`/`br_on_cast`/`br_on_cast_fail` on those types, and
    /// recursion groups and subtypes of function types. Struct and array types are
    /// refused.
    pub const GC: u64 = 1 << 16;
    /// Every feature this compiler supports (`-W all-proposals`).
    pub const ALL: u64 = (1 << 17) - 1;
    /// The features on unless asked otherwise: all but custom page sizes, a proposal
    /// that Wasmtime too leaves off by default.
    pub const DEFAULT: u64 = ALL & !CUSTOM_PAGE_SIZES;
    pub const NAMES: &[(u64, &str)] = &[
        (MUTABLE_GLOBAL, "mutable-global"),
        (SATURATING_FLOAT_TO_INT, "saturating-float-to-int"),
        (SIGN_EXTENSION, "sign-extension"),
        (MULTI_VALUE, "multi-value"),
        (BULK_MEMORY, "bulk-memory"),
        (REFERENCE_TYPES, "reference-types"),
        (SIMD, "simd"),
        (RELAXED_SIMD, "relaxed-simd"),
        (EXTENDED_CONST, "extended-const"),
        (MULTI_MEMORY, "multi-memory"),
        (TAIL_CALL, "tail-call"),
        (EXCEPTIONS, "exceptions"),
        (THREADS, "threads"),
        (MEMORY64, "memory64"),
        (CUSTOM_PAGE_SIZES, "custom-page-sizes"),
        (FUNCTION_REFERENCES, "function-references"),
        (GC, "gc"),
    ];
    /// Comma-separated names of the features in `bits`.
    #[inline]
    pub fn describe(bits: u64) -> String {
        NAMES
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Settings the code was compiled for that the runtime must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunables {
    /// Bytes of address space reserved for each 32-bit linear memory (bounds checks
    /// are elided for accesses inside reservation + guard).
    pub memory_reservation: u64,
    /// Bytes of inaccessible guard region after each reservation.
    pub memory_guard_size: u64,
    /// Code counts fuel in `VMRuntimeLimits::fuel_consumed` (Wasmtime's `consume_fuel`).
    pub consume_fuel: bool,
    /// Code checks the engine's epoch against the store's deadline at function entries and
    /// loop headers (Wasmtime's `epoch_interruption`).
    pub epoch_interruption: bool,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            memory_reservation: 1 << 32,
            memory_guard_size: 2 << 30,
            consume_fuel: false,
            epoch_interruption: false,
        }
    }
}

/// The artifact header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub format_version: u32,
    pub checksum: u32,
    pub compiler_version: String,
    /// Target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: String,
    /// CPU features the code may use (Cranelift ISA flags that are enabled), comma-separated.
    pub cpu_features: String,
    pub wasm_features: u64,
    pub tunables: Tunables,
    /// Prefix of every symbol this artifact defines (for linking several modules into one program).
    pub symbol_prefix: String,
    /// Every `.text` relocation is a call or reference within `.text` whose value the
    /// compiler already wrote into the code, so `.text` runs as it lies in the file, mapped
    /// in place, without being copied or patched (the relocations stay in the object for
    /// a system linker, which writes the same values).
    pub text_prelinked: bool,
}

impl Header {
    pub fn encode(&self, w: &mut Writer) {
        w.bytes.extend_from_slice(&MAGIC);
        w.u32(self.format_version);
        w.u32(self.checksum);
        w.str(&self.compiler_version);
        w.str(&self.target);
        w.str(&self.cpu_features);
        w.u64(self.wasm_features);
        w.u64(self.tunables.memory_reservation);
        w.u64(self.tunables.memory_guard_size);
        w.bool(self.tunables.consume_fuel);
        w.bool(self.tunables.epoch_interruption);
        w.str(&self.symbol_prefix);
        w.bool(self.text_prelinked);
    }

    /// Decode the header. The magic and format version are checked first so that a
    /// foreign or newer artifact is reported as such rather than as corrupt.
    pub fn decode(r: &mut Reader) -> DecodeResult<Header> {
        let magic = r.take(8, "the artifact magic")?;
        if magic != MAGIC {
            return Err(DecodeError {
                offset: 0,
                expected: "the wasmaot magic \"\\0wasmaot\"".into(),
            });
        }
        let format_version = r.u32()?;
        if format_version != FORMAT_VERSION {
            return Err(DecodeError {
                offset: 8,
                expected: format!(
                    "format version {FORMAT_VERSION}, found version {format_version}"
                ),
            });
        }
        Ok(Header {
            format_version,
            checksum: r.u32()?,
            compiler_version: r.str()?,
            target: r.str()?,
            cpu_features: r.str()?,
            wasm_features: r.u64()?,
            tunables: Tunables {
                memory_reservation: r.u64()?,
                memory_guard_size: r.u64()?,
                consume_fuel: r.bool()?,
                epoch_interruption: r.bool()?,
            },
            symbol_prefix: r.str()?,
            text_prelinked: r.bool()?,
        })
    }
}

/// What an import provides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// A tag of this function type index (params are the payload; no results).
    Tag(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// What kind of entity an export names, and its index in that index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
    Tag(u32),
}

impl EntityIndex {
    fn encode(&self, w: &mut Writer) {
        let (tag, i) = match *self {
            EntityIndex::Func(i) => (0, i),
            EntityIndex::Table(i) => (1, i),
            EntityIndex::Memory(i) => (2, i),
            EntityIndex::Global(i) => (3, i),
            EntityIndex::Tag(i) => (4, i),
        };
        w.u8(tag);
        w.u32(i);
    }
    fn decode(r: &mut Reader) -> DecodeResult<Self> {
        let tag = r.u8()?;
        let i = r.u32()?;
        Ok(match tag {
            0 => EntityIndex::Func(i),
            1 => EntityIndex::Table(i),
            2 => EntityIndex::Memory(i),
            3 => EntityIndex::Global(i),
            4 => EntityIndex::Tag(i),
            _ => return r.error("an export kind (0..=4)"),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub index: EntityIndex,
}

/// A function defined by the module: its type and where its code is in `.text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncMeta {
    pub type_index: u32,
    pub text_offset: u32,
    pub text_len: u32,
}

/// A table defined by the module and its initial element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDef {
    pub ty: TableType,
    pub init: ConstExpr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalDef {
    pub ty: GlobalType,
    pub init: ConstExpr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SegmentMode {
    Active { index: u32, offset: ConstExpr },
    Passive,
    Declared,
}

/// An element segment: its mode, element type and items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElemSegment {
    pub mode: SegmentMode,
    pub element: ValType,
    pub items: ElemItems,
}

/// The items of an element segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElemItems {
    /// `ref.func` of each function index: the common case, a list of indices to decode
    /// and check with no expression to evaluate.
    Funcs(Vec<u32>),
    /// One constant expression per item.
    Exprs(Vec<ConstExpr>),
}

impl ElemItems {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            ElemItems::Funcs(f) => f.len(),
            ElemItems::Exprs(e) => e.len(),
        }
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A data segment; its bytes are `data_section[offset .. offset + len]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    pub mode: SegmentMode,
    pub offset: u64,
    pub len: u64,
}

/// The initial contents of a defined memory, prepared at compile time: the bytes of
/// `memory[start .. start + len]` after every active data segment of the module was
/// applied (the bytes before `start` are zero), stored at `offset` in the data section.
/// `start` and `offset` are page aligned (4 KiB on x86_64, 64 KiB elsewhere) so the loader
/// can map the image copy-on-write instead of copying it. The active segments folded into
/// an image are recorded with length 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryImage {
    /// Index in the module's memory index space (always a defined memory).
    pub memory: u32,
    /// Where the image begins in the memory.
    pub start: u64,
    /// Where the image lies in the data section.
    pub offset: u64,
    pub len: u64,
}

/// A place in code where a trap can happen (offset in `.text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapSite {
    pub text_offset: u32,
    pub code: TrapCode,
}

/// Everything the loader needs to know about a compiled module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleMeta {
    pub types: Vec<FuncType>,
    /// What the type section declares of each type beyond `types` (as many entries).
    pub type_decls: Vec<TypeDecl>,
    pub imports: Vec<Import>,
    pub funcs: Vec<FuncMeta>,
    pub tables: Vec<TableDef>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalDef>,
    /// Type index of each defined tag.
    pub tags: Vec<u32>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elements: Vec<ElemSegment>,
    pub data: Vec<DataSegment>,
    /// Offset in `.text` of the host->wasm trampoline of each type.
    pub entry_trampolines: Vec<u32>,
    /// Offset in `.text` of the wasm->host trampoline of each type.
    pub host_trampolines: Vec<u32>,
    /// Sorted by offset.
    pub trap_sites: Vec<TrapSite>,
    /// The calls with exception handlers, sorted by return offset.
    pub exception_sites: Vec<ExceptionSite>,
    pub module_name: Option<String>,
    /// (function index, name) from the name section.
    pub func_names: Vec<(u32, String)>,
    /// Prepared initial memory contents, applied where the data segments would be.
    pub memory_images: Vec<MemoryImage>,
    /// Wasm byte offsets of the compiled code, for backtraces (shared: the loader's code
    /// registry holds it too).
    pub address_map: Arc<AddressMap>,
}

impl ModuleMeta {
    #[inline]
    pub fn num_imported_funcs(&self) -> u32 {
        self.imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Func(_)))
            .count() as u32
    }
    #[inline]
    pub fn num_imported_tables(&self) -> u32 {
        self.imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Table(_)))
            .count() as u32
    }
    #[inline]
    pub fn num_imported_memories(&self) -> u32 {
        self.imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Memory(_)))
            .count() as u32
    }
    #[inline]
    pub fn num_imported_globals(&self) -> u32 {
        self.imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Global(_)))
            .count() as u32
    }
    #[inline]
    pub fn num_imported_tags(&self) -> u32 {
        self.imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Tag(_)))
            .count() as u32
    }

    /// The VMContext layout of this module for a target with `pointer_size`-byte pointers.
    pub fn vmoffsets(&self, pointer_size: u8) -> super::VMOffsets {
        super::VMOffsets::new(
            pointer_size,
            super::vmoffsets::Counts {
                types: self.types.len() as u32,
                imported_funcs: self.num_imported_funcs(),
                imported_tables: self.num_imported_tables(),
                imported_memories: self.num_imported_memories(),
                imported_globals: self.num_imported_globals(),
                defined_funcs: self.funcs.len() as u32,
                defined_tables: self.tables.len() as u32,
                defined_memories: self.memories.len() as u32,
                defined_globals: self.globals.len() as u32,
                imported_tags: self.num_imported_tags(),
                defined_tags: self.tags.len() as u32,
            },
        )
    }

    /// Name of function `index` from the name section, if any.
    #[inline]
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.func_names
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()
            .map(|p| self.func_names[p].1.as_str())
    }

    pub fn encode(&self, w: &mut Writer) {
        w.list(&self.types, |w, t| t.encode(w));
        w.list(&self.type_decls, |w, t| t.encode(w));
        w.list(&self.imports, |w, i| {
            w.str(&i.module);
            w.str(&i.name);
            match &i.kind {
                ImportKind::Func(t) => {
                    w.u8(0);
                    w.u32(*t)
                }
                ImportKind::Table(t) => {
                    w.u8(1);
                    t.encode(w)
                }
                ImportKind::Memory(t) => {
                    w.u8(2);
                    t.encode(w)
                }
                ImportKind::Global(t) => {
                    w.u8(3);
                    t.encode(w)
                }
                ImportKind::Tag(t) => {
                    w.u8(4);
                    w.u32(*t)
                }
            }
        });
        w.list(&self.funcs, |w, f| {
            w.u32(f.type_index);
            w.u32(f.text_offset);
            w.u32(f.text_len);
        });
        w.list(&self.tables, |w, t| {
            t.ty.encode(w);
            t.init.encode(w);
        });
        w.list(&self.memories, |w, m| m.encode(w));
        w.list(&self.globals, |w, g| {
            g.ty.encode(w);
            g.init.encode(w);
        });
        w.list(&self.tags, |w, t| w.u32(*t));
        w.list(&self.exports, |w, e| {
            w.str(&e.name);
            e.index.encode(w);
        });
        w.opt_u64(self.start.map(u64::from));
        w.list(&self.elements, |w, e| {
            encode_mode(w, &e.mode);
            e.element.encode(w);
            match &e.items {
                ElemItems::Funcs(funcs) => {
                    w.u8(0);
                    w.list(funcs, |w, f| w.u32(*f));
                }
                ElemItems::Exprs(exprs) => {
                    w.u8(1);
                    w.list(exprs, |w, i| i.encode(w));
                }
            }
        });
        w.list(&self.data, |w, d| {
            encode_mode(w, &d.mode);
            w.u64(d.offset);
            w.u64(d.len);
        });
        w.list(&self.entry_trampolines, |w, o| w.u32(*o));
        w.list(&self.host_trampolines, |w, o| w.u32(*o));
        match &self.module_name {
            None => w.u8(0),
            Some(n) => {
                w.u8(1);
                w.str(n)
            }
        }
        w.list(&self.memory_images, |w, m| {
            w.u32(m.memory);
            w.u64(m.start);
            w.u64(m.offset);
            w.u64(m.len);
        });
        // The code tables last, each skippable in O(1), so that the loader can leave them
        // where they lie and read them in place (see `CodeTables`).
        w.list(&self.trap_sites, |w, t| {
            w.u32(t.text_offset);
            w.u8(t.code as u8);
        });
        let mut names = Writer::default();
        names.list(&self.func_names, |w, (i, n)| {
            w.u32(*i);
            w.str(n);
        });
        w.len(names.bytes.len() as u64);
        w.bytes.extend_from_slice(&names.bytes);
        let mut map = Writer::default();
        self.address_map.encode(&mut map);
        w.len(map.bytes.len() as u64);
        w.bytes.extend_from_slice(&map.bytes);
        let mut exceptions = Writer::default();
        encode_exception_table(&mut exceptions, &self.exception_sites);
        w.len(exceptions.bytes.len() as u64);
        w.bytes.extend_from_slice(&exceptions.bytes);
    }

    /// Decode everything, the code tables included.
    #[inline]
    pub fn decode(r: &mut Reader) -> DecodeResult<ModuleMeta> {
        Self::decode_with(r, true).map(|(meta, _)| meta)
    }

    /// Decode all but the code tables, which stay where they lie: `trap_sites` and
    /// `address_map` are left empty and `CodeTables` says where they are. Their size
    /// does not matter to the time this takes.
    #[inline]
    pub fn decode_in_place(r: &mut Reader) -> DecodeResult<(ModuleMeta, CodeTables)> {
        Self::decode_with(r, false)
    }

    fn decode_with(r: &mut Reader, decode_tables: bool) -> DecodeResult<(ModuleMeta, CodeTables)> {
        let types = r.list(2, FuncType::decode)?;
        let type_decls = r.list(4, TypeDecl::decode)?;
        let imports = r.list(3, decode_import)?;
        let funcs = r.list(12, decode_func)?;
        let tables = r.list(7, decode_table)?;
        let memories = r.list(12, MemoryType::decode)?;
        let globals = r.list(3, decode_global)?;
        let tags = r.list(4, |r| r.u32())?;
        let exports = r.list(6, decode_export)?;
        let start = decode_start(r)?;
        let elements = r.list(3, decode_element)?;
        let data = r.list(17, decode_data)?;
        let entry_trampolines = r.list(4, |r| r.u32())?;
        let host_trampolines = r.list(4, |r| r.u32())?;
        let module_name = if r.bool()? { Some(r.str()?) } else { None };
        let memory_images = r.list(28, decode_memory_image)?;
        let (trap_sites_range, trap_sites) = decode_trap_sites(r, decode_tables)?;
        let (func_names_range, blob) = length_prefixed(r, "the function names")?;
        let func_names = if decode_tables {
            in_blob(blob, func_names_range.start, decode_func_names)?
        } else {
            Vec::new()
        };
        let (address_map_range, blob) = length_prefixed(r, "the address map")?;
        let address_map = if decode_tables {
            Arc::new(in_blob(blob, address_map_range.start, AddressMap::decode)?)
        } else {
            Default::default()
        };
        let (exception_sites_range, blob) = length_prefixed(r, "the exception table")?;
        let exception_sites = if decode_tables {
            let mut at = Reader::new(blob);
            decode_exception_table(&mut at, blob).map_err(|e| DecodeError {
                offset: exception_sites_range.start + e.offset,
                expected: e.expected,
            })?
        } else if ExceptionTable::new(blob).is_none() {
            return Err(DecodeError {
                offset: exception_sites_range.start,
                expected: "an exception table whose records are all present".into(),
            });
        } else {
            Vec::new()
        };
        let code_tables = CodeTables {
            trap_sites: trap_sites_range,
            func_names: func_names_range,
            address_map: address_map_range,
            exception_sites: exception_sites_range,
        };
        let meta = ModuleMeta {
            types,
            type_decls,
            imports,
            funcs,
            tables,
            memories,
            globals,
            tags,
            exports,
            start,
            elements,
            data,
            entry_trampolines,
            host_trampolines,
            trap_sites,
            exception_sites,
            module_name,
            func_names,
            memory_images,
            address_map,
        };
        Ok((meta, code_tables))
    }
}

#[inline]
fn decode_import(r: &mut Reader) -> DecodeResult<Import> {
    let module = r.str()?;
    let name = r.str()?;
    let kind = match r.u8()? {
        0 => ImportKind::Func(r.u32()?),
        1 => ImportKind::Table(TableType::decode(r)?),
        2 => ImportKind::Memory(MemoryType::decode(r)?),
        3 => ImportKind::Global(GlobalType::decode(r)?),
        4 => ImportKind::Tag(r.u32()?),
        _ => return r.error("an import kind (0..=4)"),
    };
    Ok(Import { module, name, kind })
}

#[inline]
fn decode_func(r: &mut Reader) -> DecodeResult<FuncMeta> {
    Ok(FuncMeta {
        type_index: r.u32()?,
        text_offset: r.u32()?,
        text_len: r.u32()?,
    })
}

#[inline]
fn decode_table(r: &mut Reader) -> DecodeResult<TableDef> {
    Ok(TableDef {
        ty: TableType::decode(r)?,
        init: ConstExpr::decode(r)?,
    })
}

#[inline]
fn decode_global(r: &mut Reader) -> DecodeResult<GlobalDef> {
    Ok(GlobalDef {
        ty: GlobalType::decode(r)?,
        init: ConstExpr::decode(r)?,
    })
}

#[inline]
fn decode_export(r: &mut Reader) -> DecodeResult<Export> {
    Ok(Export {
        name: r.str()?,
        index: EntityIndex::decode(r)?,
    })
}

fn decode_start(r: &mut Reader) -> DecodeResult<Option<u32>> {
    match r.opt_u64()? {
        None => Ok(None),
        Some(s) => match u32::try_from(s) {
            Ok(s) => Ok(Some(s)),
            Err(_) => r.error("a start function index below 2^32"),
        },
    }
}

#[inline]
fn decode_element(r: &mut Reader) -> DecodeResult<ElemSegment> {
    let mode = decode_mode(r)?;
    let element = ValType::decode(r)?;
    let items = match r.u8()? {
        0 => ElemItems::Funcs(r.list(4, |r| r.u32())?),
        1 => ElemItems::Exprs(r.list(1, ConstExpr::decode)?),
        _ => return r.error("an element item kind (0 or 1)"),
    };
    Ok(ElemSegment {
        mode,
        element,
        items,
    })
}

#[inline]
fn decode_data(r: &mut Reader) -> DecodeResult<DataSegment> {
    Ok(DataSegment {
        mode: decode_mode(r)?,
        offset: r.u64()?,
        len: r.u64()?,
    })
}

#[inline]
fn decode_memory_image(r: &mut Reader) -> DecodeResult<MemoryImage> {
    Ok(MemoryImage {
        memory: r.u32()?,
        start: r.u64()?,
        offset: r.u64()?,
        len: r.u64()?,
    })
}

/// The trap sites: where their records lie, and, if `decode` is set, the sites.
fn decode_trap_sites(r: &mut Reader, decode: bool) -> DecodeResult<(Range<usize>, Vec<TrapSite>)> {
    let count = r.len()?;
    let at = r.position();
    let size = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(TRAP_SITE_SIZE));
    let Some(size) = size else {
        return r.error("a trap site count that fits the section");
    };
    let records = r.take(size, "the trap sites")?;
    if !decode {
        return Ok((at..at + size, Vec::new()));
    }
    let mut sites = Vec::with_capacity(records.len() / TRAP_SITE_SIZE);
    for (i, record) in records.chunks_exact(TRAP_SITE_SIZE).enumerate() {
        match trap_site(record) {
            Some(site) => sites.push(site),
            None => {
                return Err(DecodeError {
                    offset: at + i * TRAP_SITE_SIZE + 4,
                    expected: "a trap code".into(),
                })
            }
        }
    }
    Ok((at..at + size, sites))
}

/// A `len`-prefixed run of bytes (`what` in errors): where it lies, and its bytes.
fn length_prefixed<'a>(r: &mut Reader<'a>, what: &str) -> DecodeResult<(Range<usize>, &'a [u8])> {
    let len = r.len()?;
    let Some(len) = usize::try_from(len).ok() else {
        return r.error(format!("{what}, within the section"));
    };
    let at = r.position();
    let bytes = r.take(len, what)?;
    Ok((at..at + len, bytes))
}

/// Decode all of `blob` (which starts at offset `at` of the section) with `decode`.
fn in_blob<T>(
    blob: &[u8],
    at: usize,
    decode: impl FnOnce(&mut Reader) -> DecodeResult<T>,
) -> DecodeResult<T> {
    let mut r = Reader::new(blob);
    let value = decode(&mut r).map_err(|e| DecodeError {
        offset: at + e.offset,
        expected: e.expected,
    })?;
    if !r.is_at_end() {
        return Err(DecodeError {
            offset: at + r.position(),
            expected: "the end of the table".into(),
        });
    }
    Ok(value)
}

/// The function names of a module (`ModuleMeta::func_names`), as `CodeTables::func_names`
/// holds them.
#[inline]
pub fn decode_func_names(r: &mut Reader) -> DecodeResult<Vec<(u32, String)>> {
    r.list(5, |r| Ok((r.u32()?, r.str()?)))
}

/// Size of one trap-site record: `u32` `.text` offset, `u8` trap code.
pub const TRAP_SITE_SIZE: usize = 5;

/// The trap site in a `TRAP_SITE_SIZE`-byte record, `None` for an unknown trap code.
pub fn trap_site(record: &[u8]) -> Option<TrapSite> {
    let [a, b, c, d, code, ..] = *record else {
        return None;
    };
    Some(TrapSite {
        text_offset: u32::from_le_bytes([a, b, c, d]),
        code: TrapCode::from_u8(code)?,
    })
}

/// Where the code tables lie in the metadata section (byte ranges from its start), for
/// reading them in place: the trap sites (`TRAP_SITE_SIZE`-byte records sorted by
/// offset), the function names (see `decode_func_names`), the encoded `AddressMap` and
/// the exception table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeTables {
    pub trap_sites: Range<usize>,
    pub func_names: Range<usize>,
    pub address_map: Range<usize>,
    /// The exception table (see `ExceptionTable`).
    pub exception_sites: Range<usize>,
}

fn encode_mode(w: &mut Writer, mode: &SegmentMode) {
    match mode {
        SegmentMode::Active { index, offset } => {
            w.u8(0);
            w.u32(*index);
            offset.encode(w);
        }
        SegmentMode::Passive => w.u8(1),
        SegmentMode::Declared => w.u8(2),
    }
}

#[inline]
fn decode_mode(r: &mut Reader) -> DecodeResult<SegmentMode> {
    Ok(match r.u8()? {
        0 => SegmentMode::Active {
            index: r.u32()?,
            offset: ConstExpr::decode(r)?,
        },
        1 => SegmentMode::Passive,
        2 => SegmentMode::Declared,
        _ => return r.error("a segment mode (0..=2)"),
    })
}

/// Encode a header followed by module metadata: the contents of the metadata section.
#[inline]
pub fn encode_metadata(header: &Header, meta: &ModuleMeta) -> Vec<u8> {
    let mut w = Writer::default();
    header.encode(&mut w);
    meta.encode(&mut w);
    w.bytes
}

/// Decode the contents of a metadata section.
/// Decode a metadata section but its code tables (see `ModuleMeta::decode_in_place`).
pub fn decode_metadata_in_place(bytes: &[u8]) -> DecodeResult<(Header, ModuleMeta, CodeTables)> {
    let mut r = Reader::new(bytes);
    let header = Header::decode(&mut r)?;
    let (meta, tables) = ModuleMeta::decode_in_place(&mut r)?;
    if !r.is_at_end() {
        return r.error("the end of the metadata section");
    }
    Ok((header, meta, tables))
}

pub fn decode_metadata(bytes: &[u8]) -> DecodeResult<(Header, ModuleMeta)> {
    let mut r = Reader::new(bytes);
    let header = Header::decode(&mut r)?;
    let meta = ModuleMeta::decode(&mut r)?;
    if !r.is_at_end() {
        return r.error("the end of the metadata section");
    }
    Ok((header, meta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> (Header, ModuleMeta) {
        let header = Header {
            format_version: FORMAT_VERSION,
            checksum: 0xdead_beef,
            compiler_version: "0.1.0".into(),
            target: "x86_64-unknown-linux-gnu".into(),
            cpu_features: "has_sse41".into(),
            wasm_features: features::ALL,
            tunables: Tunables::default(),
            symbol_prefix: String::new(),
            text_prelinked: true,
        };
        let ty = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
        let meta = ModuleMeta {
            type_decls: vec![TypeDecl::plain(0, &ty)],
            types: vec![ty],
            imports: vec![Import {
                module: "env".into(),
                name: "f".into(),
                kind: ImportKind::Func(0),
            }],
            funcs: vec![FuncMeta {
                type_index: 0,
                text_offset: 0,
                text_len: 16,
            }],
            tables: vec![TableDef {
                ty: TableType {
                    ref_type: None,
                    element: ValType::FuncRef,
                    minimum: 1,
                    maximum: None,
                    table64: false,
                },
                init: ConstExpr(vec![ConstOp::RefNull]),
            }],
            memories: vec![MemoryType {
                minimum: 1,
                maximum: Some(2),
                memory64: false,
                shared: false,
                page_size_log2: 16,
            }],
            globals: vec![GlobalDef {
                ty: GlobalType {
                    ref_type: None,
                    content: ValType::I64,
                    mutable: true,
                },
                init: ConstExpr(vec![
                    ConstOp::I64Const(-5),
                    ConstOp::GlobalGet(0),
                    ConstOp::I64Add,
                ]),
            }],
            tags: vec![0],
            exports: vec![Export {
                name: "add".into(),
                index: EntityIndex::Func(1),
            }],
            start: Some(1),
            elements: vec![
                ElemSegment {
                    mode: SegmentMode::Active {
                        index: 0,
                        offset: ConstExpr(vec![ConstOp::I32Const(0)]),
                    },
                    element: ValType::FuncRef,
                    items: ElemItems::Exprs(vec![ConstExpr(vec![ConstOp::RefFunc(1)])]),
                },
                ElemSegment {
                    mode: SegmentMode::Passive,
                    element: ValType::ExnRef,
                    items: ElemItems::Exprs(vec![ConstExpr(vec![ConstOp::RefNull])]),
                },
            ],
            data: vec![DataSegment {
                mode: SegmentMode::Passive,
                offset: 0,
                len: 3,
            }],
            entry_trampolines: vec![32],
            host_trampolines: vec![64],
            trap_sites: vec![TrapSite {
                text_offset: 4,
                code: TrapCode::IntegerDivisionByZero,
            }],
            exception_sites: vec![crate::ExceptionSite {
                ret_offset: 8,
                frame_offset: 16,
                vmctx_sp_offset: Some(0),
                handlers: vec![crate::ExceptionHandler {
                    tag: Some(0),
                    handler_offset: 12,
                }],
            }],
            module_name: Some("m".into()),
            func_names: vec![(1, "add".into())],
            memory_images: vec![MemoryImage {
                memory: 0,
                start: 65536,
                offset: 4096,
                len: 4096,
            }],
            address_map: Arc::new(crate::AddressMap {
                funcs: vec![crate::FuncAddress {
                    text_offset: 0,
                    body_offset: 0x30,
                }],
                entries: vec![
                    crate::AddressMapEntry {
                        text_offset: 4,
                        wasm_offset: 0x33,
                    },
                    crate::AddressMapEntry {
                        text_offset: 9,
                        wasm_offset: 0x31,
                    },
                ],
            }),
        };
        (header, meta)
    }

    #[test]
    fn roundtrip() {
        let (h, m) = sample();
        let bytes = encode_metadata(&h, &m);
        assert_eq!(decode_metadata(&bytes).unwrap(), (h, m));
    }

    #[test]
    fn every_truncation_and_every_byte_flip_decodes_without_panic() {
        let (h, m) = sample();
        let bytes = encode_metadata(&h, &m);
        for len in 0..bytes.len() {
            assert!(
                decode_metadata(&bytes[..len]).is_err(),
                "truncated to {len} decoded"
            );
        }
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                let _ = decode_metadata(&b);
            }
        }
    }

    #[test]
    fn foreign_magic_and_version_are_named() {
        let (h, m) = sample();
        let mut bytes = encode_metadata(&h, &m);
        bytes[8] = 99;
        let e = decode_metadata(&bytes).unwrap_err();
        assert!(e.expected.contains("format version"), "{e}");
        bytes[0] = b'X';
        let e = decode_metadata(&bytes).unwrap_err();
        assert!(e.expected.contains("magic"), "{e}");
    }
}
