//! The `Table` handle: host tables, and what the host does with a store's tables (get,
//! set, grow within the store's limits).

use crate::abi::TableType;
use crate::error::{Error, Result};
use crate::handles::Table;
use crate::store::StoreOpaque;
use crate::vm::table::TableData;
use crate::vm::table::TableElements;
impl Table {
    /// A host table of type `ty`, every element set to `init`.
    pub fn new(
        mut store: impl crate::AsContextMut,
        ty: TableType,
        init: crate::Val,
    ) -> Result<Table> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check_val_exact(
            &init,
            ty.element,
            Some(ty.exact_ref()),
            "table initial value",
        )?;
        let init = store.val_to_raw(&init)? as usize;
        let table = TableElements::new(ty, init)?;
        store
            .tables
            .push(TableData::new(table, std::ptr::null_mut()));
        Ok(Table {
            store: store.id,
            index: store.tables.len() as u32 - 1,
        })
    }

    /// The table's type, with its current size as minimum (an empty funcref table type
    /// for a handle of another store).
    pub fn ty(&self, store: impl crate::AsContext) -> TableType {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.tables.get(self.index as usize) {
            Some(t) if o.id == self.store => TableType {
                minimum: t.table.len(),
                ..t.table.ty
            },
            _ => TableType {
                ref_type: None,
                element: crate::ValType::FuncRef,
                minimum: 0,
                maximum: Some(0),
                table64: false,
            },
        }
    }

    /// Number of elements (0 for a handle of another store).
    pub fn size(&self, store: impl crate::AsContext) -> u32 {
        let ctx = store.as_context();
        let o = &ctx.0.opaque;
        match o.tables.get(self.index as usize) {
            Some(t) if o.id == self.store => t.table.len(),
            _ => 0,
        }
    }

    pub fn get(&self, mut store: impl crate::AsContextMut, index: u32) -> Option<crate::Val> {
        let store = &mut store.as_context_mut().0.opaque;
        if store.id != self.store {
            return None;
        }
        let t = &store.tables[self.index as usize].table;
        let (ty, raw) = (t.ty.element, t.get(index)?);
        Some(store.raw_to_val(ty, raw as u128))
    }

    pub fn set(
        &self,
        mut store: impl crate::AsContextMut,
        index: u32,
        val: crate::Val,
    ) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check(self.store, "table")?;
        let ty = store.tables[self.index as usize].table.ty;
        store.check_val_exact(&val, ty.element, Some(ty.exact_ref()), "table element")?;
        let raw = store.val_to_raw(&val)? as usize;
        let t = &mut store.tables[self.index as usize];
        if !t.table.set(index, raw) {
            return Err(
                Error::trap_code_error(crate::abi::TrapCode::TableOutOfBounds).context(format!(
                    "table index {index} out of bounds (size {})",
                    t.table.len()
                )),
            );
        }
        Ok(())
    }

    /// Grow by `delta` elements set to `init`; the old size.
    pub fn grow(
        &self,
        mut store: impl crate::AsContextMut,
        delta: u32,
        init: crate::Val,
    ) -> Result<u32> {
        let store = &mut store.as_context_mut().0.opaque;
        store.check(self.store, "table")?;
        let ty = store.tables[self.index as usize].table.ty;
        store.check_val_exact(&init, ty.element, Some(ty.exact_ref()), "table element")?;
        let raw = store.val_to_raw(&init)? as usize;
        let index = self.index as usize;
        store.grow_table(index, delta, raw).ok_or_else(|| {
            Error::resource(format!(
                "failed to grow table of {} elements by {delta}",
                store.tables[index].table.len()
            ))
        })
    }
}

impl StoreOpaque {
    /// Grow table `index` by `delta` elements of `init` within the store's limits; the old size.
    pub(crate) fn grow_table(&mut self, index: usize, delta: u32, init: usize) -> Option<u32> {
        let t = &mut self.tables[index];
        if let Some(max) = self.growth_limits.table_elements {
            if u64::from(t.table.len()) + u64::from(delta) > max {
                return None;
            }
        }
        let old = t.table.grow(delta, init)?;
        t.sync();
        Some(old)
    }
}
