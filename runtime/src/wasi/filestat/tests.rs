use super::super::abi::{oflags, rights};
use super::super::testing::{BAD_PTR, Harness, TempDir};
use super::super::{SharedBuffer, WasiCtxBuilder};
use super::*;
use std::os::unix::fs::MetadataExt;

const RW: u64 = rights::FD_READ | rights::FD_WRITE;

fn with_dir() -> (Harness, TempDir) {
    let tmp = TempDir::new("filestat");
    let h = Harness::new(
        WasiCtxBuilder::new()
            .stdin(Box::new(std::io::empty()))
            .stdout(Box::new(SharedBuffer::new()))
            .preopened_dir(tmp.path(), "/")
            .unwrap()
            .build(),
    );
    (h, tmp)
}

fn filestat(h: &mut Harness, fd: u32) -> Result<Filestat, Errno> {
    match h.call("fd_filestat_get", &[fd.into(), 500]) {
        Errno::SUCCESS => Ok(Filestat {
            dev: h.u64_at(500),
            ino: h.u64_at(508),
            filetype: h.u8_at(516),
            nlink: h.u64_at(524),
            size: h.u64_at(532),
            atim: h.u64_at(540),
            mtim: h.u64_at(548),
            ctim: h.u64_at(556),
        }),
        e => Err(e),
    }
}

#[test]
fn fd_filestat_get_reports_host_stat() {
    let (mut h, tmp) = with_dir();
    std::fs::write(tmp.path().join("f"), b"12345").unwrap();
    let fd = h.open(3, "f", 0, rights::FD_READ, 0).unwrap();
    let st = filestat(&mut h, fd).unwrap();
    let md = std::fs::metadata(tmp.path().join("f")).unwrap();
    assert_eq!(st.filetype, filetype::REGULAR_FILE);
    assert_eq!(st.size, 5);
    assert_eq!((st.dev, st.ino, st.nlink), (md.dev(), md.ino(), 1));
    assert_eq!(
        st.mtim,
        md.mtime() as u64 * 1_000_000_000 + md.mtime_nsec() as u64
    );
    assert!(st.atim > 0 && st.ctim > 0);

    let dir = filestat(&mut h, 3).unwrap();
    let dmd = std::fs::metadata(tmp.path()).unwrap();
    assert_eq!((dir.filetype, dir.ino), (filetype::DIRECTORY, dmd.ino()));

    // stdio: zeros and its fdstat filetype (as wasmtime).
    h.mem[500..564].fill(0xAA);
    let out = filestat(&mut h, 1).unwrap();
    assert_eq!(
        out,
        Filestat {
            filetype: filetype::UNKNOWN,
            ..Filestat::default()
        }
    );
    assert_eq!(filestat(&mut h, 9), Err(Errno::BADF));
    assert_eq!(h.call("fd_filestat_get", &[3, BAD_PTR]), Errno::FAULT);
}

#[test]
fn fd_filestat_set_size_truncates_and_extends() {
    let (mut h, tmp) = with_dir();
    let fd = h.open(3, "f", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(h.write_fd(fd, b"abcdef"), Ok(6));
    assert_eq!(
        h.call("fd_filestat_set_size", &[fd.into(), 3]),
        Errno::SUCCESS
    );
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"abc");
    assert_eq!(
        h.call("fd_filestat_set_size", &[fd.into(), 5]),
        Errno::SUCCESS
    );
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"abc\0\0");
    assert_eq!(
        h.call("fd_filestat_set_size", &[fd.into(), 1 << 63]),
        Errno::INVAL
    );
    let ro = h.open(3, "f", 0, rights::FD_READ, 0).unwrap();
    assert_eq!(
        h.call("fd_filestat_set_size", &[ro.into(), 0]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_filestat_set_size", &[3, 0]),
        Errno::BADF,
        "directory"
    );
    assert_eq!(
        h.call("fd_filestat_set_size", &[1, 0]),
        Errno::BADF,
        "stdout"
    );
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap().len(), 5);
}

#[test]
fn fd_filestat_set_times_sets_and_validates() {
    let (mut h, tmp) = with_dir();
    let fd = h.open(3, "f", oflags::CREAT, RW, 0).unwrap();
    let t = 1_000_000_000 * 1_500_000_000u64 + 123_456_789;
    let both = u64::from(fstflags::ATIM | fstflags::MTIM);
    assert_eq!(
        h.call("fd_filestat_set_times", &[fd.into(), t, t + 1000, both]),
        Errno::SUCCESS
    );
    let st = filestat(&mut h, fd).unwrap();
    assert_eq!((st.atim, st.mtim), (t, t + 1000));
    // Only mtime, to "now": atime unchanged.
    let mtim_now = u64::from(fstflags::MTIM_NOW);
    assert_eq!(
        h.call("fd_filestat_set_times", &[fd.into(), 0, 0, mtim_now]),
        Errno::SUCCESS
    );
    let st = filestat(&mut h, fd).unwrap();
    assert_eq!(st.atim, t);
    assert!(st.mtim > t + 1_000_000_000);
    let bad = u64::from(fstflags::ATIM | fstflags::ATIM_NOW);
    assert_eq!(
        h.call("fd_filestat_set_times", &[fd.into(), 0, 0, bad]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_filestat_set_times", &[fd.into(), 0, 0, 0x10]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_filestat_set_times", &[1, 0, 0, mtim_now]),
        Errno::BADF
    );
    // Directories too.
    assert_eq!(
        h.call("fd_filestat_set_times", &[3, t, t, both]),
        Errno::SUCCESS
    );
    let md = std::fs::metadata(tmp.path()).unwrap();
    assert_eq!(
        md.mtime() as u64 * 1_000_000_000 + md.mtime_nsec() as u64,
        t
    );
}

#[test]
fn advise_allocate_sync_datasync() {
    let (mut h, tmp) = with_dir();
    let fd = h.open(3, "f", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(h.call("fd_advise", &[fd.into(), 0, 100, 2]), Errno::SUCCESS);
    assert_eq!(h.call("fd_advise", &[fd.into(), 0, 100, 6]), Errno::INVAL);
    assert_eq!(h.call("fd_advise", &[3, 0, 100, 0]), Errno::BADF);
    assert_eq!(h.call("fd_advise", &[1, 0, 100, 0]), Errno::BADF);

    assert_eq!(h.call("fd_allocate", &[fd.into(), 10, 20]), Errno::SUCCESS);
    assert_eq!(std::fs::metadata(tmp.path().join("f")).unwrap().len(), 30);
    assert_eq!(
        h.call("fd_allocate", &[fd.into(), 0, 5]),
        Errno::SUCCESS,
        "never shrinks"
    );
    assert_eq!(std::fs::metadata(tmp.path().join("f")).unwrap().len(), 30);
    assert_eq!(h.call("fd_allocate", &[fd.into(), 0, 0]), Errno::INVAL);
    assert_eq!(
        h.call("fd_allocate", &[fd.into(), u64::MAX, 2]),
        Errno::FBIG
    );
    let ro = h.open(3, "f", 0, rights::FD_READ, 0).unwrap();
    assert_eq!(h.call("fd_allocate", &[ro.into(), 0, 100]), Errno::BADF);
    assert_eq!(h.call("fd_allocate", &[3, 0, 1]), Errno::BADF);

    for name in ["fd_sync", "fd_datasync"] {
        assert_eq!(h.call(name, &[fd.into()]), Errno::SUCCESS);
        assert_eq!(h.call(name, &[3]), Errno::SUCCESS, "directory");
        assert_eq!(
            h.call(name, &[1]),
            Errno::SUCCESS,
            "custom stdout is flushed"
        );
        assert_eq!(h.call(name, &[0]), Errno::INVAL, "custom stdin");
        assert_eq!(h.call(name, &[99]), Errno::BADF);
    }
}

/// Decodes a `fd_readdir` buffer: (d_next, d_ino, d_type, name) of each complete entry.
fn entries(buf: &[u8]) -> Vec<(u64, u64, u8, String)> {
    let mut out = Vec::new();
    let mut b = buf;
    while b.len() >= 24 {
        let next = u64::from_le_bytes(b[0..8].try_into().unwrap());
        let ino = u64::from_le_bytes(b[8..16].try_into().unwrap());
        let namlen = u32::from_le_bytes(b[16..20].try_into().unwrap()) as usize;
        if b.len() < 24 + namlen {
            break;
        }
        out.push((
            next,
            ino,
            b[20],
            String::from_utf8(b[24..24 + namlen].to_vec()).unwrap(),
        ));
        b = &b[24 + namlen..];
    }
    out
}

fn readdir(h: &mut Harness, fd: u32, len: u32, cookie: u64) -> (u32, Vec<u8>) {
    assert_eq!(
        h.call("fd_readdir", &[fd.into(), 1000, len.into(), cookie, 900]),
        Errno::SUCCESS
    );
    let used = h.u32_at(900);
    (used, h.get(1000, used as usize).to_vec())
}

#[test]
fn readdir_lists_dot_entries_then_files_with_cookies() {
    let (mut h, tmp) = with_dir();
    std::fs::write(tmp.path().join("a.txt"), b"x").unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("a.txt", tmp.path().join("link")).unwrap();
    let (used, buf) = readdir(&mut h, 3, 4096, 0);
    assert!(used < 4096, "end of directory: bufused < buf_len");
    let list = entries(&buf);
    assert_eq!(list.len(), 5);
    assert_eq!(used as usize, 5 * 24 + 1 + 2 + 5 + 3 + 4);
    assert_eq!(
        (list[0].0, list[0].2, list[0].3.as_str()),
        (1, filetype::DIRECTORY, ".")
    );
    assert_eq!(
        (list[1].0, list[1].2, list[1].3.as_str()),
        (2, filetype::DIRECTORY, "..")
    );
    assert_eq!(list[0].1, std::fs::metadata(tmp.path()).unwrap().ino());
    let mut rest: Vec<_> = list[2..].iter().map(|e| (e.3.clone(), e.2)).collect();
    rest.sort();
    assert_eq!(
        rest,
        [
            ("a.txt".to_string(), filetype::REGULAR_FILE),
            ("link".to_string(), filetype::SYMBOLIC_LINK),
            ("sub".to_string(), filetype::DIRECTORY),
        ]
    );
    for (i, e) in list.iter().enumerate() {
        assert_eq!(e.0, i as u64 + 1, "d_next is the next entry's cookie");
    }
    let a = list.iter().find(|e| e.3 == "a.txt").unwrap();
    assert_eq!(
        a.1,
        std::fs::metadata(tmp.path().join("a.txt")).unwrap().ino()
    );

    // Resuming from each cookie yields the suffix.
    for cookie in 0..=5u64 {
        let (_, buf) = readdir(&mut h, 3, 4096, cookie);
        assert_eq!(entries(&buf), list[cookie as usize..].to_vec());
    }
    let (used, _) = readdir(&mut h, 3, 4096, 1 << 40);
    assert_eq!(used, 0);
}

#[test]
fn readdir_truncates_the_last_entry_and_fills_the_buffer() {
    let (mut h, tmp) = with_dir();
    std::fs::write(tmp.path().join("long-file-name"), b"").unwrap();
    let (_, full) = readdir(&mut h, 3, 4096, 0);
    let total = full.len();
    assert_eq!(total, 24 + 1 + 24 + 2 + 24 + 14);
    for len in [1u32, 10, 24, 25, 30, 48, 50, 60, 80, 88] {
        h.mem[1000..1200].fill(0xEE);
        let (used, buf) = readdir(&mut h, 3, len, 0);
        assert_eq!(used, len, "a full buffer signals that more entries follow");
        assert_eq!(
            buf,
            full[..len as usize],
            "exact prefix, truncated entry included"
        );
        assert_eq!(h.u8_at(1000 + len), 0xEE, "nothing past buf_len");
    }
    let (used, _) = readdir(&mut h, 3, total as u32, 0);
    assert_eq!(
        used as usize, total,
        "exactly full: caller calls again and gets 0"
    );
    let (used, _) = readdir(&mut h, 3, 4096, 3);
    assert_eq!(used, 0);
    // A Go-style loop with a tiny buffer: resume from the last complete entry's d_next.
    let mut cookie = 0;
    let mut names = Vec::new();
    loop {
        let (used, buf) = readdir(&mut h, 3, 40, cookie);
        let got = entries(&buf);
        if got.is_empty() {
            assert!(used < 40);
            break;
        }
        cookie = got.last().unwrap().0;
        names.extend(got.into_iter().map(|e| e.3));
    }
    assert_eq!(names, [".", "..", "long-file-name"]);
}

#[test]
fn readdir_serves_later_cookies_from_a_snapshot() {
    let (mut h, tmp) = with_dir();
    for name in ["one", "two", "three"] {
        std::fs::write(tmp.path().join(name), b"").unwrap();
    }
    let (_, first) = readdir(&mut h, 3, 4096, 0);
    let first = entries(&first);
    std::fs::remove_file(tmp.path().join(&first[2].3)).unwrap();
    std::fs::write(tmp.path().join("four"), b"").unwrap();
    let (_, later) = readdir(&mut h, 3, 4096, 3);
    assert_eq!(
        entries(&later),
        first[3..].to_vec(),
        "same pass, same listing"
    );
    let (_, fresh) = readdir(&mut h, 3, 4096, 0);
    let names: Vec<_> = entries(&fresh).into_iter().map(|e| e.3).collect();
    assert!(
        names.contains(&"four".to_string()),
        "cookie 0 re-reads the directory"
    );
    assert_eq!(names.len(), 5);
}

#[test]
fn readdir_errors() {
    let (mut h, _tmp) = with_dir();
    let f = h.open(3, "f", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(
        h.call("fd_readdir", &[f.into(), 1000, 100, 0, 900]),
        Errno::NOTDIR
    );
    assert_eq!(h.call("fd_readdir", &[1, 1000, 100, 0, 900]), Errno::BADF);
    assert_eq!(h.call("fd_readdir", &[42, 1000, 100, 0, 900]), Errno::BADF);
    assert_eq!(
        h.call("fd_readdir", &[3, BAD_PTR, 100, 0, 900]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("fd_readdir", &[3, 1000, 100, 0, BAD_PTR]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("fd_readdir", &[3, 65_000, 1000, 0, 900]),
        Errno::FAULT
    );
}
