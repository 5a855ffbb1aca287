//! A module's compiled code, shared by all its instances and threads.
//!
//! Compiled code is instance-independent (everything per-instance is reached through vmctx), so
//! a [`ModuleCode`] holds one code pointer per function for every instance: vmctx's `func_ptrs`
//! points at [`ModuleCode::func_ptrs`]. Until a function is compiled its slot holds its lazy
//! stub on x86-64 and aarch64 hosts (`vm::lazy_stubs`: the stub interprets or compiles the
//! call), and null elsewhere (compiled code checks for null and calls `lazy_compile`); a
//! per-function state says which. The first caller compiles and publishes with a release
//! store, so every thread either sees the stub or null (and compiles, or waits for the thread
//! compiling it) or a pointer to finished code.
//!
//! With tiering, the first code of a function is the baseline tier's (quick to compile); when
//! that code reports the function hot (`Builtin::TierUp`), the optimizing tier recompiles it in
//! the background and its pointer replaces the baseline one. Frames already running baseline
//! code finish there (both versions stay mapped); every later call, direct or through the table
//! or from the host, loads the slot again and runs the optimized code.
//!
//! The signal handler must find the function a faulting PC belongs to without taking locks, so
//! published functions are also recorded in a fixed-size, write-once registry (one slot per
//! function and tier and per entry trampoline) that it scans lock-free.

pub(crate) mod cache;
mod perf_map;
mod tiers;

use crate::Error;
use crate::code::cache::CodeCache;
use crate::interp::{Interp, InterpFunc};
use crate::vm::lazy_stubs::LazyStubs;
use gojit_frontend::ModuleInfo;
use gojit_frontend::traps::Trap;
use gojit_jit::{CodeMemory, CompiledFunction, Compiler, FuncCode, RawCode};
use perf_map::perf_map;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use tiers::{Background, NO_OSR};

/// What a code address means to the signal handler.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeLookup {
    /// The wasm function containing the address (`u32::MAX` for trampolines).
    pub(crate) func_index: u32,
    /// The trap recorded at exactly that address, if any.
    pub(crate) trap: Option<Trap>,
}

/// How lazily compiled code is tiered (see the module documentation).
#[derive(Clone)]
pub(crate) struct Tiering {
    /// The baseline compiler, if functions start with baseline code.
    pub(crate) baseline: Option<Arc<Compiler>>,
    /// Whether hot baseline code is recompiled by the optimizing tier.
    pub(crate) tier_up: bool,
    /// Calls plus loop back-edges before baseline code asks for the optimizing tier.
    pub(crate) budget: u32,
    /// With `Some(budget)`, functions start in the interpreter (`crate::interp`) and are
    /// compiled after `budget` calls plus loop back-edges (needs `tier_up` and lazy stubs).
    pub(crate) interpreter: Option<u32>,
    /// Failures to inject (tests).
    pub(crate) faults: crate::config::FaultInjection,
}

impl Tiering {
    /// What each function's baseline budget starts at: `budget` (as an `i32`), or never
    /// running out without tier-up.
    pub(crate) fn initial_budget(&self) -> i32 {
        if self.tier_up {
            self.budget.min(i32::MAX as u32) as i32
        } else {
            i32::MAX
        }
    }
}

/// The compiled code of one module.
pub(crate) struct ModuleCode {
    /// The optimizing tier.
    compiler: Arc<Compiler>,
    /// Publications counted for `FaultInjection::fail_code_memory_after`.
    injected_publications: std::sync::atomic::AtomicU64,
    /// Go's scheduler functions (found by name once, for every instance).
    go_scheduler: std::sync::OnceLock<Option<crate::vm::go_scheduler::GoScheduler>>,
    tiering: Tiering,
    /// Per function: the tier-up budget baseline code spends (vmctx `TIER_BUDGETS`).
    budgets: Box<[AtomicI32]>,
    /// Per function: `IDLE`, `COMPILING` (queued for or being compiled by the optimizing tier)
    /// or `DONE` (its optimized code is published).
    tier_states: Box<[AtomicU8]>,
    /// Functions recompiled by the optimizing tier.
    tiered_up: AtomicU64,
    /// Per function: the site of its on-stack-replacement entry (`NO_OSR` if none was asked
    /// for, `OSR_FAILED` if it could not be compiled); one per function.
    osr_sites: Box<[AtomicU32]>,
    /// Per function: its OSR entry once compiled (else null).
    osr_code: Box<[AtomicPtr<u8>]>,
    /// OSR entries compiled, and calls that moved into one.
    osr_entries: AtomicU64,
    osr_transfers: AtomicU64,
    info: Arc<ModuleInfo>,
    memory: Mutex<CodeMemory>,
    /// Per function: its code, or (not compiled yet) its lazy-compilation stub where the host
    /// has stubs, else null. `states` says which.
    func_ptrs: Box<[AtomicPtr<u8>]>,
    /// Keeps the stubs' memory mapped as long as `func_ptrs` may point into it.
    _stubs: Option<LazyStubs>,
    /// The interpreter tier, if functions start there.
    interp: Option<Interp>,
    /// Entry trampolines by canonical signature id.
    trampolines: Box<[AtomicPtr<u8>]>,
    /// Published code: slot `i < num_funcs` is function `i`'s first code, then one slot per
    /// signature (trampolines), then one per function for its optimized code after a tier-up,
    /// then one per function for its OSR entry.
    registry: Box<[OnceLock<FuncCode>]>,
    /// Functions compiled so far, and the time spent compiling them (translation, code
    /// generation and publishing), in nanoseconds.
    compiled: AtomicU64,
    compile_nanos: AtomicU64,
    /// The persistent cache, with every function published so far (loaded or compiled) kept for
    /// writing back, and whether anything new was compiled since the load.
    cache: Option<(CodeCache, Mutex<CachedCode>)>,
    loaded_from_cache: u64,
    /// Per function: `IDLE`, `COMPILING` (by some thread; others wait on `compiled_signal`) or
    /// `DONE` (published, compiled or loaded from the cache). A function is compiled only on the
    /// `IDLE` → `COMPILING` transition, so a published pointer is never replaced (its code is the
    /// one registered for trap lookup).
    states: Box<[AtomicU8]>,
    /// The number of threads waiting for a function another thread compiles, and their signal.
    compiled_signal: (Mutex<usize>, Condvar),
    /// The background compiler's work (its thread starts with the first request).
    background: Arc<Background>,
    background_started: OnceLock<bool>,
    /// Instances created from this code so far (see `instance_created`).
    instances_created: AtomicU32,
    background_enabled: bool,
    /// This module code itself, for the background thread.
    this: Weak<ModuleCode>,
}

/// What the code cache file will hold.
struct CachedCode {
    /// Per function, its latest code (loaded or compiled; optimized code replaces baseline code).
    latest: Vec<Option<RawCode>>,
    /// Function indices in the order their latest code was published (a function published
    /// again, say after a tier-up, moves to the end). The file keeps this order, so a run that
    /// loads it lays the code out as the run that wrote it did: functions used together, and
    /// hot functions tiered up together, stay together. (Laying cached code out by function
    /// index instead made the encoding/json encoder benchmark 25% slower than the same code
    /// compiled in the run.)
    order: Vec<u32>,
    /// Whether any code was compiled since the cache was loaded.
    dirty: bool,
    /// Functions compiled since the cache was loaded or written.
    new: usize,
}

/// `order` with each function index kept once, at its last position (indices `< n`).
fn last_occurrences(order: &[u32], n: usize) -> Vec<u32> {
    let mut seen = vec![false; n];
    let mut out: Vec<u32> = order
        .iter()
        .rev()
        .copied()
        .filter(|&i| !std::mem::replace(&mut seen[i as usize], true))
        .collect();
    out.reverse();
    out
}

/// Newly compiled functions below which a run that loaded the cache leaves the file as it is.
const MIN_NEW_TO_REWRITE: usize = 8;

const IDLE: u8 = 0;
const COMPILING: u8 = 1;
const DONE: u8 = 2;

/// A registry slot (see `ModuleCode::slot_index`).
#[derive(Clone, Copy, Debug)]
enum Slot {
    First(usize),
    /// A function's first code, loaded from the code cache (same registry slot as `First`;
    /// only the perf-map label differs: cached code may be either tier's).
    Cached(usize),
    Trampoline(usize),
    Optimized(usize),
    Osr(usize),
}

/// Compilation statistics of a module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileStats {
    /// Functions (and trampolines) compiled, by either tier.
    pub functions: u64,
    /// Of those, recompilations of hot functions by the optimizing tier.
    pub tiered_up: u64,
    /// Of those, on-stack-replacement entries (for calls looping in baseline code).
    pub osr_entries: u64,
    /// Calls that moved from baseline code into an OSR entry.
    pub osr_transfers: u64,
    /// Time spent compiling them (summed over threads).
    pub time: std::time::Duration,
    /// Functions loaded from the persistent code cache instead of compiled.
    pub from_cache: u64,
    /// Functions whose calls started in the interpreter tier.
    pub interpreted: u64,
}

/// A function queued for background compilation when its interpreter budget ran out is compiled
/// on the calling thread once it has spent this many budgets in all while still waiting.
const HOT_WAIT_BUDGETS: i64 = 3;

impl ModuleCode {
    /// Code for `info`; `cached` is what `cache` held for it (functions to publish right away).
    ///
    /// With `background`, functions compiled on demand get their direct callees compiled on a
    /// background thread, so a run that needs them next finds them ready.
    pub(crate) fn new(
        compiler: Arc<Compiler>,
        tiering: Tiering,
        info: Arc<ModuleInfo>,
        cache: Option<CodeCache>,
        cached: Vec<RawCode>,
        background: bool,
    ) -> Result<Arc<ModuleCode>, Error> {
        // Compiled code calls without a null check where there are stubs: slots must never be
        // null, so the stubs must exist before anything else.
        let stubs = if compiler.lazy_call_stubs() {
            Some(LazyStubs::new(info.num_funcs() as usize).ok_or_else(|| {
                Error::Resource(
                    "cannot map lazy-compilation stubs (out of memory or address space)".into(),
                )
            })?)
        } else {
            None
        };
        Ok(Arc::new_cyclic(|this| {
            ModuleCode::build(
                compiler,
                tiering,
                info,
                cache,
                cached,
                background,
                stubs,
                this.clone(),
            )
        }))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the private half of `new`, which passes its own arguments on"
    )]
    fn build(
        compiler: Arc<Compiler>,
        tiering: Tiering,
        info: Arc<ModuleInfo>,
        cache: Option<CodeCache>,
        cached: Vec<RawCode>,
        background: bool,
        stubs: Option<LazyStubs>,
        this: Weak<ModuleCode>,
    ) -> ModuleCode {
        let n = info.num_funcs() as usize;
        let sigs = info.types.len();
        // Without tier-up, baseline code never asks (its budget cannot run out in practice).
        let budget = tiering.initial_budget();
        let interp = match (tiering.interpreter, &stubs) {
            (Some(budget), Some(_)) if tiering.tier_up && tiering.baseline.is_some() => {
                Some(Interp::new(info.clone(), compiler.pinned_sp(&info), budget))
            }
            _ => None,
        };
        let mut code = ModuleCode {
            injected_publications: std::sync::atomic::AtomicU64::new(0),
            go_scheduler: std::sync::OnceLock::new(),
            interp,
            // perf finds JIT symbols only in anonymous memory (see `CodeMemory::anonymous`).
            memory: Mutex::new(if perf_map().is_some() {
                CodeMemory::anonymous(compiler.isa().clone())
            } else {
                CodeMemory::new(compiler.isa().clone())
            }),
            compiler,
            tiering,
            budgets: (0..n).map(|_| AtomicI32::new(budget)).collect(),
            tier_states: (0..n).map(|_| AtomicU8::new(IDLE)).collect(),
            tiered_up: AtomicU64::new(0),
            osr_sites: (0..n).map(|_| AtomicU32::new(NO_OSR)).collect(),
            osr_entries: AtomicU64::new(0),
            osr_transfers: AtomicU64::new(0),
            osr_code: (0..n)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
            func_ptrs: (0..n as u32)
                .map(|i| AtomicPtr::new(stubs.as_ref().map_or(std::ptr::null_mut(), |s| s.stub(i))))
                .collect(),
            _stubs: stubs,
            trampolines: (0..sigs)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
            registry: (0..3 * n + sigs).map(|_| OnceLock::new()).collect(),
            compiled: AtomicU64::new(0),
            compile_nanos: AtomicU64::new(0),
            cache: None,
            loaded_from_cache: 0,
            states: (0..n).map(|_| AtomicU8::new(IDLE)).collect(),
            compiled_signal: (Mutex::new(0), Condvar::new()),
            background: Arc::default(),
            background_started: OnceLock::new(),
            instances_created: AtomicU32::new(0),
            background_enabled: background && gojit_jit::host_parallelism() > 1,
            this,
            info,
        };
        if let Some(cache) = cache {
            let n = code.info.num_funcs();
            let entries = if cached.iter().all(|e| e.func_index < n) {
                cached
            } else {
                Vec::new()
            };
            code.loaded_from_cache = code.publish_cached(&entries);
            let mut latest: Vec<Option<RawCode>> = vec![None; n as usize];
            let order = entries.iter().map(|e| e.func_index).collect();
            for e in entries {
                let i = e.func_index as usize;
                latest[i] = Some(e);
            }
            let cached = CachedCode {
                latest,
                order,
                dirty: false,
                new: 0,
            };
            code.cache = Some((cache, Mutex::new(cached)));
        }
        code
    }

    /// Publishes code loaded from the cache; returns how many functions it provided. A failure
    /// only loses the cache's benefit.
    fn publish_cached(&mut self, entries: &[RawCode]) -> u64 {
        if entries.is_empty() {
            return 0;
        }
        let Ok(published) = self.lock().publish_raw(entries) else {
            return 0;
        };
        let mut n = 0;
        for code in published {
            let i = code.func_index as usize;
            if self.states[i].load(Ordering::Acquire) != DONE {
                let p = self.register(Slot::Cached(i), code);
                self.func_ptrs[i].store(p, Ordering::Release);
                self.states[i].store(DONE, Ordering::Release);
                n += 1;
            }
        }
        n
    }

    /// Remembers newly compiled functions for the cache (optimized code replaces baseline
    /// code of the same function).
    fn remember(&self, compiled: &[CompiledFunction]) {
        if let Some((_, entries)) = &self.cache {
            let mut e = entries.lock().unwrap_or_else(|p| p.into_inner());
            for raw in compiled.iter().filter_map(RawCode::from_compiled) {
                e.order.push(raw.func_index);
                let i = raw.func_index as usize;
                e.latest[i] = Some(raw);
                e.dirty = true;
                e.new += 1;
            }
        }
    }

    /// Writes the cache file if this run compiled anything new. Returns whether it wrote.
    pub(crate) fn persist(&self) -> std::io::Result<bool> {
        let Some((cache, entries)) = &self.cache else {
            return Ok(false);
        };
        if self.loaded_from_cache == 0 && !cache.sighted() {
            // The module's first run: leave a marker only (see `crate::cache`).
            cache.mark_sighted()?;
            return Ok(false);
        }
        self.fill_cache();
        let mut e = entries.lock().unwrap_or_else(|p| p.into_inner());
        // A run that found nearly everything in the cache does not rewrite the whole file for a
        // few functions (time-dependent paths differ from run to run; rewriting ~10 MB cost a
        // warm encoding/json run ~15 ms).
        if !e.dirty || (self.loaded_from_cache > 0 && e.new < MIN_NEW_TO_REWRITE) {
            return Ok(false);
        }
        let order = last_occurrences(&e.order, e.latest.len());
        let in_order: Vec<RawCode> = order
            .iter()
            .filter_map(|&i| e.latest[i as usize].clone())
            .collect();
        cache.store(&in_order)?;
        e.order = order;
        e.dirty = false;
        e.new = 0;
        Ok(true)
    }

    /// Before the cache is written: compiles (on every core) the functions that only ran in
    /// the interpreter (first tier, or optimized if they ran hot) and those whose tier-up is
    /// still pending, so that the next run starts with the code this one would have ended
    /// with and pays this once. A failure only leaves a function out of the cache.
    fn fill_cache(&self) {
        let Some(interp) = &self.interp else { return };
        // Functions whose optimized code is still pending (queued tier-ups), and functions
        // that ran interpreted for more than a tier-up budget: optimized now, or the next run
        // would tier them up (and write the cache) again.
        let initial = i64::from(self.tiering.initial_budget());
        let (mut optimize, mut first_tier) = (Vec::new(), Vec::new());
        for i in 0..self.info.num_funcs() {
            let (state, tier) = (
                self.states[i as usize].load(Ordering::Acquire),
                self.tier_states[i as usize].load(Ordering::Acquire),
            );
            if tier == COMPILING {
                optimize.push(i);
                continue;
            }
            if tier == DONE {
                continue;
            }
            // What it ran, interpreted and in baseline code (whose budget it spends).
            let baseline_spent =
                initial - i64::from(self.budgets[i as usize].load(Ordering::Relaxed));
            let units = interp.spent(i).max(0) + baseline_spent.max(0);
            if units >= initial {
                optimize.push(i);
            } else if state != DONE && interp.ran(i) {
                first_tier.push(i);
            }
        }
        if optimize.is_empty() && first_tier.is_empty() {
            return;
        }
        let started = std::time::Instant::now();
        let baseline = self.tiering.baseline.as_ref().unwrap_or(&self.compiler);
        let mut compiled = Vec::new();
        for (compiler, todo) in [(baseline, &first_tier), (&self.compiler, &optimize)] {
            compiled.extend(
                todo.chunks(64)
                    .filter_map(|chunk| compiler.compile_parallel(&self.info, chunk, |f| f).ok())
                    .flatten(),
            );
        }
        self.remember(&compiled);
        self.account(compiled.len() as u64, started);
    }

    /// The interpreter code to run a call of function `index` with, if the call is to be
    /// interpreted (see `crate::interp`): the function is not compiled, the interpreter can run
    /// it, and its budget lasts. Spends one unit of its budget; the call that spends the last
    /// one compiles the function instead.
    pub(crate) fn interpret(&self, index: u32) -> Option<(&Interp, &InterpFunc)> {
        let interp = self.interp.as_ref()?;
        if self.states[index as usize].load(Ordering::Acquire) == DONE {
            return None;
        }
        let f = interp.func(index)?;
        if interp.enter(index) {
            // Hot: with a background thread, compiled there ahead of everything else while
            // this thread goes on interpreting it (a test binary's run is mostly getting code
            // ready: waiting here for each compile left the second core idle); without one,
            // compiled now, on this thread.
            return self.compile_hot_in_background(index).then_some((interp, f));
        }
        // Queued, but still not compiled after more calls and back-edges than its budget again:
        // compiled now, on this thread (or waited for, if the background thread has started),
        // rather than left interpreted, tens of times slower, behind a long queue.
        if interp.spent(index) > HOT_WAIT_BUDGETS * i64::from(interp.initial_budget()) {
            return None;
        }
        Some((interp, f))
    }

    /// A call of function `index` loops hot in the interpreter at `site`: the optimized OSR
    /// entry to move it into once that is ready (also queues the function for the optimizing
    /// tier); meanwhile the loop asks again now and then.
    pub(crate) fn interp_hot_loop(&self, index: u32, site: u32) -> Option<*const u8> {
        let interp = self.interp.as_ref()?;
        let code = self.request_osr(index, site);
        if code.is_null() {
            interp.recheck_after(index, self.osr_recheck());
            None
        } else {
            Some(code)
        }
    }

    /// How much has been compiled so far.
    pub(crate) fn stats(&self) -> CompileStats {
        CompileStats {
            functions: self.compiled.load(Ordering::Relaxed),
            tiered_up: self.tiered_up.load(Ordering::Relaxed),
            osr_entries: self.osr_entries.load(Ordering::Relaxed),
            osr_transfers: self.osr_transfers.load(Ordering::Relaxed),
            time: std::time::Duration::from_nanos(self.compile_nanos.load(Ordering::Relaxed)),
            from_cache: self.loaded_from_cache,
            interpreted: self
                .interp
                .as_ref()
                .map_or(0, |i| i.functions_run().count() as u64),
        }
    }

    fn account(&self, functions: u64, since: std::time::Instant) {
        self.compiled.fetch_add(functions, Ordering::Relaxed);
        self.compile_nanos
            .fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    /// The array vmctx's `func_ptrs` points at.
    pub(crate) fn func_ptrs_base(&self) -> *const AtomicPtr<u8> {
        self.func_ptrs.as_ptr()
    }

    /// The array vmctx's `tier_budgets` points at.
    pub(crate) fn tier_budgets_base(&self) -> *const AtomicI32 {
        self.budgets.as_ptr()
    }

    /// Go's scheduler functions the park-until-idle pump calls, if this is a Go module: looked
    /// up by name on the first instance (a scan of every function name) and kept.
    pub(crate) fn go_scheduler(&self) -> Option<crate::vm::go_scheduler::GoScheduler> {
        *self
            .go_scheduler
            .get_or_init(|| crate::vm::go_scheduler::find_go_scheduler(&self.info))
    }

    /// Whether instantiation should take memory from the module's initial-image pool: from its
    /// second instance on (a single instance, a command, copies its segments).
    pub(crate) fn pools_initial_memory(&self) -> bool {
        self.instances_created.load(Ordering::Relaxed) >= 2
    }

    /// With `FaultInjection::fail_compile_of`, compiling that function fails.
    pub(super) fn injected_compile_failure(&self, index: u32) -> Result<(), Error> {
        if self.tiering.faults.fail_compile_of != Some(index) {
            return Ok(());
        }
        Err(Error::Compile(gojit_jit::JitError::Codegen {
            func: self.info.func_name(index),
            message: "injected failure (FaultInjection::fail_compile_of)".into(),
        }))
    }

    /// With `FaultInjection::fail_code_memory_after`, fails each publication after that many.
    fn injected_memory_failure(&self) -> Result<(), Error> {
        let Some(after) = self.tiering.faults.fail_code_memory_after else {
            return Ok(());
        };
        if self.injected_publications.fetch_add(1, Ordering::Relaxed) >= after {
            return Err(Error::Compile(gojit_jit::JitError::Memory(
                "map code: injected failure (FaultInjection::fail_code_memory_after)".into(),
            )));
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CodeMemory> {
        // A panic while publishing leaves no half-registered function (registration happens after
        // publishing succeeded), so a poisoned lock is still consistent.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where published code is recorded: the registry holds, in order, every function's first
    /// code (compiled or cached), one trampoline per signature, every function's optimized code
    /// after a tier-up, and every function's OSR entry.
    fn slot_index(&self, slot: Slot) -> usize {
        let (n, sigs) = (self.info.num_funcs() as usize, self.trampolines.len());
        match slot {
            Slot::First(i) | Slot::Cached(i) => i,
            Slot::Trampoline(sig) => n + sig,
            Slot::Optimized(i) => n + sigs + i,
            Slot::Osr(i) => 2 * n + sigs + i,
        }
    }

    /// Records published `code` for the signal handler (and the perf map); returns its start.
    fn register(&self, slot: Slot, code: FuncCode) -> *mut u8 {
        let start = code.start as *mut u8;
        if let Some(map) = perf_map() {
            let tier = match slot {
                Slot::First(_) => "first",
                Slot::Cached(_) => "cached",
                Slot::Trampoline(_) => "trampoline",
                Slot::Optimized(_) => "optimized",
                Slot::Osr(_) => "osr",
            };
            let name = if code.func_index == u32::MAX {
                "entry".to_string()
            } else {
                self.info.func_name(code.func_index)
            };
            map.write(code.start, code.len, &format!("{name} [{tier}]"));
        }
        let _ = self.registry[self.slot_index(slot)].set(code);
        start
    }

    /// Publishes one compiled function and registers it in `slot`; returns its start.
    fn publish_one(&self, compiled: CompiledFunction, slot: Slot) -> Result<*mut u8, Error> {
        self.injected_memory_failure()?;
        let code = self
            .lock()
            .publish(vec![compiled])?
            .pop()
            .expect("one function published");
        Ok(self.register(slot, code))
    }

    /// The code pointer of function `index`, compiling it first if needed (or waiting for the
    /// thread already compiling it).
    pub(crate) fn func_ptr(&self, index: u32) -> Result<*const u8, Error> {
        let i = index as usize;
        loop {
            if self.states[i].load(Ordering::Acquire) == DONE {
                return Ok(self.func_ptrs[i].load(Ordering::Acquire));
            }
            if self.states[i]
                .compare_exchange(IDLE, COMPILING, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return self.compile_one(index).map(|(p, callees)| {
                    self.prefetch(&callees);
                    p
                });
            }
            // Another thread is compiling it: wait until it is published (or given up).
            let (lock, cv) = &self.compiled_signal;
            let mut waiters = lock.lock().unwrap_or_else(|e| e.into_inner());
            *waiters += 1;
            while self.states[i].load(Ordering::Acquire) == COMPILING {
                waiters = cv.wait(waiters).unwrap_or_else(|e| e.into_inner());
            }
            *waiters -= 1;
        }
    }

    /// Compiles and publishes function `index`, whose state this thread set to `COMPILING`;
    /// returns its code and its direct callees.
    fn compile_one(&self, index: u32) -> Result<(*const u8, Vec<u32>), Error> {
        let i = index as usize;
        let started = std::time::Instant::now();
        let compiler = self.tiering.baseline.as_ref().unwrap_or(&self.compiler);
        let result = (|| {
            self.injected_compile_failure(index)?;
            let mut compiled = compiler.compile_function(&self.info, index)?;
            let callees = std::mem::take(&mut compiled.direct_callees);
            self.remember(std::slice::from_ref(&compiled));
            Ok((self.publish_one(compiled, Slot::First(i))?, callees))
        })();
        match &result {
            Ok((p, _)) => {
                // Unless the optimizing tier got there first (a function that was hot in the
                // interpreter), the slot still holds the lazy stub (or null).
                let stub = self
                    ._stubs
                    .as_ref()
                    .map_or(std::ptr::null_mut(), |s| s.stub(index));
                let _ = self.func_ptrs[i].compare_exchange(
                    stub,
                    *p,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                self.states[i].store(DONE, Ordering::Release);
            }
            Err(_) => self.states[i].store(IDLE, Ordering::Release),
        }
        // The state changed before the lock is taken, so a thread that checks it under the lock
        // either sees the new state or is counted and waiting (a wake-up is a system call, so
        // it is made only for waiters).
        let (lock, cv) = &self.compiled_signal;
        if *lock.lock().unwrap_or_else(|e| e.into_inner()) > 0 {
            cv.notify_all();
        }
        self.account(1, started);
        result.map(|(p, callees)| (p.cast_const(), callees))
    }

    /// Compiles every function not compiled yet, in parallel, and publishes them together.
    pub(crate) fn compile_all(&self) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let todo: Vec<u32> = (0..self.info.num_funcs())
            .filter(|&i| self.states[i as usize].load(Ordering::Acquire) != DONE)
            .collect();
        for &index in &todo {
            self.injected_compile_failure(index)?;
        }
        let mut all = self.compiler.compile_parallel(&self.info, &todo, |f| f)?;
        // Laid out in function index order (Go emits a package's functions together), not in
        // the order the threads finished (every other function from each thread).
        all.sort_unstable_by_key(|f| f.func_index);
        self.remember(&all);
        self.injected_memory_failure()?;
        let mut mem = self.lock();
        for code in mem.publish(all)? {
            let i = code.func_index as usize;
            if self.states[i].load(Ordering::Acquire) != DONE {
                let p = self.register(Slot::First(i), code);
                self.func_ptrs[i].store(p, Ordering::Release);
                self.states[i].store(DONE, Ordering::Release);
            }
        }
        self.account(todo.len() as u64, started);
        Ok(())
    }

    /// The entry trampoline for calling function `index` from the host.
    pub(crate) fn entry_trampoline(&self, index: u32) -> Result<*const u8, Error> {
        let canon = self.info.canonical_sig[self.info.func_types[index as usize] as usize] as usize;
        let slot = &self.trampolines[canon];
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            return Ok(p);
        }
        // Compiled outside the code lock (other threads keep publishing meanwhile); if two
        // threads race, the first to publish wins and the other's copy is dropped unpublished.
        let started = std::time::Instant::now();
        let compiled = self.compiler.compile_entry_trampoline(
            &self.info.types[canon],
            self.compiler.pinned_sp(&self.info),
        )?;
        self.injected_memory_failure()?;
        let mut mem = self.lock();
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            return Ok(p);
        }
        let code = mem
            .publish(vec![compiled])?
            .pop()
            .expect("one trampoline published");
        let p = self.register(Slot::Trampoline(canon), code);
        slot.store(p, Ordering::Release);
        self.account(1, started);
        Ok(p)
    }

    /// The function containing `pc`, and the trap code there. Lock-free (signal handlers).
    pub(crate) fn lookup(&self, pc: usize) -> Option<CodeLookup> {
        self.registry
            .iter()
            .filter_map(OnceLock::get)
            .find(|c| c.contains(pc))
            .map(|c| CodeLookup {
                func_index: c.func_at(pc),
                trap: c.trap_at(pc).and_then(Trap::from_code),
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cache_order_keeps_each_function_at_its_last_publish() {
        // 3 published, then 1, then 3 again (a tier-up), then 0.
        assert_eq!(super::last_occurrences(&[3, 1, 3, 0], 4), [1, 3, 0]);
        assert_eq!(super::last_occurrences(&[], 4), [] as [u32; 0]);
    }
}
