use super::super::testing::{BAD_PTR, Harness, MEM_SIZE};
use super::super::{SharedBuffer, WasiCtx, WasiCtxBuilder};
use super::*;
use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::time::Instant;

const IN: u32 = 1000;
const OUT_EV: u32 = 5000;
const NEVENTS: u32 = 900;

fn clock_sub(h: &mut Harness, i: u32, userdata: u64, id: u32, timeout: u64, flags: u16) {
    let at = IN + i * SUBSCRIPTION_SIZE;
    h.mem[at as usize..(at + SUBSCRIPTION_SIZE) as usize].fill(0);
    h.put_u64(at, userdata);
    h.mem[at as usize + 8] = EVENTTYPE_CLOCK;
    h.put_u32(at + 16, id);
    h.put_u64(at + 24, timeout);
    h.put_u64(at + 32, 1_000);
    h.put(at + 40, &flags.to_le_bytes());
}

fn fd_sub(h: &mut Harness, i: u32, userdata: u64, kind: u8, fd: u32) {
    let at = IN + i * SUBSCRIPTION_SIZE;
    h.mem[at as usize..(at + SUBSCRIPTION_SIZE) as usize].fill(0);
    h.put_u64(at, userdata);
    h.mem[at as usize + 8] = kind;
    h.put_u32(at + 16, fd);
}

/// Runs poll_oneoff over `n` subscriptions; returns the events and the elapsed time.
fn poll(h: &mut Harness, n: u32) -> (Vec<Event>, Duration) {
    h.mem[OUT_EV as usize..(OUT_EV + n * EVENT_SIZE) as usize].fill(0xAA);
    let start = Instant::now();
    let errno = h.call(
        "poll_oneoff",
        &[IN.into(), OUT_EV.into(), n.into(), NEVENTS.into()],
    );
    let elapsed = start.elapsed();
    assert_eq!(errno, Errno::SUCCESS);
    let count = h.u32_at(NEVENTS);
    assert!(count >= 1 && count <= n);
    let events = (0..count)
        .map(|i| {
            let at = OUT_EV + i * EVENT_SIZE;
            assert_eq!(h.u8_at(at + 11), 0, "padding zeroed");
            Event {
                userdata: h.u64_at(at),
                error: Errno(h.u16_at(at + 8)),
                kind: h.u8_at(at + 10),
                nbytes: h.u64_at(at + 16),
                flags: h.u16_at(at + 24),
            }
        })
        .collect();
    (events, elapsed)
}

fn clock_event(userdata: u64) -> Event {
    Event {
        userdata,
        error: Errno::SUCCESS,
        kind: EVENTTYPE_CLOCK,
        nbytes: 0,
        flags: 0,
    }
}

fn custom() -> Harness {
    Harness::new(
        WasiCtxBuilder::new()
            .stdin(Box::new(&b"input"[..]))
            .stdout(Box::new(SharedBuffer::new()))
            .build(),
    )
}

const MS: u64 = 1_000_000;

#[test]
fn relative_clock_sleeps_at_least_the_timeout() {
    let mut h = custom();
    for id in [MONOTONIC, REALTIME] {
        clock_sub(&mut h, 0, 0xC0FFEE, id, 20 * MS, 0);
        let (events, elapsed) = poll(&mut h, 1);
        assert_eq!(events, [clock_event(0xC0FFEE)]);
        assert!(
            elapsed >= Duration::from_millis(20),
            "clock {id}: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(1000),
            "clock {id}: {elapsed:?}"
        );
    }
}

#[test]
fn absolute_clocks_wait_until_the_deadline() {
    let mut h = custom();
    let mono = clock::now(MONOTONIC).unwrap();
    clock_sub(
        &mut h,
        0,
        1,
        MONOTONIC,
        mono + 20 * MS,
        SUBSCRIPTION_CLOCK_ABSTIME,
    );
    let (events, elapsed) = poll(&mut h, 1);
    assert_eq!(events, [clock_event(1)]);
    assert!(elapsed >= Duration::from_millis(19), "{elapsed:?}");
    assert!(clock::now(MONOTONIC).unwrap() >= mono + 20 * MS);

    let wall = clock::now(REALTIME).unwrap();
    clock_sub(
        &mut h,
        0,
        2,
        REALTIME,
        wall + 20 * MS,
        SUBSCRIPTION_CLOCK_ABSTIME,
    );
    let (events, elapsed) = poll(&mut h, 1);
    assert_eq!(events, [clock_event(2)]);
    assert!(elapsed >= Duration::from_millis(19), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");

    // A deadline in the past triggers at once.
    clock_sub(&mut h, 0, 3, MONOTONIC, 5, SUBSCRIPTION_CLOCK_ABSTIME);
    let (events, elapsed) = poll(&mut h, 1);
    assert_eq!(events, [clock_event(3)]);
    assert!(elapsed < Duration::from_millis(1_000));
    clock_sub(&mut h, 0, 4, MONOTONIC, 0, 0);
    assert_eq!(poll(&mut h, 1).0, [clock_event(4)], "zero timeout");
}

#[test]
fn several_clocks_only_the_expired_ones_are_reported() {
    let mut h = custom();
    clock_sub(&mut h, 0, 10, MONOTONIC, 2_000 * MS, 0);
    clock_sub(&mut h, 1, 11, MONOTONIC, 15 * MS, 0);
    clock_sub(&mut h, 2, 12, REALTIME, 3_000 * MS, 0);
    let (events, elapsed) = poll(&mut h, 3);
    assert_eq!(events, [clock_event(11)]);
    assert!(
        elapsed >= Duration::from_millis(15) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    // Two equal deadlines: both reported, in subscription order.
    clock_sub(&mut h, 0, 20, MONOTONIC, 5 * MS, 0);
    clock_sub(&mut h, 1, 21, MONOTONIC, 5 * MS, 0);
    assert_eq!(poll(&mut h, 2).0, [clock_event(20), clock_event(21)]);
}

#[test]
fn ready_descriptors_return_immediately_without_unexpired_clocks() {
    let mut h = custom();
    clock_sub(&mut h, 0, 1, MONOTONIC, 5_000 * MS, 0);
    fd_sub(&mut h, 1, 2, EVENTTYPE_FD_WRITE, 1);
    fd_sub(&mut h, 2, 3, EVENTTYPE_FD_READ, 0);
    let (events, elapsed) = poll(&mut h, 3);
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
    let ok = |userdata, kind| Event {
        userdata,
        error: Errno::SUCCESS,
        kind,
        nbytes: 1,
        flags: 0,
    };
    assert_eq!(
        events,
        [ok(2, EVENTTYPE_FD_WRITE), ok(3, EVENTTYPE_FD_READ)]
    );
}

#[test]
fn per_subscription_errors_are_events_not_call_errors() {
    let mut h = custom();
    fd_sub(&mut h, 0, 1, EVENTTYPE_FD_READ, 42);
    fd_sub(&mut h, 1, 2, EVENTTYPE_FD_READ, 1);
    fd_sub(&mut h, 2, 3, EVENTTYPE_FD_WRITE, 0);
    clock_sub(&mut h, 3, 4, clock::PROCESS_CPUTIME, MS, 0);
    clock_sub(&mut h, 4, 5, 99, MS, 0);
    clock_sub(&mut h, 5, 6, MONOTONIC, 10_000 * MS, 0);
    let (events, elapsed) = poll(&mut h, 6);
    assert!(elapsed < Duration::from_millis(1000));
    let err = |userdata, kind, error| Event {
        userdata,
        error,
        kind,
        nbytes: 0,
        flags: 0,
    };
    assert_eq!(
        events,
        [
            err(1, EVENTTYPE_FD_READ, Errno::BADF),
            err(2, EVENTTYPE_FD_READ, Errno::BADF),
            err(3, EVENTTYPE_FD_WRITE, Errno::BADF),
            err(4, EVENTTYPE_CLOCK, Errno::INVAL),
            err(5, EVENTTYPE_CLOCK, Errno::INVAL),
        ]
    );
}

#[test]
fn call_level_errors() {
    let mut h = custom();
    assert_eq!(
        h.call(
            "poll_oneoff",
            &[IN.into(), OUT_EV.into(), 0, NEVENTS.into()]
        ),
        Errno::INVAL
    );
    clock_sub(&mut h, 0, 1, MONOTONIC, 0, 0);
    h.mem[IN as usize + 8] = 3;
    assert_eq!(
        h.call(
            "poll_oneoff",
            &[IN.into(), OUT_EV.into(), 1, NEVENTS.into()]
        ),
        Errno::INVAL
    );
    clock_sub(&mut h, 0, 1, MONOTONIC, 0, 0);
    assert_eq!(
        h.call("poll_oneoff", &[BAD_PTR, OUT_EV.into(), 1, NEVENTS.into()]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("poll_oneoff", &[IN.into(), BAD_PTR, 1, NEVENTS.into()]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("poll_oneoff", &[IN.into(), OUT_EV.into(), 1, BAD_PTR]),
        Errno::FAULT
    );
    // `out` must hold nsubscriptions events; `in` must hold nsubscriptions subscriptions.
    let near_end = (MEM_SIZE as u32 - EVENT_SIZE) as u64;
    assert_eq!(
        h.call("poll_oneoff", &[IN.into(), near_end, 2, NEVENTS.into()]),
        Errno::FAULT
    );
    assert_eq!(
        h.call(
            "poll_oneoff",
            &[IN.into(), OUT_EV.into(), 0x1000_0000, NEVENTS.into()]
        ),
        Errno::FAULT
    );
    assert_eq!(
        h.call("poll_oneoff", &[IN.into(), near_end, 1, NEVENTS.into()]),
        Errno::SUCCESS
    );
}

/// A context whose stdin and stdout are host pipes (as inherited stdio would be).
fn with_pipes() -> (Harness, File, File) {
    let (stdin_r, stdin_w) = std::io::pipe().unwrap();
    let (stdout_r, stdout_w) = std::io::pipe().unwrap();
    let mut ctx: WasiCtx = WasiCtxBuilder::new().build();
    let file = |fd: OwnedFd| File::from(fd);
    ctx.fds.insert(
        0,
        Desc::Input(Input::Host {
            file: file(stdin_r.into()),
            tty: false,
        }),
    );
    ctx.fds.insert(
        1,
        Desc::Output(Output::Host {
            file: file(stdout_w.into()),
            tty: false,
        }),
    );
    (
        Harness::new(ctx),
        file(stdin_w.into()),
        file(stdout_r.into()),
    )
}

#[test]
fn host_pipes_are_polled_with_poll2() {
    let (mut h, mut stdin_w, mut stdout_r) = with_pipes();
    // Nothing to read: the clock fires after its timeout, the read subscription does not.
    fd_sub(&mut h, 0, 7, EVENTTYPE_FD_READ, 0);
    clock_sub(&mut h, 1, 8, MONOTONIC, 30 * MS, 0);
    let (events, elapsed) = poll(&mut h, 2);
    assert_eq!(events, [clock_event(8)]);
    assert!(elapsed >= Duration::from_millis(30), "{elapsed:?}");

    // Data available: readable at once (long before the clock).
    clock_sub(&mut h, 1, 8, MONOTONIC, 5_000 * MS, 0);
    stdin_w.write_all(b"hi").unwrap();
    let (events, elapsed) = poll(&mut h, 2);
    assert!(elapsed < Duration::from_millis(2_000), "{elapsed:?}");
    assert_eq!(
        events,
        [Event {
            userdata: 7,
            error: Errno::SUCCESS,
            kind: EVENTTYPE_FD_READ,
            nbytes: 1,
            flags: 0
        }]
    );
    assert_eq!(h.read_fd(0, 10).unwrap(), b"hi");

    // The writer goes away: hang-up.
    drop(stdin_w);
    let (events, _) = poll(&mut h, 2);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].userdata, events[0].flags),
        (7, FD_READWRITE_HANGUP)
    );
    assert_eq!(h.read_fd(0, 10).unwrap(), b"", "EOF");

    // An empty pipe is writable; the written bytes arrive.
    fd_sub(&mut h, 0, 9, EVENTTYPE_FD_WRITE, 1);
    let (events, _) = poll(&mut h, 1);
    assert_eq!(
        (events[0].userdata, events[0].kind, events[0].error),
        (9, EVENTTYPE_FD_WRITE, Errno::SUCCESS)
    );
    assert_eq!(h.write_fd(1, b"out"), Ok(3));
    let mut buf = [0u8; 3];
    std::io::Read::read_exact(&mut stdout_r, &mut buf).unwrap();
    assert_eq!(&buf, b"out");
}

#[test]
fn without_a_clock_poll_blocks_until_the_fd_is_ready() {
    let (mut h, mut stdin_w, _stdout_r) = with_pipes();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        stdin_w.write_all(b"late").unwrap();
        stdin_w
    });
    fd_sub(&mut h, 0, 5, EVENTTYPE_FD_READ, 0);
    let (events, elapsed) = poll(&mut h, 1);
    let _keep_open = writer.join().unwrap();
    assert_eq!(events[0].userdata, 5);
    assert_eq!(events[0].error, Errno::SUCCESS);
    assert!(elapsed >= Duration::from_millis(25), "{elapsed:?}");
    assert_eq!(h.read_fd(0, 10).unwrap(), b"late");
}

#[test]
fn files_are_always_ready_and_report_remaining_bytes() {
    let tmp = super::super::testing::TempDir::new("poll");
    std::fs::write(tmp.path().join("f"), b"0123456789").unwrap();
    let mut h = Harness::new(
        WasiCtxBuilder::new()
            .preopened_dir(tmp.path(), "/")
            .unwrap()
            .build(),
    );
    let rw = super::super::abi::rights::FD_READ | super::super::abi::rights::FD_WRITE;
    let fd = h.open(3, "f", 0, rw, 0).unwrap();
    assert_eq!(h.read_fd(fd, 4).unwrap(), b"0123");
    fd_sub(&mut h, 0, 1, EVENTTYPE_FD_READ, fd);
    fd_sub(&mut h, 1, 2, EVENTTYPE_FD_WRITE, fd);
    fd_sub(&mut h, 2, 3, EVENTTYPE_FD_READ, 3);
    let (events, _) = poll(&mut h, 3);
    assert_eq!(
        events[0],
        Event {
            userdata: 1,
            error: Errno::SUCCESS,
            kind: EVENTTYPE_FD_READ,
            nbytes: 6,
            flags: 0
        }
    );
    assert_eq!((events[1].userdata, events[1].error), (2, Errno::SUCCESS));
    assert_eq!(
        (events[2].userdata, events[2].error),
        (3, Errno::BADF),
        "a directory"
    );
}
