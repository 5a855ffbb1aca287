//! WASI conformance tier: one test per `wasi_snapshot_preview1` function, named after it, each
//! covering the success path and the error paths that apply to it — bad descriptor (`EBADF`),
//! guest pointer outside memory (`EFAULT`), `ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, and sandbox
//! escapes (`..`, absolute paths, symlinks leading out: `EPERM`) — against the real host file
//! system in a scratch directory under `target/tmp/`.
//!
//! The functions are called through the public embedding API (`wasi::add_to_linker` on a
//! `Linker`, callbacks invoked on a 64 KiB `GuestMemory`), exactly as compiled code calls them.
//! Expected values follow the WASI snapshot and, where it is silent, wasmtime's behaviour (the
//! reference runtime of Go's `GOOS=wasip1` port). The family-level unit tests in
//! `runtime/src/wasi/*/tests.rs` go into more detail; this tier is the per-function checklist.
//!
//! Modules: `fd` (descriptor functions), `path` (path functions), `misc` (args, environment,
//! clocks, random, poll, process, sockets).

#[path = "../common/mod.rs"]
mod common;

mod fd;
mod misc;
mod path;

use gojit::wasi::{self, Errno, SharedBuffer, WasiCtxBuilder};
use gojit::{Caller, GuestMemory, HostError, Linker};
use std::path::{Path, PathBuf};

/// Size of guest memory.
pub const MEM: usize = 1 << 16;
/// An address outside guest memory.
pub const BAD: u64 = 0xFFFF_FF00;
/// Scratch addresses: an output slot, an iovec, a data buffer, strings.
pub const OUT: u32 = 100;
pub const OUT2: u32 = 120;
pub const IOV: u32 = 200;
pub const DATA: u32 = 1000;
pub const STR: u32 = 20_000;
pub const STR2: u32 = 21_000;

/// `rights` bits used by the tests.
pub const R: u64 = 1 << 1;
pub const W: u64 = 1 << 6;
pub const RW: u64 = R | W;
/// `oflags`.
pub const CREAT: u64 = 1;
pub const DIRECTORY: u64 = 2;
pub const EXCL: u64 = 4;
pub const TRUNC: u64 = 8;
/// `fdflags`.
pub const APPEND: u64 = 1;
pub const NONBLOCK: u64 = 4;
/// `filetype`.
pub const FT_DIR: u8 = 3;
pub const FT_FILE: u8 = 4;
pub const FT_SOCKET_STREAM: u8 = 6;
pub const FT_SYMLINK: u8 = 7;
/// The sandbox's descriptor.
pub const ROOT: u64 = 3;

/// A sandbox preopened at fd 3 (`/sandbox`), next to `outside/secret.txt` that must stay out of
/// reach; stdin reads `stdin-data`, stdout/stderr are captured.
pub struct Sandbox {
    pub linker: Linker<wasi::WasiCtx>,
    /// The WASI context (what a store's data holds).
    pub ctx: wasi::WasiCtx,
    pub mem: Vec<u8>,
    /// Host path of the preopened directory.
    pub root: PathBuf,
    /// Host path of the directory next to it.
    pub outside: PathBuf,
    pub stdout: SharedBuffer,
    scratch: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::with(|b| b)
    }
}

impl Sandbox {
    /// A sandbox with the default context (stdio captured, the scratch dir preopened).
    pub fn new() -> Sandbox {
        Sandbox::default()
    }

    /// A sandbox whose context builder is adjusted by `f` (after the stdio and the preopen).
    pub fn with(f: impl FnOnce(WasiCtxBuilder) -> WasiCtxBuilder) -> Sandbox {
        let scratch = common::scratch_dir("wasi-conformance");
        let root = scratch.join("sandbox");
        let outside = scratch.join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), b"secret").unwrap();
        // Host-planted symlinks leading out: relative, absolute, to a directory.
        std::os::unix::fs::symlink("../outside/secret.txt", root.join("esc")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../outside", root.join("outdir")).unwrap();
        let stdout = SharedBuffer::new();
        let builder = WasiCtxBuilder::new()
            .args(["prog.wasm", "one", "two words"])
            .env("HOME", "/home/gopher")
            .env("EMPTY", "")
            .stdin(Box::new(&b"stdin-data"[..]))
            .stdout(Box::new(stdout.clone()))
            .stderr(Box::new(SharedBuffer::new()))
            .preopened_dir(&root, "/sandbox")
            .unwrap();
        let mut linker = Linker::new();
        wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
        Sandbox {
            linker,
            ctx: f(builder).build(),
            mem: vec![0; MEM],
            root,
            outside,
            stdout,
            scratch,
        }
    }

    /// Calls `name`; the `HostError` if it stopped instead of returning an errno.
    pub fn try_call(&mut self, name: &str, args: &[u64]) -> Result<Errno, HostError> {
        let f = self
            .linker
            .get(wasi::MODULE, name)
            .unwrap_or_else(|| panic!("{name} is not defined"))
            .clone();
        let mut slots = args.to_vec();
        if slots.is_empty() {
            slots.push(0);
        }
        f.call_with(
            &mut Caller::with_data(GuestMemory::new(&mut self.mem), &mut self.ctx),
            &mut slots,
        )?;
        assert!(slots[0] <= 76, "{name}: {} is not an errno", slots[0]);
        Ok(Errno(slots[0] as u16))
    }

    /// Calls `name` and returns its errno.
    pub fn call(&mut self, name: &str, args: &[u64]) -> Errno {
        self.try_call(name, args)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn put(&mut self, at: u32, data: &[u8]) {
        self.mem[at as usize..at as usize + data.len()].copy_from_slice(data);
    }

    pub fn get(&self, at: u32, len: usize) -> &[u8] {
        &self.mem[at as usize..at as usize + len]
    }

    pub fn u8(&self, at: u32) -> u8 {
        self.mem[at as usize]
    }

    pub fn u16(&self, at: u32) -> u16 {
        u16::from_le_bytes(self.get(at, 2).try_into().unwrap())
    }

    pub fn u32(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.get(at, 4).try_into().unwrap())
    }

    pub fn u64(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.get(at, 8).try_into().unwrap())
    }

    /// Puts `s` at `at`; returns `(ptr, len)` argument slots.
    pub fn s(&mut self, at: u32, s: &str) -> (u64, u64) {
        self.put(at, s.as_bytes());
        (u64::from(at), s.len() as u64)
    }

    /// One iovec `{buf, len}` at [`IOV`]; returns `(iovs, 1)` argument slots.
    pub fn iov(&mut self, buf: u32, len: u32) -> (u64, u64) {
        self.put(IOV, &buf.to_le_bytes());
        self.put(IOV + 4, &len.to_le_bytes());
        (u64::from(IOV), 1)
    }

    /// `path_open` beneath `dirfd` (following symlinks); the new fd or the errno.
    pub fn open(&mut self, dirfd: u64, path: &str, oflags: u64, rights: u64) -> Result<u64, Errno> {
        self.open_ext(dirfd, 1, path, oflags, rights, 0)
    }

    pub fn open_ext(
        &mut self,
        dirfd: u64,
        lookup: u64,
        path: &str,
        oflags: u64,
        rights: u64,
        fdflags: u64,
    ) -> Result<u64, Errno> {
        let (p, l) = self.s(STR, path);
        let args = [
            dirfd,
            lookup,
            p,
            l,
            oflags,
            rights,
            rights,
            fdflags,
            OUT.into(),
        ];
        match self.call("path_open", &args) {
            Errno::SUCCESS => Ok(u64::from(self.u32(OUT))),
            e => Err(e),
        }
    }

    /// `fd_write` of `data`; the count or the errno.
    pub fn write(&mut self, fd: u64, data: &[u8]) -> Result<u32, Errno> {
        self.put(DATA, data);
        let (iov, n) = self.iov(DATA, data.len() as u32);
        match self.call("fd_write", &[fd, iov, n, OUT.into()]) {
            Errno::SUCCESS => Ok(self.u32(OUT)),
            e => Err(e),
        }
    }

    /// `fd_read` of up to `len` bytes; the bytes or the errno.
    pub fn read(&mut self, fd: u64, len: u32) -> Result<Vec<u8>, Errno> {
        let (iov, n) = self.iov(DATA, len);
        match self.call("fd_read", &[fd, iov, n, OUT.into()]) {
            Errno::SUCCESS => Ok(self.get(DATA, self.u32(OUT) as usize).to_vec()),
            e => Err(e),
        }
    }

    /// Calls a `(dirfd, path_ptr, path_len)` function.
    pub fn on_path(&mut self, name: &str, dirfd: u64, path: &str) -> Errno {
        let (p, l) = self.s(STR, path);
        self.call(name, &[dirfd, p, l])
    }

    /// `path_filestat_get` (following symlinks with `follow`): `(filetype, size)` or the errno.
    pub fn stat(&mut self, path: &str, follow: bool) -> Result<(u8, u64), Errno> {
        let (p, l) = self.s(STR, path);
        match self.call(
            "path_filestat_get",
            &[ROOT, u64::from(follow), p, l, DATA.into()],
        ) {
            Errno::SUCCESS => Ok((self.u8(DATA + 16), self.u64(DATA + 32))),
            e => Err(e),
        }
    }

    /// Host path inside the sandbox.
    pub fn host(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The outside secret is intact and nothing new appeared next to it.
    pub fn assert_outside_untouched(&self) {
        assert_eq!(
            std::fs::read(self.outside.join("secret.txt")).unwrap(),
            b"secret"
        );
        let names: Vec<_> = std::fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            ["secret.txt"],
            "something was created outside the sandbox"
        );
        let parent: Vec<_> = std::fs::read_dir(self.root.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        let mut parent = parent;
        parent.sort();
        assert_eq!(parent, ["outside", "sandbox"]);
    }
}

/// Writes a host file inside the sandbox.
pub fn touch(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(p, data).unwrap();
}

/// Paths that try to leave the sandbox: `..`, absolute, through escaping symlinks.
pub const ESCAPES: &[&str] = &[
    "../outside/secret.txt",
    "a/../../outside/secret.txt",
    "/etc/passwd",
    "esc",
    "abs",
    "outdir/secret.txt",
    "outdir/new",
];
