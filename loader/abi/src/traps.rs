//! Trap codes shared by the compiler's trap table and the runtime.
//!
//! The numbering matches `wasmtime_trap_code_enum` of Wasmtime's C API v23 so the C
//! API can hand codes through unchanged.

/// Why wasm code stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TrapCode {
    StackOverflow = 0,
    MemoryOutOfBounds = 1,
    HeapMisaligned = 2,
    TableOutOfBounds = 3,
    IndirectCallToNull = 4,
    BadSignature = 5,
    IntegerOverflow = 6,
    IntegerDivisionByZero = 7,
    BadConversionToInteger = 8,
    UnreachableCodeReached = 9,
    Interrupt = 10,
    OutOfFuel = 11,
    /// A reference was null where a non-null one was needed.
    NullReference = 12,
    /// `memory.atomic.wait32/64` on a memory that is not shared.
    AtomicWaitNonSharedMemory = 13,
    /// `ref.cast` of a reference that is not of the target type.
    CastFailure = 14,
}

impl TrapCode {
    /// Decode a code from its byte; `None` for a byte no code has.
    pub fn from_u8(b: u8) -> Option<TrapCode> {
        use TrapCode::*;
        Some(match b {
            0 => StackOverflow,
            1 => MemoryOutOfBounds,
            2 => HeapMisaligned,
            3 => TableOutOfBounds,
            4 => IndirectCallToNull,
            5 => BadSignature,
            6 => IntegerOverflow,
            7 => IntegerDivisionByZero,
            8 => BadConversionToInteger,
            9 => UnreachableCodeReached,
            10 => Interrupt,
            11 => OutOfFuel,
            12 => NullReference,
            13 => AtomicWaitNonSharedMemory,
            14 => CastFailure,
            _ => return None,
        })
    }

    /// The wording Wasmtime uses (so hosts that match on messages keep working); where
    /// the spec testsuite words a trap otherwise, the `wast` runner accepts its wording
    /// too.
    pub fn message(self) -> &'static str {
        use TrapCode::*;
        match self {
            StackOverflow => "call stack exhausted",
            MemoryOutOfBounds => "out of bounds memory access",
            HeapMisaligned => "unaligned atomic",
            TableOutOfBounds => "undefined element: out of bounds table access",
            IndirectCallToNull => "uninitialized element",
            BadSignature => "indirect call type mismatch",
            IntegerOverflow => "integer overflow",
            IntegerDivisionByZero => "integer divide by zero",
            BadConversionToInteger => "invalid conversion to integer",
            UnreachableCodeReached => "wasm `unreachable` instruction executed",
            Interrupt => "interrupt",
            OutOfFuel => "all fuel consumed by WebAssembly",
            NullReference => "null reference",
            AtomicWaitNonSharedMemory => "atomic wait on non-shared memory",
            CastFailure => "cast failure",
        }
    }
}

impl core::fmt::Display for TrapCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}
