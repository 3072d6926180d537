//! The descriptor table: what each guest fd number refers to, with its rights.
//!
//! Rights follow preview 1: `rights_base` limits what the fd itself may do,
//! `rights_inheriting` what descriptors opened through it (a directory's children) may get.
//! Rights can only ever shrink.

use super::ctx::{OutputSink, StdinSource};
use super::errno::Errno;
use super::types::{filetype, rights};
use cap_std::fs::{Dir, File};
use std::collections::BTreeMap;

/// Descriptor numbers never go above this (guards the table against exhaustion).
pub const MAX_FDS: u32 = 1 << 20;

/// What a descriptor refers to.
#[derive(Debug)]
pub enum Handle {
    Stdin(StdinSource),
    Stdout(OutputSink),
    Stderr(OutputSink),
    File(File),
    Dir(Dir),
}

/// One open descriptor.
#[derive(Debug)]
pub struct Descriptor {
    pub handle: Handle,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    /// `fdflags` as the guest set them (for files, mirrored to the host descriptor).
    pub flags: u16,
    /// For a preopened directory, the path the guest knows it by.
    pub preopen: Option<String>,
}

impl Descriptor {
    pub fn new(handle: Handle, rights_base: u64, rights_inheriting: u64) -> Descriptor {
        Descriptor {
            handle,
            rights_base,
            rights_inheriting,
            flags: 0,
            preopen: None,
        }
    }

    /// `Notcapable` unless every bit of `required` is in the base rights.
    pub fn check(&self, required: u64) -> Result<(), Errno> {
        if self.rights_base & required == required {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The directory, or `Notdir` (`Badf` for stdio, which is not a path).
    pub fn dir(&self) -> Result<&Dir, Errno> {
        match &self.handle {
            Handle::Dir(d) => Ok(d),
            _ => Err(Errno::Notdir),
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.handle, Handle::Dir(_))
    }

    /// The preview 1 file type (what `fd_fdstat_get` reports).
    pub fn filetype(&self) -> u8 {
        match &self.handle {
            Handle::Dir(_) => filetype::DIRECTORY,
            Handle::File(f) => match f.metadata() {
                Ok(m) => super::fs::filetype_of(&m.file_type()),
                Err(_) => filetype::UNKNOWN,
            },
            Handle::Stdin(StdinSource::Inherit) => host_fd_filetype(0),
            Handle::Stdout(OutputSink::Inherit) => host_fd_filetype(1),
            Handle::Stderr(OutputSink::Inherit) => host_fd_filetype(2),
            Handle::Stdin(StdinSource::File(_)) => filetype::REGULAR_FILE,
            Handle::Stdout(OutputSink::File(_)) | Handle::Stderr(OutputSink::File(_)) => {
                filetype::REGULAR_FILE
            }
            // Byte buffers, captures and the null sink behave like a pipe.
            _ => filetype::UNKNOWN,
        }
    }
}

/// The file type of one of the host's own standard streams.
fn host_fd_filetype(fd: i32) -> u8 {
    use rustix::fs::FileType;
    use std::os::fd::AsFd;
    let st = match fd {
        0 => rustix::fs::fstat(std::io::stdin().as_fd()),
        1 => rustix::fs::fstat(std::io::stdout().as_fd()),
        _ => rustix::fs::fstat(std::io::stderr().as_fd()),
    };
    match st {
        Ok(st) => match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => filetype::REGULAR_FILE,
            FileType::Directory => filetype::DIRECTORY,
            FileType::CharacterDevice => filetype::CHARACTER_DEVICE,
            FileType::BlockDevice => filetype::BLOCK_DEVICE,
            FileType::Socket => filetype::SOCKET_STREAM,
            FileType::Symlink => filetype::SYMBOLIC_LINK,
            _ => filetype::UNKNOWN,
        },
        Err(_) => filetype::UNKNOWN,
    }
}

/// Guest fd number → descriptor.
#[derive(Debug, Default)]
pub struct FdTable {
    entries: BTreeMap<u32, Descriptor>,
}

impl FdTable {
    pub fn new() -> FdTable {
        FdTable {
            entries: BTreeMap::new(),
        }
    }

    pub fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Puts `d` at `fd`, replacing (and closing) what was there.
    pub(crate) fn insert_at(&mut self, fd: u32, d: Descriptor) {
        self.entries.insert(fd, d);
    }

    /// Puts `d` at the lowest free number and returns it (`Mfile` when none is left).
    pub fn push(&mut self, d: Descriptor) -> Result<u32, Errno> {
        let mut candidate = 0u32;
        for &k in self.entries.keys() {
            if k != candidate {
                break;
            }
            candidate += 1;
        }
        if candidate >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        self.entries.insert(candidate, d);
        Ok(candidate)
    }

    /// Removes `fd` (closing it when the returned value is dropped).
    pub fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    /// `fd_renumber`: moves `from` onto `to`, closing what `to` was. Both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        if !self.entries.contains_key(&from) || !self.entries.contains_key(&to) {
            return Err(Errno::Badf);
        }
        if from == to {
            return Ok(());
        }
        let d = self.remove(from)?;
        self.entries.insert(to, d);
        Ok(())
    }

    /// The preopened directories, in fd order, with their guest paths.
    pub fn preopens(&self) -> impl Iterator<Item = (u32, &str)> {
        self.entries
            .iter()
            .filter_map(|(k, d)| d.preopen.as_deref().map(|p| (*k, p)))
    }
}

/// The rights a newly opened child of a directory gets: what was asked for, limited by
/// what the parent may hand down and by what makes sense for the child's type.
pub fn child_rights(
    parent_inheriting: u64,
    base: u64,
    inheriting: u64,
    is_dir: bool,
) -> (u64, u64) {
    let type_mask = if is_dir {
        rights::DIRECTORY
    } else {
        rights::FILE
    };
    (
        base & parent_inheriting & type_mask,
        inheriting & parent_inheriting,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn stdin() -> Descriptor {
        Descriptor::new(
            Handle::Stdin(StdinSource::Bytes(Cursor::new(vec![]))),
            rights::STDIN,
            0,
        )
    }

    #[test]
    fn lowest_free_number_and_renumber() {
        let mut t = FdTable::new();
        assert_eq!(t.push(stdin()).unwrap(), 0);
        assert_eq!(t.push(stdin()).unwrap(), 1);
        assert_eq!(t.push(stdin()).unwrap(), 2);
        t.remove(1).unwrap();
        assert_eq!(t.push(stdin()).unwrap(), 1);
        assert_eq!(t.renumber(0, 7), Err(Errno::Badf));
        assert_eq!(t.renumber(9, 0), Err(Errno::Badf));
        t.renumber(0, 2).unwrap();
        assert!(!t.contains(0));
        assert!(t.contains(2));
        assert_eq!(t.get(0).err(), Some(Errno::Badf));
        t.renumber(2, 2).unwrap();
        assert!(t.contains(2));
    }

    #[test]
    fn rights_only_shrink() {
        let (b, i) = child_rights(rights::DIRECTORY_INHERITING, u64::MAX, u64::MAX, false);
        assert_eq!(b, rights::FILE);
        assert_eq!(i, rights::DIRECTORY_INHERITING);
        let (b, _) = child_rights(rights::DIRECTORY_INHERITING, rights::FD_SEEK, 0, true);
        assert_eq!(b, 0, "a directory never gets fd_seek");
        let d = stdin();
        assert!(d.check(rights::FD_READ).is_ok());
        assert_eq!(d.check(rights::FD_WRITE), Err(Errno::Notcapable));
    }
}
