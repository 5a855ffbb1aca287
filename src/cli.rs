//! The `gojit` command-line tool, shared by the `gojit` binary and its `go_wasip1_wasm_exec` and
//! `go_js_wasm_exec` aliases (`src/bin/`).
//!
//! Exit status: a guest's own status when it exits (`proc_exit`); 134 when it traps (as wasmtime
//! does: 128 + SIGABRT); 1 when gojit cannot run it at all (bad module, unknown import, missing
//! file). Diagnostics are one line on stderr starting with `gojit: `.

use clap::{Args, Parser, Subcommand};
use gojit::{
    CallMode, Config, Engine, Error, Instance, Linker, Module, Store, Val, ValType, gojs, wasi,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Exit status for a guest trap.
const TRAP_EXIT: u8 = 134;

#[derive(Parser)]
#[command(
    name = "gojit",
    version,
    about = "Runs Go programs compiled to WebAssembly (GOARCH=wasm) as native code",
    long_about = "Runs Go programs compiled to WebAssembly (GOOS=wasip1 GOARCH=wasm) as native code, \
                  compiled with Cranelift.\n\n`gojit prog.wasm args...` is short for `gojit run prog.wasm args...`, \
                  so `go test -exec gojit` works. Installed (or linked) as `go_wasip1_wasm_exec`, it behaves \
                  like Go's own runner script: `gojit run --dir=/ --env PWD --env PATH`; as `go_js_wasm_exec`, like \
                  node with `wasm_exec_node.js`. GOOS=js modules (importing `gojs`) are recognised by their imports.\n\n\
                  Exit status: the guest's own; 134 if it traps; 1 if it cannot be run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WASI command (its `_start` export) or a GOOS=js program.
    Run(RunArgs),
    /// Compile every function of a module (for this host or another target) without running it.
    Compile(CompileArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Set an environment variable for the guest: `NAME=VALUE`, or `NAME` to pass the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Give the guest a host directory: `HOST` (same path in the guest) or `HOST::GUEST`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dir: Vec<String>,
    /// Give the guest a TCP socket listening on HOST:PORT, as fd 3, 4, … (before the preopened
    /// directories); Go takes it with `net.FileListener(os.NewFile(3, ""))`.
    #[arg(long = "tcplisten", value_name = "HOST:PORT")]
    tcplisten: Vec<String>,
    /// Compile every function before running instead of on first call.
    #[arg(long)]
    eager: bool,
    /// Size in bytes of the native stack guest code runs on (reserved, committed as used).
    #[arg(long, value_name = "BYTES")]
    max_stack: Option<usize>,
    /// Largest linear memory the guest may grow to: bytes, or with a unit (`64MiB`, `1GiB`,
    /// `512KiB`; `K`, `M`, `G` mean the same), rounded down to 64 KiB wasm pages. Go reports its
    /// own out-of-memory error at the limit. Default: 4 GiB, wasm32's limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Stop the guest once this much time has passed since it was loaded (instantiation, the
    /// start function, `_initialize` and `_start` or --invoke): it traps `interrupted` (exit
    /// 134), whether it computes or waits. E.g. `500ms`, `2s`, `1.5m`, `1h`; a bare number is
    /// seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Call this export of a reactor (after `_initialize`) with the arguments parsed as its
    /// parameter types, and print its result, instead of running `_start`.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// With --invoke: return only when every goroutine is parked (park-until-idle).
    #[arg(long)]
    park_until_idle: bool,
    /// Print compilation statistics to stderr when the guest finishes.
    #[arg(long)]
    stats: bool,
    /// Use the persistent code cache (the default): load code compiled by earlier runs of the
    /// same module and save what this run compiled. Its directory is `$GOJIT_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/gojit`, else `~/.cache/gojit`.
    #[arg(long, overrides_with = "no_cache")]
    cache: bool,
    /// Do not read or write the code cache.
    #[arg(long)]
    no_cache: bool,
    /// The module to run.
    module: PathBuf,
    /// Arguments for the guest (its argv[1..]).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Args)]
struct CompileArgs {
    /// Target triple, e.g. `aarch64-unknown-linux-gnu` (default: this host).
    #[arg(long)]
    target: Option<String>,
    /// Run Cranelift's IR verifier on every function.
    #[arg(long)]
    verify: bool,
    /// Compile with the baseline tier (what lazy compilation runs first) instead of the
    /// optimizing tier.
    #[arg(long)]
    baseline: bool,
    /// Compile the interrupt checks of `Config::interruptible` into the code.
    #[arg(long)]
    interrupt_checks: bool,
    /// Print the CLIF and the machine code of the functions whose Go name contains this text
    /// (instead of compiling everything).
    #[arg(long, value_name = "NAME")]
    print: Option<String>,
    /// The module to compile.
    module: PathBuf,
}

/// Runs the CLI on `argv` (`argv[0]` is the program name; `go_wasip1_wasm_exec` selects Go's
/// runner-script behaviour).
pub fn main(mut argv: Vec<String>) -> ExitCode {
    let invoked_as = argv.first().map(|a| {
        Path::new(a)
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    });
    if invoked_as.as_deref() == Some("go_wasip1_wasm_exec") {
        // Go's runner script: `wasmtime run --dir=/ --env PWD --env PATH -W max-wasm-stack=8388608`.
        let rest = argv.split_off(1);
        argv.extend(["run", "--dir=/", "--env", "PWD", "--env", "PATH"].map(String::from));
        // Go's script passes $GOWASIRUNTIMEARGS to the runtime the same way.
        if let Ok(extra) = std::env::var("GOWASIRUNTIMEARGS") {
            argv.extend(extra.split_whitespace().map(String::from));
        }
        argv.push("--".into());
        argv.extend(rest);
    } else if invoked_as.as_deref() == Some("go_js_wasm_exec") {
        // Go's script: `node wasm_exec_node.js "$@"`, which gives the program node's view of
        // the machine: every file, `{TMPDIR: os.tmpdir(), ...process.env}`, the current
        // directory.
        let rest = argv.split_off(1);
        argv.extend(["run", "--dir=/"].map(String::from));
        if std::env::var_os("TMPDIR").is_none() {
            argv.push("--env".into());
            argv.push(format!("TMPDIR={}", std::env::temp_dir().display()));
        }
        for (k, _) in std::env::vars_os() {
            if let Some(k) = k.to_str() {
                argv.push("--env".into());
                argv.push(k.to_string());
            }
        }
        argv.push("--".into());
        argv.extend(rest);
    } else if let Some(first) = argv.get(1) {
        let known = ["run", "compile", "help", "-h", "--help", "-V", "--version"];
        if !known.contains(&first.as_str()) {
            argv.insert(1, "run".into());
        }
    }
    let cli = Cli::parse_from(argv);
    let status = match cli.command {
        Command::Run(args) => run(args),
        Command::Compile(args) => compile(args),
    };
    let _ = std::io::stdout().flush();
    status
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("gojit: error: {msg}");
    ExitCode::from(1)
}

fn read_module(path: &Path) -> Result<std::sync::Arc<[u8]>, String> {
    gojit::read_module_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run(args: RunArgs) -> ExitCode {
    let started = Instant::now();
    let bytes = match read_module(&args.module) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let (mut config, warnings) = Config::from_env();
    for w in warnings {
        eprintln!("gojit: warning: {w}");
    }
    config.lazy = !args.eager;
    if !args.no_cache {
        config.cache_dir = gojit::default_cache_dir();
    }
    if let Some(s) = args.max_stack {
        config.max_stack_bytes = s;
    }
    if let Some(bytes) = args.max_memory {
        config.max_memory_pages = bytes / 65_536;
    }
    // Only with a timeout: the checks cost a little at every loop iteration.
    config.interruptible = args.timeout.is_some();
    let engine = match Engine::new(config) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => return fail(format!("{}: {e}", args.module.display())),
    };
    let loaded = started.elapsed();
    if gojs::is_gojs_module(module.imports()) {
        return run_gojs(&args, engine, module, loaded, started);
    }
    let mut builder = wasi::WasiCtxBuilder::new()
        .arg(&args.module.to_string_lossy())
        .args(&args.args);
    for (k, v) in env_vars(&args.env) {
        builder = builder.env(&k, &v);
    }
    for addr in &args.tcplisten {
        let listener = match std::net::TcpListener::bind(addr) {
            Ok(l) => l,
            Err(e) => return fail(format!("--tcplisten {addr}: {e}")),
        };
        builder = match builder.preopened_socket(listener) {
            Ok(b) => b,
            Err(e) => return fail(format!("--tcplisten {addr}: {e}")),
        };
    }
    for d in &args.dir {
        let (host, guest) = d.split_once("::").unwrap_or((d, d));
        builder = match builder.preopened_dir(Path::new(host), guest) {
            Ok(b) => b,
            Err(e) => return fail(format!("--dir {d}: {e}")),
        };
    }
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
    let mut store = Store::new(&engine, builder.build());
    if let Some(t) = args.timeout
        && let Err(e) = store.set_deadline(t)
    {
        return fail(e);
    }
    // The guest's stderr (a Go panic's message) already went to our stderr: report the root
    // error only.
    let instance = match Instance::new(&mut store, &module, &linker) {
        Ok(i) => i,
        Err(e) => return failure_status(&e, Some(&args.module)),
    };
    let result = match &args.invoke {
        Some(name) => invoke(&mut store, instance, name, &args.args, args.park_until_idle),
        None if module.exported_func_type("_start").is_some() => {
            instance.call(&mut store, "_start", &[])
        }
        // A reactor: `_initialize` already ran at instantiation.
        None => Ok(vec![]),
    };
    let _ = std::io::stdout().flush();
    if let Err(e) = module.persist_code_cache() {
        eprintln!("gojit: warning: cannot write the code cache: {e}");
    }
    if args.stats {
        print_stats(&module, loaded, started);
    }
    let status = match result {
        Ok(vals) => {
            for v in vals {
                println!("{v}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => failure_status(&e, None),
    };
    // The process ends now: tearing down the instance (an 8 GiB memory reservation, the guest
    // stack, code memory) one mapping at a time costs milliseconds the kernel spends anyway,
    // faster, at exit. Output was flushed and the code cache written above.
    std::mem::forget((store, linker, module, engine));
    status
}

/// The `--env` values as variables: `NAME=VALUE` as given, a bare `NAME` with this process's
/// value (left out if it has none).
fn env_vars(env: &[String]) -> Vec<(String, String)> {
    env.iter()
        .filter_map(|e| match e.split_once('=') {
            Some((k, v)) => Some((k.to_string(), v.to_string())),
            None => std::env::var(e).ok().map(|v| (e.clone(), v)),
        })
        .collect()
}

/// `--stats`: compilation statistics on stderr.
fn print_stats(module: &Module, loaded: std::time::Duration, started: Instant) {
    let s = module.compile_stats();
    eprintln!(
        "gojit: module read and validated in {:.1?}; {} of {} functions from the code cache, {} interpreted first, compiled {} ({} of them tier-ups, {} OSR entries, entered {} times) in {:.1?}; total run {:.1?}",
        loaded,
        s.from_cache,
        module.num_functions(),
        s.interpreted,
        s.functions,
        s.tiered_up,
        s.osr_entries,
        s.osr_transfers,
        s.time,
        started.elapsed()
    );
}

/// Runs a `GOOS=js` module (one importing `gojs`) as node runs it with `wasm_exec_node.js`:
/// `go.argv` is the module path and the arguments, `go.env` the `--env` variables, the file
/// system the `--dir` directories.
fn run_gojs(
    args: &RunArgs,
    engine: Engine,
    module: Module,
    loaded: std::time::Duration,
    started: Instant,
) -> ExitCode {
    if args.invoke.is_some() || !args.tcplisten.is_empty() {
        return fail("--invoke and --tcplisten are not supported for GOOS=js modules");
    }
    let mut builder = gojs::GoJsCtxBuilder::new()
        .arg(&args.module.to_string_lossy())
        .args(&args.args);
    for (k, v) in env_vars(&args.env) {
        builder = builder.env(&k, &v);
    }
    for d in &args.dir {
        let (host, guest) = d.split_once("::").unwrap_or((d, d));
        let guest = if guest.starts_with('/') {
            guest.to_string()
        } else {
            // Node sees host paths: a relative --dir is the absolute host path in the guest.
            match std::path::absolute(guest) {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(e) => return fail(format!("--dir {d}: {e}")),
            }
        };
        builder = match builder.preopened_dir(Path::new(host), &guest) {
            Ok(b) => b,
            Err(e) => return fail(format!("--dir {d}: {e}")),
        };
    }
    // Node's `process.cwd()` is the real one: keep it when a --dir shows it at its own path.
    if let Ok(cwd) = std::env::current_dir() {
        let shown = args.dir.iter().any(|d| {
            let (host, guest) = d.split_once("::").unwrap_or((d, d));
            host == guest && cwd.starts_with(host)
        });
        if shown {
            builder = builder.cwd(&cwd.to_string_lossy());
        }
    }
    let mut linker = Linker::new();
    gojs::add_to_linker(&mut linker, |ctx: &mut gojs::GoJsCtx| ctx);
    let mut store = Store::new(&engine, builder.build());
    if let Some(t) = args.timeout
        && let Err(e) = store.set_deadline(t)
    {
        return fail(e);
    }
    let instance = match Instance::new(&mut store, &module, &linker) {
        Ok(i) => i,
        Err(e) => return failure_status(&e, Some(&args.module)),
    };
    let result = gojs::run(&mut store, instance, |ctx: &mut gojs::GoJsCtx| ctx);
    let _ = std::io::stdout().flush();
    if let Err(e) = module.persist_code_cache() {
        eprintln!("gojit: warning: cannot write the code cache: {e}");
    }
    if args.stats {
        print_stats(&module, loaded, started);
    }
    let status = match result {
        Ok(code) => match u8::try_from(code) {
            Ok(code) => ExitCode::from(code),
            Err(_) => fail(format!(
                "the guest exited with status {code}, outside 0..=255"
            )),
        },
        Err(e) => failure_status(&e, None),
    };
    std::mem::forget((store, linker, module, engine));
    status
}

/// The exit status for a failed instantiation or call, after reporting it on stderr: the
/// guest's own exit status, [`TRAP_EXIT`] for a trap, else 1 (`module` prefixes the message).
/// The guest's stderr (a Go panic's message) already went to ours, so only the root is reported.
fn failure_status(e: &Error, module: Option<&std::path::Path>) -> ExitCode {
    match e.root() {
        Error::Exit(code) => match u8::try_from(*code) {
            Ok(code) => ExitCode::from(code),
            // As wasmtime does: a status the host cannot pass on (Linux keeps 8 bits, so 256
            // would read as success) is an error, not a truncated status.
            Err(_) => fail(format!(
                "the guest exited with status {}, outside 0..=255",
                *code as u32
            )),
        },
        e @ Error::Trap { .. } => {
            eprintln!("gojit: trap: {e}");
            ExitCode::from(TRAP_EXIT)
        }
        e => match module {
            Some(m) => fail(format!("{}: {e}", m.display())),
            None => fail(e),
        },
    }
}

/// Calls export `name` with `args` parsed as its parameter types.
fn invoke(
    store: &mut Store<wasi::WasiCtx>,
    instance: Instance,
    name: &str,
    args: &[String],
    idle: bool,
) -> Result<Vec<Val>, Error> {
    let func = instance.get_func(store, name)?;
    let ty = func.ty(store);
    if ty.params.len() != args.len() {
        return Err(Error::Call(format!(
            "`{name}` takes {} arguments {ty}, got {}",
            ty.params.len(),
            args.len()
        )));
    }
    let mut vals = Vec::with_capacity(args.len());
    for (t, a) in ty.params.iter().zip(args) {
        let bad = |_| Error::Call(format!("argument `{a}` is not a valid {t}"));
        vals.push(match t {
            ValType::I32 => Val::I32(
                a.parse::<i64>()
                    .map_err(|_| ())
                    .and_then(|v| {
                        i32::try_from(v)
                            .or_else(|_| u32::try_from(v).map(|u| u as i32))
                            .map_err(|_| ())
                    })
                    .map_err(bad)?,
            ),
            ValType::I64 => Val::I64(
                a.parse::<i64>()
                    .or_else(|_| a.parse::<u64>().map(|u| u as i64))
                    .map_err(|_| ())
                    .map_err(bad)?,
            ),
            ValType::F32 => Val::F32(a.parse::<f32>().map_err(|_| ()).map_err(bad)?.to_bits()),
            ValType::F64 => Val::F64(a.parse::<f64>().map_err(|_| ()).map_err(bad)?.to_bits()),
        });
    }
    if idle {
        store.set_call_mode(CallMode::ParkUntilIdle);
    }
    func.call(store, &vals)
}

/// A duration such as `500ms`, `2s`, `1.5m` or `1h` (units `ns`, `us`, `ms`, `s`, `m`, `h`; a
/// bare number is seconds).
/// A size in bytes such as `65536`, `512KiB`, `64MiB` or `1GiB` (`K`, `M`, `G` and `KB`, `MB`,
/// `GB` are the same binary units).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 64MiB, 1GiB)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (KiB, MiB, GiB)"
            ));
        }
    };
    value
        .checked_mul(1 << shift)
        .filter(|&b| b <= 4 << 30)
        .ok_or_else(|| format!("`{text}` is more than wasm32's 4 GiB"))
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 500ms, 2s, 1.5m)"))?;
    let seconds_per_unit = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (ns, us, ms, s, m, h)"
            ));
        }
    };
    std::time::Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|e| format!("`{text}`: {e}"))
}

fn compile(args: CompileArgs) -> ExitCode {
    let bytes = match read_module(&args.module) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let start = Instant::now();
    let info = match gojit_frontend::ModuleInfo::parse(bytes) {
        Ok(m) => m,
        Err(e) => return fail(format!("{}: {e}", args.module.display())),
    };
    let opts = gojit_jit::IsaOptions {
        verify: args.verify,
        baseline: args.baseline,
        interrupt_checks: args.interrupt_checks,
        // As the runtime compiles on this host (no null checks where stubs exist).
        lazy_call_stubs: args.target.is_none()
            && cfg!(any(target_arch = "x86_64", target_arch = "aarch64")),
        ..Default::default()
    };
    let compiler = match &args.target {
        Some(t) => gojit_jit::Compiler::for_triple(t, &opts),
        None => gojit_jit::Compiler::host(&opts),
    };
    let compiler = match compiler {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let n = info.num_funcs();
    if let Some(pattern) = &args.print {
        let mut found = false;
        for index in (0..n).filter(|&i| info.func_name(i).contains(pattern.as_str())) {
            found = true;
            match compiler.disassemble(&info, index) {
                Ok((clif, asm)) => {
                    // The masked fingerprint is what native-kernel recognition matches.
                    let show =
                        |f: Option<u64>| f.map_or_else(|| "none".into(), |f| format!("{f:#018x}"));
                    let masked = show(gojit_frontend::translate::masked_fingerprint(&info, index));
                    let strict = show(gojit_frontend::translate::strict_fingerprint(&info, index));
                    println!(
                        ";; function {index} `{}` (masked body fingerprint {masked}, strict {strict})\n{clif}",
                        info.func_name(index)
                    );
                    println!(";; machine code ({})\n{asm}", compiler.isa().triple());
                }
                Err(e) => return fail(format!("{}: {e}", args.module.display())),
            }
        }
        if !found {
            return fail(format!("no function name contains `{pattern}`"));
        }
        return ExitCode::SUCCESS;
    }
    let all: Vec<u32> = (0..n).collect();
    let code_bytes: usize = match compiler.compile_parallel(&info, &all, |f| f.code.len()) {
        Ok(sizes) => sizes.iter().sum(),
        Err(e) => return fail(format!("{}: {e}", args.module.display())),
    };
    println!(
        "compiled {n} functions ({} imports, {} defined) for {}: {code_bytes} bytes of machine code in {:.2?}",
        info.num_imports(),
        n - info.num_imports(),
        compiler.isa().triple(),
        start.elapsed()
    );
    ExitCode::SUCCESS
}
