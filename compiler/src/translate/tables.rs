//! Tables and references: `table.get/set/size/grow/fill/copy/init`, `elem.drop`,
//! `ref.null`, `ref.is_null`, `ref.func`. References are pointer-sized (null is 0).

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

/// Translate `op` if it is a table or reference operator.
pub fn translate(op: &Operator, cx: &mut Cx) -> Result<bool> {
    match *op {
        Operator::TableGet { table } => {
            let elem = cx.st.pop1();
            let addr = cx.env.table_element_addr(cx.b, table, elem);
            let ptr = cx.env.pointer_type();
            let flags = element_flags(cx.b, table);
            let v = cx.b.ins().load(ptr, flags, addr, 0);
            cx.st.push1(v);
        }
        Operator::TableSet { table } => {
            let (elem, v) = cx.st.pop2();
            let addr = cx.env.table_element_addr(cx.b, table, elem);
            let flags = element_flags(cx.b, table);
            cx.b.ins().store(flags, v, addr, 0);
        }
        Operator::TableSize { table } => {
            let v = cx.env.table_size(cx.b, table);
            cx.st.push1(v);
        }
        Operator::TableGrow { table } => {
            let (init, delta) = cx.st.pop2();
            let t = i32_const(cx.b, table);
            let old = libcall_result(cx, Libcall::TableGrow, &[t, delta, init]);
            cx.st.push1(old);
        }
        Operator::TableFill { table } => {
            let (dst, v, len) = cx.st.pop3();
            let t = i32_const(cx.b, table);
            cx.env
                .call_libcall(cx.b, Libcall::TableFill, &[t, dst, v, len]);
        }
        Operator::TableCopy {
            dst_table,
            src_table,
        } => {
            let (dst, src, len) = cx.st.pop3();
            let d = i32_const(cx.b, dst_table);
            let s = i32_const(cx.b, src_table);
            cx.env
                .call_libcall(cx.b, Libcall::TableCopy, &[d, s, dst, src, len]);
        }
        Operator::TableInit { elem_index, table } => {
            let (dst, src, len) = cx.st.pop3();
            let t = i32_const(cx.b, table);
            let seg = i32_const(cx.b, elem_index);
            cx.env
                .call_libcall(cx.b, Libcall::TableInit, &[t, seg, dst, src, len]);
        }
        Operator::ElemDrop { elem_index } => {
            let seg = i32_const(cx.b, elem_index);
            cx.env.call_libcall(cx.b, Libcall::ElemDrop, &[seg]);
        }
        Operator::RefNull { .. } => {
            let ptr = cx.env.pointer_type();
            let v = cx.b.ins().iconst(ptr, 0);
            cx.st.push1(v);
        }
        Operator::RefIsNull => {
            let r = cx.st.pop1();
            let is_null = cx.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
            let v = cx.b.ins().uextend(types::I32, is_null);
            cx.st.push1(v);
        }
        Operator::RefFunc { function_index } => {
            let v = cx.env.funcref(cx.b, function_index);
            cx.st.push1(v);
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
