//! The persistent code cache: machine code of the functions a module needed, saved so the next
//! run of the same module starts without compiling them.
//!
//! One file per (module bytes, compiler fingerprint) pair — the fingerprint covers gojit's
//! version, the target and every code-generation flag — named by a BLAKE3 hash of both, in the
//! cache directory. Writers replace files atomically (write to a unique temporary file, then
//! rename), so concurrent processes never see a partial file; the last writer wins, and every
//! version it can win with is complete. A file that fails any check (magic, key, bounds, the
//! trailing checksum) is ignored: the cache can only make a start faster, never wrong.
//!
//! A module's first run writes no code, only an empty `<name>.seen` marker: most modules are
//! run once (a `go test` binary is built anew for every run), and filling the cache at exit
//! (compiling what only ran interpreted) made such a run several times slower. The second run
//! of the same bytes fills and writes the cache, so the third starts warm.
//!
//! Layout (little-endian): `GOJITCC2`, key (32 bytes), entry count (u32), entries
//! `{func_index u32, alignment u32, ntraps u32, code_len u32, traps [offset u32, code u8]*,
//! ninlined u32, inlined [offset u32, func_index u32]*, code}`, BLAKE3 of everything before
//! (32 bytes).

use gojit_jit::{RawCode, SharedBytes, TrapCode};
use std::io::Write;
use std::num::NonZeroU8;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"GOJITCC2";

/// Where one module's cached code lives.
#[derive(Clone, Debug)]
pub(crate) struct CodeCache {
    path: PathBuf,
    key: [u8; 32],
}

/// The default cache directory: `$GOJIT_CACHE_DIR`, else `$XDG_CACHE_HOME/gojit`, else
/// `$HOME/.cache/gojit`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("GOJIT_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("gojit"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".cache/gojit"))
}

impl CodeCache {
    pub(crate) fn new(dir: &Path, module: &[u8], fingerprint: &str) -> CodeCache {
        let mut h = blake3::Hasher::new();
        h.update(fingerprint.as_bytes());
        h.update(&(module.len() as u64).to_le_bytes());
        h.update(module);
        let key = *h.finalize().as_bytes();
        let name: String = key[..16].iter().map(|b| format!("{b:02x}")).collect();
        CodeCache {
            path: dir.join(format!("{name}.gjc")),
            key,
        }
    }

    /// Whether a run has seen this module before: it left a cache file (valid or not) or the
    /// marker of [`CodeCache::mark_sighted`].
    pub(crate) fn sighted(&self) -> bool {
        self.path.exists() || self.marker().exists()
    }

    /// Records that a run saw this module, without caching code: an empty marker file beside
    /// where the cache file would go. Most modules run once (every `go test` binary is new),
    /// so the first run does not pay to fill a cache that would never be read.
    pub(crate) fn mark_sighted(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::File::create(self.marker()).map(drop)
    }

    fn marker(&self) -> PathBuf {
        self.path.with_extension("seen")
    }

    /// The cached functions, or nothing if there is no valid cache file.
    pub(crate) fn load(&self, num_funcs: u32) -> Vec<RawCode> {
        crate::module::read_module_file(&self.path)
            .ok()
            .and_then(|b| self.parse(&b, num_funcs))
            .unwrap_or_default()
    }

    fn parse(&self, file: &std::sync::Arc<[u8]>, num_funcs: u32) -> Option<Vec<RawCode>> {
        let bytes: &[u8] = file;
        let body_len = bytes.len().checked_sub(32)?;
        let (body, sum) = bytes.split_at(body_len);
        if blake3::hash(body).as_bytes() != sum {
            return None;
        }
        let mut r = Reader { bytes: body };
        if r.take(8)? != MAGIC || r.take(32)? != self.key {
            return None;
        }
        let count = r.u32()?;
        let mut out = Vec::with_capacity(count.min(num_funcs) as usize);
        for _ in 0..count {
            let func_index = r.u32()?;
            let alignment = u64::from(r.u32()?);
            let ntraps = r.u32()?;
            let code_len = r.u32()? as usize;
            if func_index >= num_funcs || !alignment.is_power_of_two() {
                return None;
            }
            let mut traps = Vec::with_capacity(ntraps.min(1 << 16) as usize);
            for _ in 0..ntraps {
                let off = r.u32()?;
                let code = TrapCode::from_raw(NonZeroU8::new(r.take(1)?[0])?);
                traps.push((off, code));
            }
            let ninlined = r.u32()?;
            let mut inlined = Vec::with_capacity(ninlined.min(1 << 16) as usize);
            for _ in 0..ninlined {
                let off = r.u32()?;
                let func = r.u32()?;
                if func >= num_funcs {
                    return None;
                }
                inlined.push((off, func));
            }
            let code = r.take(code_len)?;
            // The entry's code stays in the file's buffer.
            let start = code.as_ptr() as usize - bytes.as_ptr() as usize;
            let code = SharedBytes::new(file.clone(), start..start + code_len)?;
            out.push(RawCode {
                func_index,
                alignment,
                code,
                traps: traps.into(),
                inlined: inlined.into(),
            });
        }
        r.bytes.is_empty().then_some(out)
    }

    /// Replaces the cache file with `entries`.
    pub(crate) fn store(&self, entries: &[RawCode]) -> std::io::Result<()> {
        let mut b =
            Vec::with_capacity(64 + entries.iter().map(|e| e.code.len() + 16).sum::<usize>());
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.key);
        b.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for e in entries {
            b.extend_from_slice(&e.func_index.to_le_bytes());
            b.extend_from_slice(&(e.alignment as u32).to_le_bytes());
            b.extend_from_slice(&(e.traps.len() as u32).to_le_bytes());
            b.extend_from_slice(&(e.code.len() as u32).to_le_bytes());
            for (off, code) in e.traps.iter() {
                b.extend_from_slice(&off.to_le_bytes());
                b.push(code.as_raw().get());
            }
            b.extend_from_slice(&(e.inlined.len() as u32).to_le_bytes());
            for (off, func) in e.inlined.iter() {
                b.extend_from_slice(&off.to_le_bytes());
                b.extend_from_slice(&func.to_le_bytes());
            }
            b.extend_from_slice(&e.code);
        }
        let sum = blake3::hash(&b);
        b.extend_from_slice(sum.as_bytes());
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".tmp-{}-{seq}", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&b)?;
        drop(f);
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (a, b) = self.bytes.split_at(n);
        self.bytes = b;
        Some(a)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: u32) -> RawCode {
        RawCode {
            func_index: i,
            alignment: 16,
            code: vec![0xc3; 5 + i as usize].as_slice().into(),
            traps: vec![
                (1, TrapCode::HEAP_OUT_OF_BOUNDS),
                (3, TrapCode::STACK_OVERFLOW),
            ]
            .into(),
            inlined: vec![(3, i + 1)].into(),
        }
    }

    #[test]
    fn round_trips_and_rejects_corruption() {
        let dir = std::env::temp_dir().join(format!("gojit-cache-test-{}", std::process::id()));
        let c = CodeCache::new(&dir, b"module", "fp");
        assert!(c.load(10).is_empty());
        let entries = vec![entry(1), entry(7)];
        c.store(&entries).unwrap();
        assert_eq!(c.load(10), entries);
        // Another fingerprint or module never sees it.
        assert!(CodeCache::new(&dir, b"module", "fp2").load(10).is_empty());
        assert!(CodeCache::new(&dir, b"module2", "fp").load(10).is_empty());
        // An index past the module's functions, or a flipped byte, invalidates the file.
        assert!(c.load(5).is_empty());
        let mut bytes = std::fs::read(&c.path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&c.path, &bytes).unwrap();
        assert!(c.load(10).is_empty());
        std::fs::write(&c.path, &bytes[..bytes.len() - 40]).unwrap();
        assert!(c.load(10).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
