//! The part of an artifact's metadata that its machine code was compiled against: the
//! function types and every function's code range and type, the trampolines, the trap
//! table, the VMContext layout (how many of each entity, imported and defined), each
//! entity's value or element type, memory kinds, the header's target, CPU features and
//! tunables. No loader can check these against the code short of recompiling it (the
//! checksum is what vouches for them), so a mutation that changes them may make the code
//! misbehave. Everything else — limits, initializers, exports, the start function,
//! segments, memory images, names, the address map — the loader must validate: a
//! mutation of those alone must never crash the process.

use wasmaot_loader::abi::{self, ImportKind};

/// The contract of a metadata section, `None` if it does not decode.
#[derive(Debug, PartialEq, Eq)]
pub struct Contract {
    header: abi::Header,
    meta: abi::ModuleMeta,
    trap_table: Vec<u8>,
}

pub fn contract(section: &[u8]) -> Option<Contract> {
    let (mut header, mut meta, tables) = abi::decode_metadata_in_place(section).ok()?;
    header.checksum = 0;
    header.compiler_version.clear();
    header.wasm_features = 0;
    header.symbol_prefix.clear();
    for import in &mut meta.imports {
        import.module.clear();
        import.name.clear();
        match &mut import.kind {
            ImportKind::Func(_) => {}
            ImportKind::Table(t) => (t.minimum, t.maximum) = (0, None),
            ImportKind::Memory(m) => (m.minimum, m.maximum) = (0, None),
            ImportKind::Global(g) => g.mutable = false,
            ImportKind::Tag(_) => {}
        }
    }
    for t in &mut meta.tables {
        (t.ty.minimum, t.ty.maximum) = (0, None);
        t.init.0.clear();
    }
    for m in &mut meta.memories {
        (m.minimum, m.maximum) = (0, None);
    }
    for g in &mut meta.globals {
        g.ty.mutable = false;
        g.init.0.clear();
    }
    meta.exports.clear();
    meta.start = None;
    meta.elements.clear();
    meta.data.clear();
    meta.memory_images.clear();
    meta.module_name = None;
    let trap_table = section.get(tables.trap_sites)?.to_vec();
    Some(Contract {
        header,
        meta,
        trap_table,
    })
}
