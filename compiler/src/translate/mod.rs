//! Our WebAssembly → Cranelift IR translator: one function body at a time, emitting code
//! against the `wasmaot_abi` contract through `FuncEnv` (see docs/ARCHITECTURE.md).
//!
//! Every operator is validated first, then handed to the module of its concern; code
//! after an unconditional transfer of control is validated but only its control
//! operators are translated (to keep the frames balanced).

mod atomics;
mod calls;
mod control;
mod exceptions;
mod memory;
mod numeric;
mod references;
mod simd;
mod state;
mod tables;
mod variables;

use crate::func_env::FuncEnv;
use cranelift_codegen::ir::{self, Function, InstBuilder};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use state::State;
use wasmparser::{BinaryReaderError, FuncValidator, FunctionBody, Operator, WasmModuleResources};

/// Why a body could not be translated.
#[derive(Debug)]
pub enum TranslateError {
    /// The body is not valid WebAssembly.
    Invalid(BinaryReaderError),
    /// The body uses something we do not compile (yet); the text names it.
    Unsupported(String),
}

impl From<BinaryReaderError> for TranslateError {
    fn from(e: BinaryReaderError) -> Self {
        TranslateError::Invalid(e)
    }
}

pub type Result<T> = std::result::Result<T, TranslateError>;

/// What one operator's translation needs: the function being built, the translator's
/// state, the module environment, and the locals' variables.
pub struct Cx<'a, 'f, 'e> {
    pub b: &'a mut FunctionBuilder<'f>,
    pub st: &'a mut State,
    pub env: &'a mut FuncEnv<'e>,
    pub locals: &'a [Variable],
}

/// Reusable buffers for translating many functions on one thread.
#[derive(Default)]
pub struct FuncTranslator {
    builder_ctx: FunctionBuilderContext,
    state: State,
    locals: Vec<Variable>,
}

impl FuncTranslator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Validate and translate `body` into `func`, whose name and signature are set.
    pub fn translate_body<T: WasmModuleResources>(
        &mut self,
        validator: &mut FuncValidator<T>,
        body: FunctionBody<'_>,
        func: &mut Function,
        env: &mut FuncEnv,
    ) -> Result<()> {
        let mut b = FunctionBuilder::new(func, &mut self.builder_ctx);
        self.state.clear();
        self.locals.clear();
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        b.ensure_inserted_block();
        let exit = b.create_block();
        let returns: Vec<ir::Type> = b
            .func
            .signature
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        for ty in &returns {
            b.append_block_param(exit, *ty);
        }
        control::push_function_frame(&mut self.state, exit, returns.len());

        let mut locals = body.get_locals_reader()?;
        variables::declare_params(&mut b, entry, &mut self.locals);
        variables::declare_locals(&mut b, &mut locals, validator, &mut self.locals)?;
        env.function_entry(&mut b);

        let mut ops = wasmparser::OperatorsReader::new(locals.get_binary_reader());
        while !ops.eof() {
            let offset = ops.original_position();
            let op = ops.read()?;
            validator.op(offset, &op)?;
            b.set_srcloc(ir::SourceLoc::new(offset as u32));
            let offset = offset as usize;
            let mut cx = Cx {
                b: &mut b,
                st: &mut self.state,
                env,
                locals: &self.locals,
            };
            if let Err(e) = translate_operator(&op, &mut cx, offset) {
                // An invalid body is reported as invalid, even after an operator we
                // do not compile.
                validate_rest(&mut ops, validator)?;
                return Err(e);
            }
        }
        ops.finish()?;

        // The function frame's `end` has been translated: what remains is its exit block.
        if self.state.reachable {
            env.before_return(&mut b);
            let vals = std::mem::take(&mut self.state.stack);
            b.ins().return_(&vals);
        }
        b.seal_all_blocks();
        b.finalize(env.isa().frontend_config());
        Ok(())
    }
}

/// Validate the operators left in `ops`.
fn validate_rest<T: WasmModuleResources>(
    ops: &mut wasmparser::OperatorsReader,
    validator: &mut FuncValidator<T>,
) -> Result<()> {
    while !ops.eof() {
        let offset = ops.original_position();
        let op = ops.read()?;
        validator.op(offset, &op)?;
    }
    ops.finish()?;
    Ok(())
}

/// Translate one (already validated) operator.
fn translate_operator(op: &Operator, cx: &mut Cx, offset: usize) -> Result<()> {
    if !cx.st.reachable {
        return control::translate_unreachable(op, cx);
    }
    cx.env.before_operator(op, cx.b);
    let handled = control::translate(op, cx)?
        || exceptions::translate(op, cx)?
        || variables::translate(op, cx)?
        || calls::translate(op, cx)?
        || memory::translate(op, cx)?
        || atomics::translate(op, cx)?
        || tables::translate(op, cx)?
        || references::translate(op, cx)?
        || numeric::translate(op, cx.b, cx.st)?
        || simd::translate(op, cx)?;
    if !handled {
        return Err(TranslateError::Unsupported(format!(
            "operator {} at byte offset {offset:#x}",
            operator_name(op)
        )));
    }
    if cx.st.reachable {
        cx.env.after_operator(op, cx.b);
    }
    Ok(())
}

/// The operator's name as wasmparser spells it (`I32Add`, `TryTable`, ...).
fn operator_name(op: &Operator) -> String {
    let debug = format!("{op:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_string()
}
