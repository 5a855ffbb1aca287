//! Embedding-API benchmarks: gojit vs wasmtime 48 (same Cranelift version) on the same Go
//! reactor, `examples/plugin/plugin.wasm`, in the same run.
//!
//! ```text
//! cd benches/embed && cargo run --release            # all benchmarks, 7 interleaved runs
//! RUNS=11 cargo run --release -- add host seed inst  # a subset
//! cargo run --release -- pool                        # plugin-host rows: snapshots, pools, interruption
//! cargo run --release -- check                       # seed scenario on both engines
//! ```
//!
//! WASI: both engines get the *same* minimal stub implementation of the ten
//! `wasi_snapshot_preview1` functions the plugin imports (module `stub` below), so the
//! comparison measures the engines, not two WASI implementations. The instantiation benchmark
//! also reports gojit with its own full WASI (`gojit::wasi`) for reference.
//!
//! Each number is the median of `RUNS` runs; the runs of the two engines are interleaved so
//! machine noise hits both alike.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Minimal WASI preview1 over a byte slice of linear memory, shared by both engines.
mod stub {
    use std::io::Write;
    use std::sync::OnceLock;
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    pub const EBADF: i32 = 8;

    fn put_u32(m: &mut [u8], p: u32, v: u32) {
        m[p as usize..p as usize + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn put_u64(m: &mut [u8], p: u32, v: u64) {
        m[p as usize..p as usize + 8].copy_from_slice(&v.to_le_bytes());
    }
    fn get_u32(m: &[u8], p: u32) -> u32 {
        u32::from_le_bytes(m[p as usize..p as usize + 4].try_into().unwrap())
    }
    fn get_u64(m: &[u8], p: u32) -> u64 {
        u64::from_le_bytes(m[p as usize..p as usize + 8].try_into().unwrap())
    }

    /// `args_sizes_get` and `environ_sizes_get`: nothing.
    pub fn sizes_get(m: &mut [u8], count: u32, size: u32) -> i32 {
        put_u32(m, count, 0);
        put_u32(m, size, 0);
        0
    }

    pub fn clock_time_get(m: &mut [u8], id: i32, out: u32) -> i32 {
        static START: OnceLock<Instant> = OnceLock::new();
        let ns = if id == 0 {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        } else {
            1_000_000_000 + START.get_or_init(Instant::now).elapsed().as_nanos() as u64
        };
        put_u64(m, out, ns);
        0
    }

    pub fn random_get(m: &mut [u8], p: u32, n: u32) -> i32 {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for b in &mut m[p as usize..(p + n) as usize] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        0
    }

    pub fn fd_write(m: &mut [u8], fd: i32, iovs: u32, n: u32, nwritten: u32) -> i32 {
        let mut total = 0u32;
        for i in 0..n {
            let ptr = get_u32(m, iovs + 8 * i);
            let len = get_u32(m, iovs + 8 * i + 4);
            let data = &m[ptr as usize..(ptr + len) as usize];
            match fd {
                1 => drop(std::io::stdout().write_all(data)),
                2 => drop(std::io::stderr().write_all(data)),
                _ => return EBADF,
            }
            total += len;
        }
        put_u32(m, nwritten, total);
        0
    }

    /// Sleeps for the shortest clock subscription and reports every subscription as ready.
    pub fn poll_oneoff(m: &mut [u8], input: u32, out: u32, nsubs: u32, nevents: u32) -> i32 {
        let mut sleep = u64::MAX;
        for i in 0..nsubs {
            let sub = input + 48 * i;
            if m[sub as usize + 8] == 0 {
                sleep = sleep.min(get_u64(m, sub + 24));
            }
        }
        if sleep != u64::MAX {
            std::thread::sleep(std::time::Duration::from_nanos(sleep));
        }
        for i in 0..nsubs {
            let (sub, ev) = (input + 48 * i, out + 32 * i);
            let userdata = get_u64(m, sub);
            let tag = m[sub as usize + 8];
            m[ev as usize..ev as usize + 32].fill(0);
            put_u64(m, ev, userdata);
            m[ev as usize + 10] = tag;
        }
        put_u32(m, nevents, nsubs);
        0
    }
}

/// Host state for both engines.
#[derive(Default)]
struct Host {
    events: u64,
    last_event: i32,
    /// gojit's own WASI context, made on the first WASI call of a store linked with it.
    gojit_wasi: Option<gojit::wasi::WasiCtx>,
}

mod gj {
    use super::{Host, stub};
    use gojit::{Caller, HostError, Linker};

    fn mem<'a>(c: &'a mut Caller<'_, Host>) -> &'a mut [u8] {
        let len = c.memory().len() as u32;
        c.memory().slice_mut(0, len).unwrap()
    }

    /// The plugin's host functions, and WASI: the shared stubs, or gojit's own.
    pub fn linker(real_wasi: bool) -> Linker<Host> {
        let mut l = Linker::<Host>::new();
        l.func_wrap("host", "on_event", |c: &mut Caller<'_, Host>, v: i32| {
            let h = c.data_mut();
            h.events += 1;
            h.last_event = v;
        });
        l.func_wrap("host", "tick", |_: &mut Caller<'_, Host>, i: i32| i & 1);
        l.func_wrap("host", "log", |_: &mut Caller<'_, Host>, _: i32, _: i32| {});
        if real_wasi {
            gojit::wasi::add_to_linker(&mut l, |h: &mut Host| {
                h.gojit_wasi.get_or_insert_with(Default::default)
            });
            return l;
        }
        let w = "wasi_snapshot_preview1";
        l.func_wrap(
            w,
            "args_sizes_get",
            |c: &mut Caller<'_, Host>, a: u32, b: u32| stub::sizes_get(mem(c), a, b),
        );
        l.func_wrap(
            w,
            "environ_sizes_get",
            |c: &mut Caller<'_, Host>, a: u32, b: u32| stub::sizes_get(mem(c), a, b),
        );
        l.func_wrap(w, "args_get", |_: &mut Caller<'_, Host>, _: u32, _: u32| {
            0i32
        });
        l.func_wrap(
            w,
            "environ_get",
            |_: &mut Caller<'_, Host>, _: u32, _: u32| 0i32,
        );
        l.func_wrap(
            w,
            "clock_time_get",
            |c: &mut Caller<'_, Host>, id: i32, _: i64, out: u32| {
                stub::clock_time_get(mem(c), id, out)
            },
        );
        l.func_wrap(
            w,
            "random_get",
            |c: &mut Caller<'_, Host>, p: u32, n: u32| stub::random_get(mem(c), p, n),
        );
        l.func_wrap(
            w,
            "fd_write",
            |c: &mut Caller<'_, Host>, fd: i32, iovs: u32, n: u32, nw: u32| {
                stub::fd_write(mem(c), fd, iovs, n, nw)
            },
        );
        l.func_wrap(
            w,
            "poll_oneoff",
            |c: &mut Caller<'_, Host>, i: u32, o: u32, n: u32, ne: u32| {
                stub::poll_oneoff(mem(c), i, o, n, ne)
            },
        );
        l.func_wrap(w, "sched_yield", |_: &mut Caller<'_, Host>| 0i32);
        l.func_wrap(
            w,
            "proc_exit",
            |_: &mut Caller<'_, Host>, code: i32| -> Result<(), HostError> {
                Err(HostError::Exit(code))
            },
        );
        l
    }
}

mod wt {
    use super::{Host, stub};
    use wasmtime::{Caller, Linker};

    fn mem<'a>(c: &'a mut Caller<'_, Host>) -> &'a mut [u8] {
        let m = c
            .get_export("memory")
            .and_then(|e| e.into_memory())
            .unwrap();
        m.data_mut(c)
    }

    /// The plugin's host functions and the shared WASI stubs.
    pub fn linker(engine: &wasmtime::Engine) -> Linker<Host> {
        let mut l = Linker::<Host>::new(engine);
        l.func_wrap("host", "on_event", |mut c: Caller<'_, Host>, v: i32| {
            let h = c.data_mut();
            h.events += 1;
            h.last_event = v;
        })
        .unwrap();
        l.func_wrap("host", "tick", |_: Caller<'_, Host>, i: i32| i & 1)
            .unwrap();
        l.func_wrap("host", "log", |_: Caller<'_, Host>, _: i32, _: i32| {})
            .unwrap();
        let w = "wasi_snapshot_preview1";
        l.func_wrap(
            w,
            "args_sizes_get",
            |mut c: Caller<'_, Host>, a: u32, b: u32| stub::sizes_get(mem(&mut c), a, b),
        )
        .unwrap();
        l.func_wrap(
            w,
            "environ_sizes_get",
            |mut c: Caller<'_, Host>, a: u32, b: u32| stub::sizes_get(mem(&mut c), a, b),
        )
        .unwrap();
        l.func_wrap(w, "args_get", |_: Caller<'_, Host>, _: u32, _: u32| 0i32)
            .unwrap();
        l.func_wrap(w, "environ_get", |_: Caller<'_, Host>, _: u32, _: u32| 0i32)
            .unwrap();
        l.func_wrap(
            w,
            "clock_time_get",
            |mut c: Caller<'_, Host>, id: i32, _: i64, out: u32| {
                stub::clock_time_get(mem(&mut c), id, out)
            },
        )
        .unwrap();
        l.func_wrap(
            w,
            "random_get",
            |mut c: Caller<'_, Host>, p: u32, n: u32| stub::random_get(mem(&mut c), p, n),
        )
        .unwrap();
        l.func_wrap(
            w,
            "fd_write",
            |mut c: Caller<'_, Host>, fd: i32, iovs: u32, n: u32, nw: u32| {
                stub::fd_write(mem(&mut c), fd, iovs, n, nw)
            },
        )
        .unwrap();
        l.func_wrap(
            w,
            "poll_oneoff",
            |mut c: Caller<'_, Host>, i: u32, o: u32, n: u32, ne: u32| {
                stub::poll_oneoff(mem(&mut c), i, o, n, ne)
            },
        )
        .unwrap();
        l.func_wrap(w, "sched_yield", |_: Caller<'_, Host>| 0i32)
            .unwrap();
        l.func_wrap(
            w,
            "proc_exit",
            |_: Caller<'_, Host>, code: i32| -> wasmtime::Result<()> {
                Err(wasmtime::format_err!("proc_exit({code})"))
            },
        )
        .unwrap();
        l
    }
}

struct Gojit {
    module: gojit::Module,
    linker: gojit::Linker<Host>,
}

impl Gojit {
    fn instance(&self) -> (gojit::Store<Host>, gojit::Instance) {
        let mut store = gojit::Store::new(self.module.engine(), Host::default());
        let inst =
            gojit::Instance::new(&mut store, &self.module, &self.linker).expect("gojit instance");
        (store, inst)
    }
}

struct Wasmtime {
    engine: wasmtime::Engine,
    module: wasmtime::Module,
    linker: wasmtime::Linker<Host>,
}

impl Wasmtime {
    fn instance(&self) -> (wasmtime::Store<Host>, wasmtime::Instance) {
        let mut store = wasmtime::Store::new(&self.engine, Host::default());
        let inst = self
            .linker
            .instantiate(&mut store, &self.module)
            .expect("wasmtime instance");
        inst.get_typed_func::<(), ()>(&mut store, "_initialize")
            .unwrap()
            .call(&mut store, ())
            .expect("_initialize");
        (store, inst)
    }
}

fn ns_per(d: Duration, n: u64) -> f64 {
    d.as_nanos() as f64 / n as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One row of the result table: a label, the unit, and samples per engine.
struct Row {
    label: String,
    unit: &'static str,
    gojit: Vec<f64>,
    wasmtime: Vec<f64>,
}

impl Row {
    fn new(label: &str, unit: &'static str) -> Row {
        Row {
            label: label.into(),
            unit,
            gojit: vec![],
            wasmtime: vec![],
        }
    }
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn print_table(rows: &mut [Row]) {
    println!("| benchmark | unit | gojit | wasmtime 48 | gojit / wasmtime |");
    println!("|---|---|---:|---:|---:|");
    for r in rows {
        let g = if r.gojit.is_empty() {
            f64::NAN
        } else {
            median(&mut r.gojit)
        };
        let w = if r.wasmtime.is_empty() {
            f64::NAN
        } else {
            median(&mut r.wasmtime)
        };
        let ratio = if g.is_nan() || w.is_nan() {
            "—".to_string()
        } else {
            format!("{:.2}×", g / w)
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            r.label,
            r.unit,
            fmt(g),
            fmt(w),
            ratio
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let want = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let path = std::env::var_os("PLUGIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/plugin/plugin.wasm"),
        PathBuf::from,
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} cpus, {cpu}, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "module: {} ({} bytes), {runs} runs per cell (median)\n",
        path.display(),
        bytes.len()
    );

    let t = Instant::now();
    let gengine = gojit::Engine::new(gojit::Config::default()).unwrap();
    let g = Gojit {
        module: gojit::Module::new(&gengine, bytes.clone()).unwrap(),
        linker: gj::linker(false),
    };
    let g_load = t.elapsed();
    let t = Instant::now();
    let wengine = wasmtime::Engine::new(&wasmtime::Config::new()).unwrap();
    let wmodule = wasmtime::Module::new(&wengine, &bytes).unwrap();
    let w_load = t.elapsed();
    let w = Wasmtime {
        linker: wt::linker(&wengine),
        engine: wengine,
        module: wmodule,
    };

    // `prof-add` / `prof-host`: only gojit's loop, for a profiler.
    if args.iter().any(|a| a == "prof-add" || a == "prof-host") {
        let (mut s, i) = g.instance();
        let add = i.get_typed_func::<(i32, i32), i32>(&mut s, "add").unwrap();
        let lh = i.get_typed_func::<i32, i64>(&mut s, "loop_host").unwrap();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(3) {
            if args.iter().any(|a| a == "prof-add") {
                for k in 0..100_000 {
                    std::hint::black_box(add.call(&mut s, (k, 1)).unwrap());
                }
            } else {
                std::hint::black_box(lh.call(&mut s, 1_000_000).unwrap());
            }
        }
        return;
    }
    if want("check") {
        seed_check(&g, &w);
    }

    let mut rows = Vec::new();
    if want("inst") {
        rows.extend(instantiation(&bytes, &g, &w, g_load, w_load, runs));
    }
    if want("add") {
        rows.push(bench_add(&g, &w, runs));
    }
    if want("host") {
        rows.push(bench_host(&g, &w, runs));
    }
    if want("seed") {
        rows.extend(bench_seed(&g, &w, runs));
    }
    if want("pool") {
        rows.extend(bench_plugin_host(&bytes, &g, runs));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nload average after: {}\n",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    print_table(&mut rows);
}

/// The seed scenario in Go mode on both engines: events seen after process(1..8), then after
/// process_yield(100).
fn seed_check(g: &Gojit, w: &Wasmtime) {
    let (mut gs, gi) = g.instance();
    let gp = gi.get_typed_func::<i32, ()>(&mut gs, "process").unwrap();
    gi.get_typed_func::<(), ()>(&mut gs, "start")
        .unwrap()
        .call(&mut gs, ())
        .unwrap();
    let (mut ws, wi) = w.instance();
    let wp = wi.get_typed_func::<i32, ()>(&mut ws, "process").unwrap();
    wi.get_typed_func::<(), ()>(&mut ws, "start")
        .unwrap()
        .call(&mut ws, ())
        .unwrap();
    let (mut gc, mut wc) = (vec![], vec![]);
    for v in 1..=8 {
        gp.call(&mut gs, v).unwrap();
        wp.call(&mut ws, v).unwrap();
        gc.push(gs.data().events);
        wc.push(ws.data().events);
    }
    gi.get_typed_func::<i32, ()>(&mut gs, "process_yield")
        .unwrap()
        .call(&mut gs, 100)
        .unwrap();
    wi.get_typed_func::<i32, ()>(&mut ws, "process_yield")
        .unwrap()
        .call(&mut ws, 100)
        .unwrap();
    println!("seed scenario, Go mode, events after process(1..8):");
    println!(
        "  gojit:    {gc:?}, after process_yield(100): {} (last {})",
        gs.data().events,
        gs.data().last_event
    );
    println!(
        "  wasmtime: {wc:?}, after process_yield(100): {} (last {})",
        ws.data().events,
        ws.data().last_event
    );
    let same = gc == wc
        && gs.data().events == ws.data().events
        && gs.data().last_event == ws.data().last_event;
    println!("  same: {same}\n");
    assert!(same, "gojit's Go mode differs from wasmtime");
}

fn instantiation(
    bytes: &[u8],
    g: &Gojit,
    w: &Wasmtime,
    g_load: Duration,
    w_load: Duration,
    runs: usize,
) -> Vec<Row> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut load = Row::new(
        "Module::new (gojit: parse+validate, lazy; wasmtime: compile all)",
        "ms",
    );
    load.gojit.push(ms(g_load));
    load.wasmtime.push(ms(w_load));
    // First instance of a fresh module: for lazy gojit this includes compiling the functions
    // `_initialize` reaches.
    let mut first = Row::new(
        "first instance + _initialize (fresh Module; gojit compiles lazily)",
        "ms",
    );
    let mut eager = Row::new(
        "gojit eager (`lazy: false`): Module::new, compiles all",
        "ms",
    );
    let mut eager_first = Row::new("gojit eager: first instance + _initialize", "ms");
    let mut next = Row::new("next instance + _initialize (same Module)", "µs");
    let mut real = Row::new(
        "next instance, gojit with its full WASI (gojit::wasi)",
        "µs",
    );
    let mut wall = Row::new("Module::new + first instance (time to first call)", "ms");
    for run in 0..runs {
        let (gm, glin) = {
            let t = Instant::now();
            let m = gojit::Module::new(g.module.engine(), bytes.to_vec()).unwrap();
            (m, t.elapsed())
        };
        let gg = Gojit {
            module: gm,
            linker: gj::linker(false),
        };
        let t = Instant::now();
        drop(gg.instance());
        let gfirst = t.elapsed();
        first.gojit.push(ms(gfirst));
        wall.gojit.push(ms(glin + gfirst));

        let t = Instant::now();
        let wm = wasmtime::Module::new(&w.engine, bytes).unwrap();
        let wlin = t.elapsed();
        let ww = Wasmtime {
            engine: w.engine.clone(),
            module: wm,
            linker: wt::linker(&w.engine),
        };
        let t = Instant::now();
        drop(ww.instance());
        let wfirst = t.elapsed();
        first.wasmtime.push(ms(wfirst));
        wall.wasmtime.push(ms(wlin + wfirst));
        if run > 0 {
            load.gojit.push(ms(glin));
            load.wasmtime.push(ms(wlin));
        }

        if run < 3 {
            let engine = gojit::Engine::new(gojit::Config {
                lazy: false,
                ..gojit::Config::default()
            })
            .unwrap();
            let t = Instant::now();
            let em = gojit::Module::new(&engine, bytes.to_vec()).unwrap();
            let compile = t.elapsed();
            let ge = Gojit {
                module: em,
                linker: gj::linker(false),
            };
            let t = Instant::now();
            drop(ge.instance());
            eager.gojit.push(ms(compile));
            eager_first.gojit.push(ms(t.elapsed()));
        }

        for _ in 0..5 {
            let t = Instant::now();
            drop(g.instance());
            next.gojit.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            drop(w.instance());
            next.wasmtime.push(t.elapsed().as_secs_f64() * 1e6);
            let gr = Gojit {
                module: g.module.clone(),
                linker: gj::linker(true),
            };
            let t = Instant::now();
            drop(gr.instance());
            real.gojit.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    vec![load, wall, first, next, real, eager, eager_first]
}

fn bench_add(g: &Gojit, w: &Wasmtime, runs: usize) -> Row {
    const N: u64 = 2_000_000;
    let mut row = Row::new("`add(i32,i32) i32` called from Rust", "ns/call");
    let (mut gs, gi) = g.instance();
    let gadd = gi
        .get_typed_func::<(i32, i32), i32>(&mut gs, "add")
        .unwrap();
    let (mut ws, wi) = w.instance();
    let wadd = wi
        .get_typed_func::<(i32, i32), i32>(&mut ws, "add")
        .unwrap();
    for i in 0..10_000 {
        assert_eq!(gadd.call(&mut gs, (i, 1)).unwrap(), i + 1);
        assert_eq!(wadd.call(&mut ws, (i, 1)).unwrap(), i + 1);
    }
    for _ in 0..runs {
        let t = Instant::now();
        let mut acc = 0i32;
        for i in 0..N as i32 {
            acc = acc.wrapping_add(gadd.call(&mut gs, (i, 1)).unwrap());
        }
        row.gojit.push(ns_per(t.elapsed(), N));
        std::hint::black_box(acc);
        let t = Instant::now();
        let mut acc = 0i32;
        for i in 0..N as i32 {
            acc = acc.wrapping_add(wadd.call(&mut ws, (i, 1)).unwrap());
        }
        row.wasmtime.push(ns_per(t.elapsed(), N));
        std::hint::black_box(acc);
    }
    row
}

fn bench_host(g: &Gojit, w: &Wasmtime, runs: usize) -> Row {
    const N: i32 = 5_000_000;
    let mut row = Row::new(
        "Go loop calling a trivial host import (`tick`)",
        "ns/import call",
    );
    let (mut gs, gi) = g.instance();
    let gl = gi.get_typed_func::<i32, i64>(&mut gs, "loop_host").unwrap();
    let (mut ws, wi) = w.instance();
    let wl = wi.get_typed_func::<i32, i64>(&mut ws, "loop_host").unwrap();
    assert_eq!(gl.call(&mut gs, 1000).unwrap(), 500);
    assert_eq!(wl.call(&mut ws, 1000).unwrap(), 500);
    for _ in 0..runs {
        let t = Instant::now();
        assert_eq!(gl.call(&mut gs, N).unwrap(), i64::from(N / 2));
        row.gojit.push(ns_per(t.elapsed(), N as u64));
        let t = Instant::now();
        assert_eq!(wl.call(&mut ws, N).unwrap(), i64::from(N / 2));
        row.wasmtime.push(ns_per(t.elapsed(), N as u64));
    }
    row
}

fn bench_seed(g: &Gojit, w: &Wasmtime, runs: usize) -> Vec<Row> {
    const N: i32 = 200_000;
    let mut go_mode = Row::new(
        "seed `process(v)`, Go mode (consumer runs when the buffer fills)",
        "ns/call",
    );
    let mut park = Row::new(
        "seed `process(v)`, park-until-idle (consumer ran when it returns)",
        "ns/call",
    );
    let mut extra = Row::new(
        "park-until-idle extra cost (park − Go mode, same engine)",
        "ns/call",
    );
    let mut yld = Row::new(
        "seed `process_yield(v)` (send + runtime.Gosched), Go mode",
        "ns/call",
    );
    for _ in 0..runs {
        // gojit, Go mode and park-until-idle, each on a fresh instance.
        let (mut gs, gi) = g.instance();
        gi.get_typed_func::<(), ()>(&mut gs, "start")
            .unwrap()
            .call(&mut gs, ())
            .unwrap();
        let p = gi.get_typed_func::<i32, ()>(&mut gs, "process").unwrap();
        let t = Instant::now();
        for v in 0..N {
            p.call(&mut gs, v).unwrap();
        }
        let g_go = ns_per(t.elapsed(), N as u64);
        go_mode.gojit.push(g_go);

        let (mut gs, gi) = g.instance();
        gs.set_call_mode(gojit::CallMode::ParkUntilIdle);
        gi.get_typed_func::<(), ()>(&mut gs, "start")
            .unwrap()
            .call(&mut gs, ())
            .unwrap();
        let p = gi.get_typed_func::<i32, ()>(&mut gs, "process").unwrap();
        let t = Instant::now();
        for v in 0..N {
            p.call(&mut gs, v).unwrap();
        }
        let g_park = ns_per(t.elapsed(), N as u64);
        assert_eq!((gs.data().events, gs.data().last_event), (N as u64, N - 1));
        park.gojit.push(g_park);
        extra.gojit.push(g_park - g_go);

        let (mut gs, gi) = g.instance();
        gi.get_typed_func::<(), ()>(&mut gs, "start")
            .unwrap()
            .call(&mut gs, ())
            .unwrap();
        let p = gi
            .get_typed_func::<i32, ()>(&mut gs, "process_yield")
            .unwrap();
        let t = Instant::now();
        for v in 0..N {
            p.call(&mut gs, v).unwrap();
        }
        yld.gojit.push(ns_per(t.elapsed(), N as u64));

        // wasmtime, Go mode (it has no park-until-idle).
        let (mut ws, wi) = w.instance();
        wi.get_typed_func::<(), ()>(&mut ws, "start")
            .unwrap()
            .call(&mut ws, ())
            .unwrap();
        let p = wi.get_typed_func::<i32, ()>(&mut ws, "process").unwrap();
        let t = Instant::now();
        for v in 0..N {
            p.call(&mut ws, v).unwrap();
        }
        go_mode.wasmtime.push(ns_per(t.elapsed(), N as u64));

        let (mut ws, wi) = w.instance();
        wi.get_typed_func::<(), ()>(&mut ws, "start")
            .unwrap()
            .call(&mut ws, ())
            .unwrap();
        let p = wi
            .get_typed_func::<i32, ()>(&mut ws, "process_yield")
            .unwrap();
        let t = Instant::now();
        for v in 0..N {
            p.call(&mut ws, v).unwrap();
        }
        yld.wasmtime.push(ns_per(t.elapsed(), N as u64));
    }
    vec![go_mode, park, extra, yld]
}

/// Private memory of this process (KiB): `Private_Clean + Private_Dirty` of every mapping, plus
/// the page tables (`VmPTE`).
fn private_kib() -> f64 {
    let field = |text: &str, key: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    field(&rollup, "Private_Clean:") + field(&rollup, "Private_Dirty:") + field(&status, "VmPTE:")
}

/// wasmtime's fastest configuration for fresh instances of this module: the pooling allocator
/// (slots reused, no mmap on the hot path), copy-on-write memory images, and `InstancePre`
/// (imports resolved once). wasmtime cannot snapshot a Go reactor, so each instance runs
/// `_initialize`. With `epochs`, epoch interruption is on (deadline far away).
fn wasmtime_pooled(bytes: &[u8], epochs: bool) -> (wasmtime::Engine, wasmtime::InstancePre<Host>) {
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_core_instances(1_200)
        .total_memories(1_200)
        .total_tables(1_200)
        .max_memory_size(256 << 20)
        .table_elements(200_000);
    let mut cfg = wasmtime::Config::new();
    cfg.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool))
        .memory_init_cow(true)
        .epoch_interruption(epochs);
    let engine = wasmtime::Engine::new(&cfg).expect("pooling engine");
    let module = wasmtime::Module::new(&engine, bytes).expect("module");
    let pre = wt::linker(&engine)
        .instantiate_pre(&module)
        .expect("instantiate_pre");
    (engine, pre)
}

/// A fresh initialized wasmtime instance from the pool, and the `add` export.
fn wasmtime_fresh(
    engine: &wasmtime::Engine,
    pre: &wasmtime::InstancePre<Host>,
) -> (wasmtime::Store<Host>, wasmtime::TypedFunc<(i32, i32), i32>) {
    let mut store = wasmtime::Store::new(engine, Host::default());
    store.set_epoch_deadline(u64::MAX / 2);
    let inst = pre.instantiate(&mut store).expect("instance");
    inst.get_typed_func::<(), ()>(&mut store, "_initialize")
        .unwrap()
        .call(&mut store, ())
        .expect("_initialize");
    let add = inst.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
    (store, add)
}

/// A fresh gojit instance from `snap`, and the `add` export.
fn gojit_fresh(
    snap: &gojit::Snapshot,
    linker: &gojit::Linker<Host>,
) -> (gojit::Store<Host>, gojit::TypedFunc<(i32, i32), i32>) {
    let mut store = gojit::Store::new(snap.module().engine(), Host::default());
    let inst = snap.instantiate(&mut store, linker).expect("instance");
    let add = inst
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    (store, add)
}

/// Cycles of (fresh instance, `add`, drop) per second over `threads` threads, `n` each.
fn cycles_per_second(threads: usize, n: usize, cycle: impl Fn(i32) + Sync) -> f64 {
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for i in 0..n {
                    cycle(i as i32);
                }
            });
        }
    });
    (threads * n) as f64 / t.elapsed().as_secs_f64() / 1e3
}

/// The plugin-host rows (issue 15): gojit's instances from a snapshot of the initialized
/// plugin, against wasmtime's fastest configuration (which reruns `_initialize`).
fn bench_plugin_host(bytes: &[u8], g: &Gojit, runs: usize) -> Vec<Row> {
    let mut fresh = Row::new(
        "fresh initialized instance + one `add` call, p50 (gojit: from a snapshot; wasmtime: pooling, CoW, InstancePre, runs _initialize)",
        "µs",
    );
    let mut one = Row::new("instantiate + `add` + drop, 1 thread", "k/s");
    let mut two = Row::new("instantiate + `add` + drop, 2 threads", "k/s");
    let mut private = Row::new(
        "private memory per idle instance, 1,000 live (+ page tables)",
        "KiB",
    );
    let mut add_int = Row::new(
        "`add` from Rust, interruption on, deadline never fires (gojit: deadline; wasmtime: epochs)",
        "ns/call",
    );
    let mut host_int = Row::new(
        "Go loop calling `tick`, interruption on (as above)",
        "ns/import call",
    );

    let snap = {
        let (store, inst) = g.instance();
        gojit::Snapshot::new(&store, inst).expect("snapshot")
    };
    let (wengine, wpre) = wasmtime_pooled(bytes, false);
    // Warm both: code compiled and tiered up, pools filled.
    for i in 0..3_000 {
        let (mut s, add) = gojit_fresh(&snap, &g.linker);
        assert_eq!(add.call(&mut s, (i, 1)).unwrap(), i + 1);
    }
    for i in 0..300 {
        let (mut s, add) = wasmtime_fresh(&wengine, &wpre);
        assert_eq!(add.call(&mut s, (i, 1)).unwrap(), i + 1);
    }
    for _ in 0..runs {
        let mut gt = Vec::with_capacity(2_000);
        for i in 0..2_000 {
            let t = Instant::now();
            let (mut s, add) = gojit_fresh(&snap, &g.linker);
            std::hint::black_box(add.call(&mut s, (i, 1)).unwrap());
            gt.push(t.elapsed().as_secs_f64() * 1e6);
            drop(s);
        }
        fresh.gojit.push(median(&mut gt));
        let mut wt_ = Vec::with_capacity(200);
        for i in 0..200 {
            let t = Instant::now();
            let (mut s, add) = wasmtime_fresh(&wengine, &wpre);
            std::hint::black_box(add.call(&mut s, (i, 1)).unwrap());
            wt_.push(t.elapsed().as_secs_f64() * 1e6);
            drop(s);
        }
        fresh.wasmtime.push(median(&mut wt_));

        let gcycle = |i: i32| {
            let (mut s, add) = gojit_fresh(&snap, &g.linker);
            std::hint::black_box(add.call(&mut s, (i, 1)).unwrap());
        };
        let wcycle = |i: i32| {
            let (mut s, add) = wasmtime_fresh(&wengine, &wpre);
            std::hint::black_box(add.call(&mut s, (i, 1)).unwrap());
        };
        one.gojit.push(cycles_per_second(1, 20_000, gcycle));
        one.wasmtime.push(cycles_per_second(1, 500, wcycle));
        two.gojit.push(cycles_per_second(2, 20_000, gcycle));
        two.wasmtime.push(cycles_per_second(2, 500, wcycle));
    }

    // Private memory of 1,000 live instances (each after one call).
    let before = private_kib();
    let live: Vec<_> = (0..1_000)
        .map(|i| {
            let (mut s, add) = gojit_fresh(&snap, &g.linker);
            add.call(&mut s, (i, 1)).unwrap();
            s
        })
        .collect();
    private.gojit.push((private_kib() - before) / 1e3);
    drop(live);
    let before = private_kib();
    let live: Vec<_> = (0..1_000)
        .map(|i| {
            let (mut s, add) = wasmtime_fresh(&wengine, &wpre);
            add.call(&mut s, (i, 1)).unwrap();
            s
        })
        .collect();
    private.wasmtime.push((private_kib() - before) / 1e3);
    drop(live);

    // Interruption enabled, never firing.
    let ie = gojit::Engine::new(gojit::Config {
        interruptible: true,
        ..gojit::Config::default()
    })
    .unwrap();
    let im = gojit::Module::new(&ie, bytes.to_vec()).unwrap();
    let mut gs = gojit::Store::new(&ie, Host::default());
    gs.set_deadline(Duration::from_secs(3600)).unwrap();
    let gi = gojit::Instance::new(&mut gs, &im, &g.linker).unwrap();
    let gadd = gi
        .get_typed_func::<(i32, i32), i32>(&mut gs, "add")
        .unwrap();
    let gloop = gi.get_typed_func::<i32, i64>(&mut gs, "loop_host").unwrap();
    let (we, wp) = wasmtime_pooled(bytes, true);
    let mut ws = wasmtime::Store::new(&we, Host::default());
    ws.set_epoch_deadline(u64::MAX / 2);
    let wi = wp.instantiate(&mut ws).unwrap();
    wi.get_typed_func::<(), ()>(&mut ws, "_initialize")
        .unwrap()
        .call(&mut ws, ())
        .unwrap();
    let wadd = wi
        .get_typed_func::<(i32, i32), i32>(&mut ws, "add")
        .unwrap();
    let wloop = wi.get_typed_func::<i32, i64>(&mut ws, "loop_host").unwrap();
    for i in 0..10_000 {
        gadd.call(&mut gs, (i, 1)).unwrap();
        wadd.call(&mut ws, (i, 1)).unwrap();
    }
    gloop.call(&mut gs, 100_000).unwrap();
    wloop.call(&mut ws, 100_000).unwrap();
    const N: u64 = 2_000_000;
    for _ in 0..runs {
        let t = Instant::now();
        for i in 0..N as i32 {
            std::hint::black_box(gadd.call(&mut gs, (i, 1)).unwrap());
        }
        add_int.gojit.push(ns_per(t.elapsed(), N));
        let t = Instant::now();
        for i in 0..N as i32 {
            std::hint::black_box(wadd.call(&mut ws, (i, 1)).unwrap());
        }
        add_int.wasmtime.push(ns_per(t.elapsed(), N));
        let t = Instant::now();
        gloop.call(&mut gs, 5_000_000).unwrap();
        host_int.gojit.push(ns_per(t.elapsed(), 5_000_000));
        let t = Instant::now();
        wloop.call(&mut ws, 5_000_000).unwrap();
        host_int.wasmtime.push(ns_per(t.elapsed(), 5_000_000));
    }
    vec![fresh, one, two, private, add_int, host_int]
}
