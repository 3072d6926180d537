//! Byte-level mutations of an input: bit flips, overwrites with interesting values,
//! insertions, deletions, truncation. Used on wasm modules and on artifacts.

use super::rng::Rng;

/// Values that sit on boundaries: zero, all ones, sign bits, LEB128 continuations.
const INTERESTING: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x3f, 0xc0, 0x10, 0x20];

/// Apply one to four random mutations to `bytes` anywhere in `range` (a byte range of
/// it). With `resize`, bytes may also be inserted or deleted inside the range (shifting
/// what follows it) or the input cut short where the range ends it; without, every
/// mutation overwrites bytes in place.
pub fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, range: std::ops::Range<usize>, resize: bool) {
    let count = 1 + rng.below(4);
    let (start, mut end) = (range.start, range.end.min(bytes.len()));
    for _ in 0..count {
        if start >= end {
            return;
        }
        let at = start + rng.index(end - start);
        match rng.below(if resize { 7 } else { 4 }) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = *rng.pick(INTERESTING),
            2 => bytes[at] = rng.byte(),
            3 => overwrite_word(rng, bytes, at, end),
            4 => {
                bytes.insert(at, rng.byte());
                end += 1;
            }
            5 => {
                bytes.remove(at);
                end -= 1;
            }
            _ => {
                // Truncation, only where the range ends the input.
                if end == bytes.len() {
                    bytes.truncate(at);
                    end = at;
                } else {
                    bytes[at] = !bytes[at];
                }
            }
        }
    }
}

/// Overwrite up to 8 bytes at `at` (not past `end`) with a boundary value of a
/// little-endian integer: 0, all ones, a small count, a large one.
fn overwrite_word(rng: &mut Rng, bytes: &mut [u8], at: usize, end: usize) {
    let value: u64 = match rng.below(5) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.below(64),
        3 => 1 << rng.below(64),
        _ => u64::from(u32::MAX) - rng.below(4),
    };
    let width = *rng.pick(&[1usize, 2, 4, 8]);
    let n = width.min(end - at);
    bytes[at..at + n].copy_from_slice(&value.to_le_bytes()[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_only_the_range_and_keep_the_prefix() {
        let original: Vec<u8> = (0..64).collect();
        let mut changed = 0;
        for case in 0..200 {
            let mut rng = Rng::for_case(3, case);
            let mut b = original.clone();
            mutate(&mut rng, &mut b, 16..32, case % 2 == 0);
            assert_eq!(&b[..16], &original[..16]);
            if case % 2 == 1 {
                assert_eq!(b.len(), 64);
            }
            // Insertions and deletions inside the range shift what follows it.
            assert_eq!(&b[b.len() - 32..], &original[32..]);
            changed += usize::from(b != original);
        }
        assert!(
            changed > 150,
            "only {changed} of 200 mutations changed anything"
        );
    }
}
