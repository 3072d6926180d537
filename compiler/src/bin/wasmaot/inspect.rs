//! `wasmaot inspect`: what an artifact holds, read with `abi` and `object` alone (no
//! loading, so artifacts for other targets can be inspected too).

use crate::{file_error, Failure};
use object::{Object, ObjectSection};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use wasmaot_abi::{self as abi, features, EntityIndex, ImportKind, ModuleMeta};

pub fn main(path: &Path) -> Result<ExitCode, Failure> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let report = describe(&bytes).map_err(|e| file_error(path, e))?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn object_format(format: object::BinaryFormat) -> Option<abi::ObjectFormat> {
    match format {
        object::BinaryFormat::Elf => Some(abi::ObjectFormat::Elf),
        object::BinaryFormat::MachO => Some(abi::ObjectFormat::MachO),
        object::BinaryFormat::Coff => Some(abi::ObjectFormat::Coff),
        _ => None,
    }
}

/// The text `wasmaot inspect` prints for the artifact `bytes`.
fn describe(bytes: &[u8]) -> Result<String, String> {
    let file = object::File::parse(bytes).map_err(|e| format!("not an object file: {e}"))?;
    let (meta_offset, header, meta) = read_metadata(&file)?;
    let mut out = String::new();
    let kind = format!(
        "{:?} {:?} {:?}",
        file.format(),
        file.kind(),
        file.architecture()
    );
    line(&mut out, "object", format!("{kind}, {} bytes", bytes.len()));
    describe_header(&mut out, &header);
    // The checksum covers the artifact file the compiler wrote; a system linker's output
    // (shared object, executable) is a different file, so there is nothing to compare.
    let verdict = if file.kind() != object::ObjectKind::Relocatable {
        "not checked: linked by the system linker"
    } else if checksum(bytes, meta_offset as usize) == Some(header.checksum) {
        "ok"
    } else {
        "MISMATCH"
    };
    line(
        &mut out,
        "checksum",
        format!("{:#010x} ({verdict})", header.checksum),
    );
    describe_module(&mut out, &meta);
    describe_imports(&mut out, &meta);
    describe_exports(&mut out, &meta);
    describe_sections(&mut out, &file);
    Ok(out)
}

/// The metadata section of `file`: its file offset, and the header and module it holds.
fn read_metadata(file: &object::File) -> Result<(u64, abi::Header, ModuleMeta), String> {
    let format = object_format(file.format())
        .ok_or_else(|| format!("unsupported object format {:?}", file.format()))?;
    let meta_name = abi::metadata_section(format);
    let section = file
        .section_by_name(meta_name)
        .ok_or_else(|| format!("no `{meta_name}` section: not a wasmaot artifact"))?;
    let (meta_offset, _) = section
        .file_range()
        .ok_or_else(|| format!("the `{meta_name}` section has no file data"))?;
    let meta_bytes = section
        .data()
        .map_err(|e| format!("cannot read `{meta_name}`: {e}"))?;
    let (header, meta) = abi::decode_metadata(meta_bytes)
        .map_err(|e| format!("bad metadata in `{meta_name}`: {e}"))?;
    Ok((meta_offset, header, meta))
}

/// The header's fields but the checksum.
fn describe_header(w: &mut String, header: &abi::Header) {
    line(w, "format version", header.format_version);
    line(w, "compiler version", &header.compiler_version);
    line(w, "target", &header.target);
    line(w, "cpu features", or_none(&header.cpu_features));
    line(
        w,
        "wasm features",
        or_none(&features::describe(header.wasm_features)),
    );
    line(
        w,
        "tunables",
        format!(
            "memory reservation {:#x}, memory guard {:#x}, consume fuel {}, epoch interruption {}",
            header.tunables.memory_reservation,
            header.tunables.memory_guard_size,
            header.tunables.consume_fuel,
            header.tunables.epoch_interruption
        ),
    );
    line(w, "symbol prefix", or_none(&header.symbol_prefix));
    let text = if header.text_prelinked {
        "pre-linked (mapped from the file as it lies)"
    } else {
        "linked at load (copied and patched)"
    };
    line(w, "text", text);
}

/// What the module holds, in numbers.
fn describe_module(w: &mut String, meta: &ModuleMeta) {
    if let Some(name) = &meta.module_name {
        line(w, "module name", name);
    }
    line(
        w,
        "functions",
        format!(
            "{} defined, {} imported",
            meta.funcs.len(),
            meta.num_imported_funcs()
        ),
    );
    line(
        w,
        "defined",
        format!(
            "{} tables, {} memories, {} globals, {} element segments, {} data segments",
            meta.tables.len(),
            meta.memories.len(),
            meta.globals.len(),
            meta.elements.len(),
            meta.data.len()
        ),
    );
    line(w, "trap sites", meta.trap_sites.len());
    if !meta.tags.is_empty() || meta.num_imported_tags() > 0 {
        line(
            w,
            "tags",
            format!(
                "{} defined, {} imported",
                meta.tags.len(),
                meta.num_imported_tags()
            ),
        );
    }
    describe_exception_sites(w, meta);
    if let Some(start) = meta.start {
        line(w, "start function", start);
    }
}

/// The exception table: each call with handlers and where they are.
fn describe_exception_sites(w: &mut String, meta: &ModuleMeta) {
    line(w, "exception sites", meta.exception_sites.len());
    for site in &meta.exception_sites {
        let handlers: Vec<String> = site
            .handlers
            .iter()
            .map(|h| match h.tag {
                Some(t) => format!("tag {t} -> {:#x}", h.handler_offset),
                None => format!("all -> {:#x}", h.handler_offset),
            })
            .collect();
        let _ = writeln!(
            w,
            "  call returning to {:#x}: {}",
            site.ret_offset,
            handlers.join(", ")
        );
    }
}

fn describe_imports(w: &mut String, meta: &ModuleMeta) {
    let _ = writeln!(w, "imports:");
    if meta.imports.is_empty() {
        let _ = writeln!(w, "  (none)");
    }
    for import in &meta.imports {
        let ty = match &import.kind {
            ImportKind::Func(t) => func_type(meta, *t),
            ImportKind::Table(t) => format!("{t:?}"),
            ImportKind::Memory(t) => format!("{t:?}"),
            ImportKind::Global(t) => format!("{t:?}"),
            ImportKind::Tag(t) => format!("tag {}", func_type(meta, *t)),
        };
        let _ = writeln!(w, "  {:?} {:?}: {ty}", import.module, import.name);
    }
}

fn describe_exports(w: &mut String, meta: &ModuleMeta) {
    let _ = writeln!(w, "exports:");
    if meta.exports.is_empty() {
        let _ = writeln!(w, "  (none)");
    }
    for export in &meta.exports {
        let ty = match export.index {
            EntityIndex::Func(i) => {
                format!("func[{i}] {}", func_type(meta, func_type_index(meta, i)))
            }
            other => format!("{other:?}"),
        };
        let _ = writeln!(w, "  {:?}: {ty}", export.name);
    }
}

/// The object's named sections: size and number of relocations.
fn describe_sections(w: &mut String, file: &object::File) {
    let _ = writeln!(w, "sections:");
    let _ = writeln!(w, "  {:<24} {:>10} {:>12}", "name", "size", "relocations");
    for section in file.sections() {
        let name = section.name().unwrap_or("?");
        if name.is_empty() {
            continue;
        }
        let relocs = section.relocations().count();
        let _ = writeln!(w, "  {name:<24} {:>10} {relocs:>12}", section.size());
    }
}

fn line(w: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = writeln!(w, "{:<18}{value}", format!("{key}:"));
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

/// Type index of function `index` of the module's function space.
fn func_type_index(meta: &ModuleMeta, index: u32) -> u32 {
    let imported: Vec<u32> = meta
        .imports
        .iter()
        .filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        })
        .collect();
    match imported.get(index as usize) {
        Some(&t) => t,
        None => meta
            .funcs
            .get(index as usize - imported.len())
            .map_or(u32::MAX, |f| f.type_index),
    }
}

fn func_type(meta: &ModuleMeta, type_index: u32) -> String {
    match meta.types.get(type_index as usize) {
        Some(t) => t.to_string(),
        None => format!("<bad type index {type_index}>"),
    }
}

/// CRC-32 of the whole file with the checksum field zeroed, as the header records it.
fn checksum(bytes: &[u8], meta_offset: usize) -> Option<u32> {
    abi::artifact_checksum(bytes, meta_offset.checked_add(abi::CHECKSUM_OFFSET)?)
}
