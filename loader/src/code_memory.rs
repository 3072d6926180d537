//! Executable memory holding a module's linked code, and the process-global registry of
//! code ranges the trap handler and backtraces consult.

use crate::abi::{TrapCode, TrapSite};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A module's code, linked and mapped read+execute. Unregistered and unmapped on drop.
#[derive(Debug)]
pub struct CodeMemory {
    map: memmap2::Mmap,
    text_len: usize,
    registered: bool,
}

impl CodeMemory {
    /// Take ownership of a mapping already made executable.
    pub(crate) fn new(map: memmap2::Mmap, text_len: usize) -> CodeMemory {
        CodeMemory {
            map,
            text_len,
            registered: false,
        }
    }

    /// Address of the first byte of `.text`.
    pub fn text_base(&self) -> usize {
        self.map.as_ptr() as usize
    }

    /// Length of `.text` (veneers follow it in the same mapping).
    pub fn text_len(&self) -> usize {
        self.text_len
    }

    /// Register this code for trap handling and backtraces.
    pub(crate) fn register(&mut self, info: CodeInfo) {
        let start = self.text_base();
        let end = start + self.text_len.max(1);
        let mut registry = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
        registry.insert(end, Arc::new(CodeInfo { start, ..info }));
        self.registered = true;
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        if self.registered {
            let end = self.text_base() + self.text_len.max(1);
            let mut registry = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
            registry.remove(&end);
        }
    }
}

/// What the runtime knows about a registered code range.
#[derive(Debug, Default)]
pub(crate) struct CodeInfo {
    pub start: usize,
    /// Sorted by text offset.
    pub trap_sites: Vec<TrapSite>,
    /// (start, end, function index), sorted by start; offsets into `.text`.
    pub funcs: Vec<(u32, u32, u32)>,
    pub module_name: Option<String>,
    /// Sorted by function index.
    pub func_names: Vec<(u32, String)>,
}

impl CodeInfo {
    /// Function index whose code contains `offset`.
    pub fn func_at(&self, offset: u32) -> Option<u32> {
        let i = self.funcs.partition_point(|&(start, _, _)| start <= offset);
        let &(start, end, index) = self.funcs.get(i.checked_sub(1)?)?;
        (start <= offset && offset < end).then_some(index)
    }

    pub fn trap_at(&self, offset: u32) -> Option<TrapCode> {
        let i = self
            .trap_sites
            .binary_search_by_key(&offset, |s| s.text_offset)
            .ok()?;
        Some(self.trap_sites[i].code)
    }

    pub fn func_name(&self, index: u32) -> Option<&str> {
        let i = self
            .func_names
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()?;
        Some(self.func_names[i].1.as_str())
    }
}

/// Code ranges keyed by their end address.
static REGISTRY: RwLock<BTreeMap<usize, Arc<CodeInfo>>> = RwLock::new(BTreeMap::new());

/// Run `f` with the code info containing `pc`, if any. Does not allocate; takes a read lock.
pub(crate) fn with_code<R>(pc: usize, f: impl FnOnce(&CodeInfo, u32) -> R) -> Option<R> {
    let registry = match REGISTRY.read() {
        Ok(r) => r,
        Err(e) => e.into_inner(),
    };
    let (_, info) = registry.range(pc.checked_add(1)?..).next()?;
    if pc < info.start {
        return None;
    }
    Some(f(info, (pc - info.start) as u32))
}

/// Run `f` with lookup access to the whole registry (one lock for many lookups).
pub(crate) fn with_registry<R>(
    f: impl for<'a> FnOnce(&dyn Fn(usize) -> Option<(&'a CodeInfo, u32)>) -> R,
) -> R {
    let registry = match REGISTRY.read() {
        Ok(r) => r,
        Err(e) => e.into_inner(),
    };
    let lookup = |pc: usize| {
        let (_, info) = registry.range(pc.checked_add(1)?..).next()?;
        if pc < info.start {
            return None;
        }
        Some((&**info, (pc - info.start) as u32))
    };
    f(&lookup)
}
