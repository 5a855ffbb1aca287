//! Test support: calls the registered callbacks directly on a `Vec<u8>` linear memory.

use super::{Errno, MODULE, WasiCtx, add_to_linker};
use crate::{Caller, GuestMemory, HostError, Linker};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Size of the test linear memory.
pub(crate) const MEM_SIZE: usize = 1 << 16;
/// Scratch addresses used by the helpers (tests use addresses below 16 KiB).
pub(crate) const SCRATCH: u32 = 60_000;
pub(crate) const OUT: u32 = 59_992;
pub(crate) const IOV: u32 = 59_984;
pub(crate) const DATA: u32 = 40_000;
/// A guest address outside the test memory.
pub(crate) const BAD_PTR: u64 = 0xFFFF_FF00;

/// A linker with WASI registered, plus a WASI context and a linear memory to call it on.
pub(crate) struct Harness {
    pub(crate) linker: Linker<WasiCtx>,
    pub(crate) ctx: WasiCtx,
    pub(crate) mem: Vec<u8>,
}

impl Harness {
    pub(crate) fn new(ctx: WasiCtx) -> Harness {
        let mut linker = Linker::new();
        add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx);
        Harness {
            linker,
            ctx,
            mem: vec![0; MEM_SIZE],
        }
    }

    /// Calls `name` with `args`, returning all slots afterwards (slot 0 holds the result).
    pub(crate) fn call_raw(&mut self, name: &str, args: &[u64]) -> Result<Vec<u64>, HostError> {
        let f = self
            .linker
            .get(MODULE, name)
            .unwrap_or_else(|| panic!("{name} is not defined"));
        let mut slots = args.to_vec();
        if slots.is_empty() {
            slots.push(0);
        }
        f.call_with(
            &mut Caller::with_data(GuestMemory::new(&mut self.mem), &mut self.ctx),
            &mut slots,
        )?;
        Ok(slots)
    }

    /// Calls `name` and returns its errno.
    pub(crate) fn call(&mut self, name: &str, args: &[u64]) -> Errno {
        let slots = self
            .call_raw(name, args)
            .expect("WASI function returned a HostError");
        let v = u16::try_from(slots[0]).expect("errno fits u16");
        Errno(v)
    }

    pub(crate) fn put(&mut self, ptr: u32, data: &[u8]) {
        self.mem[ptr as usize..ptr as usize + data.len()].copy_from_slice(data);
    }

    pub(crate) fn put_u32(&mut self, ptr: u32, v: u32) {
        self.put(ptr, &v.to_le_bytes());
    }

    pub(crate) fn put_u64(&mut self, ptr: u32, v: u64) {
        self.put(ptr, &v.to_le_bytes());
    }

    pub(crate) fn get(&self, ptr: u32, len: usize) -> &[u8] {
        &self.mem[ptr as usize..ptr as usize + len]
    }

    pub(crate) fn u8_at(&self, ptr: u32) -> u8 {
        self.mem[ptr as usize]
    }

    pub(crate) fn u16_at(&self, ptr: u32) -> u16 {
        u16::from_le_bytes(self.get(ptr, 2).try_into().unwrap())
    }

    pub(crate) fn u32_at(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.get(ptr, 4).try_into().unwrap())
    }

    pub(crate) fn u64_at(&self, ptr: u32) -> u64 {
        u64::from_le_bytes(self.get(ptr, 8).try_into().unwrap())
    }

    /// Writes `s` at `ptr` and returns `(ptr, len)` as argument slots.
    pub(crate) fn str_at(&mut self, ptr: u32, s: &str) -> (u64, u64) {
        self.put(ptr, s.as_bytes());
        (u64::from(ptr), s.len() as u64)
    }

    /// `path_open` with the path at a scratch address; the new fd or the errno.
    pub(crate) fn open(
        &mut self,
        dirfd: u32,
        path: &str,
        oflags: u16,
        rights: u64,
        fdflags: u16,
    ) -> Result<u32, Errno> {
        self.open_follow(dirfd, 1, path, oflags, rights, fdflags)
    }

    /// `path_open` with explicit lookupflags.
    pub(crate) fn open_follow(
        &mut self,
        dirfd: u32,
        lookup: u32,
        path: &str,
        oflags: u16,
        rights: u64,
        fdflags: u16,
    ) -> Result<u32, Errno> {
        let (p, len) = self.str_at(SCRATCH, path);
        let args = [
            dirfd.into(),
            lookup.into(),
            p,
            len,
            oflags.into(),
            rights,
            rights,
            fdflags.into(),
            OUT.into(),
        ];
        match self.call("path_open", &args) {
            Errno::SUCCESS => Ok(self.u32_at(OUT)),
            e => Err(e),
        }
    }

    /// `fd_write` of `data` (one iovec); the count or the errno.
    pub(crate) fn write_fd(&mut self, fd: u32, data: &[u8]) -> Result<u32, Errno> {
        self.put(DATA, data);
        self.iovec(IOV, DATA, data.len() as u32);
        match self.call("fd_write", &[fd.into(), IOV.into(), 1, OUT.into()]) {
            Errno::SUCCESS => Ok(self.u32_at(OUT)),
            e => Err(e),
        }
    }

    /// `fd_read` of up to `len` bytes (one iovec); the bytes or the errno.
    pub(crate) fn read_fd(&mut self, fd: u32, len: u32) -> Result<Vec<u8>, Errno> {
        self.iovec(IOV, DATA, len);
        match self.call("fd_read", &[fd.into(), IOV.into(), 1, OUT.into()]) {
            Errno::SUCCESS => {
                let n = self.u32_at(OUT) as usize;
                Ok(self.get(DATA, n).to_vec())
            }
            e => Err(e),
        }
    }

    /// Writes one iovec `{buf, len}` at `at`.
    pub(crate) fn iovec(&mut self, at: u32, buf: u32, len: u32) {
        self.put_u32(at, buf);
        self.put_u32(at + 4, len);
    }
}

/// A fresh host directory, removed on drop.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("gojit-wasi-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
