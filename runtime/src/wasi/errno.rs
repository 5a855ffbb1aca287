//! WASI preview1 error numbers (`$errno` in `wasi_snapshot_preview1.witx`) and the mapping from
//! host errors to them.
//!
//! Host `io::Error`s are mapped by their raw OS error number first (so `EACCES` stays `EACCES`,
//! `ELOOP` stays `ELOOP`, ...), then by `io::ErrorKind` for errors that carry no OS number. The
//! only such error that matters in practice is cap-std's sandbox-escape error ("a path led outside
//! of the filesystem", `ErrorKind::PermissionDenied`, also produced for absolute paths and for
//! symlinks that point outside a preopened directory): like wasmtime we report it as `EPERM`.

use crate::MemoryAccessError;
use std::fmt;
use std::io;

/// A WASI errno value (a `u16` in the ABI, returned widened to `i32`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        impl Errno {
            $(
                #[doc = $text]
                pub const $name: Errno = Errno($value);
            )*

            /// The errno's name, e.g. `"EBADF"` (or `"E?"` for values outside the snapshot).
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($value => concat!("E", stringify!($name)),)*
                    _ => "E?",
                }
            }
        }
    };
}

errnos! {
    SUCCESS = 0, "No error occurred.";
    TOOBIG = 1, "Argument list too long (`E2BIG`).";
    ACCES = 2, "Permission denied.";
    ADDRINUSE = 3, "Address in use.";
    ADDRNOTAVAIL = 4, "Address not available.";
    AFNOSUPPORT = 5, "Address family not supported.";
    AGAIN = 6, "Resource unavailable, or operation would block.";
    ALREADY = 7, "Connection already in progress.";
    BADF = 8, "Bad file descriptor.";
    BADMSG = 9, "Bad message.";
    BUSY = 10, "Device or resource busy.";
    CANCELED = 11, "Operation canceled.";
    CHILD = 12, "No child processes.";
    CONNABORTED = 13, "Connection aborted.";
    CONNREFUSED = 14, "Connection refused.";
    CONNRESET = 15, "Connection reset.";
    DEADLK = 16, "Resource deadlock would occur.";
    DESTADDRREQ = 17, "Destination address required.";
    DOM = 18, "Mathematics argument out of domain of function.";
    DQUOT = 19, "Reserved.";
    EXIST = 20, "File exists.";
    FAULT = 21, "Bad address.";
    FBIG = 22, "File too large.";
    HOSTUNREACH = 23, "Host is unreachable.";
    IDRM = 24, "Identifier removed.";
    ILSEQ = 25, "Illegal byte sequence.";
    INPROGRESS = 26, "Operation in progress.";
    INTR = 27, "Interrupted function.";
    INVAL = 28, "Invalid argument.";
    IO = 29, "I/O error.";
    ISCONN = 30, "Socket is connected.";
    ISDIR = 31, "Is a directory.";
    LOOP = 32, "Too many levels of symbolic links.";
    MFILE = 33, "File descriptor value too large.";
    MLINK = 34, "Too many links.";
    MSGSIZE = 35, "Message too large.";
    MULTIHOP = 36, "Reserved.";
    NAMETOOLONG = 37, "Filename too long.";
    NETDOWN = 38, "Network is down.";
    NETRESET = 39, "Connection aborted by network.";
    NETUNREACH = 40, "Network unreachable.";
    NFILE = 41, "Too many files open in system.";
    NOBUFS = 42, "No buffer space available.";
    NODEV = 43, "No such device.";
    NOENT = 44, "No such file or directory.";
    NOEXEC = 45, "Executable file format error.";
    NOLCK = 46, "No locks available.";
    NOLINK = 47, "Reserved.";
    NOMEM = 48, "Not enough space.";
    NOMSG = 49, "No message of the desired type.";
    NOPROTOOPT = 50, "Protocol not available.";
    NOSPC = 51, "No space left on device.";
    NOSYS = 52, "Function not supported.";
    NOTCONN = 53, "The socket is not connected.";
    NOTDIR = 54, "Not a directory or a symbolic link to a directory.";
    NOTEMPTY = 55, "Directory not empty.";
    NOTRECOVERABLE = 56, "State not recoverable.";
    NOTSOCK = 57, "Not a socket.";
    NOTSUP = 58, "Not supported, or operation not supported on socket.";
    NOTTY = 59, "Inappropriate I/O control operation.";
    NXIO = 60, "No such device or address.";
    OVERFLOW = 61, "Value too large to be stored in data type.";
    OWNERDEAD = 62, "Previous owner died.";
    PERM = 63, "Operation not permitted.";
    PIPE = 64, "Broken pipe.";
    PROTO = 65, "Protocol error.";
    PROTONOSUPPORT = 66, "Protocol not supported.";
    PROTOTYPE = 67, "Protocol wrong type for socket.";
    RANGE = 68, "Result too large.";
    ROFS = 69, "Read-only file system.";
    SPIPE = 70, "Invalid seek.";
    SRCH = 71, "No such process.";
    STALE = 72, "Reserved.";
    TIMEDOUT = 73, "Connection timed out.";
    TXTBSY = 74, "Text file busy.";
    XDEV = 75, "Cross-device link.";
    NOTCAPABLE = 76, "Extension: Capabilities insufficient.";
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Errno {}

/// A guest pointer/length outside linear memory is `EFAULT`, never a trap or a panic.
impl From<MemoryAccessError> for Errno {
    fn from(_: MemoryAccessError) -> Errno {
        Errno::FAULT
    }
}

impl From<io::Error> for Errno {
    fn from(err: io::Error) -> Errno {
        Errno::from(&err)
    }
}

impl From<&io::Error> for Errno {
    fn from(err: &io::Error) -> Errno {
        if let Some(code) = err.raw_os_error() {
            return from_raw_os_error(code);
        }
        match err.kind() {
            io::ErrorKind::NotFound => Errno::NOENT,
            // cap-std's "a path led outside of the filesystem" (`..`, absolute paths, escaping
            // symlinks). wasmtime reports it as EPERM too.
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::InvalidData => Errno::ILSEQ,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            io::ErrorKind::ReadOnlyFilesystem => Errno::ROFS,
            io::ErrorKind::StorageFull => Errno::NOSPC,
            io::ErrorKind::FileTooLarge => Errno::FBIG,
            io::ErrorKind::InvalidFilename => Errno::NAMETOOLONG,
            io::ErrorKind::TooManyLinks => Errno::MLINK,
            io::ErrorKind::CrossesDevices => Errno::XDEV,
            _ => Errno::IO,
        }
    }
}

impl From<nix::errno::Errno> for Errno {
    fn from(err: nix::errno::Errno) -> Errno {
        from_raw_os_error(err as i32)
    }
}

/// Maps a host `errno` value to its WASI counterpart (`EIO` for host errors WASI lacks).
pub fn from_raw_os_error(code: i32) -> Errno {
    match code {
        0 => Errno::SUCCESS,
        libc::E2BIG => Errno::TOOBIG,
        libc::EACCES => Errno::ACCES,
        libc::EADDRINUSE => Errno::ADDRINUSE,
        libc::EADDRNOTAVAIL => Errno::ADDRNOTAVAIL,
        libc::EAFNOSUPPORT => Errno::AFNOSUPPORT,
        libc::EAGAIN => Errno::AGAIN,
        libc::EALREADY => Errno::ALREADY,
        libc::EBADF => Errno::BADF,
        libc::EBADMSG => Errno::BADMSG,
        libc::EBUSY => Errno::BUSY,
        libc::ECANCELED => Errno::CANCELED,
        libc::ECHILD => Errno::CHILD,
        libc::ECONNABORTED => Errno::CONNABORTED,
        libc::ECONNREFUSED => Errno::CONNREFUSED,
        libc::ECONNRESET => Errno::CONNRESET,
        libc::EDEADLK => Errno::DEADLK,
        libc::EDESTADDRREQ => Errno::DESTADDRREQ,
        libc::EDOM => Errno::DOM,
        libc::EDQUOT => Errno::DQUOT,
        libc::EEXIST => Errno::EXIST,
        libc::EFAULT => Errno::FAULT,
        libc::EFBIG => Errno::FBIG,
        libc::EHOSTUNREACH => Errno::HOSTUNREACH,
        libc::EIDRM => Errno::IDRM,
        libc::EILSEQ => Errno::ILSEQ,
        libc::EINPROGRESS => Errno::INPROGRESS,
        libc::EINTR => Errno::INTR,
        libc::EINVAL => Errno::INVAL,
        libc::EIO => Errno::IO,
        libc::EISCONN => Errno::ISCONN,
        libc::EISDIR => Errno::ISDIR,
        libc::ELOOP => Errno::LOOP,
        libc::EMFILE => Errno::MFILE,
        libc::EMLINK => Errno::MLINK,
        libc::EMSGSIZE => Errno::MSGSIZE,
        libc::EMULTIHOP => Errno::MULTIHOP,
        libc::ENAMETOOLONG => Errno::NAMETOOLONG,
        libc::ENETDOWN => Errno::NETDOWN,
        libc::ENETRESET => Errno::NETRESET,
        libc::ENETUNREACH => Errno::NETUNREACH,
        libc::ENFILE => Errno::NFILE,
        libc::ENOBUFS => Errno::NOBUFS,
        libc::ENODEV => Errno::NODEV,
        libc::ENOENT => Errno::NOENT,
        libc::ENOEXEC => Errno::NOEXEC,
        libc::ENOLCK => Errno::NOLCK,
        libc::ENOLINK => Errno::NOLINK,
        libc::ENOMEM => Errno::NOMEM,
        libc::ENOMSG => Errno::NOMSG,
        libc::ENOPROTOOPT => Errno::NOPROTOOPT,
        libc::ENOSPC => Errno::NOSPC,
        libc::ENOSYS => Errno::NOSYS,
        libc::ENOTCONN => Errno::NOTCONN,
        libc::ENOTDIR => Errno::NOTDIR,
        libc::ENOTEMPTY => Errno::NOTEMPTY,
        libc::ENOTRECOVERABLE => Errno::NOTRECOVERABLE,
        libc::ENOTSOCK => Errno::NOTSOCK,
        libc::ENOTSUP => Errno::NOTSUP,
        libc::ENOTTY => Errno::NOTTY,
        libc::ENXIO => Errno::NXIO,
        libc::EOVERFLOW => Errno::OVERFLOW,
        libc::EOWNERDEAD => Errno::OWNERDEAD,
        libc::EPERM => Errno::PERM,
        libc::EPIPE => Errno::PIPE,
        libc::EPROTO => Errno::PROTO,
        libc::EPROTONOSUPPORT => Errno::PROTONOSUPPORT,
        libc::EPROTOTYPE => Errno::PROTOTYPE,
        libc::ERANGE => Errno::RANGE,
        libc::EROFS => Errno::ROFS,
        libc::ESPIPE => Errno::SPIPE,
        libc::ESRCH => Errno::SRCH,
        libc::ESTALE => Errno::STALE,
        libc::ETIMEDOUT => Errno::TIMEDOUT,
        libc::ETXTBSY => Errno::TXTBSY,
        libc::EXDEV => Errno::XDEV,
        // Aliases on some hosts (equal to EAGAIN / ENOTSUP on Linux, distinct on others).
        c if c == libc::EWOULDBLOCK => Errno::AGAIN,
        c if c == libc::EOPNOTSUPP => Errno::NOTSUP,
        _ => Errno::IO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_errno_values_match_the_snapshot() {
        assert_eq!(Errno::SUCCESS.0, 0);
        assert_eq!(Errno::BADF.0, 8);
        assert_eq!(Errno::EXIST.0, 20);
        assert_eq!(Errno::FAULT.0, 21);
        assert_eq!(Errno::INVAL.0, 28);
        assert_eq!(Errno::NOENT.0, 44);
        assert_eq!(Errno::NOSYS.0, 52);
        assert_eq!(Errno::NOTDIR.0, 54);
        assert_eq!(Errno::NOTEMPTY.0, 55);
        assert_eq!(Errno::NOTSOCK.0, 57);
        assert_eq!(Errno::PERM.0, 63);
        assert_eq!(Errno::SPIPE.0, 70);
        assert_eq!(Errno::NOTCAPABLE.0, 76);
        assert_eq!(Errno::TOOBIG.name(), "ETOOBIG");
        assert_eq!(format!("{:?}", Errno::BADF), "EBADF(8)");
    }

    #[test]
    fn io_errors_map_by_os_number_then_kind() {
        let e = |c| Errno::from(io::Error::from_raw_os_error(c));
        assert_eq!(e(libc::ENOENT), Errno::NOENT);
        assert_eq!(e(libc::EEXIST), Errno::EXIST);
        assert_eq!(e(libc::ENOTDIR), Errno::NOTDIR);
        assert_eq!(e(libc::EISDIR), Errno::ISDIR);
        assert_eq!(e(libc::ENOTEMPTY), Errno::NOTEMPTY);
        assert_eq!(e(libc::EACCES), Errno::ACCES);
        assert_eq!(e(libc::EPERM), Errno::PERM);
        assert_eq!(e(libc::ELOOP), Errno::LOOP);
        assert_eq!(e(libc::ENAMETOOLONG), Errno::NAMETOOLONG);
        assert_eq!(e(libc::EWOULDBLOCK), Errno::AGAIN);
        assert_eq!(e(libc::EHWPOISON), Errno::IO);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "escape");
        assert_eq!(Errno::from(escape), Errno::PERM);
        assert_eq!(Errno::from(io::Error::other("x")), Errno::IO);
        assert_eq!(
            Errno::from(MemoryAccessError { ptr: 1, len: 2 }),
            Errno::FAULT
        );
        assert_eq!(Errno::from(nix::errno::Errno::EBADF), Errno::BADF);
    }
}
