//! Executable memory holding a module's linked code, and the process-global registry of
//! code ranges the trap handler and backtraces consult.

use crate::abi::{
    trap_site, AddressMap, CodeTables, ExceptionSite, ExceptionTable, TrapCode, VMOffsets,
    TRAP_SITE_SIZE,
};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

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
    /// Pages of the artifact's own mapping, made read+execute where they lie.
    InFile {
        _map: Arc<memmap2::Mmap>,
        base: usize,
    },
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
            Backing::InFile { base, .. } => write!(f, "InFile({base:#x})"),
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

    /// Map `len` bytes of `file` at `offset` (a page boundary) read+execute: code that needs
    /// no linking runs from the file's pages, shared with the page cache and every process
    /// mapping the same artifact. A mapping of its own rather than `in_place` on the
    /// file's mapping: changing the protection of mapped pages costs a TLB flush, a new
    /// mapping none. Fails where the file may not be executed (a `noexec` mount).
    pub(crate) fn map_file_text(
        file: &std::fs::File,
        offset: usize,
        len: usize,
    ) -> std::io::Result<CodeMemory> {
        if len == 0 || !offset.is_multiple_of(crate::os::page_size()) {
            return Err(std::io::Error::other(
                ".text is not whole pages of the file",
            ));
        }
        // SAFETY: a private, read+execute mapping of the file's `.text`, which nothing
        // writes; like every loader we assume the file is not modified while mapped.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(offset as u64)
                .len(len)
                .map_exec(file)
        }?;
        Ok(CodeMemory::new(map, len))
    }

    /// Make `len` bytes at `offset` (a page boundary) of the artifact's mapping `map`
    /// read+execute where they lie: code that needs no linking runs from the file's pages,
    /// shared with the page cache and every process mapping the same artifact. Fails where
    /// the file may not be executed (a `noexec` mount); the caller then copies the code.
    pub(crate) fn in_place(
        map: Arc<memmap2::Mmap>,
        offset: usize,
        len: usize,
    ) -> std::io::Result<CodeMemory> {
        let page = crate::os::page_size();
        let base = (map.as_ptr() as usize).wrapping_add(offset);
        let inside = offset.checked_add(len).is_some_and(|end| end <= map.len());
        if !inside || !base.is_multiple_of(page) || len == 0 {
            return Err(std::io::Error::other(
                ".text is not whole pages of the mapping",
            ));
        }
        // SAFETY: `[base, base + len)` lies inside `map` (checked above), a private
        // read-only mapping nothing writes; adding execute permission to these pages
        // changes no memory Rust code refers to mutably. `map` stays mapped as long as
        // this CodeMemory holds it.
        let rc = unsafe {
            libc::mprotect(
                base as *mut libc::c_void,
                len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(CodeMemory {
            backing: Backing::InFile { _map: map, base },
            text_len: len,
            registered: false,
        })
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
            Backing::InFile { base, .. } | Backing::Foreign { base, .. } => *base,
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

/// A module's metadata section, left where it lies (in the artifact's mapping, or where
/// a system linker placed it) for as long as the code is registered: the trap table and
/// the address map are read from it in place.
pub(crate) struct MetaBytes {
    ptr: *const u8,
    len: usize,
    _owner: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

// SAFETY: read-only bytes that nothing writes and that live as long as `_owner` (or the
// program); reading them from any thread is sound.
unsafe impl Send for MetaBytes {}
// SAFETY: as above.
unsafe impl Sync for MetaBytes {}

impl MetaBytes {
    /// # Safety
    /// `bytes` must stay valid and unchanged while `owner` lives, or for the rest of the
    /// program when `owner` is `None`.
    pub(crate) unsafe fn new(
        bytes: &[u8],
        owner: Option<Arc<dyn std::any::Any + Send + Sync>>,
    ) -> MetaBytes {
        MetaBytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
            _owner: owner,
        }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: valid for `len` bytes while `_owner` lives (see `new`), and it lives as
        // long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Default for MetaBytes {
    fn default() -> Self {
        // SAFETY: a static empty slice.
        unsafe { MetaBytes::new(&[], None) }
    }
}

impl std::fmt::Debug for MetaBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MetaBytes({:p}, {})", self.ptr, self.len)
    }
}

/// What the runtime knows about a registered code range.
#[derive(Debug, Default)]
pub(crate) struct CodeInfo {
    pub start: usize,
    /// (start, end, function index), sorted by start; offsets into `.text`.
    pub funcs: Vec<(u32, u32, u32)>,
    pub module_name: Option<String>,
    /// The function names, decoded (sorted by index) the first time a backtrace needs them.
    pub func_names: OnceLock<Vec<(u32, String)>>,
    /// The metadata section, and where its trap table and address map lie in it.
    pub meta: MetaBytes,
    pub tables: CodeTables,
    /// The address map, decoded the first time a backtrace needs it.
    pub address_map: OnceLock<AddressMap>,
    /// The VMContext layout of the module's instances on this host: where the exception
    /// unwinder finds a frame's tags (`None` for code without instances, in tests).
    pub offsets: Option<VMOffsets>,
    /// The exception table, decoded the first time an exception unwinds through this
    /// code (empty if it does not decode).
    pub exception_sites: OnceLock<Vec<ExceptionSite>>,
}

impl CodeInfo {
    /// Function index whose code contains `offset`.
    pub fn func_at(&self, offset: u32) -> Option<u32> {
        let i = self.funcs.partition_point(|&(start, _, _)| start <= offset);
        let &(start, end, index) = self.funcs.get(i.checked_sub(1)?)?;
        (start <= offset && offset < end).then_some(index)
    }

    /// The trap code recorded for the instruction at `offset`: a binary search of the
    /// trap table where it lies. Does not allocate (runs in the signal handler).
    pub fn trap_at(&self, offset: u32) -> Option<TrapCode> {
        let table = self.meta.bytes().get(self.tables.trap_sites.clone())?;
        let record = |i: usize| table.get(i * TRAP_SITE_SIZE..(i + 1) * TRAP_SITE_SIZE);
        let at =
            |i: usize| record(i).map_or(u32::MAX, |r| u32::from_le_bytes([r[0], r[1], r[2], r[3]]));
        let (mut lo, mut hi) = (0, table.len() / TRAP_SITE_SIZE);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match at(mid).cmp(&offset) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(trap_site(record(mid)?)?.code),
            }
        }
        None
    }

    pub fn func_name(&self, index: u32) -> Option<&str> {
        let names = self.func_names.get_or_init(|| {
            let blob = self.meta.bytes().get(self.tables.func_names.clone());
            let mut names = blob
                .and_then(|b| crate::abi::decode_func_names(&mut crate::abi::Reader::new(b)).ok())
                .unwrap_or_default();
            names.sort_by_key(|(i, _)| *i);
            names.dedup_by_key(|(i, _)| *i);
            names
        });
        let i = names.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        Some(names[i].1.as_str())
    }

    /// The exception site whose call returns to `ret_offset`, if that call has handlers.
    pub fn exception_site(&self, ret_offset: u32) -> Option<&ExceptionSite> {
        let sites = self.exception_sites.get_or_init(|| {
            let blob = self.meta.bytes().get(self.tables.exception_sites.clone());
            blob.and_then(ExceptionTable::new)
                .map(|t| t.sites().collect())
                .unwrap_or_default()
        });
        let i = sites
            .binary_search_by_key(&ret_offset, |s| s.ret_offset)
            .ok()?;
        sites.get(i)
    }

    /// The module's address map (empty if it has none or it does not decode).
    pub fn address_map(&self) -> &AddressMap {
        self.address_map.get_or_init(|| {
            let Some(blob) = self.meta.bytes().get(self.tables.address_map.clone()) else {
                return AddressMap::default();
            };
            let mut r = crate::abi::Reader::new(blob);
            AddressMap::decode(&mut r).unwrap_or_default()
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::TRAP_SITE_SIZE;

    fn info(table: &'static [u8]) -> CodeInfo {
        CodeInfo {
            // SAFETY: a static slice.
            meta: unsafe { MetaBytes::new(table, None) },
            tables: CodeTables {
                trap_sites: 0..table.len(),
                ..CodeTables::default()
            },
            ..CodeInfo::default()
        }
    }

    #[test]
    fn trap_table_is_searched_in_place() {
        // (4, division by zero), (9, memory out of bounds), (20, unreachable).
        static TABLE: [u8; 3 * TRAP_SITE_SIZE] = [4, 0, 0, 0, 7, 9, 0, 0, 0, 1, 20, 0, 0, 0, 9];
        let info = info(&TABLE);
        assert_eq!(info.trap_at(4), Some(TrapCode::IntegerDivisionByZero));
        assert_eq!(info.trap_at(9), Some(TrapCode::MemoryOutOfBounds));
        assert_eq!(info.trap_at(20), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(info.trap_at(5), None);
        assert_eq!(info.trap_at(u32::MAX), None);
    }

    #[test]
    fn a_damaged_trap_table_gives_no_code_rather_than_failing() {
        // Unsorted, with an unknown code and a truncated record: lookups stay in bounds
        // and answer `None` or a recorded code, never anything else.
        static TABLE: [u8; 13] = [30, 0, 0, 0, 200, 2, 0, 0, 0, 3, 0xff, 0xff, 0xff];
        let info = info(&TABLE);
        for offset in [0, 2, 3, 30, u32::MAX] {
            let code = info.trap_at(offset);
            assert!(
                matches!(code, None | Some(TrapCode::TableOutOfBounds)),
                "{code:?}"
            );
        }
        assert_eq!(info.trap_at(30), None);
    }
}
