//! Globals: 16-byte slots, inside the defining instance's VMContext or owned by the store.

use crate::abi::GlobalType;
use crate::vmcontext::VMGlobalDefinition;

pub(crate) struct GlobalData {
    pub ty: GlobalType,
    /// Stable address of the value slot.
    pub def: *mut VMGlobalDefinition,
    _owned: Option<Box<VMGlobalDefinition>>,
}

impl GlobalData {
    /// A global with its own slot (a host global), holding `bits`.
    pub fn owned(ty: GlobalType, bits: u128) -> GlobalData {
        let mut owned = Box::new(VMGlobalDefinition(bits.to_le_bytes()));
        GlobalData {
            ty,
            def: &mut *owned,
            _owned: Some(owned),
        }
    }
    /// A global whose slot lives elsewhere (an instance's VMContext).
    pub fn borrowed(ty: GlobalType, def: *mut VMGlobalDefinition) -> GlobalData {
        GlobalData {
            ty,
            def,
            _owned: None,
        }
    }
    pub fn bits(&self) -> u128 {
        // SAFETY: `def` points to a live, 16-aligned slot owned by the store.
        u128::from_le_bytes(unsafe { (*self.def).0 })
    }
    pub fn set_bits(&mut self, bits: u128) {
        // SAFETY: as above; the store is borrowed exclusively.
        unsafe { (*self.def).0 = bits.to_le_bytes() }
    }
}
