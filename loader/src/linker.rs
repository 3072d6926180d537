//! The linker: names for imports, and instantiation by name.

use crate::abi::FuncType;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::{Func, HostFn};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::{AsContextMut, Caller};
use crate::values::Val;
use crate::Engine;
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T: 'static> {
    Extern(Extern),
    /// A host function created in each store it is instantiated into.
    HostFunc(FuncType, Arc<HostFn<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Resolves imports by (module, name).
pub struct Linker<T: 'static> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
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
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::link(format!(
                "`{module}::{name}` is already defined"
            )));
        }
        self.defs.insert(key, def);
        Ok(())
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
        self.insert(module, name, Definition::HostFunc(ty, Arc::new(func)))?;
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

    /// Instantiate `module`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let mut imports = Vec::new();
        for import in module.imports() {
            let item = self
                .get(&mut store, &import.module, &import.name)
                .ok_or_else(|| {
                    Error::link(format!(
                        "unknown import: `{}::{}` has not been defined ({} expected)",
                        import.module,
                        import.name,
                        import.ty.kind_name()
                    ))
                })?;
            imports.push(item);
        }
        Instance::new(&mut store, module, &imports)
    }

    /// The definition of `module::name` (host functions are created in `store`).
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        match self.defs.get(&(module.to_string(), name.to_string()))? {
            Definition::Extern(e) => Some(*e),
            Definition::HostFunc(ty, f) => {
                let ctx = store.as_context_mut();
                Some(Extern::Func(Func::new_arc(ctx.0, ty.clone(), f.clone())))
            }
        }
    }
}
