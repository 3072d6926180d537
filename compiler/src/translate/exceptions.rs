//! Exception handling: tags, `throw`, `throw_ref`, `try_table` (Wasm 3.0) and the legacy
//! `try`/`catch`/`catch_all`/`rethrow`/`delegate`.
//!
//! Zero cost until something is thrown: a call inside a handler scope is a Cranelift
//! `try_call` whose exception table lists the scopes' handlers (innermost first, each a
//! tag or "everything"), with our VMContext as the table's dynamic context; the runtime
//! unwinds to the first handler whose tag matches (see docs/ARCHITECTURE.md, "How
//! exceptions unwind"). A handler block receives the exception object's address.
//!
//! `try_table` handlers load the payload and branch to their label. A legacy `try`
//! catches everything into one dispatch block that compares the exception's tag with each
//! `catch` in order and rethrows what none takes; `delegate` rethrows from there to the
//! handlers outside its label.

use super::control::{block_args, jump_with};
use super::state::canonical;
use super::{Cx, Result};
use crate::signatures::abi_clif_type;
use crate::traps;
use cranelift_codegen::ir::{
    self, condcodes::IntCC, BlockArg, ExceptionTableData, ExceptionTableItem, ExceptionTag,
    FuncRef, InstBuilder, MemFlagsData, SigRef, StackSlotData, StackSlotKind, Value,
};
use wasmaot_abi::Libcall;
use wasmparser::{Catch, Operator, TryTable};

/// Handlers in force for the calls of a range of code.
#[derive(Debug)]
pub struct HandlerScope {
    /// Index in the control stack of the frame the scope belongs to.
    pub frame: usize,
    /// (tag, or `None` for every exception; handler block taking the exception object).
    pub clauses: Vec<(Option<u32>, ir::Block)>,
}

/// A legacy `try` being translated.
#[derive(Debug)]
pub struct LegacyTry {
    /// Index in the control stack of the `try`'s frame.
    pub frame: usize,
    /// Takes every exception of the body: compares its tag with the catches.
    pub dispatch: ir::Block,
    /// The catch clauses seen so far, in order, and the `catch_all` one.
    pub catches: Vec<(u32, ir::Block)>,
    pub catch_all: Option<ir::Block>,
    /// The exception caught by the current `catch`/`catch_all` (for `rethrow`).
    pub exn: Option<Value>,
    /// Whether the `try` itself was reachable (its catches then are too).
    pub reachable: bool,
}

/// What a call calls.
#[derive(Clone, Copy)]
pub enum Callee {
    Direct(FuncRef),
    Indirect(SigRef, Value),
}

/// Translate `op` if it is an exception-handling operator (in reachable code).
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::TryTable { ref try_table } => translate_try_table(cx, try_table),
        Operator::Throw { tag_index } => throw(cx, tag_index),
        Operator::ThrowRef => throw_ref(cx),
        Operator::Try { blockty } => legacy_try(cx, blockty),
        Operator::Catch { tag_index } => catch(cx, Some(tag_index)),
        Operator::CatchAll => catch(cx, None),
        Operator::Delegate { relative_depth } => delegate(cx, relative_depth),
        Operator::Rethrow { relative_depth } => rethrow(cx, relative_depth),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Translate `op` in unreachable code: the clauses of a reachable legacy `try` still
/// start reachable code.
pub fn translate_unreachable(op: &Operator, cx: &mut Cx) -> bool {
    match *op {
        Operator::Catch { tag_index } => catch(cx, Some(tag_index)),
        Operator::CatchAll => catch(cx, None),
        Operator::Delegate { relative_depth } => delegate(cx, relative_depth),
        _ => return false,
    }
    true
}

/// Load the payload of an exception of tag `tag` from `exn`.
fn payload(cx: &mut Cx, tag: u32, exn: Value) -> Vec<Value> {
    let ptr = cx.env.pointer_type();
    let ty = cx.env.func_type(cx.env.tag_type_index(tag));
    let flags = MemFlagsData::trusted();
    ty.params
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let off = cx.env.exn_value_offset(i);
            cx.b.ins().load(abi_clif_type(ptr, *t), flags, exn, off)
        })
        .collect()
}

/// A block taking an exception object.
fn exn_block(cx: &mut Cx) -> ir::Block {
    let block = cx.b.create_block();
    let ptr = cx.env.pointer_type();
    cx.b.append_block_param(block, ptr);
    block
}

fn translate_try_table(cx: &mut Cx, table: &TryTable) {
    // Handler code branches out of the current block's successor: end this block first.
    let body = cx.b.create_block();
    cx.b.ins().jump(body, &[]);
    let mut clauses = Vec::with_capacity(table.catches.len());
    for catch in &table.catches {
        let handler = exn_block(cx);
        cx.b.switch_to_block(handler);
        let exn = cx.b.block_params(handler)[0];
        let (tag, label, with_exn) = match *catch {
            Catch::One { tag, label } => (Some(tag), label, false),
            Catch::OneRef { tag, label } => (Some(tag), label, true),
            Catch::All { label } => (None, label, false),
            Catch::AllRef { label } => (None, label, true),
        };
        let mut vals = tag.map_or_else(Vec::new, |t| payload(cx, t, exn));
        if with_exn {
            vals.push(exn);
        }
        let frame = cx.st.frame_mut(label);
        frame.set_branched_to_exit();
        let dest = frame.br_destination();
        jump_with(cx.b, dest, &mut vals);
        clauses.push((tag, handler));
    }
    cx.b.switch_to_block(body);
    cx.b.seal_block(body);
    super::control::block(cx, table.ty);
    let frame = cx.st.control.len() - 1;
    cx.st.handlers.push(HandlerScope { frame, clauses });
}

/// Call `callee`, through `try_call` when handlers are in force; its results.
pub fn call(cx: &mut Cx, callee: Callee, args: &[Value]) -> Vec<Value> {
    call_with_scopes(cx, callee, args, usize::MAX)
}

/// `call`, with only the scopes of frames at control-stack index `up_to` or below.
fn call_with_scopes(cx: &mut Cx, callee: Callee, args: &[Value], up_to: usize) -> Vec<Value> {
    let scopes: Vec<(Option<u32>, ir::Block)> = cx
        .st
        .handlers
        .iter()
        .rev()
        .filter(|s| s.frame <= up_to)
        .flat_map(|s| s.clauses.iter().copied())
        .collect();
    if scopes.is_empty() {
        let inst = match callee {
            Callee::Direct(f) => cx.b.ins().call(f, args),
            Callee::Indirect(sig, code) => cx.b.ins().call_indirect(sig, code, args),
        };
        return cx.b.inst_results(inst).to_vec();
    }
    let sig = match callee {
        Callee::Direct(f) => cx.b.func.dfg.ext_funcs[f].signature,
        Callee::Indirect(sig, _) => sig,
    };
    let returns: Vec<ir::Type> = cx.b.func.dfg.signatures[sig]
        .returns
        .iter()
        .map(|p| p.value_type)
        .collect();
    let normal = cx.b.create_block();
    for ty in &returns {
        cx.b.append_block_param(normal, *ty);
    }
    let rets: Vec<BlockArg> = (0..returns.len() as u32)
        .map(BlockArg::TryCallRet)
        .collect();
    let normal_call = cx.b.func.dfg.block_call(normal, &rets);
    let vmctx = cx.env.vmctx(cx.b);
    let mut items = vec![ExceptionTableItem::Context(vmctx)];
    for (tag, block) in scopes {
        let target = cx.b.func.dfg.block_call(block, &[BlockArg::TryCallExn(0)]);
        match tag {
            Some(t) => items.push(ExceptionTableItem::Tag(ExceptionTag::from_u32(t), target)),
            None => {
                items.push(ExceptionTableItem::Default(target));
                break;
            }
        }
    }
    let table =
        cx.b.func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(sig, normal_call, items));
    match callee {
        Callee::Direct(f) => cx.b.ins().try_call(f, args, table),
        Callee::Indirect(_, code) => cx.b.ins().try_call_indirect(code, args, table),
    };
    cx.b.switch_to_block(normal);
    cx.b.seal_block(normal);
    cx.b.block_params(normal).to_vec()
}

/// Call a throwing libcall (it never returns), then end the code as unreachable.
fn call_throwing(cx: &mut Cx, call: Libcall, args: &[Value], up_to: usize) {
    let (sig, code) = cx.env.libcall(cx.b, call);
    let vmctx = cx.env.vmctx(cx.b);
    let mut all = vec![vmctx];
    all.extend_from_slice(args);
    call_with_scopes(cx, Callee::Indirect(sig, code), &all, up_to);
    cx.b.ins().trap(traps::UNREACHABLE);
    cx.st.reachable = false;
}

fn throw(cx: &mut Cx, tag: u32) {
    let n = cx.env.func_type(cx.env.tag_type_index(tag)).params.len();
    let mut vals = cx.st.peekn(n).to_vec();
    cx.st.popn(n);
    let ptr = cx.env.pointer_type();
    let size = (n.max(1) * wasmaot_abi::VAL_RAW_SIZE as usize) as u32;
    let slot =
        cx.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 4));
    for (i, v) in vals.iter_mut().enumerate() {
        *v = canonical(cx.b, *v);
        let off = (i as u32 * wasmaot_abi::VAL_RAW_SIZE) as i32;
        cx.b.ins().stack_store(ptr, *v, slot, off);
    }
    let values = cx.b.ins().stack_addr(ptr, slot, 0);
    let tag = cx.b.ins().iconst(ir::types::I32, i64::from(tag));
    call_throwing(cx, Libcall::Throw, &[tag, values], usize::MAX);
}

fn throw_ref(cx: &mut Cx) {
    let exn = cx.st.pop1();
    cx.b.ins().trapz(exn, traps::NULL_REFERENCE);
    call_throwing(cx, Libcall::ThrowRef, &[exn], usize::MAX);
}

fn legacy_try(cx: &mut Cx, blockty: wasmparser::BlockType) {
    super::control::block(cx, blockty);
    let frame = cx.st.control.len() - 1;
    let dispatch = exn_block(cx);
    cx.st.handlers.push(HandlerScope {
        frame,
        clauses: vec![(None, dispatch)],
    });
    cx.st.tries.push(LegacyTry {
        frame,
        dispatch,
        catches: Vec::new(),
        catch_all: None,
        exn: None,
        reachable: true,
    });
}

/// The legacy `try` whose frame is the innermost one, if it is a real one (not a
/// placeholder of unreachable code).
fn innermost_try<'a>(cx: &'a mut Cx) -> Option<&'a mut LegacyTry> {
    let frame = cx.st.control.len() - 1;
    cx.st.tries.last_mut().filter(|t| t.frame == frame)
}

/// Leave the code before a `catch`/`catch_all`/`delegate` of the innermost `try`: jump
/// to the frame's exit with its results and drop the try's scope (exceptions of the
/// catch bodies go outward).
fn close_clause(cx: &mut Cx) {
    let frame_index = cx.st.control.len() - 1;
    if cx.st.reachable {
        let frame = &mut cx.st.control[frame_index];
        frame.set_branched_to_exit();
        let (n, dest) = (frame.num_return_values(), frame.following_code());
        jump_with(cx.b, dest, cx.st.peekn_mut(n));
    }
    if cx
        .st
        .handlers
        .last()
        .is_some_and(|s| s.frame == frame_index)
    {
        cx.st.handlers.pop();
    }
    let height = cx.st.control[frame_index].original_stack_size();
    cx.st.stack.truncate(height);
}

fn catch(cx: &mut Cx, tag: Option<u32>) {
    let Some(t) = innermost_try(cx) else {
        return; // a `try` of unreachable code: its catches are unreachable too
    };
    let reachable = t.reachable;
    close_clause(cx);
    let block = exn_block(cx);
    let t = innermost_try(cx).expect("the try is still innermost");
    match tag {
        Some(tag) => t.catches.push((tag, block)),
        None => t.catch_all = Some(block),
    }
    if !reachable {
        return;
    }
    cx.b.switch_to_block(block);
    let exn = cx.b.block_params(block)[0];
    if let Some(tag) = tag {
        let vals = payload(cx, tag, exn);
        cx.st.pushn(&vals);
    }
    innermost_try(cx).expect("the try is still innermost").exn = Some(exn);
    cx.st.reachable = true;
}

fn delegate(cx: &mut Cx, depth: u32) {
    if innermost_try(cx).is_none() {
        // A `try` of unreachable code: only its frame is there.
        let frame = cx
            .st
            .control
            .pop()
            .expect("validated: `delegate` closes a `try`");
        cx.st.stack.truncate(frame.original_stack_size());
        return;
    }
    close_clause(cx);
    let frame = cx
        .st
        .control
        .pop()
        .expect("validated: `delegate` closes a `try`");
    let t = cx.st.tries.pop().expect("the try is innermost");
    // The target label counts from the frames outside the `try`.
    let target = cx.st.control.len() - 1 - depth as usize;
    fill_dispatch(cx, &t, Some(target));
    if frame.exit_is_branched_to() {
        super::control::continue_after(cx, &frame);
    } else {
        cx.st.stack.truncate(frame.original_stack_size());
        cx.st.reachable = false;
    }
}

fn rethrow(cx: &mut Cx, depth: u32) {
    let frame = cx.st.control.len() - 1 - depth as usize;
    let exn = cx
        .st
        .tries
        .iter()
        .rev()
        .find(|t| t.frame == frame)
        .and_then(|t| t.exn)
        .expect("validated: `rethrow` names a catch");
    call_throwing(cx, Libcall::ThrowRef, &[exn], usize::MAX);
}

/// The frame at control-stack index `index` ended: close its handler scope and, for a
/// legacy `try`, fill its dispatch block. Called with the frame popped and the code at
/// its end already terminated.
pub fn frame_ended(cx: &mut Cx, index: usize) {
    if cx.st.handlers.last().is_some_and(|s| s.frame == index) {
        let scope = cx.st.handlers.pop().expect("checked");
        if !matches!(cx.st.tries.last(), Some(t) if t.frame == index) {
            for (_, block) in scope.clauses {
                cx.b.seal_block(block);
            }
        }
    }
    if cx.st.tries.last().is_some_and(|t| t.frame == index) {
        let t = cx.st.tries.pop().expect("checked");
        fill_dispatch(cx, &t, None);
    }
}

/// Compare the caught exception's tag with each catch of `t` in order; rethrow what none
/// takes (to the handlers of frames up to `rethrow_to`, or all enclosing ones).
fn fill_dispatch(cx: &mut Cx, t: &LegacyTry, rethrow_to: Option<usize>) {
    cx.b.switch_to_block(t.dispatch);
    cx.b.seal_block(t.dispatch);
    let exn = cx.b.block_params(t.dispatch)[0];
    let ptr = cx.env.pointer_type();
    let off = cx.env.exn_tag_offset();
    let thrown = cx.b.ins().load(ptr, MemFlagsData::trusted(), exn, off);
    for &(tag, block) in &t.catches {
        let identity = cx.env.tag_identity(cx.b, tag);
        let same = cx.b.ins().icmp(IntCC::Equal, thrown, identity);
        let next = cx.b.create_block();
        cx.b.ins().brif(same, block, &block_args(&[exn]), next, &[]);
        cx.b.seal_block(block);
        cx.b.switch_to_block(next);
        cx.b.seal_block(next);
    }
    match t.catch_all {
        Some(block) => {
            cx.b.ins().jump(block, &block_args(&[exn]));
            cx.b.seal_block(block);
        }
        None => {
            let reachable = cx.st.reachable;
            call_throwing(
                cx,
                Libcall::ThrowRef,
                &[exn],
                rethrow_to.unwrap_or(usize::MAX),
            );
            cx.st.reachable = reachable;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::compiled_meta;
    use wasmaot_abi::ExceptionHandler;

    const MODULE: &str = r#"(module
      (tag $e (param i32))
      (tag $f)
      (func $thrower (param i32)
        (if (local.get 0) (then (throw $e (i32.const 42))))
        (throw $f))
      (func (export "catch_e") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $thrower (local.get 0)))
          (i32.const -1)))
      (func (export "legacy") (param i32) (result i32)
        try (result i32)
          local.get 0
          call $thrower
          i32.const -1
        catch $e
          i32.const 100
          i32.add
        catch_all
          i32.const 5
        end))"#;

    #[test]
    fn calls_in_handler_scopes_get_exception_table_entries() {
        let sites = compiled_meta(MODULE).exception_sites;
        // The throws of `$thrower` have no handlers; the two calls in scopes do.
        assert_eq!(sites.len(), 2, "{sites:?}");
        let tagged: Vec<&ExceptionHandler> = sites[0].handlers.iter().collect();
        assert_eq!(tagged.len(), 1);
        assert_eq!(
            tagged[0].tag,
            Some(0),
            "try_table catches tag $e by its index"
        );
        assert_eq!(sites[1].handlers.len(), 1);
        assert_eq!(
            sites[1].handlers[0].tag, None,
            "a legacy try dispatches in code"
        );
        for s in &sites {
            assert!(
                s.vmctx_sp_offset.is_some(),
                "wasm calls keep the vmctx on the stack"
            );
            assert!(s.frame_offset > 0);
        }
    }
}
