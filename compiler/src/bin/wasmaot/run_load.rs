//! Loading the modules `wasmaot run` runs: an artifact or shared object as it is, a
//! .wasm/.wat compiled in memory first with the `-W` features, fuel and epochs.

use crate::compile_progress::CompileProgress;
use crate::wasm_options::WasmOptions;
use crate::{file_error, Failure};
use std::path::Path;
use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{Engine, Module};

/// Whether `path` holds WebAssembly (binary or text) rather than an artifact.
fn is_wasm_source(path: &Path, bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
        || matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "wat")
        )
}

/// The module at `path`, loaded (or compiled) for `engine`, whose configuration follows
/// `options`.
pub fn load(engine: &Engine, path: &Path, options: &WasmOptions) -> Result<Module, Failure> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    if is_wasm_source(path, &bytes) {
        let config = engine.config();
        // The same progress bar as `wasmaot compile`'s, on a terminal, for a big module.
        let progress = CompileProgress::new(false, false);
        let compile_options = CompileOptions {
            wasm_features: options.wasm_features(),
            consume_fuel: config.consume_fuel,
            nan_canonicalization: options.nan_canonicalization,
            epoch_interruption: config.epoch_interruption,
            progress: progress.callback(),
            ..CompileOptions::default()
        };
        let artifact = compile(&bytes, &compile_options);
        progress.finish();
        let artifact = artifact.map_err(|e| file_error(path, e))?;
        return Module::from_bytes(engine, &artifact).map_err(|e| file_error(path, e));
    }
    if !options.feature_keys.is_empty() {
        eprintln!(
            "warning: {}: -W {} has no effect on a precompiled module (its features were \
             chosen when it was compiled)",
            path.display(),
            options.feature_keys.join(",")
        );
    }
    // A shared object from `wasmaot compile --emit shared` is opened with libloading.
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
