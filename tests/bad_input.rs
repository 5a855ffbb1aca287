//! Bad input must produce a clean diagnostic, never a panic or a hang.
//!
//! Each test runs `gojit run <file>` on a broken or hostile input and requires: a non-zero exit
//! (1 for "cannot run", 134 for a trap), exactly one non-empty stderr line starting `gojit: `
//! that names the cause (a trap may add more lines after the first), no `panicked` on stderr,
//! and completion within [`TIMEOUT`] (the child is killed after that).
//!
//! These check gojit's own message formats, so they are meant for the gojit binary, not for a
//! `$GOJIT_TEST_ENGINE` override. No Go toolchain is needed: the truncated module comes from the
//! committed `examples/hello.wasm`, the others are written here (with the `wat` crate).

mod common;

use common::Output;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Writes `bytes` to a fresh scratch file and runs `gojit run` on it.
fn run_bytes(name: &str, bytes: &[u8]) -> Output {
    let dir = common::scratch_dir(&format!("bad-{name}"));
    let file = dir.join(name);
    std::fs::write(&file, bytes).expect("write input");
    let out = run_engine(&file);
    let _ = std::fs::remove_dir_all(dir);
    out
}

fn run_engine(file: &Path) -> Output {
    let mut cmd = Command::new(common::engine());
    cmd.arg("run").arg(file);
    common::run(cmd, None, TIMEOUT)
}

/// The common contract; returns the first stderr line.
fn check_diagnostic(what: &str, out: &Output, allow_more_lines: bool) -> String {
    let stderr = out.stderr_str();
    assert!(
        !out.timed_out,
        "{what}: did not finish within {TIMEOUT:?}\n{}",
        out.describe()
    );
    assert!(
        !stderr.contains("panicked"),
        "{what}: gojit panicked\n{}",
        out.describe()
    );
    assert!(
        out.code.is_some(),
        "{what}: killed by a signal ({})\n{}",
        out.status,
        out.describe()
    );
    assert_ne!(
        out.code,
        Some(0),
        "{what}: exit status 0\n{}",
        out.describe()
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        !lines.is_empty(),
        "{what}: nothing on stderr\n{}",
        out.describe()
    );
    if !allow_more_lines {
        assert_eq!(
            lines.len(),
            1,
            "{what}: expected exactly one stderr line\n{}",
            out.describe()
        );
    }
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("gojit: "),
        "{what}: stderr must start with `gojit: `\n{}",
        out.describe()
    );
    first.to_string()
}

/// A load error: exit 1 and `gojit: error: ...` mentioning every word of `needles` (any case).
fn check_error(what: &str, out: &Output, needles: &[&str]) {
    let first = check_diagnostic(what, out, false);
    assert_eq!(
        out.code,
        Some(1),
        "{what}: expected exit status 1\n{}",
        out.describe()
    );
    assert!(
        first.starts_with("gojit: error: "),
        "{what}: expected `gojit: error: ...`\n{}",
        out.describe()
    );
    let lower = first.to_lowercase();
    for n in needles {
        assert!(
            lower.contains(&n.to_lowercase()),
            "{what}: the message should mention {n:?}\n{}",
            out.describe()
        );
    }
}

fn hello_wasm() -> Vec<u8> {
    let path = common::repo_root().join("examples/hello.wasm");
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (rebuild with examples/build.sh)", path.display()))
}

/// Deterministic pseudo-random bytes (xorshift64*, fixed seed).
fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn empty_file() {
    let out = run_bytes("empty.wasm", b"");
    check_error("empty file", &out, &[]);
}

#[test]
fn truncated_module() {
    let wasm = hello_wasm();
    let out = run_bytes("truncated.wasm", &wasm[..wasm.len() / 2]);
    check_error("first half of examples/hello.wasm", &out, &[]);
}

#[test]
fn random_bytes_file() {
    let out = run_bytes(
        "random.wasm",
        &random_bytes(0x5EED_1234_ABCD_0001, 64 * 1024),
    );
    check_error("64 KiB of random bytes", &out, &[]);
}

/// Random bytes after a valid header get past the magic check into section parsing.
#[test]
fn random_sections_after_valid_header() {
    for seed in 1..=8u64 {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(random_bytes(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 4096));
        let out = run_bytes("random-sections.wasm", &bytes);
        check_error(
            &format!("wasm header + random bytes (seed {seed})"),
            &out,
            &[],
        );
    }
}

#[test]
fn unknown_import() {
    let wasm = wat::parse_str(
        r#"(module
             (import "env" "nope" (func))
             (memory (export "memory") 1)
             (func (export "_start") call 0))"#,
    )
    .expect("wat");
    let out = run_bytes("unknown-import.wasm", &wasm);
    check_error(
        "module importing env::nope",
        &out,
        &["unknown import env::nope"],
    );
}

#[test]
fn needs_simd() {
    let wasm = wat::parse_str(
        r#"(module
             (memory (export "memory") 1)
             (func (export "_start")
               (v128.store (i32.const 0)
                 (i32x4.add (v128.load (i32.const 16)) (v128.const i32x4 1 2 3 4)))))"#,
    )
    .expect("wat");
    let out = run_bytes("simd.wasm", &wasm);
    check_error("module using SIMD", &out, &["SIMD"]);
}

#[test]
fn start_traps() {
    let wasm = wat::parse_str(
        r#"(module
             (memory (export "memory") 1)
             (func $boom unreachable)
             (func (export "_start") call $boom))"#,
    )
    .expect("wat");
    let out = run_bytes("trap.wasm", &wasm);
    let first = check_diagnostic("_start executing `unreachable`", &out, true);
    assert_eq!(
        out.code,
        Some(134),
        "trap: expected exit status 134\n{}",
        out.describe()
    );
    assert!(
        first.starts_with("gojit: trap: "),
        "trap: expected `gojit: trap: ...`\n{}",
        out.describe()
    );
    assert!(
        first.to_lowercase().contains("unreachable"),
        "trap: the message should name the trap\n{}",
        out.describe()
    );
}

#[test]
fn missing_file() {
    let path: PathBuf = common::target_dir().join("tmp/definitely-missing-dir/missing.wasm");
    let out = run_engine(&path);
    check_error("gojit run missing.wasm", &out, &["missing.wasm"]);
}

#[test]
fn directory_instead_of_file() {
    let dir = common::scratch_dir("bad-dir");
    let out = run_engine(&dir);
    check_error("gojit run <a directory>", &out, &[]);
    let _ = std::fs::remove_dir_all(dir);
}
