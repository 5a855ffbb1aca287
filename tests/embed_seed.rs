//! The embedding API's seed scenario (issue 4, go-wasm-abi.md §8.5) and park-until-idle.
//!
//! Fixtures: `tests/go/embed/seed` (export `start` spawns a consumer goroutine that ranges over a
//! buffered channel and calls host import `on_event(v)`; `process(v)` sends) and
//! `tests/go/embed/misc` (timers, a busy-yielding goroutine, a worker), both Go reactors built
//! with `-buildmode=c-shared`.

mod common;

use gojit::{CallMode, Caller, Config, Engine, Error, Instance, Linker, Module, Store, wasi};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Config::from_env().0).expect("engine"))
}

/// The compiled fixture, shared by every test of this file (compiled lazily, once).
fn module(name: &'static str) -> Module {
    static SEED: OnceLock<Module> = OnceLock::new();
    static MISC: OnceLock<Module> = OnceLock::new();
    let cell = match name {
        "seed" => &SEED,
        "misc" => &MISC,
        _ => unreachable!(),
    };
    cell.get_or_init(|| {
        let bytes = std::fs::read(common::embed_reactor(name)).expect("read fixture");
        Module::new(engine(), bytes).expect("module")
    })
    .clone()
}

/// Host state: every `on_event` value and every `note`, in order.
#[derive(Default)]
struct Host {
    wasi: wasi::WasiCtx,
    events: Vec<i32>,
    notes: Vec<String>,
}

struct Guest {
    store: Store<Host>,
    instance: Instance,
    stderr: wasi::SharedBuffer,
}

fn instantiate(name: &'static str) -> Guest {
    let stderr = wasi::SharedBuffer::new();
    let mut linker = Linker::<Host>::new();
    wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi);
    let wasi = wasi::WasiCtxBuilder::new()
        .arg(name)
        .stderr(Box::new(stderr.clone()))
        .build();
    linker.func_wrap("host", "on_event", |c: &mut Caller<'_, Host>, v: i32| {
        c.data_mut().events.push(v);
    });
    linker.func_wrap(
        "host",
        "note",
        |c: &mut Caller<'_, Host>, ptr: u32, len: u32| {
            let s = String::from_utf8_lossy(c.memory().slice(ptr, len).expect("note string"))
                .into_owned();
            c.data_mut().notes.push(s);
        },
    );
    linker.func_wrap("host", "call_back", |_: &mut Caller<'_, Host>, v: i32| v);
    linker.func_wrap("host", "descend", |_: &mut Caller<'_, Host>, v: i32| v);
    let host = Host {
        wasi,
        ..Host::default()
    };
    let mut store = Store::new(engine(), host);
    let instance = Instance::new(&mut store, &module(name), &linker).expect("instantiate");
    Guest {
        store,
        instance,
        stderr,
    }
}

impl Guest {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

/// Go mode reproduces what wasmtime does (go-wasm-abi.md §8.5): `process(1..4)` fill the
/// 4-slot buffer without running the consumer; `process(5)` blocks, so the consumer runs inside
/// it and `on_event(1..5)` arrive re-entrantly; `process(6)` hands 6 to the parked consumer
/// directly (runnable, not run); 7 and 8 are buffered; `process_yield(100)` lets the consumer
/// deliver 6, 7, 8 and 100 before it returns.
#[test]
fn seed_go_mode_matches_wasmtime() {
    let mut g = instantiate("seed");
    let start = g
        .instance
        .get_typed_func::<(), ()>(&mut g.store, "start")
        .unwrap();
    let process = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "process")
        .unwrap();
    let pending = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "pending")
        .unwrap();
    let consumed = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "consumed")
        .unwrap();
    assert_eq!(g.store.call_mode(), CallMode::Go, "Go mode is the default");
    start.call(&mut g.store, ()).unwrap();
    assert!(
        g.store.data().events.is_empty(),
        "the consumer does not start inside `start`"
    );

    let mut counts = Vec::new();
    let mut lens = Vec::new();
    for v in 1..=8 {
        process.call(&mut g.store, v).unwrap();
        counts.push(g.store.data().events.len());
        lens.push(pending.call(&mut g.store, ()).unwrap());
    }
    assert_eq!(
        counts,
        [0, 0, 0, 0, 5, 5, 5, 5],
        "events delivered after process(1..8)"
    );
    assert_eq!(
        lens,
        [1, 2, 3, 4, 0, 0, 1, 2],
        "len(ch) after process(1..8)"
    );
    assert_eq!(g.store.data().events, [1, 2, 3, 4, 5]);
    assert_eq!(consumed.call(&mut g.store, ()).unwrap(), 5);

    let process_yield = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "process_yield")
        .unwrap();
    process_yield.call(&mut g.store, 100).unwrap();
    assert_eq!(g.store.data().events, [1, 2, 3, 4, 5, 6, 7, 8, 100]);
    assert_eq!(pending.call(&mut g.store, ()).unwrap(), 0);
    assert!(g.stderr().is_empty(), "stderr: {}", g.stderr());
}

/// Park-until-idle: `on_event(v)` has been called when each `process(v)` returns.
#[test]
fn seed_park_until_idle_10000_calls() {
    let mut g = instantiate("seed");
    g.store.set_call_mode(CallMode::ParkUntilIdle);
    let start = g
        .instance
        .get_typed_func::<(), ()>(&mut g.store, "start")
        .unwrap();
    let process = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "process")
        .unwrap();
    start.call(&mut g.store, ()).unwrap();
    assert!(
        g.store.data().events.is_empty(),
        "nothing was sent yet; the consumer started and parked"
    );
    for v in 1..=10_000 {
        process.call(&mut g.store, v).unwrap();
        let events = &g.store.data().events;
        assert_eq!(
            events.len(),
            v as usize,
            "after process({v}) in park-until-idle mode"
        );
        assert_eq!(events.last(), Some(&v));
    }
    assert!(g.store.data().events.iter().copied().eq(1..=10_000));
    let consumed = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "consumed")
        .unwrap();
    let pending = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "pending")
        .unwrap();
    assert_eq!(consumed.call(&mut g.store, ()).unwrap(), 10_000);
    assert_eq!(pending.call(&mut g.store, ()).unwrap(), 0);
}

/// Modes mix per call: Go-mode calls leave work pending; one park-until-idle call finishes it.
#[test]
fn seed_call_mode_per_call() {
    let mut g = instantiate("seed");
    let start = g
        .instance
        .get_typed_func::<(), ()>(&mut g.store, "start")
        .unwrap();
    let process = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "process")
        .unwrap();
    start.call(&mut g.store, ()).unwrap();
    for v in 1..=3 {
        process.call(&mut g.store, v).unwrap();
    }
    assert!(g.store.data().events.is_empty());
    process
        .call_with_mode(&mut g.store, 4, CallMode::ParkUntilIdle)
        .unwrap();
    assert_eq!(g.store.data().events, [1, 2, 3, 4]);
    assert_eq!(
        g.store.call_mode(),
        CallMode::Go,
        "call_with_mode leaves the store's mode alone"
    );
    // The untyped API in park-until-idle mode.
    g.store.set_call_mode(CallMode::ParkUntilIdle);
    g.instance
        .call(&mut g.store, "process", &[gojit::Val::I32(5)])
        .unwrap();
    assert_eq!(g.store.data().events, [1, 2, 3, 4, 5]);
}

/// Pending timers (a `time.AfterFunc(1h)` and a goroutine in `time.Sleep(1h)`) do not hold a
/// park-until-idle call.
#[test]
fn park_until_idle_ignores_pending_timers() {
    let mut g = instantiate("misc");
    g.store.set_call_mode(CallMode::ParkUntilIdle);
    let t = Instant::now();
    g.instance
        .call(&mut g.store, "start_timers", &[])
        .expect("start_timers");
    let add = g
        .instance
        .get_typed_func::<(i32, i32), i32>(&mut g.store, "add")
        .unwrap();
    for i in 0..100 {
        assert_eq!(add.call(&mut g.store, (i, 1)).unwrap(), i + 1);
    }
    let elapsed = t.elapsed();
    assert!(
        elapsed < Duration::from_secs(20),
        "park-until-idle calls waited for timers: {elapsed:?}"
    );
    let fired = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "fired")
        .unwrap();
    assert_eq!(fired.call(&mut g.store, ()).unwrap(), 0);
    // A short sleep inside the export still works (the idle scheduler blocks in poll_oneoff).
    let sleep = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "sleep_ms")
        .unwrap();
    let t = Instant::now();
    sleep.call(&mut g.store, 20).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(20));
}

/// Work handed to another goroutine (which yields many times while computing) is finished when
/// a park-until-idle call returns, and not when a Go-mode call returns.
#[test]
fn park_until_idle_finishes_handed_off_work() {
    let mut g = instantiate("misc");
    let start_worker = g
        .instance
        .get_typed_func::<(), ()>(&mut g.store, "start_worker")
        .unwrap();
    let kick = g
        .instance
        .get_typed_func::<i32, ()>(&mut g.store, "kick")
        .unwrap();
    let done = g
        .instance
        .get_typed_func::<(), i32>(&mut g.store, "done")
        .unwrap();
    start_worker.call(&mut g.store, ()).unwrap();
    kick.call(&mut g.store, 100_000).unwrap();
    assert_eq!(
        done.call(&mut g.store, ()).unwrap(),
        0,
        "Go mode: the worker has not run"
    );
    assert!(g.store.data().notes.is_empty());
    kick.call_with_mode(&mut g.store, 100_000, CallMode::ParkUntilIdle)
        .unwrap();
    assert_eq!(
        done.call(&mut g.store, ()).unwrap(),
        100_000,
        "both handed-off jobs done"
    );
    assert_eq!(g.store.data().notes, ["worker done", "worker done"]);
}

/// A goroutine that yields forever never lets the module become idle: the park-until-idle call
/// fails after `IDLE_ROUND_LIMIT` scheduler rounds with a "did not become idle" error instead of
/// hanging. The test runs the call on its own thread and bounds the wait.
#[test]
fn park_until_idle_busy_yielder_is_bounded() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut g = instantiate("misc");
        g.instance
            .call(&mut g.store, "start_spinner", &[])
            .expect("start_spinner");
        let add = g
            .instance
            .get_typed_func::<(i32, i32), i32>(&mut g.store, "add")
            .unwrap();
        // Go mode: the spinner is runnable but the call returns as soon as `add` does.
        assert_eq!(add.call(&mut g.store, (2, 3)).unwrap(), 5);
        let t = Instant::now();
        let err = add
            .call_with_mode(&mut g.store, (2, 3), CallMode::ParkUntilIdle)
            .unwrap_err();
        let elapsed = t.elapsed();
        let spins = g
            .instance
            .get_typed_func::<(), i64>(&mut g.store, "spins")
            .unwrap()
            .call(&mut g.store, ())
            .map_err(|e| e.to_string());
        let after = add.call(&mut g.store, (4, 5)).map_err(|e| e.to_string());
        let _ = tx.send((err, elapsed, spins, after));
    });
    let (err, elapsed, spins, after) = rx
        .recv_timeout(Duration::from_secs(240))
        .expect("a park-until-idle call with a busy-yielding goroutine must not hang");
    match &err {
        Error::Call(msg) => assert!(
            msg.contains("did not become idle")
                && msg.contains(&gojit::IDLE_ROUND_LIMIT.to_string()),
            "unexpected message: {msg}"
        ),
        e => panic!("expected Error::Call(\"... did not become idle ...\"), got {e:?}"),
    }
    let spins = spins.expect("the instance is still usable after the idle limit");
    assert!(
        spins >= i64::from(gojit::IDLE_ROUND_LIMIT) / 2,
        "the spinner ran during the pump: {spins} spins"
    );
    assert_eq!(after, Ok(9), "a Go-mode call after the idle limit");
    eprintln!("idle limit reached after {elapsed:?} ({spins} spins)");
}
