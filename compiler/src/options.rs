use crate::{CpuSettings, ProgressCallback};
use wasmaot_abi::features;

/// How hard Cranelift optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptLevel {
    None,
    #[default]
    Speed,
    SpeedAndSize,
}

/// Options of one compilation.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// Target triple; `None` compiles for the host (with the host's CPU features).
    pub target: Option<String>,
    /// CPU features the code may use (default: all of the host's for the host, the
    /// baseline of the architecture for a named target).
    pub cpu: CpuSettings,
    pub opt_level: OptLevel,
    /// Compile functions in parallel (output is identical either way).
    pub parallel: bool,
    /// Prefix of every symbol the artifact defines.
    pub symbol_prefix: String,
    /// WebAssembly features to accept (`abi::features` bits).
    pub wasm_features: u64,
    /// Count fuel (Wasmtime's `consume_fuel`): the loader's store must enable it too.
    pub consume_fuel: bool,
    /// Canonicalize every NaN a float operation produces, scalar or vector lane (Wasmtime's
    /// `cranelift_nan_canonicalization`), for results that do not depend on the CPU.
    pub nan_canonicalization: bool,
    /// Check the engine's epoch at function entries and loop headers (Wasmtime's
    /// `epoch_interruption`).
    pub epoch_interruption: bool,
    /// Emit position-independent code (Cranelift `is_pic`): runtime functions are
    /// reached through the GOT, so the object links into a shared object or a PIE
    /// executable without text relocations. The `.cwasm` loader does not link such
    /// code; `wasmaot compile --emit obj|shared` sets it. Ignored for COFF, which has no
    /// GOT (the Windows linker handles absolute relocations). Also names functions by
    /// their name-section names (see FORMAT.md).
    pub pic: bool,
    /// Called with the compilation's progress (phases, functions compiled).
    pub progress: Option<ProgressCallback>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            target: None,
            cpu: CpuSettings::default(),
            opt_level: OptLevel::Speed,
            parallel: true,
            symbol_prefix: String::new(),
            wasm_features: features::DEFAULT,
            consume_fuel: false,
            nan_canonicalization: false,
            epoch_interruption: false,
            pic: false,
            progress: None,
        }
    }
}
