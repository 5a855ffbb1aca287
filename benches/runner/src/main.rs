//! `wasmi-run`: the benchmark suite's interpreter column. Runs a WASI preview1 command (a
//! `GOOS=wasip1` Go binary) under the wasmi interpreter, in process, with the WASI implementation
//! of the `wasmi_wasi` crate (wasi-common).
//!
//! ```text
//! wasmi-run [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... [--timing] MODULE [ARGS]...
//! ```
//!
//! Like Go's `go_wasip1_wasm_exec` for other runtimes: the guest's argv[0] is the module path, the
//! standard streams are inherited, `--env NAME` passes the host's value. `--timing` prints the
//! time spent creating the module (parse, validate; wasmi translates function bodies lazily on
//! first call) and running `_start` to stderr. The exit status is the guest's `proc_exit` status;
//! a trap prints the error and exits with 134.

use std::process::ExitCode;
use std::time::Instant;

use wasmi::{Config, Engine, Linker, Module, Store};
use wasmi_wasi::WasiCtx;
use wasmi_wasi::sync::{Dir, WasiCtxBuilder, ambient_authority};

fn usage() -> ! {
    eprintln!(
        "usage: wasmi-run [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... [--timing] MODULE [ARGS]..."
    );
    std::process::exit(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dirs: Vec<(String, String)> = Vec::new();
    let mut envs: Vec<(String, String)> = Vec::new();
    let mut timing = false;
    let module_path = loop {
        let Some(a) = args.next() else { usage() };
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match flag.as_str() {
            "--dir" => {
                let v = inline.or_else(|| args.next()).unwrap_or_else(|| usage());
                let (host, guest) = match v.split_once("::") {
                    Some((h, g)) => (h.to_string(), g.to_string()),
                    None => (v.clone(), v.clone()),
                };
                dirs.push((host, guest));
            }
            "--env" => {
                let v = inline.or_else(|| args.next()).unwrap_or_else(|| usage());
                match v.split_once('=') {
                    Some((k, val)) => envs.push((k.to_string(), val.to_string())),
                    None => {
                        if let Ok(val) = std::env::var(&v) {
                            envs.push((v.clone(), val));
                        }
                    }
                }
            }
            "--timing" => timing = true,
            "--" => break args.next().unwrap_or_else(|| usage()),
            _ if a.starts_with("--") => usage(),
            _ => break a,
        }
    };
    let guest_args: Vec<String> = std::iter::once(module_path.clone()).chain(args).collect();
    match run(&module_path, &guest_args, &dirs, &envs, timing) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            eprintln!("wasmi-run: {e}");
            ExitCode::from(134)
        }
    }
}

fn run(
    path: &str,
    guest_args: &[String],
    dirs: &[(String, String)],
    envs: &[(String, String)],
    timing: bool,
) -> Result<i32, Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let engine = Engine::new(&Config::default());
    let module = Module::new(&engine, &bytes[..])?;
    let t_module = t0.elapsed();

    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio().args(guest_args)?.envs(envs)?;
    for (host, guest) in dirs {
        let dir = Dir::open_ambient_dir(host, ambient_authority())
            .map_err(|e| format!("--dir {host}: {e}"))?;
        builder.preopened_dir(dir, guest)?;
    }
    let ctx = builder.build();
    let mut store = Store::new(&engine, ctx);
    let mut linker = <Linker<WasiCtx>>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
    let t1 = Instant::now();
    let result = start.call(&mut store, ());
    let t_run = t1.elapsed();
    if timing {
        eprintln!(
            "wasmi-run: module {:.1}ms, _start {:.1}ms",
            t_module.as_secs_f64() * 1e3,
            t_run.as_secs_f64() * 1e3
        );
    }
    match result {
        Ok(()) => Ok(0),
        Err(e) => match e.i32_exit_status() {
            Some(status) => Ok(status),
            None => Err(Box::new(e)),
        },
    }
}
