//! What a linker gives the imports nothing defines (Wasmtime's
//! `Linker::define_unknown_imports_as_traps` / `_as_default_values`, behind `wasmaot run
//! -W unknown-imports-trap` / `-W unknown-imports-default`).

use crate::error::{Error, Result};
use crate::extern_type::{ExternType, ImportType};
use crate::handles::{Global, Memory, Table};
use crate::linker::Linker;
use crate::module::Module;
use crate::store::AsContextMut;
use crate::values::Val;

impl<T: 'static> Linker<T> {
    /// The imports of `module` this linker does not define.
    pub fn unknown_imports(&self, module: &Module) -> Vec<ImportType> {
        module
            .imports()
            .into_iter()
            .filter(|i| !self.defines(&i.module, &i.name))
            .collect()
    }

    /// Define every function `module` imports and this linker does not define as a
    /// function that fails when called, with Wasmtime's message (``unknown import:
    /// `m::n` has not been defined``); the call ends as a trap with a backtrace. Other
    /// kinds of imports stay undefined.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<()> {
        for import in self.unknown_imports(module) {
            if let ExternType::Func(ty) = import.ty {
                let message = format!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module, import.name
                );
                self.func_new(&import.module, &import.name, ty, move |_, _, _| {
                    Err(Error::msg(&message))
                })?;
            }
        }
        Ok(())
    }

    /// Define every import of `module` this linker does not define by a default value:
    /// functions returning zeros (null references), new globals holding zero, new tables
    /// of null elements, new memories of the import's type. A tag import has no default
    /// value: an error, and then nothing is defined.
    pub fn define_unknown_imports_as_default_values(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<()> {
        let unknown = self.unknown_imports(module);
        if let Some(tag) = unknown.iter().find(|i| matches!(i.ty, ExternType::Tag(_))) {
            return Err(Error::link(format!(
                "unknown import: `{}::{}` is a tag, which has no default value",
                tag.module, tag.name
            )));
        }
        for import in unknown {
            let (m, n) = (&import.module, &import.name);
            match import.ty {
                ExternType::Func(ty) => {
                    let defaults: Vec<Val> =
                        ty.results.iter().map(|t| Val::default_for(*t)).collect();
                    self.func_new(m, n, ty, move |_, _, results| {
                        results.clone_from_slice(&defaults);
                        Ok(())
                    })?;
                }
                ExternType::Global(ty) => {
                    let global = Global::new(&mut store, ty, Val::default_for(ty.content))?;
                    self.define(m, n, global)?;
                }
                ExternType::Table(ty) => {
                    let table = Table::new(&mut store, ty, Val::default_for(ty.element))?;
                    self.define(m, n, table)?;
                }
                ExternType::Memory(ty) => {
                    self.define(m, n, Memory::new(&mut store, ty)?)?;
                }
                // Refused above.
                ExternType::Tag(_) => {}
            }
        }
        Ok(())
    }
}
