//! Pre-linking `.text`: writing the values of the code's own relocations (calls from one
//! function of the module to another) into the code at compile time, so that the loader
//! can map `.text` from the artifact file as it lies, without copying or patching it.
//!
//! The relocations stay in the object: a system linker computes the same values and
//! writes them over ours. That holds for formats whose relocations carry their addend
//! (ELF RELA, which x86_64 and aarch64 use); formats that keep the addend in the code
//! (Mach-O, COFF) are left unlinked.

use crate::codegen::CompiledFunction;
use crate::func_env::FUNC_NAMESPACE;
use cranelift_codegen::binemit::Reloc;
use cranelift_module::ModuleRelocTarget;
use wasmaot_abi as abi;

/// One value to write into `.text`.
struct Patch {
    /// Offset of the field in `.text`.
    at: usize,
    kind: Reloc,
    /// Target minus place plus addend, in bytes.
    delta: i64,
}

/// A compiled function and where it was placed in `.text`.
pub struct Placed<'a> {
    pub text_offset: u64,
    pub compiled: &'a CompiledFunction,
}

/// Write every relocation of `funcs` into `text` if all of them are calls within `.text`
/// of a kind this module knows (`symbol_offset` gives the `.text` offset of the function
/// with object-module id `id`). Returns whether it did; when any relocation is of another
/// kind, or reaches outside `.text`, `text` is left untouched and the loader links it.
pub fn prelink(
    text: &mut [u8],
    funcs: &[Placed<'_>],
    symbol_offset: &dyn Fn(u32) -> Option<u64>,
) -> bool {
    let mut patches = Vec::new();
    for placed in funcs {
        let f = placed.compiled;
        for reloc in &f.relocs {
            let ModuleRelocTarget::User { namespace, index } = reloc.name else {
                return false;
            };
            if namespace != FUNC_NAMESPACE {
                return false;
            }
            let Some(target) = symbol_offset(index) else {
                return false;
            };
            let place = placed.text_offset + u64::from(reloc.offset);
            let delta = (target as i64)
                .wrapping_add(reloc.addend)
                .wrapping_sub(place as i64);
            patches.push(Patch {
                at: place as usize,
                kind: reloc.kind,
                delta,
            });
        }
    }
    // Work out every field first: one that cannot be written leaves `text` untouched.
    let Some(fields) = patches
        .iter()
        .map(|p| Some((p.at, encode(p, text)?)))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    for (at, field) in fields {
        text[at..at + 4].copy_from_slice(&field);
    }
    true
}

/// The bytes `p` writes over the 4 at its place in `text`, if it is a kind we write, its
/// place lies in `text` and its value fits.
fn encode(p: &Patch, text: &[u8]) -> Option<[u8; 4]> {
    let current: [u8; 4] = text.get(p.at..p.at.checked_add(4)?)?.try_into().ok()?;
    match p.kind {
        Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 | Reloc::X86PCRel4 => abi::pc32(p.delta),
        Reloc::Arm64Call => abi::call26(current, p.delta),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(kind: Reloc, delta: i64) -> Patch {
        Patch { at: 0, kind, delta }
    }

    #[test]
    fn only_known_kinds_in_range_fit() {
        let fits = |p: &Patch, len: usize| encode(p, &vec![0; len]).is_some();
        assert!(fits(&patch(Reloc::X86CallPLTRel4, -4), 8));
        assert!(!fits(&patch(Reloc::X86CallPLTRel4, 1 << 40), 8));
        assert!(!fits(&patch(Reloc::Abs8, 0), 8));
        assert!(fits(&patch(Reloc::Arm64Call, 1 << 20), 8));
        assert!(!fits(&patch(Reloc::Arm64Call, 2), 8));
        assert!(!fits(&patch(Reloc::Arm64Call, 1 << 28), 8));
        assert!(!fits(
            &Patch {
                at: 6,
                kind: Reloc::X86PCRel4,
                delta: 0
            },
            8
        ));
    }
}
