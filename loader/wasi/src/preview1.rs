//! The `wasi_snapshot_preview1` functions, one Rust function per import.
//!
//! Each takes the context, the guest's linear memory and its arguments: `u32` for an
//! `i32`, `u64` for an `i64`, and [`GuestPath`], [`Times`] or [`OpenHow`] for a few
//! params that belong together. It returns what the import writes through its out
//! pointers (`Ok(())` when it has none), or the errno. `glue.rs` derives the wasm
//! signature from these types and does the rest (see there); `linker.rs` lists the
//! functions. `proc_exit`, which returns nothing, is the exception. Every pointer is
//! checked against the memory ([`Errno::Fault`]); no guest input can make these panic.

use super::clocks;
use super::ctx::WasiCtx;
use super::errno::Errno;
use super::fd_table::{child_rights, Descriptor, FdTable, Handle};
use super::fs::{self, Filestat, OpenRequest, Opened};
use super::glue::Output;
use super::memory::{self, GuestPath, IoVec};
use super::poll;
use super::random;
use super::types::{fdflags, oflags, rights, size, whence};
use super::types::{LOOKUP_SYMLINK_FOLLOW, PREOPENTYPE_DIR, SDFLAGS_ALL};
use std::fmt;
use std::io::{self, Read, Write};

/// `proc_exit` was called with this exit code: the guest must stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WasiExit(pub i32);

impl fmt::Display for WasiExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for WasiExit {}

/// The timestamps and `fstflags` of `fd_filestat_set_times` / `path_filestat_set_times`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub atim: u64,
    pub mtim: u64,
    pub flags: u32,
}

/// How `path_open` opens: `oflags`, the rights asked for, `fdflags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHow {
    pub oflags: u32,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    pub fdflags: u32,
}

/// The preview 1 `fdstat` struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fdstat {
    pub filetype: u8,
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
}

impl Output for Fdstat {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], out: u32) -> Result<(), Errno> {
        memory::slice_mut(mem, out, size::FDSTAT)?.fill(0);
        memory::write_u8(mem, out, self.filetype)?;
        memory::write_u16(mem, out + 2, self.flags)?;
        memory::write_u64(mem, out + 8, self.rights_base)?;
        memory::write_u64(mem, out + 16, self.rights_inheriting)
    }
}

/// The preview 1 `prestat` of a preopened directory: the length of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prestat {
    pub name_len: u32,
}

impl Output for Prestat {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], out: u32) -> Result<(), Errno> {
        memory::slice_mut(mem, out, size::PRESTAT)?.fill(0);
        memory::write_u8(mem, out, PREOPENTYPE_DIR)?;
        memory::write_u32(mem, out + 4, self.name_len)
    }
}

impl Output for Filestat {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], out: u32) -> Result<(), Errno> {
        memory::slice_mut(mem, out, size::FILESTAT)?.fill(0);
        memory::write_u64(mem, out, self.dev)?;
        memory::write_u64(mem, out + 8, self.ino)?;
        memory::write_u8(mem, out + 16, self.filetype)?;
        memory::write_u64(mem, out + 24, self.nlink)?;
        memory::write_u64(mem, out + 32, self.size)?;
        memory::write_u64(mem, out + 40, self.atim)?;
        memory::write_u64(mem, out + 48, self.mtim)?;
        memory::write_u64(mem, out + 56, self.ctim)
    }
}

// ---------------------------------------------------------------------------------------
// args / environ

/// Writes NUL-terminated `strings` into `buf` and a pointer to each into `ptrs`.
fn write_string_list(mem: &mut [u8], list: &[Vec<u8>], ptrs: u32, buf: u32) -> Result<(), Errno> {
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        let slot = (i as u64)
            .checked_mul(4)
            .and_then(|o| o.checked_add(ptrs as u64));
        let slot = slot
            .and_then(|s| u32::try_from(s).ok())
            .ok_or(Errno::Fault)?;
        memory::write_u32(mem, slot, at)?;
        memory::write_bytes(mem, at, s)?;
        let end = at as u64 + s.len() as u64;
        let end = u32::try_from(end).map_err(|_| Errno::Fault)?;
        memory::write_u8(mem, end, 0)?;
        at = end.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// The number of strings in `list` and their total size with a NUL each.
fn list_sizes(list: &[Vec<u8>]) -> Result<(u32, u32), Errno> {
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    let total: u64 = list.iter().map(|s| s.len() as u64 + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    Ok((count, total))
}

pub fn args_get(ctx: &mut WasiCtx, mem: &mut [u8], argv: u32, argv_buf: u32) -> Result<(), Errno> {
    write_string_list(mem, &ctx.args, argv, argv_buf)
}

/// The argument count and the size of their strings.
pub fn args_sizes_get(ctx: &mut WasiCtx, _mem: &mut [u8]) -> Result<(u32, u32), Errno> {
    list_sizes(&ctx.args)
}

pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    environ: u32,
    environ_buf: u32,
) -> Result<(), Errno> {
    write_string_list(mem, &ctx.env, environ, environ_buf)
}

/// The variable count and the size of their `K=V` strings.
pub fn environ_sizes_get(ctx: &mut WasiCtx, _mem: &mut [u8]) -> Result<(u32, u32), Errno> {
    list_sizes(&ctx.env)
}

// ---------------------------------------------------------------------------------------
// clocks, random, scheduling, process

pub fn clock_res_get(_ctx: &mut WasiCtx, _mem: &mut [u8], id: u32) -> Result<u64, Errno> {
    clocks::res_get(id)
}

pub fn clock_time_get(
    _ctx: &mut WasiCtx,
    _mem: &mut [u8],
    id: u32,
    precision: u64,
) -> Result<u64, Errno> {
    clocks::time_get(id, precision)
}

pub fn random_get(_ctx: &mut WasiCtx, mem: &mut [u8], buf: u32, buf_len: u32) -> Result<(), Errno> {
    memory::slice_mut(mem, buf, buf_len).and_then(random::fill)
}

pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut [u8]) -> Result<(), Errno> {
    std::thread::yield_now();
    Ok(())
}

/// Records the exit code in `ctx` and returns it as the error the call fails with: the
/// import never returns to the guest.
pub fn proc_exit(ctx: &mut WasiCtx, code: u32) -> WasiExit {
    let code = code as i32;
    ctx.set_exit_code(code);
    WasiExit(code)
}

/// Signals are not supported (as in Wasmtime).
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut [u8], _sig: u32) -> Result<(), Errno> {
    Err(Errno::Notsup)
}

// ---------------------------------------------------------------------------------------
// fd_* : descriptors

/// Reads into the guest buffers `iovs` with `f`, stopping at the first short read.
fn read_vectored(
    mem: &mut [u8],
    iovs: &[IoVec],
    mut f: impl FnMut(&mut [u8], u64) -> io::Result<usize>,
) -> Result<u32, Errno> {
    let mut total: u32 = 0;
    for v in iovs {
        let len = v.len.min(u32::MAX - total);
        if len == 0 {
            continue;
        }
        let buf = memory::slice_mut(mem, v.ptr, len)?;
        match f(buf, total as u64) {
            Ok(n) => {
                let n = n.min(len as usize) as u32;
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// Writes the guest buffers `iovs` with `f`, stopping at the first short write.
fn write_vectored(
    mem: &[u8],
    iovs: &[IoVec],
    mut f: impl FnMut(&[u8], u64) -> io::Result<usize>,
) -> Result<u32, Errno> {
    let mut total: u32 = 0;
    for v in iovs {
        let len = v.len.min(u32::MAX - total);
        if len == 0 {
            continue;
        }
        let buf = memory::slice(mem, v.ptr, len)?;
        match f(buf, total as u64) {
            Ok(n) => {
                let n = n.min(len as usize) as u32;
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// The number of bytes read.
pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, iovs_len)?;
    let d = ctx.table.get_mut(fd)?;
    d.check(rights::FD_READ)?;
    match &mut d.handle {
        Handle::File(f) => read_vectored(mem, &iovs, |b, _| f.read(b)),
        Handle::Stdin(s) => read_vectored(mem, &iovs, |b, _| s.read(b)),
        Handle::Dir(_) => Err(Errno::Isdir),
        Handle::Stdout(_) | Handle::Stderr(_) => Err(Errno::Badf),
    }
}

/// The file position `done` bytes past `offset` for a positioned read or write.
fn position(offset: u64, done: u64) -> io::Result<u64> {
    offset
        .checked_add(done)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
}

/// The number of bytes read at `offset`.
pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, iovs_len)?;
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_READ | rights::FD_SEEK)?;
    match &d.handle {
        Handle::File(f) => read_vectored(mem, &iovs, |b, done| {
            let at = position(offset, done)?;
            Ok(rustix::io::pread(f, b, at)?)
        }),
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

/// The number of bytes written.
pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, iovs_len)?;
    let d = ctx.table.get_mut(fd)?;
    d.check(rights::FD_WRITE)?;
    match &mut d.handle {
        Handle::File(f) => write_vectored(mem, &iovs, |b, _| f.write(b)),
        Handle::Stdout(s) => {
            write_vectored(mem, &iovs, |b, _| s.write_all(b, false).map(|()| b.len()))
        }
        Handle::Stderr(s) => {
            write_vectored(mem, &iovs, |b, _| s.write_all(b, true).map(|()| b.len()))
        }
        Handle::Dir(_) => Err(Errno::Isdir),
        Handle::Stdin(_) => Err(Errno::Badf),
    }
}

/// The number of bytes written at `offset`.
pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, iovs_len)?;
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_WRITE | rights::FD_SEEK)?;
    match &d.handle {
        Handle::File(f) => write_vectored(mem, &iovs, |b, done| {
            let at = position(offset, done)?;
            Ok(rustix::io::pwrite(f, b, at)?)
        }),
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

/// The new position. `offset` is signed (`filedelta`).
pub fn fd_seek(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    wh: u32,
) -> Result<u64, Errno> {
    let offset = offset as i64;
    let d = ctx.table.get(fd)?;
    let pos = match wh {
        w if w == whence::SET as u32 => {
            rustix::fs::SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?)
        }
        w if w == whence::CUR as u32 => rustix::fs::SeekFrom::Current(offset),
        w if w == whence::END as u32 => rustix::fs::SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let tell_only = wh == whence::CUR as u32 && offset == 0;
    if !(tell_only && d.check(rights::FD_TELL).is_ok()) {
        d.check(rights::FD_SEEK)?;
    }
    match &d.handle {
        Handle::File(f) => Ok(rustix::fs::seek(f, pos)?),
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

/// The current position.
pub fn fd_tell(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<u64, Errno> {
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_TELL)?;
    match &d.handle {
        Handle::File(f) => Ok(rustix::fs::seek(f, rustix::fs::SeekFrom::Current(0))?),
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<(), Errno> {
    ctx.table.remove(fd).map(drop)
}

pub fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut [u8], from: u32, to: u32) -> Result<(), Errno> {
    ctx.table.renumber(from, to)
}

fn sync(d: &Descriptor, data_only: bool) -> Result<(), Errno> {
    d.check(if data_only {
        rights::FD_DATASYNC
    } else {
        rights::FD_SYNC
    })?;
    match &d.handle {
        Handle::File(f) if data_only => Ok(f.sync_data()?),
        Handle::File(f) => Ok(f.sync_all()?),
        Handle::Dir(dir) => fs::sync_dir(dir, data_only),
        Handle::Stdout(super::ctx::OutputSink::File(f))
        | Handle::Stderr(super::ctx::OutputSink::File(f)) => Ok(f.sync_all()?),
        _ => Ok(()),
    }
}

pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<(), Errno> {
    ctx.table.get(fd).and_then(|d| sync(d, false))
}

pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<(), Errno> {
    ctx.table.get(fd).and_then(|d| sync(d, true))
}

pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> Result<(), Errno> {
    use rustix::fs::Advice;
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::Inval),
    };
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_ADVISE)?;
    match &d.handle {
        Handle::File(f) => {
            offset.checked_add(len).ok_or(Errno::Inval)?;
            rustix::fs::fadvise(f, offset, std::num::NonZeroU64::new(len), advice)?;
            Ok(())
        }
        Handle::Dir(_) => Err(Errno::Badf),
        _ => Err(Errno::Spipe),
    }
}

pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_ALLOCATE)?;
    let f = match &d.handle {
        Handle::File(f) => f,
        Handle::Dir(_) => return Err(Errno::Badf),
        _ => return Err(Errno::Spipe),
    };
    if len == 0 {
        return Err(Errno::Inval);
    }
    let end = offset
        .checked_add(len)
        .filter(|e| *e <= i64::MAX as u64)
        .ok_or(Errno::Fbig)?;
    match rustix::fs::fallocate(f, rustix::fs::FallocateFlags::empty(), offset, len) {
        Ok(()) => Ok(()),
        // Filesystems without fallocate: extend the file (what posix_fallocate emulates).
        Err(rustix::io::Errno::OPNOTSUPP) => {
            if f.metadata()?.len() < end {
                f.set_len(end)?;
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn fd_fdstat_get(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<Fdstat, Errno> {
    let d = ctx.table.get(fd)?;
    Ok(Fdstat {
        filetype: d.filetype(),
        flags: d.flags,
        rights_base: d.rights_base,
        rights_inheriting: d.rights_inheriting,
    })
}

pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    flags: u32,
) -> Result<(), Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let d = ctx.table.get_mut(fd)?;
    d.check(rights::FD_FDSTAT_SET_FLAGS)?;
    let sync_bits = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    // The synchronisation mode cannot be changed after opening (Linux ignores it in F_SETFL).
    if flags & sync_bits != d.flags & sync_bits {
        return Err(Errno::Notsup);
    }
    if let Handle::File(f) = &d.handle {
        use rustix::fs::OFlags;
        let mut o = rustix::fs::fcntl_getfl(f)?;
        o.set(OFlags::APPEND, flags & fdflags::APPEND != 0);
        o.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
        rustix::fs::fcntl_setfl(f, o)?;
    }
    d.flags = flags;
    Ok(())
}

pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    base: u64,
    inheriting: u64,
) -> Result<(), Errno> {
    let d = ctx.table.get_mut(fd)?;
    // Rights can only be dropped, never gained.
    if base & !d.rights_base != 0 || inheriting & !d.rights_inheriting != 0 {
        return Err(Errno::Notcapable);
    }
    d.rights_base = base;
    d.rights_inheriting = inheriting;
    Ok(())
}

pub fn fd_filestat_get(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<Filestat, Errno> {
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_FILESTAT_GET)?;
    match &d.handle {
        Handle::File(f) => Ok(Filestat::from_metadata(&f.metadata()?)),
        Handle::Dir(dir) => Ok(Filestat::from_metadata(&dir.dir_metadata()?)),
        _ => Ok(Filestat {
            filetype: d.filetype(),
            ..Filestat::default()
        }),
    }
}

pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    size: u64,
) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_FILESTAT_SET_SIZE)?;
    match &d.handle {
        Handle::File(f) => {
            if size > i64::MAX as u64 {
                return Err(Errno::Fbig);
            }
            Ok(f.set_len(size)?)
        }
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Inval),
    }
}

pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    times: Times,
) -> Result<(), Errno> {
    let flags = u16::try_from(times.flags).map_err(|_| Errno::Inval)?;
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_FILESTAT_SET_TIMES)?;
    let spec = fs::times_spec(times.atim, times.mtim, flags)?;
    match &d.handle {
        Handle::File(f) => fs::set_fd_times(f, spec),
        Handle::Dir(dir) => fs::set_dir_times(dir, spec),
        _ => Err(Errno::Notsup),
    }
}

pub fn fd_prestat_get(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> Result<Prestat, Errno> {
    let d = ctx.table.get(fd)?;
    let name = d.preopen.as_deref().ok_or(Errno::Badf)?;
    let name_len = u32::try_from(name.len()).map_err(|_| Errno::Nametoolong)?;
    Ok(Prestat { name_len })
}

pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    let name = d.preopen.as_deref().ok_or(Errno::Badf)?;
    if (path_len as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    memory::write_bytes(mem, path, name.as_bytes())
}

/// The number of bytes of `buf` used.
pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
) -> Result<u32, Errno> {
    let d = ctx.table.get(fd)?;
    let dir = match &d.handle {
        Handle::Dir(dir) => dir,
        Handle::File(_) => return Err(Errno::Notdir),
        _ => return Err(Errno::Badf),
    };
    d.check(rights::FD_READDIR)?;
    let out = memory::slice_mut(mem, buf, buf_len)?;
    let entries = fs::read_dir(dir)?;
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    let mut used = 0usize;
    for (i, e) in entries.iter().enumerate().skip(start) {
        if used == out.len() {
            break;
        }
        let mut rec = Vec::with_capacity(size::DIRENT as usize + e.name.len());
        rec.extend_from_slice(&(i as u64 + 1).to_le_bytes()); // d_next
        rec.extend_from_slice(&e.ino.to_le_bytes()); // d_ino
        let namlen = u32::try_from(e.name.len()).map_err(|_| Errno::Nametoolong)?;
        rec.extend_from_slice(&namlen.to_le_bytes()); // d_namlen
        rec.push(e.filetype); // d_type
        rec.extend_from_slice(&[0, 0, 0]); // padding to 24
        rec.extend_from_slice(&e.name);
        // A record that does not fit is truncated: the guest sees a full buffer and
        // retries with a bigger one.
        let n = rec.len().min(out.len() - used);
        out[used..used + n].copy_from_slice(&rec[..n]);
        used += n;
    }
    Ok(used as u32) // used <= buf_len, a u32
}

// ---------------------------------------------------------------------------------------
// path_*

/// The directory behind `fd` after checking `right` on it.
fn dir_fd(ctx: &WasiCtx, fd: u32, right: u64) -> Result<&cap_std::fs::Dir, Errno> {
    let d = ctx.table.get(fd)?;
    let dir = d.dir()?;
    d.check(right)?;
    Ok(dir)
}

pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: GuestPath,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_CREATE_DIRECTORY)?;
    fs::create_dir(dir, &path.read(mem)?)
}

pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: GuestPath,
) -> Result<Filestat, Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_FILESTAT_GET)?;
    let p = path.read(mem)?;
    fs::stat(dir, &p, flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: GuestPath,
    times: Times,
) -> Result<(), Errno> {
    let fst_flags = u16::try_from(times.flags).map_err(|_| Errno::Inval)?;
    let dir = dir_fd(ctx, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let spec = fs::times_spec(times.atim, times.mtim, fst_flags)?;
    let p = path.read(mem)?;
    fs::set_times(dir, &p, flags & LOOKUP_SYMLINK_FOLLOW != 0, spec)
}

pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    old_fd: u32,
    old_flags: u32,
    old_path: GuestPath,
    new_fd: u32,
    new_path: GuestPath,
) -> Result<(), Errno> {
    let from = dir_fd(ctx, old_fd, rights::PATH_LINK_SOURCE)?;
    let to = dir_fd(ctx, new_fd, rights::PATH_LINK_TARGET)?;
    // Following a symlink at the source is not supported (as in Wasmtime).
    if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    let old = old_path.read(mem)?;
    let new = new_path.read(mem)?;
    fs::link(from, &old, to, &new)
}

/// Writes the new descriptor to `fd_out` itself: that slot is checked before anything is
/// opened, so a bad pointer never leaks an open descriptor.
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    dirflags: u32,
    path: GuestPath,
    how: OpenHow,
    fd_out: u32,
) -> Result<(), Errno> {
    memory::slice(mem, fd_out, 4)?;
    let of = u16::try_from(how.oflags).map_err(|_| Errno::Inval)?;
    let ff = u16::try_from(how.fdflags).map_err(|_| Errno::Inval)?;
    let parent = ctx.table.get(fd)?;
    let dir = parent.dir()?;
    let mut needed = rights::PATH_OPEN;
    if of & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    if of & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    parent.check(needed)?;
    let p = path.read(mem)?;

    let (base, inheriting) = (how.rights_base, how.rights_inheriting);
    let effective = base & parent.rights_inheriting;
    let req = OpenRequest {
        follow: dirflags & LOOKUP_SYMLINK_FOLLOW != 0,
        oflags: of,
        fdflags: ff,
        read: effective & (rights::FD_READ | rights::FD_READDIR) != 0,
        // fd_datasync works on a read-only descriptor, so it does not ask for write access
        // (a directory's own rights include it).
        write: effective & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE)
            != 0,
    };
    let opened = fs::open(dir, &p, req)?;
    let is_dir = matches!(opened, Opened::Dir(_));
    let (b, i) = child_rights(parent.rights_inheriting, base, inheriting, is_dir);
    let handle = match opened {
        Opened::File(f) => Handle::File(f),
        Opened::Dir(d) => Handle::Dir(d),
    };
    let mut d = Descriptor::new(handle, b, i);
    d.flags = if is_dir { 0 } else { ff };
    let new = ctx.table.push(d)?;
    memory::write_u32(mem, fd_out, new)
}

/// The number of bytes of the link's target written to `buf` (truncated to it).
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: GuestPath,
    buf: u32,
    buf_len: u32,
) -> Result<u32, Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_READLINK)?;
    let p = path.read(mem)?;
    let target = fs::readlink(dir, &p)?;
    let out = memory::slice_mut(mem, buf, buf_len)?;
    // Truncated to the buffer, as readlink(2) does.
    let n = target.len().min(out.len());
    out[..n].copy_from_slice(&target[..n]);
    Ok(n as u32)
}

pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: GuestPath,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_REMOVE_DIRECTORY)?;
    fs::remove_dir(dir, &path.read(mem)?)
}

pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    old_path: GuestPath,
    new_fd: u32,
    new_path: GuestPath,
) -> Result<(), Errno> {
    let from = dir_fd(ctx, fd, rights::PATH_RENAME_SOURCE)?;
    let to = dir_fd(ctx, new_fd, rights::PATH_RENAME_TARGET)?;
    let old = old_path.read(mem)?;
    let new = new_path.read(mem)?;
    fs::rename(from, &old, to, &new)
}

pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    old_path: GuestPath,
    fd: u32,
    new_path: GuestPath,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_SYMLINK)?;
    let target = old_path.read(mem)?;
    let link = new_path.read(mem)?;
    fs::symlink(dir, &target, &link)
}

pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: GuestPath,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_UNLINK_FILE)?;
    fs::unlink_file(dir, &path.read(mem)?)
}

// ---------------------------------------------------------------------------------------
// poll_oneoff

/// The number of events written to `events`.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    subs: u32,
    events: u32,
    nsubscriptions: u32,
) -> Result<u32, Errno> {
    let subs = poll::read_subscriptions(mem, subs, nsubscriptions)?;
    poll_on(&ctx.table, mem, &subs, events)
}

/// `poll_oneoff` of clock subscriptions only (a sleep), which needs no WASI state: the
/// number of events written at `events` is written at `nevents`. `None` if a
/// subscription is on a descriptor (or there is none): that needs the context.
pub fn poll_oneoff_clocks(
    mem: &mut [u8],
    subs: u32,
    events: u32,
    nsubscriptions: u32,
    nevents: u32,
) -> Option<Errno> {
    let subs = match poll::read_subscriptions(mem, subs, nsubscriptions) {
        Ok(subs) => subs,
        Err(e) => return Some(e),
    };
    let clock = |s: &poll::Subscription| matches!(s.kind, poll::SubscriptionKind::Clock { .. });
    if subs.is_empty() || !subs.iter().all(clock) {
        return None;
    }
    let polled = poll_on(&FdTable::new(), mem, &subs, events)
        .and_then(|n| memory::write_u32(mem, nevents, n));
    Some(polled.err().unwrap_or(Errno::Success))
}

/// Waits for `subs` (their descriptors in `table`) and writes the events at `events`;
/// their number.
fn poll_on(
    table: &FdTable,
    mem: &mut [u8],
    subs: &[poll::Subscription],
    events: u32,
) -> Result<u32, Errno> {
    // Check the output array before waiting.
    let out_len =
        u32::try_from(subs.len() as u64 * size::EVENT as u64).map_err(|_| Errno::Fault)?;
    memory::slice(mem, events, out_len)?;
    let ev = poll::poll(table, subs)?;
    poll::write_events(mem, events, &ev)?;
    Ok(ev.len() as u32) // at most one event per subscription
}

// ---------------------------------------------------------------------------------------
// sockets: preview 1 can only use sockets handed in by the host, and this host hands in
// none, so every descriptor is "not a socket".

fn not_a_socket(ctx: &WasiCtx, fd: u32) -> Errno {
    match ctx.table.get(fd) {
        Ok(_) => Errno::Notsock,
        Err(e) => e,
    }
}

/// The accepted descriptor.
pub fn sock_accept(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32, _flags: u32) -> Result<u32, Errno> {
    Err(not_a_socket(ctx, fd))
}

/// The number of bytes received and the `roflags`.
pub fn sock_recv(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    _ri_data: u32,
    _ri_data_len: u32,
    _ri_flags: u32,
) -> Result<(u32, u16), Errno> {
    Err(not_a_socket(ctx, fd))
}

/// The number of bytes sent.
pub fn sock_send(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    _si_data: u32,
    _si_data_len: u32,
    _si_flags: u32,
) -> Result<u32, Errno> {
    Err(not_a_socket(ctx, fd))
}

pub fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32, how: u32) -> Result<(), Errno> {
    Err(match not_a_socket(ctx, fd) {
        Errno::Notsock if how & !(SDFLAGS_ALL as u32) != 0 => Errno::Inval,
        e => e,
    })
}
