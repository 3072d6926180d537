//! The store's record of an instance: its module, its VMContext, and the store indices
//! of its functions, tables, memories, globals and tags.

use crate::abi::VMOffsets;
use crate::module::Module;
use crate::vmcontext::VMContextAlloc;

/// Marks a function index whose `Func` has not been created yet.
pub(crate) const NO_FUNC: u32 = u32::MAX;

pub(crate) use crate::traphandlers::SAVED_REGS;

/// `repr(C)`: the libcall thunks (`libcalls.rs`) store the calling wasm frame's frame
/// pointer and return address in the first two fields, and the throw thunks the
/// callee-saved registers at the call in the third.
#[repr(C)]
pub(crate) struct InstanceData {
    pub last_wasm_fp: usize,
    pub last_wasm_pc: usize,
    pub last_wasm_regs: [usize; SAVED_REGS],
    pub module: Module,
    pub vmctx: VMContextAlloc,
    /// Index of this instance in the store.
    pub index: u32,
    /// Store function index of each function index (`NO_FUNC` until needed).
    pub funcs: Vec<u32>,
    /// Store indices of each table / memory / global index (imported first).
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Store indices of each tag index (imported first).
    pub tags: Vec<u32>,
    /// Evaluated element segments (empty once dropped).
    pub elements: Vec<Vec<usize>>,
    pub data_dropped: Vec<bool>,
}

impl InstanceData {
    pub fn offsets(&self) -> &VMOffsets {
        &self.vmctx.offsets
    }
}
