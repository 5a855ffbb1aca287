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
        // One slice comparison (a single SIMD `bcmp`): equality needs no mismatch position.
        if x != y {
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
