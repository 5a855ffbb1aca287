//! A module's compiled code, shared by all its instances and threads.
//!
//! Compiled code is instance-independent (everything per-instance is reached through vmctx), so
//! a [`ModuleCode`] holds one code pointer per function for every instance: vmctx's `func_ptrs`
//! points at [`ModuleCode::func_ptrs`]. A null slot means "not compiled yet"; the first caller
//! compiles under the code lock and publishes with a release store, so every thread either sees
//! null (and compiles or waits for the lock) or a pointer to finished code.
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

use crate::Error;
use crate::cache::CodeCache;
use crate::lazy_stubs::LazyStubs;
use gojit_frontend::ModuleInfo;
use gojit_frontend::traps::Trap;
use gojit_jit::{CodeMemory, CompiledFunction, Compiler, FuncCode, RawCode};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

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
}

/// The compiled code of one module.
pub(crate) struct ModuleCode {
    /// The optimizing tier.
    compiler: Arc<Compiler>,
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
    compiled_signal: (Mutex<()>, Condvar),
    /// The background compiler's work (its thread starts with the first request).
    background: Arc<Background>,
    background_started: OnceLock<bool>,
    background_enabled: bool,
    /// This module code itself, for the background thread.
    this: Weak<ModuleCode>,
}

/// Per function, its latest code (loaded or compiled; optimized code replaces baseline code),
/// and whether any was compiled since the cache was loaded.
type CachedCode = (Vec<Option<RawCode>>, bool);

/// Work for the background compiler thread, most urgent first.
#[derive(Default)]
struct Background {
    queues: Mutex<BackgroundQueues>,
    wake: Condvar,
}

#[derive(Default)]
struct BackgroundQueues {
    /// Direct callees of functions compiled on demand (first tier): likely needed next, and
    /// the demanding thread would otherwise compile them itself.
    prefetch: VecDeque<u32>,
    /// Hot functions waiting for the optimizing tier, in the order they got hot (OSR entries
    /// first: a call is waiting in a loop for them).
    tier_up: VecDeque<Job>,
    /// Set when the module's code is dropped: the thread exits.
    closed: bool,
}

impl BackgroundQueues {
    fn next(&mut self) -> Option<Job> {
        self.prefetch
            .pop_front()
            .map(Job::Compile)
            .or_else(|| self.tier_up.pop_front())
    }
}

enum Job {
    /// First-tier compilation of a prefetched callee.
    Compile(u32),
    /// Optimizing-tier compilation of a hot function.
    TierUp(u32),
    /// The OSR entry of a function for a site (a call is looping there in baseline code).
    Osr(u32, u32),
}

/// `osr_sites` values that are not sites.
const NO_OSR: u32 = u32::MAX;
const OSR_FAILED: u32 = u32::MAX - 1;
/// Iterations a baseline loop runs between asking whether its OSR entry is ready.
const OSR_RECHECK: i32 = 10_000;

const IDLE: u8 = 0;
const COMPILING: u8 = 1;
const DONE: u8 = 2;

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
}

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
    ) -> Arc<ModuleCode> {
        Arc::new_cyclic(|this| {
            ModuleCode::build(
                compiler,
                tiering,
                info,
                cache,
                cached,
                background,
                this.clone(),
            )
        })
    }

    fn build(
        compiler: Arc<Compiler>,
        tiering: Tiering,
        info: Arc<ModuleInfo>,
        cache: Option<CodeCache>,
        cached: Vec<RawCode>,
        background: bool,
        this: Weak<ModuleCode>,
    ) -> ModuleCode {
        let n = info.num_funcs() as usize;
        let sigs = info.types.len();
        // Without tier-up, baseline code never asks (its budget cannot run out in practice).
        let budget = if tiering.tier_up {
            tiering.budget.min(i32::MAX as u32) as i32
        } else {
            i32::MAX
        };
        let stubs = if compiler.lazy_call_stubs() {
            // Compiled code calls without a null check: slots must never be null.
            Some(LazyStubs::new(n).expect("cannot map lazy-compilation stubs"))
        } else {
            None
        };
        let mut code = ModuleCode {
            memory: Mutex::new(CodeMemory::new(compiler.isa().clone())),
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
            compiled_signal: (Mutex::new(()), Condvar::new()),
            background: Arc::default(),
            background_started: OnceLock::new(),
            background_enabled: background
                && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1),
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
            for e in entries {
                let i = e.func_index as usize;
                latest[i] = Some(e);
            }
            code.cache = Some((cache, Mutex::new((latest, false))));
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
                let p = self.register(i, code);
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
                let i = raw.func_index as usize;
                e.0[i] = Some(raw);
                e.1 = true;
            }
        }
    }

    /// Writes the cache file if this run compiled anything new. Returns whether it wrote.
    pub(crate) fn persist(&self) -> std::io::Result<bool> {
        let Some((cache, entries)) = &self.cache else {
            return Ok(false);
        };
        let mut e = entries.lock().unwrap_or_else(|p| p.into_inner());
        if !e.1 {
            return Ok(false);
        }
        let latest: Vec<RawCode> = e.0.iter().flatten().cloned().collect();
        cache.store(&latest)?;
        e.1 = false;
        Ok(true)
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

    fn lock(&self) -> std::sync::MutexGuard<'_, CodeMemory> {
        // A panic while publishing leaves no half-registered function (registration happens after
        // publishing succeeded), so a poisoned lock is still consistent.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, slot: usize, code: FuncCode) -> *mut u8 {
        let start = code.start as *mut u8;
        if let Some(map) = perf_map() {
            // Registry slots: first code (compiled or cached), trampolines, tier-ups, OSR entries.
            let (n, sigs) = (self.info.num_funcs() as usize, self.trampolines.len());
            let tier = if slot < n {
                "first"
            } else if slot < n + sigs {
                "trampoline"
            } else if slot < 2 * n + sigs {
                "optimized"
            } else {
                "osr"
            };
            let name = if code.func_index == u32::MAX {
                "entry".to_string()
            } else {
                self.info.func_name(code.func_index)
            };
            map.write(code.start, code.len, &format!("{name} [{tier}]"));
        }
        let _ = self.registry[slot].set(code);
        start
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
                let r = self.compile_one(index);
                if r.is_ok() {
                    self.prefetch_callees(index);
                }
                return r;
            }
            // Another thread is compiling it: wait until it is published (or given up).
            let (lock, cv) = &self.compiled_signal;
            let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            while self.states[i].load(Ordering::Acquire) == COMPILING {
                guard = cv.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// Compiles and publishes function `index`, whose state this thread set to `COMPILING`.
    fn compile_one(&self, index: u32) -> Result<*const u8, Error> {
        let i = index as usize;
        let started = std::time::Instant::now();
        let compiler = self.tiering.baseline.as_ref().unwrap_or(&self.compiler);
        let result = (|| {
            let compiled = compiler.compile_function(&self.info, index)?;
            self.remember(std::slice::from_ref(&compiled));
            let code = self
                .lock()
                .publish(vec![compiled])?
                .pop()
                .expect("one function published");
            Ok::<_, Error>(self.register(i, code))
        })();
        match &result {
            Ok(p) => {
                self.func_ptrs[i].store(*p, Ordering::Release);
                self.states[i].store(DONE, Ordering::Release);
            }
            Err(_) => self.states[i].store(IDLE, Ordering::Release),
        }
        {
            let (lock, cv) = &self.compiled_signal;
            let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            cv.notify_all();
        }
        self.account(1, started);
        result.map(|p| p.cast_const())
    }

    /// Queues the not-yet-compiled direct callees of `index` for the background compiler.
    /// (Queueing callees of callees too was measured on the encoding/json test binary's
    /// start-up and did not help: the running thread still compiled most of what it ran.)
    fn prefetch_callees(&self, index: u32) {
        if !self.start_background() {
            return;
        }
        let mut q = self
            .background
            .queues
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let before = q.prefetch.len();
        for callee in self.info.direct_callees(index) {
            if self.states[callee as usize].load(Ordering::Relaxed) == IDLE {
                q.prefetch.push_back(callee);
            }
        }
        if q.prefetch.len() > before {
            self.background.wake.notify_one();
        }
    }

    /// Baseline code of function `index` got hot: has the optimizing tier recompile it, in the
    /// background if there is a background thread, else right away on this thread.
    pub(crate) fn request_tier_up(&self, index: u32) {
        let i = index as usize;
        // Whatever happens next, this code need not ask again.
        self.budgets[i].store(i32::MAX, Ordering::Relaxed);
        if !self.tiering.tier_up
            || self.tier_states[i]
                .compare_exchange(IDLE, COMPILING, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        if self.start_background() {
            let mut q = self
                .background
                .queues
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            q.tier_up.push_back(Job::TierUp(index));
            self.background.wake.notify_one();
        } else {
            self.tier_up_one(index);
        }
    }

    /// Baseline code of function `index` got hot in a loop at `site`: besides the tier-up for
    /// later calls, has the OSR entry for that site compiled. Returns it once it is ready (the
    /// running call then continues in it), else null (the loop keeps running baseline code and
    /// asks again after `OSR_RECHECK` iterations).
    pub(crate) fn request_osr(&self, index: u32, site: u32) -> *const u8 {
        let i = index as usize;
        self.request_tier_up(index);
        if !self.tiering.tier_up || site >= OSR_FAILED {
            return std::ptr::null();
        }
        match self.osr_sites[i].compare_exchange(NO_OSR, site, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                if self.start_background() {
                    let mut q = self
                        .background
                        .queues
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    q.tier_up.push_front(Job::Osr(index, site));
                    self.background.wake.notify_one();
                } else {
                    self.compile_osr(index, site);
                }
            }
            Err(s) if s == site => {}
            Err(OSR_FAILED) => return std::ptr::null(),
            // Another site of the function (say, the outer loop of a nest) has the function's
            // OSR entry: keep the budget small so that site gets to ask again.
            Err(_) => {
                self.budgets[i].store(self.osr_recheck(), Ordering::Relaxed);
                return std::ptr::null();
            }
        }
        let code = self.osr_code[i].load(Ordering::Acquire);
        if !code.is_null() {
            self.osr_transfers.fetch_add(1, Ordering::Relaxed);
        } else if self.osr_sites[i].load(Ordering::Acquire) == site {
            self.budgets[i].store(self.osr_recheck(), Ordering::Relaxed);
        }
        code
    }

    /// Iterations between asking whether an OSR entry is ready: `OSR_RECHECK`, or fewer with a
    /// smaller tier-up budget (tests set it to 1 to move calls over as early as possible).
    fn osr_recheck(&self) -> i32 {
        OSR_RECHECK.min(self.tiering.budget.min(i32::MAX as u32) as i32)
    }

    /// Compiles and publishes the OSR entry of function `index` for `site`.
    fn compile_osr(&self, index: u32, site: u32) {
        let i = index as usize;
        let started = std::time::Instant::now();
        let published = (|| {
            let compiled = self
                .compiler
                .compile_osr_entry(&self.info, index, site)
                .ok()?;
            self.lock().publish(vec![compiled]).ok()?.pop()
        })();
        match published {
            Some(code) => {
                let slot = 2 * self.info.num_funcs() as usize + self.trampolines.len() + i;
                let p = self.register(slot, code);
                self.osr_code[i].store(p, Ordering::Release);
                self.osr_entries.fetch_add(1, Ordering::Relaxed);
                self.account(1, started);
            }
            None => self.osr_sites[i].store(OSR_FAILED, Ordering::Release),
        }
    }

    /// Compiles function `index` with the optimizing tier and makes later calls use it. A
    /// failure leaves the baseline code in place (it is correct, only slower).
    fn tier_up_one(&self, index: u32) {
        let i = index as usize;
        let started = std::time::Instant::now();
        let published = (|| {
            let compiled = self.compiler.compile_function(&self.info, index).ok()?;
            self.remember(std::slice::from_ref(&compiled));
            self.lock().publish(vec![compiled]).ok()?.pop()
        })();
        if let Some(code) = published {
            let slot = self.info.num_funcs() as usize + self.trampolines.len() + i;
            let p = self.register(slot, code);
            self.func_ptrs[i].store(p, Ordering::Release);
            self.tier_states[i].store(DONE, Ordering::Release);
            self.tiered_up.fetch_add(1, Ordering::Relaxed);
            self.account(1, started);
        }
    }

    /// Starts the background compiler thread unless it runs already; returns whether there is
    /// one. It exits when the module's code is dropped.
    fn start_background(&self) -> bool {
        if !self.background_enabled {
            return false;
        }
        *self.background_started.get_or_init(|| {
            let work = self.background.clone();
            let this = self.this.clone();
            std::thread::Builder::new()
                .name("gojit-compile".into())
                .spawn(move || background_loop(&work, &this))
                .is_ok()
        })
    }

    /// Compiles every function not compiled yet, in parallel, and publishes them together.
    pub(crate) fn compile_all(&self) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let todo: Vec<u32> = (0..self.info.num_funcs())
            .filter(|&i| self.states[i as usize].load(Ordering::Acquire) != DONE)
            .collect();
        let all = self.compiler.compile_parallel(&self.info, &todo, |f| f)?;
        self.remember(&all);
        let mut mem = self.lock();
        for code in mem.publish(all)? {
            let i = code.func_index as usize;
            if self.states[i].load(Ordering::Acquire) != DONE {
                let p = self.register(i, code);
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
        let mut mem = self.lock();
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            return Ok(p);
        }
        let started = std::time::Instant::now();
        let compiled = self.compiler.compile_entry_trampoline(
            &self.info.types[canon],
            self.compiler.pinned_sp(&self.info),
        )?;
        let code = mem
            .publish(vec![compiled])?
            .pop()
            .expect("one trampoline published");
        let p = self.register(self.info.num_funcs() as usize + canon, code);
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
                func_index: c.func_index,
                trap: c.trap_at(pc).and_then(Trap::from_code),
            })
    }
}

impl Drop for ModuleCode {
    fn drop(&mut self) {
        let mut q = self
            .background
            .queues
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        q.closed = true;
        self.background.wake.notify_all();
    }
}

/// The background compiler: first-tier compilation of prefetched callees before tier-ups.
fn background_loop(work: &Background, code: &Weak<ModuleCode>) {
    loop {
        let job = {
            let mut q = work.queues.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if q.closed {
                    return;
                }
                if let Some(job) = q.next() {
                    break job;
                }
                q = work.wake.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(code) = code.upgrade() else { return };
        match job {
            Job::Compile(index) => {
                if code.states[index as usize]
                    .compare_exchange(IDLE, COMPILING, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    // A failure is reported when (if) the function is really called.
                    let _ = code.compile_one(index);
                }
            }
            Job::TierUp(index) => code.tier_up_one(index),
            Job::Osr(index, site) => code.compile_osr(index, site),
        }
    }
}

/// `/tmp/perf-<pid>.map`, when `GOJIT_PERF_MAP=1`: one line per published function so that
/// `perf report` names JIT code by Go function and tier.
struct PerfMap(Mutex<std::fs::File>);

impl PerfMap {
    fn write(&self, start: usize, len: usize, name: &str) {
        use std::io::Write;
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{start:x} {len:x} {name}");
    }
}

fn perf_map() -> Option<&'static PerfMap> {
    static MAP: OnceLock<Option<PerfMap>> = OnceLock::new();
    MAP.get_or_init(|| {
        if std::env::var_os("GOJIT_PERF_MAP").is_none_or(|v| v.is_empty() || v == "0") {
            return None;
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        std::fs::File::create(path)
            .ok()
            .map(|f| PerfMap(Mutex::new(f)))
    })
    .as_ref()
}
