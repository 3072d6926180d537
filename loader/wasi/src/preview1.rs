//! The `wasi_snapshot_preview1` functions, one Rust function per import.
//!
//! Each takes the context, the guest's linear memory and the raw wasm arguments (`i32`
//! as `u32`, `i64` as `u64`), and returns the errno the import returns — or
//! `Err(WasiExit)` for `proc_exit`, which must unwind the guest. Every pointer is checked
//! against the memory ([`Errno::Fault`]); no guest input can make these panic.

use super::clocks;
use super::ctx::WasiCtx;
use super::errno::Errno;
use super::fd_table::{child_rights, Descriptor, Handle};
use super::fs::{self, Filestat, OpenRequest, Opened};
use super::memory::{self, IoVec};
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

/// What every preview 1 function returns.
pub type WasiResult = Result<Errno, WasiExit>;

fn done(r: Result<(), Errno>) -> WasiResult {
    Ok(match r {
        Ok(()) => Errno::Success,
        Err(e) => e,
    })
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

fn write_list_sizes(
    mem: &mut [u8],
    list: &[Vec<u8>],
    count_out: u32,
    size_out: u32,
) -> Result<(), Errno> {
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    let total: u64 = list.iter().map(|s| s.len() as u64 + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    memory::write_u32(mem, count_out, count)?;
    memory::write_u32(mem, size_out, total)
}

pub fn args_get(ctx: &mut WasiCtx, mem: &mut [u8], argv: u32, argv_buf: u32) -> WasiResult {
    done(write_string_list(mem, &ctx.args, argv, argv_buf))
}

pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    argc_out: u32,
    buf_size_out: u32,
) -> WasiResult {
    done(write_list_sizes(mem, &ctx.args, argc_out, buf_size_out))
}

pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    environ: u32,
    environ_buf: u32,
) -> WasiResult {
    done(write_string_list(mem, &ctx.env, environ, environ_buf))
}

pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    count_out: u32,
    buf_size_out: u32,
) -> WasiResult {
    done(write_list_sizes(mem, &ctx.env, count_out, buf_size_out))
}

// ---------------------------------------------------------------------------------------
// clocks, random, scheduling, process

pub fn clock_res_get(_ctx: &mut WasiCtx, mem: &mut [u8], id: u32, res_out: u32) -> WasiResult {
    done(clocks::res_get(id).and_then(|r| memory::write_u64(mem, res_out, r)))
}

pub fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut [u8],
    id: u32,
    precision: u64,
    time_out: u32,
) -> WasiResult {
    done(clocks::time_get(id, precision).and_then(|t| memory::write_u64(mem, time_out, t)))
}

pub fn random_get(_ctx: &mut WasiCtx, mem: &mut [u8], buf: u32, buf_len: u32) -> WasiResult {
    done(memory::slice_mut(mem, buf, buf_len).and_then(random::fill))
}

pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut [u8]) -> WasiResult {
    std::thread::yield_now();
    Ok(Errno::Success)
}

/// Never returns normally: the exit code travels up as `Err(WasiExit)`.
pub fn proc_exit(_ctx: &mut WasiCtx, _mem: &mut [u8], code: u32) -> WasiResult {
    Err(WasiExit(code as i32))
}

/// Signals are not supported (as in Wasmtime).
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut [u8], _sig: u32) -> WasiResult {
    Ok(Errno::Notsup)
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

fn fd_read_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    n: u32,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, n)?;
    let d = ctx.table.get_mut(fd)?;
    d.check(rights::FD_READ)?;
    match &mut d.handle {
        Handle::File(f) => read_vectored(mem, &iovs, |b, _| f.read(b)),
        Handle::Stdin(s) => read_vectored(mem, &iovs, |b, _| s.read(b)),
        Handle::Dir(_) => Err(Errno::Isdir),
        Handle::Stdout(_) | Handle::Stderr(_) => Err(Errno::Badf),
    }
}

pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread_out: u32,
) -> WasiResult {
    done(
        fd_read_inner(ctx, mem, fd, iovs, iovs_len)
            .and_then(|n| memory::write_u32(mem, nread_out, n)),
    )
}

/// The file position `done` bytes past `offset` for a positioned read or write.
fn position(offset: u64, done: u64) -> io::Result<u64> {
    offset
        .checked_add(done)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
}

fn fd_pread_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    n: u32,
    offset: u64,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, n)?;
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

pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread_out: u32,
) -> WasiResult {
    done(
        fd_pread_inner(ctx, mem, fd, iovs, iovs_len, offset)
            .and_then(|n| memory::write_u32(mem, nread_out, n)),
    )
}

fn fd_write_inner(ctx: &mut WasiCtx, mem: &[u8], fd: u32, iovs: u32, n: u32) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, n)?;
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

pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten_out: u32,
) -> WasiResult {
    done(
        fd_write_inner(ctx, mem, fd, iovs, iovs_len)
            .and_then(|n| memory::write_u32(mem, nwritten_out, n)),
    )
}

fn fd_pwrite_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    iovs: u32,
    n: u32,
    offset: u64,
) -> Result<u32, Errno> {
    let iovs = memory::read_iovecs(mem, iovs, n)?;
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

pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten_out: u32,
) -> WasiResult {
    done(
        fd_pwrite_inner(ctx, mem, fd, iovs, iovs_len, offset)
            .and_then(|n| memory::write_u32(mem, nwritten_out, n)),
    )
}

fn fd_seek_inner(ctx: &mut WasiCtx, fd: u32, offset: i64, wh: u32) -> Result<u64, Errno> {
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

pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    offset: u64,
    wh: u32,
    newoffset_out: u32,
) -> WasiResult {
    done(
        fd_seek_inner(ctx, fd, offset as i64, wh)
            .and_then(|p| memory::write_u64(mem, newoffset_out, p)),
    )
}

fn fd_tell_inner(ctx: &mut WasiCtx, fd: u32) -> Result<u64, Errno> {
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_TELL)?;
    match &d.handle {
        Handle::File(f) => Ok(rustix::fs::seek(f, rustix::fs::SeekFrom::Current(0))?),
        Handle::Dir(_) => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

pub fn fd_tell(ctx: &mut WasiCtx, mem: &mut [u8], fd: u32, offset_out: u32) -> WasiResult {
    done(fd_tell_inner(ctx, fd).and_then(|p| memory::write_u64(mem, offset_out, p)))
}

pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> WasiResult {
    done(ctx.table.remove(fd).map(drop))
}

pub fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut [u8], from: u32, to: u32) -> WasiResult {
    done(ctx.table.renumber(from, to))
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

pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> WasiResult {
    done(ctx.table.get(fd).and_then(|d| sync(d, false)))
}

pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32) -> WasiResult {
    done(ctx.table.get(fd).and_then(|d| sync(d, true)))
}

fn fd_advise_inner(
    ctx: &mut WasiCtx,
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

pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult {
    done(fd_advise_inner(ctx, fd, offset, len, advice))
}

fn fd_allocate_inner(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> Result<(), Errno> {
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

pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult {
    done(fd_allocate_inner(ctx, fd, offset, len))
}

fn fd_fdstat_get_inner(ctx: &mut WasiCtx, mem: &mut [u8], fd: u32, out: u32) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    memory::slice_mut(mem, out, size::FDSTAT)?.fill(0);
    memory::write_u8(mem, out, d.filetype())?;
    memory::write_u16(mem, out + 2, d.flags)?;
    memory::write_u64(mem, out + 8, d.rights_base)?;
    memory::write_u64(mem, out + 16, d.rights_inheriting)
}

pub fn fd_fdstat_get(ctx: &mut WasiCtx, mem: &mut [u8], fd: u32, fdstat_out: u32) -> WasiResult {
    done(fd_fdstat_get_inner(ctx, mem, fd, fdstat_out))
}

fn fd_fdstat_set_flags_inner(ctx: &mut WasiCtx, fd: u32, flags: u32) -> Result<(), Errno> {
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

pub fn fd_fdstat_set_flags(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32, flags: u32) -> WasiResult {
    done(fd_fdstat_set_flags_inner(ctx, fd, flags))
}

fn fd_fdstat_set_rights_inner(
    ctx: &mut WasiCtx,
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

pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult {
    done(fd_fdstat_set_rights_inner(ctx, fd, base, inheriting))
}

fn write_filestat(mem: &mut [u8], out: u32, st: &Filestat) -> Result<(), Errno> {
    memory::slice_mut(mem, out, size::FILESTAT)?.fill(0);
    memory::write_u64(mem, out, st.dev)?;
    memory::write_u64(mem, out + 8, st.ino)?;
    memory::write_u8(mem, out + 16, st.filetype)?;
    memory::write_u64(mem, out + 24, st.nlink)?;
    memory::write_u64(mem, out + 32, st.size)?;
    memory::write_u64(mem, out + 40, st.atim)?;
    memory::write_u64(mem, out + 48, st.mtim)?;
    memory::write_u64(mem, out + 56, st.ctim)
}

fn fd_filestat_get_inner(ctx: &mut WasiCtx, fd: u32) -> Result<Filestat, Errno> {
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

pub fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    filestat_out: u32,
) -> WasiResult {
    done(fd_filestat_get_inner(ctx, fd).and_then(|st| write_filestat(mem, filestat_out, &st)))
}

fn fd_filestat_set_size_inner(ctx: &mut WasiCtx, fd: u32, size: u64) -> Result<(), Errno> {
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

pub fn fd_filestat_set_size(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32, size: u64) -> WasiResult {
    done(fd_filestat_set_size_inner(ctx, fd, size))
}

fn fd_filestat_set_times_inner(
    ctx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> Result<(), Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let d = ctx.table.get(fd)?;
    d.check(rights::FD_FILESTAT_SET_TIMES)?;
    let times = fs::times_spec(atim, mtim, flags)?;
    match &d.handle {
        Handle::File(f) => fs::set_fd_times(f, times),
        Handle::Dir(dir) => fs::set_dir_times(dir, times),
        _ => Err(Errno::Notsup),
    }
}

pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult {
    done(fd_filestat_set_times_inner(ctx, fd, atim, mtim, fst_flags))
}

fn fd_prestat_get_inner(ctx: &mut WasiCtx, mem: &mut [u8], fd: u32, out: u32) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    let name = d.preopen.as_deref().ok_or(Errno::Badf)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::Nametoolong)?;
    memory::slice_mut(mem, out, size::PRESTAT)?.fill(0);
    memory::write_u8(mem, out, PREOPENTYPE_DIR)?;
    memory::write_u32(mem, out + 4, len)
}

pub fn fd_prestat_get(ctx: &mut WasiCtx, mem: &mut [u8], fd: u32, prestat_out: u32) -> WasiResult {
    done(fd_prestat_get_inner(ctx, mem, fd, prestat_out))
}

fn fd_prestat_dir_name_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let d = ctx.table.get(fd)?;
    let name = d.preopen.as_deref().ok_or(Errno::Badf)?;
    if (len as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    memory::write_bytes(mem, path, name.as_bytes())
}

pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    done(fd_prestat_dir_name_inner(ctx, mem, fd, path, path_len))
}

fn fd_readdir_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    buf: u32,
    len: u32,
    cookie: u64,
) -> Result<u32, Errno> {
    let d = ctx.table.get(fd)?;
    let dir = match &d.handle {
        Handle::Dir(dir) => dir,
        Handle::File(_) => return Err(Errno::Notdir),
        _ => return Err(Errno::Badf),
    };
    d.check(rights::FD_READDIR)?;
    let out = memory::slice_mut(mem, buf, len)?;
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
    Ok(used as u32) // used <= len, a u32
}

pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused_out: u32,
) -> WasiResult {
    done(
        fd_readdir_inner(ctx, mem, fd, buf, buf_len, cookie)
            .and_then(|n| memory::write_u32(mem, bufused_out, n)),
    )
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

fn path_create_directory_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_CREATE_DIRECTORY)?;
    fs::create_dir(dir, &memory::read_path(mem, path, len)?)
}

pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    done(path_create_directory_inner(ctx, mem, fd, path, path_len))
}

fn path_filestat_get_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_FILESTAT_GET)?;
    let p = memory::read_path(mem, path, len)?;
    let st = fs::stat(dir, &p, flags & LOOKUP_SYMLINK_FOLLOW != 0)?;
    write_filestat(mem, out, &st)
}

pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    filestat_out: u32,
) -> WasiResult {
    done(path_filestat_get_inner(
        ctx,
        mem,
        fd,
        flags,
        path,
        path_len,
        filestat_out,
    ))
}

#[allow(clippy::too_many_arguments)]
fn path_filestat_set_times_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> Result<(), Errno> {
    let fst_flags = u16::try_from(fst_flags).map_err(|_| Errno::Inval)?;
    let dir = dir_fd(ctx, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let times = fs::times_spec(atim, mtim, fst_flags)?;
    let p = memory::read_path(mem, path, len)?;
    fs::set_times(dir, &p, flags & LOOKUP_SYMLINK_FOLLOW != 0, times)
}

#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult {
    done(path_filestat_set_times_inner(
        ctx, mem, fd, flags, path, path_len, atim, mtim, fst_flags,
    ))
}

#[allow(clippy::too_many_arguments)]
fn path_link_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> Result<(), Errno> {
    let from = dir_fd(ctx, old_fd, rights::PATH_LINK_SOURCE)?;
    let to = dir_fd(ctx, new_fd, rights::PATH_LINK_TARGET)?;
    // Following a symlink at the source is not supported (as in Wasmtime).
    if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    let old = memory::read_path(mem, old_path, old_len)?;
    let new = memory::read_path(mem, new_path, new_len)?;
    fs::link(from, &old, to, &new)
}

#[allow(clippy::too_many_arguments)]
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    done(path_link_inner(
        ctx,
        mem,
        old_fd,
        old_flags,
        old_path,
        old_path_len,
        new_fd,
        new_path,
        new_path_len,
    ))
}

#[allow(clippy::too_many_arguments)]
fn path_open_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    dirflags: u32,
    path: u32,
    len: u32,
    oflags_raw: u32,
    base: u64,
    inheriting: u64,
    fdflags_raw: u32,
) -> Result<u32, Errno> {
    let of = u16::try_from(oflags_raw).map_err(|_| Errno::Inval)?;
    let ff = u16::try_from(fdflags_raw).map_err(|_| Errno::Inval)?;
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
    let p = memory::read_path(mem, path, len)?;

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
    ctx.table.push(d)
}

#[allow(clippy::too_many_arguments)]
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflags: u32,
    fs_rights_base: u64,
    fs_rights_inheriting: u64,
    fdflags: u32,
    fd_out: u32,
) -> WasiResult {
    // Check the result slot first so a bad pointer never leaks an open descriptor.
    if let Err(e) = memory::slice(mem, fd_out, 4) {
        return Ok(e);
    }
    let r = path_open_inner(
        ctx,
        mem,
        fd,
        dirflags,
        path,
        path_len,
        oflags,
        fs_rights_base,
        fs_rights_inheriting,
        fdflags,
    );
    done(r.and_then(|new| memory::write_u32(mem, fd_out, new)))
}

fn path_readlink_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
) -> Result<u32, Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_READLINK)?;
    let p = memory::read_path(mem, path, len)?;
    let target = fs::readlink(dir, &p)?;
    let out = memory::slice_mut(mem, buf, buf_len)?;
    // Truncated to the buffer, as readlink(2) does.
    let n = target.len().min(out.len());
    out[..n].copy_from_slice(&target[..n]);
    Ok(n as u32)
}

#[allow(clippy::too_many_arguments)]
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused_out: u32,
) -> WasiResult {
    done(
        path_readlink_inner(ctx, mem, fd, path, path_len, buf, buf_len)
            .and_then(|n| memory::write_u32(mem, bufused_out, n)),
    )
}

fn path_remove_directory_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_REMOVE_DIRECTORY)?;
    fs::remove_dir(dir, &memory::read_path(mem, path, len)?)
}

pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    done(path_remove_directory_inner(ctx, mem, fd, path, path_len))
}

#[allow(clippy::too_many_arguments)]
fn path_rename_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> Result<(), Errno> {
    let from = dir_fd(ctx, fd, rights::PATH_RENAME_SOURCE)?;
    let to = dir_fd(ctx, new_fd, rights::PATH_RENAME_TARGET)?;
    let old = memory::read_path(mem, old_path, old_len)?;
    let new = memory::read_path(mem, new_path, new_len)?;
    fs::rename(from, &old, to, &new)
}

#[allow(clippy::too_many_arguments)]
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    done(path_rename_inner(
        ctx,
        mem,
        fd,
        old_path,
        old_path_len,
        new_fd,
        new_path,
        new_path_len,
    ))
}

fn path_symlink_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_SYMLINK)?;
    let target = memory::read_path(mem, old_path, old_len)?;
    let link = memory::read_path(mem, new_path, new_len)?;
    fs::symlink(dir, &target, &link)
}

pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    old_path: u32,
    old_path_len: u32,
    fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    done(path_symlink_inner(
        ctx,
        mem,
        old_path,
        old_path_len,
        fd,
        new_path,
        new_path_len,
    ))
}

fn path_unlink_file_inner(
    ctx: &mut WasiCtx,
    mem: &[u8],
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = dir_fd(ctx, fd, rights::PATH_UNLINK_FILE)?;
    fs::unlink_file(dir, &memory::read_path(mem, path, len)?)
}

pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    done(path_unlink_file_inner(ctx, mem, fd, path, path_len))
}

// ---------------------------------------------------------------------------------------
// poll_oneoff

fn poll_oneoff_inner(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    subs: u32,
    events: u32,
    n: u32,
) -> Result<u32, Errno> {
    let subs = poll::read_subscriptions(mem, subs, n)?;
    // Check the output array before waiting.
    let out_len = u32::try_from(n as u64 * size::EVENT as u64).map_err(|_| Errno::Fault)?;
    memory::slice(mem, events, out_len)?;
    let ev = poll::poll(&ctx.table, &subs)?;
    poll::write_events(mem, events, &ev)?;
    Ok(ev.len() as u32) // at most one event per subscription
}

pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    subs: u32,
    events: u32,
    nsubscriptions: u32,
    nevents_out: u32,
) -> WasiResult {
    done(
        poll_oneoff_inner(ctx, mem, subs, events, nsubscriptions)
            .and_then(|n| memory::write_u32(mem, nevents_out, n)),
    )
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

pub fn sock_accept(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    _flags: u32,
    _fd_out: u32,
) -> WasiResult {
    Ok(not_a_socket(ctx, fd))
}

#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    _ri_data: u32,
    _ri_data_len: u32,
    _ri_flags: u32,
    _ro_datalen_out: u32,
    _ro_flags_out: u32,
) -> WasiResult {
    Ok(not_a_socket(ctx, fd))
}

pub fn sock_send(
    ctx: &mut WasiCtx,
    _mem: &mut [u8],
    fd: u32,
    _si_data: u32,
    _si_data_len: u32,
    _si_flags: u32,
    _so_datalen_out: u32,
) -> WasiResult {
    Ok(not_a_socket(ctx, fd))
}

pub fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut [u8], fd: u32, how: u32) -> WasiResult {
    match not_a_socket(ctx, fd) {
        Errno::Notsock if how & !(SDFLAGS_ALL as u32) != 0 => Ok(Errno::Inval),
        e => Ok(e),
    }
}
