//! The compiler and the loader agree on the VMContext layout (`wasmaot_abi::VMOffsets`):
//! compiled code reaches every kind of entity — imported and defined functions, tables,
//! memories and globals, funcrefs and type ids — and finds exactly what the loader put
//! there. (`loader/src/vmcontext.rs` checks the records' field offsets against the same
//! `VMOffsets`.)

use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{
    Engine, Extern, Func, FuncType, Global, GlobalType, Instance, Memory, MemoryType, Module,
    Store, Table, TableType, Val, ValType,
};

const WAT: &str = r#"
(module
  (type $t_ii (func (param i32) (result i32)))
  (import "host" "f" (func $hf (type $t_ii)))
  (import "host" "tab" (table $it 4 funcref))
  (import "host" "mem" (memory $im 1))
  (import "host" "g32" (global $ig32 i32))
  (import "host" "g64" (global $ig64 (mut i64)))
  (table $dt 3 funcref)
  (table $dx 2 externref)
  (memory $dm 2)
  (global $dg32 (mut i32) (i32.const 11))
  (global $dgf (mut f64) (f64.const 2.5))
  (global $dgr (mut funcref) (ref.func $double))
  (elem (table $dt) (i32.const 0) func $double $hf)
  (elem declare func $triple)
  (func $double (type $t_ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $t_ii) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "call_import") (param i32) (result i32) (call $hf (local.get 0)))
  (func (export "imported_globals") (result i32 i64) (global.get $ig32) (global.get $ig64))
  (func (export "bump_imported_g64") (global.set $ig64 (i64.add (global.get $ig64) (i64.const 1))))
  (func (export "defined_globals") (result i32 f64)
    (global.set $dg32 (i32.add (global.get $dg32) (i32.const 1)))
    (global.get $dg32) (global.get $dgf))
  (func (export "memory_sizes") (result i32 i32) (memory.size $im) (memory.size $dm))
  (func (export "memory_rw") (result i32)
    (i32.store $im (i32.const 100) (i32.const 77))
    (i32.store $dm (i32.const 70000) (i32.const 5))
    (i32.add (i32.load $im (i32.const 100)) (i32.load $dm (i32.const 70000))))
  (func (export "table_sizes") (result i32 i32 i32) (table.size $it) (table.size $dt) (table.size $dx))
  (func (export "indirect_defined") (param i32 i32) (result i32)
    (call_indirect $dt (type $t_ii) (local.get 1) (local.get 0)))
  (func (export "indirect_imported") (param i32 i32) (result i32)
    (call_indirect $it (type $t_ii) (local.get 1) (local.get 0)))
  (func (export "funcref_global") (param i32) (result i32)
    (table.set $dt (i32.const 2) (global.get $dgr))
    (call_indirect $dt (type $t_ii) (local.get 0) (i32.const 2)))
  (func (export "ref_func_into_imported_table") (param i32) (result i32)
    (table.set $it (i32.const 3) (ref.func $triple))
    (call_indirect $it (type $t_ii) (local.get 0) (i32.const 3)))
  (func (export "externref_roundtrip") (param externref) (result externref)
    (table.set $dx (i32.const 1) (local.get 0))
    (table.get $dx (i32.const 1))))
"#;

fn call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
    results: usize,
) -> Vec<Val> {
    let func = instance
        .get_func(&mut *store, name)
        .unwrap_or_else(|| panic!("export {name}"));
    let mut out = vec![Val::I32(0); results];
    func.call(&mut *store, args, &mut out)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    out
}

fn i32s(v: &[Val]) -> Vec<i32> {
    v.iter().map(|v| v.i32().expect("i32")).collect()
}

#[test]
fn compiled_code_and_loader_agree_on_every_vmcontext_entity() {
    let artifact = compile(WAT.as_bytes(), &CompileOptions::default()).expect("compile");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &artifact).expect("load");
    let mut store = Store::new(&engine, ());

    let ii = FuncType::new([ValType::I32], [ValType::I32]);
    let host_f = Func::new(&mut store, ii, |_caller, params, results| {
        results[0] = Val::I32(params[0].i32().unwrap() + 1000);
        Ok(())
    });
    let tab = Table::new(
        &mut store,
        TableType {
            ref_type: None,
            element: ValType::FuncRef,
            minimum: 4,
            maximum: None,
            table64: false,
        },
        Val::FuncRef(None),
    )
    .unwrap();
    tab.set(&mut store, 1, Val::FuncRef(Some(host_f))).unwrap();
    let mem = Memory::new(
        &mut store,
        MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: 16,
        },
    )
    .unwrap();
    let g32 = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::I32,
            mutable: false,
        },
        Val::I32(-7),
    )
    .unwrap();
    let g64 = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::I64,
            mutable: true,
        },
        Val::I64(1 << 40),
    )
    .unwrap();
    let imports: Vec<Extern> = vec![
        host_f.into(),
        tab.into(),
        mem.into(),
        g32.into(),
        g64.into(),
    ];
    let instance = Instance::new(&mut store, &module, &imports).expect("instantiate");

    // Imported function through `imported_funcs`.
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "call_import",
            &[Val::I32(5)],
            1
        )),
        [1005]
    );
    // Imported globals through their pointers; a write is seen by the host.
    let g = call(&mut store, instance, "imported_globals", &[], 2);
    assert_eq!((g[0].i32(), g[1].i64()), (Some(-7), Some(1 << 40)));
    call(&mut store, instance, "bump_imported_g64", &[], 0);
    assert_eq!(g64.get(&mut store).i64(), Some((1 << 40) + 1));
    // Defined globals inside the VMContext, initial values from the loader.
    let d = call(&mut store, instance, "defined_globals", &[], 2);
    assert_eq!((d[0].i32(), d[1].f64()), (Some(12), Some(2.5)));
    let exported = instance.exports(&mut store).len();
    assert!(exported >= 12);
    // Imported and defined memories: sizes and contents as the host sees them.
    assert_eq!(
        i32s(&call(&mut store, instance, "memory_sizes", &[], 2)),
        [1, 2]
    );
    assert_eq!(i32s(&call(&mut store, instance, "memory_rw", &[], 1)), [82]);
    assert_eq!(mem.data(&store)[100..104], 77i32.to_le_bytes());
    // Imported and defined tables.
    assert_eq!(
        i32s(&call(&mut store, instance, "table_sizes", &[], 3)),
        [4, 3, 2]
    );
    // Element segment written by the loader, type ids checked by compiled code.
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "indirect_defined",
            &[Val::I32(0), Val::I32(21)],
            1
        )),
        [42]
    );
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "indirect_defined",
            &[Val::I32(1), Val::I32(1)],
            1
        )),
        [1001]
    );
    // The host's table entry, a host function, called through the imported table.
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "indirect_imported",
            &[Val::I32(1), Val::I32(2)],
            1
        )),
        [1002]
    );
    // A funcref global initialized by the loader with a defined function's VMFuncRef.
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "funcref_global",
            &[Val::I32(4)],
            1
        )),
        [8]
    );
    // `ref.func` of a defined function stored into the host's table.
    assert_eq!(
        i32s(&call(
            &mut store,
            instance,
            "ref_func_into_imported_table",
            &[Val::I32(4)],
            1
        )),
        [12]
    );
    match tab.get(&mut store, 3) {
        Some(Val::FuncRef(Some(f))) => {
            let mut out = [Val::I32(0)];
            f.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
            assert_eq!(out[0].i32(), Some(15));
        }
        other => panic!("expected a funcref in the host table, got {other:?}"),
    }
    // Externrefs pass through a defined externref table unchanged.
    let r = wasmaot_loader::ExternRef::new(&mut store, Box::new(99u32));
    let back = call(
        &mut store,
        instance,
        "externref_roundtrip",
        &[Val::ExternRef(Some(r))],
        1,
    );
    match &back[0] {
        Val::ExternRef(Some(b)) => assert_eq!(b.data(&store).downcast_ref::<u32>(), Some(&99)),
        other => panic!("expected the externref back, got {other:?}"),
    }
}
