use std::fmt;

/// Why a module could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The text format did not parse.
    Parse(String),
    /// The binary is malformed or does not validate; `offset` is the byte offset in the binary.
    Invalid { offset: usize, message: String },
    /// The module uses something this compiler does not support.
    Unsupported(String),
    /// The requested target cannot be compiled for.
    Target(String),
    /// Code generation failed.
    Codegen(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Parse(m) => write!(f, "cannot parse WebAssembly text: {m}"),
            CompileError::Invalid { offset, message } => {
                write!(
                    f,
                    "invalid WebAssembly at byte offset {offset:#x}: {message}"
                )
            }
            CompileError::Unsupported(m) => write!(f, "unsupported: {m}"),
            CompileError::Target(m) => write!(f, "target: {m}"),
            CompileError::Codegen(m) => write!(f, "code generation failed: {m}"),
        }
    }
}

impl std::error::Error for CompileError {}
