//! Tags (Wasm exception handling) as the store holds them. A tag's identity is the address
//! of its `VMTag`: compiled code finds it through `VMOffsets::vmctx_tag` and an exception
//! object records it (`VMOffsets::exn_tag`); an imported tag is the exporter's `VMTag`,
//! so both compare equal. Compiled code never reads the record itself.

use crate::abi::FuncType;
use std::sync::Arc;

/// What a tag's address points to: boxed, so that its address stays the same for the
/// life of the store.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMTag {
    /// Engine-wide id of the tag's function type (import checks compare it).
    pub type_id: u32,
}

/// Where a tag was defined, for naming it in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagOrigin {
    /// Defined by instance `instance` (store index) as its tag `index`.
    Instance { instance: u32, index: u32 },
    /// Created by the host (`Tag::new`).
    Host,
}

pub(crate) struct TagData {
    /// The tag's type: its params are the payload, it has no results.
    pub ty: Arc<FuncType>,
    vmtag: Box<VMTag>,
    pub origin: TagOrigin,
}

impl TagData {
    pub fn new(ty: Arc<FuncType>, type_id: u32, origin: TagOrigin) -> TagData {
        TagData {
            ty,
            vmtag: Box::new(VMTag { type_id }),
            origin,
        }
    }

    /// The tag's identity: the address of its `VMTag`.
    pub fn address(&self) -> usize {
        &*self.vmtag as *const VMTag as usize
    }

    pub fn type_id(&self) -> u32 {
        self.vmtag.type_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_keeps_its_address_when_the_store_grows() {
        let ty = Arc::new(FuncType::new([crate::abi::ValType::I32], []));
        let mut tags = vec![TagData::new(ty.clone(), 7, TagOrigin::Host)];
        let first = tags[0].address();
        for _ in 0..100 {
            tags.push(TagData::new(ty.clone(), 7, TagOrigin::Host));
        }
        assert_eq!(tags[0].address(), first);
        assert_ne!(tags[1].address(), first);
        assert_eq!(tags[0].type_id(), 7);
    }
}
