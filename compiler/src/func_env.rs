//! The `FuncEnvironment` cranelift-wasm translates function bodies against: how every
//! module-level entity is reached from compiled code, following `wasmaot_abi`.

use crate::module_env::ModuleInfo;
use crate::signatures::{libcall_signature, value_type, wasm_signature, HIDDEN_PARAMS};
use cranelift_codegen::cursor::FuncCursor;
use cranelift_codegen::entity::{EntityRef, PrimaryMap};
use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, ExtFuncData, ExternalName, FuncRef, Function, GlobalValue,
    GlobalValueData, InstBuilder, MemFlags, Signature, UserExternalName, Value,
};
use cranelift_codegen::isa::{TargetFrontendConfig, TargetIsa};
use cranelift_frontend::FunctionBuilder;
use cranelift_wasm::wasmparser::Operator;
use cranelift_wasm::{
    wasmparser, EngineOrModuleTypeIndex, FuncEnvironment, FuncIndex, FuncTranslationState,
    GlobalIndex, GlobalVariable, Heap, HeapData, HeapStyle, MemoryIndex, ModuleInternedTypeIndex,
    TableData, TableIndex, TableSize, TargetEnvironment, TypeConvert, TypeIndex, WasmError,
    WasmHeapType, WasmResult,
};
use std::collections::HashMap;
use wasmaot_abi::{Libcall, Tunables, VMOffsets};

mod metering;

/// Namespace of `UserExternalName`s that name functions by their object-module `FuncId`.
pub const FUNC_NAMESPACE: u32 = 0;

/// Object-module function ids of the functions compiled code calls by name.
pub struct FuncIds {
    /// Defined function `i` (index among defined functions).
    pub defined: Vec<u32>,
}

pub struct FuncEnv<'a> {
    isa: &'a dyn TargetIsa,
    info: &'a ModuleInfo<'a>,
    offsets: VMOffsets,
    tunables: Tunables,
    ids: &'a FuncIds,
    heaps: PrimaryMap<Heap, HeapData>,
    vmctx: Option<GlobalValue>,
    tables: HashMap<u32, TableData>,
    libcall_sigs: HashMap<Libcall, ir::SigRef>,
    /// The VMContext's `libcalls` pointer, once a libcall is used.
    libcall_table: Option<GlobalValue>,
    /// Fuel bookkeeping, when the module is compiled with `consume_fuel`.
    fuel: Option<metering::Fuel>,
    /// Type indices this function calls indirectly (a host function of such a type may
    /// be called from it, through the module's host trampoline for the type).
    pub indirect_types: Vec<u32>,
}

/// Where a call by function index goes.
enum CallTarget {
    /// A `call` of the callee's `FuncRef` with these arguments.
    Direct(Vec<Value>),
    /// A `call_indirect` with this signature, code pointer and arguments.
    Indirect(ir::SigRef, Value, Vec<Value>),
}

fn trusted_ro() -> MemFlags {
    MemFlags::trusted().with_readonly()
}

fn unsupported<T>(what: &str) -> WasmResult<T> {
    Err(WasmError::Unsupported(what.to_string()))
}

impl<'a> FuncEnv<'a> {
    pub fn new(
        isa: &'a dyn TargetIsa,
        info: &'a ModuleInfo<'a>,
        offsets: VMOffsets,
        tunables: Tunables,
        ids: &'a FuncIds,
    ) -> Self {
        FuncEnv {
            isa,
            info,
            offsets,
            tunables,
            ids,
            heaps: PrimaryMap::new(),
            vmctx: None,
            tables: HashMap::new(),
            libcall_sigs: HashMap::new(),
            libcall_table: None,
            fuel: None,
            indirect_types: Vec::new(),
        }
    }

    fn ptr(&self) -> ir::Type {
        self.isa.pointer_type()
    }

    fn vmctx_gv(&mut self, func: &mut Function) -> GlobalValue {
        *self
            .vmctx
            .get_or_insert_with(|| func.create_global_value(GlobalValueData::VMContext))
    }

    fn vmctx_val(&mut self, pos: &mut FuncCursor) -> Value {
        let gv = self.vmctx_gv(pos.func);
        let ptr = self.ptr();
        pos.ins().global_value(ptr, gv)
    }

    /// A global value loading a pointer from `base + offset`.
    fn load_gv(
        &self,
        func: &mut Function,
        base: GlobalValue,
        offset: u32,
        ty: ir::Type,
        readonly: bool,
    ) -> GlobalValue {
        let flags = if readonly {
            trusted_ro()
        } else {
            MemFlags::trusted()
        };
        func.create_global_value(GlobalValueData::Load {
            base,
            offset: (offset as i32).into(),
            global_type: ty,
            flags,
        })
    }

    /// Install the stack-limit check for the function being compiled.
    pub fn set_stack_limit(&mut self, func: &mut Function) {
        let vmctx = self.vmctx_gv(func);
        let ptr = self.ptr();
        let limits = self.load_gv(func, vmctx, self.offsets.vmctx_runtime_limits(), ptr, true);
        let limit = self.load_gv(func, limits, self.offsets.limits_stack_limit(), ptr, false);
        func.stack_limit = Some(limit);
    }

    fn type_signature(&self, index: u32) -> Signature {
        wasm_signature(self.isa, &self.info.meta.types[index as usize])
    }

    /// Signature and code address of runtime function `call`, read from the libcall table
    /// the VMContext points to (no relocation in the code).
    pub(crate) fn libcall(&mut self, pos: &mut FuncCursor, call: Libcall) -> (ir::SigRef, Value) {
        let sig = match self.libcall_sigs.get(&call) {
            Some(sig) => *sig,
            None => {
                let sig = pos.func.import_signature(libcall_signature(
                    self.isa,
                    call.params(),
                    call.result(),
                ));
                self.libcall_sigs.insert(call, sig);
                sig
            }
        };
        let ptr = self.ptr();
        let table_gv = match self.libcall_table {
            Some(gv) => gv,
            None => {
                let vmctx = self.vmctx_gv(pos.func);
                let gv = self.load_gv(pos.func, vmctx, self.offsets.vmctx_libcalls(), ptr, true);
                self.libcall_table = Some(gv);
                gv
            }
        };
        let table = pos.ins().global_value(ptr, table_gv);
        let slot = self.offsets.libcall_slot(call.index()) as i32;
        let code = pos.ins().load(ptr, trusted_ro(), table, slot);
        (sig, code)
    }

    fn call_libcall(
        &mut self,
        pos: &mut FuncCursor,
        call: Libcall,
        args: &[Value],
    ) -> Option<Value> {
        let (sig, code) = self.libcall(pos, call);
        let vmctx = self.vmctx_val(pos);
        let mut all = vec![vmctx];
        all.extend_from_slice(args);
        let inst = pos.ins().call_indirect(sig, code, &all);
        pos.func.dfg.inst_results(inst).first().copied()
    }

    /// Address of the `VMMemoryDefinition` of memory `index`.
    fn memory_definition(&mut self, pos: &mut FuncCursor, index: MemoryIndex) -> Value {
        let i = index.index() as u32;
        let vmctx = self.vmctx_val(pos);
        let ptr = self.ptr();
        if i < self.info.num_imported_memories {
            pos.ins().load(
                ptr,
                trusted_ro(),
                vmctx,
                self.offsets.vmctx_imported_memory(i) as i32,
            )
        } else {
            let off = self
                .offsets
                .vmctx_defined_memory(i - self.info.num_imported_memories);
            pos.ins().iadd_imm(vmctx, i64::from(off))
        }
    }

    fn table(&mut self, func: &mut Function, index: TableIndex) -> TableData {
        let i = index.index() as u32;
        if let Some(t) = self.tables.get(&i) {
            return t.clone();
        }
        let vmctx = self.vmctx_gv(func);
        let ptr = self.ptr();
        let (base, off) = if i < self.info.num_imported_tables {
            (
                self.load_gv(func, vmctx, self.offsets.vmctx_imported_table(i), ptr, true),
                0,
            )
        } else {
            (
                vmctx,
                self.offsets
                    .vmctx_defined_table(i - self.info.num_imported_tables),
            )
        };
        let base_gv = self.load_gv(func, base, off + self.offsets.table_base(), ptr, false);
        let bound_gv = self.load_gv(
            func,
            base,
            off + self.offsets.table_current_elements(),
            types::I32,
            false,
        );
        let data = TableData {
            base_gv,
            bound: TableSize::Dynamic { bound_gv },
            element_size: u32::from(self.offsets.pointer_size),
        };
        self.tables.insert(i, data.clone());
        data
    }

    fn i32_const(pos: &mut FuncCursor, v: u32) -> Value {
        pos.ins().iconst(types::I32, i64::from(v))
    }

    /// Load the `VMFuncRef` pointer of imported function `index`.
    fn imported_funcref(&mut self, builder: &mut FunctionBuilder, index: u32) -> Value {
        let vmctx_gv = self.vmctx_gv(builder.func);
        let ptr = self.ptr();
        let vmctx = builder.ins().global_value(ptr, vmctx_gv);
        builder.ins().load(
            ptr,
            trusted_ro(),
            vmctx,
            self.offsets.vmctx_imported_func(index) as i32,
        )
    }

    /// Arguments for a call through `funcref`: (code, [callee vmctx, caller vmctx, args...]).
    fn funcref_call_args(
        &mut self,
        builder: &mut FunctionBuilder,
        funcref: Value,
        args: &[Value],
    ) -> (Value, Vec<Value>) {
        let ptr = self.ptr();
        let code = builder.ins().load(
            ptr,
            trusted_ro(),
            funcref,
            self.offsets.funcref_wasm_call() as i32,
        );
        let callee_vmctx = builder.ins().load(
            ptr,
            trusted_ro(),
            funcref,
            self.offsets.funcref_vmctx() as i32,
        );
        let vmctx_gv = self.vmctx_gv(builder.func);
        let caller = builder.ins().global_value(ptr, vmctx_gv);
        let mut all = vec![callee_vmctx, caller];
        all.extend_from_slice(args);
        (code, all)
    }

    /// How to call function `index` by index: a defined function directly (passing our
    /// vmctx as both callee and caller), an imported one through its `VMFuncRef`.
    fn direct_call_target(
        &mut self,
        builder: &mut FunctionBuilder,
        index: FuncIndex,
        callee: FuncRef,
        call_args: &[Value],
    ) -> CallTarget {
        let i = index.as_u32();
        if i < self.info.num_imported_funcs {
            let funcref = self.imported_funcref(builder, i);
            let (code, args) = self.funcref_call_args(builder, funcref, call_args);
            CallTarget::Indirect(builder.func.dfg.ext_funcs[callee].signature, code, args)
        } else {
            let ptr = self.ptr();
            let vmctx_gv = self.vmctx_gv(builder.func);
            let vmctx = builder.ins().global_value(ptr, vmctx_gv);
            let mut args = vec![vmctx, vmctx];
            args.extend_from_slice(call_args);
            CallTarget::Direct(args)
        }
    }

    /// Table lookup and signature check of `call_indirect`; returns the funcref pointer.
    fn checked_indirect_callee(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        type_index: TypeIndex,
        index: Value,
    ) -> Value {
        let table = self.table(builder.func, table_index);
        let ptr = self.ptr();
        let (addr, flags) = table.prepare_table_addr(builder, index, ptr, false);
        let funcref = builder.ins().load(ptr, flags, addr, 0);
        builder
            .ins()
            .trapz(funcref, ir::TrapCode::IndirectCallToNull);
        let vmctx_gv = self.vmctx_gv(builder.func);
        let vmctx = builder.ins().global_value(ptr, vmctx_gv);
        let expected = builder.ins().load(
            types::I32,
            trusted_ro(),
            vmctx,
            self.offsets.vmctx_type_id(type_index.as_u32()) as i32,
        );
        let actual = builder.ins().load(
            types::I32,
            trusted_ro(),
            funcref,
            self.offsets.funcref_type_id() as i32,
        );
        let mismatch = builder.ins().icmp(IntCC::NotEqual, expected, actual);
        builder.ins().trapnz(mismatch, ir::TrapCode::BadSignature);
        funcref
    }

    fn extend_to_i64(pos: &mut FuncCursor, v: Value) -> Value {
        if pos.func.dfg.value_type(v) == types::I64 {
            v
        } else {
            pos.ins().uextend(types::I64, v)
        }
    }
}

impl TypeConvert for FuncEnv<'_> {
    fn lookup_heap_type(&self, index: wasmparser::UnpackedIndex) -> WasmHeapType {
        WasmHeapType::ConcreteFunc(self.lookup_type_index(index))
    }
    fn lookup_type_index(&self, index: wasmparser::UnpackedIndex) -> EngineOrModuleTypeIndex {
        match index {
            wasmparser::UnpackedIndex::Module(i) => {
                EngineOrModuleTypeIndex::Module(ModuleInternedTypeIndex::from_u32(i))
            }
            // Only produced for GC rec groups, which we do not accept.
            other => EngineOrModuleTypeIndex::Module(ModuleInternedTypeIndex::from_u32(
                other.pack().map_or(0, |p| p.as_module_index().unwrap_or(0)),
            )),
        }
    }
}

impl TargetEnvironment for FuncEnv<'_> {
    fn target_config(&self) -> TargetFrontendConfig {
        self.isa.frontend_config()
    }
    fn heap_access_spectre_mitigation(&self) -> bool {
        false
    }
    fn proof_carrying_code(&self) -> bool {
        false
    }
    fn reference_type(&self, _ty: WasmHeapType) -> (ir::Type, bool) {
        (self.ptr(), false)
    }
}

impl FuncEnvironment for FuncEnv<'_> {
    fn is_wasm_parameter(&self, _signature: &Signature, index: usize) -> bool {
        index >= HIDDEN_PARAMS
    }
    fn param_needs_stack_map(&self, _signature: &Signature, _index: usize) -> bool {
        false
    }
    fn sig_ref_result_needs_stack_map(&self, _sig_ref: ir::SigRef, _index: usize) -> bool {
        false
    }
    fn func_ref_result_needs_stack_map(
        &self,
        _func: &Function,
        _func_ref: FuncRef,
        _index: usize,
    ) -> bool {
        false
    }

    fn make_global(
        &mut self,
        func: &mut Function,
        index: GlobalIndex,
    ) -> WasmResult<GlobalVariable> {
        let i = index.as_u32();
        let ty = value_type(self.isa, self.info.globals[i as usize].content);
        let vmctx = self.vmctx_gv(func);
        if i < self.info.num_imported_globals {
            let ptr = self.ptr();
            let gv = self.load_gv(
                func,
                vmctx,
                self.offsets.vmctx_imported_global(i),
                ptr,
                true,
            );
            Ok(GlobalVariable::Memory {
                gv,
                offset: 0.into(),
                ty,
            })
        } else {
            let off = self
                .offsets
                .vmctx_defined_global(i - self.info.num_imported_globals);
            Ok(GlobalVariable::Memory {
                gv: vmctx,
                offset: (off as i32).into(),
                ty,
            })
        }
    }

    fn heaps(&self) -> &PrimaryMap<Heap, HeapData> {
        &self.heaps
    }

    fn make_heap(&mut self, func: &mut Function, index: MemoryIndex) -> WasmResult<Heap> {
        let i = index.as_u32();
        let memory = self.info.memories[i as usize];
        if memory.memory64 {
            return unsupported("64-bit memories");
        }
        let vmctx = self.vmctx_gv(func);
        let ptr = self.ptr();
        let (base, off) = if i < self.info.num_imported_memories {
            (
                self.load_gv(
                    func,
                    vmctx,
                    self.offsets.vmctx_imported_memory(i),
                    ptr,
                    true,
                ),
                0,
            )
        } else {
            (
                vmctx,
                self.offsets
                    .vmctx_defined_memory(i - self.info.num_imported_memories),
            )
        };
        // The base of a 32-bit memory never moves: it is reserved once for its lifetime.
        let base_gv = self.load_gv(func, base, off + self.offsets.memory_base(), ptr, true);
        let page = 1u64 << memory.page_size_log2;
        Ok(self.heaps.push(HeapData {
            base: base_gv,
            min_size: memory.minimum.saturating_mul(page),
            max_size: memory.maximum.map(|m| m.saturating_mul(page)),
            offset_guard_size: self.tunables.memory_guard_size,
            style: HeapStyle::Static {
                bound: self.tunables.memory_reservation,
            },
            index_type: types::I32,
            memory_type: None,
            page_size_log2: memory.page_size_log2,
        }))
    }

    fn make_indirect_sig(
        &mut self,
        func: &mut Function,
        index: TypeIndex,
    ) -> WasmResult<ir::SigRef> {
        self.indirect_types.push(index.as_u32());
        Ok(func.import_signature(self.type_signature(index.as_u32())))
    }

    fn make_direct_func(&mut self, func: &mut Function, index: FuncIndex) -> WasmResult<FuncRef> {
        let i = index.as_u32();
        let sig = func.import_signature(self.type_signature(self.info.func_types[i as usize]));
        // Imported functions are called through their VMFuncRef (see `translate_call`);
        // their name is never emitted.
        let id = match i.checked_sub(self.info.num_imported_funcs) {
            Some(defined) => self.ids.defined[defined as usize],
            None => u32::MAX,
        };
        let name = func.declare_imported_user_function(UserExternalName::new(FUNC_NAMESPACE, id));
        Ok(func.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
        }))
    }

    fn translate_call(
        &mut self,
        builder: &mut FunctionBuilder,
        callee_index: FuncIndex,
        callee: FuncRef,
        call_args: &[Value],
    ) -> WasmResult<ir::Inst> {
        Ok(
            match self.direct_call_target(builder, callee_index, callee, call_args) {
                CallTarget::Direct(args) => builder.ins().call(callee, &args),
                CallTarget::Indirect(sig, code, args) => {
                    builder.ins().call_indirect(sig, code, &args)
                }
            },
        )
    }

    fn translate_return_call(
        &mut self,
        builder: &mut FunctionBuilder,
        callee_index: FuncIndex,
        callee: FuncRef,
        call_args: &[Value],
    ) -> WasmResult<()> {
        match self.direct_call_target(builder, callee_index, callee, call_args) {
            CallTarget::Direct(args) => builder.ins().return_call(callee, &args),
            CallTarget::Indirect(sig, code, args) => {
                builder.ins().return_call_indirect(sig, code, &args)
            }
        };
        Ok(())
    }

    fn translate_call_indirect(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        sig_index: TypeIndex,
        sig_ref: ir::SigRef,
        callee: Value,
        call_args: &[Value],
    ) -> WasmResult<Option<ir::Inst>> {
        let funcref = self.checked_indirect_callee(builder, table_index, sig_index, callee);
        let (code, args) = self.funcref_call_args(builder, funcref, call_args);
        Ok(Some(builder.ins().call_indirect(sig_ref, code, &args)))
    }

    fn translate_return_call_indirect(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        sig_index: TypeIndex,
        sig_ref: ir::SigRef,
        callee: Value,
        call_args: &[Value],
    ) -> WasmResult<()> {
        let funcref = self.checked_indirect_callee(builder, table_index, sig_index, callee);
        let (code, args) = self.funcref_call_args(builder, funcref, call_args);
        builder.ins().return_call_indirect(sig_ref, code, &args);
        Ok(())
    }

    fn translate_return_call_ref(
        &mut self,
        _builder: &mut FunctionBuilder,
        _sig_ref: ir::SigRef,
        _callee: Value,
        _call_args: &[Value],
    ) -> WasmResult<()> {
        unsupported("return_call_ref (typed function references)")
    }

    fn translate_call_ref(
        &mut self,
        _builder: &mut FunctionBuilder,
        _sig_ref: ir::SigRef,
        _callee: Value,
        _call_args: &[Value],
    ) -> WasmResult<ir::Inst> {
        unsupported("call_ref (typed function references)")
    }

    fn translate_memory_grow(
        &mut self,
        mut pos: FuncCursor,
        index: MemoryIndex,
        _heap: Heap,
        val: Value,
    ) -> WasmResult<Value> {
        let mem = Self::i32_const(&mut pos, index.as_u32());
        let delta = Self::extend_to_i64(&mut pos, val);
        let old = self
            .call_libcall(&mut pos, Libcall::MemoryGrow, &[mem, delta])
            .expect("memory_grow returns");
        Ok(pos.ins().ireduce(types::I32, old))
    }

    fn translate_memory_size(
        &mut self,
        mut pos: FuncCursor,
        index: MemoryIndex,
        _heap: Heap,
    ) -> WasmResult<Value> {
        let def = self.memory_definition(&mut pos, index);
        let ptr = self.ptr();
        let len = pos.ins().load(
            ptr,
            MemFlags::trusted(),
            def,
            self.offsets.memory_current_length() as i32,
        );
        let log2 = self.info.memories[index.index()].page_size_log2;
        let pages = pos.ins().ushr_imm(len, i64::from(log2));
        Ok(if ptr == types::I32 {
            pages
        } else {
            pos.ins().ireduce(types::I32, pages)
        })
    }

    fn translate_memory_copy(
        &mut self,
        mut pos: FuncCursor,
        src_index: MemoryIndex,
        _src_heap: Heap,
        dst_index: MemoryIndex,
        _dst_heap: Heap,
        dst: Value,
        src: Value,
        len: Value,
    ) -> WasmResult<()> {
        let dst_mem = Self::i32_const(&mut pos, dst_index.as_u32());
        let src_mem = Self::i32_const(&mut pos, src_index.as_u32());
        let dst = Self::extend_to_i64(&mut pos, dst);
        let src = Self::extend_to_i64(&mut pos, src);
        let len = Self::extend_to_i64(&mut pos, len);
        self.call_libcall(
            &mut pos,
            Libcall::MemoryCopy,
            &[dst_mem, dst, src_mem, src, len],
        );
        Ok(())
    }

    fn translate_memory_fill(
        &mut self,
        mut pos: FuncCursor,
        index: MemoryIndex,
        _heap: Heap,
        dst: Value,
        val: Value,
        len: Value,
    ) -> WasmResult<()> {
        let mem = Self::i32_const(&mut pos, index.as_u32());
        let dst = Self::extend_to_i64(&mut pos, dst);
        let len = Self::extend_to_i64(&mut pos, len);
        self.call_libcall(&mut pos, Libcall::MemoryFill, &[mem, dst, val, len]);
        Ok(())
    }

    fn translate_memory_init(
        &mut self,
        mut pos: FuncCursor,
        index: MemoryIndex,
        _heap: Heap,
        seg_index: u32,
        dst: Value,
        src: Value,
        len: Value,
    ) -> WasmResult<()> {
        let mem = Self::i32_const(&mut pos, index.as_u32());
        let seg = Self::i32_const(&mut pos, seg_index);
        let dst = Self::extend_to_i64(&mut pos, dst);
        self.call_libcall(&mut pos, Libcall::MemoryInit, &[mem, seg, dst, src, len]);
        Ok(())
    }

    fn translate_data_drop(&mut self, mut pos: FuncCursor, seg_index: u32) -> WasmResult<()> {
        let seg = Self::i32_const(&mut pos, seg_index);
        self.call_libcall(&mut pos, Libcall::DataDrop, &[seg]);
        Ok(())
    }

    fn translate_table_size(&mut self, pos: FuncCursor, index: TableIndex) -> WasmResult<Value> {
        let table = self.table(pos.func, index);
        Ok(table.bound.bound(pos, types::I32))
    }

    fn translate_table_grow(
        &mut self,
        mut pos: FuncCursor,
        table_index: TableIndex,
        delta: Value,
        init_value: Value,
    ) -> WasmResult<Value> {
        let table = Self::i32_const(&mut pos, table_index.as_u32());
        Ok(self
            .call_libcall(&mut pos, Libcall::TableGrow, &[table, delta, init_value])
            .expect("table_grow returns"))
    }

    fn translate_table_get(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        index: Value,
    ) -> WasmResult<Value> {
        let table = self.table(builder.func, table_index);
        let ptr = self.ptr();
        let (addr, flags) = table.prepare_table_addr(builder, index, ptr, false);
        Ok(builder.ins().load(ptr, flags, addr, 0))
    }

    fn translate_table_set(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        value: Value,
        index: Value,
    ) -> WasmResult<()> {
        let table = self.table(builder.func, table_index);
        let ptr = self.ptr();
        let (addr, flags) = table.prepare_table_addr(builder, index, ptr, false);
        builder.ins().store(flags, value, addr, 0);
        Ok(())
    }

    fn translate_table_copy(
        &mut self,
        mut pos: FuncCursor,
        dst_table_index: TableIndex,
        src_table_index: TableIndex,
        dst: Value,
        src: Value,
        len: Value,
    ) -> WasmResult<()> {
        let dst_table = Self::i32_const(&mut pos, dst_table_index.as_u32());
        let src_table = Self::i32_const(&mut pos, src_table_index.as_u32());
        self.call_libcall(
            &mut pos,
            Libcall::TableCopy,
            &[dst_table, src_table, dst, src, len],
        );
        Ok(())
    }

    fn translate_table_fill(
        &mut self,
        mut pos: FuncCursor,
        table_index: TableIndex,
        dst: Value,
        val: Value,
        len: Value,
    ) -> WasmResult<()> {
        let table = Self::i32_const(&mut pos, table_index.as_u32());
        self.call_libcall(&mut pos, Libcall::TableFill, &[table, dst, val, len]);
        Ok(())
    }

    fn translate_table_init(
        &mut self,
        mut pos: FuncCursor,
        seg_index: u32,
        table_index: TableIndex,
        dst: Value,
        src: Value,
        len: Value,
    ) -> WasmResult<()> {
        let table = Self::i32_const(&mut pos, table_index.as_u32());
        let seg = Self::i32_const(&mut pos, seg_index);
        self.call_libcall(&mut pos, Libcall::TableInit, &[table, seg, dst, src, len]);
        Ok(())
    }

    fn translate_elem_drop(&mut self, mut pos: FuncCursor, seg_index: u32) -> WasmResult<()> {
        let seg = Self::i32_const(&mut pos, seg_index);
        self.call_libcall(&mut pos, Libcall::ElemDrop, &[seg]);
        Ok(())
    }

    fn translate_ref_null(&mut self, mut pos: FuncCursor, _ty: WasmHeapType) -> WasmResult<Value> {
        let ptr = self.ptr();
        Ok(pos.ins().iconst(ptr, 0))
    }

    fn translate_ref_is_null(&mut self, mut pos: FuncCursor, value: Value) -> WasmResult<Value> {
        let is_null = pos.ins().icmp_imm(IntCC::Equal, value, 0);
        Ok(pos.ins().uextend(types::I32, is_null))
    }

    fn translate_ref_func(
        &mut self,
        mut pos: FuncCursor,
        func_index: FuncIndex,
    ) -> WasmResult<Value> {
        let i = func_index.as_u32();
        let vmctx = self.vmctx_val(&mut pos);
        let ptr = self.ptr();
        Ok(match i.checked_sub(self.info.num_imported_funcs) {
            Some(defined) => pos.ins().iadd_imm(
                vmctx,
                i64::from(self.offsets.vmctx_defined_funcref(defined)),
            ),
            None => pos.ins().load(
                ptr,
                trusted_ro(),
                vmctx,
                self.offsets.vmctx_imported_func(i) as i32,
            ),
        })
    }

    fn translate_custom_global_get(
        &mut self,
        _builder: &mut FunctionBuilder,
        _index: GlobalIndex,
    ) -> WasmResult<Value> {
        unsupported("custom globals")
    }

    fn translate_custom_global_set(
        &mut self,
        _builder: &mut FunctionBuilder,
        _index: GlobalIndex,
        _val: Value,
    ) -> WasmResult<()> {
        unsupported("custom globals")
    }

    fn translate_atomic_wait(
        &mut self,
        _pos: FuncCursor,
        _index: MemoryIndex,
        _heap: Heap,
        _addr: Value,
        _expected: Value,
        _timeout: Value,
    ) -> WasmResult<Value> {
        unsupported("memory.atomic.wait (threads)")
    }

    fn translate_atomic_notify(
        &mut self,
        _pos: FuncCursor,
        _index: MemoryIndex,
        _heap: Heap,
        _addr: Value,
        _count: Value,
    ) -> WasmResult<Value> {
        unsupported("memory.atomic.notify (threads)")
    }

    fn translate_ref_i31(&mut self, _pos: FuncCursor, _val: Value) -> WasmResult<Value> {
        unsupported("i31ref (GC)")
    }

    fn translate_i31_get_s(&mut self, _pos: FuncCursor, _i31ref: Value) -> WasmResult<Value> {
        unsupported("i31ref (GC)")
    }

    fn translate_i31_get_u(&mut self, _pos: FuncCursor, _i31ref: Value) -> WasmResult<Value> {
        unsupported("i31ref (GC)")
    }

    fn after_locals(&mut self, num_locals_defined: usize) {
        if self.tunables.consume_fuel {
            self.fuel = Some(metering::Fuel::new(num_locals_defined));
        }
    }

    fn before_translate_function(
        &mut self,
        builder: &mut FunctionBuilder,
        _state: &FuncTranslationState,
    ) -> WasmResult<()> {
        self.metering_function_entry(builder);
        Ok(())
    }

    fn before_translate_operator(
        &mut self,
        op: &Operator,
        builder: &mut FunctionBuilder,
        state: &FuncTranslationState,
    ) -> WasmResult<()> {
        if state.reachable() {
            self.metering_before_op(op, builder);
        }
        Ok(())
    }

    fn after_translate_operator(
        &mut self,
        op: &Operator,
        builder: &mut FunctionBuilder,
        state: &FuncTranslationState,
    ) -> WasmResult<()> {
        if state.reachable() && self.fuel.is_some() {
            self.metering_after_op(op, builder);
        }
        Ok(())
    }

    fn translate_loop_header(&mut self, builder: &mut FunctionBuilder) -> WasmResult<()> {
        self.metering_loop_header(builder);
        Ok(())
    }

    fn handle_before_return(&mut self, _retvals: &[Value], builder: &mut FunctionBuilder) {
        self.metering_before_return(builder);
    }

    fn has_native_fma(&self) -> bool {
        self.isa.has_native_fma()
    }

    fn is_x86(&self) -> bool {
        self.isa.triple().architecture == target_lexicon::Architecture::X86_64
    }
}
