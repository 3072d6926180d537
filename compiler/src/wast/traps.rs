//! Matching a trap against the message a spec script expects.
//!
//! Our trap codes carry Wasmtime's wording (`TrapCode::message`), which is mostly the
//! spec interpreter's, but one code can stand for several spec messages: the spec
//! distinguishes, for example, an out-of-bounds `call_indirect` ("undefined element")
//! from an out-of-bounds `table.get` ("out of bounds table access"), where both are
//! `TableOutOfBounds` ("undefined element: out of bounds table access"). This table
//! lists every wording accepted for a code beyond its own message.

use wasmaot_abi::TrapCode;

const EQUIVALENT: &[(TrapCode, &[&str])] = &[
    (
        TrapCode::TableOutOfBounds,
        &["undefined element", "out of bounds table access"],
    ),
    (TrapCode::UnreachableCodeReached, &["unreachable"]),
    (
        TrapCode::NullReference,
        &["null function reference", "null i31 reference"],
    ),
];

/// The wordings accepted for `code`.
pub fn wordings(code: TrapCode) -> impl Iterator<Item = &'static str> {
    let extra = EQUIVALENT
        .iter()
        .filter(move |(c, _)| *c == code)
        .flat_map(|(_, w)| w.iter().copied());
    std::iter::once(code.message()).chain(extra)
}

/// Whether a trap with `code` (or, without a code, with `message`) satisfies the
/// script's `expected` message: one is a prefix of the other. The script's message may
/// carry more detail than ours ("uninitialized element 2"), or ours more than the
/// script's, as the spec interpreter allows ("undefined element" for "undefined element:
/// out of bounds table access").
pub fn matches(code: Option<TrapCode>, message: &str, expected: &str) -> bool {
    match code {
        Some(code) => wordings(code).any(|w| expected.starts_with(w) || w.starts_with(expected)),
        None => {
            !message.is_empty() && (expected.starts_with(message) || message.contains(expected))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalences() {
        use TrapCode::*;
        assert!(matches(Some(TableOutOfBounds), "", "undefined element"));
        assert!(matches(
            Some(TableOutOfBounds),
            "",
            "out of bounds table access"
        ));
        assert!(matches(
            Some(IndirectCallToNull),
            "",
            "uninitialized element 2"
        ));
        assert!(matches(
            Some(MemoryOutOfBounds),
            "",
            "out of bounds memory access"
        ));
        assert!(matches(Some(UnreachableCodeReached), "", "unreachable"));
        assert!(!matches(
            Some(MemoryOutOfBounds),
            "",
            "out of bounds table access"
        ));
        assert!(!matches(
            Some(IndirectCallToNull),
            "",
            "indirect call type mismatch"
        ));
        assert!(!matches(
            Some(IntegerOverflow),
            "",
            "integer divide by zero"
        ));
        assert!(matches(None, "host says no", "host says no"));
        assert!(!matches(None, "", "unreachable"));
    }
}
