//! References: `ref.null`, `ref.is_null`, `ref.as_non_null`, `ref.func`, `ref.eq`, the
//! `i31` operators, `any.convert_extern`/`extern.convert_any`, and `ref.test`/`ref.cast`
//! (whose test `br_on_cast`/`br_on_cast_fail` share).
//!
//! A reference is a pointer-sized word; null is 0. In the `any` hierarchy there are no
//! struct or array objects (their types are refused when the module is read), so a
//! non-null `anyref` is either an `i31` (`value << 1 | 1`) or an internalized externref
//! (an even word): converting between `anyref` and externref keeps the word, and a
//! non-null reference is an `eqref` exactly when it is an `i31`.

use super::{Cx, Result};
use crate::traps;
use cranelift_codegen::ir::{condcodes::IntCC, types, InstBuilder, Value};
use wasmaot_abi::I31_TAG;
use wasmparser::{AbstractHeapType as A, HeapType, Operator, RefType};

/// Translate `op` if it is a reference operator.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::RefNull { .. } => {
            let ptr = cx.env.pointer_type();
            let v = cx.b.ins().iconst(ptr, 0);
            cx.st.push1(v);
        }
        Operator::RefAsNonNull => {
            let r = cx.st.pop1();
            cx.b.ins().trapz(r, traps::NULL_REFERENCE);
            cx.st.push1(r);
        }
        Operator::RefIsNull => {
            let r = cx.st.pop1();
            let is_null = cx.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
            push_bool(cx, is_null);
        }
        Operator::RefFunc { function_index } => {
            let v = cx.env.funcref(cx.b, function_index);
            cx.st.push1(v);
        }
        Operator::RefEq => {
            let (a, b) = cx.st.pop2();
            let eq = cx.b.ins().icmp(IntCC::Equal, a, b);
            push_bool(cx, eq);
        }
        Operator::RefI31 => {
            let v = cx.st.pop1();
            let shifted = cx.b.ins().ishl_imm_u(v, 1);
            let tagged = cx.b.ins().bor_imm_u(shifted, I31_TAG as i64);
            let ptr = cx.env.pointer_type();
            let word = if ptr == types::I32 {
                tagged
            } else {
                cx.b.ins().uextend(ptr, tagged)
            };
            cx.st.push1(word);
        }
        Operator::I31GetS | Operator::I31GetU => {
            let r = cx.st.pop1();
            cx.b.ins().trapz(r, traps::NULL_REFERENCE);
            let word = if cx.b.func.dfg.value_type(r) == types::I32 {
                r
            } else {
                cx.b.ins().ireduce(types::I32, r)
            };
            let v = if matches!(op, Operator::I31GetS) {
                cx.b.ins().sshr_imm_u(word, 1)
            } else {
                cx.b.ins().ushr_imm_u(word, 1)
            };
            cx.st.push1(v);
        }
        // The same word in the other hierarchy.
        Operator::AnyConvertExtern | Operator::ExternConvertAny => {}
        Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
            let nullable = matches!(op, Operator::RefTestNullable { .. });
            let r = cx.st.pop1();
            let is = test(cx, r, hty, nullable);
            push_bool(cx, is);
        }
        Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
            let nullable = matches!(op, Operator::RefCastNullable { .. });
            let r = cx.st.pop1();
            let is = test(cx, r, hty, nullable);
            cx.b.ins().trapz(is, traps::CAST_FAILURE);
            cx.st.push1(r);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Push an `i8` condition as the `i32` 0 or 1.
fn push_bool(cx: &mut Cx, cond: Value) {
    let v = cx.b.ins().uextend(types::I32, cond);
    cx.st.push1(v);
}

/// Whether the reference `r` is of type `ty` (an `i8`, 1 if so): `br_on_cast`'s test.
pub fn test_ref_type(cx: &mut Cx, r: Value, ty: RefType) -> Value {
    test(cx, r, ty.heap_type(), ty.is_nullable())
}

/// What a non-null reference must be to have a heap type. Validation puts the reference
/// in the heap type's hierarchy.
enum NonNull {
    Always,
    Never,
    /// An `eqref` or `i31ref`: the `i31`s.
    I31,
    /// A function of this type index.
    Func(u32),
}

fn non_null_test(hty: HeapType) -> NonNull {
    match hty {
        HeapType::Concrete(i) | HeapType::Exact(i) => match i.as_module_index() {
            Some(index) => NonNull::Func(index),
            // Bodies name types by module index; nothing else reaches here.
            None => NonNull::Never,
        },
        HeapType::Abstract { ty, .. } => match ty {
            A::Any | A::Func | A::Extern | A::Exn | A::Cont => NonNull::Always,
            A::Eq | A::I31 => NonNull::I31,
            A::Struct | A::Array | A::None | A::NoFunc | A::NoExtern | A::NoExn | A::NoCont => {
                NonNull::Never
            }
        },
    }
}

/// Whether `r` is of heap type `hty` (or null, when `nullable`), as an `i8`.
fn test(cx: &mut Cx, r: Value, hty: HeapType, nullable: bool) -> Value {
    match non_null_test(hty) {
        NonNull::Always if nullable => cx.b.ins().iconst(types::I8, 1),
        NonNull::Always => cx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0),
        NonNull::Never if nullable => cx.b.ins().icmp_imm_s(IntCC::Equal, r, 0),
        NonNull::Never => cx.b.ins().iconst(types::I8, 0),
        NonNull::I31 => {
            let tag = cx.b.ins().band_imm_u(r, I31_TAG as i64);
            let is_i31 = cx.b.ins().icmp_imm_s(IntCC::NotEqual, tag, 0);
            if !nullable {
                return is_i31;
            }
            let is_null = cx.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
            cx.b.ins().bor(is_i31, is_null)
        }
        NonNull::Func(type_index) => {
            // The type id is read through the reference, so null takes another path.
            let non_null = cx.b.create_block();
            let done = cx.b.create_block();
            let result = cx.b.append_block_param(done, types::I8);
            let if_null = cx.b.ins().iconst(types::I8, i64::from(nullable));
            cx.b.ins().brif(r, non_null, &[], done, &[if_null.into()]);
            cx.b.seal_block(non_null);
            cx.b.switch_to_block(non_null);
            let has_type = cx.env.funcref_has_type(cx.b, r, type_index);
            cx.b.ins().jump(done, &[has_type.into()]);
            cx.b.seal_block(done);
            cx.b.switch_to_block(done);
            result
        }
    }
}
