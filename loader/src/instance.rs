//! Instantiation: checking imports, building the VMContext, creating the module's
//! tables, memories and globals, applying segments and running the start function.

use crate::abi::{ElemItems, EntityIndex, ImportKind, SegmentMode, TrapCode, VMOffsets};
use crate::const_expr::{self, ConstVal};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::{Func, FuncData, FuncKind};
use crate::global::{Global, GlobalData};
use crate::memory::{LinearMemory, Memory, MemoryData};
use crate::module::Module;
use crate::store::{AsContextMut, StoreOpaque};
use crate::table::{Table, TableData, TableElements};
use crate::vmcontext::{
    VMContextAlloc, VMFuncRef, VMGlobalDefinition, VMMemoryDefinition, VMTableDefinition, ValRaw,
    HOST_POINTER_SIZE,
};

/// An instance of a module in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// Marks a function index whose `Func` has not been created yet.
const NO_FUNC: u32 = u32::MAX;

/// `repr(C)`: the libcall thunks (`libcalls.rs`) store the calling wasm frame's frame
/// pointer and return address in the first two fields.
#[repr(C)]
pub(crate) struct InstanceData {
    pub last_wasm_fp: usize,
    pub last_wasm_pc: usize,
    pub module: Module,
    pub vmctx: VMContextAlloc,
    pub store: *mut StoreOpaque,
    /// Index of this instance in the store.
    pub index: u32,
    /// Store function index of each function index (`NO_FUNC` until needed).
    pub funcs: Vec<u32>,
    /// Store indices of each table / memory / global index.
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Evaluated element segments (empty once dropped).
    pub elements: Vec<Vec<usize>>,
    pub data_dropped: Vec<bool>,
}

impl InstanceData {
    pub fn offsets(&self) -> &VMOffsets {
        &self.vmctx.offsets
    }
}

fn import_name(module: &Module, i: usize) -> String {
    let imp = &module.inner.meta.imports[i];
    format!("`{}::{}`", imp.module, imp.name)
}

impl Instance {
    /// Instantiate `module` with `imports` (in the module's import order).
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = &mut store.as_context_mut().0.opaque;
        instantiate(store, module, imports)
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

/// Instantiate `module` in `store` with `imports` (in the module's import order).
pub(crate) fn instantiate(
    store: &mut StoreOpaque,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    if !Engine::same(&store.engine, &module.inner.engine) {
        return Err(Error::link("module and store belong to different engines"));
    }
    let minner = module.inner.clone();
    let meta = &minner.meta;
    if imports.len() != meta.imports.len() {
        return Err(Error::link(format!(
            "module `{}` needs {} imports, {} were provided",
            minner.name,
            meta.imports.len(),
            imports.len()
        )));
    }
    for memory in &meta.memories {
        if memory.memory64 {
            return Err(Error::unsupported(
                "64-bit memories (memory64) are not supported",
            ));
        }
    }

    let offsets = meta.vmoffsets(HOST_POINTER_SIZE);
    let vmctx = VMContextAlloc::new(offsets);
    let store_ptr: *mut StoreOpaque = store;
    let mut funcs = vec![NO_FUNC; meta.num_imported_funcs() as usize + meta.funcs.len()];
    let mut tables = Vec::with_capacity(meta.num_imported_tables() as usize + meta.tables.len());
    let mut memories =
        Vec::with_capacity(meta.num_imported_memories() as usize + meta.memories.len());
    let mut globals = Vec::with_capacity(meta.num_imported_globals() as usize + meta.globals.len());

    // Imports: check types, then point the VMContext at the exporters' definitions.
    let (mut nf, mut nt, mut nm, mut ng) = (0u32, 0u32, 0u32, 0u32);
    for (i, (import, ext)) in meta.imports.iter().zip(imports).enumerate() {
        let incompatible = |detail: String| {
            Error::link(format!(
                "incompatible import type for {}: {detail}",
                import_name(module, i)
            ))
        };
        match (&import.kind, ext) {
            (ImportKind::Func(t), Extern::Func(f)) => {
                store.check(f.store, "imported function")?;
                let expected = &meta.types[*t as usize];
                let data = &mut store.funcs[f.index as usize];
                if *data.ty != *expected {
                    return Err(incompatible(format!(
                        "expected {expected}, found {}",
                        data.ty
                    )));
                }
                if let FuncKind::Host(ctx) = &mut data.kind {
                    if !ctx.has_trampoline() {
                        let off = meta.host_trampolines[*t as usize];
                        if off != u32::MAX {
                            ctx.set_trampoline(
                                minner.code.text_base() + off as usize,
                                minner.code.clone(),
                            );
                        }
                    }
                }
                vmctx.write_usize(offsets.vmctx_imported_func(nf), data.funcref as usize);
                funcs[nf as usize] = f.index;
                nf += 1;
            }
            (ImportKind::Table(ty), Extern::Table(t)) => {
                store.check(t.store, "imported table")?;
                let data = &store.tables[t.index as usize];
                let actual = &data.table.ty;
                if actual.element != ty.element {
                    return Err(incompatible(format!(
                        "expected {} table, found {}",
                        ty.element, actual.element
                    )));
                }
                if !limits_match(
                    u64::from(data.table.len()),
                    actual.maximum.map(u64::from),
                    u64::from(ty.minimum),
                    ty.maximum.map(u64::from),
                ) {
                    return Err(incompatible(format!(
                        "table limits {}..{:?} do not match declared {}..{:?}",
                        data.table.len(),
                        actual.maximum,
                        ty.minimum,
                        ty.maximum
                    )));
                }
                vmctx.write_usize(offsets.vmctx_imported_table(nt), data.def as usize);
                tables.push(t.index);
                nt += 1;
            }
            (ImportKind::Memory(ty), Extern::Memory(m)) => {
                store.check(m.store, "imported memory")?;
                let data = &store.memories[m.index as usize];
                if data.ty.memory64 != ty.memory64 || data.ty.shared != ty.shared {
                    return Err(incompatible("memory kind differs".to_string()));
                }
                if !limits_match(data.memory.pages(), data.ty.maximum, ty.minimum, ty.maximum) {
                    return Err(incompatible(format!(
                        "memory limits {}..{:?} pages do not match declared {}..{:?}",
                        data.memory.pages(),
                        data.ty.maximum,
                        ty.minimum,
                        ty.maximum
                    )));
                }
                if data.memory.guard_size() < minner.header.tunables.memory_guard_size {
                    return Err(incompatible(format!(
                        "the memory has a {}-byte guard region, the code needs {}",
                        data.memory.guard_size(),
                        minner.header.tunables.memory_guard_size
                    )));
                }
                vmctx.write_usize(offsets.vmctx_imported_memory(nm), data.def as usize);
                memories.push(m.index);
                nm += 1;
            }
            (ImportKind::Global(ty), Extern::Global(g)) => {
                store.check(g.store, "imported global")?;
                let data = &store.globals[g.index as usize];
                if data.ty != *ty {
                    let describe = |t: &crate::abi::GlobalType| {
                        format!("{}{}", if t.mutable { "mut " } else { "" }, t.content)
                    };
                    return Err(incompatible(format!(
                        "expected global {}, found {}",
                        describe(ty),
                        describe(&data.ty)
                    )));
                }
                vmctx.write_usize(offsets.vmctx_imported_global(ng), data.def as usize);
                globals.push(g.index);
                ng += 1;
            }
            (kind, ext) => {
                let expected = match kind {
                    ImportKind::Func(_) => "function",
                    ImportKind::Table(_) => "table",
                    ImportKind::Memory(_) => "memory",
                    ImportKind::Global(_) => "global",
                };
                let found = match ext {
                    Extern::Func(_) => "function",
                    Extern::Table(_) => "table",
                    Extern::Memory(_) => "memory",
                    Extern::Global(_) => "global",
                };
                return Err(incompatible(format!("expected {expected}, found {found}")));
            }
        }
    }

    // Header and type ids.
    vmctx.write_usize(
        offsets.vmctx_runtime_limits(),
        &*store.limits as *const _ as usize,
    );
    vmctx.write_usize(offsets.vmctx_store(), store_ptr as usize);
    for (t, id) in minner.type_ids.iter().enumerate() {
        vmctx.write_u32(offsets.vmctx_type_id(t as u32), *id);
    }
    // Defined functions' VMFuncRefs.
    let text = minner.code.text_base();
    for (i, f) in meta.funcs.iter().enumerate() {
        let funcref = VMFuncRef {
            wasm_call: text + f.text_offset as usize,
            type_id: minner.type_ids[f.type_index as usize],
            vmctx: vmctx.as_ptr(),
        };
        // SAFETY: the offset is inside the VMContext and 8-aligned (VMOffsets).
        unsafe {
            vmctx
                .at::<VMFuncRef>(offsets.vmctx_defined_funcref(i as u32))
                .write(funcref)
        };
    }

    // From here on the instance lives in the store, even if a later step fails: other
    // instances may already reference its functions (e.g. through a shared table).
    let index = store.instances.len() as u32;
    let vmctx_addr = vmctx.as_ptr() as usize;
    let mut data = Box::new(InstanceData {
        last_wasm_fp: 0,
        last_wasm_pc: 0,
        module: module.clone(),
        vmctx,
        store: store_ptr,
        index,
        funcs,
        tables,
        memories,
        globals,
        elements: Vec::new(),
        data_dropped: vec![false; meta.data.len()],
    });
    let data_ptr: *mut InstanceData = &mut *data;
    data.vmctx
        .write_usize(offsets.vmctx_instance(), data_ptr as usize);
    store.instances.push(data);
    store.vmctx_to_instance.insert(vmctx_addr, index);
    let instance = Instance {
        store: store.id,
        index,
    };

    // Globals.
    for (i, g) in meta.globals.iter().enumerate() {
        let value = store.eval_const(index, &g.init);
        let def: *mut VMGlobalDefinition = store.instances[index as usize]
            .vmctx
            .at(offsets.vmctx_defined_global(i as u32));
        let mut gd = GlobalData::borrowed(g.ty, def);
        gd.set_bits(value.to_bits());
        store.globals.push(gd);
        let gi = store.globals.len() as u32 - 1;
        store.instances[index as usize].globals.push(gi);
    }
    // Tables.
    for (i, t) in meta.tables.iter().enumerate() {
        let init = match store.eval_const(index, &t.init) {
            ConstVal::Ref(r) => r,
            _ => 0,
        };
        let elements = TableElements::new(t.ty, init)?;
        let def: *mut VMTableDefinition = store.instances[index as usize]
            .vmctx
            .at(offsets.vmctx_defined_table(i as u32));
        store.tables.push(TableData::new(elements, def));
        let ti = store.tables.len() as u32 - 1;
        store.instances[index as usize].tables.push(ti);
    }
    // Memories.
    let nimported_memories = meta.num_imported_memories();
    for (i, m) in meta.memories.iter().enumerate() {
        let image = crate::memory::mapped_image_key(&minner, nimported_memories + i as u32);
        let memory = LinearMemory::new(m, &minner.header.tunables, image)?;
        let def: *mut VMMemoryDefinition = store.instances[index as usize]
            .vmctx
            .at(offsets.vmctx_defined_memory(i as u32));
        store.memories.push(MemoryData::new(*m, memory, def));
        let mi = store.memories.len() as u32 - 1;
        store.instances[index as usize].memories.push(mi);
    }
    store.resolve_pending_host_funcs();

    // Element segments, in order; each is dropped after use unless passive.
    let mut elements = Vec::with_capacity(meta.elements.len());
    for seg in &meta.elements {
        let items: Vec<usize> = match &seg.items {
            ElemItems::Funcs(funcs) => funcs.iter().map(|&f| store.func_ref(index, f)).collect(),
            ElemItems::Exprs(exprs) => exprs
                .iter()
                .map(|e| match store.eval_const(index, e) {
                    ConstVal::Ref(r) => r,
                    _ => 0,
                })
                .collect(),
        };
        let passive = matches!(seg.mode, SegmentMode::Passive);
        if let SegmentMode::Active {
            index: table,
            offset,
        } = &seg.mode
        {
            let offset = match store.eval_const(index, offset) {
                ConstVal::I32(o) => o as u32,
                _ => 0,
            };
            let ti = store.instances[index as usize].tables[*table as usize];
            let t = &mut store.tables[ti as usize];
            if !t.table.init(offset, &items) {
                elements.push(Vec::new());
                store.instances[index as usize].elements = elements;
                return Err(Error::trap_code_error(TrapCode::TableOutOfBounds));
            }
        }
        elements.push(if passive { items } else { Vec::new() });
    }
    store.instances[index as usize].elements = elements;

    // Memory images prepared by the compiler (every active segment already applied), then
    // the data segments (those folded into an image have length 0).
    for image in &meta.memory_images {
        let bytes = minner.data_bytes(image.offset, image.len);
        let mi = store.instances[index as usize].memories[image.memory as usize];
        let memory = &mut store.memories[mi as usize].memory;
        let file = minner.file_offset(image.offset);
        if bytes.len() as u64 != image.len || !memory.write_image(bytes, file) {
            return Err(Error::load(
                "memory image outside its memory or the data section",
            ));
        }
    }
    for (i, seg) in meta.data.iter().enumerate() {
        if let SegmentMode::Active {
            index: memory,
            offset,
        } = &seg.mode
        {
            let offset = match store.eval_const(index, offset) {
                ConstVal::I32(o) => u64::from(o as u32),
                ConstVal::I64(o) => o as u64,
                _ => 0,
            };
            let bytes = minner.data_segment(i);
            let mi = store.instances[index as usize].memories[*memory as usize];
            let mem = store.memories[mi as usize].memory.as_mut_slice();
            let end = offset.checked_add(bytes.len() as u64);
            match end {
                Some(end) if end <= mem.len() as u64 => {
                    mem[offset as usize..end as usize].copy_from_slice(bytes);
                }
                _ => return Err(Error::trap_code_error(TrapCode::MemoryOutOfBounds)),
            }
            store.instances[index as usize].data_dropped[i] = true;
        }
        if matches!(seg.mode, SegmentMode::Declared) {
            store.instances[index as usize].data_dropped[i] = true;
        }
    }

    // The start function (defined or imported), through this module's entry trampoline
    // for its type.
    if let Some(start) = meta.start {
        let func = store.instance_func_any(index, start);
        let funcref = store.funcs[func.index as usize].funcref;
        let type_index = minner.func_type_index(start);
        let entry = match meta.entry_trampolines[type_index as usize] {
            u32::MAX => {
                return Err(Error::unsupported(
                    "no entry trampoline for the start function's type",
                ))
            }
            off => minner.code.text_base() + off as usize,
        };
        let mut values = [ValRaw::default()];
        crate::func::invoke_wasm(store as *mut StoreOpaque, funcref, entry, &mut values)?;
    }
    Ok(instance)
}

/// Limits subtyping: `[min, max]` fits inside the declared `[dmin, dmax]`.
fn limits_match(min: u64, max: Option<u64>, dmin: u64, dmax: Option<u64>) -> bool {
    min >= dmin
        && match dmax {
            None => true,
            Some(dmax) => max.is_some_and(|m| m <= dmax),
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
