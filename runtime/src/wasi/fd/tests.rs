use super::super::abi::oflags;
use super::super::testing::{BAD_PTR, Harness, MEM_SIZE, TempDir};
use super::super::{SharedBuffer, WasiCtxBuilder};
use super::*;
use std::io::IsTerminal;

/// A writer that takes at most `chunk` bytes per call and fails once `fail_after` bytes went out.
struct Stingy {
    out: SharedBuffer,
    chunk: usize,
    fail_after: usize,
}

impl Write for Stingy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.out.contents().len();
        if written >= self.fail_after {
            return Err(io::Error::from_raw_os_error(libc::EPIPE));
        }
        let n = buf.len().min(self.chunk).min(self.fail_after - written);
        self.out.write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn captured() -> (Harness, SharedBuffer) {
    let out = SharedBuffer::new();
    let h = Harness::new(
        WasiCtxBuilder::new()
            .stdin(Box::new(&b"line one\nline two\n"[..]))
            .stdout(Box::new(out.clone()))
            .build(),
    );
    (h, out)
}

fn with_dir() -> (Harness, TempDir) {
    let tmp = TempDir::new("fd");
    let h = Harness::new(
        WasiCtxBuilder::new()
            .preopened_dir(tmp.path(), "/")
            .unwrap()
            .build(),
    );
    (h, tmp)
}

const RW: u64 = rights::FD_READ | rights::FD_WRITE;

#[test]
fn fd_write_gathers_iovecs_in_order_and_skips_empty_ones() {
    let (mut h, out) = captured();
    h.put(1000, b"Hello");
    h.put(2000, b", ");
    h.put(3000, b"world!\n");
    h.iovec(100, 1000, 5);
    h.iovec(108, 5000, 0);
    h.iovec(116, 2000, 2);
    h.iovec(124, 3000, 7);
    assert_eq!(h.call("fd_write", &[1, 100, 4, 200]), Errno::SUCCESS);
    assert_eq!(h.u32_at(200), 14);
    assert_eq!(out.contents(), b"Hello, world!\n");
    // Zero iovecs: nothing written, count 0.
    assert_eq!(h.call("fd_write", &[1, 100, 0, 200]), Errno::SUCCESS);
    assert_eq!(h.u32_at(200), 0);
}

#[test]
fn fd_write_loops_over_short_writes_and_reports_partial_success() {
    let out = SharedBuffer::new();
    let w = Stingy {
        out: out.clone(),
        chunk: 3,
        fail_after: 10,
    };
    let mut h = Harness::new(WasiCtxBuilder::new().stdout(Box::new(w)).build());
    assert_eq!(
        h.write_fd(1, b"abcdefgh"),
        Ok(8),
        "short writes are retried"
    );
    assert_eq!(
        h.write_fd(1, b"ijklmn"),
        Ok(2),
        "error after 2 bytes: partial count"
    );
    assert_eq!(out.contents(), b"abcdefghij");
    assert_eq!(
        h.write_fd(1, b"op"),
        Err(Errno::PIPE),
        "then the error itself"
    );
}

#[test]
fn fd_write_bad_pointers_are_efault_and_write_nothing() {
    let (mut h, out) = captured();
    h.put(1000, b"data");
    h.iovec(100, 1000, 4);
    assert_eq!(h.call("fd_write", &[1, BAD_PTR, 1, 200]), Errno::FAULT);
    assert_eq!(
        h.call("fd_write", &[1, (MEM_SIZE - 4) as u64, 1, 200]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("fd_write", &[1, 100, 0x2000_0000, 200]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("fd_write", &[1, 100, u64::from(u32::MAX), 200]),
        Errno::FAULT
    );
    assert_eq!(h.call("fd_write", &[1, 100, 1, BAD_PTR]), Errno::FAULT);
    // A valid iovec followed by one whose buffer is outside memory: nothing is written.
    h.iovec(108, 0xFFFF_0000, 16);
    assert_eq!(h.call("fd_write", &[1, 100, 2, 200]), Errno::FAULT);
    h.iovec(108, (MEM_SIZE - 8) as u32, 9);
    assert_eq!(h.call("fd_write", &[1, 100, 2, 200]), Errno::FAULT);
    assert_eq!(out.contents(), b"");
}

#[test]
fn fd_write_to_the_wrong_kind_of_fd_is_ebadf() {
    let (mut h, _out) = captured();
    assert_eq!(h.write_fd(0, b"x"), Err(Errno::BADF), "stdin");
    assert_eq!(h.write_fd(3, b"x"), Err(Errno::BADF), "not open");
    assert_eq!(h.write_fd(u32::MAX, b"x"), Err(Errno::BADF));
}

#[test]
fn fd_read_scatters_into_iovecs_and_reports_eof() {
    let (mut h, _out) = captured();
    h.iovec(100, 1000, 4);
    h.iovec(108, 2000, 0);
    h.iovec(116, 3000, 3);
    assert_eq!(h.call("fd_read", &[0, 100, 3, 200]), Errno::SUCCESS);
    assert_eq!(h.u32_at(200), 7);
    assert_eq!(h.get(1000, 4), b"line");
    assert_eq!(h.get(3000, 3), b" on");
    assert_eq!(h.read_fd(0, 100).unwrap(), b"e\nline two\n");
    assert_eq!(h.read_fd(0, 100).unwrap(), b"", "EOF is a 0-byte read");
    assert_eq!(h.read_fd(1, 10), Err(Errno::BADF), "stdout is not readable");
    assert_eq!(h.read_fd(9, 10), Err(Errno::BADF));
}

#[test]
fn fd_read_bad_pointers_are_efault() {
    let (mut h, _out) = captured();
    h.iovec(100, 1000, 4);
    assert_eq!(h.call("fd_read", &[0, BAD_PTR, 1, 200]), Errno::FAULT);
    assert_eq!(h.call("fd_read", &[0, 100, 1, BAD_PTR]), Errno::FAULT);
    h.iovec(100, (MEM_SIZE - 2) as u32, 4);
    assert_eq!(h.call("fd_read", &[0, 100, 1, 200]), Errno::FAULT);
    // Nothing was consumed by the failed calls.
    assert_eq!(h.read_fd(0, 4).unwrap(), b"line");
}

#[test]
fn stdio_fdstat_matches_wasmtime() {
    let (mut h, _out) = captured();
    for (fd, right) in [(0u64, rights::FD_READ), (1, rights::FD_WRITE)] {
        h.mem[100..124].fill(0xAA);
        assert_eq!(h.call("fd_fdstat_get", &[fd, 100]), Errno::SUCCESS);
        assert_eq!(
            h.u8_at(100),
            filetype::UNKNOWN,
            "custom streams are not terminals"
        );
        assert_eq!(h.u8_at(101), 0, "padding zeroed");
        assert_eq!(h.u16_at(102), 0, "blocking, no flags");
        assert_eq!(h.u64_at(108), right);
        assert_eq!(h.u64_at(116), right);
    }
    // Inherited stdio: a character device exactly when the host stream is a terminal.
    let mut h = Harness::new(WasiCtxBuilder::new().build());
    for (fd, tty) in [
        (0u64, io::stdin().is_terminal()),
        (1, io::stdout().is_terminal()),
        (2, io::stderr().is_terminal()),
    ] {
        assert_eq!(h.call("fd_fdstat_get", &[fd, 100]), Errno::SUCCESS);
        let expected = if tty {
            filetype::CHARACTER_DEVICE
        } else {
            filetype::UNKNOWN
        };
        assert_eq!(h.u8_at(100), expected, "fd {fd}");
    }
    assert_eq!(h.call("fd_fdstat_get", &[3, 100]), Errno::BADF);
    assert_eq!(h.call("fd_fdstat_get", &[1, BAD_PTR]), Errno::FAULT);
}

#[test]
fn nonblock_on_stdio_is_refused_like_wasmtime_and_stdio_stays_blocking() {
    let (mut h, _out) = captured();
    for fd in 0..3u64 {
        assert_eq!(
            h.call("fd_fdstat_set_flags", &[fd, u64::from(fdflags::NONBLOCK)]),
            Errno::BADF
        );
        assert_eq!(h.call("fd_fdstat_get", &[fd, 100]), Errno::SUCCESS);
        assert_eq!(h.u16_at(102) & fdflags::NONBLOCK, 0);
    }
    assert_eq!(h.call("fd_fdstat_set_flags", &[7, 0]), Errno::BADF);
}

#[test]
fn prestat_of_preopens_and_probing_past_the_last_one() {
    let tmp = TempDir::new("prestat");
    let mut h = Harness::new(
        WasiCtxBuilder::new()
            .preopened_dir(tmp.path(), "/sandbox/root")
            .unwrap()
            .build(),
    );
    h.mem[100..108].fill(0xAA);
    assert_eq!(h.call("fd_prestat_get", &[3, 100]), Errno::SUCCESS);
    assert_eq!(h.get(100, 8), &[0, 0, 0, 0, 13, 0, 0, 0]);
    assert_eq!(h.call("fd_prestat_dir_name", &[3, 200, 13]), Errno::SUCCESS);
    assert_eq!(h.get(200, 14), b"/sandbox/root\0", "no NUL is written");
    assert_eq!(
        h.call("fd_prestat_dir_name", &[3, 300, 12]),
        Errno::NAMETOOLONG
    );
    assert_eq!(
        h.call("fd_prestat_dir_name", &[3, BAD_PTR, 13]),
        Errno::FAULT
    );
    assert_eq!(h.call("fd_prestat_get", &[3, BAD_PTR]), Errno::FAULT);
    // Go's init loop: probe 3, 4, ... until EBADF.
    assert_eq!(h.call("fd_prestat_get", &[4, 100]), Errno::BADF);
    assert_eq!(
        h.call("fd_prestat_get", &[0, 100]),
        Errno::BADF,
        "stdio is no preopen"
    );
    assert_eq!(h.call("fd_prestat_dir_name", &[0, 200, 13]), Errno::NOTDIR);
    assert_eq!(h.call("fd_prestat_dir_name", &[4, 200, 13]), Errno::BADF);
    // A directory opened later is not a preopen either.
    let sub = h
        .open(3, ".", oflags::DIRECTORY, rights::FD_READDIR, 0)
        .unwrap();
    assert_eq!(h.call("fd_prestat_get", &[sub.into(), 100]), Errno::BADF);
}

#[test]
fn fd_close_and_fd_renumber() {
    let (mut h, out) = captured();
    assert_eq!(h.call("fd_close", &[1]), Errno::SUCCESS);
    assert_eq!(h.write_fd(1, b"x"), Err(Errno::BADF));
    assert_eq!(h.call("fd_close", &[1]), Errno::BADF);
    assert_eq!(h.call("fd_close", &[42]), Errno::BADF);
    assert_eq!(
        h.call("fd_renumber", &[0, 1]),
        Errno::BADF,
        "target must be open"
    );
    assert_eq!(
        h.call("fd_renumber", &[5, 2]),
        Errno::BADF,
        "source must be open"
    );
    assert_eq!(out.contents(), b"");

    let (mut h, out) = captured();
    assert_eq!(h.call("fd_renumber", &[1, 2]), Errno::SUCCESS);
    assert_eq!(h.write_fd(2, b"moved"), Ok(5));
    assert_eq!(h.write_fd(1, b"x"), Err(Errno::BADF));
    assert_eq!(out.contents(), b"moved");
}

#[test]
fn seek_and_tell_on_stdio_are_espipe() {
    let (mut h, _out) = captured();
    assert_eq!(h.call("fd_seek", &[0, 0, 1, 100]), Errno::SPIPE);
    assert_eq!(h.call("fd_tell", &[1, 100]), Errno::SPIPE);
    assert_eq!(h.call("fd_seek", &[9, 0, 1, 100]), Errno::BADF);
    assert_eq!(h.call("fd_seek", &[1, 0, 1, BAD_PTR]), Errno::FAULT);
    h.iovec(100, 1000, 4);
    assert_eq!(h.call("fd_pread", &[0, 100, 1, 0, 200]), Errno::SPIPE);
    assert_eq!(h.call("fd_pwrite", &[1, 100, 1, 0, 200]), Errno::SPIPE);
    assert_eq!(h.call("fd_pread", &[1, 100, 1, 0, 200]), Errno::BADF);
}

#[test]
fn file_read_write_seek_tell_pread_pwrite() {
    let (mut h, tmp) = with_dir();
    let fd = h.open(3, "f.txt", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(h.write_fd(fd, b"0123456789"), Ok(10));
    assert_eq!(h.call("fd_tell", &[fd.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u64_at(100), 10);
    assert_eq!(h.call("fd_seek", &[fd.into(), 2, 0, 100]), Errno::SUCCESS);
    assert_eq!(h.u64_at(100), 2);
    assert_eq!(h.read_fd(fd, 3).unwrap(), b"234");
    assert_eq!(
        h.call("fd_seek", &[fd.into(), (-2i64) as u64, 1, 100]),
        Errno::SUCCESS
    );
    assert_eq!(h.u64_at(100), 3);
    assert_eq!(
        h.call("fd_seek", &[fd.into(), (-1i64) as u64, 2, 100]),
        Errno::SUCCESS
    );
    assert_eq!(h.u64_at(100), 9);
    assert_eq!(
        h.call("fd_seek", &[fd.into(), (-20i64) as u64, 1, 100]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_seek", &[fd.into(), (-1i64) as u64, 0, 100]),
        Errno::INVAL
    );
    assert_eq!(h.call("fd_seek", &[fd.into(), 0, 3, 100]), Errno::INVAL);

    // pread/pwrite leave the position alone.
    h.iovec(200, 1000, 4);
    h.iovec(208, 2000, 2);
    assert_eq!(
        h.call("fd_pread", &[fd.into(), 200, 2, 1, 300]),
        Errno::SUCCESS
    );
    assert_eq!(h.u32_at(300), 6);
    assert_eq!((h.get(1000, 4), h.get(2000, 2)), (&b"1234"[..], &b"56"[..]));
    h.put(1000, b"AB");
    h.put(2000, b"C");
    h.iovec(200, 1000, 2);
    h.iovec(208, 2000, 1);
    assert_eq!(
        h.call("fd_pwrite", &[fd.into(), 200, 2, 4, 300]),
        Errno::SUCCESS
    );
    assert_eq!(h.u32_at(300), 3);
    assert_eq!(h.call("fd_tell", &[fd.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u64_at(100), 9);
    assert_eq!(h.read_fd(fd, 10).unwrap(), b"9");
    assert_eq!(h.read_fd(fd, 10).unwrap(), b"");
    assert_eq!(
        h.call("fd_pread", &[fd.into(), 200, 1, 1 << 63, 300]),
        Errno::INVAL
    );
    assert_eq!(
        std::fs::read(tmp.path().join("f.txt")).unwrap(),
        b"0123ABC789"
    );
    assert_eq!(h.call("fd_close", &[fd.into()]), Errno::SUCCESS);
}

#[test]
fn read_only_and_write_only_files_enforce_their_access() {
    let (mut h, tmp) = with_dir();
    std::fs::write(tmp.path().join("r"), b"data").unwrap();
    let ro = h.open(3, "r", 0, rights::FD_READ, 0).unwrap();
    assert_eq!(h.write_fd(ro, b"x"), Err(Errno::BADF));
    h.iovec(200, 1000, 1);
    assert_eq!(
        h.call("fd_pwrite", &[ro.into(), 200, 1, 0, 300]),
        Errno::BADF
    );
    assert_eq!(h.read_fd(ro, 10).unwrap(), b"data");
    let wo = h.open(3, "r", 0, rights::FD_WRITE, 0).unwrap();
    assert_eq!(h.read_fd(wo, 10), Err(Errno::BADF));
    assert_eq!(
        h.call("fd_pread", &[wo.into(), 200, 1, 0, 300]),
        Errno::BADF
    );
    // Created "read-only": the guest still cannot write through it.
    let created = h.open(3, "new", oflags::CREAT, rights::FD_READ, 0).unwrap();
    assert_eq!(h.write_fd(created, b"x"), Err(Errno::BADF));
    assert!(tmp.path().join("new").exists());
    // Reading a directory fd is EBADF (as wasmtime).
    assert_eq!(h.read_fd(3, 10), Err(Errno::BADF));
    assert_eq!(h.write_fd(3, b"x"), Err(Errno::BADF));
    assert_eq!(h.call("fd_seek", &[3, 0, 0, 100]), Errno::BADF);
}

#[test]
fn file_fdstat_and_append_flag() {
    let (mut h, tmp) = with_dir();
    std::fs::write(tmp.path().join("log"), b"start;").unwrap();
    let fd = h.open(3, "log", 0, RW, fdflags::APPEND).unwrap();
    assert_eq!(h.call("fd_fdstat_get", &[fd.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u8_at(100), filetype::REGULAR_FILE);
    assert_eq!(h.u16_at(102), fdflags::APPEND);
    assert_eq!(h.u64_at(108) & RW, RW);
    assert_eq!(h.write_fd(fd, b"one;"), Ok(4));
    // Turn APPEND off: writes go to the current position (0 after a seek).
    assert_eq!(
        h.call(
            "fd_fdstat_set_flags",
            &[fd.into(), u64::from(fdflags::NONBLOCK)]
        ),
        Errno::SUCCESS
    );
    assert_eq!(h.call("fd_fdstat_get", &[fd.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u16_at(102), fdflags::NONBLOCK);
    assert_eq!(h.call("fd_seek", &[fd.into(), 0, 0, 100]), Errno::SUCCESS);
    assert_eq!(h.write_fd(fd, b"S"), Ok(1));
    // And back on.
    assert_eq!(
        h.call(
            "fd_fdstat_set_flags",
            &[fd.into(), u64::from(fdflags::APPEND)]
        ),
        Errno::SUCCESS
    );
    assert_eq!(h.call("fd_seek", &[fd.into(), 0, 0, 100]), Errno::SUCCESS);
    assert_eq!(h.write_fd(fd, b"two;"), Ok(4));
    assert_eq!(
        std::fs::read(tmp.path().join("log")).unwrap(),
        b"Start;one;two;"
    );
    assert_eq!(
        h.call(
            "fd_fdstat_set_flags",
            &[fd.into(), u64::from(fdflags::SYNC)]
        ),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_fdstat_set_flags", &[fd.into(), 0x40]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("fd_fdstat_set_flags", &[3, 0]),
        Errno::BADF,
        "directories: as wasmtime"
    );

    let ro = h.open(3, "log", 0, rights::FD_READ, 0).unwrap();
    assert_eq!(h.call("fd_fdstat_get", &[ro.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u64_at(108) & RW, rights::FD_READ);
    assert_eq!(h.u16_at(102), 0);
}

#[test]
fn fdstat_of_directories() {
    let (mut h, _tmp) = with_dir();
    assert_eq!(h.call("fd_fdstat_get", &[3, 100]), Errno::SUCCESS);
    assert_eq!(h.u8_at(100), filetype::DIRECTORY);
    assert_eq!(h.u64_at(108), rights::PREOPEN_BASE);
    assert_eq!(h.u64_at(116), rights::PREOPEN_INHERITING);
    let sub = h.open(3, ".", oflags::DIRECTORY, 0, 0).unwrap();
    assert_eq!(h.call("fd_fdstat_get", &[sub.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u8_at(100), filetype::DIRECTORY);
    assert_eq!(h.u64_at(108) & (rights::FD_WRITE | rights::FD_SEEK), 0);
    assert_ne!(h.u64_at(108) & rights::FD_READDIR, 0);
}

#[test]
fn set_rights_is_not_supported() {
    let (mut h, _out) = captured();
    assert_eq!(h.call("fd_fdstat_set_rights", &[1, 0, 0]), Errno::NOTSUP);
    assert_eq!(h.call("fd_fdstat_set_rights", &[11, 0, 0]), Errno::BADF);
}

/// Host stdio whose open file description is non-blocking (set by someone else): the guest still
/// gets blocking semantics, never EAGAIN.
#[test]
fn inherited_stdio_stays_blocking_even_if_the_host_fd_is_nonblocking() {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    use std::os::fd::OwnedFd;
    let (in_r, mut in_w) = std::io::pipe().unwrap();
    let (mut out_r, out_w) = std::io::pipe().unwrap();
    let in_r = std::fs::File::from(OwnedFd::from(in_r));
    let out_w = std::fs::File::from(OwnedFd::from(out_w));
    for f in [&in_r, &out_w] {
        let fl = OFlag::from_bits_truncate(fcntl(f, FcntlArg::F_GETFL).unwrap());
        fcntl(f, FcntlArg::F_SETFL(fl | OFlag::O_NONBLOCK)).unwrap();
    }
    let mut ctx = WasiCtxBuilder::new().build();
    ctx.fds.insert(
        0,
        Desc::Input(Input::Host {
            file: in_r,
            tty: false,
        }),
    );
    ctx.fds.insert(
        1,
        Desc::Output(Output::Host {
            file: out_w,
            tty: false,
        }),
    );
    let mut h = Harness::new(ctx);

    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        in_w.write_all(b"later").unwrap();
    });
    assert_eq!(
        h.read_fd(0, 16).unwrap(),
        b"later",
        "waited instead of EAGAIN"
    );
    writer.join().unwrap();

    // More than a pipe buffer (64 KiB on Linux) in one fd_write: completes as the reader drains.
    let reader = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut all = Vec::new();
        out_r.read_to_end(&mut all).unwrap();
        all
    });
    let chunk = vec![b'z'; 16_000];
    let mut total = 0;
    for _ in 0..8 {
        assert_eq!(h.write_fd(1, &chunk), Ok(16_000));
        total += 16_000;
    }
    drop(h); // closes the write end
    assert_eq!(reader.join().unwrap().len(), total);
}
