//! `poll_oneoff`: clock subscriptions and fd readiness.
//!
//! Regular files, in-memory stdin/stdout/stderr and host files used as stdio are always
//! ready. The host's own standard streams (inherited stdio) are polled with `poll(2)`.
//! Clock subscriptions (relative or absolute, realtime or monotonic) bound the wait.

use super::clocks;
use super::ctx::{OutputSink, StdinSource};
use super::errno::Errno;
use super::fd_table::{FdTable, Handle};
use super::memory;
use super::types::{clockid, eventtype, rights, EVENT_FD_READWRITE_HANGUP};
use super::types::{size, SUBSCRIPTION_CLOCK_ABSTIME};
use rustix::event::{PollFd, PollFlags};
use std::io;
use std::os::fd::AsFd;

/// One decoded `subscription`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    pub userdata: u64,
    pub kind: SubscriptionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionKind {
    Clock {
        id: u32,
        timeout: u64,
        precision: u64,
        flags: u16,
    },
    FdRead(u32),
    FdWrite(u32),
}

/// One `event` to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub userdata: u64,
    pub error: Errno,
    pub ty: u8,
    pub nbytes: u64,
    pub flags: u16,
}

impl Event {
    fn of(s: &Subscription, error: Errno) -> Event {
        let ty = match s.kind {
            SubscriptionKind::Clock { .. } => eventtype::CLOCK,
            SubscriptionKind::FdRead(_) => eventtype::FD_READ,
            SubscriptionKind::FdWrite(_) => eventtype::FD_WRITE,
        };
        Event {
            userdata: s.userdata,
            error,
            ty,
            nbytes: 0,
            flags: 0,
        }
    }
}

/// Reads `n` subscriptions (48 bytes each) at `ptr`.
pub fn read_subscriptions(mem: &[u8], ptr: u32, n: u32) -> Result<Vec<Subscription>, Errno> {
    let total = (n as u64) * size::SUBSCRIPTION as u64;
    let total = u32::try_from(total).map_err(|_| Errno::Fault)?;
    memory::slice(mem, ptr, total)?;
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = ptr + i * size::SUBSCRIPTION; // in bounds: checked above
        let userdata = memory::read_u64(mem, at)?;
        let tag = memory::read_u8(mem, at + 8)?;
        let kind = match tag {
            eventtype::CLOCK => SubscriptionKind::Clock {
                id: memory::read_u32(mem, at + 16)?,
                timeout: memory::read_u64(mem, at + 24)?,
                precision: memory::read_u64(mem, at + 32)?,
                flags: memory::read_u16(mem, at + 40)?,
            },
            eventtype::FD_READ => SubscriptionKind::FdRead(memory::read_u32(mem, at + 16)?),
            eventtype::FD_WRITE => SubscriptionKind::FdWrite(memory::read_u32(mem, at + 16)?),
            _ => return Err(Errno::Inval),
        };
        out.push(Subscription { userdata, kind });
    }
    Ok(out)
}

/// Writes `events` (32 bytes each) at `ptr`.
pub fn write_events(mem: &mut [u8], ptr: u32, events: &[Event]) -> Result<(), Errno> {
    let total =
        u32::try_from(events.len() as u64 * size::EVENT as u64).map_err(|_| Errno::Fault)?;
    memory::slice_mut(mem, ptr, total)?.fill(0);
    for (i, e) in events.iter().enumerate() {
        let at = ptr + i as u32 * size::EVENT;
        memory::write_u64(mem, at, e.userdata)?;
        memory::write_u16(mem, at + 8, e.error.raw())?;
        memory::write_u8(mem, at + 10, e.ty)?;
        memory::write_u64(mem, at + 16, e.nbytes)?;
        memory::write_u16(mem, at + 24, e.flags)?;
    }
    Ok(())
}

/// A host standard stream to wait on.
#[derive(Debug, Clone, Copy)]
enum HostStream {
    Stdin,
    Stdout,
    Stderr,
}

enum Readiness {
    /// Ready now, with this many bytes known to be available.
    Now(u64),
    Error(Errno),
    Host(HostStream),
}

fn readiness(table: &FdTable, fd: u32, write: bool) -> Readiness {
    let d = match table.get(fd) {
        Ok(d) => d,
        Err(e) => return Readiness::Error(e),
    };
    if d.check(rights::POLL_FD_READWRITE).is_err() {
        // Stdio and files always have it unless the guest dropped it.
        return Readiness::Error(Errno::Notcapable);
    }
    match (&d.handle, write) {
        (Handle::File(f), false) => {
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let pos = rustix::fs::seek(f, rustix::fs::SeekFrom::Current(0)).unwrap_or(size);
            Readiness::Now(size.saturating_sub(pos))
        }
        (Handle::File(_), true) => Readiness::Now(0),
        (Handle::Dir(_), _) => Readiness::Error(Errno::Badf),
        (Handle::Stdin(StdinSource::Inherit), false) => Readiness::Host(HostStream::Stdin),
        (Handle::Stdin(s), false) => Readiness::Now(s.available().unwrap_or(0)),
        (Handle::Stdout(OutputSink::Inherit), true) => Readiness::Host(HostStream::Stdout),
        (Handle::Stderr(OutputSink::Inherit), true) => Readiness::Host(HostStream::Stderr),
        (Handle::Stdout(_), true) | (Handle::Stderr(_), true) => Readiness::Now(0),
        // Reading an output stream or writing the input stream.
        _ => Readiness::Error(Errno::Badf),
    }
}

/// Monotonic deadline (ns) of a clock subscription, or `Inval` for an unknown clock.
fn deadline(id: u32, timeout: u64, flags: u16, now_mono: u64) -> Result<u64, Errno> {
    let abs = flags & SUBSCRIPTION_CLOCK_ABSTIME != 0;
    match id {
        clockid::MONOTONIC if abs => Ok(timeout),
        clockid::REALTIME if abs => {
            let now_real = clocks::time_get(clockid::REALTIME, 0)?;
            Ok(now_mono.saturating_add(timeout.saturating_sub(now_real)))
        }
        clockid::MONOTONIC | clockid::REALTIME => Ok(now_mono.saturating_add(timeout)),
        // CPU-time clocks cannot be waited on.
        _ => Err(Errno::Inval),
    }
}

/// Waits until at least one subscription is satisfied and returns the events.
/// An empty subscription list is `Inval` (it would block forever).
pub fn poll(table: &FdTable, subs: &[Subscription]) -> Result<Vec<Event>, Errno> {
    if subs.is_empty() {
        return Err(Errno::Inval);
    }
    let now = clocks::time_get(clockid::MONOTONIC, 0)?;
    let mut ready = Vec::new();
    let mut clocks_pending: Vec<(usize, u64)> = Vec::new();
    let mut host: Vec<(usize, HostStream, bool)> = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        match s.kind {
            SubscriptionKind::Clock {
                id, timeout, flags, ..
            } => match deadline(id, timeout, flags, now) {
                Ok(d) => clocks_pending.push((i, d)),
                Err(e) => ready.push(Event::of(s, e)),
            },
            SubscriptionKind::FdRead(fd) | SubscriptionKind::FdWrite(fd) => {
                let write = matches!(s.kind, SubscriptionKind::FdWrite(_));
                match readiness(table, fd, write) {
                    Readiness::Now(n) => {
                        let mut e = Event::of(s, Errno::Success);
                        e.nbytes = n;
                        ready.push(e);
                    }
                    Readiness::Error(err) => ready.push(Event::of(s, err)),
                    Readiness::Host(h) => host.push((i, h, write)),
                }
            }
        }
    }

    loop {
        let now = clocks::time_get(clockid::MONOTONIC, 0)?;
        // Wait only if nothing is ready yet.
        let wait_ns = if !ready.is_empty() {
            Some(0)
        } else {
            clocks_pending
                .iter()
                .map(|&(_, d)| d.saturating_sub(now))
                .min()
        };
        if !host.is_empty() {
            poll_host(subs, &host, wait_ns, &mut ready)?;
        } else if let Some(ns) = wait_ns {
            if ns > 0 {
                std::thread::sleep(std::time::Duration::from_nanos(ns));
            }
        }
        let now = clocks::time_get(clockid::MONOTONIC, 0)?;
        for &(i, d) in &clocks_pending {
            if d <= now {
                ready.push(Event::of(&subs[i], Errno::Success));
            }
        }
        if !ready.is_empty() {
            return Ok(ready);
        }
    }
}

fn poll_host(
    subs: &[Subscription],
    host: &[(usize, HostStream, bool)],
    wait_ns: Option<u64>,
    ready: &mut Vec<Event>,
) -> Result<(), Errno> {
    let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
    let mut fds: Vec<PollFd<'_>> = host
        .iter()
        .map(|&(_, h, write)| {
            let flags = if write { PollFlags::OUT } else { PollFlags::IN };
            match h {
                HostStream::Stdin => PollFd::from_borrowed_fd(stdin.as_fd(), flags),
                HostStream::Stdout => PollFd::from_borrowed_fd(stdout.as_fd(), flags),
                HostStream::Stderr => PollFd::from_borrowed_fd(stderr.as_fd(), flags),
            }
        })
        .collect();
    let timeout = wait_ns.map(|ns| rustix::time::Timespec {
        tv_sec: (ns / 1_000_000_000) as _,
        tv_nsec: (ns % 1_000_000_000) as _,
    });
    match rustix::event::poll(&mut fds, timeout.as_ref()) {
        Ok(_) => {}
        Err(rustix::io::Errno::INTR) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    for (pfd, &(i, _, _)) in fds.iter().zip(host) {
        let rev = pfd.revents();
        if rev.is_empty() {
            continue;
        }
        let mut e = Event::of(&subs[i], Errno::Success);
        if rev.contains(PollFlags::NVAL) {
            e.error = Errno::Badf;
        } else if rev.contains(PollFlags::ERR) {
            e.error = Errno::Io;
        } else if rev.contains(PollFlags::HUP) {
            e.flags = EVENT_FD_READWRITE_HANGUP;
        }
        ready.push(e);
    }
    Ok(())
}
