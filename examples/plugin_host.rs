//! A Rust host for the Go plugin in `examples/plugin/` (a WASI reactor built with
//! `-buildmode=c-shared`), using gojit's embedding API:
//!
//! ```text
//! examples/plugin/build.sh                      # optional: plugin.wasm is checked in
//! cargo run --release --example plugin_host     # or: ... -- path/to/plugin.wasm
//! ```
//!
//! It compiles the module once, gives it host functions (`host.on_event`, `host.tick`,
//! `host.log`) next to WASI, calls exports with typed and untyped signatures, passes a string
//! through linear memory, runs the seed scenario in both call modes, measures call throughput,
//! and runs instances of the same module on several threads, all from one `Linker` built once:
//! the state host functions use (WASI's included) lives in each store's data. Last, the plugin
//! host pattern: one snapshot taken after `_initialize`, a fresh isolated instance from it per
//! request on several threads (microseconds each: memory is mapped copy-on-write and pooled),
//! and a deadline that stops a runaway request.

use gojit::{
    CallMode, Caller, Config, Engine, Error, Instance, Linker, Module, Snapshot, Store, Val, wasi,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The host state every host function can reach through `Caller::data_mut`: one per store.
struct Plugin {
    events: Vec<i32>,
    logs: Vec<String>,
    /// The WASI context of the store's guests.
    wasi: wasi::WasiCtx,
}

impl Plugin {
    /// Fresh state, with the guest's stderr captured in `stderr` if given.
    fn new(stderr: Option<wasi::SharedBuffer>) -> Plugin {
        let mut ctx = wasi::WasiCtxBuilder::new().arg("plugin").inherit_stdio();
        if let Some(buf) = stderr {
            ctx = ctx.stderr(Box::new(buf));
        }
        Plugin {
            events: Vec::new(),
            logs: Vec::new(),
            wasi: ctx.build(),
        }
    }
}

/// The host functions the plugin imports, plus WASI (the Go runtime needs it). Built once: a
/// `Linker` is `Send + Sync` and serves every store on every thread.
fn linker() -> Linker<Plugin> {
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |p: &mut Plugin| &mut p.wasi);
    // //go:wasmimport host on_event / func onEvent(v int32)
    linker.func_wrap(
        "host",
        "on_event",
        |caller: &mut Caller<'_, Plugin>, v: i32| {
            caller.data_mut().events.push(v);
        },
    );
    // //go:wasmimport host tick / func tick(i int32) int32
    linker.func_wrap("host", "tick", |_: &mut Caller<'_, Plugin>, i: i32| i & 1);
    // //go:wasmimport host log / func hostLog(msg string): a string is (pointer, length).
    linker.func_wrap(
        "host",
        "log",
        |caller: &mut Caller<'_, Plugin>, ptr: u32, len: u32| -> Result<(), gojit::HostError> {
            let bytes = caller
                .memory()
                .slice(ptr, len)
                .map_err(|e| gojit::HostError::Failed(e.to_string()))?;
            let msg = String::from_utf8_lossy(bytes).into_owned();
            caller.data_mut().logs.push(msg);
            Ok(())
        },
    );
    linker
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/plugin/plugin.wasm"),
        PathBuf::from,
    );
    // Interruptible: stores can have deadlines (the code checks a flag at loop back-edges).
    let engine = Engine::new(Config {
        interruptible: true,
        ..Config::default()
    })?;
    let t = Instant::now();
    let module = Module::new(&engine, std::fs::read(&path)?)?;
    println!("loaded {} in {:.2?}", path.display(), t.elapsed());

    // Instantiation runs the reactor's `_initialize` (Go's runtime and package init).
    let host_fns = std::sync::Arc::new(linker());
    let mut store = Store::new(&engine, Plugin::new(None));
    let t = Instant::now();
    let instance = Instance::new(&mut store, &module, &host_fns)?;
    println!("instantiated (with _initialize) in {:.2?}", t.elapsed());

    // A typed export: `//go:wasmexport add` / `func add(a, b int32) int32`.
    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
    println!("add(2, 3) = {}", add.call(&mut store, (2, 3))?);
    // The same, untyped.
    println!(
        "add(40, 2) = {:?}",
        instance.call(&mut store, "add", &[Val::I32(40), Val::I32(2)])?
    );

    // A string parameter: ask Go for a buffer, write the bytes into linear memory, pass
    // (pointer, length). The export logs a greeting back through `host.log`.
    let name = "gojit";
    let alloc = instance.get_typed_func::<i32, u32>(&mut store, "alloc")?;
    let ptr = alloc.call(&mut store, name.len() as i32)?;
    instance.memory_mut(&mut store)[ptr as usize..ptr as usize + name.len()]
        .copy_from_slice(name.as_bytes());
    let greet = instance.get_typed_func::<(u32, u32), i32>(&mut store, "greet")?;
    let n = greet.call(&mut store, (ptr, name.len() as u32))?;
    println!("greet({name:?}) logged {:?} ({n} bytes)", store.data().logs);
    instance
        .get_typed_func::<(), ()>(&mut store, "free_all")?
        .call(&mut store, ())?;

    // The seed scenario. Go mode (the default, same as wasmtime): `process` returns as soon as
    // the value is in the channel; the consumer goroutine runs only when some export blocks or
    // yields.
    let start = instance.get_typed_func::<(), ()>(&mut store, "start")?;
    let process = instance.get_typed_func::<i32, ()>(&mut store, "process")?;
    start.call(&mut store, ())?;
    let mut seen = Vec::new();
    for v in 1..=8 {
        process.call(&mut store, v)?;
        seen.push(store.data().events.len());
    }
    println!("Go mode: events seen after process(1..8): {seen:?}");
    // Park-until-idle: the call returns once every goroutine is parked, so the consumer has
    // handled the value (and the backlog) by then.
    process.call_with_mode(&mut store, 9, CallMode::ParkUntilIdle)?;
    println!(
        "park-until-idle: after process(9): {:?}",
        store.data().events
    );

    // Throughput.
    const N: i32 = 1_000_000;
    let t = Instant::now();
    let mut acc = 0i32;
    for i in 0..N {
        acc = acc.wrapping_add(add.call(&mut store, (i, 1))?);
    }
    let per_call = t.elapsed().as_nanos() as f64 / f64::from(N);
    println!("add: {per_call:.1} ns/call from Rust (checksum {acc})");
    let loop_host = instance.get_typed_func::<i32, i64>(&mut store, "loop_host")?;
    let t = Instant::now();
    let sum = loop_host.call(&mut store, N)?;
    let per_call = t.elapsed().as_nanos() as f64 / f64::from(N);
    println!("loop_host: {per_call:.1} ns per host call from Go (sum {sum})");
    store.set_call_mode(CallMode::ParkUntilIdle);
    let t = Instant::now();
    for v in 0..100_000 {
        process.call(&mut store, v)?;
    }
    let per_call = t.elapsed().as_nanos() as f64 / 100_000.0;
    println!("process (park-until-idle, consumer runs each time): {per_call:.0} ns/call");

    // Failures are errors for the embedder. On a fresh instance, `process` before `start`
    // sends on a nil channel: Go reports a deadlock (captured here from stderr), the call
    // returns the trap, and the instance refuses further calls.
    let stderr = wasi::SharedBuffer::new();
    let mut store2 = Store::new(&engine, Plugin::new(Some(stderr.clone())));
    let broken = Instance::new(&mut store2, &module, &host_fns)?;
    let err = broken
        .call(&mut store2, "process", &[Val::I32(1)])
        .unwrap_err();
    let text = String::from_utf8_lossy(&stderr.contents()).into_owned();
    println!(
        "process before start: {err}; Go said: {:?}",
        text.lines().next().unwrap_or("")
    );
    let err = broken
        .call(&mut store2, "add", &[Val::I32(1), Val::I32(2)])
        .unwrap_err();
    println!("next call: {err}");

    // One module and one linker, many threads: each thread has its own store and instance.
    let t = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|id| {
            let module = module.clone();
            let host_fns = host_fns.clone();
            std::thread::spawn(move || -> Result<i64, Error> {
                let mut store = Store::new(module.engine(), Plugin::new(None));
                let instance = Instance::new(&mut store, &module, &host_fns)?;
                let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
                let mut sum = 0i64;
                for i in 0..10_000 {
                    sum += i64::from(add.call(&mut store, (i, id))?);
                }
                Ok(sum)
            })
        })
        .collect();
    for (id, h) in threads.into_iter().enumerate() {
        let sum = h.join().expect("thread panicked")?;
        println!("thread {id}: sum {sum}");
    }
    println!(
        "4 threads x (instantiate + 10,000 calls) in {:.2?}",
        t.elapsed()
    );

    // Per-request instances. `_initialize` ran once, above; freeze an instance right after it,
    // and give every request a fresh instance from the snapshot: nothing runs, its memory is
    // the snapshot's image mapped copy-on-write, and dropping the store resets the memory for
    // the next request. Each request gets a deadline. (A snapshot freezes what Go computed at
    // init, seeds included: see `gojit::Snapshot`.)
    let snapshot = {
        let mut store = Store::new(&engine, Plugin::new(None));
        let instance = Instance::new(&mut store, &module, &host_fns)?;
        Snapshot::new(&store, instance)?
    };
    const REQUESTS: i32 = 20_000;
    let t = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let snapshot = snapshot.clone();
            let host_fns = host_fns.clone();
            std::thread::spawn(move || -> Result<i64, Error> {
                let mut sum = 0i64;
                for i in 0..REQUESTS {
                    let mut store = Store::new(snapshot.module().engine(), Plugin::new(None));
                    store.set_deadline(Duration::from_millis(100))?;
                    let instance = snapshot.instantiate(&mut store, &host_fns)?;
                    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
                    sum += i64::from(add.call(&mut store, (i, 1))?);
                }
                Ok(sum)
            })
        })
        .collect();
    for h in threads {
        h.join().expect("thread panicked")?;
    }
    let took = t.elapsed();
    println!(
        "2 threads x {REQUESTS} requests (fresh instance from the snapshot, deadline, add, drop) in {took:.2?}: {:.0} per second",
        f64::from(2 * REQUESTS) / took.as_secs_f64()
    );
    // A runaway request: `loop_host(i32::MAX)` would run for minutes; the deadline stops it.
    let mut store = Store::new(&engine, Plugin::new(None));
    store.set_deadline(Duration::from_millis(50))?;
    let instance = snapshot.instantiate(&mut store, &host_fns)?;
    let t = Instant::now();
    let err = instance
        .call(&mut store, "loop_host", &[Val::I32(i32::MAX)])
        .unwrap_err();
    println!("runaway request: {err} after {:.1?}", t.elapsed());
    Ok(())
}
