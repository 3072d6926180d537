//! Capability-based filesystem operations.
//!
//! Every path a guest passes is resolved by cap-std relative to a directory handle
//! ([`cap_std::fs::Dir`]); on Linux cap-std uses `openat2(RESOLVE_BENEATH)` where the kernel
//! has it and an equivalent component-by-component walk otherwise. Nothing — `..` past the
//! root, an absolute path, a symlink pointing out — can leave the directory; such attempts
//! fail with `PermissionDenied`, which [`Errno::from`] turns into `Notcapable`. There are
//! no hand-written string checks here beyond rejecting NUL bytes (done when the path is
//! read from guest memory).

use super::errno::Errno;
use super::types::{fdflags, filetype, fstflags, oflags};
use cap_fs_ext::{
    DirExt, FileTypeExt, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
    SystemTimeSpec,
};
use cap_std::fs::{Dir, File, FileType, Metadata, MetadataExt, OpenOptions};
use cap_std::time::SystemTime;
use std::os::unix::fs::DirEntryExt;
use std::time::{Duration, UNIX_EPOCH};

/// The preview 1 `filetype` of a host file type.
pub fn filetype_of(ft: &FileType) -> u8 {
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// The preview 1 `filestat` struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

fn nanos(secs: i64, nsec: i64) -> u64 {
    // Times before 1970 clamp to 0: the ABI's timestamps are unsigned.
    if secs < 0 {
        return 0;
    }
    (secs as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec.max(0) as u64)
}

impl Filestat {
    pub fn from_metadata(m: &Metadata) -> Filestat {
        Filestat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: filetype_of(&m.file_type()),
            nlink: m.nlink(),
            size: m.len(),
            atim: nanos(m.atime(), m.atime_nsec()),
            mtim: nanos(m.mtime(), m.mtime_nsec()),
            ctim: nanos(m.ctime(), m.ctime_nsec()),
        }
    }
}

/// What `path_open` produced.
#[derive(Debug)]
pub enum Opened {
    File(File),
    Dir(Dir),
}

/// How a file is to be opened (derived from `oflags`, `fdflags` and the requested rights).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenRequest {
    pub follow: bool,
    pub oflags: u16,
    pub fdflags: u16,
    pub read: bool,
    pub write: bool,
}

/// Opens `path` beneath `dir`.
pub fn open(dir: &Dir, path: &str, req: OpenRequest) -> Result<Opened, Errno> {
    if req.oflags & !oflags::ALL != 0 || req.fdflags & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let creat = req.oflags & oflags::CREAT != 0;
    let excl = req.oflags & oflags::EXCL != 0;
    let trunc = req.oflags & oflags::TRUNC != 0;
    let append = req.fdflags & fdflags::APPEND != 0;

    if req.oflags & oflags::DIRECTORY != 0 {
        if creat || excl || trunc {
            return Err(Errno::Inval);
        }
        let d = if req.follow {
            dir.open_dir(path)
        } else {
            dir.open_dir_nofollow(path)
        }?;
        if req.write || append {
            return Err(Errno::Isdir);
        }
        return Ok(Opened::Dir(d));
    }

    let mut o = OpenOptions::new();
    o.follow(if req.follow {
        cap_fs_ext::FollowSymlinks::Yes
    } else {
        cap_fs_ext::FollowSymlinks::No
    });
    // Without O_DIRECTORY a directory may still be opened (read-only), as POSIX allows.
    o.maybe_dir(true);
    let mut write = req.write;
    // The host needs write access to create or truncate; the guest's rights still decide
    // whether it may write.
    if (creat || trunc) && !write && !append {
        write = true;
    }
    let read = req.read || (!write && !append);
    // std/cap-std refuse O_TRUNC together with O_APPEND (POSIX allows it): truncate with
    // plain write access and switch on append mode once the file is open.
    let append_later = append && trunc;
    if append_later {
        write = true;
    }
    o.read(read).write(write).append(append && !append_later);
    // O_EXCL only means something with O_CREAT (POSIX); alone it must not create (the
    // caller checked the right to create only for O_CREAT).
    if creat && excl {
        o.create_new(true);
    } else if creat {
        o.create(true);
    }
    o.truncate(trunc);
    o.nonblock(req.fdflags & fdflags::NONBLOCK != 0);
    o.dsync(req.fdflags & fdflags::DSYNC != 0);
    o.sync(req.fdflags & fdflags::SYNC != 0);
    o.rsync(req.fdflags & fdflags::RSYNC != 0);

    let f = dir.open_with(path, &o)?;
    if append_later {
        let flags = rustix::fs::fcntl_getfl(&f)? | rustix::fs::OFlags::APPEND;
        rustix::fs::fcntl_setfl(&f, flags)?;
    }
    if f.metadata()?.is_dir() {
        return Ok(Opened::Dir(Dir::from_std_file(f.into_std())));
    }
    Ok(Opened::File(f))
}

/// `path_filestat_get`.
pub fn stat(dir: &Dir, path: &str, follow: bool) -> Result<Filestat, Errno> {
    let m = if follow {
        dir.metadata(path)
    } else {
        dir.symlink_metadata(path)
    }?;
    Ok(Filestat::from_metadata(&m))
}

/// Validated `fstflags` + timestamps, as cap-std wants them.
pub type TimesSpec = (Option<SystemTimeSpec>, Option<SystemTimeSpec>);

/// Checks `fstflags` (`Inval` for unknown bits or a time both given and `now`) and turns
/// them into access/modification time specs.
pub fn times_spec(atim: u64, mtim: u64, flags: u16) -> Result<TimesSpec, Errno> {
    if flags & !fstflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let one = |t: u64, set: u16, now: u16| -> Result<Option<SystemTimeSpec>, Errno> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval),
            (false, true) => Ok(Some(SystemTimeSpec::SymbolicNow)),
            (true, false) => {
                let t = UNIX_EPOCH
                    .checked_add(Duration::from_nanos(t))
                    .ok_or(Errno::Inval)?;
                Ok(Some(SystemTimeSpec::Absolute(SystemTime::from_std(t))))
            }
            (false, false) => Ok(None),
        }
    };
    Ok((
        one(atim, fstflags::ATIM, fstflags::ATIM_NOW)?,
        one(mtim, fstflags::MTIM, fstflags::MTIM_NOW)?,
    ))
}

/// `path_filestat_set_times`.
pub fn set_times(dir: &Dir, path: &str, follow: bool, times: TimesSpec) -> Result<(), Errno> {
    if follow {
        dir.set_times(path, times.0, times.1)?;
    } else {
        dir.set_symlink_times(path, times.0, times.1)?;
    }
    Ok(())
}

/// `fd_filestat_set_times` on an open file or directory.
pub fn set_fd_times<Fd: rustix::fd::AsFd>(fd: Fd, times: TimesSpec) -> Result<(), Errno> {
    use rustix::fs::{Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};
    let conv = |t: Option<SystemTimeSpec>| -> Result<Timespec, Errno> {
        Ok(match t {
            None => Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_OMIT,
            },
            Some(SystemTimeSpec::SymbolicNow) => Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_NOW,
            },
            Some(SystemTimeSpec::Absolute(t)) => {
                let d = t
                    .into_std()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| Errno::Inval)?;
                Timespec {
                    tv_sec: i64::try_from(d.as_secs()).map_err(|_| Errno::Inval)?,
                    tv_nsec: d.subsec_nanos() as _,
                }
            }
        })
    };
    let ts = Timestamps {
        last_access: conv(times.0)?,
        last_modification: conv(times.1)?,
    };
    rustix::fs::futimens(fd, &ts)?;
    Ok(())
}

/// `fd_filestat_set_times` on a directory. cap-std holds directories as `O_PATH`
/// descriptors on Linux, which `futimens` rejects, so this goes through `"."`.
pub fn set_dir_times(dir: &Dir, times: TimesSpec) -> Result<(), Errno> {
    dir.set_times(".", times.0, times.1)?;
    Ok(())
}

/// `fd_sync` / `fd_datasync` on a directory (through a readable descriptor of `"."`,
/// since the `O_PATH` one cannot be synced).
pub fn sync_dir(dir: &Dir, data_only: bool) -> Result<(), Errno> {
    let mut o = OpenOptions::new();
    o.read(true).maybe_dir(true);
    let f = dir.open_with(".", &o)?;
    if data_only {
        f.sync_data()?;
    } else {
        f.sync_all()?;
    }
    Ok(())
}

/// `path_create_directory`.
pub fn create_dir(dir: &Dir, path: &str) -> Result<(), Errno> {
    dir.create_dir(path)?;
    Ok(())
}

/// `path_remove_directory`.
pub fn remove_dir(dir: &Dir, path: &str) -> Result<(), Errno> {
    // `rmdir("d/")` is valid POSIX; cap-std reads the trailing slash as `d/.` (EINVAL).
    // Removing slashes cannot widen what is reachable: rmdir only removes directories.
    dir.remove_dir(strip_trailing_slashes(path))?;
    Ok(())
}

/// `path_unlink_file`: removes a file or a symlink (never follows it).
pub fn unlink_file(dir: &Dir, path: &str) -> Result<(), Errno> {
    match dir.remove_file_or_symlink(path) {
        Ok(()) => Ok(()),
        // Linux reports unlink of a directory as EISDIR; POSIX allows EPERM.
        Err(e) => Err(match Errno::from(e) {
            Errno::Perm => match dir.symlink_metadata(path) {
                Ok(m) if m.is_dir() => Errno::Isdir,
                _ => Errno::Perm,
            },
            other => other,
        }),
    }
}

/// `path_rename`.
pub fn rename(from_dir: &Dir, from: &str, to_dir: &Dir, to: &str) -> Result<(), Errno> {
    // POSIX allows trailing slashes on both names when the source is a directory; cap-std
    // is stricter, so they are dropped here once the source is known to be a directory
    // (and refused with `Notdir` when it is not). Only slashes are removed: resolution is
    // still entirely cap-std's.
    let (from_s, to_s) = (strip_trailing_slashes(from), strip_trailing_slashes(to));
    if from_s.len() != from.len() || to_s.len() != to.len() {
        let is_dir = from_dir.symlink_metadata(from_s)?.is_dir();
        if !is_dir {
            return Err(Errno::Notdir);
        }
        from_dir.rename(from_s, to_dir, to_s)?;
    } else {
        from_dir.rename(from, to_dir, to)?;
    }
    Ok(())
}

/// `path` without trailing slashes (but never emptied: "/" and "" stay as they are).
fn strip_trailing_slashes(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        path
    } else {
        t
    }
}

/// `path_link` (never follows a symlink at `from`).
pub fn link(from_dir: &Dir, from: &str, to_dir: &Dir, to: &str) -> Result<(), Errno> {
    from_dir.hard_link(from, to_dir, to)?;
    Ok(())
}

/// `path_symlink`: creates `link` pointing at `target`. An absolute target is refused.
pub fn symlink(dir: &Dir, target: &str, link: &str) -> Result<(), Errno> {
    if target.starts_with('/') {
        return Err(Errno::Perm);
    }
    dir.symlink(target, link)?;
    Ok(())
}

/// `path_readlink`: the link's contents as bytes.
pub fn readlink(dir: &Dir, path: &str) -> Result<Vec<u8>, Errno> {
    use std::os::unix::ffi::OsStringExt;
    let target = dir.read_link_contents(path)?;
    Ok(target.into_os_string().into_vec())
}

/// One directory entry as `fd_readdir` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: u8,
}

/// All entries of `dir`, starting with `.` and `..`, in a stable order (the host's).
/// The entry at index `i` has cookie `i + 1` as its `d_next`.
pub fn read_dir(dir: &Dir) -> Result<Vec<Entry>, Errno> {
    use std::os::unix::ffi::OsStringExt;
    let own = dir.dir_metadata()?;
    let parent_ino = dir
        .symlink_metadata("..")
        .map(|m| m.ino())
        .unwrap_or(own.ino());
    let mut out = vec![
        Entry {
            name: b".".to_vec(),
            ino: own.ino(),
            filetype: filetype::DIRECTORY,
        },
        Entry {
            name: b"..".to_vec(),
            ino: parent_ino,
            filetype: filetype::DIRECTORY,
        },
    ];
    for e in dir.entries()? {
        let e = e?;
        let ft = match e.file_type() {
            Ok(ft) => filetype_of(&ft),
            Err(_) => filetype::UNKNOWN,
        };
        out.push(Entry {
            name: e.file_name().into_vec(),
            ino: e.ino(),
            filetype: ft,
        });
    }
    Ok(out)
}
