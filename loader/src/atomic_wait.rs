//! `memory.atomic.wait32/64` and `memory.atomic.notify`: threads park on the host
//! address of the wasm location they wait on (`parking_lot_core`'s process-wide table),
//! so a notify on that address from any thread, through any instance or store that
//! shares the memory, wakes them. A shared memory never moves (see `vm/memory.rs`), so
//! its host addresses name its locations for as long as it lives.
//!
//! Order of checks, as in Wasmtime: alignment ("unaligned atomic"), bounds ("out of
//! bounds memory access"), then, for a wait, that the memory is shared ("atomic wait on
//! non-shared memory"). A notify on an unshared memory wakes nobody.

use crate::abi::TrapCode;
use crate::vm::memory::MemoryData;
use parking_lot_core::{FilterOp, ParkResult, DEFAULT_PARK_TOKEN, DEFAULT_UNPARK_TOKEN};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a wait ended with, as `memory.atomic.wait*` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitResult {
    Woken = 0,
    NotEqual = 1,
    TimedOut = 2,
}

/// The host address of the `bytes`-byte location at `address` of `mem`, checked.
fn location(mem: &MemoryData, address: u64, bytes: u64) -> Result<usize, TrapCode> {
    if !address.is_multiple_of(bytes) {
        return Err(TrapCode::HeapMisaligned);
    }
    let len = mem.as_slice().len() as u64;
    if address.checked_add(bytes).is_none_or(|end| end > len) {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    Ok(mem.as_ptr() as usize + address as usize)
}

/// The deadline of a wait of `timeout` nanoseconds (negative: none).
fn deadline(timeout: i64) -> Option<Instant> {
    let timeout = u64::try_from(timeout).ok()?;
    Instant::now().checked_add(Duration::from_nanos(timeout))
}

/// Park on `key` while `still_expected()` holds, until notified or `timeout`.
fn park(key: usize, still_expected: impl FnOnce() -> bool, timeout: i64) -> WaitResult {
    let deadline = deadline(timeout);
    // SAFETY: `key` is an address inside a wasm linear memory, where no Rust
    // synchronization primitive lives, so no other parking_lot user parks on it.
    let result = unsafe {
        parking_lot_core::park(
            key,
            still_expected,
            || {},
            |_, _| {},
            DEFAULT_PARK_TOKEN,
            deadline,
        )
    };
    match result {
        ParkResult::Unparked(_) => WaitResult::Woken,
        ParkResult::Invalid => WaitResult::NotEqual,
        ParkResult::TimedOut => WaitResult::TimedOut,
    }
}

/// `memory.atomic.wait32`: wait at `address` while it holds `expected`.
pub(crate) fn wait32(
    mem: &MemoryData,
    address: u64,
    expected: u32,
    timeout: i64,
) -> Result<WaitResult, TrapCode> {
    wait(mem, address, 4, timeout, |at| {
        // SAFETY: see `wait`; `at` is 4-aligned.
        let cell = unsafe { AtomicU32::from_ptr(at as *mut u32) };
        cell.load(Ordering::SeqCst) == expected
    })
}

/// `memory.atomic.wait64`: wait at `address` while it holds `expected`.
pub(crate) fn wait64(
    mem: &MemoryData,
    address: u64,
    expected: u64,
    timeout: i64,
) -> Result<WaitResult, TrapCode> {
    wait(mem, address, 8, timeout, |at| {
        // SAFETY: see `wait`; `at` is 8-aligned.
        let cell = unsafe { AtomicU64::from_ptr(at as *mut u64) };
        cell.load(Ordering::SeqCst) == expected
    })
}

/// Wait at the `bytes`-byte location `address` of `mem` while `holds_expected(host
/// address)` says it holds the expected value. That closure may read the location as an
/// atomic: it is aligned and in bounds of a memory that stays mapped while the store lives
/// (we are inside its call), and wasm only accesses it through atomics or plain accesses
/// that the threads proposal allows to race.
fn wait(
    mem: &MemoryData,
    address: u64,
    bytes: u64,
    timeout: i64,
    holds_expected: impl FnOnce(usize) -> bool,
) -> Result<WaitResult, TrapCode> {
    let at = location(mem, address, bytes)?;
    if !mem.ty.shared {
        return Err(TrapCode::AtomicWaitNonSharedMemory);
    }
    Ok(park(at, || holds_expected(at), timeout))
}

/// `memory.atomic.notify`: wake up to `count` waiters at `address`; how many woke.
pub(crate) fn notify(mem: &MemoryData, address: u64, count: u32) -> Result<u32, TrapCode> {
    let at = location(mem, address, 4)?;
    if !mem.ty.shared {
        return Ok(0);
    }
    Ok(wake(at, count))
}

/// Wake up to `count` threads parked on `key`; how many woke.
fn wake(key: usize, count: u32) -> u32 {
    if count == 0 {
        return 0;
    }
    let mut left = count;
    // SAFETY: as in `park`.
    let result = unsafe {
        parking_lot_core::unpark_filter(
            key,
            |_| {
                if left == 0 {
                    FilterOp::Stop
                } else {
                    left -= 1;
                    FilterOp::Unpark
                }
            },
            |_| DEFAULT_UNPARK_TOKEN,
        )
    };
    result.unparked_threads as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{MemoryType, Tunables};
    use crate::vm::memory::LinearMemory;

    fn memory(shared: bool) -> MemoryData {
        let ty = MemoryType {
            minimum: 1,
            maximum: Some(1),
            memory64: false,
            shared,
            page_size_log2: 16,
        };
        let linear = LinearMemory::new(&ty, &Tunables::default(), None).unwrap();
        MemoryData::new(ty, linear, std::ptr::null_mut())
    }

    #[test]
    fn checks_come_in_wasmtimes_order() {
        let (shared, unshared) = (memory(true), memory(false));
        assert_eq!(wait32(&shared, 2, 0, 0), Err(TrapCode::HeapMisaligned));
        assert_eq!(wait64(&shared, 4, 0, 0), Err(TrapCode::HeapMisaligned));
        assert_eq!(notify(&shared, 65536, 1), Err(TrapCode::MemoryOutOfBounds));
        assert_eq!(wait64(&shared, 65528, 0, 0), Ok(WaitResult::TimedOut));
        assert_eq!(
            wait64(&shared, 65536, 0, 0),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            wait32(&unshared, 65536, 0, 0),
            Err(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            wait32(&unshared, 0, 0, 0),
            Err(TrapCode::AtomicWaitNonSharedMemory)
        );
        assert_eq!(notify(&unshared, 0, 1), Ok(0));
        assert_eq!(notify(&unshared, 1, 1), Err(TrapCode::HeapMisaligned));
    }

    #[test]
    fn a_wait_returns_not_equal_or_times_out() {
        let shared = memory(true);
        assert_eq!(wait32(&shared, 0, 1, -1), Ok(WaitResult::NotEqual));
        assert_eq!(wait64(&shared, 8, 1, -1), Ok(WaitResult::NotEqual));
        let start = Instant::now();
        assert_eq!(wait32(&shared, 0, 0, 20_000_000), Ok(WaitResult::TimedOut));
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert_eq!(notify(&shared, 0, 5), Ok(0));
    }

    #[test]
    fn notify_wakes_as_many_waiters_as_asked() {
        let cell = Box::new(AtomicU32::new(7));
        let key = &*cell as *const AtomicU32 as usize;
        std::thread::scope(|s| {
            let waiters: Vec<_> = (0..3)
                .map(|_| s.spawn(|| park(key, || cell.load(Ordering::SeqCst) == 7, -1)))
                .collect();
            let mut woken = 0;
            while woken < 2 {
                woken += wake(key, 2 - woken);
                std::thread::yield_now();
            }
            // One is left parked until the last notify.
            let mut last = 0;
            while last == 0 {
                last = wake(key, u32::MAX);
                std::thread::yield_now();
            }
            assert_eq!(last, 1);
            for w in waiters {
                assert_eq!(w.join().unwrap(), WaitResult::Woken);
            }
        });
    }
}
