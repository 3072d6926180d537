//! Assembling the artifact: a relocatable object for the target holding the compiled
//! code, the metadata section and the data section, with the checksum patched in.

use crate::codegen::{compile_functions, compile_ir, CompiledFunction};
use crate::func_env::FuncIds;
use crate::module_env::ModuleInfo;
use crate::prelink;
use crate::signatures::{entry_trampoline_signature, wasm_signature};
use crate::target::Target;
use crate::trampolines::{entry_trampoline, host_trampoline};
use crate::{CompileError, CompileOptions};
use cranelift_codegen::ir::{LibCall, UserFuncName};
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use object::write::Object;
use object::{Object as _, ObjectSection as _, SectionKind};
use std::collections::HashMap;
use wasmaot_abi::{self as abi, FloatHelper, ObjectFormat, Tunables};

/// The float helper implementing a Cranelift libcall, if the runtime has one.
fn float_helper(call: LibCall) -> Option<FloatHelper> {
    Some(match call {
        LibCall::CeilF32 => FloatHelper::CeilF32,
        LibCall::CeilF64 => FloatHelper::CeilF64,
        LibCall::FloorF32 => FloatHelper::FloorF32,
        LibCall::FloorF64 => FloatHelper::FloorF64,
        LibCall::TruncF32 => FloatHelper::TruncF32,
        LibCall::TruncF64 => FloatHelper::TruncF64,
        LibCall::NearestF32 => FloatHelper::NearestF32,
        LibCall::NearestF64 => FloatHelper::NearestF64,
        LibCall::FmaF32 => FloatHelper::FmaF32,
        LibCall::FmaF64 => FloatHelper::FmaF64,
        _ => return None,
    })
}

/// Symbol names for Cranelift's own libcalls.
fn cranelift_libcall_name(call: LibCall) -> String {
    match float_helper(call) {
        Some(helper) => helper.symbol().to_string(),
        // Not produced for wasm code with our settings; the loader rejects the name.
        None => format!("wasmaot_rt_unsupported_{call:?}"),
    }
}

fn module_error(e: impl std::fmt::Display) -> CompileError {
    CompileError::Codegen(e.to_string())
}

fn object_format(target: &Target) -> Result<ObjectFormat, CompileError> {
    match target.isa.triple().binary_format {
        target_lexicon::BinaryFormat::Elf => Ok(ObjectFormat::Elf),
        target_lexicon::BinaryFormat::Macho => Ok(ObjectFormat::MachO),
        target_lexicon::BinaryFormat::Coff => Ok(ObjectFormat::Coff),
        other => Err(CompileError::Target(format!(
            "no object format for binary format {other}"
        ))),
    }
}

/// Build the artifact for a read module.
pub fn build(
    target: &Target,
    mut info: ModuleInfo,
    options: &CompileOptions,
) -> Result<Vec<u8>, CompileError> {
    let isa = &*target.isa;
    let format = object_format(target)?;
    let tunables = Tunables {
        consume_fuel: options.consume_fuel,
        epoch_interruption: options.epoch_interruption,
        ..Tunables::default()
    };
    let offsets = info.meta.vmoffsets(isa.pointer_bytes());
    let prefix = options.symbol_prefix.as_str();

    let builder = ObjectBuilder::new(
        target.isa.clone(),
        "wasmaot",
        Box::new(cranelift_libcall_name),
    )
    .map_err(module_error)?;
    let mut module = ObjectModule::new(builder);

    let mut defined = Vec::with_capacity(info.meta.funcs.len());
    for (i, f) in info.meta.funcs.iter().enumerate() {
        let index = info.num_imported_funcs + i as u32;
        let sig = wasm_signature(isa, &info.meta.types[f.type_index as usize]);
        let id = module
            .declare_function(&abi::func_symbol(prefix, index), Linkage::Local, &sig)
            .map_err(module_error)?;
        defined.push(id);
    }
    let ids = FuncIds {
        defined: defined.iter().map(|id| id.as_u32()).collect(),
    };

    let bodies = std::mem::take(&mut info.bodies);
    let compiled = compile_functions(
        isa,
        &info,
        &offsets,
        tunables,
        &ids,
        bodies,
        options.parallel,
    )?;
    for (id, f) in defined.iter().zip(&compiled) {
        module
            .define_function_bytes(*id, &f.func, f.alignment, &f.code, &f.relocs)
            .map_err(module_error)?;
    }

    // Trampolines, at most one pair per distinct function type: those the module needs.
    let needed = crate::trampolines::Needed::of(&info, &compiled);
    let mut first_of_type: HashMap<&abi::FuncType, usize> = HashMap::new();
    let mut trampoline_ids: Vec<(Option<FuncId>, Option<FuncId>)> = Vec::new();
    let mut trampoline_of_type = Vec::with_capacity(info.meta.types.len());
    let mut trampoline_code: Vec<(FuncId, CompiledFunction)> = Vec::new();
    for (i, ty) in info.meta.types.iter().enumerate() {
        if let Some(&j) = first_of_type.get(ty) {
            trampoline_of_type.push(trampoline_of_type[j]);
            continue;
        }
        first_of_type.insert(ty, i);
        let mut ids = (None, None);
        if needed.entry.contains(ty) {
            let id = module
                .declare_function(
                    &abi::entry_trampoline_symbol(prefix, i as u32),
                    Linkage::Local,
                    &entry_trampoline_signature(isa),
                )
                .map_err(module_error)?;
            let func = entry_trampoline(isa, &offsets, ty, UserFuncName::user(1, i as u32));
            trampoline_code.push((id, compile_ir(isa, func, "entry trampoline")?));
            ids.0 = Some(id);
        }
        if needed.host.contains(ty) {
            let id = module
                .declare_function(
                    &abi::host_trampoline_symbol(prefix, i as u32),
                    Linkage::Local,
                    &wasm_signature(isa, ty),
                )
                .map_err(module_error)?;
            let func = host_trampoline(isa, &offsets, ty, UserFuncName::user(2, i as u32));
            trampoline_code.push((id, compile_ir(isa, func, "host trampoline")?));
            ids.1 = Some(id);
        }
        trampoline_of_type.push(trampoline_ids.len());
        trampoline_ids.push(ids);
    }
    for (id, c) in &trampoline_code {
        module
            .define_function_bytes(*id, &c.func, c.alignment, &c.code, &c.relocs)
            .map_err(module_error)?;
    }

    let mut product = module.finish();
    let text_offset = |product: &cranelift_object::ObjectProduct, id: FuncId| -> u32 {
        product.object.symbol(product.function_symbol(id)).value as u32
    };
    let page = match isa.triple().architecture {
        target_lexicon::Architecture::X86_64 => 4096,
        _ => 65536,
    };
    let text_id = product
        .object
        .section_id(object::write::StandardSection::Text);
    let text_prelinked = format == ObjectFormat::Elf && {
        let placed: Vec<prelink::Placed> = defined
            .iter()
            .zip(&compiled)
            .chain(trampoline_code.iter().map(|(id, c)| (id, c)))
            .map(|(id, c)| prelink::Placed {
                text_offset: u64::from(text_offset(&product, *id)),
                compiled: c,
            })
            .collect();
        let offsets: HashMap<u32, u64> = defined
            .iter()
            .chain(trampoline_code.iter().map(|(id, _)| id))
            .map(|id| (id.as_u32(), u64::from(text_offset(&product, *id))))
            .collect();
        let text = product.object.section_mut(text_id);
        prelink::prelink(text.data_mut(), &placed, &|id| offsets.get(&id).copied())
    };
    if text_prelinked {
        // The loader maps `.text` in place with its own protection: it starts and ends on
        // a page boundary of the file, sharing no page with other sections.
        product.object.section_mut(text_id).append_data(&[], page);
    }
    let data = crate::data_layout::layout(&info, page);
    let mut meta = std::mem::take(&mut info.meta);
    for ((f, id), c) in meta.funcs.iter_mut().zip(&defined).zip(&compiled) {
        f.text_offset = text_offset(&product, *id);
        f.text_len = c.code.len() as u32;
        std::sync::Arc::make_mut(&mut meta.address_map).push_function(
            f.text_offset,
            c.body_offset,
            &c.address_map,
        );
        for (off, code) in &c.traps {
            meta.trap_sites.push(abi::TrapSite {
                text_offset: f.text_offset + off,
                code: *code,
            });
        }
    }
    meta.trap_sites.sort_by_key(|t| t.text_offset);
    for t in &trampoline_of_type {
        let (entry, host) = trampoline_ids[*t];
        let offset = |id: Option<FuncId>| id.map_or(u32::MAX, |id| text_offset(&product, id));
        meta.entry_trampolines.push(offset(entry));
        meta.host_trampolines.push(offset(host));
    }

    let header = abi::Header {
        format_version: abi::FORMAT_VERSION,
        checksum: 0,
        compiler_version: env!("CARGO_PKG_VERSION").to_string(),
        target: isa.triple().to_string(),
        cpu_features: target.cpu_features.clone(),
        wasm_features: options.wasm_features,
        tunables,
        symbol_prefix: options.symbol_prefix.clone(),
        text_prelinked,
    };
    meta.data = data.segments;
    meta.memory_images = data.images;
    let metadata = abi::encode_metadata(&header, &meta);
    let sections = [
        (abi::metadata_section(format), metadata.as_slice(), 16),
        // COFF sections align to at most 8 KiB.
        (
            abi::data_section(format),
            data.bytes.as_slice(),
            coff_align(format, page),
        ),
    ];
    let [meta_id, data_id] = sections
        .map(|(name, bytes, align)| add_section(&mut product.object, format, name, bytes, align));
    if options.pic {
        crate::descriptor::name_symbols(&mut product, &meta, &defined, prefix);
    }
    crate::descriptor::add(
        &mut product.object,
        prefix,
        isa.pointer_bytes(),
        isa.endianness(),
        crate::descriptor::Sections {
            metadata: meta_id,
            text: text_id,
            data: data_id,
        },
    )?;
    let mut bytes = product.object.write().map_err(module_error)?;
    patch_checksum(&mut bytes, format)?;
    Ok(bytes)
}

fn add_section(
    object: &mut Object,
    format: ObjectFormat,
    name: &str,
    data: &[u8],
    align: u64,
) -> object::write::SectionId {
    let segment = match format {
        ObjectFormat::MachO => abi::MACHO_SEGMENT.as_bytes().to_vec(),
        _ => Vec::new(),
    };
    let section = object.add_section(segment, name.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    object.append_section_data(section, data, align);
    section
}

/// COFF cannot align a section to more than 8 KiB (64 KiB pages on aarch64).
fn coff_align(format: ObjectFormat, align: u64) -> u64 {
    match format {
        ObjectFormat::Coff => align.min(8192),
        _ => align,
    }
}

/// Write the CRC-32 of the whole file (checksum field zero) into the header.
fn patch_checksum(bytes: &mut [u8], format: ObjectFormat) -> Result<(), CompileError> {
    let file = object::File::parse(&*bytes).map_err(module_error)?;
    let section = file
        .section_by_name(abi::metadata_section(format))
        .ok_or_else(|| {
            CompileError::Codegen("metadata section missing from the written object".into())
        })?;
    let (offset, _) = section
        .file_range()
        .ok_or_else(|| CompileError::Codegen("metadata section has no file data".into()))?;
    let at = offset as usize + abi::CHECKSUM_OFFSET;
    let checksum = abi::artifact_checksum(bytes, at)
        .ok_or_else(|| CompileError::Codegen("checksum field outside the written object".into()))?;
    bytes[at..at + 4].copy_from_slice(&checksum.to_le_bytes());
    Ok(())
}
