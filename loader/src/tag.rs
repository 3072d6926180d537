//! The `Tag` handle (Wasm exception handling): host tags, a tag's type, and how messages
//! name a tag.

use crate::abi::{EntityIndex, FuncType};
use crate::error::{Error, Result};
use crate::handles::Tag;
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::vm::tag::{TagData, TagOrigin};
use std::sync::Arc;

impl Tag {
    /// A host tag of type `ty` (its params are the payload; it must have no results).
    /// Distinct from every other tag, even of the same type.
    pub fn new(mut store: impl AsContextMut, ty: FuncType) -> Result<Tag> {
        if !ty.results.is_empty() {
            return Err(Error::ty(format!(
                "a tag's type has no results, found {ty}"
            )));
        }
        let store = &mut store.as_context_mut().0.opaque;
        let type_id = store.engine.type_id(&ty);
        let index = store.new_tag(Arc::new(ty), type_id, TagOrigin::Host);
        Ok(Tag {
            store: store.id,
            index,
        })
    }

    /// The tag's type (an empty function type for a handle of another store).
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.tags.get(self.index as usize) {
            Some(t) if o.id == self.store => (*t.ty).clone(),
            _ => FuncType::default(),
        }
    }
}

impl StoreOpaque {
    /// Add a tag; its store index.
    pub(crate) fn new_tag(&mut self, ty: Arc<FuncType>, type_id: u32, origin: TagOrigin) -> u32 {
        self.tags.push(TagData::new(ty, type_id, origin));
        self.tags.len() as u32 - 1
    }

    /// How messages name the tag with store index `tag`: the name its defining instance
    /// exports it under, else its index in that module.
    pub(crate) fn describe_tag(&self, tag: u32) -> String {
        let Some(data) = self.tags.get(tag as usize) else {
            return "an unknown tag".to_string();
        };
        match data.origin {
            TagOrigin::Host => "a host tag".to_string(),
            TagOrigin::Instance { instance, index } => {
                let Some(inst) = self.instances.get(instance as usize) else {
                    return format!("tag {index}");
                };
                let meta = &inst.module.inner.meta;
                let module = match &meta.module_name {
                    Some(name) => format!(" of module `{name}`"),
                    None => String::new(),
                };
                match meta
                    .exports
                    .iter()
                    .find(|e| e.index == EntityIndex::Tag(index))
                {
                    Some(e) => format!("tag `{}`{module}", e.name),
                    None => format!("tag {index}{module}"),
                }
            }
        }
    }
}
