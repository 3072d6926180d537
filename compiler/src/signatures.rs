//! Cranelift signatures of wasm functions, trampolines and libcalls (see the calling
//! conventions in docs/ARCHITECTURE.md).

use cranelift_codegen::ir::{types, AbiParam, ArgumentPurpose, Signature, Type};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use wasmaot_abi::{FuncType, LibcallType, ValType};

/// The Cranelift type a wasm value of `ty` travels as.
pub fn value_type(isa: &dyn TargetIsa, ty: ValType) -> Type {
    abi_clif_type(isa.pointer_type(), ty)
}

/// The Cranelift type a wasm value of `ty` travels as, on a target with pointers of `ptr`.
pub fn abi_clif_type(ptr: Type, ty: ValType) -> Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef | ValType::AnyRef => ptr,
    }
}

/// The Cranelift type of a wasm value type as wasmparser reads it (references are
/// pointers).
pub fn clif_type(ptr: Type, ty: wasmparser::ValType) -> Type {
    match ty {
        wasmparser::ValType::I32 => types::I32,
        wasmparser::ValType::I64 => types::I64,
        wasmparser::ValType::F32 => types::F32,
        wasmparser::ValType::F64 => types::F64,
        wasmparser::ValType::V128 => types::I8X16,
        wasmparser::ValType::Ref(_) => ptr,
    }
}

/// `(callee_vmctx, caller_vmctx, params...) -> results` in the `tail` convention.
pub fn wasm_signature(isa: &dyn TargetIsa, ty: &FuncType) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(ptr));
    sig.params
        .extend(ty.params.iter().map(|t| AbiParam::new(value_type(isa, *t))));
    sig.returns.extend(
        ty.results
            .iter()
            .map(|t| AbiParam::new(value_type(isa, *t))),
    );
    sig
}

/// `extern "C" fn(funcref, caller_vmctx, values)`.
pub fn entry_trampoline_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
    sig
}

/// `extern "C" fn(host_ctx, caller_vmctx, values, len)`: a host function's callback.
pub fn host_callback_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
    ]);
    sig
}

/// The C signature of a runtime libcall.
pub fn libcall_signature(
    isa: &dyn TargetIsa,
    params: &[LibcallType],
    result: LibcallType,
) -> Signature {
    let conv = |t: LibcallType| match t {
        LibcallType::Ptr => Some(isa.pointer_type()),
        LibcallType::I32 => Some(types::I32),
        LibcallType::I64 => Some(types::I64),
        LibcallType::F32 => Some(types::F32),
        LibcallType::F64 => Some(types::F64),
        LibcallType::None => None,
    };
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend(params.iter().filter_map(|t| conv(*t)).map(AbiParam::new));
    sig.returns.extend(conv(result).map(AbiParam::new));
    sig
}

/// Number of leading non-wasm parameters of a wasm signature (the two vmctx pointers).
pub const HIDDEN_PARAMS: usize = 2;
