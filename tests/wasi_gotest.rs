//! `GOOS=wasip1 GOARCH=wasm go test ./...` runs through gojit with no `-exec` flag: the go
//! command finds `go_wasip1_wasm_exec` on PATH by itself, and the only such program on PATH is
//! gojit's (a temp dir holding a symlink to the `go_wasip1_wasm_exec` binary cargo built is put
//! first on PATH).
//!
//! The module is `tests/go/gomod`: packages whose tests read `testdata/` files (relative to the
//! package directory, so `$PWD` and the preopened `/` must be right), write temp dirs, use the
//! environment, goroutines, timers and `net` in memory. Every package must report `ok`.
//! `tests/go/gomod/failing` (a nested module, so not part of `./...`) has a failing test: `go
//! test` must report `FAIL` and exit with status 1 — failures propagate through the runner.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// For the whole `go test ./...` (building, linking and running every package).
const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// The module's packages with tests.
const PACKAGES: &[&str] = &[
    "gojit.test/gomod/cmd/netserver",
    "gojit.test/gomod/fsx",
    "gojit.test/gomod/textstat",
    "gojit.test/gomod/workers",
];

/// A directory holding only `go_wasip1_wasm_exec` (a symlink to the cargo-built binary).
fn exec_dir() -> PathBuf {
    let dir = common::scratch_dir("gotest-path");
    let exe = Path::new(env!("CARGO_BIN_EXE_go_wasip1_wasm_exec"));
    std::os::unix::fs::symlink(exe, dir.join("go_wasip1_wasm_exec")).expect("symlink the runner");
    dir
}

/// `GOOS=wasip1 GOARCH=wasm go test -count=1 <args>` in `dir`, with [`exec_dir`] first on PATH.
fn go_test(dir: &Path, args: &[&str]) -> common::Output {
    let exec = exec_dir();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![exec.clone()];
    paths.extend(std::env::split_paths(&path));
    let mut cmd: Command = common::go_command();
    cmd.current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("PATH", std::env::join_paths(paths).expect("PATH"))
        .args(["test", "-count=1"])
        .args(args);
    let out = common::run(cmd, None, TIMEOUT);
    let _ = std::fs::remove_dir_all(&exec);
    out
}

/// Whether `stdout` has go test's `ok  \t<pkg>\t<time>` line for `pkg`.
fn reports_ok(stdout: &str, pkg: &str) -> bool {
    stdout.lines().any(|l| {
        let mut f = l.split('\t');
        f.next().map(str::trim_end) == Some("ok") && f.next() == Some(pkg)
    })
}

#[test]
fn go_test_of_a_module_runs_through_go_wasip1_wasm_exec_on_path() {
    let module = common::repo_root().join("tests/go/gomod");
    let out = go_test(&module, &["./..."]);
    let stdout = out.stdout_str();
    let missing: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|p| !reports_ok(&stdout, p))
        .collect();
    assert!(
        out.code == Some(0) && missing.is_empty(),
        "packages not ok: {missing:?}\n{}",
        out.describe()
    );
    // Nothing else was run or skipped.
    let reported = stdout
        .lines()
        .filter(|l| l.starts_with("ok") || l.starts_with("FAIL") || l.starts_with('?'))
        .count();
    assert_eq!(reported, PACKAGES.len(), "{}", out.describe());
}

#[test]
fn failing_tests_make_go_test_fail() {
    let module = common::repo_root().join("tests/go/gomod/failing");
    let out = go_test(&module, &["-v", "."]);
    let stdout = out.stdout_str();
    assert_eq!(out.code, Some(1), "{}", out.describe());
    for want in [
        "--- PASS: TestPasses",
        "--- FAIL: TestFails",
        "about to fail",
        "deliberate failure: 2 != 3",
        "FAIL\tgojit.test/failing\t",
    ] {
        assert!(
            stdout.contains(want),
            "missing {want:?}\n{}",
            out.describe()
        );
    }
    assert!(
        !reports_ok(&stdout, "gojit.test/failing"),
        "{}",
        out.describe()
    );
}
