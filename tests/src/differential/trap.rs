//! Trap kinds common to both runtimes.

use std::fmt;

/// Why a call (or an instantiation) trapped, in terms both runtimes' trap codes map to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivideByZero,
    BadConversionToInteger,
    /// The runtimes' stack limits differ: this is never a divergence, only a skip.
    StackOverflow,
    /// Anything else (out of fuel, a host error, an error that is not a trap), with the
    /// runtime's message; two of these are the same only if their messages are.
    Other(String),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::Other(message) => write!(f, "trap: other: {message}"),
            kind => write!(f, "trap: {kind:?}"),
        }
    }
}
