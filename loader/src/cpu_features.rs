//! The CPU features a loader checks an artifact's `cpu_features` against: this host's,
//! or (to test the check) this host's without some.

use crate::error::{Error, Result};

/// The Cranelift ISA flags a CPU has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuFeatures {
    /// Every flag this runtime knows for the architecture, and whether the CPU has it.
    known: Vec<(&'static str, bool)>,
    /// Flags taken away from the host's by `without`, for the description.
    removed: Vec<String>,
}

impl CpuFeatures {
    /// The features of the CPU this process runs on.
    pub fn host() -> CpuFeatures {
        CpuFeatures {
            known: detect(),
            removed: Vec::new(),
        }
    }

    /// These features without `names` (Cranelift flag names, `has_avx2`): a CPU that
    /// lacks them. Only removes, so it never claims a feature the host does not have.
    pub fn without(mut self, names: &[&str]) -> CpuFeatures {
        for (name, has) in &mut self.known {
            if names.contains(name) {
                *has = false;
            }
        }
        self.removed.extend(names.iter().map(|n| n.to_string()));
        self
    }

    /// Whether the CPU has the Cranelift ISA flag `name`; `None` for an unknown name.
    pub fn has(&self, name: &str) -> Option<bool> {
        self.known.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
    }

    /// The flags the CPU has.
    pub fn present(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.known.iter().filter(|(_, h)| *h).map(|(n, _)| *n)
    }

    /// `x86_64-linux`, or `x86_64-linux without has_avx2` for a reduced set.
    pub fn description(&self) -> String {
        let host = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
        match self.removed.is_empty() {
            true => host,
            false => format!("{host} without {}", self.removed.join(",")),
        }
    }

    /// Check the comma-separated flags `required` (an artifact header's `cpu_features`):
    /// an error names every one the CPU lacks, or the first unknown one.
    pub fn check(&self, required: &str) -> Result<()> {
        let mut missing = Vec::new();
        for name in required.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match self.has(name) {
                Some(true) => {}
                Some(false) => missing.push(format!("`{name}`")),
                None => {
                    return Err(Error::load(format!(
                        "header field `cpu_features`: unknown CPU feature `{name}` for {}",
                        self.description()
                    )))
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let s = if missing.len() == 1 { "" } else { "s" };
        Err(Error::load(format!(
            "header field `cpu_features`: the code needs CPU feature{s} {}, which this CPU \
             ({}) lacks; recompile it for this CPU, or for a baseline with \
             `wasmaot compile --target TRIPLE`",
            missing.join(", "),
            self.description()
        )))
    }
}

/// Every flag this runtime knows on this architecture, with whether the CPU has it.
fn detect() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        vec![
            ("has_sse3", has!("sse3")),
            ("has_ssse3", has!("ssse3")),
            ("has_sse41", has!("sse4.1")),
            ("has_sse42", has!("sse4.2")),
            ("has_popcnt", has!("popcnt")),
            ("has_avx", has!("avx")),
            ("has_avx2", has!("avx2")),
            ("has_fma", has!("fma")),
            ("has_bmi1", has!("bmi1")),
            ("has_bmi2", has!("bmi2")),
            ("has_lzcnt", has!("lzcnt")),
            ("has_avx512bitalg", has!("avx512bitalg")),
            ("has_avx512dq", has!("avx512dq")),
            ("has_avx512vl", has!("avx512vl")),
            ("has_avx512vbmi", has!("avx512vbmi")),
            ("has_avx512f", has!("avx512f")),
            ("has_avx512vnni", has!("avx512vnni")),
            ("has_avx_vnni", has!("avxvnni")),
            ("has_cmpxchg16b", has!("cmpxchg16b")),
        ]
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        vec![
            ("has_lse", has!("lse")),
            ("has_pauth", has!("paca")),
            ("has_fp16", has!("fp16")),
            ("has_dotprod", has!("dotprod")),
            ("has_i8mm", has!("i8mm")),
            // Code-generation settings rather than CPU features; BTI/PAC instructions
            // are hints on CPUs without them.
            ("sign_return_address", true),
            ("sign_return_address_all", true),
            ("sign_return_address_with_bkey", true),
            ("use_bti", true),
        ]
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Vec::new()
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn a_cpu_without_avx2_refuses_code_that_needs_it() {
        let cpu = CpuFeatures::host().without(&["has_avx2", "has_bmi2"]);
        assert_eq!(cpu.has("has_avx2"), Some(false));
        let e = cpu
            .check("has_avx,has_avx2,has_bmi2")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("needs CPU features `has_avx2`, `has_bmi2`, which this CPU")
                && e.contains("without has_avx2,has_bmi2"),
            "{e}"
        );
        assert!(cpu.check("").is_ok());
        let e = cpu.check("has_frobnicate").unwrap_err().to_string();
        assert!(e.contains("unknown CPU feature `has_frobnicate`"), "{e}");
    }
}
