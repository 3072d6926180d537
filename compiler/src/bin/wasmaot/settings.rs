//! `wasmaot settings [--target T]`: the CPU features and CPU models code can be compiled
//! with, and which features this host has (as `wasmtime settings` lists them).

use crate::Failure;
use std::fmt::Write;
use std::process::ExitCode;
use wasmaot_compiler::{cpu_settings, CpuSetting};

#[derive(clap::Args)]
pub struct Args {
    /// The target triple (default: the host).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    let list = cpu_settings(args.target.as_deref())?;
    print!("{}", describe(args.target.as_deref(), &list));
    Ok(ExitCode::SUCCESS)
}

fn describe(target: Option<&str>, list: &[CpuSetting]) -> String {
    let mut out = String::new();
    let width = list.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let target = target.map_or("the host".to_string(), |t| format!("`{t}`"));
    let _ = writeln!(
        out,
        "CPU features for {target} (`compile --cpu-features +NAME,-NAME` or \
         `-C cranelift-NAME=y|n`; a named --target starts with none of them):"
    );
    let host_has = |s: &CpuSetting| match s.host_has {
        Some(true) => "  [this host has it]",
        _ => "",
    };
    for s in list.iter().filter(|s| !s.is_model) {
        let _ = writeln!(out, "  {:width$}  {}{}", s.name, s.description, host_has(s));
    }
    let _ = writeln!(
        out,
        "\nCPU models (`compile -C target-cpu=NAME`, or native):"
    );
    for s in list.iter().filter(|s| s.is_model) {
        let _ = writeln!(out, "  {:width$}  {}", s.name, s.description);
    }
    if list.iter().any(|s| s.host_has.is_some()) {
        let has: Vec<&str> = list
            .iter()
            .filter(|s| s.host_has == Some(true))
            .map(|s| s.name)
            .collect();
        let _ = writeln!(
            out,
            "\nThis host's features (the default without --target): {}",
            if has.is_empty() {
                "none".to_string()
            } else {
                has.join(",")
            }
        );
    }
    out
}
