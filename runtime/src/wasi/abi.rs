//! Preview-1 ABI constants and the memory layout of the records the host writes.
//! (Layouts as in `wasi_snapshot_preview1.witx` / wasi-libc's `api.h`; Go mirrors them in
//! `syscall/fs_wasip1.go`, `syscall/syscall_wasip1.go` and `runtime/os_wasip1.go`.)

#![allow(dead_code)] // the full set of flags is listed even where the host only tests some

/// `filetype` values.
pub(crate) mod filetype {
    pub(crate) const UNKNOWN: u8 = 0;
    pub(crate) const BLOCK_DEVICE: u8 = 1;
    pub(crate) const CHARACTER_DEVICE: u8 = 2;
    pub(crate) const DIRECTORY: u8 = 3;
    pub(crate) const REGULAR_FILE: u8 = 4;
    pub(crate) const SOCKET_DGRAM: u8 = 5;
    pub(crate) const SOCKET_STREAM: u8 = 6;
    pub(crate) const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags` bits.
pub(crate) mod fdflags {
    pub(crate) const APPEND: u16 = 1 << 0;
    pub(crate) const DSYNC: u16 = 1 << 1;
    pub(crate) const NONBLOCK: u16 = 1 << 2;
    pub(crate) const RSYNC: u16 = 1 << 3;
    pub(crate) const SYNC: u16 = 1 << 4;
    pub(crate) const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` bits (`path_open`).
pub(crate) mod oflags {
    pub(crate) const CREAT: u16 = 1 << 0;
    pub(crate) const DIRECTORY: u16 = 1 << 1;
    pub(crate) const EXCL: u16 = 1 << 2;
    pub(crate) const TRUNC: u16 = 1 << 3;
    pub(crate) const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags` bits.
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags` bits (`*_set_times`).
pub(crate) mod fstflags {
    pub(crate) const ATIM: u16 = 1 << 0;
    pub(crate) const ATIM_NOW: u16 = 1 << 1;
    pub(crate) const MTIM: u16 = 1 << 2;
    pub(crate) const MTIM_NOW: u16 = 1 << 3;
    pub(crate) const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}

/// `rights` bits.
pub(crate) mod rights {
    pub(crate) const FD_DATASYNC: u64 = 1 << 0;
    pub(crate) const FD_READ: u64 = 1 << 1;
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub(crate) const FD_SYNC: u64 = 1 << 4;
    pub(crate) const FD_TELL: u64 = 1 << 5;
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    pub(crate) const FD_ADVISE: u64 = 1 << 7;
    pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
    pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
    pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
    pub(crate) const PATH_OPEN: u64 = 1 << 13;
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    pub(crate) const PATH_READLINK: u64 = 1 << 15;
    pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
    pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;
    pub(crate) const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub(crate) const SOCK_ACCEPT: u64 = 1 << 29;
    /// Every right of the snapshot.
    pub(crate) const ALL: u64 = (1 << 30) - 1;

    /// What wasmtime reports for a preopened directory (base).
    pub(crate) const PREOPEN_BASE: u64 = PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES;

    /// What wasmtime reports for a preopened directory (inheriting).
    pub(crate) const PREOPEN_INHERITING: u64 = PREOPEN_BASE
        | FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
}

/// `fdstat` (24 bytes): `fs_filetype: u8 @0, fs_flags: u16 @2, fs_rights_base: u64 @8,
/// fs_rights_inheriting: u64 @16`.
pub(crate) struct Fdstat {
    pub(crate) filetype: u8,
    pub(crate) flags: u16,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

impl Fdstat {
    pub(crate) const SIZE: u32 = 24;

    pub(crate) fn encode(&self) -> [u8; 24] {
        let mut b = [0u8; 24];
        b[0] = self.filetype;
        b[2..4].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.rights_base.to_le_bytes());
        b[16..24].copy_from_slice(&self.rights_inheriting.to_le_bytes());
        b
    }
}

/// `filestat` (64 bytes): `dev: u64 @0, ino: u64 @8, filetype: u8 @16, nlink: u64 @24,
/// size: u64 @32, atim: u64 @40, mtim: u64 @48, ctim: u64 @56` (times in ns since the epoch).
/// Go reads it straight into `syscall.Stat_t`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Filestat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

impl Filestat {
    pub(crate) const SIZE: u32 = 64;

    pub(crate) fn encode(&self) -> [u8; 64] {
        let mut b = [0u8; 64];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

/// `dirent` header (24 bytes, followed by `d_namlen` name bytes, no NUL): `d_next: u64 @0,
/// d_ino: u64 @8, d_namlen: u32 @16, d_type: u8 @20`.
pub(crate) const DIRENT_SIZE: usize = 24;

pub(crate) fn encode_dirent(out: &mut Vec<u8>, next: u64, ino: u64, filetype: u8, name: &[u8]) {
    let start = out.len();
    out.resize(start + DIRENT_SIZE, 0);
    out[start..start + 8].copy_from_slice(&next.to_le_bytes());
    out[start + 8..start + 16].copy_from_slice(&ino.to_le_bytes());
    out[start + 16..start + 20].copy_from_slice(&(name.len() as u32).to_le_bytes());
    out[start + 20] = filetype;
    out.extend_from_slice(name);
}

/// Time in ns since the epoch from `(seconds, nanoseconds)` as `stat` reports them; times before
/// the epoch clamp to 0 (the WASI timestamp is unsigned).
pub(crate) fn timestamp(secs: i64, nsecs: i64) -> u64 {
    if secs < 0 {
        return 0;
    }
    (secs as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsecs.max(0) as u64)
}

/// The WASI filetype of a file type: std's and cap-std's answer the same questions (with their
/// own `FileTypeExt` in scope).
macro_rules! wasi_filetype {
    ($ft:expr) => {{
        let ft = $ft;
        if ft.is_dir() {
            filetype::DIRECTORY
        } else if ft.is_file() {
            filetype::REGULAR_FILE
        } else if ft.is_symlink() {
            filetype::SYMBOLIC_LINK
        } else if ft.is_char_device() {
            filetype::CHARACTER_DEVICE
        } else if ft.is_block_device() {
            filetype::BLOCK_DEVICE
        } else if ft.is_socket() {
            // Stream or datagram cannot be told from the file type; stream is far more common.
            filetype::SOCKET_STREAM
        } else {
            // FIFOs have no preview-1 filetype (wasmtime reports them as unknown too).
            filetype::UNKNOWN
        }
    }};
}

/// The WASI filetype of a host file type.
pub(crate) fn filetype_of(ft: &std::fs::FileType) -> u8 {
    use std::os::unix::fs::FileTypeExt;
    wasi_filetype!(ft)
}

/// The WASI filetype of a cap-std file type.
pub(crate) fn cap_filetype_of(ft: &cap_std::fs::FileType) -> u8 {
    use cap_std::fs::FileTypeExt;
    wasi_filetype!(ft)
}

/// A [`Filestat`] from host metadata.
pub(crate) fn filestat_of(md: &std::fs::Metadata) -> Filestat {
    use std::os::unix::fs::MetadataExt;
    Filestat {
        dev: md.dev(),
        ino: md.ino(),
        filetype: filetype_of(&md.file_type()),
        nlink: md.nlink(),
        size: md.size(),
        atim: timestamp(md.atime(), md.atime_nsec()),
        mtim: timestamp(md.mtime(), md.mtime_nsec()),
        ctim: timestamp(md.ctime(), md.ctime_nsec()),
    }
}

/// A [`Filestat`] from cap-std metadata.
pub(crate) fn cap_filestat_of(md: &cap_std::fs::Metadata) -> Filestat {
    use cap_std::fs::MetadataExt;
    Filestat {
        dev: md.dev(),
        ino: md.ino(),
        filetype: cap_filetype_of(&md.file_type()),
        nlink: md.nlink(),
        size: md.size(),
        atim: timestamp(md.atime(), md.atime_nsec()),
        mtim: timestamp(md.mtime(), md.mtime_nsec()),
        ctim: timestamp(md.ctime(), md.ctime_nsec()),
    }
}
