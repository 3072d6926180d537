//! The engine-wide registry of function types: each type gets an id that is equal for
//! equal types, whichever module or host declared them, as Wasm's type equivalence says.
//!
//! Types are equal when their recursion groups are equal position by position, with
//! references inside the group compared by position and references to earlier types by
//! id. A group is therefore registered in a canonical form: concrete heap types inside
//! it are `HeapType::Module(position in the group)`, those outside it `HeapType::Engine`.
//! Subtyping between registered types follows declared supertypes; each type keeps its
//! chain of supertypes so that a check is one lookup.

use crate::abi::{FuncType, HeapType, ImportKind, ModuleMeta, RefType, TypeDecl};
use std::collections::HashMap;

/// A type in canonical form (see the module documentation).
#[derive(Clone, PartialEq, Eq, Hash)]
struct CanonicalType {
    func: FuncType,
    is_final: bool,
    supertype: Option<HeapType>,
    refs: Vec<RefType>,
}

/// A registered type.
struct Registered {
    func: FuncType,
    /// The exact types of its reference parameters, then results (see `TypeDecl::refs`),
    /// concrete ones by engine id.
    refs: Vec<RefType>,
    /// Ids of its supertypes, the root first; a type's depth is this length.
    supertypes: Vec<u32>,
}

#[derive(Default)]
pub(crate) struct TypeRegistry {
    /// Each registered group, to the id of its first type (the others follow).
    groups: HashMap<Vec<CanonicalType>, u32>,
    types: Vec<Registered>,
}

impl TypeRegistry {
    /// The ids of a module's types (`decls` says how they are grouped and declared; a
    /// missing declaration means a plain type).
    pub fn register_module(&mut self, types: &[FuncType], decls: &[TypeDecl]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(types.len());
        let mut start = 0;
        while start < types.len() {
            let end = (start + 1..types.len())
                .find(|&i| decls.get(i).map_or(i as u32, |d| d.rec_group) != start as u32)
                .unwrap_or(types.len());
            let group = (start..end)
                .map(|i| canonical(&types[i], decls.get(i), start as u32, end as u32, &ids))
                .collect();
            ids.extend(self.register_group(group));
            start = end;
        }
        ids
    }

    /// The id of a host function type (a plain type: alone, final, nullable tops).
    pub fn register_host(&mut self, ty: &FuncType) -> u32 {
        let decl = TypeDecl::plain(0, ty);
        self.register_group(vec![canonical(ty, Some(&decl), 0, 1, &[])])[0]
    }

    fn register_group(&mut self, group: Vec<CanonicalType>) -> Vec<u32> {
        let len = group.len() as u32;
        if let Some(&first) = self.groups.get(&group) {
            return (first..first + len).collect();
        }
        let first = self.types.len() as u32;
        for ty in &group {
            let supertypes = match ty.supertype {
                Some(HeapType::Engine(s)) => self.chain(s),
                Some(HeapType::Module(p)) if p < len => self.chain(first + p),
                _ => Vec::new(),
            };
            let refs = ty
                .refs
                .iter()
                .map(|r| match r.heap {
                    HeapType::Module(p) => RefType {
                        heap: HeapType::Engine(first + p),
                        ..*r
                    },
                    _ => *r,
                })
                .collect();
            self.types.push(Registered {
                func: ty.func.clone(),
                refs,
                supertypes,
            });
        }
        self.groups.insert(group, first);
        (first..first + len).collect()
    }

    /// The supertypes of `id` and `id` itself, the root first (empty for an unknown id).
    fn chain(&self, id: u32) -> Vec<u32> {
        match self.types.get(id as usize) {
            Some(t) => t.supertypes.iter().copied().chain([id]).collect(),
            None => Vec::new(),
        }
    }

    /// Whether type `a` is `b` or one of its declared subtypes.
    pub fn is_subtype(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        let (Some(a), Some(b_depth)) = (
            self.types.get(a as usize),
            self.types.get(b as usize).map(|t| t.supertypes.len()),
        ) else {
            return false;
        };
        a.supertypes.get(b_depth) == Some(&b)
    }

    /// The exact types of the reference parameters, then results, of `id`.
    pub fn exact_refs(&self, id: u32) -> &[RefType] {
        self.types.get(id as usize).map_or(&[], |t| &t.refs)
    }

    /// The flat type of `id`.
    pub fn func_type(&self, id: u32) -> Option<&FuncType> {
        self.types.get(id as usize).map(|t| &t.func)
    }
}

/// Type `ty` of the group `start..end` in canonical form; `ids` holds the ids of every
/// type before the group. A plain type stands in for a missing declaration.
fn canonical(
    ty: &FuncType,
    decl: Option<&TypeDecl>,
    start: u32,
    end: u32,
    ids: &[u32],
) -> CanonicalType {
    let heap = |index: u32| {
        if (start..end).contains(&index) {
            HeapType::Module(index - start)
        } else {
            // Earlier types only (metadata checks say so); an id past the registry
            // names no type and so matches none.
            HeapType::Engine(ids.get(index as usize).copied().unwrap_or(u32::MAX))
        }
    };
    let plain;
    let decl = match decl {
        Some(d) => d,
        None => {
            plain = TypeDecl::plain(start, ty);
            &plain
        }
    };
    let refs = decl
        .refs
        .iter()
        .map(|r| match r.heap {
            HeapType::Module(i) => RefType {
                heap: heap(i),
                ..*r
            },
            _ => *r,
        })
        .collect();
    CanonicalType {
        func: ty.clone(),
        is_final: decl.is_final,
        supertype: decl.supertype.map(heap),
        refs,
    }
}

/// Rewrite the exact reference types of `meta`'s tables and globals (imported and
/// defined) from module type indices to engine ids (`ids`, the module's type ids), as
/// linking compares them across modules.
pub(crate) fn name_engine_types(meta: &mut ModuleMeta, ids: &[u32]) {
    let engine = |r: &mut Option<RefType>| {
        if let Some(RefType { heap, .. }) = r {
            if let HeapType::Module(i) = *heap {
                *heap = HeapType::Engine(ids.get(i as usize).copied().unwrap_or(u32::MAX));
            }
        }
    };
    for import in &mut meta.imports {
        match &mut import.kind {
            ImportKind::Table(t) => engine(&mut t.ref_type),
            ImportKind::Global(g) => engine(&mut g.ref_type),
            _ => {}
        }
    }
    for t in &mut meta.tables {
        engine(&mut t.ty.ref_type);
    }
    for g in &mut meta.globals {
        engine(&mut g.ty.ref_type);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ValType;

    fn func() -> FuncType {
        FuncType::new([], [])
    }

    fn decl(rec_group: u32, is_final: bool, supertype: Option<u32>) -> TypeDecl {
        TypeDecl {
            rec_group,
            is_final,
            supertype,
            refs: Vec::new(),
        }
    }

    #[test]
    fn plain_types_equal_host_types() {
        let mut r = TypeRegistry::default();
        let ty = FuncType::new([ValType::FuncRef], [ValType::I32]);
        let module = r.register_module(std::slice::from_ref(&ty), &[TypeDecl::plain(0, &ty)]);
        assert_eq!(module, vec![r.register_host(&ty)]);
    }

    #[test]
    fn recursion_groups_are_distinct_types() {
        let mut r = TypeRegistry::default();
        let (f, g) = (func(), func());
        // (rec (type $a (func)) (type $b (func))) and (type (func))
        let pair = r.register_module(&[f.clone(), g], &[decl(0, true, None), decl(0, true, None)]);
        let single = r.register_host(&f);
        assert_ne!(pair[0], pair[1]);
        assert!(!pair.contains(&single));
        // The same group again, from another module, after one plain type.
        let again = r.register_module(
            &[func(), func(), func()],
            &[
                decl(0, true, None),
                decl(1, true, None),
                decl(1, true, None),
            ],
        );
        assert_eq!(again, vec![single, pair[0], pair[1]]);
    }

    #[test]
    fn declared_supertypes() {
        let mut r = TypeRegistry::default();
        // (type $a (sub (func))) (type $b (sub $a (func))) (type $c (sub final $b (func)))
        let ids = r.register_module(
            &[func(), func(), func()],
            &[
                decl(0, false, None),
                decl(1, false, Some(0)),
                decl(2, true, Some(1)),
            ],
        );
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        assert!(r.is_subtype(c, a) && r.is_subtype(c, b) && r.is_subtype(b, a));
        assert!(!r.is_subtype(a, b) && !r.is_subtype(a, c));
        assert!(!r.is_subtype(a, u32::MAX) && !r.is_subtype(u32::MAX, a));
    }
}
