//! `random_get`: bytes from the host's CSPRNG.

use super::errno::Errno;

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) -> Result<(), Errno> {
    getrandom::fill(buf).map_err(|e| match e.raw_os_error() {
        Some(code) => Errno::from_raw_os_error(code),
        None => Errno::Io,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills() {
        let mut a = [0u8; 64];
        super::fill(&mut a).unwrap();
        assert!(a.iter().any(|&b| b != 0));
        super::fill(&mut []).unwrap();
    }
}
