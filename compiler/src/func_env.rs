//! How compiled code reaches every module-level entity, following `wasmaot_abi`: the
//! VMContext's fields, imported and defined functions, tables, memories, globals, and the
//! runtime's libcalls. The translator (`translate/`) emits through this.

use crate::module_env::ModuleInfo;
use crate::signatures::{libcall_signature, value_type, wasm_signature};
use crate::traps;
use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, ExtFuncData, ExternalName, FuncRef, Function, GlobalValue,
    GlobalValueData, InstBuilder, MemFlagsData, UserExternalName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilder;
use std::collections::HashMap;
use wasmaot_abi::{FuncType, Libcall, MemoryType, TableType, Tunables, VMOffsets};
use wasmparser::Operator;

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
    vmctx: Option<GlobalValue>,
    signatures: HashMap<u32, ir::SigRef>,
    direct_funcs: HashMap<u32, FuncRef>,
    libcall_sigs: HashMap<Libcall, ir::SigRef>,
    /// Fuel bookkeeping, when the module is compiled with `consume_fuel`.
    fuel: Option<metering::Fuel>,
    /// Type indices this function calls indirectly (a host function of such a type may
    /// be called from it, through the module's host trampoline for the type).
    pub indirect_types: Vec<u32>,
}

/// What a memory access touches, for Cranelift's alias analysis: accesses to different
/// regions never alias (a store to linear memory does not clobber a global, so the
/// global's value may stay in a register across it).
#[derive(Clone, Copy)]
pub enum Region {
    Memory(u32),
    Global(u32),
    Table(u32),
}

/// The alias region of `region` in `func`.
pub fn alias_region(func: &mut Function, region: Region) -> ir::AliasRegion {
    let (base, index, what) = match region {
        Region::Memory(i) => (0, i, "memory"),
        Region::Global(i) => (1, i, "global"),
        Region::Table(i) => (2, i, "table"),
    };
    // Ids are unique within a function (we do not inline): the kind in the top two bits.
    let user_id = (base << 30) | (index & 0x3fff_ffff);
    func.dfg.alias_regions.insert(ir::AliasRegionData {
        user_id,
        description: format!("{what} {index}").into(),
    })
}

/// Flags of loads from runtime structures that never change while code runs (such loads
/// may be merged and hoisted).
pub fn trusted_ro() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags of a load of a `VMFuncRef` field: the struct never changes, but the load must not
/// move (no `can_move`): the pointer may be null, and only the null check before the load
/// makes it safe; hoisted above that check (out of a loop, say) it would fault instead of
/// trapping with the check's code.
fn funcref_field() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
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
            vmctx: None,
            signatures: HashMap::new(),
            direct_funcs: HashMap::new(),
            libcall_sigs: HashMap::new(),
            fuel: None,
            indirect_types: Vec::new(),
        }
    }

    pub fn isa(&self) -> &dyn TargetIsa {
        self.isa
    }

    pub fn pointer_type(&self) -> ir::Type {
        self.isa.pointer_type()
    }

    pub fn is_x86(&self) -> bool {
        self.isa.triple().architecture == target_lexicon::Architecture::X86_64
    }

    pub fn has_native_fma(&self) -> bool {
        self.isa.has_native_fma()
    }

    pub fn tunables(&self) -> &Tunables {
        &self.tunables
    }

    /// Type `index` of the module.
    pub fn func_type(&self, index: u32) -> &'a FuncType {
        &self.info.meta.types[index as usize]
    }

    /// Type of memory `index`.
    pub fn memory_type(&self, index: u32) -> MemoryType {
        self.info.memories[index as usize]
    }

    pub fn table_type(&self, index: u32) -> TableType {
        self.info.tables[index as usize]
    }

    fn vmctx_gv(&mut self, func: &mut Function) -> GlobalValue {
        *self
            .vmctx
            .get_or_insert_with(|| func.create_global_value(GlobalValueData::VMContext))
    }

    /// The callee VMContext pointer of the function being compiled.
    pub fn vmctx(&mut self, b: &mut FunctionBuilder) -> Value {
        b.func
            .special_param(ir::ArgumentPurpose::VMContext)
            .expect("wasm signatures have a VMContext parameter")
    }

    /// A global value loading a value of `ty` from `base + offset`.
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
            MemFlagsData::trusted()
        };
        let flags = func.dfg.mem_flags.insert_unchecked(flags);
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
        let ptr = self.pointer_type();
        let limits = self.load_gv(func, vmctx, self.offsets.vmctx_runtime_limits(), ptr, true);
        let limit = self.load_gv(func, limits, self.offsets.limits_stack_limit(), ptr, false);
        func.stack_limit = Some(limit);
    }

    /// Signature and code address of runtime function `call`, read from the libcall table
    /// the VMContext points to (no relocation in the code).
    pub fn libcall(&mut self, b: &mut FunctionBuilder, call: Libcall) -> (ir::SigRef, Value) {
        let sig = match self.libcall_sigs.get(&call) {
            Some(sig) => *sig,
            None => {
                let sig = libcall_signature(self.isa, call.params(), call.result());
                let sig = b.import_signature(sig);
                self.libcall_sigs.insert(call, sig);
                sig
            }
        };
        let ptr = self.pointer_type();
        let vmctx = self.vmctx(b);
        let table_off = self.offsets.vmctx_libcalls() as i32;
        let table = b.ins().load(ptr, trusted_ro(), vmctx, table_off);
        let slot = self.offsets.libcall_slot(call.index()) as i32;
        let code = b.ins().load(ptr, trusted_ro(), table, slot);
        (sig, code)
    }

    /// Call runtime function `call` with the VMContext and `args`; its result, if any.
    pub fn call_libcall(
        &mut self,
        b: &mut FunctionBuilder,
        call: Libcall,
        args: &[Value],
    ) -> Option<Value> {
        let (sig, code) = self.libcall(b, call);
        let vmctx = self.vmctx(b);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(vmctx);
        all.extend_from_slice(args);
        let inst = b.ins().call_indirect(sig, code, &all);
        b.inst_results(inst).first().copied()
    }

    /// `(definition base, offset)` of an entity whose definition is either imported (the
    /// VMContext holds a pointer to it) or defined (inline in the VMContext).
    fn definition(
        &mut self,
        b: &mut FunctionBuilder,
        imported: Option<u32>,
        defined: u32,
    ) -> (Value, u32) {
        let vmctx = self.vmctx(b);
        match imported {
            Some(off) => {
                let ptr = self.pointer_type();
                (b.ins().load(ptr, trusted_ro(), vmctx, off as i32), 0)
            }
            None => (vmctx, defined),
        }
    }

    /// Address of global `index`'s value.
    fn global_addr(&mut self, b: &mut FunctionBuilder, index: u32) -> (Value, i32) {
        let n = self.info.num_imported_globals;
        let (imported, defined) = if index < n {
            (Some(self.offsets.vmctx_imported_global(index)), 0)
        } else {
            (None, self.offsets.vmctx_defined_global(index - n))
        };
        let (base, off) = self.definition(b, imported, defined);
        (base, off as i32)
    }

    fn global_flags(b: &mut FunctionBuilder, index: u32) -> MemFlagsData {
        let region = alias_region(b.func, Region::Global(index));
        MemFlagsData::trusted().with_alias_region(Some(region))
    }

    pub fn global_get(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let ty = value_type(self.isa, self.info.globals[index as usize].content);
        let (base, off) = self.global_addr(b, index);
        let flags = Self::global_flags(b, index);
        b.ins().load(ty, flags, base, off)
    }

    pub fn global_set(&mut self, b: &mut FunctionBuilder, index: u32, v: Value) {
        let (base, off) = self.global_addr(b, index);
        let flags = Self::global_flags(b, index);
        b.ins().store(flags, v, base, off);
    }

    /// Address of memory `index`'s `VMMemoryDefinition`. A defined shared memory's slot
    /// holds a pointer to the definition all its users share, as an import's does.
    pub fn memory_definition(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let n = self.info.num_imported_memories;
        let (imported, defined) = if index < n {
            (Some(self.offsets.vmctx_imported_memory(index)), 0)
        } else if self.info.memories[index as usize].shared {
            (Some(self.offsets.vmctx_defined_memory(index - n)), 0)
        } else {
            (None, self.offsets.vmctx_defined_memory(index - n))
        };
        let (base, off) = self.definition(b, imported, defined);
        if off == 0 {
            base
        } else {
            b.ins().iadd_imm_s(base, i64::from(off))
        }
    }

    /// The base address of memory `index` (it never moves: 32-bit memories are reserved
    /// once for their lifetime).
    pub fn memory_base(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let def = self.memory_definition(b, index);
        let off = self.offsets.memory_base() as i32;
        b.ins().load(self.pointer_type(), trusted_ro(), def, off)
    }

    /// Current length in bytes of memory `index` (pointer-sized).
    pub fn memory_length(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let def = self.memory_definition(b, index);
        let off = self.offsets.memory_current_length() as i32;
        b.ins()
            .load(self.pointer_type(), MemFlagsData::trusted(), def, off)
    }

    /// Address of table `index`'s `VMTableDefinition`.
    fn table_definition(&mut self, b: &mut FunctionBuilder, index: u32) -> (Value, u32) {
        let n = self.info.num_imported_tables;
        let (imported, defined) = if index < n {
            (Some(self.offsets.vmctx_imported_table(index)), 0)
        } else {
            (None, self.offsets.vmctx_defined_table(index - n))
        };
        self.definition(b, imported, defined)
    }

    /// Current number of elements of table `index` (I32).
    pub fn table_size(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let (def, off) = self.table_definition(b, index);
        let off = (off + self.offsets.table_current_elements()) as i32;
        b.ins().load(types::I32, MemFlagsData::trusted(), def, off)
    }

    /// Address of element `elem` of table `index`, trapping when it is out of bounds.
    pub fn table_element_addr(
        &mut self,
        b: &mut FunctionBuilder,
        index: u32,
        elem: Value,
    ) -> Value {
        let (def, off) = self.table_definition(b, index);
        let size_off = (off + self.offsets.table_current_elements()) as i32;
        let size = b
            .ins()
            .load(types::I32, MemFlagsData::trusted(), def, size_off);
        let oob = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, elem, size);
        b.ins().trapnz(oob, traps::TABLE_OUT_OF_BOUNDS);
        let ptr = self.pointer_type();
        let base_off = (off + self.offsets.table_base()) as i32;
        let base = b.ins().load(ptr, MemFlagsData::trusted(), def, base_off);
        let elem = b.ins().uextend(ptr, elem);
        let scaled = b
            .ins()
            .ishl_imm_u(elem, i64::from(ptr.bytes().trailing_zeros()));
        b.ins().iadd(base, scaled)
    }

    /// The `VMFuncRef` pointer of function `index` (`ref.func`).
    pub fn funcref(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let vmctx = self.vmctx(b);
        match index.checked_sub(self.info.num_imported_funcs) {
            Some(defined) => b.ins().iadd_imm_s(
                vmctx,
                i64::from(self.offsets.vmctx_defined_funcref(defined)),
            ),
            None => {
                let off = self.offsets.vmctx_imported_func(index) as i32;
                b.ins().load(self.pointer_type(), trusted_ro(), vmctx, off)
            }
        }
    }

    /// The signature of functions of type `index`.
    pub fn signature(&mut self, b: &mut FunctionBuilder, index: u32) -> ir::SigRef {
        if let Some(sig) = self.signatures.get(&index) {
            return *sig;
        }
        let sig = b.import_signature(wasm_signature(self.isa, self.func_type(index)));
        self.signatures.insert(index, sig);
        sig
    }

    /// The type index of function `index`.
    pub fn func_type_index(&self, index: u32) -> u32 {
        self.info.func_types[index as usize]
    }

    /// Whether function `index` is imported.
    pub fn is_imported_func(&self, index: u32) -> bool {
        index < self.info.num_imported_funcs
    }

    /// The `FuncRef` of defined function `index`, called by name.
    pub fn direct_func(&mut self, b: &mut FunctionBuilder, index: u32) -> FuncRef {
        if let Some(f) = self.direct_funcs.get(&index) {
            return *f;
        }
        let signature = self.signature(b, self.func_type_index(index));
        let defined = index - self.info.num_imported_funcs;
        let id = self.ids.defined[defined as usize];
        let name = b
            .func
            .declare_imported_user_function(UserExternalName::new(FUNC_NAMESPACE, id));
        let f = b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        });
        self.direct_funcs.insert(index, f);
        f
    }

    /// Code address and leading arguments (callee vmctx, caller vmctx) of a call through
    /// `funcref`.
    pub fn funcref_callee(
        &mut self,
        b: &mut FunctionBuilder,
        funcref: Value,
    ) -> (Value, [Value; 2]) {
        let ptr = self.pointer_type();
        let code_off = self.offsets.funcref_wasm_call() as i32;
        let code = b.ins().load(ptr, funcref_field(), funcref, code_off);
        let vmctx_off = self.offsets.funcref_vmctx() as i32;
        let callee_vmctx = b.ins().load(ptr, funcref_field(), funcref, vmctx_off);
        let caller = self.vmctx(b);
        (code, [callee_vmctx, caller])
    }

    /// The `VMFuncRef` pointer of imported function `index`.
    pub fn imported_funcref(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let vmctx = self.vmctx(b);
        let off = self.offsets.vmctx_imported_func(index) as i32;
        b.ins().load(self.pointer_type(), trusted_ro(), vmctx, off)
    }

    /// Record a call through a funcref of type `type_index`: a host function may be the
    /// callee, so that type needs a wasm→host trampoline.
    pub fn call_through_funcref(&mut self, type_index: u32) {
        self.indirect_types.push(type_index);
    }

    /// Trap unless `funcref` is non-null and of type `type_index` (`call_indirect`).
    pub fn check_indirect_callee(
        &mut self,
        b: &mut FunctionBuilder,
        funcref: Value,
        type_index: u32,
    ) {
        self.call_through_funcref(type_index);
        b.ins().trapz(funcref, traps::INDIRECT_CALL_TO_NULL);
        let matches = self.funcref_has_type(b, funcref, type_index);
        b.ins().trapz(matches, traps::BAD_SIGNATURE);
    }

    /// Whether the non-null `funcref` is of type `type_index` or a subtype of it (an
    /// `i8`, 1 if so). Equal type ids decide; only for a type that is not final may
    /// different ids still be a subtype, which the runtime then checks.
    pub fn funcref_has_type(
        &mut self,
        b: &mut FunctionBuilder,
        funcref: Value,
        type_index: u32,
    ) -> Value {
        let vmctx = self.vmctx(b);
        let expected_off = self.offsets.vmctx_type_id(type_index) as i32;
        let expected = b.ins().load(types::I32, trusted_ro(), vmctx, expected_off);
        let actual_off = self.offsets.funcref_type_id() as i32;
        let actual = b
            .ins()
            .load(types::I32, funcref_field(), funcref, actual_off);
        let equal = b.ins().icmp(IntCC::Equal, expected, actual);
        let is_final = self.info.meta.type_decls[type_index as usize].is_final;
        if is_final {
            return equal;
        }
        let slow = b.create_block();
        let done = b.create_block();
        let result = b.append_block_param(done, types::I8);
        b.ins().brif(equal, done, &[equal.into()], slow, &[]);
        b.seal_block(slow);
        b.switch_to_block(slow);
        b.set_cold_block(slow);
        let is_subtype = self
            .call_libcall(b, Libcall::IsSubtype, &[actual, expected])
            .expect("is_subtype returns a value");
        let is_subtype = b.ins().icmp_imm_u(IntCC::NotEqual, is_subtype, 0);
        b.ins().jump(done, &[is_subtype.into()]);
        b.seal_block(done);
        b.switch_to_block(done);
        result
    }

    /// The type index of tag `index`.
    pub fn tag_type_index(&self, index: u32) -> u32 {
        self.info.tags[index as usize]
    }

    /// The identity (the runtime tag's address) of tag `index`.
    pub fn tag_identity(&mut self, b: &mut FunctionBuilder, index: u32) -> Value {
        let vmctx = self.vmctx(b);
        let off = self.offsets.vmctx_tag(index) as i32;
        b.ins().load(self.pointer_type(), trusted_ro(), vmctx, off)
    }

    /// Offset in an exception object of the tag it was thrown with.
    pub fn exn_tag_offset(&self) -> i32 {
        self.offsets.exn_tag() as i32
    }

    /// Offset in an exception object of payload value `i`.
    pub fn exn_value_offset(&self, i: usize) -> i32 {
        (self.offsets.exn_values() + i as u32 * wasmaot_abi::VAL_RAW_SIZE) as i32
    }

    /// Set up fuel bookkeeping and check the limits at function entry (after the locals
    /// are declared).
    pub fn function_entry(&mut self, b: &mut FunctionBuilder) {
        if self.tunables.consume_fuel {
            self.fuel = Some(metering::Fuel::new(b));
        }
        self.metering_function_entry(b);
    }

    pub fn before_operator(&mut self, op: &Operator, b: &mut FunctionBuilder) {
        self.metering_before_op(op, b);
    }

    pub fn after_operator(&mut self, op: &Operator, b: &mut FunctionBuilder) {
        if self.fuel.is_some() {
            self.metering_after_op(op, b);
        }
    }

    pub fn loop_header(&mut self, b: &mut FunctionBuilder) {
        self.metering_loop_header(b);
    }

    pub fn before_return(&mut self, b: &mut FunctionBuilder) {
        self.metering_before_return(b);
    }
}
