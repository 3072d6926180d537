//! Waits that end: `memory.atomic.wait32/64` on a shared memory blocks until another
//! thread notifies it or its timeout passes, and a generated module runs on one thread
//! with any timeout (a negative one waits forever). Every wait gets a timeout of zero,
//! so it returns at once ("not-equal" or "timed-out") or traps, deterministically.

use wasm_encoder::reencode::{self, Reencode, RoundtripReencoder};
use wasm_encoder::{CodeSection, Instruction};
use wasmparser::{FunctionBody, Operator, Parser};

/// `wasm` with a zero timeout given to every `memory.atomic.wait32/64`.
pub fn bound_waits(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut module = wasm_encoder::Module::new();
    ZeroTimeouts
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| format!("bounding the waits: {e}"))?;
    Ok(module.finish())
}

/// Reencodes a module as it is, but for the waits' timeout operand.
struct ZeroTimeouts;

impl Reencode for ZeroTimeouts {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut function = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let operator = reader.read()?;
            if matches!(
                operator,
                Operator::MemoryAtomicWait32 { .. } | Operator::MemoryAtomicWait64 { .. }
            ) {
                // The timeout is the operand on top: replace it.
                function.instruction(&Instruction::Drop);
                function.instruction(&Instruction::I64Const(0));
            }
            function.instruction(&RoundtripReencoder.instruction(operator)?);
        }
        code.function(&function);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::ours::Wasmaot;
    use super::super::runtime::Runtime;
    use super::super::value::Value;
    use super::*;

    #[test]
    fn a_wait_without_end_gets_a_zero_timeout_and_times_out() {
        let wasm = wat::parse_str(
            r#"(module (memory 1 1 shared)
                 (func (export "w") (result i32)
                   (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))"#,
        )
        .expect("valid text");
        let bounded = bound_waits(&wasm).expect("reencodes");
        // drop; i64.const 0; memory.atomic.wait32
        let zeroed = [0x1a, 0x42, 0x00, 0xfe, 0x01];
        assert!(bounded.windows(5).any(|w| w == zeroed), "{bounded:x?}");
        let mut instance = Wasmaot::instantiate(&bounded).expect("instantiates");
        assert_eq!(instance.call("w", &[]), Ok(vec![Value::I32(2)])); // "timed-out"
    }
}
