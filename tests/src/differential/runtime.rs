//! What the comparison needs of a runtime: instantiate a module, list its exports, call
//! a function, read a global, a memory and a table.

use super::trap::TrapKind;
use super::value::{Type, Value};

/// An export of the module, in the terms both runtimes share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func {
        params: Vec<Type>,
        results: Vec<Type>,
    },
    Global(Type),
    Memory,
    Table,
    /// A tag (exception handling) and the types of its payload.
    Tag(Vec<Type>),
}

/// Why a module has no instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Instantiation (a segment, the start function) trapped.
    Trap(TrapKind),
    /// The runtime does not support something in the module (a skip, not a divergence).
    Unsupported(String),
    /// Anything else: compiling, loading or instantiating failed.
    Error(String),
}

/// The result of a call: its results, or the trap.
pub type CallResult = Result<Vec<Value>, TrapKind>;

/// One runtime with one instance of one module (no imports).
pub trait Runtime: Sized {
    /// The runtime's name in reports.
    const NAME: &'static str;

    fn instantiate(wasm: &[u8]) -> Result<Self, Failure>;
    /// The module's exports, sorted by name.
    fn exports(&self) -> Vec<Export>;
    fn call(&mut self, func: &str, args: &[Value]) -> CallResult;
    fn global(&mut self, name: &str) -> Value;
    /// Set a mutable exported global.
    fn set_global(&mut self, name: &str, value: Value);
    fn memory(&mut self, name: &str) -> &[u8];
    /// The table's elements, each as a value (references compare by null-ness).
    fn table(&mut self, name: &str) -> Vec<Value>;
}
