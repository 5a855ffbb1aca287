//! End-to-end checks of the runtime on small hand-written modules: calls, traps, memory growth,
//! host functions, lazy and eager compilation.

use gojit_runtime::{Config, Engine, Error, Instance, Linker, Module, Store, Trap, Val, ValType};

/// A store holding one instance of `wat`, with the instance.
fn instance(wat: &str, lazy: bool) -> (Store<()>, Instance) {
    // A small guest stack keeps the stack-exhaustion test fast (it touches the whole stack).
    let config = Config {
        lazy,
        verify: true,
        max_stack_bytes: 64 << 20,
        ..Config::from_env().0
    };
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &Linker::new()).unwrap();
    (store, i)
}

const MODULE: &str = r#"
(module
  (memory 1 3)
  (table 4 funcref)
  (elem (i32.const 1) $add $fac)
  (type $bin (func (param i32 i32) (result i32)))
  (global $g (mut i64) (i64.const 5))
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "indirect") (param i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 call_indirect (type $bin))
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "crash") unreachable)
  (func (export "glob") (result i64) global.get $g i64.const 1 i64.add global.set $g global.get $g)
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $deep i32.const 1 i32.add end)
  (func (export "forever") (param i32) (result i32) local.get 0 call $deep local.get 0 i32.add call $inf)
  (func $inf (param i32) (result i32) local.get 0 call $inf)
  (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
)"#;

#[test]
fn calls_and_results() {
    for lazy in [true, false] {
        let (mut s, i) = instance(MODULE, lazy);
        assert_eq!(
            i.call(&mut s, "add", &[Val::I32(2), Val::I32(40)]).unwrap(),
            vec![Val::I32(42)]
        );
        assert_eq!(
            i.call(&mut s, "fac", &[Val::I64(20)]).unwrap(),
            vec![Val::I64(2_432_902_008_176_640_000)]
        );
        assert_eq!(
            i.call(&mut s, "indirect", &[Val::I32(3), Val::I32(4), Val::I32(1)])
                .unwrap(),
            vec![Val::I32(7)]
        );
        assert_eq!(i.call(&mut s, "glob", &[]).unwrap(), vec![Val::I64(6)]);
        assert_eq!(i.call(&mut s, "glob", &[]).unwrap(), vec![Val::I64(7)]);
        assert_eq!(i.call(&mut s, "size", &[]).unwrap(), vec![Val::I32(1)]);
        assert_eq!(
            i.call(&mut s, "grow", &[Val::I32(2)]).unwrap(),
            vec![Val::I32(1)]
        );
        assert_eq!(
            i.call(&mut s, "grow", &[Val::I32(1)]).unwrap(),
            vec![Val::I32(-1)]
        );
        assert_eq!(
            i.call(&mut s, "load", &[Val::I32(3 * 65536 - 4)]).unwrap(),
            vec![Val::I32(0)]
        );
        assert_eq!(
            i.call(&mut s, "deep", &[Val::I32(100_000)]).unwrap(),
            vec![Val::I32(100_000)]
        );
    }
}

fn trap_of(export: &str, args: &[Val]) -> Error {
    let (mut s, i) = instance(MODULE, true);
    i.call(&mut s, export, args).unwrap_err()
}

#[test]
fn traps_name_the_trap_and_function() {
    let e = trap_of("div", &[Val::I32(1), Val::I32(0)]);
    assert_eq!(e.trap(), Some(Trap::IntegerDivisionByZero), "{e}");
    let e = trap_of("div", &[Val::I32(i32::MIN), Val::I32(-1)]);
    assert_eq!(e.trap(), Some(Trap::IntegerOverflow), "{e}");
    let e = trap_of("load", &[Val::I32(65536 - 3)]);
    assert_eq!(e.trap(), Some(Trap::MemoryOutOfBounds), "{e}");
    let e = trap_of("load", &[Val::I32(-1)]);
    assert_eq!(e.trap(), Some(Trap::MemoryOutOfBounds), "{e}");
    let e = trap_of("crash", &[]);
    assert_eq!(e.trap(), Some(Trap::Unreachable), "{e}");
    assert_eq!(
        e,
        Error::Trap {
            trap: Trap::Unreachable,
            func: Some("crash".into())
        }
    );
    let e = trap_of("indirect", &[Val::I32(1), Val::I32(2), Val::I32(0)]);
    assert_eq!(e.trap(), Some(Trap::IndirectCallToNull), "{e}");
    let e = trap_of("indirect", &[Val::I32(1), Val::I32(2), Val::I32(2)]);
    assert_eq!(e.trap(), Some(Trap::BadSignature), "{e}");
    let e = trap_of("indirect", &[Val::I32(1), Val::I32(2), Val::I32(4)]);
    assert_eq!(e.trap(), Some(Trap::TableOutOfBounds), "{e}");
    let e = trap_of("copy", &[Val::I32(0), Val::I32(65530), Val::I32(7)]);
    assert_eq!(e.trap(), Some(Trap::MemoryOutOfBounds), "{e}");
}

#[test]
fn stack_exhaustion_is_a_trap_and_poisons() {
    let (mut s, i) = instance(MODULE, true);
    let e = i.call(&mut s, "forever", &[Val::I32(10)]).unwrap_err();
    assert_eq!(e.trap(), Some(Trap::StackOverflow), "{e}");
    assert!(matches!(
        i.call(&mut s, "add", &[Val::I32(1), Val::I32(1)]),
        Err(Error::Call(_))
    ));
}

#[test]
fn usable_after_trap_keeps_the_instance_and_its_state() {
    for lazy in [true, false] {
        let config = Config {
            lazy,
            usable_after_trap: true,
            ..Config::from_env().0
        };
        let engine = Engine::new(config).unwrap();
        let module = Module::new(&engine, wat::parse_str(MODULE).unwrap()).unwrap();
        let mut s = Store::new(&engine, ());
        let i = Instance::new(&mut s, &module, &Linker::new()).unwrap();
        assert_eq!(i.call(&mut s, "glob", &[]).unwrap(), vec![Val::I64(6)]);
        let e = i.call(&mut s, "crash", &[]).unwrap_err();
        assert_eq!(e.trap(), Some(Trap::Unreachable), "{e}");
        let e = i
            .call(&mut s, "div", &[Val::I32(1), Val::I32(0)])
            .unwrap_err();
        assert_eq!(e.trap(), Some(Trap::IntegerDivisionByZero), "{e}");
        // The global kept its value across the traps.
        assert_eq!(i.call(&mut s, "glob", &[]).unwrap(), vec![Val::I64(7)]);
    }
}

#[test]
fn exported_globals_read_back() {
    let (mut s, i) = instance(
        r#"(module
          (global $a (export "a") (mut i32) (i32.const -3))
          (global (export "b") f64 (f64.const 2.5))
          (global $c (mut i64) (i64.const 0))
          (func (export "set") (param i32) local.get 0 global.set $a))"#,
        true,
    );
    assert_eq!(i.global(&s, "a"), Some(Val::I32(-3)));
    assert_eq!(i.global(&s, "b"), Some(Val::F64(2.5f64.to_bits())));
    assert_eq!(i.global(&s, "c"), None, "not exported");
    assert_eq!(i.global(&s, "set"), None, "a function");
    i.call(&mut s, "set", &[Val::I32(41)]).unwrap();
    assert_eq!(i.global(&s, "a"), Some(Val::I32(41)));
}

#[test]
fn host_functions_and_exit() {
    let engine = Engine::new(Config::from_env().0).unwrap();
    let wat = r#"(module
        (import "env" "double" (func $double (param i64) (result i64)))
        (import "env" "exit" (func $exit (param i32)))
        (memory 1)
        (func (export "run") (param i64) (result i64) local.get 0 call $double)
        (func (export "quit") i32.const 7 call $exit unreachable))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut linker = Linker::new();
    linker.define(
        "env",
        "double",
        &[ValType::I64],
        &[ValType::I64],
        |caller, args| {
            caller.memory().write_u64(8, args[0]).unwrap();
            args[0] = args[0].wrapping_mul(2);
            Ok(())
        },
    );
    linker.define("env", "exit", &[ValType::I32], &[], |_, args| {
        Err(gojit_runtime::HostError::Exit(args[0] as i32))
    });
    let mut s = Store::new(&engine, ());
    let i = Instance::new(&mut s, &module, &linker).unwrap();
    assert_eq!(
        i.call(&mut s, "run", &[Val::I64(21)]).unwrap(),
        vec![Val::I64(42)]
    );
    assert_eq!(&i.memory(&s)[8..16], &21u64.to_le_bytes());
    assert_eq!(i.call(&mut s, "quit", &[]).unwrap_err(), Error::Exit(7));

    let err = Instance::new(&mut s, &module, &Linker::new())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "unknown import env::double");
}

fn module_engine(m: &Module) -> &Engine {
    m.engine()
}

#[test]
fn modules_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Module>();
    assert_send_sync::<Engine>();
    let engine = Engine::new(Config::from_env().0).unwrap();
    let module = Module::new(&engine, wat::parse_str(MODULE).unwrap()).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let module = module.clone();
            std::thread::spawn(move || {
                let mut s = Store::new(module_engine(&module), ());
                let i = Instance::new(&mut s, &module, &Linker::new()).unwrap();
                for n in 0..200 {
                    assert_eq!(
                        i.call(&mut s, "add", &[Val::I32(t), Val::I32(n)]).unwrap(),
                        vec![Val::I32(t + n)]
                    );
                }
                assert_eq!(
                    i.call(&mut s, "fac", &[Val::I64(10)]).unwrap(),
                    vec![Val::I64(3_628_800)]
                );
                let e = i.call(&mut s, "crash", &[]).unwrap_err();
                assert_eq!(e.trap(), Some(Trap::Unreachable));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Baseline code that gets hot is recompiled by the optimizing tier and swapped in while the
/// program runs (calls looping in baseline code move over through OSR entries); results stay
/// the same at every point, with the tier-up happening on the background thread or
/// synchronously.
#[test]
fn hot_functions_tier_up_and_keep_their_results() {
    use gojit_runtime::Tiers;
    const HOT: &str = r#"
    (module
      (func $sum (export "sum") (param i32) (result i64)
        (local i64)
        loop $l
          local.get 1 local.get 0 i64.extend_i32_u i64.add local.set 1
          local.get 0 i32.const 1 i32.sub local.tee 0
          br_if $l
        end
        local.get 1)
      (func $twice (export "twice") (param i32) (result i64)
        local.get 0 call $sum local.get 0 call $sum i64.add))"#;
    for background_compile in [true, false] {
        let config = Config {
            // Tiering needs lazy compilation, whatever GOJIT_EAGER says.
            lazy: true,
            tiers: Tiers::Both,
            tier_up_budget: 50,
            background_compile,
            verify: true,
            ..Config::from_env().0
        };
        let engine = Engine::new(config).unwrap();
        let module = Module::new(&engine, wat::parse_str(HOT).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &Linker::new()).unwrap();
        let mut tiered = false;
        // Rounds until both functions were tiered up (and 100 more ran on optimized code), or
        // 20 s: the background thread may get little CPU on a loaded machine.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        for round in 0u32.. {
            if std::time::Instant::now() > deadline {
                break;
            }
            let n = round % 300 + 1;
            let expected = u64::from(n) * u64::from(n + 1);
            assert_eq!(
                i.call(&mut store, "twice", &[Val::I32(n as i32)]).unwrap(),
                vec![Val::I64(expected as i64)],
                "round {round}"
            );
            if module.compile_stats().tiered_up >= 2 {
                tiered = true;
                if round > 100 {
                    break;
                }
            }
            if background_compile && round > 2_000 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        assert!(
            tiered,
            "sum and twice were not tiered up (background: {background_compile}): {:?}",
            module.compile_stats()
        );
        // Without a background thread the OSR entry is compiled as soon as the first long
        // call asks, and that call continues in it.
        if !background_compile {
            assert!(
                module.compile_stats().osr_entries >= 1,
                "{:?}",
                module.compile_stats()
            );
        }
    }
}

/// A loop whose back-edge is a `br_if` moves into its OSR entry only when the branch is
/// taken: the OSR entry resumes at the loop header, so moving over at the exit test (the
/// branch falling through) would run the body once more. For each `n`, a fresh module's
/// budget runs out at a different iteration, the exit test included; every result must be
/// exact.
#[test]
fn osr_at_a_conditional_back_edge_only_when_taken() {
    use gojit_runtime::Tiers;
    const COUNT: &str = r#"
    (module
      (func $count (export "count") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        loop $l
          ;; acc += 3 * i + 1; i += 1; again while i < n
          local.get $acc local.get $i i32.const 3 i32.mul i32.const 1 i32.add i32.add
          local.set $acc
          local.get $i i32.const 1 i32.add local.tee $i
          local.get $n i32.lt_u
          br_if $l
        end
        local.get $acc))"#;
    const BUDGET: u32 = 8;
    let wasm = wat::parse_str(COUNT).unwrap();
    let mut transfers = 0;
    for interpreter_budget in [None, Some(1)] {
        for n in 1..=3 * BUDGET {
            let config = Config {
                // Tiering needs lazy compilation, whatever GOJIT_EAGER says.
                lazy: true,
                tiers: Tiers::Both,
                tier_up_budget: BUDGET,
                background_compile: false,
                verify: true,
                interpreter_budget,
                ..Config::from_env().0
            };
            let engine = Engine::new(config).unwrap();
            let module = Module::new(&engine, wasm.clone()).unwrap();
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &module, &Linker::new()).unwrap();
            // The interpreter (if any) runs the first call; the second runs baseline code.
            for call in 0..2 {
                let expected: u32 = (0..n).map(|k| 3 * k + 1).sum();
                assert_eq!(
                    i.call(&mut store, "count", &[Val::I32(n as i32)]).unwrap(),
                    vec![Val::I32(expected as i32)],
                    "n = {n}, call {call}, interpreter budget {interpreter_budget:?}: {:?}",
                    module.compile_stats()
                );
            }
            transfers += module.compile_stats().osr_transfers;
        }
    }
    assert!(transfers > 0, "no call moved into OSR code");
}

/// A trap in a call that moved into its OSR entry is reported like any other: the trap, and
/// the function by name.
#[test]
fn traps_in_osr_code_name_the_function() {
    // From baseline code, and from the interpreter.
    for interpreter_budget in [None, Some(10)] {
        trap_in_osr_code(interpreter_budget);
    }
}

fn trap_in_osr_code(interpreter_budget: Option<u32>) {
    use gojit_runtime::Tiers;
    const LOOP: &str = r#"
    (module
      (memory 1)
      (func $walk (export "walk") (param i32) (result i32)
        ;; Counts up from the parameter and loads at the counter times 16: in bounds for a
        ;; long while (OSR happens), then out of bounds.
        loop $l
          local.get 0 i32.const 1 i32.add local.set 0
          local.get 0 i32.const 16 i32.mul i32.load drop
          br $l
        end
        unreachable))"#;
    let config = Config {
        // Tiering needs lazy compilation, whatever GOJIT_EAGER says.
        lazy: true,
        tiers: Tiers::Both,
        tier_up_budget: 10,
        background_compile: false,
        verify: true,
        interpreter_budget,
        ..Config::from_env().0
    };
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wat::parse_str(LOOP).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &Linker::new()).unwrap();
    let e = i.call(&mut store, "walk", &[Val::I32(0)]).unwrap_err();
    assert_eq!(e.trap(), Some(Trap::MemoryOutOfBounds), "{e}");
    assert!(e.to_string().contains("walk"), "{e}");
    let stats = module.compile_stats();
    assert!(
        stats.osr_entries == 1 && stats.osr_transfers == 1,
        "the trap must come from the OSR entry ({interpreter_budget:?}): {stats:?}"
    );
    assert_eq!(stats.interpreted, u64::from(interpreter_budget.is_some()));
}
