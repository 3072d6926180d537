//! The preview 1 error numbers (`errno`), with their exact numeric values, and the
//! conversion from host I/O errors.

use std::fmt;
use std::io;

/// A `wasi_snapshot_preview1` errno. The discriminant is the value the guest sees.
#[repr(u16)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    Addrinuse = 3,
    Addrnotavail = 4,
    Afnosupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    Badmsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    Connaborted = 13,
    Connrefused = 14,
    Connreset = 15,
    Deadlk = 16,
    Destaddrreq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Hostunreach = 23,
    Idrm = 24,
    Ilseq = 25,
    Inprogress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isconn = 30,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    Msgsize = 35,
    Multihop = 36,
    Nametoolong = 37,
    Netdown = 38,
    Netreset = 39,
    Netunreach = 40,
    Nfile = 41,
    Nobufs = 42,
    Nodev = 43,
    Noent = 44,
    Noexec = 45,
    Nolck = 46,
    Nolink = 47,
    Nomem = 48,
    Nomsg = 49,
    Noprotoopt = 50,
    Nospc = 51,
    Nosys = 52,
    Notconn = 53,
    Notdir = 54,
    Notempty = 55,
    Notrecoverable = 56,
    Notsock = 57,
    Notsup = 58,
    Notty = 59,
    Nxio = 60,
    Overflow = 61,
    Ownerdead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    Protonosupport = 66,
    Prototype = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    Timedout = 73,
    Txtbsy = 74,
    Xdev = 75,
    Notcapable = 76,
}

impl Errno {
    /// The numeric value returned to the guest.
    pub fn raw(self) -> u16 {
        self as u16
    }

    /// The lower-case name used by the WASI specification (`"badf"`, `"notcapable"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Errno::Success => "success",
            Errno::TooBig => "2big",
            Errno::Acces => "acces",
            Errno::Addrinuse => "addrinuse",
            Errno::Addrnotavail => "addrnotavail",
            Errno::Afnosupport => "afnosupport",
            Errno::Again => "again",
            Errno::Already => "already",
            Errno::Badf => "badf",
            Errno::Badmsg => "badmsg",
            Errno::Busy => "busy",
            Errno::Canceled => "canceled",
            Errno::Child => "child",
            Errno::Connaborted => "connaborted",
            Errno::Connrefused => "connrefused",
            Errno::Connreset => "connreset",
            Errno::Deadlk => "deadlk",
            Errno::Destaddrreq => "destaddrreq",
            Errno::Dom => "dom",
            Errno::Dquot => "dquot",
            Errno::Exist => "exist",
            Errno::Fault => "fault",
            Errno::Fbig => "fbig",
            Errno::Hostunreach => "hostunreach",
            Errno::Idrm => "idrm",
            Errno::Ilseq => "ilseq",
            Errno::Inprogress => "inprogress",
            Errno::Intr => "intr",
            Errno::Inval => "inval",
            Errno::Io => "io",
            Errno::Isconn => "isconn",
            Errno::Isdir => "isdir",
            Errno::Loop => "loop",
            Errno::Mfile => "mfile",
            Errno::Mlink => "mlink",
            Errno::Msgsize => "msgsize",
            Errno::Multihop => "multihop",
            Errno::Nametoolong => "nametoolong",
            Errno::Netdown => "netdown",
            Errno::Netreset => "netreset",
            Errno::Netunreach => "netunreach",
            Errno::Nfile => "nfile",
            Errno::Nobufs => "nobufs",
            Errno::Nodev => "nodev",
            Errno::Noent => "noent",
            Errno::Noexec => "noexec",
            Errno::Nolck => "nolck",
            Errno::Nolink => "nolink",
            Errno::Nomem => "nomem",
            Errno::Nomsg => "nomsg",
            Errno::Noprotoopt => "noprotoopt",
            Errno::Nospc => "nospc",
            Errno::Nosys => "nosys",
            Errno::Notconn => "notconn",
            Errno::Notdir => "notdir",
            Errno::Notempty => "notempty",
            Errno::Notrecoverable => "notrecoverable",
            Errno::Notsock => "notsock",
            Errno::Notsup => "notsup",
            Errno::Notty => "notty",
            Errno::Nxio => "nxio",
            Errno::Overflow => "overflow",
            Errno::Ownerdead => "ownerdead",
            Errno::Perm => "perm",
            Errno::Pipe => "pipe",
            Errno::Proto => "proto",
            Errno::Protonosupport => "protonosupport",
            Errno::Prototype => "prototype",
            Errno::Range => "range",
            Errno::Rofs => "rofs",
            Errno::Spipe => "spipe",
            Errno::Srch => "srch",
            Errno::Stale => "stale",
            Errno::Timedout => "timedout",
            Errno::Txtbsy => "txtbsy",
            Errno::Xdev => "xdev",
            Errno::Notcapable => "notcapable",
        }
    }

    /// Maps a raw host `errno` value to the preview 1 errno.
    pub fn from_raw_os_error(code: i32) -> Errno {
        match code {
            0 => Errno::Success,
            libc::E2BIG => Errno::TooBig,
            libc::EACCES => Errno::Acces,
            libc::EADDRINUSE => Errno::Addrinuse,
            libc::EADDRNOTAVAIL => Errno::Addrnotavail,
            libc::EAFNOSUPPORT => Errno::Afnosupport,
            libc::EAGAIN => Errno::Again,
            libc::EALREADY => Errno::Already,
            libc::EBADF => Errno::Badf,
            libc::EBADMSG => Errno::Badmsg,
            libc::EBUSY => Errno::Busy,
            libc::ECANCELED => Errno::Canceled,
            libc::ECHILD => Errno::Child,
            libc::ECONNABORTED => Errno::Connaborted,
            libc::ECONNREFUSED => Errno::Connrefused,
            libc::ECONNRESET => Errno::Connreset,
            libc::EDEADLK => Errno::Deadlk,
            libc::EDESTADDRREQ => Errno::Destaddrreq,
            libc::EDOM => Errno::Dom,
            libc::EDQUOT => Errno::Dquot,
            libc::EEXIST => Errno::Exist,
            libc::EFAULT => Errno::Fault,
            libc::EFBIG => Errno::Fbig,
            libc::EHOSTUNREACH => Errno::Hostunreach,
            libc::EIDRM => Errno::Idrm,
            libc::EILSEQ => Errno::Ilseq,
            libc::EINPROGRESS => Errno::Inprogress,
            libc::EINTR => Errno::Intr,
            libc::EINVAL => Errno::Inval,
            libc::EIO => Errno::Io,
            libc::EISCONN => Errno::Isconn,
            libc::EISDIR => Errno::Isdir,
            libc::ELOOP => Errno::Loop,
            libc::EMFILE => Errno::Mfile,
            libc::EMLINK => Errno::Mlink,
            libc::EMSGSIZE => Errno::Msgsize,
            libc::EMULTIHOP => Errno::Multihop,
            libc::ENAMETOOLONG => Errno::Nametoolong,
            libc::ENETDOWN => Errno::Netdown,
            libc::ENETRESET => Errno::Netreset,
            libc::ENETUNREACH => Errno::Netunreach,
            libc::ENFILE => Errno::Nfile,
            libc::ENOBUFS => Errno::Nobufs,
            libc::ENODEV => Errno::Nodev,
            libc::ENOENT => Errno::Noent,
            libc::ENOEXEC => Errno::Noexec,
            libc::ENOLCK => Errno::Nolck,
            libc::ENOLINK => Errno::Nolink,
            libc::ENOMEM => Errno::Nomem,
            libc::ENOMSG => Errno::Nomsg,
            libc::ENOPROTOOPT => Errno::Noprotoopt,
            libc::ENOSPC => Errno::Nospc,
            libc::ENOSYS => Errno::Nosys,
            libc::ENOTCONN => Errno::Notconn,
            libc::ENOTDIR => Errno::Notdir,
            libc::ENOTEMPTY => Errno::Notempty,
            libc::ENOTRECOVERABLE => Errno::Notrecoverable,
            libc::ENOTSOCK => Errno::Notsock,
            libc::ENOTTY => Errno::Notty,
            libc::ENXIO => Errno::Nxio,
            libc::EOVERFLOW => Errno::Overflow,
            libc::EOWNERDEAD => Errno::Ownerdead,
            libc::EPERM => Errno::Perm,
            libc::EPIPE => Errno::Pipe,
            libc::EPROTO => Errno::Proto,
            libc::EPROTONOSUPPORT => Errno::Protonosupport,
            libc::EPROTOTYPE => Errno::Prototype,
            libc::ERANGE => Errno::Range,
            libc::EROFS => Errno::Rofs,
            libc::ESPIPE => Errno::Spipe,
            libc::ESRCH => Errno::Srch,
            libc::ESTALE => Errno::Stale,
            libc::ETIMEDOUT => Errno::Timedout,
            libc::ETXTBSY => Errno::Txtbsy,
            libc::EXDEV => Errno::Xdev,
            libc::ENOTSUP => Errno::Notsup,
            // Equal to ENOTSUP / EAGAIN on Linux, distinct on some other hosts.
            c if c == libc::EOPNOTSUPP => Errno::Notsup,
            c if c == libc::EWOULDBLOCK => Errno::Again,
            _ => Errno::Io,
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.raw())
    }
}

impl std::error::Error for Errno {}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return Errno::from_raw_os_error(code);
        }
        match e.kind() {
            // cap-std reports every attempt to leave a preopened directory (`..` past the
            // root, an absolute path, a symlink pointing out) as `PermissionDenied` with no
            // OS error code: that is a capability violation.
            io::ErrorKind::PermissionDenied => Errno::Notcapable,
            io::ErrorKind::NotFound => Errno::Noent,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::InvalidInput => Errno::Inval,
            io::ErrorKind::InvalidData => Errno::Ilseq,
            io::ErrorKind::WouldBlock => Errno::Again,
            io::ErrorKind::Interrupted => Errno::Intr,
            io::ErrorKind::BrokenPipe => Errno::Pipe,
            io::ErrorKind::UnexpectedEof => Errno::Io,
            io::ErrorKind::Unsupported => Errno::Notsup,
            io::ErrorKind::OutOfMemory => Errno::Nomem,
            io::ErrorKind::TimedOut => Errno::Timedout,
            _ => Errno::Io,
        }
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        Errno::from_raw_os_error(e.raw_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_specification() {
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::TooBig.raw(), 1);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Exist.raw(), 20);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::Noent.raw(), 44);
        assert_eq!(Errno::Notdir.raw(), 54);
        assert_eq!(Errno::Perm.raw(), 63);
        assert_eq!(Errno::Xdev.raw(), 75);
        assert_eq!(Errno::Notcapable.raw(), 76);
    }

    #[test]
    fn io_errors_map() {
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::ENOENT)),
            Errno::Noent
        );
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::ELOOP)),
            Errno::Loop
        );
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
            Errno::Notsup
        );
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::Notcapable);
        assert_eq!(Errno::from_raw_os_error(99999), Errno::Io);
    }
}
