//! Per-store and per-snapshot limits (issue 15): the guest stack, linear memory (a Go plugin at
//! its cap fails with Go's own out-of-memory error, and the host goes on), and how many
//! instances of a snapshot may live at once.

mod common;

use gojit::{
    Caller, Config, Engine, Instance, Linker, MIN_STACK_BYTES, Module, Snapshot, Store, Trap, Val,
    wasi,
};

const RECURSE: &str = r#"
(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))
"#;

#[test]
fn a_store_can_allow_less_stack_than_the_engine() {
    let engine = Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(&engine, wat::parse_str(RECURSE).expect("wat")).expect("module");
    let depth = Val::I32(200_000);

    let mut roomy = Store::new(&engine, ());
    let i = Instance::new(&mut roomy, &module, &Linker::new()).expect("instance");
    assert_eq!(
        i.call(&mut roomy, "down", &[depth]).expect("deep"),
        vec![depth]
    );

    let mut tight = Store::new(&engine, ());
    tight.limit_stack_bytes(MIN_STACK_BYTES).expect("limit");
    let i = Instance::new(&mut tight, &module, &Linker::new()).expect("instance");
    let err = i
        .call(&mut tight, "down", &[depth])
        .expect_err("200,000 frames in 2 MiB");
    assert_eq!(err.trap(), Some(Trap::StackOverflow), "{err}");
    // Shallow calls still work in a new instance of the tight store.
    let i = Instance::new(&mut tight, &module, &Linker::new()).expect("instance");
    assert_eq!(
        i.call(&mut tight, "down", &[Val::I32(1000)])
            .expect("shallow"),
        vec![Val::I32(1000)]
    );

    for bad in [MIN_STACK_BYTES - 1, engine.config().max_stack_bytes + 1] {
        let err = tight.limit_stack_bytes(bad).expect_err("out of range");
        assert!(matches!(err, gojit::Error::Config(_)), "{err}");
    }
}

#[derive(Default)]
struct Host {
    wasi: wasi::WasiCtx,
}

fn plugin_linker() -> Linker<Host> {
    let mut l = Linker::<Host>::new();
    l.func_wrap("host", "on_event", |_: &mut Caller<'_, Host>, _: i32| {});
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

#[test]
fn a_go_plugin_at_its_memory_cap_gets_go_out_of_memory_and_the_host_goes_on() {
    let engine = Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine");
    let module = plugin(&engine);
    let linker = plugin_linker();
    let stderr = wasi::SharedBuffer::new();
    let ctx = wasi::WasiCtxBuilder::new()
        .stderr(Box::new(stderr.clone()))
        .build();
    let mut store = Store::new(&engine, Host { wasi: ctx });
    store.limit_memory_pages(256); // 16 MiB
    let instance = Instance::new(&mut store, &module, &linker).expect("instance");
    let alloc = instance
        .get_typed_func::<i32, i32>(&mut store, "alloc")
        .expect("alloc");
    alloc.call(&mut store, 1 << 20).expect("1 MiB fits");
    let err = alloc
        .call(&mut store, 64 << 20)
        .expect_err("64 MiB does not fit in 16");
    let said = String::from_utf8_lossy(&stderr.contents()).into_owned();
    assert!(
        said.contains("out of memory"),
        "Go did not report out of memory: {err}\n{said}"
    );
    // The host and the engine go on: a new store runs the plugin normally.
    let mut other = Store::new(&engine, Host::default());
    let i = Instance::new(&mut other, &module, &linker).expect("instance");
    assert_eq!(
        i.call(&mut other, "add", &[Val::I32(2), Val::I32(3)])
            .expect("add"),
        vec![Val::I32(5)]
    );
}

#[test]
fn a_snapshot_limits_its_live_instances() {
    let engine = Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine");
    let linker = plugin_linker();
    let mut store = Store::new(&engine, Host::default());
    let first = Instance::new(&mut store, &plugin(&engine), &linker).expect("instance");
    let snap = Snapshot::new(&store, first).expect("snapshot");
    snap.limit_instances(2);
    let mut a = Store::new(&engine, Host::default());
    snap.instantiate(&mut a, &linker).expect("first");
    let mut b = Store::new(&engine, Host::default());
    snap.instantiate(&mut b, &linker).expect("second");
    let mut c = Store::new(&engine, Host::default());
    let err = snap
        .instantiate(&mut c, &linker)
        .expect_err("a third live instance");
    assert!(err.to_string().contains("limit of 2"), "{err}");
    drop(a);
    snap.instantiate(&mut c, &linker)
        .expect("after one was dropped");
}

/// `gojit run --max-memory`: a Go program that allocates without end gets Go's own
/// out-of-memory error at the limit; a limit beyond wasm32's 4 GiB is refused.
#[test]
fn the_cli_bounds_linear_memory() {
    let wasm = common::build_go(
        &common::repo_root().join("tests/go/interrupt"),
        "wasip1",
        "wasm",
        &[],
        "interrupt.wasm",
    );
    let run = |limit: &str| {
        let mut c = std::process::Command::new(common::engine());
        c.arg("run")
            .arg(format!("--max-memory={limit}"))
            .arg(&wasm)
            .arg("oom");
        common::run(c, None, common::run_timeout())
    };
    let out = run("64MiB");
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr_str().contains("fatal error: out of memory"),
        "{}",
        out.describe()
    );
    let out = run("5GiB");
    assert_ne!(out.code, Some(0), "{}", out.describe());
    assert!(out.stderr_str().contains("4 GiB"), "{}", out.describe());
}
