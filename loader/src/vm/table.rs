//! Tables: pointer-sized elements (funcref = `*const VMFuncRef` or 0; externref = runtime
//! handle or 0) in a `Vec`, mirrored into a `VMTableDefinition` at a stable address.

use crate::abi::TableType;
use crate::error::{Error, Result};
use crate::vmcontext::VMTableDefinition;

/// Most elements a table without a declared maximum may grow to.
pub const DEFAULT_MAX_ELEMENTS: u32 = 10_000_000;

#[derive(Debug)]
pub(crate) struct TableElements {
    pub ty: TableType,
    elements: Vec<usize>,
    max: u32,
}

impl TableElements {
    pub fn new(ty: TableType, init: usize) -> Result<TableElements> {
        let max = ty
            .maximum
            .unwrap_or(DEFAULT_MAX_ELEMENTS)
            .min(DEFAULT_MAX_ELEMENTS.max(ty.minimum));
        if ty.minimum > DEFAULT_MAX_ELEMENTS {
            return Err(Error::resource(format!(
                "table minimum of {} elements exceeds the limit of {DEFAULT_MAX_ELEMENTS}",
                ty.minimum
            )));
        }
        let mut elements = Vec::new();
        elements
            .try_reserve_exact(ty.minimum as usize)
            .map_err(|_| {
                Error::resource(format!("allocating a table of {} elements", ty.minimum))
            })?;
        elements.resize(ty.minimum as usize, init);
        Ok(TableElements { ty, elements, max })
    }

    pub fn len(&self) -> u32 {
        self.elements.len() as u32
    }

    pub fn get(&self, index: u32) -> Option<usize> {
        self.elements.get(index as usize).copied()
    }

    pub fn set(&mut self, index: u32, value: usize) -> bool {
        match self.elements.get_mut(index as usize) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Grow by `delta` elements set to `init`; the old size, or `None` past the maximum.
    pub fn grow(&mut self, delta: u32, init: usize) -> Option<u32> {
        let old = self.len();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        self.elements.try_reserve_exact(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        Some(old)
    }

    /// `table.fill`: false if out of bounds (nothing written).
    pub fn fill(&mut self, dst: u32, value: usize, len: u32) -> bool {
        let Some(end) = dst.checked_add(len).filter(|&e| e <= self.len()) else {
            return false;
        };
        self.elements[dst as usize..end as usize].fill(value);
        true
    }

    /// Copy within this table (memmove semantics): false if out of bounds.
    pub fn copy_within(&mut self, dst: u32, src: u32, len: u32) -> bool {
        let n = self.len();
        if src.checked_add(len).is_none_or(|e| e > n) || dst.checked_add(len).is_none_or(|e| e > n)
        {
            return false;
        }
        self.elements
            .copy_within(src as usize..(src + len) as usize, dst as usize);
        true
    }

    /// Write `items` at `dst`: false if out of bounds (nothing written).
    pub fn init(&mut self, dst: u32, items: &[usize]) -> bool {
        let Some(end) = usize::try_from(dst)
            .ok()
            .and_then(|d| d.checked_add(items.len()))
        else {
            return false;
        };
        if end > self.elements.len() {
            return false;
        }
        self.elements[dst as usize..end].copy_from_slice(items);
        true
    }

    pub fn elements(&self) -> &[usize] {
        &self.elements
    }

    /// The definition compiled code reads.
    pub fn definition(&mut self) -> VMTableDefinition {
        VMTableDefinition {
            base: self.elements.as_mut_ptr(),
            current_elements: self.len(),
        }
    }
}

pub(crate) struct TableData {
    pub table: TableElements,
    /// Stable address of the definition compiled code reads.
    pub def: *mut VMTableDefinition,
    _owned: Option<Box<VMTableDefinition>>,
}

impl TableData {
    /// A table whose definition lives at `def` (inside an instance's VMContext), or in its
    /// own box if `def` is null.
    pub fn new(mut table: TableElements, def: *mut VMTableDefinition) -> TableData {
        let mut data = if def.is_null() {
            let mut owned = Box::new(table.definition());
            let def: *mut VMTableDefinition = &mut *owned;
            TableData {
                table,
                def,
                _owned: Some(owned),
            }
        } else {
            TableData {
                table,
                def,
                _owned: None,
            }
        };
        data.sync();
        data
    }

    /// Publish the element storage to compiled code (after any size change).
    pub fn sync(&mut self) {
        // SAFETY: `def` points to a live definition owned by the store.
        unsafe { *self.def = self.table.definition() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ValType;

    #[test]
    fn grow_fill_copy_init() {
        let ty = TableType {
            ref_type: None,
            element: ValType::FuncRef,
            minimum: 2,
            maximum: Some(5),
            table64: false,
        };
        let mut t = TableElements::new(ty, 0).unwrap();
        assert_eq!(t.grow(2, 7), Some(2));
        assert_eq!(t.elements(), &[0, 0, 7, 7]);
        assert_eq!(t.grow(2, 7), None);
        assert!(t.fill(0, 1, 2));
        assert!(!t.fill(3, 1, 2));
        assert!(t.copy_within(1, 2, 3 - 1));
        assert_eq!(t.elements(), &[1, 7, 7, 7]);
        assert!(!t.copy_within(0, 3, 2));
        assert!(t.init(4, &[]));
        assert!(!t.init(3, &[1, 2]));
        assert!(t.set(0, 9));
        assert!(!t.set(4, 9));
        assert_eq!(t.get(0), Some(9));
        assert_eq!(t.definition().current_elements, 4);
        let unbounded = TableType {
            ref_type: None,
            element: ValType::ExternRef,
            minimum: 0,
            maximum: None,
            table64: false,
        };
        let mut t = TableElements::new(unbounded, 0).unwrap();
        assert_eq!(t.grow(DEFAULT_MAX_ELEMENTS + 1, 0), None);
        assert_eq!(t.grow(u32::MAX, 0), None);
    }
}
