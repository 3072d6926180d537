//! The module descriptor (`<prefix>wasmaot_module`, layout in `wasmaot_abi::Descriptor`):
//! a small read-only record with absolute relocations to the metadata, `.text` and data
//! sections, so that code placed by a system linker (static executable, shared object)
//! can find its module without reading any file.

use crate::CompileError;
use cranelift_codegen::ir::Endianness;
use object::write::{Object, Relocation, SectionId, Symbol, SymbolSection};
use object::{
    RelocationEncoding, RelocationFlags, RelocationKind, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope,
};
use wasmaot_abi::{self as abi, DescriptorLayout};

/// The sections the descriptor points to.
pub struct Sections {
    pub metadata: SectionId,
    pub text: SectionId,
    pub data: SectionId,
}

/// Add the descriptor section and its global symbol to `object`.
pub fn add(
    object: &mut Object<'_>,
    prefix: &str,
    pointer_bytes: u8,
    endianness: Endianness,
    sections: Sections,
) -> Result<(), CompileError> {
    let layout = DescriptorLayout::new(pointer_bytes);
    let p = usize::from(pointer_bytes);
    let mut record = vec![0u8; layout.size() as usize];
    let put = |record: &mut [u8], at: u32, value: u64, size: usize| {
        let at = at as usize;
        let bytes = match endianness {
            Endianness::Little => value.to_le_bytes(),
            Endianness::Big => value.to_be_bytes(),
        };
        let bytes = match endianness {
            Endianness::Little => &bytes[..size],
            Endianness::Big => &bytes[8 - size..],
        };
        record[at..at + size].copy_from_slice(bytes);
    };
    put(&mut record, layout.magic(), abi::DESCRIPTOR_MAGIC.into(), 4);
    put(
        &mut record,
        layout.version(),
        abi::DESCRIPTOR_VERSION.into(),
        4,
    );
    let len = |object: &Object<'_>, s: SectionId| object.section(s).data().len() as u64;
    let fields = [
        (layout.metadata(), layout.metadata_len(), sections.metadata),
        (layout.text(), layout.text_len(), sections.text),
        (layout.data(), layout.data_len(), sections.data),
    ];
    for (_, len_at, section) in fields {
        put(&mut record, len_at, len(object, section), p);
    }

    // Read-only after relocation (`.data.rel.ro` on ELF, `__DATA,__const` on Mach-O,
    // `.rdata` on COFF).
    let id = object.add_section(
        object
            .segment_name(object::write::StandardSegment::Data)
            .to_vec(),
        descriptor_section_name(object.format()).as_bytes().to_vec(),
        SectionKind::ReadOnlyDataWithRel,
    );
    let offset = object.append_section_data(id, &record, u64::from(pointer_bytes));
    for (ptr_at, _, section) in fields {
        let symbol = object.section_symbol(section);
        object
            .add_relocation(
                id,
                Relocation {
                    offset: offset + u64::from(ptr_at),
                    symbol,
                    addend: 0,
                    flags: RelocationFlags::Generic {
                        kind: RelocationKind::Absolute,
                        encoding: RelocationEncoding::Generic,
                        size: pointer_bytes * 8,
                    },
                },
            )
            .map_err(|e| CompileError::Codegen(format!("module descriptor: {e}")))?;
    }
    object.add_symbol(Symbol {
        name: abi::descriptor_symbol(prefix).into_bytes(),
        value: offset,
        size: u64::from(layout.size()),
        kind: SymbolKind::Data,
        // Global with default visibility: a host links against it, `dlsym` finds it.
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(id),
        flags: SymbolFlags::None,
    });
    Ok(())
}

fn descriptor_section_name(format: object::BinaryFormat) -> &'static str {
    match format {
        object::BinaryFormat::MachO => "__const",
        object::BinaryFormat::Coff => ".rdata",
        _ => ".data.rel.ro.wasmaot",
    }
}

/// In objects for the system linker (`CompileOptions::pic`), a function named in the
/// name section gets the symbol `<prefix><name>` instead of `<prefix>wasm_func_N`, so
/// that debuggers and profilers show wasm names (both at one address would leave the
/// choice to the tool: gdb picks `wasm_func_N`). Names that could be mistaken for the
/// artifact's own symbols (`wasm_func_*`, `wasm_entry_*`, `wasm_host_*`, `wasmaot_*`),
/// empty names, names containing NUL and names already taken keep the numbered symbol.
/// The symbols are local: several modules never clash, whatever their names.
pub fn name_symbols(
    product: &mut cranelift_object::ObjectProduct,
    meta: &abi::ModuleMeta,
    defined: &[cranelift_module::FuncId],
    prefix: &str,
) {
    let nimported = meta.num_imported_funcs();
    let mut taken = std::collections::HashSet::new();
    for (index, name) in &meta.func_names {
        let Some(id) = index
            .checked_sub(nimported)
            .and_then(|d| defined.get(d as usize))
        else {
            continue;
        };
        let reserved = ["wasm_func_", "wasm_entry_", "wasm_host_", "wasmaot_"]
            .iter()
            .any(|r| name.starts_with(r));
        if name.is_empty() || name.contains('\0') || reserved || !taken.insert(name.as_str()) {
            continue;
        }
        // `add_symbol` applies the format's C mangling (Mach-O's leading `_`); renaming
        // in place must do it by hand.
        let mut mangled: Vec<u8> = product
            .object
            .mangling()
            .global_prefix()
            .into_iter()
            .collect();
        mangled.extend_from_slice(format!("{prefix}{name}").as_bytes());
        let symbol_id = product.function_symbol(*id);
        product.object.symbol_mut(symbol_id).name = mangled;
    }
}
