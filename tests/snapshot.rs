//! Snapshots (issue 15): a Go reactor instantiated once (start function and `_initialize` run),
//! frozen, and instantiated from the snapshot again and again. An instance from a snapshot
//! starts exactly as the snapshotted instance was, behaves like it, and shares nothing writable
//! with other instances of the same snapshot: a secret one writes, memory it grows, a trap it
//! takes are invisible to the next.

mod common;

use gojit::{Caller, Config, Engine, Instance, Linker, Module, Snapshot, Store, Trap, wasi};
use std::sync::Arc;

/// The example plugin's host: its three `host` imports and gojit's WASI.
#[derive(Default)]
struct Host {
    events: Vec<i32>,
    wasi: wasi::WasiCtx,
}

fn linker() -> Linker<Host> {
    let mut l = Linker::<Host>::new();
    l.func_wrap("host", "on_event", |c: &mut Caller<'_, Host>, v: i32| {
        c.data_mut().events.push(v);
    });
    l.func_wrap("host", "tick", |_: &mut Caller<'_, Host>, i: i32| i & 1);
    l.func_wrap("host", "log", |_: &mut Caller<'_, Host>, _: i32, _: i32| {});
    wasi::add_to_linker(&mut l, |h: &mut Host| &mut h.wasi);
    l
}

fn plugin(engine: &Engine) -> Module {
    let bytes = std::fs::read(common::repo_root().join("examples/plugin/plugin.wasm"))
        .expect("examples/plugin/plugin.wasm");
    Module::new(engine, bytes).expect("module")
}

fn engine() -> Engine {
    Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine")
}

/// A snapshot of a freshly initialized plugin, and the memory it froze.
fn snapshot(engine: &Engine, linker: &Linker<Host>) -> (Snapshot, Vec<u8>) {
    let module = plugin(engine);
    let mut store = Store::new(engine, Host::default());
    let instance = Instance::new(&mut store, &module, linker).expect("instantiate");
    let snap = Snapshot::new(&store, instance).expect("snapshot");
    let frozen = instance.memory(&store).to_vec();
    assert_eq!(snap.memory_size(), frozen.len() as u64);
    (snap, frozen)
}

/// The example plugin's scenario: the consumer goroutine receives values sent by `process`.
fn scenario(store: &mut Store<Host>, instance: Instance) -> (i32, i32, Vec<i32>) {
    let add = instance
        .get_typed_func::<(i32, i32), i32>(store, "add")
        .expect("add");
    let sum = add.call(store, (40, 2)).expect("add");
    instance.call(store, "start", &[]).expect("start");
    let process = instance
        .get_typed_func::<i32, ()>(store, "process_yield")
        .expect("process_yield");
    for v in 1..=5 {
        process.call(store, v).expect("process");
    }
    let consumed = instance
        .get_typed_func::<(), i32>(store, "consumed")
        .expect("consumed")
        .call(store, ())
        .expect("consumed");
    (sum, consumed, store.data().events.clone())
}

#[test]
fn an_instance_from_a_snapshot_starts_as_the_snapshotted_one_and_behaves_alike() {
    let engine = engine();
    let linker = linker();
    let (snap, frozen) = snapshot(&engine, &linker);

    let mut store = Store::new(&engine, Host::default());
    let restored = snap
        .instantiate(&mut store, &linker)
        .expect("from snapshot");
    assert!(
        restored.memory(&store) == frozen.as_slice(),
        "the restored memory differs from the snapshot"
    );
    let from_snapshot = scenario(&mut store, restored);

    let mut store = Store::new(&engine, Host::default());
    let initialized = Instance::new(&mut store, snap.module(), &linker).expect("instantiate");
    let from_initialize = scenario(&mut store, initialized);
    assert_eq!(from_snapshot, from_initialize);
    assert_eq!(from_snapshot.0, 42);
    assert!(from_snapshot.1 >= 1, "{from_snapshot:?}");
}

/// Writes `secret` into a Go buffer of `len` bytes the plugin allocates; returns its address.
fn write_secret(store: &mut Store<Host>, instance: Instance, len: i32, secret: &[u8]) -> usize {
    let alloc = instance
        .get_typed_func::<i32, i32>(store, "alloc")
        .expect("alloc");
    let at = alloc.call(store, len).expect("alloc") as u32 as usize;
    instance.memory_mut(store)[at..at + secret.len()].copy_from_slice(secret);
    at
}

#[test]
fn instances_of_one_snapshot_share_nothing_writable() {
    let engine = engine();
    let linker = linker();
    let (snap, frozen) = snapshot(&engine, &linker);
    let secret = b"the first request's secret";

    // A secret in a small buffer (inside the snapshot's memory), and one in a buffer that
    // grows memory past the snapshot's size.
    let mut store = Store::new(&engine, Host::default());
    let first = snap.instantiate(&mut store, &linker).expect("instance");
    let small = write_secret(&mut store, first, 64, secret);
    let big = write_secret(&mut store, first, 4 << 20, secret);
    assert!(
        instance_len(&store, first) > frozen.len(),
        "memory did not grow"
    );
    assert!(
        big >= frozen.len(),
        "the big buffer is inside the old memory"
    );
    // Then the instance traps (a call with a bad string pointer makes Go panic: a trap).
    let greet = first
        .get_typed_func::<(i32, i32), i32>(&mut store, "greet")
        .expect("greet");
    assert!(greet.call(&mut store, (-16, 1000)).is_err());

    for round in 0..3 {
        let mut store = Store::new(&engine, Host::default());
        let next = snap.instantiate(&mut store, &linker).expect("instance");
        let memory = next.memory(&store);
        assert!(memory == frozen.as_slice(), "round {round}: memory differs");
        assert!(
            !memory.windows(secret.len()).any(|w| w == secret),
            "round {round}: the secret is visible"
        );
        // It allocates where the first instance did, and finds zeros there.
        let at = write_secret(&mut store, next, 64, b"");
        assert_eq!(at, small, "round {round}: allocation differs");
        assert!(
            next.memory(&store)[small..small + secret.len()]
                .iter()
                .all(|&b| b == 0)
        );
    }
    drop(store);
}

fn instance_len(store: &Store<Host>, instance: Instance) -> usize {
    instance.memory(store).len()
}

#[test]
fn a_snapshot_serves_threads() {
    let engine = engine();
    let linker = Arc::new(linker());
    let (snap, _) = snapshot(&engine, &linker);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let (engine, linker, snap) = (engine.clone(), Arc::clone(&linker), snap.clone());
            std::thread::spawn(move || {
                for i in 0..300 {
                    let mut store = Store::new(&engine, Host::default());
                    let inst = snap.instantiate(&mut store, &linker).expect("instance");
                    let add = inst
                        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
                        .expect("add");
                    assert_eq!(add.call(&mut store, (t, i)).expect("add"), t + i);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

#[test]
fn snapshots_of_unusable_instances_and_oversized_restores_are_errors() {
    let engine = engine();
    let linker = linker();
    let module = plugin(&engine);
    let mut store = Store::new(&engine, Host::default());
    let instance = Instance::new(&mut store, &module, &linker).expect("instantiate");
    let greet = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "greet")
        .expect("greet");
    assert!(greet.call(&mut store, (-16, 1000)).is_err());
    let err = Snapshot::new(&store, instance)
        .err()
        .expect("snapshot of an unusable instance");
    assert!(err.to_string().contains("unusable"), "{err}");

    let (snap, frozen) = snapshot(&engine, &linker);
    let mut small = Store::new(&engine, Host::default());
    small.limit_memory_pages(frozen.len() as u64 / 65536 - 1);
    let err = snap
        .instantiate(&mut small, &linker)
        .expect_err("over the store's memory limit");
    assert!(err.to_string().contains("limit"), "{err}");
}

#[test]
fn a_deadline_stops_an_instance_from_a_snapshot() {
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    })
    .expect("engine");
    let linker = linker();
    let (snap, _) = snapshot(&engine, &linker);
    let mut store = Store::new(&engine, Host::default());
    let inst = snap.instantiate(&mut store, &linker).expect("instance");
    store
        .set_deadline(std::time::Duration::from_millis(50))
        .expect("deadline");
    // `loop_host` with a huge count runs for minutes without the deadline.
    let err = inst
        .get_typed_func::<i32, i64>(&mut store, "loop_host")
        .expect("loop_host")
        .call(&mut store, i32::MAX)
        .expect_err("interrupted");
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
}

/// A small deterministic generator for call sequences.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Instances from a snapshot go back to its pool when dropped, reset: after any sequence of
/// calls (allocations that grow memory, goroutines, host calls, traps, interrupts), the next
/// instance's memory equals the snapshot page for page.
#[test]
fn reset_instances_equal_fresh_restores_page_for_page() {
    let engine = Engine::new(Config {
        cache_dir: None,
        interruptible: true,
        ..Config::default()
    })
    .expect("engine");
    let linker = linker();
    let (snap, frozen) = snapshot(&engine, &linker);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..200 {
        let mut store = Store::new(&engine, Host::default());
        let inst = snap.instantiate(&mut store, &linker).expect("instance");
        let memory = inst.memory(&store);
        if memory != frozen.as_slice() {
            let page = memory
                .chunks(4096)
                .zip(frozen.chunks(4096))
                .position(|(a, b)| a != b);
            panic!(
                "round {round}: memory differs from the snapshot (length {} vs {}, first page {page:?})",
                memory.len(),
                frozen.len()
            );
        }
        let mut started = false;
        for _ in 0..(rng.next() % 6) {
            let ok = match rng.next() % 7 {
                0 => inst
                    .call(&mut store, "add", &[gojit::Val::I32(1), gojit::Val::I32(2)])
                    .is_ok(),
                1 => {
                    let len = [16, 4096, 1 << 20, 3 << 20][(rng.next() % 4) as usize];
                    write_secret(&mut store, inst, len, b"secret") > 0
                }
                2 if !started => {
                    started = true;
                    inst.call(&mut store, "start", &[]).is_ok()
                }
                // Without a consumer (`start`) the send would block forever: Go reports a
                // deadlock.
                2 | 3 if started => inst
                    .call(&mut store, "process_yield", &[gojit::Val::I32(7)])
                    .is_ok(),
                2..=4 => inst
                    .call(&mut store, "loop_host", &[gojit::Val::I32(100)])
                    .is_ok(),
                5 => {
                    // A trap: Go panics on a bad string pointer.
                    let _ = inst.call(
                        &mut store,
                        "greet",
                        &[gojit::Val::I32(-16), gojit::Val::I32(1000)],
                    );
                    break;
                }
                _ => {
                    store
                        .set_deadline(std::time::Duration::from_millis(1))
                        .expect("deadline");
                    let _ = inst.call(&mut store, "loop_host", &[gojit::Val::I32(i32::MAX)]);
                    break;
                }
            };
            if !ok {
                break;
            }
        }
    }
}

/// Resident memory of this process in KiB (`VmRSS`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// 8 threads each make and drop 10,000 instances from one snapshot (one call each): resident
/// memory stays flat once the pools are warm.
#[test]
fn pooled_instances_do_not_leak() {
    let engine = engine();
    let linker = Arc::new(linker());
    let (snap, _) = snapshot(&engine, &linker);
    let work = |n: i32| {
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (engine, linker, snap) = (engine.clone(), Arc::clone(&linker), snap.clone());
                std::thread::spawn(move || {
                    for i in 0..n {
                        let mut store = Store::new(&engine, Host::default());
                        let inst = snap.instantiate(&mut store, &linker).expect("instance");
                        let add = inst
                            .get_typed_func::<(i32, i32), i32>(&mut store, "add")
                            .expect("add");
                        assert_eq!(add.call(&mut store, (t, i)).expect("add"), t + i);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
    };
    work(1_000);
    let warm = rss_kib();
    work(10_000);
    let after = rss_kib();
    assert!(
        after < warm + 32 * 1024,
        "resident memory grew from {warm} KiB to {after} KiB over 80,000 instances"
    );
}

/// From a module's second instance on, memory starts as the module's initial image (data
/// segments applied) mapped copy-on-write, and goes back to a pool when dropped: every instance
/// still starts with exactly the segments and zeros, whatever the one before wrote or grew.
#[test]
fn instances_through_instantiation_start_from_the_data_segments() {
    let engine = engine();
    let wasm = wat::parse_str(
        r#"(module
          (memory (export "memory") 1 10)
          (data (i32.const 16) "hello")
          (func (export "dirty") (param i32)
            (i32.store (i32.const 100) (local.get 0))
            (i32.store (i32.const 16) (local.get 0))
            (drop (memory.grow (i32.const 2)))
            (i32.store (i32.const 0x20000) (local.get 0))))"#,
    )
    .expect("wat");
    let module = Module::new(&engine, wasm).expect("module");
    let mut fresh = vec![0u8; 65536];
    fresh[16..21].copy_from_slice(b"hello");
    for round in 0..20 {
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &gojit::Linker::new()).expect("instance");
        assert!(
            inst.memory(&store) == fresh.as_slice(),
            "round {round}: memory is not the data segments"
        );
        inst.call(&mut store, "dirty", &[gojit::Val::I32(0x5ec2e7)])
            .expect("dirty");
        assert_eq!(inst.memory(&store).len(), 3 * 65536);
    }
}
