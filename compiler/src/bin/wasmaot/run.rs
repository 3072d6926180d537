//! `wasmaot run`: load (or compile in memory) a module, instantiate it and call one export.
//!
//! A module that imports `wasi_snapshot_preview1` gets WASI: stdio inherited, the program
//! name and the trailing arguments as its arguments, `--env` variables only, `--dir`
//! directories preopened. Its `_start` is run and the code it passes to `proc_exit`
//! becomes the process's exit status.

use crate::{file_error, Failure, EXIT_TRAP};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::abi::ValType;
use wasmaot_loader::{Engine, Error, Extern, Func, FuncType, Instance, Linker, Module, Store, Val};
use wasmaot_wasi as wasi;
use wasmaot_wasi::{WasiCtx, WasiCtxBuilder};

#[derive(clap::Args)]
pub struct Args {
    /// An artifact (.cwasm), or a .wasm/.wat module to compile in memory first.
    file: PathBuf,
    /// The export to call (default: `_start`). Its arguments are then the ARGS.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// WASI: preopen the host directory HOST as GUEST (default: HOST itself).
    /// Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// WASI: set the environment variable K to V; `--env K` passes the host's value
    /// of K. The guest sees no other variables. Repeatable.
    #[arg(long = "env", value_name = "K=V")]
    envs: Vec<String>,
    /// WASI: the program's arguments (after the program name). With --invoke: the
    /// arguments of the call, parsed by the export's parameter types (integers in
    /// decimal or 0x hex, floats in decimal).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<OsString>,
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
        // A shared object from `wasmaot compile --emit shared` is opened with dlopen.
        let module = if wasmaot_loader::is_shared_object(&bytes) {
            Module::from_shared_object(engine, path)
        } else {
            Module::from_file(engine, path)
        };
        // The loader's errors for a file already name it.
        module.map_err(|e| {
            let message = e.to_string();
            if message.starts_with(&path.display().to_string()) {
                Failure(message)
            } else {
                file_error(path, message)
            }
        })
    }
}

/// `HOST[::GUEST]` → (host, guest).
fn parse_dir(spec: &str) -> Result<(&str, &str), Failure> {
    let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
    if host.is_empty() || guest.is_empty() {
        return Err(Failure(format!(
            "--dir `{spec}`: expected HOST or HOST::GUEST with non-empty paths"
        )));
    }
    Ok((host, guest))
}

/// `K=V` → (K, V); `K` → (K, the host's value of K), or `None` if the host has no K.
fn parse_env(spec: &str) -> Result<Option<(String, OsString)>, Failure> {
    let (key, value) = match spec.split_once('=') {
        Some((k, v)) => (k, Some(OsString::from(v))),
        None => (spec, None),
    };
    if key.is_empty() {
        return Err(Failure(format!(
            "--env `{spec}`: expected K=V (or K, to pass the host's value)"
        )));
    }
    Ok(value
        .or_else(|| std::env::var_os(key))
        .map(|v| (key.to_string(), v)))
}

/// The WASI context for `args`: stdio inherited, the program name and the arguments,
/// the `--env` variables only, the `--dir` preopens.
fn wasi_ctx(args: &Args, guest_args: &[OsString]) -> Result<WasiCtx, Failure> {
    use std::os::unix::ffi::OsStrExt;
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder.arg(args.file.as_os_str().as_bytes());
    for a in guest_args {
        builder.arg(a.as_bytes());
    }
    for spec in &args.envs {
        if let Some((key, value)) = parse_env(spec)? {
            builder.env(key, value.as_bytes());
        }
    }
    for spec in &args.dirs {
        let (host, guest) = parse_dir(spec)?;
        builder
            .preopened_dir(host, guest)
            .map_err(|e| Failure(format!("--dir {spec}: cannot open `{host}`: {e}")))?;
    }
    Ok(builder.build())
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    let path = &args.file;
    let engine = Engine::default();
    let module = load(&engine, path)?;
    let uses_wasi = check_imports(path, &module)?;
    if !uses_wasi && (!args.dirs.is_empty() || !args.envs.is_empty()) {
        eprintln!(
            "warning: {}: the module does not import {}; --dir and --env have no effect",
            path.display(),
            wasi::MODULE
        );
    }

    // With --invoke the trailing arguments belong to the call; otherwise to the program.
    let guest_args: &[OsString] = if args.invoke.is_some() {
        &[]
    } else {
        &args.args
    };
    let ctx = if uses_wasi {
        wasi_ctx(&args, guest_args)?
    } else {
        WasiCtx::default()
    };
    let mut store = Store::new(&engine, ctx);
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    if uses_wasi {
        wasi::add_to_linker(&mut linker, |ctx| ctx)
            .map_err(|e| Failure(format!("cannot set up WASI: {e}")))?;
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) => return Ok(report_call_error(path, e)),
    };

    let (name, func) = entry_func(path, &module, instance, &mut store, args.invoke.as_deref())?;
    let ty = func.ty(&store);
    // A WASI command's arguments are the program's, not `_start`'s.
    let call_args: &[OsString] = if uses_wasi && args.invoke.is_none() {
        &[]
    } else {
        &args.args
    };
    let params = call_params(&name, &ty, call_args)?;

    // A reactor (a WASI module exporting `_initialize`) is initialized before the call.
    if uses_wasi && args.invoke.is_some() {
        if let Some(Extern::Func(init)) = instance.get_export(&mut store, "_initialize") {
            if let Err(e) = init.call(&mut store, &[], &mut []) {
                return Ok(report_call_error(path, e));
            }
        }
    }

    let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        return Ok(report_call_error(path, e));
    }
    for result in &results {
        println!("{}", show(result));
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the module imports WASI; an error listing them if it imports anything else.
fn check_imports(path: &Path, module: &Module) -> Result<bool, Failure> {
    let imports = module.imports();
    let foreign: Vec<String> = imports
        .iter()
        .filter(|i| i.module != wasi::MODULE)
        .map(|i| format!("  {}::{}: {:?}", i.module, i.name, i.ty))
        .collect();
    if !foreign.is_empty() {
        return Err(file_error(
            path,
            format!(
                "the module needs imports that `wasmaot run` cannot provide \
                 (it provides {} only):\n{}",
                wasi::MODULE,
                foreign.join("\n")
            ),
        ));
    }
    Ok(imports.iter().any(|i| i.module == wasi::MODULE))
}

/// The function to call: `invoke`, or `_start`; its name and the function.
fn entry_func(
    path: &Path,
    module: &Module,
    instance: Instance,
    store: &mut Store<WasiCtx>,
    invoke: Option<&str>,
) -> Result<(String, Func), Failure> {
    let exports: Vec<String> = module
        .exports()
        .into_iter()
        .map(|e| e.name.to_string())
        .collect();
    let name = match invoke {
        Some(name) => name.to_string(),
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
    match instance.get_export(store, &name) {
        Some(Extern::Func(f)) => Ok((name, f)),
        Some(_) => Err(file_error(
            path,
            format!("export `{name}` is not a function"),
        )),
        None => Err(file_error(path, format!("no export named `{name}`"))),
    }
}

/// The call's parameters, parsed from `call_args` by the function's parameter types.
fn call_params(name: &str, ty: &FuncType, call_args: &[OsString]) -> Result<Vec<Val>, Failure> {
    if ty.params.len() != call_args.len() {
        return Err(Failure(format!(
            "`{name}` takes {} arguments ({}), {} given",
            ty.params.len(),
            ty,
            call_args.len()
        )));
    }
    ty.params
        .iter()
        .zip(call_args)
        .enumerate()
        .map(|(i, (t, s))| {
            let s = s.to_str().ok_or_else(|| {
                Failure(format!(
                    "argument {}: `{}` is not valid UTF-8",
                    i + 1,
                    s.to_string_lossy()
                ))
            })?;
            parse_arg(*t, s).map_err(|m| Failure(format!("argument {}: {m}", i + 1)))
        })
        .collect()
}

/// The exit status for a failed instantiation or call: the `proc_exit` code if the WASI
/// program exited (its low 8 bits, as the OS keeps them), else [`report_error`].
fn report_call_error(path: &Path, e: Error) -> ExitCode {
    match e.downcast_ref::<wasi::I32Exit>() {
        Some(exit) => ExitCode::from(exit.0 as u8),
        None => report_error(path, &e),
    }
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
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "exnref".into(),
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
