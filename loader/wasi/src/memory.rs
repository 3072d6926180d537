//! Bounds-checked, little-endian access to guest linear memory.
//!
//! Every pointer a guest passes is an untrusted `u32` offset. These helpers check the
//! whole range `[ptr, ptr + len)` against the memory before touching it and report
//! [`Errno::Fault`] when it does not fit; nothing here can panic on guest input.

use super::errno::Errno;

/// The byte range `[ptr, ptr + len)` of `mem`, or `Fault`.
fn range(mem_len: usize, ptr: u32, len: u64) -> Result<std::ops::Range<usize>, Errno> {
    let start = ptr as u64;
    let end = start.checked_add(len).ok_or(Errno::Fault)?;
    if end > mem_len as u64 {
        return Err(Errno::Fault);
    }
    // Both fit in usize: they are bounded by `mem_len`.
    Ok(start as usize..end as usize)
}

/// A shared view of `len` guest bytes at `ptr`.
pub fn slice(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], Errno> {
    let r = range(mem.len(), ptr, len as u64)?;
    Ok(&mem[r])
}

/// A mutable view of `len` guest bytes at `ptr`.
pub fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
    let r = range(mem.len(), ptr, len as u64)?;
    Ok(&mut mem[r])
}

fn read_array<const N: usize>(mem: &[u8], ptr: u32) -> Result<[u8; N], Errno> {
    let r = range(mem.len(), ptr, N as u64)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&mem[r]);
    Ok(out)
}

fn write_array<const N: usize>(mem: &mut [u8], ptr: u32, bytes: [u8; N]) -> Result<(), Errno> {
    let r = range(mem.len(), ptr, N as u64)?;
    mem[r].copy_from_slice(&bytes);
    Ok(())
}

pub fn read_u8(mem: &[u8], ptr: u32) -> Result<u8, Errno> {
    Ok(read_array::<1>(mem, ptr)?[0])
}
pub fn read_u16(mem: &[u8], ptr: u32) -> Result<u16, Errno> {
    Ok(u16::from_le_bytes(read_array(mem, ptr)?))
}
pub fn read_u32(mem: &[u8], ptr: u32) -> Result<u32, Errno> {
    Ok(u32::from_le_bytes(read_array(mem, ptr)?))
}
pub fn read_u64(mem: &[u8], ptr: u32) -> Result<u64, Errno> {
    Ok(u64::from_le_bytes(read_array(mem, ptr)?))
}
pub fn write_u8(mem: &mut [u8], ptr: u32, v: u8) -> Result<(), Errno> {
    write_array(mem, ptr, [v])
}
pub fn write_u16(mem: &mut [u8], ptr: u32, v: u16) -> Result<(), Errno> {
    write_array(mem, ptr, v.to_le_bytes())
}
pub fn write_u32(mem: &mut [u8], ptr: u32, v: u32) -> Result<(), Errno> {
    write_array(mem, ptr, v.to_le_bytes())
}
pub fn write_u64(mem: &mut [u8], ptr: u32, v: u64) -> Result<(), Errno> {
    write_array(mem, ptr, v.to_le_bytes())
}

/// Copies `bytes` into guest memory at `ptr`.
pub fn write_bytes(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
    let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
    slice_mut(mem, ptr, len)?.copy_from_slice(bytes);
    Ok(())
}

/// One `iovec`/`ciovec`: a guest buffer `(ptr, len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoVec {
    pub ptr: u32,
    pub len: u32,
}

/// Reads `count` iovecs (8 bytes each: `buf: u32`, `buf_len: u32`) at `iovs` and checks
/// that every buffer they describe lies inside the memory.
pub fn read_iovecs(mem: &[u8], iovs: u32, count: u32) -> Result<Vec<IoVec>, Errno> {
    // Validate the array itself first, so a huge `count` fails before allocating.
    range(mem.len(), iovs, count as u64 * 8)?;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        let at = iovs + i * 8; // cannot overflow: checked above
        let ptr = read_u32(mem, at)?;
        let len = read_u32(mem, at + 4)?;
        range(mem.len(), ptr, len as u64)?;
        out.push(IoVec { ptr, len });
    }
    Ok(out)
}

/// A guest string argument (a path or a symlink target): `len` bytes at `ptr`, two wasm
/// params. Read only when used, so the checks before it keep their errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestPath {
    pub ptr: u32,
    pub len: u32,
}

impl GuestPath {
    /// The string, which must be UTF-8 (`Ilseq` otherwise) and contain no NUL byte
    /// (`Inval`).
    pub fn read(self, mem: &[u8]) -> Result<String, Errno> {
        let bytes = slice(mem, self.ptr, self.len)?;
        if bytes.contains(&0) {
            return Err(Errno::Inval);
        }
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Errno::Ilseq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_little_endian() {
        let mut m = vec![0u8; 16];
        write_u32(&mut m, 4, 0x0102_0304).unwrap();
        assert_eq!(&m[4..8], &[4, 3, 2, 1]);
        assert_eq!(read_u32(&m, 4).unwrap(), 0x0102_0304);
        write_u64(&mut m, 8, u64::MAX - 1).unwrap();
        assert_eq!(read_u64(&m, 8).unwrap(), u64::MAX - 1);
        write_u16(&mut m, 0, 0xbeef).unwrap();
        assert_eq!(read_u16(&m, 0).unwrap(), 0xbeef);
        write_u8(&mut m, 15, 7).unwrap();
        assert_eq!(read_u8(&m, 15).unwrap(), 7);
    }

    #[test]
    fn out_of_bounds_is_fault() {
        let mut m = vec![0u8; 16];
        assert_eq!(read_u32(&m, 13), Err(Errno::Fault));
        assert_eq!(read_u64(&m, u32::MAX), Err(Errno::Fault));
        assert_eq!(write_u32(&mut m, 16, 0), Err(Errno::Fault));
        assert_eq!(slice(&m, 8, 9).err(), Some(Errno::Fault));
        assert!(slice(&m, 16, 0).is_ok());
        assert_eq!(slice(&m, 17, 0).err(), Some(Errno::Fault));
        assert_eq!(read_iovecs(&m, 0, u32::MAX).err(), Some(Errno::Fault));
    }

    #[test]
    fn iovecs_are_checked() {
        let mut m = vec![0u8; 64];
        write_u32(&mut m, 0, 32).unwrap();
        write_u32(&mut m, 4, 8).unwrap();
        write_u32(&mut m, 8, 60).unwrap();
        write_u32(&mut m, 12, 4).unwrap();
        let v = read_iovecs(&m, 0, 2).unwrap();
        assert_eq!(
            v,
            vec![IoVec { ptr: 32, len: 8 }, IoVec { ptr: 60, len: 4 }]
        );
        write_u32(&mut m, 12, 5).unwrap();
        assert_eq!(read_iovecs(&m, 0, 2).err(), Some(Errno::Fault));
    }

    #[test]
    fn paths() {
        let m = b"abc\0\xff".to_vec();
        let path = |ptr, len| GuestPath { ptr, len }.read(&m);
        assert_eq!(path(0, 3).unwrap(), "abc");
        assert_eq!(path(0, 4).err(), Some(Errno::Inval));
        assert_eq!(path(4, 1).err(), Some(Errno::Ilseq));
    }
}
