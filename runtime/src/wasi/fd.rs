//! File-descriptor I/O and descriptor state: `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`,
//! `fd_seek`, `fd_tell`, `fd_close`, `fd_renumber`, `fd_fdstat_get`, `fd_fdstat_set_flags`,
//! `fd_fdstat_set_rights`, `fd_prestat_get`, `fd_prestat_dir_name`.
//! (Metadata, sync and directory reading are in `filestat.rs`.)
//!
//! Descriptors are stdin (readable stream), stdout/stderr (writable streams), directories and
//! files (see `Desc` in `mod.rs`). Standard streams are always blocking and unseekable.

use super::abi::{Fdstat, fdflags, filetype, rights};
use super::{
    Desc, Errno, GetCtx, I32, I64, Input, Output, WasiCtx, arg32, arg64, check_range, define,
    define_waiting, read_iovecs,
};
use crate::{GuestMemory, InterruptHandle, Linker};
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define_waiting(linker, ctx, "fd_read", &[I32, I32, I32, I32], fd_read);
    define(linker, ctx, "fd_write", &[I32, I32, I32, I32], fd_write);
    define(
        linker,
        ctx,
        "fd_pread",
        &[I32, I32, I32, I64, I32],
        fd_pread,
    );
    define(
        linker,
        ctx,
        "fd_pwrite",
        &[I32, I32, I32, I64, I32],
        fd_pwrite,
    );
    define(linker, ctx, "fd_seek", &[I32, I64, I32, I32], fd_seek);
    define(linker, ctx, "fd_tell", &[I32, I32], fd_tell);
    define(linker, ctx, "fd_close", &[I32], fd_close);
    define(linker, ctx, "fd_renumber", &[I32, I32], fd_renumber);
    define(linker, ctx, "fd_fdstat_get", &[I32, I32], fd_fdstat_get);
    define(
        linker,
        ctx,
        "fd_fdstat_set_flags",
        &[I32, I32],
        fd_fdstat_set_flags,
    );
    define(
        linker,
        ctx,
        "fd_fdstat_set_rights",
        &[I32, I64, I64],
        fd_fdstat_set_rights,
    );
    define(linker, ctx, "fd_prestat_get", &[I32, I32], fd_prestat_get);
    define(
        linker,
        ctx,
        "fd_prestat_dir_name",
        &[I32, I32, I32],
        fd_prestat_dir_name,
    );
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

/// Reads once with `read` into the iovecs: straight into guest memory when there is a single
/// non-empty buffer (Go's case), else through a bounce buffer that is then scattered in order.
fn read_into(
    mem: &mut GuestMemory<'_>,
    iovs: &[(u32, u32)],
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Result<u32, Errno> {
    let bufs: Vec<(u32, u32)> = iovs.iter().copied().filter(|&(_, len)| len > 0).collect();
    let n = match bufs.as_slice() {
        [] => return Ok(0),
        &[(ptr, len)] => retry(|| read(mem.slice_mut(ptr, len).expect("checked by read_iovecs")))?,
        many => {
            let total: usize = many.iter().map(|&(_, len)| len as usize).sum();
            let mut tmp = vec![0u8; total];
            let n = retry(|| read(&mut tmp))?.min(total);
            let mut done = 0;
            for &(ptr, len) in many {
                if done == n {
                    break;
                }
                let k = (len as usize).min(n - done);
                mem.write(ptr, &tmp[done..done + k])?;
                done += k;
            }
            n
        }
    };
    Ok(n as u32)
}

/// The non-empty ciovec buffers as `IoSlice`s.
fn gather<'m>(mem: &'m GuestMemory<'_>, iovs: &[(u32, u32)]) -> Vec<IoSlice<'m>> {
    iovs.iter()
        .filter(|&&(_, len)| len > 0)
        .map(|&(ptr, len)| IoSlice::new(mem.slice(ptr, len).expect("checked by read_iovecs")))
        .collect()
}

/// An inherited standard stream, used in blocking mode even if the host descriptor is
/// non-blocking (the open file description is shared with the parent, which may have set
/// `O_NONBLOCK`): `EAGAIN` waits for readiness with poll(2) and retries, as wasmtime's blocking
/// stream operations do. The guest never sees `EAGAIN` on stdio, consistent with stdio not
/// reporting `NONBLOCK`.
/// An inherited host stream (stdin/stdout/stderr), with the store's interrupt wake descriptor
/// when reads must end at an interrupt (see `vm::interrupt`).
struct HostStream<'a>(&'a std::fs::File, Option<std::os::fd::BorrowedFd<'a>>);

impl HostStream<'_> {
    /// Waits until the stream is ready for `flags`; an error (`ErrorKind::TimedOut`) if the
    /// store is interrupted first.
    fn wait(&self, flags: nix::poll::PollFlags) -> io::Result<()> {
        use std::os::fd::AsFd;
        let mut fds = vec![nix::poll::PollFd::new(self.0.as_fd(), flags)];
        if let Some(wake) = self.1 {
            fds.push(nix::poll::PollFd::new(wake, nix::poll::PollFlags::POLLIN));
        }
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(io::Error::from(e)),
        }
        if fds.get(1).is_some_and(|w| w.any().unwrap_or(false)) {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "interrupted"));
        }
        Ok(())
    }
}

impl Read for HostStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.1.is_some() {
                // A blocking read could not be interrupted: wait for data (or the interrupt)
                // first.
                self.wait(nix::poll::PollFlags::POLLIN)?;
            }
            match (&*self.0).read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait(nix::poll::PollFlags::POLLIN)?
                }
                other => return other,
            }
        }
    }
}

impl Write for HostStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        loop {
            match (&*self.0).write_vectored(bufs) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait(nix::poll::PollFlags::POLLOUT)?
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes all of `bufs` to a stream (a blocking write to a tty or pipe completes, as in
/// wasmtime). If an error happens after some bytes went out, the call succeeds with the count
/// written so far (POSIX partial-write semantics); the error shows on the next call. A writer
/// that accepts 0 bytes ends the loop with a short count.
fn write_stream(w: &mut dyn Write, mut bufs: &mut [IoSlice<'_>]) -> Result<u32, Errno> {
    let mut written = 0usize;
    while !bufs.is_empty() {
        match w.write_vectored(bufs) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                IoSlice::advance_slices(&mut bufs, n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if written > 0 => {
                let _ = e;
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(written as u32)
}

/// `fd_read(fd, iovs: *const iovec, iovs_len: u32, nread: *mut u32) -> errno`
///
/// Reads from `fd` into the `iovs_len` buffers described at `iovs` (`{buf: u32, buf_len: u32}`,
/// 8 bytes each), filled in order; writes the byte count to `nread` (0 at end of file).
/// stdin reads block (see `fd_fdstat_set_flags` for why stdio never becomes non-blocking); files
/// read at and advance the file position; a connected socket is `recv`ed from once (`EAGAIN` if
/// it is non-blocking and nothing is ready; see `sock.rs`).
/// Errors: `EBADF` if `fd` is not open, is stdout/stderr, a directory, or a file opened without
/// read rights; `ENOTCONN` for a listening socket; `EFAULT` if the iovec array, a buffer or
/// `nread` is outside memory (checked before reading); host errors mapped (`EIO`, ...).
/// Go: `syscall.Read` (`syscall/fs_wasip1.go`), one iovec.
fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
    interrupt: Option<&InterruptHandle>,
) -> Result<(), Errno> {
    let wake = match interrupt {
        Some(h) => Some(h.wake_fd().map_err(Errno::from)?),
        None => None,
    };
    let (fd, iovs, niovs, nread) = (
        arg32(args, 0),
        arg32(args, 1),
        arg32(args, 2),
        arg32(args, 3),
    );
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, nread, 4)?;
    let n = match ctx.fds.get_mut(fd)? {
        Desc::Input(Input::Host { file, .. }) => {
            read_into(mem, &iovs, |b| HostStream(file, wake).read(b))?
        }
        Desc::Input(Input::Custom(r)) => read_into(mem, &iovs, |b| r.read(b))?,
        Desc::File(f) if f.readable => read_into(mem, &iovs, |b| (&f.file).read(b))?,
        Desc::Socket(s) => read_into(mem, &iovs, |b| s.recv(b, false))?,
        _ => return Err(Errno::BADF),
    };
    mem.write_u32(nread, n)?;
    Ok(())
}

/// Records the first `n` bytes of the buffers `iovs` (checked by `read_iovecs`) in `tail`.
fn record_written(
    tail: &mut super::OutputTail,
    mem: &GuestMemory<'_>,
    iovs: &[(u32, u32)],
    n: u32,
) {
    let mut left = n;
    for &(ptr, len) in iovs {
        if left == 0 {
            break;
        }
        let take = len.min(left);
        if let Ok(bytes) = mem.slice(ptr, take) {
            tail.record(bytes);
        }
        left -= take;
    }
}

/// `fd_write(fd, iovs: *const ciovec, iovs_len: u32, nwritten: *mut u32) -> errno`
///
/// Writes the `iovs_len` buffers described at `iovs` (8 bytes each, as for `fd_read`) to `fd`,
/// in order, and writes the byte count to `nwritten`. On stdout/stderr the whole data is written
/// (blocking, like wasmtime) and custom writers are flushed; on files and connected sockets one
/// `writev` is issued (appending if the fd has `APPEND`), which may be partial (`EAGAIN` on a
/// full non-blocking socket). What is written to fd 2 is also kept in the context's stderr tail
/// (the last 8 KiB), which the error of a failing guest call carries.
/// Errors: `EBADF` if `fd` is not open, is stdin, a directory, or a file opened without write
/// rights; `ENOTCONN` for a listening socket; `EFAULT` for a bad iovec array, buffer or `nwritten` (checked before writing);
/// `EPIPE`, `ENOSPC`, ... from the host.
/// Go: `runtime.write1` (panics, `print`; 1 iovec, `runtime/os_wasip1.go`), `syscall.Write`.
fn fd_write(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, iovs, niovs, nwritten) = (
        arg32(args, 0),
        arg32(args, 1),
        arg32(args, 2),
        arg32(args, 3),
    );
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, nwritten, 4)?;
    let n = {
        let mut bufs = gather(mem, &iovs);
        let n = match ctx.fds.get_mut(fd)? {
            Desc::Output(Output::Host { file, .. }) => {
                write_stream(&mut HostStream(file, None), &mut bufs)?
            }
            Desc::Output(Output::Custom(w)) => {
                let n = write_stream(w.as_mut(), &mut bufs)?;
                w.flush()?;
                n
            }
            Desc::File(f) if f.writable => {
                if bufs.is_empty() {
                    0
                } else {
                    retry(|| (&f.file).write_vectored(&bufs))? as u32
                }
            }
            Desc::Socket(s) => s.send(&bufs)? as u32,
            _ => return Err(Errno::BADF),
        };
        if fd == 2 {
            record_written(&mut ctx.stderr_tail, mem, &iovs, n);
        }
        n
    };
    mem.write_u32(nwritten, n)?;
    Ok(())
}

/// `fd_pread(fd, iovs: *const iovec, iovs_len: u32, offset: u64, nread: *mut u32) -> errno`
///
/// Like `fd_read`, at file offset `offset`, without using or moving the file position.
/// Errors: `ESPIPE` on stdin and sockets, `EBADF` on other non-files or without read rights, `EINVAL` for an
/// offset ≥ 2⁶³, `EFAULT` as `fd_read`.
/// Go: `syscall.Pread` (`os.File.ReadAt`).
fn fd_pread(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, iovs, niovs) = (arg32(args, 0), arg32(args, 1), arg32(args, 2));
    let (offset, nread) = (arg64(args, 3), arg32(args, 4));
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, nread, 4)?;
    let n = match ctx.fds.get(fd)? {
        Desc::File(f) if f.readable => {
            if offset > i64::MAX as u64 {
                return Err(Errno::INVAL);
            }
            read_into(mem, &iovs, |b| f.file.read_at(b, offset))?
        }
        Desc::Input(_) | Desc::Socket(_) => return Err(Errno::SPIPE),
        _ => return Err(Errno::BADF),
    };
    mem.write_u32(nread, n)?;
    Ok(())
}

/// `fd_pwrite(fd, iovs: *const ciovec, iovs_len: u32, offset: u64, nwritten: *mut u32) -> errno`
///
/// Like `fd_write`, at file offset `offset`, without using or moving the file position. On a
/// file with `APPEND` the data is appended whatever `offset` says (Linux `pwrite` semantics, as
/// in wasmtime).
/// Errors: `ESPIPE` on stdout/stderr and sockets, `EBADF` on other non-files or without write rights,
/// `EINVAL` for an offset ≥ 2⁶³, `EFAULT` as `fd_write`.
/// Go: `syscall.Pwrite` (`os.File.WriteAt`).
fn fd_pwrite(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, iovs, niovs) = (arg32(args, 0), arg32(args, 1), arg32(args, 2));
    let (offset, nwritten) = (arg64(args, 3), arg32(args, 4));
    let iovs = read_iovecs(mem, iovs, niovs)?;
    check_range(mem, nwritten, 4)?;
    let n = match ctx.fds.get(fd)? {
        Desc::File(f) if f.writable => {
            if offset > i64::MAX as u64 {
                return Err(Errno::INVAL);
            }
            let bufs = gather(mem, &iovs);
            match bufs.as_slice() {
                [] => 0,
                [one] => retry(|| f.file.write_at(one, offset))?,
                many => {
                    let data: Vec<u8> = many.iter().flat_map(|b| b.iter().copied()).collect();
                    retry(|| f.file.write_at(&data, offset))?
                }
            }
        }
        Desc::Output(_) | Desc::Socket(_) => return Err(Errno::SPIPE),
        _ => return Err(Errno::BADF),
    };
    mem.write_u32(nwritten, n as u32)?;
    Ok(())
}

/// `fd_seek(fd, offset: i64, whence: u8, newoffset: *mut u64) -> errno`
///
/// Moves the file position of a file to `offset` relative to the start (`whence` 0), the current
/// position (1) or the end (2), and writes the new position to `newoffset`.
/// Errors: `ESPIPE` on stdio and sockets, `EBADF` if `fd` is not open or is a directory (as wasmtime; Go
/// rewinds directories itself), `EINVAL` for a bad `whence` or a resulting position < 0,
/// `EFAULT` for a bad `newoffset` (checked before seeking).
/// Go: `syscall.Seek` (`os.File.Seek`).
fn fd_seek(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, offset, whence, out) = (
        arg32(args, 0),
        arg64(args, 1) as i64,
        arg32(args, 2),
        arg32(args, 3),
    );
    check_range(mem, out, 8)?;
    let file = seekable(ctx, fd)?;
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL),
    };
    let mut file = file;
    let new = file.seek(pos)?;
    mem.write_u64(out, new)?;
    Ok(())
}

fn seekable(ctx: &WasiCtx, fd: u32) -> Result<&std::fs::File, Errno> {
    match ctx.fds.get(fd)? {
        Desc::File(f) => Ok(&f.file),
        Desc::Input(_) | Desc::Output(_) | Desc::Socket(_) => Err(Errno::SPIPE),
        Desc::Dir(_) => Err(Errno::BADF),
    }
}

/// `fd_tell(fd, offset: *mut u64) -> errno`
///
/// Writes the file position of `fd` to `offset`. Errors as `fd_seek`.
/// Go: not imported (Go uses `fd_seek(fd, 0, 1)`).
fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, out) = (arg32(args, 0), arg32(args, 1));
    check_range(mem, out, 8)?;
    let mut file = seekable(ctx, fd)?;
    let pos = file.stream_position()?;
    mem.write_u64(out, pos)?;
    Ok(())
}

/// `fd_close(fd) -> errno`
///
/// Closes `fd` (any kind, including stdio and preopens; closing the guest's stdout does not close
/// the host's). The number becomes free for the next `path_open`.
/// Errors: `EBADF` if `fd` is not open.
/// Go: `syscall.Close`.
fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    ctx.fds.remove(arg32(args, 0)).map(drop)
}

/// `fd_renumber(from, to) -> errno`
///
/// Moves descriptor `from` to number `to`, closing what `to` referred to; `from` becomes free.
/// Errors: `EBADF` unless both `from` and `to` are open (as wasmtime). Go: not imported.
fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    ctx.fds.renumber(arg32(args, 0), arg32(args, 1))
}

/// The `fdstat` of a descriptor (wasmtime-compatible).
pub(crate) fn fdstat(desc: &Desc) -> Result<Fdstat, Errno> {
    let stream = |tty: bool, r: u64| Fdstat {
        // wasmtime: a terminal is a character device; pipes, files and custom streams are
        // "unknown" (it cannot tell what is behind a stream).
        filetype: if tty {
            filetype::CHARACTER_DEVICE
        } else {
            filetype::UNKNOWN
        },
        flags: 0,
        rights_base: r,
        rights_inheriting: r,
    };
    Ok(match desc {
        Desc::Input(Input::Host { tty, .. }) => stream(*tty, rights::FD_READ),
        Desc::Input(Input::Custom(_)) => stream(false, rights::FD_READ),
        Desc::Output(Output::Host { tty, .. }) => stream(*tty, rights::FD_WRITE),
        Desc::Output(Output::Custom(_)) => stream(false, rights::FD_WRITE),
        Desc::Dir(d) if d.preopen.is_some() => Fdstat {
            filetype: filetype::DIRECTORY,
            flags: 0,
            rights_base: rights::PREOPEN_BASE,
            rights_inheriting: rights::PREOPEN_INHERITING,
        },
        Desc::Dir(_) => {
            let r = rights::ALL
                & !(rights::FD_SEEK
                    | rights::FD_FILESTAT_SET_SIZE
                    | rights::PATH_FILESTAT_SET_SIZE
                    | rights::FD_WRITE);
            Fdstat {
                filetype: filetype::DIRECTORY,
                flags: 0,
                rights_base: r,
                rights_inheriting: r,
            }
        }
        Desc::File(f) => {
            let mut r = rights::ALL;
            if !f.readable {
                r &= !(rights::FD_READ | rights::FD_READDIR);
            }
            if !f.writable {
                r &= !rights::FD_WRITE;
            }
            let ft = super::abi::filetype_of(&f.file.metadata()?.file_type());
            Fdstat {
                filetype: ft,
                flags: f.fdflags,
                rights_base: r,
                rights_inheriting: r,
            }
        }
        Desc::Socket(s) => s.fdstat()?,
    })
}

/// `fd_fdstat_get(fd, buf: *mut fdstat) -> errno`
///
/// Writes the 24-byte `fdstat` of `fd` to `buf`: `fs_filetype: u8 @0, fs_flags: u16 @2,
/// fs_rights_base: u64 @8, fs_rights_inheriting: u64 @16` (padding zeroed). As wasmtime:
/// stdio is `CHARACTER_DEVICE` when it is a terminal and `UNKNOWN` otherwise (pipe, file,
/// custom), flags 0, rights `FD_READ` (stdin) or `FD_WRITE` (stdout/stderr); a preopen is a
/// `DIRECTORY` with wasmtime's fixed rights; a file reports its fdflags and all rights minus
/// read/write when not opened so; a socket is a `SOCKET_STREAM` with `NONBLOCK` when the host
/// socket is non-blocking (preopened listeners are; see `sock.rs`).
/// Errors: `EBADF` if `fd` is not open, `EFAULT` for a bad `buf`.
/// Go: `syscall.fd_fdstat_get_flags` (`os.NewFile` checks NONBLOCK), `fd_fdstat_get_type`
/// (`net`), and the startup sequence on fds 0–2.
fn fd_fdstat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, buf) = (arg32(args, 0), arg32(args, 1));
    check_range(mem, buf, Fdstat::SIZE)?;
    let st = fdstat(ctx.fds.get(fd)?)?;
    mem.write(buf, &st.encode())?;
    Ok(())
}

/// `fd_fdstat_set_flags(fd, flags: fdflags) -> errno`
///
/// Changes the `APPEND` and `NONBLOCK` flags of a file opened with `path_open`. `APPEND` is
/// applied to the host file (`O_APPEND`); `NONBLOCK` is recorded and reported (regular files
/// never block).
///
/// **Standard streams and directories answer `EBADF`, exactly as wasmtime does.** Go's
/// `syscall` init calls `SetNonblock(0/1/2, true)` and ignores the error, so stdio stays in
/// blocking mode, `os.NewFile` sees no NONBLOCK in `fd_fdstat_get` and Go does blocking reads and
/// writes on stdio without involving the netpoller. Accepting the flag would oblige `fd_read` on
/// stdin to return `EAGAIN` when no input is ready, i.e. to put the host's stdin into
/// `O_NONBLOCK` — which changes the open file description shared with the parent shell and
/// other processes — or to emulate it with a poll before every read. Neither is worth it while
/// gojit runs one guest thread.
///
/// On a socket, `flags` must be exactly `NONBLOCK` or 0 and switches the host socket between
/// non-blocking and blocking mode (Go does this on every accepted connection).
///
/// Errors: `EBADF` (not open, stdio, directory), `EINVAL` for unknown bits or for
/// `DSYNC`/`RSYNC`/`SYNC` (cannot be changed after open, as wasmtime), or for anything but
/// `NONBLOCK`/0 on a socket.
/// Go: `syscall.SetNonblock` (`syscall/fs_wasip1.go` init, `os` for pipes/files).
fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let (fd, flags) = (arg32(args, 0), arg32(args, 1));
    let desc = ctx.fds.get_mut(fd)?;
    if let Desc::Socket(s) = desc {
        return s.set_fdflags(flags);
    }
    let Desc::File(f) = desc else {
        return Err(Errno::BADF);
    };
    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
    if flags & !fdflags::ALL != 0 || flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0
    {
        return Err(Errno::INVAL);
    }
    let append = flags & fdflags::APPEND != 0;
    if append != (f.fdflags & fdflags::APPEND != 0) {
        use nix::fcntl::{FcntlArg, OFlag, fcntl};
        let current = OFlag::from_bits_truncate(fcntl(&f.file, FcntlArg::F_GETFL)?);
        let new = if append {
            current | OFlag::O_APPEND
        } else {
            current - OFlag::O_APPEND
        };
        fcntl(&f.file, FcntlArg::F_SETFL(new))?;
    }
    let keep = f.fdflags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC);
    f.fdflags = keep | (flags & (fdflags::APPEND | fdflags::NONBLOCK));
    Ok(())
}

/// `fd_fdstat_set_rights(fd, fs_rights_base: u64, fs_rights_inheriting: u64) -> errno`
///
/// Rights are not enforced, so they cannot be dropped either: `ENOTSUP` for an open fd (as
/// wasmtime), `EBADF` otherwise. Go: declared in `syscall/fs_wasip1.go`, never linked in
/// practice.
fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    ctx.fds.get(arg32(args, 0))?;
    Err(Errno::NOTSUP)
}

/// `fd_prestat_get(fd, buf: *mut prestat) -> errno`
///
/// For a preopened directory, writes the 8-byte `prestat` to `buf`: tag `u8 @0` = 0 (`dir`),
/// `pr_name_len: u32 @4` = byte length of its guest name (padding zeroed).
/// Errors: `EBADF` for a closed fd *and* for an open fd that is not a preopen (as wasmtime; Go
/// probes fds 3, 4, … until `EBADF`) — except a socket: `ENOTDIR`, on which Go's probe skips
/// to the next fd, so preopened directories after preopened sockets are found; `EFAULT` for a
/// bad `buf`.
/// Go: `syscall` init (`syscall/fs_wasip1.go`).
fn fd_prestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, buf) = (arg32(args, 0), arg32(args, 1));
    check_range(mem, buf, 8)?;
    if let Desc::Socket(_) = ctx.fds.get(fd)? {
        return Err(Errno::NOTDIR);
    }
    let Desc::Dir(super::DirDesc {
        preopen: Some(name),
        ..
    }) = ctx.fds.get(fd)?
    else {
        return Err(Errno::BADF);
    };
    let len = u32::try_from(name.len()).map_err(|_| Errno::OVERFLOW)?;
    let mut rec = [0u8; 8];
    rec[4..8].copy_from_slice(&len.to_le_bytes());
    mem.write(buf, &rec)?;
    Ok(())
}

/// `fd_prestat_dir_name(fd, path: *mut u8, path_len: u32) -> errno`
///
/// Writes the guest name of preopen `fd` (no NUL terminator) to `path`.
/// Errors: `EBADF` if `fd` is not open, `ENOTDIR` if it is not a preopen (as wasmtime),
/// `ENAMETOOLONG` if `path_len` is smaller than the name, `EFAULT` for a bad buffer.
/// Go: `syscall` init, with `path_len` = `pr_name_len`.
fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let (fd, path, path_len) = (arg32(args, 0), arg32(args, 1), arg32(args, 2));
    let Desc::Dir(super::DirDesc {
        preopen: Some(name),
        ..
    }) = ctx.fds.get(fd)?
    else {
        return Err(Errno::NOTDIR);
    };
    if name.len() > path_len as usize {
        return Err(Errno::NAMETOOLONG);
    }
    super::write_bytes(mem, path, name.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests;
