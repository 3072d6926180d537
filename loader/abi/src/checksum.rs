//! The artifact checksum: CRC-32 (IEEE) of the whole artifact file, computed with the
//! 4-byte checksum field itself taken as zero.

/// The checksum of `file` whose checksum field starts at byte `field`; `None` when the
/// field does not lie inside the file.
pub fn artifact_checksum(file: &[u8], field: usize) -> Option<u32> {
    let end = field.checked_add(4)?;
    if end > file.len() {
        return None;
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&file[..field]);
    hasher.update(&[0; 4]);
    hasher.update(&file[end..]);
    Some(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn field_is_taken_as_zero_and_bounds_are_checked() {
        let mut file = vec![7u8; 64];
        let before = artifact_checksum(&file, 12).unwrap();
        file[12..16].copy_from_slice(&before.to_le_bytes());
        assert_eq!(artifact_checksum(&file, 12), Some(before));
        file[40] ^= 1;
        assert_ne!(artifact_checksum(&file, 12), Some(before));
        assert_eq!(artifact_checksum(&file, 61), None);
        assert_eq!(artifact_checksum(&file, usize::MAX - 1), None);
    }
}
