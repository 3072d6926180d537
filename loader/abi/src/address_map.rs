//! The address map: which wasm instruction each piece of compiled code came from, as
//! byte offsets in the original `.wasm` binary (for trap backtraces, like Wasmtime's
//! `wasm_frame_module_offset` / `wasm_frame_func_offset`).

use super::encoding::{DecodeResult, Reader, Writer};
use alloc::vec::Vec;

/// A function's code in `.text` and where its body starts in the wasm binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncAddress {
    /// Offset in `.text` of the function's first instruction.
    pub text_offset: u32,
    /// Byte offset in the wasm binary where the function's body starts (the code section
    /// entry after its size: the local declarations), as Wasmtime counts `func_offset`.
    pub body_offset: u32,
}

/// Code from `text_offset` up to the next entry (or the end of its function) was
/// compiled from the wasm instruction at byte `wasm_offset` of the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressMapEntry {
    pub text_offset: u32,
    pub wasm_offset: u32,
}

/// Where a program counter is in the wasm binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasmOffsets {
    /// Byte offset of the instruction in the whole binary.
    pub module_offset: u32,
    /// Byte offset of the instruction from the start of its function's body.
    pub func_offset: u32,
}

/// The address map of a module. Both lists are sorted by strictly increasing
/// `text_offset` (the decoder guarantees it). Empty when the compiler recorded none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressMap {
    /// One per defined function that has an entry in the map.
    pub funcs: Vec<FuncAddress>,
    pub entries: Vec<AddressMapEntry>,
}

impl AddressMap {
    /// Add a function whose code starts at `text_offset` in `.text`, whose body starts
    /// at byte `body_offset` of the binary, with `map` = (offset in the function, wasm
    /// offset), sorted by strictly increasing function offset. Functions may come in
    /// any order.
    pub fn push_function(&mut self, text_offset: u32, body_offset: u32, map: &[(u32, u32)]) {
        let at = self.funcs.partition_point(|f| f.text_offset < text_offset);
        if self.funcs.get(at).map(|f| f.text_offset) == Some(text_offset) {
            return;
        }
        self.funcs.insert(
            at,
            FuncAddress {
                text_offset,
                body_offset,
            },
        );
        let at = self
            .entries
            .partition_point(|e| e.text_offset < text_offset);
        let new = map.iter().map(|&(off, wasm_offset)| AddressMapEntry {
            text_offset: text_offset.saturating_add(off),
            wasm_offset,
        });
        self.entries.splice(at..at, new);
    }

    /// The wasm offsets of the code at `text_offset` (which must lie in a function; a
    /// return address should be looked up minus one). `None` if the map has no function
    /// there. Code before the function's first entry (its prologue) maps to the start of
    /// its body, like Wasmtime.
    pub fn lookup(&self, text_offset: u32) -> Option<WasmOffsets> {
        let f = self.funcs.partition_point(|f| f.text_offset <= text_offset);
        let func = self.funcs.get(f.checked_sub(1)?)?;
        let e = self
            .entries
            .partition_point(|e| e.text_offset <= text_offset);
        let module_offset = match e.checked_sub(1).and_then(|e| self.entries.get(e)) {
            Some(e) if e.text_offset >= func.text_offset => e.wasm_offset,
            _ => func.body_offset,
        };
        Some(WasmOffsets {
            module_offset,
            func_offset: module_offset.checked_sub(func.body_offset)?,
        })
    }

    /// `funcs: list<(len .text delta, len body offset)>`, `entries: list<(len .text delta,
    /// len zigzag wasm offset delta)>`; deltas from the previous item (from 0 for the first).
    pub fn encode(&self, w: &mut Writer) {
        let mut text = 0u32;
        w.list(&self.funcs, |w, f| {
            w.len(u64::from(f.text_offset.wrapping_sub(text)));
            w.len(u64::from(f.body_offset));
            text = f.text_offset;
        });
        let (mut text, mut wasm) = (0u32, 0u32);
        w.list(&self.entries, |w, e| {
            w.len(u64::from(e.text_offset.wrapping_sub(text)));
            let delta = i64::from(e.wasm_offset) - i64::from(wasm);
            w.len(((delta << 1) ^ (delta >> 63)) as u64);
            text = e.text_offset;
            wasm = e.wasm_offset;
        });
    }

    pub fn decode(r: &mut Reader) -> DecodeResult<AddressMap> {
        let mut text: Option<u32> = None;
        let funcs = r.list(2, |r| {
            let text_offset = next_text_offset(r, &mut text)?;
            match u32::try_from(r.len()?) {
                Ok(body_offset) => Ok(FuncAddress {
                    text_offset,
                    body_offset,
                }),
                Err(_) => r.error("a wasm body offset below 2^32"),
            }
        })?;
        let mut text: Option<u32> = None;
        let mut wasm = 0i64;
        let entries = r.list(2, |r| {
            let text_offset = next_text_offset(r, &mut text)?;
            let z = r.len()?;
            let delta = (z >> 1) as i64 ^ -((z & 1) as i64);
            match wasm.checked_add(delta).and_then(|w| u32::try_from(w).ok()) {
                Some(wasm_offset) => {
                    wasm = i64::from(wasm_offset);
                    Ok(AddressMapEntry {
                        text_offset,
                        wasm_offset,
                    })
                }
                None => r.error("a wasm offset below 2^32"),
            }
        })?;
        Ok(AddressMap { funcs, entries })
    }
}

/// The next of a strictly increasing sequence of `.text` offsets, delta encoded.
fn next_text_offset(r: &mut Reader, prev: &mut Option<u32>) -> DecodeResult<u32> {
    let delta = r.len()?;
    let next = match *prev {
        None => u32::try_from(delta).ok(),
        Some(_) if delta == 0 => None,
        Some(p) => u32::try_from(delta).ok().and_then(|d| p.checked_add(d)),
    };
    match next {
        Some(n) => {
            *prev = Some(n);
            Ok(n)
        }
        None => r.error("a strictly increasing .text offset below 2^32"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AddressMap {
        let mut m = AddressMap::default();
        // Pushed out of order: the map keeps both lists sorted.
        m.push_function(0x40, 0x80, &[(4, 0x82), (9, 0x85), (12, 0x83)]);
        m.push_function(0, 0x20, &[(8, 0x22), (16, 0x30)]);
        m
    }

    #[test]
    fn lookup_within_and_between_entries() {
        let m = sample();
        assert_eq!(m.funcs[0].text_offset, 0);
        let at = |o| m.lookup(o).map(|w| (w.module_offset, w.func_offset));
        // Prologue: the body start.
        assert_eq!(at(0), Some((0x20, 0)));
        assert_eq!(at(7), Some((0x20, 0)));
        assert_eq!(at(8), Some((0x22, 2)));
        assert_eq!(at(15), Some((0x22, 2)));
        assert_eq!(at(0x3f), Some((0x30, 0x10)));
        // The second function's prologue does not take the first's last entry.
        assert_eq!(at(0x40), Some((0x80, 0)));
        assert_eq!(at(0x44), Some((0x82, 2)));
        assert_eq!(at(0x4a), Some((0x85, 5)));
        assert_eq!(at(0x4c), Some((0x83, 3)));
        assert_eq!(AddressMap::default().lookup(5), None);
    }

    #[test]
    fn roundtrip_and_corruption() {
        let m = sample();
        let mut w = Writer::default();
        m.encode(&mut w);
        let bytes = w.bytes;
        let mut r = Reader::new(&bytes);
        assert_eq!(AddressMap::decode(&mut r).unwrap(), m);
        assert!(r.is_at_end());
        for len in 0..bytes.len() {
            assert!(AddressMap::decode(&mut Reader::new(&bytes[..len])).is_err());
        }
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x40, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                if let Ok(m) = AddressMap::decode(&mut Reader::new(&b)) {
                    assert!(m
                        .funcs
                        .windows(2)
                        .all(|p| p[0].text_offset < p[1].text_offset));
                    assert!(m
                        .entries
                        .windows(2)
                        .all(|p| p[0].text_offset < p[1].text_offset));
                    for o in [0, 1, 0x40, 0x4c, u32::MAX] {
                        let _ = m.lookup(o);
                    }
                }
            }
        }
        // A repeated .text offset is rejected.
        let mut w = Writer::default();
        w.len(0);
        w.len(2);
        w.len(4);
        w.len(2);
        w.len(0);
        w.len(2);
        assert!(AddressMap::decode(&mut Reader::new(&w.bytes)).is_err());
    }
}
