//! Errors of the runtime: what went wrong, where, and what was expected.

use crate::abi::TrapCode;
use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone)]
pub enum ErrorKind {
    /// A bad, foreign or corrupt artifact.
    Load,
    /// Imports do not match what the module needs.
    Link,
    /// WebAssembly code trapped (or a host function called from it failed).
    Trap(Trap),
    /// Wrong argument count or types, wrong value type, immutable global, ...
    Type,
    /// Out of memory, limits exceeded.
    Resource,
    /// A feature this runtime does not support.
    Unsupported,
}

/// One wasm frame of a trap backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    pub module_name: Option<String>,
    pub func_index: u32,
    pub func_name: Option<String>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = self.module_name.as_deref().unwrap_or("<unknown>");
        match &self.func_name {
            Some(n) => write!(f, "{module}!{n}"),
            None => write!(f, "{module}!<wasm function {}>", self.func_index),
        }
    }
}

/// A WebAssembly trap.
#[derive(Debug, Clone)]
pub struct Trap {
    /// The trap code; `None` for a failing host function.
    pub code: Option<TrapCode>,
    pub message: String,
    /// Innermost frame first.
    pub backtrace: Vec<FrameInfo>,
}

impl Trap {
    pub fn from_code(code: TrapCode) -> Trap {
        Trap {
            code: Some(code),
            message: code.message().to_string(),
            backtrace: Vec::new(),
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message)?;
        if !self.backtrace.is_empty() {
            for (i, frame) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i}: {frame}")?;
            }
        }
        Ok(())
    }
}

/// An error of the runtime.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// Result type of the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
    /// A generic error, e.g. returned by a host function (it becomes a trap).
    pub fn msg(message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Type, message.to_string())
    }
    pub(crate) fn load(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Load, message)
    }
    pub(crate) fn link(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Link, message)
    }
    pub(crate) fn ty(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Type, message)
    }
    pub(crate) fn resource(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Resource, message)
    }
    pub(crate) fn unsupported(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, message)
    }
    /// A trap error.
    pub fn trap(trap: Trap) -> Error {
        let message = trap.to_string();
        Error {
            kind: ErrorKind::Trap(trap),
            message,
        }
    }
    /// A trap error with just a code.
    pub fn trap_code_error(code: TrapCode) -> Error {
        Error::trap(Trap::from_code(code))
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
    /// The trap code, if this is a trap with a code.
    pub fn trap_code(&self) -> Option<TrapCode> {
        match &self.kind {
            ErrorKind::Trap(t) => t.code,
            _ => None,
        }
    }
    /// The trap, if this is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match &self.kind {
            ErrorKind::Trap(t) => Some(t),
            _ => None,
        }
    }
    /// The message (without backtrace for traps).
    pub fn message(&self) -> &str {
        match &self.kind {
            ErrorKind::Trap(t) => &t.message,
            _ => &self.message,
        }
    }
    /// Prefix the message with context, e.g. the file name.
    pub(crate) fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        if let ErrorKind::Trap(t) = &mut self.kind {
            t.message = format!("{what}: {}", t.message);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
