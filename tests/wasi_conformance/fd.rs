//! `fd_*` functions.

use super::*;

/// A sandbox with `f.txt` = "0123456789" opened read-write (fd 4), `dir/` opened (fd 5) and
/// `ro.txt` opened read-only (fd 6).
fn files() -> Sandbox {
    let mut s = Sandbox::new();
    touch(&s.root, "f.txt", b"0123456789");
    touch(&s.root, "ro.txt", b"read only");
    std::fs::create_dir(s.host("dir")).unwrap();
    assert_eq!(s.open(ROOT, "f.txt", 0, RW), Ok(4));
    assert_eq!(s.open(ROOT, "dir", DIRECTORY, 0), Ok(5));
    assert_eq!(s.open(ROOT, "ro.txt", 0, R), Ok(6));
    s
}

const CLOSED: u64 = 77;

#[test]
fn fd_advise() {
    let mut s = files();
    for advice in 0..=5 {
        assert_eq!(s.call("fd_advise", &[4, 0, 10, advice]), Errno::SUCCESS);
    }
    assert_eq!(s.call("fd_advise", &[4, 0, 10, 6]), Errno::INVAL);
    assert_eq!(s.call("fd_advise", &[CLOSED, 0, 10, 0]), Errno::BADF);
    assert_eq!(
        s.call("fd_advise", &[5, 0, 10, 0]),
        Errno::BADF,
        "a directory"
    );
    assert_eq!(s.call("fd_advise", &[0, 0, 10, 0]), Errno::BADF, "stdin");
}

#[test]
fn fd_allocate() {
    let mut s = files();
    assert_eq!(s.call("fd_allocate", &[4, 100, 50]), Errno::SUCCESS);
    assert_eq!(std::fs::metadata(s.host("f.txt")).unwrap().len(), 150);
    assert_eq!(
        s.call("fd_allocate", &[4, 0, 5]),
        Errno::SUCCESS,
        "never shrinks"
    );
    assert_eq!(std::fs::metadata(s.host("f.txt")).unwrap().len(), 150);
    assert_eq!(s.call("fd_allocate", &[4, 0, 0]), Errno::INVAL);
    assert_eq!(s.call("fd_allocate", &[4, u64::MAX, 2]), Errno::FBIG);
    assert_eq!(
        s.call("fd_allocate", &[6, 0, 100]),
        Errno::BADF,
        "read-only"
    );
    assert_eq!(
        s.call("fd_allocate", &[5, 0, 100]),
        Errno::BADF,
        "a directory"
    );
    assert_eq!(s.call("fd_allocate", &[CLOSED, 0, 1]), Errno::BADF);
}

#[test]
fn fd_close() {
    let mut s = files();
    assert_eq!(s.call("fd_close", &[4]), Errno::SUCCESS);
    assert_eq!(s.call("fd_close", &[4]), Errno::BADF, "already closed");
    assert_eq!(s.read(4, 1), Err(Errno::BADF));
    // The lowest free number is reused.
    assert_eq!(s.open(ROOT, "f.txt", 0, R), Ok(4));
    // Closing stdout and a preopen works too; the host's own stdout stays open.
    assert_eq!(s.call("fd_close", &[1]), Errno::SUCCESS);
    assert_eq!(s.call("fd_close", &[ROOT]), Errno::SUCCESS);
    assert_eq!(s.open(ROOT, "f.txt", 0, R), Err(Errno::BADF));
    assert_eq!(s.call("fd_close", &[u64::from(u32::MAX)]), Errno::BADF);
}

#[test]
fn fd_datasync() {
    let mut s = files();
    assert_eq!(s.write(4, b"data"), Ok(4));
    assert_eq!(s.call("fd_datasync", &[4]), Errno::SUCCESS);
    assert_eq!(s.call("fd_datasync", &[5]), Errno::SUCCESS, "a directory");
    assert_eq!(
        s.call("fd_datasync", &[1]),
        Errno::SUCCESS,
        "captured stdout: flushed"
    );
    assert_eq!(s.call("fd_datasync", &[0]), Errno::INVAL, "in-memory stdin");
    assert_eq!(s.call("fd_datasync", &[CLOSED]), Errno::BADF);
}

#[test]
fn fd_fdstat_get() {
    let mut s = files();
    assert_eq!(s.call("fd_fdstat_get", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u8(OUT), FT_FILE);
    assert_eq!(s.u16(OUT + 2), 0);
    assert_eq!(s.u64(OUT + 8) & RW, RW);
    assert_eq!(s.call("fd_fdstat_get", &[6, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u64(OUT + 8) & RW, R, "read-only file: no FD_WRITE");
    assert_eq!(s.call("fd_fdstat_get", &[ROOT, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u8(OUT), FT_DIR);
    assert_eq!(s.call("fd_fdstat_get", &[1, OUT.into()]), Errno::SUCCESS);
    assert_eq!(
        (s.u8(OUT), s.u64(OUT + 8)),
        (0, W),
        "captured stdout: unknown, write"
    );
    assert_eq!(s.call("fd_fdstat_get", &[CLOSED, OUT.into()]), Errno::BADF);
    assert_eq!(s.call("fd_fdstat_get", &[4, BAD]), Errno::FAULT);
}

#[test]
fn fd_fdstat_set_flags() {
    let mut s = files();
    assert_eq!(s.call("fd_fdstat_set_flags", &[4, APPEND]), Errno::SUCCESS);
    assert_eq!(s.call("fd_fdstat_get", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u16(OUT + 2), APPEND as u16);
    assert_eq!(s.write(4, b"AB"), Ok(2));
    assert_eq!(
        std::fs::read(s.host("f.txt")).unwrap(),
        b"0123456789AB",
        "appended"
    );
    assert_eq!(
        s.call("fd_fdstat_set_flags", &[4, NONBLOCK]),
        Errno::SUCCESS
    );
    assert_eq!(s.call("fd_fdstat_get", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u16(OUT + 2), NONBLOCK as u16, "APPEND cleared");
    assert_eq!(
        s.call("fd_fdstat_set_flags", &[4, 1 << 4]),
        Errno::INVAL,
        "SYNC"
    );
    assert_eq!(
        s.call("fd_fdstat_set_flags", &[4, 1 << 9]),
        Errno::INVAL,
        "unknown"
    );
    assert_eq!(
        s.call("fd_fdstat_set_flags", &[0, NONBLOCK]),
        Errno::BADF,
        "stdio"
    );
    assert_eq!(
        s.call("fd_fdstat_set_flags", &[5, 0]),
        Errno::BADF,
        "directory"
    );
    assert_eq!(s.call("fd_fdstat_set_flags", &[CLOSED, 0]), Errno::BADF);
}

#[test]
fn fd_fdstat_set_rights() {
    let mut s = files();
    // Rights are not enforced beyond read/write access, so they cannot be dropped either.
    assert_eq!(s.call("fd_fdstat_set_rights", &[4, R, 0]), Errno::NOTSUP);
    assert_eq!(s.call("fd_fdstat_set_rights", &[CLOSED, R, 0]), Errno::BADF);
}

#[test]
fn fd_filestat_get() {
    use std::os::unix::fs::MetadataExt;
    let mut s = files();
    let md = std::fs::metadata(s.host("f.txt")).unwrap();
    assert_eq!(s.call("fd_filestat_get", &[4, DATA.into()]), Errno::SUCCESS);
    assert_eq!(s.u64(DATA), md.dev());
    assert_eq!(s.u64(DATA + 8), md.ino());
    assert_eq!(s.u8(DATA + 16), FT_FILE);
    assert_eq!(s.u64(DATA + 24), 1, "nlink");
    assert_eq!(s.u64(DATA + 32), 10, "size");
    let mtime = md.mtime() as u64 * 1_000_000_000 + md.mtime_nsec() as u64;
    assert_eq!(s.u64(DATA + 48), mtime);
    assert_eq!(s.call("fd_filestat_get", &[5, DATA.into()]), Errno::SUCCESS);
    assert_eq!(s.u8(DATA + 16), FT_DIR);
    assert_eq!(
        s.call("fd_filestat_get", &[CLOSED, DATA.into()]),
        Errno::BADF
    );
    assert_eq!(s.call("fd_filestat_get", &[4, BAD]), Errno::FAULT);
    assert_eq!(
        s.call("fd_filestat_get", &[4, (MEM - 63) as u64]),
        Errno::FAULT,
        "64 bytes must fit"
    );
}

#[test]
fn fd_filestat_set_size() {
    let mut s = files();
    assert_eq!(s.call("fd_filestat_set_size", &[4, 4]), Errno::SUCCESS);
    assert_eq!(std::fs::read(s.host("f.txt")).unwrap(), b"0123");
    assert_eq!(s.call("fd_filestat_set_size", &[4, 6]), Errno::SUCCESS);
    assert_eq!(std::fs::read(s.host("f.txt")).unwrap(), b"0123\0\0");
    assert_eq!(
        s.call("fd_filestat_set_size", &[6, 0]),
        Errno::INVAL,
        "read-only"
    );
    assert_eq!(s.call("fd_filestat_set_size", &[4, 1 << 63]), Errno::INVAL);
    assert_eq!(
        s.call("fd_filestat_set_size", &[5, 0]),
        Errno::BADF,
        "directory"
    );
    assert_eq!(s.call("fd_filestat_set_size", &[CLOSED, 0]), Errno::BADF);
}

#[test]
fn fd_filestat_set_times() {
    use std::os::unix::fs::MetadataExt;
    let mut s = files();
    let t = 1_000_000_000 * 1_000_000_000u64 + 5; // 2001-09-09, 5 ns
    assert_eq!(
        s.call("fd_filestat_set_times", &[4, t, t + 1, 1 | 4]),
        Errno::SUCCESS
    );
    let md = std::fs::metadata(s.host("f.txt")).unwrap();
    assert_eq!((md.atime(), md.atime_nsec()), (1_000_000_000, 5));
    assert_eq!((md.mtime(), md.mtime_nsec()), (1_000_000_000, 6));
    // MTIM_NOW on a directory.
    assert_eq!(
        s.call("fd_filestat_set_times", &[5, 0, 0, 8]),
        Errno::SUCCESS
    );
    let md = std::fs::metadata(s.host("dir")).unwrap();
    assert!(md.mtime() > 1_600_000_000);
    assert_eq!(
        s.call("fd_filestat_set_times", &[4, t, t, 1 | 2]),
        Errno::INVAL,
        "ATIM with ATIM_NOW"
    );
    assert_eq!(
        s.call("fd_filestat_set_times", &[4, t, t, 16]),
        Errno::INVAL
    );
    assert_eq!(
        s.call("fd_filestat_set_times", &[CLOSED, t, t, 1]),
        Errno::BADF
    );
    assert_eq!(
        s.call("fd_filestat_set_times", &[1, t, t, 1]),
        Errno::BADF,
        "stdio"
    );
}

#[test]
fn fd_pread() {
    let mut s = files();
    let (iov, n) = s.iov(DATA, 4);
    assert_eq!(
        s.call("fd_pread", &[4, iov, n, 3, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!((s.u32(OUT), s.get(DATA, 4)), (4, &b"3456"[..]));
    assert_eq!(s.read(4, 2).unwrap(), b"01", "the position did not move");
    assert_eq!(
        s.call("fd_pread", &[4, iov, n, 100, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(s.u32(OUT), 0, "past the end: EOF");
    assert_eq!(
        s.call("fd_pread", &[4, iov, n, 1 << 63, OUT.into()]),
        Errno::INVAL
    );
    assert_eq!(
        s.call("fd_pread", &[0, iov, n, 0, OUT.into()]),
        Errno::SPIPE,
        "stdin"
    );
    assert_eq!(
        s.call("fd_pread", &[5, iov, n, 0, OUT.into()]),
        Errno::BADF,
        "dir"
    );
    assert_eq!(
        s.call("fd_pread", &[CLOSED, iov, n, 0, OUT.into()]),
        Errno::BADF
    );
    assert_eq!(
        s.call("fd_pread", &[4, BAD, 1, 0, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(s.call("fd_pread", &[4, iov, n, 0, BAD]), Errno::FAULT);
    let (iov, n) = s.iov(MEM as u32 - 2, 4);
    assert_eq!(
        s.call("fd_pread", &[4, iov, n, 0, OUT.into()]),
        Errno::FAULT
    );
    // Write-only files cannot be read.
    assert_eq!(s.open(ROOT, "wo", CREAT, W), Ok(7));
    let (iov, n) = s.iov(DATA, 4);
    assert_eq!(s.call("fd_pread", &[7, iov, n, 0, OUT.into()]), Errno::BADF);
}

#[test]
fn fd_prestat_get() {
    let mut s = files();
    s.mem[OUT as usize..OUT as usize + 8].fill(0xAA);
    assert_eq!(
        s.call("fd_prestat_get", &[ROOT, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(
        s.get(OUT, 8),
        [0, 0, 0, 0, 8, 0, 0, 0],
        "dir tag, name length 8"
    );
    assert_eq!(
        s.call("fd_prestat_get", &[4, OUT.into()]),
        Errno::BADF,
        "not a preopen"
    );
    assert_eq!(s.call("fd_prestat_get", &[CLOSED, OUT.into()]), Errno::BADF);
    assert_eq!(s.call("fd_prestat_get", &[ROOT, BAD]), Errno::FAULT);
}

#[test]
fn fd_prestat_dir_name() {
    let mut s = files();
    assert_eq!(
        s.call("fd_prestat_dir_name", &[ROOT, DATA.into(), 8]),
        Errno::SUCCESS
    );
    assert_eq!(s.get(DATA, 8), b"/sandbox");
    assert_eq!(
        s.call("fd_prestat_dir_name", &[ROOT, DATA.into(), 7]),
        Errno::NAMETOOLONG
    );
    assert_eq!(s.call("fd_prestat_dir_name", &[ROOT, BAD, 8]), Errno::FAULT);
    assert_eq!(
        s.call("fd_prestat_dir_name", &[5, DATA.into(), 8]),
        Errno::NOTDIR
    );
    assert_eq!(
        s.call("fd_prestat_dir_name", &[CLOSED, DATA.into(), 8]),
        Errno::BADF
    );
}

#[test]
fn fd_pwrite() {
    let mut s = files();
    s.put(DATA, b"XY");
    let (iov, n) = s.iov(DATA, 2);
    assert_eq!(
        s.call("fd_pwrite", &[4, iov, n, 8, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(s.u32(OUT), 2);
    assert_eq!(
        s.call("fd_pwrite", &[4, iov, n, 12, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(
        std::fs::read(s.host("f.txt")).unwrap(),
        b"01234567XY\0\0XY",
        "writes at offsets, extending with zeros"
    );
    assert_eq!(s.read(4, 3).unwrap(), b"012", "the position did not move");
    assert_eq!(
        s.call("fd_pwrite", &[6, iov, n, 0, OUT.into()]),
        Errno::BADF,
        "read-only"
    );
    assert_eq!(
        s.call("fd_pwrite", &[1, iov, n, 0, OUT.into()]),
        Errno::SPIPE,
        "stdout"
    );
    assert_eq!(
        s.call("fd_pwrite", &[5, iov, n, 0, OUT.into()]),
        Errno::BADF,
        "dir"
    );
    assert_eq!(
        s.call("fd_pwrite", &[4, iov, n, 1 << 63, OUT.into()]),
        Errno::INVAL
    );
    assert_eq!(
        s.call("fd_pwrite", &[CLOSED, iov, n, 0, OUT.into()]),
        Errno::BADF
    );
    assert_eq!(s.call("fd_pwrite", &[4, iov, n, 0, BAD]), Errno::FAULT);
    assert_eq!(
        s.call("fd_pwrite", &[4, BAD, 1, 0, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        std::fs::metadata(s.host("f.txt")).unwrap().len(),
        14,
        "unchanged"
    );
}

#[test]
fn fd_read() {
    let mut s = files();
    assert_eq!(s.read(4, 4).unwrap(), b"0123");
    assert_eq!(s.read(4, 100).unwrap(), b"456789");
    assert_eq!(s.read(4, 100).unwrap(), b"", "EOF");
    assert_eq!(s.read(0, 100).unwrap(), b"stdin-data");
    // Two iovecs are filled in order.
    assert_eq!(s.call("fd_seek", &[4, 0, 0, OUT.into()]), Errno::SUCCESS);
    for (i, (buf, len)) in [(DATA, 3u32), (DATA + 100, 3)].into_iter().enumerate() {
        s.put(IOV + 8 * i as u32, &buf.to_le_bytes());
        s.put(IOV + 8 * i as u32 + 4, &len.to_le_bytes());
    }
    assert_eq!(
        s.call("fd_read", &[4, IOV.into(), 2, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(
        (s.get(DATA, 3), s.get(DATA + 100, 3)),
        (&b"012"[..], &b"345"[..])
    );
    assert_eq!(s.read(1, 4), Err(Errno::BADF), "stdout");
    assert_eq!(s.read(5, 4), Err(Errno::BADF), "a directory");
    assert_eq!(s.read(CLOSED, 4), Err(Errno::BADF));
    assert_eq!(s.open(ROOT, "wo", CREAT, W), Ok(7));
    assert_eq!(s.read(7, 4), Err(Errno::BADF), "write-only");
    let (iov, n) = s.iov(DATA, 4);
    assert_eq!(s.call("fd_read", &[4, iov, n, BAD]), Errno::FAULT);
    assert_eq!(s.call("fd_read", &[4, BAD, 1, OUT.into()]), Errno::FAULT);
    let (iov, n) = s.iov(BAD as u32, 4);
    assert_eq!(s.call("fd_read", &[4, iov, n, OUT.into()]), Errno::FAULT);
    assert_eq!(
        s.read(4, 1).unwrap(),
        b"6",
        "nothing was consumed by the failed calls"
    );
}

/// Decodes `fd_readdir` output: the names of the complete entries and their `d_next`.
fn dirents(buf: &[u8]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 24 <= buf.len() {
        let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
        let len = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
        if at + 24 + len > buf.len() {
            break;
        }
        out.push((
            String::from_utf8_lossy(&buf[at + 24..at + 24 + len]).into_owned(),
            next,
        ));
        at += 24 + len;
    }
    out
}

#[test]
fn fd_readdir() {
    let mut s = files();
    touch(&s.root, "dir/one", b"1");
    touch(&s.root, "dir/two", b"22");
    let args = |cookie: u64, len: u64| [5, u64::from(DATA), len, cookie, u64::from(OUT)];
    assert_eq!(s.call("fd_readdir", &args(0, 4096)), Errno::SUCCESS);
    let used = s.u32(OUT) as usize;
    assert!(used < 4096, "the whole directory fit");
    let mut names: Vec<String> = dirents(s.get(DATA, used))
        .into_iter()
        .map(|e| e.0)
        .collect();
    names.sort();
    assert_eq!(names, [".", "..", "one", "two"]);
    // A small buffer: full, so the caller resumes at the last complete entry's d_next.
    assert_eq!(s.call("fd_readdir", &args(0, 60)), Errno::SUCCESS);
    assert_eq!(s.u32(OUT), 60);
    let first = dirents(s.get(DATA, 60));
    let resume = first.last().unwrap().1;
    assert_eq!(s.call("fd_readdir", &args(resume, 4096)), Errno::SUCCESS);
    let rest = dirents(s.get(DATA, s.u32(OUT) as usize));
    assert_eq!(first.len() + rest.len(), 4);
    // At the end: nothing.
    assert_eq!(s.call("fd_readdir", &args(4, 4096)), Errno::SUCCESS);
    assert_eq!(s.u32(OUT), 0);
    assert_eq!(
        s.call("fd_readdir", &[4, DATA.into(), 100, 0, OUT.into()]),
        Errno::NOTDIR
    );
    assert_eq!(
        s.call("fd_readdir", &[CLOSED, DATA.into(), 100, 0, OUT.into()]),
        Errno::BADF
    );
    assert_eq!(
        s.call("fd_readdir", &[5, BAD, 100, 0, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("fd_readdir", &[5, DATA.into(), 100, 0, BAD]),
        Errno::FAULT
    );
}

#[test]
fn fd_renumber() {
    let mut s = files();
    assert_eq!(s.call("fd_renumber", &[6, 4]), Errno::SUCCESS);
    assert_eq!(s.read(4, 4).unwrap(), b"read", "4 is now ro.txt");
    assert_eq!(s.read(6, 4), Err(Errno::BADF), "6 is free");
    assert_eq!(s.call("fd_renumber", &[4, 4]), Errno::SUCCESS, "to itself");
    assert_eq!(
        s.call("fd_renumber", &[4, CLOSED]),
        Errno::BADF,
        "target not open"
    );
    assert_eq!(s.call("fd_renumber", &[CLOSED, 4]), Errno::BADF);
    assert_eq!(
        s.read(4, 2).unwrap(),
        b" o",
        "still open after the failures"
    );
}

#[test]
fn fd_seek() {
    let mut s = files();
    let seek = |s: &mut Sandbox, off: i64, whence: u64| match s
        .call("fd_seek", &[4, off as u64, whence, OUT.into()])
    {
        Errno::SUCCESS => Ok(s.u64(OUT)),
        e => Err(e),
    };
    assert_eq!(seek(&mut s, 3, 0), Ok(3));
    assert_eq!(seek(&mut s, 2, 1), Ok(5));
    assert_eq!(seek(&mut s, -1, 2), Ok(9));
    assert_eq!(s.read(4, 5).unwrap(), b"9");
    assert_eq!(seek(&mut s, 20, 2), Ok(30), "past the end is allowed");
    assert_eq!(seek(&mut s, -1, 0), Err(Errno::INVAL));
    assert_eq!(seek(&mut s, -100, 1), Err(Errno::INVAL));
    assert_eq!(seek(&mut s, 0, 3), Err(Errno::INVAL), "bad whence");
    assert_eq!(
        s.call("fd_seek", &[0, 0, 0, OUT.into()]),
        Errno::SPIPE,
        "stdin"
    );
    assert_eq!(
        s.call("fd_seek", &[5, 0, 0, OUT.into()]),
        Errno::BADF,
        "directory"
    );
    assert_eq!(s.call("fd_seek", &[CLOSED, 0, 0, OUT.into()]), Errno::BADF);
    assert_eq!(s.call("fd_seek", &[4, 0, 0, BAD]), Errno::FAULT);
    assert_eq!(
        seek(&mut s, 0, 1),
        Ok(30),
        "the failed calls did not move it"
    );
}

#[test]
fn fd_sync() {
    let mut s = files();
    assert_eq!(s.write(4, b"sync me"), Ok(7));
    assert_eq!(s.call("fd_sync", &[4]), Errno::SUCCESS);
    assert_eq!(s.call("fd_sync", &[5]), Errno::SUCCESS, "a directory");
    assert_eq!(s.call("fd_sync", &[6]), Errno::SUCCESS, "read-only file");
    assert_eq!(s.call("fd_sync", &[0]), Errno::INVAL, "in-memory stdin");
    assert_eq!(s.call("fd_sync", &[CLOSED]), Errno::BADF);
}

#[test]
fn fd_tell() {
    let mut s = files();
    assert_eq!(s.call("fd_tell", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u64(OUT), 0);
    s.read(4, 7).unwrap();
    assert_eq!(s.call("fd_tell", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(s.u64(OUT), 7);
    assert_eq!(s.call("fd_tell", &[1, OUT.into()]), Errno::SPIPE);
    assert_eq!(s.call("fd_tell", &[5, OUT.into()]), Errno::BADF);
    assert_eq!(s.call("fd_tell", &[CLOSED, OUT.into()]), Errno::BADF);
    assert_eq!(s.call("fd_tell", &[4, BAD]), Errno::FAULT);
}

#[test]
fn fd_write() {
    let mut s = files();
    assert_eq!(s.write(4, b"ab"), Ok(2));
    assert_eq!(std::fs::read(s.host("f.txt")).unwrap(), b"ab23456789");
    assert_eq!(s.write(1, b"to stdout"), Ok(9));
    assert_eq!(s.stdout.contents(), b"to stdout");
    assert_eq!(s.write(0, b"x"), Err(Errno::BADF), "stdin");
    assert_eq!(s.write(6, b"x"), Err(Errno::BADF), "read-only");
    assert_eq!(s.write(5, b"x"), Err(Errno::BADF), "a directory");
    assert_eq!(s.write(CLOSED, b"x"), Err(Errno::BADF));
    let (iov, n) = s.iov(DATA, 2);
    assert_eq!(s.call("fd_write", &[4, iov, n, BAD]), Errno::FAULT);
    assert_eq!(s.call("fd_write", &[4, BAD, 1, OUT.into()]), Errno::FAULT);
    let (iov, n) = s.iov(MEM as u32 - 1, 2);
    assert_eq!(s.call("fd_write", &[4, iov, n, OUT.into()]), Errno::FAULT);
    assert_eq!(
        std::fs::read(s.host("f.txt")).unwrap(),
        b"ab23456789",
        "failed calls wrote nothing"
    );
}
