//! A target whose cases fail on purpose, for testing the machinery itself: case N passes
//! when N % 3 == 0, breaks its property when N % 3 == 1, and aborts the process when
//! N % 3 == 2 (a crash the supervisor must report with the seed and the input).

use super::{Case, Expect, Target};

/// The self-test target (not among [`super::TARGETS`]).
pub struct SelfTest;

impl Target for SelfTest {
    fn generate(&self, seed: u64, case: u64) -> Case {
        Case {
            input: [seed.to_le_bytes(), case.to_le_bytes()].concat(),
            expect: Expect::Anything,
        }
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        let n = case.input.get(8).copied().unwrap_or(0);
        match n % 3 {
            0 => Ok(()),
            1 => Err(format!("case {n} breaks the property")),
            _ => std::process::abort(),
        }
    }
}
