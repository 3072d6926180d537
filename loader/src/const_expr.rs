//! Constant expressions: checked when an artifact is loaded, evaluated at instantiation.

use crate::abi::{ConstExpr, ConstOp, ValType};

/// A constant value; references are raw words (`*const VMFuncRef` / externref handle /
/// exception object address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConstVal {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref(usize),
}

impl ConstVal {
    /// The value as the 16 little-endian bytes of a global slot or `ValRaw`.
    pub fn to_bits(self) -> u128 {
        match self {
            ConstVal::I32(v) => u128::from(v as u32),
            ConstVal::I64(v) => u128::from(v as u64),
            ConstVal::F32(v) => u128::from(v),
            ConstVal::F64(v) => u128::from(v),
            ConstVal::V128(v) => v,
            ConstVal::Ref(v) => v as u128,
        }
    }
    /// Read a value of type `ty` from 16 little-endian bytes.
    pub fn from_bits(ty: ValType, bits: u128) -> ConstVal {
        match ty {
            ValType::I32 => ConstVal::I32(bits as u32 as i32),
            ValType::I64 => ConstVal::I64(bits as u64 as i64),
            ValType::F32 => ConstVal::F32(bits as u32),
            ValType::F64 => ConstVal::F64(bits as u64),
            ValType::V128 => ConstVal::V128(bits),
            ValType::FuncRef | ValType::ExternRef | ValType::ExnRef | ValType::AnyRef => {
                ConstVal::Ref(bits as usize)
            }
        }
    }
}

/// Check that `expr` is well-formed and produces exactly one value of type `expected`
/// (a `ref.null` is accepted for either reference type). `global_ty` gives the type of
/// a global index, `num_funcs` bounds `ref.func`.
pub(crate) fn check(
    expr: &ConstExpr,
    expected: ValType,
    global_ty: &dyn Fn(u32) -> Option<ValType>,
    num_funcs: u32,
) -> Result<(), String> {
    // `None` stands for a null reference of not yet known type.
    let mut stack: Vec<Option<ValType>> = Vec::new();
    for (i, op) in expr.0.iter().enumerate() {
        let mut binop = |ty: ValType| -> Result<(), String> {
            let b = stack.pop();
            let a = stack.pop();
            if a != Some(Some(ty)) || b != Some(Some(ty)) {
                return Err(format!("instruction {i}: operands of type {ty}"));
            }
            stack.push(Some(ty));
            Ok(())
        };
        match *op {
            ConstOp::I32Const(_) => stack.push(Some(ValType::I32)),
            ConstOp::I64Const(_) => stack.push(Some(ValType::I64)),
            ConstOp::F32Const(_) => stack.push(Some(ValType::F32)),
            ConstOp::F64Const(_) => stack.push(Some(ValType::F64)),
            ConstOp::V128Const(_) => stack.push(Some(ValType::V128)),
            ConstOp::GlobalGet(g) => match global_ty(g) {
                Some(t) => stack.push(Some(t)),
                None => {
                    return Err(format!(
                        "instruction {i}: global.get {g}: a global index in range"
                    ))
                }
            },
            ConstOp::RefNull => stack.push(None),
            ConstOp::RefFunc(f) => {
                if f >= num_funcs {
                    return Err(format!(
                        "instruction {i}: ref.func {f}: a function index below {num_funcs}"
                    ));
                }
                stack.push(Some(ValType::FuncRef))
            }
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => binop(ValType::I32)?,
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => binop(ValType::I64)?,
            ConstOp::RefI31 => unop(&mut stack, i, ValType::I32, ValType::AnyRef)?,
            ConstOp::AnyConvertExtern => unop(&mut stack, i, ValType::ExternRef, ValType::AnyRef)?,
            ConstOp::ExternConvertAny => unop(&mut stack, i, ValType::AnyRef, ValType::ExternRef)?,
        }
    }
    match stack.as_slice() {
        [None] if expected.is_ref() => Ok(()),
        [Some(t)] if *t == expected => Ok(()),
        _ => Err(format!("exactly one {expected} result")),
    }
}

/// Check instruction `i`'s operand on `stack` has type `operand` (or is a null of a
/// reference type) and replace it with a value of type `result`.
fn unop(
    stack: &mut Vec<Option<ValType>>,
    i: usize,
    operand: ValType,
    result: ValType,
) -> Result<(), String> {
    match stack.pop() {
        Some(Some(t)) if t == operand => {}
        Some(None) if operand.is_ref() => {}
        _ => return Err(format!("instruction {i}: an operand of type {operand}")),
    }
    stack.push(Some(result));
    Ok(())
}

/// Evaluate a checked expression. `global` reads a global's value; `func_ref` gives the
/// funcref word of a function index.
pub(crate) fn eval(
    expr: &ConstExpr,
    global: &dyn Fn(u32) -> ConstVal,
    func_ref: &dyn Fn(u32) -> usize,
) -> ConstVal {
    let mut stack: Vec<ConstVal> = Vec::with_capacity(4);
    for op in &expr.0 {
        let v = match *op {
            ConstOp::I32Const(v) => ConstVal::I32(v),
            ConstOp::I64Const(v) => ConstVal::I64(v),
            ConstOp::F32Const(v) => ConstVal::F32(v),
            ConstOp::F64Const(v) => ConstVal::F64(v),
            ConstOp::V128Const(v) => ConstVal::V128(v),
            ConstOp::GlobalGet(g) => global(g),
            ConstOp::RefNull => ConstVal::Ref(0),
            ConstOp::RefFunc(f) => ConstVal::Ref(func_ref(f)),
            // The converted reference is the same word.
            ConstOp::AnyConvertExtern | ConstOp::ExternConvertAny => continue,
            ConstOp::RefI31 => match stack.pop() {
                Some(ConstVal::I32(v)) => ConstVal::Ref(i31_word(v)),
                // Unreachable for checked expressions.
                _ => ConstVal::Ref(0),
            },
            op => {
                let b = stack.pop();
                let a = stack.pop();
                match (op, a, b) {
                    (ConstOp::I32Add, Some(ConstVal::I32(a)), Some(ConstVal::I32(b))) => {
                        ConstVal::I32(a.wrapping_add(b))
                    }
                    (ConstOp::I32Sub, Some(ConstVal::I32(a)), Some(ConstVal::I32(b))) => {
                        ConstVal::I32(a.wrapping_sub(b))
                    }
                    (ConstOp::I32Mul, Some(ConstVal::I32(a)), Some(ConstVal::I32(b))) => {
                        ConstVal::I32(a.wrapping_mul(b))
                    }
                    (ConstOp::I64Add, Some(ConstVal::I64(a)), Some(ConstVal::I64(b))) => {
                        ConstVal::I64(a.wrapping_add(b))
                    }
                    (ConstOp::I64Sub, Some(ConstVal::I64(a)), Some(ConstVal::I64(b))) => {
                        ConstVal::I64(a.wrapping_sub(b))
                    }
                    (ConstOp::I64Mul, Some(ConstVal::I64(a)), Some(ConstVal::I64(b))) => {
                        ConstVal::I64(a.wrapping_mul(b))
                    }
                    // Unreachable for checked expressions.
                    _ => ConstVal::I32(0),
                }
            }
        };
        stack.push(v);
    }
    stack.pop().unwrap_or(ConstVal::I32(0))
}

/// The reference word of `ref.i31 v`: the low 31 bits of `v` above the tag bit.
pub(crate) fn i31_word(v: i32) -> usize {
    ((v as u32) << 1 | crate::abi::I31_TAG as u32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_and_eval() {
        let globals = |g: u32| (g == 0).then_some(ValType::I64);
        let e = ConstExpr(vec![
            ConstOp::I64Const(i64::MAX),
            ConstOp::GlobalGet(0),
            ConstOp::I64Add,
        ]);
        check(&e, ValType::I64, &globals, 0).unwrap();
        let v = eval(&e, &|_| ConstVal::I64(1), &|_| 0);
        assert_eq!(v, ConstVal::I64(i64::MIN));
        assert!(check(&e, ValType::I32, &globals, 0).is_err());
        let bad = ConstExpr(vec![ConstOp::I32Const(1), ConstOp::I64Add]);
        assert!(check(&bad, ValType::I64, &globals, 0).is_err());
        let bad = ConstExpr(vec![ConstOp::GlobalGet(3)]);
        assert!(check(&bad, ValType::I64, &globals, 0).is_err());
        assert!(check(&ConstExpr(vec![]), ValType::I32, &globals, 0).is_err());
        let f = ConstExpr(vec![ConstOp::RefFunc(2)]);
        assert!(check(&f, ValType::FuncRef, &globals, 2).is_err());
        check(&f, ValType::FuncRef, &globals, 3).unwrap();
        assert_eq!(
            eval(&f, &|_| ConstVal::I32(0), &|i| 100 + i as usize),
            ConstVal::Ref(102)
        );
        for ty in [ValType::ExternRef, ValType::ExnRef] {
            check(&ConstExpr(vec![ConstOp::RefNull]), ty, &globals, 0).unwrap();
        }
        assert!(check(&f, ValType::ExnRef, &globals, 3).is_err());
        assert_eq!(ConstVal::from_bits(ValType::ExnRef, 0), ConstVal::Ref(0));
        let m = ConstExpr(vec![
            ConstOp::I32Const(7),
            ConstOp::I32Const(-3),
            ConstOp::I32Mul,
        ]);
        assert_eq!(eval(&m, &|_| ConstVal::I32(0), &|_| 0), ConstVal::I32(-21));
    }

    #[test]
    fn i31_and_conversions() {
        let globals = |g: u32| (g == 0).then_some(ValType::ExternRef);
        let i31 = ConstExpr(vec![ConstOp::I32Const(-1), ConstOp::RefI31]);
        check(&i31, ValType::AnyRef, &globals, 0).unwrap();
        assert!(check(&i31, ValType::ExternRef, &globals, 0).is_err());
        // The top bit is dropped; the tag bit is set.
        assert_eq!(
            eval(&i31, &|_| ConstVal::I32(0), &|_| 0),
            ConstVal::Ref(0xffff_ffff)
        );
        let bad = ConstExpr(vec![ConstOp::I64Const(1), ConstOp::RefI31]);
        assert!(check(&bad, ValType::AnyRef, &globals, 0).is_err());
        let inner = ConstExpr(vec![ConstOp::GlobalGet(0), ConstOp::AnyConvertExtern]);
        check(&inner, ValType::AnyRef, &globals, 0).unwrap();
        assert_eq!(
            eval(&inner, &|_| ConstVal::Ref(8), &|_| 0),
            ConstVal::Ref(8)
        );
        let null = ConstExpr(vec![ConstOp::RefNull, ConstOp::ExternConvertAny]);
        check(&null, ValType::ExternRef, &globals, 0).unwrap();
        let twice = ConstExpr(vec![ConstOp::GlobalGet(0), ConstOp::ExternConvertAny]);
        assert!(check(&twice, ValType::ExternRef, &globals, 0).is_err());
    }
}
