//! The second oracle: Wasmtime (the `wasmtime` crate) as a [`Runtime`], for the features
//! wasmi does not run: threads (shared memories, atomics), exceptions and typed function
//! references. It shares Cranelift with wasmaot (the same release), so a code generator
//! bug common to both goes unseen here; the translation from wasm, the runtime, the
//! exception unwinder and the type checks are independent.

use super::ours::MAX_WASM_STACK;
use super::runtime::{CallResult, Export, ExportKind, Failure, Runtime};
use super::trap::TrapKind;
use super::value::{Type, Value};
use std::sync::OnceLock;
use wasmtime::{Config, Engine, Error, Extern, ExternType, HeapType, Instance, Module, Ref};
use wasmtime::{Store, Tag, ThrownException, Trap, Val, ValType, V128};

pub struct Wasmtime {
    store: Store<()>,
    instance: Instance,
    exports: Vec<Export>,
    /// A copy of the last shared memory read (its bytes are cells other threads could
    /// change, so they are copied out).
    shared_bytes: Vec<u8>,
}

/// One engine for every module: creating one is far costlier than compiling a small
/// module.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config
            .wasm_threads(true)
            .shared_memory(true)
            .wasm_exceptions(true)
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_tail_call(true)
            .wasm_multi_memory(true)
            .wasm_memory64(true)
            .wasm_relaxed_simd(false)
            .max_wasm_stack(MAX_WASM_STACK)
            // (checked against the stack limit even when nothing runs async)
            .async_stack_size(MAX_WASM_STACK)
            .wasm_backtrace_max_frames(None);
        Engine::new(&config).expect("the oracle's configuration is valid")
    })
}

impl Runtime for Wasmtime {
    const NAME: &'static str = "wasmtime";

    fn instantiate(wasm: &[u8]) -> Result<Wasmtime, Failure> {
        let module = Module::new(engine(), wasm)
            .map_err(|e| Failure::Unsupported(format!("wasmtime rejects the module: {e}")))?;
        let mut store = Store::new(engine(), ());
        let instance = Instance::new(&mut store, &module, &[]).map_err(failure)?;
        let mut exports: Vec<Export> = module
            .exports()
            .map(|e| Export {
                name: e.name().to_string(),
                kind: export_kind(&e.ty()),
            })
            .collect();
        exports.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Wasmtime {
            store,
            instance,
            exports,
            shared_bytes: Vec::new(),
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
        let ty = func.ty(&self.store);
        let refused = ty.params().zip(args).any(|(t, a)| {
            let non_nullable = matches!(t.as_ref(), Some(r) if !r.is_nullable());
            non_nullable && a.is_null()
        });
        if refused {
            return Err(TrapKind::ArgumentsRefused);
        }
        let args: Vec<Val> = ty.params().zip(args).map(|(t, a)| to_val(&t, a)).collect();
        let mut results: Vec<Val> = ty
            .results()
            .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
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
        let ty = global.ty(&self.store).content().clone();
        global
            .set(&mut self.store, to_val(&ty, &value))
            .expect("a mutable global of the value's type");
    }

    fn memory(&mut self, name: &str) -> &[u8] {
        match self.instance.get_export(&mut self.store, name) {
            Some(Extern::Memory(memory)) => memory.data(&self.store),
            Some(Extern::SharedMemory(shared)) => {
                // SAFETY: no other thread runs code of this store's instances (each is
                // used by the thread that created it), so nothing writes the cells
                // while they are copied.
                self.shared_bytes = shared.data().iter().map(|c| unsafe { *c.get() }).collect();
                &self.shared_bytes
            }
            _ => panic!("no memory export `{name}`"),
        }
    }

    fn table(&mut self, name: &str) -> Vec<Value> {
        let table = self
            .instance
            .get_table(&mut self.store, name)
            .expect("an exported table");
        (0..table.size(&self.store))
            .map(|i| {
                let element = table.get(&mut self.store, i);
                from_ref(&element.expect("an element within the table's size"))
            })
            .collect()
    }
}

impl Wasmtime {
    /// How a call that failed with `error` ended: an uncaught exception (by the name its
    /// tag is exported under), or a trap.
    fn ending(&mut self, error: &Error) -> TrapKind {
        if !error.is::<ThrownException>() {
            return trap_kind(error);
        }
        let Some(exn) = self.store.take_pending_exception() else {
            return TrapKind::Other("an exception was thrown but none is pending".into());
        };
        let tag = exn
            .tag(&mut self.store)
            .expect("a live exception has a tag");
        let arity = tag.ty(&self.store).ty().params().len();
        let payload = (0..arity)
            .map(|i| from_val(&exn.field(&mut self.store, i).expect("a field per param")))
            .collect();
        TrapKind::UncaughtException {
            tag: self.tag_name(&tag),
            payload,
        }
    }

    fn tag_name(&mut self, tag: &Tag) -> String {
        let found = self.exports.iter().find(|e| {
            matches!(e.kind, ExportKind::Tag(_))
                && self
                    .instance
                    .get_export(&mut self.store, &e.name)
                    .and_then(Extern::into_tag)
                    .is_some_and(|t| Tag::eq(&t, tag, &self.store))
        });
        found.map_or_else(|| "(not exported)".to_string(), |e| e.name.clone())
    }
}

fn failure(error: Error) -> Failure {
    if error.is::<ThrownException>() {
        return Failure::Trap(TrapKind::thrown_by_start_function());
    }
    match trap_kind(&error) {
        TrapKind::Other(message) => Failure::Error(message),
        trap => Failure::Trap(trap),
    }
}

fn trap_kind(error: &Error) -> TrapKind {
    match error.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => TrapKind::Unreachable,
        Some(Trap::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(Trap::TableOutOfBounds) => TrapKind::TableOutOfBounds,
        Some(Trap::IndirectCallToNull) => TrapKind::IndirectCallToNull,
        Some(Trap::BadSignature) => TrapKind::BadSignature,
        Some(Trap::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(Trap::IntegerDivisionByZero) => TrapKind::IntegerDivideByZero,
        Some(Trap::BadConversionToInteger) => TrapKind::BadConversionToInteger,
        Some(Trap::StackOverflow) => TrapKind::StackOverflow,
        Some(Trap::HeapMisaligned) => TrapKind::UnalignedAtomic,
        Some(Trap::AtomicWaitNonSharedMemory) => TrapKind::AtomicWaitNonShared,
        Some(Trap::NullReference) => TrapKind::NullReference,
        Some(Trap::CastFailure) => TrapKind::CastFailure,
        _ => TrapKind::Other(format!("{error:#}")),
    }
}

fn export_kind(ty: &ExternType) -> ExportKind {
    match ty {
        ExternType::Func(f) => ExportKind::Func {
            params: f.params().map(|t| from_type(&t)).collect(),
            results: f.results().map(|t| from_type(&t)).collect(),
        },
        ExternType::Global(g) => ExportKind::Global(from_type(g.content())),
        ExternType::Memory(_) => ExportKind::Memory,
        ExternType::Table(_) => ExportKind::Table,
        ExternType::Tag(t) => ExportKind::Tag(t.ty().params().map(|t| from_type(&t)).collect()),
    }
}

fn from_type(ty: &ValType) -> Type {
    match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::V128 => Type::V128,
        ValType::Ref(r) => match r.heap_type().top() {
            HeapType::Func => Type::FuncRef,
            HeapType::Extern => Type::ExternRef,
            HeapType::Exn => Type::ExnRef,
            HeapType::Any => Type::AnyRef,
            other => panic!("a reference type the generator does not make: {other}"),
        },
    }
}

fn from_val(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(*v),
        Val::F64(v) => Value::F64(*v),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
        Val::AnyRef(r) => Value::AnyRef { null: r.is_none() },
        Val::ExnRef(r) => Value::ExnRef { null: r.is_none() },
        Val::ContRef(_) => panic!("a continuation: the generator makes none"),
    }
}

fn from_ref(r: &Ref) -> Value {
    match r {
        Ref::Func(f) => Value::FuncRef { null: f.is_none() },
        Ref::Extern(r) => Value::ExternRef { null: r.is_none() },
        Ref::Any(r) => Value::AnyRef { null: r.is_none() },
        Ref::Exn(r) => Value::ExnRef { null: r.is_none() },
    }
}

/// Wasmtime's value for `value`, of type `ty`; a reference argument can only be null.
fn to_val(ty: &ValType, value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::V128(V128::from(v)),
        _ if value.is_null() => {
            let heap = ty.as_ref().expect("a reference type").heap_type().clone();
            Val::null_ref(&heap)
        }
        _ => panic!("only null references can be passed"),
    }
}
