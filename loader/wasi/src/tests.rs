//! Tests of the preview 1 functions against a fake guest memory and a temporary
//! directory preopened as `/`.

use super::errno::Errno;
use super::glue::HostFn;
use super::memory::GuestPath;
use super::preview1::{self as p1, OpenHow, Times};
use super::types::{fdflags, filetype, fstflags, oflags, rights, whence, LOOKUP_SYMLINK_FOLLOW};
use super::{WasiCtx, WasiCtxBuilder, WasiExit};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wasmaot_loader::Val;

const MEM: usize = 1 << 16;
const OUT: u32 = 0x80; // result slots
const IOV: u32 = 0x100; // iovec array
const PATH_A: u32 = 0x1000;
const PATH_B: u32 = 0x2000;
const DATA: u32 = 0x4000;
const ROOT: u32 = 3; // the preopen

struct Guest {
    ctx: WasiCtx,
    mem: Vec<u8>,
    root: PathBuf,
    stdout: Arc<Mutex<Vec<u8>>>,
    _tmp: tempfile::TempDir,
}

/// How `path_open` is asked to open: `oflags`, base rights, `fdflags`.
fn how(of: u16, base: u64, inh: u64, ff: u16) -> OpenHow {
    OpenHow {
        oflags: of as u32,
        rights_base: base,
        rights_inheriting: inh,
        fdflags: ff as u32,
    }
}

fn i32(v: u32) -> Val {
    Val::I32(v as i32)
}

fn i64(v: u64) -> Val {
    Val::I64(v as i64)
}

fn times(atim: u64, mtim: u64, flags: u16) -> Times {
    Times {
        atim,
        mtim,
        flags: flags as u32,
    }
}

impl Guest {
    fn new() -> Guest {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let ctx = WasiCtxBuilder::new()
            .args(["prog", "a b", ""])
            .env("K", "V")
            .env("X", "y=z")
            .stdin_bytes(b"input".to_vec())
            .stdout_capture(stdout.clone())
            .preopened_dir(&root, "/")
            .unwrap()
            .build();
        Guest {
            ctx,
            mem: vec![0; MEM],
            root,
            stdout,
            _tmp: tmp,
        }
    }

    fn u32_at(&self, at: u32) -> u32 {
        super::memory::read_u32(&self.mem, at).unwrap()
    }
    fn u64_at(&self, at: u32) -> u64 {
        super::memory::read_u64(&self.mem, at).unwrap()
    }

    /// Calls `f` the way a guest does: through the glue, on raw wasm arguments, with its
    /// outputs written to guest memory.
    fn raw<S>(&mut self, f: impl HostFn<S>, args: &[Val]) -> Result<(), Errno> {
        match f.call_raw(&mut self.ctx, &mut self.mem, args).unwrap() {
            Errno::Success => Ok(()),
            e => Err(e),
        }
    }

    fn path(&mut self, at: u32, s: &[u8]) -> GuestPath {
        self.mem[at as usize..at as usize + s.len()].copy_from_slice(s);
        GuestPath {
            ptr: at,
            len: s.len() as u32,
        }
    }

    fn open_full(
        &mut self,
        dir: u32,
        follow: bool,
        path: &str,
        how: OpenHow,
    ) -> Result<u32, Errno> {
        let p = self.path(PATH_A, path.as_bytes());
        let lf = if follow { LOOKUP_SYMLINK_FOLLOW } else { 0 };
        p1::path_open(&mut self.ctx, &mut self.mem, dir, lf, p, how, OUT)?;
        Ok(self.u32_at(OUT))
    }

    fn open(&mut self, path: &str, of: u16, base: u64) -> Result<u32, Errno> {
        self.open_full(ROOT, false, path, how(of, base, 0, 0))
    }

    fn write(&mut self, fd: u32, data: &[u8]) -> Result<u32, Errno> {
        self.mem[DATA as usize..DATA as usize + data.len()].copy_from_slice(data);
        super::memory::write_u32(&mut self.mem, IOV, DATA).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 4, data.len() as u32).unwrap();
        p1::fd_write(&mut self.ctx, &mut self.mem, fd, IOV, 1)
    }

    fn pwrite(&mut self, fd: u32, data: &[u8], off: u64) -> Result<u32, Errno> {
        self.mem[DATA as usize..DATA as usize + data.len()].copy_from_slice(data);
        super::memory::write_u32(&mut self.mem, IOV, DATA).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 4, data.len() as u32).unwrap();
        p1::fd_pwrite(&mut self.ctx, &mut self.mem, fd, IOV, 1, off)
    }

    fn read(&mut self, fd: u32, len: u32) -> Result<Vec<u8>, Errno> {
        // Two iovecs, to exercise scatter reads.
        let half = len / 2;
        super::memory::write_u32(&mut self.mem, IOV, DATA).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 4, half).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 8, DATA + half).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 12, len - half).unwrap();
        let n = p1::fd_read(&mut self.ctx, &mut self.mem, fd, IOV, 2)?;
        Ok(self.mem[DATA as usize..(DATA + n) as usize].to_vec())
    }

    fn pread(&mut self, fd: u32, len: u32, off: u64) -> Result<Vec<u8>, Errno> {
        super::memory::write_u32(&mut self.mem, IOV, DATA).unwrap();
        super::memory::write_u32(&mut self.mem, IOV + 4, len).unwrap();
        let n = p1::fd_pread(&mut self.ctx, &mut self.mem, fd, IOV, 1, off)?;
        Ok(self.mem[DATA as usize..(DATA + n) as usize].to_vec())
    }

    fn seek(&mut self, fd: u32, off: i64, wh: u8) -> Result<u64, Errno> {
        p1::fd_seek(&mut self.ctx, &mut self.mem, fd, off as u64, wh as u32)
    }

    fn close(&mut self, fd: u32) -> Result<(), Errno> {
        p1::fd_close(&mut self.ctx, &mut self.mem, fd)
    }

    fn mkdir(&mut self, dir: u32, path: &str) -> Result<(), Errno> {
        let p = self.path(PATH_A, path.as_bytes());
        p1::path_create_directory(&mut self.ctx, &mut self.mem, dir, p)
    }

    fn rmdir(&mut self, dir: u32, path: &str) -> Result<(), Errno> {
        let p = self.path(PATH_A, path.as_bytes());
        p1::path_remove_directory(&mut self.ctx, &mut self.mem, dir, p)
    }

    fn unlink(&mut self, dir: u32, path: &str) -> Result<(), Errno> {
        let p = self.path(PATH_A, path.as_bytes());
        p1::path_unlink_file(&mut self.ctx, &mut self.mem, dir, p)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), Errno> {
        let a = self.path(PATH_A, from.as_bytes());
        let b = self.path(PATH_B, to.as_bytes());
        p1::path_rename(&mut self.ctx, &mut self.mem, ROOT, a, ROOT, b)
    }

    fn symlink(&mut self, target: &str, link: &str) -> Result<(), Errno> {
        let a = self.path(PATH_A, target.as_bytes());
        let b = self.path(PATH_B, link.as_bytes());
        p1::path_symlink(&mut self.ctx, &mut self.mem, a, ROOT, b)
    }

    fn stat_path(&mut self, path: &str, follow: bool) -> Result<(u8, u64, u64), Errno> {
        let p = self.path(PATH_A, path.as_bytes());
        let lf = if follow { LOOKUP_SYMLINK_FOLLOW } else { 0 };
        let st = p1::path_filestat_get(&mut self.ctx, &mut self.mem, ROOT, lf, p)?;
        Ok((st.filetype, st.size, st.mtim))
    }

    fn fdstat(&mut self, fd: u32) -> Result<(u8, u16, u64, u64), Errno> {
        let st = p1::fd_fdstat_get(&mut self.ctx, &mut self.mem, fd)?;
        Ok((st.filetype, st.flags, st.rights_base, st.rights_inheriting))
    }

    fn fd_ino(&mut self, fd: u32) -> u64 {
        p1::fd_filestat_get(&mut self.ctx, &mut self.mem, fd)
            .unwrap()
            .ino
    }

    /// `(d_next, d_ino, name, d_type)` of each complete record, and `bufused`.
    #[allow(clippy::type_complexity)]
    fn readdir(
        &mut self,
        fd: u32,
        buf_len: u32,
        cookie: u64,
    ) -> Result<(Vec<(u64, u64, String, u8)>, u32), Errno> {
        let used = p1::fd_readdir(&mut self.ctx, &mut self.mem, fd, DATA, buf_len, cookie)?;
        let buf = self.mem[DATA as usize..(DATA + used) as usize].to_vec();
        let mut out = Vec::new();
        let mut at = 0usize;
        while at + 24 <= buf.len() {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let ino = u64::from_le_bytes(buf[at + 8..at + 16].try_into().unwrap());
            let nl = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            let ty = buf[at + 20];
            if at + 24 + nl > buf.len() {
                break;
            }
            let name = String::from_utf8(buf[at + 24..at + 24 + nl].to_vec()).unwrap();
            out.push((next, ino, name, ty));
            at += 24 + nl;
        }
        Ok((out, used))
    }
}

const RW: u64 = rights::FD_READ | rights::FD_WRITE | rights::FD_SEEK | rights::FD_TELL;

#[test]
fn args_and_environ() {
    let mut g = Guest::new();
    // Through the glue: the two sizes go to two out pointers.
    g.raw(p1::args_sizes_get, &[i32(OUT), i32(OUT + 4)])
        .unwrap();
    assert_eq!(g.u32_at(OUT), 3);
    assert_eq!(g.u32_at(OUT + 4), 5 + 4 + 1);
    p1::args_get(&mut g.ctx, &mut g.mem, 0x200, 0x300).unwrap();
    assert_eq!(g.u32_at(0x200), 0x300);
    assert_eq!(g.u32_at(0x204), 0x305);
    assert_eq!(g.u32_at(0x208), 0x309);
    assert_eq!(&g.mem[0x300..0x30a], b"prog\0a b\0\0");
    assert_eq!(
        p1::environ_sizes_get(&mut g.ctx, &mut g.mem),
        Ok((2, 4 + 6))
    );
    p1::environ_get(&mut g.ctx, &mut g.mem, 0x200, 0x300).unwrap();
    assert_eq!(&g.mem[0x300..0x30a], b"K=V\0X=y=z\0");
    // A buffer pointer past the end of memory faults instead of panicking.
    assert_eq!(
        p1::args_get(&mut g.ctx, &mut g.mem, 0x200, MEM as u32 - 3),
        Err(Errno::Fault)
    );
    assert_eq!(
        g.raw(p1::args_sizes_get, &[i32(u32::MAX), i32(0)]),
        Err(Errno::Fault)
    );
}

#[test]
fn stdio_capture_and_stdin_bytes() {
    let mut g = Guest::new();
    assert_eq!(g.write(1, b"hello").unwrap(), 5);
    assert_eq!(&*g.stdout.lock().unwrap(), b"hello");
    assert_eq!(g.write(2, b"discarded").unwrap(), 9);
    assert_eq!(g.read(0, 3).unwrap(), b"inp");
    assert_eq!(g.read(0, 10).unwrap(), b"ut");
    assert_eq!(g.read(0, 10).unwrap(), b"");
    assert_eq!(g.read(1, 4), Err(Errno::Notcapable));
    assert_eq!(g.write(0, b"x"), Err(Errno::Notcapable));
    assert_eq!(g.seek(1, 0, whence::CUR), Err(Errno::Notcapable));
    let (ty, _, base, _) = g.fdstat(1).unwrap();
    assert_eq!(ty, filetype::UNKNOWN);
    assert_eq!(base & (rights::FD_SEEK | rights::FD_TELL), 0);
    assert_eq!(g.write(77, b"x"), Err(Errno::Badf));
}

#[test]
fn prestat() {
    let mut g = Guest::new();
    // Through the glue: the prestat record in guest memory.
    g.mem[OUT as usize..OUT as usize + 8].fill(0xff);
    g.raw(p1::fd_prestat_get, &[i32(ROOT), i32(OUT)]).unwrap();
    assert_eq!(&g.mem[OUT as usize..OUT as usize + 4], [0, 0, 0, 0]);
    assert_eq!(g.u32_at(OUT + 4), 1);
    p1::fd_prestat_dir_name(&mut g.ctx, &mut g.mem, ROOT, 0x300, 2).unwrap();
    assert_eq!(g.mem[0x300], b'/');
    assert_eq!(
        p1::fd_prestat_dir_name(&mut g.ctx, &mut g.mem, ROOT, 0x300, 0),
        Err(Errno::Nametoolong)
    );
    assert_eq!(
        p1::fd_prestat_get(&mut g.ctx, &mut g.mem, 1),
        Err(Errno::Badf)
    );
    assert_eq!(
        p1::fd_prestat_get(&mut g.ctx, &mut g.mem, 4),
        Err(Errno::Badf)
    );
    let (ty, flags, base, inh) = g.fdstat(ROOT).unwrap();
    assert_eq!((ty, flags), (filetype::DIRECTORY, 0));
    assert_eq!(base & rights::FD_FILESTAT_SET_SIZE, 0);
    assert_eq!(base & rights::PATH_OPEN, rights::PATH_OPEN);
    assert_eq!(inh & rights::FD_READ, rights::FD_READ);
    // Through the glue: the fdstat record in guest memory.
    g.mem[OUT as usize..OUT as usize + 24].fill(0xff);
    g.raw(p1::fd_fdstat_get, &[i32(ROOT), i32(OUT)]).unwrap();
    assert_eq!(
        &g.mem[OUT as usize..OUT as usize + 8],
        [ty, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!((g.u64_at(OUT + 8), g.u64_at(OUT + 16)), (base, inh));
}

#[test]
fn the_glue_checks_argument_types_and_out_pointers() {
    let mut g = Guest::new();
    let e = p1::fd_close.call_raw(&mut g.ctx, &mut g.mem, &[Val::I64(3)]);
    assert_eq!(e.unwrap_err().to_string(), "wasi: argument 0 is not an i32");
    let args = [i32(1), i32(0), i32(OUT)];
    let e = p1::fd_seek.call_raw(&mut g.ctx, &mut g.mem, &args);
    assert_eq!(e.unwrap_err().to_string(), "wasi: argument 1 is not an i64");
    // An out pointer past the end of memory is EFAULT, after the call.
    let args = [i32(1), i32(MEM as u32 - 4)];
    assert_eq!(g.raw(p1::fd_fdstat_get, &args), Err(Errno::Fault));
    assert_eq!(
        g.raw(p1::fd_fdstat_get, &[i32(99), i32(u32::MAX)]),
        Err(Errno::Badf)
    );
}

#[test]
fn read_write_seek_pread_pwrite() {
    let mut g = Guest::new();
    let fd = g.open("f", oflags::CREAT, RW).unwrap();
    assert!(fd > ROOT);
    assert_eq!(g.write(fd, b"hello world").unwrap(), 11);
    assert_eq!(g.seek(fd, 0, whence::CUR).unwrap(), 11);
    assert_eq!(p1::fd_tell(&mut g.ctx, &mut g.mem, fd), Ok(11));
    assert_eq!(g.seek(fd, -5, whence::END).unwrap(), 6);
    assert_eq!(g.read(fd, 100).unwrap(), b"world");
    assert_eq!(g.seek(fd, 0, whence::SET).unwrap(), 0);
    assert_eq!(g.read(fd, 4).unwrap(), b"hell");
    assert_eq!(g.seek(fd, -100, whence::CUR), Err(Errno::Inval));
    assert_eq!(g.seek(fd, 0, 3), Err(Errno::Inval));
    // pread/pwrite leave the position alone.
    assert_eq!(g.pread(fd, 5, 6).unwrap(), b"world");
    assert_eq!(g.pwrite(fd, b"W", 6).unwrap(), 1);
    assert_eq!(g.seek(fd, 0, whence::CUR).unwrap(), 4);
    assert_eq!(std::fs::read(g.root.join("f")).unwrap(), b"hello World");
    // Bad iovec pointers fault.
    super::memory::write_u32(&mut g.mem, IOV, MEM as u32 - 2).unwrap();
    super::memory::write_u32(&mut g.mem, IOV + 4, 8).unwrap();
    assert_eq!(
        p1::fd_read(&mut g.ctx, &mut g.mem, fd, IOV, 1),
        Err(Errno::Fault)
    );
    assert_eq!(
        p1::fd_write(&mut g.ctx, &mut g.mem, fd, IOV, u32::MAX),
        Err(Errno::Fault)
    );
    g.close(fd).unwrap();
    assert_eq!(g.close(fd), Err(Errno::Badf));
}

#[test]
fn append_flag_and_set_flags() {
    let mut g = Guest::new();
    let fd = g
        .open_full(
            ROOT,
            false,
            "a",
            how(
                oflags::CREAT,
                RW | rights::FD_FDSTAT_SET_FLAGS,
                0,
                fdflags::APPEND,
            ),
        )
        .unwrap();
    g.write(fd, b"0123456789").unwrap();
    g.seek(fd, 0, whence::SET).unwrap();
    g.write(fd, b"ab").unwrap();
    assert_eq!(std::fs::read(g.root.join("a")).unwrap(), b"0123456789ab");
    assert_eq!(g.fdstat(fd).unwrap().1, fdflags::APPEND);
    p1::fd_fdstat_set_flags(&mut g.ctx, &mut g.mem, fd, 0).unwrap();
    g.seek(fd, 0, whence::SET).unwrap();
    g.write(fd, b"XY").unwrap();
    assert_eq!(std::fs::read(g.root.join("a")).unwrap(), b"XY23456789ab");
    assert_eq!(
        p1::fd_fdstat_set_flags(&mut g.ctx, &mut g.mem, fd, 0x100),
        Err(Errno::Inval)
    );
    // O_TRUNC together with O_APPEND.
    let fd = g
        .open_full(
            ROOT,
            false,
            "a",
            how(
                oflags::CREAT | oflags::TRUNC,
                rights::FD_WRITE | rights::FD_SEEK,
                0,
                fdflags::APPEND,
            ),
        )
        .unwrap();
    g.write(fd, b"12").unwrap();
    g.seek(fd, 0, whence::SET).unwrap();
    g.write(fd, b"34").unwrap();
    assert_eq!(std::fs::read(g.root.join("a")).unwrap(), b"1234");
    assert_eq!(g.fdstat(fd).unwrap().1, fdflags::APPEND);
}

#[test]
fn rights_shrink_and_are_enforced() {
    let mut g = Guest::new();
    let fd = g.open("r", oflags::CREAT, RW).unwrap();
    let (ty, _, base, inh) = g.fdstat(fd).unwrap();
    assert_eq!(ty, filetype::REGULAR_FILE);
    assert_eq!(base, RW);
    assert_eq!(inh, 0);
    p1::fd_fdstat_set_rights(&mut g.ctx, &mut g.mem, fd, rights::FD_SEEK, 0).unwrap();
    assert_eq!(g.write(fd, b"x"), Err(Errno::Notcapable));
    assert_eq!(g.read(fd, 2), Err(Errno::Notcapable));
    assert_eq!(
        p1::fd_fdstat_set_rights(&mut g.ctx, &mut g.mem, fd, RW, 0),
        Err(Errno::Notcapable)
    );
    // A child never gets more than its parent's inheriting rights.
    let sub = g
        .open_full(
            ROOT,
            false,
            ".",
            how(oflags::DIRECTORY, rights::PATH_OPEN, 0, 0),
        )
        .unwrap();
    let child = g
        .open_full(sub, false, "r", how(0, rights::FD_READ, 0, 0))
        .unwrap();
    assert_eq!(
        g.fdstat(child).unwrap().2,
        0,
        "sub has no inheriting rights"
    );
    assert_eq!(g.read(child, 1), Err(Errno::Notcapable));
    assert_eq!(
        p1::fd_fdstat_set_rights(&mut g.ctx, &mut g.mem, sub, rights::PATH_OPEN, u64::MAX),
        Err(Errno::Notcapable)
    );
    // Truncation needs path_filestat_set_size on the directory.
    assert_eq!(
        g.open_full(sub, false, "r", how(oflags::TRUNC, 0, 0, 0)),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open_full(sub, false, "new", how(oflags::CREAT, 0, 0, 0)),
        Err(Errno::Notcapable)
    );
    assert_eq!(g.mkdir(sub, "d"), Err(Errno::Notcapable));
    // Directories never get fd_seek / fd_read.
    let d = g
        .open_full(
            ROOT,
            false,
            ".",
            how(oflags::DIRECTORY, rights::FD_SEEK | rights::FD_READ, 0, 0),
        )
        .unwrap();
    assert_eq!(
        g.fdstat(d).unwrap().2 & (rights::FD_SEEK | rights::FD_READ),
        0
    );
    assert_eq!(g.seek(d, 0, whence::CUR), Err(Errno::Notcapable));
    assert_eq!(g.read(d, 4), Err(Errno::Notcapable));
    assert_eq!(
        g.open_full(
            ROOT,
            false,
            ".",
            how(oflags::DIRECTORY, rights::FD_READ | rights::FD_WRITE, 0, 0)
        ),
        Err(Errno::Isdir)
    );
}

#[test]
fn path_open_flags() {
    let mut g = Guest::new();
    assert_eq!(g.open("missing", 0, RW), Err(Errno::Noent));
    let fd = g.open("f", oflags::CREAT | oflags::EXCL, RW).unwrap();
    g.write(fd, b"abc").unwrap();
    g.close(fd).unwrap();
    assert_eq!(
        g.open("f", oflags::CREAT | oflags::EXCL, RW),
        Err(Errno::Exist)
    );
    let fd = g.open("f", oflags::TRUNC, RW).unwrap();
    assert_eq!(g.read(fd, 10).unwrap(), b"");
    g.close(fd).unwrap();
    assert_eq!(g.open("f", oflags::DIRECTORY, 0), Err(Errno::Notdir));
    assert_eq!(g.open("f/", 0, 0), Err(Errno::Notdir));
    assert_eq!(
        g.open("f", oflags::DIRECTORY | oflags::CREAT, 0),
        Err(Errno::Inval)
    );
    assert_eq!(g.open("f", 0x10, 0), Err(Errno::Inval));
    g.mkdir(ROOT, "d").unwrap();
    // A directory opened without O_DIRECTORY (trailing slashes too) is a directory fd.
    let d = g
        .open_full(
            ROOT,
            false,
            "d///",
            how(
                0,
                rights::FD_READDIR | rights::PATH_OPEN | rights::PATH_CREATE_FILE,
                RW,
                0,
            ),
        )
        .unwrap();
    assert_eq!(g.fdstat(d).unwrap().0, filetype::DIRECTORY);
    assert_eq!(g.open("d", 0, RW), Err(Errno::Isdir));
    // Opening through a directory fd resolves relative to it.
    let inner = g
        .open_full(d, false, "x", how(oflags::CREAT, RW, 0, 0))
        .unwrap();
    g.write(inner, b"!").unwrap();
    assert!(g.root.join("d/x").exists());
    assert_eq!(
        g.open_full(inner, false, "y", how(oflags::CREAT, RW, 0, 0)),
        Err(Errno::Notdir)
    );
    // "." and "dir/../" stay inside.
    let fd = g.open("d/.//../d/x", 0, rights::FD_READ).unwrap();
    assert_eq!(g.read(fd, 8).unwrap(), b"!");
    // A NUL byte, or invalid UTF-8, in the path.
    let p = g.path(PATH_A, b"d/x\0");
    assert_eq!(
        p1::path_open(&mut g.ctx, &mut g.mem, ROOT, 0, p, how(0, 0, 0, 0), OUT),
        Err(Errno::Inval)
    );
    let p = g.path(PATH_A, b"\xff");
    assert_eq!(
        p1::path_open(&mut g.ctx, &mut g.mem, ROOT, 0, p, how(0, 0, 0, 0), OUT),
        Err(Errno::Ilseq)
    );
    // A result pointer out of bounds faults and leaks no descriptor.
    let before = g.ctx.table().len();
    let p = g.path(PATH_A, b"d/x");
    assert_eq!(
        p1::path_open(
            &mut g.ctx,
            &mut g.mem,
            ROOT,
            0,
            p,
            how(0, 0, 0, 0),
            u32::MAX
        ),
        Err(Errno::Fault)
    );
    assert_eq!(g.ctx.table().len(), before);
}

#[test]
fn escapes_are_refused() {
    let mut g = Guest::new();
    std::fs::write(g._tmp.path().join("secret"), b"s").unwrap();
    g.mkdir(ROOT, "d").unwrap();
    // `..` out of the preopen.
    assert_eq!(
        g.open("../secret", 0, rights::FD_READ),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open("d/../../secret", 0, rights::FD_READ),
        Err(Errno::Notcapable)
    );
    assert_eq!(g.open("..", oflags::DIRECTORY, 0), Err(Errno::Notcapable));
    assert_eq!(g.stat_path("../secret", false), Err(Errno::Notcapable));
    assert_eq!(g.mkdir(ROOT, "../evil"), Err(Errno::Notcapable));
    assert!(!g._tmp.path().join("evil").exists());
    // Absolute paths.
    let abs = g._tmp.path().join("secret");
    assert_eq!(
        g.open(abs.to_str().unwrap(), 0, rights::FD_READ),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open("/etc/passwd", 0, rights::FD_READ),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.unlink(ROOT, abs.to_str().unwrap()),
        Err(Errno::Notcapable)
    );
    assert!(abs.exists());
    // A symlink pointing out (made by the host: the guest cannot make absolute ones).
    std::os::unix::fs::symlink("/etc", g.root.join("etc")).unwrap();
    std::os::unix::fs::symlink("../secret", g.root.join("up")).unwrap();
    assert_eq!(
        g.open_full(ROOT, true, "etc/passwd", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open_full(ROOT, true, "etc", how(oflags::DIRECTORY, 0, 0, 0)),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open_full(ROOT, true, "up", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Notcapable)
    );
    assert_eq!(g.stat_path("etc/passwd", true), Err(Errno::Notcapable));
    assert_eq!(
        g.open_full(ROOT, false, "up", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Loop)
    );
    assert_eq!(g.symlink("/etc", "abs"), Err(Errno::Perm));
    g.symlink("../../secret", "d/rel").unwrap();
    assert_eq!(
        g.open_full(ROOT, true, "d/rel", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Notcapable)
    );
    // Rename out / link out.
    let a = g.path(PATH_A, b"d");
    let b = g.path(PATH_B, b"../moved");
    assert_eq!(
        p1::path_rename(&mut g.ctx, &mut g.mem, ROOT, a, ROOT, b),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        p1::path_link(&mut g.ctx, &mut g.mem, ROOT, 0, b, ROOT, a),
        Err(Errno::Notcapable)
    );
    // A NUL byte.
    let p = g.path(PATH_A, b"d\0/../../secret");
    let read = how(0, rights::FD_READ, 0, 0);
    assert_eq!(
        p1::path_open(&mut g.ctx, &mut g.mem, ROOT, 0, p, read, OUT),
        Err(Errno::Inval)
    );
}

#[test]
fn renamed_away_and_closed_preopen() {
    let mut g = Guest::new();
    g.mkdir(ROOT, "d").unwrap();
    // The host renames the preopened directory away: the guest still sees it (the
    // handle follows the directory) and still cannot get out of it.
    let moved = g._tmp.path().join("moved");
    std::fs::rename(&g.root, &moved).unwrap();
    assert_eq!(g.stat_path("d", false).unwrap().0, filetype::DIRECTORY);
    assert_eq!(
        g.open("../root", oflags::DIRECTORY, 0),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        g.open("../moved/d", oflags::DIRECTORY, 0),
        Err(Errno::Notcapable)
    );
    // The guest cannot rename the preopen itself away through ".".
    assert!(g.rename(".", "x").is_err());
    assert!(g.rename("d/..", "x").is_err());
    // Renumber over a preopen, then close it: later use is EBADF.
    let d = g.open("d", oflags::DIRECTORY, rights::PATH_OPEN).unwrap();
    p1::fd_renumber(&mut g.ctx, &mut g.mem, d, ROOT).unwrap();
    assert_eq!(g.fdstat(d), Err(Errno::Badf));
    assert_eq!(
        p1::fd_prestat_get(&mut g.ctx, &mut g.mem, ROOT),
        Err(Errno::Badf)
    );
    g.close(ROOT).unwrap();
    assert_eq!(g.mkdir(ROOT, "z"), Err(Errno::Badf));
    assert_eq!(g.open("d", 0, 0), Err(Errno::Badf));
    assert_eq!(
        p1::fd_renumber(&mut g.ctx, &mut g.mem, 1, ROOT),
        Err(Errno::Badf)
    );
}

#[test]
fn readdir_cookies() {
    let mut g = Guest::new();
    g.mkdir(ROOT, "d").unwrap();
    let d = g
        .open(
            "d",
            oflags::DIRECTORY,
            rights::FD_READDIR | rights::PATH_OPEN | rights::FD_FILESTAT_GET,
        )
        .unwrap();
    let ino = g.fd_ino(d);
    let (ents, used) = g.readdir(d, 1024, 0).unwrap();
    assert!(used < 1024);
    let mut names: Vec<_> = ents.iter().map(|e| e.2.clone()).collect();
    names.sort();
    assert_eq!(names, [".", ".."]);
    let dot = ents.iter().find(|e| e.2 == ".").unwrap();
    assert_eq!((dot.1, dot.3), (ino, filetype::DIRECTORY));
    for i in 0..50 {
        std::fs::write(g.root.join(format!("d/file.{i}")), b"").unwrap();
    }
    std::fs::create_dir(g.root.join("d/sub")).unwrap();
    std::os::unix::fs::symlink("nowhere", g.root.join("d/link")).unwrap();
    // Read in small chunks, resuming from the last complete entry's d_next.
    let mut all = Vec::new();
    let mut cookie = 0;
    loop {
        let (ents, used) = g.readdir(d, 128, cookie).unwrap();
        if let Some(last) = ents.last() {
            cookie = last.0;
        }
        all.extend(ents);
        if used < 128 {
            break;
        }
    }
    assert_eq!(all.len(), 2 + 50 + 2);
    let mut names: Vec<_> = all.iter().map(|e| e.2.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 54);
    let ty = |n: &str| all.iter().find(|e| e.2 == n).unwrap().3;
    assert_eq!(ty("sub"), filetype::DIRECTORY);
    assert_eq!(ty("link"), filetype::SYMBOLIC_LINK);
    assert_eq!(ty("file.7"), filetype::REGULAR_FILE);
    // Cookies are positions: d_next of entry i is i + 1, and a cookie past the end is empty.
    let (ents, _) = g.readdir(d, 4096, 0).unwrap();
    for (i, e) in ents.iter().enumerate() {
        assert_eq!(e.0, i as u64 + 1);
    }
    let (tail, _) = g.readdir(d, 4096, ents[ents.len() - 2].0).unwrap();
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].2, ents[ents.len() - 1].2);
    assert_eq!(g.readdir(d, 4096, 10_000).unwrap().1, 0);
    // A buffer too small for one record is filled completely (the guest retries).
    assert_eq!(g.readdir(d, 10, 0).unwrap().1, 10);
    // Not a directory / no right.
    let f = g
        .open("d/file.1", 0, rights::FD_READDIR | rights::FD_READ)
        .unwrap();
    assert_eq!(g.readdir(f, 64, 0), Err(Errno::Notdir));
    assert_eq!(g.readdir(1, 64, 0), Err(Errno::Badf));
}

#[test]
fn create_remove_rename_dirs_and_files() {
    let mut g = Guest::new();
    g.mkdir(ROOT, "a").unwrap();
    assert_eq!(g.mkdir(ROOT, "a"), Err(Errno::Exist));
    g.mkdir(ROOT, "a/b/").unwrap();
    assert_eq!(g.rmdir(ROOT, "a"), Err(Errno::Notempty));
    std::fs::write(g.root.join("a/file"), b"x").unwrap();
    assert_eq!(g.rmdir(ROOT, "a/file"), Err(Errno::Notdir));
    assert_eq!(g.unlink(ROOT, "a/b"), Err(Errno::Isdir));
    assert_eq!(g.unlink(ROOT, "a/file/"), Err(Errno::Notdir));
    g.rename("a/file", "a/renamed").unwrap();
    assert!(g.root.join("a/renamed").exists());
    // Directory renames with trailing slashes.
    g.rename("a/b/", "c").unwrap();
    g.rename("c", "a/b/").unwrap();
    g.rename("a/b/", "c/").unwrap();
    assert_eq!(g.rename("a/renamed/", "x"), Err(Errno::Notdir));
    assert_eq!(g.rename("nope", "x"), Err(Errno::Noent));
    g.unlink(ROOT, "a/renamed").unwrap();
    g.rmdir(ROOT, "c/").unwrap();
    g.rmdir(ROOT, "a").unwrap();
    assert_eq!(g.rmdir(ROOT, "a"), Err(Errno::Noent));
    assert!(std::fs::read_dir(&g.root).unwrap().next().is_none());
}

#[test]
fn symlink_readlink_link() {
    let mut g = Guest::new();
    std::fs::write(g.root.join("target"), b"data").unwrap();
    g.symlink("target", "sl").unwrap();
    assert_eq!(g.symlink("target", "sl"), Err(Errno::Exist));
    let p = g.path(PATH_A, b"sl");
    assert_eq!(
        p1::path_readlink(&mut g.ctx, &mut g.mem, ROOT, p, DATA, 64),
        Ok(6)
    );
    assert_eq!(&g.mem[DATA as usize..DATA as usize + 6], b"target");
    // Truncated to the buffer.
    assert_eq!(
        p1::path_readlink(&mut g.ctx, &mut g.mem, ROOT, p, DATA, 3),
        Ok(3)
    );
    let p = g.path(PATH_A, b"target");
    assert_eq!(
        p1::path_readlink(&mut g.ctx, &mut g.mem, ROOT, p, DATA, 64),
        Err(Errno::Inval)
    );
    // lstat vs stat.
    assert_eq!(g.stat_path("sl", false).unwrap().0, filetype::SYMBOLIC_LINK);
    assert_eq!(
        g.stat_path("sl", true).unwrap(),
        (
            filetype::REGULAR_FILE,
            4,
            g.stat_path("target", false).unwrap().2
        )
    );
    // Opening without follow is ELOOP; with follow reads the target.
    assert_eq!(g.open("sl", 0, rights::FD_READ), Err(Errno::Loop));
    let fd = g
        .open_full(ROOT, true, "sl", how(0, rights::FD_READ, 0, 0))
        .unwrap();
    assert_eq!(g.read(fd, 10).unwrap(), b"data");
    // Dangling and looping symlinks.
    g.symlink("missing", "dangling").unwrap();
    assert_eq!(
        g.open_full(ROOT, true, "dangling", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Noent)
    );
    g.symlink("loop2", "loop1").unwrap();
    g.symlink("loop1", "loop2").unwrap();
    assert_eq!(
        g.open_full(ROOT, true, "loop1", how(0, rights::FD_READ, 0, 0)),
        Err(Errno::Loop)
    );
    // Unlinking a symlink removes the link, not the target.
    g.unlink(ROOT, "sl").unwrap();
    assert!(g.root.join("target").exists());
    // Hard links.
    let a = g.path(PATH_A, b"target");
    let b = g.path(PATH_B, b"hard");
    p1::path_link(&mut g.ctx, &mut g.mem, ROOT, 0, a, ROOT, b).unwrap();
    let st = p1::path_filestat_get(&mut g.ctx, &mut g.mem, ROOT, 0, b).unwrap();
    assert_eq!(st.nlink, 2);
    assert_eq!(
        p1::path_link(&mut g.ctx, &mut g.mem, ROOT, 0, a, ROOT, b),
        Err(Errno::Exist)
    );
    let follow = LOOKUP_SYMLINK_FOLLOW;
    assert_eq!(
        p1::path_link(&mut g.ctx, &mut g.mem, ROOT, follow, a, ROOT, b),
        Err(Errno::Inval)
    );
}

#[test]
fn filestat_size_and_times() {
    let mut g = Guest::new();
    let all = RW
        | rights::FD_FILESTAT_GET
        | rights::FD_FILESTAT_SET_SIZE
        | rights::FD_FILESTAT_SET_TIMES
        | rights::FD_ALLOCATE;
    let fd = g.open("f", oflags::CREAT, all).unwrap();
    p1::fd_filestat_set_size(&mut g.ctx, &mut g.mem, fd, 100).unwrap();
    let st = p1::fd_filestat_get(&mut g.ctx, &mut g.mem, fd).unwrap();
    assert_eq!((st.filetype, st.size), (filetype::REGULAR_FILE, 100));
    p1::fd_allocate(&mut g.ctx, &mut g.mem, fd, 90, 20).unwrap();
    assert_eq!(std::fs::metadata(g.root.join("f")).unwrap().len(), 110);
    p1::fd_allocate(&mut g.ctx, &mut g.mem, fd, 0, 10).unwrap();
    assert_eq!(std::fs::metadata(g.root.join("f")).unwrap().len(), 110);
    // Times: explicit values, then "now"; invalid flag combinations.
    // Through the glue: the times as three params, the filestat record in guest memory.
    let t = 1_000_000_000_123_456_789u64;
    let flags = (fstflags::ATIM | fstflags::MTIM) as u32;
    let args = [i32(fd), i64(t), i64(t + 1), i32(flags)];
    g.raw(p1::fd_filestat_set_times, &args).unwrap();
    g.raw(p1::fd_filestat_get, &[i32(fd), i32(OUT)]).unwrap();
    assert_eq!(g.mem[OUT as usize + 16], filetype::REGULAR_FILE);
    assert_eq!(g.u64_at(OUT + 32), 110);
    assert_eq!((g.u64_at(OUT + 40), g.u64_at(OUT + 48)), (t, t + 1));
    let bad = [
        fstflags::ATIM | fstflags::ATIM_NOW,
        fstflags::MTIM | fstflags::MTIM_NOW,
        0x10,
    ];
    for f in bad {
        assert_eq!(
            p1::fd_filestat_set_times(&mut g.ctx, &mut g.mem, fd, times(0, 0, f)),
            Err(Errno::Inval)
        );
        let p = g.path(PATH_A, b"f");
        assert_eq!(
            p1::path_filestat_set_times(&mut g.ctx, &mut g.mem, ROOT, 0, p, times(0, 0, f)),
            Err(Errno::Inval)
        );
    }
    let p = g.path(PATH_A, b"f");
    let atim = times(5_000_000_000, 0, fstflags::ATIM);
    p1::path_filestat_set_times(&mut g.ctx, &mut g.mem, ROOT, 0, p, atim).unwrap();
    let st = p1::path_filestat_get(&mut g.ctx, &mut g.mem, ROOT, 0, p).unwrap();
    assert_eq!((st.atim, st.mtim), (5_000_000_000, t + 1));
    let now = times(0, 0, fstflags::MTIM_NOW);
    p1::path_filestat_set_times(&mut g.ctx, &mut g.mem, ROOT, 0, p, now).unwrap();
    let st = p1::path_filestat_get(&mut g.ctx, &mut g.mem, ROOT, 0, p).unwrap();
    assert!(st.mtim > 1_600_000_000_000_000_000);
    // Directories: no set_size, but their own filestat works.
    assert_eq!(
        p1::fd_filestat_set_size(&mut g.ctx, &mut g.mem, ROOT, 0),
        Err(Errno::Notcapable)
    );
    let st = p1::fd_filestat_get(&mut g.ctx, &mut g.mem, ROOT).unwrap();
    assert_eq!(st.filetype, filetype::DIRECTORY);
    p1::fd_filestat_set_times(&mut g.ctx, &mut g.mem, ROOT, now).unwrap();
    // Advice and sync.
    p1::fd_sync(&mut g.ctx, &mut g.mem, ROOT).unwrap();
    assert_eq!(
        p1::fd_advise(&mut g.ctx, &mut g.mem, fd, 0, 10, 9),
        Err(Errno::Inval)
    );
    assert_eq!(
        p1::fd_advise(&mut g.ctx, &mut g.mem, fd, 0, 10, 1),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        p1::fd_datasync(&mut g.ctx, &mut g.mem, fd),
        Err(Errno::Notcapable)
    );
}

#[test]
fn poll_clock_and_fds() {
    let mut g = Guest::new();
    let fd = g
        .open("f", oflags::CREAT, RW | rights::POLL_FD_READWRITE)
        .unwrap();
    g.write(fd, b"12345").unwrap();
    g.seek(fd, 1, whence::SET).unwrap();
    // sub 0: clock, 1 ms relative; sub 1: fd_read on the file; sub 2: fd_write on a bad fd.
    let subs = 0x400u32;
    let events = 0x800u32;
    let put = |m: &mut Vec<u8>, i: u32, ud: u64, tag: u8, a: u32, b: u64| {
        let at = subs + i * 48;
        super::memory::write_u64(m, at, ud).unwrap();
        super::memory::write_u8(m, at + 8, tag).unwrap();
        super::memory::write_u32(m, at + 16, a).unwrap();
        super::memory::write_u64(m, at + 24, b).unwrap();
        super::memory::write_u64(m, at + 32, 0).unwrap();
        super::memory::write_u16(m, at + 40, 0).unwrap();
    };
    put(&mut g.mem, 0, 10, 0, 1, 1_000_000);
    put(&mut g.mem, 1, 11, 1, fd, 0);
    put(&mut g.mem, 2, 12, 2, 99, 0);
    let n = p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 3).unwrap();
    assert!(n >= 2);
    let ev: Vec<(u64, u16, u8, u64)> = (0..n)
        .map(|i| {
            let at = events + i * 32;
            (
                g.u64_at(at),
                super::memory::read_u16(&g.mem, at + 8).unwrap(),
                g.mem[(at + 10) as usize],
                g.u64_at(at + 16),
            )
        })
        .collect();
    assert!(ev.contains(&(11, 0, 1, 4)), "{ev:?}");
    assert!(ev.contains(&(12, Errno::Badf.raw(), 2, 0)), "{ev:?}");
    // Only a clock: sleeps about that long.
    put(&mut g.mem, 0, 7, 0, 1, 20_000_000);
    let start = std::time::Instant::now();
    let n = p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 1).unwrap();
    assert!(start.elapsed() >= std::time::Duration::from_millis(19));
    assert_eq!(n, 1);
    assert_eq!(g.u64_at(events), 7);
    // Unknown clock → event with EINVAL; zero subscriptions → EINVAL; bad tag → EINVAL.
    put(&mut g.mem, 0, 8, 0, 9, 0);
    p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 1).unwrap();
    assert_eq!(
        super::memory::read_u16(&g.mem, events + 8).unwrap(),
        Errno::Inval.raw()
    );
    assert_eq!(
        p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 0),
        Err(Errno::Inval)
    );
    put(&mut g.mem, 0, 8, 7, 0, 0);
    assert_eq!(
        p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 1),
        Err(Errno::Inval)
    );
    put(&mut g.mem, 0, 8, 0, 1, 0);
    assert_eq!(
        p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, MEM as u32 - 8, 1),
        Err(Errno::Fault)
    );
    // stdout (captured) is always writable; stdin bytes readable.
    put(&mut g.mem, 0, 1, 2, 1, 0);
    put(&mut g.mem, 1, 2, 1, 0, 0);
    assert_eq!(
        p1::poll_oneoff(&mut g.ctx, &mut g.mem, subs, events, 2),
        Ok(2)
    );
    assert_eq!(g.u64_at(events + 32 + 16), 5, "stdin has 5 bytes");
}

#[test]
fn misc_calls() {
    let mut g = Guest::new();
    assert_eq!(p1::proc_exit(&mut g.ctx, 33), WasiExit(33));
    assert_eq!(g.ctx.take_exit_code(), Some(33));
    assert_eq!(p1::proc_exit(&mut g.ctx, u32::MAX), WasiExit(-1));
    assert_eq!(g.ctx.exit_code(), Some(-1));
    assert_eq!(
        p1::proc_raise(&mut g.ctx, &mut g.mem, 9),
        Err(Errno::Notsup)
    );
    p1::sched_yield(&mut g.ctx, &mut g.mem).unwrap();
    p1::random_get(&mut g.ctx, &mut g.mem, DATA, 64).unwrap();
    assert_eq!(
        p1::random_get(&mut g.ctx, &mut g.mem, MEM as u32 - 4, 64),
        Err(Errno::Fault)
    );
    // Through the glue: a u64 param and a u64 written through the out pointer.
    g.raw(p1::clock_time_get, &[i32(0), i64(0), i32(OUT)])
        .unwrap();
    assert!(g.u64_at(OUT) > 0);
    assert!(p1::clock_res_get(&mut g.ctx, &mut g.mem, 1).unwrap() > 0);
    assert_eq!(
        p1::clock_res_get(&mut g.ctx, &mut g.mem, 4),
        Err(Errno::Inval)
    );
    assert_eq!(
        p1::sock_accept(&mut g.ctx, &mut g.mem, 1, 0),
        Err(Errno::Notsock)
    );
    assert_eq!(
        p1::sock_recv(&mut g.ctx, &mut g.mem, 50, 0, 0, 0),
        Err(Errno::Badf)
    );
    assert_eq!(
        p1::sock_send(&mut g.ctx, &mut g.mem, 0, 0, 0, 0),
        Err(Errno::Notsock)
    );
    assert_eq!(
        p1::sock_shutdown(&mut g.ctx, &mut g.mem, ROOT, 3),
        Err(Errno::Notsock)
    );
    assert_eq!(
        p1::sock_shutdown(&mut g.ctx, &mut g.mem, 99, 3),
        Err(Errno::Badf)
    );
}

#[test]
fn builder_files() {
    let tmp = tempfile::tempdir().unwrap();
    let inp = tmp.path().join("in");
    std::fs::write(&inp, b"from file").unwrap();
    let out = tmp.path().join("out");
    let mut ctx = WasiCtxBuilder::new()
        .stdin_file(&inp)
        .unwrap()
        .stdout_file(&out)
        .unwrap()
        .build();
    let mut mem = vec![0u8; 4096];
    super::memory::write_u32(&mut mem, 0, 100).unwrap();
    super::memory::write_u32(&mut mem, 4, 4).unwrap();
    assert_eq!(p1::fd_read(&mut ctx, &mut mem, 0, 0, 1), Ok(4));
    assert_eq!(&mem[100..104], b"from");
    assert_eq!(p1::fd_write(&mut ctx, &mut mem, 1, 0, 1), Ok(4));
    assert_eq!(std::fs::read(&out).unwrap(), b"from");
    assert!(WasiCtxBuilder::new()
        .preopened_dir(tmp.path().join("nope"), "/x")
        .is_err());
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(tmp.path(), "/a")
        .unwrap()
        .preopened_dir(tmp.path(), "b")
        .unwrap()
        .build();
    let pre: Vec<_> = ctx
        .table()
        .preopens()
        .map(|(fd, p)| (fd, p.to_string()))
        .collect();
    assert_eq!(pre, [(3, "/a".to_string()), (4, "b".to_string())]);
}

#[test]
fn read_only_preopen() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("f"), b"ro").unwrap();
    let mut ctx = WasiCtxBuilder::new()
        .preopened_dir_read_only(tmp.path(), "/ro")
        .unwrap()
        .build();
    let mut mem = vec![0u8; 4096];
    let mut open = |mem: &mut Vec<u8>, path: &[u8], of: u16, base: u64| {
        mem[0x200..0x200 + path.len()].copy_from_slice(path);
        let p = GuestPath {
            ptr: 0x200,
            len: path.len() as u32,
        };
        p1::path_open(&mut ctx, mem, ROOT, 0, p, how(of, base, 0, 0), 0x80)?;
        Ok(super::memory::read_u32(mem, 0x80).unwrap())
    };
    assert_eq!(
        open(&mut mem, b"f", oflags::CREAT, RW),
        Err(Errno::Notcapable)
    );
    assert_eq!(
        open(&mut mem, b"f", oflags::TRUNC, RW),
        Err(Errno::Notcapable)
    );
    let fd = open(&mut mem, b"f", 0, RW).unwrap();
    // O_EXCL without O_CREAT creates nothing (found by the robustness generators: it
    // used to create the file, in a read-only preopen).
    mem[0x200..0x203].copy_from_slice(b"new");
    let p = GuestPath { ptr: 0x200, len: 3 };
    let excl_append = how(oflags::EXCL, RW, 0, fdflags::APPEND);
    assert_eq!(
        p1::path_open(&mut ctx, &mut mem, ROOT, 0, p, excl_append, 0x80),
        Err(Errno::Noent)
    );
    assert!(!tmp.path().join("new").exists());
    // Write access was not granted: the file is open read-only.
    super::memory::write_u32(&mut mem, 0, 100).unwrap();
    super::memory::write_u32(&mut mem, 4, 2).unwrap();
    assert_eq!(
        p1::fd_write(&mut ctx, &mut mem, fd, 0, 1),
        Err(Errno::Notcapable)
    );
    p1::fd_read(&mut ctx, &mut mem, fd, 0, 1).unwrap();
    assert_eq!(&mem[100..102], b"ro");
    let p = GuestPath { ptr: 0x200, len: 1 };
    mem[0x200] = b'd';
    assert_eq!(
        p1::path_create_directory(&mut ctx, &mut mem, ROOT, p),
        Err(Errno::Notcapable)
    );
    mem[0x200] = b'f';
    assert_eq!(
        p1::path_unlink_file(&mut ctx, &mut mem, ROOT, p),
        Err(Errno::Notcapable)
    );
    assert!(tmp.path().join("f").exists());
}

#[test]
fn proc_exit_fails_the_call_with_an_i32_exit_payload() {
    use wasmaot_loader::{Engine, Linker, Store};
    let engine = Engine::default();
    let mut store = Store::new(&engine, WasiCtx::default());
    let mut linker = Linker::new(&engine);
    super::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let exit = linker
        .get(&mut store, super::MODULE, "proc_exit")
        .and_then(wasmaot_loader::Extern::into_func)
        .unwrap();
    let e = exit.call(&mut store, &[Val::I32(7)], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), None);
    assert_eq!(e.downcast_ref::<super::I32Exit>(), Some(&super::I32Exit(7)));
    assert!(
        e.to_string().contains("exited with i32 exit status 7"),
        "{e}"
    );
    assert_eq!(super::exit_status(Err(e), store.data_mut()).unwrap(), 7);
    // Another trap is not an exit.
    let trap =
        wasmaot_loader::Error::trap_code_error(wasmaot_loader::TrapCode::UnreachableCodeReached);
    assert!(super::exit_status(Err(trap), store.data_mut()).is_err());
    assert_eq!(super::exit_status(Ok(()), store.data_mut()).unwrap(), 0);
}

/// The wasm signature of every import, as `wasi_snapshot_preview1` declares it.
const SIGNATURES: &[(&str, &str)] = &[
    ("args_get", "(i32 i32) -> (i32)"),
    ("args_sizes_get", "(i32 i32) -> (i32)"),
    ("environ_get", "(i32 i32) -> (i32)"),
    ("environ_sizes_get", "(i32 i32) -> (i32)"),
    ("clock_res_get", "(i32 i32) -> (i32)"),
    ("clock_time_get", "(i32 i64 i32) -> (i32)"),
    ("fd_advise", "(i32 i64 i64 i32) -> (i32)"),
    ("fd_allocate", "(i32 i64 i64) -> (i32)"),
    ("fd_close", "(i32) -> (i32)"),
    ("fd_datasync", "(i32) -> (i32)"),
    ("fd_fdstat_get", "(i32 i32) -> (i32)"),
    ("fd_fdstat_set_flags", "(i32 i32) -> (i32)"),
    ("fd_fdstat_set_rights", "(i32 i64 i64) -> (i32)"),
    ("fd_filestat_get", "(i32 i32) -> (i32)"),
    ("fd_filestat_set_size", "(i32 i64) -> (i32)"),
    ("fd_filestat_set_times", "(i32 i64 i64 i32) -> (i32)"),
    ("fd_pread", "(i32 i32 i32 i64 i32) -> (i32)"),
    ("fd_prestat_get", "(i32 i32) -> (i32)"),
    ("fd_prestat_dir_name", "(i32 i32 i32) -> (i32)"),
    ("fd_pwrite", "(i32 i32 i32 i64 i32) -> (i32)"),
    ("fd_read", "(i32 i32 i32 i32) -> (i32)"),
    ("fd_readdir", "(i32 i32 i32 i64 i32) -> (i32)"),
    ("fd_renumber", "(i32 i32) -> (i32)"),
    ("fd_seek", "(i32 i64 i32 i32) -> (i32)"),
    ("fd_sync", "(i32) -> (i32)"),
    ("fd_tell", "(i32 i32) -> (i32)"),
    ("fd_write", "(i32 i32 i32 i32) -> (i32)"),
    ("path_create_directory", "(i32 i32 i32) -> (i32)"),
    ("path_filestat_get", "(i32 i32 i32 i32 i32) -> (i32)"),
    (
        "path_filestat_set_times",
        "(i32 i32 i32 i32 i64 i64 i32) -> (i32)",
    ),
    ("path_link", "(i32 i32 i32 i32 i32 i32 i32) -> (i32)"),
    (
        "path_open",
        "(i32 i32 i32 i32 i32 i64 i64 i32 i32) -> (i32)",
    ),
    ("path_readlink", "(i32 i32 i32 i32 i32 i32) -> (i32)"),
    ("path_remove_directory", "(i32 i32 i32) -> (i32)"),
    ("path_rename", "(i32 i32 i32 i32 i32 i32) -> (i32)"),
    ("path_symlink", "(i32 i32 i32 i32 i32) -> (i32)"),
    ("path_unlink_file", "(i32 i32 i32) -> (i32)"),
    ("poll_oneoff", "(i32 i32 i32 i32) -> (i32)"),
    ("proc_raise", "(i32) -> (i32)"),
    ("sched_yield", "() -> (i32)"),
    ("random_get", "(i32 i32) -> (i32)"),
    ("sock_accept", "(i32 i32 i32) -> (i32)"),
    ("sock_recv", "(i32 i32 i32 i32 i32 i32) -> (i32)"),
    ("sock_send", "(i32 i32 i32 i32 i32) -> (i32)"),
    ("sock_shutdown", "(i32 i32) -> (i32)"),
    ("proc_exit", "(i32) -> ()"),
];

#[test]
fn every_import_has_its_preview1_signature() {
    use wasmaot_loader::{Engine, Linker, Store};
    let engine = Engine::default();
    let mut store = Store::new(&engine, WasiCtx::default());
    let mut linker = Linker::new(&engine);
    super::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    check_signatures(&mut linker, &mut store);
    // The same with a context shared by several stores (threads).
    let shared: super::SharedWasiCtx = Default::default();
    let mut store = Store::new(&engine, shared);
    let mut linker = Linker::new(&engine);
    super::add_to_linker_shared(&mut linker, |ctx: &mut super::SharedWasiCtx| ctx).unwrap();
    check_signatures(&mut linker, &mut store);
}

fn check_signatures<T>(
    linker: &mut wasmaot_loader::Linker<T>,
    store: &mut wasmaot_loader::Store<T>,
) {
    use wasmaot_loader::Extern;
    let list = |v: &[wasmaot_loader::ValType]| {
        let v: Vec<_> = v.iter().map(|t| t.to_string()).collect();
        v.join(" ")
    };
    for (name, expected) in SIGNATURES {
        let func = linker
            .get(&mut *store, super::MODULE, name)
            .and_then(Extern::into_func)
            .unwrap_or_else(|| panic!("{name} is not defined"));
        let ty = func.ty(&*store);
        let sig = format!("({}) -> ({})", list(&ty.params), list(&ty.results));
        assert_eq!(&sig, expected, "{name}");
    }
}
