//! Linking an artifact's `.text`: copy it into fresh memory, apply its relocations
//! (calls between functions, libcalls), then make it read+execute.
//!
//! Supported relocations: x86_64 `R_X86_64_PLT32`/`R_X86_64_PC32` (to `.text` symbols, or
//! to libcalls through a veneer placed after the text) and `R_X86_64_64`; aarch64
//! `R_AARCH64_CALL26`/`R_AARCH64_JUMP26` (likewise) and `R_AARCH64_ABS64`.

use crate::code_memory::CodeMemory;
use crate::error::{Error, Result};
use object::elf;
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionIndex,
};
use std::collections::HashMap;

/// How a relocation patches its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// 32-bit PC-relative (x86_64 call/jmp/lea).
    Pc32,
    /// 64-bit absolute.
    Abs64,
    /// aarch64 `bl`/`b` 26-bit word offset.
    Call26,
}

#[derive(Clone, Copy, Debug)]
enum Target {
    /// An offset in `.text`.
    Text(u64),
    /// An absolute address outside the mapping (a libcall).
    External(usize),
}

struct Reloc {
    offset: u64,
    kind: Kind,
    target: Target,
    addend: i64,
}

/// Size of one veneer (`jmp *[rip]` + address, or `ldr x16, #8; br x16` + address).
const VENEER_SIZE: usize = 16;

/// The linked code and the number of relocations applied.
#[derive(Debug)]
pub(crate) struct Linked {
    pub code: CodeMemory,
    pub relocations: usize,
}

/// Link the `.text` section `text_index` of `file`. `resolve` maps an undefined symbol's
/// name to an address. `what` names the artifact in errors.
pub(crate) fn link(
    file: &object::File<'_>,
    text_index: Option<SectionIndex>,
    resolve: &dyn Fn(&str) -> Option<usize>,
    what: &str,
) -> Result<Linked> {
    let text = match text_index {
        Some(index) => Some(
            file.section_by_index(index)
                .map_err(|e| Error::load(format!("{what}: .text: {e}")))?,
        ),
        None => None,
    };
    let text_data = match &text {
        Some(text) => text
            .data()
            .map_err(|e| Error::load(format!("{what}: reading .text: {e}")))?,
        None => &[],
    };
    let reader = RelocReader {
        file,
        text_index,
        text_data,
        resolve,
        what,
    };
    let relocs = text
        .iter()
        .flat_map(|t| t.relocations())
        .map(|(offset, reloc)| reader.read(offset, &reloc))
        .collect::<Result<Vec<_>>>()?;
    let veneers = place_veneers(&relocs, text_data.len());
    let total =
        (text_data.len().div_ceil(VENEER_SIZE) * VENEER_SIZE + veneers.len() * VENEER_SIZE).max(1);
    // Populated: every page is written right away (copy, relocations), and one populating
    // mmap is much cheaper than a page fault per page.
    let mut map = memmap2::MmapOptions::new()
        .len(total)
        .populate()
        .map_anon()
        .map_err(|e| Error::resource(format!("{what}: mapping {total} bytes for code: {e}")))?;
    map[..text_data.len()].copy_from_slice(text_data);
    for (&addr, &at) in &veneers {
        write_veneer(&mut map[at..at + VENEER_SIZE], file.architecture(), addr);
    }
    for r in &relocs {
        apply(&mut map, r, &veneers).map_err(|e| Error::load(format!("{what}: {e}")))?;
    }
    crate::os::flush_icache(map.as_ptr(), total);
    let map = map
        .make_exec()
        .map_err(|e| Error::resource(format!("{what}: making code executable: {e}")))?;
    Ok(Linked {
        code: CodeMemory::new(map, text_data.len()),
        relocations: relocs.len(),
    })
}

/// Reads `.text`'s relocations into [`Reloc`]s, checking each.
struct RelocReader<'a, 'data> {
    file: &'a object::File<'data>,
    text_index: Option<SectionIndex>,
    text_data: &'a [u8],
    resolve: &'a dyn Fn(&str) -> Option<usize>,
    what: &'a str,
}

impl RelocReader<'_, '_> {
    /// The relocation at `.text` offset `offset`, checked: a supported kind, inside
    /// `.text`, to `.text` or to a runtime function.
    fn read(&self, offset: u64, reloc: &object::Relocation) -> Result<Reloc> {
        let error = |msg: String| {
            Error::load(format!(
                "{}: .text relocation at offset {offset:#x}{msg}",
                self.what
            ))
        };
        let kind = self.kind(reloc).map_err(&error)?;
        let size = if kind == Kind::Abs64 { 8 } else { 4 };
        let text_len = self.text_data.len() as u64;
        if offset.checked_add(size).is_none_or(|end| end > text_len) {
            return Err(error(format!(" lies outside .text ({text_len} bytes)")));
        }
        let target = self.target(reloc, offset)?;
        if let Target::Text(t) = target {
            if t > text_len {
                return Err(error(format!(" targets offset {t:#x} beyond .text")));
            }
        }
        let at = offset as usize;
        let addend = match (reloc.has_implicit_addend(), size) {
            (false, _) => reloc.addend(),
            (true, 8) => {
                i64::from_le_bytes(self.text_data[at..at + 8].try_into().unwrap_or([0; 8]))
            }
            (true, _) => i64::from(i32::from_le_bytes(
                self.text_data[at..at + 4].try_into().unwrap_or([0; 4]),
            )),
        };
        Ok(Reloc {
            offset,
            kind,
            target,
            addend,
        })
    }

    /// How the relocation patches its place; the error continues "relocation at offset N".
    fn kind(&self, reloc: &object::Relocation) -> std::result::Result<Kind, String> {
        use object::Architecture::{Aarch64, X86_64};
        let r_type = match reloc.flags() {
            RelocationFlags::Elf { r_type } => r_type,
            other => return Err(format!(": unsupported relocation {other:?}")),
        };
        let arch = self.file.architecture();
        Ok(match (arch, r_type) {
            (X86_64, elf::R_X86_64_PLT32 | elf::R_X86_64_PC32) => Kind::Pc32,
            (X86_64, elf::R_X86_64_64) | (Aarch64, elf::R_AARCH64_ABS64) => Kind::Abs64,
            (Aarch64, elf::R_AARCH64_CALL26 | elf::R_AARCH64_JUMP26) => Kind::Call26,
            (
                X86_64,
                elf::R_X86_64_GOTPCREL | elf::R_X86_64_GOTPCRELX | elf::R_X86_64_REX_GOTPCRELX,
            )
            | (Aarch64, elf::R_AARCH64_ADR_GOT_PAGE | elf::R_AARCH64_LD64_GOT_LO12_NC) => {
                return Err(format!(
                    ": GOT relocation (type {r_type}): this is an object for the system linker (`wasmaot compile --emit obj`); link it into a program or shared object, or compile with `--emit cwasm`"
                ))
            }
            _ => {
                return Err(format!(
                    ": unsupported relocation type {r_type} for {arch:?}"
                ))
            }
        })
    }

    /// What the relocation refers to: a place in `.text` or a runtime function.
    fn target(&self, reloc: &object::Relocation, offset: u64) -> Result<Target> {
        let what = self.what;
        let index = match reloc.target() {
            RelocationTarget::Symbol(index) => index,
            RelocationTarget::Section(s) if Some(s) == self.text_index => {
                return Ok(Target::Text(0))
            }
            other => {
                return Err(Error::load(format!(
                    "{what}: .text relocation at offset {offset:#x}: unsupported target {other:?}"
                )))
            }
        };
        let sym = self.file.symbol_by_index(index).map_err(|e| {
            Error::load(format!(
                "{what}: .text relocation at offset {offset:#x}: symbol {}: {e}",
                index.0
            ))
        })?;
        let name = sym.name().unwrap_or("<invalid name>");
        match sym.section_index() {
            s if s.is_some() && s == self.text_index => Ok(Target::Text(sym.address())),
            Some(_) => Err(Error::load(format!(
                "{what}: .text relocation at offset {offset:#x} refers to `{name}` outside .text"
            ))),
            None if sym.is_undefined() => match (self.resolve)(name) {
                Some(addr) => Ok(Target::External(addr)),
                None => Err(Error::load(format!(
                    "{what}: undefined symbol `{name}` (relocation at .text offset {offset:#x}) is not a runtime function"
                ))),
            },
            None => Err(Error::load(format!(
                "{what}: .text relocation at offset {offset:#x} refers to unsupported symbol `{name}`"
            ))),
        }
    }
}

/// One veneer per external address reached PC-relatively, after the text (padded to
/// `VENEER_SIZE`): address → offset of its veneer.
fn place_veneers(relocs: &[Reloc], text_len: usize) -> HashMap<usize, usize> {
    let text_padded = text_len.div_ceil(VENEER_SIZE) * VENEER_SIZE;
    let mut veneers: HashMap<usize, usize> = HashMap::new();
    for r in relocs {
        if let (Kind::Pc32 | Kind::Call26, Target::External(addr)) = (r.kind, r.target) {
            let n = veneers.len();
            veneers.entry(addr).or_insert(text_padded + n * VENEER_SIZE);
        }
    }
    veneers
}

/// A veneer that jumps to `addr`: the jump, then the address at +8.
fn write_veneer(veneer: &mut [u8], arch: object::Architecture, addr: usize) {
    let stub: [u8; 8] = match arch {
        // jmp qword ptr [rip + 2]; (2 bytes padding) -- the address follows at +8.
        object::Architecture::X86_64 => [0xff, 0x25, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x0b],
        // ldr x16, #8; br x16
        _ => {
            let mut s = [0u8; 8];
            s[..4].copy_from_slice(&0x5800_0050u32.to_le_bytes());
            s[4..].copy_from_slice(&0xd61f_0200u32.to_le_bytes());
            s
        }
    };
    veneer[..8].copy_from_slice(&stub);
    veneer[8..16].copy_from_slice(&(addr as u64).to_le_bytes());
}

/// Patch one relocation into the mapped code.
fn apply(
    map: &mut [u8],
    r: &Reloc,
    veneers: &HashMap<usize, usize>,
) -> std::result::Result<(), String> {
    let base = map.as_ptr() as u64;
    let place = base + r.offset;
    let at = r.offset as usize;
    let s = match (r.kind, r.target) {
        (_, Target::Text(t)) => base + t,
        (Kind::Abs64, Target::External(addr)) => addr as u64,
        (_, Target::External(addr)) => base + veneers[&addr] as u64,
    };
    let value = s.wrapping_add(r.addend as u64);
    let delta = value.wrapping_sub(place) as i64;
    match r.kind {
        Kind::Abs64 => map[at..at + 8].copy_from_slice(&value.to_le_bytes()),
        Kind::Pc32 => {
            let Some(field) = crate::abi::pc32(delta) else {
                return Err(format!(
                    "PC-relative relocation at .text offset {:#x} out of range",
                    r.offset
                ));
            };
            map[at..at + 4].copy_from_slice(&field);
        }
        Kind::Call26 => {
            let insn = map[at..at + 4].try_into().unwrap_or([0; 4]);
            let Some(insn) = crate::abi::call26(insn, delta) else {
                return Err(format!(
                    "branch relocation at .text offset {:#x} out of range",
                    r.offset
                ));
            };
            map[at..at + 4].copy_from_slice(&insn);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object as WObject, Relocation, StandardSection, Symbol, SymbolSection};
    use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolKind, SymbolScope};

    fn build(text: &[u8], relocs: &[(u64, &str, u32, i64)], defined: &[(&str, u64)]) -> Vec<u8> {
        build_for(Architecture::X86_64, text, relocs, defined)
    }

    fn build_for(
        arch: Architecture,
        text: &[u8],
        relocs: &[(u64, &str, u32, i64)],
        defined: &[(&str, u64)],
    ) -> Vec<u8> {
        let mut obj = WObject::new(BinaryFormat::Elf, arch, Endianness::Little);
        let section = obj.section_id(StandardSection::Text);
        obj.append_section_data(section, text, 16);
        let mut ids = HashMap::new();
        for (name, off) in defined {
            let id = obj.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: *off,
                size: 0,
                kind: SymbolKind::Text,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Section(section),
                flags: SymbolFlags::None,
            });
            ids.insert(name.to_string(), id);
        }
        for (off, name, r_type, addend) in relocs {
            let id = *ids.entry(name.to_string()).or_insert_with(|| {
                obj.add_symbol(Symbol {
                    name: name.as_bytes().to_vec(),
                    value: 0,
                    size: 0,
                    kind: SymbolKind::Text,
                    scope: SymbolScope::Unknown,
                    weak: false,
                    section: SymbolSection::Undefined,
                    flags: SymbolFlags::None,
                })
            });
            obj.add_relocation(
                section,
                Relocation {
                    offset: *off,
                    symbol: id,
                    addend: *addend,
                    flags: RelocationFlags::Elf { r_type: *r_type },
                },
            )
            .unwrap();
        }
        obj.write().unwrap()
    }

    fn text_index(file: &object::File) -> Option<SectionIndex> {
        Some(file.section_by_name(".text").unwrap().index())
    }

    #[test]
    fn applies_pc32_abs64_and_veneers() {
        // call f (e8 rel32) at 0; movabs rax, libcall at 5 (48 b8 imm64); call libcall (e8) at 15; f at 32.
        let mut text = vec![0x90u8; 48];
        text[0] = 0xe8;
        text[5] = 0x48;
        text[6] = 0xb8;
        text[15] = 0xe8;
        let bytes = build(
            &text,
            &[
                (1, "f", elf::R_X86_64_PLT32, -4),
                (7, "wasmaot_rt_test", elf::R_X86_64_64, 0),
                (16, "wasmaot_rt_test", elf::R_X86_64_PLT32, -4),
            ],
            &[("f", 32)],
        );
        let file = object::File::parse(&*bytes).unwrap();
        let resolve = |n: &str| (n == "wasmaot_rt_test").then_some(0x1234_5678_9abc_usize);
        let linked = link(&file, text_index(&file), &resolve, "test").unwrap();
        assert_eq!(linked.relocations, 3);
        let base = linked.code.text_base();
        // SAFETY: the mapping is readable and at least 64 bytes (48 text + one veneer).
        let code = unsafe { std::slice::from_raw_parts(base as *const u8, 64) };
        let rel = i32::from_le_bytes(code[1..5].try_into().unwrap());
        assert_eq!(5 + rel as i64, 32);
        assert_eq!(
            u64::from_le_bytes(code[7..15].try_into().unwrap()),
            0x1234_5678_9abc
        );
        let rel = i32::from_le_bytes(code[16..20].try_into().unwrap());
        let veneer = (20 + rel as i64) as usize;
        assert_eq!(veneer, 48);
        assert_eq!(&code[48..50], &[0xff, 0x25]);
        assert_eq!(
            u64::from_le_bytes(code[56..64].try_into().unwrap()),
            0x1234_5678_9abc
        );
    }

    #[test]
    fn unknown_symbols_and_relocation_types_are_errors() {
        let text = vec![0x90u8; 16];
        let bytes = build(&text, &[(1, "puts", elf::R_X86_64_PLT32, -4)], &[]);
        let file = object::File::parse(&*bytes).unwrap();
        let e = link(&file, text_index(&file), &|_| None, "a.cwasm").unwrap_err();
        assert!(e.to_string().contains("undefined symbol `puts`"), "{e}");

        let bytes = build(&text, &[(1, "f", elf::R_X86_64_32S, 0)], &[("f", 0)]);
        let file = object::File::parse(&*bytes).unwrap();
        let e = link(&file, text_index(&file), &|_| None, "a.cwasm").unwrap_err();
        assert!(
            e.to_string().contains("unsupported relocation type 11"),
            "{e}"
        );

        // Position-independent objects are for the system linker.
        let bytes = build(&text, &[(1, "f", elf::R_X86_64_GOTPCREL, -4)], &[("f", 0)]);
        let file = object::File::parse(&*bytes).unwrap();
        let e = link(&file, text_index(&file), &|_| None, "a.cwasm").unwrap_err();
        assert!(e.to_string().contains("`--emit cwasm`"), "{e}");

        let bytes = build(&text, &[(14, "f", elf::R_X86_64_PLT32, -4)], &[("f", 0)]);
        let file = object::File::parse(&*bytes).unwrap();
        let e = link(&file, text_index(&file), &|_| None, "a.cwasm").unwrap_err();
        assert!(e.to_string().contains("outside .text"), "{e}");
    }

    #[test]
    fn applies_aarch64_call26_abs64_and_veneers() {
        // bl f at 0; bl libcall at 4; .8byte libcall at 8; f at 32.
        let bl = 0x9400_0000u32.to_le_bytes();
        let mut text = vec![0u8; 48];
        text[0..4].copy_from_slice(&bl);
        text[4..8].copy_from_slice(&bl);
        let bytes = build_for(
            Architecture::Aarch64,
            &text,
            &[
                (0, "f", elf::R_AARCH64_CALL26, 0),
                (4, "wasmaot_rt_test", elf::R_AARCH64_CALL26, 0),
                (8, "wasmaot_rt_test", elf::R_AARCH64_ABS64, 0),
            ],
            &[("f", 32)],
        );
        let file = object::File::parse(&*bytes).unwrap();
        let resolve = |n: &str| (n == "wasmaot_rt_test").then_some(0x1234_5678_9abc_usize);
        let linked = link(&file, text_index(&file), &resolve, "test").unwrap();
        let base = linked.code.text_base();
        // SAFETY: the mapping is readable and at least 64 bytes (48 text + one veneer).
        let code = unsafe { std::slice::from_raw_parts(base as *const u8, 64) };
        let word = |at: usize| u32::from_le_bytes(code[at..at + 4].try_into().unwrap());
        assert_eq!(word(0), 0x9400_0000 | (32 / 4));
        assert_eq!(word(4), 0x9400_0000 | ((48 - 4) / 4));
        assert_eq!(
            u64::from_le_bytes(code[8..16].try_into().unwrap()),
            0x1234_5678_9abc
        );
        assert_eq!(word(48), 0x5800_0050);
        assert_eq!(word(52), 0xd61f_0200);
        assert_eq!(
            u64::from_le_bytes(code[56..64].try_into().unwrap()),
            0x1234_5678_9abc
        );
    }
}
