//! Regression tests for the defects found probing gojit as a hostile user would (issue 13):
//! each failed before its fix.
//!
//! - A `memory.copy` or `memory.fill` whose range ends exactly at 2^32 aborted the host (the
//!   end was computed in `u32` and wrapped), in every tier.
//! - Module loading was quadratic in the number of distinct function types, and rejecting an
//!   invalid module waited for the parse of its valid prefix.
//! - `--max-stack` was not validated (values near `u64::MAX` wrapped to a tiny stack and the host
//!   segfaulted), and the default 4 GiB guest stack let a one-line infinite recursion commit
//!   4.2 GB before it trapped.
//! - `proc_exit(256)` exited 0; a data or element segment out of bounds at instantiation exited
//!   as a link error (1) rather than as a trap (134).
//!
//! `path_readlink` of an absolute symlink (it leaked a host path) is tested with the other WASI
//! path functions (`runtime/src/wasi/path/tests.rs`).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(120);

/// The engine configurations every in-process test runs in: the interpreter, code compiled on
/// first call (baseline tier first), the optimizing tier only, and eager compilation.
fn configs() -> Vec<(&'static str, gojit::Config)> {
    let base = gojit::Config {
        lazy: true,
        cache_dir: None,
        tiers: gojit::Tiers::Both,
        interpreter_budget: None,
        ..gojit::Config::default()
    };
    vec![
        (
            "interpreter",
            gojit::Config {
                interpreter_budget: Some(u32::MAX),
                ..base.clone()
            },
        ),
        ("baseline", base.clone()),
        (
            "optimized",
            gojit::Config {
                tiers: gojit::Tiers::Optimized,
                ..base.clone()
            },
        ),
        (
            "eager",
            gojit::Config {
                lazy: false,
                ..base
            },
        ),
    ]
}

fn call_i32(wat: &str, config: gojit::Config, export: &str, args: &[gojit::Val]) -> gojit::Val {
    let engine = gojit::Engine::new(config).expect("engine");
    let module = gojit::Module::new(&engine, wat::parse_str(wat).expect("wat")).expect("module");
    let mut store = gojit::Store::new(&engine, ());
    let linker = gojit::Linker::new();
    let instance = gojit::Instance::new(&mut store, &module, &linker).expect("instantiate");
    let r = instance.call(&mut store, export, args).expect("call");
    r[0]
}

/// A 4 GiB memory; `fill`/`copy` run the bulk operation and return a byte that shows it ran.
const BULK_AT_TOP: &str = r#"
(module
  (memory 65536)
  ;; fill [0xFFFF0000, 2^32) with 7; return the last byte of memory
  (func (export "fill") (result i32)
    (memory.fill (i32.const 0xFFFF0000) (i32.const 7) (i32.const 0x10000))
    (i32.load8_u (i32.const 0xFFFFFFFF)))
  ;; copy from [0xFFFF0000, 2^32) to 0 after marking its last byte; return byte 0xFFFF
  (func (export "copy_from_top") (result i32)
    (i32.store8 (i32.const 0xFFFFFFFF) (i32.const 9))
    (memory.copy (i32.const 0) (i32.const 0xFFFF0000) (i32.const 0x10000))
    (i32.load8_u (i32.const 0xFFFF)))
  ;; copy to [0xFFFF0000, 2^32) from 0 after marking byte 0xFFFF; return the last byte
  (func (export "copy_to_top") (result i32)
    (i32.store8 (i32.const 0xFFFF) (i32.const 5))
    (memory.copy (i32.const 0xFFFF0000) (i32.const 0) (i32.const 0x10000))
    (i32.load8_u (i32.const 0xFFFFFFFF)))
  ;; one byte past the end: a trap, not a wrap to a small range
  (func (export "fill_past") (result i32)
    (memory.fill (i32.const 0xFFFFFFFF) (i32.const 1) (i32.const 2))
    (i32.const 0))
)
"#;

#[test]
fn bulk_memory_ending_at_4_gib_works_in_every_tier() {
    for (tier, config) in configs() {
        for (export, want) in [("fill", 7), ("copy_from_top", 9), ("copy_to_top", 5)] {
            let got = call_i32(BULK_AT_TOP, config.clone(), export, &[]);
            assert_eq!(got, gojit::Val::I32(want), "{tier}: {export}");
        }
        let engine = gojit::Engine::new(config).expect("engine");
        let module =
            gojit::Module::new(&engine, wat::parse_str(BULK_AT_TOP).expect("wat")).expect("m");
        let mut store = gojit::Store::new(&engine, ());
        let instance =
            gojit::Instance::new(&mut store, &module, &gojit::Linker::new()).expect("instantiate");
        let err = instance
            .call(&mut store, "fill_past", &[])
            .expect_err("fill past the end must trap");
        assert_eq!(
            err.trap(),
            Some(gojit::Trap::MemoryOutOfBounds),
            "{tier}: {err}"
        );
    }
}

fn leb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(body.len() as u64, out);
    out.extend_from_slice(body);
}

/// A module with `n` distinct function types (type `i` takes the binary digits of `i` as i32 and
/// i64 parameters, after a leading f32 so that no two are equal) and one function; `bad_body`
/// makes that function's body invalid (an `i32.add` on an empty stack).
fn many_types(n: u64, bad_body: bool) -> Vec<u8> {
    let mut types = Vec::new();
    leb(n, &mut types);
    for i in 0..n {
        types.push(0x60);
        let bits = 64 - i.leading_zeros() as u64;
        leb(bits + 1, &mut types);
        types.push(0x7d); // f32: the length alone does not tell types apart
        for b in 0..bits {
            types.push(if i >> b & 1 == 1 { 0x7e } else { 0x7f });
        }
        types.push(0x00);
    }
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(1, &types, &mut m);
    section(3, &[1, 0], &mut m); // one function of type 0
    let body: &[u8] = if bad_body {
        &[0x00, 0x6a, 0x0b]
    } else {
        &[0x00, 0x0b]
    };
    let mut code = vec![1];
    leb(body.len() as u64, &mut code);
    code.extend_from_slice(body);
    section(10, &code, &mut m);
    m
}

#[test]
fn loading_is_linear_in_the_number_of_types() {
    let engine = gojit::Engine::new(gojit::Config {
        cache_dir: None,
        ..gojit::Config::default()
    })
    .expect("engine");
    // 100,000 distinct types took ~23 s with a linear search per type.
    let bytes = many_types(100_000, false);
    let started = Instant::now();
    let module = gojit::Module::new(&engine, bytes).expect("a valid module");
    let took = started.elapsed();
    assert_eq!(module.num_functions(), 1);
    assert!(took < Duration::from_secs(3), "loading took {took:?}");

    let bytes = many_types(100_000, true);
    let started = Instant::now();
    let Err(err) = gojit::Module::new(&engine, bytes) else {
        panic!("an invalid body was accepted");
    };
    let took = started.elapsed();
    assert!(
        matches!(err, gojit::Error::Module(_)),
        "not a module error: {err}"
    );
    assert!(took < Duration::from_secs(3), "rejecting took {took:?}");
}

fn scratch_file(name: &str, bytes: &[u8]) -> (PathBuf, PathBuf) {
    let dir = common::scratch_dir(&format!("reliability-{name}"));
    let file = dir.join(name);
    std::fs::write(&file, bytes).expect("write module");
    (dir, file)
}

fn gojit_run(flags: &[&str], file: &std::path::Path) -> common::Output {
    let mut cmd = Command::new(common::engine());
    cmd.arg("run").args(flags).arg(file);
    common::run(cmd, None, TIMEOUT)
}

#[test]
fn invalid_stack_limits_are_a_clear_error() {
    let (dir, file) = scratch_file(
        "start.wasm",
        &wat::parse_str(r#"(module (func (export "_start")))"#).expect("wat"),
    );
    for bad in [
        "18446744073709551615",
        "18446744073709486080",
        "1099511627776",
        "4096",
    ] {
        let out = gojit_run(&["--max-stack", bad], &file);
        let stderr = out.stderr_str();
        assert_eq!(out.code, Some(1), "--max-stack {bad}\n{}", out.describe());
        assert!(
            stderr.starts_with("gojit: error: invalid configuration: max_stack_bytes")
                && stderr.contains(bad),
            "--max-stack {bad}\n{}",
            out.describe()
        );
    }
    let ok = gojit_run(&["--max-stack", "8388608"], &file);
    assert_eq!(ok.code, Some(0), "{}", ok.describe());
    let _ = std::fs::remove_dir_all(dir);

    for bad in [usize::MAX, gojit::MAX_STACK_BYTES + 1, 0] {
        let err = gojit::Engine::new(gojit::Config {
            max_stack_bytes: bad,
            ..gojit::Config::default()
        })
        .err()
        .unwrap_or_else(|| panic!("max_stack_bytes {bad} accepted"));
        assert!(matches!(err, gojit::Error::Config(_)), "{err}");
    }
}

/// Peak RSS of the largest child this process has waited for, in bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage writes only into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn infinite_recursion_traps_within_bounded_time_and_memory() {
    let (dir, file) = scratch_file(
        "recurse.wasm",
        &wat::parse_str(
            r#"(module (memory 1) (func $f (call $f)) (func (export "_start") (call $f)))"#,
        )
        .expect("wat"),
    );
    let out = gojit_run(&["--no-cache"], &file);
    assert_eq!(out.code, Some(134), "{}", out.describe());
    assert!(
        out.stderr_str()
            .starts_with("gojit: trap: call stack exhausted"),
        "{}",
        out.describe()
    );
    // The default stack is 1 GiB (it was 4 GiB, all of it committed before the trap).
    let rss = children_max_rss();
    assert!(
        rss < (gojit::DEFAULT_STACK_BYTES as u64) * 3 / 2,
        "peak RSS {} MiB",
        rss >> 20
    );
    assert!(out.elapsed < Duration::from_secs(20), "{:?}", out.elapsed);
    // A smaller limit is honoured.
    let out = gojit_run(&["--no-cache", "--max-stack", "16777216"], &file);
    assert_eq!(out.code, Some(134), "{}", out.describe());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exit_status_out_of_range_is_an_error() {
    let wat = |status: u32| {
        format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (call $exit (i32.const {status}))))"#
        )
    };
    for (status, code) in [(0u32, 0), (3, 3), (255, 255)] {
        let (dir, file) = scratch_file("exit.wasm", &wat::parse_str(wat(status)).expect("wat"));
        let out = gojit_run(&[], &file);
        assert_eq!(out.code, Some(code), "{}", out.describe());
        let _ = std::fs::remove_dir_all(dir);
    }
    for status in [256u32, 0xFFFF_FFFF] {
        let (dir, file) = scratch_file("exit.wasm", &wat::parse_str(wat(status)).expect("wat"));
        let out = gojit_run(&[], &file);
        assert_eq!(out.code, Some(1), "status {status}\n{}", out.describe());
        assert!(
            out.stderr_str()
                .contains(&format!("exited with status {status}, outside 0..=255")),
            "{}",
            out.describe()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn segments_out_of_bounds_trap_at_instantiation() {
    let cases = [
        (
            r#"(module (memory 1) (data (i32.const 65535) "ab") (func (export "_start")))"#,
            "gojit: trap: out of bounds memory access in the data segment at 0xffff of 2 bytes",
        ),
        (
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f)
                       (func (export "_start")))"#,
            "gojit: trap: undefined element: out of bounds table access in the element segment at 1 with 1 entries",
        ),
    ];
    for (wat, want) in cases {
        let (dir, file) = scratch_file("seg.wasm", &wat::parse_str(wat).expect("wat"));
        let out = gojit_run(&[], &file);
        assert_eq!(out.code, Some(134), "{}", out.describe());
        assert!(out.stderr_str().starts_with(want), "{}", out.describe());
        let _ = std::fs::remove_dir_all(dir);
    }
}
