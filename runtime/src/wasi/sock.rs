//! Sockets: `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`.
//!
//! WASI preview 1 cannot create sockets; a host can only hand the guest already-listening
//! sockets as preopened fds (wasmtime's `--tcplisten`), which Go uses through `net.FileListener`
//! (`syscall/net_wasip1.go`). gojit does not preopen sockets yet (a later issue), so no fd is ever
//! a socket: every function answers `EBADF` for an fd that is not open and `ENOTSOCK` for one
//! that is — never a made-up success. This is also exactly what wasmtime's preview1 adapter
//! answers.

use super::{Errno, I32, WasiCtx, arg32, define};
use crate::host::{GuestMemory, Linker};
use std::cell::RefCell;
use std::rc::Rc;

pub(super) fn add(linker: &mut Linker, ctx: &Rc<RefCell<WasiCtx>>) {
    define(linker, ctx, "sock_accept", &[I32, I32, I32], not_a_socket);
    define(
        linker,
        ctx,
        "sock_recv",
        &[I32, I32, I32, I32, I32, I32],
        not_a_socket,
    );
    define(
        linker,
        ctx,
        "sock_send",
        &[I32, I32, I32, I32, I32],
        not_a_socket,
    );
    define(linker, ctx, "sock_shutdown", &[I32, I32], not_a_socket);
}

/// The body of all four functions (the fd is always the first parameter):
///
/// - `sock_accept(fd, flags: fdflags, result_fd: *mut fd) -> errno` — Go: `syscall.Accept`
///   (`net.FileListener` on a preopened listener).
/// - `sock_recv(fd, ri_data: *const iovec, ri_data_len, ri_flags, ro_datalen: *mut u32,
///   ro_flags: *mut u16) -> errno` — not imported by Go's standard library.
/// - `sock_send(fd, si_data: *const ciovec, si_data_len, si_flags, so_datalen: *mut u32)
///   -> errno` — not imported by Go's standard library.
/// - `sock_shutdown(fd, how: sdflags) -> errno` — Go: `syscall.Shutdown`.
///
/// Errors: `EBADF` if `fd` is not open, `ENOTSOCK` otherwise. No memory is read or written.
fn not_a_socket(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    ctx.fds.get(arg32(args, 0))?;
    Err(Errno::NOTSOCK)
}

#[cfg(test)]
mod tests {
    use super::super::WasiCtxBuilder;
    use super::super::testing::{BAD_PTR, Harness};
    use super::*;

    #[test]
    fn open_fds_are_not_sockets_and_closed_fds_are_ebadf() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        for fd in [0u64, 1, 2] {
            assert_eq!(h.call("sock_accept", &[fd, 0, 100]), Errno::NOTSOCK);
            assert_eq!(
                h.call("sock_recv", &[fd, 100, 1, 0, 200, 204]),
                Errno::NOTSOCK
            );
            assert_eq!(h.call("sock_send", &[fd, 100, 1, 0, 200]), Errno::NOTSOCK);
            assert_eq!(h.call("sock_shutdown", &[fd, 3]), Errno::NOTSOCK);
        }
        assert_eq!(h.call("sock_accept", &[3, 0, 100]), Errno::BADF);
        assert_eq!(
            h.call("sock_recv", &[77, BAD_PTR, 1, 0, BAD_PTR, BAD_PTR]),
            Errno::BADF
        );
        assert_eq!(h.call("sock_send", &[3, 100, 1, 0, 200]), Errno::BADF);
        assert_eq!(
            h.call("sock_shutdown", &[u64::from(u32::MAX), 1]),
            Errno::BADF
        );
        assert_eq!(h.u32_at(100), 0, "no fd was produced");
    }
}
