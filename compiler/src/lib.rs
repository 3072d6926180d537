//! wasmaot-compiler: WebAssembly (binary or text) → a native relocatable object
//! (the artifact) that `wasmaot-loader` loads and runs.

mod error;
mod options;

pub use error::CompileError;
pub use options::{CompileOptions, OptLevel};

#[cfg(feature = "cli")]
pub mod wast;

/// Compile a module given as WebAssembly binary or text into artifact bytes.
pub fn compile(input: &[u8], options: &CompileOptions) -> Result<Vec<u8>, CompileError> {
    let _ = (input, options);
    Err(CompileError::Unsupported("compiler not yet implemented".into()))
}
