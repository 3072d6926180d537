//! Layout of the artifact's data section: prepared memory images (page aligned, for
//! copy-on-write mapping) followed by the bytes of the data segments not folded into one.

use crate::module_env::ModuleInfo;
use wasmaot_abi::{ConstExpr, ConstOp, DataSegment, MemoryImage, SegmentMode, WASM_PAGE_SIZE};

/// An image is only worth it when it is not mostly zeros: at most this many bytes, or
/// twice the segment bytes it holds, whichever is larger.
const SMALL_IMAGE: u64 = 1 << 20;

/// The data section bytes, the data segments pointing into it, and the memory images.
pub struct DataLayout {
    pub bytes: Vec<u8>,
    pub segments: Vec<DataSegment>,
    pub images: Vec<MemoryImage>,
}

fn constant_offset(e: &ConstExpr) -> Option<u64> {
    match e.0.as_slice() {
        [ConstOp::I32Const(v)] => Some(u64::from(*v as u32)),
        _ => None,
    }
}

fn align(n: u64, to: u64) -> u64 {
    n.div_ceil(to) * to
}

/// Lay out the data section; `page` is the alignment of images (a multiple of the
/// target's page size).
pub fn layout(info: &ModuleInfo, page: u64) -> DataLayout {
    let segments = &info.meta.data;
    let bytes_of =
        |s: &DataSegment| &info.data_bytes[s.offset as usize..(s.offset + s.len) as usize];

    // Images are possible only if no active segment can trap: all offsets constant and
    // every segment inside its memory's minimum size, and every targeted memory defined.
    let mut image_ends: Vec<u64> = vec![0; info.memories.len()];
    let mut image_payload: Vec<u64> = vec![0; info.memories.len()];
    let mut all_static = true;
    for s in segments {
        let SegmentMode::Active { index, offset } = &s.mode else {
            continue;
        };
        let m = *index as usize;
        let end = constant_offset(offset).and_then(|o| o.checked_add(s.len));
        match (end, info.memories.get(m)) {
            (Some(end), Some(mem))
                if *index >= info.num_imported_memories
                    && !mem.memory64
                    && end <= mem.minimum.saturating_mul(WASM_PAGE_SIZE) =>
            {
                image_ends[m] = image_ends[m].max(end);
                image_payload[m] += s.len;
            }
            _ => all_static = false,
        }
    }
    let imaged: Vec<bool> = image_ends
        .iter()
        .zip(&image_payload)
        .map(|(end, payload)| all_static && *end > 0 && *end <= SMALL_IMAGE.max(2 * payload))
        .collect();

    let mut out = DataLayout {
        bytes: Vec::new(),
        segments: Vec::with_capacity(segments.len()),
        images: Vec::new(),
    };
    for (m, is_imaged) in imaged.iter().enumerate() {
        if !is_imaged {
            continue;
        }
        let offset = align(out.bytes.len() as u64, page);
        let len = align(image_ends[m], page);
        out.bytes.resize((offset + len) as usize, 0);
        for s in segments {
            if let SegmentMode::Active { index, offset: at } = &s.mode {
                if *index as usize == m {
                    let at = offset + constant_offset(at).unwrap_or(0);
                    out.bytes[at as usize..(at + s.len) as usize].copy_from_slice(bytes_of(s));
                }
            }
        }
        out.images.push(MemoryImage {
            memory: m as u32,
            offset,
            len,
        });
    }
    for s in segments {
        let folded =
            matches!(&s.mode, SegmentMode::Active { index, .. } if imaged[*index as usize]);
        let offset = out.bytes.len() as u64;
        if !folded {
            out.bytes.extend_from_slice(bytes_of(s));
        }
        // A folded segment was applied by its image and is dropped at instantiation:
        // `Declared` says just that, with no offset expression to decode or evaluate.
        out.segments.push(DataSegment {
            mode: if folded {
                SegmentMode::Declared
            } else {
                s.mode.clone()
            },
            offset,
            len: if folded { 0 } else { s.len },
        });
    }
    out
}
