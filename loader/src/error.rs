//! Errors of the runtime: what went wrong, where, and what was expected.

use crate::abi::TrapCode;
use std::fmt;
use std::sync::Arc;

/// The payload of a host error: any error a host function (or an embedder) returns.
pub type HostError = dyn std::error::Error + Send + Sync + 'static;

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
    /// Byte offset in the original `.wasm` binary of the instruction executing in this
    /// frame (the trapping one innermost, a call in outer frames); `None` if the
    /// artifact has no address map.
    pub module_offset: Option<usize>,
    /// `module_offset` from the start of the function's body (its code section entry).
    pub func_offset: Option<usize>,
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
///
/// A host error ([`Error::host`]) carries its payload: it survives the unwind through wasm
/// code and can be recovered with [`Error::downcast_ref`] (and [`std::error::Error::source`]).
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// The payload of a host error.
    payload: Option<Arc<HostError>>,
}

/// Result type of the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            payload: None,
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
    /// A host error carrying `payload`, e.g. returned by a host function: it is a trap
    /// without a trap code whose message is the payload's, and the payload stays
    /// reachable through [`Error::downcast_ref`] after unwinding through wasm. A payload
    /// that is itself an `Error` is returned as is.
    pub fn host(payload: impl Into<Box<HostError>>) -> Error {
        let payload: Box<HostError> = payload.into();
        let payload = match payload.downcast::<Error>() {
            Ok(error) => return *error,
            Err(other) => other,
        };
        let mut error = Error::trap(Trap {
            code: None,
            message: payload.to_string(),
            backtrace: Vec::new(),
        });
        error.payload = Some(Arc::from(payload));
        error
    }
    /// The trap for a panic of `what` (a host function, a callback) caught at the boundary
    /// to wasm code.
    pub(crate) fn from_panic(what: &str, panic: Box<dyn std::any::Any + Send>) -> Error {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        drop(panic);
        Error::trap(Trap {
            code: None,
            message: format!("{what} panicked: {message}"),
            backtrace: Vec::new(),
        })
    }
    /// A trap error.
    pub fn trap(trap: Trap) -> Error {
        let message = trap.to_string();
        Error {
            kind: ErrorKind::Trap(trap),
            message,
            payload: None,
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
    /// The host error payload, if it is an `E` (see [`Error::host`]).
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.payload.as_deref()?.downcast_ref::<E>()
    }
    /// Whether the host error payload is an `E`.
    pub fn is<E: std::error::Error + 'static>(&self) -> bool {
        self.downcast_ref::<E>().is_some()
    }
    /// The host error payload, if any.
    pub fn payload(&self) -> Option<&HostError> {
        self.payload.as_deref()
    }
    /// This error as a trap with `backtrace` (innermost frame first), unless it already
    /// has one: how a failing host function's error leaves wasm. The payload is kept.
    pub(crate) fn into_trap_with_backtrace(self, backtrace: Vec<FrameInfo>) -> Error {
        let trap = match self.kind {
            ErrorKind::Trap(t) if !t.backtrace.is_empty() || backtrace.is_empty() => {
                return Error {
                    kind: ErrorKind::Trap(t),
                    ..self
                }
            }
            ErrorKind::Trap(t) => Trap { backtrace, ..t },
            _ => Trap {
                code: None,
                message: self.message,
                backtrace,
            },
        };
        Error {
            payload: self.payload,
            ..Error::trap(trap)
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.payload
            .as_deref()
            .map(|p| p as &(dyn std::error::Error + 'static))
    }
}
