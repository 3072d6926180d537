//! `clock_res_get` / `clock_time_get`: the four preview 1 clocks on the host's clocks.

use super::errno::Errno;
use super::types::clockid;
use rustix::time::{ClockId, Timespec};

fn host_clock(id: u32) -> Result<ClockId, Errno> {
    match id {
        clockid::REALTIME => Ok(ClockId::Realtime),
        clockid::MONOTONIC => Ok(ClockId::Monotonic),
        clockid::PROCESS_CPUTIME_ID => Ok(ClockId::ProcessCPUTime),
        clockid::THREAD_CPUTIME_ID => Ok(ClockId::ThreadCPUTime),
        _ => Err(Errno::Inval),
    }
}

fn to_nanos(t: Timespec) -> u64 {
    if t.tv_sec < 0 {
        return 0;
    }
    (t.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec.max(0) as u64)
}

/// The resolution of clock `id`, in nanoseconds (never 0).
pub fn res_get(id: u32) -> Result<u64, Errno> {
    let c = host_clock(id)?;
    Ok(to_nanos(rustix::time::clock_getres(c)).max(1))
}

/// The current time of clock `id`, in nanoseconds (`precision` is a hint and ignored).
pub fn time_get(id: u32, _precision: u64) -> Result<u64, Errno> {
    let c = host_clock(id)?;
    Ok(to_nanos(rustix::time::clock_gettime(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_work_and_unknown_is_inval() {
        for id in 0..4 {
            assert!(res_get(id).unwrap() >= 1);
            time_get(id, 0).unwrap();
        }
        let a = time_get(clockid::MONOTONIC, 0).unwrap();
        let b = time_get(clockid::MONOTONIC, 0).unwrap();
        assert!(b >= a);
        assert!(time_get(clockid::REALTIME, 0).unwrap() > 1_600_000_000_000_000_000);
        assert_eq!(res_get(4), Err(Errno::Inval));
        assert_eq!(time_get(99, 0), Err(Errno::Inval));
    }
}
