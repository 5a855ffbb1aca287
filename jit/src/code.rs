//! Executable code memory (large regions mapped once, on Linux as a write view and an execute
//! view of the same memory; see [`CodeMemory`]), relocation of the few absolute libcall
//! addresses in compiled code (float rounding without SSE4.1), and the table that maps a code address back to its wasm function
//! and trap code.

use crate::JitError;
use crate::compile::CompiledFunction;
use cranelift_codegen::FinalizedMachReloc;
use cranelift_codegen::FinalizedRelocTarget;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::{ExternalName, LibCall, TrapCode};
use cranelift_codegen::isa::OwnedTargetIsa;

/// Where one published function lives, and its trap sites.
#[derive(Debug)]
pub struct FuncCode {
    /// Address of the first instruction.
    pub start: usize,
    /// Code length in bytes.
    pub len: usize,
    /// The wasm function index (`u32::MAX` for trampolines).
    pub func_index: u32,
    /// Trap sites, sorted by offset.
    pub traps: Box<[(u32, TrapCode)]>,
    /// Trap sites in code inlined from another function: (offset, that function's index),
    /// sorted by offset.
    pub inlined: Box<[(u32, u32)]>,
}

impl FuncCode {
    /// Whether `pc` is inside this function.
    pub fn contains(&self, pc: usize) -> bool {
        pc >= self.start && pc < self.start + self.len
    }

    /// The trap code recorded at exactly `pc`, if any.
    pub fn trap_at(&self, pc: usize) -> Option<TrapCode> {
        let off = u32::try_from(pc.checked_sub(self.start)?).ok()?;
        self.traps
            .binary_search_by_key(&off, |t| t.0)
            .ok()
            .map(|i| self.traps[i].1)
    }

    /// The wasm function whose code is at trap site `pc`: the function a call was inlined from,
    /// else this function.
    pub fn func_at(&self, pc: usize) -> u32 {
        pc.checked_sub(self.start)
            .and_then(|off| u32::try_from(off).ok())
            .and_then(|off| self.inlined.binary_search_by_key(&off, |t| t.0).ok())
            .map_or(self.func_index, |i| self.inlined[i].1)
    }
}

/// Machine code without relocations, ready to publish: what the code cache stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCode {
    /// The wasm function index.
    pub func_index: u32,
    /// Required alignment.
    pub alignment: u64,
    /// The machine code.
    pub code: SharedBytes,
    /// Trap sites, sorted by offset.
    pub traps: Box<[(u32, TrapCode)]>,
    /// Trap sites in inlined code and the function they came from, sorted by offset.
    pub inlined: Box<[(u32, u32)]>,
}

/// A byte range of a shared buffer: the code of one function in a code-cache file (all of them
/// share the file's buffer, so loading a cache copies no code until it is published).
#[derive(Clone)]
pub struct SharedBytes {
    buf: std::sync::Arc<[u8]>,
    range: std::ops::Range<usize>,
}

impl SharedBytes {
    /// `buf[range]`, or `None` if the range is not inside `buf`.
    pub fn new(buf: std::sync::Arc<[u8]>, range: std::ops::Range<usize>) -> Option<SharedBytes> {
        (range.start <= range.end && range.end <= buf.len()).then_some(SharedBytes { buf, range })
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(v: &[u8]) -> SharedBytes {
        SharedBytes {
            buf: v.into(),
            range: 0..v.len(),
        }
    }
}

impl PartialEq for SharedBytes {
    fn eq(&self, other: &SharedBytes) -> bool {
        **self == **other
    }
}

impl Eq for SharedBytes {}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

impl std::ops::Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

impl RawCode {
    /// The cacheable form of a compiled function, or `None` if it has relocations.
    pub fn from_compiled(f: &CompiledFunction) -> Option<RawCode> {
        if !f.relocs.is_empty() {
            return None;
        }
        let mut traps = f.traps.clone();
        traps.sort_by_key(|t| t.0);
        Some(RawCode {
            func_index: f.func_index,
            alignment: f.alignment,
            code: f.code.as_slice().into(),
            traps: traps.into(),
            inlined: f.inlined_traps.clone().into(),
        })
    }
}

/// Executable memory holding published functions. Not thread-safe by itself: the runtime keeps
/// it behind a lock and records published functions in its own lock-free registry.
///
/// Code is appended to large regions that are mapped once and never unmapped before the
/// `CodeMemory` is dropped, so publishing a function costs a copy, not a system call. On Linux
/// each region is a `memfd` mapped twice: a read-write view the code is written through and a
/// read-execute view it runs from (no page is ever writable and executable, and no protection
/// change — with its TLB shootdown on every core — follows a publish). Where that is not
/// available, every publish gets fresh pages that are written and then made executable.
pub struct CodeMemory {
    regions: Vec<Region>,
    /// Whether regions are dual mappings (until creating one fails).
    dual: bool,
}

/// One mapping of code memory.
struct Region {
    /// Where the code runs: `len` bytes, readable and executable.
    exec: *mut u8,
    /// Where the code is written: a writable view of the same pages (dual mapping), or null if
    /// `exec` was written before it was made executable (then the region is full: `used == len`).
    write: *mut u8,
    len: usize,
    /// Bytes from the start already holding code.
    used: usize,
    /// The process that created it (see `CodeMemory::place`).
    pid: u32,
}

// SAFETY: the regions are memory this value owns exclusively (mapped in `Region::dual` or
// `Region::fresh`, unmapped only when dropped); moving it to another thread is sound, and all
// writes go through `&mut self`.
unsafe impl Send for CodeMemory {}

/// The first region's size; each later one is twice the previous, up to `MAX_REGION`.
const FIRST_REGION: usize = 1 << 20;
const MAX_REGION: usize = 64 << 20;

/// One function to publish: its code, alignment and relocations.
struct Placed<'a> {
    code: &'a [u8],
    alignment: u64,
    relocs: &'a [FinalizedMachReloc],
}

impl CodeMemory {
    /// Code memory for code compiled for `isa` (which must be the host's).
    pub fn new(isa: OwnedTargetIsa) -> CodeMemory {
        // Every region is mapped for the host; the ISA is only checked to be the host's family.
        debug_assert_eq!(
            isa.triple().architecture,
            target_lexicon::Triple::host().architecture
        );
        CodeMemory {
            regions: Vec::new(),
            dual: cfg!(target_os = "linux"),
        }
    }

    /// Code memory in anonymous pages only (fresh, write-then-protect pages per publish) instead
    /// of the dual-mapped shared regions: profilers such as `perf` resolve JIT symbols (from a
    /// `/tmp/perf-<pid>.map`) only in anonymous executable memory, and attribute samples in a
    /// memfd mapping to the memfd as a file.
    pub fn anonymous(isa: OwnedTargetIsa) -> CodeMemory {
        let mut mem = CodeMemory::new(isa);
        mem.dual = false;
        mem
    }

    /// Publishes machine code that needs no relocations (e.g. loaded from the code cache).
    ///
    /// # Errors
    /// As [`CodeMemory::publish`].
    pub fn publish_raw(&mut self, funcs: &[RawCode]) -> Result<Vec<FuncCode>, JitError> {
        let placed: Vec<Placed<'_>> = funcs
            .iter()
            .map(|f| Placed {
                code: &f.code,
                alignment: f.alignment,
                relocs: &[],
            })
            .collect();
        let starts = self.place(&placed)?;
        Ok(funcs
            .iter()
            .zip(starts)
            .map(|(f, start)| FuncCode {
                start,
                len: f.code.len(),
                func_index: f.func_index,
                traps: f.traps.clone(),
                inlined: f.inlined.clone(),
            })
            .collect())
    }

    /// Copies compiled functions into executable memory and returns where each landed, in
    /// order.
    ///
    /// # Errors
    /// [`JitError::Memory`] if memory cannot be allocated or made executable, or a relocation
    /// cannot be resolved.
    pub fn publish(&mut self, funcs: Vec<CompiledFunction>) -> Result<Vec<FuncCode>, JitError> {
        let placed: Vec<Placed<'_>> = funcs
            .iter()
            .map(|f| Placed {
                code: &f.code,
                alignment: f.alignment,
                relocs: &f.relocs,
            })
            .collect();
        let starts = self.place(&placed)?;
        Ok(funcs
            .into_iter()
            .zip(starts)
            .map(|(f, start)| {
                let mut traps = f.traps;
                traps.sort_by_key(|t| t.0);
                FuncCode {
                    start,
                    len: f.code.len(),
                    func_index: f.func_index,
                    traps: traps.into_boxed_slice(),
                    inlined: f.inlined_traps.into_boxed_slice(),
                }
            })
            .collect())
    }

    /// Copies `funcs` into executable memory, resolving their relocations; returns their
    /// addresses.
    fn place(&mut self, funcs: &[Placed<'_>]) -> Result<Vec<usize>, JitError> {
        let page = rustix::param::page_size();
        if let Some(f) = funcs
            .iter()
            .find(|f| !f.alignment.is_power_of_two() || f.alignment > page as u64)
        {
            return Err(JitError::Memory(format!(
                "unsupported code alignment {}",
                f.alignment
            )));
        }
        // Offsets of the functions if the batch starts at offset `from` of a region.
        let layout = |from: usize| {
            let mut end = from;
            let offsets: Vec<usize> = funcs
                .iter()
                .map(|f| {
                    let at = end.next_multiple_of(f.alignment as usize);
                    end = at + f.code.len();
                    at
                })
                .collect();
            (offsets, end)
        };
        if self.dual {
            // A region is shared memory: after a `fork`, parent and child would both append
            // to it. So a process only appends to regions it created (the other process never
            // runs code beyond what existed at the fork, which is never written again).
            let pid = std::process::id();
            let fits = self.regions.last().filter(|r| r.pid == pid).and_then(|r| {
                let (offsets, end) = layout(r.used);
                (end <= r.len).then_some(offsets)
            });
            let offsets = match fits {
                Some(offsets) => Some(offsets),
                None => {
                    let (offsets, end) = layout(0);
                    let size = self
                        .regions
                        .last()
                        .map_or(FIRST_REGION, |r| (2 * r.len).min(MAX_REGION))
                        .max(end.next_multiple_of(page));
                    match Region::dual(size) {
                        Ok(r) => {
                            self.regions.push(r);
                            Some(offsets)
                        }
                        // No memfd (say, a sandbox forbids it): fresh pages per publish.
                        Err(_) => {
                            self.dual = false;
                            None
                        }
                    }
                }
            };
            if let Some(offsets) = offsets {
                let region = self.regions.last_mut().expect("a region to publish into");
                return region.write_dual(funcs, &offsets);
            }
        }
        let (offsets, end) = layout(0);
        let region = Region::fresh(end.next_multiple_of(page).max(page), funcs, &offsets)?;
        let starts = offsets.iter().map(|&o| region.exec as usize + o).collect();
        self.regions.push(region);
        Ok(starts)
    }
}

impl Region {
    /// A region of `len` bytes (a multiple of the page size) mapped twice: read-write and
    /// read-execute.
    #[cfg(target_os = "linux")]
    fn dual(len: usize) -> Result<Region, JitError> {
        use rustix::fs::{MemfdFlags, ftruncate, memfd_create};
        use rustix::mm::{MapFlags, ProtFlags, mmap, munmap};
        let os = |what: &str, e: rustix::io::Errno| JitError::Memory(format!("{what}: {e}"));
        let fd = memfd_create("gojit-code", MemfdFlags::CLOEXEC).map_err(|e| os("memfd", e))?;
        ftruncate(&fd, len as u64).map_err(|e| os("memfd size", e))?;
        // SAFETY: a new shared mapping of our own memfd at an address the kernel picks; it
        // aliases no Rust object.
        let write = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &fd,
                0,
            )
        }
        .map_err(|e| os("map code (write view)", e))?;
        // SAFETY: as above; this view is never written.
        let exec = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::EXEC,
                MapFlags::SHARED,
                &fd,
                0,
            )
        };
        let exec = match exec {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: `write` is the mapping of `len` bytes made above, not yet shared.
                let _ = unsafe { munmap(write, len) };
                return Err(os("map code (execute view)", e));
            }
        };
        // The mappings keep the memory alive; the descriptor is closed here.
        Ok(Region {
            exec: exec.cast(),
            write: write.cast(),
            len,
            used: 0,
            pid: std::process::id(),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn dual(_len: usize) -> Result<Region, JitError> {
        Err(JitError::Memory("no dual mapping on this host".into()))
    }

    /// Copies `funcs` to `offsets` of this dual-mapped region (they fit: every offset is at or
    /// after `used`, and the last function ends within `len`); returns their addresses.
    fn write_dual(
        &mut self,
        funcs: &[Placed<'_>],
        offsets: &[usize],
    ) -> Result<Vec<usize>, JitError> {
        debug_assert!(!self.write.is_null());
        let (Some(&first), Some(last)) = (offsets.first(), funcs.last()) else {
            return Ok(Vec::new());
        };
        let end = offsets[offsets.len() - 1] + last.code.len();
        assert!(
            first >= self.used && end <= self.len,
            "code placed outside its region"
        );
        let (start, len) = (self.used, end - self.used);
        // SAFETY: `write..write + len` is this region's writable view, mapped for the region's
        // lifetime; `used..end` is within it and holds no published code yet (code is only
        // appended), so nothing reads or runs these bytes while they are written.
        let bytes = unsafe { std::slice::from_raw_parts_mut(self.write.add(start), len) };
        let base = self.exec as usize + self.used;
        copy_and_relocate(bytes, base, funcs, offsets.iter().map(|o| o - self.used))?;
        // SAFETY: `exec + first .. exec + end` is inside the executable view.
        unsafe { make_visible(self.exec.add(first), end - first) }?;
        self.used = end;
        Ok(offsets.iter().map(|o| self.exec as usize + o).collect())
    }

    /// Fresh pages (`len` bytes, a multiple of the page size) holding `funcs` at `offsets`,
    /// written and then made executable.
    fn fresh(len: usize, funcs: &[Placed<'_>], offsets: &[usize]) -> Result<Region, JitError> {
        use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect};
        let os = |what: &str, e: rustix::io::Errno| JitError::Memory(format!("{what}: {e}"));
        // SAFETY: a new private anonymous mapping; it aliases no Rust object.
        let p = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
        }
        .map_err(|e| os("map code", e))?
        .cast::<u8>();
        // Owned from here on: dropped (unmapped) if anything below fails.
        let region = Region {
            exec: p,
            write: std::ptr::null_mut(),
            len,
            used: len,
            pid: std::process::id(),
        };
        // SAFETY: `p..p + len` is the writable mapping just made, referenced nowhere else.
        let bytes = unsafe { std::slice::from_raw_parts_mut(p, len) };
        copy_and_relocate(bytes, p as usize, funcs, offsets.iter().copied())?;
        // SAFETY: our own mapping; from now on it is only read and executed.
        unsafe { mprotect(p.cast(), len, MprotectFlags::READ | MprotectFlags::EXEC) }
            .map_err(|e| os("make code executable", e))?;
        // SAFETY: `p..p + len` is the mapping made above.
        unsafe { make_visible(p, len) }?;
        Ok(region)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the views were mapped with `len` bytes by `Region::dual` or `Region::fresh`
        // and are unmapped only here. Nothing runs code in them any more: code memory is dropped
        // only with the last reference to its module (every instance holds one).
        unsafe {
            let _ = rustix::mm::munmap(self.exec.cast(), self.len);
            if !self.write.is_null() {
                let _ = rustix::mm::munmap(self.write.cast(), self.len);
            }
        }
    }
}

/// Copies every function into `bytes` (which will run at address `base`) at its offset and
/// applies its relocations.
fn copy_and_relocate(
    bytes: &mut [u8],
    base: usize,
    funcs: &[Placed<'_>],
    offsets: impl Iterator<Item = usize>,
) -> Result<(), JitError> {
    for (f, at) in funcs.iter().zip(offsets) {
        let code = &mut bytes[at..at + f.code.len()];
        code.copy_from_slice(f.code);
        for r in f.relocs {
            let target = match &r.target {
                FinalizedRelocTarget::ExternalName(ExternalName::LibCall(lc)) => libcall(*lc)?,
                FinalizedRelocTarget::Func(off) => base + at + *off as usize,
                other => {
                    return Err(JitError::Memory(format!(
                        "relocation to {} not supported",
                        other.display(None)
                    )));
                }
            };
            let value = (target as i64).wrapping_add(r.addend);
            let off = r.offset as usize;
            match r.kind {
                Reloc::Abs8 => code[off..off + 8].copy_from_slice(&value.to_le_bytes()),
                kind => {
                    return Err(JitError::Memory(format!(
                        "relocation kind {kind} not supported"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The address of a libcall: Cranelift calls out for float rounding where the CPU lacks an
/// instruction for it (x86-64 without SSE4.1). These are Rust's, not the C library's (which
/// need not be linked, or may round differently under another rounding mode).
fn libcall(lc: LibCall) -> Result<usize, JitError> {
    extern "C" fn ceil_f32(x: f32) -> f32 {
        x.ceil()
    }
    extern "C" fn ceil_f64(x: f64) -> f64 {
        x.ceil()
    }
    extern "C" fn floor_f32(x: f32) -> f32 {
        x.floor()
    }
    extern "C" fn floor_f64(x: f64) -> f64 {
        x.floor()
    }
    extern "C" fn trunc_f32(x: f32) -> f32 {
        x.trunc()
    }
    extern "C" fn trunc_f64(x: f64) -> f64 {
        x.trunc()
    }
    extern "C" fn nearest_f32(x: f32) -> f32 {
        x.round_ties_even()
    }
    extern "C" fn nearest_f64(x: f64) -> f64 {
        x.round_ties_even()
    }
    let f32_fn = |f: extern "C" fn(f32) -> f32| f as usize;
    let f64_fn = |f: extern "C" fn(f64) -> f64| f as usize;
    Ok(match lc {
        LibCall::CeilF32 => f32_fn(ceil_f32),
        LibCall::CeilF64 => f64_fn(ceil_f64),
        LibCall::FloorF32 => f32_fn(floor_f32),
        LibCall::FloorF64 => f64_fn(floor_f64),
        LibCall::TruncF32 => f32_fn(trunc_f32),
        LibCall::TruncF64 => f64_fn(trunc_f64),
        LibCall::NearestF32 => f32_fn(nearest_f32),
        LibCall::NearestF64 => f64_fn(nearest_f64),
        other => return Err(JitError::Memory(format!("libcall {other} not supported"))),
    })
}

/// Makes freshly written code at `exec..exec + len` safe to run on every thread: where
/// instruction caches are not coherent with data (aarch64), invalidates them and flushes every
/// core's pipeline.
///
/// # Safety
/// `exec..exec + len` must be mapped.
unsafe fn make_visible(exec: *mut u8, len: usize) -> Result<(), JitError> {
    let err = |e: std::io::Error| JitError::Memory(format!("instruction cache: {e}"));
    // SAFETY: the caller guarantees the range is mapped.
    unsafe { wasmtime_internal_jit_icache_coherence::clear_cache(exec.cast_const().cast(), len) }
        .map_err(err)?;
    wasmtime_internal_jit_icache_coherence::pipeline_flush_mt().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(
        func_index: u32,
        code: Vec<u8>,
        relocs: Vec<FinalizedMachReloc>,
    ) -> CompiledFunction {
        CompiledFunction {
            func_index,
            code,
            alignment: 16,
            traps: vec![
                (3, TrapCode::STACK_OVERFLOW),
                (1, TrapCode::HEAP_OUT_OF_BOUNDS),
            ],
            inlined_traps: vec![(3, 7)],
            relocs,
            direct_callees: Vec::new(),
        }
    }

    /// The bytes published at `f` (the execute view is readable).
    fn bytes(f: &FuncCode) -> &[u8] {
        // SAFETY: `f` was published by a `CodeMemory` that is still alive in the calling test;
        // its code is mapped readable and never written again.
        unsafe { std::slice::from_raw_parts(f.start as *const u8, f.len) }
    }

    #[test]
    fn functions_land_aligned_intact_and_apart_across_regions() {
        let isa = crate::isa::host(&Default::default()).expect("host ISA");
        let mut mem = CodeMemory::new(isa);
        let mut all = Vec::new();
        // Enough code to fill the first region and spill into new ones, in batches of mixed
        // sizes (one function larger than the first region).
        for batch in 0..40u32 {
            let funcs: Vec<_> = (0..3u32)
                .map(|k| {
                    let len = if batch == 7 && k == 1 {
                        FIRST_REGION + 100
                    } else {
                        1000 + 4096 * (batch as usize % 11) + k as usize
                    };
                    compiled(batch * 3 + k, vec![(batch * 3 + k) as u8; len], Vec::new())
                })
                .collect();
            let expected: Vec<Vec<u8>> = funcs.iter().map(|f| f.code.clone()).collect();
            let published = mem.publish(funcs).expect("published");
            for (f, code) in published.iter().zip(&expected) {
                assert_eq!(f.start % 16, 0);
                assert_eq!(bytes(f), &code[..]);
                assert_eq!(
                    &f.traps[..],
                    &[
                        (1, TrapCode::HEAP_OUT_OF_BOUNDS),
                        (3, TrapCode::STACK_OVERFLOW)
                    ]
                );
                // The trap at offset 3 is in code inlined from function 7.
                assert_eq!(f.trap_at(f.start + 3), Some(TrapCode::STACK_OVERFLOW));
                assert_eq!(
                    (f.func_at(f.start + 3), f.func_at(f.start + 1)),
                    (7, f.func_index)
                );
            }
            all.extend(published);
        }
        all.sort_by_key(|f| f.start);
        assert!(all.windows(2).all(|w| w[0].start + w[0].len <= w[1].start));
        for f in &all {
            assert!(bytes(f).iter().all(|&b| b == f.func_index as u8));
        }
    }

    #[test]
    fn without_dual_mapping_every_publish_gets_fresh_pages() {
        let isa = crate::isa::host(&Default::default()).expect("host ISA");
        // As after a failed `memfd_create`.
        let mut mem = CodeMemory::anonymous(isa);
        for batch in 0..3u32 {
            let funcs = vec![
                compiled(batch, vec![batch as u8; 5000], Vec::new()),
                compiled(batch, vec![batch as u8; 30], Vec::new()),
            ];
            for f in mem.publish(funcs).expect("published") {
                assert_eq!(f.start % 16, 0);
                assert!(bytes(&f).iter().all(|&b| b == batch as u8));
            }
        }
        assert_eq!(mem.regions.len(), 3);
        assert!(
            mem.regions
                .iter()
                .all(|r| r.write.is_null() && r.used == r.len)
        );
    }

    #[test]
    fn absolute_relocations_are_resolved_and_raw_code_needs_none() {
        let isa = crate::isa::host(&Default::default()).expect("host ISA");
        let mut mem = CodeMemory::new(isa);
        let reloc = FinalizedMachReloc {
            offset: 8,
            kind: Reloc::Abs8,
            target: FinalizedRelocTarget::Func(4),
            addend: 2,
        };
        let f = &mem
            .publish(vec![compiled(0, vec![0; 32], vec![reloc])])
            .expect("published")[0];
        let value = u64::from_le_bytes(bytes(f)[8..16].try_into().unwrap());
        assert_eq!(value, f.start as u64 + 6);

        let floor = FinalizedMachReloc {
            offset: 0,
            kind: Reloc::Abs8,
            target: FinalizedRelocTarget::ExternalName(ExternalName::LibCall(LibCall::FloorF64)),
            addend: 0,
        };
        let f = &mem
            .publish(vec![compiled(1, vec![0; 16], vec![floor])])
            .expect("published")[0];
        assert_ne!(u64::from_le_bytes(bytes(f)[0..8].try_into().unwrap()), 0);

        let raw = RawCode {
            func_index: 5,
            alignment: 32,
            code: (&[0xC3u8; 40][..]).into(),
            traps: Box::new([]),
            inlined: Box::new([]),
        };
        let f = &mem.publish_raw(&[raw.clone(), raw]).expect("published")[1];
        assert_eq!(
            (f.start % 32, f.func_index, bytes(f)),
            (0, 5, &[0xC3u8; 40][..])
        );
    }
}
