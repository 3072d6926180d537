//! Globals: 16-byte slots, inside the defining instance's VMContext or owned by the store.

use crate::abi::GlobalType;
use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut};
use crate::values::Val;
use crate::vmcontext::VMGlobalDefinition;

/// A global in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

pub(crate) struct GlobalData {
    pub ty: GlobalType,
    /// Stable address of the value slot.
    pub def: *mut VMGlobalDefinition,
    _owned: Option<Box<VMGlobalDefinition>>,
}

impl GlobalData {
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

impl Global {
    /// A host global of type `ty` with initial value `init`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, init: Val) -> Result<Global> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check_val(&init, ty.content, "global initial value")?;
        let bits = store.val_to_raw(&init)?;
        let mut owned = Box::new(VMGlobalDefinition(bits.to_le_bytes()));
        let def: *mut VMGlobalDefinition = &mut *owned;
        store.globals.push(GlobalData {
            ty,
            def,
            _owned: Some(owned),
        });
        Ok(Global {
            store: store.id,
            index: store.globals.len() as u32 - 1,
        })
    }

    /// The global's type (an immutable i32 for a handle of another store).
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.globals.get(self.index as usize) {
            Some(g) if o.id == self.store => g.ty,
            _ => GlobalType {
                content: crate::ValType::I32,
                mutable: false,
            },
        }
    }

    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let store = &mut store.as_context_mut().0.opaque;
        if store.id != self.store {
            return Val::I32(0);
        }
        let g = &store.globals[self.index as usize];
        let (ty, bits) = (g.ty.content, g.bits());
        store.raw_to_val(ty, bits)
    }

    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check(self.store, "global")?;
        let ty = store.globals[self.index as usize].ty;
        if !ty.mutable {
            return Err(Error::ty("cannot set an immutable global"));
        }
        store.check_val(&val, ty.content, "global value")?;
        let bits = store.val_to_raw(&val)?;
        store.globals[self.index as usize].set_bits(bits);
        Ok(())
    }
}
