//! Reading a WebAssembly module: validation with wasmparser and conversion of every
//! section into the artifact's `ModuleMeta`. Function bodies are kept (with their
//! validators) for the code generator.
//!
//! Function bodies are translated by `translate/`; everything else is read here.

use crate::CompileError;
use wasmaot_abi::{self as abi, features, ConstExpr, ConstOp, ValType};
use wasmparser::{
    self, BinaryReaderError, CompositeInnerType, DataKind, DataSectionReader, Element,
    ElementItems, ElementKind, ElementSectionReader, ExportSectionReader, ExternalKind,
    FuncToValidate, FunctionBody, FunctionSectionReader, GlobalSectionReader, ImportSectionReader,
    KnownCustom, MemorySectionReader, Name, Operator, Parser, Payload, RefType, TableInit,
    TableSectionReader, TagSectionReader, TypeRef, TypeSectionReader, ValidPayload, Validator,
    ValidatorResources, WasmFeatures,
};

/// A function body waiting to be compiled.
pub struct FunctionInput<'data> {
    pub validator: FuncToValidate<ValidatorResources>,
    pub body: FunctionBody<'data>,
}

/// Everything known about a module before code generation.
#[derive(Default)]
pub struct ModuleInfo<'data> {
    /// Module metadata; `funcs[*].text_offset/len`, trampolines and trap sites are filled in
    /// after code generation.
    pub meta: abi::ModuleMeta,
    /// Type index of every function, imported ones first.
    pub func_types: Vec<u32>,
    /// Type of every table / memory / global, imported ones first.
    pub tables: Vec<abi::TableType>,
    pub memories: Vec<abi::MemoryType>,
    pub globals: Vec<abi::GlobalType>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    /// Type index of every tag, imported ones first.
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub bodies: Vec<FunctionInput<'data>>,
    /// Bytes of all data segments, in order; `meta.data[i]` indexes into it.
    pub data_bytes: Vec<u8>,
}

fn invalid(e: BinaryReaderError) -> CompileError {
    CompileError::Invalid {
        offset: e.offset() as usize,
        message: e.message().to_string(),
    }
}

/// The wasmparser feature set for our feature bits.
pub fn wasmparser_features(bits: u64) -> WasmFeatures {
    let mut f = WasmFeatures::FLOATS | WasmFeatures::GC_TYPES;
    let map = [
        (features::MUTABLE_GLOBAL, WasmFeatures::MUTABLE_GLOBAL),
        (
            features::SATURATING_FLOAT_TO_INT,
            WasmFeatures::SATURATING_FLOAT_TO_INT,
        ),
        (features::SIGN_EXTENSION, WasmFeatures::SIGN_EXTENSION),
        (features::MULTI_VALUE, WasmFeatures::MULTI_VALUE),
        (features::BULK_MEMORY, WasmFeatures::BULK_MEMORY),
        (features::REFERENCE_TYPES, WasmFeatures::REFERENCE_TYPES),
        (features::SIMD, WasmFeatures::SIMD),
        (features::RELAXED_SIMD, WasmFeatures::RELAXED_SIMD),
        (features::EXTENDED_CONST, WasmFeatures::EXTENDED_CONST),
        (features::MULTI_MEMORY, WasmFeatures::MULTI_MEMORY),
        (features::TAIL_CALL, WasmFeatures::TAIL_CALL),
        (
            features::EXCEPTIONS,
            WasmFeatures::EXCEPTIONS.union(WasmFeatures::LEGACY_EXCEPTIONS),
        ),
        (features::THREADS, WasmFeatures::THREADS),
        (features::MEMORY64, WasmFeatures::MEMORY64),
        (features::CUSTOM_PAGE_SIZES, WasmFeatures::CUSTOM_PAGE_SIZES),
        (
            features::FUNCTION_REFERENCES,
            WasmFeatures::FUNCTION_REFERENCES,
        ),
        (features::GC, WasmFeatures::GC),
    ];
    for (ours, theirs) in map {
        if bits & ours != 0 {
            f |= theirs;
        }
    }
    f
}

fn val_type(t: wasmparser::ValType, offset: usize) -> Result<ValType, CompileError> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ref_type(r, offset)?,
    })
}

/// The runtime representation of a reference type. Typed function references (any
/// nullability, a concrete function type, `func` or `nofunc`) are function references;
/// likewise for `extern`, `exn` and `any` (`any`, `eq`, `i31`, `none`). The type section
/// holds only function types (struct and array types are refused there), so a concrete
/// type is a function type.
fn ref_type(r: RefType, offset: usize) -> Result<ValType, CompileError> {
    use wasmparser::{AbstractHeapType as A, HeapType};
    match r.heap_type() {
        HeapType::Concrete(_) | HeapType::Exact(_) => Ok(ValType::FuncRef),
        HeapType::Abstract { shared: false, ty } => match ty {
            A::Func | A::NoFunc => Ok(ValType::FuncRef),
            A::Extern | A::NoExtern => Ok(ValType::ExternRef),
            A::Exn | A::NoExn => Ok(ValType::ExnRef),
            A::Any | A::Eq | A::I31 | A::None => Ok(ValType::AnyRef),
            A::Struct | A::Array | A::Cont | A::NoCont => Err(CompileError::Unsupported(format!(
                "reference type {r:?} (GC) at byte offset {offset:#x}"
            ))),
        },
        HeapType::Abstract { shared: true, .. } => Err(CompileError::Unsupported(format!(
            "shared reference type {r:?} at byte offset {offset:#x}"
        ))),
    }
}

/// A function type of the type section (at byte `offset`, in the recursion group that
/// starts at type `rec_group`): its flat signature and its declaration. Struct, array
/// and shared types are refused.
fn func_type_decl(
    sub: &wasmparser::SubType,
    rec_group: u32,
    offset: usize,
) -> Result<(abi::FuncType, abi::TypeDecl), CompileError> {
    if sub.composite_type.shared {
        return Err(CompileError::Unsupported(format!(
            "a shared type at byte offset {offset:#x}"
        )));
    }
    let CompositeInnerType::Func(f) = &sub.composite_type.inner else {
        return Err(CompileError::Unsupported(format!(
            "GC struct/array type at byte offset {offset:#x}"
        )));
    };
    let all = f.params().iter().chain(f.results());
    let refs = all
        .filter_map(|t| match t {
            wasmparser::ValType::Ref(r) => Some(exact_ref(*r, rec_group, offset)),
            _ => None,
        })
        .collect::<Result<_, _>>()?;
    let val_types = |types: &[wasmparser::ValType]| {
        types
            .iter()
            .map(|t| val_type(*t, offset))
            .collect::<Result<_, _>>()
    };
    let ty = abi::FuncType {
        params: val_types(f.params())?,
        results: val_types(f.results())?,
    };
    // Wasm allows at most one supertype (the validator checked).
    let supertype = sub
        .supertype_idxs
        .first()
        .map(|i| type_index(i.unpack(), rec_group, offset))
        .transpose()?;
    let decl = abi::TypeDecl {
        rec_group,
        is_final: sub.is_final,
        supertype,
        refs,
    };
    Ok((ty, decl))
}

/// The module type index of `index` (a recursion-group index counts from `rec_group`).
fn type_index(
    index: wasmparser::UnpackedIndex,
    rec_group: u32,
    offset: usize,
) -> Result<u32, CompileError> {
    match index {
        wasmparser::UnpackedIndex::Module(i) => Ok(i),
        wasmparser::UnpackedIndex::RecGroup(i) => Ok(rec_group + i),
        wasmparser::UnpackedIndex::Id(_) => Err(CompileError::Unsupported(format!(
            "a canonicalized type index at byte offset {offset:#x}"
        ))),
    }
}

/// The exact reference type of `r` (its representation is `ref_type`'s).
fn exact_ref(r: RefType, rec_group: u32, offset: usize) -> Result<abi::RefType, CompileError> {
    use abi::HeapType as H;
    use wasmparser::{AbstractHeapType as A, HeapType};
    ref_type(r, offset)?; // refuses shared and GC heap types with their message
    let heap = match r.heap_type() {
        HeapType::Concrete(i) | HeapType::Exact(i) => H::Module(type_index(i, rec_group, offset)?),
        HeapType::Abstract { ty, .. } => match ty {
            A::Func => H::Func,
            A::NoFunc => H::NoFunc,
            A::Extern => H::Extern,
            A::NoExtern => H::NoExtern,
            A::Any => H::Any,
            A::Eq => H::Eq,
            A::I31 => H::I31,
            A::None => H::None,
            A::Exn => H::Exn,
            A::NoExn => H::NoExn,
            A::Struct | A::Array | A::Cont | A::NoCont => {
                return Err(CompileError::Unsupported(format!(
                    "reference type {r:?} (GC) at byte offset {offset:#x}"
                )))
            }
        },
    };
    Ok(abi::RefType {
        nullable: r.is_nullable(),
        heap,
    })
}

/// The exact type of `r` where it is not the nullable top of its representation (what
/// tables and globals record).
fn refinement(r: RefType, offset: usize) -> Result<Option<abi::RefType>, CompileError> {
    let exact = exact_ref(r, 0, offset)?;
    Ok(Some(exact).filter(|e| Some(*e) != abi::RefType::top(e.val_type())))
}

fn table_type(t: &wasmparser::TableType, offset: usize) -> Result<abi::TableType, CompileError> {
    // Tables hold at most 2^32-1 elements here: a 64-bit table's larger limits are
    // recorded as that (a larger minimum then fails at instantiation, as too large).
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(abi::TableType {
        element: ref_type(t.element_type, offset)?,
        minimum: clamp(t.initial),
        maximum: t.maximum.map(clamp),
        table64: t.table64,
        ref_type: refinement(t.element_type, offset)?,
    })
}

fn memory_type(m: &wasmparser::MemoryType) -> abi::MemoryType {
    abi::MemoryType {
        minimum: m.initial,
        maximum: m.maximum,
        memory64: m.memory64,
        shared: m.shared,
        page_size_log2: m.page_size_log2.unwrap_or(16) as u8,
    }
}

fn global_type(g: &wasmparser::GlobalType, offset: usize) -> Result<abi::GlobalType, CompileError> {
    let ref_type = match g.content_type {
        wasmparser::ValType::Ref(r) => refinement(r, offset)?,
        _ => None,
    };
    Ok(abi::GlobalType {
        content: val_type(g.content_type, offset)?,
        mutable: g.mutable,
        ref_type,
    })
}

fn const_expr(e: &wasmparser::ConstExpr) -> Result<ConstExpr, CompileError> {
    let mut ops = Vec::new();
    let mut reader = e.get_operators_reader();
    loop {
        let offset = reader.original_position();
        let op = reader.read().map_err(invalid)?;
        ops.push(match op {
            Operator::End => break,
            Operator::I32Const { value } => ConstOp::I32Const(value),
            Operator::I64Const { value } => ConstOp::I64Const(value),
            Operator::F32Const { value } => ConstOp::F32Const(value.bits()),
            Operator::F64Const { value } => ConstOp::F64Const(value.bits()),
            Operator::V128Const { value } => {
                ConstOp::V128Const(u128::from_le_bytes(*value.bytes()))
            }
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::RefNull { .. } => ConstOp::RefNull,
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::RefI31 => ConstOp::RefI31,
            Operator::AnyConvertExtern => ConstOp::AnyConvertExtern,
            Operator::ExternConvertAny => ConstOp::ExternConvertAny,
            other => {
                return Err(CompileError::Unsupported(format!(
                    "constant expression operator {other:?} at byte offset {offset:#x}"
                )))
            }
        });
    }
    Ok(ConstExpr(ops))
}

/// Validate `wasm` and read it into a [`ModuleInfo`].
pub fn read_module(wasm: &[u8], feature_bits: u64) -> Result<ModuleInfo<'_>, CompileError> {
    let features = wasmparser_features(feature_bits);
    let mut validator = Validator::new_with_features(features);
    // The parser's readers need the features too: with multi-memory off, the memory index
    // of `memory.size`/`memory.grow` must be a single zero byte.
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut info = ModuleInfo::default();
    let mut names_section = None;
    // The first thing we do not compile; the rest of the module is still validated, so
    // that an invalid module is reported as invalid.
    let mut unsupported = None;
    for payload in parser.parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        match validator.payload(&payload).map_err(invalid)? {
            ValidPayload::Func(validator, body) => {
                let input = FunctionInput { validator, body };
                if unsupported.is_some() {
                    validate_body(input)?;
                } else {
                    info.bodies.push(input);
                }
                continue;
            }
            ValidPayload::Parser(_) => {
                let at = payload.as_section().map_or(0, |(_, range)| range.start);
                return Err(CompileError::Unsupported(format!(
                    "nested modules or components (section at byte offset {at:#x})"
                )));
            }
            ValidPayload::Ok | ValidPayload::End(_) => {}
        }
        if unsupported.is_some() {
            continue;
        }
        match info.read_section(payload, &mut names_section) {
            Err(CompileError::Unsupported(what)) => {
                for input in info.bodies.drain(..) {
                    validate_body(input)?;
                }
                unsupported = Some(CompileError::Unsupported(what));
            }
            other => other?,
        }
    }
    if let Some(e) = unsupported {
        return Err(e);
    }
    if let Some(section) = names_section {
        read_names(&section, &mut info.meta);
    }
    Ok(info)
}

/// Validate a function body that will not be compiled.
fn validate_body(input: FunctionInput) -> Result<(), CompileError> {
    let mut validator = input.validator.into_validator(Default::default());
    validator.validate(&input.body).map_err(invalid)
}

/// Reading the sections, one method per section kind.
impl<'data> ModuleInfo<'data> {
    /// Read one (validated) section; the name section is kept in `names` for the end.
    fn read_section(
        &mut self,
        payload: Payload<'data>,
        names: &mut Option<wasmparser::CustomSectionReader<'data>>,
    ) -> Result<(), CompileError> {
        match payload {
            Payload::TypeSection(reader) => self.read_types(reader),
            Payload::ImportSection(reader) => self.read_imports(reader),
            Payload::FunctionSection(reader) => self.read_functions(reader),
            Payload::TableSection(reader) => self.read_tables(reader),
            Payload::MemorySection(reader) => self.read_memories(reader),
            Payload::GlobalSection(reader) => self.read_globals(reader),
            Payload::TagSection(reader) => self.read_tags(reader),
            Payload::ExportSection(reader) => self.read_exports(reader),
            Payload::StartSection { func, .. } => {
                self.meta.start = Some(func);
                Ok(())
            }
            Payload::ElementSection(reader) => self.read_elements(reader),
            Payload::DataSection(reader) => self.read_data(reader),
            Payload::CustomSection(c) if c.name() == "name" => {
                *names = Some(c);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn read_types(&mut self, reader: TypeSectionReader) -> Result<(), CompileError> {
        for group in reader.into_iter_with_offsets() {
            let (offset, group) = group.map_err(invalid)?;
            let offset = offset as usize;
            let rec_group = self.meta.types.len() as u32;
            for sub in group.into_types() {
                let (ty, decl) = func_type_decl(&sub, rec_group, offset)?;
                self.meta.types.push(ty);
                self.meta.type_decls.push(decl);
            }
        }
        Ok(())
    }

    fn read_imports(&mut self, reader: ImportSectionReader) -> Result<(), CompileError> {
        for import in reader.into_imports_with_offsets() {
            let (offset, import) = import.map_err(invalid)?;
            let offset = offset as usize;
            let kind = self.import_kind(import.ty, offset)?;
            self.meta.imports.push(abi::Import {
                module: import.module.to_string(),
                name: import.name.to_string(),
                kind,
            });
        }
        Ok(())
    }

    /// What an import provides, recorded in the index space it joins.
    fn import_kind(&mut self, ty: TypeRef, offset: usize) -> Result<abi::ImportKind, CompileError> {
        Ok(match ty {
            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                self.func_types.push(t);
                self.num_imported_funcs += 1;
                abi::ImportKind::Func(t)
            }
            TypeRef::Table(t) => {
                let t = table_type(&t, offset)?;
                self.tables.push(t);
                self.num_imported_tables += 1;
                abi::ImportKind::Table(t)
            }
            TypeRef::Memory(m) => {
                let m = memory_type(&m);
                self.memories.push(m);
                self.num_imported_memories += 1;
                abi::ImportKind::Memory(m)
            }
            TypeRef::Global(g) => {
                let g = global_type(&g, offset)?;
                self.globals.push(g);
                self.num_imported_globals += 1;
                abi::ImportKind::Global(g)
            }
            TypeRef::Tag(t) => {
                self.tags.push(t.func_type_idx);
                self.num_imported_tags += 1;
                abi::ImportKind::Tag(t.func_type_idx)
            }
        })
    }

    fn read_functions(&mut self, reader: FunctionSectionReader) -> Result<(), CompileError> {
        for t in reader {
            let t = t.map_err(invalid)?;
            self.func_types.push(t);
            self.meta.funcs.push(abi::FuncMeta {
                type_index: t,
                text_offset: 0,
                text_len: 0,
            });
        }
        Ok(())
    }

    fn read_tables(&mut self, reader: TableSectionReader) -> Result<(), CompileError> {
        for table in reader.into_iter_with_offsets() {
            let (offset, table) = table.map_err(invalid)?;
            let offset = offset as usize;
            let ty = table_type(&table.ty, offset)?;
            let init = match &table.init {
                TableInit::RefNull => ConstExpr(vec![ConstOp::RefNull]),
                TableInit::Expr(e) => const_expr(e)?,
            };
            self.tables.push(ty);
            self.meta.tables.push(abi::TableDef { ty, init });
        }
        Ok(())
    }

    fn read_memories(&mut self, reader: MemorySectionReader) -> Result<(), CompileError> {
        for m in reader {
            let m = memory_type(&m.map_err(invalid)?);
            self.memories.push(m);
            self.meta.memories.push(m);
        }
        Ok(())
    }

    fn read_globals(&mut self, reader: GlobalSectionReader) -> Result<(), CompileError> {
        for g in reader.into_iter_with_offsets() {
            let (offset, g) = g.map_err(invalid)?;
            let offset = offset as usize;
            let ty = global_type(&g.ty, offset)?;
            self.globals.push(ty);
            self.meta.globals.push(abi::GlobalDef {
                ty,
                init: const_expr(&g.init_expr)?,
            });
        }
        Ok(())
    }

    fn read_tags(&mut self, reader: TagSectionReader) -> Result<(), CompileError> {
        for t in reader {
            let t = t.map_err(invalid)?;
            self.tags.push(t.func_type_idx);
            self.meta.tags.push(t.func_type_idx);
        }
        Ok(())
    }

    fn read_exports(&mut self, reader: ExportSectionReader) -> Result<(), CompileError> {
        for e in reader {
            let e = e.map_err(invalid)?;
            let index = match e.kind {
                ExternalKind::Func | ExternalKind::FuncExact => abi::EntityIndex::Func(e.index),
                ExternalKind::Table => abi::EntityIndex::Table(e.index),
                ExternalKind::Memory => abi::EntityIndex::Memory(e.index),
                ExternalKind::Global => abi::EntityIndex::Global(e.index),
                ExternalKind::Tag => abi::EntityIndex::Tag(e.index),
            };
            self.meta.exports.push(abi::Export {
                name: e.name.to_string(),
                index,
            });
        }
        Ok(())
    }

    fn read_elements(&mut self, reader: ElementSectionReader) -> Result<(), CompileError> {
        for e in reader.into_iter_with_offsets() {
            let (offset, e) = e.map_err(invalid)?;
            let offset = offset as usize;
            self.meta.elements.push(elem_segment(e, offset)?);
        }
        Ok(())
    }

    fn read_data(&mut self, reader: DataSectionReader) -> Result<(), CompileError> {
        for d in reader {
            let d = d.map_err(invalid)?;
            let mode = match d.kind {
                DataKind::Passive => abi::SegmentMode::Passive,
                DataKind::Active {
                    memory_index,
                    offset_expr,
                } => abi::SegmentMode::Active {
                    index: memory_index,
                    offset: const_expr(&offset_expr)?,
                },
            };
            let offset = self.data_bytes.len() as u64;
            self.data_bytes.extend_from_slice(d.data);
            self.meta.data.push(abi::DataSegment {
                mode,
                offset,
                len: d.data.len() as u64,
            });
        }
        Ok(())
    }
}

/// The element segment `e`, which is at byte `offset`.
fn elem_segment(e: Element, offset: usize) -> Result<abi::ElemSegment, CompileError> {
    let mode = match e.kind {
        ElementKind::Passive => abi::SegmentMode::Passive,
        ElementKind::Declared => abi::SegmentMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => abi::SegmentMode::Active {
            index: table_index.unwrap_or(0),
            offset: const_expr(&offset_expr)?,
        },
    };
    let (element, items) = match e.items {
        ElementItems::Functions(funcs) => {
            let items = funcs
                .into_iter()
                .map(|f| f.map_err(invalid))
                .collect::<Result<Vec<_>, _>>()?;
            (ValType::FuncRef, abi::ElemItems::Funcs(items))
        }
        ElementItems::Expressions(ty, exprs) => {
            let items = exprs
                .into_iter()
                .map(|e| const_expr(&e.map_err(invalid)?))
                .collect::<Result<Vec<_>, _>>()?;
            (ref_type(ty, offset)?, abi::ElemItems::Exprs(items))
        }
    };
    Ok(abi::ElemSegment {
        mode,
        element,
        items,
    })
}

/// Read the name section; a malformed one is ignored (names are only for diagnostics).
fn read_names(section: &wasmparser::CustomSectionReader<'_>, meta: &mut abi::ModuleMeta) {
    let KnownCustom::Name(reader) = section.as_known() else {
        return;
    };
    for name in reader {
        let Ok(name) = name else { return };
        match name {
            Name::Module { name, .. } => meta.module_name = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let Ok(naming) = naming else { return };
                    meta.func_names
                        .push((naming.index, naming.name.to_string()));
                }
            }
            _ => {}
        }
    }
    meta.func_names.sort_by_key(|(i, _)| *i);
    meta.func_names.dedup_by_key(|(i, _)| *i);
}
