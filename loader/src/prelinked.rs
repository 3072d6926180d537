//! Modules whose code a system linker placed: linked statically into the program
//! (`Module::from_prelinked`, given the module's descriptor symbol) or into a shared
//! object the loader opens with libloading (`Module::from_shared_object`).
//!
//! The descriptor (`abi::Descriptor`, symbol `<prefix>wasmaot_module`) points to the
//! metadata, `.text` and data sections as placed in memory. The metadata header is checked
//! as for an artifact (target, CPU features, tunables) and the metadata decoded and
//! cross-checked against the section sizes; the code is then registered for trap handling
//! where it lies: nothing is mapped, copied or relocated by us. The artifact checksum is
//! not checked: it covers the object file, which a linked program no longer contains.

use crate::abi::{self, Descriptor, Header, Reader};
use crate::artifact;
use crate::code_memory::{CodeMemory, MetaBytes};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::module::Module;
use crate::module_bytes::ModuleBytes;
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use std::path::Path;

/// libloading's error with its cause (`dlerror`'s text): its `Display` alone says only
/// "dlopen failed".
fn dl_error(e: &libloading::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

impl Module {
    /// A module linked into this program by the system linker: `descriptor` is its
    /// `<prefix>wasmaot_module` symbol. No file is read.
    pub fn from_prelinked(engine: &Engine, descriptor: &'static Descriptor) -> Result<Module> {
        from_descriptor(engine, descriptor, None, "linked module".to_string())
    }

    /// A shared object made by `wasmaot compile --emit shared`, opened with libloading
    /// (`dlopen` with `RTLD_NOW | RTLD_LOCAL`, kept open while the module lives) once its
    /// format, target and descriptor symbol are checked. Its runtime-function references
    /// (`wasmaot_rt_*`) are resolved by the dynamic linker against the process, which
    /// must export them (libwasmaot does; a Rust program links with
    /// `-Wl,--export-dynamic-symbol=wasmaot_rt_*`).
    pub fn from_shared_object(engine: &Engine, path: &Path) -> Result<Module> {
        let what = path.display().to_string();
        let symbol = descriptor_symbol_in(path, &what)?;
        let (lib, address) = open_shared_object(path, &symbol, &what)?;
        // SAFETY: the symbol is the module descriptor the compiler emitted (found by its
        // reserved name in the dynamic symbol table), non-NULL, aligned, in memory that
        // stays mapped while `lib` is open — and `lib` moves into the module's code
        // memory, which the module keeps; we extend the lifetime to 'static only for
        // `from_descriptor`, which stores nothing borrowed from it beyond that owner.
        let descriptor: &'static Descriptor = unsafe { &*address };
        from_descriptor(engine, descriptor, Some(Box::new(lib)), what)
    }
}

/// Open the shared object at `path` and find `symbol` in it: the library (closed when
/// dropped) and the symbol's address, checked non-NULL and aligned for a descriptor.
fn open_shared_object(
    path: &Path,
    symbol: &str,
    what: &str,
) -> Result<(Library, *const Descriptor)> {
    // A path without a slash would make dlopen search the library path.
    let path = if path.components().count() > 1 || path.is_absolute() {
        path.to_path_buf()
    } else {
        Path::new(".").join(path)
    };
    // SAFETY: opening a shared object runs its initializers; ours (from `--emit shared`,
    // linked `-nostdlib`) has none. The caller vouches for the file as it would for any
    // library it loads.
    let lib = unsafe { Library::open(Some(&path), RTLD_NOW | RTLD_LOCAL) }
        .map_err(|e| Error::load(format!("{what}: {}", dl_error(&e))))?;
    // SAFETY: the symbol is taken as an address (`*const Descriptor`), neither called nor
    // read here; libloading builds the C string and refuses a name with a NUL byte.
    let address = match unsafe { lib.get::<*const Descriptor>(symbol.as_bytes()) } {
        Ok(s) => *s,
        Err(e) => {
            let message = format!("{what}: `{symbol}`: {}", dl_error(&e));
            return Err(Error::load(message));
        }
    };
    if address.is_null() || !address.is_aligned() {
        return Err(Error::load(format!(
            "{what}: `{symbol}` is not an aligned module descriptor"
        )));
    }
    Ok((lib, address))
}

/// The one exported `*wasmaot_module` symbol of the shared object at `path`.
fn descriptor_symbol_in(path: &Path, what: &str) -> Result<String> {
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(path).map_err(|e| Error::load(format!("{what}: {e}")))?;
    let file = object::File::parse(&*bytes)
        .map_err(|e| Error::load(format!("{what}: not a valid object file: {e}")))?;
    if file.kind() != object::ObjectKind::Dynamic {
        return Err(Error::load(format!(
            "{what}: not a shared object (compile with `--emit shared`)"
        )));
    }
    // The target first, before `dlopen` would fail with a less helpful message.
    if let Some(section) = file.section_by_name(abi::metadata_section(abi::ObjectFormat::Elf)) {
        use object::ObjectSection;
        let bytes = section
            .data()
            .map_err(|e| Error::load(format!("{what}: metadata section: {e}")))?;
        let header = Header::decode(&mut Reader::new(bytes))
            .map_err(|e| Error::load(format!("{what}: metadata header: {e}")))?;
        artifact::check_target_triple(&header).map_err(|e| e.context(what))?;
    }
    let suffix = abi::descriptor_symbol("");
    let names: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .filter(|n| n.ends_with(&suffix))
        .collect();
    match names.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::load(format!(
            "{what}: no `{suffix}` symbol: not a shared object made by `wasmaot compile --emit shared`"
        ))),
        several => Err(Error::load(format!(
            "{what}: several module descriptors ({}); expected one",
            several.join(", ")
        ))),
    }
}

/// The bytes `[ptr, ptr + len)` of a descriptor field, checked for NULL.
///
/// # Safety
/// The descriptor's pointers must be valid for their lengths for `'static` (or as long
/// as the module's owner lives).
unsafe fn field(ptr: *const u8, len: usize, name: &str, what: &str) -> Result<&'static [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::load(format!(
            "{what}: module descriptor: `{name}` is NULL with length {len}"
        )));
    }
    // SAFETY: see the function's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

fn from_descriptor(
    engine: &Engine,
    d: &'static Descriptor,
    owner: Option<Box<dyn std::any::Any + Send + Sync>>,
    what: String,
) -> Result<Module> {
    if d.magic != abi::DESCRIPTOR_MAGIC {
        return Err(Error::load(format!(
            "{what}: not a wasmaot module descriptor (magic {:#010x}, expected {:#010x})",
            d.magic,
            abi::DESCRIPTOR_MAGIC
        )));
    }
    if d.version != abi::DESCRIPTOR_VERSION {
        return Err(Error::load(format!(
            "{what}: module descriptor version {} (this runtime reads version {})",
            d.version,
            abi::DESCRIPTOR_VERSION
        )));
    }
    // SAFETY: the compiler's relocations point each field at its section, as placed by
    // the system linker; the sections live as long as the program or `owner`.
    let meta_bytes = unsafe { field(d.metadata, d.metadata_len, "metadata", &what)? };
    let header = Header::decode(&mut Reader::new(meta_bytes))
        .map_err(|e| Error::load(format!("{what}: metadata header: {e}")))?;
    artifact::check_target_triple(&header).map_err(|e| e.context(&what))?;
    crate::cpu_features::CpuFeatures::host()
        .check(&header.cpu_features)
        .map_err(|e| e.context(&what))?;
    artifact::check_tunables(&header.tunables, engine.config()).map_err(|e| e.context(&what))?;
    let (_, meta, tables) = abi::decode_metadata_in_place(meta_bytes)
        .map_err(|e| Error::load(format!("{what}: metadata: {e}")))?;
    if d.text.is_null() && d.text_len != 0 {
        return Err(Error::load(format!(
            "{what}: module descriptor: `text` is NULL"
        )));
    }
    // SAFETY: as for the metadata.
    let data = unsafe { field(d.data, d.data_len, "data", &what)? };
    crate::meta_check::validate(&meta, d.text_len as u64, data.len() as u64)
        .and_then(|()| artifact::check_trap_sites(meta_bytes, &tables, d.text_len as u64))
        .and_then(|()| {
            let ntags = meta.num_imported_tags() + meta.tags.len() as u32;
            artifact::check_exception_sites(meta_bytes, &tables, d.text_len as u64, ntags)
        })
        .map_err(|m| Error::load(format!("{what}: metadata: {m}")))?;
    let code = CodeMemory::foreign(d.text as usize, d.text_len, owner);
    let bytes = ModuleBytes::Linked {
        ptr: data.as_ptr(),
        len: data.len(),
    };
    let data_range = (0, data.len());
    Ok(Module::assemble(
        engine,
        what,
        (header, meta, bytes, data_range),
        // SAFETY: the metadata lives as long as the program or `owner`, which the code
        // memory keeps for as long as the code is registered.
        (unsafe { MetaBytes::new(meta_bytes, None) }, tables),
        code,
        0,
    ))
}

/// Whether `bytes` start like an ELF shared object (`ET_DYN`), as `wasmaot compile
/// --emit shared` writes, rather than a relocatable artifact.
pub fn is_shared_object(bytes: &[u8]) -> bool {
    bytes.len() >= 18
        && bytes.starts_with(b"\x7fELF")
        && match bytes[5] {
            1 => bytes[16..18] == [3, 0],
            2 => bytes[16..18] == [0, 3],
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak(d: Descriptor) -> &'static Descriptor {
        Box::leak(Box::new(d))
    }

    fn descriptor(metadata: &'static [u8]) -> Descriptor {
        Descriptor {
            magic: abi::DESCRIPTOR_MAGIC,
            version: abi::DESCRIPTOR_VERSION,
            metadata: metadata.as_ptr(),
            metadata_len: metadata.len(),
            text: std::ptr::null(),
            text_len: 0,
            data: std::ptr::null(),
            data_len: 0,
        }
    }

    fn error(d: Descriptor) -> String {
        let engine = Engine::default();
        Module::from_prelinked(&engine, leak(d))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_descriptors_are_errors() {
        let mut d = descriptor(b"");
        d.magic = 0x1234;
        assert!(error(d).contains("not a wasmaot module descriptor"));
        let mut d = descriptor(b"");
        d.version = 99;
        assert!(error(d).contains("descriptor version 99"));
        let mut d = descriptor(b"");
        d.metadata = std::ptr::null();
        d.metadata_len = 8;
        assert!(error(d).contains("`metadata` is NULL"));
        let e = error(descriptor(b"\0wasmaoX garbage"));
        assert!(e.contains("metadata header"), "{e}");
    }

    #[test]
    fn shared_object_detection() {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[5] = 1;
        elf[16] = 3;
        assert!(is_shared_object(&elf));
        elf[16] = 1; // ET_REL: an artifact
        assert!(!is_shared_object(&elf));
        assert!(!is_shared_object(b"\0asm"));
        let e = Module::from_shared_object(&Engine::default(), Path::new("/nonexistent.so"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent.so: "), "{e}");
    }
}
