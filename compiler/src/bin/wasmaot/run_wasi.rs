//! The WASI context `wasmaot run` gives a program: stdio inherited, the program name
//! (`--argv0`, else the FILE as given) and its arguments, the environment (`-S
//! inherit-env`'s host variables, then `--env`'s), the `--dir` preopens.

use crate::wasi_options::WasiOptions;
use crate::Failure;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use wasmaot_wasi::{SharedWasiCtx, WasiCtx, WasiCtxBuilder};

/// The data of every store `wasmaot run` makes: the WASI context, one for all the threads
/// of a wasi-threads program.
#[derive(Clone)]
pub struct Host {
    pub wasi: SharedWasiCtx,
}

impl Host {
    pub fn new(ctx: WasiCtx) -> Host {
        Host {
            wasi: Arc::new(Mutex::new(ctx)),
        }
    }
}

/// What the context is made from.
pub struct WasiSpec<'a> {
    pub program: &'a Path,
    pub argv0: Option<&'a str>,
    pub args: &'a [OsString],
    pub envs: &'a [String],
    pub dirs: &'a [String],
    pub options: &'a WasiOptions,
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

/// The environment: the host's with `-S inherit-env`, then each `--env` (replacing a
/// variable of the same name).
fn environment(spec: &WasiSpec) -> Result<Vec<(OsString, OsString)>, Failure> {
    let mut vars: Vec<(OsString, OsString)> = match spec.options.inherit_env {
        true => std::env::vars_os().collect(),
        false => Vec::new(),
    };
    for e in spec.envs {
        if let Some((key, value)) = parse_env(e)? {
            let key = OsString::from(key);
            match vars.iter_mut().find(|(k, _)| *k == key) {
                Some(var) => var.1 = value,
                None => vars.push((key, value)),
            }
        }
    }
    Ok(vars)
}

/// The WASI context for `spec`.
pub fn wasi_ctx(spec: &WasiSpec) -> Result<WasiCtx, Failure> {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    match spec.argv0 {
        Some(name) => builder.arg(name),
        None => builder.arg(spec.program.as_os_str().as_bytes()),
    };
    for a in spec.args {
        builder.arg(a.as_bytes());
    }
    let vars = environment(spec)?;
    builder.envs(vars.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())));
    for spec in spec.dirs {
        let (host, guest) = parse_dir(spec)?;
        builder
            .preopened_dir(host, guest)
            .map_err(|e| Failure(format!("--dir {spec}: cannot open `{host}`: {e}")))?;
    }
    Ok(builder.build())
}
