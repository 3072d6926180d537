//! The part of the metadata cross-check about types: each type's declaration (recursion
//! group, supertype, exact reference types) and the exact reference types of tables and
//! globals. What the type registry and linking rely on: groups are runs of consecutive
//! types, a supertype is an earlier type of the same flat signature (so a call through
//! a subtype is a call of the right shape), and every concrete heap type names a type
//! that exists when it is registered.

use crate::abi::{FuncType, HeapType, ImportKind, ModuleMeta, RefType, TypeDecl, ValType};

type Check = std::result::Result<(), String>;

/// Check every type declaration and every exact reference type of `meta`.
pub(crate) fn check_types(meta: &ModuleMeta) -> Check {
    let ntypes = meta.types.len();
    if meta.type_decls.len() != ntypes {
        return Err(format!(
            "{} type declarations for {ntypes} types",
            meta.type_decls.len()
        ));
    }
    for (i, (ty, decl)) in meta.types.iter().zip(&meta.type_decls).enumerate() {
        check_decl(meta, i as u32, ty, decl).map_err(|e| format!("type {i}: {e}"))?;
    }
    let in_module = |r: Option<RefType>| check_heap(r, ntypes as u32);
    for (i, import) in meta.imports.iter().enumerate() {
        let r = match &import.kind {
            ImportKind::Table(t) => in_module(t.ref_type),
            ImportKind::Global(g) => in_module(g.ref_type),
            _ => Ok(()),
        };
        r.map_err(|e| format!("import {i}: {e}"))?;
    }
    for (i, t) in meta.tables.iter().enumerate() {
        in_module(t.ty.ref_type).map_err(|e| format!("table {i}: {e}"))?;
    }
    for (i, g) in meta.globals.iter().enumerate() {
        in_module(g.ty.ref_type).map_err(|e| format!("global {i}: {e}"))?;
    }
    Ok(())
}

/// Type `index`'s declaration: its group starts at or before it, where the previous
/// type's does or at itself; its supertype is earlier with the same flat signature; its
/// exact reference types refine its flat ones and name types up to the end of its group.
fn check_decl(meta: &ModuleMeta, index: u32, ty: &FuncType, decl: &TypeDecl) -> Check {
    let previous = index
        .checked_sub(1)
        .map(|p| meta.type_decls[p as usize].rec_group);
    if decl.rec_group != index && Some(decl.rec_group) != previous {
        return Err(format!(
            "recursion group starting at {} is not a run of types",
            decl.rec_group
        ));
    }
    if let Some(s) = decl.supertype {
        if s >= index || meta.types[s as usize] != *ty {
            return Err(format!("supertype {s} is not an earlier type of {ty}"));
        }
    }
    let group_end = (index as usize + 1..meta.types.len())
        .find(|&i| meta.type_decls[i].rec_group != decl.rec_group)
        .unwrap_or(meta.types.len()) as u32;
    let ref_positions: Vec<ValType> = ty
        .params
        .iter()
        .chain(&ty.results)
        .copied()
        .filter(|t| t.is_ref())
        .collect();
    if ref_positions.len() != decl.refs.len() {
        return Err(format!(
            "{} exact reference types for {} references",
            decl.refs.len(),
            ref_positions.len()
        ));
    }
    for (exact, flat) in decl.refs.iter().zip(ref_positions) {
        if exact.val_type() != flat {
            return Err(format!("{exact} is not a {flat}"));
        }
        check_heap(Some(*exact), group_end)?;
    }
    Ok(())
}

/// A concrete heap type names a module type below `limit`.
fn check_heap(r: Option<RefType>, limit: u32) -> Check {
    match r.map(|r| r.heap) {
        Some(HeapType::Module(i)) if i >= limit => {
            Err(format!("type index {i} out of range (below {limit})"))
        }
        Some(HeapType::Engine(_)) => Err("an engine type id in an artifact".to_string()),
        _ => Ok(()),
    }
}
