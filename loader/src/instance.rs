//! The `Instance` handle and its exports, and the functions and function references of
//! an instance (created on first use).

use crate::abi::EntityIndex;
use crate::const_expr::{self, ConstVal};
use crate::error::Result;
use crate::externals::Extern;
use crate::handles::Func;
use crate::handles::Global;
use crate::handles::Instance;
use crate::handles::Memory;
use crate::handles::Table;
use crate::handles::Tag;
use crate::module::Module;
use crate::store::{AsContextMut, StoreOpaque};
use crate::vm::func::{FuncData, FuncKind};
use crate::vm::instance::NO_FUNC;
use crate::vmcontext::VMFuncRef;

impl Instance {
    /// Instantiate `module` with `imports` (in the module's import order).
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = &mut store.as_context_mut().0.opaque;
        crate::instantiate::instantiate(store, module, imports)
    }

    /// The export `name`, if any.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let store = &mut store.as_context_mut().0.opaque;
        if store.id != self.store {
            return None;
        }
        let inst = store.instances.get(self.index as usize)?;
        let export = inst
            .module
            .inner
            .meta
            .exports
            .iter()
            .find(|e| e.name == name)?;
        Some(store.export_extern(self.index, export.index))
    }

    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
    pub fn get_tag(&self, store: impl AsContextMut, name: &str) -> Option<Tag> {
        self.get_export(store, name)?.into_tag()
    }

    /// All exports, in the module's order.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<(String, Extern)> {
        let store = &mut store.as_context_mut().0.opaque;
        if store.id != self.store {
            return Vec::new();
        }
        let module = store.instances[self.index as usize].module.clone();
        module
            .inner
            .meta
            .exports
            .iter()
            .map(|e| (e.name.clone(), store.export_extern(self.index, e.index)))
            .collect()
    }

    /// The module this is an instance of (`None` for a handle of another store).
    pub fn module(&self, store: impl crate::AsContext) -> Option<Module> {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.instances.get(self.index as usize) {
            Some(i) if o.id == self.store => Some(i.module.clone()),
            _ => None,
        }
    }
}

impl StoreOpaque {
    pub(crate) fn export_extern(&mut self, instance: u32, index: EntityIndex) -> Extern {
        let id = self.id;
        let inst = &self.instances[instance as usize];
        match index {
            EntityIndex::Func(i) => Extern::Func(self.instance_func(instance, i)),
            EntityIndex::Table(i) => Extern::Table(Table {
                store: id,
                index: inst.tables[i as usize],
            }),
            EntityIndex::Memory(i) => Extern::Memory(Memory {
                store: id,
                index: inst.memories[i as usize],
            }),
            EntityIndex::Global(i) => Extern::Global(Global {
                store: id,
                index: inst.globals[i as usize],
            }),
            EntityIndex::Tag(i) => Extern::Tag(Tag {
                store: id,
                index: inst.tags[i as usize],
            }),
        }
    }

    /// The `Func` of function `func_index` of instance `instance`, created on first use.
    pub(crate) fn instance_func(&mut self, instance: u32, func_index: u32) -> Func {
        let id = self.id;
        let inst = &self.instances[instance as usize];
        let existing = inst.funcs[func_index as usize];
        if existing != NO_FUNC {
            return Func {
                store: id,
                index: existing,
            };
        }
        let meta = &inst.module.inner.meta;
        let nimported = meta.num_imported_funcs();
        let defined = func_index - nimported;
        let type_index = meta.funcs[defined as usize].type_index;
        let entry = match meta.entry_trampolines[type_index as usize] {
            u32::MAX => 0,
            off => inst.module.inner.code.text_base() + off as usize,
        };
        let funcref: *const VMFuncRef =
            inst.vmctx.at(inst.offsets().vmctx_defined_funcref(defined));
        let data = FuncData {
            funcref,
            ty: std::sync::Arc::new(meta.types[type_index as usize].clone()),
            kind: FuncKind::Wasm { entry },
        };
        let index = self.funcs.len() as u32;
        self.funcs.push(data);
        self.funcref_to_func.insert(funcref as usize, index);
        self.instances[instance as usize].funcs[func_index as usize] = index;
        Func { store: id, index }
    }

    /// The `Func` whose `VMFuncRef` is at `ptr` (0 → `None`).
    pub(crate) fn func_for_funcref(&mut self, ptr: usize) -> Option<Func> {
        if ptr == 0 {
            return None;
        }
        if let Some(&index) = self.funcref_to_func.get(&ptr) {
            return Some(Func {
                store: self.id,
                index,
            });
        }
        let (&start, &instance) = self.vmctx_to_instance.range(..=ptr).next_back()?;
        let inst = &self.instances[instance as usize];
        let first = start + inst.offsets().vmctx_defined_funcref(0) as usize;
        let size = inst.offsets().size_of_funcref() as usize;
        let n = inst.module.inner.meta.funcs.len();
        if ptr < first || ptr >= first + n * size || !(ptr - first).is_multiple_of(size) {
            return None;
        }
        let func_index =
            inst.module.inner.meta.num_imported_funcs() + ((ptr - first) / size) as u32;
        Some(self.instance_func(instance, func_index))
    }
}

impl StoreOpaque {
    /// The `Func` of any function index of an instance (imported or defined).
    pub(crate) fn instance_func_any(&mut self, instance: u32, func_index: u32) -> Func {
        let existing = self.instances[instance as usize].funcs[func_index as usize];
        if existing != NO_FUNC {
            return Func {
                store: self.id,
                index: existing,
            };
        }
        self.instance_func(instance, func_index)
    }

    /// The funcref word (`*const VMFuncRef`) of function `f` of an instance.
    pub(crate) fn func_ref(&self, instance: u32, f: u32) -> usize {
        let inst = &self.instances[instance as usize];
        let nimported = inst.module.inner.meta.num_imported_funcs();
        if f < nimported {
            self.funcs[inst.funcs[f as usize] as usize].funcref as usize
        } else {
            inst.vmctx
                .at::<VMFuncRef>(inst.offsets().vmctx_defined_funcref(f - nimported))
                as usize
        }
    }

    /// Evaluate a (validated) constant expression in the context of an instance.
    pub(crate) fn eval_const(&self, instance: u32, expr: &crate::abi::ConstExpr) -> ConstVal {
        let inst = &self.instances[instance as usize];
        let global = |g: u32| {
            let Some(&gi) = inst.globals.get(g as usize) else {
                return ConstVal::I32(0);
            };
            let gd = &self.globals[gi as usize];
            ConstVal::from_bits(gd.ty.content, gd.bits())
        };
        let func_ref = |f: u32| self.func_ref(instance, f);
        // The usual single-instruction expressions, without the evaluator's stack.
        if let [op] = expr.0.as_slice() {
            use crate::abi::ConstOp;
            match *op {
                ConstOp::I32Const(v) => return ConstVal::I32(v),
                ConstOp::I64Const(v) => return ConstVal::I64(v),
                ConstOp::GlobalGet(g) => return global(g),
                ConstOp::RefNull => return ConstVal::Ref(0),
                ConstOp::RefFunc(f) => return ConstVal::Ref(func_ref(f)),
                _ => {}
            }
        }
        const_expr::eval(expr, &global, &func_ref)
    }
}
