//! Host↔wasm trampolines, at most one of each per signature, for the signatures the module
//! needs them for (`Needed`; see docs/ARCHITECTURE.md).

use crate::signatures::{
    entry_trampoline_signature, host_callback_signature, value_type, wasm_signature,
};
use cranelift_codegen::ir::{
    Function, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, UserFuncName,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmaot_abi::{FuncType, VMOffsets, VAL_RAW_SIZE};

fn val_flags() -> MemFlagsData {
    // The values array is host memory we were handed; it is valid and aligned.
    MemFlagsData::trusted()
}

/// `extern "C" fn(funcref, caller_vmctx, values)`: read params from `values`, call
/// `funcref.wasm_call(funcref.vmctx, caller_vmctx, params...)`, write results back.
pub fn entry_trampoline(
    isa: &dyn TargetIsa,
    offsets: &VMOffsets,
    ty: &FuncType,
    name: UserFuncName,
) -> Function {
    let mut func = Function::with_name_signature(name, entry_trampoline_signature(isa));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (funcref, caller, values) = {
        let p = b.block_params(block);
        (p[0], p[1], p[2])
    };
    let ptr = isa.pointer_type();
    let ro = MemFlagsData::trusted().with_readonly();
    let code = b
        .ins()
        .load(ptr, ro, funcref, offsets.funcref_wasm_call() as i32);
    let callee_vmctx = b
        .ins()
        .load(ptr, ro, funcref, offsets.funcref_vmctx() as i32);
    let mut args = vec![callee_vmctx, caller];
    for (i, t) in ty.params.iter().enumerate() {
        let v = b.ins().load(
            value_type(isa, *t),
            val_flags(),
            values,
            (i as u32 * VAL_RAW_SIZE) as i32,
        );
        args.push(v);
    }
    let sig = b.import_signature(wasm_signature(isa, ty));
    let call = b.ins().call_indirect(sig, code, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.into_iter().enumerate() {
        b.ins()
            .store(val_flags(), r, values, (i as u32 * VAL_RAW_SIZE) as i32);
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// A wasm-convention function of type `ty` whose callee vmctx is a `VMHostFuncContext`:
/// spill the params into a `ValRaw` array, call `host_ctx.callback(host_ctx, caller,
/// values, len)`, reload the results.
pub fn host_trampoline(
    isa: &dyn TargetIsa,
    offsets: &VMOffsets,
    ty: &FuncType,
    name: UserFuncName,
) -> Function {
    let mut func = Function::with_name_signature(name, wasm_signature(isa, ty));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let params = b.block_params(block).to_vec();
    let (host_ctx, caller) = (params[0], params[1]);
    let len = ty.params.len().max(ty.results.len()).max(1) as u32;
    let slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        len * VAL_RAW_SIZE,
        4,
    ));
    let ptr = isa.pointer_type();
    let values = b.ins().stack_addr(ptr, slot, 0);
    for (i, v) in params[2..].iter().enumerate() {
        b.ins()
            .store(val_flags(), *v, values, (i as u32 * VAL_RAW_SIZE) as i32);
    }
    let callback = b.ins().load(
        ptr,
        MemFlagsData::trusted().with_readonly(),
        host_ctx,
        offsets.host_ctx_callback() as i32,
    );
    let len_v = b.ins().iconst(ptr, i64::from(len));
    let sig = b.import_signature(host_callback_signature(isa));
    b.ins()
        .call_indirect(sig, callback, &[host_ctx, caller, values, len_v]);
    let results = ty
        .results
        .iter()
        .enumerate()
        .map(|(i, t)| {
            b.ins().load(
                value_type(isa, *t),
                val_flags(),
                values,
                (i as u32 * VAL_RAW_SIZE) as i32,
            )
        })
        .collect::<Vec<_>>();
    b.ins().return_(&results);
    b.finalize(isa.frontend_config());
    func
}

/// The signatures a module needs trampolines for. An entry trampoline serves the host
/// calling one of the module's functions, which it can only reach if the function
/// escapes: exported, in an element segment (tables, `ref.func`), in a table or global
/// initializer, or the start function. A host trampoline serves wasm calling a host
/// function, which it can only do through an import or an indirect call. Other types
/// (those of functions only called directly) get neither, and their metadata slots hold
/// `u32::MAX`.
pub struct Needed<'a> {
    pub entry: std::collections::HashSet<&'a FuncType>,
    pub host: std::collections::HashSet<&'a FuncType>,
}

impl<'a> Needed<'a> {
    pub fn of(
        info: &'a crate::module_env::ModuleInfo,
        compiled: &[crate::codegen::CompiledFunction],
    ) -> Needed<'a> {
        use wasmaot_abi::{ConstExpr, ConstOp, ElemItems, EntityIndex, ImportKind};
        let meta = &info.meta;
        let func_type = |f: u32| {
            let t = info.func_types.get(f as usize).copied();
            t.and_then(|t| meta.types.get(t as usize))
        };
        let mut escaping: Vec<u32> = Vec::new();
        let refs_of = |e: &ConstExpr, out: &mut Vec<u32>| {
            out.extend(e.0.iter().filter_map(|op| match op {
                ConstOp::RefFunc(f) => Some(*f),
                _ => None,
            }))
        };
        for export in &meta.exports {
            if let EntityIndex::Func(f) = export.index {
                escaping.push(f);
            }
        }
        for seg in &meta.elements {
            match &seg.items {
                ElemItems::Funcs(funcs) => escaping.extend(funcs),
                ElemItems::Exprs(exprs) => exprs.iter().for_each(|e| refs_of(e, &mut escaping)),
            }
        }
        for g in &meta.globals {
            refs_of(&g.init, &mut escaping);
        }
        for t in &meta.tables {
            refs_of(&t.init, &mut escaping);
        }
        escaping.extend(meta.start);
        let entry = escaping.into_iter().filter_map(func_type).collect();
        let imported = meta.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => meta.types.get(t as usize),
            _ => None,
        });
        let indirect = compiled
            .iter()
            .flat_map(|c| &c.indirect_types)
            .filter_map(|&t| meta.types.get(t as usize));
        let host = imported.chain(indirect).collect();
        Needed { entry, host }
    }
}
