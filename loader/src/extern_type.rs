//! The types of what can be imported and exported, and a module's imports and exports.

use crate::abi::{FuncType, GlobalType, MemoryType, TableType};

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// A tag (exception handling): its function type, whose params are the payload of
    /// its exceptions (no results).
    Tag(FuncType),
}

impl ExternType {
    /// "function", "table", "memory", "global" or "tag".
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "function",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
            ExternType::Tag(_) => "tag",
        }
    }
}

/// An import of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportType {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// An export of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportType {
    pub name: String,
    pub ty: ExternType,
}
