//! wasmaot-compiler: WebAssembly (binary or text) → a native relocatable object
//! (the artifact) that `wasmaot-loader` loads and runs.

mod artifact;
mod codegen;
mod cpu;
mod data_layout;
mod descriptor;
mod error;
mod func_env;
mod module_env;
mod options;
mod placement;
mod prelink;
mod progress;
mod signatures;
mod target;
#[cfg(test)]
mod test_support;
mod trampolines;
mod translate;
mod traps;

pub use cpu::{cpu_settings, CpuSetting, CpuSettings};
pub use error::CompileError;
pub use module_env::wasmparser_features;
pub use options::{CompileOptions, OptLevel};
pub use progress::{Phase, Progress, ProgressCallback};

#[cfg(feature = "cli")]
pub mod wast;

use std::borrow::Cow;

/// Check `options` without compiling anything: the target triple, the CPU model and
/// features exist.
pub fn check_options(options: &CompileOptions) -> Result<(), CompileError> {
    target::Target::new(options).map(|_| ())
}

/// Compile a module given as WebAssembly binary or text into artifact bytes.
pub fn compile(input: &[u8], options: &CompileOptions) -> Result<Vec<u8>, CompileError> {
    let reporter = progress::Reporter::new(options.progress.as_ref());
    reporter.phase(Phase::Parse);
    let wasm: Cow<[u8]> = if input.starts_with(b"\0asm") {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(
            wat::parse_bytes(input)
                .map_err(|e| CompileError::Parse(e.to_string()))?
                .into_owned(),
        )
    };
    let target = target::Target::new(options)?;
    let info = module_env::read_module(&wasm, options.wasm_features)?;
    artifact::build(&target, info, options, reporter)
}
