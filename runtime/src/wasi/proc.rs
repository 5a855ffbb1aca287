//! Process control: `proc_exit`, `proc_raise`, `sched_yield`.

use super::{Errno, GetCtx, I32, MODULE, WasiCtx, define};
use crate::{GuestMemory, HostError, Linker};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    // proc_exit has no result, so it does not go through `define`.
    linker.define(MODULE, "proc_exit", &[I32], &[], proc_exit);
    define(linker, ctx, "proc_raise", &[I32], proc_raise);
    define(linker, ctx, "sched_yield", &[], sched_yield);
}

/// `proc_exit(rval: u32) -> !`
///
/// Terminates the instance with exit status `rval`: always returns
/// `Err(HostError::Exit(rval as i32))`, never `Ok`, so the runtime unwinds the guest (the import
/// wrapper Go emits has no unwind check and `runtime.main` would fall into its nil-store loop if
/// this returned). The status is passed through unchanged (wasmtime additionally traps for
/// statuses ≥ 126; a native Go binary can exit with any status, so we don't).
/// Go: `runtime.exit` *is* this import (`runtime/os_wasip1.go`): end of `main` (0), `os.Exit(n)`,
/// fatal errors and unrecovered panics (2).
fn proc_exit<T>(_caller: &mut crate::Caller<'_, T>, args: &mut [u64]) -> Result<(), HostError> {
    let code = args.first().copied().unwrap_or(0) as u32;
    Err(HostError::Exit(code as i32))
}

/// `proc_raise(sig: signal) -> errno`
///
/// Signals are not supported: always `ENOTSUP` (58), which is what wasmtime answers today (its
/// preview1 adapter returns `Errno::Notsup`). Go: not imported by the standard library.
fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _args: &[u64]) -> Result<(), Errno> {
    Err(Errno::NOTSUP)
}

/// `sched_yield() -> errno`
///
/// Yields the host thread (`std::thread::yield_now`) and succeeds. Go: `notetsleepg`'s
/// busy-wait (`runtime/lock_wasip1.go`), used by profile buffers and `os/signal`'s receive loop.
fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _args: &[u64]) -> Result<(), Errno> {
    std::thread::yield_now();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::WasiCtxBuilder;
    use super::super::testing::Harness;
    use super::*;

    #[test]
    fn proc_exit_never_returns_ok() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        assert_eq!(h.call_raw("proc_exit", &[0]), Err(HostError::Exit(0)));
        assert_eq!(h.call_raw("proc_exit", &[2]), Err(HostError::Exit(2)));
        assert_eq!(h.call_raw("proc_exit", &[255]), Err(HostError::Exit(255)));
        // The i32 is taken from the low half of the slot.
        assert_eq!(
            h.call_raw("proc_exit", &[0xFFFF_FFFF_0000_0007]),
            Err(HostError::Exit(7))
        );
        assert_eq!(
            h.call_raw("proc_exit", &[0xFFFF_FFFF]),
            Err(HostError::Exit(-1))
        );
    }

    #[test]
    fn proc_raise_is_not_supported_and_sched_yield_succeeds() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        assert_eq!(h.call("proc_raise", &[9]), Errno::NOTSUP);
        assert_eq!(h.call("sched_yield", &[]), Errno::SUCCESS);
    }
}
