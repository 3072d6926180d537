//! Running what the loader accepted: instantiate it with an import of the right type for
//! each of its imports, then use every export — call each function (and each function it
//! returns) with zeros and with small values, read, grow and write memories, tables and
//! globals. Errors and traps are fine; only a crash or a panic is not.

use wasmaot_loader::{
    Engine, Extern, ExternType, Func, FuncType, Global, Instance, Linker, Memory, Module, Store,
    Table, Tag, Val, ValType,
};

/// Instantiate `module` and use its exports; the first error ends it (that is fine).
pub fn exercise(engine: &Engine, module: &Module) -> wasmaot_loader::Result<()> {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.allow_shadowing(true);
    for import in module.imports() {
        let (module_name, name) = (&import.module, &import.name);
        match import.ty {
            ExternType::Func(ty) => {
                let results = ty.results.clone();
                linker.func_new(module_name, name, ty, move |_, _, out| {
                    for (slot, ty) in out.iter_mut().zip(&results) {
                        *slot = Val::default_for(*ty);
                    }
                    Ok(())
                })?;
            }
            ExternType::Table(t) => {
                let table = Table::new(&mut store, t, Val::default_for(t.element))?;
                linker.define(module_name, name, table)?;
            }
            ExternType::Memory(m) => {
                let memory = Memory::new(&mut store, m)?;
                linker.define(module_name, name, memory)?;
            }
            ExternType::Global(g) => {
                let global = Global::new(&mut store, g, Val::default_for(g.content))?;
                linker.define(module_name, name, global)?;
            }
            ExternType::Tag(ty) => {
                let tag = Tag::new(&mut store, ty)?;
                linker.define(module_name, name, tag)?;
            }
        }
    }
    let instance = linker.instantiate(&mut store, module)?;
    use_exports(&mut store, instance);
    Ok(())
}

fn use_exports(store: &mut Store<()>, instance: Instance) {
    for (_, item) in instance.exports(&mut *store) {
        match item {
            Extern::Func(f) => {
                for returned in call_twice(store, f) {
                    call_twice(store, returned);
                }
            }
            Extern::Memory(m) => {
                let _ = m.grow(&mut *store, 1);
                if let Some(byte) = m.data_mut(store).first_mut() {
                    *byte ^= 1;
                }
            }
            Extern::Table(t) => {
                let _ = t.get(&mut *store, 0);
                let element = t.ty(&*store).element;
                let _ = t.grow(&mut *store, 1, Val::default_for(element));
            }
            Extern::Global(g) => {
                let v = g.get(&mut *store);
                let _ = g.set(&mut *store, v);
            }
            Extern::Tag(_) => {}
        }
    }
}

/// Call `f` with zeros, then with small values; the functions it returned.
fn call_twice(store: &mut Store<()>, f: Func) -> Vec<Func> {
    let ty: FuncType = f.ty(&*store);
    let mut returned = Vec::new();
    for small in [false, true] {
        let params: Vec<Val> = ty.params.iter().map(|t| value(*t, small)).collect();
        let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
        if f.call(&mut *store, &params, &mut results).is_ok() {
            returned.extend(results.iter().filter_map(|r| match r {
                Val::FuncRef(Some(f)) => Some(*f),
                _ => None,
            }));
        }
    }
    returned
}

fn value(ty: ValType, small: bool) -> Val {
    match (ty, small) {
        (_, false) => Val::default_for(ty),
        (ValType::I32, true) => Val::I32(3),
        (ValType::I64, true) => Val::I64(3),
        (ValType::F32, true) => Val::F32(1.5f32.to_bits()),
        (ValType::F64, true) => Val::F64(1.5f64.to_bits()),
        (ValType::V128, true) => Val::V128(3),
        (_, true) => Val::default_for(ty),
    }
}
