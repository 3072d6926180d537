//! Scalar numeric operators: the constants, integer and floating-point arithmetic and
//! comparisons, and the conversions between `i32`, `i64`, `f32` and `f64`.
//!
//! Nearly every operator is one Cranelift instruction whose semantics already are
//! WebAssembly's, so most of this module is tables from operator to opcode:
//!
//! - comparisons yield an `i8` in Cranelift, zero-extended to wasm's `i32`;
//! - `sdiv`, `udiv`, `srem` and `urem` trap on a zero divisor
//!   (`INTEGER_DIVISION_BY_ZERO`), `sdiv` also on `MIN / -1` (`INTEGER_OVERFLOW`), while
//!   `srem` gives `MIN % -1 == 0` as wasm requires, with no check of ours: x64 and s390x
//!   branch around the overflowing divide, aarch64 and riscv64 cannot overflow there, and
//!   the mid-end folds `srem x, -1` to 0;
//! - shifts and rotates take their count modulo the bit width, as wasm does;
//! - `fmin`/`fmax` propagate NaN and order -0 below +0, `nearest` rounds ties to even;
//! - `fcvt_to_sint`/`fcvt_to_uint` trap by themselves (`BAD_CONVERSION_TO_INTEGER` on
//!   NaN, `INTEGER_OVERFLOW` out of range), the `_sat` forms saturate and map NaN to 0;
//! - constants are emitted by bit pattern (an `i32` immediate zero-extended, as the
//!   verifier demands; float constants keep their NaN payloads).

use super::state::State;
use super::Result;
use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    immediates::{Ieee32, Ieee64},
    types::{F32, F64, I16, I32, I64, I8},
    InstBuilder, MemFlagsData, Opcode, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

/// Translate `op` if it is a scalar numeric operator; `Ok(false)` if it is not one.
pub fn translate(op: &Operator, b: &mut FunctionBuilder, st: &mut State) -> Result<bool> {
    Ok(constant(op, b, st) || int_op(op, b, st) || float_op(op, b, st) || conversion(op, b, st))
}

/// `i32.const`, `i64.const`, `f32.const`, `f64.const`.
fn constant(op: &Operator, b: &mut FunctionBuilder, st: &mut State) -> bool {
    let v = match *op {
        Operator::I32Const { value } => b.ins().iconst(I32, i64::from(value.cast_unsigned())),
        Operator::I64Const { value } => b.ins().iconst(I64, value),
        Operator::F32Const { value } => b.ins().f32const(Ieee32::with_bits(value.bits())),
        Operator::F64Const { value } => b.ins().f64const(Ieee64::with_bits(value.bits())),
        _ => return false,
    };
    st.push1(v);
    true
}

/// Integer tests, comparisons and arithmetic on `i32` and `i64`.
fn int_op(op: &Operator, b: &mut FunctionBuilder, st: &mut State) -> bool {
    if matches!(op, Operator::I32Eqz | Operator::I64Eqz) {
        let x = st.pop1();
        let is_zero = b.ins().icmp_imm_u(IntCC::Equal, x, 0);
        push_bool(b, st, is_zero);
    } else if let Some(cc) = int_cond(op) {
        let (x, y) = st.pop2();
        let cmp = b.ins().icmp(cc, x, y);
        push_bool(b, st, cmp);
    } else if let Some(opcode) = int_unary(op) {
        same_type_unary(b, st, opcode);
    } else if let Some(opcode) = int_binary(op) {
        binary(b, st, opcode);
    } else {
        return false;
    }
    true
}

/// Floating-point comparisons and arithmetic on `f32` and `f64`.
fn float_op(op: &Operator, b: &mut FunctionBuilder, st: &mut State) -> bool {
    if let Some(cc) = float_cond(op) {
        let (x, y) = st.pop2();
        let cmp = b.ins().fcmp(cc, x, y);
        push_bool(b, st, cmp);
    } else if let Some(opcode) = float_unary(op) {
        same_type_unary(b, st, opcode);
    } else if let Some(opcode) = float_binary(op) {
        binary(b, st, opcode);
    } else {
        return false;
    }
    true
}

/// Conversions between the number types: wrap, extend, truncate, convert, demote,
/// promote, reinterpret and the in-place sign extensions.
fn conversion(op: &Operator, b: &mut FunctionBuilder, st: &mut State) -> bool {
    if let Some((opcode, to)) = convert(op) {
        let x = st.pop1();
        let v = unary(b, opcode, to, x);
        st.push1(v);
    } else if let Some((narrow, wide)) = sign_extension(op) {
        let x = st.pop1();
        let low = b.ins().ireduce(narrow, x);
        let v = b.ins().sextend(wide, low);
        st.push1(v);
    } else if let Some(to) = reinterpret(op) {
        let x = st.pop1();
        let v = b.ins().bitcast(to, MemFlagsData::new(), x);
        st.push1(v);
    } else {
        return false;
    }
    true
}

/// Push a Cranelift truth value (an `i8` that is 0 or 1) as a wasm `i32`.
fn push_bool(b: &mut FunctionBuilder, st: &mut State, flag: Value) {
    let v = b.ins().uextend(I32, flag);
    st.push1(v);
}

/// Emit the one-operand `opcode` whose controlling type is `ty`; returns its result.
fn unary(b: &mut FunctionBuilder, opcode: Opcode, ty: Type, x: Value) -> Value {
    let (inst, dfg) = b.ins().Unary(opcode, ty, x);
    dfg.first_result(inst)
}

/// Replace the top of the stack by `opcode` applied to it (result of the operand's type).
fn same_type_unary(b: &mut FunctionBuilder, st: &mut State, opcode: Opcode) {
    let x = st.pop1();
    let ty = b.func.dfg.value_type(x);
    let v = unary(b, opcode, ty, x);
    st.push1(v);
}

/// Replace the top two values by `opcode` applied to them (result of the operands' type).
fn binary(b: &mut FunctionBuilder, st: &mut State, opcode: Opcode) {
    let (x, y) = st.pop2();
    let ty = b.func.dfg.value_type(x);
    let (inst, dfg) = b.ins().Binary(opcode, ty, x, y);
    let v = dfg.first_result(inst);
    st.push1(v);
}

/// The condition of an integer comparison.
fn int_cond(op: &Operator) -> Option<IntCC> {
    use Operator as O;
    Some(match op {
        O::I32Eq | O::I64Eq => IntCC::Equal,
        O::I32Ne | O::I64Ne => IntCC::NotEqual,
        O::I32LtS | O::I64LtS => IntCC::SignedLessThan,
        O::I32LtU | O::I64LtU => IntCC::UnsignedLessThan,
        O::I32GtS | O::I64GtS => IntCC::SignedGreaterThan,
        O::I32GtU | O::I64GtU => IntCC::UnsignedGreaterThan,
        O::I32LeS | O::I64LeS => IntCC::SignedLessThanOrEqual,
        O::I32LeU | O::I64LeU => IntCC::UnsignedLessThanOrEqual,
        O::I32GeS | O::I64GeS => IntCC::SignedGreaterThanOrEqual,
        O::I32GeU | O::I64GeU => IntCC::UnsignedGreaterThanOrEqual,
        _ => return None,
    })
}

/// The opcode of a one-operand integer operator.
fn int_unary(op: &Operator) -> Option<Opcode> {
    use Operator as O;
    Some(match op {
        O::I32Clz | O::I64Clz => Opcode::Clz,
        O::I32Ctz | O::I64Ctz => Opcode::Ctz,
        O::I32Popcnt | O::I64Popcnt => Opcode::Popcnt,
        _ => return None,
    })
}

/// The opcode of a two-operand integer operator.
fn int_binary(op: &Operator) -> Option<Opcode> {
    use Operator as O;
    Some(match op {
        O::I32Add | O::I64Add => Opcode::Iadd,
        O::I32Sub | O::I64Sub => Opcode::Isub,
        O::I32Mul | O::I64Mul => Opcode::Imul,
        O::I32DivS | O::I64DivS => Opcode::Sdiv,
        O::I32DivU | O::I64DivU => Opcode::Udiv,
        O::I32RemS | O::I64RemS => Opcode::Srem,
        O::I32RemU | O::I64RemU => Opcode::Urem,
        O::I32And | O::I64And => Opcode::Band,
        O::I32Or | O::I64Or => Opcode::Bor,
        O::I32Xor | O::I64Xor => Opcode::Bxor,
        O::I32Shl | O::I64Shl => Opcode::Ishl,
        O::I32ShrS | O::I64ShrS => Opcode::Sshr,
        O::I32ShrU | O::I64ShrU => Opcode::Ushr,
        O::I32Rotl | O::I64Rotl => Opcode::Rotl,
        O::I32Rotr | O::I64Rotr => Opcode::Rotr,
        _ => return None,
    })
}

/// The condition of a floating-point comparison (`ne` is true on NaN, the others false).
fn float_cond(op: &Operator) -> Option<FloatCC> {
    use Operator as O;
    Some(match op {
        O::F32Eq | O::F64Eq => FloatCC::Equal,
        O::F32Ne | O::F64Ne => FloatCC::NotEqual,
        O::F32Lt | O::F64Lt => FloatCC::LessThan,
        O::F32Gt | O::F64Gt => FloatCC::GreaterThan,
        O::F32Le | O::F64Le => FloatCC::LessThanOrEqual,
        O::F32Ge | O::F64Ge => FloatCC::GreaterThanOrEqual,
        _ => return None,
    })
}

/// The opcode of a one-operand floating-point operator.
fn float_unary(op: &Operator) -> Option<Opcode> {
    use Operator as O;
    Some(match op {
        O::F32Abs | O::F64Abs => Opcode::Fabs,
        O::F32Neg | O::F64Neg => Opcode::Fneg,
        O::F32Ceil | O::F64Ceil => Opcode::Ceil,
        O::F32Floor | O::F64Floor => Opcode::Floor,
        O::F32Trunc | O::F64Trunc => Opcode::Trunc,
        O::F32Nearest | O::F64Nearest => Opcode::Nearest,
        O::F32Sqrt | O::F64Sqrt => Opcode::Sqrt,
        _ => return None,
    })
}

/// The opcode of a two-operand floating-point operator.
fn float_binary(op: &Operator) -> Option<Opcode> {
    use Operator as O;
    Some(match op {
        O::F32Add | O::F64Add => Opcode::Fadd,
        O::F32Sub | O::F64Sub => Opcode::Fsub,
        O::F32Mul | O::F64Mul => Opcode::Fmul,
        O::F32Div | O::F64Div => Opcode::Fdiv,
        O::F32Min | O::F64Min => Opcode::Fmin,
        O::F32Max | O::F64Max => Opcode::Fmax,
        O::F32Copysign | O::F64Copysign => Opcode::Fcopysign,
        _ => return None,
    })
}

/// A conversion that is one instruction, and the type it produces (which is also the
/// instruction's controlling type).
fn convert(op: &Operator) -> Option<(Opcode, Type)> {
    use Operator as O;
    Some(match op {
        O::I32WrapI64 => (Opcode::Ireduce, I32),
        O::I64ExtendI32S => (Opcode::Sextend, I64),
        O::I64ExtendI32U => (Opcode::Uextend, I64),
        O::I32TruncF32S | O::I32TruncF64S => (Opcode::FcvtToSint, I32),
        O::I32TruncF32U | O::I32TruncF64U => (Opcode::FcvtToUint, I32),
        O::I64TruncF32S | O::I64TruncF64S => (Opcode::FcvtToSint, I64),
        O::I64TruncF32U | O::I64TruncF64U => (Opcode::FcvtToUint, I64),
        O::I32TruncSatF32S | O::I32TruncSatF64S => (Opcode::FcvtToSintSat, I32),
        O::I32TruncSatF32U | O::I32TruncSatF64U => (Opcode::FcvtToUintSat, I32),
        O::I64TruncSatF32S | O::I64TruncSatF64S => (Opcode::FcvtToSintSat, I64),
        O::I64TruncSatF32U | O::I64TruncSatF64U => (Opcode::FcvtToUintSat, I64),
        O::F32ConvertI32S | O::F32ConvertI64S => (Opcode::FcvtFromSint, F32),
        O::F32ConvertI32U | O::F32ConvertI64U => (Opcode::FcvtFromUint, F32),
        O::F64ConvertI32S | O::F64ConvertI64S => (Opcode::FcvtFromSint, F64),
        O::F64ConvertI32U | O::F64ConvertI64U => (Opcode::FcvtFromUint, F64),
        O::F32DemoteF64 => (Opcode::Fdemote, F32),
        O::F64PromoteF32 => (Opcode::Fpromote, F64),
        _ => return None,
    })
}

/// For `iN.extendM_s`: the type of the low bits kept and the operand's type.
fn sign_extension(op: &Operator) -> Option<(Type, Type)> {
    Some(match op {
        Operator::I32Extend8S => (I8, I32),
        Operator::I32Extend16S => (I16, I32),
        Operator::I64Extend8S => (I8, I64),
        Operator::I64Extend16S => (I16, I64),
        Operator::I64Extend32S => (I32, I64),
        _ => return None,
    })
}

/// For the reinterpret operators: the type the bits are read as.
fn reinterpret(op: &Operator) -> Option<Type> {
    Some(match op {
        Operator::I32ReinterpretF32 => I32,
        Operator::I64ReinterpretF64 => I64,
        Operator::F32ReinterpretI32 => F32,
        Operator::F64ReinterpretI64 => F64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::control::ControlPlane;
    use cranelift_codegen::ir::{AbiParam, Function, Signature, UserFuncName};
    use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
    use cranelift_codegen::{settings, verify_function, Context};
    use cranelift_frontend::FunctionBuilderContext;
    use Operator as O;

    /// `fn(params) -> result` whose body applies `op` to the params.
    fn build(op: &Operator, params: &[Type], result: Type, isa: &dyn TargetIsa) -> Function {
        let mut sig = Signature::new(isa.default_call_conv());
        sig.params
            .extend(params.iter().map(|&ty| AbiParam::new(ty)));
        sig.returns.push(AbiParam::new(result));
        let mut func = Function::with_name_signature(UserFuncName::default(), sig);
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let mut st = State::default();
        st.pushn(b.block_params(entry));
        assert!(
            translate(op, &mut b, &mut st).expect("translates"),
            "{op:?}"
        );
        let v = st.pop1();
        assert!(st.stack.is_empty(), "{op:?} left operands behind");
        b.ins().return_(&[v]);
        b.finalize(isa.frontend_config());
        func
    }

    fn host_isa() -> OwnedTargetIsa {
        let flags = settings::Flags::new(settings::builder());
        cranelift_native::builder()
            .expect("host supported")
            .finish(flags)
            .expect("host ISA")
    }

    #[test]
    fn i32_add_is_one_iadd() {
        let func = build(&O::I32Add, &[I32, I32], I32, &*host_isa());
        let opcodes: Vec<Opcode> = func
            .layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .map(|inst| func.dfg.insts[inst].opcode())
            .collect();
        assert_eq!(opcodes, [Opcode::Iadd, Opcode::Return]);
    }

    #[test]
    fn other_operators_are_left_alone() {
        let mut func = Function::new();
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let mut st = State::default();
        for op in [O::Nop, O::Drop, O::LocalGet { local_index: 0 }] {
            assert!(!translate(&op, &mut b, &mut st).expect("no error"));
        }
        assert!(st.stack.is_empty());
    }

    /// Every scalar numeric operator once (0x41..=0xc4 and the eight `trunc_sat`), grouped
    /// by operand and result types.
    #[rustfmt::skip]
    fn all_operators() -> Vec<(&'static [Type], Type, Vec<Operator<'static>>)> {
        let f32_one = wasmparser::Ieee32::from(1.0_f32);
        let f64_nan = wasmparser::Ieee64::from(f64::NAN);
        vec![
            (&[], I32, vec![O::I32Const { value: -1 }]),
            (&[], I64, vec![O::I64Const { value: i64::MIN }]),
            (&[], F32, vec![O::F32Const { value: f32_one }]),
            (&[], F64, vec![O::F64Const { value: f64_nan }]),
            (&[I32], I32, vec![O::I32Eqz, O::I32Clz, O::I32Ctz, O::I32Popcnt, O::I32Extend8S,
                O::I32Extend16S]),
            (&[I64], I32, vec![O::I64Eqz, O::I32WrapI64]),
            (&[I64], I64, vec![O::I64Clz, O::I64Ctz, O::I64Popcnt, O::I64Extend8S,
                O::I64Extend16S, O::I64Extend32S]),
            (&[I32], I64, vec![O::I64ExtendI32S, O::I64ExtendI32U]),
            (&[I32, I32], I32, vec![O::I32Eq, O::I32Ne, O::I32LtS, O::I32LtU, O::I32GtS,
                O::I32GtU, O::I32LeS, O::I32LeU, O::I32GeS, O::I32GeU, O::I32Add, O::I32Sub,
                O::I32Mul, O::I32DivS, O::I32DivU, O::I32RemS, O::I32RemU, O::I32And, O::I32Or,
                O::I32Xor, O::I32Shl, O::I32ShrS, O::I32ShrU, O::I32Rotl, O::I32Rotr]),
            (&[I64, I64], I32, vec![O::I64Eq, O::I64Ne, O::I64LtS, O::I64LtU, O::I64GtS,
                O::I64GtU, O::I64LeS, O::I64LeU, O::I64GeS, O::I64GeU]),
            (&[I64, I64], I64, vec![O::I64Add, O::I64Sub, O::I64Mul, O::I64DivS, O::I64DivU,
                O::I64RemS, O::I64RemU, O::I64And, O::I64Or, O::I64Xor, O::I64Shl, O::I64ShrS,
                O::I64ShrU, O::I64Rotl, O::I64Rotr]),
            (&[F32, F32], I32, vec![O::F32Eq, O::F32Ne, O::F32Lt, O::F32Gt, O::F32Le, O::F32Ge]),
            (&[F64, F64], I32, vec![O::F64Eq, O::F64Ne, O::F64Lt, O::F64Gt, O::F64Le, O::F64Ge]),
            (&[F32], F32, vec![O::F32Abs, O::F32Neg, O::F32Ceil, O::F32Floor, O::F32Trunc,
                O::F32Nearest, O::F32Sqrt]),
            (&[F64], F64, vec![O::F64Abs, O::F64Neg, O::F64Ceil, O::F64Floor, O::F64Trunc,
                O::F64Nearest, O::F64Sqrt]),
            (&[F32, F32], F32, vec![O::F32Add, O::F32Sub, O::F32Mul, O::F32Div, O::F32Min,
                O::F32Max, O::F32Copysign]),
            (&[F64, F64], F64, vec![O::F64Add, O::F64Sub, O::F64Mul, O::F64Div, O::F64Min,
                O::F64Max, O::F64Copysign]),
            (&[F32], I32, vec![O::I32TruncF32S, O::I32TruncF32U, O::I32TruncSatF32S,
                O::I32TruncSatF32U, O::I32ReinterpretF32]),
            (&[F64], I32, vec![O::I32TruncF64S, O::I32TruncF64U, O::I32TruncSatF64S,
                O::I32TruncSatF64U]),
            (&[F32], I64, vec![O::I64TruncF32S, O::I64TruncF32U, O::I64TruncSatF32S,
                O::I64TruncSatF32U]),
            (&[F64], I64, vec![O::I64TruncF64S, O::I64TruncF64U, O::I64TruncSatF64S,
                O::I64TruncSatF64U, O::I64ReinterpretF64]),
            (&[I32], F32, vec![O::F32ConvertI32S, O::F32ConvertI32U, O::F32ReinterpretI32]),
            (&[I64], F32, vec![O::F32ConvertI64S, O::F32ConvertI64U]),
            (&[I32], F64, vec![O::F64ConvertI32S, O::F64ConvertI32U]),
            (&[I64], F64, vec![O::F64ConvertI64S, O::F64ConvertI64U, O::F64ReinterpretI64]),
            (&[F64], F32, vec![O::F32DemoteF64]),
            (&[F32], F64, vec![O::F64PromoteF32]),
        ]
    }

    /// The IR of every operator verifies and compiles for the host.
    #[test]
    fn every_operator_verifies_and_compiles() {
        let isa = host_isa();
        let mut count = 0;
        for (params, result, ops) in all_operators() {
            for op in &ops {
                let func = build(op, params, result, &*isa);
                if let Err(errors) = verify_function(&func, isa.flags()) {
                    panic!("{op:?}: {errors}\n{}", func.display());
                }
                let mut ctx = Context::for_function(func);
                if let Err(e) = ctx.compile(&*isa, &mut ControlPlane::default()) {
                    panic!("{op:?} does not compile: {:?}", e.inner);
                }
                count += 1;
            }
        }
        assert_eq!(count, 0xc4 - 0x41 + 1 + 8);
    }
}
