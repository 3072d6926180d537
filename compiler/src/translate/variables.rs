//! Locals (Cranelift variables) and globals (VMContext fields, through `FuncEnv`).

use super::state::canonical;
use super::{Cx, Result};
use crate::signatures::{clif_type, HIDDEN_PARAMS};
use cranelift_codegen::ir::{self, immediates::Ieee32, immediates::Ieee64, types, InstBuilder};
use cranelift_frontend::{FunctionBuilder, Variable};
use wasmparser::{FuncValidator, LocalsReader, Operator, ValType, WasmModuleResources};

/// A variable for each wasm parameter, defined from the entry block's params.
pub fn declare_params(b: &mut FunctionBuilder, entry: ir::Block, locals: &mut Vec<Variable>) {
    let params = b.block_params(entry)[HIDDEN_PARAMS..].to_vec();
    for v in params {
        let var = b.declare_var(b.func.dfg.value_type(v));
        b.def_var(var, v);
        locals.push(var);
    }
}

/// A variable for each declared local, zero-initialized; the validator learns them too.
pub fn declare_locals<T: WasmModuleResources>(
    b: &mut FunctionBuilder,
    reader: &mut LocalsReader,
    validator: &mut FuncValidator<T>,
    locals: &mut Vec<Variable>,
) -> Result<()> {
    let ptr = pointer_type(b);
    for _ in 0..reader.get_count() {
        let offset = reader.original_position();
        let (count, ty) = reader.read()?;
        validator.define_locals(offset, count, ty)?;
        let clif = clif_type(ptr, ty);
        let zero = zero_value(b, ty, clif);
        for _ in 0..count {
            let var = b.declare_var(clif);
            b.def_var(var, zero);
            locals.push(var);
        }
    }
    Ok(())
}

fn pointer_type(b: &FunctionBuilder) -> ir::Type {
    // The hidden callee-vmctx parameter is pointer-sized.
    b.func.signature.params[0].value_type
}

fn zero_value(b: &mut FunctionBuilder, ty: ValType, clif: ir::Type) -> ir::Value {
    match ty {
        ValType::F32 => b.ins().f32const(Ieee32::with_bits(0)),
        ValType::F64 => b.ins().f64const(Ieee64::with_bits(0)),
        ValType::V128 => {
            let c = b.func.dfg.constants.insert(vec![0u8; 16].into());
            b.ins().vconst(types::I8X16, c)
        }
        _ => b.ins().iconst(clif, 0),
    }
}

/// Translate `op` if it reads or writes a local or a global.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::LocalGet { local_index } => {
            let v = cx.b.use_var(cx.locals[local_index as usize]);
            cx.st.push1(v);
        }
        Operator::LocalSet { local_index } => {
            let v = cx.st.pop1();
            let v = canonical(cx.b, v);
            cx.b.def_var(cx.locals[local_index as usize], v);
        }
        Operator::LocalTee { local_index } => {
            let v = canonical(cx.b, cx.st.peek1());
            cx.b.def_var(cx.locals[local_index as usize], v);
        }
        Operator::GlobalGet { global_index } => {
            let v = cx.env.global_get(cx.b, global_index);
            cx.st.push1(v);
        }
        Operator::GlobalSet { global_index } => {
            let v = cx.st.pop1();
            let v = canonical(cx.b, v);
            cx.env.global_set(cx.b, global_index, v);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
