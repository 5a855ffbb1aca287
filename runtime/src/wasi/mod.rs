//! The `wasi_snapshot_preview1` host module, as Go's `GOOS=wasip1` port uses it.
//!
//! [`add_to_linker`] defines every function of the snapshot with its exact wasm signature, so a
//! module's WASI imports always link. Each function lives in the file of its family (`args`,
//! `clock`, `random`, `fd`, `path`, `poll`, `proc`, `sock`) and is documented there like a man
//! page: parameters, errno results, the guest memory it reads and writes, and the Go source that
//! calls it. The ground truth for Go's use is `$GOROOT/src/runtime/os_wasip1.go`,
//! `runtime/netpoll_wasip1.go`, `syscall/fs_wasip1.go` and `syscall/syscall_wasip1.go`.
//!
//! Conventions shared by every function:
//! - Arguments arrive as `u64` slots (an `i32` in the low half); the errno result is written to
//!   slot 0. Only `proc_exit` has no result: it returns `Err(HostError::Exit(code))`.
//! - Every guest pointer/length is bounds-checked by [`GuestMemory`]; a range outside linear
//!   memory is `EFAULT` (21), never a panic. Output pointers are checked before any side effect.
//! - The file system is reached only through preopened directories, with cap-std: `..`, absolute
//!   paths and symlinks cannot leave a preopen (such attempts fail with `EPERM`, like wasmtime).
//! - The network is reached only through listening TCP sockets the host preopens
//!   ([`WasiCtxBuilder::preopened_socket`]); the guest accepts connections on them (`sock.rs`).
//! - Rights are not enforced beyond read/write access of opened files (wasmtime does the same);
//!   `fd_fdstat_get` reports rights wasmtime-compatibly.
//!
//! This module contains no `unsafe` code: poll(2), fcntl(2) and clock_gettime(2) come from `nix`.

mod abi;
mod args;
mod clock;
mod errno;
mod fd;
mod filestat;
mod path;
mod poll;
mod proc;
mod random;
mod sock;

pub use errno::Errno;

use crate::ValType;
use crate::{Caller, GuestMemory, HostError, InterruptHandle, Linker, StderrCapture};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Why a [`WasiCtxBuilder`] step failed.
#[derive(Debug)]
pub enum WasiError {
    /// A host directory to preopen could not be opened.
    OpenDir {
        /// The host path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A listening socket to preopen could not be put into non-blocking mode.
    Socket {
        /// The underlying error.
        source: io::Error,
    },
}

impl fmt::Display for WasiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasiError::OpenDir { path, source } => {
                write!(f, "cannot preopen directory {}: {source}", path.display())
            }
            WasiError::Socket { source } => write!(f, "cannot preopen socket: {source}"),
        }
    }
}

impl std::error::Error for WasiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WasiError::OpenDir { source, .. } | WasiError::Socket { source } => Some(source),
        }
    }
}

/// Where a standard stream goes.
enum StdioSpec<T> {
    /// The host process's own descriptor (duplicated when the context is built).
    Inherit,
    /// A Rust reader/writer, e.g. a buffer that captures output in tests.
    Custom(T),
}

/// Configures a [`WasiCtx`]: arguments, environment, standard streams, preopened sockets and
/// directories.
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: StdioSpec<Box<dyn Read>>,
    stdout: StdioSpec<Box<dyn Write>>,
    stderr: StdioSpec<Box<dyn Write>>,
    preopens: Vec<(cap_std::fs::Dir, String)>,
    sockets: Vec<std::net::TcpListener>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// No arguments, no environment, inherited stdio, no preopened directories.
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: StdioSpec::Inherit,
            stdout: StdioSpec::Inherit,
            stderr: StdioSpec::Inherit,
            preopens: Vec::new(),
            sockets: Vec::new(),
        }
    }

    /// Appends one argument (`argv[0]` first: by convention the program name).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Appends the environment variable `key=value`.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Appends environment variables.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.env.extend(
            vars.into_iter()
                .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string())),
        );
        self
    }

    /// Uses the host process's stdin, stdout and stderr (the default).
    pub fn inherit_stdio(mut self) -> Self {
        self.stdin = StdioSpec::Inherit;
        self.stdout = StdioSpec::Inherit;
        self.stderr = StdioSpec::Inherit;
        self
    }

    /// Reads the guest's stdin (fd 0) from `reader`.
    pub fn stdin(mut self, reader: Box<dyn Read>) -> Self {
        self.stdin = StdioSpec::Custom(reader);
        self
    }

    /// Sends the guest's stdout (fd 1) to `writer` (flushed after every `fd_write`).
    pub fn stdout(mut self, writer: Box<dyn Write>) -> Self {
        self.stdout = StdioSpec::Custom(writer);
        self
    }

    /// Sends the guest's stderr (fd 2) to `writer` (flushed after every `fd_write`).
    pub fn stderr(mut self, writer: Box<dyn Write>) -> Self {
        self.stderr = StdioSpec::Custom(writer);
        self
    }

    /// Gives the guest the host directory `host_path`, under the name `guest_path` (e.g. `"/"` or
    /// `"/tmp"`). Preopened directories get the fds after the preopened sockets (3, 4, … when
    /// there are none), in the order they are added; Go takes the first one as its root unless
    /// `$PWD` says otherwise.
    ///
    /// # Errors
    /// [`WasiError::OpenDir`] when `host_path` cannot be opened as a directory.
    pub fn preopened_dir(mut self, host_path: &Path, guest_path: &str) -> Result<Self, WasiError> {
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .map_err(|source| WasiError::OpenDir {
                path: host_path.to_path_buf(),
                source,
            })?;
        self.preopens.push((dir, guest_path.to_string()));
        Ok(self)
    }

    /// Gives the guest a listening TCP socket (wasmtime's `-S tcplisten=HOST:PORT`). Preopened
    /// sockets get fds 3, 4, … in the order they are added, *before* the preopened directories,
    /// as in wasmtime; a Go guest finds them with `net.FileListener(os.NewFile(3, ""))` and
    /// accepts connections with `sock_accept` (see `sock.rs`). The listener is put into
    /// non-blocking mode (as wasmtime does), so that Go parks `Accept` on its netpoller.
    ///
    /// # Errors
    /// [`WasiError::Socket`] if the listener cannot be made non-blocking.
    pub fn preopened_socket(mut self, listener: std::net::TcpListener) -> Result<Self, WasiError> {
        listener
            .set_nonblocking(true)
            .map_err(|source| WasiError::Socket { source })?;
        self.sockets.push(listener);
        Ok(self)
    }

    /// Builds the context: fds 0–2 are the standard streams, then the preopened sockets, then
    /// the preopened directories.
    pub fn build(self) -> WasiCtx {
        let mut fds = FdTable::default();
        fds.insert(0, Desc::Input(input_stream(self.stdin)));
        fds.insert(
            1,
            Desc::Output(output_stream(
                self.stdout,
                io::stdout().as_fd().try_clone_to_owned(),
            )),
        );
        fds.insert(
            2,
            Desc::Output(output_stream(
                self.stderr,
                io::stderr().as_fd().try_clone_to_owned(),
            )),
        );
        for listener in self.sockets {
            fds.push(Desc::Socket(sock::Socket::Listener(listener)));
        }
        for (dir, name) in self.preopens {
            fds.push(Desc::Dir(DirDesc {
                dir,
                preopen: Some(name),
                listing: None,
            }));
        }
        WasiCtx {
            args: self.args,
            env: self.env,
            fds,
            stderr_tail: OutputTail::default(),
        }
    }
}

fn input_stream(spec: StdioSpec<Box<dyn Read>>) -> Input {
    match spec {
        StdioSpec::Custom(reader) => Input::Custom(reader),
        StdioSpec::Inherit => match io::stdin().as_fd().try_clone_to_owned() {
            Ok(fd) => {
                let file = File::from(fd);
                let tty = file.is_terminal();
                Input::Host { file, tty }
            }
            // No host stdin (fd 0 closed): behave like /dev/null.
            Err(_) => Input::Custom(Box::new(io::empty())),
        },
    }
}

fn output_stream(
    spec: StdioSpec<Box<dyn Write>>,
    host: io::Result<std::os::fd::OwnedFd>,
) -> Output {
    match spec {
        StdioSpec::Custom(writer) => Output::Custom(writer),
        StdioSpec::Inherit => match host {
            Ok(fd) => {
                let file = File::from(fd);
                let tty = file.is_terminal();
                Output::Host { file, tty }
            }
            Err(_) => Output::Custom(Box::new(io::sink())),
        },
    }
}

/// A `Write` that appends to a shared buffer: give a clone to [`WasiCtxBuilder::stdout`] and read
/// what the guest wrote with [`SharedBuffer::contents`].
#[derive(Clone, Default)]
pub struct SharedBuffer(Rc<RefCell<Vec<u8>>>);

impl SharedBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        SharedBuffer::default()
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.borrow().clone()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Default for WasiCtx {
    /// `WasiCtxBuilder::new().build()`: no arguments, no environment, inherited stdio.
    fn default() -> Self {
        WasiCtxBuilder::new().build()
    }
}

/// The state behind the WASI functions of one store (its instances share it): kept in the
/// store's data, where [`add_to_linker`]'s accessor finds it.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) fds: FdTable,
    /// The last bytes written to fd 2 (also passed through to the stream itself).
    pub(crate) stderr_tail: OutputTail,
}

/// The last [`OutputTail::CAPACITY`] bytes the guest wrote to its stderr. Go prints a panic's
/// message and traceback, or a fatal error (`all goroutines are asleep - deadlock!`), to fd 2
/// right before it exits or traps, so the error of that guest call carries the text
/// ([`crate::Error::stderr`]): [`add_to_linker`] hands it to the linker as the store's
/// [`StderrCapture`].
#[derive(Default)]
pub(crate) struct OutputTail {
    /// Bytes ever written (a call remembers it at its start, see [`StderrCapture::position`]).
    total: u64,
    /// The last `CAPACITY` of them.
    bytes: VecDeque<u8>,
}

impl OutputTail {
    /// How many bytes are kept (Go's panic message, and the first frames of its traceback).
    pub(crate) const CAPACITY: usize = 8 << 10;

    /// Appends `data`, dropping the oldest bytes beyond [`OutputTail::CAPACITY`].
    pub(crate) fn record(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let data = &data[data.len().saturating_sub(Self::CAPACITY)..];
        let excess = (self.bytes.len() + data.len()).saturating_sub(Self::CAPACITY);
        self.bytes.drain(..excess);
        self.bytes.extend(data);
    }
}

impl StderrCapture for OutputTail {
    fn position(&self) -> u64 {
        self.total
    }

    /// What was written after `mark` (at most the last [`OutputTail::CAPACITY`] bytes, as lossy
    /// UTF-8), or `None` if nothing was.
    fn since(&self, mark: u64) -> Option<String> {
        let written = self.total.checked_sub(mark)?;
        if written == 0 {
            return None;
        }
        let n = (written as usize).min(self.bytes.len());
        let (a, b) = self.bytes.as_slices();
        let mut text: Vec<u8> = a.iter().chain(b).copied().collect();
        text.drain(..text.len() - n);
        Some(String::from_utf8_lossy(&text).into_owned())
    }
}

/// A readable standard stream (stdin).
pub(crate) enum Input {
    /// A duplicate of the host's fd 0.
    Host {
        file: File,
        tty: bool,
    },
    Custom(Box<dyn Read>),
}

/// A writable standard stream (stdout, stderr).
pub(crate) enum Output {
    /// A duplicate of the host's fd 1 or 2.
    Host {
        file: File,
        tty: bool,
    },
    Custom(Box<dyn Write>),
}

/// An open directory.
pub(crate) struct DirDesc {
    pub(crate) dir: cap_std::fs::Dir,
    /// The guest name when this is a preopen (`fd_prestat_get` answers only for those).
    pub(crate) preopen: Option<String>,
    /// The listing `fd_readdir` serves cookies from, taken when it is called with cookie 0, so
    /// that one pass over the directory sees a consistent snapshot.
    pub(crate) listing: Option<Vec<filestat::DirEntryRec>>,
}

/// An open regular file (or other non-directory opened through `path_open`).
pub(crate) struct FileDesc {
    pub(crate) file: File,
    /// Opened with `FD_READ` rights (or with neither read nor write rights).
    pub(crate) readable: bool,
    /// Opened with `FD_WRITE` rights.
    pub(crate) writable: bool,
    /// The fdflags the guest set (APPEND, NONBLOCK, DSYNC, RSYNC, SYNC). APPEND is also applied to
    /// the host file (`O_APPEND`); NONBLOCK is recorded only: regular files never block.
    pub(crate) fdflags: u16,
}

/// What a WASI file descriptor refers to.
pub(crate) enum Desc {
    Input(Input),
    Output(Output),
    Dir(DirDesc),
    File(FileDesc),
    /// A preopened listener or an accepted connection (`sock.rs`).
    Socket(sock::Socket),
}

/// The guest's file descriptors.
#[derive(Default)]
pub(crate) struct FdTable {
    map: BTreeMap<u32, Desc>,
}

impl FdTable {
    pub(crate) fn get(&self, fd: u32) -> Result<&Desc, Errno> {
        self.map.get(&fd).ok_or(Errno::BADF)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> Result<&mut Desc, Errno> {
        self.map.get_mut(&fd).ok_or(Errno::BADF)
    }

    fn insert(&mut self, fd: u32, desc: Desc) {
        self.map.insert(fd, desc);
    }

    pub(crate) fn remove(&mut self, fd: u32) -> Result<Desc, Errno> {
        self.map.remove(&fd).ok_or(Errno::BADF)
    }

    /// Installs `desc` at the lowest free descriptor number, like POSIX `open`.
    pub(crate) fn push(&mut self, desc: Desc) -> u32 {
        let mut fd = 0;
        for &used in self.map.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.map.insert(fd, desc);
        fd
    }

    /// Moves `from` to `to` (closing what `to` held).
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        if !self.map.contains_key(&to) || !self.map.contains_key(&from) {
            return Err(Errno::BADF);
        }
        if from != to {
            let desc = self.map.remove(&from).expect("checked above");
            self.map.insert(to, desc);
        }
        Ok(())
    }

    pub(crate) fn file(&self, fd: u32) -> Result<&FileDesc, Errno> {
        match self.get(fd)? {
            Desc::File(f) => Ok(f),
            _ => Err(Errno::BADF),
        }
    }

    pub(crate) fn dir(&self, fd: u32) -> Result<&DirDesc, Errno> {
        match self.get(fd)? {
            Desc::Dir(d) => Ok(d),
            // Path operations relative to a file or socket: ENOTDIR, as openat(2) would say.
            Desc::File(_) | Desc::Socket(_) => Err(Errno::NOTDIR),
            _ => Err(Errno::BADF),
        }
    }
}

/// A WASI host function body: gets the context, the caller's memory and the argument slots.
pub(crate) type WasiFn = fn(&mut WasiCtx, &mut GuestMemory<'_>, &[u64]) -> Result<(), Errno>;

/// A WASI host function body that may block: also gets the store's interrupt handle (with an
/// interruptible engine), whose wake descriptor it polls along with what it waits for. When
/// the store is interrupted it returns (any errno); the guest then traps `Interrupted`.
pub(crate) type WaitingWasiFn =
    fn(&mut WasiCtx, &mut GuestMemory<'_>, &[u64], Option<&InterruptHandle>) -> Result<(), Errno>;

/// `i32` parameter type.
pub(crate) const I32: ValType = ValType::I32;
/// `i64` parameter type.
pub(crate) const I64: ValType = ValType::I64;

/// How the WASI functions reach their [`WasiCtx`] in the store's data (a closure without
/// state, e.g. `|state: &mut MyState| &mut state.wasi`).
pub trait GetCtx<T>: Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static {}

impl<T, F: Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static> GetCtx<T> for F {}

/// Defines `name` with parameters `params` and one `i32` errno result, running `body`.
pub(crate) fn define<T: 'static>(
    linker: &mut Linker<T>,
    ctx: &impl GetCtx<T>,
    name: &'static str,
    params: &[ValType],
    body: WasiFn,
) {
    let get = *ctx;
    let nparams = params.len();
    linker.define(
        MODULE,
        name,
        params,
        &[I32],
        move |caller: &mut Caller<'_, T>, args: &mut [u64]| {
            if args.len() < nparams.max(1) {
                return Err(HostError::Failed(format!(
                    "{MODULE}::{name}: {} argument slots for {nparams} parameters",
                    args.len()
                )));
            }
            let (data, memory) = caller.data_and_memory();
            let errno = match body(get(data), memory, args) {
                Ok(()) => Errno::SUCCESS,
                Err(errno) => errno,
            };
            args[0] = u64::from(errno.0);
            Ok(())
        },
    );
}

/// Like [`define`], for a body that may block (see [`WaitingWasiFn`]).
pub(crate) fn define_waiting<T: 'static>(
    linker: &mut Linker<T>,
    ctx: &impl GetCtx<T>,
    name: &'static str,
    params: &[ValType],
    body: WaitingWasiFn,
) {
    let get = *ctx;
    let nparams = params.len();
    linker.define(
        MODULE,
        name,
        params,
        &[I32],
        move |caller: &mut Caller<'_, T>, args: &mut [u64]| {
            if args.len() < nparams.max(1) {
                return Err(HostError::Failed(format!(
                    "{MODULE}::{name}: {} argument slots for {nparams} parameters",
                    args.len()
                )));
            }
            let interrupt = caller.interrupt_handle();
            let (data, memory) = caller.data_and_memory();
            let errno = match body(get(data), memory, args, interrupt.as_ref()) {
                Ok(()) => Errno::SUCCESS,
                Err(errno) => errno,
            };
            if interrupt.is_some_and(|h| h.is_interrupted()) {
                return Err(HostError::Trap(crate::Trap::Interrupted));
            }
            args[0] = u64::from(errno.0);
            Ok(())
        },
    );
}

/// Argument slot `i` as an `i32`-typed value (the low 32 bits).
pub(crate) fn arg32(args: &[u64], i: usize) -> u32 {
    args[i] as u32
}

/// Argument slot `i` as an `i64`-typed value.
pub(crate) fn arg64(args: &[u64], i: usize) -> u64 {
    args[i]
}

/// Fails with `EFAULT` unless `ptr..ptr+len` is inside linear memory. Used to validate output
/// pointers before doing anything with side effects. A zero-length range is never dereferenced,
/// so any pointer is accepted for it (like `write(fd, NULL, 0)` in POSIX).
pub(crate) fn check_range(mem: &GuestMemory<'_>, ptr: u32, len: u32) -> Result<(), Errno> {
    if len > 0 {
        mem.slice(ptr, len)?;
    }
    Ok(())
}

/// Copies `data` to guest memory at `ptr` (`EFAULT` if outside); an empty `data` touches nothing.
pub(crate) fn write_bytes(mem: &mut GuestMemory<'_>, ptr: u32, data: &[u8]) -> Result<(), Errno> {
    if !data.is_empty() {
        mem.write(ptr, data)?;
    }
    Ok(())
}

/// Reads a guest path (raw bytes, not necessarily UTF-8).
pub(crate) fn read_path(mem: &GuestMemory<'_>, ptr: u32, len: u32) -> Result<PathBuf, Errno> {
    use std::os::unix::ffi::OsStrExt;
    check_range(mem, ptr, len)?;
    let bytes = if len == 0 {
        &[][..]
    } else {
        mem.slice(ptr, len)?
    };
    if bytes.contains(&0) {
        return Err(Errno::INVAL);
    }
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

/// Reads an `iovec`/`ciovec` array (`{ buf: u32, buf_len: u32 }`, 8 bytes each) and checks that
/// every buffer lies inside linear memory (`EFAULT` otherwise). `EINVAL` if the total length does
/// not fit the `u32` size the call returns.
pub(crate) fn read_iovecs(
    mem: &GuestMemory<'_>,
    ptr: u32,
    count: u32,
) -> Result<Vec<(u32, u32)>, Errno> {
    let bytes_len = count.checked_mul(8).ok_or(Errno::FAULT)?;
    let raw = mem.slice(ptr, bytes_len)?;
    let mut iovs = Vec::with_capacity(count as usize);
    let mut total: u64 = 0;
    for chunk in raw.chunks_exact(8) {
        let buf = u32::from_le_bytes(chunk[0..4].try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(chunk[4..8].try_into().expect("4 bytes"));
        iovs.push((buf, len));
        total += u64::from(len);
    }
    for &(buf, len) in &iovs {
        check_range(mem, buf, len)?;
    }
    if total > u64::from(u32::MAX) {
        return Err(Errno::INVAL);
    }
    Ok(iovs)
}

/// Registers every `wasi_snapshot_preview1` function on `linker`; each reaches its [`WasiCtx`]
/// in the store's data through `ctx` (`|state: &mut MyState| &mut state.wasi`, or `|c| c` when
/// the store's data is the context itself), so one linker serves every store, each with its own
/// arguments, environment, streams and descriptors. Instances linked with it attach what the
/// guest wrote to stderr during a call that traps or exits with a non-zero status to that
/// call's error ([`crate::Error::stderr`]).
///
/// ```no_run
/// use gojit_runtime::{Config, Engine, Instance, Linker, Module, Store, wasi};
/// struct State {
///     wasi: wasi::WasiCtx,
/// }
/// let engine = Engine::new(Config::default())?;
/// let module = Module::new(&engine, std::fs::read("hello.wasm")?)?;
/// let mut linker = Linker::new();
/// wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi);
/// let wasi = wasi::WasiCtxBuilder::new().arg("hello.wasm").build();
/// let mut store = Store::new(&engine, State { wasi });
/// let instance = Instance::new(&mut store, &module, &linker)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, ctx: impl GetCtx<T>) {
    linker.capture_stderr(move |data: &mut T| -> &dyn StderrCapture { &ctx(data).stderr_tail });
    args::add(linker, &ctx);
    clock::add(linker, &ctx);
    random::add(linker, &ctx);
    fd::add(linker, &ctx);
    filestat::add(linker, &ctx);
    path::add(linker, &ctx);
    poll::add(linker, &ctx);
    proc::add(linker, &ctx);
    sock::add(linker, &ctx);
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
