//! `wasmaot run`: load (or compile in memory) a module, instantiate it and call one export.

use crate::{file_error, Failure, EXIT_TRAP};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::abi::ValType;
use wasmaot_loader::{Engine, Error, Extern, Instance, Module, Store, Val};

#[derive(clap::Args)]
pub struct Args {
    /// An artifact (.cwasm), or a .wasm/.wat module to compile in memory first.
    file: PathBuf,
    /// The export to call (default: `_start`).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Arguments of the call, parsed by the export's parameter types: integers in
    /// decimal or 0x hex, floats in decimal.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<String>,
}

/// Whether `path` holds WebAssembly (binary or text) rather than an artifact.
fn is_wasm_source(path: &Path, bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
        || matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "wat")
        )
}

fn load(engine: &Engine, path: &Path) -> Result<Module, Failure> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    if is_wasm_source(path, &bytes) {
        let artifact =
            compile(&bytes, &CompileOptions::default()).map_err(|e| file_error(path, e))?;
        Module::from_bytes(engine, &artifact).map_err(|e| file_error(path, e))
    } else {
        // The loader's errors for a file already name it.
        Module::from_file(engine, path).map_err(|e| {
            let message = e.to_string();
            if message.starts_with(&path.display().to_string()) {
                Failure(message)
            } else {
                file_error(path, message)
            }
        })
    }
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    let path = &args.file;
    let engine = Engine::default();
    let module = load(&engine, path)?;

    let imports: Vec<String> = module
        .imports()
        .into_iter()
        .map(|i| format!("  {}::{}: {:?}", i.module, i.name, i.ty))
        .collect();
    if !imports.is_empty() {
        return Err(file_error(
            path,
            format!(
                "the module needs imports that `wasmaot run` cannot provide:\n{}",
                imports.join("\n")
            ),
        ));
    }

    let mut store = Store::new(&engine, ());
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(instance) => instance,
        Err(e) => return Ok(report_error(path, &e)),
    };

    let exports: Vec<String> = module
        .exports()
        .into_iter()
        .map(|e| e.name.to_string())
        .collect();
    let name = match &args.invoke {
        Some(name) => name.clone(),
        None if exports.iter().any(|e| e == "_start") => "_start".to_string(),
        None => {
            return Err(file_error(
                path,
                format!(
                    "no `_start` export; choose one with --invoke: {}",
                    exports.join(", ")
                ),
            ));
        }
    };
    let func = match instance.get_export(&mut store, &name) {
        Some(Extern::Func(f)) => f,
        Some(_) => {
            return Err(file_error(
                path,
                format!("export `{name}` is not a function"),
            ))
        }
        None => return Err(file_error(path, format!("no export named `{name}`"))),
    };
    let ty = func.ty(&store);
    if ty.params.len() != args.args.len() {
        return Err(Failure(format!(
            "`{name}` takes {} arguments ({}), {} given",
            ty.params.len(),
            ty,
            args.args.len()
        )));
    }
    let params = ty
        .params
        .iter()
        .zip(&args.args)
        .enumerate()
        .map(|(i, (t, s))| {
            parse_arg(*t, s).map_err(|m| Failure(format!("argument {}: {m}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        return Ok(report_error(path, &e));
    }
    for result in &results {
        println!("{}", show(result));
    }
    Ok(ExitCode::SUCCESS)
}

/// Print an instantiation or call error: a trap (`wasm trap: ...` and its backtrace,
/// exit code 3) or any other error (exit code 1).
fn report_error(path: &Path, e: &Error) -> ExitCode {
    let Some(trap) = e.as_trap() else {
        eprintln!("error: {}: {e}", path.display());
        return ExitCode::FAILURE;
    };
    eprintln!("wasm trap: {}", trap.message);
    if !trap.backtrace.is_empty() {
        eprintln!("wasm backtrace:");
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (i, frame) in trap.backtrace.iter().enumerate() {
        let module = frame.module_name.as_deref().unwrap_or(&stem);
        match &frame.func_name {
            Some(name) => eprintln!("  {i}: {module}!{name}"),
            None => eprintln!("  {i}: {module}!func[{}]", frame.func_index),
        }
    }
    ExitCode::from(EXIT_TRAP)
}

fn parse_int(s: &str) -> Result<u64, String> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    }
    .map_err(|e| format!("`{s}` is not an integer: {e}"))?;
    Ok(if negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    })
}

/// Parse a command-line argument as a value of type `ty`.
fn parse_arg(ty: ValType, s: &str) -> Result<Val, String> {
    match ty {
        ValType::I32 => {
            let v = parse_int(s)?;
            // Accept the signed and the unsigned range.
            if v <= u32::MAX as u64 || (i32::MIN as i64..0).contains(&(v as i64)) {
                Ok(Val::I32(v as i32))
            } else {
                Err(format!("`{s}` does not fit in i32"))
            }
        }
        ValType::I64 => Ok(Val::I64(parse_int(s)? as i64)),
        ValType::F32 => s
            .parse::<f32>()
            .map(|f| Val::F32(f.to_bits()))
            .map_err(|e| format!("`{s}`: {e}")),
        ValType::F64 => s
            .parse::<f64>()
            .map(|f| Val::F64(f.to_bits()))
            .map_err(|e| format!("`{s}`: {e}")),
        other => Err(format!(
            "parameters of type {other} cannot be given on the command line"
        )),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(v) => format!("{v:#034x}"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_arguments() {
        assert!(matches!(parse_arg(ValType::I32, "-1"), Ok(Val::I32(-1))));
        assert!(matches!(
            parse_arg(ValType::I32, "4294967295"),
            Ok(Val::I32(-1))
        ));
        assert!(matches!(parse_arg(ValType::I32, "0x10"), Ok(Val::I32(16))));
        assert!(matches!(
            parse_arg(ValType::I32, "-0x10"),
            Ok(Val::I32(-16))
        ));
        assert!(parse_arg(ValType::I32, "4294967296").is_err());
        assert!(parse_arg(ValType::I32, "-2147483649").is_err());
        assert!(matches!(
            parse_arg(ValType::I64, "-9223372036854775808"),
            Ok(Val::I64(i64::MIN))
        ));
        assert!(parse_arg(ValType::I64, "1.5").is_err());
        assert!(matches!(parse_arg(ValType::F64, "1.5"), Ok(Val::F64(b)) if b == 1.5f64.to_bits()));
    }
}
