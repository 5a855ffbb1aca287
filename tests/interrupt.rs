//! Interruption (issue 15): a store's deadline or an [`gojit::InterruptHandle`] stops a guest
//! that loops forever, recurses without loops, or waits in the host, in every code tier and in
//! OSR code; the call traps `Interrupted` naming the function, the instance is unusable, and the
//! engine, other stores and the store itself (after a new deadline) go on.
//!
//! Latency bounds here are loose (the test machine is shared and noisy); `docs/BENCHMARKS.md`
//! has the measured latencies.

mod common;

use gojit::{Config, Engine, Error, Instance, Linker, Module, Store, Tiers, Trap, Val};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How late after its deadline an interrupt may land in these tests.
const SLACK: Duration = Duration::from_millis(500);

const SPIN: &str = r#"
(module
  (global $g (mut i32) (i32.const 0))
  (memory 1)
  ;; loop / br: an unconditional back-edge
  (func (export "loop_br") (result i32)
    (loop $l
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (br $l))
    (i32.const 0))
  ;; loop / br_if: a counted loop that never ends
  (func (export "loop_br_if") (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 0) (local.get $i))
      (br_if $l (i32.ne (local.get $i) (i32.const -1))))
    (local.get $i))
  ;; loop / br_table: the back-edge is a table target
  (func (export "loop_br_table") (result i32) (local $i i32)
    (block $out
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_table $l $l $out (i32.and (local.get $i) (i32.const 1)))))
    (local.get $i))
  ;; a recursion without loops: exponential, never ends in practice
  (func $fib (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
      (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
  (func (export "recurse") (result i64) (call $fib (i64.const 90)))
  ;; a loop whose body is a call
  (func $step (param i32) (result i32) (i32.add (local.get 0) (i32.const 3)))
  (func (export "loop_call") (result i32) (local $i i32)
    (loop $l
      (local.set $i (call $step (local.get $i)))
      (br $l))
    (local.get $i))
  ;; a loop that spends nearly all its time in a runtime builtin (memory.fill of 64 KiB), so
  ;; most interrupt signals land outside compiled code and must be sent again
  (func (export "loop_builtin") (result i32)
    (loop $l
      (memory.fill (i32.const 0) (global.get $g) (i32.const 65536))
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (br $l))
    (i32.const 0))
  ;; a long but finite loop: 2^31 iterations
  (func (export "count") (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.ne (local.get $i) (i32.const 0x80000000))))
    (local.get $i))
  (func (export "quick") (result i32) (i32.const 42))
)
"#;

const SPINNERS: [&str; 6] = [
    "loop_br",
    "loop_br_if",
    "loop_br_table",
    "recurse",
    "loop_call",
    "loop_builtin",
];

/// Every code tier: the interpreter, baseline code, the optimizing tier, eager compilation, and
/// the default tiering, in which a hot loop moves from the interpreter or baseline code into an
/// optimized OSR entry; each with compiled loops stopped by a signal (the default), and the
/// optimizing tier and the default tiering also with checks in loops.
fn configs() -> Vec<(&'static str, Config)> {
    let base = Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    };
    let checks = Config {
        interrupt_by_signal: false,
        ..base.clone()
    };
    vec![
        (
            "optimized, loop checks",
            Config {
                tiers: Tiers::Optimized,
                interpreter_budget: None,
                ..checks.clone()
            },
        ),
        ("interpreter then OSR, loop checks", checks),
        (
            "interpreter",
            Config {
                interpreter_budget: Some(u32::MAX),
                ..base.clone()
            },
        ),
        (
            "baseline",
            Config {
                tiers: Tiers::Baseline,
                interpreter_budget: None,
                ..base.clone()
            },
        ),
        (
            "optimized",
            Config {
                tiers: Tiers::Optimized,
                interpreter_budget: None,
                ..base.clone()
            },
        ),
        (
            "eager",
            Config {
                lazy: false,
                ..base.clone()
            },
        ),
        ("interpreter then OSR", base.clone()),
        (
            "baseline then OSR",
            Config {
                interpreter_budget: None,
                tier_up_budget: 1,
                ..base
            },
        ),
    ]
}

/// Calls `export` with a deadline of `after` and returns the error and how late it came.
fn call_with_deadline(
    store: &mut Store<()>,
    instance: Instance,
    export: &str,
    after: Duration,
) -> (Error, Duration) {
    store.set_deadline(after).expect("interruptible engine");
    let started = Instant::now();
    let err = instance
        .call(store, export, &[])
        .expect_err("an endless call returned");
    (err, started.elapsed().saturating_sub(after))
}

#[test]
fn endless_code_is_interrupted_in_every_tier() {
    let wasm = wat::parse_str(SPIN).expect("wat");
    let mut worst = Duration::ZERO;
    let mut lates = Vec::new();
    for (tier, config) in configs() {
        let engine = Engine::new(config).expect("engine");
        let module = Module::new(&engine, wasm.clone()).expect("module");
        for export in SPINNERS {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
            // Long enough for hot loops to move into OSR code in the tiered configurations.
            let deadline = Duration::from_millis(if tier.contains("OSR") { 300 } else { 40 });
            let (err, late) = call_with_deadline(&mut store, instance, export, deadline);
            assert_eq!(
                err.trap(),
                Some(Trap::Interrupted),
                "{tier} {export}: {err}"
            );
            assert!(
                err.to_string().contains("interrupted"),
                "{tier} {export}: {err}"
            );
            assert!(late < SLACK, "{tier} {export}: interrupted {late:?} late");
            eprintln!("{tier:>22} {export:>14}: stopped {late:?} after the deadline");
            worst = worst.max(late);
            lates.push(late);
            // The interrupted instance is unusable; a new deadline lets a new instance run.
            let again = instance
                .call(&mut store, "quick", &[])
                .expect_err("an interrupted instance was used again");
            assert!(again.to_string().contains("unusable"), "{tier}: {again}");
            store
                .set_deadline(Duration::from_secs(60))
                .expect("deadline");
            let fresh = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
            assert_eq!(
                fresh.call(&mut store, "quick", &[]).expect("quick"),
                vec![Val::I32(42)],
                "{tier}"
            );
        }
        if tier.contains("OSR") {
            let stats = module.compile_stats();
            assert!(
                stats.osr_transfers > 0,
                "{tier}: no loop moved into OSR code ({stats:?})"
            );
        }
    }
    eprintln!("latest interrupt after its deadline: {worst:?}");
    // Issue 15's bound is 10 ms; single calls may be late on a loaded machine, the median not.
    lates.sort();
    let median = lates[lates.len() / 2];
    assert!(
        median < Duration::from_millis(10),
        "median interrupt latency {median:?} (all: {lates:?})"
    );
}

#[test]
fn an_interrupt_handle_works_from_another_thread() {
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(&engine, wat::parse_str(SPIN).expect("wat")).expect("module");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
    let handle = store.interrupt_handle().expect("handle");
    assert!(!handle.is_interrupted());
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let at = Instant::now();
        handle.interrupt();
        at
    });
    let err = instance
        .call(&mut store, "loop_br_if", &[])
        .expect_err("interrupted");
    let stopped = Instant::now();
    let at = interrupter.join().expect("thread");
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    assert!(stopped.duration_since(at) < SLACK);

    // Another store of the same engine and module is not affected, before or after.
    let mut other = Store::new(&engine, ());
    let o = Instance::new(&mut other, &module, &Linker::new()).expect("instance");
    assert_eq!(
        o.call(&mut other, "quick", &[]).expect("call"),
        vec![Val::I32(42)]
    );
    // The interrupted store refuses to run new instances until the interrupt is cleared.
    let blocked = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
    let err = blocked
        .call(&mut store, "loop_call", &[])
        .expect_err("still interrupted");
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    store.clear_interrupt();
    let fresh = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
    assert_eq!(
        fresh.call(&mut store, "quick", &[]).expect("call"),
        vec![Val::I32(42)]
    );
}

/// A `SIGURG` that gojit did not send (here from another thread, as a host's own use of the
/// signal would) does not stop or disturb a guest that is not interrupted, in compiled code.
#[test]
fn a_foreign_sigurg_does_not_disturb_a_guest() {
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        tiers: Tiers::Optimized,
        interpreter_budget: None,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(&engine, wat::parse_str(SPIN).expect("wat")).expect("module");
    let mut store = Store::new(&engine, ());
    store
        .set_deadline(Duration::from_secs(600))
        .expect("deadline");
    let instance = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
    // SAFETY: pthread_self has no preconditions.
    let guest_thread = unsafe { libc::pthread_self() } as usize;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut sent = 0u32;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: the test thread outlives this loop: it sets `done` and joins us
                // before it returns.
                unsafe { libc::pthread_kill(guest_thread as libc::pthread_t, libc::SIGURG) };
                sent += 1;
                std::thread::sleep(Duration::from_micros(200));
            }
            sent
        })
    };
    let result = instance.call(&mut store, "count", &[]);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let sent = sender.join().expect("sender");
    assert_eq!(result.expect("count"), vec![Val::I32(i32::MIN)]);
    assert!(sent > 10, "only {sent} signals were sent during the call");
}

#[test]
fn a_cancelled_deadline_does_not_fire() {
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(&engine, wat::parse_str(SPIN).expect("wat")).expect("module");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
    store
        .set_deadline(Duration::from_millis(20))
        .expect("deadline");
    store.cancel_deadline();
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(
        instance.call(&mut store, "quick", &[]).expect("call"),
        vec![Val::I32(42)]
    );
    // A later deadline replaces an earlier one.
    store
        .set_deadline(Duration::from_millis(20))
        .expect("deadline");
    store
        .set_deadline(Duration::from_secs(60))
        .expect("deadline");
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(
        instance.call(&mut store, "quick", &[]).expect("call"),
        vec![Val::I32(42)]
    );
}

#[test]
fn interruption_needs_an_interruptible_engine() {
    let engine = Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine");
    let mut store = Store::new(&engine, ());
    for err in [
        store.interrupt_handle().expect_err("handle").to_string(),
        store
            .set_deadline(Duration::from_secs(1))
            .expect_err("deadline")
            .to_string(),
    ] {
        assert!(err.contains("Config::interruptible"), "{err}");
    }
}

fn interrupt_fixture() -> std::path::PathBuf {
    common::build_go(
        &common::repo_root().join("tests/go/interrupt"),
        "wasip1",
        "wasm",
        &[],
        "interrupt.wasm",
    )
}

/// The Go guest in each mode under `gojit run --timeout 300ms`: stopped as a trap naming where
/// it was, soon after the deadline. stdin stays open (and empty) for the `read` mode. The
/// deadline counts from the module's load; on a slow host (qemu, a loaded machine) a run may
/// still be in Go's initialization when it comes, so a run that did not reach its endless part
/// (it prints `running` there) is repeated with a longer timeout.
#[test]
fn go_programs_stop_at_the_cli_timeout() {
    let wasm = interrupt_fixture();
    for (mode, places) in [
        ("loop", &["main.main"][..]),
        ("fib", &["main.fib"]),
        ("sleep", &["poll_oneoff"]),
        ("read", &["fd_read"]),
        // Four goroutines sleeping 1 ms each: idle in poll_oneoff, or (on a slow host, e.g.
        // qemu, where a scheduler round takes a good part of a millisecond) in the scheduler.
        ("goroutines", &["poll_oneoff", "runtime."]),
    ] {
        let mut timeout = Duration::from_millis(300);
        loop {
            let started = Instant::now();
            let mut child = Command::new(common::engine())
                .args(["run", "--no-cache", "--timeout"])
                .arg(format!("{}ms", timeout.as_millis()))
                .arg(&wasm)
                .arg(mode)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn gojit");
            let stdin = child.stdin.take();
            let out = child.wait_with_output().expect("wait");
            drop(stdin);
            let took = started.elapsed();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(134), "{mode}: {stderr}");
            assert!(stderr.contains("interrupted"), "{mode}: {stderr}");
            // Includes process start and compilation. (Generous: a loaded machine may take
            // seconds to start a process.)
            assert!(took < timeout + Duration::from_secs(10), "{mode}: {took:?}");
            if out.stdout.starts_with(b"running") {
                assert!(
                    places.iter().any(|p| stderr.contains(p)),
                    "{mode}: {stderr}"
                );
                break;
            }
            timeout *= 4;
            assert!(
                timeout < Duration::from_secs(60),
                "{mode}: never got past initialization: {stderr}"
            );
        }
    }
    // A program that finishes in time is not disturbed.
    let out = common::run(
        {
            let mut c = Command::new(common::engine());
            c.args(["run", "--timeout", "1m"]).arg(&wasm).arg("ok");
            c
        },
        None,
        common::run_timeout(),
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(out.stdout_str(), "ok\n");
}

#[test]
fn the_cli_rejects_a_bad_timeout() {
    let wasm = interrupt_fixture();
    for bad in ["soon", "5 parsecs", "-1s"] {
        let out = common::run(
            {
                let mut c = Command::new(common::engine());
                c.arg("run")
                    .arg(format!("--timeout={bad}"))
                    .arg(&wasm)
                    .arg("ok");
                c
            },
            None,
            common::run_timeout(),
        );
        assert_ne!(out.code, Some(0), "{bad}: {}", out.describe());
        assert!(out.stderr_str().contains("timeout"), "{}", out.describe());
    }
}

/// A Go command through the embedding API with WASI: the deadline stops `_start` in a computing
/// loop and in a sleep, and the error names the trap.
#[test]
fn go_commands_stop_at_the_store_deadline() {
    let wasm = std::fs::read(interrupt_fixture()).expect("fixture");
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(&engine, wasm).expect("module");
    let mut linker = Linker::new();
    gojit::wasi::add_to_linker(&mut linker, |ctx: &mut gojit::wasi::WasiCtx| ctx);
    for mode in ["loop", "fib", "sleep"] {
        let ctx = gojit::wasi::WasiCtxBuilder::new()
            .args(["interrupt", mode])
            .build();
        let mut store = Store::new(&engine, ctx);
        let deadline = Duration::from_millis(100);
        store.set_deadline(deadline).expect("deadline");
        let started = Instant::now();
        let instance = Instance::new(&mut store, &module, &linker).expect("instance");
        let err = instance
            .call(&mut store, "_start", &[])
            .expect_err("an endless program returned");
        let late = started.elapsed().saturating_sub(deadline);
        eprintln!("Go {mode}: stopped {late:?} after the deadline (instantiation included)");
        assert_eq!(err.trap(), Some(Trap::Interrupted), "{mode}: {err}");
        assert!(late < SLACK, "{mode}: {late:?} late");
    }
}
