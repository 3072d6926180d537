//! wasmaot as a [`Runtime`]: compile → load the artifact from memory → instantiate → call.

use super::rng::bytes_seed;
use super::runtime::{CallResult, Export, ExportKind, Failure, Runtime};
use super::trap::TrapKind;
use super::value::{Type, Value};
use wasmaot_compiler::{compile, CompileError, CompileOptions, OptLevel};
use wasmaot_loader::abi::{features, TrapCode};
use wasmaot_loader::{Config, Engine, Error, ErrorKind, ExternType, Instance, Module};
use wasmaot_loader::{Store, UncaughtException, Val, ValType};

/// Native stack wasm code may use per call; the workers' threads have more (see
/// `campaign::WORKER_STACK`), so recursion ends with the generated code's fuel first.
pub const MAX_WASM_STACK: usize = 32 << 20;

pub struct Wasmaot {
    store: Store<()>,
    instance: Instance,
    exports: Vec<Export>,
}

impl Runtime for Wasmaot {
    const NAME: &'static str = "wasmaot";

    fn instantiate(wasm: &[u8]) -> Result<Wasmaot, Failure> {
        let options = CompileOptions {
            opt_level: opt_level(wasm),
            parallel: false,
            // The oracle's validator is configured alike (see `oracle`).
            wasm_features: features::DEFAULT & !features::RELAXED_SIMD,
            ..CompileOptions::default()
        };
        let artifact = compile(wasm, &options).map_err(|e| match e {
            CompileError::Unsupported(what) => Failure::Unsupported(what),
            other => Failure::Error(format!("compile: {other}")),
        })?;
        let engine = Engine::new(Config {
            max_wasm_stack: MAX_WASM_STACK,
            ..Config::default()
        });
        let module = Module::from_bytes(&engine, &artifact).map_err(failure)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).map_err(failure)?;
        let mut exports: Vec<Export> = module
            .exports()
            .into_iter()
            .map(|e| Export {
                name: e.name,
                kind: export_kind(&e.ty),
            })
            .collect();
        exports.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Wasmaot {
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
            .get_func(&mut self.store, func)
            .ok_or_else(|| TrapKind::Other(format!("no function export `{func}`")))?;
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut results: Vec<Val> = func
            .ty(&self.store)
            .results
            .iter()
            .map(|t| Val::default_for(*t))
            .collect();
        if let Err(error) = func.call(&mut self.store, &args, &mut results) {
            return Err(self.ending(&error));
        }
        Ok(results.iter().map(from_val).collect())
    }

    fn global(&mut self, name: &str) -> Value {
        let global = self.instance.get_global(&mut self.store, name);
        from_val(&global.expect("an exported global").get(&mut self.store))
    }

    fn set_global(&mut self, name: &str, value: Value) {
        let global = self.instance.get_global(&mut self.store, name);
        let global = global.expect("an exported global");
        global
            .set(&mut self.store, to_val(&value))
            .expect("a mutable global of the value's type");
    }

    fn memory(&mut self, name: &str) -> &[u8] {
        let memory = self.instance.get_memory(&mut self.store, name);
        memory.expect("an exported memory").data(&self.store)
    }

    fn table(&mut self, name: &str) -> Vec<Value> {
        let table = self
            .instance
            .get_table(&mut self.store, name)
            .expect("an exported table");
        (0..table.size(&self.store))
            .map(|i| {
                let element = table.get(&mut self.store, i);
                from_val(&element.expect("an element within the table's size"))
            })
            .collect()
    }
}

impl Wasmaot {
    /// How a call that failed with `error` ended: an uncaught exception (by the name its
    /// tag is exported under), refused arguments, or a trap.
    fn ending(&mut self, error: &Error) -> TrapKind {
        if let Some(uncaught) = error.downcast_ref::<UncaughtException>() {
            let exn = uncaught.exception();
            let tag = exn.tag(&self.store);
            let name = self.exports.iter().find(|e| {
                matches!(e.kind, ExportKind::Tag(_))
                    && self.instance.get_tag(&mut self.store, &e.name) == tag
            });
            return TrapKind::UncaughtException {
                tag: name.map_or_else(|| "(not exported)".to_string(), |e| e.name.clone()),
                payload: exn.payload(&mut self.store).iter().map(from_val).collect(),
            };
        }
        match error.kind() {
            ErrorKind::Type => TrapKind::ArgumentsRefused,
            _ => trap_kind(error),
        }
    }
}

/// Cranelift's optimization level for `wasm`: none for a quarter of the modules (chosen
/// by their bytes, so a replayed module gets the same), the default otherwise.
fn opt_level(wasm: &[u8]) -> OptLevel {
    if bytes_seed(wasm).is_multiple_of(4) {
        OptLevel::None
    } else {
        OptLevel::Speed
    }
}

fn failure(error: Error) -> Failure {
    if error.is::<UncaughtException>() {
        return Failure::Trap(TrapKind::thrown_by_start_function());
    }
    match error.kind() {
        ErrorKind::Trap(_) => Failure::Trap(trap_kind(&error)),
        ErrorKind::Unsupported => Failure::Unsupported(error.to_string()),
        _ => Failure::Error(error.to_string()),
    }
}

fn trap_kind(error: &Error) -> TrapKind {
    let code = match error.kind() {
        ErrorKind::Trap(trap) => trap.code,
        _ => None,
    };
    match code {
        Some(TrapCode::UnreachableCodeReached) => TrapKind::Unreachable,
        Some(TrapCode::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(TrapCode::TableOutOfBounds) => TrapKind::TableOutOfBounds,
        Some(TrapCode::IndirectCallToNull) => TrapKind::IndirectCallToNull,
        Some(TrapCode::BadSignature) => TrapKind::BadSignature,
        Some(TrapCode::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(TrapCode::IntegerDivisionByZero) => TrapKind::IntegerDivideByZero,
        Some(TrapCode::BadConversionToInteger) => TrapKind::BadConversionToInteger,
        Some(TrapCode::StackOverflow) => TrapKind::StackOverflow,
        Some(TrapCode::HeapMisaligned) => TrapKind::UnalignedAtomic,
        Some(TrapCode::AtomicWaitNonSharedMemory) => TrapKind::AtomicWaitNonShared,
        Some(TrapCode::NullReference) => TrapKind::NullReference,
        Some(TrapCode::CastFailure) => TrapKind::CastFailure,
        _ => TrapKind::Other(error.to_string()),
    }
}

fn export_kind(ty: &ExternType) -> ExportKind {
    match ty {
        ExternType::Func(f) => ExportKind::Func {
            params: f.params.iter().map(|t| from_type(*t)).collect(),
            results: f.results.iter().map(|t| from_type(*t)).collect(),
        },
        ExternType::Global(g) => ExportKind::Global(from_type(g.content)),
        ExternType::Memory(_) => ExportKind::Memory,
        ExternType::Table(_) => ExportKind::Table,
        ExternType::Tag(t) => ExportKind::Tag(t.params.iter().map(|t| from_type(*t)).collect()),
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
        ValType::ExnRef => Type::ExnRef,
        ValType::AnyRef => Type::AnyRef,
    }
}

fn from_val(val: &Val) -> Value {
    match *val {
        Val::I32(v) => Value::I32(v),
        Val::I64(v) => Value::I64(v),
        Val::F32(v) => Value::F32(v),
        Val::F64(v) => Value::F64(v),
        Val::V128(v) => Value::V128(v),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
        Val::ExnRef(r) => Value::ExnRef { null: r.is_none() },
        Val::AnyRef(r) => Value::AnyRef { null: r.is_none() },
    }
}

/// The host value for `value`; a reference argument can only be null (there is no
/// reference both runtimes would understand alike).
fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::V128(v),
        Value::FuncRef { null: true } => Val::FuncRef(None),
        Value::ExternRef { null: true } => Val::ExternRef(None),
        Value::ExnRef { null: true } => Val::ExnRef(None),
        Value::AnyRef { null: true } => Val::AnyRef(None),
        Value::FuncRef { null: false }
        | Value::ExternRef { null: false }
        | Value::ExnRef { null: false }
        | Value::AnyRef { null: false } => panic!("only null references can be passed"),
    }
}
