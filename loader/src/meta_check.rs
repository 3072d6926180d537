//! The cross-check of a decoded `ModuleMeta`: every index in range, every `.text` and
//! data range inside its section, every constant expression well typed, the start
//! function of type `[] -> []`. The decoder already bounds every read; this makes sure
//! nothing the runtime later indexes with can be out of range.

use crate::abi::{ElemItems, ElemSegment, EntityIndex, ImportKind, ModuleMeta, SegmentMode};
use crate::abi::{TableType, ValType, WASM_PAGE_SIZE};
use crate::const_expr;

type Check = std::result::Result<(), String>;

/// Check every index and range in the metadata (the error names the entity).
pub(crate) fn validate(meta: &ModuleMeta, text_len: u64, data_len: u64) -> Check {
    check_memory_images(meta, data_len)?;
    crate::meta_check_types::check_types(meta)?;
    let spaces = IndexSpaces::new(meta)?;
    check_funcs(meta, text_len)?;
    check_initializers(meta, &spaces)?;
    for (i, m) in meta.memories.iter().enumerate() {
        if m.maximum.is_some_and(|max| max < m.minimum) {
            return Err(format!("memory {i}: maximum below minimum"));
        }
    }
    check_exports(meta, &spaces)?;
    check_start(meta, &spaces)?;
    for (i, seg) in meta.elements.iter().enumerate() {
        check_element_segment(i, seg, &spaces)?;
    }
    check_data_segments(meta, &spaces, data_len)?;
    // The trap table is not part of the decoded metadata (`CodeTables`; see
    // `artifact::check_trap_sites`).
    check_trampolines(meta, text_len)
}

/// The module's index spaces (imports first): what the other checks compare against.
struct IndexSpaces {
    nimported_funcs: u32,
    nfuncs: u32,
    /// The content type of each global.
    globals: Vec<ValType>,
    nimported_globals: usize,
    /// The type of each table.
    tables: Vec<TableType>,
    /// Whether each memory is 64-bit.
    memory64s: Vec<bool>,
    /// Number of tags.
    ntags: usize,
}

impl IndexSpaces {
    /// The index spaces; an imported function's type index must be in range.
    fn new(meta: &ModuleMeta) -> std::result::Result<IndexSpaces, String> {
        let ntypes = meta.types.len();
        let mut spaces = IndexSpaces {
            nimported_funcs: 0,
            nfuncs: 0,
            globals: Vec::new(),
            nimported_globals: 0,
            tables: Vec::new(),
            memory64s: Vec::new(),
            ntags: 0,
        };
        let mut nimported_funcs = 0u64;
        for (i, import) in meta.imports.iter().enumerate() {
            match &import.kind {
                ImportKind::Func(t) if *t as usize >= ntypes => {
                    return Err(format!(
                        "import {i}: type index {t} out of range ({ntypes} types)"
                    ));
                }
                ImportKind::Func(_) => nimported_funcs += 1,
                ImportKind::Table(t) => spaces.tables.push(*t),
                ImportKind::Memory(m) => spaces.memory64s.push(m.memory64),
                ImportKind::Global(g) => spaces.globals.push(g.content),
                ImportKind::Tag(t) => {
                    check_tag_type(meta, *t).map_err(|e| format!("import {i}: {e}"))?;
                    spaces.ntags += 1;
                }
            }
        }
        for (i, t) in meta.tags.iter().enumerate() {
            check_tag_type(meta, *t).map_err(|e| format!("tag {i}: {e}"))?;
        }
        spaces.ntags += meta.tags.len();
        let nfuncs = nimported_funcs + meta.funcs.len() as u64;
        spaces.nfuncs = u32::try_from(nfuncs).map_err(|_| "too many functions".to_string())?;
        spaces.nimported_funcs = nimported_funcs as u32;
        spaces.nimported_globals = spaces.globals.len();
        spaces.tables.extend(meta.tables.iter().map(|t| t.ty));
        spaces
            .memory64s
            .extend(meta.memories.iter().map(|m| m.memory64));
        spaces
            .globals
            .extend(meta.globals.iter().map(|g| g.ty.content));
        Ok(spaces)
    }

    fn global_type(&self, g: u32) -> Option<ValType> {
        self.globals.get(g as usize).copied()
    }
}

/// A tag's type: a function type without results.
fn check_tag_type(meta: &ModuleMeta, t: u32) -> Check {
    match meta.types.get(t as usize) {
        None => Err(format!(
            "tag type index {t} out of range ({} types)",
            meta.types.len()
        )),
        Some(ty) if !ty.results.is_empty() => Err(format!("tag type {ty} has results")),
        Some(_) => Ok(()),
    }
}

/// Each memory image initializes a defined memory, inside its initial size, and lies
/// inside the data section.
fn check_memory_images(meta: &ModuleMeta, data_len: u64) -> Check {
    for (i, image) in meta.memory_images.iter().enumerate() {
        let defined = image.memory.checked_sub(meta.num_imported_memories());
        let memory = defined.and_then(|d| meta.memories.get(d as usize));
        let fits = memory.is_some_and(|m| {
            image.start.checked_add(image.len).is_some_and(|end| {
                m.page_size_log2 == 16 && end <= m.minimum.saturating_mul(WASM_PAGE_SIZE)
            })
        });
        let inside = image
            .offset
            .checked_add(image.len)
            .is_some_and(|end| end <= data_len);
        if !fits || !inside {
            return Err(format!(
                "memory image {i}: not a defined memory's initial contents inside the data section"
            ));
        }
    }
    Ok(())
}

/// Each defined function has a type and lies inside `.text`.
fn check_funcs(meta: &ModuleMeta, text_len: u64) -> Check {
    for (i, f) in meta.funcs.iter().enumerate() {
        if f.type_index as usize >= meta.types.len() {
            return Err(format!(
                "function {i}: type index {} out of range",
                f.type_index
            ));
        }
        if u64::from(f.text_offset) + u64::from(f.text_len) > text_len {
            return Err(format!(
                "function {i}: code [{}, +{}) outside .text ({text_len} bytes)",
                f.text_offset, f.text_len
            ));
        }
    }
    Ok(())
}

/// Table and global initializers have their entity's type; a global's may only read
/// globals before it.
fn check_initializers(meta: &ModuleMeta, spaces: &IndexSpaces) -> Check {
    let global_type = |g: u32| spaces.global_type(g);
    for (i, t) in meta.tables.iter().enumerate() {
        const_expr::check(&t.init, t.ty.element, &global_type, spaces.nfuncs)
            .map_err(|e| format!("table {i} initializer: expected {e}"))?;
    }
    for (i, g) in meta.globals.iter().enumerate() {
        let limit = spaces.nimported_globals + i;
        let before = |idx: u32| {
            if (idx as usize) < limit {
                spaces.global_type(idx)
            } else {
                None
            }
        };
        const_expr::check(&g.init, g.ty.content, &before, spaces.nfuncs)
            .map_err(|e| format!("global {i} initializer: expected {e}"))?;
    }
    Ok(())
}

/// Each export names an entity that exists.
fn check_exports(meta: &ModuleMeta, spaces: &IndexSpaces) -> Check {
    for (i, e) in meta.exports.iter().enumerate() {
        let (idx, n, what) = match e.index {
            EntityIndex::Func(x) => (x, spaces.nfuncs as usize, "function"),
            EntityIndex::Table(x) => (x, spaces.tables.len(), "table"),
            EntityIndex::Memory(x) => (x, spaces.memory64s.len(), "memory"),
            EntityIndex::Global(x) => (x, spaces.globals.len(), "global"),
            EntityIndex::Tag(x) => (x, spaces.ntags, "tag"),
        };
        if idx as usize >= n {
            return Err(format!(
                "export {i} `{}`: {what} index {idx} out of range",
                e.name
            ));
        }
    }
    Ok(())
}

/// The start function exists and has type `[] -> []`.
fn check_start(meta: &ModuleMeta, spaces: &IndexSpaces) -> Check {
    let Some(s) = meta.start else {
        return Ok(());
    };
    if s >= spaces.nfuncs {
        return Err(format!("start function {s} out of range"));
    }
    let type_index = if s < spaces.nimported_funcs {
        meta.imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Func(t) => Some(t),
                _ => None,
            })
            .nth(s as usize)
    } else {
        meta.funcs
            .get((s - spaces.nimported_funcs) as usize)
            .map(|f| f.type_index)
    };
    let ty = type_index.and_then(|t| meta.types.get(t as usize));
    if !ty.is_some_and(|t| t.params.is_empty() && t.results.is_empty()) {
        return Err(format!("start function {s} must have type [] -> []"));
    }
    Ok(())
}

/// An element segment: its table (if active) holds its element type, its offset is an
/// expression of the table's index type, its items are functions that exist or
/// well-typed expressions.
fn check_element_segment(i: usize, seg: &ElemSegment, spaces: &IndexSpaces) -> Check {
    let global_type = |g: u32| spaces.global_type(g);
    let nfuncs = spaces.nfuncs;
    if let SegmentMode::Active { index, offset } = &seg.mode {
        let table = spaces.tables.get(*index as usize);
        match table {
            None => {
                return Err(format!(
                    "element segment {i}: table index {index} out of range"
                ))
            }
            Some(t) if t.element != seg.element => {
                return Err(format!(
                    "element segment {i}: element type {} into a {} table",
                    seg.element, t.element
                ))
            }
            _ => {}
        }
        let offset_ty = if table.is_some_and(|t| t.table64) {
            ValType::I64
        } else {
            ValType::I32
        };
        const_expr::check(offset, offset_ty, &global_type, nfuncs)
            .map_err(|e| format!("element segment {i} offset: expected {e}"))?;
    }
    if !seg.element.is_ref() {
        return Err(format!(
            "element segment {i}: element type must be a reference type"
        ));
    }
    match &seg.items {
        ElemItems::Funcs(funcs) => {
            if seg.element != ValType::FuncRef {
                return Err(format!(
                    "element segment {i}: function indices in a {} segment",
                    seg.element
                ));
            }
            if let Some(j) = funcs.iter().position(|&f| f >= nfuncs) {
                return Err(format!(
                    "element segment {i} item {j}: function index {} out of range ({nfuncs} functions)",
                    funcs[j]
                ));
            }
        }
        ElemItems::Exprs(exprs) => {
            for (j, item) in exprs.iter().enumerate() {
                const_expr::check(item, seg.element, &global_type, nfuncs)
                    .map_err(|e| format!("element segment {i} item {j}: expected {e}"))?;
            }
        }
    }
    Ok(())
}

/// Data segments: an active one's memory exists and its offset has the memory's index
/// type; the bytes lie inside the data section.
fn check_data_segments(meta: &ModuleMeta, spaces: &IndexSpaces, data_len: u64) -> Check {
    let global_type = |g: u32| spaces.global_type(g);
    for (i, seg) in meta.data.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = &seg.mode {
            let Some(&memory64) = spaces.memory64s.get(*index as usize) else {
                return Err(format!(
                    "data segment {i}: memory index {index} out of range"
                ));
            };
            let offset_ty = if memory64 { ValType::I64 } else { ValType::I32 };
            const_expr::check(offset, offset_ty, &global_type, spaces.nfuncs)
                .map_err(|e| format!("data segment {i} offset: expected {e}"))?;
        }
        if seg
            .offset
            .checked_add(seg.len)
            .is_none_or(|end| end > data_len)
        {
            return Err(format!(
                "data segment {i}: bytes [{}, +{}) outside the data section ({data_len} bytes)",
                seg.offset, seg.len
            ));
        }
    }
    Ok(())
}

/// One entry and one host trampoline slot per type, each absent or inside `.text`.
fn check_trampolines(meta: &ModuleMeta, text_len: u64) -> Check {
    let ntypes = meta.types.len();
    for (name, list) in [
        ("entry", &meta.entry_trampolines),
        ("host", &meta.host_trampolines),
    ] {
        if list.len() != ntypes {
            return Err(format!(
                "{} {name} trampolines for {ntypes} types",
                list.len()
            ));
        }
        for (t, off) in list.iter().enumerate() {
            if *off != u32::MAX && u64::from(*off) >= text_len {
                return Err(format!(
                    "{name} trampoline of type {t} at {off} outside .text"
                ));
            }
        }
    }
    Ok(())
}
