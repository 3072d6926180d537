//! Reading and verifying an artifact: object file, header (magic, version, target, CPU
//! features, tunables), checksum, then the module metadata and its internal consistency.
//! Nothing here runs or maps code.

use crate::abi::{
    self, decode_metadata_in_place, trap_site, CodeTables, Header, ModuleMeta, ObjectFormat,
    Reader, Tunables, CHECKSUM_OFFSET,
};
use crate::cpu_features::CpuFeatures;
use crate::engine::Config;
use crate::error::{Error, Result};
use object::{Object, ObjectSection};

/// A parsed and verified artifact, borrowing its bytes.
pub(crate) struct Artifact {
    pub format: ObjectFormat,
    pub header: Header,
    pub meta: ModuleMeta,
    /// File range of the metadata section (offset, len).
    pub meta_range: (usize, usize),
    /// Where the trap table, function names and address map lie in the metadata section.
    pub tables: CodeTables,
    /// File range of the code section (offset, len); `None` for a module without code.
    pub text_range: Option<(u64, u64)>,
    /// File range of the data section (offset, len), if present.
    pub data_range: (usize, usize),
}

/// The text section's name in an object of `format`.
pub(crate) fn text_section(format: ObjectFormat) -> &'static str {
    match format {
        ObjectFormat::MachO => "__text",
        _ => ".text",
    }
}

/// Where an artifact's sections are: a 64-bit little-endian ELF file is read directly
/// (`elf_sections`), anything else through `object`.
struct Layout {
    format: ObjectFormat,
    /// The object's architecture, as `std::env::consts::ARCH` names it, if supported.
    arch: Option<&'static str>,
    meta: (u64, u64),
    text: Option<(u64, u64)>,
    data: Option<(u64, u64)>,
}

fn layout(bytes: &[u8], what: &str) -> Result<Layout> {
    let names = [
        abi::metadata_section(ObjectFormat::Elf),
        text_section(ObjectFormat::Elf),
        abi::data_section(ObjectFormat::Elf),
    ];
    let no_meta = |name: &str| {
        Error::load(format!(
            "{what}: no `{name}` section: not a wasmaot artifact"
        ))
    };
    if let Some(found) = crate::elf_sections::find(bytes, names)
        .map_err(|e| Error::load(format!("{what}: not a valid object file: {e}")))?
    {
        let [meta, text, data] = found.ranges;
        return Ok(Layout {
            format: ObjectFormat::Elf,
            arch: match found.machine {
                object::elf::EM_X86_64 => Some("x86_64"),
                object::elf::EM_AARCH64 => Some("aarch64"),
                _ => None,
            },
            meta: meta.ok_or_else(|| no_meta(names[0]))?,
            text,
            data,
        });
    }
    let file = object::File::parse(bytes)
        .map_err(|e| Error::load(format!("{what}: not a valid object file: {e}")))?;
    let format = match file.format() {
        object::BinaryFormat::Elf => ObjectFormat::Elf,
        object::BinaryFormat::MachO => ObjectFormat::MachO,
        object::BinaryFormat::Coff => ObjectFormat::Coff,
        other => {
            return Err(Error::load(format!(
                "{what}: unsupported object format {other:?}"
            )))
        }
    };
    let range = |name: &str| -> Result<Option<(u64, u64)>> {
        let Some(section) = file.section_by_name(name) else {
            return Ok(None);
        };
        match section.file_range() {
            Some((off, len))
                if off
                    .checked_add(len)
                    .is_some_and(|end| end <= bytes.len() as u64) =>
            {
                Ok(Some((off, len)))
            }
            Some(_) => Err(Error::load(format!(
                "{what}: section `{name}` lies outside the file"
            ))),
            None => Ok(None),
        }
    };
    let meta_name = abi::metadata_section(format);
    Ok(Layout {
        format,
        arch: match file.architecture() {
            object::Architecture::X86_64 => Some("x86_64"),
            object::Architecture::Aarch64 => Some("aarch64"),
            _ => None,
        },
        meta: range(meta_name)?.ok_or_else(|| no_meta(meta_name))?,
        text: range(text_section(format))?,
        data: range(abi::data_section(format))?,
    })
}

/// Parse and verify `bytes` for an engine configured as `config`; `what` names the
/// artifact (a path, or "artifact") in errors.
pub(crate) fn parse(bytes: &[u8], config: &Config, what: &str) -> Result<Artifact> {
    let layout = layout(bytes, what)?;
    let format = layout.format;
    let meta_name = abi::metadata_section(format);
    let meta_range = (layout.meta.0 as usize, layout.meta.1 as usize);
    let meta_bytes = &bytes[meta_range.0..meta_range.0 + meta_range.1];

    // The header first: a foreign or newer artifact is reported as such.
    let header = Header::decode(&mut Reader::new(meta_bytes))
        .map_err(|e| Error::load(format!("{what}: section `{meta_name}` header: {e}")))?;
    check_target_triple(&header).map_err(|e| e.context(what))?;
    check_object_arch(layout.arch).map_err(|e| e.context(what))?;
    CpuFeatures::host()
        .check(&header.cpu_features)
        .map_err(|e| e.context(what))?;
    check_tunables(&header.tunables, config).map_err(|e| e.context(what))?;

    if config.verify_artifact_checksum {
        verify_checksum(bytes, &header, meta_range.0, what)?;
    }

    let (_, meta, tables) = decode_metadata_in_place(meta_bytes)
        .map_err(|e| Error::load(format!("{what}: section `{meta_name}`: {e}")))?;
    let text_len = layout.text.map_or(0, |(_, len)| len);
    let data_range = layout
        .data
        .map_or((0, 0), |(off, len)| (off as usize, len as usize));
    crate::meta_check::validate(&meta, text_len, data_range.1 as u64)
        .map_err(|m| Error::load(format!("{what}: metadata: {m}")))?;
    Ok(Artifact {
        format,
        header,
        meta,
        meta_range,
        tables,
        text_range: layout.text,
        data_range,
    })
}

/// The checksum covers the whole file with the checksum field zeroed.
fn verify_checksum(bytes: &[u8], header: &Header, meta_offset: usize, what: &str) -> Result<()> {
    let field = meta_offset.checked_add(CHECKSUM_OFFSET);
    let field = match field {
        Some(f) if f.checked_add(4).is_some_and(|end| end <= bytes.len()) => f,
        _ => {
            return Err(Error::load(format!(
                "{what}: checksum field outside the file"
            )))
        }
    };
    let actual = crate::abi::artifact_checksum(bytes, field).unwrap_or(!header.checksum);
    if actual != header.checksum {
        return Err(Error::load(format!(
            "{what}: checksum mismatch: header says {:#010x}, contents hash to {actual:#010x} (corrupt or modified artifact)",
            header.checksum
        )));
    }
    Ok(())
}

fn host_description() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// The header's target triple names this host's architecture and operating system.
pub(crate) fn check_target_triple(header: &Header) -> Result<()> {
    let target = header.target.as_str();
    let arch = target.split('-').next().unwrap_or("");
    let arch = match arch {
        "arm64" => "aarch64",
        "amd64" => "x86_64",
        a => a,
    };
    let os = [
        "linux", "darwin", "macos", "ios", "windows", "freebsd", "netbsd", "openbsd", "android",
    ]
    .into_iter()
    .find(|os| target.contains(os))
    .map(|os| if os == "darwin" { "macos" } else { os })
    .unwrap_or("unknown");
    let host_os = match std::env::consts::OS {
        "android" => "linux",
        o => o,
    };
    let os = if os == "android" { "linux" } else { os };
    if arch != std::env::consts::ARCH || os != host_os {
        return Err(Error::load(format!(
            "header field `target`: artifact is for {target}, this host is {}",
            host_description()
        )));
    }
    Ok(())
}

fn check_object_arch(arch: Option<&str>) -> Result<()> {
    let Some(object_arch) = arch else {
        return Err(Error::load(
            "object architecture is not supported (x86_64 and aarch64 are)".to_string(),
        ));
    };
    if object_arch != std::env::consts::ARCH {
        return Err(Error::load(format!(
            "object file is for {object_arch}, this host is {}",
            host_description()
        )));
    }
    Ok(())
}

/// Check that `cpu` has the CPU features the artifact `bytes` needs (its header's
/// `cpu_features`), as loading it on such a CPU would: the error names every missing
/// feature. Loading checks against `CpuFeatures::host()`.
pub fn check_cpu_features(bytes: &[u8], cpu: &CpuFeatures) -> Result<()> {
    let what = "artifact";
    let layout = layout(bytes, what)?;
    let meta_bytes = bytes
        .get(layout.meta.0 as usize..)
        .and_then(|b| b.get(..layout.meta.1 as usize))
        .ok_or_else(|| Error::load(format!("{what}: metadata section outside the file")))?;
    let header = Header::decode(&mut Reader::new(meta_bytes))
        .map_err(|e| Error::load(format!("{what}: metadata header: {e}")))?;
    cpu.check(&header.cpu_features).map_err(|e| e.context(what))
}

pub(crate) fn check_tunables(t: &Tunables, config: &Config) -> Result<()> {
    for (name, artifact, engine) in [
        ("consume_fuel", t.consume_fuel, config.consume_fuel),
        (
            "epoch_interruption",
            t.epoch_interruption,
            config.epoch_interruption,
        ),
    ] {
        if artifact != engine {
            return Err(Error::load(format!(
                "header field `tunables.{name}`: artifact compiled with {name}={artifact}, engine has {name}={engine} (recompile, or configure the engine to match)"
            )));
        }
    }
    let supported = Tunables::default().memory_reservation;
    if t.memory_reservation != supported {
        return Err(Error::load(format!(
            "header field `tunables.memory_reservation`: {} bytes is not supported (this runtime reserves {supported})",
            t.memory_reservation
        )));
    }
    if t.memory_guard_size > (1 << 40) {
        return Err(Error::load(format!(
            "header field `tunables.memory_guard_size`: {} bytes is more than the supported 1 TiB",
            t.memory_guard_size
        )));
    }
    Ok(())
}

/// Every record of the trap table in `meta` (a metadata section) has a known trap code
/// and an offset inside `.text`, in increasing order.
pub(crate) fn check_trap_sites(
    meta: &[u8],
    tables: &CodeTables,
    text_len: u64,
) -> std::result::Result<(), String> {
    let table = meta
        .get(tables.trap_sites.clone())
        .ok_or("trap table outside the metadata section")?;
    // A tight loop (a module has a trap site per memory access); the message is worked
    // out only for a bad record.
    let mut last = 0u32;
    for record in table.chunks_exact(abi::TRAP_SITE_SIZE) {
        let offset = u32::from_le_bytes([record[0], record[1], record[2], record[3]]);
        let known = abi::TrapCode::from_u8(record[4]).is_some();
        if !known || u64::from(offset) >= text_len || offset < last {
            return Err(match trap_site(record) {
                None => format!("unknown trap code {} in the trap table", record[4]),
                Some(_) if u64::from(offset) >= text_len => {
                    format!("trap site at {offset} outside .text")
                }
                Some(_) => format!("trap sites not sorted (at offset {offset})"),
            });
        }
        last = offset;
    }
    Ok(())
}

/// The exception table in `meta` (a metadata section) decodes, its sites are in
/// increasing order of return offset, and every return and handler offset lies inside
/// `.text` and every tag below `ntags`. (The unwinder checks each site it uses anyway:
/// a handler must lie in its call's function.)
pub(crate) fn check_exception_sites(
    meta: &[u8],
    tables: &CodeTables,
    text_len: u64,
    ntags: u32,
) -> std::result::Result<(), String> {
    let table = meta
        .get(tables.exception_sites.clone())
        .and_then(abi::ExceptionTable::new)
        .ok_or("exception table outside the metadata section or incomplete")?;
    let mut last = None;
    for site in table.sites() {
        if last.is_some_and(|l| site.ret_offset <= l) {
            return Err(format!(
                "exception sites not sorted (at return offset {})",
                site.ret_offset
            ));
        }
        last = Some(site.ret_offset);
        if u64::from(site.ret_offset) > text_len {
            return Err(format!(
                "exception site returning to {} outside .text",
                site.ret_offset
            ));
        }
        for h in &site.handlers {
            if u64::from(h.handler_offset) >= text_len {
                return Err(format!(
                    "exception handler at {} outside .text",
                    h.handler_offset
                ));
            }
            if let Some(tag) = h.tag.filter(|&t| t >= ntags) {
                return Err(format!("exception handler of tag {tag} ({ntags} tags)"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{encode_exception_table, ExceptionHandler, ExceptionSite, Writer};

    fn table(sites: &[(u32, u32, Option<u32>)]) -> (Vec<u8>, CodeTables) {
        let sites: Vec<ExceptionSite> = sites
            .iter()
            .map(|&(ret_offset, handler_offset, tag)| ExceptionSite {
                ret_offset,
                frame_offset: 16,
                vmctx_sp_offset: Some(0),
                handlers: vec![ExceptionHandler {
                    tag,
                    handler_offset,
                }],
            })
            .collect();
        let mut w = Writer::default();
        encode_exception_table(&mut w, &sites);
        let tables = CodeTables {
            exception_sites: 0..w.bytes.len(),
            ..CodeTables::default()
        };
        (w.bytes, tables)
    }

    #[test]
    fn exception_tables_of_linked_code_are_checked_whole() {
        let check = |sites: &[(u32, u32, Option<u32>)]| {
            let (bytes, tables) = table(sites);
            check_exception_sites(&bytes, &tables, 0x100, 2)
        };
        assert_eq!(check(&[(0x10, 0x20, Some(1)), (0x30, 0x40, None)]), Ok(()));
        let e = check(&[(0x30, 0x20, None), (0x10, 0x40, None)]).unwrap_err();
        assert!(e.contains("not sorted"), "{e}");
        let e = check(&[(0x10, 0x100, None)]).unwrap_err();
        assert!(e.contains("handler at 256 outside .text"), "{e}");
        let e = check(&[(0x101, 0x20, None)]).unwrap_err();
        assert!(e.contains("outside .text"), "{e}");
        let e = check(&[(0x10, 0x20, Some(2))]).unwrap_err();
        assert!(e.contains("tag 2 (2 tags)"), "{e}");
        let (bytes, tables) = table(&[(0x10, 0x20, None)]);
        assert!(check_exception_sites(&bytes[..bytes.len() - 1], &tables, 0x100, 0).is_err());
    }
}
