//! Exception objects (Wasm exception handling), laid out as `abi::VMOffsets` says: the
//! address of the tag they were thrown with at `exn_tag()` (0), then from `exn_values()`
//! (16) one `ValRaw` per param of the tag's type. An `exnref` is the object's address.
//!
//! The store owns them and frees them when it is dropped: like externrefs, an exception
//! lives as long as its store (there is no collector), so a store that throws in a loop
//! grows by 16 bytes + 16 per payload value per throw.

use crate::vmcontext::ValRaw;

/// One exception: the object compiled code reads, and the store index of its tag.
pub(crate) struct ExnData {
    /// `[tag address, payload...]`, 16 bytes each; boxed, so the address is stable.
    object: Box<[ValRaw]>,
    /// Store index of the tag it was thrown with.
    pub tag: u32,
}

// The layout the compiler reads.
const _: () = {
    let o = crate::vmcontext::HOST_FIXED_OFFSETS;
    assert!(o.exn_tag() == 0);
    assert!(o.exn_values() as usize == std::mem::size_of::<ValRaw>());
};

impl ExnData {
    /// An exception of the tag with store index `tag` and identity `tag_address`,
    /// carrying `payload`.
    pub fn new(tag: u32, tag_address: usize, payload: &[ValRaw]) -> ExnData {
        let mut object = Vec::with_capacity(payload.len() + 1);
        object.push(ValRaw::from_u128(tag_address as u128));
        object.extend_from_slice(payload);
        ExnData {
            object: object.into_boxed_slice(),
            tag,
        }
    }

    /// The exnref: the object's address.
    pub fn address(&self) -> usize {
        self.object.as_ptr() as usize
    }

    /// The tag's identity recorded in the object.
    pub fn tag_address(&self) -> usize {
        self.object[0].as_u128() as usize
    }

    /// The payload values.
    pub fn payload(&self) -> &[ValRaw] {
        &self.object[1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_an_exception_object() {
        let payload = [ValRaw::from_u128(7), ValRaw::from_u128(u128::MAX)];
        let exn = ExnData::new(3, 0x1234_5678, &payload);
        assert_eq!(exn.tag, 3);
        assert_eq!(exn.tag_address(), 0x1234_5678);
        assert_eq!(exn.address() % 16, 0);
        let bytes: Vec<u8> = exn.object.iter().flat_map(|v| v.0).collect();
        assert_eq!(&bytes[..8], &0x1234_5678usize.to_le_bytes());
        assert_eq!(bytes[16], 7);
        assert_eq!(&bytes[32..48], &[0xff; 16]);
        assert_eq!(exn.payload().len(), 2);
        let empty = ExnData::new(0, 8, &[]);
        assert!(empty.payload().is_empty());
    }
}
