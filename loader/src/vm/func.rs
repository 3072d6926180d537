//! Functions as the store holds them: the address of each one's `VMFuncRef`, its type,
//! and whether it is wasm (called through its type's entry trampoline) or a host
//! function (a type-erased `VMHostFuncContext`, defined with the `Func` handle).

use crate::abi::FuncType;
use crate::code_memory::CodeMemory;
use crate::vmcontext::VMFuncRef;
use std::any::Any;
use std::sync::Arc;

pub(crate) enum FuncKind {
    /// A wasm function; `entry` is the address of the host→wasm trampoline of its type.
    Wasm {
        entry: usize,
    },
    Host(Box<dyn HostContext>),
}

pub(crate) struct FuncData {
    /// Stable address of the function's `VMFuncRef`.
    pub funcref: *const VMFuncRef,
    pub ty: Arc<FuncType>,
    pub kind: FuncKind,
}

impl FuncData {
    /// The engine-wide id of the function's type.
    pub fn type_id(&self) -> u32 {
        // SAFETY: `funcref` points to the function's `VMFuncRef`, which lives (at a
        // stable address) in its instance's VMContext or its host context as long as the
        // store, and so this entry, does.
        unsafe { (*self.funcref).type_id }
    }
}

/// Type-erased access to a `VMHostFuncContext<T>`.
pub(crate) trait HostContext {
    fn funcref(&self) -> *const VMFuncRef;
    fn has_trampoline(&self) -> bool;
    fn set_trampoline(&mut self, address: usize, code: Arc<CodeMemory>);
    fn as_any(&self) -> &dyn Any;
}
