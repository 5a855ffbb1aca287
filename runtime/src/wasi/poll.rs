//! `poll_oneoff`: waiting for clocks and descriptor readiness.
//!
//! This is how Go's idle scheduler blocks the host thread: `runtime.usleep` submits one relative
//! monotonic clock subscription, and `runtime.netpoll` (`runtime/netpoll_wasip1.go`) submits an
//! optional clock subscription for the next timer plus `fd_read`/`fd_write` subscriptions for
//! parked I/O. Go throws ("poll_oneoff failed") on any errno other than `EINTR`, so problems
//! with individual subscriptions are reported in their events, never as the call's errno.

use super::clock::{self, MONOTONIC, REALTIME};
use super::{Desc, Errno, GetCtx, I32, Input, Output, WasiCtx, arg32, check_range, define_waiting};
use crate::{GuestMemory, InterruptHandle, Linker};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use std::os::fd::AsFd;
use std::time::Duration;

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define_waiting(
        linker,
        ctx,
        "poll_oneoff",
        &[I32, I32, I32, I32],
        poll_oneoff,
    );
}

/// Size of a `subscription`.
const SUBSCRIPTION_SIZE: u32 = 48;
/// Size of an `event`.
const EVENT_SIZE: u32 = 32;
/// `eventtype` values.
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
/// `subclockflags`: the timeout is an absolute time of the clock.
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
/// `eventrwflags`: the peer hung up.
const FD_READWRITE_HANGUP: u16 = 1;

/// One event to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    /// `event` (32 bytes): `userdata: u64 @0, error: u16 @8, type: u8 @10,
    /// fd_readwrite.nbytes: u64 @16, fd_readwrite.flags: u16 @24` (padding zeroed).
    fn encode(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&self.error.0.to_le_bytes());
        b[10] = self.kind;
        b[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        b[24..26].copy_from_slice(&self.flags.to_le_bytes());
        b
    }
}

/// What a subscription waits for.
enum Wait {
    /// A clock deadline on the monotonic clock (ns).
    Clock { deadline: u64 },
    /// Readiness of a host descriptor (stdio inherited from the host, sockets), via poll(2).
    Host { fd: u32, read: bool },
    /// Known now: always-ready descriptors (files, custom streams) and per-subscription errors.
    Ready(Event),
}

/// Decodes subscription `sub` (48 bytes: `userdata: u64 @0, tag: u8 @8`, then for a clock
/// `id: u32 @16, timeout: u64 @24, precision: u64 @32, flags: u16 @40`, for an fd `fd: u32 @16`).
fn decode(ctx: &WasiCtx, sub: &[u8], start_mono: u64) -> Result<(u64, Wait), Errno> {
    let u64_at = |o: usize| u64::from_le_bytes(sub[o..o + 8].try_into().expect("8 bytes"));
    let u32_at = |o: usize| u32::from_le_bytes(sub[o..o + 4].try_into().expect("4 bytes"));
    let userdata = u64_at(0);
    let event = |kind, error, nbytes, flags| {
        Wait::Ready(Event {
            userdata,
            error,
            kind,
            nbytes,
            flags,
        })
    };
    let wait = match sub[8] {
        EVENTTYPE_CLOCK => {
            let (id, timeout) = (u32_at(16), u64_at(24));
            let flags = u16::from_le_bytes([sub[40], sub[41]]);
            let absolute = flags & SUBSCRIPTION_CLOCK_ABSTIME != 0;
            // The precision (@32) is a hint; we always wake as close to the deadline as we can.
            let deadline = match (id, absolute) {
                (MONOTONIC | REALTIME, false) => Some(start_mono.saturating_add(timeout)),
                (MONOTONIC, true) => Some(timeout),
                // An absolute wall-clock time: convert to a monotonic deadline now. (Later
                // changes of the wall clock are not tracked, as in wasmtime.)
                (REALTIME, true) => {
                    let now = clock::now(REALTIME)?;
                    Some(start_mono.saturating_add(timeout.saturating_sub(now)))
                }
                // CPU-time clocks cannot be slept on, unknown clocks do not exist.
                _ => None,
            };
            match deadline {
                Some(deadline) => Wait::Clock { deadline },
                None => event(EVENTTYPE_CLOCK, Errno::INVAL, 0, 0),
            }
        }
        kind @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => {
            let fd = u32_at(16);
            let read = kind == EVENTTYPE_FD_READ;
            match (ctx.fds.get(fd), read) {
                (Err(e), _) => event(kind, e, 0, 0),
                (Ok(Desc::Input(Input::Host { .. })), true)
                | (Ok(Desc::Output(Output::Host { .. })), false)
                | (Ok(Desc::Socket(_)), _) => Wait::Host { fd, read },
                // Custom streams never block.
                (Ok(Desc::Input(Input::Custom(_))), true)
                | (Ok(Desc::Output(Output::Custom(_))), false) => event(kind, Errno::SUCCESS, 1, 0),
                // Files are always ready; for reading, report the bytes left before EOF.
                (Ok(Desc::File(f)), _) if (read && f.readable) || (!read && f.writable) => {
                    let nbytes = if read { file_remaining(&f.file)? } else { 1 };
                    event(kind, Errno::SUCCESS, nbytes, 0)
                }
                // Wrong direction, or a directory: the fd cannot be read/written.
                (Ok(_), _) => event(kind, Errno::BADF, 0, 0),
            }
        }
        _ => return Err(Errno::INVAL),
    };
    Ok((userdata, wait))
}

fn file_remaining(file: &std::fs::File) -> Result<u64, Errno> {
    use std::io::Seek;
    let size = file.metadata()?.len();
    let pos = (&*file).stream_position()?;
    Ok(size.saturating_sub(pos))
}

/// `poll_oneoff(in: *const subscription, out: *mut event, nsubscriptions: u32,
/// nevents: *mut u32) -> errno`
///
/// Waits until at least one of the `nsubscriptions` subscriptions at `in` (48 bytes each, see
/// `decode`) triggers, then writes one 32-byte event (see `Event::encode`) per triggered
/// subscription to `out`, in subscription order, and their number to `nevents`.
/// - Clock subscriptions (tag 0): clock id 0 (realtime) or 1 (monotonic); `timeout` is relative
///   to the call, or absolute with `flags` bit 0 (`SUBSCRIPTION_CLOCK_ABSTIME`). They trigger
///   once the deadline has passed (measured on the monotonic clock, so never early). The event
///   has `type` 0 and zero `fd_readwrite`.
/// - `fd_read` (tag 1) / `fd_write` (tag 2) subscriptions: inherited stdin/stdout/stderr and
///   sockets are polled with poll(2) (a listener is readable when a connection is pending) (`POLLHUP` sets the `HANGUP` flag, `POLLERR` gives `EIO`, `POLLNVAL`
///   `EBADF`); files and custom streams are always ready (`nbytes` = bytes left before EOF for a
///   file read, else 1: unknown).
/// - A subscription that cannot wait (closed fd → `EBADF`, wrong direction or directory →
///   `EBADF`, CPU-time or unknown clock → `EINVAL`) triggers at once with that error in its
///   event, as the spec intends; the call itself still succeeds.
///
/// Errors of the call: `EINVAL` if `nsubscriptions` is 0 (it would block forever; wasmtime says
/// the same) or a subscription has an unknown tag; `EFAULT` if `in`, `out` (sized for
/// `nsubscriptions` events) or `nevents` is outside memory — checked before waiting.
/// Go: `runtime.usleep` (`runtime/os_wasip1.go`), `runtime.netpoll` (`runtime/netpoll_wasip1.go`).
fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
    interrupt: Option<&InterruptHandle>,
) -> Result<(), Errno> {
    let (in_ptr, out_ptr, nsubs, nevents_ptr) = (
        arg32(args, 0),
        arg32(args, 1),
        arg32(args, 2),
        arg32(args, 3),
    );
    if nsubs == 0 {
        return Err(Errno::INVAL);
    }
    let in_len = nsubs.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::FAULT)?;
    let out_len = nsubs.checked_mul(EVENT_SIZE).ok_or(Errno::FAULT)?;
    check_range(mem, out_ptr, out_len)?;
    check_range(mem, nevents_ptr, 4)?;
    let start = clock::monotonic_now();
    let subs: Vec<(u64, Wait)> = mem
        .slice(in_ptr, in_len)?
        .chunks_exact(SUBSCRIPTION_SIZE as usize)
        .map(|sub| decode(ctx, sub, start))
        .collect::<Result<_, _>>()?;

    let events = wait(ctx, &subs, interrupt)?;
    for (i, e) in events.iter().enumerate() {
        mem.write(out_ptr + i as u32 * EVENT_SIZE, &e.encode())?;
    }
    mem.write_u32(nevents_ptr, events.len() as u32)?;
    Ok(())
}

/// Blocks until something in `subs` triggers; returns the events in subscription order. With an
/// interrupt handle, also returns (`EINTR`) once the store is interrupted.
fn wait(
    ctx: &WasiCtx,
    subs: &[(u64, Wait)],
    interrupt: Option<&InterruptHandle>,
) -> Result<Vec<Event>, Errno> {
    // Taken before the first check of the interrupt, so an interrupt after it makes it readable.
    let wake = match interrupt {
        Some(h) => Some(h.wake_fd().map_err(Errno::from)?),
        None => None,
    };
    let earliest = subs
        .iter()
        .filter_map(|(_, w)| match w {
            Wait::Clock { deadline } => Some(*deadline),
            _ => None,
        })
        .min();
    let any_ready = subs.iter().any(|(_, w)| matches!(w, Wait::Ready(_)));
    let host: Vec<(usize, u32, bool)> = subs
        .iter()
        .enumerate()
        .filter_map(|(i, (_, w))| match w {
            Wait::Host { fd, read } => Some((i, *fd, *read)),
            _ => None,
        })
        .collect();

    let mut revents: Vec<Option<PollFlags>> = vec![None; subs.len()];
    loop {
        if interrupt.is_some_and(|h| h.is_interrupted()) {
            return Err(Errno::INTR);
        }
        let now = clock::monotonic_now();
        // How long to block: not at all if something is ready or a deadline passed.
        let timeout_ns = if any_ready {
            Some(0)
        } else {
            earliest.map(|d| d.saturating_sub(now))
        };
        if host.is_empty() && wake.is_none() {
            if let Some(ns) = timeout_ns.filter(|&ns| ns > 0) {
                std::thread::sleep(Duration::from_nanos(ns));
                continue;
            }
        } else {
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(host.len());
            for &(_, fd, read) in &host {
                let borrowed = match ctx.fds.get(fd)? {
                    Desc::Input(Input::Host { file, .. })
                    | Desc::Output(Output::Host { file, .. }) => file.as_fd(),
                    Desc::Socket(s) => s.as_fd(),
                    _ => unreachable!("classified as a host fd by decode"),
                };
                let flags = if read {
                    PollFlags::POLLIN
                } else {
                    PollFlags::POLLOUT
                };
                fds.push(PollFd::new(borrowed, flags));
            }
            if let Some(w) = wake {
                // Last, after the subscriptions `host` indexes.
                fds.push(PollFd::new(w, PollFlags::POLLIN));
            }
            // poll(2) has millisecond granularity: round up so a clock never fires early.
            let timeout = match timeout_ns {
                None => PollTimeout::NONE,
                Some(ns) => {
                    let ms = ns.div_ceil(1_000_000).min(i32::MAX as u64);
                    PollTimeout::try_from(ms as i32).unwrap_or(PollTimeout::MAX)
                }
            };
            match nix::poll::poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let mut any = false;
            for (k, &(i, _, _)) in host.iter().enumerate() {
                let r = fds[k].revents().unwrap_or(PollFlags::empty());
                if !r.is_empty() {
                    revents[i] = Some(r);
                    any = true;
                }
            }
            let now = clock::monotonic_now();
            let clock_due = earliest.is_some_and(|d| d <= now);
            if !any && !any_ready && !clock_due {
                continue;
            }
        }
        let now = clock::monotonic_now();
        let mut events = Vec::new();
        for (i, (userdata, w)) in subs.iter().enumerate() {
            match w {
                Wait::Clock { deadline } if *deadline <= now => events.push(Event {
                    userdata: *userdata,
                    error: Errno::SUCCESS,
                    kind: EVENTTYPE_CLOCK,
                    nbytes: 0,
                    flags: 0,
                }),
                Wait::Clock { .. } => {}
                Wait::Ready(e) => events.push(*e),
                Wait::Host { read, .. } => {
                    if let Some(r) = revents[i] {
                        events.push(host_event(*userdata, *read, r));
                    }
                }
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
    }
}

fn host_event(userdata: u64, read: bool, r: PollFlags) -> Event {
    let kind = if read {
        EVENTTYPE_FD_READ
    } else {
        EVENTTYPE_FD_WRITE
    };
    let (error, nbytes, flags) = if r.contains(PollFlags::POLLNVAL) {
        (Errno::BADF, 0, 0)
    } else if r.contains(PollFlags::POLLERR) {
        (Errno::IO, 0, 0)
    } else if r.contains(PollFlags::POLLHUP)
        && !r.intersects(PollFlags::POLLIN | PollFlags::POLLOUT)
    {
        (Errno::SUCCESS, 0, FD_READWRITE_HANGUP)
    } else if r.contains(PollFlags::POLLHUP) {
        (Errno::SUCCESS, 1, FD_READWRITE_HANGUP)
    } else {
        // Ready; how many bytes is not known without FIONREAD, so report 1 (as wasmtime).
        (Errno::SUCCESS, 1, 0)
    };
    Event {
        userdata,
        error,
        kind,
        nbytes,
        flags,
    }
}

#[cfg(test)]
mod tests;
