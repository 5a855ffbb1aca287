//! Native kernels for Go standard-library functions that native Go runs as assembly and wasm
//! runs as plain Go ([`GoKernel`]), called through `Builtin::GoKernel` at the entry of the
//! recognised function (see `gojit_frontend::translate::native_kernel`).
//!
//! Each reads the function's arguments from its Go frame at `sp` (return address at `sp`,
//! arguments from `sp+8`), and either computes exactly what the Go body computes, writes the
//! results into the frame and returns true, or returns false having changed nothing — whenever
//! the Go body would do anything but return normally (panic on a length mismatch, trap on memory
//! it cannot reach) or when checking that would cost more than running it. The Go body then runs
//! and does whatever it does. Before writing anything, a kernel checks every range it will
//! touch, so it never stops half-way. Where the Go code writes an element as it goes, so does
//! the kernel, in the same order: overlapping arguments give the same results.

use gojit_frontend::builtins::GoKernel;

/// Runs `kernel` on the Go frame at `sp`; false if the compiled Go body must run instead.
pub(crate) fn run(mem: &mut [u8], kernel: u32, sp: u32) -> bool {
    let Some(kernel) = GoKernel::from_u32(kernel) else {
        return false;
    };
    match kernel {
        GoKernel::Sha256Block => sha256_block(mem, sp),
        GoKernel::Crc32Slicing8 => crc32_slicing8(mem, sp),
        GoKernel::IndexRabinKarpString => index_rabin_karp(mem, sp, Shape::String, Search::First),
        GoKernel::IndexRabinKarpBytes => index_rabin_karp(mem, sp, Shape::Bytes, Search::First),
        GoKernel::LastIndexRabinKarpString => {
            index_rabin_karp(mem, sp, Shape::String, Search::Last)
        }
        GoKernel::LastIndexRabinKarpBytes => index_rabin_karp(mem, sp, Shape::Bytes, Search::Last),
        GoKernel::BigAddVV => big_add_sub_vv(mem, sp, Carry::Add),
        GoKernel::BigSubVV => big_add_sub_vv(mem, sp, Carry::Sub),
        GoKernel::BigMulAddVWW => big_mul_add_vww(mem, sp),
        GoKernel::BigAddMulVVWW => big_add_mul_vvww(mem, sp),
    }
}

/// The bytes of Go's slicing-by-8 table for the IEEE polynomial (`ieeeTable8`), as it lies in
/// linear memory.
fn ieee_slicing8_table() -> &'static [u8] {
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        const IEEE: u32 = 0xedb8_8320;
        let mut t = [[0u32; 256]; 8];
        for (i, entry) in t[0].iter_mut().enumerate() {
            let mut crc = i as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ IEEE
                } else {
                    crc >> 1
                };
            }
            *entry = crc;
        }
        for i in 0..256 {
            let mut crc = t[0][i];
            for j in 1..8 {
                crc = t[0][(crc & 0xff) as usize] ^ (crc >> 8);
                t[j][i] = crc;
            }
        }
        t.iter().flatten().flat_map(|v| v.to_le_bytes()).collect()
    })
}

/// The little-endian `u64` at `addr`, if inside memory.
fn u64_at(mem: &[u8], addr: u64) -> Option<u64> {
    let a = usize::try_from(addr).ok()?;
    Some(u64::from_le_bytes(
        mem.get(a..a.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// `mem[addr..addr+len]` if the whole range is inside memory (and addr fits 32 bits, as every
/// Go pointer on wasm does).
fn range(mem: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    if addr > u64::from(u32::MAX) {
        return None;
    }
    let (a, n) = (usize::try_from(addr).ok()?, usize::try_from(len).ok()?);
    mem.get(a..a.checked_add(n)?)
}

/// `crypto/internal/fips140/sha256.blockGeneric(dig *Digest, p []byte)` with its arguments at
/// `sp+8` (dig), `sp+16`/`sp+24` (p's pointer and length). Returns false, changing nothing, unless
/// `dig` is non-nil and the digest state and every whole 64-byte block of `p` are in memory.
fn sha256_block(mem: &mut [u8], sp: u32) -> bool {
    let sp = u64::from(sp);
    let (Some(dig), Some(ptr), Some(len)) = (
        u64_at(mem, sp + 8),
        u64_at(mem, sp + 16),
        u64_at(mem, sp + 24),
    ) else {
        return false;
    };
    let blocks_len = len / 64 * 64;
    if dig == 0
        || range(mem, dig, 32).is_none()
        || (blocks_len > 0 && range(mem, ptr, blocks_len).is_none())
    {
        return false;
    }
    let d = dig as usize;
    let mut state = [0u32; 8];
    for (i, s) in state.iter_mut().enumerate() {
        *s = u32::from_le_bytes(mem[d + 4 * i..d + 4 * i + 4].try_into().expect("4 bytes"));
    }
    if blocks_len > 0 {
        let data = range(mem, ptr, blocks_len).expect("checked above");
        for block in data.chunks_exact(64) {
            sha2::compress256(
                &mut state,
                std::slice::from_ref(sha2::digest::generic_array::GenericArray::from_slice(block)),
            );
        }
    }
    for (i, s) in state.iter().enumerate() {
        mem[d + 4 * i..d + 4 * i + 4].copy_from_slice(&s.to_le_bytes());
    }
    true
}

/// `hash/crc32.slicingUpdate(crc uint32, tab *slicing8Table, p []byte) uint32` with its
/// arguments at `sp+8` (crc), `sp+16` (tab), `sp+24`/`sp+32` (p) and its result at `sp+48`,
/// computed with the guest's own table (so any polynomial is exact). Returns false, changing
/// nothing, unless `tab` is non-nil and the table, `p` and the frame are all in memory.
fn crc32_slicing8(mem: &mut [u8], sp: u32) -> bool {
    const CUTOFF: usize = 16;
    let sp64 = u64::from(sp);
    let (Some(crc), Some(tab), Some(ptr), Some(len)) = (
        u64_at(mem, sp64 + 8),
        u64_at(mem, sp64 + 16),
        u64_at(mem, sp64 + 24),
        u64_at(mem, sp64 + 32),
    ) else {
        return false;
    };
    if tab == 0 || range(mem, sp64 + 48, 4).is_none() {
        return false;
    }
    let (Some(table), Some(p)) = (range(mem, tab, 8 * 256 * 4), range(mem, ptr, len)) else {
        return false;
    };
    let t = |j: usize, i: usize| {
        u32::from_le_bytes(
            table[(j * 256 + i) * 4..(j * 256 + i) * 4 + 4]
                .try_into()
                .expect("4 bytes"),
        )
    };
    let mut crc = crc as u32;
    if p.len() >= CUTOFF && table == ieee_slicing8_table() {
        // The IEEE polynomial: the same CRC, computed with carry-less multiplication.
        let mut h = crc32fast::Hasher::new_with_initial(crc);
        h.update(p);
        let at = sp as usize + 48;
        mem[at..at + 4].copy_from_slice(&h.finalize().to_le_bytes());
        return true;
    }
    let mut p = p;
    if p.len() >= CUTOFF {
        crc = !crc;
        while p.len() > 8 {
            crc ^= u32::from_le_bytes(p[..4].try_into().expect("4 bytes"));
            crc = t(0, p[7] as usize)
                ^ t(1, p[6] as usize)
                ^ t(2, p[5] as usize)
                ^ t(3, p[4] as usize)
                ^ t(4, (crc >> 24) as usize)
                ^ t(5, ((crc >> 16) & 0xff) as usize)
                ^ t(6, ((crc >> 8) & 0xff) as usize)
                ^ t(7, (crc & 0xff) as usize);
            p = &p[8..];
        }
        crc = !crc;
    }
    if !p.is_empty() {
        crc = !crc;
        for &v in p {
            crc = t(0, usize::from(crc as u8 ^ v)) ^ (crc >> 8);
        }
        crc = !crc;
    }
    let at = sp as usize + 48;
    mem[at..at + 4].copy_from_slice(&crc.to_le_bytes());
    true
}

/// The generic shape instance a `bytealg` kernel was recognised in: its frame layout.
#[derive(Clone, Copy)]
enum Shape {
    /// `(dict, s, sep string) int`: s at +16, sep at +32, the result at +48.
    String,
    /// `(dict, s, sep []byte) int`: s at +16, sep at +40, the result at +64.
    Bytes,
}

#[derive(Clone, Copy)]
enum Search {
    First,
    Last,
}

/// `internal/bytealg.IndexRabinKarp` / `LastIndexRabinKarp`: the index of the first (last)
/// occurrence of `sep` in `s`, or -1. The Go code indexes `s[len(sep)-1]` before anything else,
/// so it panics when `sep` is longer than `s`: the Go body handles that. Any correct search
/// returns the same index, so the kernel uses `memchr`'s SIMD substring search.
fn index_rabin_karp(mem: &mut [u8], sp: u32, shape: Shape, search: Search) -> bool {
    let sp = u64::from(sp);
    let (sep_at, result_at) = match shape {
        Shape::String => (32, 48),
        Shape::Bytes => (40, 64),
    };
    let (Some(s), Some(s_len), Some(sep), Some(sep_len)) = (
        u64_at(mem, sp + 16),
        u64_at(mem, sp + 24),
        u64_at(mem, sp + sep_at),
        u64_at(mem, sp + sep_at + 8),
    ) else {
        return false;
    };
    if sep_len > s_len || range(mem, sp + result_at, 8).is_none() {
        return false;
    }
    let (Some(hay), Some(needle)) = (range(mem, s, s_len), range(mem, sep, sep_len)) else {
        return false;
    };
    let found = match (search, needle.is_empty()) {
        (Search::First, true) => Some(0),
        (Search::Last, true) => Some(hay.len()),
        (Search::First, false) => memchr::memmem::find(hay, needle),
        (Search::Last, false) => memchr::memmem::rfind(hay, needle),
    };
    let result = found.map_or(-1, |i| i as i64);
    put_u64(mem, sp + result_at, result as u64);
    true
}

/// The byte address and length of the `[]Word` whose header is at `sp+at`, if all its words are
/// in memory.
fn words(mem: &[u8], sp: u64, at: u64) -> Option<(usize, usize)> {
    let (ptr, len) = (u64_at(mem, sp + at)?, u64_at(mem, sp + at + 8)?);
    range(mem, ptr, len.checked_mul(8)?)?;
    Some((ptr as usize, len as usize))
}

/// The word at byte address `a`, which [`words`] or [`range`] checked (tests only: the kernels
/// use [`WordAccess`]).
#[cfg(test)]
fn word(mem: &[u8], a: usize) -> u64 {
    u64::from_le_bytes(mem[a..a + 8].try_into().expect("8 bytes"))
}

/// Word access to linear memory by raw pointer: the `math/big` kernels get the same slice as
/// two arguments (`z` and `x` in place), so they cannot hold Rust references to both, and
/// per-access bounds checks of a slice cost as much as the arithmetic.
struct WordAccess(*mut u8);

impl WordAccess {
    fn new(mem: &mut [u8]) -> WordAccess {
        WordAccess(mem.as_mut_ptr())
    }

    /// The little-endian word at byte address `a`.
    ///
    /// # Safety
    /// `a..a+8` must lie inside the memory this was made from, which must still be borrowed.
    unsafe fn get(&self, a: usize) -> u64 {
        // SAFETY: per the contract, the 8 bytes are inside the (live, borrowed) memory; reads
        // may be unaligned.
        u64::from_le(unsafe { self.0.add(a).cast::<u64>().read_unaligned() })
    }

    /// Stores `v` little-endian at byte address `a`.
    ///
    /// # Safety
    /// As [`WordAccess::get`].
    unsafe fn set(&self, a: usize, v: u64) {
        // SAFETY: as in `get`; nothing else references this memory during the kernel.
        unsafe { self.0.add(a).cast::<u64>().write_unaligned(v.to_le()) }
    }
}

/// Writes `v` at byte address `a`, which [`words`] or [`range`] checked.
fn put_u64(mem: &mut [u8], a: u64, v: u64) {
    let a = a as usize;
    mem[a..a + 8].copy_from_slice(&v.to_le_bytes());
}

#[derive(Clone, Copy)]
enum Carry {
    Add,
    Sub,
}

/// `math/big.addVV_g` / `subVV_g(z, x, y []Word) (c Word)`: z = x ± y with carry (borrow) out;
/// panics (the Go body's job) unless all three lengths are equal. Frame: z at +8, x at +32, y at
/// +56, c at +80.
fn big_add_sub_vv(mem: &mut [u8], sp: u32, op: Carry) -> bool {
    let sp = u64::from(sp);
    let (Some(z), Some(x), Some(y)) = (words(mem, sp, 8), words(mem, sp, 32), words(mem, sp, 56))
    else {
        return false;
    };
    if x.1 != z.1 || y.1 != z.1 || range(mem, sp + 80, 8).is_none() {
        return false;
    }
    let m = WordAccess::new(mem);
    let mut c = 0u64;
    for i in 0..z.1 {
        // SAFETY: `words` checked that all of x, y and z lie inside memory.
        let (a, b) = unsafe { (m.get(x.0 + 8 * i), m.get(y.0 + 8 * i)) };
        let (r, c1, c2) = match op {
            Carry::Add => {
                let (s, c1) = a.overflowing_add(b);
                let (s, c2) = s.overflowing_add(c);
                (s, c1, c2)
            }
            Carry::Sub => {
                let (d, c1) = a.overflowing_sub(b);
                let (d, c2) = d.overflowing_sub(c);
                (d, c1, c2)
            }
        };
        // SAFETY: as above.
        unsafe { m.set(z.0 + 8 * i, r) };
        c = u64::from(c1 | c2);
    }
    put_u64(mem, sp + 80, c);
    true
}

/// `math/big.mulAddVWW_g(z, x []Word, y, r Word) (c Word)`: z = x·y + r, c the high word;
/// panics unless len(x) == len(z). Frame: z at +8, x at +32, y at +56, r at +64, c at +72.
fn big_mul_add_vww(mem: &mut [u8], sp: u32) -> bool {
    let sp = u64::from(sp);
    let (Some(z), Some(x), Some(y), Some(r)) = (
        words(mem, sp, 8),
        words(mem, sp, 32),
        u64_at(mem, sp + 56),
        u64_at(mem, sp + 64),
    ) else {
        return false;
    };
    if x.1 != z.1 || range(mem, sp + 72, 8).is_none() {
        return false;
    }
    let w = WordAccess::new(mem);
    let mut c = r;
    for i in 0..z.1 {
        // SAFETY: `words` checked that all of x and z lie inside memory.
        let t = u128::from(unsafe { w.get(x.0 + 8 * i) }) * u128::from(y) + u128::from(c);
        // SAFETY: as above.
        unsafe { w.set(z.0 + 8 * i, t as u64) };
        c = (t >> 64) as u64;
    }
    put_u64(mem, sp + 72, c);
    true
}

/// `math/big.addMulVVWW_g(z, x, y []Word, m, a Word) (c Word)`: z = x + y·m + a, c the high
/// word; panics unless all three lengths are equal. Frame: z at +8, x at +32, y at +56, m at +80,
/// a at +88, c at +96.
fn big_add_mul_vvww(mem: &mut [u8], sp: u32) -> bool {
    let sp = u64::from(sp);
    let (Some(z), Some(x), Some(y), Some(m), Some(a)) = (
        words(mem, sp, 8),
        words(mem, sp, 32),
        words(mem, sp, 56),
        u64_at(mem, sp + 80),
        u64_at(mem, sp + 88),
    ) else {
        return false;
    };
    if x.1 != z.1 || y.1 != z.1 || range(mem, sp + 96, 8).is_none() {
        return false;
    }
    let w = WordAccess::new(mem);
    let mut c = a;
    for i in 0..z.1 {
        // Go: z1, z0 := y[i]*m + x[i]; lo, cc := z0 + c; z[i] = lo; c = cc + z1 (wrapping).
        // SAFETY: `words` checked that all of x, y and z lie inside memory.
        let (xi, yi) = unsafe { (w.get(x.0 + 8 * i), w.get(y.0 + 8 * i)) };
        let t = u128::from(yi) * u128::from(m) + u128::from(xi);
        let (lo, cc) = (t as u64).overflowing_add(c);
        // SAFETY: as above.
        unsafe { w.set(z.0 + 8 * i, lo) };
        c = u64::from(cc).wrapping_add((t >> 64) as u64);
    }
    put_u64(mem, sp + 96, c);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory with a frame at 0 whose 8-byte slots from `sp+8` are `args`.
    fn frame(args: &[u64]) -> Vec<u8> {
        let mut mem = vec![0u8; 4096];
        for (i, a) in args.iter().enumerate() {
            put_u64(&mut mem, 8 + 8 * i as u64, *a);
        }
        mem
    }

    fn put_words(mem: &mut [u8], at: u64, ws: &[u64]) {
        for (i, w) in ws.iter().enumerate() {
            put_u64(mem, at + 8 * i as u64, *w);
        }
    }

    #[test]
    fn index_kernels_find_what_go_finds_and_leave_go_its_panics() {
        let mut mem = frame(&[0, 1000, 11, 2000, 3, 0]);
        mem[1000..1011].copy_from_slice(b"abcabcxabcx");
        mem[2000..2003].copy_from_slice(b"abc");
        assert!(run(&mut mem, GoKernel::IndexRabinKarpString as u32, 0));
        assert_eq!(u64_at(&mem, 48), Some(0));
        assert!(run(&mut mem, GoKernel::LastIndexRabinKarpString as u32, 0));
        assert_eq!(u64_at(&mem, 48), Some(7));
        put_u64(&mut mem, 32, 2004); // "\0\0\0": not found
        assert!(run(&mut mem, GoKernel::IndexRabinKarpString as u32, 0));
        assert_eq!(u64_at(&mem, 48), Some(u64::MAX));
        put_u64(&mut mem, 40, 0); // empty separator
        assert!(run(&mut mem, GoKernel::LastIndexRabinKarpString as u32, 0));
        assert_eq!(u64_at(&mem, 48), Some(11));
        // A separator longer than s makes Go panic; s past the end of memory makes it trap.
        put_u64(&mut mem, 40, 12);
        assert!(!run(&mut mem, GoKernel::IndexRabinKarpString as u32, 0));
        put_u64(&mut mem, 40, 3);
        put_u64(&mut mem, 16, 4090);
        assert!(!run(&mut mem, GoKernel::IndexRabinKarpString as u32, 0));
        // The []byte shape: s = (1000, 11, cap), sep = (2000, 3, cap), result at +64.
        let mut mem = frame(&[0, 1000, 11, 11, 2000, 3, 3, 0]);
        mem[1000..1011].copy_from_slice(b"xxabcabcxab");
        mem[2000..2003].copy_from_slice(b"abc");
        assert!(run(&mut mem, GoKernel::IndexRabinKarpBytes as u32, 0));
        assert_eq!(u64_at(&mem, 64), Some(2));
        assert!(run(&mut mem, GoKernel::LastIndexRabinKarpBytes as u32, 0));
        assert_eq!(u64_at(&mem, 64), Some(5));
    }

    #[test]
    fn big_kernels_carry_like_go_and_leave_go_its_panics() {
        // z at 1000, x at 2000, y at 3000, three words each.
        let mut mem = frame(&[1000, 3, 3, 2000, 3, 3, 3000, 3, 3, 0]);
        put_words(&mut mem, 2000, &[u64::MAX, u64::MAX, 5]);
        put_words(&mut mem, 3000, &[1, 0, 7]);
        assert!(run(&mut mem, GoKernel::BigAddVV as u32, 0));
        assert_eq!(
            [word(&mem, 1000), word(&mem, 1008), word(&mem, 1016)],
            [0, 0, 13]
        );
        assert_eq!(u64_at(&mem, 80), Some(0));
        assert!(run(&mut mem, GoKernel::BigSubVV as u32, 0));
        assert_eq!(
            [word(&mem, 1000), word(&mem, 1008), word(&mem, 1016)],
            [u64::MAX - 1, u64::MAX, u64::MAX - 1]
        );
        assert_eq!(u64_at(&mem, 80), Some(1));
        // A length mismatch is Go's panic.
        put_u64(&mut mem, 64, 2);
        assert!(!run(&mut mem, GoKernel::BigAddVV as u32, 0));

        // mulAddVWW: z = x*y + r with x = [MAX, 2], y = MAX, r = 3.
        let mut mem = frame(&[1000, 2, 2, 2000, 2, 2, u64::MAX, 3, 0]);
        put_words(&mut mem, 2000, &[u64::MAX, 2]);
        assert!(run(&mut mem, GoKernel::BigMulAddVWW as u32, 0));
        let t0 = u128::from(u64::MAX) * u128::from(u64::MAX) + 3;
        let t1 = 2 * u128::from(u64::MAX) + (t0 >> 64);
        assert_eq!(word(&mem, 1000), t0 as u64);
        assert_eq!(word(&mem, 1008), t1 as u64);
        assert_eq!(u64_at(&mem, 72), Some((t1 >> 64) as u64));

        // addMulVVWW in place (z == x): z = x + y*m + a.
        let mut mem = frame(&[2000, 2, 2, 2000, 2, 2, 3000, 2, 2, u64::MAX, 9, 0]);
        put_words(&mut mem, 2000, &[u64::MAX, 1]);
        put_words(&mut mem, 3000, &[u64::MAX, u64::MAX]);
        assert!(run(&mut mem, GoKernel::BigAddMulVVWW as u32, 0));
        let mut c = 9u128;
        let mut want = [0u64; 2];
        for (i, (x, y)) in [(u64::MAX, u64::MAX), (1, u64::MAX)]
            .into_iter()
            .enumerate()
        {
            let t = u128::from(y) * u128::from(u64::MAX) + u128::from(x) + c;
            want[i] = t as u64;
            c = t >> 64;
        }
        assert_eq!([word(&mem, 2000), word(&mem, 2008)], want);
        assert_eq!(u64_at(&mem, 96), Some(c as u64));
        // y past the end of memory: the Go body traps.
        put_u64(&mut mem, 56, 4090);
        assert!(!run(&mut mem, GoKernel::BigAddMulVVWW as u32, 0));
        assert!(!run(&mut mem, 99, 0));
    }
}
