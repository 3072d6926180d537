//! Choosing and configuring the Cranelift target ISA for a compilation.

use crate::{CompileError, CompileOptions, OptLevel};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};

/// The ISA a module is compiled for, and how it is described in the artifact header.
pub struct Target {
    pub isa: OwnedTargetIsa,
    /// Enabled CPU feature flags (`has_*`), comma-separated, for the header.
    pub cpu_features: String,
}

fn setting_error(e: impl std::fmt::Display) -> CompileError {
    CompileError::Target(e.to_string())
}

impl Target {
    pub fn new(options: &CompileOptions) -> Result<Target, CompileError> {
        let mut flags = settings::builder();
        let opt = match options.opt_level {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        };
        flags.set("opt_level", opt).map_err(setting_error)?;
        // Backtraces walk the frame-pointer chain.
        flags
            .enable("preserve_frame_pointers")
            .map_err(setting_error)?;
        // Stack overflow is caught by the stack-limit check in every prologue.
        flags
            .set("enable_probestack", "false")
            .map_err(setting_error)?;
        // The IR verifier runs in debug builds (the tests), catching translator bugs
        // where they are made.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        flags
            .set("enable_verifier", verify)
            .map_err(setting_error)?;
        flags.set("unwind_info", "false").map_err(setting_error)?;
        let nan = if options.nan_canonicalization {
            "true"
        } else {
            "false"
        };
        flags
            .set("enable_nan_canonicalization", nan)
            .map_err(setting_error)?;
        // The start offsets of the machine code's blocks, for finding its loops when
        // placing functions in `.text` (`placement`).
        flags
            .enable("machine_code_cfg_info")
            .map_err(setting_error)?;
        // Functions may return more values than there are return registers (multi-value):
        // the rest go through a hidden return area.
        flags
            .enable("enable_multi_ret_implicit_sret")
            .map_err(setting_error)?;

        let isa_builder = crate::cpu::isa_builder(options.target.as_deref(), &options.cpu)?;
        // COFF has no GOT: Windows' linker turns the absolute libcall relocations into
        // base relocations, so such code is fine in a DLL as it is.
        if options.pic && isa_builder.triple().binary_format != target_lexicon::BinaryFormat::Coff {
            flags.enable("is_pic").map_err(setting_error)?;
        }
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| CompileError::Target(e.to_string()))?;
        let cpu_features = isa
            .isa_flags()
            .iter()
            .filter(|v| v.name.starts_with("has_") && v.as_bool() == Some(true))
            .map(|v| v.name)
            .collect::<Vec<_>>()
            .join(",");
        Ok(Target { isa, cpu_features })
    }
}
