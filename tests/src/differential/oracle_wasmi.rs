//! The oracle: the `wasmi` interpreter as a [`Runtime`].

use super::runtime::{CallResult, Export, ExportKind, Failure, Runtime};
use super::trap::TrapKind;
use super::value::{Type, Value};
use wasmi::errors::{ErrorKind, InstantiationError, TableError};
use wasmi::{CompilationMode, Config, Engine, Error, ExternType, Instance, Module, Ref};
use wasmi::{Store, TrapCode, Val, ValType, F32, F64, V128};

/// wasmi's call depth limit: above any depth the generated code's fuel allows.
const MAX_RECURSION_DEPTH: usize = 100_000;
/// wasmi's value stack limit, in bytes (its default, 1 MB, is below what that depth of
/// frames with many locals needs).
const MAX_STACK_HEIGHT: usize = 256 << 20;

pub struct Wasmi {
    store: Store<()>,
    instance: Instance,
    exports: Vec<Export>,
}

impl Runtime for Wasmi {
    const NAME: &'static str = "wasmi";

    fn instantiate(wasm: &[u8]) -> Result<Wasmi, Failure> {
        // wasmi's default features (those of `generate::config` and more: extended
        // const), less relaxed SIMD, with memory64, like wasmaot's validator here.
        let mut config = Config::default();
        config
            .wasm_relaxed_simd(false)
            .wasm_memory64(true)
            .compilation_mode(CompilationMode::Eager)
            .set_max_recursion_depth(MAX_RECURSION_DEPTH)
            .set_max_stack_height(MAX_STACK_HEIGHT);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm)
            .map_err(|e| Failure::Unsupported(format!("wasmi rejects the module: {e}")))?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).map_err(failure)?;
        let mut exports: Vec<Export> = module
            .exports()
            .map(|e| Export {
                name: e.name().to_string(),
                kind: export_kind(e.ty()),
            })
            .collect();
        exports.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Wasmi {
            store,
            instance,
            exports,
        })
    }

    fn exports(&self) -> Vec<Export> {
        self.exports.clone()
    }

    fn call(&mut self, func: &str, args: &[Value]) -> CallResult {
        let func = self
            .instance
            .get_func(&self.store, func)
            .ok_or_else(|| TrapKind::Other(format!("no function export `{func}`")))?;
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut results: Vec<Val> = func
            .ty(&self.store)
            .results()
            .iter()
            .map(|t| Val::default(*t))
            .collect();
        func.call(&mut self.store, &args, &mut results)
            .map_err(|e| trap_kind(&e))?;
        Ok(results.iter().map(from_val).collect())
    }

    fn global(&mut self, name: &str) -> Value {
        let global = self.instance.get_global(&self.store, name);
        from_val(&global.expect("an exported global").get(&self.store))
    }

    fn set_global(&mut self, name: &str, value: Value) {
        let global = self.instance.get_global(&self.store, name);
        let global = global.expect("an exported global");
        global
            .set(&mut self.store, to_val(&value))
            .expect("a mutable global of the value's type");
    }

    fn memory(&mut self, name: &str) -> &[u8] {
        let memory = self.instance.get_memory(&self.store, name);
        memory.expect("an exported memory").data(&self.store)
    }

    fn table(&mut self, name: &str) -> Vec<Value> {
        let table = self
            .instance
            .get_table(&self.store, name)
            .expect("an exported table");
        (0..table.size(&self.store))
            .map(|i| {
                let element = table.get(&self.store, i);
                from_val(&element.expect("an element within the table's size"))
            })
            .collect()
    }
}

fn failure(error: Error) -> Failure {
    if let ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) =
        error.kind()
    {
        // Wasm 2.0 traps when an active element segment does not fit its table; wasmi
        // reports it as an instantiation error.
        return Failure::Trap(TrapKind::TableOutOfBounds);
    }
    match trap_kind(&error) {
        TrapKind::Other(message) => Failure::Error(message),
        trap => Failure::Trap(trap),
    }
}

fn trap_kind(error: &Error) -> TrapKind {
    if let ErrorKind::Table(TableError::CopyOutOfBounds) = error.kind() {
        // A trap `Error::as_trap_code` leaves out (wasmi 1.1).
        return TrapKind::TableOutOfBounds;
    }
    match error.as_trap_code() {
        Some(TrapCode::UnreachableCodeReached) => TrapKind::Unreachable,
        Some(TrapCode::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(TrapCode::TableOutOfBounds) => TrapKind::TableOutOfBounds,
        Some(TrapCode::IndirectCallToNull) => TrapKind::IndirectCallToNull,
        Some(TrapCode::BadSignature) => TrapKind::BadSignature,
        Some(TrapCode::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(TrapCode::IntegerDivisionByZero) => TrapKind::IntegerDivideByZero,
        Some(TrapCode::BadConversionToInteger) => TrapKind::BadConversionToInteger,
        Some(TrapCode::StackOverflow) => TrapKind::StackOverflow,
        _ => TrapKind::Other(error.to_string()),
    }
}

fn export_kind(ty: &ExternType) -> ExportKind {
    match ty {
        ExternType::Func(f) => ExportKind::Func {
            params: f.params().iter().map(|t| from_type(*t)).collect(),
            results: f.results().iter().map(|t| from_type(*t)).collect(),
        },
        ExternType::Global(g) => ExportKind::Global(from_type(g.content())),
        ExternType::Memory(_) => ExportKind::Memory,
        ExternType::Table(_) => ExportKind::Table,
    }
}

fn from_type(ty: ValType) -> Type {
    match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::V128 => Type::V128,
        ValType::FuncRef => Type::FuncRef,
        ValType::ExternRef => Type::ExternRef,
    }
}

fn from_val(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
    }
}

/// The interpreter's value for `value`; a reference argument can only be null.
fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(F32::from_bits(v)),
        Value::F64(v) => Val::F64(F64::from_bits(v)),
        Value::V128(v) => Val::V128(V128::from(v)),
        Value::FuncRef { null: true } => Val::FuncRef(Ref::Null),
        Value::ExternRef { null: true } => Val::ExternRef(Ref::Null),
        Value::FuncRef { null: false } | Value::ExternRef { null: false } => {
            panic!("only null references can be passed")
        }
        Value::ExnRef { .. } | Value::AnyRef { .. } => {
            panic!("wasmi has no exnref or anyref (the generator makes none for it)")
        }
    }
}
