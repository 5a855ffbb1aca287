//! Background compilation and tiering: the worker thread (prefetched callees first, then
//! tier-ups and OSR entries), tier-up requests from baseline code, and OSR entries.

use super::{COMPILING, DONE, IDLE, ModuleCode, Slot};
use crate::Error;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex, Weak};

/// Work for the background compiler thread, most urgent first.
#[derive(Default)]
pub(super) struct Background {
    queues: Mutex<BackgroundQueues>,
    wake: Condvar,
}

#[derive(Default)]
struct BackgroundQueues {
    /// Functions whose interpreter budget ran out: running now, interpreted until compiled.
    hot: VecDeque<u32>,
    /// Direct callees of functions compiled on demand (first tier): likely needed next, and
    /// the demanding thread would otherwise compile them itself.
    prefetch: VecDeque<u32>,
    /// Go package initializers not compiled yet, in module order (see `package_inits`).
    inits: VecDeque<u32>,
    /// Hot functions waiting for the optimizing tier, in the order they got hot (OSR entries
    /// first: a call is waiting in a loop for them).
    tier_up: VecDeque<Job>,
    /// Set when the module's code is dropped: the thread exits.
    closed: bool,
    /// Whether the thread waits for work (a wake-up is a system call: made only then).
    idle: bool,
}

impl Background {
    /// The queues, locked (a panic while they were locked leaves them consistent: every
    /// change is a single push or pop).
    fn queues(&self) -> std::sync::MutexGuard<'_, BackgroundQueues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BackgroundQueues {
    /// Wakes the thread for new work if it waits for some.
    fn wake(&self, work: &Background) {
        if self.idle {
            work.wake.notify_one();
        }
    }

    fn next(&mut self) -> Option<Job> {
        self.hot
            .pop_front()
            .or_else(|| self.prefetch.pop_front())
            .map(Job::Compile)
            .or_else(|| self.tier_up.pop_front())
            .or_else(|| self.inits.pop_front().map(Job::Compile))
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
pub(super) const NO_OSR: u32 = u32::MAX;
const OSR_FAILED: u32 = u32::MAX - 1;
/// Iterations a baseline loop runs between asking whether its OSR entry is ready.
const OSR_RECHECK: i32 = 10_000;

impl ModuleCode {
    /// Queues the not-yet-compiled functions of `callees` (the direct callees of a function
    /// just compiled on demand, as its translation found them) for the background compiler.
    /// (Queueing callees of callees too was measured on the encoding/json test binary's
    /// start-up and did not help: the running thread still compiled most of what it ran.)
    pub(super) fn prefetch(&self, callees: &[u32]) {
        // With the interpreter, functions are compiled once they prove hot, not speculatively.
        if self.interp.is_some() || !self.start_background() {
            return;
        }
        let mut q = self.background.queues();
        let before = q.prefetch.len();
        for &callee in callees {
            if self.states[callee as usize].load(Ordering::Relaxed) == IDLE {
                q.prefetch.push_back(callee);
            }
        }
        if q.prefetch.len() > before {
            q.wake(&self.background);
        }
    }

    /// Called as an instance of the module is created. At the second instance, the functions
    /// the first one ran only in the interpreter (Go's `_initialize`: runtime and package
    /// initializers, run once per instance) are queued for the first compiled tier: a module
    /// instantiated twice is likely instantiated many times, and each of its instances would
    /// otherwise interpret the same start-up code until, a thousand instances later, every
    /// function had spent its budget (a next instance of the example plugin took 2.7-4.1 ms
    /// interpreted, against ~1 ms compiled).
    pub(crate) fn instance_created(&self) {
        if self.instances_created.fetch_add(1, Ordering::Relaxed) != 1 {
            return;
        }
        let Some(interp) = &self.interp else { return };
        if !self.start_background() {
            return;
        }
        let mut q = self.background.queues();
        let before = q.prefetch.len();
        for index in interp.functions_run() {
            if self.states[index as usize].load(Ordering::Relaxed) == IDLE {
                q.prefetch.push_back(index);
            }
        }
        if q.prefetch.len() > before {
            q.wake(&self.background);
        }
    }

    /// Function `index` spent its interpreter budget: queues it for the first compiled tier ahead
    /// of all other background work; false if there is no background thread (the caller then
    /// compiles it itself).
    pub(crate) fn compile_hot_in_background(&self, index: u32) -> bool {
        if !self.start_background() {
            return false;
        }
        let mut q = self.background.queues();
        q.hot.push_back(index);
        q.wake(&self.background);
        true
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
            let mut q = self.background.queues();
            q.tier_up.push_back(Job::TierUp(index));
            q.wake(&self.background);
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
                    let mut q = self.background.queues();
                    q.tier_up.push_front(Job::Osr(index, site));
                    q.wake(&self.background);
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
    pub(super) fn osr_recheck(&self) -> i32 {
        OSR_RECHECK.min(self.tiering.initial_budget())
    }

    /// Compiles and publishes the OSR entry of function `index` for `site`.
    fn compile_osr(&self, index: u32, site: u32) {
        let i = index as usize;
        let started = std::time::Instant::now();
        let published = self
            .injected_compile_failure(index)
            .and_then(|()| {
                self.compiler
                    .compile_osr_entry(&self.info, index, site)
                    .map_err(Error::from)
            })
            .and_then(|compiled| self.publish_one(compiled, Slot::Osr(i)));
        match published {
            Ok(p) => {
                self.osr_code[i].store(p, Ordering::Release);
                self.osr_entries.fetch_add(1, Ordering::Relaxed);
                self.account(1, started);
            }
            Err(_) => self.osr_sites[i].store(OSR_FAILED, Ordering::Release),
        }
    }

    /// Compiles function `index` with the optimizing tier and makes later calls use it. A
    /// failure leaves the baseline code in place (it is correct, only slower).
    fn tier_up_one(&self, index: u32) {
        let i = index as usize;
        let started = std::time::Instant::now();
        let published = self
            .injected_compile_failure(index)
            .and_then(|()| {
                self.compiler
                    .compile_function(&self.info, index)
                    .map_err(Error::from)
            })
            .and_then(|compiled| {
                self.remember(std::slice::from_ref(&compiled));
                self.publish_one(compiled, Slot::Optimized(i))
            });
        if let Ok(p) = published {
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
            if self.interp.is_none() {
                self.background.queues().inits = package_inits(&self.info);
            }
            let work = self.background.clone();
            let this = self.this.clone();
            std::thread::Builder::new()
                .name("gojit-compile".into())
                .spawn(move || background_loop(&work, &this))
                .is_ok()
        })
    }
}

/// The Go package initializers of `info` (`pkg.init`, `pkg.init.N`, `pkg.map.init.N` by name),
/// in module order. Go runs every one of them once at start-up, roughly in that order, mostly
/// through its init tasks' function pointers (`call_indirect`), so callee prefetching never finds
/// them, and some are the largest functions of a binary (table set-up).
fn package_inits(info: &gojit_frontend::ModuleInfo) -> VecDeque<u32> {
    let mut inits: Vec<u32> = info
        .names
        .iter()
        .filter(|&(&i, name)| i >= info.num_imports() && is_package_init(name))
        .map(|(&i, _)| i)
        .collect();
    inits.sort_unstable();
    inits.into()
}

/// Whether `name` is a Go package initializer's: `pkg.init`, `pkg.init.N` or `pkg.map.init.N`,
/// where `pkg` is a package path (it may contain dots, as in `vendor_golang.org_x_net_idna`),
/// not a method's receiver (`pkg.__T_.init` for `(*T).init`).
fn is_package_init(name: &str) -> bool {
    let numbered = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    let package = name.strip_suffix(".init").or_else(|| {
        let (rest, n) = name.rsplit_once('.')?;
        let package = rest.strip_suffix(".init")?;
        numbered(n).then(|| package.strip_suffix(".map").unwrap_or(package))
    });
    package.is_some_and(|p| !p.is_empty() && !p.contains("__"))
}

impl Drop for ModuleCode {
    fn drop(&mut self) {
        let mut q = self.background.queues();
        q.closed = true;
        self.background.wake.notify_all();
    }
}

/// The background compiler: first-tier compilation of prefetched callees before tier-ups.
fn background_loop(work: &Background, code: &Weak<ModuleCode>) {
    loop {
        let job = {
            let mut q = work.queues();
            loop {
                if q.closed {
                    return;
                }
                if let Some(job) = q.next() {
                    break job;
                }
                q.idle = true;
                q = work.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                q.idle = false;
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

#[cfg(test)]
mod tests {
    #[test]
    fn package_initializers_by_name() {
        for init in [
            "unicode.init",
            "encoding_json.init.1",
            "unicode.map.init.2",
            "main.init.0",
            "vendor_golang.org_x_net_idna.init",
            "vendor_golang.org_x_text_secure_bidirule.init.0",
        ] {
            assert!(super::is_package_init(init), "{init}");
        }
        for other in [
            "runtime.__mheap_.init",
            "runtime.mallocinit",
            "runtime.init.func1",
            "syscall.init.1.func2",
            ".init",
            "internal_sync.__HashTrieMap_go.shape.interface____go.shape.interface_____.init",
            "init",
        ] {
            assert!(!super::is_package_init(other), "{other}");
        }
    }
}
