//! Command-line arguments and environment: `args_sizes_get`, `args_get`, `environ_sizes_get`,
//! `environ_get`.
//!
//! Go reads both once, in `runtime.goenvs` (`runtime/os_wasip1.go`): it calls `*_sizes_get`,
//! allocates `[]uintptr32` of `count` entries and a `[]byte` of `buf_size` bytes, calls `*_get`,
//! and then, for each pointer, scans the buffer from `ptr - &buf[0]` up to the NUL. So the
//! pointers must point into the caller's buffer and every string must be NUL-terminated.
//! `environ_get` is skipped when the count is 0.

use super::{Errno, GetCtx, I32, WasiCtx, arg32, check_range, define};
use crate::{GuestMemory, Linker};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(linker, ctx, "args_sizes_get", &[I32, I32], args_sizes_get);
    define(linker, ctx, "args_get", &[I32, I32], args_get);
    define(
        linker,
        ctx,
        "environ_sizes_get",
        &[I32, I32],
        environ_sizes_get,
    );
    define(linker, ctx, "environ_get", &[I32, I32], environ_get);
}

fn args_strings(ctx: &WasiCtx) -> Vec<Vec<u8>> {
    ctx.args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

fn env_strings(ctx: &WasiCtx) -> Vec<Vec<u8>> {
    ctx.env
        .iter()
        .map(|(k, v)| {
            let mut s = Vec::with_capacity(k.len() + 1 + v.len());
            s.extend_from_slice(k.as_bytes());
            s.push(b'=');
            s.extend_from_slice(v.as_bytes());
            s
        })
        .collect()
}

/// Writes `(count, total bytes including one NUL per string)` to `count_ptr` and `size_ptr`.
fn sizes(
    mem: &mut GuestMemory<'_>,
    strings: &[Vec<u8>],
    count_ptr: u32,
    size_ptr: u32,
) -> Result<(), Errno> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::OVERFLOW)?;
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    let size = u32::try_from(size).map_err(|_| Errno::OVERFLOW)?;
    check_range(mem, count_ptr, 4)?;
    check_range(mem, size_ptr, 4)?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, size)?;
    Ok(())
}

/// Writes the pointer array at `ptrs` (`u32` each) and the NUL-terminated strings packed from
/// `buf`. Both ranges are checked before anything is written.
fn strings_get(
    mem: &mut GuestMemory<'_>,
    strings: &[Vec<u8>],
    ptrs: u32,
    buf: u32,
) -> Result<(), Errno> {
    let ptrs_len = u32::try_from(strings.len() * 4).map_err(|_| Errno::OVERFLOW)?;
    let buf_len: usize = strings.iter().map(|s| s.len() + 1).sum();
    let buf_len = u32::try_from(buf_len).map_err(|_| Errno::OVERFLOW)?;
    check_range(mem, ptrs, ptrs_len)?;
    check_range(mem, buf, buf_len)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        super::write_bytes(mem, at, s)?;
        mem.write_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

/// `args_sizes_get(argc: *mut u32, argv_buf_size: *mut u32) -> errno`
///
/// Writes the number of arguments to `argc` and the bytes needed for all of them, each followed
/// by a NUL, to `argv_buf_size`. Errors: `EFAULT` for a bad pointer.
/// Go: `runtime.goenvs` (`runtime/os_wasip1.go`).
fn args_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    sizes(mem, &args_strings(ctx), arg32(args, 0), arg32(args, 1))
}

/// `args_get(argv: *mut *mut u8, argv_buf: *mut u8) -> errno`
///
/// Writes `argc` little-endian `u32` pointers at `argv` (4 bytes each, no terminating null
/// pointer) and the NUL-terminated arguments, packed in order, from `argv_buf`; `argv[i]` points
/// at the `i`-th string inside `argv_buf`. Errors: `EFAULT` if either range (as sized by
/// `args_sizes_get`) is outside memory; nothing is written then.
/// Go: `runtime.goenvs`, only when `argc > 0`.
fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    strings_get(mem, &args_strings(ctx), arg32(args, 0), arg32(args, 1))
}

/// `environ_sizes_get(count: *mut u32, buf_size: *mut u32) -> errno`
///
/// Like `args_sizes_get`, for the `KEY=value` environment strings.
/// Go: `runtime.goenvs`.
fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    args: &[u64],
) -> Result<(), Errno> {
    sizes(mem, &env_strings(ctx), arg32(args, 0), arg32(args, 1))
}

/// `environ_get(environ: *mut *mut u8, environ_buf: *mut u8) -> errno`
///
/// Like `args_get`, for the `KEY=value` environment strings, in the order they were added to the
/// builder. Go: `runtime.goenvs`, only when the count is > 0.
fn environ_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    strings_get(mem, &env_strings(ctx), arg32(args, 0), arg32(args, 1))
}

#[cfg(test)]
mod tests {
    use super::super::WasiCtxBuilder;
    use super::super::testing::{BAD_PTR, Harness};
    use super::*;

    fn harness() -> Harness {
        Harness::new(
            WasiCtxBuilder::new()
                .arg("prog.wasm")
                .args(["-v", "", "ünïcode"])
                .env("HOME", "/home/go")
                .envs([("EMPTY", ""), ("A", "b=c")])
                .build(),
        )
    }

    #[test]
    fn args_sizes_and_strings_round_trip() {
        let mut h = harness();
        assert_eq!(h.call("args_sizes_get", &[100, 104]), Errno::SUCCESS);
        assert_eq!(h.u32_at(100), 4);
        let size = h.u32_at(104);
        assert_eq!(
            size as usize,
            "prog.wasm".len() + 1 + 3 + 1 + "ünïcode".len() + 1
        );

        // Decode exactly as runtime.goenvs does.
        let (argv, buf) = (200u32, 300u32);
        assert_eq!(
            h.call("args_get", &[argv.into(), buf.into()]),
            Errno::SUCCESS
        );
        let mut got = Vec::new();
        for i in 0..4 {
            let p = h.u32_at(argv + 4 * i);
            assert!(p >= buf && p < buf + size);
            let mut end = p;
            while h.u8_at(end) != 0 {
                end += 1;
            }
            got.push(String::from_utf8(h.get(p, (end - p) as usize).to_vec()).unwrap());
        }
        assert_eq!(got, ["prog.wasm", "-v", "", "ünïcode"]);
        assert_eq!(h.u8_at(buf + size - 1), 0);
        assert_eq!(h.u8_at(buf + size), 0, "nothing written past the buffer");
    }

    #[test]
    fn environ_sizes_and_strings_round_trip() {
        let mut h = harness();
        assert_eq!(h.call("environ_sizes_get", &[100, 104]), Errno::SUCCESS);
        assert_eq!(h.u32_at(100), 3);
        let size = h.u32_at(104);
        let expected = b"HOME=/home/go\0EMPTY=\0A=b=c\0";
        assert_eq!(size as usize, expected.len());
        assert_eq!(h.call("environ_get", &[200, 300]), Errno::SUCCESS);
        assert_eq!(h.get(300, expected.len()), expected);
        assert_eq!(h.u32_at(200), 300);
        assert_eq!(h.u32_at(204), 300 + 14);
        assert_eq!(h.u32_at(208), 300 + 21);
    }

    #[test]
    fn empty_args_and_environment() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        h.put_u32(100, 7);
        h.put_u32(104, 7);
        assert_eq!(h.call("args_sizes_get", &[100, 104]), Errno::SUCCESS);
        assert_eq!((h.u32_at(100), h.u32_at(104)), (0, 0));
        assert_eq!(h.call("environ_sizes_get", &[100, 104]), Errno::SUCCESS);
        assert_eq!((h.u32_at(100), h.u32_at(104)), (0, 0));
        assert_eq!(
            h.call("args_get", &[BAD_PTR, BAD_PTR]),
            Errno::SUCCESS,
            "nothing to write"
        );
    }

    #[test]
    fn bad_pointers_are_efault_and_write_nothing() {
        let mut h = harness();
        assert_eq!(h.call("args_sizes_get", &[BAD_PTR, 104]), Errno::FAULT);
        assert_eq!(h.u32_at(104), 0, "no partial write");
        assert_eq!(h.call("args_sizes_get", &[100, BAD_PTR]), Errno::FAULT);
        assert_eq!(h.call("environ_sizes_get", &[BAD_PTR, 104]), Errno::FAULT);
        assert_eq!(h.call("args_get", &[BAD_PTR, 300]), Errno::FAULT);
        assert_eq!(h.u8_at(300), 0, "no partial write");
        assert_eq!(h.call("args_get", &[200, BAD_PTR]), Errno::FAULT);
        assert_eq!(h.u32_at(200), 0, "no partial write");
        // A buffer that starts inside memory but runs off its end.
        let end = (super::super::testing::MEM_SIZE - 4) as u64;
        assert_eq!(h.call("environ_get", &[200, end]), Errno::FAULT);
        assert_eq!(
            h.call("environ_get", &[u64::from(u32::MAX - 1), 300]),
            Errno::FAULT
        );
    }
}
