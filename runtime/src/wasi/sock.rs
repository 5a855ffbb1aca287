//! Sockets: `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`, and what the other
//! functions do on socket descriptors.
//!
//! WASI preview 1 cannot create, bind or connect sockets. A host hands the guest listening TCP
//! sockets as preopened fds ([`WasiCtxBuilder::preopened_socket`](super::WasiCtxBuilder::preopened_socket),
//! wasmtime's `-S tcplisten=HOST:PORT`); the guest accepts connections on them, which become fds
//! too. Go does this with `net.FileListener(os.NewFile(3, ""))` (`net/file_wasip1.go`):
//!
//! 1. `os.NewFile` asks `fd_fdstat_get` for the flags: a listener reports `NONBLOCK` (preopened
//!    listeners are non-blocking, as in wasmtime), so the file is registered with the netpoller;
//! 2. `net.FileListener` checks that the filetype is `SOCKET_STREAM` (anything else is
//!    `ENOTSOCK`);
//! 3. `Accept` calls `sock_accept`; `EAGAIN` parks the goroutine on an `fd_read` subscription of
//!    `poll_oneoff` (`runtime/netpoll_wasip1.go`), which polls the host socket with poll(2);
//! 4. the accepted fd is made non-blocking with `fd_fdstat_set_flags(NONBLOCK)`
//!    (`internal/poll/sys_cloexec.go`: an error here fails the Accept);
//! 5. the connection is read and written with `fd_read`/`fd_write` (`EAGAIN` → netpoller),
//!    half-closed with `sock_shutdown` (`CloseWrite`) and closed with `fd_close`.
//!
//! On socket fds the other functions behave like their POSIX counterparts on a socket:
//! `fd_read`/`fd_write` are `recv`/`send` (one call, partial counts, `EAGAIN` when
//! non-blocking; `ENOTCONN` on a listener), `fd_seek`/`fd_tell`/`fd_pread`/`fd_pwrite` are
//! `ESPIPE`, path functions and `fd_readdir` are `ENOTDIR`, `fd_filestat_get` is the host's
//! `fstat` with filetype `SOCKET_STREAM`, `fd_sync`/`fd_datasync` are `EINVAL`,
//! `fd_fdstat_set_flags` accepts exactly `0` or `NONBLOCK` (as wasmtime; anything else is
//! `EINVAL`), `fd_prestat_get` is `ENOTDIR` (so Go's preopen probe goes on to the directories
//! after the sockets) and `fd_close` closes the host socket.
//!
//! Writing to a connection whose peer has gone gives `EPIPE`: Rust programs ignore `SIGPIPE`
//! (the standard library sets it to `SIG_IGN` before `main`), so no signal kills the host.

use super::abi::{Fdstat, Filestat, fdflags, filetype, rights};
use super::{
    Desc, Errno, GetCtx, I32, WasiCtx, arg32, check_range, define, read_iovecs, write_bytes,
};
use crate::{GuestMemory, Linker};
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(linker, ctx, "sock_accept", &[I32, I32, I32], sock_accept);
    define(
        linker,
        ctx,
        "sock_recv",
        &[I32, I32, I32, I32, I32, I32],
        sock_recv,
    );
    define(
        linker,
        ctx,
        "sock_send",
        &[I32, I32, I32, I32, I32],
        sock_send,
    );
    define(linker, ctx, "sock_shutdown", &[I32, I32], sock_shutdown);
}

/// `riflags`: peek at the data without consuming it.
const RECV_PEEK: u16 = 1;
/// `riflags`: wait until all the buffers are full (or end of stream / an error).
const RECV_WAITALL: u16 = 2;
/// `sdflags`: shut down the read / write side.
const SHUT_RD: u32 = 1;
const SHUT_WR: u32 = 2;

/// A socket descriptor.
#[derive(Debug)]
pub(crate) enum Socket {
    /// A listening TCP socket (a preopen): `sock_accept` works on it.
    Listener(TcpListener),
    /// An accepted TCP connection.
    Stream(TcpStream),
}

/// The error of reading or writing a listener (Linux says the same for `read(2)` on one).
fn not_connected() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOTCONN)
}

/// Retries `op` while it fails with `EINTR`.
fn retry<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Socket {
    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Socket::Listener(l) => l.as_fd(),
            Socket::Stream(s) => s.as_fd(),
        }
    }

    /// Whether the host socket is in non-blocking mode (`O_NONBLOCK`).
    fn nonblocking(&self) -> Result<bool, Errno> {
        use nix::fcntl::{FcntlArg, OFlag, fcntl};
        let flags = OFlag::from_bits_truncate(fcntl(self.as_fd(), FcntlArg::F_GETFL)?);
        Ok(flags.contains(OFlag::O_NONBLOCK))
    }

    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        match self {
            Socket::Listener(l) => l.set_nonblocking(on),
            Socket::Stream(s) => s.set_nonblocking(on),
        }
    }

    /// The `fdstat`: `SOCKET_STREAM`, `NONBLOCK` as the host socket is, and the rights that
    /// apply (accepting for a listener, reading/writing/shutting down for a connection).
    pub(crate) fn fdstat(&self) -> Result<Fdstat, Errno> {
        let common =
            rights::POLL_FD_READWRITE | rights::FD_FDSTAT_SET_FLAGS | rights::FD_FILESTAT_GET;
        let r = match self {
            Socket::Listener(_) => common | rights::SOCK_ACCEPT,
            Socket::Stream(_) => {
                common | rights::FD_READ | rights::FD_WRITE | rights::SOCK_SHUTDOWN
            }
        };
        Ok(Fdstat {
            filetype: filetype::SOCKET_STREAM,
            flags: if self.nonblocking()? {
                fdflags::NONBLOCK
            } else {
                0
            },
            rights_base: r,
            rights_inheriting: 0,
        })
    }

    /// The host's `fstat` of the socket, with filetype `SOCKET_STREAM`.
    pub(crate) fn filestat(&self) -> Result<Filestat, Errno> {
        let st = nix::sys::stat::fstat(self.as_fd())?;
        let ts = super::abi::timestamp;
        Ok(Filestat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            filetype: filetype::SOCKET_STREAM,
            nlink: st.st_nlink as u64,
            size: st.st_size.max(0) as u64,
            atim: ts(st.st_atime, st.st_atime_nsec),
            mtim: ts(st.st_mtime, st.st_mtime_nsec),
            ctim: ts(st.st_ctime, st.st_ctime_nsec),
        })
    }

    /// `fd_fdstat_set_flags` on a socket: `NONBLOCK` or nothing (`EINVAL` for other bits, as
    /// wasmtime: appending and syncing mean nothing for a socket).
    pub(crate) fn set_fdflags(&self, flags: u32) -> Result<(), Errno> {
        match flags {
            0 => self.set_nonblocking(false)?,
            f if f == u32::from(fdflags::NONBLOCK) => self.set_nonblocking(true)?,
            _ => return Err(Errno::INVAL),
        }
        Ok(())
    }

    /// One `recv` into `buf` (`MSG_PEEK` with `peek`). `ENOTCONN` on a listener.
    pub(crate) fn recv(&self, buf: &mut [u8], peek: bool) -> io::Result<usize> {
        match self {
            Socket::Listener(_) => Err(not_connected()),
            Socket::Stream(s) if peek => retry(|| s.peek(buf)),
            Socket::Stream(s) => retry(|| (&*s).read(buf)),
        }
    }

    /// One `send` of `bufs` (may be partial). `ENOTCONN` on a listener.
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Socket::Listener(_) => Err(not_connected()),
            Socket::Stream(_) if bufs.is_empty() => Ok(0),
            Socket::Stream(s) => retry(|| (&*s).write_vectored(bufs)),
        }
    }
}

/// The socket behind `fd`: `EBADF` if not open, `ENOTSOCK` if not a socket.
fn socket(ctx: &WasiCtx, fd: u32) -> Result<&Socket, Errno> {
    match ctx.fds.get(fd)? {
        Desc::Socket(s) => Ok(s),
        _ => Err(Errno::NOTSOCK),
    }
}

/// `sock_accept(fd, flags: fdflags, result_fd: *mut fd) -> errno`
///
/// Accepts a connection on listening socket `fd` and writes its new descriptor (the lowest free
/// number) to `result_fd`. The connection is non-blocking if `flags` has `NONBLOCK` (4), else
/// blocking. Does not wait if `fd` is non-blocking (preopened listeners are): `EAGAIN` when no
/// connection is pending — the guest then waits with `poll_oneoff` (`fd_read` on the listener).
/// Errors: `EBADF` (not open), `ENOTSOCK` (not a socket), `EINVAL` (a connection, not a
/// listener; `flags` other than `NONBLOCK`), `EFAULT` (`result_fd` outside memory: checked
/// before accepting, so no connection is lost), `EAGAIN`, `ECONNABORTED` and others from the
/// host.
/// Go: `syscall.Accept` (`net.(*TCPListener).Accept` on a `net.FileListener`).
fn sock_accept(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, flags, out) = (arg32(args, 0), arg32(args, 1), arg32(args, 2));
    let listener = match socket(ctx, fd)? {
        Socket::Listener(l) => l,
        Socket::Stream(_) => return Err(Errno::INVAL),
    };
    if flags & !u32::from(fdflags::NONBLOCK) != 0 {
        return Err(Errno::INVAL);
    }
    check_range(mem, out, 4)?;
    let (stream, _peer) = retry(|| listener.accept())?;
    stream.set_nonblocking(flags != 0)?;
    let new = ctx.fds.push(Desc::Socket(Socket::Stream(stream)));
    mem.write_u32(out, new)?;
    Ok(())
}

/// `sock_recv(fd, ri_data: *const iovec, ri_data_len: u32, ri_flags: riflags,
/// ro_datalen: *mut u32, ro_flags: *mut roflags) -> errno`
///
/// Receives from connection `fd` into the `ri_data_len` buffers at `ri_data` (iovecs as in
/// `fd_read`), writes the byte count to `ro_datalen` (0: the peer closed its side) and 0 to
/// `ro_flags` (`RECV_DATA_TRUNCATED` only exists for datagrams). `ri_flags`: `RECV_PEEK` (1)
/// leaves the data queued; `RECV_WAITALL` (2) keeps receiving until the buffers are full, the
/// stream ends, or (non-blocking, or after an error) no more data is ready — the bytes received
/// so far are then reported.
/// Errors: `EBADF`, `ENOTSOCK`, `ENOTCONN` (a listener), `ENOTSUP` (unknown `ri_flags` bits, as
/// wasmtime), `EFAULT` (iovecs, buffers or outputs outside memory; checked first), `EAGAIN`
/// (non-blocking, nothing to read), host errors (`ECONNRESET`, ...).
/// Go: not imported (Go reads connections with `fd_read`).
fn sock_recv(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, iovs, niovs, ri_flags) = (
        arg32(args, 0),
        arg32(args, 1),
        arg32(args, 2),
        arg32(args, 3),
    );
    let (ro_datalen, ro_flags) = (arg32(args, 4), arg32(args, 5));
    let sock = socket(ctx, fd)?;
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, ro_datalen, 4)?;
    check_range(mem, ro_flags, 2)?;
    if ri_flags & !u32::from(RECV_PEEK | RECV_WAITALL) != 0 {
        return Err(Errno::NOTSUP);
    }
    let peek = ri_flags & u32::from(RECV_PEEK) != 0;
    let wait_all = !peek && ri_flags & u32::from(RECV_WAITALL) != 0;
    let total: usize = iovs.iter().map(|&(_, len)| len as usize).sum();
    let mut data = vec![0u8; total];
    let mut got = 0;
    while got < total {
        match sock.recv(&mut data[got..], peek) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(_) if got > 0 => break,
            Err(e) => return Err(e.into()),
        }
        if !wait_all {
            break;
        }
    }
    let mut done = 0;
    for &(ptr, len) in &iovs {
        if done == got {
            break;
        }
        let k = (len as usize).min(got - done);
        write_bytes(mem, ptr, &data[done..done + k])?;
        done += k;
    }
    mem.write_u32(ro_datalen, got as u32)?;
    mem.write_u16(ro_flags, 0)?;
    Ok(())
}

/// `sock_send(fd, si_data: *const ciovec, si_data_len: u32, si_flags: siflags,
/// so_datalen: *mut u32) -> errno`
///
/// Sends the `si_data_len` buffers at `si_data` on connection `fd` with one `sendmsg`-like call
/// and writes the byte count (possibly partial) to `so_datalen`.
/// Errors: `EBADF`, `ENOTSOCK`, `ENOTCONN` (a listener), `ENOTSUP` (`si_flags` ≠ 0: the snapshot
/// defines no send flags; as wasmtime), `EFAULT` (checked first), `EAGAIN` (non-blocking, buffer
/// full), `EPIPE`/`ECONNRESET` (peer gone).
/// Go: not imported (Go writes connections with `fd_write`).
fn sock_send(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, iovs, niovs, si_flags, out) = (
        arg32(args, 0),
        arg32(args, 1),
        arg32(args, 2),
        arg32(args, 3),
        arg32(args, 4),
    );
    let sock = socket(ctx, fd)?;
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, out, 4)?;
    if si_flags != 0 {
        return Err(Errno::NOTSUP);
    }
    let n = {
        let bufs: Vec<IoSlice<'_>> = iovs
            .iter()
            .filter(|&&(_, len)| len > 0)
            .map(|&(ptr, len)| IoSlice::new(mem.slice(ptr, len).expect("checked by read_iovecs")))
            .collect();
        sock.send(&bufs)?
    };
    mem.write_u32(out, n as u32)?;
    Ok(())
}

/// `sock_shutdown(fd, how: sdflags) -> errno`
///
/// Shuts down the read side (`how` = `RD`, 1), the write side (`WR`, 2: the peer reads end of
/// stream) or both (3) of connection `fd`. The fd stays open until `fd_close`.
/// Errors: `EBADF`, `ENOTSOCK`, `ENOTCONN` (a listener: it has no connection to shut down),
/// `EINVAL` (`how` not 1, 2 or 3), host errors.
/// Go: `syscall.Shutdown` (`net.(*TCPConn).CloseWrite`/`CloseRead`).
fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, how) = (arg32(args, 0), arg32(args, 1));
    let stream = match socket(ctx, fd)? {
        Socket::Stream(s) => s,
        Socket::Listener(_) => return Err(Errno::NOTCONN),
    };
    let how = match how {
        SHUT_RD => Shutdown::Read,
        SHUT_WR => Shutdown::Write,
        h if h == SHUT_RD | SHUT_WR => Shutdown::Both,
        _ => return Err(Errno::INVAL),
    };
    stream.shutdown(how)?;
    Ok(())
}

#[cfg(test)]
mod tests;
