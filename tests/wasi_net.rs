//! Sockets end to end: a Go server (`tests/go/gomod/cmd/netserver`, built for `GOOS=wasip1`)
//! takes a loopback TCP listener preopened as fd 3 (`WasiCtxBuilder::preopened_socket`, what
//! `gojit run --tcplisten` does) through `net.FileListener`, and Rust clients talk to it.
//!
//! This exercises `sock_accept` on a non-blocking listener, `fd_read`/`fd_write` on accepted
//! connections with `EAGAIN`, `poll_oneoff` fd subscriptions (Go's netpoller parks the
//! goroutines), `sock_shutdown` (`CloseWrite`) and `fd_close`. Everything is bounded: the server
//! exits after a fixed amount of work (or after its own one-minute watchdog), clients use
//! timeouts, and only 127.0.0.1 is used.
//!
//! The guest runs in-process through the embedding API so that the listener can be bound to port
//! 0 and its port given to the clients. [`cli_tcplisten_flag`] runs the same server through the
//! `gojit` binary when it has a `--tcplisten` flag.

mod common;

use gojit::{Config, Engine, Instance, Linker, Module, Store, wasi};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const IO_TIMEOUT: Duration = Duration::from_secs(60);

fn netserver() -> PathBuf {
    let src = common::repo_root().join("tests/go/gomod/cmd/netserver");
    common::build_go(&src, "wasip1", "wasm", &[], "netserver.wasm")
}

/// What the guest did: exit status, stdout, stderr.
struct GuestRun {
    status: Result<i32, String>,
    stdout: String,
    stderr: String,
}

/// Runs `wasm` with `args` and `listener` as fd 3 on a thread of its own.
fn spawn_guest(
    wasm: PathBuf,
    listener: TcpListener,
    args: &[&str],
) -> std::thread::JoinHandle<GuestRun> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || {
        let stdout = wasi::SharedBuffer::new();
        let stderr = wasi::SharedBuffer::new();
        let status = (|| -> Result<i32, String> {
            let config = Config {
                verify: false,
                ..Config::from_env().0
            };
            let engine = Engine::new(config).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(&wasm).map_err(|e| e.to_string())?;
            let module = Module::new(&engine, bytes).map_err(|e| e.to_string())?;
            let ctx = wasi::WasiCtxBuilder::new()
                .arg("netserver.wasm")
                .args(&args)
                .stdout(Box::new(stdout.clone()))
                .stderr(Box::new(stderr.clone()))
                .preopened_socket(listener)
                .map_err(|e| e.to_string())?
                .build();
            let mut linker = Linker::new();
            wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
            let mut store = Store::new(&engine, ctx);
            let instance =
                Instance::new(&mut store, &module, &linker).map_err(|e| e.to_string())?;
            match instance.call(&mut store, "_start", &[]) {
                Ok(_) => Ok(0),
                Err(e) => e.exit_code().ok_or_else(|| e.to_string()),
            }
        })();
        GuestRun {
            status,
            stdout: String::from_utf8_lossy(&stdout.contents()).into_owned(),
            stderr: String::from_utf8_lossy(&stderr.contents()).into_owned(),
        }
    })
}

fn connect(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect to the guest");
    c.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    c.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    c
}

/// One echo session: sends `lines`, half-closes, reads the replies to the end.
fn echo_session(addr: SocketAddr, lines: &[String]) -> Vec<String> {
    let mut c = connect(addr);
    for l in lines {
        c.write_all(l.as_bytes()).unwrap();
        c.write_all(b"\n").unwrap();
    }
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut replies = Vec::new();
    for line in BufReader::new(c).lines() {
        replies.push(line.expect("read a reply"));
    }
    replies
}

fn assert_guest_ok(run: GuestRun, want_stdout: &str) {
    assert_eq!(
        run.status,
        Ok(0),
        "guest failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.stdout, want_stdout, "stderr: {}", run.stderr);
}

#[test]
fn echo_server_handles_concurrent_connections() {
    let wasm = netserver();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    const CONNS: usize = 4;
    let guest = spawn_guest(wasm, listener, &["echo", &CONNS.to_string()]);

    // The connections are open at the same time; each is served by its own goroutine while the
    // others wait in the netpoller. Clients send in several rounds so reads park (EAGAIN).
    let clients: Vec<_> = (0..CONNS)
        .map(|i| {
            std::thread::spawn(move || {
                let lines: Vec<String> = (0..50).map(|j| format!("conn{i} line{j}")).collect();
                let mut c = connect(addr);
                let mut r = BufReader::new(c.try_clone().unwrap());
                let mut replies = Vec::new();
                for chunk in lines.chunks(10) {
                    for l in chunk {
                        c.write_all(format!("{l}\n").as_bytes()).unwrap();
                    }
                    for _ in chunk {
                        let mut s = String::new();
                        r.read_line(&mut s).unwrap();
                        replies.push(s.trim_end().to_string());
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                c.shutdown(std::net::Shutdown::Write).unwrap();
                let mut rest = String::new();
                r.read_to_string(&mut rest).unwrap();
                assert_eq!(rest, "", "nothing after the last reply, then EOF");
                let want: Vec<String> = lines
                    .iter()
                    .map(|l| format!("ECHO {}", l.to_uppercase()))
                    .collect();
                assert_eq!(replies, want);
            })
        })
        .collect();
    for c in clients {
        c.join().expect("client thread");
    }
    assert_guest_ok(
        guest.join().expect("guest thread"),
        &format!("served {CONNS} connections\n"),
    );
}

/// A minimal HTTP/1.1 request on a fresh connection (`Connection: close`): status line and body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (String, String) {
    let mut c = connect(addr);
    write!(
        c,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    c.read_to_string(&mut resp).unwrap();
    let status = resp.lines().next().unwrap_or_default().to_string();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn http_server_answers_requests_and_shuts_down() {
    let wasm = netserver();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let guest = spawn_guest(wasm, listener, &["http", "7"]);

    // A slow request is in flight (its goroutine waits on a timer) while others are served.
    let slow = std::thread::spawn(move || http(addr, "GET", "/sleep?ms=3000", ""));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        http(addr, "GET", "/hello?name=gojit", ""),
        ("HTTP/1.1 200 OK".into(), "hello gojit\n".into())
    );
    let numbers: String = (1..=100).map(|i| format!("{i} ")).collect();
    assert_eq!(
        http(addr, "POST", "/sum", &numbers),
        ("HTTP/1.1 200 OK".into(), "sum 5050\n".into())
    );
    assert_eq!(http(addr, "GET", "/nope", "").0, "HTTP/1.1 404 Not Found");
    assert_eq!(
        http(addr, "POST", "/sum", "1 x").0,
        "HTTP/1.1 400 Bad Request"
    );
    assert!(
        !slow.is_finished(),
        "the fast requests waited for the slow one"
    );
    assert_eq!(
        slow.join().unwrap(),
        ("HTTP/1.1 200 OK".into(), "slept true\n".into())
    );

    // Keep-alive: two requests one after the other on one connection; the second (the 7th
    // request) makes the server shut down gracefully, and its response is still complete.
    let mut c = connect(addr);
    c.write_all(b"GET /hello?name=a HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut first = Vec::new();
    let mut buf = [0u8; 1024];
    while !first.ends_with(b"hello a\n") {
        let n = c.read(&mut buf).unwrap();
        assert_ne!(
            n,
            0,
            "EOF before the first response: {}",
            String::from_utf8_lossy(&first)
        );
        first.extend_from_slice(&buf[..n]);
    }
    assert!(first.starts_with(b"HTTP/1.1 200 OK"));
    c.write_all(b"GET /hello?name=b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut second = String::new();
    c.read_to_string(&mut second).unwrap();
    assert!(second.starts_with("HTTP/1.1 200 OK"), "{second}");
    assert!(second.ends_with("hello b\n"), "{second}");
    assert_guest_ok(guest.join().expect("guest thread"), "served 7 requests\n");
}

/// A free loopback port (the OS picks one; it is released before the engine binds it, so
/// another process could take it in between — acceptable for a test).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn has_tcplisten_flag(engine: &Path) -> bool {
    Command::new(engine)
        .args(["run", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--tcplisten"))
}

/// `gojit run --tcplisten 127.0.0.1:PORT netserver.wasm echo 2`, when the CLI has the flag.
#[test]
fn cli_tcplisten_flag() {
    let engine = common::engine();
    if !has_tcplisten_flag(&engine) {
        eprintln!("skipped: {} has no --tcplisten flag yet", engine.display());
        return;
    }
    let wasm = netserver();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new(&engine);
    cmd.arg("run")
        .arg(format!("--tcplisten={addr}"))
        .arg(&wasm)
        .args(["echo", "2"]);
    let server = std::thread::spawn(move || common::run(cmd, None, IO_TIMEOUT));
    // Wait until the engine listens.
    let deadline = Instant::now() + IO_TIMEOUT;
    while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the engine never listened on {addr}"
        );
        assert!(!server.is_finished(), "the engine exited before listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    // That probe was connection 1 (closed at once: an empty session); this is connection 2.
    let replies = echo_session(addr, &["ping".to_string(), "pong".to_string()]);
    assert_eq!(replies, ["ECHO PING", "ECHO PONG"]);
    let out = server.join().unwrap();
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        out.stdout_str(),
        "served 2 connections\n",
        "{}",
        out.describe()
    );
}
