//! Path operations relative to a directory fd: `path_open`, `path_create_directory`,
//! `path_remove_directory`, `path_unlink_file`, `path_rename`, `path_symlink`, `path_readlink`,
//! `path_link`, `path_filestat_get`, `path_filestat_set_times`.
//!
//! Every path is resolved by cap-std beneath the directory fd: a path that is absolute, climbs
//! out with `..`, or crosses a symlink pointing outside, fails with `EPERM` (cap-std's "a path
//! led outside of the filesystem", reported as wasmtime does) before touching anything outside.
//! Paths are raw bytes (not required to be UTF-8); a NUL byte is `EINVAL`. Go resolves its
//! absolute and relative paths against the preopens itself (`preparePath` in
//! `syscall/fs_wasip1.go`) and always passes a relative path here.
//!
//! Common errors: `EBADF` if the directory fd is not open or is stdio, `ENOTDIR` if it is a file
//! (or a path component is not a directory), `EFAULT` for a path or output outside memory,
//! `ENOENT`, `EEXIST`, `EISDIR`, `ENOTEMPTY`, `ELOOP`, `EACCES`, `ENAMETOOLONG` from the host.

use super::abi::{self, Filestat, LOOKUP_SYMLINK_FOLLOW, fdflags, oflags, rights};
use super::filestat::{TimeSpec, file_times};
use super::{
    Desc, DirDesc, Errno, FileDesc, GetCtx, I32, I64, WasiCtx, arg32, arg64, check_range, define,
    read_path,
};
use crate::{GuestMemory, Linker};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec,
};
use cap_std::fs::OpenOptionsExt;
use std::os::unix::ffi::OsStrExt;

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(
        linker,
        ctx,
        "path_open",
        &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
        path_open,
    );
    define(
        linker,
        ctx,
        "path_create_directory",
        &[I32, I32, I32],
        path_create_directory,
    );
    define(
        linker,
        ctx,
        "path_remove_directory",
        &[I32, I32, I32],
        path_remove_directory,
    );
    define(
        linker,
        ctx,
        "path_unlink_file",
        &[I32, I32, I32],
        path_unlink_file,
    );
    define(
        linker,
        ctx,
        "path_rename",
        &[I32, I32, I32, I32, I32, I32],
        path_rename,
    );
    define(
        linker,
        ctx,
        "path_symlink",
        &[I32, I32, I32, I32, I32],
        path_symlink,
    );
    define(
        linker,
        ctx,
        "path_readlink",
        &[I32, I32, I32, I32, I32, I32],
        path_readlink,
    );
    define(
        linker,
        ctx,
        "path_link",
        &[I32, I32, I32, I32, I32, I32, I32],
        path_link,
    );
    define(
        linker,
        ctx,
        "path_filestat_get",
        &[I32, I32, I32, I32, I32],
        path_filestat_get,
    );
    define(
        linker,
        ctx,
        "path_filestat_set_times",
        &[I32, I32, I32, I32, I64, I64, I32],
        path_filestat_set_times,
    );
}

/// Validates `lookupflags`; returns whether the last component's symlink is followed.
fn follow(flags: u32) -> Result<bool, Errno> {
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL);
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

fn dir(ctx: &WasiCtx, fd: u32) -> Result<&cap_std::fs::Dir, Errno> {
    Ok(&ctx.fds.dir(fd)?.dir)
}

/// `path_open(dirfd, dirflags: lookupflags, path: *const u8, path_len: u32, oflags: oflags,
/// fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: fdflags, fd: *mut fd) -> errno`
///
/// Opens `path` beneath directory `dirfd` and writes the new descriptor (the lowest free number)
/// to `fd`.
/// - `dirflags`: `SYMLINK_FOLLOW` (1) follows a symlink in the last component; without it such a
///   symlink is `ELOOP`.
/// - `oflags`: `CREAT` (1) creates a missing file (mode 0666 & ~umask), `EXCL` (4) with `CREAT`
///   fails with `EEXIST` if it exists, `TRUNC` (8) truncates, `DIRECTORY` (2) requires a
///   directory (`ENOTDIR` otherwise; `EINVAL` combined with `CREAT`/`EXCL`/`TRUNC`).
/// - Rights: `FD_READ` / `FD_WRITE` in `fs_rights_base` decide the access mode (neither → read);
///   other rights and `fs_rights_inheriting` are ignored, as wasmtime does. Asking for
///   `FD_WRITE` on a directory is `EISDIR` — Go relies on this: on `EISDIR` it retries with
///   `DIRECTORY` and directory rights.
/// - `fdflags`: `APPEND` (writes go to the end), `DSYNC`/`RSYNC`/`SYNC` (passed to the host
///   `open`), `NONBLOCK` (recorded; regular files never block).
///
/// Without `DIRECTORY`, a path naming a directory opened read-only yields a directory fd.
/// Errors: see the module doc; `EINVAL` for unknown flag bits; nothing is opened if `fd` is
/// outside memory.
/// Go: `syscall.Open`/`Openat` (`syscall/fs_wasip1.go`), i.e. every `os.Open*`.
fn path_open(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (dirfd, lookup) = (arg32(args, 0), arg32(args, 1));
    let path = read_path(mem, arg32(args, 2), arg32(args, 3))?;
    let (oflags, rights_base, fdflags, out) = (
        arg32(args, 4),
        arg64(args, 5),
        arg32(args, 7),
        arg32(args, 8),
    );
    check_range(mem, out, 4)?;
    let follow = follow(lookup)?;
    let oflags = u16::try_from(oflags)
        .ok()
        .filter(|f| f & !oflags::ALL == 0)
        .ok_or(Errno::INVAL)?;
    let fdflags = u16::try_from(fdflags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::INVAL)?;
    let parent = dir(ctx, dirfd)?;
    let want_read = rights_base & rights::FD_READ != 0;
    let want_write = rights_base & rights::FD_WRITE != 0;
    let (creat, excl, trunc) = (
        oflags & oflags::CREAT != 0,
        oflags & oflags::EXCL != 0,
        oflags & oflags::TRUNC != 0,
    );

    let desc = if oflags & oflags::DIRECTORY != 0 {
        if creat || excl || trunc {
            return Err(Errno::INVAL);
        }
        if want_write {
            return Err(Errno::ISDIR);
        }
        let d = if follow {
            parent.open_dir(&path)?
        } else {
            parent.open_dir_nofollow(&path)?
        };
        Desc::Dir(DirDesc {
            dir: d,
            preopen: None,
            listing: None,
        })
    } else {
        let readable = want_read || !want_write;
        // The host fd may need write access the guest did not ask for (creating or truncating a
        // file "read-only"); `readable`/`writable` enforce what the guest asked for.
        let host_write = want_write || creat || trunc;
        let mut opts = cap_std::fs::OpenOptions::new();
        opts.read(readable || !host_write)
            .write(host_write)
            .truncate(trunc);
        if creat {
            if excl {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        let mut custom = 0;
        if fdflags & fdflags::APPEND != 0 {
            custom |= libc::O_APPEND;
        }
        if fdflags & fdflags::DSYNC != 0 {
            custom |= libc::O_DSYNC;
        }
        if fdflags & fdflags::RSYNC != 0 {
            custom |= libc::O_RSYNC;
        }
        if fdflags & fdflags::SYNC != 0 {
            custom |= libc::O_SYNC;
        }
        opts.custom_flags(custom);
        opts.follow(if follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        opts.maybe_dir(!host_write);
        let file = parent.open_with(&path, &opts)?.into_std();
        if file.metadata()?.is_dir() {
            Desc::Dir(DirDesc {
                dir: cap_std::fs::Dir::from_std_file(file),
                preopen: None,
                listing: None,
            })
        } else {
            Desc::File(FileDesc {
                file,
                readable,
                writable: want_write,
                fdflags,
            })
        }
    };
    let fd = ctx.fds.push(desc);
    mem.write_u32(out, fd)?;
    Ok(())
}

/// `path_create_directory(dirfd, path: *const u8, path_len: u32) -> errno`
///
/// Creates directory `path` (mode 0777 & ~umask). Errors: `EEXIST` if it exists, `ENOENT` if
/// a parent is missing, and the common ones. Go: `syscall.Mkdir` (`os.Mkdir`, `os.MkdirAll`).
fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let path = read_path(mem, arg32(args, 1), arg32(args, 2))?;
    dir(ctx, arg32(args, 0))?.create_dir(&path)?;
    Ok(())
}

/// `path_remove_directory(dirfd, path: *const u8, path_len: u32) -> errno`
///
/// Removes empty directory `path`. Errors: `ENOTEMPTY`, `ENOTDIR` for a non-directory, `ENOENT`,
/// and the common ones. Go: `syscall.Rmdir` (`os.Remove` tries unlink first, then rmdir).
fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let path = read_path(mem, arg32(args, 1), arg32(args, 2))?;
    dir(ctx, arg32(args, 0))?.remove_dir(&path)?;
    Ok(())
}

/// `path_unlink_file(dirfd, path: *const u8, path_len: u32) -> errno`
///
/// Removes the non-directory `path` (a symlink itself, not its target). Errors: `EISDIR` for a
/// directory, `ENOENT`, and the common ones. Go: `syscall.Unlink` (`os.Remove`).
fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let path = read_path(mem, arg32(args, 1), arg32(args, 2))?;
    dir(ctx, arg32(args, 0))?.remove_file(&path)?;
    Ok(())
}

/// `path_rename(old_dirfd, old_path: *const u8, old_len: u32, new_dirfd, new_path: *const u8,
/// new_len: u32) -> errno`
///
/// Renames `old_path` (beneath `old_dirfd`) to `new_path` (beneath `new_dirfd`), replacing a
/// file or an empty directory there (`renameat`). Errors: `ENOENT`, `ENOTEMPTY`, `EISDIR`,
/// `ENOTDIR`, `EXDEV`, and the common ones. Go: `syscall.Rename` (`os.Rename`).
fn path_rename(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let old = read_path(mem, arg32(args, 1), arg32(args, 2))?;
    let new = read_path(mem, arg32(args, 4), arg32(args, 5))?;
    let from = dir(ctx, arg32(args, 0))?;
    let to = dir(ctx, arg32(args, 3))?;
    from.rename(&old, to, &new)?;
    Ok(())
}

/// `path_symlink(old_path: *const u8, old_len: u32, dirfd, new_path: *const u8, new_len: u32)
/// -> errno`
///
/// Creates a symlink at `new_path` whose contents are `old_path`. As in wasmtime, an absolute
/// `old_path` is refused (`EPERM`): it could only be meaningful outside the sandbox. A relative
/// target may point anywhere (even outside): following it later is what the sandbox checks.
/// Errors: `EEXIST` if `new_path` exists, and the common ones.
/// Go: `syscall.Symlink` (`os.Symlink`).
fn path_symlink(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let target = read_path(mem, arg32(args, 0), arg32(args, 1))?;
    let link = read_path(mem, arg32(args, 3), arg32(args, 4))?;
    dir(ctx, arg32(args, 2))?.symlink(&target, &link)?;
    Ok(())
}

/// `path_readlink(dirfd, path: *const u8, path_len: u32, buf: *mut u8, buf_len: u32,
/// bufused: *mut u32) -> errno`
///
/// Writes the contents of symlink `path` to `buf`, truncated to `buf_len` bytes (no NUL), and
/// the number of bytes written to `bufused`. A result equal to `buf_len` may be truncated: Go's
/// `os.Readlink` then retries with a larger buffer. A link whose target is absolute is `EPERM`,
/// as in wasmtime: its contents are a path of the host's file system, which the guest must not
/// learn (a relative target is returned as stored).
/// Errors: `EINVAL` if `path` is not a symlink, `EPERM` for an absolute target, `ENOENT`,
/// `EFAULT` for `buf`/`bufused` (checked first), and the common ones.
/// Go: `syscall.Readlink` (`os.Readlink`, `filepath.EvalSymlinks`).
fn path_readlink(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let path = read_path(mem, arg32(args, 1), arg32(args, 2))?;
    let (buf, buf_len, bufused) = (arg32(args, 3), arg32(args, 4), arg32(args, 5));
    check_range(mem, buf, buf_len)?;
    check_range(mem, bufused, 4)?;
    let target = dir(ctx, arg32(args, 0))?.read_link_contents(&path)?;
    if target.is_absolute() {
        return Err(Errno::PERM);
    }
    let bytes = target.as_os_str().as_bytes();
    let n = bytes.len().min(buf_len as usize);
    super::write_bytes(mem, buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)?;
    Ok(())
}

/// `path_link(old_dirfd, old_flags: lookupflags, old_path: *const u8, old_len: u32, new_dirfd,
/// new_path: *const u8, new_len: u32) -> errno`
///
/// Creates hard link `new_path` to `old_path`. `old_flags` must be 0: following a symlink
/// source (`SYMLINK_FOLLOW`) is `EINVAL`, as in wasmtime (Go always passes 0).
/// Errors: `EEXIST`, `ENOENT`, `EPERM` for a directory source, `EXDEV`, and the common ones.
/// Go: `syscall.Link` (`os.Link`).
fn path_link(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    if follow(arg32(args, 1))? {
        return Err(Errno::INVAL);
    }
    let old = read_path(mem, arg32(args, 2), arg32(args, 3))?;
    let new = read_path(mem, arg32(args, 5), arg32(args, 6))?;
    let from = dir(ctx, arg32(args, 0))?;
    let to = dir(ctx, arg32(args, 4))?;
    from.hard_link(&old, to, &new)?;
    Ok(())
}

/// `path_filestat_get(dirfd, flags: lookupflags, path: *const u8, path_len: u32,
/// buf: *mut filestat) -> errno`
///
/// Writes the 64-byte `filestat` of `path` (layout in `fd_filestat_get`) to `buf`, following a
/// final symlink with `SYMLINK_FOLLOW` (`stat`) or describing the link itself without it
/// (`lstat`). Errors: `ENOENT`, `ENOTDIR`, `ELOOP`, `EFAULT` for `buf`, and the common ones.
/// Go: `syscall.Stat`/`Lstat` (`os.Stat`, `os.Lstat`, `os.Chdir`), `internal/syscall/unix.Fstatat`.
fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let follow = follow(arg32(args, 1))?;
    let path = read_path(mem, arg32(args, 2), arg32(args, 3))?;
    let buf = arg32(args, 4);
    check_range(mem, buf, Filestat::SIZE)?;
    let d = dir(ctx, arg32(args, 0))?;
    let md = if follow {
        d.metadata(&path)?
    } else {
        d.symlink_metadata(&path)?
    };
    mem.write(buf, &abi::cap_filestat_of(&md).encode())?;
    Ok(())
}

/// `path_filestat_set_times(dirfd, flags: lookupflags, path: *const u8, path_len: u32,
/// atim: u64, mtim: u64, fst_flags: fstflags) -> errno`
///
/// Sets the access/modification times of `path` (following a final symlink with
/// `SYMLINK_FOLLOW`, else of the link itself); `fst_flags` as in `fd_filestat_set_times`.
/// Errors: `EINVAL` for bad flags, and the common ones.
/// Go: `syscall.UtimesNano` (`os.Chtimes`), always with `SYMLINK_FOLLOW` and both times set.
fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    let follow = follow(arg32(args, 1))?;
    let path = read_path(mem, arg32(args, 2), arg32(args, 3))?;
    let (atime, mtime) = file_times(arg64(args, 4), arg64(args, 5), arg32(args, 6))?;
    let spec = |t: TimeSpec| match t {
        TimeSpec::Omit => None,
        TimeSpec::Now => Some(SystemTimeSpec::SymbolicNow),
        TimeSpec::At(t) => Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(t),
        )),
    };
    let d = dir(ctx, arg32(args, 0))?;
    if follow {
        d.set_times(&path, spec(atime), spec(mtime))?;
    } else {
        d.set_symlink_times(&path, spec(atime), spec(mtime))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
