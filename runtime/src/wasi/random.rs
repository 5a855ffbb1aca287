//! Randomness: `random_get`.

use super::{Errno, GetCtx, I32, WasiCtx, arg32, define};
use crate::{GuestMemory, Linker};

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, ctx: &impl GetCtx<T>) {
    define(linker, ctx, "random_get", &[I32, I32], random_get);
}

/// `random_get(buf: *mut u8, buf_len: u32) -> errno`
///
/// Fills `buf[..buf_len]` with bytes from the host's cryptographically secure generator
/// (`getrandom(2)` on Linux). `buf_len` 0 succeeds without touching memory (any `buf`).
/// Errors: `EFAULT` if the range is outside memory (nothing is written), `EIO` if the host
/// generator fails.
/// Go: `runtime.readRandom` at startup (32 bytes, seeds the runtime's generator, hence map
/// seeds etc.; `runtime/os_wasip1.go`) and `syscall.RandomGet` behind `crypto/rand`
/// (`syscall/fs_wasip1.go`).
fn random_get(_ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, args: &[u64]) -> Result<(), Errno> {
    let (ptr, len) = (arg32(args, 0), arg32(args, 1));
    if len == 0 {
        return Ok(());
    }
    let buf = mem.slice_mut(ptr, len)?;
    getrandom::fill(buf).map_err(|_| Errno::IO)
}

#[cfg(test)]
mod tests {
    use super::super::WasiCtxBuilder;
    use super::super::testing::{BAD_PTR, Harness, MEM_SIZE};
    use super::*;

    #[test]
    fn fills_the_buffer_with_fresh_bytes() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        assert_eq!(h.call("random_get", &[1000, 64]), Errno::SUCCESS);
        let a = h.get(1000, 64).to_vec();
        assert_eq!(h.call("random_get", &[1000, 64]), Errno::SUCCESS);
        let b = h.get(1000, 64).to_vec();
        assert_ne!(a, b);
        assert_ne!(a, vec![0; 64]);
        assert_eq!(h.u8_at(999), 0, "nothing before the buffer");
        assert_eq!(h.u8_at(1064), 0, "nothing after the buffer");
        // 4 KiB of output has (with overwhelming probability) every byte value's neighbourhood.
        assert_eq!(h.call("random_get", &[4096, 4096]), Errno::SUCCESS);
        let distinct: std::collections::HashSet<u8> = h.get(4096, 4096).iter().copied().collect();
        assert!(distinct.len() > 200);
    }

    #[test]
    fn zero_length_and_bad_ranges() {
        let mut h = Harness::new(WasiCtxBuilder::new().build());
        assert_eq!(h.call("random_get", &[100, 0]), Errno::SUCCESS);
        assert_eq!(h.call("random_get", &[BAD_PTR, 0]), Errno::SUCCESS);
        assert_eq!(h.call("random_get", &[BAD_PTR, 16]), Errno::FAULT);
        let near_end = (MEM_SIZE - 8) as u64;
        assert_eq!(h.call("random_get", &[near_end, 16]), Errno::FAULT);
        assert_eq!(
            h.get(MEM_SIZE as u32 - 8, 8),
            &[0; 8],
            "nothing written on EFAULT"
        );
    }
}
