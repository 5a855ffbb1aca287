//! Arguments, environment, clocks, randomness, `poll_oneoff`, process functions and sockets.

use super::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// `(count, total size)` from a `*_sizes_get` function.
fn sizes(s: &mut Sandbox, name: &str) -> (u32, u32) {
    assert_eq!(s.call(name, &[OUT.into(), OUT2.into()]), Errno::SUCCESS);
    (s.u32(OUT), s.u32(OUT2))
}

/// The NUL-terminated strings a `*_get` function wrote (pointer array at OUT, buffer at DATA).
fn strings(s: &mut Sandbox, name: &str, count: u32) -> Vec<String> {
    assert_eq!(s.call(name, &[OUT.into(), DATA.into()]), Errno::SUCCESS);
    (0..count)
        .map(|i| {
            let p = s.u32(OUT + 4 * i) as usize;
            let end = p + s.mem[p..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8(s.mem[p..end].to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn args_sizes_get() {
    let mut s = Sandbox::new();
    assert_eq!(
        sizes(&mut s, "args_sizes_get"),
        (3, 24),
        "3 args, 10+4+10 bytes with NULs"
    );
    assert_eq!(s.call("args_sizes_get", &[BAD, OUT2.into()]), Errno::FAULT);
    assert_eq!(s.call("args_sizes_get", &[OUT.into(), BAD]), Errno::FAULT);
}

#[test]
fn args_get() {
    let mut s = Sandbox::new();
    assert_eq!(
        strings(&mut s, "args_get", 3),
        ["prog.wasm", "one", "two words"]
    );
    assert_eq!(s.call("args_get", &[BAD, DATA.into()]), Errno::FAULT);
    assert_eq!(s.call("args_get", &[OUT.into(), BAD]), Errno::FAULT);
    assert_eq!(
        s.call("args_get", &[OUT.into(), (MEM - 10) as u64]),
        Errno::FAULT,
        "the buffer must hold all 24 bytes"
    );
}

#[test]
fn environ_sizes_get() {
    let mut s = Sandbox::new();
    assert_eq!(
        sizes(&mut s, "environ_sizes_get"),
        (2, 25),
        "HOME=/home/gopher, EMPTY="
    );
    assert_eq!(
        s.call("environ_sizes_get", &[BAD, OUT2.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("environ_sizes_get", &[OUT.into(), BAD]),
        Errno::FAULT
    );
}

#[test]
fn environ_get() {
    let mut s = Sandbox::new();
    assert_eq!(
        strings(&mut s, "environ_get", 2),
        ["HOME=/home/gopher", "EMPTY="]
    );
    assert_eq!(s.call("environ_get", &[BAD, DATA.into()]), Errno::FAULT);
    assert_eq!(s.call("environ_get", &[OUT.into(), BAD]), Errno::FAULT);
}

#[test]
fn clock_res_get() {
    let mut s = Sandbox::new();
    for id in 0..4 {
        assert_eq!(
            s.call("clock_res_get", &[id, OUT.into()]),
            Errno::SUCCESS,
            "clock {id}"
        );
        let res = s.u64(OUT);
        assert!(res > 0 && res <= 1_000_000, "clock {id}: {res} ns");
    }
    assert_eq!(s.call("clock_res_get", &[4, OUT.into()]), Errno::INVAL);
    assert_eq!(
        s.call("clock_res_get", &[u64::from(u32::MAX), OUT.into()]),
        Errno::INVAL
    );
    assert_eq!(s.call("clock_res_get", &[1, BAD]), Errno::FAULT);
}

#[test]
fn clock_time_get() {
    let mut s = Sandbox::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert_eq!(
        s.call("clock_time_get", &[0, 1, OUT.into()]),
        Errno::SUCCESS
    );
    assert!(
        s.u64(OUT).abs_diff(now) < 10_000_000_000,
        "realtime is the wall clock"
    );
    assert_eq!(
        s.call("clock_time_get", &[1, 1, OUT.into()]),
        Errno::SUCCESS
    );
    let t0 = s.u64(OUT);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(
        s.call("clock_time_get", &[1, 1, OUT.into()]),
        Errno::SUCCESS
    );
    assert!(s.u64(OUT) >= t0 + 5_000_000, "monotonic advances");
    for id in [2, 3] {
        assert_eq!(
            s.call("clock_time_get", &[id, 1, OUT.into()]),
            Errno::SUCCESS
        );
    }
    assert_eq!(s.call("clock_time_get", &[9, 1, OUT.into()]), Errno::INVAL);
    assert_eq!(s.call("clock_time_get", &[1, 1, BAD]), Errno::FAULT);
}

#[test]
fn random_get() {
    let mut s = Sandbox::new();
    assert_eq!(s.call("random_get", &[DATA.into(), 64]), Errno::SUCCESS);
    let a = s.get(DATA, 64).to_vec();
    assert_eq!(s.call("random_get", &[DATA.into(), 64]), Errno::SUCCESS);
    assert_ne!(a, s.get(DATA, 64), "fresh bytes each time");
    assert_ne!(a, [0; 64]);
    assert_eq!(
        s.call("random_get", &[BAD, 0]),
        Errno::SUCCESS,
        "nothing to write"
    );
    assert_eq!(s.call("random_get", &[BAD, 1]), Errno::FAULT);
    assert_eq!(s.call("random_get", &[(MEM - 4) as u64, 8]), Errno::FAULT);
}

/// Writes subscription `i` at DATA: a relative monotonic clock (`Some(ns)`) or an fd read.
fn sub(s: &mut Sandbox, i: u32, userdata: u64, clock: Option<u64>, fd: u32) {
    let at = DATA + 48 * i;
    s.mem[at as usize..at as usize + 48].fill(0);
    s.put(at, &userdata.to_le_bytes());
    match clock {
        Some(ns) => {
            s.put(at + 16, &1u32.to_le_bytes());
            s.put(at + 24, &ns.to_le_bytes());
        }
        None => {
            s.mem[at as usize + 8] = 1;
            s.put(at + 16, &fd.to_le_bytes());
        }
    }
}

/// `(userdata, error)` of each event written at STR.
fn events(s: &Sandbox) -> Vec<(u64, Errno)> {
    (0..s.u32(OUT))
        .map(|i| (s.u64(STR + 32 * i), Errno(s.u16(STR + 32 * i + 8))))
        .collect()
}

#[test]
fn poll_oneoff() {
    let mut s = Sandbox::new();
    touch(&s.root, "f", b"abc");
    let f = s.open(ROOT, "f", 0, R).unwrap();
    let poll =
        |s: &mut Sandbox, n: u64| s.call("poll_oneoff", &[DATA.into(), STR.into(), n, OUT.into()]);
    // A clock alone sleeps.
    sub(&mut s, 0, 7, Some(20_000_000), 0);
    let start = Instant::now();
    assert_eq!(poll(&mut s, 1), Errno::SUCCESS);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(events(&s), [(7, Errno::SUCCESS)]);
    // A ready file wins over a long clock; a closed fd is reported in its event.
    sub(&mut s, 0, 7, Some(60_000_000_000), 0);
    sub(&mut s, 1, 8, None, f as u32);
    sub(&mut s, 2, 9, None, 77);
    let start = Instant::now();
    assert_eq!(poll(&mut s, 3), Errno::SUCCESS);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(events(&s), [(8, Errno::SUCCESS), (9, Errno::BADF)]);
    // Call-level errors.
    assert_eq!(poll(&mut s, 0), Errno::INVAL, "no subscriptions");
    s.mem[DATA as usize + 8] = 9;
    assert_eq!(poll(&mut s, 1), Errno::INVAL, "unknown tag");
    sub(&mut s, 0, 7, Some(0), 0);
    assert_eq!(
        s.call("poll_oneoff", &[BAD, STR.into(), 1, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("poll_oneoff", &[DATA.into(), BAD, 1, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("poll_oneoff", &[DATA.into(), STR.into(), 1, BAD]),
        Errno::FAULT
    );
    assert_eq!(
        s.call(
            "poll_oneoff",
            &[DATA.into(), STR.into(), 1 << 28, OUT.into()]
        ),
        Errno::FAULT
    );
}

#[test]
fn proc_exit() {
    let mut s = Sandbox::new();
    for code in [0u64, 1, 3, 255] {
        assert_eq!(
            s.try_call("proc_exit", &[code]),
            Err(HostError::Exit(code as i32))
        );
    }
}

#[test]
fn proc_raise() {
    let mut s = Sandbox::new();
    for sig in [0, 2, 9, 15, 99] {
        assert_eq!(s.call("proc_raise", &[sig]), Errno::NOTSUP, "signal {sig}");
    }
}

#[test]
fn sched_yield() {
    let mut s = Sandbox::new();
    assert_eq!(s.call("sched_yield", &[]), Errno::SUCCESS);
}

/// A sandbox with a loopback listener preopened at fd 3 (the directory moves to fd 4) and a
/// client connected to it whose connection was accepted as fd 5 (non-blocking).
fn connected() -> (Sandbox, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut s = Sandbox::with(|b| b.preopened_socket(listener).unwrap());
    let client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match s.call("sock_accept", &[3, NONBLOCK, OUT.into()]) {
            Errno::SUCCESS => break,
            Errno::AGAIN if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            e => panic!("sock_accept: {e:?}"),
        }
    }
    assert_eq!(s.u32(OUT), 5);
    (s, client)
}

#[test]
fn sock_accept() {
    let (mut s, _client) = connected();
    assert_eq!(s.call("fd_fdstat_get", &[5, OUT.into()]), Errno::SUCCESS);
    assert_eq!(
        (s.u8(OUT), u64::from(s.u16(OUT + 2))),
        (FT_SOCKET_STREAM, NONBLOCK)
    );
    assert_eq!(
        s.call("sock_accept", &[3, 0, OUT.into()]),
        Errno::AGAIN,
        "nothing pending"
    );
    assert_eq!(
        s.call("sock_accept", &[3, 1, OUT.into()]),
        Errno::INVAL,
        "APPEND"
    );
    assert_eq!(s.call("sock_accept", &[3, 0, BAD]), Errno::FAULT);
    assert_eq!(
        s.call("sock_accept", &[5, 0, OUT.into()]),
        Errno::INVAL,
        "a connection"
    );
    assert_eq!(
        s.call("sock_accept", &[4, 0, OUT.into()]),
        Errno::NOTSOCK,
        "a directory"
    );
    assert_eq!(s.call("sock_accept", &[77, 0, OUT.into()]), Errno::BADF);
}

#[test]
fn sock_recv() {
    let (mut s, mut client) = connected();
    let (iov, n) = s.iov(DATA, 16);
    let recv = |s: &mut Sandbox, fd: u64, flags: u64| {
        s.call("sock_recv", &[fd, iov, n, flags, OUT.into(), OUT2.into()])
    };
    assert_eq!(recv(&mut s, 5, 0), Errno::AGAIN, "nothing sent yet");
    client.write_all(b"ping").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while recv(&mut s, 5, 1) == Errno::AGAIN && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!((s.u32(OUT), s.get(DATA, 4)), (4, &b"ping"[..]), "peeked");
    assert_eq!(recv(&mut s, 5, 0), Errno::SUCCESS);
    assert_eq!((s.u32(OUT), s.u16(OUT2)), (4, 0));
    assert_eq!(recv(&mut s, 5, 0), Errno::AGAIN, "consumed");
    assert_eq!(recv(&mut s, 5, 8), Errno::NOTSUP, "unknown ri_flags");
    assert_eq!(recv(&mut s, 3, 0), Errno::NOTCONN, "the listener");
    assert_eq!(recv(&mut s, 4, 0), Errno::NOTSOCK);
    assert_eq!(recv(&mut s, 77, 0), Errno::BADF);
    assert_eq!(
        s.call("sock_recv", &[5, iov, n, 0, BAD, OUT2.into()]),
        Errno::FAULT
    );
    drop(client);
    while recv(&mut s, 5, 0) == Errno::AGAIN && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(s.u32(OUT), 0, "the peer closed: end of stream");
}

#[test]
fn sock_send() {
    let (mut s, mut client) = connected();
    s.put(DATA, b"pong");
    let (iov, n) = s.iov(DATA, 4);
    assert_eq!(
        s.call("sock_send", &[5, iov, n, 0, OUT.into()]),
        Errno::SUCCESS
    );
    assert_eq!(s.u32(OUT), 4);
    let mut buf = [0; 4];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    assert_eq!(
        s.call("sock_send", &[5, iov, n, 1, OUT.into()]),
        Errno::NOTSUP,
        "si_flags"
    );
    assert_eq!(
        s.call("sock_send", &[3, iov, n, 0, OUT.into()]),
        Errno::NOTCONN
    );
    assert_eq!(
        s.call("sock_send", &[1, iov, n, 0, OUT.into()]),
        Errno::NOTSOCK
    );
    assert_eq!(
        s.call("sock_send", &[77, iov, n, 0, OUT.into()]),
        Errno::BADF
    );
    assert_eq!(s.call("sock_send", &[5, iov, n, 0, BAD]), Errno::FAULT);
    assert_eq!(
        s.call("sock_send", &[5, BAD, 1, 0, OUT.into()]),
        Errno::FAULT
    );
}

#[test]
fn sock_shutdown() {
    let (mut s, mut client) = connected();
    assert_eq!(s.call("sock_shutdown", &[5, 2]), Errno::SUCCESS);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the peer reads end of stream");
    assert_eq!(s.call("sock_shutdown", &[5, 0]), Errno::INVAL);
    assert_eq!(s.call("sock_shutdown", &[5, 4]), Errno::INVAL);
    assert_eq!(
        s.call("sock_shutdown", &[3, 3]),
        Errno::NOTCONN,
        "the listener"
    );
    assert_eq!(s.call("sock_shutdown", &[4, 3]), Errno::NOTSOCK);
    assert_eq!(s.call("sock_shutdown", &[77, 3]), Errno::BADF);
}
