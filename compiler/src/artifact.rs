//! Assembling the artifact: a relocatable object for the target holding the compiled
//! code, the metadata section and the data section, with the checksum patched in.

use crate::codegen::{compile_functions, compile_ir, CompiledFunction, Schedule};
use crate::func_env::FuncIds;
use crate::module_env::ModuleInfo;
use crate::placement;
use crate::prelink;
use crate::progress::{Phase, Reporter};
use crate::signatures::{entry_trampoline_signature, wasm_signature};
use crate::target::Target;
use crate::trampolines::{entry_trampoline, host_trampoline};
use crate::{CompileError, CompileOptions};
use cranelift_codegen::ir::{LibCall, Signature, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc, ModuleRelocTarget};
use cranelift_object::{ObjectBuilder, ObjectModule, ObjectProduct};
use object::write::{Object, SectionId};
use object::{Object as _, ObjectSection as _, SectionKind};
use std::collections::HashMap;
use wasmaot_abi::{self as abi, FloatHelper, ModuleMeta, ObjectFormat, Tunables, VMOffsets};

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
    mut reporter: Reporter,
) -> Result<Vec<u8>, CompileError> {
    let isa = &*target.isa;
    let format = object_format(target)?;
    let tunables = Tunables {
        consume_fuel: options.consume_fuel,
        epoch_interruption: options.epoch_interruption,
        ..Tunables::default()
    };
    let builder = ObjectBuilder::new(
        target.isa.clone(),
        "wasmaot",
        Box::new(cranelift_libcall_name),
    )
    .map_err(module_error)?;
    let mut module = ObjectModule::new(builder);
    reporter.phase(Phase::Codegen);
    reporter.start_functions(info.bodies.len());
    let schedule = Schedule {
        parallel: options.parallel,
        reporter: &reporter,
    };
    let code = Code::compile(&mut module, isa, &mut info, tunables, options, schedule)?;
    reporter.phase(Phase::Emit);

    let mut product = module.finish();
    let page = page_size(isa);
    let text_id = product
        .object
        .section_id(object::write::StandardSection::Text);
    let text_prelinked = format == ObjectFormat::Elf && code.prelink(&mut product, text_id);
    if text_prelinked {
        // The loader maps `.text` in place with its own protection: it starts and ends on
        // a page boundary of the file, sharing no page with other sections.
        product.object.section_mut(text_id).append_data(&[], page);
    }
    let data = crate::data_layout::layout(&info, page);
    let mut meta = std::mem::take(&mut info.meta);
    code.record(&mut meta, &product);
    let header = header(target, options, tunables, text_prelinked);
    meta.data = data.segments;
    meta.memory_images = data.images;
    let metadata = abi::encode_metadata(&header, &meta);
    let [meta_id, data_id] =
        add_data_sections(&mut product.object, format, &metadata, &data.bytes, page);
    let prefix = options.symbol_prefix.as_str();
    if options.pic {
        crate::descriptor::name_symbols(&mut product, &meta, &code.defined, prefix);
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

/// The module's code, placed in `.text` of the object module: its defined functions,
/// then its trampolines.
struct Code {
    defined: Vec<FuncId>,
    compiled: Vec<CompiledFunction>,
    trampolines: Trampolines,
}

impl Code {
    /// Compile the functions of `info` (taking their bodies) and the trampolines the
    /// module needs, and define them in `module`.
    fn compile(
        module: &mut ObjectModule,
        isa: &dyn TargetIsa,
        info: &mut ModuleInfo,
        tunables: Tunables,
        options: &CompileOptions,
        schedule: Schedule,
    ) -> Result<Code, CompileError> {
        let offsets = info.meta.vmoffsets(isa.pointer_bytes());
        let prefix = options.symbol_prefix.as_str();
        let defined = declare_functions(module, isa, info, prefix)?;
        let ids = FuncIds {
            defined: defined.iter().map(|id| id.as_u32()).collect(),
        };
        let bodies = std::mem::take(&mut info.bodies);
        let compiled = compile_functions(isa, info, &offsets, tunables, &ids, bodies, schedule)?;
        define_placed(module, isa, &defined, &compiled)?;
        let trampolines = Trampolines::compile(module, isa, info, &offsets, &compiled, prefix)?;
        define_functions(module, trampolines.code.iter().map(|(id, c)| (id, c)), None)?;
        Ok(Code {
            defined,
            compiled,
            trampolines,
        })
    }

    /// Write the calls within `.text` into it (see `prelink`); whether it could.
    fn prelink(&self, product: &mut ObjectProduct, text_id: SectionId) -> bool {
        let functions: Vec<(FuncId, &CompiledFunction)> = self
            .defined
            .iter()
            .copied()
            .zip(&self.compiled)
            .chain(self.trampolines.code.iter().map(|(id, c)| (*id, c)))
            .collect();
        let placed: Vec<prelink::Placed> = functions
            .iter()
            .map(|&(id, compiled)| prelink::Placed {
                text_offset: u64::from(text_offset(product, id)),
                compiled,
            })
            .collect();
        let offsets: HashMap<u32, u64> = functions
            .iter()
            .map(|&(id, _)| (id.as_u32(), u64::from(text_offset(product, id))))
            .collect();
        let text = product.object.section_mut(text_id);
        prelink::prelink(text.data_mut(), &placed, &|id| offsets.get(&id).copied())
    }

    /// Record where the code is in `.text`: each defined function with its trap sites and
    /// address map, and each type's trampolines.
    fn record(&self, meta: &mut ModuleMeta, product: &ObjectProduct) {
        for ((f, id), c) in meta.funcs.iter_mut().zip(&self.defined).zip(&self.compiled) {
            f.text_offset = text_offset(product, *id);
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
            for site in &c.exception_sites {
                let mut site = site.clone();
                site.ret_offset += f.text_offset;
                for h in &mut site.handlers {
                    h.handler_offset += f.text_offset;
                }
                meta.exception_sites.push(site);
            }
        }
        meta.trap_sites.sort_by_key(|t| t.text_offset);
        meta.exception_sites.sort_by_key(|s| s.ret_offset);
        self.trampolines.record(meta, product);
    }
}

/// The page size `.text` and memory images are aligned to.
fn page_size(isa: &dyn TargetIsa) -> u64 {
    match isa.triple().architecture {
        target_lexicon::Architecture::X86_64 => 4096,
        _ => 65536,
    }
}

fn declare_local(
    module: &mut ObjectModule,
    name: &str,
    signature: &Signature,
) -> Result<FuncId, CompileError> {
    module
        .declare_function(name, Linkage::Local, signature)
        .map_err(module_error)
}

/// Declare every defined function, in order.
fn declare_functions(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    info: &ModuleInfo,
    prefix: &str,
) -> Result<Vec<FuncId>, CompileError> {
    let mut defined = Vec::with_capacity(info.meta.funcs.len());
    for (i, f) in info.meta.funcs.iter().enumerate() {
        let index = info.num_imported_funcs + i as u32;
        let sig = wasm_signature(isa, &info.meta.types[f.type_index as usize]);
        let name = abi::func_symbol(prefix, index);
        defined.push(declare_local(module, &name, &sig)?);
    }
    Ok(defined)
}

/// Place the defined functions in `.text`, in order: on x86-64 each at the offset modulo
/// a cache line where its loops fetch best (`placement`; padding with `int3`, never
/// executed), elsewhere at Cranelift's alignment.
fn define_placed(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    defined: &[FuncId],
    compiled: &[CompiledFunction],
) -> Result<(), CompileError> {
    if isa.triple().architecture != target_lexicon::Architecture::X86_64 {
        return define_functions(module, defined.iter().zip(compiled), None);
    }
    let placed = placement::place(
        &compiled
            .iter()
            .map(|c| placement::Placeable {
                len: c.code.len() as u32,
                align: c.required_alignment as u32,
                preferred_align: c.alignment as u32,
                costs: c.line_costs,
            })
            .collect::<Vec<_>>(),
    );
    if placed.lead > 0 {
        // Padding before the first function, as an anonymous local function.
        let pad = module
            .declare_anonymous_function(&Signature::new(isa.default_call_conv()))
            .map_err(module_error)?;
        let bytes = vec![0xcc; placed.lead as usize];
        module
            .define_function_bytes(pad, u64::from(placement::LINE), &bytes, &[])
            .map_err(module_error)?;
    }
    define_functions(
        module,
        defined.iter().zip(compiled),
        Some(&placed.functions),
    )
}

/// Place compiled code in `.text`, in order; with `placed` (x86-64), each function with
/// the padding after it (`int3`) and the alignment `placement::place` chose (the
/// function's recorded length excludes the padding).
fn define_functions<'a>(
    module: &mut ObjectModule,
    functions: impl Iterator<Item = (&'a FuncId, &'a CompiledFunction)>,
    placed: Option<&[(u32, u32)]>,
) -> Result<(), CompileError> {
    for (i, (id, f)) in functions.enumerate() {
        let relocs: Vec<ModuleReloc> = f
            .relocs
            .iter()
            .map(|r| match r.name {
                ModuleRelocTarget::FunctionOffset(_, offset) => ModuleReloc {
                    name: ModuleRelocTarget::FunctionOffset(*id, offset),
                    ..r.clone()
                },
                _ => r.clone(),
            })
            .collect();
        let (pad, align) = placed.map_or((0, f.alignment), |p| (p[i].0, u64::from(p[i].1)));
        let padded;
        let code = if pad == 0 {
            &f.code
        } else {
            padded = [&f.code[..], &vec![0xcc; pad as usize]].concat();
            &padded
        };
        module
            .define_function_bytes(*id, align, code, &relocs)
            .map_err(module_error)?;
    }
    Ok(())
}

/// The trampolines of a module: at most one pair per distinct function type, and only
/// those the module needs.
struct Trampolines {
    /// The (entry, host) trampolines of each distinct type.
    ids: Vec<(Option<FuncId>, Option<FuncId>)>,
    /// For each type of the module, its index in `ids`.
    of_type: Vec<usize>,
    /// Every trampoline, in the order they were declared.
    code: Vec<(FuncId, CompiledFunction)>,
}

impl Trampolines {
    /// Declare and compile the trampolines the module needs.
    fn compile(
        module: &mut ObjectModule,
        isa: &dyn TargetIsa,
        info: &ModuleInfo,
        offsets: &VMOffsets,
        compiled: &[CompiledFunction],
        prefix: &str,
    ) -> Result<Trampolines, CompileError> {
        let needed = crate::trampolines::Needed::of(info, compiled);
        let mut first_of_type: HashMap<&abi::FuncType, usize> = HashMap::new();
        let mut trampolines = Trampolines {
            ids: Vec::new(),
            of_type: Vec::with_capacity(info.meta.types.len()),
            code: Vec::new(),
        };
        for (i, ty) in info.meta.types.iter().enumerate() {
            if let Some(&j) = first_of_type.get(ty) {
                trampolines.of_type.push(trampolines.of_type[j]);
                continue;
            }
            first_of_type.insert(ty, i);
            let index = i as u32;
            let mut ids = (None, None);
            if needed.entry.contains(ty) {
                let name = abi::entry_trampoline_symbol(prefix, index);
                let id = declare_local(module, &name, &entry_trampoline_signature(isa))?;
                let func = entry_trampoline(isa, offsets, ty, UserFuncName::user(1, index));
                let code = compile_ir(isa, func, "entry trampoline")?;
                trampolines.code.push((id, code));
                ids.0 = Some(id);
            }
            if needed.host.contains(ty) {
                let name = abi::host_trampoline_symbol(prefix, index);
                let id = declare_local(module, &name, &wasm_signature(isa, ty))?;
                let func = host_trampoline(isa, offsets, ty, UserFuncName::user(2, index));
                let code = compile_ir(isa, func, "host trampoline")?;
                trampolines.code.push((id, code));
                ids.1 = Some(id);
            }
            trampolines.of_type.push(trampolines.ids.len());
            trampolines.ids.push(ids);
        }
        Ok(trampolines)
    }

    /// Record where each type's trampolines are in `.text` (`u32::MAX`: it has none).
    fn record(&self, meta: &mut ModuleMeta, product: &ObjectProduct) {
        let offset = |id: Option<FuncId>| id.map_or(u32::MAX, |id| text_offset(product, id));
        for t in &self.of_type {
            let (entry, host) = self.ids[*t];
            meta.entry_trampolines.push(offset(entry));
            meta.host_trampolines.push(offset(host));
        }
    }
}

/// Offset in `.text` of the function `id`.
fn text_offset(product: &ObjectProduct, id: FuncId) -> u32 {
    product.object.symbol(product.function_symbol(id)).value as u32
}

fn header(
    target: &Target,
    options: &CompileOptions,
    tunables: Tunables,
    text_prelinked: bool,
) -> abi::Header {
    abi::Header {
        format_version: abi::FORMAT_VERSION,
        checksum: 0,
        compiler_version: env!("CARGO_PKG_VERSION").to_string(),
        target: target.isa.triple().to_string(),
        cpu_features: target.cpu_features.clone(),
        wasm_features: options.wasm_features,
        tunables,
        symbol_prefix: options.symbol_prefix.clone(),
        text_prelinked,
    }
}

/// Add the metadata and data sections.
fn add_data_sections(
    object: &mut Object,
    format: ObjectFormat,
    metadata: &[u8],
    data: &[u8],
    page: u64,
) -> [SectionId; 2] {
    let sections = [
        (abi::metadata_section(format), metadata, 16),
        // COFF sections align to at most 8 KiB.
        (abi::data_section(format), data, coff_align(format, page)),
    ];
    sections.map(|(name, bytes, align)| add_section(object, format, name, bytes, align))
}

fn add_section(
    object: &mut Object,
    format: ObjectFormat,
    name: &str,
    data: &[u8],
    align: u64,
) -> SectionId {
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
