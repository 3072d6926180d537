//! The exception table: for every call that may unwind into a handler of its caller,
//! where the handlers are (Wasm exception handling, `try_table` and legacy `try`).
//!
//! The table is a code table (see `CodeTables`): the loader reads it in place. Layout,
//! all little-endian `u32`: the number of sites, then one `SITE_SIZE`-byte record per
//! site sorted by `ret_offset`, then one `HANDLER_SIZE`-byte record per handler (a site's
//! handlers are consecutive, in the order they are tried).

use super::encoding::{DecodeResult, Reader, Writer};
use alloc::vec::Vec;

/// Marks "none" in a `u32` field of a record.
const NONE: u32 = u32::MAX;
/// Size of a site record: `ret_offset`, `frame_offset`, `vmctx_sp_offset`, first handler,
/// handler count.
pub const SITE_SIZE: usize = 20;
/// Size of a handler record: tag (or `NONE` for every exception), handler offset.
pub const HANDLER_SIZE: usize = 8;

/// A call with handlers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionSite {
    /// Offset in `.text` of the call's return address.
    pub ret_offset: u32,
    /// The calling frame's FP minus its SP during the call: a handler runs with
    /// SP = FP − `frame_offset`.
    pub frame_offset: u32,
    /// Where the calling function's VMContext is during the call: at SP + this offset;
    /// `None` when it stays in a register (only at calls of the `throw` libcalls, whose
    /// first argument is that VMContext).
    pub vmctx_sp_offset: Option<u32>,
    /// Tried in order; the first that matches the exception handles it.
    pub handlers: Vec<ExceptionHandler>,
}

/// One handler of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionHandler {
    /// The module tag index that this handler catches (resolved through the calling
    /// frame's VMContext, `VMOffsets::vmctx_tag`); `None` catches every exception.
    pub tag: Option<u32>,
    /// Offset in `.text` of the handler: it starts with the exception object's address
    /// in the first exception-payload register (x86_64: rax; aarch64: x0).
    pub handler_offset: u32,
}

/// Encode `sites` (sorted by `ret_offset`) as the exception table.
pub fn encode_exception_table(w: &mut Writer, sites: &[ExceptionSite]) {
    w.u32(sites.len() as u32);
    let mut first = 0u32;
    for s in sites {
        w.u32(s.ret_offset);
        w.u32(s.frame_offset);
        w.u32(s.vmctx_sp_offset.unwrap_or(NONE));
        w.u32(first);
        w.u32(s.handlers.len() as u32);
        first += s.handlers.len() as u32;
    }
    for h in sites.iter().flat_map(|s| &s.handlers) {
        w.u32(h.tag.unwrap_or(NONE));
        w.u32(h.handler_offset);
    }
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn opt(v: u32) -> Option<u32> {
    (v != NONE).then_some(v)
}

/// An exception table read in place.
#[derive(Clone, Copy, Debug)]
pub struct ExceptionTable<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> ExceptionTable<'a> {
    /// The table in `bytes`, checked to hold every record its counts announce and
    /// handler ranges within the handler records.
    pub fn new(bytes: &'a [u8]) -> Option<ExceptionTable<'a>> {
        let count = le32(bytes, 0)? as usize;
        let handlers_at = count.checked_mul(SITE_SIZE)?.checked_add(4)?;
        let handler_bytes = bytes.len().checked_sub(handlers_at)?;
        if handler_bytes % HANDLER_SIZE != 0 {
            return None;
        }
        let table = ExceptionTable { bytes, count };
        let handlers = handler_bytes / HANDLER_SIZE;
        for i in 0..count {
            let (first, n) = table.handler_range(i)?;
            if first.checked_add(n)? > handlers {
                return None;
            }
        }
        Some(table)
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn site_field(&self, i: usize, field: usize) -> Option<u32> {
        le32(self.bytes, 4 + i * SITE_SIZE + 4 * field)
    }

    fn handler_range(&self, i: usize) -> Option<(usize, usize)> {
        Some((
            self.site_field(i, 3)? as usize,
            self.site_field(i, 4)? as usize,
        ))
    }

    /// Site `i` (in `ret_offset` order).
    pub fn site(&self, i: usize) -> Option<ExceptionSite> {
        if i >= self.count {
            return None;
        }
        let (first, n) = self.handler_range(i)?;
        let handlers_at = 4 + self.count * SITE_SIZE;
        let handlers = (first..first + n)
            .map(|h| {
                let at = handlers_at + h * HANDLER_SIZE;
                Some(ExceptionHandler {
                    tag: opt(le32(self.bytes, at)?),
                    handler_offset: le32(self.bytes, at + 4)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ExceptionSite {
            ret_offset: self.site_field(i, 0)?,
            frame_offset: self.site_field(i, 1)?,
            vmctx_sp_offset: opt(self.site_field(i, 2)?),
            handlers,
        })
    }

    /// The site whose return address is at `ret_offset` in `.text`.
    pub fn lookup(&self, ret_offset: u32) -> Option<ExceptionSite> {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = self.site_field(mid, 0)?;
            match at.cmp(&ret_offset) {
                core::cmp::Ordering::Equal => return self.site(mid),
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// Every site, in order.
    pub fn sites(&self) -> impl Iterator<Item = ExceptionSite> + '_ {
        (0..self.count).filter_map(|i| self.site(i))
    }
}

/// Decode a whole exception table (for `ModuleMeta::decode`).
pub fn decode_exception_table(r: &mut Reader, bytes: &[u8]) -> DecodeResult<Vec<ExceptionSite>> {
    match ExceptionTable::new(bytes) {
        Some(t) => Ok(t.sites().collect()),
        None => r.error("an exception table whose records are all present"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sites() -> Vec<ExceptionSite> {
        vec![
            ExceptionSite {
                ret_offset: 0x10,
                frame_offset: 32,
                vmctx_sp_offset: Some(8),
                handlers: vec![
                    ExceptionHandler {
                        tag: Some(1),
                        handler_offset: 0x40,
                    },
                    ExceptionHandler {
                        tag: None,
                        handler_offset: 0x50,
                    },
                ],
            },
            ExceptionSite {
                ret_offset: 0x30,
                frame_offset: 16,
                vmctx_sp_offset: None,
                handlers: vec![ExceptionHandler {
                    tag: Some(0),
                    handler_offset: 0x60,
                }],
            },
        ]
    }

    #[test]
    fn a_table_reads_back_in_place() {
        let mut w = Writer::default();
        encode_exception_table(&mut w, &sites());
        let table = ExceptionTable::new(&w.bytes).expect("a table");
        assert_eq!(table.sites().collect::<Vec<_>>(), sites());
        assert_eq!(table.lookup(0x30), Some(sites()[1].clone()));
        assert_eq!(table.lookup(0x20), None);
    }

    #[test]
    fn a_truncated_or_inconsistent_table_is_refused() {
        let mut w = Writer::default();
        encode_exception_table(&mut w, &sites());
        for len in 0..w.bytes.len() {
            assert!(ExceptionTable::new(&w.bytes[..len]).is_none(), "{len}");
        }
        let mut bad = w.bytes.clone();
        bad[4 + 16] = 9; // the first site's handler count
        assert!(ExceptionTable::new(&bad).is_none());
    }
}
