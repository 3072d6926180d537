//! `--invoke`: which export to call (Wasmtime's spellings), its arguments parsed from
//! the command line by the parameter types, and its results printed.

use crate::run_wasi::Host;
use crate::{file_error, Failure};
use std::ffi::OsString;
use std::path::Path;
use wasmaot_loader::abi::ValType;
use wasmaot_loader::{Extern, Func, FuncType, Instance, Module, Store, Val};

/// The export `--invoke SPEC` names. SPEC is a plain name, or Wasmtime's component form
/// `NAME: func(...) -> ...` (as `wasmtime` prints a component's exports), the NAME
/// possibly quoted (`"a b": func()`); an export named SPEC itself wins, since a core
/// export's name may contain `:`.
pub fn invoke_name(spec: &str, exports: &[String]) -> String {
    if exports.iter().any(|e| e == spec) {
        return spec.to_string();
    }
    let spec = spec.trim();
    for quote in ['"', '\''] {
        if let Some(rest) = spec.strip_prefix(quote) {
            if let Some((name, _)) = rest.split_once(quote) {
                return name.to_string();
            }
        }
    }
    let end = spec.find([':', '(']).unwrap_or(spec.len());
    spec[..end].trim_end().to_string()
}

/// The function to call: `invoke`, or `_start`; its name and the function.
pub fn entry_func(
    path: &Path,
    module: &Module,
    instance: Instance,
    store: &mut Store<Host>,
    invoke: Option<&str>,
) -> Result<(String, Func), Failure> {
    let exports: Vec<String> = module
        .exports()
        .into_iter()
        .map(|e| e.name.to_string())
        .collect();
    let name = match invoke {
        Some(spec) => invoke_name(spec, &exports),
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
pub fn call_params(name: &str, ty: &FuncType, call_args: &[OsString]) -> Result<Vec<Val>, Failure> {
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

pub fn show(v: &Val) -> String {
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
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(r)) => match r.i31_get_s() {
            Some(v) => format!("ref.i31 {v}"),
            None => "anyref".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_names() {
        let exports = ["add".to_string(), "wasi:cli/run#run".to_string()];
        let name = |spec| invoke_name(spec, &exports);
        assert_eq!(name("add"), "add");
        assert_eq!(name("wasi:cli/run#run"), "wasi:cli/run#run");
        assert_eq!(name("ruby-show-version: func() -> ()"), "ruby-show-version");
        assert_eq!(name("add(1, 2)"), "add");
        assert_eq!(name("\"a: b\": func(x: u32)"), "a: b");
        assert_eq!(name("'q'"), "q");
    }

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
