//! Interrupting a store's guests: the state an [`crate::InterruptHandle`] shares with the store's
//! instances, and the process-wide timer that carries out store deadlines.
//!
//! To interrupt, this module sets vmctx's interrupt word and raises its stack limit above any
//! stack pointer in the vmctx of every live instance of the store. Every prologue of compiled
//! code already checks the stack limit, so the guest traps at its next call (the trap that comes
//! from the limit is reported as `Interrupted`); the interpreter tier checks the word at
//! backward branches and the limit at calls. A loop of compiled code that makes no calls is
//! stopped by a signal (`SIGURG`, see `signals`): the interrupt sends it to the thread running
//! the store's guests, and the handler ends the guest call if the thread is in compiled code of
//! an interrupted instance. A signal that lands in host or runtime code does nothing, so the
//! deadline timer sends it again every [`RESIGNAL_INTERVAL`] until the thread has left the
//! guest. (With [`crate::Config::interrupt_by_signal`] off, compiled code instead checks the word
//! at every backward branch, which costs a few per cent.) A host function that blocks (WASI's
//! `poll_oneoff`, a read of stdin) also polls [`InterruptState::wake_fd`], which becomes
//! readable at the interrupt.
//!
//! Other threads write those two vmctx words, so the owning thread reads and writes them only
//! atomically, and only through this module once the instance is registered.

use super::signals;
use gojit_frontend::vmctx;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How often an interrupt is signalled again to a thread still running the store's guests.
pub(crate) const RESIGNAL_INTERVAL: Duration = Duration::from_millis(1);

/// Whether the interrupt word of the vmctx at `vmctx` is set (read atomically: other threads
/// write it).
///
/// # Safety
/// `vmctx` must be the vmctx of a live instance.
#[inline(always)]
pub(crate) unsafe fn is_interrupted(vmctx: *const u64) -> bool {
    // SAFETY: per the contract, INTERRUPT is an 8-byte-aligned word of a live vmctx, which the
    // host only accesses atomically.
    unsafe { AtomicU64::from_ptr(vmctx.add(vmctx::INTERRUPT as usize / 8).cast_mut()) }
        .load(Ordering::Relaxed)
        != 0
}

/// The interrupt state of one store.
pub(crate) struct InterruptState {
    /// Whether interrupts signal the thread running guests (else compiled loops check).
    by_signal: bool,
    /// Set once interrupted (until [`InterruptState::clear`]); written under `inner`'s lock.
    requested: AtomicBool,
    inner: Mutex<Registry>,
    /// A pipe whose read end is readable while interrupted: made on first use, always under
    /// `inner`'s lock, so that an interrupt either sees it and writes, or happened before the
    /// waiter looked at `requested`.
    wake: OnceLock<(PipeReader, PipeWriter)>,
    /// Which deadline is current: a timer entry of another generation is stale.
    deadline_generation: AtomicU64,
    /// The kernel thread id of the thread inside a guest call of the store, or 0. A store
    /// runs calls on one thread at a time; nested calls on that thread keep it. Only that
    /// thread writes it, with plain stores: an interrupter may read an id that has just left
    /// the guest (or exited, its id even reused by another thread of the process), and the
    /// signal then lands outside guest code, where it does nothing.
    running: AtomicI32,
}

#[derive(Default)]
struct Registry {
    /// The vmctx of every live instance of the store, with its stack limit when not interrupted.
    instances: Vec<Registered>,
}

struct Registered {
    vmctx: VmctxPtr,
    stack_limit: u64,
}

/// A registered instance's vmctx.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct VmctxPtr(*mut u64);

// SAFETY: the pointer is only dereferenced (atomically, through `word`) while the instance is
// registered, i.e. alive: the instance unregisters before its vmctx is freed, under the same
// lock every writer holds.
unsafe impl Send for VmctxPtr {}

impl VmctxPtr {
    /// The vmctx block at `p` (of an instance that registers it before any other thread can
    /// see it, and unregisters it before freeing it).
    pub(crate) fn new(p: *mut u64) -> VmctxPtr {
        VmctxPtr(p)
    }

    /// The vmctx word at byte `offset`, as an atomic.
    ///
    /// # Safety
    /// The instance must be alive (registered) and `offset` a word of its vmctx.
    unsafe fn word(&self, offset: i32) -> &AtomicU64 {
        // SAFETY: per the contract, the word exists and lives as long as the registration; it
        // is 8-byte aligned (vmctx is a `[u64]`), and every access to it from the host is
        // atomic (this module), while compiled code only loads it.
        unsafe { AtomicU64::from_ptr(self.0.add(offset as usize / 8)) }
    }
}

impl Registered {
    /// Writes the interrupt word and the stack limit for the interrupt state `interrupted`.
    fn apply(&self, interrupted: bool) {
        let (flag, limit) = if interrupted {
            (1, vmctx::INTERRUPTED_STACK_LIMIT)
        } else {
            (0, self.stack_limit)
        };
        // SAFETY: registered, so alive; both offsets are vmctx words.
        unsafe {
            self.vmctx
                .word(vmctx::INTERRUPT)
                .store(flag, Ordering::Relaxed);
            self.vmctx
                .word(vmctx::STACK_LIMIT)
                .store(limit, Ordering::Relaxed);
        }
    }
}

impl InterruptState {
    /// The state of a new store; `by_signal`: whether compiled code is stopped by a signal
    /// (it then has no checks in loops).
    pub(crate) fn new(by_signal: bool) -> InterruptState {
        InterruptState {
            by_signal,
            requested: AtomicBool::new(false),
            inner: Mutex::default(),
            wake: OnceLock::new(),
            deadline_generation: AtomicU64::new(0),
            running: AtomicI32::new(0),
        }
    }

    /// Whether interrupts stop compiled code with a signal.
    pub(crate) fn by_signal(&self) -> bool {
        self.by_signal
    }

    /// Notes that this thread runs a guest call of the store until the guard is dropped, so
    /// that an interrupt signals it. Nothing to do (`None`) unless interrupts use signals.
    #[inline]
    pub(crate) fn running_here(&self) -> Option<RunningGuard<'_>> {
        if !self.by_signal {
            return None;
        }
        // Interrupted already, the call traps at its first prologue (the stack limit). An
        // interrupter that misses this store (it is not ordered with the limit's) tries again.
        let outer = self.running.load(Ordering::Relaxed);
        self.running.store(signals::thread_id(), Ordering::Relaxed);
        Some(RunningGuard { state: self, outer })
    }

    /// Signals the thread running a guest of the store, if any; whether there was one.
    fn signal_running(&self) -> bool {
        let thread = self.running.load(Ordering::Relaxed);
        if thread != 0 {
            signals::send_interrupt(thread);
        }
        thread != 0
    }

    /// Registers an instance's vmctx (with no stack limit yet: the guest stack comes at the
    /// first call); an interrupted store's new instance starts interrupted.
    pub(crate) fn register(&self, vmctx: VmctxPtr) {
        let mut reg = self.lock();
        let r = Registered {
            vmctx,
            stack_limit: 0,
        };
        r.apply(self.requested.load(Ordering::Relaxed));
        reg.instances.push(r);
    }

    /// Forgets an instance's vmctx, before it is freed.
    pub(crate) fn unregister(&self, vmctx: VmctxPtr) {
        self.lock().instances.retain(|r| r.vmctx != vmctx);
    }

    /// Sets a registered instance's stack limit (applied unless the store is interrupted).
    pub(crate) fn set_stack_limit(&self, vmctx: VmctxPtr, limit: u64) {
        let mut reg = self.lock();
        let interrupted = self.requested.load(Ordering::Relaxed);
        if let Some(r) = reg.instances.iter_mut().find(|r| r.vmctx == vmctx) {
            r.stack_limit = limit;
            r.apply(interrupted);
        }
    }

    /// Interrupts every guest of the store, now and until [`InterruptState::clear`].
    pub(crate) fn interrupt(self: &Arc<Self>) {
        self.interrupt_now();
        if self.by_signal {
            timer().add(Entry::resignal(Arc::downgrade(self), IDLE_RESIGNALS));
        }
    }

    /// Interrupts, and signals the thread running a guest of the store, if any.
    fn interrupt_now(&self) {
        let reg = self.lock();
        self.requested.store(true, Ordering::SeqCst);
        for r in &reg.instances {
            r.apply(true);
        }
        if let Some((_, writer)) = self.wake.get() {
            // A full pipe is readable already; nothing else can fail for an open pipe.
            let _ = (&*writer).write(&[1]);
        }
        drop(reg);
        self.signal_running();
    }

    /// Signals the running thread again while interrupted; how many more times to do so
    /// (`None`: stop). `idle_left`: how many more signals to try while no thread is seen.
    fn resignal(&self, idle_left: u8) -> Option<u8> {
        if !self.requested.load(Ordering::SeqCst) {
            return None;
        }
        if self.signal_running() {
            Some(IDLE_RESIGNALS)
        } else {
            idle_left.checked_sub(1)
        }
    }

    /// Whether the store is interrupted.
    pub(crate) fn is_interrupted(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Ends an interrupt (and cancels a pending deadline): later calls run normally.
    pub(crate) fn clear(&self) {
        self.deadline_generation.fetch_add(1, Ordering::SeqCst);
        let reg = self.lock();
        self.requested.store(false, Ordering::SeqCst);
        for r in &reg.instances {
            r.apply(false);
        }
        if let Some((reader, _)) = self.wake.get() {
            // Non-blocking: reads until the pipe is empty.
            let mut buf = [0u8; 64];
            while matches!((&*reader).read(&mut buf), Ok(n) if n > 0) {}
        }
    }

    /// A descriptor that is readable while the store is interrupted, for host functions that
    /// block in `poll(2)`: poll it along with what they wait for. Check
    /// [`InterruptState::is_interrupted`] after taking it, before blocking.
    pub(crate) fn wake_fd(&self) -> std::io::Result<BorrowedFd<'_>> {
        let _reg = self.lock();
        if self.wake.get().is_none() {
            let (reader, mut writer) = std::io::pipe()?;
            nix::fcntl::fcntl(
                &reader,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
            )?;
            nix::fcntl::fcntl(
                &writer,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
            )?;
            if self.requested.load(Ordering::SeqCst) {
                let _ = writer.write(&[1]);
            }
            let _ = self.wake.set((reader, writer));
        }
        Ok(self.wake.get().expect("set above").0.as_fd())
    }

    /// Interrupts the store at `when` (replacing an earlier deadline).
    pub(crate) fn set_deadline(self: &Arc<Self>, when: Instant) {
        let generation = self.deadline_generation.fetch_add(1, Ordering::SeqCst) + 1;
        timer().add(Entry {
            when,
            what: Due::Deadline(generation),
            state: Arc::downgrade(self),
        });
    }

    /// Cancels a pending deadline.
    pub(crate) fn cancel_deadline(&self) {
        self.deadline_generation.fetch_add(1, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while holding the lock leaves the registry consistent (each step is one
        // push, retain or atomic store), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A thread's stay in a guest call (see [`InterruptState::running_here`]).
pub(crate) struct RunningGuard<'a> {
    state: &'a InterruptState,
    /// `running` before this call: this thread for a nested call, else 0.
    outer: i32,
}

impl Drop for RunningGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.state.running.store(self.outer, Ordering::Relaxed);
    }
}

/// The process-wide deadline timer: one thread, started by the first deadline, that interrupts
/// stores whose deadline has come. Stores hold no reference to it; it holds only weak references
/// to theirs, so a dropped store's entry is discarded when it comes due.
struct Timer {
    queue: Mutex<BinaryHeap<Reverse<Entry>>>,
    changed: Condvar,
}

struct Entry {
    when: Instant,
    what: Due,
    state: Weak<InterruptState>,
}

enum Due {
    /// The deadline of this generation (stale if the store's generation has moved on).
    Deadline(u64),
    /// Signal the thread still running an interrupted store's guests again (this many more
    /// times while no thread is seen running).
    Resignal(u8),
}

/// How many times an interrupt is signalled again although no thread was seen inside a guest
/// call: a thread that was just entering may not have been visible yet.
const IDLE_RESIGNALS: u8 = 2;

impl Entry {
    fn resignal(state: Weak<InterruptState>, idle_left: u8) -> Entry {
        Entry {
            when: Instant::now() + RESIGNAL_INTERVAL,
            what: Due::Resignal(idle_left),
            state,
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.when == other.when
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.when.cmp(&other.when)
    }
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let t: &'static Timer = Box::leak(Box::new(Timer {
            queue: Mutex::new(BinaryHeap::new()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("gojit-deadlines".into())
            .spawn(move || t.run())
            .expect("spawning the deadline timer thread");
        t
    })
}

impl Timer {
    fn add(&self, entry: Entry) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let earliest = q.peek().is_none_or(|Reverse(e)| entry.when < e.when);
        q.push(Reverse(entry));
        if earliest {
            self.changed.notify_one();
        }
    }

    fn run(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            while q.peek().is_some_and(|Reverse(e)| e.when <= now) {
                let Reverse(e) = q.pop().expect("peeked");
                let Some(state) = e.state.upgrade() else {
                    continue;
                };
                let again = match e.what {
                    Due::Deadline(generation) => {
                        if state.deadline_generation.load(Ordering::SeqCst) != generation {
                            continue;
                        }
                        state.interrupt_now();
                        state.by_signal.then_some(IDLE_RESIGNALS)
                    }
                    Due::Resignal(idle_left) => state.resignal(idle_left),
                };
                if let Some(idle_left) = again {
                    q.push(Reverse(Entry::resignal(e.state, idle_left)));
                }
            }
            q = match q.peek().map(|Reverse(e)| e.when) {
                Some(next) => {
                    let wait = next.saturating_duration_since(Instant::now());
                    self.changed
                        .wait_timeout(q, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.changed.wait(q).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }
}
