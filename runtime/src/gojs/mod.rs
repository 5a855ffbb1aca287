//! The `gojs` host module: what `GOOS=js GOARCH=wasm` programs import, and the JavaScript
//! world they expect around them — natively, without a JavaScript engine.
//!
//! The specification is Go's own `$GOROOT/lib/wasm/wasm_exec.js` (the imports, the value table,
//! `run`, `_resume`, `_makeFuncWrapper`) and `wasm_exec_node.js` (node's `fs`, `process`, the
//! deadlock event), plus what `syscall/fs_js.go`, `syscall/syscall_js.go` and `time/zoneinfo_js.go`
//! call through `syscall/js`. The files:
//! - `value`: the value model (objects, prototypes, `ToString`, UTF-16 lengths) and the
//!   reference table that NaN-boxes values into Go's `ref`s;
//! - `host`: calling function values, including Go functions (which resume Go);
//! - `imports`: the `gojs` imports, each reading its ABI0 frame at `sp + 8`;
//! - `globals`: the global object (`Object`, `Array`, `Uint8Array`, `Date`, `Error`, `process`,
//!   `path`, `console`, `crypto`, `performance`, `setTimeout`) and the `go` object;
//! - `fs`: node's callback-style `fs` over preopened directories (cap-std);
//! - `run` (here): the event loop, [`run`].
//!
//! Like [`crate::wasi`], this module uses the public embedding API only: its state
//! ([`GoJsCtx`]) lives in the store's data and [`add_to_linker`] finds it with an accessor.

#![forbid(unsafe_code)]

mod fs;
mod globals;
pub mod host;
mod imports;
pub mod value;

#[cfg(test)]
mod tests;

use crate::{Caller, Error, HostError, Instance, Linker, Store, Val};
use host::Host;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use value::{Kind, ObjRef, RefTable, Value};

pub use fs::FsError;

/// The import module name Go 1.21 and later use.
pub const MODULE: &str = "gojs";
/// The import module name Go 1.20 and earlier used.
pub const OLD_MODULE: &str = "go";

/// Whether a module with these imports is a `GOOS=js` program.
pub fn is_gojs_module<'a>(mut imports: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    imports.any(|(m, n)| m == MODULE || (m == OLD_MODULE && n.starts_with("runtime.")))
}

/// What a native function or the host throws: a JavaScript value (Go sees `ok = false` with
/// it), or a host error that stops the guest (an exit inside a Go callback, a trap).
#[derive(Debug)]
pub enum Thrown {
    /// A JavaScript exception.
    Js(Value),
    /// The guest stopped.
    Host(HostError),
}

impl From<HostError> for Thrown {
    fn from(e: HostError) -> Self {
        Thrown::Host(e)
    }
}

/// The prototypes of the built-in constructors (for `instanceof`).
pub(crate) struct Protos {
    pub object: ObjRef,
    pub array: ObjRef,
    pub uint8array: ObjRef,
    pub error: ObjRef,
    pub type_error: ObjRef,
    pub function: ObjRef,
}

/// A timer: Go's `scheduleTimeoutEvent` (resume Go) or `setTimeout(f, ms, ...args)`.
pub(crate) struct Timer {
    pub deadline: Instant,
    /// Order among timers with the same deadline.
    pub seq: u64,
    /// `scheduleTimeoutEvent`'s id, or `setTimeout`'s.
    pub id: u32,
    /// `None` for Go's timeout events; the function and arguments for `setTimeout`.
    pub callback: Option<(Value, Vec<Value>)>,
}

/// The JavaScript state of one Go program: its value table, global object, timers, pending
/// callbacks, open files and standard streams. Keep it in the store's data.
pub struct GoJsCtx {
    pub(crate) refs: RefTable,
    pub(crate) global: ObjRef,
    pub(crate) go: ObjRef,
    pub(crate) protos: Protos,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Set by `runtime.wasmExit`.
    pub(crate) exited: Option<i32>,
    /// Callbacks ready to run (fs completions), in order: function, arguments.
    pub(crate) events: VecDeque<(Value, Vec<Value>)>,
    pub(crate) timers: Vec<Timer>,
    next_go_timer: u32,
    next_js_timer: u32,
    timer_seq: u64,
    pub(crate) fs: fs::FsState,
    pub(crate) stdout: Box<dyn Write>,
    pub(crate) stderr: Box<dyn Write>,
    pub(crate) stdin: Box<dyn Read>,
    started: Instant,
    /// Wall-clock time at `started`, in ms since the epoch (`timeOrigin`).
    time_origin_ms: f64,
    /// The local time zone `Date` reports (`getTimezoneOffset`).
    time_zone: jiff::tz::TimeZone,
}

/// Configures a [`GoJsCtx`]: `go.argv`, `go.env`, preopened directories, standard streams.
pub struct GoJsCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<fs::Preopen>,
    cwd: Option<String>,
    stdout: Option<Box<dyn Write>>,
    stderr: Option<Box<dyn Write>>,
    stdin: Option<Box<dyn Read>>,
    time_zone: Option<String>,
}

impl Default for GoJsCtxBuilder {
    fn default() -> Self {
        GoJsCtxBuilder::new()
    }
}

impl GoJsCtxBuilder {
    /// No arguments, no environment, the host's stdio, no files.
    pub fn new() -> Self {
        GoJsCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            cwd: None,
            stdout: None,
            stderr: None,
            stdin: None,
            time_zone: None,
        }
    }

    /// Appends one argument (`argv[0]` first: node passes the module's path).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Sets the environment variable `key=value` (`go.env` is an object: a later value wins).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Gives the guest the host directory `host_path` under the absolute guest path
    /// `guest_path`; `fs` reaches files only inside preopened directories (cap-std: `..` and
    /// symlinks cannot leave them).
    ///
    /// # Errors
    /// [`FsError`] when `host_path` cannot be opened as a directory.
    pub fn preopened_dir(mut self, host_path: &Path, guest_path: &str) -> Result<Self, FsError> {
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .map_err(|source| FsError {
                path: host_path.to_path_buf(),
                source,
            })?;
        self.preopens.push(fs::Preopen::new(
            dir,
            host_path,
            fs::normalize("/", guest_path),
        ));
        Ok(self)
    }

    /// Sets `process.cwd()` (default: `$PWD` from the environment if it names a preopened
    /// directory, else the first preopened directory, else `/`).
    pub fn cwd(mut self, cwd: &str) -> Self {
        self.cwd = Some(fs::normalize("/", cwd));
        self
    }

    /// Sends the guest's stdout to `w`.
    pub fn stdout(mut self, w: Box<dyn Write>) -> Self {
        self.stdout = Some(w);
        self
    }

    /// Sends the guest's stderr to `w`.
    pub fn stderr(mut self, w: Box<dyn Write>) -> Self {
        self.stderr = Some(w);
        self
    }

    /// Reads the guest's stdin from `r`.
    pub fn stdin(mut self, r: Box<dyn Read>) -> Self {
        self.stdin = Some(r);
        self
    }

    /// Sets the local time zone `Date` reports (Go's `time.Local` on js), as a `TZ` value: an
    /// IANA name (`"Europe/Berlin"`, optionally after `:`); anything else, POSIX rules
    /// included, is UTC, as in node (whose ICU reads only names). Default: the guest's `TZ` variable if set
    /// (node reads its own `TZ`, and `go_js_wasm_exec` passes the host's environment), else the
    /// host's system time zone.
    pub fn time_zone(mut self, tz: &str) -> Self {
        self.time_zone = Some(tz.to_string());
        self
    }

    /// The context.
    pub fn build(self) -> GoJsCtx {
        let cwd = self.cwd.unwrap_or_else(|| {
            let pwd = self
                .env
                .iter()
                .find(|(k, _)| k == "PWD")
                .map(|(_, v)| fs::normalize("/", v));
            match pwd {
                Some(p) if self.preopens.iter().any(|o| fs::within(&p, o.guest())) => p,
                _ => self
                    .preopens
                    .first()
                    .map_or_else(|| "/".to_string(), |o| o.guest().to_string()),
            }
        });
        let tz_setting = self.time_zone.or_else(|| {
            self.env
                .iter()
                .find(|(k, _)| k == "TZ")
                .map(|(_, v)| v.clone())
        });
        let time_zone = match tz_setting {
            Some(tz) => time_zone_named(&tz),
            None => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
        };
        let (global, go, protos) = globals::create();
        let refs = RefTable::new(global.clone(), go.clone());
        let now_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0;
        GoJsCtx {
            refs,
            global,
            go,
            protos,
            args: self.args,
            env: self.env,
            exited: None,
            events: VecDeque::new(),
            timers: Vec::new(),
            next_go_timer: 1,
            next_js_timer: 1,
            timer_seq: 0,
            fs: fs::FsState::new(self.preopens, cwd),
            stdout: self.stdout.unwrap_or_else(|| Box::new(std::io::stdout())),
            stderr: self.stderr.unwrap_or_else(|| Box::new(std::io::stderr())),
            stdin: self.stdin.unwrap_or_else(|| Box::new(std::io::stdin())),
            started: Instant::now(),
            time_origin_ms: now_ms,
            time_zone,
        }
    }
}

/// The zone a `TZ` value names (an IANA name, optionally after `:`); UTC when it names none,
/// as node does (its ICU ignores POSIX rules such as `EST5EDT,M3.2.0,M11.1.0`). A path
/// (`:/etc/localtime`) is not read: the guest's setting must not open host files.
fn time_zone_named(tz: &str) -> jiff::tz::TimeZone {
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.is_empty() || name.starts_with('/') {
        return jiff::tz::TimeZone::UTC;
    }
    jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

impl GoJsCtx {
    /// The global object (`globalThis`): add host objects to it before running, e.g.
    /// `ctx.global().set("api", obj)`, and Go finds them with `js.Global().Get("api")`.
    pub fn global(&self) -> &ObjRef {
        &self.global
    }

    /// The exit status, once the program called `runtime.wasmExit`.
    pub fn exit_code(&self) -> Option<i32> {
        self.exited
    }

    /// `performance.now()`: milliseconds since the context was made.
    pub(crate) fn now_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    /// `timeOrigin + performance.now()` in ms (what `nanotime1` and `Date.now()` report).
    pub(crate) fn epoch_ms(&self) -> f64 {
        self.time_origin_ms + self.now_ms()
    }

    /// `Date.prototype.getTimezoneOffset` for the instant `ms`: UTC minus local time, in whole
    /// minutes toward zero, as V8 reports the local mean times with seconds of old dates.
    pub(crate) fn timezone_offset_minutes(&self, ms: f64) -> f64 {
        let at =
            jiff::Timestamp::from_millisecond(ms as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        f64::from(-self.time_zone.to_offset(at).seconds() / 60)
    }

    /// A new `Error` (of prototype `proto`) with `message`.
    fn error_of(&self, proto: &ObjRef, message: &str) -> Value {
        Value::Obj(ObjRef::new(Kind::Error, Some(proto.clone())).with("message", message))
    }

    /// A thrown `Error` with `message` (what a native function returns to throw; Go sees a
    /// `js.Error` whose message is `message`).
    pub fn error(&self, message: &str) -> Thrown {
        Thrown::Js(self.error_of(&self.protos.error, message))
    }

    /// A thrown `TypeError` with `message`.
    pub fn type_error(&self, message: &str) -> Thrown {
        Thrown::Js(self.error_of(&self.protos.type_error, message))
    }

    /// A node-style error: an `Error` with `code` (e.g. `ENOENT`), which Go maps to an errno.
    pub(crate) fn node_error(&self, code: &str, message: &str) -> Value {
        let e = self.error_of(&self.protos.error, &format!("{code}: {message}"));
        if let Value::Obj(o) = &e {
            o.set("code", code.into());
        }
        e
    }

    /// A new array.
    pub fn new_array(&self, items: Vec<Value>) -> Value {
        Value::Obj(ObjRef::new(
            Kind::Array(items),
            Some(self.protos.array.clone()),
        ))
    }

    /// A native function object (e.g. for `ctx.global().set("api", ...)`): calling it from Go
    /// (`js.Global().Call("api", ...)`) runs `f(host, this, args)`; `Err(Thrown::Js(v))`
    /// throws `v`, which Go sees as a `js.Error` panic. [`host::call`] calls Go functions
    /// (from `js.FuncOf`) passed to it.
    pub fn new_function(
        &self,
        f: impl Fn(&mut dyn Host, &Value, &[Value]) -> Result<Value, Thrown> + 'static,
    ) -> ObjRef {
        globals::native(&self.protos.function, f)
    }

    /// A new plain object.
    pub fn new_object(&self) -> ObjRef {
        ObjRef::new(Kind::Plain, Some(self.protos.object.clone()))
    }

    /// A new `Uint8Array` holding `bytes`.
    pub fn new_bytes(&self, bytes: Vec<u8>) -> Value {
        Value::Obj(ObjRef::new(
            Kind::Bytes(bytes),
            Some(self.protos.uint8array.clone()),
        ))
    }

    /// Queues `f(args...)` to run from the event loop (a completed fs call's callback).
    pub(crate) fn queue(&mut self, f: Value, args: Vec<Value>) {
        self.events.push_back((f, args));
    }

    /// Adds a timer; returns its id (Go's and `setTimeout`'s ids are counted separately).
    pub(crate) fn add_timer(&mut self, ms: f64, callback: Option<(Value, Vec<Value>)>) -> u32 {
        // Node clamps delays below 1 ms (and NaN) to 1 ms.
        let ms = if ms.is_finite() && ms >= 1.0 {
            ms.min(2_147_483_647.0)
        } else {
            1.0
        };
        let id = if callback.is_some() {
            let id = self.next_js_timer;
            self.next_js_timer += 1;
            id
        } else {
            let id = self.next_go_timer;
            self.next_go_timer += 1;
            id
        };
        self.timer_seq += 1;
        self.timers.push(Timer {
            deadline: Instant::now() + Duration::from_secs_f64(ms / 1000.0),
            seq: self.timer_seq,
            id,
            callback,
        });
        id
    }

    /// Removes a timer (`clearTimeoutEvent` when `go` is set, `clearTimeout` otherwise).
    pub(crate) fn clear_timer(&mut self, id: u32, go: bool) {
        self.timers
            .retain(|t| !(t.id == id && t.callback.is_none() == go));
    }

    fn has_go_timer(&self, id: u32) -> bool {
        self.timers
            .iter()
            .any(|t| t.id == id && t.callback.is_none())
    }

    /// Writes to the guest's stdout (1) or stderr (2), as node's `fs.writeSync` does.
    pub(crate) fn write_stdio(&mut self, fd: i32, bytes: &[u8]) -> std::io::Result<()> {
        let w = if fd == 2 {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        w.write_all(bytes)?;
        w.flush()
    }
}

/// How the `gojs` imports find their state in a store's data.
pub trait Accessor<T>: Fn(&mut T) -> &mut GoJsCtx + Send + Sync + Copy + 'static {}
impl<T, F: Fn(&mut T) -> &mut GoJsCtx + Send + Sync + Copy + 'static> Accessor<T> for F {}

/// Defines every `gojs` import (under the module names `gojs` and `go`, with the old aliases
/// `runtime.walltime1` and `runtime.nanotime`) in `linker`; `get` finds the [`GoJsCtx`] in the
/// store's data.
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, get: impl Accessor<T>) {
    imports::define(linker, get);
}

/// A [`Host`] inside an import: `resume` calls the export re-entrantly.
pub(crate) struct CallerHost<'c, 'a, T, G> {
    pub caller: &'c mut Caller<'a, T>,
    pub get: G,
}

impl<T: 'static, G: Accessor<T>> Host for CallerHost<'_, '_, T, G> {
    fn js(&mut self) -> &mut GoJsCtx {
        (self.get)(self.caller.data_mut())
    }
    fn resume(&mut self) -> Result<(), HostError> {
        self.caller
            .call("resume", &[])
            .map(|_| ())
            .map_err(host_error)
    }
}

/// A [`Host`] in the event loop, between guest calls.
struct StoreHost<'s, T, G> {
    store: &'s mut Store<T>,
    instance: Instance,
    get: G,
}

impl<T: 'static, G: Accessor<T>> Host for StoreHost<'_, T, G> {
    fn js(&mut self) -> &mut GoJsCtx {
        (self.get)(self.store.data_mut())
    }
    fn resume(&mut self) -> Result<(), HostError> {
        self.instance
            .call(self.store, "resume", &[])
            .map(|_| ())
            .map_err(host_error)
    }
}

/// The error of a nested guest call as the import that made it reports it.
pub(crate) fn host_error(e: Error) -> HostError {
    match e.root() {
        Error::Exit(c) => HostError::Exit(*c),
        Error::Trap { trap, .. } => HostError::Trap(*trap),
        _ => HostError::Failed(e.to_string()),
    }
}

fn error_of_host(e: HostError) -> Error {
    match e {
        HostError::Exit(c) => Error::Exit(c),
        HostError::Trap(trap) => Error::Trap { trap, func: None },
        HostError::Failed(m) => Error::Host(m),
    }
}

/// The most argv and environment bytes `wasm_exec.js` may write (from 4096 up to the linker's
/// `wasmMinDataAddr`, 4096 + 8192).
const ARGV_START: u32 = 4096;
const ARGV_END: u32 = 4096 + 8192;

/// Writes `go.argv` and `go.env` to linear memory from 4096 as `wasm_exec.js` does
/// (NUL-terminated strings, 8-aligned, then u64 pointers: args, 0, env sorted by key, 0).
/// Returns `(argc, argv)`.
fn write_argv(
    mem: &mut crate::GuestMemory<'_>,
    args: &[String],
    env: &[(String, String)],
) -> Result<(i32, i32), Error> {
    let mut offset = ARGV_START;
    let mut ptrs = Vec::new();
    let too_long = || {
        Error::Host("total length of command line and environment variables exceeds limit".into())
    };
    let mut put = |s: &str, offset: &mut u32| -> Result<u32, Error> {
        let ptr = *offset;
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        let end = u32::try_from(bytes.len())
            .ok()
            .and_then(|n| ptr.checked_add(n))
            .filter(|&e| e < ARGV_END)
            .ok_or_else(too_long)?;
        mem.write(ptr, &bytes)
            .map_err(|e| Error::Host(e.to_string()))?;
        *offset = end.next_multiple_of(8);
        Ok(ptr)
    };
    for a in args {
        ptrs.push(put(a, &mut offset)?);
    }
    ptrs.push(0);
    let mut env: Vec<&(String, String)> = env.iter().collect();
    env.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    for (k, v) in env {
        ptrs.push(put(&format!("{k}={v}"), &mut offset)?);
    }
    ptrs.push(0);
    let argv = offset;
    for p in ptrs {
        if offset + 8 > ARGV_END {
            return Err(too_long());
        }
        mem.write_u64(offset, u64::from(p))
            .map_err(|e| Error::Host(e.to_string()))?;
        offset += 8;
    }
    if offset >= ARGV_END {
        return Err(too_long());
    }
    Ok((args.len() as i32, argv as i32))
}

/// Where a `GOOS=js` program stands when [`start`] or [`call_function`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The program called `runtime.wasmExit` with this status.
    Exited(i32),
    /// Every goroutine is parked: no callback is queued and no timer is due. Timers set for
    /// later stay pending; the next [`call_function`] (or [`run`]) delivers them when due.
    Idle,
}

/// Starts a `GOOS=js` program for an embedder: calls `run(argc, argv)` and then delivers
/// queued callbacks and due timers until every goroutine is parked (the seed's
/// park-until-idle: `main` typically registers `js.FuncOf` functions in the global object and
/// blocks in `select {}`). Then call them with [`call_function`].
///
/// # Errors
/// A trap or host failure.
pub fn start<T: 'static>(
    store: &mut Store<T>,
    instance: Instance,
    get: impl Accessor<T>,
) -> Result<Status, Error> {
    if let Some(code) = call_run(store, instance, get)? {
        return Ok(Status::Exited(code));
    }
    Ok(match pump(store, instance, get, false)? {
        Some(code) => Status::Exited(code),
        None => Status::Idle,
    })
}

/// Calls the JavaScript function `f` (typically a Go function from `js.FuncOf` that the
/// program stored in the global object) with `args`, as JavaScript would, then delivers what
/// the call queued until every goroutine is parked. Returns what `f` returned, or `Err(value)`
/// with what it threw (a Go function panics with a `js.Error` that way).
///
/// # Errors
/// [`Error::Exit`] if the program exited during the call; a trap or host failure.
pub fn call_function<T: 'static>(
    store: &mut Store<T>,
    instance: Instance,
    get: impl Accessor<T>,
    f: &Value,
    args: &[Value],
) -> Result<Result<Value, Value>, Error> {
    let mut host = StoreHost {
        store,
        instance,
        get,
    };
    let out = match host::call(&mut host, f, &Value::Undefined, args) {
        Ok(v) => Ok(v),
        Err(Thrown::Js(v)) => Err(v),
        Err(Thrown::Host(e)) => return Err(error_of_host(e)),
    };
    if let Some(code) = get(store.data_mut()).exited {
        return Err(Error::Exit(code));
    }
    match pump(store, instance, get, false)? {
        Some(code) => Err(Error::Exit(code)),
        None => Ok(out),
    }
}

/// Runs a `GOOS=js` program as `wasm_exec.js` and `wasm_exec_node.js` do: calls
/// `run(argc, argv)`, then, until the program exits, delivers queued callbacks and due timers
/// by resuming Go. When nothing is left to run and Go has not exited, it resumes Go once with
/// the deadlock event (`{id: 0}`, as node does at exit), which makes Go report its deadlock.
///
/// Returns the program's exit status (`runtime.wasmExit`).
///
/// # Errors
/// A trap or host failure; [`Error::Host`] if the program neither exits nor has anything
/// left to run after the deadlock event.
pub fn run<T: 'static>(
    store: &mut Store<T>,
    instance: Instance,
    get: impl Accessor<T>,
) -> Result<i32, Error> {
    if let Some(code) = call_run(store, instance, get)? {
        return Ok(code);
    }
    let mut deadlock_sent = false;
    loop {
        if let Some(code) = pump(store, instance, get, true)? {
            return Ok(code);
        }
        if deadlock_sent {
            return Err(Error::Host(
                "the Go program is stuck: no timers or callbacks are pending and it has not exited"
                    .into(),
            ));
        }
        deadlock_sent = true;
        let mut host = StoreHost {
            store,
            instance,
            get,
        };
        let js = host.js();
        let event = js.new_object().with("id", 0.0);
        js.go.set("_pendingEvent", Value::Obj(event));
        let r = host.resume();
        if let Some(code) = finished(r.map(|()| Vec::new()).map_err(error_of_host))? {
            return Ok(code);
        }
    }
}

/// Writes argv and the environment and calls `run(argc, argv)`; the exit status if the
/// program exited in it.
fn call_run<T: 'static>(
    store: &mut Store<T>,
    instance: Instance,
    get: impl Accessor<T>,
) -> Result<Option<i32>, Error> {
    let (args, env) = {
        let js = get(store.data_mut());
        (js.args.clone(), js.env.clone())
    };
    let (argc, argv) = write_argv(&mut instance.memory_view(store), &args, &env)?;
    let outcome = instance.call(store, "run", &[Val::I32(argc), Val::I32(argv)]);
    finished(outcome)
}

/// Delivers queued callbacks and timers until the program exits (`Some(status)`) or nothing
/// is left: with `wait`, sleeping until each pending timer is due (node's event loop);
/// without, only timers already due (an embedder's call returns when Go is parked).
fn pump<T: 'static>(
    store: &mut Store<T>,
    instance: Instance,
    get: impl Accessor<T>,
    wait: bool,
) -> Result<Option<i32>, Error> {
    // A store with a deadline or an interrupt handle stops the wait for a timer too.
    let interrupt = store.interrupt_handle().ok();
    let mut host = StoreHost {
        store,
        instance,
        get,
    };
    loop {
        let js = host.js();
        if let Some(code) = js.exited {
            return Ok(Some(code));
        }
        if let Some((f, args)) = js.events.pop_front() {
            let r = host::call(&mut host, &f, &Value::Undefined, &args);
            if let Some(code) = thrown(&mut host, r)? {
                return Ok(Some(code));
            }
            continue;
        }
        let next = js
            .timers
            .iter()
            .enumerate()
            .min_by_key(|(_, t)| (t.deadline, t.seq))
            .map(|(i, t)| (i, t.deadline));
        let Some((i, deadline)) = next.filter(|(_, d)| wait || *d <= Instant::now()) else {
            return Ok(None);
        };
        sleep_until(deadline, interrupt.as_ref())?;
        let timer = host.js().timers.remove(i);
        let r = match timer.callback {
            Some((f, args)) => host::call(&mut host, &f, &Value::Undefined, &args),
            None => {
                // `wasm_exec.js:285-291`: resume while Go has not taken the event.
                let mut r = host.resume();
                while r.is_ok() && host.js().exited.is_none() && host.js().has_go_timer(timer.id) {
                    let _ = host
                        .js()
                        .write_stdio(2, b"scheduleTimeoutEvent: missed timeout event\n");
                    host.js().clear_timer(timer.id, true);
                    r = host.resume();
                }
                r.map(|()| Value::Undefined).map_err(Thrown::Host)
            }
        };
        if let Some(code) = thrown(&mut host, r)? {
            return Ok(Some(code));
        }
    }
}

/// The exit status if a guest call ended in the program's exit.
fn finished(outcome: Result<Vec<Val>, Error>) -> Result<Option<i32>, Error> {
    match outcome {
        Ok(_) => Ok(None),
        Err(e) => match e.exit_code() {
            Some(code) => Ok(Some(code)),
            None => Err(e),
        },
    }
}

/// The outcome of a callback run from the event loop: an uncaught JavaScript exception ends
/// the program as node does (status 1, the error on stderr).
fn thrown(host: &mut dyn Host, r: Result<Value, Thrown>) -> Result<Option<i32>, Error> {
    match r {
        Ok(_) => Ok(None),
        Err(Thrown::Host(e)) => finished(Err(error_of_host(e))),
        Err(Thrown::Js(v)) => {
            let msg = format!("Uncaught {}\n", v.to_js_string());
            let _ = host.js().write_stdio(2, msg.as_bytes());
            Ok(Some(1))
        }
    }
}

/// Sleeps until `deadline`, or until the store is interrupted (then the program traps
/// `interrupted`, as a guest call would).
fn sleep_until(deadline: Instant, interrupt: Option<&crate::InterruptHandle>) -> Result<(), Error> {
    use nix::poll::{PollFd, PollFlags, PollTimeout};
    let interrupted = || Error::Trap {
        trap: crate::Trap::Interrupted,
        func: None,
    };
    let Some(h) = interrupt else {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        return Ok(());
    };
    let wake = h.wake_fd().map_err(|e| Error::Host(e.to_string()))?;
    loop {
        if h.is_interrupted() {
            return Err(interrupted());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        // poll(2) counts milliseconds: round up so a timer never fires early.
        let ms = left.as_nanos().div_ceil(1_000_000);
        let timeout = PollTimeout::try_from(i32::try_from(ms).unwrap_or(i32::MAX))
            .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(wake, PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(Error::Host(format!("poll: {e}"))),
        }
    }
}
