//! `wasmaot run`: load (or compile in memory) a module, instantiate it and call one export,
//! with Wasmtime's options (`-W`, `-S`, `--preload`, `--argv0`, `--invoke`).
//!
//! A module that imports `wasi_snapshot_preview1` gets WASI (`run_wasi.rs`): stdio
//! inherited, the program name and the trailing arguments as its arguments, `--env`
//! variables only (all of the host's with `-S inherit-env`), `--dir` directories
//! preopened. Its `_start` is run and the code it passes to `proc_exit` becomes the
//! process's exit status.

use crate::invoke::{call_params, entry_func, show};
use crate::run_link::{
    instantiate_main, instantiate_preloads, parse_preload, LinkFailure, Preload,
};
use crate::run_load::load;
use crate::run_wasi::{wasi_ctx, Host, WasiSpec};
use crate::wasi_options::{self, WasiOptions};
use crate::wasm_options::{self, WasmOptions};
use crate::{file_error, Failure, EXIT_TRAP};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmaot_loader::{Engine, Error, Extern, Instance, Linker, Module, Store, Val};
use wasmaot_wasi as wasi;
use wasmaot_wasi::threads::{self, WasiThreads};
use wasmaot_wasi::WasiCtx;

#[derive(clap::Args)]
pub struct Args {
    /// An artifact (.cwasm or --emit shared .so), or a .wasm/.wat module to compile in
    /// memory first. (Not needed for `-W help` / `-S help`.)
    #[arg(required_unless_present_any = ["wasm", "wasi"])]
    file: Option<PathBuf>,
    /// The export to call (default: `_start`). Its arguments are then the ARGS. Also
    /// Wasmtime's form `'NAME: func(...)'` (the NAME is called; it may be quoted).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// WASI: preopen the host directory HOST as GUEST (default: HOST itself).
    /// Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// WASI: set the environment variable K to V; `--env K` passes the host's value
    /// of K. The guest sees no other variables (unless -S inherit-env). Repeatable.
    #[arg(long = "env", value_name = "K=V")]
    envs: Vec<String>,
    /// Wasm options, Wasmtime's: fuel=N, timeout=DURATION, max-memory-size=BYTES,
    /// max-table-elements=N, max-instances=N, unknown-imports-trap, feature names, ...
    /// (`-W help` lists them). Comma-separated, repeatable.
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
    wasm: Vec<String>,
    /// WASI options, Wasmtime's: inherit-env, cli=n (no WASI), ... (`-S help` lists them).
    /// Comma-separated, repeatable.
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VAL[,..]]")]
    wasi: Vec<String>,
    /// Instantiate MODULE first and let the main module import its exports from NAME.
    /// Repeatable; each may import from the ones before it and from WASI.
    #[arg(long = "preload", value_name = "NAME=MODULE")]
    preloads: Vec<String>,
    /// WASI: the program name the guest sees as its first argument (default: FILE).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,
    /// Accepted for Wasmtime compatibility: wasmaot always runs precompiled artifacts.
    #[arg(long)]
    allow_precompiled: bool,
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

/// `-W help` / `-S help`: the text to print, if asked.
fn option_help(args: &Args) -> Option<String> {
    let asks = |raw: &[String]| raw.iter().any(|r| r.split(',').any(|k| k == "help"));
    match (asks(&args.wasm), asks(&args.wasi)) {
        (false, false) => None,
        (w, s) => Some(
            [w.then(wasm_options::help), s.then(wasi_options::help)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

fn imports_wasi(module: &Module) -> bool {
    module.imports().iter().any(|i| i.module == wasi::MODULE)
}

/// The modules of `--preload`, loaded like the main one.
fn load_preloads(
    engine: &Engine,
    args: &Args,
    wasm: &WasmOptions,
) -> Result<Vec<Preload>, Failure> {
    args.preloads
        .iter()
        .map(|spec| {
            let (name, path) = parse_preload(spec)?;
            let module = load(engine, &path, wasm)?;
            Ok(Preload { name, path, module })
        })
        .collect()
}

/// The store: WASI's context, fuel, limits, and the epoch deadline with a timer thread
/// that reaches it after the timeout.
fn new_store(engine: &Engine, ctx: WasiCtx, wasm: &WasmOptions) -> Result<Store<Host>, Failure> {
    let mut store = Store::new(engine, Host::new(ctx));
    if let Some(fuel) = wasm.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| Failure(format!("-W fuel: {e}")))?;
    }
    store.set_growth_limits(wasm.growth);
    store.set_instance_limits(wasm.counts);
    if let Some(timeout) = wasm.timeout {
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    Ok(store)
}

/// The WASI context for the guest (an empty one if it does not use WASI, with a warning
/// if WASI options were given in vain).
fn guest_context(
    args: &Args,
    path: &Path,
    uses_wasi: bool,
    options: &WasiOptions,
) -> Result<WasiCtx, Failure> {
    if !uses_wasi {
        if !args.dirs.is_empty() || !args.envs.is_empty() || args.argv0.is_some() {
            let why = match options.cli {
                true => format!("the module does not import {}", wasi::MODULE),
                false => "WASI is off (-S cli=n)".to_string(),
            };
            eprintln!(
                "warning: {}: {why}; --dir, --env and --argv0 have no effect",
                path.display()
            );
        }
        return Ok(WasiCtx::default());
    }
    // With --invoke the trailing arguments belong to the call; otherwise to the program.
    let guest_args: &[OsString] = match args.invoke {
        Some(_) => &[],
        None => &args.args,
    };
    wasi_ctx(&WasiSpec {
        program: path,
        argv0: args.argv0.as_deref(),
        args: guest_args,
        envs: &args.envs,
        dirs: &args.dirs,
        options,
    })
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    if let Some(help) = option_help(&args) {
        println!("{help}");
        return Ok(ExitCode::SUCCESS);
    }
    let wasm = WasmOptions::parse(&args.wasm)?;
    let wasi_options = WasiOptions::parse(&args.wasi)?;
    let Some(path) = &args.file else {
        eprintln!("error: the following required arguments were not provided:\n  <FILE>");
        return Ok(ExitCode::from(2));
    };
    let engine = Engine::new(wasm.config());
    let module = load(&engine, path, &wasm)?;
    let preloads = load_preloads(&engine, &args, &wasm)?;
    let uses_wasi = wasi_options.cli
        && (imports_wasi(&module) || preloads.iter().any(|p| imports_wasi(&p.module)));
    let ctx = guest_context(&args, path, uses_wasi, &wasi_options)?;
    let mut store = new_store(&engine, ctx, &wasm)?;
    let mut linker: Linker<Host> = Linker::new(&engine);
    if uses_wasi {
        wasi::add_to_linker_shared(&mut linker, |host| &host.wasi)
            .map_err(|e| Failure(format!("cannot set up WASI: {e}")))?;
    }
    if wasi_options.threads && threads::imports_thread_spawn(&module) {
        add_threads(
            &mut linker,
            &mut store,
            path,
            &module,
            &wasi_options,
            uses_wasi,
        )?;
    }
    let linked = instantiate_preloads(&mut linker, &mut store, &preloads)
        .and_then(|()| instantiate_main(&mut linker, &mut store, path, &module, &wasm));
    let instance = match linked {
        Ok(instance) => instance,
        Err(LinkFailure::Failure(f)) => return Err(f),
        Err(LinkFailure::Call(path, e)) => return Ok(report_call_error(&path, e)),
    };
    call(&args, uses_wasi, &module, instance, &mut store, path)
}

/// wasi-threads: `wasi::thread-spawn` and the program's shared memory (made from its
/// import type, as Wasmtime's CLI does). A spawned thread that traps or exits ends the
/// whole process with that status.
fn add_threads(
    linker: &mut Linker<Host>,
    store: &mut Store<Host>,
    path: &Path,
    module: &Module,
    options: &WasiOptions,
    uses_wasi: bool,
) -> Result<(), Failure> {
    let what = |e: Error| file_error(path, format!("wasi-threads: {e}"));
    let memory = threads::shared_memory_import(module)
        .map_err(what)?
        .ok_or_else(|| file_error(path, "wasi-threads: the module imports no shared memory"))?;
    let setup: threads::Setup<Host> = Box::new(move |linker| match uses_wasi {
        true => wasi::add_to_linker_shared(linker, |host| &host.wasi),
        false => Ok(()),
    });
    let program = path.to_path_buf();
    let on_error: threads::OnError =
        Box::new(move |e| std::process::exit(i32::from(call_error_status(&program, e))));
    let spawner = WasiThreads::new(module.clone(), memory, setup, on_error, options.max_threads);
    spawner.add_to_linker(linker, store).map_err(what)
}

/// Call the entry (after a reactor's `_initialize`) and print its results.
fn call(
    args: &Args,
    uses_wasi: bool,
    module: &Module,
    instance: Instance,
    store: &mut Store<Host>,
    path: &Path,
) -> Result<ExitCode, Failure> {
    let (name, func) = entry_func(path, module, instance, store, args.invoke.as_deref())?;
    let ty = func.ty(&*store);
    // A WASI command's arguments are the program's, not `_start`'s.
    let call_args: &[OsString] = if uses_wasi && args.invoke.is_none() {
        &[]
    } else {
        &args.args
    };
    let params = call_params(&name, &ty, call_args)?;

    // A reactor (a WASI module exporting `_initialize`) is initialized before the call.
    if uses_wasi && args.invoke.is_some() {
        if let Some(Extern::Func(init)) = instance.get_export(&mut *store, "_initialize") {
            if let Err(e) = init.call(&mut *store, &[], &mut []) {
                return Ok(report_call_error(path, e));
            }
        }
    }

    let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    if let Err(e) = func.call(&mut *store, &params, &mut results) {
        return Ok(report_call_error(path, e));
    }
    for result in &results {
        println!("{}", show(result));
    }
    Ok(ExitCode::SUCCESS)
}

/// The exit status for a failed instantiation or call: the `proc_exit` code if the WASI
/// program exited (its low 8 bits, as the OS keeps them), else [`report_error`].
fn report_call_error(path: &Path, e: Error) -> ExitCode {
    ExitCode::from(call_error_status(path, e))
}

/// As [`report_call_error`], the status as a number.
fn call_error_status(path: &Path, e: Error) -> u8 {
    match e.downcast_ref::<wasi::I32Exit>() {
        Some(exit) => exit.0 as u8,
        None => report_error(path, &e),
    }
}

/// Print an instantiation or call error: a trap (`wasm trap: ...` and its backtrace,
/// exit code 3) or any other error (exit code 1).
fn report_error(path: &Path, e: &Error) -> u8 {
    let Some(trap) = e.as_trap() else {
        eprintln!("error: {}: {e}", path.display());
        return 1;
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
    EXIT_TRAP
}
