//! How a PC-relative call's target is written into code: the arithmetic the compiler
//! uses to pre-link `.text` and the loader uses to link it, in one place.

/// The 32-bit field of an x86_64 `call`/`jmp rel32` (or `PC32` reference) reaching
/// `delta` bytes from the place, if it fits.
#[inline]
pub fn pc32(delta: i64) -> Option<[u8; 4]> {
    i32::try_from(delta).ok().map(i32::to_le_bytes)
}

/// The aarch64 `bl`/`b` instruction `insn` (little-endian bytes) with its 26-bit word
/// offset set to reach `delta` bytes from the place, if `delta` is a multiple of 4
/// within ±128 MiB.
#[inline]
pub fn call26(insn: [u8; 4], delta: i64) -> Option<[u8; 4]> {
    if delta % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&delta) {
        return None;
    }
    let insn = u32::from_le_bytes(insn);
    Some(((insn & 0xfc00_0000) | (((delta >> 2) as u32) & 0x03ff_ffff)).to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_ranges() {
        assert_eq!(pc32(-4), Some((-4i32).to_le_bytes()));
        assert_eq!(pc32(1 << 40), None);
        let bl = 0x9400_0000u32.to_le_bytes();
        assert_eq!(call26(bl, 32), Some((0x9400_0000u32 | 8).to_le_bytes()));
        assert_eq!(
            call26(bl, -4),
            Some((0x9400_0000u32 | 0x03ff_ffff).to_le_bytes())
        );
        assert_eq!(call26(bl, 2), None);
        assert_eq!(call26(bl, 1 << 28), None);
    }
}
