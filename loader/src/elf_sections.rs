//! Finding sections of a 64-bit little-endian ELF file by name, reading nothing but the
//! file header, the section headers and the section-name table: the load path of an
//! artifact needs the file ranges of three sections, not a parsed object file (the
//! `object` crate also indexes symbols and relocations, which costs more than the rest of
//! loading a small module).

use object::elf;

/// File ranges (offset, size) of the sections asked for, in the order asked, and the
/// file's machine (`e_machine`).
pub(crate) struct Found<const N: usize> {
    pub machine: u16,
    pub ranges: [Option<(u64, u64)>; N],
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The sections named `names` of `bytes`. `Ok(None)` when `bytes` is not a 64-bit
/// little-endian ELF file (read it with `object`); an error names what is malformed.
/// A section without file contents (`SHT_NOBITS`) or not present gives `None`; a range
/// reaching past the end of the file is an error.
pub(crate) fn find<const N: usize>(
    bytes: &[u8],
    names: [&str; N],
) -> Result<Option<Found<N>>, String> {
    let ident = [0x7f, b'E', b'L', b'F', elf::ELFCLASS64, elf::ELFDATA2LSB];
    if bytes.get(..ident.len()) != Some(&ident[..]) {
        return Ok(None);
    }
    let header = |what| format!("ELF header: {what} outside the file");
    let machine = u16_at(bytes, 0x12).ok_or_else(|| header("e_machine"))?;
    let shoff = u64_at(bytes, 0x28).ok_or_else(|| header("e_shoff"))?;
    let shentsize = u16_at(bytes, 0x3a).ok_or_else(|| header("e_shentsize"))?;
    let shnum = u16_at(bytes, 0x3c).ok_or_else(|| header("e_shnum"))?;
    let shstrndx = u16_at(bytes, 0x3e).ok_or_else(|| header("e_shstrndx"))?;
    if shentsize as usize != std::mem::size_of::<elf::SectionHeader64<object::Endianness>>() {
        return Err(format!("ELF header: section header size {shentsize}"));
    }
    let table = usize::try_from(shoff)
        .ok()
        .and_then(|start| Some(start..start.checked_add(64 * shnum as usize)?))
        .and_then(|range| bytes.get(range))
        .ok_or("ELF section headers outside the file")?;
    let section = |i: usize| table.get(i * 64..(i + 1) * 64);
    // (name offset, type, file offset, size) of section `i`.
    let fields = |s: &[u8]| -> Option<(u32, u32, u64, u64)> {
        Some((u32_at(s, 0)?, u32_at(s, 4)?, u64_at(s, 24)?, u64_at(s, 32)?))
    };
    let range_in_file = |offset: u64, size: u64| {
        offset
            .checked_add(size)
            .is_some_and(|end| end <= bytes.len() as u64)
    };
    let strings = section(shstrndx as usize)
        .and_then(fields)
        .filter(|&(_, _, offset, size)| range_in_file(offset, size))
        .and_then(|(_, _, offset, size)| bytes.get(offset as usize..(offset + size) as usize))
        .ok_or("ELF section-name table missing or outside the file")?;
    let mut ranges = [None; N];
    for i in 0..shnum as usize {
        let Some((name, kind, offset, size)) = section(i).and_then(fields) else {
            continue;
        };
        let name = strings
            .get(name as usize..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .unwrap_or(&[]);
        let Some(slot) = names.iter().position(|n| n.as_bytes() == name) else {
            continue;
        };
        if kind == elf::SHT_NOBITS {
            continue;
        }
        if !range_in_file(offset, size) {
            return Err(format!("section `{}` lies outside the file", names[slot]));
        }
        ranges[slot] = Some((offset, size));
    }
    Ok(Some(Found { machine, ranges }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object as WObject, StandardSection};
    use object::{Architecture, BinaryFormat, Endianness, Object, ObjectSection};

    fn sample() -> Vec<u8> {
        let mut obj = WObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
        let text = obj.section_id(StandardSection::Text);
        obj.append_section_data(text, &[0x90; 40], 16);
        let meta = obj.add_section(
            Vec::new(),
            b".meta".to_vec(),
            object::SectionKind::ReadOnlyData,
        );
        obj.append_section_data(meta, b"metadata", 8);
        obj.write().unwrap()
    }

    #[test]
    fn agrees_with_object() {
        let bytes = sample();
        let found = find(&bytes, [".text", ".meta", ".absent"])
            .unwrap()
            .unwrap();
        let file = object::File::parse(&*bytes).unwrap();
        for (i, name) in [".text", ".meta"].iter().enumerate() {
            let s = file.section_by_name(name).unwrap();
            assert_eq!(found.ranges[i], s.file_range(), "{name}");
        }
        assert_eq!(found.ranges[2], None);
        assert_eq!(found.machine, elf::EM_X86_64);
    }

    #[test]
    fn other_files_and_damage_never_panic() {
        assert!(find(b"\0asm", [".text"]).unwrap().is_none());
        let bytes = sample();
        for len in 0..bytes.len() {
            let _ = find(&bytes[..len], [".text", ".meta"]);
        }
        for at in 0..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 0xff;
            let _ = find(&b, [".text", ".meta"]);
        }
    }
}
