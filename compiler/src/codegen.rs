//! Code generation: every defined function and trampoline compiled to machine code
//! (in parallel when asked), in a fixed order so the output is deterministic.

use crate::func_env::{FuncEnv, FuncIds};
use crate::module_env::{FunctionInput, ModuleInfo};
use crate::progress::Reporter;
use crate::signatures::wasm_signature;
use crate::translate::{FuncTranslator, TranslateError};
use crate::CompileError;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_codegen::{ExceptionContextLoc, FinalizedMachExceptionHandler};
use cranelift_module::{FuncId, ModuleReloc};
use rayon::prelude::*;
use wasmaot_abi::{ExceptionHandler, ExceptionSite, TrapCode, Tunables, VMOffsets};
use wasmparser::FuncValidatorAllocations;

/// Machine code of one function, before it is placed in the object.
pub struct CompiledFunction {
    pub code: Vec<u8>,
    /// The alignment the function is placed at (Cranelift's preferred one, at least the
    /// one its code requires).
    pub alignment: u64,
    /// The alignment its code requires (its constants follow it).
    pub required_alignment: u64,
    /// How its loops fall on cache lines at each start offset (see `placement`); `None`
    /// without loops, or off x86-64.
    pub line_costs: Option<[u64; crate::placement::SLOTS]>,
    /// Relocations with their targets resolved (a `FunctionOffset` target names this
    /// function with a placeholder id; `artifact.rs` puts in the real one). The IR
    /// function is dropped as soon as the code exists: keeping it for every function of
    /// a big module would multiply the compiler's peak memory.
    pub relocs: Vec<ModuleReloc>,
    /// (offset in this function, trap code)
    pub traps: Vec<(u32, TrapCode)>,
    /// Byte offset in the wasm binary where the function's body starts (0 for trampolines).
    pub body_offset: u32,
    /// (offset in this function, wasm byte offset of the instruction compiled there),
    /// sorted; code up to the next entry belongs to the same instruction.
    pub address_map: Vec<(u32, u32)>,
    /// Type indices the function calls indirectly (empty for trampolines).
    pub indirect_types: Vec<u32>,
    /// The calls with exception handlers (offsets in this function), in code order.
    pub exception_sites: Vec<ExceptionSite>,
}

/// The exception-table entries of compiled code: its calls with handlers.
fn exception_sites(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
    what: &str,
) -> Result<Vec<ExceptionSite>, CompileError> {
    let mut sites = Vec::new();
    for call in buffer.call_sites() {
        if call.exception_handlers.is_empty() {
            continue;
        }
        let frame_offset = call.frame_offset.ok_or_else(|| {
            CompileError::Codegen(format!("{what}: a call with handlers has no frame offset"))
        })?;
        let mut site = ExceptionSite {
            ret_offset: call.ret_addr,
            frame_offset,
            vmctx_sp_offset: None,
            handlers: Vec::new(),
        };
        for h in call.exception_handlers {
            match *h {
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::SPOffset(o)) => {
                    site.vmctx_sp_offset = Some(o)
                }
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::GPR(_)) => {
                    site.vmctx_sp_offset = None
                }
                FinalizedMachExceptionHandler::Tag(tag, offset) => {
                    site.handlers.push(ExceptionHandler {
                        tag: Some(tag.as_u32()),
                        handler_offset: offset,
                    })
                }
                FinalizedMachExceptionHandler::Default(offset) => {
                    site.handlers.push(ExceptionHandler {
                        tag: None,
                        handler_offset: offset,
                    })
                }
            }
        }
        sites.push(site);
    }
    Ok(sites)
}

/// The address map of compiled code from Cranelift's source locations (which
/// the translator sets to each instruction's offset in the binary): one entry where the
/// wasm offset changes; code without a location extends the previous entry.
fn address_map(
    srclocs: &[cranelift_codegen::MachSrcLoc<cranelift_codegen::Final>],
) -> Vec<(u32, u32)> {
    let mut map: Vec<(u32, u32)> = Vec::new();
    for s in srclocs {
        if s.loc.is_default() || s.start >= s.end {
            continue;
        }
        let wasm = s.loc.bits();
        match map.last() {
            Some(&(_, w)) if w == wasm => {}
            _ => map.push((s.start, wasm)),
        }
    }
    map
}

/// A relocation of compiled code with its target resolved through the function's table
/// of named functions (`FunctionOffset` targets get a placeholder id: see
/// `CompiledFunction::relocs`).
fn module_reloc(
    r: &cranelift_codegen::FinalizedMachReloc,
    names: &cranelift_codegen::entity::PrimaryMap<
        cranelift_codegen::ir::UserExternalNameRef,
        cranelift_codegen::ir::UserExternalName,
    >,
) -> ModuleReloc {
    use cranelift_codegen::ir::ExternalName;
    use cranelift_codegen::FinalizedRelocTarget;
    use cranelift_module::ModuleRelocTarget;
    let name = match &r.target {
        FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
            let name = &names[*name];
            ModuleRelocTarget::user(name.namespace, name.index)
        }
        FinalizedRelocTarget::ExternalName(ExternalName::LibCall(l)) => {
            ModuleRelocTarget::LibCall(*l)
        }
        FinalizedRelocTarget::ExternalName(ExternalName::KnownSymbol(k)) => {
            ModuleRelocTarget::KnownSymbol(*k)
        }
        // Only Cranelift's own tests name functions by test case.
        FinalizedRelocTarget::ExternalName(ExternalName::TestCase(_)) => {
            ModuleRelocTarget::user(u32::MAX, u32::MAX)
        }
        FinalizedRelocTarget::Func(offset) => {
            ModuleRelocTarget::FunctionOffset(FuncId::from_u32(u32::MAX), *offset)
        }
    };
    ModuleReloc {
        offset: r.offset,
        kind: r.kind,
        name,
        addend: r.addend,
    }
}

/// Compile an IR function to machine code.
pub fn compile_ir(
    isa: &dyn TargetIsa,
    func: Function,
    what: &str,
) -> Result<CompiledFunction, CompileError> {
    compile_in(isa, &mut Context::for_function(func), what)
}

/// Compile the function in `ctx` to machine code (the IR stays in `ctx` until it is
/// cleared for the next function).
fn compile_in(
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    what: &str,
) -> Result<CompiledFunction, CompileError> {
    let names = ctx.func.params.user_named_funcs().clone();
    let compiled = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| CompileError::Codegen(format!("{what}: {:?}", e.inner)))?;
    let code = compiled.code_buffer().to_vec();
    let required_alignment = u64::from(compiled.buffer.alignment.max(1));
    let alignment = required_alignment.max(u64::from(isa.function_alignment().preferred));
    let line_costs = if isa.triple().architecture == target_lexicon::Architecture::X86_64 {
        crate::placement::line_costs(&code, &compiled.bb_starts)
    } else {
        None
    };
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| module_reloc(r, &names))
        .collect();
    let traps = compiled
        .buffer
        .traps()
        .iter()
        .map(|t| {
            let kind = crate::traps::kind(t.code).ok_or_else(|| {
                CompileError::Codegen(format!("{what}: unknown trap code {}", t.code))
            })?;
            Ok((t.offset, kind))
        })
        .collect::<Result<_, CompileError>>()?;
    let address_map = address_map(compiled.buffer.get_srclocs_sorted());
    let exception_sites = exception_sites(&compiled.buffer, what)?;
    Ok(CompiledFunction {
        code,
        alignment,
        required_alignment,
        line_costs,
        relocs,
        traps,
        body_offset: 0,
        address_map,
        indirect_types: Vec::new(),
        exception_sites,
    })
}

/// What one thread reuses from one function to the next: Cranelift's context and the
/// translator's and validator's buffers (allocated once per thread, not per function).
struct Scratch {
    ctx: Context,
    translator: FuncTranslator,
    validator: FuncValidatorAllocations,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            ctx: Context::new(),
            translator: FuncTranslator::new(),
            validator: FuncValidatorAllocations::default(),
        }
    }
}

/// Where function `func_index` is, for errors: its index and the byte offset of its body.
fn function_at(func_index: u32, body_offset: u32) -> String {
    format!("function {func_index} (body at byte offset {body_offset:#x})")
}

fn translate_error(e: TranslateError, func_index: u32, body_offset: u32) -> CompileError {
    match e {
        TranslateError::Invalid(e) => CompileError::Invalid {
            offset: e.offset() as usize,
            message: e.message().to_string(),
        },
        TranslateError::Unsupported(m) => {
            let at = function_at(func_index, body_offset);
            CompileError::Unsupported(format!("{m} (in {at})"))
        }
    }
}

/// Translate and compile defined function `defined` (index among defined functions).
#[allow(clippy::too_many_arguments)]
fn compile_function(
    scratch: &mut Scratch,
    isa: &dyn TargetIsa,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    tunables: Tunables,
    ids: &FuncIds,
    defined: usize,
    input: FunctionInput,
) -> Result<CompiledFunction, CompileError> {
    let func_index = info.num_imported_funcs + defined as u32;
    let ty = &info.meta.types[info.func_types[func_index as usize] as usize];
    scratch.ctx.clear();
    let func = &mut scratch.ctx.func;
    func.name = UserFuncName::user(0, func_index);
    func.signature = wasm_signature(isa, ty);
    let mut env = FuncEnv::new(isa, info, *offsets, tunables, ids);
    env.set_stack_limit(func);
    let mut validator = input
        .validator
        .into_validator(std::mem::take(&mut scratch.validator));
    // Where the body starts in the binary, as Wasmtime counts `func_offset` from.
    let body_offset = input.body.get_binary_reader().original_position() as u32;
    let translated = scratch
        .translator
        .translate_body(&mut validator, input.body, func, &mut env)
        .map_err(|e| translate_error(e, func_index, body_offset));
    scratch.validator = validator.into_allocations();
    translated?;
    let at = function_at(func_index, body_offset);
    let mut compiled = compile_in(isa, &mut scratch.ctx, &at)?;
    compiled.body_offset = body_offset;
    compiled.indirect_types = env.indirect_types;
    Ok(compiled)
}

/// How functions are compiled: on rayon's pool or not, with progress reported to whom.
#[derive(Clone, Copy)]
pub struct Schedule<'a> {
    pub parallel: bool,
    pub reporter: &'a Reporter<'a>,
}

/// Compile every defined function, in index order.
pub fn compile_functions(
    isa: &dyn TargetIsa,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    tunables: Tunables,
    ids: &FuncIds,
    bodies: Vec<FunctionInput>,
    schedule: Schedule,
) -> Result<Vec<CompiledFunction>, CompileError> {
    let one = |scratch: &mut Scratch, (i, input): (usize, FunctionInput)| {
        let compiled = compile_function(scratch, isa, info, offsets, tunables, ids, i, input);
        schedule.reporter.function_done();
        compiled
    };
    if schedule.parallel {
        bodies
            .into_par_iter()
            .enumerate()
            .map_init(Scratch::new, one)
            .collect()
    } else {
        let mut scratch = Scratch::new();
        bodies
            .into_iter()
            .enumerate()
            .map(|item| one(&mut scratch, item))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_a_function_name_its_body_offset() {
        let e = translate_error(TranslateError::Unsupported("op".into()), 3, 0x40);
        let message = e.to_string();
        assert!(
            message.contains("function 3 (body at byte offset 0x40)"),
            "{message}"
        );
    }
}
