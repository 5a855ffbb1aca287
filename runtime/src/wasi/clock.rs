//! Clocks: `clock_res_get`, `clock_time_get`.
//!
//! Clock ids: 0 realtime (`CLOCK_REALTIME`, ns since the Unix epoch), 1 monotonic
//! (`CLOCK_MONOTONIC`: never goes backwards; its origin is unspecified), 2 process CPU time
//! (`CLOCK_PROCESS_CPUTIME_ID`), 3 thread CPU time (`CLOCK_THREAD_CPUTIME_ID`, the host thread
//! running the guest). Any other id is `EINVAL`. (wasmtime answers `EBADF` for ids 2 and 3 because
//! WASI preview 2 has no CPU clocks; supporting them is allowed by preview 1 and costs nothing.)
//!
//! `clock_time_get` is hot in Go: `runtime.nanotime1` (monotonic) and `runtime.walltime`
//! (realtime) call it for every scheduler tick and timer check, so it is a single
//! `clock_gettime` (a vDSO call on Linux) and two bounds-checked stores.

use super::{Errno, GetCtx, I32, I64, WasiCtx, arg32, define};
use crate::{GuestMemory, Linker};
use nix::time::ClockId;

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(linker, ctx, "clock_res_get", &[I32, I32], clock_res_get);
    define(
        linker,
        ctx,
        "clock_time_get",
        &[I32, I64, I32],
        clock_time_get,
    );
}

/// WASI clock id 0.
pub(crate) const REALTIME: u32 = 0;
/// WASI clock id 1.
pub(crate) const MONOTONIC: u32 = 1;
/// WASI clock id 2.
pub(crate) const PROCESS_CPUTIME: u32 = 2;
/// WASI clock id 3.
pub(crate) const THREAD_CPUTIME: u32 = 3;

fn host_clock(id: u32) -> Result<ClockId, Errno> {
    Ok(match id {
        REALTIME => ClockId::CLOCK_REALTIME,
        MONOTONIC => ClockId::CLOCK_MONOTONIC,
        PROCESS_CPUTIME => ClockId::CLOCK_PROCESS_CPUTIME_ID,
        THREAD_CPUTIME => ClockId::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::INVAL),
    })
}

fn timespec_ns(ts: nix::sys::time::TimeSpec) -> u64 {
    // Times before the epoch (a badly set realtime clock) clamp to 0: the WASI timestamp is
    // unsigned.
    let secs = u64::try_from(ts.tv_sec()).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec()).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// The current time of WASI clock `id`, in nanoseconds.
pub(crate) fn now(id: u32) -> Result<u64, Errno> {
    let ts = nix::time::clock_gettime(host_clock(id)?).map_err(Errno::from)?;
    Ok(timespec_ns(ts))
}

/// The monotonic clock (id 1), in nanoseconds.
pub(crate) fn monotonic_now() -> u64 {
    now(MONOTONIC).expect("CLOCK_MONOTONIC is always available")
}

/// `clock_res_get(id: clockid, resolution: *mut u64) -> errno`
///
/// Writes the resolution of clock `id` in nanoseconds (at least 1) to `resolution`.
/// Errors: `EINVAL` for an unknown clock id, `EFAULT` for a bad pointer.
/// Go: not imported by the standard library.
fn clock_res_get(_ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (id, out) = (arg32(args, 0), arg32(args, 1));
    let clock = host_clock(id)?;
    super::check_range(mem, out, 8)?;
    let res = nix::time::clock_getres(clock).map_err(Errno::from)?;
    mem.write_u64(out, timespec_ns(res).max(1))?;
    Ok(())
}

/// `clock_time_get(id: clockid, precision: u64, time: *mut u64) -> errno`
///
/// Writes the current time of clock `id` in nanoseconds to `time`. `precision` (the maximum lag
/// the caller tolerates) is ignored: the time is always read exactly.
/// Errors: `EINVAL` for an unknown clock id, `EFAULT` for a bad pointer.
/// Go: `runtime.nanotime1` (id 1, precision 0), `runtime.walltime1` (id 0, precision 0)
/// (`runtime/os_wasip1.go`); `syscall` declares its own copy (`syscall/syscall_wasip1.go`,
/// realtime, precision 1 µs).
fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let (id, out) = (arg32(args, 0), arg32(args, 2));
    let t = now(id)?;
    mem.write_u64(out, t)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::WasiCtxBuilder;
    use super::super::testing::{BAD_PTR, Harness};
    use super::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    fn time(h: &mut Harness, id: u64) -> u64 {
        assert_eq!(h.call("clock_time_get", &[id, 0, 64]), Errno::SUCCESS);
        h.u64_at(64)
    }

    #[test]
    fn realtime_matches_the_system_clock() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let t = time(&mut h, 0);
        let after = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        assert!(before <= t && t <= after, "{before} <= {t} <= {after}");
    }

    #[test]
    fn monotonic_never_goes_backwards_and_advances() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        let mut last = time(&mut h, 1);
        for _ in 0..10_000 {
            let t = time(&mut h, 1);
            assert!(t >= last);
            last = t;
        }
        let start = time(&mut h, 1);
        std::thread::sleep(Duration::from_millis(5));
        let elapsed = time(&mut h, 1) - start;
        assert!(elapsed >= 5_000_000, "elapsed {elapsed} ns");
        assert!(elapsed < 5_000_000_000, "elapsed {elapsed} ns");
    }

    #[test]
    fn cpu_time_clocks_are_supported() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        let p0 = time(&mut h, 2);
        let t0 = time(&mut h, 3);
        // Burn some CPU so both clocks move.
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(time(&mut h, 2) > p0);
        assert!(time(&mut h, 3) > t0);
    }

    #[test]
    fn unknown_clock_and_bad_pointer() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        h.put_u64(64, 0xAAAA);
        assert_eq!(h.call("clock_time_get", &[4, 0, 64]), Errno::INVAL);
        assert_eq!(
            h.call("clock_time_get", &[u64::from(u32::MAX), 0, 64]),
            Errno::INVAL
        );
        assert_eq!(h.u64_at(64), 0xAAAA, "nothing written on error");
        assert_eq!(h.call("clock_time_get", &[1, 0, BAD_PTR]), Errno::FAULT);
        let last = (super::super::testing::MEM_SIZE - 4) as u64;
        assert_eq!(h.call("clock_time_get", &[0, 0, last]), Errno::FAULT);
        assert_eq!(h.call("clock_res_get", &[9, 64]), Errno::INVAL);
        assert_eq!(h.call("clock_res_get", &[0, BAD_PTR]), Errno::FAULT);
    }

    #[test]
    fn resolutions_are_positive_and_fine() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        for id in 0..4 {
            assert_eq!(h.call("clock_res_get", &[id, 64]), Errno::SUCCESS);
            let res = h.u64_at(64);
            assert!(
                (1..=10_000_000).contains(&res),
                "clock {id}: resolution {res}"
            );
        }
    }
}
