//! CPU features of the code: which the target ISA may use, how they are chosen
//! (`CpuSettings`) and the list `wasmaot settings` prints.

use crate::CompileError;
use cranelift_codegen::isa;
use cranelift_codegen::settings::{Configurable, SettingKind};
use std::str::FromStr;
use target_lexicon::Triple;

/// Which CPU features compiled code may use.
///
/// Without settings, code for the host (no target triple) uses every feature this CPU
/// has, and code for a named target uses only that architecture's baseline (x86-64:
/// SSE2), so it runs on any CPU of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuSettings {
    /// A CPU model to start from: a Cranelift preset of the target (`haswell`,
    /// `x86-64-v3`, `baseline`, `wasmtime settings` lists them) or `native` (this CPU's
    /// features; only when the target's architecture is the host's).
    pub target_cpu: Option<String>,
    /// Features turned on (`true`) or off, in order, after the model: Cranelift's ISA
    /// settings, with or without their `has_` prefix (`avx2`, `has_bmi2`).
    pub features: Vec<(String, bool)>,
}

/// The ISA builder for `target` (the host's when `None`) with the CPU features `cpu`
/// asks for applied.
pub(crate) fn isa_builder(
    target: Option<&str>,
    cpu: &CpuSettings,
) -> Result<isa::Builder, CompileError> {
    let host = target.is_none();
    let mut builder = lookup(target)?;
    if let Some(model) = &cpu.target_cpu {
        apply_model(&mut builder, model)?;
    } else if host {
        infer_host(&mut builder)?;
    }
    for (name, on) in &cpu.features {
        let setting = find_feature(&builder, name)?;
        // Off: so is every feature that needs it (no AVX: no AVX2).
        let mut names = vec![setting];
        if !*on {
            names.extend(dependents(setting));
        }
        for n in names {
            builder
                .set(n, if *on { "true" } else { "false" })
                .map_err(|e| CompileError::Target(format!("CPU feature `{name}`: {e}")))?;
        }
    }
    add_requirements(&mut builder)?;
    Ok(builder)
}

/// x86-64 features that Cranelift uses only together with another (it emits AVX2
/// instructions only if `has_avx` is set too, but its `x86-64-v3` model and a bare
/// `+avx2` leave it off): (feature, what it requires).
const REQUIRES: &[(&str, &str)] = &[
    ("has_ssse3", "has_sse3"),
    ("has_sse41", "has_ssse3"),
    ("has_sse42", "has_sse41"),
    ("has_avx", "has_sse42"),
    ("has_avx2", "has_avx"),
    ("has_fma", "has_avx"),
    ("has_avx_vnni", "has_avx2"),
    ("has_avx512f", "has_avx2"),
    ("has_avx512dq", "has_avx512f"),
    ("has_avx512vl", "has_avx512f"),
    ("has_avx512bitalg", "has_avx512f"),
    ("has_avx512vbmi", "has_avx512f"),
    ("has_avx512vnni", "has_avx512f"),
];

/// Every feature that requires `name`, directly or not.
fn dependents(name: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut work = vec![name];
    while let Some(n) = work.pop() {
        for (feature, _) in REQUIRES.iter().filter(|(_, r)| *r == n) {
            if !found.contains(feature) {
                found.push(feature);
                work.push(feature);
            }
        }
    }
    found
}

/// Turn on what the enabled features require, as LLVM's `+avx2` implies `+avx`.
fn add_requirements(builder: &mut isa::Builder) -> Result<(), CompileError> {
    loop {
        let enabled = enabled_features(builder)?;
        let missing: Vec<&str> = REQUIRES
            .iter()
            .filter(|(f, r)| enabled.contains(f) && !enabled.contains(r))
            .map(|(_, r)| *r)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for name in missing {
            builder
                .enable(name)
                .map_err(|e| CompileError::Target(format!("CPU feature `{name}`: {e}")))?;
        }
    }
}

/// The boolean ISA settings `builder` has on.
fn enabled_features(builder: &isa::Builder) -> Result<Vec<&'static str>, CompileError> {
    let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
    let isa = builder
        .finish(flags)
        .map_err(|e| CompileError::Target(e.to_string()))?;
    Ok(isa
        .isa_flags()
        .iter()
        .filter(|v| v.as_bool() == Some(true))
        .map(|v| v.name)
        .collect())
}

/// The bare ISA builder (baseline features) of `target`, or of the host's triple.
fn lookup(target: Option<&str>) -> Result<isa::Builder, CompileError> {
    let triple = match target {
        None => Triple::host(),
        Some(text) => Triple::from_str(text)
            .map_err(|e| CompileError::Target(format!("unknown target triple `{text}`: {e}")))?,
    };
    isa::lookup(triple.clone())
        .map_err(|e| CompileError::Target(format!("cannot compile for `{triple}`: {e}")))
}

fn infer_host(builder: &mut isa::Builder) -> Result<(), CompileError> {
    cranelift_native::infer_native_flags(builder)
        .map_err(|e| CompileError::Target(format!("cannot detect this CPU's features: {e}")))
}

fn apply_model(builder: &mut isa::Builder, model: &str) -> Result<(), CompileError> {
    if model == "native" {
        let arch = builder.triple().architecture;
        if arch != Triple::host().architecture {
            return Err(CompileError::Target(format!(
                "target CPU `native` describes this host, whose architecture is not the \
                 target's ({arch})"
            )));
        }
        return infer_host(builder);
    }
    let known = builder
        .iter()
        .any(|s| s.kind == SettingKind::Preset && s.name == model);
    if !known {
        return Err(CompileError::Target(format!(
            "unknown target CPU `{model}` for {} (`wasmaot settings` lists the CPU models)",
            builder.triple().architecture
        )));
    }
    builder
        .enable(model)
        .map_err(|e| CompileError::Target(format!("target CPU `{model}`: {e}")))
}

/// The name of the boolean ISA setting `name` (`avx2` or `has_avx2`) of `builder`.
fn find_feature(builder: &isa::Builder, name: &str) -> Result<&'static str, CompileError> {
    let wanted = name.replace('-', "_");
    builder
        .iter()
        .filter(|s| s.kind == SettingKind::Bool)
        .find(|s| s.name == wanted || s.name.strip_prefix("has_") == Some(wanted.as_str()))
        .map(|s| s.name)
        .ok_or_else(|| {
            CompileError::Target(format!(
                "unknown CPU feature `{name}` for {} (`wasmaot settings` lists them)",
                builder.triple().architecture
            ))
        })
}

/// One CPU setting of a target, as `wasmaot settings` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSetting {
    pub name: &'static str,
    pub description: &'static str,
    /// A CPU model (a preset of several features) rather than one feature.
    pub is_model: bool,
    /// Whether this host has it (features only; `None` for another architecture or a
    /// model).
    pub host_has: Option<bool>,
}

/// The CPU features and models code for `target` (the host when `None`) can be compiled
/// with, in Cranelift's order.
pub fn cpu_settings(target: Option<&str>) -> Result<Vec<CpuSetting>, CompileError> {
    let builder = lookup(target)?;
    let host = host_features(&builder)?;
    Ok(builder
        .iter()
        .filter(|s| matches!(s.kind, SettingKind::Bool | SettingKind::Preset))
        .map(|s| CpuSetting {
            name: s.name,
            description: s.description,
            is_model: s.kind == SettingKind::Preset,
            host_has: match (&host, s.kind) {
                (Some(list), SettingKind::Bool) => Some(list.contains(&s.name)),
                _ => None,
            },
        })
        .collect())
}

/// The features this host has, if `builder`'s architecture is the host's.
fn host_features(builder: &isa::Builder) -> Result<Option<Vec<&'static str>>, CompileError> {
    if builder.triple().architecture != Triple::host().architecture {
        return Ok(None);
    }
    let mut native = lookup(None)?;
    infer_host(&mut native)?;
    enabled_features(&native).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features_of(target: Option<&str>, cpu: &CpuSettings) -> Result<Vec<String>, String> {
        let builder = isa_builder(target, cpu).map_err(|e| e.to_string())?;
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        let isa = builder.finish(flags).map_err(|e| e.to_string())?;
        Ok(isa
            .isa_flags()
            .iter()
            .filter(|v| v.as_bool() == Some(true))
            .map(|v| v.name.to_string())
            .collect())
    }

    #[test]
    fn a_named_target_starts_from_the_baseline() {
        let x86 = Some("x86_64-unknown-linux-gnu");
        let none = features_of(x86, &CpuSettings::default()).unwrap();
        assert!(!none.iter().any(|f| f.starts_with("has_")), "{none:?}");
        let cpu = CpuSettings {
            target_cpu: None,
            features: vec![("avx2".into(), true), ("has_avx".into(), true)],
        };
        let some = features_of(x86, &cpu).unwrap();
        assert!(some.contains(&"has_avx2".to_string()), "{some:?}");
        assert!(!some.contains(&"has_popcnt".to_string()), "{some:?}");
        let cpu = CpuSettings {
            target_cpu: Some("haswell".into()),
            features: vec![("bmi2".into(), false)],
        };
        let haswell = features_of(x86, &cpu).unwrap();
        assert!(haswell.contains(&"has_avx2".to_string()), "{haswell:?}");
        assert!(!haswell.contains(&"has_bmi2".to_string()), "{haswell:?}");
        // Requirements follow: +avx2 brings AVX and SSE4.2 ..., -avx takes AVX2 away.
        let cpu = CpuSettings {
            target_cpu: Some("x86-64-v3".into()),
            features: vec![],
        };
        let v3 = features_of(x86, &cpu).unwrap();
        assert!(v3.contains(&"has_avx".to_string()), "{v3:?}");
        let cpu = CpuSettings {
            target_cpu: None,
            features: vec![("avx2".into(), true)],
        };
        let avx2 = features_of(x86, &cpu).unwrap();
        let expected = [
            "has_sse3",
            "has_ssse3",
            "has_sse41",
            "has_sse42",
            "has_avx",
            "has_avx2",
        ];
        assert_eq!(avx2, expected);
        let cpu = CpuSettings {
            target_cpu: Some("haswell".into()),
            features: vec![("avx".into(), false)],
        };
        let no_avx = features_of(x86, &cpu).unwrap();
        assert!(
            !no_avx.iter().any(|f| f.contains("avx") || f == "has_fma"),
            "{no_avx:?}"
        );
    }

    #[test]
    fn unknown_names_are_errors() {
        let x86 = Some("x86_64-unknown-linux-gnu");
        let cpu = CpuSettings {
            target_cpu: Some("pentium9".into()),
            features: vec![],
        };
        let e = features_of(x86, &cpu).unwrap_err();
        assert!(
            e.contains("unknown target CPU `pentium9` for x86_64"),
            "{e}"
        );
        let cpu = CpuSettings {
            target_cpu: None,
            features: vec![("avx9".into(), true)],
        };
        let e = features_of(x86, &cpu).unwrap_err();
        assert!(e.contains("unknown CPU feature `avx9` for x86_64"), "{e}");
        let listed = cpu_settings(Some("aarch64-unknown-linux-gnu")).unwrap();
        assert!(listed
            .iter()
            .any(|s| s.name == "has_lse" && s.host_has.is_none()));
    }
}
