//! Host↔wasm trampolines, one of each per module type (see docs/ARCHITECTURE.md).

use crate::signatures::{
    entry_trampoline_signature, host_callback_signature, value_type, wasm_signature,
};
use cranelift_codegen::ir::{
    Function, InstBuilder, MemFlags, StackSlotData, StackSlotKind, UserFuncName,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmaot_loader::abi::{FuncType, VMOffsets, VAL_RAW_SIZE};

fn val_flags() -> MemFlags {
    // The values array is host memory we were handed; it is valid and aligned.
    MemFlags::trusted()
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
    let ro = MemFlags::trusted().with_readonly();
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
    b.finalize();
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
        MemFlags::trusted().with_readonly(),
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
    b.finalize();
    func
}
