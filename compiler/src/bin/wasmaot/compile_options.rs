//! `wasmaot compile`'s Wasmtime options: `-W` (features, fuel, epochs), `-O opt-level=`,
//! `-C` (codegen: target CPU, Cranelift's CPU flags, parallel compilation) and
//! `--cpu-features`, applied to the `CompileOptions`.

use crate::option_values::{settings, Setting};
use crate::wasm_options::WasmOptions;
use crate::Failure;
use wasmaot_compiler::{CompileOptions, OptLevel};

/// `-W` keys that only matter when the module runs: accepted with a warning, so that a
/// script can give `compile` and `run` the same `-W`.
const RUN_ONLY: &[&str] = &[
    "max-wasm-stack",
    "max-memory-size",
    "max-table-elements",
    "max-instances",
    "max-tables",
    "max-memories",
    "unknown-imports-trap",
    "unknown-imports-default",
    "unknown-exports-allow",
];

/// Wasmtime's `-C` keys that wasmaot does not have, and why.
const UNSUPPORTED_C: &[(&str, &str)] = &[
    ("cache", "there is no compilation cache"),
    ("cache-config", "there is no compilation cache"),
    ("collector", "there is no GC"),
    ("pcc", "there is no proof-carrying code checker"),
    ("native-unwind-info", "backtraces walk frame pointers"),
    ("inlining", "Cranelift's inliner is not used"),
    (
        "cranelift-debug-verifier",
        "the IR verifier runs in debug builds of wasmaot",
    ),
];

/// `-W`: features, and `fuel` / `consume-fuel` / `epoch-interruption` (`timeout=` too, as
/// it needs epochs) for an artifact that `run -W fuel=N` / `timeout=` will run.
pub fn apply_wasm(options: &mut CompileOptions, raw: &[String]) -> Result<(), Failure> {
    let mut features = WasmOptions::default();
    for s in settings('W', raw) {
        match s.key {
            "fuel" => options.consume_fuel = s.bool().or_else(|_| s.u64().map(|_| true))?,
            "consume-fuel" => options.consume_fuel = s.bool()?,
            "epoch-interruption" => options.epoch_interruption = s.bool()?,
            "timeout" => options.epoch_interruption = s.duration().map(|_| true)?,
            key => {
                features.apply(&s)?;
                if RUN_ONLY.contains(&key) {
                    eprintln!(
                        "warning: -W {key} has no effect on compile (give it to `wasmaot run`)"
                    );
                }
            }
        }
    }
    options.wasm_features = features.wasm_features();
    options.nan_canonicalization = features.nan_canonicalization;
    Ok(())
}

/// `-O opt-level=0|1|2|s` (the only optimization setting wasmaot has).
pub fn apply_optimize(options: &mut CompileOptions, raw: &[String]) -> Result<(), Failure> {
    for s in settings('O', raw) {
        match s.key {
            "opt-level" => {
                options.opt_level = opt_level(s.value.unwrap_or("")).map_err(|e| s.error(e))?
            }
            _ => {
                return Err(s.error("unknown or unsupported option; only opt-level=0|1|2|s exists"))
            }
        }
    }
    Ok(())
}

/// An optimization level as `--opt-level` and `-O opt-level=` spell it.
pub fn opt_level(s: &str) -> Result<OptLevel, String> {
    match s {
        "0" => Ok(OptLevel::None),
        "1" | "2" => Ok(OptLevel::Speed),
        "s" => Ok(OptLevel::SpeedAndSize),
        _ => Err(format!("expected 0, 1, 2 or s, found `{s}`")),
    }
}

/// `-C`: `target-cpu=NAME`, `cranelift-FEATURE[=y|n]` (a CPU flag: `cranelift-has-avx2`),
/// `parallel-compilation=y|n`, `compiler=cranelift`.
pub fn apply_codegen(options: &mut CompileOptions, raw: &[String]) -> Result<(), Failure> {
    for s in settings('C', raw) {
        if let Some(flag) = s.key.strip_prefix("cranelift-") {
            if !UNSUPPORTED_C.iter().any(|(k, _)| *k == s.key) {
                let on = s.bool()?;
                options.cpu.features.push((flag.replace('-', "_"), on));
                continue;
            }
        }
        match s.key {
            "target-cpu" => options.cpu.target_cpu = Some(required(&s)?.to_string()),
            "parallel-compilation" => options.parallel = s.bool()?,
            "compiler" if s.value == Some("cranelift") => {}
            "compiler" => return Err(s.error("wasmaot compiles with Cranelift only")),
            key => return Err(unknown_codegen(&s, key)),
        }
    }
    Ok(())
}

fn required<'a>(s: &Setting<'a>) -> Result<&'a str, Failure> {
    s.value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| s.error(format!("expects a value: {}=NAME", s.key)))
}

fn unknown_codegen(s: &Setting, key: &str) -> Failure {
    match UNSUPPORTED_C.iter().find(|(k, _)| *k == key) {
        Some((_, why)) => s.error(format!("not supported by wasmaot: {why}")),
        None => s.error(
            "unknown option; -C takes target-cpu=NAME, cranelift-FEATURE[=y|n] (CPU \
             features, `wasmaot settings` lists them), parallel-compilation=y|n, \
             compiler=cranelift",
        ),
    }
}

/// `--cpu-features +avx2,-bmi2,...` (a name alone turns it on).
pub fn apply_cpu_features(options: &mut CompileOptions, list: &str) -> Result<(), Failure> {
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, on) = match item.as_bytes()[0] {
            b'+' => (&item[1..], true),
            b'-' => (&item[1..], false),
            _ => (item, true),
        };
        if name.is_empty() {
            return Err(Failure(format!(
                "--cpu-features: `{item}` names no feature"
            )));
        }
        options.cpu.features.push((name.to_string(), on));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn compile_options() {
        let mut o = CompileOptions::default();
        apply_wasm(&mut o, &raw(&["fuel=1000,simd=n", "timeout=2s"]))
            .ok()
            .unwrap();
        assert!(o.consume_fuel && o.epoch_interruption);
        assert_eq!(o.wasm_features & wasmaot_abi::features::SIMD, 0);
        apply_wasm(&mut o, &raw(&["consume-fuel=n"])).ok().unwrap();
        assert!(!o.consume_fuel);
        apply_optimize(&mut o, &raw(&["opt-level=0"])).ok().unwrap();
        assert_eq!(o.opt_level, OptLevel::None);
        let e = apply_optimize(&mut o, &raw(&["opt-level=3"]))
            .err()
            .unwrap()
            .0;
        assert_eq!(e, "-O opt-level: expected 0, 1, 2 or s, found `3`");
        apply_codegen(&mut o, &raw(&["target-cpu=haswell,cranelift-has-bmi2=n"]))
            .ok()
            .unwrap();
        assert_eq!(o.cpu.target_cpu.as_deref(), Some("haswell"));
        apply_cpu_features(&mut o, "+avx2, -lzcnt").ok().unwrap();
        let features: Vec<(&str, bool)> = o
            .cpu
            .features
            .iter()
            .map(|(n, b)| (n.as_str(), *b))
            .collect();
        assert_eq!(
            features,
            [("has_bmi2", false), ("avx2", true), ("lzcnt", false)]
        );
        let e = apply_codegen(&mut o, &raw(&["cache"])).err().unwrap().0;
        assert!(e.starts_with("-C cache: not supported"), "{e}");
        let e = apply_codegen(&mut o, &raw(&["frob=1"])).err().unwrap().0;
        assert!(e.starts_with("-C frob: unknown option"), "{e}");
        assert!(apply_cpu_features(&mut o, "+").is_err());
    }
}
