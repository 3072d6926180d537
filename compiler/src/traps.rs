//! Cranelift trap codes of our trap kinds, and back: the codes compiled code traps with
//! become the artifact's trap table (`wasmaot_abi::TrapCode`).

use cranelift_codegen::ir::TrapCode as ClifTrap;
use wasmaot_abi::TrapCode;

/// Our kinds without a Cranelift built-in are user codes: the kind's byte plus one
/// (Cranelift's user codes are non-zero).
const fn user(code: TrapCode) -> ClifTrap {
    ClifTrap::unwrap_user(code as u8 + 1)
}

pub const TABLE_OUT_OF_BOUNDS: ClifTrap = user(TrapCode::TableOutOfBounds);
pub const INDIRECT_CALL_TO_NULL: ClifTrap = user(TrapCode::IndirectCallToNull);
pub const BAD_SIGNATURE: ClifTrap = user(TrapCode::BadSignature);
pub const UNREACHABLE: ClifTrap = user(TrapCode::UnreachableCodeReached);
pub const NULL_REFERENCE: ClifTrap = user(TrapCode::NullReference);
pub const HEAP_MISALIGNED: ClifTrap = user(TrapCode::HeapMisaligned);
pub const CAST_FAILURE: ClifTrap = user(TrapCode::CastFailure);

/// Our kind of a Cranelift trap code; `None` for a code we never emit.
pub fn kind(code: ClifTrap) -> Option<TrapCode> {
    Some(match code {
        ClifTrap::STACK_OVERFLOW => TrapCode::StackOverflow,
        ClifTrap::HEAP_OUT_OF_BOUNDS => TrapCode::MemoryOutOfBounds,
        ClifTrap::INTEGER_OVERFLOW => TrapCode::IntegerOverflow,
        ClifTrap::INTEGER_DIVISION_BY_ZERO => TrapCode::IntegerDivisionByZero,
        ClifTrap::BAD_CONVERSION_TO_INTEGER => TrapCode::BadConversionToInteger,
        other => {
            let byte = other.as_raw().get();
            // Built-in codes occupy the top of the byte range; ours are small.
            TrapCode::from_u8(byte.checked_sub(1)?).filter(|k| user(*k) == other)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_we_emit_round_trips() {
        for code in [
            TABLE_OUT_OF_BOUNDS,
            INDIRECT_CALL_TO_NULL,
            BAD_SIGNATURE,
            UNREACHABLE,
            NULL_REFERENCE,
            HEAP_MISALIGNED,
            ClifTrap::STACK_OVERFLOW,
            ClifTrap::HEAP_OUT_OF_BOUNDS,
            ClifTrap::INTEGER_OVERFLOW,
            ClifTrap::INTEGER_DIVISION_BY_ZERO,
            ClifTrap::BAD_CONVERSION_TO_INTEGER,
        ] {
            let k = kind(code).expect("a kind");
            assert_ne!(k, TrapCode::OutOfFuel);
        }
        assert_eq!(kind(UNREACHABLE), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(kind(ClifTrap::unwrap_user(200)), None);
    }
}
