//! `wasmaot compile`.

use crate::compile_options::{
    apply_codegen, apply_cpu_features, apply_optimize, apply_wasm, opt_level,
};
use crate::compile_progress::CompileProgress;
use crate::{file_error, Failure};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmaot_compiler::{check_options, compile, CompileOptions, OptLevel};

#[derive(clap::Args)]
pub struct Args {
    /// The module: WebAssembly binary (.wasm) or text (.wat).
    input: PathBuf,
    /// Where to write the artifact.
    #[arg(short, long, value_name = "OUT.cwasm")]
    output: PathBuf,
    /// Target triple (default: the host, with the host's CPU features). A named target
    /// gets its architecture's baseline CPU features only, unless --cpu-features or
    /// -C target-cpu add some.
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// CPU features the code may use, added to (+) or removed from (-) the default:
    /// `+avx2,+bmi2` (`wasmaot settings` lists them).
    #[arg(long, value_name = "+F,-F,..", allow_hyphen_values = true)]
    cpu_features: Option<String>,
    /// Optimization level: 0 (none), 1 or 2 (speed), s (speed and size).
    #[arg(long, value_name = "LEVEL", default_value = "2", value_parser = opt_level)]
    opt_level: OptLevel,
    /// Wasm options, Wasmtime's: feature names (simd=n, all-proposals, ...), fuel=y (or
    /// consume-fuel) and epoch-interruption=y for `run -W fuel=N` / `timeout=`.
    /// Comma-separated, repeatable.
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
    wasm: Vec<String>,
    /// Optimization options, Wasmtime's: opt-level=0|1|2|s.
    #[arg(short = 'O', long = "optimize", value_name = "KEY=VAL[,..]")]
    optimize: Vec<String>,
    /// Codegen options: target-cpu=NAME (a CPU model, or native), cranelift-FEATURE=y|n
    /// (a CPU feature, e.g. cranelift-has-avx2), parallel-compilation=y|n.
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VAL[,..]]")]
    codegen: Vec<String>,
    /// Show no progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Print the time of each phase (parse, translate+codegen, emit).
    #[arg(short, long)]
    verbose: bool,
    /// Number of threads compiling functions (default: one per core).
    #[arg(short, long, value_name = "N", conflicts_with = "no_parallel")]
    jobs: Option<usize>,
    /// Compile functions on one thread (the output is the same).
    #[arg(long)]
    no_parallel: bool,
    /// Prefix of every symbol the artifact defines.
    #[arg(long, value_name = "P", default_value = "")]
    symbol_prefix: String,
    /// What to write: `cwasm` (an artifact for the loader), `obj` (a position-independent
    /// object to link into a program with the system linker), `shared` (a shared object
    /// linked by `--linker`, which the loader opens like an artifact).
    #[arg(long, value_name = "KIND", default_value = "cwasm", value_parser = ["cwasm", "obj", "shared"])]
    emit: String,
    /// The program that links `--emit shared` output (called as `LINKER -shared
    /// -nostdlib -o OUT IN.o`).
    #[arg(long, value_name = "PROGRAM", default_value = "cc")]
    linker: PathBuf,
}

/// The compile options `args` ask for, checked (target, CPU features).
fn options(args: &Args) -> Result<CompileOptions, Failure> {
    let mut options = CompileOptions {
        target: args.target.clone(),
        opt_level: args.opt_level,
        parallel: !args.no_parallel && args.jobs != Some(1),
        symbol_prefix: args.symbol_prefix.clone(),
        pic: args.emit != "cwasm",
        ..CompileOptions::default()
    };
    apply_wasm(&mut options, &args.wasm)?;
    apply_optimize(&mut options, &args.optimize)?;
    apply_codegen(&mut options, &args.codegen)?;
    if let Some(list) = &args.cpu_features {
        apply_cpu_features(&mut options, list)?;
    }
    check_options(&options)?;
    Ok(options)
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    let mut options = options(&args)?;
    if let Some(jobs) = args.jobs.filter(|&n| n > 1) {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
            .map_err(|e| Failure(format!("cannot start {jobs} compile threads: {e}")))?;
    }
    let input = fs::read(&args.input).map_err(|e| file_error(&args.input, e))?;
    let progress = CompileProgress::new(args.quiet, args.verbose);
    options.progress = progress.callback();
    let artifact = compile(&input, &options);
    progress.finish();
    let artifact = artifact.map_err(|e| file_error(&args.input, e))?;
    if args.emit == "shared" {
        link_shared(&args.linker, &artifact, &args.output)?;
    } else {
        write_atomically(&args.output, &artifact).map_err(|e| file_error(&args.output, e))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `path` names something other than a regular file or a directory: a device
/// such as `/dev/null` or `/dev/stdout`, a FIFO or a socket. Output goes straight into
/// those; renaming a file over one would replace it (as root, `-o /dev/null` would leave
/// a regular file at /dev/null that the whole machine then writes to and reads from).
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Write `bytes` to `path` through a temporary file in the same directory that is
/// renamed into place, so that `path` never holds a partial artifact; a device or FIFO
/// is written directly.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if is_special(path) {
        return fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .write_all(bytes);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the output path names no file",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `--emit shared`: write the object to a temporary file beside the output, link it with
/// `linker -shared -nostdlib` into a temporary shared object, rename that into place.
/// Compiled code reaches the runtime through the libcall table of the VMContext; only
/// Cranelift's float helpers (`wasmaot_rt_ceilf` etc., used when the target lacks the
/// instruction) may stay undefined, for the dynamic linker to resolve against the process
/// that opens the shared object (the `wasmaot` CLI or a program linked with libwasmaot).
fn link_shared(linker: &Path, object: &[u8], output: &Path) -> Result<(), Failure> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = output
        .file_name()
        .ok_or_else(|| file_error(output, "the output path names no file"))?
        .to_string_lossy()
        .into_owned();
    let tmp = |ext: &str| dir.join(format!(".{name}.{}.{ext}", std::process::id()));
    let (obj, so) = (tmp("o"), tmp("so.tmp"));
    let result = (|| {
        fs::write(&obj, object).map_err(|e| file_error(&obj, e))?;
        let out = std::process::Command::new(linker)
            .args(["-shared", "-nostdlib", "-o"])
            .arg(&so)
            .arg(&obj)
            .output()
            .map_err(|e| Failure(format!("cannot run the linker `{}`: {e}", linker.display())))?;
        if !out.status.success() {
            return Err(Failure(format!(
                "linking {} failed ({}): {}",
                output.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        if is_special(output) {
            let bytes = fs::read(&so).map_err(|e| file_error(&so, e))?;
            write_atomically(output, &bytes).map_err(|e| file_error(output, e))?;
            fs::remove_file(&so).map_err(|e| file_error(&so, e))
        } else {
            fs::rename(&so, output).map_err(|e| file_error(output, e))
        }
    })();
    let _ = fs::remove_file(&obj);
    if result.is_err() {
        let _ = fs::remove_file(&so);
    }
    result
}
