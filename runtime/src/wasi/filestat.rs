//! Descriptor metadata, sync and directory reading: `fd_filestat_get`, `fd_filestat_set_size`,
//! `fd_filestat_set_times`, `fd_advise`, `fd_allocate`, `fd_sync`, `fd_datasync`, `fd_readdir`.

use super::abi::{self, Filestat, filetype, fstflags};
use super::{
    Desc, DirDesc, Errno, GetCtx, I32, I64, Input, Output, WasiCtx, arg32, arg64, check_range,
    define,
};
use crate::{GuestMemory, Linker};
use std::fs::{File, FileTimes};
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(linker, ctx, "fd_filestat_get", &[I32, I32], fd_filestat_get);
    define(
        linker,
        ctx,
        "fd_filestat_set_size",
        &[I32, I64],
        fd_filestat_set_size,
    );
    define(
        linker,
        ctx,
        "fd_filestat_set_times",
        &[I32, I64, I64, I32],
        fd_filestat_set_times,
    );
    define(linker, ctx, "fd_advise", &[I32, I64, I64, I32], fd_advise);
    define(linker, ctx, "fd_allocate", &[I32, I64, I64], fd_allocate);
    define(linker, ctx, "fd_sync", &[I32], fd_sync);
    define(linker, ctx, "fd_datasync", &[I32], fd_datasync);
    define(
        linker,
        ctx,
        "fd_readdir",
        &[I32, I32, I32, I64, I32],
        fd_readdir,
    );
}

/// A host `File` for an open directory, for the fd-level operations cap-std's `Dir` does not
/// offer (sync, set times). cap-std holds directories as `O_PATH` descriptors, on which
/// `fsync`/`futimens` fail, so the directory is reopened (read-only) through itself.
fn dir_file(d: &DirDesc) -> Result<File, Errno> {
    use cap_fs_ext::OpenOptionsMaybeDirExt;
    let mut opts = cap_std::fs::OpenOptions::new();
    opts.read(true).maybe_dir(true);
    Ok(d.dir.open_with(".", &opts)?.into_std())
}

/// `fd_filestat_get(fd, buf: *mut filestat) -> errno`
///
/// Writes the 64-byte `filestat` of `fd` to `buf`: `dev @0, ino @8, filetype: u8 @16, nlink @24,
/// size @32, atim @40, mtim @48, ctim @56` (u64s; times in ns since the epoch; padding zeroed).
/// Files and directories report the host's real `fstat` values (so Go's `os.SameFile` works);
/// stdio reports zeros and its fdstat filetype, as wasmtime does; a socket reports the host's
/// `fstat` with filetype `SOCKET_STREAM`.
/// Errors: `EBADF` if `fd` is not open, `EFAULT` for a bad `buf`.
/// Go: `syscall.Fstat` (`os.File.Stat`, `internal/poll` seek on directories).
fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let (fd, buf) = (arg32(args, 0), arg32(args, 1));
    check_range(mem, buf, Filestat::SIZE)?;
    let desc = ctx.fds.get(fd)?;
    let st = match desc {
        Desc::File(f) => abi::filestat_of(&f.file.metadata()?),
        Desc::Dir(d) => abi::cap_filestat_of(&d.dir.dir_metadata()?),
        Desc::Input(_) | Desc::Output(_) => Filestat {
            filetype: super::fd::fdstat(desc)?.filetype,
            ..Filestat::default()
        },
        Desc::Socket(s) => s.filestat()?,
    };
    mem.write(buf, &st.encode())?;
    Ok(())
}

/// `fd_filestat_set_size(fd, size: u64) -> errno`
///
/// Truncates or zero-extends file `fd` to `size` bytes (`ftruncate`); the position is unchanged.
/// Errors: `EBADF` if `fd` is not an open file (stdio, directories: as wasmtime), `EINVAL` if the
/// file was not opened for writing (Linux `ftruncate`) or `size` ≥ 2⁶³, `EFBIG`/`ENOSPC`/... from
/// the host.
/// Go: `syscall.Ftruncate` (`os.File.Truncate`, `os.Truncate`).
fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let (fd, size) = (arg32(args, 0), arg64(args, 1));
    let f = ctx.fds.file(fd)?;
    if !f.writable || size > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    f.file.set_len(size)?;
    Ok(())
}

/// One timestamp of a `*_set_times` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeSpec {
    /// Leave unchanged.
    Omit,
    /// Set to the current time.
    Now,
    /// Set to this time.
    At(SystemTime),
}

/// Decodes `(atim, mtim, fst_flags)`. `EINVAL` for unknown bits or for a time given both as a
/// value and as "now".
pub(crate) fn file_times(atim: u64, mtim: u64, flags: u32) -> Result<(TimeSpec, TimeSpec), Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
    if flags & !fstflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    let pick = |set: u16, now: u16, ts: u64| match (flags & set != 0, flags & now != 0) {
        (true, true) => Err(Errno::INVAL),
        (true, false) => Ok(TimeSpec::At(UNIX_EPOCH + Duration::from_nanos(ts))),
        (false, true) => Ok(TimeSpec::Now),
        (false, false) => Ok(TimeSpec::Omit),
    };
    Ok((
        pick(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        pick(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

/// `fd_filestat_set_times(fd, atim: u64, mtim: u64, fst_flags: fstflags) -> errno`
///
/// Sets the access and/or modification time of file or directory `fd` (`futimens`): with
/// `ATIM` (1) / `MTIM` (4) to `atim` / `mtim` (ns since the epoch), with `ATIM_NOW` (2) /
/// `MTIM_NOW` (8) to the current time; a time with neither flag is left unchanged.
/// Errors: `EBADF` if `fd` is not open or is stdio (as wasmtime), `EINVAL` for unknown flag bits
/// or `ATIM|ATIM_NOW` / `MTIM|MTIM_NOW` together, `EPERM`/`EACCES` from the host.
/// Go: not imported (Go sets times by path).
fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let fd = arg32(args, 0);
    let (atime, mtime) = file_times(arg64(args, 1), arg64(args, 2), arg32(args, 3))?;
    let now = SystemTime::now();
    let resolve = |t: TimeSpec| match t {
        TimeSpec::Omit => None,
        TimeSpec::Now => Some(now),
        TimeSpec::At(t) => Some(t),
    };
    let mut times = FileTimes::new();
    if let Some(t) = resolve(atime) {
        times = times.set_accessed(t);
    }
    if let Some(t) = resolve(mtime) {
        times = times.set_modified(t);
    }
    match ctx.fds.get(fd)? {
        Desc::File(f) => f.file.set_times(times)?,
        Desc::Dir(d) => dir_file(d)?.set_times(times)?,
        _ => return Err(Errno::BADF),
    }
    Ok(())
}

/// `fd_advise(fd, offset: u64, len: u64, advice: u8) -> errno`
///
/// Accepts an access-pattern hint (`advice` 0 normal … 5 noreuse) for file `fd` and ignores it:
/// advice never changes results.
/// Errors: `EBADF` if `fd` is not an open file (as wasmtime), `EINVAL` for an unknown advice.
/// Go: not imported.
fn fd_advise(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, advice) = (arg32(args, 0), arg32(args, 3));
    ctx.fds.file(fd)?;
    if advice > 5 {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// `fd_allocate(fd, offset: u64, len: u64) -> errno`
///
/// Ensures file `fd` is at least `offset + len` bytes long, zero-extending it if needed (the
/// observable effect of `posix_fallocate`; the file is never shrunk).
/// Errors: `EBADF` if `fd` is not an open file or was not opened for writing, `EINVAL` if `len`
/// is 0, `EFBIG` if `offset + len` ≥ 2⁶³.
/// Go: not imported.
fn fd_allocate(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, offset, len) = (arg32(args, 0), arg64(args, 1), arg64(args, 2));
    let f = ctx.fds.file(fd)?;
    if !f.writable {
        return Err(Errno::BADF);
    }
    if len == 0 {
        return Err(Errno::INVAL);
    }
    let end = offset
        .checked_add(len)
        .filter(|&e| e <= i64::MAX as u64)
        .ok_or(Errno::FBIG)?;
    if f.file.metadata()?.len() < end {
        f.file.set_len(end)?;
    }
    Ok(())
}

fn sync(ctx: &mut WasiCtx, fd: u32, data_only: bool) -> Result<(), Errno> {
    let run = |f: &File| {
        if data_only {
            f.sync_data()
        } else {
            f.sync_all()
        }
    };
    match ctx.fds.get_mut(fd)? {
        Desc::File(f) => run(&f.file)?,
        Desc::Dir(d) => run(&dir_file(d)?)?,
        // The host decides, as for a native program: EINVAL for a terminal or pipe, success when
        // stdio is redirected to a file.
        Desc::Input(Input::Host { file, .. }) | Desc::Output(Output::Host { file, .. }) => {
            run(file)?
        }
        Desc::Output(Output::Custom(w)) => w.flush()?,
        // fsync(2) on a socket: EINVAL.
        Desc::Input(Input::Custom(_)) | Desc::Socket(_) => return Err(Errno::INVAL),
    }
    Ok(())
}

/// `fd_sync(fd) -> errno`
///
/// Flushes data and metadata of `fd` to storage (`fsync`). Files and directories are synced;
/// inherited stdio is passed to the host `fsync` (`EINVAL` for a terminal or pipe, like a native
/// program); a custom stdout/stderr writer is flushed; sockets are `EINVAL`.
/// Errors: `EBADF` if `fd` is not open, host errors.
/// Go: `syscall.Fsync` (`os.File.Sync`).
fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    sync(ctx, arg32(args, 0), false)
}

/// `fd_datasync(fd) -> errno`
///
/// Like `fd_sync`, data only (`fdatasync`). Go: not imported.
fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    sync(ctx, arg32(args, 0), true)
}

/// One directory entry as `fd_readdir` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirEntryRec {
    pub(crate) name: Vec<u8>,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
}

/// `.`, `..`, then the entries in host order. `..` reports the directory's own inode, as
/// wasmtime does (the parent may be outside the sandbox; Go skips both names anyway).
fn list(d: &DirDesc) -> Result<Vec<DirEntryRec>, Errno> {
    use cap_std::fs::MetadataExt;
    let ino = d.dir.dir_metadata()?.ino();
    let mut out = vec![
        DirEntryRec {
            name: b".".to_vec(),
            ino,
            filetype: filetype::DIRECTORY,
        },
        DirEntryRec {
            name: b"..".to_vec(),
            ino,
            filetype: filetype::DIRECTORY,
        },
    ];
    for entry in d.dir.entries()? {
        let entry = entry?;
        let filetype = entry
            .file_type()
            .map_or(filetype::UNKNOWN, |ft| abi::cap_filetype_of(&ft));
        // The entry may vanish between listing and stat; it is still listed (with inode 0).
        let ino = entry.metadata().map_or(0, |md| md.ino());
        out.push(DirEntryRec {
            name: entry.file_name().as_bytes().to_vec(),
            ino,
            filetype,
        });
    }
    Ok(out)
}

/// `fd_readdir(fd, buf: *mut u8, buf_len: u32, cookie: u64, bufused: *mut u32) -> errno`
///
/// Fills `buf` with directory entries of `fd` starting at entry number `cookie` (0 = first).
/// Each entry is a 24-byte `dirent` — `d_next: u64 @0` (the cookie of the following entry),
/// `d_ino: u64 @8`, `d_namlen: u32 @16`, `d_type: u8 @20` — followed by the name (no NUL).
/// The list starts with `.` (cookie 0 → `d_next` 1) and `..` (`d_next` 2); real entries have
/// `d_next` 3, 4, …. Entries are packed back to back; when the next entry does not fit, as much
/// of it as fits is written (header and/or name truncated) and `bufused = buf_len`, which tells
/// the caller there is more: it must call again with the `d_next` of the last *complete* entry.
/// `bufused < buf_len` means the end of the directory was reached. This is the spec's and
/// wasmtime's contract, and what Go's `internal/poll.(*FD).ReadDirent` expects.
/// A listing is taken when `cookie` is 0 (or on the first call) and later cookies are served
/// from it, so one pass sees a consistent snapshot even if the directory changes meanwhile.
/// Errors: `EBADF` if `fd` is not open or is stdio, `ENOTDIR` for a file, `EFAULT` for a bad
/// `buf`/`bufused` (the whole `buf_len` range is checked first).
/// Go: `syscall.ReadDir` (`os.File.ReadDir`, 8 KiB buffer).
fn fd_readdir(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (fd, buf, buf_len) = (arg32(args, 0), arg32(args, 1), arg32(args, 2));
    let (cookie, bufused) = (arg64(args, 3), arg32(args, 4));
    check_range(mem, buf, buf_len)?;
    check_range(mem, bufused, 4)?;
    ctx.fds.dir(fd)?;
    let Desc::Dir(d) = ctx.fds.get_mut(fd)? else {
        unreachable!("checked by dir()")
    };
    if cookie == 0 || d.listing.is_none() {
        d.listing = Some(list(d)?);
    }
    let entries = d.listing.as_deref().expect("just set");
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        abi::encode_dirent(&mut out, i as u64 + 1, e.ino, e.filetype, &e.name);
    }
    let used = out.len().min(buf_len as usize);
    super::write_bytes(mem, buf, &out[..used])?;
    mem.write_u32(bufused, used as u32)?;
    Ok(())
}

#[cfg(test)]
mod tests;
