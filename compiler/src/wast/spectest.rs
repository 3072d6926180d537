//! The `spectest` host module that spec scripts import from, with the spec
//! interpreter's conventions: `print*` functions that do nothing visible,
//! `global_{i32,i64}` = 666, `global_{f32,f64}` = 666.6, a funcref `table` of 10..20
//! elements and a `memory` of 1..2 pages.

use wasmaot_abi::{FuncType, GlobalType, MemoryType, TableType, ValType};
use wasmaot_loader::{Error, Extern, Func, Global, Linker, Memory, Store, Table, Val};

/// Define every `spectest` export in `linker`.
pub fn define(store: &mut Store<()>, linker: &mut Linker<()>) -> Result<(), Error> {
    use ValType::*;
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(
            &mut *store,
            ty,
            |_caller, _params: &[Val], _results: &mut [Val]| Ok(()),
        );
        linker.define("spectest", name, Extern::Func(func))?;
    }

    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, content, value) in globals {
        let global = Global::new(
            &mut *store,
            GlobalType {
                ref_type: None,
                content,
                mutable: false,
            },
            value,
        )?;
        linker.define("spectest", name, Extern::Global(global))?;
    }

    let table_ty = TableType {
        ref_type: None,
        element: FuncRef,
        minimum: 10,
        maximum: Some(20),
        table64: false,
    };
    let table = Table::new(&mut *store, table_ty, Val::FuncRef(None))?;
    linker.define("spectest", "table", Extern::Table(table))?;
    let table64_ty = TableType {
        table64: true,
        ..table_ty
    };
    let table64 = Table::new(&mut *store, table64_ty, Val::FuncRef(None))?;
    linker.define("spectest", "table64", Extern::Table(table64))?;

    let memory_ty = MemoryType {
        minimum: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: 16,
    };
    let memory = Memory::new(&mut *store, memory_ty)?;
    linker.define("spectest", "memory", Extern::Memory(memory))?;
    let shared = Memory::new(
        &mut *store,
        MemoryType {
            shared: true,
            ..memory_ty
        },
    )?;
    linker.define("spectest", "shared_memory", Extern::Memory(shared))?;
    Ok(())
}
