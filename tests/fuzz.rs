//! Differential fuzzing: generated modules (wasm-smith's, restricted to the features gojit
//! accepts, and Go-shaped ones) run on `wasmi` and on every gojit tier — interpreter, baseline,
//! optimized, OSR, OSR with the background compiler, and the optimizing tier without the Go
//! lowerings — comparing results, trap kinds, linear memory and exported globals after every
//! call (see `differential/fuzz.rs`).
//!
//! `cargo test --release --test fuzz` runs a fixed, seeded slice (about a minute) and the kept
//! regressions. Long runs: `scripts/fuzz.sh --seconds N` (sets `GOJIT_FUZZ_SECONDS`; also
//! `GOJIT_FUZZ_SEED` for the first seed). `GOJIT_FUZZ_TRACE=1` prints each seed before running
//! it; `GOJIT_FUZZ_VERIFY=1` runs Cranelift's verifier on every function. One case:
//! `GOJIT_FUZZ_ONE=go:1234` (or `smith:1234`) runs just that seed and writes the module to
//! `$TMPDIR/gojit-fuzz-case.{wat,wasm}`.

#[path = "differential/fuzz.rs"]
mod fuzz;
#[path = "differential/go_shaped.rs"]
mod go_shaped;
#[expect(
    dead_code,
    reason = "shared with tests/differential.rs, which uses all of it"
)]
#[path = "differential/harness.rs"]
mod harness;
#[path = "differential/smith.rs"]
mod smith;
#[path = "differential/values.rs"]
mod values;

pub use gojit::Trap;

use fuzz::{Planner, Totals, tiers};
use std::time::{Duration, Instant};

/// The generators, by name.
#[derive(Clone, Copy, Debug)]
enum Generator {
    Smith,
    Go,
}

impl Generator {
    fn name(self) -> &'static str {
        match self {
            Generator::Smith => "smith",
            Generator::Go => "go",
        }
    }
}

/// Generates and runs the module of `generator` for `seed`.
fn run_seed(generator: Generator, seed: u64, tiers: &[fuzz::Tier], totals: &mut Totals) {
    let label = format!("{}:{seed}", generator.name());
    match generator {
        Generator::Smith => {
            let Some(wasm) = smith::module(seed) else {
                *totals
                    .skipped
                    .entry("smith (no module)".into())
                    .or_default() += 1;
                return;
            };
            fuzz::run_module(
                "smith",
                &label,
                &wasm,
                seed,
                Planner::Random(12),
                tiers,
                totals,
            );
        }
        Generator::Go => {
            let m = go_shaped::module(seed);
            let wasm = wat::parse_str(&m.wat)
                .unwrap_or_else(|e| panic!("go-shaped generator made bad wat ({label}): {e}"));
            if let Err(e) =
                wasmparser::Validator::new_with_features(gojit_frontend::module::GO_FEATURES)
                    .validate_all(&wasm)
            {
                panic!("go-shaped generator made an invalid module ({label}): {e}");
            }
            fuzz::run_module(
                "go",
                &label,
                &wasm,
                seed,
                Planner::Fixed(&m.plan),
                tiers,
                totals,
            );
        }
    }
}

fn check(totals: &Totals, what: &str) {
    eprintln!("{what}: {}", totals.summary());
    assert!(
        totals.divergences.is_empty(),
        "{what}: {} divergences from wasmi:\n{}",
        totals.divergence_count(),
        totals.divergences.join("\n")
    );
}

/// Modules per generator in the test-suite slice (about a minute in release mode).
const SLICE_SMITH: u64 = 1900;
const SLICE_GO: u64 = 1900;

/// Runs `f` on a thread with a large stack: wasmi's interpreter is recursive in places (and
/// with its tail-call dispatch, deeply so), and a stack overflow would abort the whole process.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("spawn the fuzz thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// The most address space a soak may hold (KiB): engines keep a few pooled memories and stacks
/// per tier (8 GiB reservations each); far more means instances or memories outlive their use.
const ADDRESS_SPACE_BOUND_KIB: u64 = 1 << 30; // 1 TiB

/// The seeded slice, or with `GOJIT_FUZZ_SECONDS` the long soak.
#[test]
fn differential_fuzz() {
    on_big_stack(fuzz_main);
}

fn fuzz_main() {
    let tiers = tiers();
    let mut totals = Totals::default();
    if let Ok(one) = std::env::var("GOJIT_FUZZ_ONE") {
        let (generator, seed) = one.split_once(':').expect("GOJIT_FUZZ_ONE=go:SEED");
        let seed: u64 = seed.parse().expect("seed");
        let generator = if generator == "go" {
            let m = go_shaped::module(seed);
            std::fs::write(std::env::temp_dir().join("gojit-fuzz-case.wat"), &m.wat).ok();
            if let Ok(wasm) = wat::parse_str(&m.wat) {
                std::fs::write(std::env::temp_dir().join("gojit-fuzz-case.wasm"), wasm).ok();
            }
            Generator::Go
        } else {
            if let Some(wasm) = smith::module(seed) {
                if let Ok(wat) = wasmprinter::print_bytes(&wasm) {
                    std::fs::write(std::env::temp_dir().join("gojit-fuzz-case.wat"), wat).ok();
                }
                std::fs::write(std::env::temp_dir().join("gojit-fuzz-case.wasm"), wasm).ok();
            }
            Generator::Smith
        };
        run_seed(generator, seed, &tiers, &mut totals);
        return check(&totals, &one);
    }
    let seconds = std::env::var("GOJIT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    match seconds {
        None => {
            for seed in 0..SLICE_SMITH.max(SLICE_GO) {
                if seed < SLICE_SMITH {
                    run_seed(Generator::Smith, seed, &tiers, &mut totals);
                }
                if seed < SLICE_GO {
                    run_seed(Generator::Go, seed, &tiers, &mut totals);
                }
            }
            eprintln!("slice took {:.1} s", started.elapsed().as_secs_f64());
            check(&totals, "fuzz slice");
        }
        Some(seconds) => {
            let first: u64 = std::env::var("GOJIT_FUZZ_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1_000_000);
            let deadline = started + Duration::from_secs(seconds);
            let mut seed = first;
            let mut last_report = Instant::now();
            let trace = std::env::var_os("GOJIT_FUZZ_TRACE").is_some();
            while Instant::now() < deadline {
                if trace {
                    eprintln!("seed {seed}");
                }
                let before = totals.divergence_count();
                run_seed(Generator::Smith, seed, &tiers, &mut totals);
                run_seed(Generator::Go, seed, &tiers, &mut totals);
                if totals.divergence_count() > before {
                    eprintln!("divergence at seed {seed}:");
                    for d in totals.divergences.iter().rev().take(3) {
                        eprintln!("  {d}");
                    }
                }
                // Address space must stay bounded: a soak once ran a process out of it (128
                // TiB) when dropped modules' memory pools lived on in busy background compilers.
                let vm = if seed.is_multiple_of(64) {
                    fuzz::vm_size_kib()
                } else {
                    0
                };
                if vm > ADDRESS_SPACE_BOUND_KIB {
                    totals.diverge(
                        "soak",
                        format!(
                            "address space at seed {seed}: {} GiB, above the {} GiB bound",
                            vm >> 20,
                            ADDRESS_SPACE_BOUND_KIB >> 20
                        ),
                    );
                    break;
                }
                seed += 1;
                if last_report.elapsed() > Duration::from_secs(60) {
                    last_report = Instant::now();
                    eprintln!(
                        "[{:.0} s] seeds {first}..{seed}: {}",
                        started.elapsed().as_secs_f64(),
                        totals.summary().lines().next().unwrap_or("")
                    );
                }
            }
            eprintln!(
                "FUZZ TOTALS ({seconds} s, seeds {first}..{seed}): {}",
                totals.summary()
            );
            check(&totals, "fuzz soak");
        }
    }
}

/// The kept regressions: `regressions/*.wat` (each with a random plan) and the seeds listed in
/// `regressions/seeds.txt` (`smith N` / `go N` per line, `#` comments).
#[test]
fn regressions() {
    on_big_stack(regressions_main);
}

fn regressions_main() {
    let tiers = tiers();
    let mut totals = Totals::default();
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/regressions");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("regressions directory")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".wat") {
            let wasm = wat::parse_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            for seed in 0..8 {
                fuzz::run_module(
                    "regression",
                    &format!("{name}#{seed}"),
                    &wasm,
                    seed,
                    Planner::Random(24),
                    &tiers,
                    &mut totals,
                );
            }
        } else if name == "seeds.txt" {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (generator, seed) = line.split_once(' ').expect("`smith N` or `go N`");
                let seed: u64 = seed.trim().parse().expect("seed");
                let generator = match generator {
                    "go" => Generator::Go,
                    "smith" => Generator::Smith,
                    other => panic!("unknown generator {other}"),
                };
                run_seed(generator, seed, &tiers, &mut totals);
            }
        }
    }
    check(&totals, "regressions");
}

/// wasmi 2.0.0 (the reference) computes `x - select(1, y, y == 0)` as `x - 1` for y = 3, and a
/// division guard `x % select(1, y, y == 0)` as `x % 1` (found by the fuzzer at seed
/// smith 5000525, where it trapped on a division by zero the guard rules out). The fuzzer skips
/// modules with that shape (`fuzz::select_after_compare`); this checks gojit on it against values
/// worked out by hand, in every tier.
#[test]
fn wasmi_select_after_compare() {
    let wasm = wat::parse_str(
        r#"(module
          (func (export "sub") (param i32 i32) (result i32)
            local.get 0
            i32.const 1 local.get 1 local.get 1 i32.eqz select
            i32.sub)
          (func (export "rem") (param i32 i32) (result i32)
            local.get 0
            i32.const 1 local.get 1 local.get 1 i32.eqz select
            i32.rem_u))"#,
    )
    .unwrap();
    assert!(fuzz::select_after_compare(&wasm));
    for tier in tiers() {
        let engine = tier.engine().unwrap();
        let module = gojit::Module::new(engine, wasm.clone()).unwrap();
        let mut store = gojit::Store::new(engine, ());
        let instance = gojit::Instance::new(&mut store, &module, &gojit::Linker::new()).unwrap();
        let mut call = |f: &str, x: i32, y: i32| {
            let r = instance.call(&mut store, f, &[gojit::Val::I32(x), gojit::Val::I32(y)]);
            match r.unwrap()[..] {
                [gojit::Val::I32(v)] => v,
                ref other => panic!("{other:?}"),
            }
        };
        assert_eq!(call("sub", 100, 3), 97, "{}", tier.name);
        assert_eq!(call("sub", 100, 0), 99, "{}", tier.name);
        assert_eq!(
            call("rem", 0xaaaa_aaaau32 as i32, 0x8000),
            0x2aaa,
            "{}",
            tier.name
        );
        assert_eq!(call("rem", 7, 0), 0, "{}", tier.name);
    }
}
