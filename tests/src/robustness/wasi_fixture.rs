//! The directory tree the WASI target works in, and how escapes from it are seen.
//!
//! ```text
//! ROOT/secret, ROOT/outside_dir/o       outside everything
//! ROOT/l1/l2/sandbox/                   preopened read-write as /sandbox (fd 3)
//!   a.txt  sub/b.txt  empty/
//!   link_out -> ../../../secret         link_out_dir -> ../../../outside_dir
//!   link_abs -> ROOT/secret             link_up -> ..     sub/link_upup -> ../../readonly
//!   link_in -> a.txt   link_loop -> link_loop   link_dangling -> nowhere
//! ROOT/l1/l2/readonly/                  preopened read-only as /ro (fd 4)
//!   r.txt  ro_link -> ../sandbox/a.txt
//! ```
//!
//! Everything but the sandbox is *outside*: its inventory (every entry's type, mode,
//! size, times but access, link count, content or link target) must be the same after a
//! case. No descriptor may refer to anything outside the two preopens, and no stat may
//! describe it (nor any ancestor of ROOT). (So a read through the sandbox of a file of
//! the read-only preopen would go unseen; anything else leaving the sandbox is seen.)

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use wasmaot_wasi::{WasiCtx, WasiCtxBuilder};

/// The secret's content (the guest never writes these bytes itself).
const SECRET: &[u8] = b"SECRET-CONTENT-7f3a9c";

/// What is recorded of one entry outside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    mode: u32,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    nlink: u64,
    /// A file's content or a symlink's target.
    content: Vec<u8>,
}

type Inventory = BTreeMap<PathBuf, Entry>;

/// A directory removed when dropped (in memory where possible: see `scratch`).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        let dir = super::scratch::scratch_path("wasi");
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh tree (removed when dropped).
pub struct Fixture {
    _dir: Scratch,
    pub root: PathBuf,
    pub sandbox: PathBuf,
    pub readonly: PathBuf,
    /// The secret's content: found in anything the guest reads, it escaped.
    pub secret: Vec<u8>,
    before: Inventory,
    outside: HashSet<(u64, u64)>,
}

impl Fixture {
    pub fn new() -> std::io::Result<Fixture> {
        let dir = Scratch::new()?;
        let root = dir.0.canonicalize()?;
        let sandbox = root.join("l1/l2/sandbox");
        let readonly = root.join("l1/l2/readonly");
        let secret = SECRET.to_vec();
        std::fs::write(root.join("secret"), &secret)?;
        std::fs::create_dir_all(root.join("outside_dir"))?;
        std::fs::write(root.join("outside_dir/o"), "outside")?;
        populate_sandbox(&sandbox, &root)?;
        std::fs::create_dir_all(&readonly)?;
        std::fs::write(readonly.join("r.txt"), "read only")?;
        symlink("../sandbox/a.txt", readonly.join("ro_link"))?;
        let mut fixture = Fixture {
            _dir: dir,
            root,
            sandbox,
            readonly,
            secret,
            before: Inventory::new(),
            outside: HashSet::new(),
        };
        fixture.before = fixture.inventory()?;
        fixture.outside = fixture.outside_inodes()?;
        Ok(fixture)
    }

    /// A WASI context with the two preopens (fds 3 and 4) and nothing else.
    pub fn ctx(&self) -> std::io::Result<WasiCtx> {
        Ok(WasiCtxBuilder::new()
            .preopened_dir(&self.sandbox, "/sandbox")?
            .preopened_dir_read_only(&self.readonly, "/ro")?
            .build())
    }

    /// Whether a stat's (device, inode) is of something outside both preopens.
    pub fn is_outside(&self, dev: u64, ino: u64) -> bool {
        self.outside.contains(&(dev, ino))
    }

    /// Whether a host path (of an open descriptor) lies in a preopen.
    pub fn is_inside(&self, path: &Path) -> bool {
        path.starts_with(&self.sandbox) || path.starts_with(&self.readonly)
    }

    /// What changed outside the sandbox since the fixture was made.
    pub fn changes_outside(&self) -> Vec<String> {
        let after = match self.inventory() {
            Ok(a) => a,
            Err(e) => return vec![format!("cannot take the inventory: {e}")],
        };
        let mut changes = Vec::new();
        for (path, entry) in &self.before {
            match after.get(path) {
                None => changes.push(format!("{} was removed", path.display())),
                Some(e) if e != entry => changes.push(format!("{} changed", path.display())),
                Some(_) => {}
            }
        }
        for path in after.keys().filter(|p| !self.before.contains_key(*p)) {
            changes.push(format!("{} was created", path.display()));
        }
        changes
    }

    /// Every entry under ROOT but in the sandbox.
    fn inventory(&self) -> std::io::Result<Inventory> {
        let mut inventory = Inventory::new();
        let mut pending = vec![self.root.clone()];
        while let Some(path) = pending.pop() {
            let meta = std::fs::symlink_metadata(&path)?;
            let content = if meta.is_file() {
                std::fs::read(&path)?
            } else if meta.file_type().is_symlink() {
                std::fs::read_link(&path)?
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                for child in std::fs::read_dir(&path)? {
                    let child = child?.path();
                    if child != self.sandbox {
                        pending.push(child);
                    }
                }
                Vec::new()
            };
            inventory.insert(path, entry(&meta, content));
        }
        Ok(inventory)
    }

    /// The inventoried entries but the read-only preopen's, and every ancestor of ROOT,
    /// by (device, inode).
    fn outside_inodes(&self) -> std::io::Result<HashSet<(u64, u64)>> {
        let mut set = HashSet::new();
        let inventoried = self.before.keys().map(PathBuf::as_path);
        let outside = inventoried.filter(|p| !p.starts_with(&self.readonly));
        for path in outside.chain(self.root.ancestors()) {
            let meta = std::fs::symlink_metadata(path)?;
            set.insert((meta.dev(), meta.ino()));
        }
        Ok(set)
    }
}

fn entry(meta: &std::fs::Metadata, content: Vec<u8>) -> Entry {
    Entry {
        mode: meta.mode(),
        size: meta.size(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
        nlink: meta.nlink(),
        content,
    }
}

fn populate_sandbox(sandbox: &Path, root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(sandbox.join("sub"))?;
    std::fs::create_dir_all(sandbox.join("empty"))?;
    std::fs::write(sandbox.join("a.txt"), "inside a")?;
    std::fs::write(sandbox.join("sub/b.txt"), "inside b")?;
    let links: [(&Path, &str); 8] = [
        (Path::new("../../../secret"), "link_out"),
        (Path::new("../../../outside_dir"), "link_out_dir"),
        (&root.join("secret"), "link_abs"),
        (Path::new(".."), "link_up"),
        (Path::new("../../readonly"), "sub/link_upup"),
        (Path::new("a.txt"), "link_in"),
        (Path::new("link_loop"), "link_loop"),
        (Path::new("nowhere"), "link_dangling"),
    ];
    for (target, name) in links {
        symlink(target, sandbox.join(name))?;
    }
    Ok(())
}
