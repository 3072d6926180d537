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
    // An image spans the memory's initialized bytes: from the page of the lowest segment
    // to the end of the highest.
    let mut spans: Vec<Option<(u64, u64)>> = vec![None; info.memories.len()];
    let mut image_payload: Vec<u64> = vec![0; info.memories.len()];
    let mut all_static = true;
    for s in segments {
        let SegmentMode::Active { index, offset } = &s.mode else {
            continue;
        };
        let m = *index as usize;
        let start = constant_offset(offset);
        let end = start.and_then(|o| o.checked_add(s.len));
        match (start, end, info.memories.get(m)) {
            (Some(start), Some(end), Some(mem))
                if *index >= info.num_imported_memories
                    && !mem.memory64
                    && mem.page_size_log2 == 16
                    && end <= mem.minimum.saturating_mul(WASM_PAGE_SIZE) =>
            {
                if s.len > 0 {
                    let span = spans[m].get_or_insert((start, end));
                    *span = (span.0.min(start), span.1.max(end));
                }
                image_payload[m] += s.len;
            }
            _ => all_static = false,
        }
    }
    let images: Vec<Option<(u64, u64)>> = spans
        .iter()
        .zip(&image_payload)
        .map(|(span, payload)| {
            let (start, end) = (*span)?;
            let start = start / page * page;
            let worth = end - start <= SMALL_IMAGE.max(2 * payload);
            (all_static && worth).then_some((start, align(end, page) - start))
        })
        .collect();

    let mut out = DataLayout {
        bytes: Vec::new(),
        segments: Vec::with_capacity(segments.len()),
        images: Vec::new(),
    };
    for (m, image) in images.iter().enumerate() {
        let Some((start, len)) = *image else {
            continue;
        };
        let offset = align(out.bytes.len() as u64, page);
        out.bytes.resize((offset + len) as usize, 0);
        for s in segments {
            if let SegmentMode::Active { index, offset: at } = &s.mode {
                if *index as usize == m && s.len > 0 {
                    let at = offset + constant_offset(at).unwrap_or(0) - start;
                    out.bytes[at as usize..(at + s.len) as usize].copy_from_slice(bytes_of(s));
                }
            }
        }
        out.images.push(MemoryImage {
            memory: m as u32,
            start,
            offset,
            len,
        });
    }
    for s in segments {
        let folded = matches!(&s.mode, SegmentMode::Active { index, .. } if images[*index as usize].is_some());
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

#[cfg(test)]
mod tests {
    use crate::test_support::compiled_meta;
    use wasmaot_abi::{MemoryImage, SegmentMode};

    /// The host's image alignment (the compiler's `page_size`).
    const PAGE: u64 = if cfg!(target_arch = "x86_64") {
        4096
    } else {
        65536
    };

    #[test]
    fn an_image_starts_at_the_page_of_the_lowest_segment() {
        let meta = compiled_meta(
            r#"(module (memory 8)
                 (data (i32.const 0x30010) "\01\02")
                 (data (i32.const 0x30000) "")
                 (data (i32.const 0x20005) "abc"))"#,
        );
        let start = 0x20005 / PAGE * PAGE;
        let len = (0x30012 - start).div_ceil(PAGE) * PAGE;
        assert_eq!(
            meta.memory_images,
            [MemoryImage {
                memory: 0,
                start,
                offset: 0,
                len,
            }]
        );
        assert!(meta
            .data
            .iter()
            .all(|s| s.mode == SegmentMode::Declared && s.len == 0));
    }

    #[test]
    fn sparse_or_unprovable_segments_stay_segments() {
        // Mostly zeros between the two segments: no image.
        let sparse = compiled_meta(
            r#"(module (memory 64) (data (i32.const 0) "a") (data (i32.const 0x300000) "b"))"#,
        );
        assert!(sparse.memory_images.is_empty());
        assert_eq!(sparse.data.iter().map(|s| s.len).sum::<u64>(), 2);
        // An offset from a global can trap at instantiation: no image for any memory.
        let dynamic = compiled_meta(
            r#"(module (import "env" "g" (global $g i32)) (memory 1) (memory 1)
                 (data (memory 0) (i32.const 0) "a") (data (memory 1) (global.get $g) "b"))"#,
        );
        assert!(dynamic.memory_images.is_empty());
        // Only empty segments: nothing to image.
        let empty = compiled_meta(r#"(module (memory 1) (data (i32.const 9) ""))"#);
        assert!(empty.memory_images.is_empty());
    }
}
