//! The part of GC wasmaot refuses: struct and array types. Generators that turn GC on
//! (for typed function references, `anyref`, `i31ref`) use this to tell a module the
//! compiler must take from one it may refuse.

/// Whether `wasm` uses struct or array types anywhere: defines one, or names the abstract
/// `struct`/`array` heap types (in a type, `ref.null`, `ref.test`, ...) or uses an
/// `array.*`/`struct.*` instruction. Meant for generated modules, which have no names (no
/// name section, numbered exports), so that the words can come from nothing else in
/// their text. A module that cannot be printed counts as using them.
pub fn uses_struct_or_array(wasm: &[u8]) -> bool {
    match wasmprinter::print_bytes(wasm) {
        Ok(text) => text.contains("struct") || text.contains("array"),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_and_array_types_are_found_wherever_they_are() {
        let uses = |text: &str| uses_struct_or_array(&wat::parse_str(text).expect("valid"));
        assert!(uses("(module (type (struct)))"));
        assert!(uses("(module (type (array i8)))"));
        assert!(uses("(module (func (result structref) (ref.null struct)))"));
        assert!(uses("(module (global (ref null array) (ref.null array)))"));
        assert!(!uses(
            "(module (type (func)) (func (result i31ref) (ref.i31 (i32.const 1))))"
        ));
    }
}
