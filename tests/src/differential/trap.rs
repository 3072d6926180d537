//! How a call (or an instantiation) ended when it returned no results, in terms common
//! to the runtimes.

use super::value::{self, Value};
use std::fmt;

/// Why a call (or an instantiation) trapped, in terms both runtimes' trap codes map to;
/// or the two ways a call ends without trapping and without results: an uncaught
/// exception, and arguments the runtime refused before running anything.
#[derive(Clone, Debug)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivideByZero,
    BadConversionToInteger,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic,
    /// `memory.atomic.wait32/64` on a memory that is not shared.
    AtomicWaitNonShared,
    /// `call_ref`, `throw_ref`, `ref.as_non_null` and the like on a null reference.
    NullReference,
    /// `ref.cast` of a reference that is not of the type.
    CastFailure,
    /// An exception no wasm frame caught: the name its tag is exported under (every
    /// generated module exports all its tags) and the payload.
    UncaughtException {
        tag: String,
        payload: Vec<Value>,
    },
    /// The call's arguments were refused before any code ran (a null for a parameter of
    /// a non-nullable reference type: the only reference the comparison can pass is null).
    ArgumentsRefused,
    /// The runtimes' stack limits differ: this is never a divergence, only a skip.
    StackOverflow,
    /// Anything else (out of fuel, a host error, an error that is not a trap), with the
    /// runtime's message; two of these are the same only if their messages are.
    Other(String),
}

/// Two ends are the same kind; two uncaught exceptions have the same tag and payload
/// (by [`Value::same`]), two `Other`s the same message.
impl PartialEq for TrapKind {
    fn eq(&self, other: &TrapKind) -> bool {
        use TrapKind::UncaughtException as Exn;
        match (self, other) {
            (Exn { tag, payload }, Exn { tag: t, payload: p }) => {
                tag == t
                    && payload.len() == p.len()
                    && payload.iter().zip(p).all(|(a, b)| a.same(b))
            }
            (TrapKind::Other(a), TrapKind::Other(b)) => a == b,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// Reflexive: [`Value::same`] is (a NaN is the same as itself).
impl Eq for TrapKind {}

impl TrapKind {
    /// An exception the start function threw: without an instance there is no export
    /// to name its tag by, nor a store to read its payload from, so only the kind counts.
    pub fn thrown_by_start_function() -> TrapKind {
        TrapKind::UncaughtException {
            tag: "(thrown by the start function)".to_string(),
            payload: Vec::new(),
        }
    }

    /// The kind alone, for counting (an exception without its tag and payload).
    pub fn kind(&self) -> String {
        match self {
            TrapKind::UncaughtException { .. } => "UncaughtException".to_string(),
            kind => format!("{kind:?}"),
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::Other(message) => write!(f, "trap: other: {message}"),
            TrapKind::UncaughtException { tag, payload } => {
                write!(f, "uncaught exception: tag `{tag}`{}", value::list(payload))
            }
            TrapKind::ArgumentsRefused => write!(f, "arguments refused"),
            kind => write!(f, "trap: {kind:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_compare_by_tag_and_payload_other_kinds_by_kind() {
        let exn = |tag: &str, bits: u32| TrapKind::UncaughtException {
            tag: tag.to_string(),
            payload: vec![Value::F32(bits)],
        };
        assert_eq!(exn("t", 0x7fc0_0000), exn("t", 0xffc0_0001)); // NaNs alike
        assert_ne!(exn("t", 1), exn("t", 2));
        assert_ne!(exn("t", 1), exn("u", 1));
        assert_eq!(TrapKind::NullReference, TrapKind::NullReference);
        assert_ne!(TrapKind::NullReference, TrapKind::CastFailure);
        assert_ne!(TrapKind::Other("a".into()), TrapKind::Other("b".into()));
    }
}
