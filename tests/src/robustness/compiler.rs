//! The compiler target: any bytes given to `wasmaot_compiler::compile` give an artifact
//! or an error, never a panic; an error for a binary (input starting with `\0asm`) says
//! where, by byte offset or section; a module `wasm-smith` generated valid compiles,
//! unless it uses struct or array types (GC), which the compiler refuses as unsupported.
//!
//! Inputs: random bytes (half of them behind a wasm header, so that they reach the
//! binary reader and not only the text parser), random sequences of text-format tokens,
//! valid `wasm-smith` modules, and those modules with a few bytes flipped, overwritten,
//! inserted or deleted, or cut short.

use super::mutate::mutate;
use super::{catch, smith, Case, Expect, Rng, Target};
use crate::gc_types::uses_struct_or_array;
use wasmaot_compiler::{CompileError, CompileOptions};

/// The wasm magic and version 1.
const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// Tokens of the text format, for inputs that reach the text parser's corners.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "(",
    ")",
    "module",
    "func",
    "param",
    "result",
    "local",
    "global",
    "mut",
    "memory",
    "data",
    "table",
    "elem",
    "type",
    "export",
    "import",
    "start",
    "funcref",
    "externref",
    "i32",
    "i64",
    "f32",
    "f64",
    "v128",
    "\"x\"",
    "\"\\ff\"",
    "$f",
    "$0",
    "i32.const",
    "i64.const",
    "f32.const",
    "v128.const",
    "i32x4",
    "0",
    "-1",
    "0x7fffffff",
    "1e400",
    "nan:0x1",
    "inf",
    "i32.add",
    "i64.div_s",
    "f32.sqrt",
    "i8x16.splat",
    "call",
    "call_indirect",
    "return_call",
    "block",
    "loop",
    "if",
    "then",
    "else",
    "end",
    "br",
    "br_if",
    "br_table",
    "return",
    "drop",
    "select",
    "unreachable",
    "nop",
    "local.get",
    "local.set",
    "global.get",
    "memory.grow",
    "memory.copy",
    "i32.load",
    "offset=4",
    "align=1",
    "ref.null",
    "ref.func",
    "table.get",
    "(;",
    ";)",
    ";;",
    "\n",
];

/// The compiler target.
pub struct Compiler;

impl Target for Compiler {
    fn generate(&self, seed: u64, case: u64) -> Case {
        let mut rng = Rng::for_case(seed, case);
        let (input, expect) = match rng.below(8) {
            0 => (random_bytes(&mut rng), Expect::Anything),
            1 => (token_soup(&mut rng), Expect::Anything),
            2 | 3 => (smith::module(&mut rng), Expect::Accepted),
            _ => (mutated_module(&mut rng), Expect::Anything),
        };
        Case { input, expect }
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        check_with(case, |input| wasmaot_compiler::compile(input, &options()))
    }
}

/// Compiled for the host, on one thread (the run is the parallelism).
fn options() -> CompileOptions {
    CompileOptions {
        parallel: false,
        ..CompileOptions::default()
    }
}

/// The property, with the compiler passed in (tests give it broken ones).
pub fn check_with(
    case: &Case,
    compile: impl FnOnce(&[u8]) -> Result<Vec<u8>, CompileError>,
) -> Result<(), String> {
    let result = catch(|| compile(&case.input))?;
    let Err(e) = result else {
        return Ok(());
    };
    let message = e.to_string();
    let gc_heap = matches!(e, CompileError::Unsupported(_)) && uses_struct_or_array(&case.input);
    if case.expect == Expect::Accepted && !gc_heap {
        return Err(format!("a valid module was refused: {message}"));
    }
    if case.input.starts_with(b"\0asm") && !names_location(&message) {
        return Err(format!(
            "the error for a binary names no byte offset or section: {message}"
        ));
    }
    Ok(())
}

/// Whether an error message says where in the binary the problem is.
fn names_location(message: &str) -> bool {
    message.contains("byte offset") || message.contains("section")
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = Vec::new();
    if rng.percent(50) {
        bytes.extend_from_slice(HEADER);
    }
    let len = rng.len_up_to(512);
    bytes.extend(rng.bytes(len));
    bytes
}

/// A random sequence of text-format tokens after `(module`.
pub(super) fn token_soup(rng: &mut Rng) -> Vec<u8> {
    let mut text = String::from("(module ");
    for _ in 0..rng.len_up_to(200) {
        text.push_str(rng.pick::<&str>(TOKENS));
        text.push(' ');
    }
    text.into_bytes()
}

/// A valid module with one to four byte mutations, mostly after its header.
fn mutated_module(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = smith::module(rng);
    let from = if rng.percent(90) { HEADER.len() } else { 0 };
    let end = bytes.len();
    mutate(rng, &mut bytes, from..end, true);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(expect: Expect) -> Case {
        Case {
            input: HEADER.to_vec(),
            expect,
        }
    }

    #[test]
    fn a_panic_fails() {
        let e = check_with(&binary(Expect::Anything), |_| panic!("boom")).unwrap_err();
        assert!(e.contains("panicked: boom"), "{e}");
    }

    #[test]
    fn an_error_without_a_location_fails_for_a_binary_only() {
        let unlocated = |_: &[u8]| Err(CompileError::Unsupported("something".into()));
        assert!(check_with(&binary(Expect::Anything), unlocated).is_err());
        let text = Case::replay(b"(module".to_vec());
        assert!(check_with(&text, unlocated).is_ok());
        let located = |_: &[u8]| {
            Err(CompileError::Invalid {
                offset: 9,
                message: "bad".into(),
            })
        };
        assert!(check_with(&binary(Expect::Anything), located).is_ok());
    }

    #[test]
    fn a_refused_valid_module_fails() {
        let located = |_: &[u8]| {
            Err(CompileError::Invalid {
                offset: 9,
                message: "bad".into(),
            })
        };
        assert!(check_with(&binary(Expect::Accepted), located).is_err());
        assert!(check_with(&binary(Expect::Accepted), |_| Ok(Vec::new())).is_ok());
    }

    #[test]
    fn only_a_module_with_struct_or_array_types_may_be_refused_as_unsupported() {
        let unsupported = |_: &[u8]| {
            Err(CompileError::Unsupported(
                "GC struct/array type at byte offset 0xb".into(),
            ))
        };
        let with_struct = Case {
            input: wat::parse_str("(module (type (struct)))").expect("valid"),
            expect: Expect::Accepted,
        };
        assert!(check_with(&with_struct, unsupported).is_ok());
        let without = Case {
            input: wat::parse_str("(module (type (func)))").expect("valid"),
            expect: Expect::Accepted,
        };
        assert!(check_with(&without, unsupported).is_err());
    }
}
