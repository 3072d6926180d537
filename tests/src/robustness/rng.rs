//! A small seeded generator (SplitMix64): the same seed gives the same inputs on every
//! machine, so a failure is reproduced from its seed and case number alone.

/// A deterministic source of random numbers.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The generator of case `case` of a run with `seed`: cases are independent, so any
    /// one of them is regenerated without the ones before it.
    pub fn for_case(seed: u64, case: u64) -> Rng {
        let mut mix = Rng(seed ^ case.wrapping_mul(0xa076_1d64_78bd_642f));
        Rng(mix.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index into a collection of `len > 0` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// A length up to `max`, most often small: short inputs reach more error paths per
    /// second, long ones the rest.
    pub fn len_up_to(&mut self, max: usize) -> usize {
        let bits = self.below(usize::BITS as u64 - max.leading_zeros() as u64 + 1);
        self.index(((1usize << bits) - 1).min(max) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|c| Rng::for_case(7, c).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|c| Rng::for_case(7, c).next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        assert_ne!(
            Rng::for_case(7, 0).next_u64(),
            Rng::for_case(8, 0).next_u64()
        );
    }

    #[test]
    fn lengths_stay_in_bounds() {
        let mut rng = Rng::new(1);
        for max in [0, 1, 5, 1000] {
            for _ in 0..200 {
                assert!(rng.len_up_to(max) <= max);
            }
        }
    }
}
