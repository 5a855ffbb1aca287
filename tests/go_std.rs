//! Go standard library tests under the engine:
//! `GOOS=wasip1 GOARCH=wasm go test -count=1 -exec "bash scripts/go_wasip1_wasm_exec" PKGS...`
//! must report `ok` for every package in [`PACKAGES`].
//!
//! One `go test` invocation lists all packages, so the go command builds and runs them in
//! parallel; `-count=1` bypasses Go's test-result cache so the engine really runs every time. The
//! exec wrapper runs each test binary like Go's own `go_wasip1_wasm_exec` does (`--dir=/`,
//! `--env PWD`, `--env PATH`) with `$GOJIT` = the engine under test (see `tests/common/mod.rs`).

mod common;

use std::time::Duration;

/// Standard library packages whose tests must pass under the engine.
const PACKAGES: &[&str] = &[
    "strings",
    "strconv",
    "sort",
    "bytes",
    "unicode/utf8",
    "math",
    "math/bits",
    "container/heap",
    "container/list",
    "errors",
    "slices",
    "maps",
    "encoding/binary",
    "encoding/base64",
    "hash/crc32",
    "crypto/sha256",
    "math/big",
];

/// Limit for the whole `go test` run (building and running all packages).
const TIMEOUT: Duration = Duration::from_secs(25 * 60);

#[test]
fn std_packages_pass() {
    let wrapper = common::repo_root().join("scripts/go_wasip1_wasm_exec");
    assert!(wrapper.is_file(), "missing {}", wrapper.display());
    let mut cmd = common::go_command();
    cmd.current_dir(common::target_dir())
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("GOJIT", common::engine())
        .args(["test", "-count=1", "-exec"])
        .arg(format!("bash {}", wrapper.display()))
        .args(PACKAGES);
    let out = common::run(cmd, None, TIMEOUT);
    let stdout = out.stdout_str();
    let failed: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|pkg| {
            !stdout.lines().any(|l| {
                let mut f = l.split('\t');
                f.next().map(str::trim_end) == Some("ok") && f.next() == Some(*pkg)
            })
        })
        .collect();
    assert!(
        failed.is_empty() && !out.timed_out,
        "go test under the engine: no `ok` line for {failed:?}{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        if out.timed_out { " (TIMED OUT)" } else { "" },
        common::shorten(&stdout, 60_000),
        common::shorten(&out.stderr_str(), 20_000)
    );
    assert_eq!(
        out.code,
        Some(0),
        "go test exited with {:?} although every package passed\n{}",
        out.code,
        out.describe()
    );
    // Progress for `cargo test -- --nocapture`: the per-package lines with timings.
    println!("{stdout}");
}
