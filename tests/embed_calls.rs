//! Embedding API: re-entrant calls, failures inside exports (panic, deadlock, trap, exit) and
//! what happens to the instance afterwards, the per-store memory limit, many instances of one
//! module on several threads (one linker serving them all), and `gojit run --invoke`.
//!
//! Fixtures: `tests/go/embed/misc` and `tests/go/embed/cli`, Go reactors built with
//! `-buildmode=c-shared`.

mod common;

use gojit::{
    CallMode, Caller, Config, Engine, Error, HostError, Instance, Linker, Module, Store, Trap, Val,
    wasi,
};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The misc fixture, compiled once and shared by every test (and thread) of this file.
fn module() -> &'static Module {
    static M: OnceLock<Module> = OnceLock::new();
    M.get_or_init(|| {
        let engine = Engine::new(Config::from_env().0).expect("engine");
        Module::new(
            &engine,
            std::fs::read(common::embed_reactor("misc")).expect("read"),
        )
        .expect("module")
    })
}

/// Host state.
struct Host {
    /// The export `call_back` re-enters (`double` gets the argument; others get none).
    target: &'static str,
    /// Errors `caller.call` returned.
    errors: Vec<String>,
    notes: Vec<String>,
    host_calls: u64,
    wasi: wasi::WasiCtx,
}

impl Host {
    /// The state of a store whose guests write their stderr to `stderr`.
    fn new(stderr: &wasi::SharedBuffer) -> Self {
        Host {
            target: "double",
            errors: Vec::new(),
            notes: Vec::new(),
            host_calls: 0,
            wasi: wasi::WasiCtxBuilder::new()
                .arg("misc")
                .stderr(Box::new(stderr.clone()))
                .build(),
        }
    }
}

fn linker() -> Linker<Host> {
    let mut l = Linker::<Host>::new();
    wasi::add_to_linker(&mut l, |h: &mut Host| &mut h.wasi);
    // call_back(v) = target(v) + 1, by a re-entrant export call.
    l.func_wrap("host", "call_back", |c: &mut Caller<'_, Host>, v: i32| {
        c.data_mut().host_calls += 1;
        let target = c.data().target;
        if target == "host_panic" {
            panic!("host function exploded with {v}");
        }
        let args: &[Val] = if target == "double" {
            &[Val::I32(v)]
        } else {
            &[]
        };
        match c.call(target, args) {
            Ok(r) => match r.as_slice() {
                [Val::I32(r)] => r + 1,
                _ => -1000,
            },
            Err(e) => {
                c.data_mut().errors.push(e.to_string());
                -100
            }
        }
    });
    // descend(n) = depth_step(n), by a re-entrant export call.
    l.func_wrap(
        "host",
        "descend",
        |c: &mut Caller<'_, Host>, n: i32| -> Result<i32, HostError> {
            match c.call("depth_step", &[Val::I32(n)]) {
                Ok(r) => match r.as_slice() {
                    [Val::I32(r)] => Ok(*r),
                    r => Err(HostError::Failed(format!("depth_step returned {r:?}"))),
                },
                Err(e) => Err(HostError::Failed(e.to_string())),
            }
        },
    );
    l.func_wrap(
        "host",
        "note",
        |c: &mut Caller<'_, Host>, p: u32, n: u32| {
            let s =
                String::from_utf8_lossy(c.memory().slice(p, n).unwrap_or_default()).into_owned();
            c.data_mut().notes.push(s);
        },
    );
    l
}

struct Guest {
    store: Store<Host>,
    instance: Instance,
    stderr: wasi::SharedBuffer,
}

impl Guest {
    fn new() -> Guest {
        Guest::with_limit(None)
    }

    fn with_limit(pages: Option<u64>) -> Guest {
        let stderr = wasi::SharedBuffer::new();
        let mut store = Store::new(module().engine(), Host::new(&stderr));
        if let Some(p) = pages {
            store.limit_memory_pages(p);
        }
        let instance = Instance::new(&mut store, module(), &linker()).expect("instantiate");
        Guest {
            store,
            instance,
            stderr,
        }
    }

    fn add(&mut self, a: i32, b: i32) -> Result<i32, Error> {
        self.instance
            .get_typed_func::<(i32, i32), i32>(&mut self.store, "add")?
            .call(&mut self.store, (a, b))
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

#[test]
fn reentrant_export_call_from_a_host_function() {
    let mut g = Guest::new();
    let reenter = g
        .instance
        .get_typed_func::<i32, i32>(&mut g.store, "reenter")
        .unwrap();
    // reenter(v) = call_back(v) + 1 = (double(v) + 1) + 1
    assert_eq!(reenter.call(&mut g.store, 20).unwrap(), 42);
    for v in [-7, 0, 1000, i32::MAX / 4, i32::MIN / 2] {
        assert_eq!(reenter.call(&mut g.store, v).unwrap(), 2 * v + 2);
    }
    // Also in park-until-idle mode.
    assert_eq!(
        reenter
            .call_with_mode(&mut g.store, 5, CallMode::ParkUntilIdle)
            .unwrap(),
        12
    );
    assert_eq!(g.store.data().host_calls, 7);
    assert!(g.store.data().errors.is_empty());
    // Deep nesting: export -> import -> export ... 200 levels.
    let deep = g
        .instance
        .get_typed_func::<i32, i32>(&mut g.store, "reenter_deep")
        .unwrap();
    assert_eq!(deep.call(&mut g.store, 200).unwrap(), 200);
    assert_eq!(deep.call(&mut g.store, 3).unwrap(), 3);
    assert_eq!(g.add(2, 3).unwrap(), 5);
}

#[test]
fn reentrant_call_errors_are_returned_to_the_host_function() {
    let mut g = Guest::new();
    g.store.data_mut().target = "no_such_export";
    let reenter = g
        .instance
        .get_typed_func::<i32, i32>(&mut g.store, "reenter")
        .unwrap();
    // call_back answered -100 after caller.call failed; Go adds 1.
    assert_eq!(reenter.call(&mut g.store, 1).unwrap(), -99);
    let errors = &g.store.data().errors;
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("no_such_export"), "{errors:?}");
    // Wrong argument types for the nested call are an error too, not a crash.
    g.store.data_mut().target = "add";
    assert_eq!(reenter.call(&mut g.store, 1).unwrap(), -99);
    assert_eq!(g.store.data().errors.len(), 2);
    // The instance is fine.
    g.store.data_mut().target = "double";
    assert_eq!(reenter.call(&mut g.store, 1).unwrap(), 4);
}

/// A Go panic inside a nested (re-entrant) export stops the whole outer call.
#[test]
fn panic_in_a_nested_export_fails_the_outer_call() {
    let mut g = Guest::new();
    g.store.data_mut().target = "do_panic";
    let err = g
        .instance
        .call(&mut g.store, "reenter", &[Val::I32(1)])
        .unwrap_err();
    assert_eq!(err.trap(), Some(Trap::Unreachable), "{err:?}");
    assert!(
        g.stderr().contains("panic: boom from an export"),
        "stderr: {}",
        g.stderr()
    );
    assert!(
        err.to_string().contains("panic: boom from an export"),
        "{err}"
    );
    let again = g.add(1, 1).unwrap_err();
    assert!(again.to_string().contains("unusable"), "{again}");
}

/// A panicking host function stops the guest with an error naming the import and the panic's
/// message; the panic never unwinds through compiled code (the process goes on), and only that
/// instance becomes unusable.
#[test]
fn panic_in_a_host_function_is_an_error() {
    let mut g = Guest::new();
    let mut other = Guest::new();
    g.store.data_mut().target = "host_panic";
    let err = g
        .instance
        .call(&mut g.store, "reenter", &[Val::I32(5)])
        .unwrap_err();
    assert_eq!(
        err,
        Error::Host("host::call_back panicked: host function exploded with 5".into())
    );
    assert_eq!(g.store.data().host_calls, 1);
    let again = g.add(1, 1).unwrap_err();
    assert!(again.to_string().contains("unusable"), "{again}");
    assert_eq!(other.add(2, 3).unwrap(), 5);
    let reenter = other
        .instance
        .get_typed_func::<i32, i32>(&mut other.store, "reenter")
        .unwrap();
    assert_eq!(reenter.call(&mut other.store, 1).unwrap(), 4);
}

/// Runs `export` on a fresh instance next to a healthy one (same store) and in another store:
/// the call fails with `check`ed error and stderr, the failed instance refuses further calls
/// saying it is unusable, and the other instances are unaffected.
fn failing_export(export: &str, check: impl Fn(&Error, &str)) {
    let stderr = wasi::SharedBuffer::new();
    // Both instances share the store's WASI context, so its stderr; only the victim writes.
    let mut store = Store::new(module().engine(), Host::new(&stderr));
    let healthy = Instance::new(&mut store, module(), &linker()).unwrap();
    let victim = Instance::new(&mut store, module(), &linker()).unwrap();
    let mut other = Guest::new();
    assert_eq!(
        victim
            .call(&mut store, "add", &[Val::I32(1), Val::I32(2)])
            .unwrap(),
        [Val::I32(3)]
    );

    let err = victim.call(&mut store, export, &[]).unwrap_err();
    let text = String::from_utf8_lossy(&stderr.contents()).into_owned();
    check(&err, &text);

    for _ in 0..2 {
        let again = victim
            .call(&mut store, "add", &[Val::I32(1), Val::I32(2)])
            .unwrap_err();
        assert!(
            matches!(&again, Error::Call(m) if m.contains("unusable")),
            "{export}: the next call must say the instance is unusable, got {again:?}"
        );
    }
    let typed = victim
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    assert!(typed.call(&mut store, (1, 2)).is_err());

    let add = healthy
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (20, 22)).unwrap(), 42);
    assert_eq!(
        healthy
            .call(&mut store, "reenter", &[Val::I32(20)])
            .unwrap(),
        [Val::I32(42)]
    );
    assert_eq!(other.add(5, 6).unwrap(), 11);
    // A new instance in the same store works as well.
    let fresh = Instance::new(&mut store, module(), &linker()).unwrap();
    assert_eq!(
        fresh
            .call(&mut store, "add", &[Val::I32(1), Val::I32(1)])
            .unwrap(),
        [Val::I32(2)]
    );
}

#[test]
fn panic_in_export() {
    failing_export("do_panic", |err, stderr| {
        assert_eq!(err.trap(), Some(Trap::Unreachable), "{err:?}");
        assert!(
            stderr.starts_with("panic: boom from an export\n"),
            "stderr: {stderr}"
        );
        assert!(stderr.contains("main.doPanic"), "traceback: {stderr}");
        // The error carries Go's message and traceback (what the call wrote to stderr) and the
        // trap, and its Display shows both.
        assert_eq!(err.stderr(), Some(stderr), "{err:?}");
        assert!(
            matches!(
                err.root(),
                Error::Trap {
                    trap: Trap::Unreachable,
                    func: Some(_)
                }
            ),
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with(&err.root().to_string()),
            "the trap comes first: {shown}"
        );
        assert!(shown.contains("panic: boom from an export"), "{shown}");
        assert!(shown.contains("main.doPanic"), "{shown}");
    });
}

/// A Go panic in a command's `_start` is exit status 2; the error carries Go's message.
#[test]
fn panic_in_start_carries_gos_message() {
    let wasm = common::build_go(
        &common::repo_root().join("tests/go/progs"),
        "wasip1",
        "wasm",
        &[],
        "progs.wasm",
    );
    let module = Module::new(module().engine(), std::fs::read(wasm).unwrap()).unwrap();
    let stderr = wasi::SharedBuffer::new();
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
    let ctx = wasi::WasiCtxBuilder::new()
        .args(["progs", "panic"])
        .stdout(Box::new(wasi::SharedBuffer::new()))
        .stderr(Box::new(stderr.clone()))
        .build();
    let mut store = Store::new(module.engine(), ctx);
    let instance = Instance::new(&mut store, &module, &linker).unwrap();
    let err = instance.call(&mut store, "_start", &[]).unwrap_err();
    assert_eq!(err.exit_code(), Some(2), "{err:?}");
    assert_eq!(err.root(), &Error::Exit(2));
    let text = String::from_utf8_lossy(&stderr.contents()).into_owned();
    assert!(
        text.contains("panic: something went wrong: 42"),
        "the text still reaches the guest's stderr: {text}"
    );
    assert_eq!(err.stderr(), Some(text.as_str()));
    let shown = err.to_string();
    assert!(shown.starts_with("exited with status 2"), "{shown}");
    assert!(shown.contains("stderr line before the panic"), "{shown}");
    assert!(shown.contains("panic: something went wrong: 42"), "{shown}");
    assert!(shown.contains("goroutine 1 [running]"), "{shown}");
}

/// A successful exit and a failure that printed nothing carry no stderr text.
#[test]
fn errors_without_guest_output_are_unchanged() {
    failing_export("oob", |err, stderr| {
        assert_eq!(stderr, "");
        assert_eq!(err.stderr(), None);
        assert_eq!(err.root(), err);
    });
}

#[test]
fn deadlock_select_in_export() {
    failing_export("deadlock", |err, stderr| {
        assert_eq!(err.trap(), Some(Trap::Unreachable), "{err:?}");
        assert!(
            stderr.contains("fatal error: all goroutines are asleep - deadlock!"),
            "stderr: {stderr}"
        );
        assert!(
            err.to_string()
                .contains("fatal error: all goroutines are asleep - deadlock!"),
            "{err}"
        );
    });
}

#[test]
fn deadlock_channel_in_export() {
    failing_export("block_forever", |err, stderr| {
        assert_eq!(err.trap(), Some(Trap::Unreachable), "{err:?}");
        assert!(
            stderr.contains("fatal error: all goroutines are asleep - deadlock!"),
            "stderr: {stderr}"
        );
        assert!(stderr.contains("main.blockForever"), "traceback: {stderr}");
    });
}

#[test]
fn out_of_bounds_access_in_export() {
    failing_export("oob", |err, _| {
        assert_eq!(err.trap(), Some(Trap::MemoryOutOfBounds), "{err:?}");
        assert!(
            matches!(err, Error::Trap { func: Some(f), .. } if f.contains("main.oob")),
            "the trap names the function: {err:?}"
        );
    });
}

#[test]
fn os_exit_in_export() {
    failing_export("exit3", |err, _| {
        assert_eq!(err, &Error::Exit(3));
    });
}

#[test]
fn memory_limit_makes_go_report_out_of_memory() {
    let min = module().memory_min_pages().expect("memory");
    // Without a limit, 64 MiB are fine.
    let mut g = Guest::new();
    let alloc = |g: &mut Guest, n: i32| {
        g.instance
            .get_typed_func::<i32, i32>(&mut g.store, "alloc_mib")
            .unwrap()
            .call(&mut g.store, n)
    };
    assert_eq!(alloc(&mut g, 64).unwrap(), 64);

    // With 48 MiB more than the initial memory: a little works, a lot is out of memory.
    let limit = min + 48 * 16;
    let mut g = Guest::with_limit(Some(limit));
    assert_eq!(alloc(&mut g, 4).unwrap(), 4);
    let err = alloc(&mut g, 1000).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::Unreachable), "{err:?}");
    let stderr = g.stderr();
    eprintln!("{}", stderr.lines().take(3).collect::<Vec<_>>().join("\n"));
    assert!(
        stderr.contains("out of memory"),
        "Go reports out of memory: {stderr}"
    );
    let size = g.instance.memory(&g.store).len() as u64;
    assert!(
        size <= limit * 65536,
        "memory grew past the limit: {size} bytes > {limit} pages"
    );
    let again = g.add(1, 2).unwrap_err();
    assert!(again.to_string().contains("unusable"), "{again}");
    // The limit applies per store: a store without one is unaffected.
    let mut other = Guest::new();
    assert_eq!(alloc(&mut other, 100).unwrap(), 100);
}

/// One `Linker` (WASI and a host function), built once and shared by 4 threads that instantiate
/// from it at the same time: each store has its own WASI arguments and captured stdout, and
/// each instance sees only its own.
#[test]
fn one_linker_serves_four_threads_each_with_its_own_wasi() {
    struct State {
        wasi: wasi::WasiCtx,
        host_calls: u32,
    }
    let wasm = common::build_go(
        &common::repo_root().join("tests/go/progs"),
        "wasip1",
        "wasm",
        &[],
        "progs.wasm",
    );
    let module = Module::new(module().engine(), std::fs::read(wasm).unwrap()).unwrap();
    let mut linker = Linker::<State>::new();
    wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi);
    linker.func_wrap("host", "unused", |c: &mut Caller<'_, State>, v: i32| {
        c.data_mut().host_calls += 1;
        v
    });
    let linker = &linker;
    let module = &module;
    let barrier = &std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                s.spawn(move || {
                    let stdout = wasi::SharedBuffer::new();
                    let wasi = wasi::WasiCtxBuilder::new()
                        .args(["progs", "args", &format!("thread-{t}")])
                        .env("GOJIT_A", &format!("value-{t}"))
                        .stdout(Box::new(stdout.clone()))
                        .stderr(Box::new(wasi::SharedBuffer::new()))
                        .build();
                    let mut store = Store::new(
                        module.engine(),
                        State {
                            wasi,
                            host_calls: 0,
                        },
                    );
                    barrier.wait();
                    let instance = Instance::new(&mut store, module, linker).unwrap();
                    match instance.call(&mut store, "_start", &[]) {
                        Ok(_) | Err(Error::Exit(0)) => {}
                        Err(e) => panic!("thread {t}: {e}"),
                    }
                    (t, String::from_utf8_lossy(&stdout.contents()).into_owned())
                })
            })
            .collect();
        for h in handles {
            let (t, out) = h.join().expect("thread panicked");
            // The subtest prints the arguments after its own name.
            assert!(out.contains("argc=1\n"), "thread {t}: {out}");
            assert!(
                out.contains(&format!("arg[0]=\"thread-{t}\"")),
                "thread {t}: {out}"
            );
            assert!(
                out.contains(&format!("lookup GOJIT_A = \"value-{t}\", true")),
                "thread {t}: {out}"
            );
            for other in (0..4).filter(|&o| o != t) {
                assert!(
                    !out.contains(&format!("thread-{other}"))
                        && !out.contains(&format!("value-{other}")),
                    "thread {t} saw thread {other}'s arguments or environment: {out}"
                );
            }
        }
    });
}

/// 8 threads x 1,000 calls, each thread with its own store and instance of one shared module.
#[test]
fn eight_threads_share_one_module() {
    let module = module();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                s.spawn(move || {
                    let stderr = wasi::SharedBuffer::new();
                    let mut store = Store::new(module.engine(), Host::new(&stderr));
                    let inst = Instance::new(&mut store, module, &linker()).unwrap();
                    let add = inst
                        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
                        .unwrap();
                    let reenter = inst
                        .get_typed_func::<i32, i32>(&mut store, "reenter")
                        .unwrap();
                    let alloc = inst
                        .get_typed_func::<i32, i32>(&mut store, "alloc_mib")
                        .unwrap();
                    let free = inst
                        .get_typed_func::<(), ()>(&mut store, "free_all")
                        .unwrap();
                    for i in 0..1000 {
                        match i % 100 {
                            0 => assert_eq!(
                                reenter.call(&mut store, i + t).unwrap(),
                                2 * (i + t) + 2
                            ),
                            50 => {
                                assert_eq!(alloc.call(&mut store, 2).unwrap(), 2);
                                free.call(&mut store, ()).unwrap();
                            }
                            _ => assert_eq!(add.call(&mut store, (i, t)).unwrap(), i + t),
                        }
                    }
                    assert_eq!(store.data().host_calls, 10);
                    assert!(stderr.contents().is_empty());
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
    });
}

/// Runs the gojit CLI with the code cache in `cache` (not the user's, which may hold code from
/// another build of gojit).
fn gojit_cached(cache: &std::path::Path, args: &[&str]) -> common::Output {
    let mut cmd = Command::new(common::engine());
    cmd.args(args).env("GOJIT_CACHE_DIR", cache);
    common::run(cmd, None, common::run_timeout())
}

/// Runs the gojit CLI with a cache directory shared by this test binary.
fn gojit(args: &[&str]) -> common::Output {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    gojit_cached(
        CACHE.get_or_init(|| common::scratch_dir("embed-cli-cache")),
        args,
    )
}

#[test]
fn cli_invoke() {
    let wasm = common::embed_reactor("cli");
    let wasm = wasm.to_str().unwrap();
    let out = gojit(&["run", "--invoke", "add", wasm, "2", "3"]);
    assert_eq!(
        (out.code, out.stdout_str().as_str()),
        (Some(0), "5\n"),
        "{}",
        out.describe()
    );
    let out = gojit(&["run", "--invoke", "add", wasm, "-2", "4294967295"]);
    assert_eq!(out.stdout_str(), "-3\n", "{}", out.describe());
    let out = gojit(&["run", "--invoke", "add64", wasm, "9223372036854775807", "1"]);
    assert_eq!(
        out.stdout_str(),
        "-9223372036854775808\n",
        "{}",
        out.describe()
    );
    let out = gojit(&["run", "--invoke", "half", wasm, "5"]);
    assert_eq!(out.stdout_str(), "2.5\n", "{}", out.describe());
    let out = gojit(&["run", "--invoke", "hello", wasm]);
    assert_eq!(
        (out.code, out.stdout_str().as_str()),
        (Some(0), "hello from an export\n"),
        "{}",
        out.describe()
    );
    // Go mode: the goroutine has not run when the export returns; park-until-idle: it has.
    let out = gojit(&["run", "--invoke", "spawn_print", wasm]);
    assert_eq!(out.stdout_str(), "7\n", "{}", out.describe());
    let out = gojit(&["run", "--invoke", "spawn_print", "--park-until-idle", wasm]);
    assert_eq!(
        out.stdout_str(),
        "hello from a goroutine\n7\n",
        "{}",
        out.describe()
    );
    // Errors: a panic traps (134), a missing export or bad arguments are usage errors (1).
    // (A cold cache: see `cli_invoke_trap_with_warm_cache` for the warm one.)
    let out = gojit_cached(
        &common::scratch_dir("embed-cli-cold"),
        &["run", "--invoke", "boom", wasm],
    );
    assert_eq!(out.code, Some(134), "{}", out.describe());
    assert!(
        out.stderr_str().contains("panic: boom"),
        "{}",
        out.describe()
    );
    let out = gojit(&["run", "--invoke", "nope", wasm]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr_str().contains("nope"), "{}", out.describe());
    let out = gojit(&["run", "--invoke", "add", wasm, "2"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let out = gojit(&["run", "--invoke", "add", wasm, "2", "x"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
}

/// A trap in an export after an earlier run of the same module filled the code cache.
#[test]
fn cli_invoke_trap_with_warm_cache() {
    let wasm = common::embed_reactor("cli");
    let wasm = wasm.to_str().unwrap();
    let cache = common::scratch_dir("embed-cli-warm");
    // The first run of a module only marks it as seen; the second fills the cache.
    for _ in 0..2 {
        let out = gojit_cached(&cache, &["run", "--invoke", "add", wasm, "2", "3"]);
        assert_eq!(out.stdout_str(), "5\n", "{}", out.describe());
    }
    let out = gojit_cached(&cache, &["run", "--invoke", "boom", wasm]);
    assert_eq!(out.code, Some(134), "{}", out.describe());
    assert!(
        out.stderr_str().contains("panic: boom"),
        "{}",
        out.describe()
    );
}

/// The example plugin imports host functions the CLI does not provide: `--invoke` reports the
/// unknown import instead of running.
#[test]
fn cli_invoke_needs_all_imports() {
    let plugin = common::repo_root().join("examples/plugin/plugin.wasm");
    let out = gojit(&["run", "--invoke", "add", plugin.to_str().unwrap(), "2", "3"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr_str().contains("unknown import host::"),
        "{}",
        out.describe()
    );
}

/// At a module's second instance, what the first one only interpreted (Go's `_initialize`) is
/// compiled in the background, so that later instances run their start-up compiled.
#[test]
fn second_instance_compiles_what_the_first_interpreted() {
    let engine = Engine::new(Config {
        lazy: true,
        tiers: gojit::Tiers::Both,
        interpreter_budget: Some(1000),
        background_compile: true,
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine");
    let module = Module::new(
        &engine,
        std::fs::read(common::embed_reactor("misc")).expect("read"),
    )
    .expect("module");
    let linker = linker();
    let instantiate = || {
        let stderr = wasi::SharedBuffer::new();
        let mut store = Store::new(&engine, Host::new(&stderr));
        let instance = Instance::new(&mut store, &module, &linker).expect("instantiate");
        let add = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "add")
            .expect("add");
        assert_eq!(add.call(&mut store, (2, 3)).expect("add"), 5);
    };
    instantiate();
    let after_first = module.compile_stats();
    assert!(
        after_first.interpreted > 100,
        "the first instance interpreted its start-up: {after_first:?}"
    );
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return; // no background compiler thread on one core
    }
    instantiate();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = module.compile_stats();
        // Most of what the first instance interpreted is compiled (a few functions were
        // compiled during the first instance already: they got hot).
        if s.functions >= after_first.functions + after_first.interpreted / 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not compiled after 60 s: {s:?} (after the first instance: {after_first:?})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    instantiate();
}
