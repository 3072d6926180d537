//! Helpers of the compiler's unit tests.

use crate::{compile, CompileOptions};
use object::{Object, ObjectSection};
use wasmaot_abi::{decode_metadata, metadata_section, ModuleMeta, ObjectFormat};

/// Compile `wat` for the host with default options and decode the artifact's metadata.
pub fn compiled_meta(wat: &str) -> ModuleMeta {
    let artifact = compile(wat.as_bytes(), &CompileOptions::default()).expect("compiles");
    let file = object::File::parse(&*artifact).expect("an object");
    let meta = file
        .section_by_name(metadata_section(ObjectFormat::Elf))
        .expect("a metadata section")
        .data()
        .expect("its bytes");
    decode_metadata(meta).expect("metadata").1
}
