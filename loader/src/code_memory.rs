//! Executable memory holding a module's linked code, and the process-global registry of
//! code ranges the trap handler and backtraces consult.

use crate::abi::{TrapCode, TrapSite};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A module's code, linked and mapped read+execute. Unregistered (and unmapped, if we
/// own the mapping) on drop.
#[derive(Debug)]
pub struct CodeMemory {
    backing: Backing,
    text_len: usize,
    registered: bool,
}

enum Backing {
    /// A mapping the loader made and linked.
    Mapped(memmap2::Mmap),
    /// Code a system linker placed, already executable: in the program itself or in a
    /// shared object `owner` keeps open.
    Foreign {
        base: usize,
        _owner: Option<Box<dyn std::any::Any + Send + Sync>>,
    },
}

impl std::fmt::Debug for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backing::Mapped(m) => write!(f, "Mapped({:p})", m.as_ptr()),
            Backing::Foreign { base, .. } => write!(f, "Foreign({base:#x})"),
        }
    }
}

impl CodeMemory {
    /// Take ownership of a mapping already made executable.
    pub(crate) fn new(map: memmap2::Mmap, text_len: usize) -> CodeMemory {
        CodeMemory {
            backing: Backing::Mapped(map),
            text_len,
            registered: false,
        }
    }

    /// Code at `base` that is already linked and executable and that stays so while
    /// `owner` (if any) lives; nothing is mapped or copied.
    pub(crate) fn foreign(
        base: usize,
        text_len: usize,
        owner: Option<Box<dyn std::any::Any + Send + Sync>>,
    ) -> CodeMemory {
        CodeMemory {
            backing: Backing::Foreign {
                base,
                _owner: owner,
            },
            text_len,
            registered: false,
        }
    }

    /// Address of the first byte of `.text`.
    pub fn text_base(&self) -> usize {
        match &self.backing {
            Backing::Mapped(map) => map.as_ptr() as usize,
            Backing::Foreign { base, .. } => *base,
        }
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
        if let Backing::Foreign { .. } = self.backing {
            // Linked code can back several modules (the same static module loaded by
            // two engines): the range stays registered until the last one goes.
            let mut refs = FOREIGN_REFS.lock().unwrap_or_else(|e| e.into_inner());
            let n = refs.entry(end).or_insert(0);
            *n += 1;
            if *n > 1 {
                self.registered = true;
                return;
            }
        }
        registry.insert(end, Arc::new(CodeInfo { start, ..info }));
        self.registered = true;
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        if self.registered {
            let end = self.text_base() + self.text_len.max(1);
            let mut registry = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
            if let Backing::Foreign { .. } = self.backing {
                let mut refs = FOREIGN_REFS.lock().unwrap_or_else(|e| e.into_inner());
                match refs.get_mut(&end) {
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        return;
                    }
                    _ => {
                        refs.remove(&end);
                    }
                }
            }
            registry.remove(&end);
        }
    }
}

/// How many live `CodeMemory`s share each registered foreign range (by end address).
static FOREIGN_REFS: std::sync::Mutex<BTreeMap<usize, usize>> =
    std::sync::Mutex::new(BTreeMap::new());

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
    /// Wasm offsets of the code, for backtraces.
    pub address_map: Arc<crate::abi::AddressMap>,
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
