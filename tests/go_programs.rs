//! Differential tests with real Go programs.
//!
//! `tests/go/progs` (one Go program with a `switch os.Args[1]` registry of subtests) is built
//! natively (the host's GOOS/GOARCH), as `GOOS=wasip1 GOARCH=wasm` and as `GOOS=js GOARCH=wasm`
//! (cached, see `tests/common/mod.rs`). Each `#[test]` runs one subtest natively and under the
//! engine, both wasm builds (`gojit run ... -- progs.wasm <subtest> ...`; the js build runs on
//! gojit's JS world), and requires identical stdout, stderr and exit status. Subtests that end in a Go panic or fatal error compare stderr after
//! `common::normalize_traceback` (PC offsets and frame argument words only).
//!
//! Engine-only tests cover what has no native counterpart: a wasm trap (`crash`), and the CLI
//! forms (`gojit prog.wasm`, the `go_wasip1_wasm_exec` name, `--env K`, `gojit compile`).

mod common;

use common::{Output, engine, first_difference, normalize_traceback, run, run_timeout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Every subtest of tests/go/progs; `all_subtests_are_covered` checks this against `progs list`.
const SUBTESTS: &[&str] = &[
    "args",
    "bigout",
    "channels",
    "crash",
    "deadlock",
    "exit3",
    "fmt",
    "fs",
    "funcs",
    "gc",
    "goroutines",
    "gosched",
    "hashes",
    "hello",
    "ints",
    "maps",
    "math",
    "mathfuncs",
    "panic",
    "panic_goroutine",
    "panic_repanic",
    "panic_runtime",
    "recover",
    "recursion",
    "reflect",
    "select",
    "sort",
    "stdin",
    "strconv",
    "strings",
    "sync",
    "time",
];

struct Progs {
    native: PathBuf,
    wasm: PathBuf,
    js: PathBuf,
}

/// The two builds of tests/go/progs (built once per test binary, cached across runs).
fn progs() -> &'static Progs {
    static P: OnceLock<Progs> = OnceLock::new();
    P.get_or_init(|| {
        let src = common::repo_root().join("tests/go/progs");
        let (goos, goarch) = common::host_goos_goarch();
        std::thread::scope(|s| {
            let native = s.spawn(|| common::build_go(&src, goos, goarch, &[], "progs"));
            let js = s.spawn(|| common::build_go(&src, "js", "wasm", &[], "progs.js.wasm"));
            let wasm = common::build_go(&src, "wasip1", "wasm", &[], "progs.wasm");
            Progs {
                native: native.join().expect("native build panicked"),
                wasm,
                js: js.join().expect("js build panicked"),
            }
        })
    })
}

/// How a subtest is run and what it must do.
struct Case<'a> {
    args: &'a [&'a str],
    /// The environment: the native binary gets exactly this (after `env_clear`), the engine gets
    /// `--env K=V` for each entry.
    env: &'a [(&'a str, &'a str)],
    stdin: Option<Vec<u8>>,
    /// Expected exit status (checked on the native run; the engine must match the native run).
    exit: i32,
    /// Compare stderr after `normalize_traceback`.
    traceback: bool,
}

const DEFAULT: Case<'static> = Case {
    args: &[],
    env: &[],
    stdin: None,
    exit: 0,
    traceback: false,
};

fn native_cmd(subtest: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(&progs().native);
    cmd.arg(subtest)
        .args(args)
        .env_clear()
        .envs(env.iter().copied());
    cmd
}

fn engine_run_cmd(subtest: &str, args: &[&str], env: &[(&str, &str)], dirs: &[String]) -> Command {
    engine_run_cmd_of(&progs().wasm, subtest, args, env, dirs)
}

/// `gojit run` of `wasm` (the wasip1 or the js build).
fn engine_run_cmd_of(
    wasm: &Path,
    subtest: &str,
    args: &[&str],
    env: &[(&str, &str)],
    dirs: &[String],
) -> Command {
    let mut cmd = Command::new(engine());
    cmd.arg("run");
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    for d in dirs {
        cmd.arg("--dir").arg(d);
    }
    cmd.arg("--").arg(wasm).arg(subtest).args(args);
    cmd
}

/// Asserts that `engine` behaved exactly like `native` (which must have exited with `exit`).
fn assert_same(what: &str, native: &Output, engine: &Output, exit: i32, traceback: bool) {
    assert!(
        !native.timed_out,
        "{what}: native run timed out\n{}",
        native.describe()
    );
    assert_eq!(
        native.code,
        Some(exit),
        "{what}: the native program itself misbehaves (expected exit {exit})\n{}",
        native.describe()
    );
    assert!(
        !engine.timed_out,
        "{what}: engine run timed out\n{}",
        engine.describe()
    );
    let (n_out, e_out) = (native.stdout_str(), engine.stdout_str());
    let (mut n_err, mut e_err) = (native.stderr_str(), engine.stderr_str());
    if traceback {
        n_err = normalize_traceback(&n_err);
        e_err = normalize_traceback(&e_err);
    }
    let report = || {
        format!(
            "=== native ===\n{}\n=== engine ===\n{}",
            native.describe(),
            engine.describe()
        )
    };
    assert_eq!(
        engine.code,
        native.code,
        "{what}: exit status differs\n{}",
        report()
    );
    assert!(
        n_out == e_out,
        "{what}: stdout differs, {}\n{}",
        first_difference(&n_out, &e_out),
        report()
    );
    assert!(
        n_err == e_err,
        "{what}: stderr differs{}, {}\n{}",
        if traceback {
            " (after traceback normalization)"
        } else {
            ""
        },
        first_difference(&n_err, &e_err),
        report()
    );
}

fn check(subtest: &str, case: Case<'_>) {
    let timeout = run_timeout();
    let native = run(
        native_cmd(subtest, case.args, case.env),
        case.stdin.as_deref(),
        timeout,
    );
    let engine = run(
        engine_run_cmd(subtest, case.args, case.env, &[]),
        case.stdin.as_deref(),
        timeout,
    );
    assert_same(subtest, &native, &engine, case.exit, case.traceback);
    let mut js = run(
        engine_run_cmd_of(&progs().js, subtest, case.args, case.env, &[]),
        case.stdin.as_deref(),
        timeout,
    );
    if case.traceback {
        js.stderr = without_js_event_goroutine(&js.stderr_str()).into_bytes();
    }
    assert_same(
        &format!("{subtest} (GOOS=js build)"),
        &native,
        &js,
        case.exit,
        case.traceback,
    );
}

/// A GOOS=js program has one goroutine more than a native one: `syscall/js.handleEvent`,
/// waiting for events from JavaScript (`select (no cases)`), listed in a deadlock's traceback
/// under node as under gojit. Drops that block so the rest can be compared with native Go's.
fn without_js_event_goroutine(stderr: &str) -> String {
    stderr
        .split("\n\n")
        .filter(|block| {
            let mut lines = block.lines();
            let head = lines.next().unwrap_or("");
            !(head.starts_with("goroutine ")
                && lines
                    .next()
                    .is_some_and(|f| f.starts_with("syscall/js.handleEvent(")))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn hello() {
    check("hello", DEFAULT);
}

const ARGS: &[&str] = &[
    "one",
    "",
    "with space",
    "ünïcödé ✓",
    "--env",
    "-x=1",
    "--",
    "last",
];
const ENV: &[(&str, &str)] = &[
    ("GOJIT_A", "alpha"),
    ("GOJIT_EMPTY", ""),
    ("GOJIT_UNICODE", "日本語"),
    ("GOJIT_EQ", "a=b=c"),
    ("GOJIT_SPACE", " padded value "),
];

#[test]
fn args() {
    check(
        "args",
        Case {
            args: ARGS,
            env: ENV,
            ..DEFAULT
        },
    );
}

#[test]
fn funcs() {
    check("funcs", DEFAULT);
}

#[test]
fn recover() {
    check("recover", DEFAULT);
}

#[test]
fn exit3() {
    check("exit3", Case { exit: 3, ..DEFAULT });
}

#[test]
fn bigout() {
    check("bigout", DEFAULT);
}

/// ~1 MiB of deterministic input: text lines with some non-ASCII and binary bytes.
fn stdin_data() -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut data = b"The first line, to be upper-cased: hello, gojit! \xc3\xa9\n".to_vec();
    while data.len() < 1 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = match x % 100 {
            0..=3 => b'\n',
            4..=15 => b' ',
            16 => (x >> 40) as u8,
            _ => {
                let base = if (x >> 30) & 1 == 1 { b'a' } else { b'A' };
                base + ((x >> 20) % 26) as u8
            }
        };
        data.push(b);
    }
    data
}

#[test]
fn stdin() {
    check(
        "stdin",
        Case {
            stdin: Some(stdin_data()),
            ..DEFAULT
        },
    );
}

#[test]
fn fs() {
    let native_dir = common::scratch_dir("fs-native");
    let engine_dir = common::scratch_dir("fs-engine");
    let timeout = run_timeout();
    let native = run(
        native_cmd("fs", &[native_dir.to_str().unwrap()], &[]),
        None,
        timeout,
    );
    let engine = run(
        engine_run_cmd(
            "fs",
            &["/data"],
            &[],
            &[format!("{}::/data", engine_dir.display())],
        ),
        None,
        timeout,
    );
    assert_same("fs (--dir HOST::/data)", &native, &engine, 0, false);
    let js_dir = common::scratch_dir("fs-js");
    let js = run(
        engine_run_cmd_of(
            &progs().js,
            "fs",
            &["/data"],
            &[],
            &[format!("{}::/data", js_dir.display())],
        ),
        None,
        timeout,
    );
    assert_same(
        "fs (GOOS=js build, --dir HOST::/data)",
        &native,
        &js,
        0,
        false,
    );
    let _ = std::fs::remove_dir_all(native_dir);
    let _ = std::fs::remove_dir_all(engine_dir);
    let _ = std::fs::remove_dir_all(js_dir);
}

#[test]
fn strings() {
    check("strings", DEFAULT);
}

#[test]
fn sort() {
    check("sort", DEFAULT);
}

#[test]
fn fmt() {
    check("fmt", DEFAULT);
}

#[test]
fn strconv() {
    check("strconv", DEFAULT);
}

#[test]
fn maps() {
    check("maps", DEFAULT);
}

#[test]
fn reflect() {
    check("reflect", DEFAULT);
}

#[test]
fn hashes() {
    check("hashes", DEFAULT);
}

#[test]
fn math() {
    check("math", DEFAULT);
}

#[test]
fn mathfuncs() {
    check("mathfuncs", DEFAULT);
}

#[test]
fn ints() {
    check("ints", DEFAULT);
}

#[test]
fn channels() {
    check("channels", DEFAULT);
}

#[test]
fn select() {
    check("select", DEFAULT);
}

#[test]
fn sync() {
    check("sync", DEFAULT);
}

#[test]
fn time() {
    check("time", DEFAULT);
}

#[test]
fn gosched() {
    check("gosched", DEFAULT);
}

#[test]
fn goroutines() {
    check("goroutines", DEFAULT);
}

#[test]
fn recursion() {
    check("recursion", DEFAULT);
}

#[test]
fn gc() {
    check("gc", DEFAULT);
}

#[test]
fn panic() {
    check(
        "panic",
        Case {
            exit: 2,
            traceback: true,
            ..DEFAULT
        },
    );
}

#[test]
fn panic_runtime() {
    check(
        "panic_runtime",
        Case {
            args: &["x", "y"],
            exit: 2,
            traceback: true,
            ..DEFAULT
        },
    );
}

#[test]
fn panic_repanic() {
    check(
        "panic_repanic",
        Case {
            exit: 2,
            traceback: true,
            ..DEFAULT
        },
    );
}

#[test]
fn panic_goroutine() {
    check(
        "panic_goroutine",
        Case {
            exit: 2,
            traceback: true,
            ..DEFAULT
        },
    );
}

#[test]
fn deadlock() {
    check(
        "deadlock",
        Case {
            exit: 2,
            traceback: true,
            ..DEFAULT
        },
    );
}

/// An out-of-bounds load through unsafe is a wasm trap: exit 134, the trap reported on stderr
/// with the Go function it happened in. (Engine only: natively it is a SIGSEGV.)
#[test]
fn crash() {
    let out = run(engine_run_cmd("crash", &[], &[], &[]), None, run_timeout());
    let stderr = out.stderr_str();
    assert!(!out.timed_out, "crash: timed out\n{}", out.describe());
    assert_eq!(
        out.code,
        Some(134),
        "crash: expected exit 134 (trap)\n{}",
        out.describe()
    );
    assert_eq!(
        out.stdout_str(),
        "reading 0xFFFFFFF0\n",
        "crash: stdout\n{}",
        out.describe()
    );
    assert!(
        stderr.contains("main.crash"),
        "crash: stderr must name main.crash\n{}",
        out.describe()
    );
    assert!(
        !stderr.contains("panicked"),
        "crash: the engine panicked\n{}",
        out.describe()
    );
    if !common::engine_overridden() {
        let first = stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("gojit: trap: ") && first.contains("main.crash"),
            "crash: first stderr line must be `gojit: trap: <message> in main.crash`\n{}",
            out.describe()
        );
    }
}

/// `progs list` (native) names exactly the subtests this file exercises.
#[test]
fn all_subtests_are_covered() {
    let out = run(native_cmd("list", &[], &[]), None, run_timeout());
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let listed: Vec<String> = out.stdout_str().lines().map(str::to_string).collect();
    let mut ours: Vec<String> = SUBTESTS.iter().map(|s| s.to_string()).collect();
    ours.sort();
    assert_eq!(
        listed, ours,
        "tests/go/progs subtests and SUBTESTS in tests/go_programs.rs differ"
    );
}

/// `gojit prog args...` without the `run` subcommand, with a module path that has no `.wasm`
/// extension: how `go test -exec gojit` invokes it (`gojit /tmp/go-build.../pkg.test -test.v`).
#[test]
fn cli_without_run_subcommand() {
    let dir = common::scratch_dir("norun");
    let test_bin = dir.join("progs.test");
    std::fs::copy(&progs().wasm, &test_bin).expect("copy wasm");
    let timeout = run_timeout();
    for args in [&["hello"][..], &["args", "-test.v", "x y"][..]] {
        let native = run(native_cmd(args[0], &args[1..], &[]), None, timeout);
        let mut cmd = Command::new(engine());
        cmd.arg(&test_bin).args(args);
        let engine = run(cmd, None, timeout);
        assert_same(
            &format!("gojit progs.test {args:?}"),
            &native,
            &engine,
            0,
            false,
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Invoked as `go_wasip1_wasm_exec`, the binary behaves like
/// `gojit run --dir=/ --env PWD --env PATH`: the guest sees exactly PWD and PATH from the host
/// environment, and the host file system at `/`.
#[test]
fn cli_invoked_as_go_wasip1_wasm_exec() {
    let dir = common::scratch_dir("execname");
    let link = dir.join("go_wasip1_wasm_exec");
    std::os::unix::fs::symlink(engine(), &link).expect("symlink");
    let path = std::env::var("PATH").unwrap_or_default();
    let pwd = dir.to_str().expect("utf-8 path").to_string();
    let timeout = run_timeout();
    let host_env = [("PATH", path.as_str()), ("PWD", pwd.as_str())];

    let native = run(native_cmd("args", &["a", "b c"], &host_env), None, timeout);
    let mut cmd = Command::new(&link);
    cmd.current_dir(&dir)
        .env_clear()
        .envs(host_env)
        .env("GOJIT_NOT_FORWARDED", "1")
        .arg(&progs().wasm)
        .args(["args", "a", "b c"]);
    let engine = run(cmd, None, timeout);
    assert_same("go_wasip1_wasm_exec args", &native, &engine, 0, false);

    // --dir=/ : the guest reaches host paths unchanged.
    let native_fs = common::scratch_dir("execname-fs-native");
    let engine_fs = common::scratch_dir("execname-fs-engine");
    let native = run(
        native_cmd("fs", &[native_fs.to_str().unwrap()], &[]),
        None,
        timeout,
    );
    let mut cmd = Command::new(&link);
    cmd.current_dir(&dir)
        .env_clear()
        .envs(host_env)
        .arg(&progs().wasm)
        .arg("fs")
        .arg(&engine_fs);
    let engine = run(cmd, None, timeout);
    assert_same("go_wasip1_wasm_exec fs", &native, &engine, 0, false);
    for d in [dir, native_fs, engine_fs] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// `--env K` without a value passes the host's value of K through.
#[test]
fn cli_env_inherit() {
    let timeout = run_timeout();
    let native = run(
        native_cmd("args", &[], &[("GOJIT_A", "from host"), ("GOJIT_EQ", "x")]),
        None,
        timeout,
    );
    let mut cmd = Command::new(engine());
    cmd.env("GOJIT_A", "from host")
        .env("GOJIT_B", "not passed")
        .args(["run", "--env", "GOJIT_A", "--env", "GOJIT_EQ=x", "--"])
        .arg(&progs().wasm)
        .arg("args");
    let engine = run(cmd, None, timeout);
    assert_same("run --env GOJIT_A (inherited)", &native, &engine, 0, false);
}

/// `gojit compile [--target TRIPLE] prog.wasm` compiles every function and prints a summary.
#[test]
fn cli_compile() {
    let timeout = run_timeout();
    let targets: [&[&str]; 3] = [
        &[],
        &["--target", "x86_64-unknown-linux-gnu"],
        &["--target", "aarch64-unknown-linux-gnu"],
    ];
    for target in targets {
        let mut cmd = Command::new(engine());
        cmd.arg("compile").args(target).arg(&progs().wasm);
        let out = run(cmd, None, timeout);
        let what = format!("gojit compile {target:?}");
        assert!(!out.timed_out, "{what}: timed out\n{}", out.describe());
        assert_eq!(out.code, Some(0), "{what}: failed\n{}", out.describe());
        assert!(
            !out.stdout_str().trim().is_empty(),
            "{what}: no summary line\n{}",
            out.describe()
        );
        assert!(
            !out.stderr_str().contains("panicked"),
            "{what}\n{}",
            out.describe()
        );
    }
}

#[test]
fn normalize_traceback_changes_only_offsets_args_and_goroutine_ids() {
    let native = "panic: boom [recovered]\n\tpanic: again\n\ngoroutine 1 [running]:\n\
        main.f({0x55a458?, 0x1?})\n\tpt/main.go:12 +0x5a\npanic({0x55a458?, 0x104fd5a58060?})\n\
        \truntime/panic.go:859 +0x125\nruntime.(*T).m(...)\n\tpt/x.go:3\nmain.main()\n\
        \tpt/main.go:13 +0x12c\ncreated by main.main in goroutine 1\n\tpt/main.go:16 +0x8b\n";
    let wasm = "panic: boom [recovered]\n\tpanic: again\n\ngoroutine 1 [running]:\n\
        main.f({0x114ac0, 0x1})\n\tpt/main.go:12 +0x5\npanic({0x114ac0, 0x212050})\n\
        \truntime/panic.go:859 +0x1c\nruntime.(*T).m(...)\n\tpt/x.go:3\nmain.main()\n\
        \tpt/main.go:13 +0x1c\ncreated by main.main in goroutine 1\n\tpt/main.go:16 +0x9\n";
    let n = normalize_traceback(native);
    assert_eq!(n, normalize_traceback(wasm));
    assert!(n.contains("\nmain.f(...)\n\tpt/main.go:12\n"), "{n}");
    assert!(n.contains("\nruntime.(*T).m(...)\n"), "{n}");
    assert!(n.starts_with("panic: boom [recovered]\n\tpanic: again\n\ngoroutine 1 [running]:\n"));
    assert!(
        n.ends_with("created by main.main in goroutine 1\n\tpt/main.go:16\n"),
        "{n}"
    );
    // Goroutine numbers other than 1 are not compared.
    assert_eq!(
        normalize_traceback("goroutine 5 [running]:\nmain.f()\ncreated by main.g in goroutine 9\n"),
        "goroutine N [running]:\nmain.f(...)\ncreated by main.g in goroutine N\n"
    );
    // Outside a goroutine trace nothing changes.
    assert_eq!(
        normalize_traceback("f(0x1)\n\tx.go:1 +0x2\n"),
        "f(0x1)\n\tx.go:1 +0x2\n"
    );
    // Line numbers, goroutine numbers and states still matter.
    for (a, b) in [
        (
            "goroutine 1 [running]:\nmain.main()\n\ta.go:1 +0x1\n",
            "goroutine 1 [running]:\nmain.main()\n\ta.go:2 +0x1\n",
        ),
        (
            "goroutine 1 [running]:\nmain.main()\n",
            "goroutine 2 [running]:\nmain.main()\n",
        ),
        (
            "goroutine 1 [running]:\nmain.main()\n",
            "goroutine 1 [chan receive]:\nmain.main()\n",
        ),
        (
            "goroutine 1 [running]:\nmain.a()\n",
            "goroutine 1 [running]:\nmain.b()\n",
        ),
    ] {
        assert_ne!(normalize_traceback(a), normalize_traceback(b));
    }
}

/// The code tiers give the same behaviour: everything tiered up at once (budget 1, so most
/// calls after the first few run optimized code swapped in mid-run), baseline code only, no
/// interpreter, the interpreter only, and the interpreter handing over at once.
#[test]
fn tiers_behave_the_same() {
    if common::engine_overridden() {
        return; // gojit's tiers only
    }
    let timeout = run_timeout();
    for subtest in [
        "sort",
        "maps",
        "hashes",
        "goroutines",
        "gc",
        "recursion",
        "strconv",
    ] {
        let native = run(native_cmd(subtest, &[], &[]), None, timeout);
        let envs: [&[(&str, &str)]; 5] = [
            &[("GOJIT_TIERS", "both"), ("GOJIT_TIERUP_BUDGET", "1")],
            &[("GOJIT_TIERS", "baseline"), ("GOJIT_TIERUP_BUDGET", "1")],
            // No interpreter: every function compiled on its first call.
            &[("GOJIT_INTERP", "0")],
            // Everything interpreted (the budget never runs out).
            &[("GOJIT_INTERP", "2147483647")],
            // Interpreted once, then compiled; loops move into OSR entries at once.
            &[("GOJIT_INTERP", "1"), ("GOJIT_TIERUP_BUDGET", "1")],
        ];
        for env in envs {
            let mut cmd = Command::new(engine());
            cmd.args(["run", "--no-cache", "--"])
                .arg(&progs().wasm)
                .arg(subtest)
                .envs(env.iter().copied());
            let engine = run(cmd, None, timeout);
            assert_same(
                &format!("{subtest} with {env:?}"),
                &native,
                &engine,
                0,
                false,
            );
        }
    }
}

/// `gojit compile --print NAME` shows the CLIF and machine code of the matching functions, for
/// both tiers, and names a pattern that matches nothing.
#[test]
fn cli_compile_print() {
    let timeout = run_timeout();
    for tier in [&[][..], &["--baseline"][..]] {
        let mut cmd = Command::new(engine());
        cmd.args(["compile", "--print", "main.main"])
            .args(tier)
            .arg(&progs().wasm);
        let out = run(cmd, None, timeout);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        let text = out.stdout_str();
        assert!(
            text.contains("`main.main`") && text.contains("function u0:"),
            "no CLIF for main.main ({tier:?})\n{}",
            out.describe()
        );
        assert!(
            text.contains(";; machine code") && (text.contains("ret") || text.contains("jmp")),
            "no machine code for main.main ({tier:?})\n{}",
            out.describe()
        );
    }
    let mut cmd = Command::new(engine());
    cmd.args(["compile", "--print", "no.such.function"])
        .arg(&progs().wasm);
    let out = run(cmd, None, timeout);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr_str()
            .contains("no function name contains `no.such.function`"),
        "{}",
        out.describe()
    );
}

/// `GOJIT_PERF_MAP=1` writes `/tmp/perf-<pid>.map` naming every published function by its Go
/// name and tier, for `perf report`.
#[test]
fn cli_perf_map() {
    if common::engine_overridden() {
        return; // a gojit feature
    }
    let child = Command::new(engine())
        .args(["run", "--no-cache", "--"])
        .arg(&progs().wasm)
        .arg("hello")
        .env("GOJIT_PERF_MAP", "1")
        // Compile on first call, so that `main.main` (called once) has code to name.
        .env("GOJIT_INTERP", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start gojit");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait for gojit");
    assert!(
        out.status.success(),
        "gojit run hello failed: {:?}",
        out.status
    );
    let path = format!("/tmp/perf-{pid}.map");
    let map = std::fs::read_to_string(&path).expect("perf map written");
    let _ = std::fs::remove_file(&path);
    let main_line = map
        .lines()
        .find(|l| l.ends_with(" main.main [first]"))
        .unwrap_or_else(|| panic!("no main.main in {path}:\n{map}"));
    let mut fields = main_line.split(' ');
    let start = u64::from_str_radix(fields.next().unwrap(), 16).expect("hex start");
    let len = u64::from_str_radix(fields.next().unwrap(), 16).expect("hex length");
    assert!(start > 0 && len > 0, "{main_line}");
}
