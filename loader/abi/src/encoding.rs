//! A small binary encoding for artifact metadata: little-endian integers,
//! LEB128 lengths, UTF-8 strings. Decoding checks every bound and never panics.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Writes metadata.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn u128(&mut self, v: u128) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// An unsigned LEB128 number.
    pub fn len(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.bytes.push(byte);
                return;
            }
            self.bytes.push(byte | 0x80);
        }
    }
    #[inline]
    pub fn str(&mut self, s: &str) {
        self.len(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }
    #[inline]
    pub fn bool(&mut self, b: bool) {
        self.u8(b as u8);
    }
    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
        }
    }
    /// A length-prefixed list.
    #[inline]
    pub fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Writer, &T)) {
        self.len(items.len() as u64);
        for item in items {
            each(self, item);
        }
    }
}

/// A decoding failure: where it happened and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub expected: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at metadata offset {}: expected {}",
            self.offset, self.expected
        )
    }
}

impl core::error::Error for DecodeError {}

pub type DecodeResult<T> = Result<T, DecodeError>;

/// Reads metadata written by [`Writer`].
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }
    #[inline]
    pub fn is_at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }
    #[inline]
    pub fn error<T>(&self, expected: impl Into<String>) -> DecodeResult<T> {
        Err(DecodeError {
            offset: self.pos,
            expected: expected.into(),
        })
    }
    pub fn take(&mut self, n: usize, what: &str) -> DecodeResult<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.bytes.len() => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => self.error(format!("{n} bytes of {what}, found end of data")),
        }
    }
    #[inline]
    fn array<const N: usize>(&mut self, what: &str) -> DecodeResult<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    #[inline]
    pub fn u8(&mut self) -> DecodeResult<u8> {
        Ok(self.array::<1>("a byte")?[0])
    }
    #[inline]
    pub fn u32(&mut self) -> DecodeResult<u32> {
        Ok(u32::from_le_bytes(self.array("a u32")?))
    }
    #[inline]
    pub fn u64(&mut self) -> DecodeResult<u64> {
        Ok(u64::from_le_bytes(self.array("a u64")?))
    }
    #[inline]
    pub fn u128(&mut self) -> DecodeResult<u128> {
        Ok(u128::from_le_bytes(self.array("a u128")?))
    }
    pub fn len(&mut self) -> DecodeResult<u64> {
        let start = self.pos;
        let mut result = 0u64;
        let mut shift = 0;
        loop {
            let byte = self.u8()?;
            if shift >= 64 || (shift == 63 && byte > 1) {
                self.pos = start;
                return self.error("a LEB128 number of at most 64 bits");
            }
            result |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
        }
    }
    /// A length that must fit in the remaining bytes at `min_item_size` bytes per item
    /// (guards allocations against corrupt counts).
    #[inline]
    pub fn count(&mut self, min_item_size: usize) -> DecodeResult<usize> {
        let n = self.len()?;
        let remaining = self.bytes.len() - self.pos;
        if n > (remaining / min_item_size.max(1)) as u64 {
            return self.error(format!("a count of at most {remaining} items, found {n}"));
        }
        Ok(n as usize)
    }
    pub fn str(&mut self) -> DecodeResult<String> {
        let n = self.count(1)?;
        let start = self.pos;
        let s = self.take(n, "a string")?;
        match core::str::from_utf8(s) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => {
                self.pos = start;
                self.error("a UTF-8 string")
            }
        }
    }
    pub fn bool(&mut self) -> DecodeResult<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => {
                self.pos -= 1;
                self.error("a boolean (0 or 1)")
            }
        }
    }
    #[inline]
    pub fn opt_u64(&mut self) -> DecodeResult<Option<u64>> {
        Ok(if self.bool()? {
            Some(self.u64()?)
        } else {
            None
        })
    }
    pub fn list<T>(
        &mut self,
        min_item_size: usize,
        mut each: impl FnMut(&mut Reader<'a>) -> DecodeResult<T>,
    ) -> DecodeResult<Vec<T>> {
        let n = self.count(min_item_size)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(each(self)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_roundtrip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut w = Writer::default();
            w.len(v);
            let mut r = Reader::new(&w.bytes);
            assert_eq!(r.len().unwrap(), v);
            assert!(r.is_at_end());
        }
    }

    #[test]
    fn truncated_and_overlong_inputs_are_errors() {
        let mut r = Reader::new(&[0x80, 0x80]);
        assert!(r.len().is_err());
        let mut r = Reader::new(&[0xff; 11]);
        assert!(r.len().is_err());
        let mut r = Reader::new(&[5, b'a']);
        assert!(r.str().is_err());
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(r.list(1, |r| r.u8()).is_err());
    }
}
