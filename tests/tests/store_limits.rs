//! The loader's store limits through its Rust API (`wasmaot run -W max-*` uses them):
//! instance, table and memory counts checked at instantiation (host-created tables and
//! memories not counted), minimum sizes against the growth limits; and the linker's
//! stand-ins for unknown imports.

use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::abi::{MemoryType, TableType, ValType};
use wasmaot_loader::{
    Engine, GrowthLimits, InstanceLimits, Linker, Memory, Module, Store, Table, Val,
};

fn module(engine: &Engine, wat: &str) -> Module {
    let artifact = compile(wat.as_bytes(), &CompileOptions::default()).expect("compiles");
    Module::from_bytes(engine, &artifact).expect("loads")
}

fn instantiate_error(store: &mut Store<()>, module: &Module) -> String {
    let linker = Linker::new(store.engine());
    match linker.instantiate(&mut *store, module) {
        Ok(_) => "instantiated".to_string(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn counts_are_checked_at_instantiation() {
    let engine = Engine::default();
    let m = module(
        &engine,
        "(module (memory 1) (table 1 funcref) (table 0 funcref))",
    );
    let mut store = Store::new(&engine, ());
    store.set_instance_limits(InstanceLimits {
        instances: Some(2),
        tables: Some(4),
        memories: None,
    });
    // Host tables and memories do not count.
    let ty = TableType {
        ref_type: None,
        element: ValType::FuncRef,
        minimum: 0,
        maximum: None,
        table64: false,
    };
    Table::new(&mut store, ty, Val::FuncRef(None)).unwrap();
    Memory::new(
        &mut store,
        MemoryType {
            minimum: 0,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: 16,
        },
    )
    .unwrap();
    assert_eq!(instantiate_error(&mut store, &m), "instantiated");
    assert_eq!(instantiate_error(&mut store, &m), "instantiated");
    assert_eq!(
        instantiate_error(&mut store, &m),
        "resource limit exceeded: instance count too high at 3"
    );
    store.set_instance_limits(InstanceLimits {
        tables: Some(5),
        ..Default::default()
    });
    assert_eq!(
        instantiate_error(&mut store, &m),
        "resource limit exceeded: table count too high at 6"
    );
    store.set_instance_limits(InstanceLimits {
        memories: Some(2),
        ..Default::default()
    });
    assert_eq!(
        instantiate_error(&mut store, &m),
        "resource limit exceeded: memory count too high at 3"
    );
}

#[test]
fn minimum_sizes_are_checked_against_the_growth_limits() {
    let engine = Engine::default();
    let m = module(&engine, "(module (memory 2) (table 10 funcref))");
    let mut store = Store::new(&engine, ());
    store.set_growth_limits(GrowthLimits {
        memory_bytes: Some(2 * 65536),
        table_elements: Some(10),
    });
    assert_eq!(instantiate_error(&mut store, &m), "instantiated");
    store.set_growth_limits(GrowthLimits {
        memory_bytes: Some(65536),
        table_elements: None,
    });
    assert_eq!(
        instantiate_error(&mut store, &m),
        "memory minimum size of 2 pages exceeds memory limits"
    );
    store.set_growth_limits(GrowthLimits {
        memory_bytes: None,
        table_elements: Some(9),
    });
    assert_eq!(
        instantiate_error(&mut store, &m),
        "table minimum size of 10 elements exceeds table limits"
    );
}

const IMPORTS: &str = r#"(module
  (import "env" "f" (func $f (param i32) (result i64 f32)))
  (import "env" "t" (table 3 funcref))
  (import "env" "tag" (tag))
  (func (export "call_f") (result i64 f32) (call $f (i32.const 1)))
  (func (export "t_size") (result i32) (table.size 0)))"#;

#[test]
fn unknown_imports_get_stand_ins() {
    let engine = Engine::default();
    let m = module(&engine, IMPORTS);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let names = |l: &Linker<()>| -> Vec<String> {
        l.unknown_imports(&m)
            .iter()
            .map(|i| format!("{}::{}", i.module, i.name))
            .collect()
    };
    assert_eq!(names(&linker), ["env::f", "env::t", "env::tag"]);
    linker.define_unknown_imports_as_traps(&m).unwrap();
    assert_eq!(
        names(&linker),
        ["env::t", "env::tag"],
        "only functions become traps"
    );
    assert_eq!(
        linker
            .define_unknown_imports_as_default_values(&mut store, &m)
            .unwrap_err()
            .to_string(),
        "unknown import: `env::tag` is a tag, which has no default value"
    );
    // Nothing was defined; a host tag and a table complete the imports.
    assert_eq!(names(&linker), ["env::t", "env::tag"]);
    let tag_ty = wasmaot_loader::FuncType {
        params: vec![],
        results: vec![],
    };
    let tag = wasmaot_loader::Tag::new(&mut store, tag_ty).unwrap();
    linker.define("env", "tag", tag).unwrap();
    let table_ty = TableType {
        ref_type: None,
        element: ValType::FuncRef,
        minimum: 3,
        maximum: None,
        table64: false,
    };
    let table = Table::new(&mut store, table_ty, Val::FuncRef(None)).unwrap();
    linker.define("env", "t", table).unwrap();
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let get = |store: &mut Store<()>, name: &str| instance.get_func(&mut *store, name).unwrap();
    let mut results = [Val::I32(0)];
    get(&mut store, "t_size")
        .call(&mut store, &[], &mut results)
        .unwrap();
    assert!(matches!(results[0], Val::I32(3)));
    let mut results = [Val::I64(0), Val::F32(0)];
    let err = get(&mut store, "call_f")
        .call(&mut store, &[], &mut results)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "unknown import: `env::f` has not been defined"
    );

    // Default values: `f` returns zeros.
    let mut linker = Linker::new(&engine);
    linker.define("env", "tag", tag).unwrap();
    linker
        .define_unknown_imports_as_default_values(&mut store, &m)
        .unwrap();
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let f = instance.get_func(&mut store, "call_f").unwrap();
    let mut results = [Val::I64(9), Val::F32(9)];
    f.call(&mut store, &[], &mut results).unwrap();
    assert!(matches!(results, [Val::I64(0), Val::F32(0)]), "{results:?}");
}
