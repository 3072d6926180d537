//! The `Global` handle: host globals, and reading and writing a store's globals.

use crate::abi::GlobalType;
use crate::error::{Error, Result};
use crate::handles::Global;
use crate::store::{AsContext, AsContextMut};
use crate::values::Val;
use crate::vm::global::GlobalData;

impl Global {
    /// A host global of type `ty` with initial value `init`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, init: Val) -> Result<Global> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check_val_exact(&init, ty.content, ty.exact_ref(), "global initial value")?;
        let bits = store.val_to_raw(&init)?;
        store.globals.push(GlobalData::owned(ty, bits));
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
                ref_type: None,
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
        store.check_val_exact(&val, ty.content, ty.exact_ref(), "global value")?;
        let bits = store.val_to_raw(&val)?;
        store.globals[self.index as usize].set_bits(bits);
        Ok(())
    }
}
