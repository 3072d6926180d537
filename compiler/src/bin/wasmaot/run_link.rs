//! The imports `wasmaot run` gives the main module: WASI preview 1, the exports of the
//! `--preload` modules under their names, and with `-W unknown-imports-trap` /
//! `unknown-imports-default` stand-ins for the rest.

use crate::run_wasi::Host;
use crate::wasm_options::WasmOptions;
use crate::{file_error, Failure};
use std::path::{Path, PathBuf};
use wasmaot_loader::{Error, Instance, Linker, Module, Store};

/// A `--preload NAME=MODULE`: its name, file and module.
pub struct Preload {
    pub name: String,
    pub path: PathBuf,
    pub module: Module,
}

/// `NAME=MODULE` → (name, path).
pub fn parse_preload(spec: &str) -> Result<(String, PathBuf), Failure> {
    match spec.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_string(), PathBuf::from(path)))
        }
        _ => Err(Failure(format!(
            "--preload `{spec}`: expected NAME=MODULE (the import module name, then the file)"
        ))),
    }
}

/// How linking or instantiating failed: before any wasm ran (a plain error), or in a
/// start function (reported like a failed call, for the module at `path`).
pub enum LinkFailure {
    Failure(Failure),
    Call(PathBuf, Error),
}

impl From<Failure> for LinkFailure {
    fn from(f: Failure) -> Self {
        LinkFailure::Failure(f)
    }
}

/// Instantiate each preload (with what `linker` has so far) and define its exports
/// under its name.
pub fn instantiate_preloads(
    linker: &mut Linker<Host>,
    store: &mut Store<Host>,
    preloads: &[Preload],
) -> Result<(), LinkFailure> {
    for p in preloads {
        check_known(linker, &p.path, &p.module)?;
        let instance = linker
            .instantiate(&mut *store, &p.module)
            .map_err(|e| LinkFailure::Call(p.path.clone(), e))?;
        linker
            .instance(&mut *store, &p.name, instance)
            .map_err(|e| Failure(format!("--preload {}: {e}", p.name)))?;
    }
    Ok(())
}

/// Instantiate the main module, with stand-ins for its unknown imports as `-W` asks.
pub fn instantiate_main(
    linker: &mut Linker<Host>,
    store: &mut Store<Host>,
    path: &Path,
    module: &Module,
    options: &WasmOptions,
) -> Result<Instance, LinkFailure> {
    let what = |e: Error| file_error(path, format!("unknown imports: {e}"));
    if options.unknown_imports_trap {
        linker
            .define_unknown_imports_as_traps(module)
            .map_err(what)?;
    }
    if options.unknown_imports_default {
        linker
            .define_unknown_imports_as_default_values(&mut *store, module)
            .map_err(what)?;
    }
    check_known(linker, path, module)?;
    linker
        .instantiate(&mut *store, module)
        .map_err(|e| LinkFailure::Call(path.to_path_buf(), e))
}

/// An error listing the imports of `module` that `linker` does not define.
fn check_known(linker: &Linker<Host>, path: &Path, module: &Module) -> Result<(), Failure> {
    let unknown: Vec<String> = linker
        .unknown_imports(module)
        .iter()
        .map(|i| format!("  {}::{}: {:?}", i.module, i.name, i.ty))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(file_error(
        path,
        format!(
            "the module needs imports that `wasmaot run` cannot provide (it provides {}, \
             the --preload modules' exports, and stand-ins for unknown functions with \
             -W unknown-imports-trap=y or for anything with -W unknown-imports-default=y):\n{}",
            wasmaot_wasi::MODULE,
            unknown.join("\n")
        ),
    ))
}
