//! Calls: `call`, `call_indirect` and their tail-call forms `return_call`,
//! `return_call_indirect`.
//!
//! A defined function is called by name with our VMContext as both callee and caller
//! context; an imported function and an indirect callee through their `VMFuncRef` (code
//! pointer and callee context), after `call_indirect`'s null and type checks.

use super::exceptions::{self, Callee};
use super::state::canonicalize;
use super::{Cx, Result};
use crate::traps;
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

/// Whether a call returns to us or replaces our frame.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Call,
    Tail,
}

/// Translate `op` if it is a call.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::Call { function_index } => direct(cx, function_index, Kind::Call),
        Operator::ReturnCall { function_index } => direct(cx, function_index, Kind::Tail),
        Operator::CallIndirect {
            type_index,
            table_index,
        } => indirect(cx, table_index, type_index, Kind::Call),
        Operator::ReturnCallIndirect {
            type_index,
            table_index,
        } => indirect(cx, table_index, type_index, Kind::Tail),
        Operator::CallRef { type_index } => by_ref(cx, type_index, Kind::Call),
        Operator::ReturnCallRef { type_index } => by_ref(cx, type_index, Kind::Tail),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Pop the arguments of a call to a function of type `type_index`, canonicalized.
fn pop_args(cx: &mut Cx, type_index: u32) -> Vec<Value> {
    let n = cx.env.func_type(type_index).params.len();
    canonicalize(cx.b, cx.st.peekn_mut(n));
    let args = cx.st.peekn(n).to_vec();
    cx.st.popn(n);
    args
}

fn direct(cx: &mut Cx, index: u32, kind: Kind) {
    let type_index = cx.env.func_type_index(index);
    let wasm_args = pop_args(cx, type_index);
    if cx.env.is_imported_func(index) {
        let funcref = cx.env.imported_funcref(cx.b, index);
        call_funcref(cx, type_index, funcref, &wasm_args, kind);
        return;
    }
    let callee = cx.env.direct_func(cx.b, index);
    let vmctx = cx.env.vmctx(cx.b);
    let mut args = Vec::with_capacity(wasm_args.len() + 2);
    args.extend([vmctx, vmctx]);
    args.extend_from_slice(&wasm_args);
    match kind {
        Kind::Call => {
            let results = exceptions::call(cx, Callee::Direct(callee), &args);
            cx.st.pushn(&results);
        }
        Kind::Tail => {
            cx.b.ins().return_call(callee, &args);
            cx.st.reachable = false;
        }
    }
}

fn indirect(cx: &mut Cx, table: u32, type_index: u32, kind: Kind) {
    let elem = cx.st.pop1();
    let wasm_args = pop_args(cx, type_index);
    let elem = super::tables::table_operand(cx, elem);
    let addr = cx.env.table_element_addr(cx.b, table, elem);
    let ptr = cx.env.pointer_type();
    let flags = super::tables::element_flags(cx.b, table);
    let funcref = cx.b.ins().load(ptr, flags, addr, 0);
    cx.env.check_indirect_callee(cx.b, funcref, type_index);
    call_funcref(cx, type_index, funcref, &wasm_args, kind);
}

/// `call_ref`/`return_call_ref`: the callee is the funcref on top of the stack; a null
/// one traps ("null function reference"). Its type needs no check, as in Wasmtime:
/// validation gives the reference the callee's type (or a subtype), linking matches typed
/// imports by the spec's rules, and the host cannot store a function of another type in
/// a typed table or global or pass one as a typed argument (`check_val_exact`).
fn by_ref(cx: &mut Cx, type_index: u32, kind: Kind) {
    let funcref = cx.st.pop1();
    let wasm_args = pop_args(cx, type_index);
    cx.b.ins().trapz(funcref, traps::NULL_REFERENCE);
    cx.env.call_through_funcref(type_index);
    call_funcref(cx, type_index, funcref, &wasm_args, kind);
}

/// Call through `funcref`, a non-null `VMFuncRef` of type `type_index`.
fn call_funcref(cx: &mut Cx, type_index: u32, funcref: Value, wasm_args: &[Value], kind: Kind) {
    let sig = cx.env.signature(cx.b, type_index);
    let (code, leading) = cx.env.funcref_callee(cx.b, funcref);
    let mut args = Vec::with_capacity(wasm_args.len() + 2);
    args.extend(leading);
    args.extend_from_slice(wasm_args);
    match kind {
        Kind::Call => {
            let results = exceptions::call(cx, Callee::Indirect(sig, code), &args);
            cx.st.pushn(&results);
        }
        Kind::Tail => {
            cx.b.ins().return_call_indirect(sig, code, &args);
            cx.st.reachable = false;
        }
    }
}
