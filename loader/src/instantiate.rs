//! Instantiation, in phases: check the module against the store and the imports, bind the
//! imports into a new VMContext, write its header, register the instance in the store,
//! define its globals, tags, tables and memories, apply element and data segments (Wasm
//! 2.0 order) and run the start function.

use crate::abi::{ElemItems, ImportKind, ModuleMeta, SegmentMode, TrapCode};
use crate::const_expr::ConstVal;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::handles::Func;
use crate::handles::Global;
use crate::handles::Instance;
use crate::handles::Memory;
use crate::handles::Table;
use crate::handles::Tag;
use crate::module::{Module, ModuleInner};
use crate::store::StoreOpaque;
use crate::vm::func::FuncKind;
use crate::vm::global::GlobalData;
use crate::vm::instance::{InstanceData, NO_FUNC};
use crate::vm::memory::{LinearMemory, MemoryData};
use crate::vm::shared_memory::SharedMemory;
use crate::vm::table::{TableData, TableElements};
use crate::vm::tag::TagOrigin;
use crate::vmcontext::{VMContextAlloc, VMFuncRef, ValRaw, HOST_POINTER_SIZE};
use std::sync::Arc;

/// Instantiate `module` in `store` with `imports` (in the module's import order).
pub(crate) fn instantiate(
    store: &mut StoreOpaque,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    check_instantiable(store, module, imports)?;
    store.check_instance_limits(&module.inner.meta)?;
    let offsets = module.inner.meta.vmoffsets(HOST_POINTER_SIZE);
    let vmctx = VMContextAlloc::new(offsets, crate::libcalls::table());
    let imported = bind_imports(store, module, imports, &vmctx)?;
    write_header(store, &module.inner, &vmctx);
    // From here on the instance lives in the store, even if a later step fails: other
    // instances may already reference its functions (e.g. through a shared table).
    let index = register(store, module, vmctx, imported);
    let minner = &*module.inner;
    define_globals(store, minner, index);
    define_tags(store, minner, index);
    define_tables(store, minner, index)?;
    define_memories(store, &module.inner, index)?;
    store.resolve_pending_host_funcs();
    apply_element_segments(store, minner, index)?;
    apply_memory_images(store, minner, index)?;
    apply_data_segments(store, minner, index)?;
    run_start(store, minner, index)?;
    Ok(Instance {
        store: store.id,
        index,
    })
}

/// The module belongs to the store's engine, gets as many imports as it declares, and
/// uses nothing this runtime does not support.
fn check_instantiable(store: &StoreOpaque, module: &Module, imports: &[Extern]) -> Result<()> {
    if !Engine::same(&store.engine, &module.inner.engine) {
        return Err(Error::link("module and store belong to different engines"));
    }
    let meta = &module.inner.meta;
    if imports.len() != meta.imports.len() {
        return Err(Error::link(format!(
            "module `{}` needs {} imports, {} were provided",
            module.inner.name,
            meta.imports.len(),
            imports.len()
        )));
    }
    Ok(())
}

/// Store indices of the imported entities, per kind in import order.
struct Imported {
    funcs: Vec<u32>,
    tables: Vec<u32>,
    memories: Vec<u32>,
    globals: Vec<u32>,
    tags: Vec<u32>,
}

impl Imported {
    /// Empty, with room for all of the module's entities (the defined ones follow the
    /// imported ones in the instance's index spaces).
    fn with_capacity(meta: &ModuleMeta) -> Imported {
        let room = |imported: u32, defined: usize| Vec::with_capacity(imported as usize + defined);
        Imported {
            funcs: room(meta.num_imported_funcs(), meta.funcs.len()),
            tables: room(meta.num_imported_tables(), meta.tables.len()),
            memories: room(meta.num_imported_memories(), meta.memories.len()),
            globals: room(meta.num_imported_globals(), meta.globals.len()),
            tags: room(meta.num_imported_tags(), meta.tags.len()),
        }
    }
}

/// Check each import's type and point the VMContext at the exporter's definition.
fn bind_imports(
    store: &mut StoreOpaque,
    module: &Module,
    imports: &[Extern],
    vmctx: &VMContextAlloc,
) -> Result<Imported> {
    let minner = &module.inner;
    let offsets = &vmctx.offsets;
    let mut imported = Imported::with_capacity(&minner.meta);
    for (i, (import, ext)) in minner.meta.imports.iter().zip(imports).enumerate() {
        let incompatible = |detail: String| {
            let imp = &minner.meta.imports[i];
            Error::link(format!(
                "incompatible import type for `{}::{}`: {detail}",
                imp.module, imp.name
            ))
        };
        match (&import.kind, ext) {
            (ImportKind::Func(t), Extern::Func(f)) => {
                let funcref = import_func(store, minner, *t, *f, incompatible)?;
                let n = imported.funcs.len() as u32;
                vmctx.write_usize(offsets.vmctx_imported_func(n), funcref);
                imported.funcs.push(f.index);
            }
            (ImportKind::Table(ty), Extern::Table(t)) => {
                let def = import_table(store, &minner.engine, ty, *t, incompatible)?;
                let n = imported.tables.len() as u32;
                vmctx.write_usize(offsets.vmctx_imported_table(n), def);
                imported.tables.push(t.index);
            }
            (ImportKind::Memory(ty), Extern::Memory(m)) => {
                let def = import_memory(store, minner, ty, *m, incompatible)?;
                let n = imported.memories.len() as u32;
                vmctx.write_usize(offsets.vmctx_imported_memory(n), def);
                imported.memories.push(m.index);
            }
            (ImportKind::Global(ty), Extern::Global(g)) => {
                let def = import_global(store, &minner.engine, ty, *g, incompatible)?;
                let n = imported.globals.len() as u32;
                vmctx.write_usize(offsets.vmctx_imported_global(n), def);
                imported.globals.push(g.index);
            }
            (ImportKind::Tag(ty), Extern::Tag(t)) => {
                let address = import_tag(store, minner, *ty, *t, incompatible)?;
                let n = imported.tags.len() as u32;
                vmctx.write_usize(offsets.vmctx_tag(n), address);
                imported.tags.push(t.index);
            }
            (kind, ext) => return Err(incompatible(kind_mismatch(kind, ext))),
        }
    }
    Ok(imported)
}

/// An imported function of type `type_index`: its funcref. A host function gets the
/// module's wasm→host trampoline for its type if it has none yet.
fn import_func(
    store: &mut StoreOpaque,
    minner: &ModuleInner,
    type_index: u32,
    f: Func,
    incompatible: impl Fn(String) -> Error,
) -> Result<usize> {
    store.check(f.store, "imported function")?;
    let expected = minner.type_ids[type_index as usize];
    let data = &mut store.funcs[f.index as usize];
    if !minner.engine.is_subtype(data.type_id(), expected) {
        let declared = &minner.meta.types[type_index as usize];
        return Err(incompatible(format!(
            "expected {declared}, found {}",
            data.ty
        )));
    }
    if let FuncKind::Host(ctx) = &mut data.kind {
        let off = minner.meta.host_trampolines[type_index as usize];
        if !ctx.has_trampoline() && off != u32::MAX {
            ctx.set_trampoline(minner.code.text_base() + off as usize, minner.code.clone());
        }
    }
    Ok(data.funcref as usize)
}

/// An imported table: its definition's address.
fn import_table(
    store: &StoreOpaque,
    engine: &Engine,
    ty: &crate::abi::TableType,
    t: Table,
    incompatible: impl Fn(String) -> Error,
) -> Result<usize> {
    store.check(t.store, "imported table")?;
    let data = &store.tables[t.index as usize];
    let actual = &data.table.ty;
    if actual.table64 != ty.table64 {
        return Err(incompatible("table index type differs".to_string()));
    }
    let (expected, found) = (ty.exact_ref(), actual.exact_ref());
    if !engine.ref_subtype(expected, found) || !engine.ref_subtype(found, expected) {
        return Err(incompatible(format!(
            "expected table of {expected}, found {found}"
        )));
    }
    let (len, max) = (u64::from(data.table.len()), actual.maximum.map(u64::from));
    if !limits_match(len, max, u64::from(ty.minimum), ty.maximum.map(u64::from)) {
        return Err(incompatible(format!(
            "table limits {}..{:?} do not match declared {}..{:?}",
            len, actual.maximum, ty.minimum, ty.maximum
        )));
    }
    Ok(data.def as usize)
}

/// An imported memory: its definition's address. Its guard region must be at least
/// the one the module's code was compiled for.
fn import_memory(
    store: &StoreOpaque,
    minner: &ModuleInner,
    ty: &crate::abi::MemoryType,
    m: Memory,
    incompatible: impl Fn(String) -> Error,
) -> Result<usize> {
    store.check(m.store, "imported memory")?;
    let data = &store.memories[m.index as usize];
    if data.ty.memory64 != ty.memory64 || data.ty.shared != ty.shared {
        return Err(incompatible("memory kind differs".to_string()));
    }
    if data.ty.page_size_log2 != ty.page_size_log2 {
        return Err(incompatible(format!(
            "memory page size {} differs from the declared {}",
            1u64 << data.ty.page_size_log2,
            1u64 << ty.page_size_log2
        )));
    }
    if !limits_match(data.pages(), data.ty.maximum, ty.minimum, ty.maximum) {
        return Err(incompatible(format!(
            "memory limits {}..{:?} pages do not match declared {}..{:?}",
            data.pages(),
            data.ty.maximum,
            ty.minimum,
            ty.maximum
        )));
    }
    let needed = minner.header.tunables.memory_guard_size;
    if data.guard_size() < needed {
        return Err(incompatible(format!(
            "the memory has a {}-byte guard region, the code needs {needed}",
            data.guard_size(),
        )));
    }
    Ok(data.def as usize)
}

/// An imported global: its definition's address.
fn import_global(
    store: &StoreOpaque,
    engine: &Engine,
    ty: &crate::abi::GlobalType,
    g: Global,
    incompatible: impl Fn(String) -> Error,
) -> Result<usize> {
    store.check(g.store, "imported global")?;
    let data = &store.globals[g.index as usize];
    if !global_matches(engine, &data.ty, ty) {
        let describe = |t: &crate::abi::GlobalType| {
            let mutable = if t.mutable { "mut " } else { "" };
            match t.exact_ref() {
                Some(r) => format!("{mutable}{r}"),
                None => format!("{mutable}{}", t.content),
            }
        };
        return Err(incompatible(format!(
            "expected global {}, found {}",
            describe(ty),
            describe(&data.ty)
        )));
    }
    Ok(data.def as usize)
}

/// Whether a global of type `found` may be imported as `expected`: the same mutability;
/// an immutable one may hold a subtype, a mutable one must hold the same type.
fn global_matches(
    engine: &Engine,
    found: &crate::abi::GlobalType,
    expected: &crate::abi::GlobalType,
) -> bool {
    if found.mutable != expected.mutable || found.content != expected.content {
        return false;
    }
    let (Some(f), Some(e)) = (found.exact_ref(), expected.exact_ref()) else {
        return true;
    };
    engine.ref_subtype(f, e) && (!expected.mutable || engine.ref_subtype(e, f))
}

/// An imported tag: its identity (the address of its `VMTag`). As in Wasmtime, its type
/// must be exactly the import's (tag types are not subtyped).
fn import_tag(
    store: &StoreOpaque,
    minner: &ModuleInner,
    type_index: u32,
    t: Tag,
    incompatible: impl Fn(String) -> Error,
) -> Result<usize> {
    store.check(t.store, "imported tag")?;
    let data = &store.tags[t.index as usize];
    if data.type_id() != minner.type_ids[type_index as usize] {
        let expected = &minner.meta.types[type_index as usize];
        return Err(incompatible(format!(
            "expected tag {expected}, found tag {}",
            data.ty
        )));
    }
    Ok(data.address())
}

/// "expected function, found table" and the like.
fn kind_mismatch(kind: &ImportKind, ext: &Extern) -> String {
    let expected = match kind {
        ImportKind::Func(_) => "function",
        ImportKind::Table(_) => "table",
        ImportKind::Memory(_) => "memory",
        ImportKind::Global(_) => "global",
        ImportKind::Tag(_) => "tag",
    };
    let found = match ext {
        Extern::Func(_) => "function",
        Extern::Table(_) => "table",
        Extern::Memory(_) => "memory",
        Extern::Global(_) => "global",
        Extern::Tag(_) => "tag",
    };
    format!("expected {expected}, found {found}")
}

/// Limits subtyping: `[min, max]` fits inside the declared `[dmin, dmax]`.
fn limits_match(min: u64, max: Option<u64>, dmin: u64, dmax: Option<u64>) -> bool {
    min >= dmin
        && match dmax {
            None => true,
            Some(dmax) => max.is_some_and(|m| m <= dmax),
        }
}

/// The VMContext's header (runtime limits, store, type ids) and the defined functions'
/// `VMFuncRef`s.
fn write_header(store: &mut StoreOpaque, minner: &ModuleInner, vmctx: &VMContextAlloc) {
    let offsets = &vmctx.offsets;
    vmctx.write_usize(
        offsets.vmctx_runtime_limits(),
        &*store.limits as *const _ as usize,
    );
    vmctx.write_usize(offsets.vmctx_store(), store as *mut StoreOpaque as usize);
    for (t, id) in minner.type_ids.iter().enumerate() {
        vmctx.write_u32(offsets.vmctx_type_id(t as u32), *id);
    }
    let text = minner.code.text_base();
    for (i, f) in minner.meta.funcs.iter().enumerate() {
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
}

/// Put the instance in the store (its VMContext's `instance` field pointing to it);
/// returns its index.
fn register(
    store: &mut StoreOpaque,
    module: &Module,
    vmctx: VMContextAlloc,
    imported: Imported,
) -> u32 {
    let meta = &module.inner.meta;
    let index = store.instances.len() as u32;
    let vmctx_addr = vmctx.as_ptr() as usize;
    let mut funcs = imported.funcs;
    funcs.resize(funcs.len() + meta.funcs.len(), NO_FUNC);
    let mut data = Box::new(InstanceData {
        last_wasm_fp: 0,
        last_wasm_pc: 0,
        last_wasm_regs: [0; crate::vm::instance::SAVED_REGS],
        module: module.clone(),
        vmctx,
        index,
        funcs,
        tables: imported.tables,
        memories: imported.memories,
        globals: imported.globals,
        tags: imported.tags,
        elements: Vec::new(),
        data_dropped: vec![false; meta.data.len()],
    });
    let data_ptr: *mut InstanceData = &mut *data;
    let instance_field = data.offsets().vmctx_instance();
    data.vmctx.write_usize(instance_field, data_ptr as usize);
    store.instances.push(data);
    store.vmctx_to_instance.insert(vmctx_addr, index);
    index
}

/// The defined globals, from their initializers.
fn define_globals(store: &mut StoreOpaque, module: &ModuleInner, index: u32) {
    for (i, g) in module.meta.globals.iter().enumerate() {
        let value = store.eval_const(index, &g.init);
        let inst = &store.instances[index as usize];
        let def = inst.vmctx.at(inst.offsets().vmctx_defined_global(i as u32));
        let mut global = GlobalData::borrowed(g.ty, def);
        global.set_bits(value.to_bits());
        store.globals.push(global);
        let gi = store.globals.len() as u32 - 1;
        store.instances[index as usize].globals.push(gi);
    }
}

/// The defined tags: new in the store (their addresses stay put as long as it lives) and
/// published in the VMContext after the imported ones.
fn define_tags(store: &mut StoreOpaque, module: &ModuleInner, index: u32) {
    let nimported = module.meta.num_imported_tags();
    for (i, &t) in module.meta.tags.iter().enumerate() {
        let ty = Arc::new(module.meta.types[t as usize].clone());
        let origin = TagOrigin::Instance {
            instance: index,
            index: nimported + i as u32,
        };
        let ti = store.new_tag(ty, module.type_ids[t as usize], origin);
        let address = store.tags[ti as usize].address();
        let inst = &mut store.instances[index as usize];
        let slot = inst.offsets().vmctx_tag(nimported + i as u32);
        inst.vmctx.write_usize(slot, address);
        inst.tags.push(ti);
    }
}

/// The defined tables, filled with their initial element.
fn define_tables(store: &mut StoreOpaque, module: &ModuleInner, index: u32) -> Result<()> {
    for (i, t) in module.meta.tables.iter().enumerate() {
        let init = match store.eval_const(index, &t.init) {
            ConstVal::Ref(r) => r,
            _ => 0,
        };
        let elements = TableElements::new(t.ty, init)?;
        let inst = &store.instances[index as usize];
        let def = inst.vmctx.at(inst.offsets().vmctx_defined_table(i as u32));
        store.tables.push(TableData::new(elements, def));
        let ti = store.tables.len() as u32 - 1;
        store.instances[index as usize].tables.push(ti);
    }
    Ok(())
}

/// The defined memories (mapping the compiler's image where it can).
fn define_memories(store: &mut StoreOpaque, minner: &Arc<ModuleInner>, index: u32) -> Result<()> {
    let nimported = minner.meta.num_imported_memories();
    for (i, m) in minner.meta.memories.iter().enumerate() {
        let inst = &store.instances[index as usize];
        let slot = inst.offsets().vmctx_defined_memory(i as u32);
        let data = if m.shared {
            // Compiled code reaches a shared memory through a pointer in the slot's first
            // word, to the definition every thread's instances share.
            let shared = SharedMemory::with_tunables(*m, &minner.header.tunables)?;
            inst.vmctx
                .write_usize(slot, shared.definition_ptr() as usize);
            MemoryData::shared(shared)
        } else {
            let image = minner.image_key(nimported + i as u32);
            let memory = LinearMemory::new(m, &minner.header.tunables, image)?;
            MemoryData::new(*m, memory, inst.vmctx.at(slot))
        };
        store.memories.push(data);
        let mi = store.memories.len() as u32 - 1;
        store.instances[index as usize].memories.push(mi);
    }
    Ok(())
}

/// Element segments, in order: evaluated, active ones written into their table and
/// dropped, passive ones kept for `table.init`.
fn apply_element_segments(store: &mut StoreOpaque, module: &ModuleInner, index: u32) -> Result<()> {
    let segments = &module.meta.elements;
    let mut elements = Vec::with_capacity(segments.len());
    let mut result = Ok(());
    for seg in segments {
        let items = element_items(store, index, &seg.items);
        if let SegmentMode::Active { index: t, offset } = &seg.mode {
            let offset = match store.eval_const(index, offset) {
                ConstVal::I32(o) => o as u32,
                // A 64-bit table's offset: beyond 2^32-1 it is out of bounds of any table.
                ConstVal::I64(o) => u32::try_from(o as u64).unwrap_or(u32::MAX),
                _ => 0,
            };
            let ti = store.instances[index as usize].tables[*t as usize];
            if !store.tables[ti as usize].table.init(offset, &items) {
                elements.push(Vec::new());
                result = Err(Error::trap_code_error(TrapCode::TableOutOfBounds));
                break;
            }
        }
        let passive = matches!(seg.mode, SegmentMode::Passive);
        elements.push(if passive { items } else { Vec::new() });
    }
    store.instances[index as usize].elements = elements;
    result
}

/// The funcref words of an element segment's items.
fn element_items(store: &StoreOpaque, index: u32, items: &ElemItems) -> Vec<usize> {
    match items {
        ElemItems::Funcs(funcs) => funcs.iter().map(|&f| store.func_ref(index, f)).collect(),
        ElemItems::Exprs(exprs) => exprs
            .iter()
            .map(|e| match store.eval_const(index, e) {
                ConstVal::Ref(r) => r,
                _ => 0,
            })
            .collect(),
    }
}

/// The memory images the compiler prepared (every active segment it could fold already
/// applied).
fn apply_memory_images(store: &mut StoreOpaque, minner: &ModuleInner, index: u32) -> Result<()> {
    for image in &minner.meta.memory_images {
        let bytes = minner.data_bytes(image.offset, image.len);
        let mi = store.instances[index as usize].memories[image.memory as usize];
        let data = &mut store.memories[mi as usize];
        let file = minner.file_offset(image.offset);
        let start = usize::try_from(image.start).unwrap_or(usize::MAX);
        let written = match data.owned_mut() {
            Some(memory) => memory.write_image(start, bytes, file),
            None => write_bytes(data.as_mut_slice(), start, bytes),
        };
        if bytes.len() as u64 != image.len || !written {
            return Err(Error::load(
                "memory image outside its memory or the data section",
            ));
        }
    }
    Ok(())
}

/// Copy `bytes` to `start` of `memory`; false if they do not fit.
fn write_bytes(memory: &mut [u8], start: usize, bytes: &[u8]) -> bool {
    match start.checked_add(bytes.len()) {
        Some(end) if end <= memory.len() => {
            memory[start..end].copy_from_slice(bytes);
            true
        }
        _ => false,
    }
}

/// The active data segments (those folded into an image have length 0), in order; active
/// and declared ones are dropped.
fn apply_data_segments(store: &mut StoreOpaque, minner: &ModuleInner, index: u32) -> Result<()> {
    for (i, seg) in minner.meta.data.iter().enumerate() {
        if let SegmentMode::Active { index: m, offset } = &seg.mode {
            let offset = match store.eval_const(index, offset) {
                ConstVal::I32(o) => u64::from(o as u32),
                ConstVal::I64(o) => o as u64,
                _ => 0,
            };
            let bytes = minner.data_segment(i);
            let mi = store.instances[index as usize].memories[*m as usize];
            let mem = store.memories[mi as usize].as_mut_slice();
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            if !write_bytes(mem, start, bytes) {
                return Err(Error::trap_code_error(TrapCode::MemoryOutOfBounds));
            }
        }
        if !matches!(seg.mode, SegmentMode::Passive) {
            store.instances[index as usize].data_dropped[i] = true;
        }
    }
    Ok(())
}

/// The start function (defined or imported), through this module's entry trampoline for
/// its type.
fn run_start(store: &mut StoreOpaque, minner: &ModuleInner, index: u32) -> Result<()> {
    let Some(start) = minner.meta.start else {
        return Ok(());
    };
    let func = store.instance_func_any(index, start);
    let funcref = store.funcs[func.index as usize].funcref;
    let type_index = minner.func_type_index(start);
    let entry = match minner.meta.entry_trampolines[type_index as usize] {
        u32::MAX => {
            return Err(Error::unsupported(
                "no entry trampoline for the start function's type",
            ))
        }
        off => minner.code.text_base() + off as usize,
    };
    let mut values = [ValRaw::default()];
    crate::func::invoke_wasm(store as *mut StoreOpaque, funcref, entry, &mut values)
}
