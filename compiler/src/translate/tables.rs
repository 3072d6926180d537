//! Tables: `table.get/set/size/grow/fill/copy/init`, `elem.drop`. Elements are
//! pointer-sized reference words (null is 0; see `references`).
//!
//! A 64-bit table (memory64) takes `i64` indices and lengths; the runtime's tables hold
//! at most 2^32-1 elements, so each such operand becomes an `i32` saturated at 2^32-1
//! ([`table_operand`]), which is out of bounds wherever the `i64` was.

use super::{Cx, Result};
use crate::func_env::{alias_region, Region};
use cranelift_codegen::ir::{condcodes::IntCC, types, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;
use wasmaot_abi::Libcall;
use wasmparser::Operator;

/// Flags of an access to an element of table `table` (the runtime's table storage:
/// aligned, in bounds once checked).
pub fn element_flags(b: &mut FunctionBuilder, table: u32) -> MemFlagsData {
    let region = alias_region(b.func, Region::Table(table));
    MemFlagsData::trusted().with_alias_region(Some(region))
}

fn i32_const(b: &mut FunctionBuilder, v: u32) -> Value {
    b.ins().iconst(types::I32, i64::from(v))
}

/// An index or length operand of a table operation as an `i32`: an `i64` one (of a
/// 64-bit table) above 2^32-1 becomes 2^32-1, which no table reaches.
pub fn table_operand(cx: &mut Cx, v: Value) -> Value {
    if cx.b.func.dfg.value_type(v) != types::I64 {
        return v;
    }
    let high = cx.b.ins().ushr_imm_u(v, 32);
    let low = cx.b.ins().ireduce(types::I32, v);
    let saturated = cx.b.ins().iconst(types::I32, i64::from(u32::MAX));
    cx.b.ins().select(high, saturated, low)
}

/// The three operands of `table.fill/copy/init`, as `i32`s.
fn table_operands3(cx: &mut Cx) -> [Value; 3] {
    let (a, b, c) = cx.st.pop3();
    [a, b, c].map(|v| table_operand(cx, v))
}

/// A size or old size (`i32`, -1 for a failed grow) as table `table`'s index type.
fn to_index_type(cx: &mut Cx, table: u32, v: Value) -> Value {
    if !cx.env.table_type(table).table64 {
        return v;
    }
    let failed = cx.b.ins().icmp_imm_s(IntCC::Equal, v, -1);
    let minus_one = cx.b.ins().iconst(types::I64, -1);
    let size = cx.b.ins().uextend(types::I64, v);
    cx.b.ins().select(failed, minus_one, size)
}

/// Translate `op` if it is a table operator.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::TableGet { table } => {
            let elem = cx.st.pop1();
            let elem = table_operand(cx, elem);
            let addr = cx.env.table_element_addr(cx.b, table, elem);
            let ptr = cx.env.pointer_type();
            let flags = element_flags(cx.b, table);
            let v = cx.b.ins().load(ptr, flags, addr, 0);
            cx.st.push1(v);
        }
        Operator::TableSet { table } => {
            let (elem, v) = cx.st.pop2();
            let elem = table_operand(cx, elem);
            let addr = cx.env.table_element_addr(cx.b, table, elem);
            let flags = element_flags(cx.b, table);
            cx.b.ins().store(flags, v, addr, 0);
        }
        Operator::TableSize { table } => {
            let v = cx.env.table_size(cx.b, table);
            let v = to_index_type(cx, table, v);
            cx.st.push1(v);
        }
        Operator::TableGrow { table } => {
            let (init, delta) = cx.st.pop2();
            let delta = table_operand(cx, delta);
            let t = i32_const(cx.b, table);
            let old = libcall_result(cx, Libcall::TableGrow, &[t, delta, init]);
            let old = to_index_type(cx, table, old);
            cx.st.push1(old);
        }
        Operator::TableFill { table } => {
            let (dst, v, len) = cx.st.pop3();
            let (dst, len) = (table_operand(cx, dst), table_operand(cx, len));
            let t = i32_const(cx.b, table);
            cx.env
                .call_libcall(cx.b, Libcall::TableFill, &[t, dst, v, len]);
        }
        Operator::TableCopy {
            dst_table,
            src_table,
        } => {
            let [dst, src, len] = table_operands3(cx);
            let d = i32_const(cx.b, dst_table);
            let s = i32_const(cx.b, src_table);
            cx.env
                .call_libcall(cx.b, Libcall::TableCopy, &[d, s, dst, src, len]);
        }
        Operator::TableInit { elem_index, table } => {
            let [dst, src, len] = table_operands3(cx);
            let t = i32_const(cx.b, table);
            let seg = i32_const(cx.b, elem_index);
            cx.env
                .call_libcall(cx.b, Libcall::TableInit, &[t, seg, dst, src, len]);
        }
        Operator::ElemDrop { elem_index } => {
            let seg = i32_const(cx.b, elem_index);
            cx.env.call_libcall(cx.b, Libcall::ElemDrop, &[seg]);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Call a libcall that returns a value.
pub fn libcall_result(cx: &mut Cx, call: Libcall, args: &[Value]) -> Value {
    cx.env
        .call_libcall(cx.b, call, args)
        .expect("the libcall's signature has a result")
}
