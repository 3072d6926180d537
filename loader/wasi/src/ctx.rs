//! The per-instance WASI state ([`WasiCtx`]) and its builder.
//!
//! The builder's knobs are exactly the ones `wasi.h` exposes (`wasi_config_*`): argv, env,
//! stdin from bytes or a file, stdout/stderr to a file, the `inherit_*` variants, and
//! preopened directories with their guest path. Tests can also capture stdout/stderr into
//! a shared in-memory buffer.

use super::fd_table::{Descriptor, FdTable, Handle};
use super::types::rights;
use cap_std::ambient_authority;
use cap_std::fs::Dir;
use std::fs::File;
use std::io::{self, Cursor, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Where the guest's standard input comes from.
#[derive(Debug)]
pub enum StdinSource {
    /// The host process's standard input.
    Inherit,
    /// A fixed byte string (empty by default: the guest sees end of file).
    Bytes(Cursor<Vec<u8>>),
    /// A host file, read from its start.
    File(File),
}

impl StdinSource {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            // Straight from fd 0, bypassing std's buffer: bytes buffered in this process
            // would be invisible to `poll_oneoff`, which polls the descriptor.
            StdinSource::Inherit => loop {
                match rustix::io::read(io::stdin().as_fd(), &mut *buf) {
                    Err(rustix::io::Errno::INTR) => continue,
                    r => break r.map_err(io::Error::from),
                }
            },
            StdinSource::Bytes(c) => c.read(buf),
            StdinSource::File(f) => f.read(buf),
        }
    }

    /// Bytes that can be read without blocking, if known.
    pub(crate) fn available(&self) -> Option<u64> {
        match self {
            StdinSource::Inherit => None,
            StdinSource::Bytes(c) => Some((c.get_ref().len() as u64).saturating_sub(c.position())),
            StdinSource::File(f) => {
                let len = f.metadata().ok()?.len();
                let pos = rustix::fs::seek(f, rustix::fs::SeekFrom::Current(0)).ok()?;
                Some(len.saturating_sub(pos))
            }
        }
    }
}

/// Where the guest's standard output or error goes.
#[derive(Debug)]
pub enum OutputSink {
    /// The host process's own stdout (for fd 1) or stderr (for fd 2).
    Inherit,
    /// A host file.
    File(File),
    /// An in-memory buffer shared with the embedder (tests, the testsuite runner).
    Capture(Arc<Mutex<Vec<u8>>>),
    /// Discarded (the default).
    Null,
}

impl OutputSink {
    /// Writes all of `buf`. `stderr` selects the host stream for [`OutputSink::Inherit`].
    pub(crate) fn write_all(&mut self, buf: &[u8], stderr: bool) -> io::Result<()> {
        match self {
            OutputSink::Inherit if stderr => {
                let mut e = io::stderr().lock();
                e.write_all(buf)?;
                e.flush()
            }
            OutputSink::Inherit => {
                let mut o = io::stdout().lock();
                o.write_all(buf)?;
                o.flush()
            }
            OutputSink::File(f) => f.write_all(buf),
            OutputSink::Capture(c) => {
                // A poisoned lock only means another thread panicked while holding it; the
                // bytes are still there.
                let mut v = c.lock().unwrap_or_else(|p| p.into_inner());
                v.extend_from_slice(buf);
                Ok(())
            }
            OutputSink::Null => Ok(()),
        }
    }
}

/// Builds a [`WasiCtx`]. Every method corresponds to a `wasi_config_*` function.
#[derive(Debug)]
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    stdin: StdinSource,
    stdout: OutputSink,
    stderr: OutputSink,
    preopens: Vec<Preopen>,
}

/// A directory to hand to the guest.
#[derive(Debug)]
struct Preopen {
    dir: Dir,
    guest_path: String,
    read_only: bool,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// No arguments, no environment, empty stdin, discarded stdout/stderr, no preopens.
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: StdinSource::Bytes(Cursor::new(Vec::new())),
            stdout: OutputSink::Null,
            stderr: OutputSink::Null,
            preopens: Vec::new(),
        }
    }

    /// Appends one argument (`argv[0]` is the first one added).
    pub fn arg(&mut self, arg: impl AsRef<[u8]>) -> &mut Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Replaces the arguments (`wasi_config_set_argv`).
    pub fn args<I, A>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = A>,
        A: AsRef<[u8]>,
    {
        self.args = args.into_iter().map(|a| a.as_ref().to_vec()).collect();
        self
    }

    /// Uses the host process's arguments (`wasi_config_inherit_argv`).
    pub fn inherit_args(&mut self) -> &mut Self {
        use std::os::unix::ffi::OsStrExt;
        self.args = std::env::args_os().map(|a| a.as_bytes().to_vec()).collect();
        self
    }

    /// Adds one environment variable.
    pub fn env(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.env
            .push((key.as_ref().to_vec(), value.as_ref().to_vec()));
        self
    }

    /// Replaces the environment (`wasi_config_set_env`).
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        self.env = vars
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_vec(), v.as_ref().to_vec()))
            .collect();
        self
    }

    /// Uses the host process's environment (`wasi_config_inherit_env`).
    pub fn inherit_env(&mut self) -> &mut Self {
        use std::os::unix::ffi::OsStrExt;
        self.env = std::env::vars_os()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect();
        self
    }

    /// Standard input reads these bytes, then end of file (`wasi_config_set_stdin_bytes`).
    pub fn stdin_bytes(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = StdinSource::Bytes(Cursor::new(bytes.into()));
        self
    }

    /// Standard input reads the host file at `path` (`wasi_config_set_stdin_file`).
    pub fn stdin_file(&mut self, path: impl AsRef<Path>) -> io::Result<&mut Self> {
        self.stdin = StdinSource::File(File::open(path)?);
        Ok(self)
    }

    /// Standard input reads an already open host file.
    pub fn stdin_handle(&mut self, file: File) -> &mut Self {
        self.stdin = StdinSource::File(file);
        self
    }

    /// Standard input is the host's (`wasi_config_inherit_stdin`).
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = StdinSource::Inherit;
        self
    }

    /// Standard output goes to the host file at `path`, created or truncated
    /// (`wasi_config_set_stdout_file`).
    pub fn stdout_file(&mut self, path: impl AsRef<Path>) -> io::Result<&mut Self> {
        self.stdout = OutputSink::File(File::create(path)?);
        Ok(self)
    }

    /// Standard output goes to an already open host file.
    pub fn stdout_handle(&mut self, file: File) -> &mut Self {
        self.stdout = OutputSink::File(file);
        self
    }

    /// Standard output is the host's (`wasi_config_inherit_stdout`).
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = OutputSink::Inherit;
        self
    }

    /// Standard output is appended to `buf`.
    pub fn stdout_capture(&mut self, buf: Arc<Mutex<Vec<u8>>>) -> &mut Self {
        self.stdout = OutputSink::Capture(buf);
        self
    }

    /// Standard error goes to the host file at `path`, created or truncated
    /// (`wasi_config_set_stderr_file`).
    pub fn stderr_file(&mut self, path: impl AsRef<Path>) -> io::Result<&mut Self> {
        self.stderr = OutputSink::File(File::create(path)?);
        Ok(self)
    }

    /// Standard error goes to an already open host file.
    pub fn stderr_handle(&mut self, file: File) -> &mut Self {
        self.stderr = OutputSink::File(file);
        self
    }

    /// Standard error is the host's (`wasi_config_inherit_stderr`).
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = OutputSink::Inherit;
        self
    }

    /// Standard error is appended to `buf`.
    pub fn stderr_capture(&mut self, buf: Arc<Mutex<Vec<u8>>>) -> &mut Self {
        self.stderr = OutputSink::Capture(buf);
        self
    }

    /// Inherits stdin, stdout and stderr.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Preopens the host directory `host_dir`; the guest sees it as `guest_path`
    /// (`wasi_config_preopen_dir`). Nothing the guest does through it can reach outside.
    pub fn preopened_dir(
        &mut self,
        host_dir: impl AsRef<Path>,
        guest_path: impl Into<String>,
    ) -> io::Result<&mut Self> {
        let dir = Dir::open_ambient_dir(host_dir, ambient_authority())?;
        Ok(self.preopened_cap_dir(dir, guest_path))
    }

    /// Like [`WasiCtxBuilder::preopened_dir`], but the guest may only read: it gets no
    /// rights to create, write, truncate, rename, link, remove or change times of anything
    /// beneath it.
    pub fn preopened_dir_read_only(
        &mut self,
        host_dir: impl AsRef<Path>,
        guest_path: impl Into<String>,
    ) -> io::Result<&mut Self> {
        let dir = Dir::open_ambient_dir(host_dir, ambient_authority())?;
        self.preopens.push(Preopen {
            dir,
            guest_path: guest_path.into(),
            read_only: true,
        });
        Ok(self)
    }

    /// Preopens an already open capability directory as `guest_path`.
    pub fn preopened_cap_dir(&mut self, dir: Dir, guest_path: impl Into<String>) -> &mut Self {
        self.preopens.push(Preopen {
            dir,
            guest_path: guest_path.into(),
            read_only: false,
        });
        self
    }

    /// Builds the context: fds 0, 1, 2 are stdio; preopens follow from fd 3 in the order
    /// they were added. The builder is left empty (as after [`WasiCtxBuilder::new`]).
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let mut table = FdTable::new();
        let stdin = Descriptor::new(Handle::Stdin(b.stdin), rights::STDIN, 0);
        let stdout = Descriptor::new(Handle::Stdout(b.stdout), rights::STDOUT, 0);
        let stderr = Descriptor::new(Handle::Stderr(b.stderr), rights::STDOUT, 0);
        table.insert_at(0, stdin);
        table.insert_at(1, stdout);
        table.insert_at(2, stderr);
        for p in b.preopens {
            let (base, inheriting) = if p.read_only {
                (
                    rights::DIRECTORY_READ_ONLY,
                    rights::DIRECTORY_READ_ONLY | rights::FILE_READ_ONLY,
                )
            } else {
                (rights::DIRECTORY, rights::DIRECTORY_INHERITING)
            };
            let mut d = Descriptor::new(Handle::Dir(p.dir), base, inheriting);
            d.preopen = Some(p.guest_path);
            // The table is fresh, so allocation cannot run out of numbers.
            let _ = table.push(d);
        }
        WasiCtx {
            args: b.args,
            env: b
                .env
                .into_iter()
                .map(|(mut k, v)| {
                    k.push(b'=');
                    k.extend_from_slice(&v);
                    k
                })
                .collect(),
            table,
            exit_code: None,
        }
    }
}

/// The WASI state of one instance: arguments, environment and the descriptor table.
///
/// `Default` is an empty context (no descriptors at all, not even stdio); use
/// [`WasiCtxBuilder`] to make a useful one.
#[derive(Debug, Default)]
pub struct WasiCtx {
    /// The arguments, without terminating NULs.
    pub(crate) args: Vec<Vec<u8>>,
    /// `KEY=VALUE` strings, without terminating NULs.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) table: FdTable,
    /// Set when the guest called `proc_exit`.
    pub(crate) exit_code: Option<i32>,
}

impl WasiCtx {
    /// A builder with the defaults of [`WasiCtxBuilder::new`].
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The descriptor table.
    pub fn table(&self) -> &FdTable {
        &self.table
    }

    /// The code the guest passed to `proc_exit`, if it called it. When a call into the
    /// instance fails and this is `Some`, the failure is that exit, not a trap.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// Takes (and clears) the exit code, e.g. before calling the instance again.
    pub fn take_exit_code(&mut self) -> Option<i32> {
        self.exit_code.take()
    }

    /// Records a `proc_exit` (done by the linker glue when a function returns `WasiExit`).
    pub fn set_exit_code(&mut self, code: i32) {
        self.exit_code = Some(code);
    }
}
