//! Performing a `wasi_ops::Op` through `wasmaot_wasi::preview1`: its paths put in guest
//! memory, its outputs read back where they could show an escape (stats, bytes read).

use super::wasi_ops::{GPath, Op};
use wasmaot_wasi::fs::Filestat;
use wasmaot_wasi::memory::GuestPath;
use wasmaot_wasi::preview1::{self as p1, OpenHow, Times};
use wasmaot_wasi::{Errno, WasiCtx};

/// Guest memory size and where things go in it.
pub const MEMORY: usize = 0x10000;
const OUT: u32 = 0x100;
const IOVS: u32 = 0x200;
const PATH_A: u32 = 0x1000;
const PATH_B: u32 = 0x5000;
const BUF: u32 = 0x9000;
const BUF_LEN: u32 = 0x1000;

/// What a call gave back that could reveal an escape.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stat: Option<Filestat>,
    pub read: Vec<u8>,
}

/// Put `path` in guest memory at `at`.
fn place(mem: &mut [u8], at: u32, path: &GPath) -> GuestPath {
    let len = path.bytes.len().min(0x4000);
    mem[at as usize..at as usize + len].copy_from_slice(&path.bytes[..len]);
    if path.out_of_bounds {
        return GuestPath {
            ptr: MEMORY as u32 - 4,
            len: len as u32 + 8,
        };
    }
    GuestPath {
        ptr: at,
        len: len as u32,
    }
}

/// Perform `op`.
pub fn apply(op: &Op, ctx: &mut WasiCtx, mem: &mut [u8]) -> Outcome {
    let mut out = Outcome::default();
    match op {
        Op::Stat { fd, flags, path } => {
            let p = place(mem, PATH_A, path);
            out.stat = p1::path_filestat_get(ctx, mem, *fd, *flags, p).ok();
        }
        Op::FdStat { fd } => out.stat = p1::fd_filestat_get(ctx, mem, *fd).ok(),
        Op::Read { fd } => {
            set_iovec(mem, BUF_LEN);
            if let Ok(n) = p1::fd_read(ctx, mem, *fd, IOVS, 1) {
                out.read = mem[BUF as usize..(BUF + n) as usize].to_vec();
            }
        }
        _ => {
            let _ = change(op, ctx, mem);
        }
    }
    out
}

/// Perform an operation that returns nothing to check.
fn change(op: &Op, ctx: &mut WasiCtx, mem: &mut [u8]) -> Result<(), Errno> {
    match op {
        Op::Open {
            fd,
            dirflags,
            path,
            oflags,
            rights,
            fdflags,
        } => {
            let how = OpenHow {
                oflags: *oflags,
                rights_base: *rights,
                rights_inheriting: *rights,
                fdflags: *fdflags,
            };
            let p = place(mem, PATH_A, path);
            p1::path_open(ctx, mem, *fd, *dirflags, p, how, OUT)
        }
        Op::SetTimes {
            fd,
            flags,
            path,
            fst,
        } => {
            let p = place(mem, PATH_A, path);
            let times = Times {
                atim: 1,
                mtim: 2,
                flags: *fst,
            };
            p1::path_filestat_set_times(ctx, mem, *fd, *flags, p, times)
        }
        Op::Mkdir { fd, path } => {
            let p = place(mem, PATH_A, path);
            p1::path_create_directory(ctx, mem, *fd, p)
        }
        Op::Rmdir { fd, path } => {
            let p = place(mem, PATH_A, path);
            p1::path_remove_directory(ctx, mem, *fd, p)
        }
        Op::Unlink { fd, path } => {
            let p = place(mem, PATH_A, path);
            p1::path_unlink_file(ctx, mem, *fd, p)
        }
        _ => two_paths_or_fd(op, ctx, mem),
    }
}

/// The rest: operations on two paths, and on descriptors.
fn two_paths_or_fd(op: &Op, ctx: &mut WasiCtx, mem: &mut [u8]) -> Result<(), Errno> {
    match op {
        Op::Rename {
            fd,
            old,
            new_fd,
            new,
        } => {
            let (a, b) = (place(mem, PATH_A, old), place(mem, PATH_B, new));
            p1::path_rename(ctx, mem, *fd, a, *new_fd, b)
        }
        Op::Link {
            fd,
            flags,
            old,
            new_fd,
            new,
        } => {
            let (a, b) = (place(mem, PATH_A, old), place(mem, PATH_B, new));
            p1::path_link(ctx, mem, *fd, *flags, a, *new_fd, b)
        }
        Op::Symlink { target, fd, path } => {
            let (a, b) = (place(mem, PATH_A, target), place(mem, PATH_B, path));
            p1::path_symlink(ctx, mem, a, *fd, b)
        }
        Op::Readlink { fd, path } => {
            let p = place(mem, PATH_A, path);
            p1::path_readlink(ctx, mem, *fd, p, BUF, BUF_LEN).map(drop)
        }
        Op::Readdir { fd, cookie } => {
            p1::fd_readdir(ctx, mem, *fd, BUF, BUF_LEN, *cookie).map(drop)
        }
        Op::Write { fd } => {
            mem[BUF as usize..(BUF + 16) as usize].copy_from_slice(b"written by guest");
            set_iovec(mem, 16);
            p1::fd_write(ctx, mem, *fd, IOVS, 1).map(drop)
        }
        Op::Truncate { fd, size } => p1::fd_filestat_set_size(ctx, mem, *fd, *size),
        Op::Close { fd } => p1::fd_close(ctx, mem, *fd),
        Op::Renumber { from, to } => p1::fd_renumber(ctx, mem, *from, *to),
        _ => Ok(()),
    }
}

/// One iovec at `IOVS` for `len` bytes at `BUF`.
fn set_iovec(mem: &mut [u8], len: u32) {
    mem[IOVS as usize..IOVS as usize + 4].copy_from_slice(&BUF.to_le_bytes());
    mem[IOVS as usize + 4..IOVS as usize + 8].copy_from_slice(&len.to_le_bytes());
}
