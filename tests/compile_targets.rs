//! Every function of a large real Go module compiles, for x86-64 and for aarch64 (which this
//! machine cannot run: the check is that Cranelift generates the code).
//!
//! The module is the `encoding/json` test binary (`go test -c`, ~17 MB, ~8,900 functions), built
//! once per Go version and cached under `target/go-fixtures/`.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Builds (or reuses) `go test -c` of std package `pkg` for wasip1.
fn std_test_binary(pkg: &str) -> PathBuf {
    let dir = common::target_dir().join("go-fixtures").join(format!(
        "stdtest-{}-{}",
        common::go_version()
            .split_whitespace()
            .nth(2)
            .unwrap_or("go"),
        pkg.replace('/', "_")
    ));
    let bin = dir.join("pkg.test.wasm");
    if bin.is_file() {
        return bin;
    }
    std::fs::create_dir_all(&dir).expect("create fixture dir");
    let tmp = dir.join(format!("pkg.test.wasm.tmp-{}", std::process::id()));
    let out = common::go_command()
        .args(["test", "-c", "-trimpath", "-o"])
        .arg(&tmp)
        .arg(pkg)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .output()
        .expect("run go test -c");
    assert!(
        out.status.success(),
        "go test -c {pkg} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&tmp, &bin).expect("rename fixture into place");
    bin
}

/// Number of functions (imports + defined) in a module, counted independently of gojit.
fn count_functions(wasm: &[u8]) -> u32 {
    let mut n = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("parse") {
            wasmparser::Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.expect("import").ty, wasmparser::TypeRef::Func(_)) {
                        n += 1;
                    }
                }
            }
            wasmparser::Payload::FunctionSection(r) => n += r.count(),
            _ => {}
        }
    }
    n
}

fn compile_for(target: &str, wasm: &PathBuf) -> u32 {
    let out = Command::new(env!("CARGO_BIN_EXE_gojit"))
        .args(["compile", "--target", target])
        .arg(wasm)
        .output()
        .expect("run gojit compile");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gojit compile --target {target} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(target),
        "summary does not name the target {target}: {stdout}"
    );
    stdout
        .strip_prefix("compiled ")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected summary: {stdout}"))
}

#[test]
fn encoding_json_test_binary_compiles_for_x86_64_and_aarch64() {
    let wasm = std_test_binary("encoding/json");
    let expected = count_functions(&std::fs::read(&wasm).expect("read fixture"));
    assert!(
        expected > 8000,
        "the json test binary should have ~8,900 functions, has {expected}"
    );
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        assert_eq!(
            compile_for(target, &wasm),
            expected,
            "functions compiled for {target}"
        );
    }
}
