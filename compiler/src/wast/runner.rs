//! Executing the directives of one script against one store.

use super::{spectest, traps, values, Mode, RunOptions};
use crate::{compile, CompileError};
use std::collections::HashMap;
use std::path::PathBuf;
use wasmaot_abi::TrapCode;
use wasmaot_loader::{
    Engine, Error, ErrorKind, Extern, Instance, Linker, Module, Store, UncaughtException, Val,
};
use wast::{QuoteWat, QuoteWatTest, WastDirective, WastExecute, WastInvoke, Wat};

/// Why a directive's action did not produce values.
pub enum Failed {
    /// The module did not parse or compile.
    Compile(String),
    /// The runtime refused or the code trapped: the loader's error.
    Runtime(Error),
    /// The script asked for something this runner cannot do (unknown module, ...).
    Harness(String),
}

impl Failed {
    fn describe(&self) -> String {
        match self {
            Failed::Compile(m) => format!("compile error: {m}"),
            Failed::Runtime(e) => match e.kind() {
                ErrorKind::Trap(_) => format!("trap: {}", e.message()),
                kind => format!("{} error: {}", kind_name(kind), e.message()),
            },
            Failed::Harness(m) => m.clone(),
        }
    }
}

fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Load => "load",
        ErrorKind::Link => "link",
        ErrorKind::Trap(_) => "trap",
        ErrorKind::Type => "type",
        ErrorKind::Resource => "resource",
        ErrorKind::Unsupported => "unsupported",
    }
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Runtime(e)
    }
}

/// The state of one script: its store, the linker holding `spectest` and every
/// registered instance, and the instances and module definitions it named.
pub struct Runner<'o> {
    options: &'o RunOptions,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<Instance>,
    instances: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    /// Directory for artifacts in `Mode::File`, removed on drop.
    temp_dir: Option<PathBuf>,
    artifacts_written: usize,
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Encode a module of a script. Quoted text is returned as text for `compile` to parse,
/// so the compiler's own text front end is what accepts or rejects it.
fn module_source(module: &mut QuoteWat) -> Result<Vec<u8>, Failed> {
    if let QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_)) = module {
        return Err(Failed::Harness(
            "component-model modules are not supported".into(),
        ));
    }
    match module.to_test() {
        Ok(QuoteWatTest::Binary(bytes)) | Ok(QuoteWatTest::Text(bytes)) => Ok(bytes),
        Err(e) => Err(Failed::Compile(e.message())),
    }
}

impl<'o> Runner<'o> {
    pub fn new(options: &'o RunOptions) -> Result<Self, String> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        spectest::define(&mut store, &mut linker)
            .map_err(|e| format!("cannot define `spectest`: {e}"))?;
        Ok(Runner {
            options,
            engine,
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            temp_dir: None,
            artifacts_written: 0,
        })
    }

    /// Compile `source` (binary or text) and load the artifact the way `options.mode` says.
    fn load(&mut self, source: &[u8]) -> Result<Module, Failed> {
        let artifact =
            compile(source, &self.options.compile).map_err(|e| Failed::Compile(e.to_string()))?;
        match self.options.mode {
            Mode::InMemory => Ok(Module::from_bytes(&self.engine, &artifact)?),
            Mode::File => {
                let dir = match &self.temp_dir {
                    Some(dir) => dir.clone(),
                    None => {
                        let dir = unique_temp_dir().map_err(Failed::Harness)?;
                        self.temp_dir = Some(dir.clone());
                        dir
                    }
                };
                self.artifacts_written += 1;
                let path = dir.join(format!("module{}.cwasm", self.artifacts_written));
                std::fs::write(&path, &artifact).map_err(|e| {
                    Failed::Harness(format!("cannot write {}: {e}", path.display()))
                })?;
                Ok(Module::from_file(&self.engine, &path)?)
            }
        }
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Failed> {
        Ok(self.linker.instantiate(&mut self.store, module)?)
    }

    fn instance(&self, id: Option<wast::token::Id>) -> Result<Instance, Failed> {
        match id {
            Some(id) => self.instances.get(id.name()).copied().ok_or_else(|| {
                Failed::Harness(format!("no module `${}` (or it failed)", id.name()))
            }),
            None => self
                .current
                .ok_or_else(|| Failed::Harness("no current module (or it failed)".into())),
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke) -> Result<Vec<Val>, Failed> {
        let instance = self.instance(invoke.module)?;
        let func = match instance.get_export(&mut self.store, invoke.name) {
            Some(Extern::Func(f)) => f,
            Some(_) => {
                return Err(Failed::Harness(format!(
                    "export `{}` is not a function",
                    invoke.name
                )))
            }
            None => return Err(Failed::Harness(format!("no export `{}`", invoke.name))),
        };
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            args.push(values::arg(&mut self.store, arg).map_err(Failed::Harness)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn execute(&mut self, exec: &mut WastExecute) -> Result<Vec<Val>, Failed> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke),
            WastExecute::Wat(wat) => {
                if let Wat::Component(_) = wat {
                    return Err(Failed::Harness(
                        "component-model modules are not supported".into(),
                    ));
                }
                let bytes = wat.encode().map_err(|e| Failed::Compile(e.message()))?;
                let module = self.load(&bytes)?;
                self.instantiate(&module)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(*module)?;
                match instance.get_export(&mut self.store, global) {
                    Some(Extern::Global(g)) => Ok(vec![g.get(&mut self.store)]),
                    Some(_) => Err(Failed::Harness(format!(
                        "export `{global}` is not a global"
                    ))),
                    None => Err(Failed::Harness(format!("no export `{global}`"))),
                }
            }
        }
    }

    /// Remember `instance` as `$name`, and make its exports importable from module `name`
    /// without a `register` line, as Wasmtime's script runner does (a later `register`
    /// or instance of the same name replaces it).
    fn name_instance(&mut self, name: String, instance: Instance) -> Result<(), String> {
        self.linker
            .instance(&mut self.store, &name, instance)
            .map_err(|e| format!("cannot make `${name}` importable: {e}"))?;
        self.instances.insert(name, instance);
        Ok(())
    }

    /// Run one directive; `Err` is the failure message (without location).
    pub fn directive(&mut self, directive: WastDirective) -> Result<(), String> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let result = module_source(&mut module)
                    .and_then(|source| self.load(&source))
                    .and_then(|module| self.instantiate(&module));
                // Later directives refer to this module, not to an earlier one.
                self.current = None;
                if let Some(name) = &name {
                    self.instances.remove(name);
                }
                let instance = result.map_err(|f| f.describe())?;
                if let Some(name) = name {
                    self.name_instance(name, instance)?;
                }
                self.current = Some(instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let source = module_source(&mut module).map_err(|f| f.describe())?;
                let module = self.load(&source).map_err(|f| f.describe())?;
                self.definitions.insert(name.unwrap_or_default(), module);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let key = module.map(|id| id.name().to_string()).unwrap_or_default();
                let Some(definition) = self.definitions.get(&key).cloned() else {
                    return Err(format!("no module definition `${key}`"));
                };
                let new = self.instantiate(&definition).map_err(|f| f.describe())?;
                if let Some(id) = instance {
                    self.name_instance(id.name().to_string(), new)?;
                }
                self.current = Some(new);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module).map_err(|f| f.describe())?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map(drop)
                    .map_err(|e| format!("cannot register `{name}`: {e}"))
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke).map(drop).map_err(|f| f.describe())
            }
            WastDirective::AssertReturn {
                mut exec, results, ..
            } => {
                let actual = self.execute(&mut exec).map_err(|f| f.describe())?;
                values::check_results(&self.store, &actual, &results)
            }
            WastDirective::AssertTrap {
                mut exec, message, ..
            } => {
                let outcome = self.execute(&mut exec);
                self.expect_trap(outcome, message, None)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let outcome = self.invoke(&call);
                self.expect_trap(outcome, message, Some(TrapCode::StackOverflow))
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let source = match module_source(&mut module) {
                    Ok(source) => source,
                    Err(Failed::Compile(_)) => return Ok(()),
                    Err(other) => return Err(other.describe()),
                };
                match compile(&source, &self.options.compile) {
                    Err(CompileError::Parse(_) | CompileError::Invalid { .. }) => Ok(()),
                    Err(other) => Err(format!(
                        "expected `{message}`, but the compiler failed otherwise: {other}"
                    )),
                    Ok(_) => Err(format!("expected `{message}`, but the module compiled")),
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = module
                    .encode()
                    .map_err(|e| format!("cannot encode the module: {}", e.message()))?;
                let module = self.load(&bytes).map_err(|f| f.describe())?;
                match self.instantiate(&module) {
                    Ok(_) => Err(format!(
                        "expected link error `{message}`, but the module instantiated"
                    )),
                    Err(Failed::Runtime(e)) if matches!(e.kind(), ErrorKind::Link) => Ok(()),
                    Err(other) => Err(format!(
                        "expected link error `{message}`, got {}",
                        other.describe()
                    )),
                }
            }
            WastDirective::AssertException { mut exec, .. } => {
                let outcome = self.execute(&mut exec);
                self.expect_exception(outcome)
            }
            WastDirective::Thread(_) => Err(unsupported("thread")),
            WastDirective::Wait { .. } => Err(unsupported("wait")),
            WastDirective::AssertSuspension { .. } => Err(unsupported("assert_suspension")),
            WastDirective::AssertMalformedCustom { .. } => {
                Err(unsupported("assert_malformed_custom"))
            }
            WastDirective::AssertInvalidCustom { .. } => Err(unsupported("assert_invalid_custom")),
        }
    }

    /// The outcome must be an exception that no wasm handler caught (not a trap).
    fn expect_exception(&self, outcome: Result<Vec<Val>, Failed>) -> Result<(), String> {
        match outcome {
            Ok(values) => Err(format!(
                "expected an uncaught exception, got [{}]",
                values::show_all(&self.store, &values)
            )),
            Err(Failed::Runtime(e)) if e.is::<UncaughtException>() => Ok(()),
            Err(other) => Err(format!(
                "expected an uncaught exception, got {}",
                other.describe()
            )),
        }
    }

    fn expect_trap(
        &self,
        outcome: Result<Vec<Val>, Failed>,
        expected: &str,
        code: Option<TrapCode>,
    ) -> Result<(), String> {
        match outcome {
            Ok(values) => Err(format!(
                "expected trap `{expected}`, got [{}]",
                values::show_all(&self.store, &values)
            )),
            Err(Failed::Runtime(e)) => match e.as_trap() {
                Some(trap) => {
                    let code_ok = code.is_none() || trap.code == code;
                    if code_ok && traps::matches(trap.code, &trap.message, expected) {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected trap `{expected}`, got trap `{}` ({:?})",
                            trap.message, trap.code
                        ))
                    }
                }
                None => Err(format!(
                    "expected trap `{expected}`, got {}",
                    Failed::Runtime(e).describe()
                )),
            },
            Err(other) => Err(format!(
                "expected trap `{expected}`, got {}",
                other.describe()
            )),
        }
    }
}

fn unsupported(directive: &str) -> String {
    format!("unsupported directive `{directive}`")
}

/// What kind of directive this is, for failure messages.
pub fn directive_name(d: &WastDirective) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap {
            exec: WastExecute::Wat(_),
            ..
        } => "assert_trap (module)",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
    }
}

/// A fresh directory for this process's artifacts.
fn unique_temp_dir() -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wasmaot-wast-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
