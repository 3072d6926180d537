//! The loader target: damaged artifacts given to `Module::from_bytes`, or written to a
//! file and given to `Module::from_file` (which maps the code and large memory images
//! from the file instead of copying them).
//!
//! An input is a mode byte followed by the artifact; the byte's top bit ([`FROM_FILE`])
//! chooses the file, the rest the mode:
//!
//! - `0` (verified): the checksum is verified (the default `Config`). Generated inputs
//!   are the artifacts of `loader_artifacts` with bytes changed anywhere (random bytes,
//!   insertions, deletions, truncation; ELF header and section header fields set to
//!   boundary values; metadata bytes). Property: a changed artifact is refused with an
//!   error; an artifact that loads (its checksum matched) is instantiated and run.
//! - `1` (load only) and `2` (run): `Config::verify_artifact_checksum(false)`, with only
//!   the metadata section changed (bytes overwritten in place, or a field set by
//!   `meta_mutate`) and the checksum recomputed. Property: loading errs or succeeds; when
//!   the change left the code's contract alone (`loader_contract`; mode 2), what loads
//!   is instantiated and every export used, and nothing may crash the process: a crash
//!   there is a metadata field the loader failed to validate. (Mode 1: the code's
//!   contract changed, so the code itself may misbehave and only the load is checked.)
//!
//! The `.text` section is never changed with the checksum off: corrupted machine code
//! may legitimately crash.

use super::loader_contract::{contract, Contract};
use super::meta_mutate::mutate_metadata;
use super::mutate::mutate;
use super::{Case, Expect, Rng, Target};
use std::ops::Range;
use wasmaot_loader::abi::CHECKSUM_OFFSET;
use wasmaot_loader::{Config, Engine, Module};

/// The mode byte's flag for loading from a file.
pub const FROM_FILE: u8 = 0x80;

/// How an input is loaded (its first byte, less [`FROM_FILE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Verified = 0,
    LoadOnly = 1,
    Run = 2,
}

impl Mode {
    fn from_byte(b: u8) -> Option<Mode> {
        [Mode::Verified, Mode::LoadOnly, Mode::Run]
            .into_iter()
            .find(|m| *m as u8 == b)
    }
}

/// One artifact to mutate.
struct Base {
    artifact: Vec<u8>,
    meta: Range<usize>,
    contract: Contract,
}

/// The loader target, holding the compiled artifacts it mutates.
pub struct Loader {
    bases: Vec<Base>,
}

impl Loader {
    pub fn new() -> Loader {
        let bases = super::loader_artifacts::compile_all()
            .into_iter()
            .map(|artifact| {
                let meta = crate::metadata_range(&artifact);
                let contract = contract(&artifact[meta.clone()]).expect("a fresh artifact decodes");
                Base {
                    artifact,
                    meta,
                    contract,
                }
            })
            .collect();
        Loader { bases }
    }
}

impl Default for Loader {
    fn default() -> Loader {
        Loader::new()
    }
}

impl Target for Loader {
    fn generate(&self, seed: u64, case: u64) -> Case {
        let mut rng = Rng::for_case(seed, case);
        let base = rng.pick(&self.bases);
        let (mode, artifact) = if rng.percent(40) {
            (Mode::Verified, damaged(&mut rng, base))
        } else {
            metadata_only(&mut rng, base)
        };
        let expect = match (artifact == base.artifact, mode) {
            (true, _) => Expect::Accepted,
            (false, Mode::Verified) => Expect::Refused,
            (false, _) => Expect::Anything,
        };
        let flag = if rng.percent(30) { FROM_FILE } else { 0 };
        let mut input = vec![mode as u8 | flag];
        input.extend(artifact);
        Case { input, expect }
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        let (&byte, artifact) = case.input.split_first().ok_or("an empty input")?;
        let mode = Mode::from_byte(byte & !FROM_FILE).ok_or(format!("unknown mode byte {byte}"))?;
        let mut config = Config::default();
        config.verify_artifact_checksum(mode == Mode::Verified);
        let engine = Engine::new(config);
        match (load(&engine, artifact, byte & FROM_FILE != 0)?, case.expect) {
            (Err(e), Expect::Accepted) => Err(format!("the undamaged artifact was refused: {e}")),
            (Err(_), _) => Ok(()),
            (Ok(_), Expect::Refused) => {
                Err("a damaged artifact was accepted with its checksum verified".into())
            }
            (Ok(module), _) => {
                if mode != Mode::LoadOnly {
                    let _ = super::loader_run::exercise(&engine, &module);
                }
                Ok(())
            }
        }
    }
}

/// Load `artifact` from memory or from a file (removed once mapped); `Err` only when
/// the file cannot be written.
fn load(
    engine: &Engine,
    artifact: &[u8],
    from_file: bool,
) -> Result<wasmaot_loader::Result<Module>, String> {
    if !from_file {
        return Ok(Module::from_bytes(engine, artifact));
    }
    let path = super::scratch::scratch_path("loader");
    std::fs::write(&path, artifact).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let module = Module::from_file(engine, &path);
    let _ = std::fs::remove_file(&path);
    Ok(module)
}

/// The artifact changed anywhere, the checksum left as it was.
fn damaged(rng: &mut Rng, base: &Base) -> Vec<u8> {
    let mut bytes = base.artifact.clone();
    let len = bytes.len();
    match rng.below(3) {
        0 => mutate(rng, &mut bytes, 0..len, true),
        1 => elf_field(rng, &mut bytes),
        _ => mutate(rng, &mut bytes, base.meta.clone(), false),
    }
    bytes
}

/// The metadata section changed in place, the checksum recomputed; the mode says
/// whether the code's contract survived.
fn metadata_only(rng: &mut Rng, base: &Base) -> (Mode, Vec<u8>) {
    let mut bytes = base.artifact.clone();
    let meta = base.meta.clone();
    let structured = rng
        .percent(60)
        .then(|| mutate_metadata(rng, &bytes[meta.clone()]));
    match structured.flatten() {
        Some(section) => bytes[meta.clone()].copy_from_slice(&section),
        None => mutate(rng, &mut bytes, meta.clone(), false),
    }
    crate::write_checksum(&mut bytes, meta.start + CHECKSUM_OFFSET);
    let mode = if contract(&bytes[meta]).as_ref() == Some(&base.contract) {
        Mode::Run
    } else {
        Mode::LoadOnly
    };
    (mode, bytes)
}

/// Set a field of the ELF header or of a section header to a boundary value.
fn elf_field(rng: &mut Rng, bytes: &mut [u8]) {
    // (offset, width) of e_phoff, e_shoff, e_shentsize, e_shnum, e_shstrndx.
    const HEADER: [(usize, usize); 5] = [(0x20, 8), (0x28, 8), (0x3a, 2), (0x3c, 2), (0x3e, 2)];
    // sh_name, sh_type, sh_flags, sh_offset, sh_size, sh_link, sh_addralign, sh_entsize.
    const SECTION: [(usize, usize); 8] = [
        (0, 4),
        (4, 4),
        (8, 8),
        (24, 8),
        (32, 8),
        (40, 4),
        (48, 8),
        (56, 8),
    ];
    let read = |at: usize, n: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[at..at + n]);
        u64::from_le_bytes(b)
    };
    let (shoff, shnum) = (read(0x28, 8) as usize, read(0x3c, 2) as usize);
    let (at, width) = if rng.percent(30) || shnum == 0 {
        *rng.pick(&HEADER)
    } else {
        let (field, width) = *rng.pick(&SECTION);
        (shoff + 64 * rng.index(shnum) + field, width)
    };
    let old = read(at, width);
    let value: u64 = match rng.below(5) {
        0 => 0,
        1 => u64::MAX,
        2 => old.wrapping_add(1 + rng.below(64)),
        3 => old.wrapping_sub(1 + rng.below(64)),
        _ => bytes.len() as u64 + rng.below(3) - 1,
    };
    bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(mode: Mode, artifact: &[u8], expect: Expect) -> Case {
        let mut input = vec![mode as u8];
        input.extend_from_slice(artifact);
        Case { input, expect }
    }

    #[test]
    fn accepting_a_damaged_artifact_or_refusing_a_sound_one_fails() {
        let loader = Loader::new();
        let base = &loader.bases[0].artifact;
        assert!(loader
            .check(&case(Mode::Verified, base, Expect::Accepted))
            .is_ok());
        // Said to be damaged, but loads: the property is broken.
        let e = loader
            .check(&case(Mode::Verified, base, Expect::Refused))
            .unwrap_err();
        assert!(e.contains("accepted"), "{e}");
        let mut damaged = base.clone();
        damaged[base.len() / 2] ^= 1;
        assert!(loader
            .check(&case(Mode::Verified, &damaged, Expect::Refused))
            .is_ok());
        let e = loader
            .check(&case(Mode::Verified, &damaged, Expect::Accepted))
            .unwrap_err();
        assert!(e.contains("refused"), "{e}");
        assert!(loader.check(&Case::replay(vec![9, 0])).is_err());
    }

    #[test]
    fn a_contract_change_is_told_from_a_checked_field() {
        let loader = Loader::new();
        let base = &loader.bases[0];
        let section = &base.artifact[base.meta.clone()];
        let (header, mut meta) = wasmaot_loader::abi::decode_metadata(section).unwrap();
        meta.start = None;
        let encoded = wasmaot_loader::abi::encode_metadata(&header, &meta);
        assert_eq!(contract(&encoded).as_ref(), Some(&base.contract));
        meta.entry_trampolines[0] += 1;
        let encoded = wasmaot_loader::abi::encode_metadata(&header, &meta);
        assert_ne!(contract(&encoded).as_ref(), Some(&base.contract));
    }
}
