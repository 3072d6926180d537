//! Structured mutations of an artifact's metadata: the section is decoded, one field the
//! loader must validate is set to a boundary or out-of-range value (limits, indices,
//! offsets and lengths, constant expressions, segment modes, names, the address map),
//! and the section re-encoded to its original length, so that the file around it stays
//! a valid object. Only fields the machine code was not compiled against are touched
//! (see `loader_contract`): whatever the loader accepts must then run safely.

use super::Rng;
use wasmaot_loader::abi::{
    self, ConstExpr, ConstOp, ElemItems, EntityIndex, ImportKind, ModuleMeta, SegmentMode,
};

/// The metadata section `section` with one or two fields changed, or `None` when no
/// change was found (a module without the entities tried) or it cannot be encoded in the
/// same number of bytes.
pub fn mutate_metadata(rng: &mut Rng, section: &[u8]) -> Option<Vec<u8>> {
    let (header, original) = abi::decode_metadata(section).ok()?;
    let mut meta = original.clone();
    let mut changes = 0;
    for _ in 0..16 {
        mutate_field(rng, &mut meta);
        if meta != original {
            changes += 1;
            if changes == 2 || rng.percent(70) {
                break;
            }
        }
    }
    let bytes = abi::encode_metadata(&header, &meta);
    (meta != original).then_some(())?;
    fit(bytes, section.len(), &header, &mut meta)
}

/// Bring the encoding to `len` bytes by resizing the module name (which nothing but
/// backtraces reads); `None` if no name length gives exactly `len`.
fn fit(bytes: Vec<u8>, len: usize, header: &abi::Header, meta: &mut ModuleMeta) -> Option<Vec<u8>> {
    if bytes.len() == len {
        return Some(bytes);
    }
    let name_now = meta
        .module_name
        .as_ref()
        .map_or(1, |n| encoded_name_len(n.len()));
    let name_wanted = (name_now + len).checked_sub(bytes.len())?;
    meta.module_name = match name_wanted {
        0 => return None,
        1 => None,
        n => Some("n".repeat((0..n).rev().find(|&l| encoded_name_len(l) == n)?)),
    };
    let bytes = abi::encode_metadata(header, meta);
    (bytes.len() == len).then_some(bytes)
}

/// Bytes of `Some(name)` with a name of `len` bytes: the flag, the LEB128 length, the text.
fn encoded_name_len(len: usize) -> usize {
    let mut leb = 1;
    while len >> (7 * leb) != 0 {
        leb += 1;
    }
    1 + leb + len
}

fn mutate_field(rng: &mut Rng, meta: &mut ModuleMeta) {
    match rng.below(11) {
        0 => mutate_memory_limits(rng, meta),
        1 => mutate_table(rng, meta),
        2 => mutate_global(rng, meta),
        3 => mutate_export(rng, meta),
        4 => meta.start = rng.percent(30).then(|| index(rng, meta.funcs.len() + 2)),
        5 => mutate_element(rng, meta),
        6 => mutate_data(rng, meta),
        7 => mutate_image(rng, meta),
        8 => mutate_import_name(rng, meta),
        9 => mutate_names(rng, meta),
        _ => mutate_address_map(rng, meta),
    }
}

/// A u32 around a boundary: 0, 1, `count - 1`, `count`, `count + 1`, a power of two,
/// the largest values.
fn index(rng: &mut Rng, count: usize) -> u32 {
    let count = count as u32;
    match rng.below(6) {
        0 => rng.below(u64::from(count) + 2) as u32,
        1 => count.wrapping_sub(1),
        2 => count,
        3 => 1 << rng.below(32),
        4 => u32::MAX - rng.below(2) as u32,
        _ => 0,
    }
}

/// A u64 around a boundary (sizes, byte offsets, page counts).
fn size(rng: &mut Rng) -> u64 {
    match rng.below(7) {
        0 => 0,
        1 => rng.below(5),
        2 => 1 << rng.below(64),
        3 => (1 << rng.below(64)) - 1,
        4 => u64::MAX - rng.below(2),
        5 => 65536 + rng.below(3) - 1,
        _ => u64::from(u32::MAX) + rng.below(3) - 1,
    }
}

fn const_expr(rng: &mut Rng, meta: &ModuleMeta) -> ConstExpr {
    let globals = meta.globals.len() + meta.imports.len();
    let funcs = meta.funcs.len() + meta.imports.len();
    let ops = (0..1 + rng.below(3))
        .map(|_| match rng.below(12) {
            0 => ConstOp::I32Const(size(rng) as i32),
            1 => ConstOp::I64Const(size(rng) as i64),
            2 => ConstOp::F32Const(rng.next_u64() as u32),
            3 => ConstOp::F64Const(rng.next_u64()),
            4 => ConstOp::V128Const(u128::from(rng.next_u64())),
            5 => ConstOp::GlobalGet(index(rng, globals)),
            6 => ConstOp::RefNull,
            7 => ConstOp::RefFunc(index(rng, funcs)),
            8 => ConstOp::I32Add,
            9 => ConstOp::I32Mul,
            10 => ConstOp::I64Sub,
            _ => ConstOp::I64Mul,
        })
        .collect();
    ConstExpr(ops)
}

fn mutate_memory_limits(rng: &mut Rng, meta: &mut ModuleMeta) {
    let imported = meta.imports.iter_mut().filter_map(|i| match &mut i.kind {
        ImportKind::Memory(m) => Some(m),
        _ => None,
    });
    let mut memories: Vec<_> = imported.chain(meta.memories.iter_mut()).collect();
    if memories.is_empty() {
        return;
    }
    let i = rng.index(memories.len());
    let m = &mut memories[i];
    if rng.percent(50) {
        m.minimum = size(rng);
    } else {
        m.maximum = rng.percent(80).then(|| size(rng));
    }
}

fn mutate_table(rng: &mut Rng, meta: &mut ModuleMeta) {
    let init = const_expr(rng, meta);
    let imported = meta.imports.iter_mut().filter_map(|i| match &mut i.kind {
        ImportKind::Table(t) => Some((t, None)),
        _ => None,
    });
    let defined = meta
        .tables
        .iter_mut()
        .map(|t| (&mut t.ty, Some(&mut t.init)));
    let mut tables: Vec<_> = imported.chain(defined).collect();
    if tables.is_empty() {
        return;
    }
    let i = rng.index(tables.len());
    let (ty, table_init) = &mut tables[i];
    match (rng.below(3), table_init) {
        (0, _) => ty.minimum = size(rng) as u32,
        (1, _) => ty.maximum = rng.percent(80).then(|| size(rng) as u32),
        (_, Some(table_init)) => **table_init = init,
        (_, None) => ty.minimum = 0,
    }
}

fn mutate_global(rng: &mut Rng, meta: &mut ModuleMeta) {
    let init = const_expr(rng, meta);
    if meta.globals.is_empty() {
        return;
    }
    let i = rng.index(meta.globals.len());
    let g = &mut meta.globals[i];
    if rng.percent(20) {
        g.ty.mutable = !g.ty.mutable;
    } else {
        g.init = init;
    }
}

fn mutate_export(rng: &mut Rng, meta: &mut ModuleMeta) {
    if meta.exports.is_empty() {
        return;
    }
    let n = meta.exports.len();
    let other_name = meta.exports[rng.index(n)].name.clone();
    let count = meta.funcs.len() + meta.imports.len() + meta.globals.len();
    let i = index(rng, count);
    let e = &mut meta.exports[rng.index(n)];
    match rng.below(5) {
        0 => e.index = EntityIndex::Func(i),
        1 => e.index = EntityIndex::Table(i),
        2 => e.index = EntityIndex::Memory(i),
        3 => e.index = EntityIndex::Global(i),
        _ => e.name = other_name,
    }
}

fn mutate_element(rng: &mut Rng, meta: &mut ModuleMeta) {
    let expr = const_expr(rng, meta);
    let tables = meta.tables.len() + meta.imports.len();
    let funcs = meta.funcs.len() + meta.imports.len();
    if meta.elements.is_empty() {
        return;
    }
    let i = rng.index(meta.elements.len());
    let seg = &mut meta.elements[i];
    match (rng.below(4), &mut seg.items) {
        (0, _) => seg.mode = segment_mode(rng, tables, expr),
        (1, _) => seg.element = *rng.pick(&[abi::ValType::FuncRef, abi::ValType::ExternRef]),
        (_, ElemItems::Funcs(items)) if !items.is_empty() => {
            let j = rng.index(items.len());
            items[j] = index(rng, funcs);
        }
        (_, ElemItems::Exprs(items)) if !items.is_empty() => {
            let j = rng.index(items.len());
            items[j] = expr;
        }
        _ => seg.mode = SegmentMode::Passive,
    }
}

fn segment_mode(rng: &mut Rng, count: usize, offset: ConstExpr) -> SegmentMode {
    match rng.below(4) {
        0 => SegmentMode::Passive,
        1 => SegmentMode::Declared,
        _ => SegmentMode::Active {
            index: index(rng, count),
            offset,
        },
    }
}

fn mutate_data(rng: &mut Rng, meta: &mut ModuleMeta) {
    let expr = const_expr(rng, meta);
    let memories = meta.memories.len() + meta.imports.len();
    if meta.data.is_empty() {
        return;
    }
    let i = rng.index(meta.data.len());
    let seg = &mut meta.data[i];
    match rng.below(3) {
        0 => seg.mode = segment_mode(rng, memories, expr),
        1 => seg.offset = size(rng),
        _ => seg.len = size(rng),
    }
}

fn mutate_image(rng: &mut Rng, meta: &mut ModuleMeta) {
    let memories = meta.memories.len() + meta.imports.len();
    if meta.memory_images.is_empty() {
        return;
    }
    let i = rng.index(meta.memory_images.len());
    let image = &mut meta.memory_images[i];
    match rng.below(4) {
        0 => image.memory = index(rng, memories),
        1 => image.offset = size(rng),
        2 => image.start = size(rng),
        _ => image.len = size(rng),
    }
}

fn mutate_import_name(rng: &mut Rng, meta: &mut ModuleMeta) {
    if meta.imports.is_empty() {
        return;
    }
    let n = meta.imports.len();
    let other = meta.imports[rng.index(n)].clone();
    let import = &mut meta.imports[rng.index(n)];
    if rng.percent(50) {
        import.module = other.module;
    } else {
        import.name = other.name;
    }
}

fn mutate_names(rng: &mut Rng, meta: &mut ModuleMeta) {
    let funcs = meta.funcs.len() + meta.imports.len();
    if meta.func_names.is_empty() {
        meta.func_names.push((index(rng, funcs), "f".into()));
        return;
    }
    let i = rng.index(meta.func_names.len());
    meta.func_names[i].0 = index(rng, funcs);
}

fn mutate_address_map(rng: &mut Rng, meta: &mut ModuleMeta) {
    let map = std::sync::Arc::make_mut(&mut meta.address_map);
    if !map.entries.is_empty() && rng.percent(50) {
        let i = rng.index(map.entries.len());
        map.entries[i].wasm_offset = size(rng) as u32;
    } else if !map.funcs.is_empty() {
        let i = rng.index(map.funcs.len());
        map.funcs[i].body_offset = size(rng) as u32;
    }
}
