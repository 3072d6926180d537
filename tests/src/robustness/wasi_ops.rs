//! Random WASI operations: path and descriptor calls of `wasmaot_wasi::preview1` with
//! paths made of `..`, `.`, empty and real names, symlinks leading in and out, absolute
//! paths (the host's real ones too), doubled and trailing slashes, long names and paths,
//! NUL bytes, invalid UTF-8 and out-of-bounds pointers; random lookup, open and
//! descriptor flags and rights; random descriptor numbers.

use arbitrary::{Result, Unstructured};
use std::fmt;

/// Path components the generator joins.
const COMPONENTS: &[&str] = &[
    "..",
    "..",
    ".",
    "",
    "a.txt",
    "sub",
    "b.txt",
    "empty",
    "link_out",
    "link_out_dir",
    "link_abs",
    "link_up",
    "link_upup",
    "link_in",
    "link_loop",
    "link_dangling",
    "secret",
    "outside_dir",
    "o",
    "l1",
    "l2",
    "sandbox",
    "readonly",
    "ro",
    "r.txt",
    "ro_link",
    "new",
    "n2",
    "a\0b",
    "\u{fffd}",
];

/// A path as the guest passes it: bytes (maybe not UTF-8) and whether the pointer is
/// out of bounds.
#[derive(Clone)]
pub struct GPath {
    pub bytes: Vec<u8>,
    pub out_of_bounds: bool,
}

impl fmt::Debug for GPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.bytes);
        let shown: String = text.chars().take(80).collect();
        let more = if text.len() > shown.len() { "..." } else { "" };
        let oob = if self.out_of_bounds {
            " (out of bounds)"
        } else {
            ""
        };
        write!(f, "{shown:?}{more}{oob}")
    }
}

/// One call.
#[derive(Debug, Clone)]
pub enum Op {
    Open {
        fd: u32,
        dirflags: u32,
        path: GPath,
        oflags: u32,
        rights: u64,
        fdflags: u32,
    },
    Stat {
        fd: u32,
        flags: u32,
        path: GPath,
    },
    SetTimes {
        fd: u32,
        flags: u32,
        path: GPath,
        fst: u32,
    },
    Mkdir {
        fd: u32,
        path: GPath,
    },
    Rmdir {
        fd: u32,
        path: GPath,
    },
    Unlink {
        fd: u32,
        path: GPath,
    },
    Rename {
        fd: u32,
        old: GPath,
        new_fd: u32,
        new: GPath,
    },
    Link {
        fd: u32,
        flags: u32,
        old: GPath,
        new_fd: u32,
        new: GPath,
    },
    Symlink {
        target: GPath,
        fd: u32,
        path: GPath,
    },
    Readlink {
        fd: u32,
        path: GPath,
    },
    Readdir {
        fd: u32,
        cookie: u64,
    },
    Read {
        fd: u32,
    },
    Write {
        fd: u32,
    },
    FdStat {
        fd: u32,
    },
    Truncate {
        fd: u32,
        size: u64,
    },
    Close {
        fd: u32,
    },
    Renumber {
        from: u32,
        to: u32,
    },
}

/// Up to 40 operations from `u`; `root` is the host path of the tree (absolute paths
/// into it are tried too).
pub fn generate(u: &mut Unstructured, root: &str) -> Vec<Op> {
    let mut ops = Vec::new();
    let count = u.int_in_range(1..=40).unwrap_or(1);
    for _ in 0..count {
        // An exhausted input would only repeat the same default operation.
        if u.is_empty() {
            break;
        }
        match op(u, root) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    ops
}

fn op(u: &mut Unstructured, root: &str) -> Result<Op> {
    if u.ratio(3, 4)? {
        path_op(u, root)
    } else {
        fd_op(u)
    }
}

/// A `path_*` call.
fn path_op(u: &mut Unstructured, root: &str) -> Result<Op> {
    let path = |u: &mut Unstructured| path(u, root);
    Ok(match u.int_in_range(0..=11)? {
        0..=2 => Op::Open {
            fd: fd(u)?,
            dirflags: u.int_in_range(0..=3)?,
            path: path(u)?,
            oflags: oflags(u)?,
            rights: if u.ratio(3, 4)? {
                u64::MAX
            } else {
                u.arbitrary()?
            },
            fdflags: if u.ratio(2, 3)? { 0 } else { flags(u, 0x1f)? },
        },
        3 => Op::Stat {
            fd: fd(u)?,
            flags: u.int_in_range(0..=1)?,
            path: path(u)?,
        },
        4 => Op::SetTimes {
            fd: fd(u)?,
            flags: u.int_in_range(0..=1)?,
            path: path(u)?,
            fst: flags(u, 0xf)?,
        },
        5 => Op::Mkdir {
            fd: fd(u)?,
            path: path(u)?,
        },
        6 => Op::Rmdir {
            fd: fd(u)?,
            path: path(u)?,
        },
        7 => Op::Unlink {
            fd: fd(u)?,
            path: path(u)?,
        },
        8 => Op::Rename {
            fd: fd(u)?,
            old: path(u)?,
            new_fd: fd(u)?,
            new: path(u)?,
        },
        9 => Op::Link {
            fd: fd(u)?,
            flags: u.int_in_range(0..=1)?,
            old: path(u)?,
            new_fd: fd(u)?,
            new: path(u)?,
        },
        10 => Op::Symlink {
            target: path(u)?,
            fd: fd(u)?,
            path: path(u)?,
        },
        _ => Op::Readlink {
            fd: fd(u)?,
            path: path(u)?,
        },
    })
}

/// An `fd_*` call.
fn fd_op(u: &mut Unstructured) -> Result<Op> {
    Ok(match u.int_in_range(0..=6)? {
        0 => Op::Readdir {
            fd: fd(u)?,
            cookie: u.int_in_range(0..=3)?,
        },
        1 => Op::Read { fd: fd(u)? },
        2 => Op::Write { fd: fd(u)? },
        3 => Op::FdStat { fd: fd(u)? },
        4 => Op::Truncate {
            fd: fd(u)?,
            size: u.int_in_range(0..=64)?,
        },
        5 => Op::Close { fd: fd(u)? },
        _ => Op::Renumber {
            from: fd(u)?,
            to: fd(u)?,
        },
    })
}

/// `oflags` (1 creat, 2 directory, 4 excl, 8 trunc): mostly combinations that open
/// something, sometimes any bits.
fn oflags(u: &mut Unstructured) -> Result<u32> {
    if u.ratio(4, 5)? {
        Ok(*u.choose(&[0, 0, 1, 1, 2, 5, 8, 9])?)
    } else {
        flags(u, 0xf)
    }
}

/// Mostly the preopens (3 read-write, 4 read-only) and descriptors opened since (they
/// are numbered from 5); sometimes stdio or a number never opened.
fn fd(u: &mut Unstructured) -> Result<u32> {
    Ok(match u.int_in_range(0..=19)? {
        0..=10 => 3,
        11..=12 => 4,
        13..=17 => u.int_in_range(5..=7)?,
        18 => u.int_in_range(0..=2)?,
        _ => *u.choose(&[10, 1 << 20, u32::MAX])?,
    })
}

/// Flag bits, valid ones mostly, now and then undefined ones too.
fn flags(u: &mut Unstructured, valid: u32) -> Result<u32> {
    let bits: u32 = u.arbitrary()?;
    Ok(if u.ratio(9, 10)? { bits & valid } else { bits })
}

fn path(u: &mut Unstructured, root: &str) -> Result<GPath> {
    let mut bytes = Vec::new();
    match u.int_in_range(0..=19)? {
        0 => bytes.push(b'/'),
        1 => bytes.extend_from_slice(format!("{root}/").as_bytes()),
        _ => {}
    }
    for i in 0..*u.choose(&[1, 1, 1, 2, 2, 3, 5])? {
        if i > 0 {
            bytes.extend_from_slice(if u.ratio(1, 10)? { b"//" } else { b"/" });
        }
        match u.int_in_range(0..=39)? {
            0 => bytes.extend(std::iter::repeat_n(b'x', *u.choose(&[255, 256, 4096])?)),
            1 => bytes.extend_from_slice(b"\xff\xfe"),
            _ => bytes.extend_from_slice(u.choose(COMPONENTS)?.as_bytes()),
        }
    }
    if u.ratio(1, 10)? {
        bytes.push(b'/');
    }
    if u.ratio(1, 50)? {
        bytes = b"a/".repeat(2100);
    }
    Ok(GPath {
        bytes,
        out_of_bounds: u.ratio(1, 40)?,
    })
}
