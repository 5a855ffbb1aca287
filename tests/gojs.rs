//! GOOS=js programs under gojit, compared with node running the same binary.
//!
//! `tests/go/js` (one Go program with a `switch os.Args[1]` registry of subtests) is built as
//! `GOOS=js GOARCH=wasm` (cached, see `tests/common/mod.rs`). Each `#[test]` runs one subtest
//! under gojit (`gojit run --env K=V --dir D -- js.wasm <subtest> ...`) and under node
//! (`node $GOROOT/lib/wasm/wasm_exec_node.js js.wasm <subtest> ...`, the environment set to the
//! same variables) and requires the same stdout and exit status; subtests that end in a Go
//! panic or fatal error also compare the first line of stderr. Without node, the gojit run is
//! still checked for its exit status (and a note is printed).
//!
//! Engine-only: `sandbox` (node has no sandbox), the CLI's detection of GOOS=js modules.

mod common;

use common::{Output, engine, first_difference, run, run_timeout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Every subtest of tests/go/js; `all_subtests_are_covered` checks this against its list.
const SUBTESTS: &[&str] = &[
    "deadlock", "eval", "exit", "files", "fscalls", "funcs", "hello", "jserror", "panic",
    "sandbox", "sleep", "stdin", "symbols", "timers", "values", "work", "zone",
];

fn wasm() -> &'static PathBuf {
    static W: OnceLock<PathBuf> = OnceLock::new();
    W.get_or_init(|| {
        common::build_go(
            &common::repo_root().join("tests/go/js"),
            "js",
            "wasm",
            &[],
            "js.wasm",
        )
    })
}

/// `$GOROOT/lib/wasm/wasm_exec_node.js` and a working `node`, if there is one.
fn node() -> Option<&'static (PathBuf, PathBuf)> {
    static N: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    N.get_or_init(|| {
        let node = PathBuf::from(std::env::var_os("GOJIT_NODE").unwrap_or_else(|| "node".into()));
        let ok = Command::new(&node)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("note: node not found: GOOS=js runs are not compared with node");
            return None;
        }
        let out = common::go_command()
            .args(["env", "GOROOT"])
            .output()
            .expect("go env GOROOT");
        let goroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Some((node, goroot.join("lib/wasm/wasm_exec_node.js")))
    })
    .as_ref()
}

fn gojit_cmd(subtest: &str, args: &[&str], env: &[(&str, &str)], dir: Option<&Path>) -> Command {
    let mut cmd = Command::new(engine());
    cmd.arg("run");
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    if let Some(d) = dir {
        cmd.arg("--dir").arg(d);
    }
    cmd.arg("--").arg(wasm()).arg(subtest).args(args);
    cmd
}

fn node_cmd(subtest: &str, args: &[&str], env: &[(&str, &str)]) -> Option<Command> {
    let (node, exec) = node()?;
    let mut cmd = Command::new(node);
    cmd.arg(exec)
        .arg(wasm())
        .arg(subtest)
        .args(args)
        .env_clear()
        .envs(env.iter().copied());
    Some(cmd)
}

/// Runs `subtest` under gojit and node and compares them; returns gojit's output.
fn check(subtest: &str, args: &[&str], env: &[(&str, &str)], exit: i32, dir: bool) -> Output {
    let scratch = |tag: &str| dir.then(|| common::scratch_dir(tag));
    let gdir = scratch("gojs-gojit");
    let mut gargs: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if let Some(d) = &gdir {
        gargs.insert(0, d.display().to_string());
    }
    let gargs: Vec<&str> = gargs.iter().map(String::as_str).collect();
    let g = run(
        gojit_cmd(subtest, &gargs, env, gdir.as_deref()),
        None,
        run_timeout(),
    );
    assert!(!g.timed_out, "{subtest}: gojit timed out\n{}", g.describe());
    assert_eq!(g.code, Some(exit), "{subtest}: gojit\n{}", g.describe());
    let ndir = scratch("gojs-node");
    let mut nargs: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if let Some(d) = &ndir {
        nargs.insert(0, d.display().to_string());
    }
    let nargs: Vec<&str> = nargs.iter().map(String::as_str).collect();
    if let Some(cmd) = node_cmd(subtest, &nargs, env) {
        let n = run(cmd, None, run_timeout());
        assert_eq!(n.code, Some(exit), "{subtest}: node\n{}", n.describe());
        assert_eq!(
            g.stdout_str(),
            n.stdout_str(),
            "{subtest}: stdout differs from node's: {}\n--- gojit ---\n{}\n--- node ---\n{}",
            first_difference(&g.stdout_str(), &n.stdout_str()),
            g.describe(),
            n.describe()
        );
        if exit != 0 {
            let first = |o: &Output| o.stderr_str().lines().next().unwrap_or("").to_string();
            assert_eq!(first(&g), first(&n), "{subtest}: first stderr line");
        }
    }
    for d in [gdir, ndir].into_iter().flatten() {
        let _ = std::fs::remove_dir_all(d);
    }
    g
}

#[test]
fn all_subtests_are_covered() {
    // With no argument the program lists its subtests.
    let mut cmd = Command::new(engine());
    cmd.arg("run").arg(wasm());
    let out = run(cmd, None, run_timeout());
    let listed: Vec<&str> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    assert_eq!(listed, SUBTESTS, "{}", out.describe());
}

#[test]
fn hello_args_env() {
    let env = [("GOJS_A", "1"), ("GOJS_B", "two words")];
    let g = check("hello", &["x", "y z", "-flag"], &env, 0, false);
    assert!(
        g.stdout_str().contains("args [\"x\" \"y z\" \"-flag\"]"),
        "{}",
        g.describe()
    );
    assert!(
        g.stderr_str().contains("println goes to stderr"),
        "{}",
        g.describe()
    );
}

#[test]
fn work_fmt_strconv_json_time() {
    check("work", &[], &[], 0, false);
}

#[test]
fn files_in_preopened_dir() {
    let g = check("files", &[], &[], 0, true);
    assert!(
        g.stdout_str().contains("size 16 mode -rw-r--r--"),
        "{}",
        g.describe()
    );
}

#[test]
fn fs_calls_and_their_errors_match_node() {
    let g = check("fscalls", &[], &[], 0, true);
    let out = g.stdout_str();
    for expect in [
        "readlink \"f.txt\"",
        "lstat symlink: true",
        "size after truncate: 4",
        "fstat size and mode: 2 -rw-r-----",
        "mtime after chtimes: 2020-02-03 04:05:06 +0000 UTC",
        "close again: closed error: true",
        "open missing: errno 2 (No such file or directory) notexist=true",
        "mkdir existing: errno 17 (File exists) notexist=false exist=true",
        "rmdir non-empty: errno 39",
        "readdir a file: errno 20",
        "open a dir for writing: errno 21",
    ] {
        assert!(out.contains(expect), "missing {expect:?}\n{}", g.describe());
    }
}

#[test]
fn js_values() {
    check("values", &[], &[], 0, false);
}

#[test]
fn symbols_have_type_symbol_and_identity() {
    let g = check("symbols", &[], &[], 0, false);
    assert!(
        g.stdout_str()
            .contains("types: symbol symbol <symbol> true"),
        "{}",
        g.describe()
    );
    assert!(
        g.stdout_str()
            .contains("recovered: JavaScript error: Symbol is not a constructor"),
        "{}",
        g.describe()
    );
}

#[test]
fn time_zone_follows_tz_like_node() {
    // A zone without daylight saving (the same answer at any date), one with it (the offset
    // of each instant), an old-style name, a POSIX rule and an unknown name (both UTC: node's
    // ICU reads names only), and no TZ at all (the host's zone for both engines).
    for (tz, expect) in [
        (Some("Asia/Kolkata"), "local zone: UTC+5:30 19800"),
        (Some("America/New_York"), "offset at 1.719792e+12 240"),
        (Some("EST5EDT"), "offset at 1.7040672e+12 300"),
        (Some("EST5EDT,M3.2.0,M11.1.0"), "offset at 1.7040672e+12 0"),
        (Some("Nowhere/Atlantis"), "local zone: UTC+0 0"),
        (None, "local zone: UTC"),
    ] {
        let env: Vec<(&str, &str)> = tz.iter().map(|tz| ("TZ", *tz)).collect();
        let g = check("zone", &[], &env, 0, false);
        assert!(
            g.stdout_str().contains(expect),
            "TZ={tz:?}: expected {expect:?}\n{}",
            g.describe()
        );
    }
}

#[test]
fn js_funcs_timers_reentry() {
    let g = check("funcs", &[], &[], 0, false);
    assert!(g.stdout_str().contains("invoke: 42"), "{}", g.describe());
}

#[test]
fn go_timers() {
    check("timers", &[], &[], 0, false);
}

#[test]
fn panic_exits_2() {
    let g = check("panic", &[], &[], 2, false);
    assert!(
        g.stderr_str().starts_with("panic: boom"),
        "{}",
        g.describe()
    );
}

#[test]
fn exit_status() {
    check("exit", &[], &[], 7, false);
}

#[test]
fn deadlock_reported_by_go() {
    let g = check("deadlock", &[], &[], 2, false);
    assert!(
        g.stderr_str()
            .contains("fatal error: all goroutines are asleep - deadlock!"),
        "{}",
        g.describe()
    );
}

#[test]
fn js_errors_and_console() {
    check("jserror", &[], &[], 0, false);
}

#[test]
fn eval_is_an_error_that_names_it() {
    // Not compared with node, which evaluates the source (and prints 42).
    let g = run(gojit_cmd("eval", &[], &[], None), None, run_timeout());
    assert_eq!(g.code, Some(0), "{}", g.describe());
    assert_eq!(
        g.stdout_str(),
        "recovered: JavaScript error: eval is not supported: gojit's JS world has no JavaScript \
         interpreter\ndone\n",
        "{}",
        g.describe()
    );
    if let Some(cmd) = node_cmd("eval", &[], &[]) {
        let n = run(cmd, None, run_timeout());
        assert_eq!(
            n.stdout_str(),
            "eval: 42\nrecovered: <nil>\ndone\n",
            "{}",
            n.describe()
        );
    }
}

#[test]
fn sandbox_keeps_files_inside_preopens() {
    let top = common::scratch_dir("gojs-sandbox");
    let dir = top.join("pre");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("inside.txt"), "in").unwrap();
    std::fs::write(top.join("outside.txt"), "SECRET").unwrap();
    std::os::unix::fs::symlink(top.join("outside.txt"), dir.join("out")).unwrap();
    let d = dir.display().to_string();
    let out = run(
        gojit_cmd("sandbox", &[&d], &[], Some(&dir)),
        None,
        run_timeout(),
    );
    let _ = std::fs::remove_dir_all(&top);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let s = out.stdout_str();
    assert!(
        s.contains("/inside.txt: \"in\" false"),
        "{}",
        out.describe()
    );
    assert!(
        !s.contains("SECRET"),
        "escaped the sandbox:\n{}",
        out.describe()
    );
    assert!(s.contains("/etc/passwd: \"\" true"), "{}", out.describe());
}

#[test]
fn stdin_through_fs_read() {
    let input: String = (1..=5000).map(|i| format!("line {i}\n")).collect();
    let g = run(
        gojit_cmd("stdin", &[], &[], None),
        Some(input.as_bytes()),
        run_timeout(),
    );
    assert_eq!(g.code, Some(0), "{}", g.describe());
    assert_eq!(
        g.stdout_str(),
        "lines 5000 bytes 43893 err <nil>\n",
        "{}",
        g.describe()
    );
    if let Some(cmd) = node_cmd("stdin", &[], &[]) {
        let n = run(cmd, Some(input.as_bytes()), run_timeout());
        assert_eq!(g.stdout_str(), n.stdout_str(), "{}", n.describe());
    }
}

#[test]
fn timeout_stops_a_program_waiting_for_a_timer() {
    let mut cmd = Command::new(engine());
    cmd.args(["run", "--timeout", "1s"])
        .arg(wasm())
        .arg("sleep");
    let out = run(cmd, None, run_timeout());
    assert_eq!(out.code, Some(134), "{}", out.describe());
    assert_eq!(out.stdout_str(), "sleeping\n", "{}", out.describe());
    assert!(out.elapsed.as_secs() < 30, "{}", out.describe());
}

#[test]
fn cli_detects_gojs_and_rejects_invoke() {
    let mut cmd = Command::new(engine());
    cmd.args(["run", "--invoke", "run"]).arg(wasm());
    let out = run(cmd, None, run_timeout());
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr_str().contains("not supported for GOOS=js"),
        "{}",
        out.describe()
    );
    // `gojit js.wasm` (no `run`) works too.
    let mut cmd = Command::new(engine());
    cmd.arg(wasm()).arg("exit");
    let out = run(cmd, None, run_timeout());
    assert_eq!(out.code, Some(7), "{}", out.describe());
}

/// A module importing a `gojs` name that no Go version emits is refused at instantiation with
/// an error naming the import (exit 1), not run until it calls it.
#[test]
fn unknown_gojs_import_is_an_error_naming_it() {
    let wasm = wat::parse_str(
        r#"(module
            (import "gojs" "runtime.wasmExit" (func (param i32)))
            (import "gojs" "runtime.noSuchImport" (func (param i32)))
            (memory (export "mem") 1)
            (func (export "run") (param i32 i32))
            (func (export "resume"))
            (func (export "getsp") (result i32) i32.const 0))"#,
    )
    .unwrap();
    let dir = common::scratch_dir("gojs-unknown-import");
    let path = dir.join("unknown.wasm");
    std::fs::write(&path, wasm).unwrap();
    let mut cmd = Command::new(engine());
    cmd.arg("run").arg(&path);
    let out = run(cmd, None, run_timeout());
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr_str().contains("runtime.noSuchImport"),
        "{}",
        out.describe()
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `GOOS=js GOARCH=wasm go test -short -count=1 -exec go_js_wasm_exec` of a few standard-library
/// packages must report `ok` for each (node passes them all).
#[test]
fn std_packages_pass_through_go_js_wasm_exec() {
    const PACKAGES: &[&str] = &["strconv", "fmt", "encoding/json", "sort", "errors"];
    let mut cmd = common::go_command();
    cmd.current_dir(common::target_dir())
        .env("GOOS", "js")
        .env("GOARCH", "wasm")
        .args(["test", "-short", "-count=1", "-exec"])
        .arg(env!("CARGO_BIN_EXE_go_js_wasm_exec"))
        .args(PACKAGES);
    let out = run(cmd, None, std::time::Duration::from_secs(20 * 60));
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
        failed.is_empty() && out.code == Some(0),
        "no `ok` line for {failed:?}\n{}",
        out.describe()
    );
    println!("{stdout}");
}

/// The embedding API on the checked-in `examples/jsplugin` program: native host functions in
/// the global object, `gojs::start` until Go parks, `gojs::call_function` on the Go functions
/// it registered, every kind of value both ways, throws both ways, and a timer set by one call
/// delivered in a later one.
#[test]
fn embedder_calls_go_functions_registered_with_funcof() {
    use gojit::gojs::{self, GoJsCtx, GoJsCtxBuilder, Status, value::Value};
    use gojit::{Config, Engine, Instance, Linker, Module, Store};
    use std::cell::RefCell;
    use std::rc::Rc;

    let wasm = common::repo_root().join("examples/jsplugin/jsplugin.wasm");
    let engine = Engine::new(Config::default()).unwrap();
    let module = Module::new(&engine, std::fs::read(wasm).unwrap()).unwrap();
    let ctx = GoJsCtxBuilder::new().arg("jsplugin").build();
    let logs = Rc::new(RefCell::new(Vec::<String>::new()));
    let host = ctx.new_object();
    let sink = logs.clone();
    host.set(
        "log",
        Value::Obj(ctx.new_function(move |_, _, args| {
            sink.borrow_mut().push(args[0].to_js_string());
            Ok(Value::Undefined)
        })),
    );
    host.set(
        "lookup",
        Value::Obj(
            ctx.new_function(|h, _, args| match args[0].to_js_string().as_str() {
                "answer" => Ok(Value::from("42")),
                key => Err(h.js().error(&format!("no such key: {key}"))),
            }),
        ),
    );
    ctx.global().set("host", Value::Obj(host));
    let mut linker = Linker::new();
    gojs::add_to_linker(&mut linker, |ctx: &mut GoJsCtx| ctx);
    let mut store = Store::new(&engine, ctx);
    let instance = Instance::new(&mut store, &module, &linker).unwrap();
    fn get(ctx: &mut GoJsCtx) -> &mut GoJsCtx {
        ctx
    }
    assert_eq!(
        gojs::start(&mut store, instance, get).unwrap(),
        Status::Idle
    );
    assert_eq!(*logs.borrow(), ["plugin started"]);

    let call = |store: &mut Store<GoJsCtx>, name: &str, args: &[Value]| {
        let f = store.data_mut().global().get(name);
        gojs::call_function(store, instance, get, &f, args).unwrap()
    };
    let s = call(&mut store, "upper", &["héllo, 😀".into()]).unwrap();
    assert_eq!(s.to_js_string(), "HÉLLO, 😀");
    let arr = store
        .data_mut()
        .new_array(vec![1.5.into(), 2.0.into(), 38.5.into()]);
    assert_eq!(call(&mut store, "sum", &[arr]).unwrap().to_number(), 42.0);
    let bytes = store.data_mut().new_bytes(vec![1, 2, 3, 255]);
    let rev = call(&mut store, "reverseBytes", &[bytes]).unwrap();
    assert_eq!(rev.bytes().unwrap(), [255, 3, 2, 1]);
    for (v, ty, truthy) in [
        (Value::Null, "null", "false"),
        (Value::Undefined, "undefined", "false"),
        (Value::from(true), "boolean", "true"),
        (Value::from(0.0), "number", "false"),
        (Value::from(""), "string", "false"),
        (Value::Obj(store.data_mut().new_object()), "object", "true"),
    ] {
        let d = call(&mut store, "describe", &[v]).unwrap();
        assert_eq!(d.get("type").unwrap().to_js_string(), ty);
        assert_eq!(d.get("truthy").unwrap().to_js_string(), truthy);
        let pair = d.get("pair").unwrap().items().unwrap();
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].to_js_string(), ty);
        assert!(matches!(pair[1], Value::Null));
    }
    // A throw from the host reaches Go as a js.Error, which it recovers.
    let answer = call(&mut store, "lookup", &["answer".into()]).unwrap();
    assert_eq!(answer.to_js_string(), "42");
    let missing = call(&mut store, "lookup", &["question".into()]).unwrap();
    assert_eq!(
        missing.to_js_string(),
        "error: JavaScript error: no such key: question"
    );
    // Calling something that is not a function is a TypeError thrown back to the host.
    let not_fn = gojs::call_function(&mut store, instance, get, &Value::from(1.0), &[]).unwrap();
    assert!(not_fn.unwrap_err().to_js_string().starts_with("TypeError"));
    // The goroutine `later` starts sleeps 5 ms: the call returns with it parked, and a call
    // after the timer is due delivers it.
    call(&mut store, "later", &["done".into()]).unwrap();
    assert_eq!(logs.borrow().len(), 1, "{:?}", logs.borrow());
    std::thread::sleep(std::time::Duration::from_millis(20));
    call(&mut store, "upper", &["x".into()]).unwrap();
    assert_eq!(*logs.borrow(), ["plugin started", "later: done"]);
}
