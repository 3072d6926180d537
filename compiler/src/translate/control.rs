//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the branches, `return`,
//! `unreachable`, `nop`, `drop` and `select`.
//!
//! Each frame's exit is a Cranelift block whose params are the frame's results; a loop's
//! header is a block whose params are the loop's params. Branch arguments are
//! canonicalized (vectors as `I8X16`) so that every edge agrees on types.

use super::state::{canonical, canonicalize, ControlFrame, ElseData, State};
use super::{references, Cx, Result};
use crate::signatures::clif_type;
use cranelift_codegen::entity::packed_option::ReservedValue;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder, JumpTableData, Value};
use cranelift_frontend::FunctionBuilder;
use std::collections::HashMap;
use wasmparser::{BlockType, Operator};

/// The outermost frame: the function body, whose exit block returns.
pub fn push_function_frame(st: &mut State, exit: ir::Block, num_returns: usize) {
    st.control.push(ControlFrame::Block {
        destination: exit,
        num_param_values: 0,
        num_return_values: num_returns,
        original_stack_size: 0,
        exit_is_branched_to: false,
    });
}

/// Translate `op` if it is a control operator (in reachable code).
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::Nop => {}
        Operator::Unreachable => {
            cx.b.ins().trap(crate::traps::UNREACHABLE);
            cx.st.reachable = false;
        }
        Operator::Drop => {
            cx.st.pop1();
        }
        Operator::Select | Operator::TypedSelect { .. } | Operator::TypedSelectMulti { .. } => {
            select(cx)
        }
        Operator::Block { blockty } => block(cx, blockty),
        Operator::Loop { blockty } => loop_(cx, blockty),
        Operator::If { blockty } => if_(cx, blockty),
        Operator::Else => else_(cx),
        Operator::End => end(cx),
        Operator::Br { relative_depth } => br(cx, relative_depth),
        Operator::BrIf { relative_depth } => br_if(cx, relative_depth),
        Operator::BrOnNull { relative_depth } => br_on_null(cx, relative_depth),
        Operator::BrOnNonNull { relative_depth } => br_on_non_null(cx, relative_depth),
        Operator::BrOnCast {
            relative_depth,
            to_ref_type,
            ..
        } => br_on_cast(cx, relative_depth, to_ref_type, true),
        Operator::BrOnCastFail {
            relative_depth,
            to_ref_type,
            ..
        } => br_on_cast(cx, relative_depth, to_ref_type, false),
        Operator::BrTable { ref targets } => {
            let targets = targets
                .targets()
                .collect::<std::result::Result<Vec<u32>, _>>()?;
            let default = match op {
                Operator::BrTable { targets } => targets.default(),
                _ => unreachable!(),
            };
            br_table(cx, &targets, default)
        }
        Operator::Return => return_(cx),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Translate `op` in unreachable code: only the frame structure is kept.
pub fn translate_unreachable(op: &Operator, cx: &mut Cx) -> Result<()> {
    match *op {
        Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::TryTable { .. }
        | Operator::Try { .. } => {
            let height = cx.st.stack.len();
            cx.st.control.push(ControlFrame::Block {
                destination: ir::Block::reserved_value(),
                num_param_values: 0,
                num_return_values: 0,
                original_stack_size: height,
                exit_is_branched_to: false,
            });
        }
        Operator::If { .. } => {
            let height = cx.st.stack.len();
            cx.st.control.push(ControlFrame::If {
                destination: ir::Block::reserved_value(),
                else_data: ElseData::NoElse {
                    branch_inst: ir::Inst::reserved_value(),
                    placeholder: ir::Block::reserved_value(),
                },
                num_param_values: 0,
                num_return_values: 0,
                original_stack_size: height,
                exit_is_branched_to: false,
                head_is_reachable: false,
                consequent_ends_reachable: None,
                blocktype_params: Vec::new(),
            });
        }
        Operator::Else => else_(cx),
        Operator::End => end_unreachable(cx),
        _ => {
            super::exceptions::translate_unreachable(op, cx);
        }
    }
    Ok(())
}

/// Block arguments for `vals`.
pub fn block_args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// Canonicalize `vals` and jump to `dest` with them.
pub fn jump_with(b: &mut FunctionBuilder, dest: ir::Block, vals: &mut [Value]) {
    canonicalize(b, vals);
    b.ins().jump(dest, &block_args(vals));
}

/// The Cranelift types of a block type's params and results.
fn block_signature(cx: &Cx, blockty: BlockType) -> (Vec<ir::Type>, Vec<ir::Type>) {
    let ptr = cx.env.pointer_type();
    match blockty {
        BlockType::Empty => (Vec::new(), Vec::new()),
        BlockType::Type(t) => (Vec::new(), vec![clif_type(ptr, t)]),
        BlockType::FuncType(index) => {
            let ty = cx.env.func_type(index);
            let conv = |v: &wasmaot_abi::ValType| crate::signatures::abi_clif_type(ptr, *v);
            (
                ty.params.iter().map(conv).collect(),
                ty.results.iter().map(conv).collect(),
            )
        }
    }
}

fn block_with_params(b: &mut FunctionBuilder, types: &[ir::Type]) -> ir::Block {
    let block = b.create_block();
    for ty in types {
        b.append_block_param(block, *ty);
    }
    block
}

pub(super) fn block(cx: &mut Cx, blockty: BlockType) {
    let (params, results) = block_signature(cx, blockty);
    let next = block_with_params(cx.b, &results);
    cx.st.control.push(ControlFrame::Block {
        destination: next,
        num_param_values: params.len(),
        num_return_values: results.len(),
        original_stack_size: cx.st.stack.len() - params.len(),
        exit_is_branched_to: false,
    });
}

fn loop_(cx: &mut Cx, blockty: BlockType) {
    let (params, results) = block_signature(cx, blockty);
    let header = block_with_params(cx.b, &params);
    let next = block_with_params(cx.b, &results);
    jump_with(cx.b, header, cx.st.peekn_mut(params.len()));
    cx.st.popn(params.len());
    let original_stack_size = cx.st.stack.len();
    cx.st.control.push(ControlFrame::Loop {
        destination: next,
        header,
        num_param_values: params.len(),
        num_return_values: results.len(),
        original_stack_size,
    });
    cx.b.switch_to_block(header);
    cx.st.pushn(cx.b.block_params(header));
    cx.env.loop_header(cx.b);
}

fn if_(cx: &mut Cx, blockty: BlockType) {
    let cond = cx.st.pop1();
    let (params, results) = block_signature(cx, blockty);
    let then_block = cx.b.create_block();
    let destination = block_with_params(cx.b, &results);
    canonicalize(cx.b, cx.st.peekn_mut(params.len()));
    let else_args = block_args(cx.st.peekn(params.len()));
    let else_data = if params == results {
        // Without an `else`, the false edge goes straight to the exit with the params
        // as results; an `else`, if one comes, gets its own block then.
        let branch_inst =
            cx.b.ins()
                .brif(cond, then_block, &[], destination, &else_args);
        ElseData::NoElse {
            branch_inst,
            placeholder: destination,
        }
    } else {
        let else_block = block_with_params(cx.b, &params);
        cx.b.ins()
            .brif(cond, then_block, &[], else_block, &else_args);
        cx.b.seal_block(else_block);
        ElseData::WithElse { else_block }
    };
    cx.b.seal_block(then_block);
    cx.b.switch_to_block(then_block);
    let blocktype_params = cx.st.peekn(params.len()).to_vec();
    cx.st.control.push(ControlFrame::If {
        destination,
        else_data,
        num_param_values: params.len(),
        num_return_values: results.len(),
        original_stack_size: cx.st.stack.len() - params.len(),
        exit_is_branched_to: false,
        head_is_reachable: true,
        consequent_ends_reachable: None,
        blocktype_params,
    });
}

fn else_(cx: &mut Cx) {
    let reachable = cx.st.reachable;
    let Some(ControlFrame::If {
        destination,
        else_data,
        head_is_reachable,
        consequent_ends_reachable,
        num_return_values,
        original_stack_size,
        ref blocktype_params,
        ..
    }) = cx.st.control.last_mut()
    else {
        unreachable!("validated: `else` closes an `if`");
    };
    *consequent_ends_reachable = Some(reachable);
    if !*head_is_reachable {
        return;
    }
    let (destination, else_data, num_return_values, original_stack_size) = (
        *destination,
        *else_data,
        *num_return_values,
        *original_stack_size,
    );
    let params = blocktype_params.clone();
    if reachable {
        jump_with(cx.b, destination, cx.st.peekn_mut(num_return_values));
    }
    cx.st.stack.truncate(original_stack_size);
    let else_block = match else_data {
        ElseData::NoElse {
            branch_inst,
            placeholder,
        } => {
            let types: Vec<ir::Type> = params
                .iter()
                .map(|v| cx.b.func.dfg.value_type(*v))
                .collect();
            let else_block = block_with_params(cx.b, &types);
            cx.b.change_jump_destination(branch_inst, placeholder, else_block);
            cx.b.seal_block(else_block);
            else_block
        }
        ElseData::WithElse { else_block } => else_block,
    };
    cx.b.switch_to_block(else_block);
    cx.st.pushn(cx.b.block_params(else_block));
    cx.st.reachable = true;
}

fn end(cx: &mut Cx) {
    let frame = cx
        .st
        .control
        .pop()
        .expect("validated: `end` closes a frame");
    let next = frame.following_code();
    jump_with(cx.b, next, cx.st.peekn_mut(frame.num_return_values()));
    super::exceptions::frame_ended(cx, cx.st.control.len());
    continue_after(cx, &frame);
    // The function frame's exit block holds the return (see `translate_body`).
}

/// Continue after `frame`'s end: seal what it leaves open, switch to its exit block and
/// push the exit's params.
pub(super) fn continue_after(cx: &mut Cx, frame: &ControlFrame) {
    let next = frame.following_code();
    if let ControlFrame::Loop { header, .. } = frame {
        cx.b.seal_block(*header);
    }
    cx.st.stack.truncate(frame.original_stack_size());
    cx.b.switch_to_block(next);
    cx.b.seal_block(next);
    cx.st.pushn(cx.b.block_params(next));
    cx.st.reachable = true;
}

fn end_unreachable(cx: &mut Cx) {
    let frame = cx
        .st
        .control
        .pop()
        .expect("validated: `end` closes a frame");
    super::exceptions::frame_ended(cx, cx.st.control.len());
    let falls_through = match frame {
        ControlFrame::Loop { header, .. } => {
            cx.b.seal_block(header);
            false
        }
        // No `else`: the false edge of a reachable `if` reaches the exit.
        ControlFrame::If {
            head_is_reachable,
            consequent_ends_reachable: None,
            ..
        } => head_is_reachable,
        // The `else` arm ends unreachable here; the `then` arm may have jumped out.
        ControlFrame::If {
            head_is_reachable,
            consequent_ends_reachable: Some(then_reachable),
            ..
        } => head_is_reachable && then_reachable,
        ControlFrame::Block { .. } => false,
    };
    if frame.exit_is_branched_to() || falls_through {
        let frame = match frame {
            ControlFrame::Loop { .. } => {
                unreachable!("a loop's exit is reached only by falling through")
            }
            other => other,
        };
        continue_after(cx, &frame);
    } else {
        cx.st.stack.truncate(frame.original_stack_size());
    }
}

fn br(cx: &mut Cx, depth: u32) {
    let frame = cx.st.frame_mut(depth);
    frame.set_branched_to_exit();
    let (arity, dest) = (frame.br_arity(), frame.br_destination());
    jump_with(cx.b, dest, cx.st.peekn_mut(arity));
    cx.st.popn(arity);
    cx.st.reachable = false;
}

fn br_if(cx: &mut Cx, depth: u32) {
    let cond = cx.st.pop1();
    branch_if(cx, cond, depth);
}

/// Branch to the label at `depth` with its values from the top of the stack when `cond`
/// is non-zero; go on in a new block otherwise.
fn branch_if(cx: &mut Cx, cond: Value, depth: u32) {
    let frame = cx.st.frame_mut(depth);
    frame.set_branched_to_exit();
    let (arity, dest) = (frame.br_arity(), frame.br_destination());
    canonicalize(cx.b, cx.st.peekn_mut(arity));
    let args = block_args(cx.st.peekn(arity));
    let next = cx.b.create_block();
    cx.b.ins().brif(cond, dest, &args, next, &[]);
    cx.b.seal_block(next);
    cx.b.switch_to_block(next);
}

/// `br_on_null`: branch (without the reference) when the reference on top is null, else
/// go on with it.
fn br_on_null(cx: &mut Cx, depth: u32) {
    let r = cx.st.pop1();
    let is_null = cx.b.ins().icmp_imm_s(ir::condcodes::IntCC::Equal, r, 0);
    branch_if(cx, is_null, depth);
    cx.st.push1(r);
}

/// `br_on_non_null`: branch with the reference (the label's last value) when it is not
/// null, else drop it and go on.
fn br_on_non_null(cx: &mut Cx, depth: u32) {
    let r = cx.st.peek1();
    branch_if(cx, r, depth);
    cx.st.pop1();
}

/// `br_on_cast` (`on_match`) / `br_on_cast_fail`: branch with the reference (the label's
/// last value) when it is (is not) of type `to`, else go on with it.
fn br_on_cast(cx: &mut Cx, depth: u32, to: wasmparser::RefType, on_match: bool) {
    let r = cx.st.peek1();
    let is = references::test_ref_type(cx, r, to);
    let cond = if on_match {
        is
    } else {
        cx.b.ins().bxor_imm_u(is, 1)
    };
    branch_if(cx, cond, depth);
}

/// `br_table`: Cranelift's jump tables take no arguments, so when the targets take values
/// each distinct depth gets an edge block that jumps on with them.
fn br_table(cx: &mut Cx, targets: &[u32], default: u32) {
    let index = cx.st.pop1();
    let min_depth = targets.iter().copied().fold(default, u32::min);
    let arity = cx.st.frame_mut(min_depth).br_arity();
    canonicalize(cx.b, cx.st.peekn_mut(arity));
    let mut edges: Vec<(u32, ir::Block)> = Vec::new();
    let mut edge_of: HashMap<u32, ir::Block> = HashMap::new();
    let mut target_block = |cx: &mut Cx, depth: u32| -> ir::Block {
        if arity == 0 {
            let frame = cx.st.frame_mut(depth);
            frame.set_branched_to_exit();
            return frame.br_destination();
        }
        *edge_of.entry(depth).or_insert_with(|| {
            let block = cx.b.create_block();
            edges.push((depth, block));
            block
        })
    };
    let mut calls = Vec::with_capacity(targets.len());
    for &depth in targets {
        let block = target_block(cx, depth);
        calls.push(cx.b.func.dfg.block_call(block, &[]));
    }
    let default_block = target_block(cx, default);
    let default_call = cx.b.func.dfg.block_call(default_block, &[]);
    let jt =
        cx.b.create_jump_table(JumpTableData::new(default_call, &calls));
    cx.b.ins().br_table(index, jt);
    let args = block_args(cx.st.peekn(arity));
    for (depth, edge) in edges {
        cx.b.switch_to_block(edge);
        cx.b.seal_block(edge);
        let frame = cx.st.frame_mut(depth);
        frame.set_branched_to_exit();
        let dest = frame.br_destination();
        cx.b.ins().jump(dest, &args);
    }
    cx.st.popn(arity);
    cx.st.reachable = false;
}

fn return_(cx: &mut Cx) {
    let arity = cx.st.control[0].num_return_values();
    cx.env.before_return(cx.b);
    canonicalize(cx.b, cx.st.peekn_mut(arity));
    let vals = cx.st.peekn(arity).to_vec();
    cx.b.ins().return_(&vals);
    cx.st.popn(arity);
    cx.st.reachable = false;
}

fn select(cx: &mut Cx) {
    let cond = cx.st.pop1();
    let (mut a, mut b) = cx.st.pop2();
    if cx.b.func.dfg.value_type(a) != cx.b.func.dfg.value_type(b) {
        a = canonical(cx.b, a);
        b = canonical(cx.b, b);
    }
    let v = cx.b.ins().select(cond, a, b);
    cx.st.push1(v);
}
