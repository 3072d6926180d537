//! `wasmaot run -W KEY[=VAL,..]`: Wasmtime's wasm options — features (for a module
//! compiled from .wasm/.wat), fuel, timeout, limits, unknown imports.

use crate::option_values::{settings, Setting};
use crate::Failure;
use std::time::Duration;
use wasmaot_abi::features;
use wasmaot_loader::{Config, GrowthLimits, InstanceLimits};

/// What `-W` asked for.
#[derive(Default)]
pub struct WasmOptions {
    /// Feature bits to turn on and off (from `features::DEFAULT`).
    pub features_on: u64,
    pub features_off: u64,
    /// The feature settings given, for a warning when the module is precompiled.
    pub feature_keys: Vec<String>,
    pub fuel: Option<u64>,
    pub epoch_interruption: bool,
    pub timeout: Option<Duration>,
    pub max_wasm_stack: Option<usize>,
    pub growth: GrowthLimits,
    pub counts: InstanceLimits,
    pub unknown_imports_trap: bool,
    pub unknown_imports_default: bool,
    pub nan_canonicalization: bool,
}

/// Wasmtime's wasm options wasmaot does not have, and why.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "relaxed-simd-deterministic",
        "relaxed SIMD compiles to the host's instructions",
    ),
    (
        "trap-on-grow-failure",
        "failed growth returns -1, as the spec says",
    ),
    ("async-stack-size", "there is no async support"),
    ("async-stack-zeroing", "there is no async support"),
    ("wmemcheck", "there is no memory checker"),
];

/// Wasmtime's wasm features wasmaot does not implement: off is accepted, on is an error.
const MISSING_FEATURES: &[&str] = &[
    "shared-memory",
    "shared-everything-threads",
    "gc-support",
    "stack-switching",
    "wide-arithmetic",
    "component-model",
    "component-model-async",
    "component-model-async-builtins",
    "component-model-async-stackful",
    "component-model-threading",
    "component-model-error-context",
    "component-model-gc",
    "component-model-fixed-length-lists",
    "concurrency-support",
];

/// The keys `-W` takes, for its help and its errors.
const KEYS: &str = "fuel=N, timeout=DURATION, epoch-interruption, max-wasm-stack=BYTES, \
    max-memory-size=BYTES, max-table-elements=N, max-instances=N, max-tables=N, \
    max-memories=N, unknown-imports-trap, unknown-imports-default, unknown-exports-allow, \
    all-proposals, and the features";

pub fn help() -> String {
    let names: Vec<&str> = features::NAMES.iter().map(|(_, n)| *n).collect();
    format!(
        "-W KEY[=VAL[,..]] (repeatable): {KEYS}: {}.\n\
         Not supported: {}; features {}.",
        names.join(", "),
        UNSUPPORTED
            .iter()
            .map(|(k, why)| format!("{k} ({why})"))
            .collect::<Vec<_>>()
            .join(", "),
        MISSING_FEATURES.join(", ")
    )
}

impl WasmOptions {
    pub fn parse(raw: &[String]) -> Result<WasmOptions, Failure> {
        let mut o = WasmOptions::default();
        for s in settings('W', raw) {
            o.apply(&s)?;
        }
        Ok(o)
    }

    pub fn apply(&mut self, s: &Setting) -> Result<(), Failure> {
        let limit = |s: &Setting| s.u64().map(Some);
        match s.key {
            "fuel" => self.fuel = Some(s.u64()?),
            "timeout" => self.timeout = Some(s.duration()?),
            "epoch-interruption" => self.epoch_interruption = s.bool()?,
            "max-wasm-stack" => self.max_wasm_stack = Some(s.u64()? as usize),
            "max-memory-size" => self.growth.memory_bytes = limit(s)?,
            "max-table-elements" => self.growth.table_elements = limit(s)?,
            "max-instances" => self.counts.instances = limit(s)?,
            "max-tables" => self.counts.tables = limit(s)?,
            "max-memories" => self.counts.memories = limit(s)?,
            "unknown-imports-trap" => self.unknown_imports_trap = s.bool()?,
            "unknown-imports-default" => self.unknown_imports_default = s.bool()?,
            "nan-canonicalization" => self.nan_canonicalization = s.bool()?,
            // Wasmtime's components may have exports a command does not expect; a core
            // module's exports are never checked.
            "unknown-exports-allow" => {
                s.bool()?;
            }
            _ => return self.apply_feature(s),
        }
        Ok(())
    }

    fn apply_feature(&mut self, s: &Setting) -> Result<(), Failure> {
        let bits = match s.key {
            "all-proposals" => features::ALL,
            key => match features::NAMES.iter().find(|(_, n)| *n == key) {
                Some((bit, _)) => *bit,
                None => return unknown_key(s),
            },
        };
        self.feature_keys.push(s.key.to_string());
        if s.bool()? {
            self.features_on |= bits;
            self.features_off &= !bits;
        } else {
            self.features_off |= bits;
            self.features_on &= !bits;
        }
        Ok(())
    }

    /// The wasm features to compile with.
    pub fn wasm_features(&self) -> u64 {
        (features::DEFAULT | self.features_on) & !self.features_off
    }

    /// The engine configuration: fuel and epochs as asked, the stack limit.
    pub fn config(&self) -> Config {
        let mut config = Config::default();
        config.consume_fuel(self.fuel.is_some());
        config.epoch_interruption(self.epoch_interruption || self.timeout.is_some());
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack = bytes;
        }
        config
    }
}

/// An error for a key `-W` does not take: not supported (with the reason), or unknown.
fn unknown_key(s: &Setting) -> Result<(), Failure> {
    if let Some((_, why)) = UNSUPPORTED.iter().find(|(k, _)| *k == s.key) {
        return Err(s.error(format!("not supported by wasmaot: {why}")));
    }
    if MISSING_FEATURES.contains(&s.key) {
        return match s.bool()? {
            false => Ok(()),
            true => Err(s.error("this WebAssembly proposal is not supported by wasmaot")),
        };
    }
    Err(s.error(format!("unknown option; `-W help` lists them ({KEYS})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[&str]) -> Result<WasmOptions, String> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        WasmOptions::parse(&raw).map_err(|f| f.0)
    }

    #[test]
    fn wasm_options() {
        let o = parse(&["fuel=1000,timeout=2s", "simd=n,max-memory-size=65536"])
            .ok()
            .unwrap();
        assert_eq!(o.fuel, Some(1000));
        assert_eq!(o.timeout, Some(Duration::from_secs(2)));
        assert_eq!(o.wasm_features(), features::DEFAULT & !features::SIMD);
        assert_eq!(o.growth.memory_bytes, Some(65536));
        assert!(o.config().consume_fuel && o.config().epoch_interruption);
        assert!(parse(&["gc-support=n", "wide-arithmetic=no"]).is_ok());
        assert_eq!(
            parse(&["wide-arithmetic=y"]).err().unwrap(),
            "-W wide-arithmetic: this WebAssembly proposal is not supported by wasmaot"
        );
        let gc = parse(&["gc=y"]).ok().unwrap();
        assert_ne!(gc.wasm_features() & features::GC, 0);
        assert!(
            parse(&["nan-canonicalization"])
                .ok()
                .unwrap()
                .nan_canonicalization
        );
        assert!(parse(&["relaxed-simd-deterministic"])
            .err()
            .unwrap()
            .contains("not supported"));
        assert!(parse(&["frobnicate"])
            .err()
            .unwrap()
            .starts_with("-W frobnicate: unknown option"));
    }
}
