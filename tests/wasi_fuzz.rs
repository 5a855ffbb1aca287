//! Robustness: every `wasi_snapshot_preview1` import is called many thousands of times with
//! random arguments — descriptors, pointers, lengths, flags, offsets, paths, iovec arrays,
//! subscriptions — directly through the callbacks `wasi::add_to_linker` registers, on a 64 KiB
//! guest memory. The host must never panic, every call must leave a valid errno in slot 0 (or,
//! for `proc_exit` only, stop with `HostError::Exit`), and nothing outside the preopened
//! directory may change.
//!
//! The generator is a fixed-seed PRNG (`GOJIT_WASI_FUZZ_SEED` / `GOJIT_WASI_FUZZ_CALLS` override
//! the seed and the number of calls), so a failure reproduces exactly; the failing call is
//! printed with its arguments. Arguments are drawn per parameter role (a descriptor, a pointer,
//! a path, ...) most of the time, so that calls get past argument validation and reach the file
//! system, and as raw random 64-bit slots the rest of the time.
//!
//! The context is rebuilt every [`EPOCH`] calls (random calls close and renumber descriptors,
//! preopens included). Each context has stdio as in-memory streams, a loopback listener at fd 3
//! with a few already-connected (and already-closed) clients queued, and the sandbox directory
//! at fd 4. Calls that could block forever are defused: `poll_oneoff` always gets a short clock
//! subscription first when its subscription array is in memory, and sockets are put back into
//! non-blocking mode after each `fd_fdstat_set_flags`.

mod common;

use gojit::wasi::{self, Errno};
use gojit::{Caller, GuestMemory, HostError, Linker};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const MEM: usize = 1 << 16;
/// Calls per context.
const EPOCH: usize = 100;
/// The largest errno of the snapshot (`ENOTCAPABLE`).
const MAX_ERRNO: u64 = 76;
/// Where path strings are kept in guest memory (each at `PATHS + 64 * i`).
const PATHS: u32 = 56_000;

/// Paths the generator picks from: inside the sandbox, escapes, odd names.
const PATH_WORDS: &[&str] = &[
    "a",
    "a/b",
    "a/b/c.txt",
    "file.txt",
    "dir",
    "dir/",
    "link",
    "link/x",
    "loop",
    "new",
    "new2",
    ".",
    "..",
    "../outside",
    "../outside/secret.txt",
    "a/../../outside/secret.txt",
    "/",
    "/etc/passwd",
    "",
    "a/./b",
    "esc",
    "esc/secret.txt",
    "abs",
    "dir/sub/deeper",
    "fifo\u{0}x",
    "very/long/path/that/does/not/exist/at/all",
    "file.txt/x",
    "\u{e9}t\u{e9}",
];

/// Parameter roles: `F` descriptor, `P` pointer, `L` length/count, `S` path (pointer + length),
/// `V` iovec array (pointer + count), `B` buffer (pointer + length), `G` small flags, `W` 64-bit
/// value, `C` clock id, `E` exit code; flags of a known type: `K` lookupflags (`Z`: where only 0
/// is valid), `O` oflags,
/// `D` fdflags, `R` rights, `N` subscription count, `H` whence, `T` fstflags, `A` advice, `Y` sdflags, `Q` riflags.
const SPECS: &[(&str, &str)] = &[
    ("args_get", "PP"),
    ("args_sizes_get", "PP"),
    ("environ_get", "PP"),
    ("environ_sizes_get", "PP"),
    ("clock_res_get", "CP"),
    ("clock_time_get", "CWP"),
    ("fd_advise", "FWWA"),
    ("fd_allocate", "FWW"),
    ("fd_close", "F"),
    ("fd_datasync", "F"),
    ("fd_fdstat_get", "FP"),
    ("fd_fdstat_set_flags", "FD"),
    ("fd_fdstat_set_rights", "FRR"),
    ("fd_filestat_get", "FP"),
    ("fd_filestat_set_size", "FW"),
    ("fd_filestat_set_times", "FWWT"),
    ("fd_pread", "FVWP"),
    ("fd_prestat_get", "FP"),
    ("fd_prestat_dir_name", "FB"),
    ("fd_pwrite", "FVWP"),
    ("fd_read", "FVP"),
    ("fd_readdir", "FBWP"),
    ("fd_renumber", "FF"),
    ("fd_seek", "FWHP"),
    ("fd_sync", "F"),
    ("fd_tell", "FP"),
    ("fd_write", "FVP"),
    ("path_create_directory", "FS"),
    ("path_filestat_get", "FKSP"),
    ("path_filestat_set_times", "FKSWWT"),
    ("path_link", "FZSFS"),
    ("path_open", "FKSORRDP"),
    ("path_readlink", "FSBP"),
    ("path_remove_directory", "FS"),
    ("path_rename", "FSFS"),
    ("path_symlink", "SFS"),
    ("path_unlink_file", "FS"),
    ("poll_oneoff", "PPNP"),
    ("proc_exit", "E"),
    ("proc_raise", "G"),
    ("sched_yield", ""),
    ("random_get", "B"),
    ("sock_accept", "FDP"),
    ("sock_recv", "FVQPP"),
    ("sock_send", "FVGP"),
    ("sock_shutdown", "FY"),
];

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn fd(&mut self) -> u64 {
        match self.below(20) {
            0 | 1 => *self.pick(&[u64::from(u32::MAX), 1 << 31, 1000, 65_535]),
            2..=4 => self.below(12),
            // The preopened directory: path functions need it.
            5..=11 => 4,
            _ => 3 + self.below(7),
        }
    }
    /// A value of a flags type whose defined bits are `mask`: mostly valid combinations.
    fn bits(&mut self, mask: u64) -> u64 {
        match self.below(10) {
            0 => self.flags(),
            1..=3 => 0,
            _ => self.next() & mask,
        }
    }
    fn rights(&mut self) -> u64 {
        match self.below(10) {
            0 => self.next(),
            1 => (1 << 30) - 1,
            _ => *self.pick(&[0, 2, 64, 66]) | (self.next() & !66 & ((1 << 30) - 1) & self.next()),
        }
    }
    fn ptr(&mut self) -> u64 {
        match self.below(20) {
            0 => *self.pick(&[u64::from(u32::MAX), u64::from(u32::MAX - 3), MEM as u64]),
            1 => MEM as u64 - self.below(16),
            2 if self.chance(50) => MEM as u64 + self.below(1 << 20),
            _ => self.below(MEM as u64 - 256),
        }
    }
    fn len(&mut self) -> u64 {
        match self.below(10) {
            0 => *self.pick(&[u64::from(u32::MAX), 1 << 31, MEM as u64, 1 << 28]),
            1 => 0,
            2 => self.below(MEM as u64),
            _ => self.below(300),
        }
    }
    fn flags(&mut self) -> u64 {
        match self.below(10) {
            0 => self.next() & 0xFFFF_FFFF,
            1 => 0,
            _ => self.below(32),
        }
    }
    fn wide(&mut self) -> u64 {
        match self.below(10) {
            0 => *self.pick(&[
                u64::MAX,
                i64::MAX as u64,
                1 << 63,
                (1 << 63) + 1,
                u64::MAX - 1,
            ]),
            1 => self.next(),
            2 => 1_700_000_000_000_000_000 + self.below(1 << 40),
            3 => (-(self.below(100) as i64)) as u64,
            _ => self.below(5000),
        }
    }
}

/// One context's worth of state: the linker (holding the WASI context) and guest memory.
struct Guest {
    linker: Linker<wasi::WasiCtx>,
    ctx: wasi::WasiCtx,
    mem: Vec<u8>,
}

fn new_guest(sandbox: &Path, rng: &mut Rng) -> Guest {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    // Queued connections whose peers sent a little and shut down their write side, so guest
    // reads never block; a thread per peer drains what the guest sends until the guest's side
    // is closed (when the context is dropped), so guest writes never block either.
    for i in 0..3 {
        let mut c = TcpStream::connect(addr).expect("connect loopback");
        let _ = c.write_all(&[b'x'; 100][..(i * 40)]);
        let _ = c.shutdown(std::net::Shutdown::Write);
        std::thread::spawn(move || std::io::copy(&mut c, &mut std::io::sink()));
    }
    let ctx = wasi::WasiCtxBuilder::new()
        .args(["fuzz.wasm", "arg-one", ""])
        .env("HOME", "/")
        .env("EMPTY", "")
        .stdin(Box::new(std::io::Cursor::new(vec![b'i'; 4096])))
        .stdout(Box::new(std::io::sink()))
        .stderr(Box::new(std::io::sink()))
        .preopened_socket(listener)
        .expect("preopen socket")
        .preopened_dir(sandbox, "/sandbox")
        .expect("preopen sandbox")
        .build();
    let mut ctx = ctx;
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
    let mut mem = vec![0u8; MEM];
    // Seed the table with a few open descriptors (5: a file read-write, 6: a directory, 7: a
    // file read-only, 8: an accepted connection); random calls then work on them too.
    let _ = std::fs::create_dir_all(sandbox.join("seed-dir"));
    let mut call = |name: &str, args: &mut [u64], mem: &mut Vec<u8>| {
        let f = linker.get(wasi::MODULE, name).unwrap().clone();
        let _ = f.call_with(
            &mut Caller::with_data(GuestMemory::new(mem), &mut ctx),
            args,
        );
    };
    // (Created afresh: random calls may have removed or replaced anything in the sandbox.)
    for (path, oflags, rights) in [("seed-rw", 9, 66), ("seed-dir", 2, 0), ("seed-ro", 1, 2)] {
        mem[..path.len()].copy_from_slice(path.as_bytes());
        let mut args = [4, 1, 0, path.len() as u64, oflags, rights, rights, 0, 100];
        call("path_open", &mut args, &mut mem);
    }
    call("sock_accept", &mut [3, 4, 100], &mut mem);
    for (i, b) in mem.iter_mut().enumerate().take(PATHS as usize) {
        *b = (rng.next() >> (i % 8)) as u8;
    }
    for (i, p) in PATH_WORDS.iter().enumerate() {
        let at = PATHS as usize + 64 * i;
        mem[at..at + p.len()].copy_from_slice(p.as_bytes());
    }
    Guest { linker, ctx, mem }
}

/// Fills `slots` for a function with parameter roles `spec`; may also write iovec arrays and
/// subscriptions into memory.
fn arguments(rng: &mut Rng, spec: &str, nparams: usize, mem: &mut [u8]) -> Vec<u64> {
    if rng.chance(10) {
        // Raw slots: fully random (32-bit parameters keep garbage in their upper halves).
        return (0..nparams.max(1)).map(|_| rng.next()).collect();
    }
    let mut slots = Vec::with_capacity(nparams.max(1));
    for role in spec.chars() {
        match role {
            'F' => slots.push(rng.fd()),
            'P' => slots.push(rng.ptr()),
            'L' => slots.push(rng.len()),
            'G' => slots.push(rng.flags()),
            'W' => slots.push(rng.wide()),
            'C' => slots.push(rng.below(6)),
            'K' => slots.push(rng.bits(1)),
            'Z' => slots.push(if rng.chance(90) { 0 } else { rng.flags() }),
            'N' => slots.push(if rng.chance(90) {
                1 + rng.below(4)
            } else {
                rng.len()
            }),
            'O' => slots.push(rng.bits(0xF)),
            'D' => slots.push(rng.bits(0x1F)),
            'R' => slots.push(rng.rights()),
            'H' => slots.push(rng.bits(3)),
            'T' => slots.push(rng.bits(0xF)),
            'A' => slots.push(rng.below(7)),
            'Y' => slots.push(rng.bits(3)),
            'Q' => slots.push(rng.bits(3)),
            'E' => slots.push(rng.next() & 0xFFFF_FFFF),
            'S' => {
                if rng.chance(80) {
                    let i = rng.below(PATH_WORDS.len() as u64);
                    slots.push(u64::from(PATHS) + 64 * i);
                    slots.push(PATH_WORDS[i as usize].len() as u64);
                } else {
                    slots.push(rng.ptr());
                    slots.push(rng.len());
                }
            }
            'B' => {
                slots.push(rng.ptr());
                slots.push(rng.len());
            }
            'V' => {
                let at = rng.below(40_000) as u32 & !7;
                let count = match rng.below(10) {
                    0 => rng.len(),
                    _ => rng.below(4),
                };
                if rng.chance(85) {
                    for k in 0..count.min(4) as u32 {
                        let (buf, len) = if rng.chance(85) {
                            let buf = 40_000 + rng.below(15_000);
                            (buf, rng.below((55_000 - buf).min(2_000)))
                        } else {
                            (rng.ptr(), rng.len())
                        };
                        let o = (at + 8 * k) as usize;
                        mem[o..o + 4].copy_from_slice(&(buf as u32).to_le_bytes());
                        mem[o + 4..o + 8].copy_from_slice(&(len as u32).to_le_bytes());
                    }
                    slots.push(u64::from(at));
                } else {
                    slots.push(rng.ptr());
                }
                slots.push(count);
            }
            other => unreachable!("role {other}"),
        }
    }
    assert_eq!(
        slots.len(),
        nparams,
        "spec {spec:?} does not match the signature"
    );
    if slots.is_empty() {
        slots.push(0);
    }
    slots
}

/// Makes a `poll_oneoff` call unable to block for long: if the subscription array is in memory,
/// its first entry becomes a relative clock of at most 1 ms; other entries get small timeouts
/// where they are clocks.
fn defuse_poll(rng: &mut Rng, slots: &[u64], mem: &mut [u8]) {
    let (ptr, n) = (slots[0] as u32 as usize, slots[2] as u32 as usize);
    let Some(end) = n.checked_mul(48).and_then(|l| l.checked_add(ptr)) else {
        return;
    };
    if n == 0 || end > mem.len() {
        return;
    }
    for i in 0..n {
        let s = &mut mem[ptr + 48 * i..ptr + 48 * (i + 1)];
        if i == 0 {
            s[8] = 0;
            s[16..20].copy_from_slice(&(rng.below(2) as u32).to_le_bytes());
            s[40..42].copy_from_slice(&[0, 0]);
        }
        if i > 0 && rng.chance(90) {
            s[8] = rng.below(3) as u8;
            let fd = rng.fd() as u32;
            s[16..20].copy_from_slice(&fd.to_le_bytes());
        }
        if s[8] == 0 {
            s[24..32].copy_from_slice(&rng.below(1_000_000).to_le_bytes());
        }
    }
}

/// Everything under `dir` (paths, kinds, sizes and contents of files), for before/after checks.
fn snapshot(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p == skip {
            continue;
        }
        let md = std::fs::symlink_metadata(&p).unwrap();
        let desc = if md.is_dir() {
            snapshot(&p, skip, out);
            "dir".to_string()
        } else if md.is_symlink() {
            format!("link {:?}", std::fs::read_link(&p).unwrap())
        } else {
            format!(
                "file {:?} {:?}",
                std::fs::read(&p).unwrap(),
                md.modified().ok()
            )
        };
        out.insert(p, desc);
    }
}

#[test]
fn random_calls_never_panic_and_always_return_an_errno() {
    let seed: u64 = std::env::var("GOJIT_WASI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x05EE_D0F6_0717);
    let calls: usize = std::env::var("GOJIT_WASI_FUZZ_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(seed);

    // scratch/outside/secret.txt must survive; scratch/sandbox is what the guest gets.
    let scratch = common::scratch_dir("wasi-fuzz");
    let outside = scratch.join("outside");
    let sandbox = scratch.join("sandbox");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), b"do not touch").unwrap();
    std::fs::create_dir_all(sandbox.join("a/b")).unwrap();
    std::fs::create_dir_all(sandbox.join("dir/sub")).unwrap();
    std::fs::write(sandbox.join("a/b/c.txt"), b"hello, sandbox").unwrap();
    std::fs::write(sandbox.join("file.txt"), vec![b'f'; 3000]).unwrap();
    std::os::unix::fs::symlink("a/b", sandbox.join("link")).unwrap();
    std::os::unix::fs::symlink("loop", sandbox.join("loop")).unwrap();
    std::os::unix::fs::symlink("../outside", sandbox.join("esc")).unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.join("abs")).unwrap();
    let mut before = BTreeMap::new();
    snapshot(&scratch, &sandbox, &mut before);

    let names: Vec<&str> = SPECS.iter().map(|(n, _)| *n).collect();
    let mut stats: BTreeMap<&str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let mut guest = new_guest(&sandbox, &mut rng);
    for call in 0..calls {
        if call > 0 && call % EPOCH == 0 {
            guest = new_guest(&sandbox, &mut rng);
        }
        let (name, spec) = SPECS[rng.below(SPECS.len() as u64) as usize];
        let func = guest
            .linker
            .get(wasi::MODULE, name)
            .unwrap_or_else(|| panic!("{name} is not defined"))
            .clone();
        let mut slots = arguments(&mut rng, spec, func.params().len(), &mut guest.mem);
        if name == "poll_oneoff" {
            defuse_poll(&mut rng, &slots, &mut guest.mem);
        }
        let args = slots.clone();
        let mem = &mut guest.mem;
        let ctx = &mut guest.ctx;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            func.call_with(
                &mut Caller::with_data(GuestMemory::new(mem), ctx),
                &mut slots,
            )
        }));
        let what = match outcome {
            Err(_) => panic!("call #{call}: {name}{args:?} panicked (seed {seed})"),
            Ok(Err(HostError::Exit(_))) if name == "proc_exit" => "exit",
            Ok(Err(e)) => panic!("call #{call}: {name}{args:?} failed with {e:?} (seed {seed})"),
            Ok(Ok(())) if name == "proc_exit" => {
                panic!("call #{call}: proc_exit{args:?} returned (seed {seed})")
            }
            Ok(Ok(())) => {
                assert!(
                    slots[0] <= MAX_ERRNO,
                    "call #{call}: {name}{args:?} left {} in the result slot (seed {seed})",
                    slots[0]
                );
                Errno(slots[0] as u16).name()
            }
        };
        *stats.entry(name).or_default().entry(what).or_default() += 1;
        // Keep sockets non-blocking (a blocking listener would wait forever in sock_accept).
        if name == "fd_fdstat_set_flags" {
            let mut reset = [args[0], 4];
            let f = guest.linker.get(wasi::MODULE, name).unwrap().clone();
            let _ = f.call_with(
                &mut Caller::with_data(GuestMemory::new(&mut guest.mem), &mut guest.ctx),
                &mut reset,
            );
        }
    }
    drop(guest);

    // Every function was exercised, and most reached past argument checking.
    let mut report = String::new();
    for name in &names {
        let s = stats.get(name).cloned().unwrap_or_default();
        let total: usize = s.values().sum();
        assert!(
            total >= calls / SPECS.len() / 3,
            "{name} called only {total} times"
        );
        report.push_str(&format!("{name:24} {total:5} {s:?}\n"));
    }
    eprintln!("seed {seed}, {calls} calls:\n{report}");
    let succeeded = names
        .iter()
        .filter(|n| stats[**n].contains_key("ESUCCESS") || stats[**n].contains_key("exit"))
        .count();
    // All but proc_raise and fd_fdstat_set_rights, which cannot succeed.
    assert!(
        succeeded >= names.len() - 2,
        "only {succeeded} of {} functions ever succeeded:\n{report}",
        names.len()
    );

    // Nothing outside the sandbox changed.
    let mut after = BTreeMap::new();
    snapshot(&scratch, &sandbox, &mut after);
    assert_eq!(before, after, "the sandbox leaked (seed {seed})");
    let _ = std::fs::remove_dir_all(&scratch);
}
