//! The linker: names for imports, and instantiation by name; `InstancePre`, a module whose
//! imports were resolved once, to instantiate many times.

use crate::abi::{FuncType, ImportKind};
use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::HostFn;
use crate::handles::Func;
use crate::handles::Instance;
use crate::module::Module;
use crate::store::{AsContextMut, StoreInner};
use crate::values::Val;
use crate::Engine;
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T: 'static> {
    Extern(Extern),
    /// A host function created in each store it is instantiated into.
    HostFunc(Arc<FuncType>, Arc<HostFn<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

impl<T> Definition<T> {
    /// The item in `store`: host functions are created in it.
    fn to_extern(&self, store: &mut StoreInner<T>) -> Extern {
        match self {
            Definition::Extern(e) => *e,
            Definition::HostFunc(ty, f) => {
                Extern::Func(Func::new_arc(store, FuncType::clone(ty), f.clone()))
            }
        }
    }
}

/// Resolves imports by (module, name).
pub struct Linker<T: 'static> {
    engine: Engine,
    /// Module name → item name → definition (looked up by `&str`, no allocation).
    defs: HashMap<String, HashMap<String, Definition<T>>>,
    allow_shadowing: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            defs: self.defs.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

/// What an import of kind `kind` is called in messages.
fn kind_name(kind: &ImportKind) -> &'static str {
    match kind {
        ImportKind::Func(_) => "function",
        ImportKind::Table(_) => "table",
        ImportKind::Memory(_) => "memory",
        ImportKind::Global(_) => "global",
        ImportKind::Tag(_) => "tag",
    }
}

impl<T: 'static> Linker<T> {
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
            allow_shadowing: true,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name (default true).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let items = match self.defs.get_mut(module) {
            Some(items) => items,
            None => self.defs.entry(module.to_string()).or_default(),
        };
        if !self.allow_shadowing && items.contains_key(name) {
            return Err(Error::link(format!(
                "`{module}::{name}` is already defined"
            )));
        }
        items.insert(name.to_string(), def);
        Ok(())
    }

    fn definition(&self, module: &str, name: &str) -> Option<&Definition<T>> {
        self.defs.get(module)?.get(name)
    }

    /// Whether `module::name` is defined.
    pub fn defines(&self, module: &str, name: &str) -> bool {
        self.definition(module, name).is_some()
    }

    /// Define `module::name` as `item`.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))?;
        Ok(self)
    }

    /// Define `module::name` as a host function, created in each store on instantiation.
    pub fn func_new<F>(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: F,
    ) -> Result<&mut Self>
    where
        F: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    {
        self.insert(
            module,
            name,
            Definition::HostFunc(Arc::new(ty), Arc::new(func)),
        )?;
        Ok(self)
    }

    /// Define every export of `instance` under `module_name`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, item) in instance.exports(&mut store) {
            self.insert(module_name, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    /// The definition of each import of `module`, in order.
    fn resolve<'a>(
        &'a self,
        module: &'a Module,
    ) -> impl Iterator<Item = Result<&'a Definition<T>>> + 'a {
        module.inner.meta.imports.iter().map(move |import| {
            self.definition(&import.module, &import.name)
                .ok_or_else(|| {
                    Error::link(format!(
                        "unknown import: `{}::{}` has not been defined ({} expected)",
                        import.module,
                        import.name,
                        kind_name(&import.kind)
                    ))
                })
        })
    }

    /// Instantiate `module`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let inner = store.as_context_mut().0;
        let mut imports = Vec::with_capacity(module.inner.meta.imports.len());
        for def in self.resolve(module) {
            imports.push(def?.to_extern(inner));
        }
        crate::instantiate::instantiate(&mut inner.opaque, module, &imports)
    }

    /// Resolve the imports of `module` once, for instantiating it many times
    /// ([`InstancePre::instantiate`]). Host functions are checked against the import
    /// types here; items of a store when instantiating.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let inner = &module.inner;
        let meta = &inner.meta;
        let mut imports = Vec::with_capacity(meta.imports.len());
        for (import, def) in meta.imports.iter().zip(self.resolve(module)) {
            let pre = match (&import.kind, def?) {
                (ImportKind::Func(t), Definition::HostFunc(ty, func)) => {
                    let expected = &meta.types[*t as usize];
                    if **ty != *expected {
                        return Err(Error::link(format!(
                            "incompatible import type for `{}::{}`: expected {expected}, found {ty}",
                            import.module, import.name
                        )));
                    }
                    // The module has a host trampoline for the type of each import.
                    let trampoline = match meta.host_trampolines.get(*t as usize) {
                        Some(&off) if off != u32::MAX => {
                            Some((inner.code.text_base() + off as usize, inner.code.clone()))
                        }
                        _ => None,
                    };
                    PreImport::HostFunc {
                        ty: ty.clone(),
                        type_id: inner.type_ids[*t as usize],
                        trampoline,
                        func: func.clone(),
                    }
                }
                (_, def) => PreImport::Definition(def.clone()),
            };
            imports.push(pre);
        }
        Ok(InstancePre {
            module: module.clone(),
            imports: imports.into(),
        })
    }

    /// The definition of `module::name` (host functions are created in `store`).
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let def = self.definition(module, name)?;
        Some(def.to_extern(store.as_context_mut().0))
    }
}

/// A module with its imports resolved by a [`Linker`] ([`Linker::instantiate_pre`]):
/// instantiating it looks up no names. Cheap to clone.
pub struct InstancePre<T: 'static> {
    module: Module,
    /// What each import resolved to, in the module's import order.
    imports: Arc<[PreImport<T>]>,
}

/// A resolved import: host functions come with their type id and the module's host
/// trampoline for their type, so creating them in a store looks nothing up.
enum PreImport<T: 'static> {
    Definition(Definition<T>),
    HostFunc {
        ty: Arc<FuncType>,
        type_id: u32,
        trampoline: Option<(usize, Arc<crate::code_memory::CodeMemory>)>,
        func: Arc<HostFn<T>>,
    },
}

impl<T> PreImport<T> {
    fn to_extern(&self, store: &mut StoreInner<T>) -> Extern {
        match self {
            PreImport::Definition(def) => def.to_extern(store),
            PreImport::HostFunc {
                ty,
                type_id,
                trampoline,
                func,
            } => Extern::Func(Func::new_prepared(
                store,
                ty.clone(),
                *type_id,
                trampoline.clone(),
                func.clone(),
            )),
        }
    }
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            imports: self.imports.clone(),
        }
    }
}

impl<T> std::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstancePre")
            .field("module", &self.module)
            .field("imports", &self.imports.len())
            .finish()
    }
}

impl<T: 'static> InstancePre<T> {
    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiate the module in `store`: host functions are created in it, items of a
    /// store must belong to it.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let inner = store.as_context_mut().0;
        let imports: Vec<Extern> = self.imports.iter().map(|d| d.to_extern(inner)).collect();
        crate::instantiate::instantiate(&mut inner.opaque, &self.module, &imports)
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::abi::ValType;
    use crate::{Store, Val};

    /// `tests::sample_module`: imports `env::host` (i32, i32) -> i32; `callhost` calls it.
    fn sample(engine: &Engine) -> Module {
        Module::from_bytes(engine, &crate::tests::sample_artifact()).unwrap()
    }

    fn binary() -> FuncType {
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32])
    }

    fn call_host(store: &mut Store<u32>, instance: Instance, a: i32, b: i32) -> i32 {
        let f = instance.get_func(&mut *store, "callhost").unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut *store, &[Val::I32(a), Val::I32(b)], &mut out)
            .unwrap();
        out[0].i32().unwrap()
    }

    #[test]
    fn instance_pre_resolves_once_and_instantiates_in_many_stores() {
        let engine = Engine::default();
        let module = sample(&engine);
        let mut linker: Linker<u32> = Linker::new(&engine);
        linker
            .func_new("env", "host", binary(), |mut caller, p, r| {
                *caller.data_mut() += 1;
                r[0] = Val::I32(p[0].i32().unwrap() - p[1].i32().unwrap());
                Ok(())
            })
            .unwrap();
        let pre = linker.instantiate_pre(&module).unwrap();
        // Later definitions do not change what was resolved.
        linker
            .func_new("env", "host", binary(), |_, p, r| {
                r[0] = Val::I32(p[0].i32().unwrap() + p[1].i32().unwrap());
                Ok(())
            })
            .unwrap();
        let copy = pre.clone();
        for (i, pre) in [&pre, &copy, &pre].into_iter().enumerate() {
            let mut store = Store::new(&engine, 0u32);
            let instance = pre.instantiate(&mut store).unwrap();
            assert_eq!(
                call_host(&mut store, instance, 10, 3 + i as i32),
                7 - i as i32
            );
            // Two instances in one store, each with its own host function.
            let again = pre.instantiate(&mut store).unwrap();
            assert_eq!(call_host(&mut store, again, 1, 1), 0);
            assert_eq!(*store.data(), 2);
        }
        assert!(std::ptr::eq(pre.module(), &pre.module));
        let mut store = Store::new(&engine, 0u32);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        assert_eq!(call_host(&mut store, instance, 10, 3), 13);
    }

    #[test]
    fn instance_pre_checks_names_types_and_stores() {
        let engine = Engine::default();
        let module = sample(&engine);
        let mut linker: Linker<u32> = Linker::new(&engine);
        let e = linker.instantiate_pre(&module).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown import: `env::host` has not been defined (function expected)"
        );
        linker
            .func_new(
                "env",
                "host",
                FuncType::new([ValType::I32], []),
                |_, _, _| Ok(()),
            )
            .unwrap();
        let e = linker.instantiate_pre(&module).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("incompatible import type for `env::host`: expected"),
            "{e}"
        );
        // An item of one store: fine there, rejected by another store.
        let mut store = Store::new(&engine, 0u32);
        let f = Func::new(&mut store, binary(), |_, p, r| {
            r[0] = Val::I32(p[0].i32().unwrap() * p[1].i32().unwrap());
            Ok(())
        });
        linker.define("env", "host", f).unwrap();
        let pre = linker.instantiate_pre(&module).unwrap();
        let instance = pre.instantiate(&mut store).unwrap();
        assert_eq!(call_host(&mut store, instance, 6, 7), 42);
        let mut other = Store::new(&engine, 0u32);
        assert!(pre.instantiate(&mut other).is_err());
        // Shadowing forbidden: a second definition is an error.
        linker.allow_shadowing(false);
        assert!(linker.define("env", "host", f).is_err());
        assert!(linker.define("env", "other", f).is_ok());
    }
}
