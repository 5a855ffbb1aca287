//! Fault injection (issue 13): failures inside the runtime's host side must end the guest call
//! with an error, never abort the process, and leave the engine serving other instances.
//!
//! - A host function that panics, or returns an error, at each host call of a Go program in
//!   turn (every call site the program reaches, from Go's runtime start-up to `proc_exit`).
//! - A guest that traps (or a host function that panics) inside a host call inside an export
//!   inside a host call.

mod common;

use gojit::{
    Caller, Config, Engine, Error, HostError, Instance, Linker, Module, Store, Trap, Val, ValType,
    wasi,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn engine() -> Engine {
    Engine::new(Config {
        cache_dir: None,
        ..Config::default()
    })
    .expect("engine")
}

/// What the wrapped host functions do at call number `fail_at` (counting from 1).
#[derive(Clone, Copy, Debug)]
enum Fault {
    Panic,
    Error,
}

/// A linker whose functions for every import of `module` count their calls in `calls` and fail
/// at call `fail_at` as `fault` says; otherwise they run gojit's WASI.
fn faulty_linker(
    module: &Module,
    calls: &Arc<AtomicU64>,
    fail_at: u64,
    fault: Fault,
) -> Linker<wasi::WasiCtx> {
    let mut base = Linker::new();
    wasi::add_to_linker(&mut base, |ctx: &mut wasi::WasiCtx| ctx);
    let mut linker = Linker::new();
    for (m, name) in module.imports() {
        let real = base
            .get(m, name)
            .unwrap_or_else(|| panic!("the test's WASI lacks {m}::{name}"))
            .clone();
        let (params, results) = (real.params().to_vec(), real.results().to_vec());
        let calls = Arc::clone(calls);
        let label = format!("{m}::{name}");
        linker.define(m, name, &params, &results, move |caller, args| {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n == fail_at {
                match fault {
                    Fault::Panic => panic!("injected panic in {label} (call {n})"),
                    Fault::Error => {
                        return Err(HostError::Failed(format!(
                            "injected error in {label} (call {n})"
                        )));
                    }
                }
            }
            real.call_with(caller, args)
        });
    }
    linker
}

fn go_program() -> Vec<u8> {
    let wasm = common::build_go(
        &common::repo_root().join("tests/go/interrupt"),
        "wasip1",
        "wasm",
        &[],
        "interrupt.wasm",
    );
    std::fs::read(wasm).expect("fixture")
}

/// Runs the program's `ok` mode with `linker`; the result of `_start`.
fn run(engine: &Engine, module: &Module, linker: &Linker<wasi::WasiCtx>) -> Result<(), Error> {
    let ctx = wasi::WasiCtxBuilder::new()
        .args(["interrupt", "ok"])
        .stdout(Box::new(wasi::SharedBuffer::new()))
        .stderr(Box::new(wasi::SharedBuffer::new()))
        .build();
    let mut store = Store::new(engine, ctx);
    let instance = Instance::new(&mut store, module, linker)?;
    match instance.call(&mut store, "_start", &[]) {
        Ok(_) | Err(Error::Exit(0)) => Ok(()),
        Err(e) => Err(e),
    }
}

#[test]
fn a_host_function_failing_at_any_call_is_an_error() {
    let engine = engine();
    let module = Module::new(&engine, go_program()).expect("module");
    // A clean run counts the host calls.
    let calls = Arc::new(AtomicU64::new(0));
    run(
        &engine,
        &module,
        &faulty_linker(&module, &calls, 0, Fault::Panic),
    )
    .expect("a clean run");
    let total = calls.load(Ordering::SeqCst);
    assert!(total >= 5, "only {total} host calls");
    for fault in [Fault::Panic, Fault::Error] {
        for k in 1..=total {
            let calls = Arc::new(AtomicU64::new(0));
            let linker = faulty_linker(&module, &calls, k, fault);
            let result = run(&engine, &module, &linker);
            if calls.load(Ordering::SeqCst) < k {
                // Go's runtime makes a timing-dependent number of clock and poll calls: this run
                // ended before the call the fault was set for.
                assert!(result.is_ok(), "{fault:?} at call {k}: {result:?}");
                continue;
            }
            let err = result.expect_err("an injected failure");
            let text = err.to_string();
            assert!(
                matches!(err.root(), Error::Host(_)) && text.contains("injected"),
                "{fault:?} at call {k}: {text}"
            );
            if matches!(fault, Fault::Panic) {
                assert!(text.contains("panicked"), "{fault:?} at call {k}: {text}");
            }
        }
    }
    // The engine still runs the program.
    let calls = Arc::new(AtomicU64::new(0));
    run(
        &engine,
        &module,
        &faulty_linker(&module, &calls, 0, Fault::Panic),
    )
    .expect("a clean run after the faults");
}

/// `outer` calls host `reenter`, which calls export `inner` re-entrantly; `inner` traps
/// (`unreachable`) or calls host `boom`, which panics.
const NESTED: &str = r#"
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "boom" (func $boom (result i32)))
  (func (export "outer") (param i32) (result i32)
    (i32.add (i32.const 1) (call $reenter (local.get 0))))
  (func (export "inner") (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 1)) (then unreachable))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (return (call $boom))))
    (i32.mul (local.get 0) (i32.const 10)))
)
"#;

fn nested_linker() -> Linker<()> {
    let mut l = Linker::new();
    l.define(
        "host",
        "reenter",
        &[ValType::I32],
        &[ValType::I32],
        |caller: &mut Caller<'_, ()>, args: &mut [u64]| {
            let arg = Val::I32(args[0] as i32);
            let r = caller
                .call("inner", &[arg])
                .map_err(|e| HostError::Failed(format!("inner failed: {e}")))?;
            let Val::I32(v) = r[0] else {
                return Err(HostError::Failed("inner returned no i32".into()));
            };
            args[0] = v as u32 as u64;
            Ok(())
        },
    );
    l.func_wrap("host", "boom", |_: &mut Caller<'_, ()>| -> i32 {
        panic!("boom inside a nested call")
    });
    l
}

#[test]
fn a_trap_inside_a_host_call_inside_an_export_inside_a_host_call_is_an_error() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(NESTED).expect("wat")).expect("module");
    let linker = nested_linker();
    let mut store = Store::new(&engine, ());
    let ok = Instance::new(&mut store, &module, &linker).expect("instance");
    assert_eq!(
        ok.call(&mut store, "outer", &[Val::I32(4)])
            .expect("no fault"),
        vec![Val::I32(41)]
    );
    for (arg, want) in [(1, "unreachable"), (2, "boom inside a nested call")] {
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &linker).expect("instance");
        let err = inst
            .call(&mut store, "outer", &[Val::I32(arg)])
            .expect_err("the nested fault");
        assert!(err.to_string().contains(want), "inner({arg}): {err}");
        if arg == 1 {
            assert_eq!(err.trap(), Some(Trap::Unreachable), "{err}");
        }
        // The instance is unusable, the engine and other instances are not.
        assert!(inst.call(&mut store, "outer", &[Val::I32(4)]).is_err());
        assert!(
            ok.call(&mut Store::new(&engine, ()), "outer", &[Val::I32(4)])
                .is_err(),
            "an instance is bound to its store"
        );
        let mut fresh = Store::new(&engine, ());
        let again = Instance::new(&mut fresh, &module, &linker).expect("instance");
        assert_eq!(
            again
                .call(&mut fresh, "outer", &[Val::I32(5)])
                .expect("a fresh instance"),
            vec![Val::I32(51)]
        );
    }
}

/// `f` calls `g` (function 1), which is compiled only when first called (through the table,
/// so that it is not inlined into `f`).
const TWO_FUNCS: &str = r#"
(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $g)
  (func $f (export "f") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call_indirect (type $t) (local.get 0) (i32.const 0)))
      (else (i32.const 7))))
  (func $g (export "g") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
)
"#;

#[test]
fn a_function_that_fails_to_compile_mid_run_is_an_error() {
    let faults = gojit::FaultInjection {
        fail_compile_of: Some(1),
        ..Default::default()
    };
    let base = Config {
        cache_dir: None,
        interpreter_budget: None,
        faults,
        ..Config::default()
    };
    for (tier, config) in [
        ("baseline", base.clone()),
        (
            "optimized",
            Config {
                tiers: gojit::Tiers::Optimized,
                ..base.clone()
            },
        ),
    ] {
        let engine = Engine::new(config).expect("engine");
        let module = Module::new(&engine, wat::parse_str(TWO_FUNCS).expect("wat")).expect("m");
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
        // `f` compiles and runs while it does not call `g`.
        assert_eq!(
            inst.call(&mut store, "f", &[Val::I32(0)]).expect("f(0)"),
            vec![Val::I32(7)],
            "{tier}"
        );
        let err = inst
            .call(&mut store, "f", &[Val::I32(2)])
            .expect_err("g cannot compile");
        assert!(
            err.trap() == Some(Trap::CompileError) || matches!(err, Error::Compile(_)),
            "{tier}: {err}"
        );
        // Another instance of the module still runs what compiles.
        let mut other = Store::new(&engine, ());
        let i2 = Instance::new(&mut other, &module, &Linker::new()).expect("instance");
        assert_eq!(
            i2.call(&mut other, "f", &[Val::I32(0)]).expect("f(0)"),
            vec![Val::I32(7)],
            "{tier}"
        );
    }
    // Eager compilation: the module is refused, naming the function.
    let engine = Engine::new(Config {
        lazy: false,
        ..base
    })
    .expect("engine");
    let err = Module::new(&engine, wat::parse_str(TWO_FUNCS).expect("wat"))
        .err()
        .expect("eager compilation of g fails");
    assert!(err.to_string().contains("injected"), "{err}");
}

#[test]
fn failing_code_memory_is_an_error() {
    let wasm = go_program();
    let mut base = Linker::new();
    wasi::add_to_linker(&mut base, |ctx: &mut wasi::WasiCtx| ctx);
    for after in [0, 1, 2, 5, 20, 100] {
        let engine = Engine::new(Config {
            cache_dir: None,
            interpreter_budget: None,
            faults: gojit::FaultInjection {
                fail_code_memory_after: Some(after),
                ..Default::default()
            },
            ..Config::default()
        })
        .expect("engine");
        let module = Module::new(&engine, wasm.clone()).expect("module");
        let err = run(&engine, &module, &base).expect_err("code memory ran out");
        assert!(
            err.to_string().contains("injected") || err.trap() == Some(Trap::CompileError),
            "after {after} publications: {err}"
        );
    }
    // An engine without the fault runs the program.
    let engine = engine();
    let module = Module::new(&engine, wasm).expect("module");
    run(&engine, &module, &base).expect("a clean run");
}

#[test]
fn a_hot_interpreted_function_runs_on_while_the_background_compiles_it() {
    // `g` runs interpreted for its budget of 10 calls. With a background compiler thread the
    // call that spends the budget queues `g` there and goes on interpreting, as do the next ones
    // while the (here failing) compile is pending; only once `g` has spent three budgets does a
    // call compile it itself, and that compile's error ends the call. Without the thread, the
    // call after the budget compiles at once.
    let background = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    for with_thread in [true, false] {
        let engine = Engine::new(Config {
            cache_dir: None,
            interpreter_budget: Some(10),
            background_compile: with_thread,
            faults: gojit::FaultInjection {
                fail_compile_of: Some(1),
                ..Default::default()
            },
            ..Config::default()
        })
        .expect("engine");
        let module = Module::new(&engine, wat::parse_str(TWO_FUNCS).expect("wat")).expect("m");
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &Linker::new()).expect("instance");
        let mut ran = 0;
        let err = loop {
            match inst.call(&mut store, "g", &[Val::I32(ran)]) {
                Ok(r) => assert_eq!(r, vec![Val::I32(ran * 3)]),
                Err(e) => break e,
            }
            ran += 1;
            assert!(ran < 100, "g never tried to compile");
        };
        assert_eq!(err.trap(), Some(Trap::CompileError), "{err}");
        let expected = if with_thread && background { 30 } else { 10 };
        assert_eq!(
            ran, expected,
            "calls before the compile error (background: {with_thread})"
        );
    }
}
