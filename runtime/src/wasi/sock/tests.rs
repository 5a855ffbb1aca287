use super::super::testing::{BAD_PTR, DATA, Harness, IOV, OUT, TempDir};
use super::super::{SharedBuffer, WasiCtxBuilder};
use super::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The preopened listener.
const LISTENER: u32 = 3;
/// Where tests put an array of two iovecs.
const IOVS: u32 = 1000;

/// A context with a loopback listener at fd 3 and a temp dir preopened after it (fd 4).
fn with_listener() -> (Harness, SocketAddr, TempDir) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = TempDir::new("sock");
    let ctx = WasiCtxBuilder::new()
        .stdout(Box::new(SharedBuffer::new()))
        .preopened_dir(dir.path(), "/sandbox")
        .unwrap()
        .preopened_socket(listener)
        .unwrap()
        .build();
    (Harness::new(ctx), addr, dir)
}

fn fdstat(h: &mut Harness, fd: u32) -> (u8, u16, u64) {
    assert_eq!(
        h.call("fd_fdstat_get", &[fd.into(), OUT.into()]),
        Errno::SUCCESS
    );
    (h.u8_at(OUT), h.u16_at(OUT + 2), h.u64_at(OUT + 8))
}

fn accept(h: &mut Harness, flags: u16) -> Result<u32, Errno> {
    match h.call("sock_accept", &[LISTENER.into(), flags.into(), OUT.into()]) {
        Errno::SUCCESS => Ok(h.u32_at(OUT)),
        e => Err(e),
    }
}

/// Accepts, retrying `EAGAIN` until the client's connection is queued.
fn accept_soon(h: &mut Harness, flags: u16) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match accept(h, flags) {
            Ok(fd) => return fd,
            Err(Errno::AGAIN) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("sock_accept: {e:?}"),
        }
    }
}

/// `poll_oneoff` on one fd subscription plus a relative monotonic clock of `ms`; returns the
/// userdata values of the events (fd: 1, clock: 2) and their error/flags.
fn poll_fd(h: &mut Harness, fd: u32, kind: u8, ms: u64) -> Vec<(u64, Errno, u16)> {
    const IN: u32 = 2000;
    const EV: u32 = 3000;
    h.mem[IN as usize..IN as usize + 96].fill(0);
    h.put_u64(IN, 1);
    h.mem[IN as usize + 8] = kind;
    h.put_u32(IN + 16, fd);
    h.put_u64(IN + 48, 2);
    h.mem[IN as usize + 56] = 0; // clock
    h.put_u32(IN + 64, 1); // monotonic
    h.put_u64(IN + 72, ms * 1_000_000);
    let errno = h.call("poll_oneoff", &[IN.into(), EV.into(), 2, OUT.into()]);
    assert_eq!(errno, Errno::SUCCESS);
    (0..h.u32_at(OUT))
        .map(|i| {
            let at = EV + i * 32;
            (h.u64_at(at), Errno(h.u16_at(at + 8)), h.u16_at(at + 24))
        })
        .collect()
}

#[test]
fn preopened_listener_comes_before_directories_and_is_a_nonblocking_stream_socket() {
    let (mut h, _addr, _dir) = with_listener();
    let (ft, flags, rights) = fdstat(&mut h, LISTENER);
    assert_eq!(ft, filetype::SOCKET_STREAM);
    assert_eq!(flags, fdflags::NONBLOCK, "os.NewFile must see NONBLOCK");
    assert_ne!(rights & rights::SOCK_ACCEPT, 0);
    // Go's preopen probe: ENOTDIR on the socket (continue), then the directory at fd 4.
    assert_eq!(
        h.call("fd_prestat_get", &[LISTENER.into(), OUT.into()]),
        Errno::NOTDIR
    );
    assert_eq!(
        h.call("fd_prestat_dir_name", &[LISTENER.into(), DATA.into(), 64]),
        Errno::NOTDIR
    );
    assert_eq!(h.call("fd_prestat_get", &[4, OUT.into()]), Errno::SUCCESS);
    assert_eq!(h.u32_at(OUT + 4), "/sandbox".len() as u32);
    assert_eq!(h.call("fd_prestat_get", &[5, OUT.into()]), Errno::BADF);
    // fstat works, with the socket filetype.
    assert_eq!(
        h.call("fd_filestat_get", &[LISTENER.into(), DATA.into()]),
        Errno::SUCCESS
    );
    assert_eq!(h.u8_at(DATA + 16), filetype::SOCKET_STREAM);
    assert_ne!(h.u64_at(DATA + 8), 0, "a real inode");
}

#[test]
fn accept_is_eagain_until_a_client_connects_and_poll_reports_it() {
    let (mut h, addr, _dir) = with_listener();
    assert_eq!(accept(&mut h, 0), Err(Errno::AGAIN));
    // Nothing pending: only the clock fires.
    let start = Instant::now();
    assert_eq!(poll_fd(&mut h, LISTENER, 1, 20), [(2, Errno::SUCCESS, 0)]);
    assert!(start.elapsed() >= Duration::from_millis(20));
    // A client connects: the listener becomes readable long before the clock.
    let client = TcpStream::connect(addr).unwrap();
    let start = Instant::now();
    assert_eq!(
        poll_fd(&mut h, LISTENER, 1, 10_000),
        [(1, Errno::SUCCESS, 0)]
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    let conn = accept(&mut h, fdflags::NONBLOCK).unwrap();
    assert_eq!(
        conn, 5,
        "lowest free fd after the listener (3) and the dir (4)"
    );
    let (ft, flags, rights) = fdstat(&mut h, conn);
    assert_eq!((ft, flags), (filetype::SOCKET_STREAM, fdflags::NONBLOCK));
    assert_ne!(rights & rights::FD_READ, 0);
    assert_ne!(rights & rights::SOCK_SHUTDOWN, 0);
    // Without NONBLOCK the connection is blocking.
    let _client2 = TcpStream::connect(addr).unwrap();
    let conn2 = accept_soon(&mut h, 0);
    assert_eq!(fdstat(&mut h, conn2).1, 0);
    drop(client);
}

#[test]
fn accept_errors() {
    let (mut h, addr, _dir) = with_listener();
    let _client = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    // Bad flags and a bad result pointer fail before accepting: the connection stays queued.
    assert_eq!(
        h.call("sock_accept", &[LISTENER.into(), 1, OUT.into()]),
        Errno::INVAL
    );
    assert_eq!(
        h.call("sock_accept", &[LISTENER.into(), 0, BAD_PTR]),
        Errno::FAULT
    );
    let conn = accept_soon(&mut h, 0);
    // Accepting on a connection, on files/stdio, on closed fds.
    assert_eq!(
        h.call("sock_accept", &[conn.into(), 0, OUT.into()]),
        Errno::INVAL
    );
    assert_eq!(h.call("sock_accept", &[1, 0, OUT.into()]), Errno::NOTSOCK);
    assert_eq!(h.call("sock_accept", &[4, 0, OUT.into()]), Errno::NOTSOCK);
    assert_eq!(h.call("sock_accept", &[99, 0, OUT.into()]), Errno::BADF);
}

#[test]
fn connections_read_and_write_with_fd_read_fd_write_and_sock_recv_send() {
    let (mut h, addr, _dir) = with_listener();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = accept_soon(&mut h, fdflags::NONBLOCK);

    // Nothing sent yet: EAGAIN, and a read subscription waits for the clock.
    assert_eq!(h.read_fd(conn, 16), Err(Errno::AGAIN));
    assert_eq!(poll_fd(&mut h, conn, 1, 20), [(2, Errno::SUCCESS, 0)]);
    client.write_all(b"hello").unwrap();
    assert_eq!(poll_fd(&mut h, conn, 1, 10_000), [(1, Errno::SUCCESS, 0)]);
    assert_eq!(h.read_fd(conn, 16).unwrap(), b"hello");

    // fd_write; a connection is writable at once.
    assert_eq!(poll_fd(&mut h, conn, 2, 10_000), [(1, Errno::SUCCESS, 0)]);
    assert_eq!(h.write_fd(conn, b"world"), Ok(5));
    let mut buf = [0u8; 5];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"world");

    // sock_recv: PEEK leaves the data queued; two iovecs are filled in order.
    client.write_all(b"abcdef").unwrap();
    poll_fd(&mut h, conn, 1, 10_000);
    h.iovec(IOVS, DATA, 3);
    h.iovec(IOVS + 8, DATA + 100, 10);
    let recv = |h: &mut Harness, flags: u64| {
        h.call(
            "sock_recv",
            &[
                conn.into(),
                IOVS.into(),
                2,
                flags,
                OUT.into(),
                (OUT + 4).into(),
            ],
        )
    };
    h.put(OUT + 4, &0xFFFFu16.to_le_bytes());
    assert_eq!(recv(&mut h, u64::from(RECV_PEEK)), Errno::SUCCESS);
    assert_eq!(h.u32_at(OUT), 6);
    assert_eq!(h.u16_at(OUT + 4), 0, "ro_flags cleared");
    assert_eq!(recv(&mut h, 0), Errno::SUCCESS);
    assert_eq!(h.u32_at(OUT), 6);
    assert_eq!(h.get(DATA, 3), b"abc");
    assert_eq!(h.get(DATA + 100, 3), b"def");
    assert_eq!(recv(&mut h, 0), Errno::AGAIN);
    assert_eq!(recv(&mut h, 4), Errno::NOTSUP, "unknown ri_flags");

    // RECV_WAITALL gathers data sent in pieces until the buffers are full.
    let writer = {
        let mut c = client.try_clone().unwrap();
        std::thread::spawn(move || {
            for piece in [&b"12345"[..], b"6789", b"ABCD"] {
                c.write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    assert_eq!(
        h.call("fd_fdstat_set_flags", &[conn.into(), 0]),
        Errno::SUCCESS,
        "blocking, so WAITALL waits"
    );
    assert_eq!(recv(&mut h, u64::from(RECV_WAITALL)), Errno::SUCCESS);
    assert_eq!(h.u32_at(OUT), 13);
    assert_eq!(h.get(DATA, 3), b"123");
    assert_eq!(h.get(DATA + 100, 10), b"456789ABCD");
    writer.join().unwrap();

    // sock_send gathers its iovecs.
    h.put(DATA, b"xy");
    h.put(DATA + 100, b"z!");
    h.iovec(IOVS + 8, DATA + 100, 2);
    h.iovec(IOVS, DATA, 2);
    assert_eq!(
        h.call("sock_send", &[conn.into(), IOVS.into(), 2, 0, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(h.u32_at(OUT), 4);
    let mut buf = [0u8; 4];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"xyz!");
    assert_eq!(
        h.call("sock_send", &[conn.into(), IOVS.into(), 2, 1, OUT.into()]),
        Errno::NOTSUP
    );

    // EFAULT for bad iovecs or outputs, before any data moves.
    assert_eq!(
        h.call("sock_send", &[conn.into(), BAD_PTR, 1, 0, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("sock_send", &[conn.into(), IOVS.into(), 2, 0, BAD_PTR]),
        Errno::FAULT
    );
    assert_eq!(
        h.call(
            "sock_recv",
            &[conn.into(), IOVS.into(), 2, 0, OUT.into(), BAD_PTR]
        ),
        Errno::FAULT
    );
}

#[test]
fn shutdown_close_and_hangup() {
    let (mut h, addr, _dir) = with_listener();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = accept_soon(&mut h, fdflags::NONBLOCK);

    assert_eq!(h.call("sock_shutdown", &[conn.into(), 0]), Errno::INVAL);
    assert_eq!(h.call("sock_shutdown", &[conn.into(), 4]), Errno::INVAL);
    // Go's CloseWrite: the client reads end of stream, the guest can still read.
    assert_eq!(h.call("sock_shutdown", &[conn.into(), 2]), Errno::SUCCESS);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(h.write_fd(conn, b"late"), Err(Errno::PIPE));
    client.write_all(b"still").unwrap();
    poll_fd(&mut h, conn, 1, 10_000);
    assert_eq!(h.read_fd(conn, 16).unwrap(), b"still");

    // The client goes away: the read subscription triggers and the read is EOF.
    drop(client);
    let events = poll_fd(&mut h, conn, 1, 10_000);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].0, events[0].1), (1, Errno::SUCCESS));
    assert_eq!(h.read_fd(conn, 16).unwrap(), b"");
    assert_eq!(h.call("fd_close", &[conn.into()]), Errno::SUCCESS);
    assert_eq!(h.call("sock_shutdown", &[conn.into(), 3]), Errno::BADF);

    // Shutting down both sides: the peer sees EOF, the guest reads EOF.
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = accept_soon(&mut h, 0);
    assert_eq!(h.call("sock_shutdown", &[conn.into(), 3]), Errno::SUCCESS);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(h.read_fd(conn, 16).unwrap(), b"");
    assert_eq!(h.call("fd_close", &[conn.into()]), Errno::SUCCESS);

    // Closing an accepted connection closes the host socket: the peer sees EOF.
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = accept_soon(&mut h, 0);
    assert_eq!(h.call("fd_close", &[conn.into()]), Errno::SUCCESS);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

#[test]
fn listeners_cannot_be_read_written_or_shut_down() {
    let (mut h, _addr, _dir) = with_listener();
    assert_eq!(h.read_fd(LISTENER, 4), Err(Errno::NOTCONN));
    assert_eq!(h.write_fd(LISTENER, b"x"), Err(Errno::NOTCONN));
    h.iovec(IOV, DATA, 4);
    assert_eq!(
        h.call(
            "sock_recv",
            &[
                LISTENER.into(),
                IOV.into(),
                1,
                0,
                OUT.into(),
                (OUT + 4).into()
            ]
        ),
        Errno::NOTCONN
    );
    assert_eq!(
        h.call(
            "sock_send",
            &[LISTENER.into(), IOV.into(), 1, 0, OUT.into()]
        ),
        Errno::NOTCONN
    );
    assert_eq!(
        h.call("sock_shutdown", &[LISTENER.into(), 3]),
        Errno::NOTCONN
    );
}

#[test]
fn file_functions_on_sockets_answer_like_posix() {
    let (mut h, _addr, _dir) = with_listener();
    let fd = u64::from(LISTENER);
    assert_eq!(h.call("fd_seek", &[fd, 0, 0, OUT.into()]), Errno::SPIPE);
    assert_eq!(h.call("fd_tell", &[fd, OUT.into()]), Errno::SPIPE);
    h.iovec(IOV, DATA, 4);
    assert_eq!(
        h.call("fd_pread", &[fd, IOV.into(), 1, 0, OUT.into()]),
        Errno::SPIPE
    );
    assert_eq!(
        h.call("fd_pwrite", &[fd, IOV.into(), 1, 0, OUT.into()]),
        Errno::SPIPE
    );
    assert_eq!(h.call("fd_sync", &[fd]), Errno::INVAL);
    assert_eq!(h.call("fd_datasync", &[fd]), Errno::INVAL);
    assert_eq!(
        h.call("fd_readdir", &[fd, DATA.into(), 64, 0, OUT.into()]),
        Errno::NOTDIR
    );
    assert_eq!(h.open(LISTENER, "x", 0, 0, 0), Err(Errno::NOTDIR));
    // fdflags: only NONBLOCK or nothing.
    assert_eq!(h.call("fd_fdstat_set_flags", &[fd, 1]), Errno::INVAL);
    assert_eq!(h.call("fd_fdstat_set_flags", &[fd, 0]), Errno::SUCCESS);
    assert_eq!(fdstat(&mut h, LISTENER).1, 0);
    assert_eq!(h.call("fd_fdstat_set_flags", &[fd, 4]), Errno::SUCCESS);
    assert_eq!(fdstat(&mut h, LISTENER).1, fdflags::NONBLOCK);
    // Renumbering and closing work as for any fd.
    assert_eq!(h.call("fd_renumber", &[fd, 4]), Errno::SUCCESS);
    assert_eq!(fdstat(&mut h, 4).0, filetype::SOCKET_STREAM);
    assert_eq!(h.call("fd_close", &[4]), Errno::SUCCESS);
    assert_eq!(h.call("sock_accept", &[4, 0, OUT.into()]), Errno::BADF);
}

#[test]
fn non_sockets_are_enotsock_and_closed_fds_are_ebadf() {
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
