//! Native versions of Go's wasm assembly helpers (`memchr`, `memcmp`, `memeqbody` from
//! `internal/bytealg`), used when the translator recognises them (see
//! `gojit_frontend::translate::native_helper`).
//!
//! Each returns exactly what the wasm function returns, or [`Builtin::TRAP`] exactly when the
//! wasm function would trap. The wasm versions read their inputs front to back and stop at the
//! first match or mismatch, so they trap only if they reach an address past the end of memory
//! before finding it. The fast path searches the prefix that lies inside memory; what is left
//! (an access past the end, or the 4 GiB wrap-around of 32-bit addresses) is replayed byte by
//! byte with wasm's address arithmetic.

use gojit_frontend::builtins::Builtin;

/// Index of the first byte where `x` and `y` differ (same length).
fn first_mismatch(x: &[u8], y: &[u8]) -> Option<usize> {
    const CHUNK: usize = 64;
    let mut i = 0;
    while i + CHUNK <= x.len() && x[i..i + CHUNK] == y[i..i + CHUNK] {
        i += CHUNK;
    }
    x[i..]
        .iter()
        .zip(&y[i..])
        .position(|(p, q)| p != q)
        .map(|m| i + m)
}

/// Bytes readable at `addr` before the end of memory.
fn room(mem: &[u8], addr: u32) -> u64 {
    (mem.len() as u64).saturating_sub(u64::from(addr))
}

/// The byte at 32-bit address `addr`, or `None` if it is past the end of memory.
fn byte(mem: &[u8], addr: u32) -> Option<u8> {
    mem.get(addr as usize).copied()
}

/// `memchr(s, c, n) -> i32`: the address of the first byte equal to `c` in `s..s+n`, or 0.
pub(crate) fn memchr(mem: &[u8], s: u32, c: u32, n: u32) -> i64 {
    if n == 0 {
        return 0;
    }
    let prefix = u64::from(n).min(room(mem, s)) as usize;
    if prefix > 0 {
        let start = s as usize;
        if let Some(m) = u8::try_from(c)
            .ok()
            .and_then(|c| memchr::memchr(c, &mem[start..start + prefix]))
        {
            return i64::from(s.wrapping_add(m as u32));
        }
    }
    for i in prefix as u32..n {
        let addr = s.wrapping_add(i);
        match byte(mem, addr) {
            None => return Builtin::TRAP,
            Some(b) if u32::from(b) == c => return i64::from(addr),
            Some(_) => {}
        }
    }
    0
}

/// `memcmp(a, b, n) -> i32`: 0 if `a[..n] == b[..n]`, else the difference of the first differing
/// bytes (as unsigned values).
pub(crate) fn memcmp(mem: &[u8], a: u32, b: u32, n: u32) -> i64 {
    if n == 0 {
        return 0;
    }
    let prefix = u64::from(n).min(room(mem, a)).min(room(mem, b)) as usize;
    if prefix > 0 {
        let (x, y) = (
            &mem[a as usize..a as usize + prefix],
            &mem[b as usize..b as usize + prefix],
        );
        if let Some(m) = first_mismatch(x, y) {
            return i64::from(x[m]) - i64::from(y[m]);
        }
    }
    for i in prefix as u32..n {
        let Some(p) = byte(mem, a.wrapping_add(i)) else {
            return Builtin::TRAP;
        };
        let Some(q) = byte(mem, b.wrapping_add(i)) else {
            return Builtin::TRAP;
        };
        if p != q {
            return i64::from(p) - i64::from(q);
        }
    }
    0
}

/// `memeqbody(a, b, n) -> i64`: 1 if the `n` bytes at `a` and `b` are equal (or `a == b`), else 0.
/// Addresses are 64-bit values wrapped to 32 bits at each access, as the wasm does.
pub(crate) fn memeqbody(mem: &[u8], a: i64, b: i64, n: i64) -> i64 {
    if a == b || n == 0 {
        return 1;
    }
    let (a, b, n) = (a as u32, b as u32, n as u64);
    let prefix = n.min(room(mem, a)).min(room(mem, b)) as usize;
    if prefix > 0 {
        let (x, y) = (
            &mem[a as usize..a as usize + prefix],
            &mem[b as usize..b as usize + prefix],
        );
        if first_mismatch(x, y).is_some() {
            return 0;
        }
    }
    let mut i = prefix as u64;
    while i < n {
        let Some(p) = byte(mem, a.wrapping_add(i as u32)) else {
            return Builtin::TRAP;
        };
        let Some(q) = byte(mem, b.wrapping_add(i as u32)) else {
            return Builtin::TRAP;
        };
        if p != q {
            return 0;
        }
        i += 1;
    }
    1
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
pub(crate) fn sha256_block(mem: &mut [u8], sp: u32) -> bool {
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
pub(crate) fn crc32_slicing8(mem: &mut [u8], sp: u32) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memchr_matches_the_wasm_semantics() {
        let mut mem = vec![0u8; 256];
        mem[10] = 7;
        mem[255] = 9;
        assert_eq!(memchr(&mem, 0, 7, 100), 10);
        assert_eq!(memchr(&mem, 11, 7, 100), 0);
        assert_eq!(memchr(&mem, 0, 7, 0), 0);
        assert_eq!(memchr(&mem, 250, 9, 6), 255);
        // Found before the end of memory: no trap even though n reaches past it.
        assert_eq!(memchr(&mem, 250, 9, 100), 255);
        // Not found before the end: the wasm reads past it and traps.
        assert_eq!(memchr(&mem, 250, 8, 100), Builtin::TRAP);
        assert_eq!(memchr(&mem, 300, 8, 1), Builtin::TRAP);
        assert_eq!(memchr(&mem, 0, 300, 10), 0);
    }

    #[test]
    fn memcmp_and_memeqbody_match_the_wasm_semantics() {
        let mut mem = vec![0u8; 300];
        mem[..4].copy_from_slice(b"abcd");
        mem[100..104].copy_from_slice(b"abzd");
        mem[200..204].copy_from_slice(b"abcd");
        assert_eq!(memcmp(&mem, 0, 100, 4), i64::from(b'c') - i64::from(b'z'));
        assert_eq!(memcmp(&mem, 0, 200, 4), 0);
        assert_eq!(memcmp(&mem, 0, 200, 0), 0);
        assert_eq!(memcmp(&mem, 290, 0, 20), i64::from(0u8) - i64::from(b'a'));
        assert_eq!(memcmp(&mem, 280, 290, 20), Builtin::TRAP);
        assert_eq!(memeqbody(&mem, 0, 200, 4), 1);
        assert_eq!(memeqbody(&mem, 0, 100, 4), 0);
        assert_eq!(memeqbody(&mem, 5, 5, 1 << 40), 1);
        assert_eq!(memeqbody(&mem, 280, 290, 20), Builtin::TRAP);
        assert_eq!(memeqbody(&mem, 0, 290, 20), 0);
        // Only the low 32 bits of the addresses are used.
        assert_eq!(memeqbody(&mem, 1 << 32, 200, 4), 1);
    }
}
