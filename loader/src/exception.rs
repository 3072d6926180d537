//! Exceptions (Wasm exception handling) as the host sees them: the `ExnRef` handle, the
//! error of a call that ended with an uncaught exception, and the store's side of
//! `throw` (allocating the object). How a throw finds its handler is
//! `traphandlers/unwind.rs`; the libcalls that tie both are in `libcalls.rs`.

use crate::error::{Error, Result};
use crate::handles::{ExnRef, Tag};
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::values::Val;
use crate::vm::exception::ExnData;
use crate::vmcontext::ValRaw;
use std::fmt;

impl ExnRef {
    /// The tag the exception was thrown with (`None` for a handle of another store).
    pub fn tag(&self, store: impl AsContext) -> Option<Tag> {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        if o.id != self.store {
            return None;
        }
        let exn = o.exceptions.get(self.index as usize)?;
        Some(Tag {
            store: o.id,
            index: exn.tag,
        })
    }

    /// The exception's payload, one value per param of its tag's type (empty for a
    /// handle of another store).
    pub fn payload(&self, mut store: impl AsContextMut) -> Vec<Val> {
        let o = &mut store.as_context_mut().0.opaque;
        if o.id != self.store {
            return Vec::new();
        }
        let Some(exn) = o.exceptions.get(self.index as usize) else {
            return Vec::new();
        };
        let Some(tag) = o.tags.get(exn.tag as usize) else {
            return Vec::new();
        };
        let ty = tag.ty.clone();
        let raw: Vec<u128> = exn.payload().iter().map(ValRaw::as_u128).collect();
        ty.params
            .iter()
            .zip(raw)
            .map(|(t, bits)| o.raw_to_val(*t, bits))
            .collect()
    }
}

/// Why a call failed when wasm threw an exception that no wasm frame caught: the error's
/// payload ([`Error::downcast_ref`]). The call ends as when a host function fails (a
/// trap without a trap code, with the backtrace from the throw); traps themselves are
/// never caught by wasm. An exception does not cross host frames: one that reaches a
/// host function's caller (`Func::call` from inside a host function) fails that call, and
/// a host function returning this error fails its own caller the same way.
#[derive(Debug, Clone)]
pub struct UncaughtException {
    exn: ExnRef,
    tag: String,
}

impl UncaughtException {
    /// The exception.
    pub fn exception(&self) -> ExnRef {
        self.exn
    }
    /// Its tag as messages name it: the name its module exports it under, or its index.
    pub fn tag_description(&self) -> &str {
        &self.tag
    }
}

impl fmt::Display for UncaughtException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uncaught wasm exception ({})", self.tag)
    }
}

impl std::error::Error for UncaughtException {}

impl StoreOpaque {
    /// Store index of tag `tag` (module tag index) of instance `instance`.
    pub(crate) fn instance_tag(&self, instance: u32, tag: u32) -> Option<u32> {
        let inst = self.instances.get(instance as usize)?;
        inst.tags.get(tag as usize).copied()
    }

    /// Number of payload values of the tag with store index `tag`.
    pub(crate) fn tag_arity(&self, tag: u32) -> Option<usize> {
        Some(self.tags.get(tag as usize)?.ty.params.len())
    }

    /// A new exception of the tag with store index `tag` carrying `payload` (which has
    /// the tag's arity); its index in the store.
    pub(crate) fn new_exception(&mut self, tag: u32, payload: &[ValRaw]) -> Result<u32> {
        let data = self
            .tags
            .get(tag as usize)
            .ok_or_else(|| Error::ty("throw of an unknown tag"))?;
        let exn = ExnData::new(tag, data.address(), payload);
        let address = exn.address();
        let index = u32::try_from(self.exceptions.len())
            .map_err(|_| Error::resource("too many exceptions in one store"))?;
        self.exceptions.push(exn);
        self.exn_to_index.insert(address, index);
        Ok(index)
    }

    /// The exception whose object is at `address` (an exnref of this store).
    pub(crate) fn exception_at(&self, address: usize) -> Option<u32> {
        self.exn_to_index.get(&address).copied()
    }

    /// The identity (tag address) of exception `index`.
    pub(crate) fn exception_tag_address(&self, index: u32) -> Option<usize> {
        Some(self.exceptions.get(index as usize)?.tag_address())
    }

    /// Whether `vmctx` is the VMContext of one of this store's instances, at least `len`
    /// bytes long (for the exception unwinder, which reads VMContexts off the stack).
    pub(crate) fn is_vmctx(&self, vmctx: usize, len: usize) -> bool {
        self.vmctx_to_instance
            .get(&vmctx)
            .and_then(|&i| self.instances.get(i as usize))
            .is_some_and(|inst| len <= inst.offsets().size() as usize)
    }

    /// The error that ends a call when exception `index` was not caught.
    pub(crate) fn uncaught(&self, index: u32) -> Error {
        let tag = match self.exceptions.get(index as usize) {
            Some(exn) => self.describe_tag(exn.tag),
            None => "an unknown tag".to_string(),
        };
        Error::host(UncaughtException {
            exn: ExnRef {
                store: self.id,
                index,
            },
            tag,
        })
    }
}
