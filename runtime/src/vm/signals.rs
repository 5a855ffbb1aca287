//! Turning hardware faults in guest code into traps.
//!
//! Compiled code traps with `ud2`/`udf` (SIGILL), an access outside linear memory (SIGSEGV or
//! SIGBUS inside the reservation), or a division fault (SIGFPE). The handler claims a fault only
//! if this thread is running guest code (an [`Activation`] is current), the stack pointer is on
//! that guest stack, and the faulting PC is in code we published (or the fault hit the guest
//! stack's guard region). It then redirects the guest coroutine, via corosensei's trap handler,
//! to return `Outcome::Trapped` to the host: the guest stack is abandoned and no Rust frame is
//! ever unwound. Every other fault is passed to the handler that was installed before ours (or
//! the default action), so host crashes stay crashes.
//!
//! The same redirection stops a guest that is interrupted (`vm::interrupt`): the interrupt
//! sends `SIGURG` to the thread running it (as Go's own runtime does to preempt goroutines: the
//! signal is otherwise unused and ignored by default), and if the thread is in compiled code of
//! an instance whose interrupt word is set, the guest call ends with `Trapped(Interrupted)`.
//! Compiled code holds no host resource (no lock, no allocation), so abandoning it at any
//! instruction is as safe as at a faulting one; anywhere else the signal is dropped.

use crate::code::ModuleCode;
use crate::vm::instance::Outcome;
use corosensei::trap::CoroutineTrapHandler;
use gojit_frontend::traps::Trap;
use std::cell::Cell;
use std::ops::Range;
use std::sync::Once;

/// What the signal handler needs to know about the guest call running on this thread.
pub(crate) struct Activation {
    pub(crate) trap_handler: CoroutineTrapHandler<Outcome>,
    /// The running module's code (its registry is read lock-free).
    pub(crate) code: *const ModuleCode,
    /// The guest stack mapping (guard included).
    pub(crate) stack: Range<usize>,
    /// Its guard region.
    pub(crate) guard: Range<usize>,
    /// The linear-memory reservation (empty if the module has no memory).
    pub(crate) memory: Range<usize>,
    /// The instance's vmctx if interrupts signal the thread (else null).
    pub(crate) interrupt_vmctx: *const u64,
}

thread_local! {
    static CURRENT: Cell<*const Activation> = const { Cell::new(std::ptr::null()) };
    /// Whether the handlers are installed and this thread has its alternate signal stack.
    static READY: Cell<bool> = const { Cell::new(false) };
}

/// Makes `a` the current activation until the returned guard is dropped. Cheap after the
/// thread's first call (a thread-local flag and a thread-local swap).
#[inline]
pub(crate) fn enter(a: &Activation) -> ActivationGuard {
    if !READY.with(Cell::get) {
        prepare_thread();
    }
    let prev = CURRENT.with(|c| c.replace(a));
    ActivationGuard { prev }
}

/// Installs the handlers (once per process) and this thread's alternate signal stack.
#[cold]
fn prepare_thread() {
    install_handlers();
    if ensure_altstack() {
        READY.with(|r| r.set(true));
    }
}

/// Restores the previous activation on drop.
pub(crate) struct ActivationGuard {
    prev: *const Activation,
}

impl Drop for ActivationGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// The signal that interrupts a guest.
const INTERRUPT_SIGNAL: libc::c_int = libc::SIGURG;

/// The faults we handle, then the interrupt signal.
const SIGNALS: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    INTERRUPT_SIGNAL,
];

/// The value an interrupt signal of ours carries, to tell it from others' `SIGURG`.
const INTERRUPT_COOKIE: usize = 0x0067_6f6a_6974; // "gojit"

struct Previous([libc::sigaction; 5]);
// SAFETY: written once inside `Once` before any handler can read it, then only read.
unsafe impl Sync for Previous {}
static mut PREVIOUS: Previous = Previous([const { unsafe_zeroed_sigaction() }; 5]);

const fn unsafe_zeroed_sigaction() -> libc::sigaction {
    // SAFETY: sigaction is a plain C struct for which all-zero is a valid (SIG_DFL) value.
    unsafe { std::mem::zeroed() }
}

fn install_handlers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: installing a handler with a fully initialised sigaction; the previous one is
            // saved (in a slot nothing reads before this Once completes) for chaining.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                if sig == INTERRUPT_SIGNAL {
                    sa.sa_sigaction = interrupt_handler as *const () as usize;
                    // Host code it lands in (a blocking read, a sleep) goes on as before.
                    sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
                } else {
                    sa.sa_sigaction = handler as *const () as usize;
                    sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                }
                libc::sigemptyset(&mut sa.sa_mask);
                let prev = std::ptr::addr_of_mut!(PREVIOUS.0[i]);
                if libc::sigaction(sig, &sa, prev) != 0 {
                    panic!(
                        "cannot install the handler for signal {sig}: {}",
                        std::io::Error::last_os_error()
                    );
                }
            }
        }
    });
}

/// A per-thread alternate signal stack, so a fault on an exhausted guest stack can be handled.
struct AltStack {
    mem: *mut libc::c_void,
    len: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: disables this thread's alternate stack, then unmaps the memory we mapped for it.
        unsafe {
            let mut ss: libc::stack_t = std::mem::zeroed();
            ss.ss_flags = libc::SS_DISABLE;
            libc::sigaltstack(&ss, std::ptr::null_mut());
            libc::munmap(self.mem, self.len);
        }
    }
}

thread_local! {
    static ALTSTACK: std::cell::RefCell<Option<AltStack>> = const { std::cell::RefCell::new(None) };
}

/// Gives this thread an alternate signal stack unless it has a large enough one; false if that
/// failed (faults on an exhausted guest stack would then crash rather than trap).
fn ensure_altstack() -> bool {
    const SIZE: usize = 256 << 10;
    ALTSTACK.with(|a| {
        if a.borrow().is_some() {
            return true;
        }
        // SAFETY: maps fresh memory and registers it as this thread's alternate signal stack; it
        // stays mapped until the thread-local is dropped (which first disables it).
        unsafe {
            let mut old: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(std::ptr::null(), &mut old);
            if old.ss_flags & libc::SS_DISABLE == 0 && old.ss_size >= SIZE {
                return true; // the thread already has a large enough one
            }
            let mem = libc::mmap(
                std::ptr::null_mut(),
                SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if mem == libc::MAP_FAILED {
                return false;
            }
            let ss = libc::stack_t {
                ss_sp: mem,
                ss_flags: 0,
                ss_size: SIZE,
            };
            libc::sigaltstack(&ss, std::ptr::null_mut());
            *a.borrow_mut() = Some(AltStack { mem, len: SIZE });
            true
        }
    })
}

struct Regs {
    pc: usize,
    sp: usize,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn regs(ctx: *mut libc::c_void) -> Regs {
    // SAFETY: the kernel passes a valid ucontext_t to an SA_SIGINFO handler.
    let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
    Regs {
        pc: uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
        sp: uc.uc_mcontext.gregs[libc::REG_RSP as usize] as usize,
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn redirect(ctx: *mut libc::c_void, r: corosensei::trap::TrapHandlerRegs) {
    // SAFETY: as in `regs`; the handler may rewrite the interrupted context.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let g = &mut uc.uc_mcontext.gregs;
    g[libc::REG_RIP as usize] = r.rip as i64;
    g[libc::REG_RSP as usize] = r.rsp as i64;
    g[libc::REG_RBP as usize] = r.rbp as i64;
    g[libc::REG_RDI as usize] = r.rdi as i64;
    g[libc::REG_RSI as usize] = r.rsi as i64;
}

#[cfg(all(target_arch = "aarch64", target_os = "linux"))]
unsafe fn regs(ctx: *mut libc::c_void) -> Regs {
    // SAFETY: the kernel passes a valid ucontext_t to an SA_SIGINFO handler.
    let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
    Regs {
        pc: uc.uc_mcontext.pc as usize,
        sp: uc.uc_mcontext.sp as usize,
    }
}

#[cfg(all(target_arch = "aarch64", target_os = "linux"))]
unsafe fn redirect(ctx: *mut libc::c_void, r: corosensei::trap::TrapHandlerRegs) {
    // SAFETY: as in `regs`; the handler may rewrite the interrupted context.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let m = &mut uc.uc_mcontext;
    m.pc = r.pc;
    m.sp = r.sp;
    m.regs[0] = r.x0;
    m.regs[1] = r.x1;
    m.regs[29] = r.x29;
    m.regs[30] = r.lr;
}

/// Decides whether the fault belongs to the current guest and what trap it is.
fn classify(a: &Activation, sig: libc::c_int, fault_addr: usize, r: &Regs) -> Option<(Trap, u32)> {
    if !a.stack.contains(&r.sp) {
        return None;
    }
    let is_access = sig == libc::SIGSEGV || sig == libc::SIGBUS;
    let in_guard = is_access && a.guard.contains(&fault_addr);
    // SAFETY: `code` is kept alive by the instance running this activation.
    let lookup = unsafe { (*a.code).lookup(r.pc) };
    match lookup {
        Some(l) => {
            if in_guard {
                return Some((Trap::StackOverflow, l.func_index));
            }
            if let Some(t) = l.trap {
                return Some((t, l.func_index));
            }
            if is_access && a.memory.contains(&fault_addr) {
                return Some((Trap::MemoryOutOfBounds, l.func_index));
            }
            None
        }
        // A host function or builtin running on the guest stack overran it.
        None if in_guard => Some((Trap::StackOverflow, u32::MAX)),
        None => None,
    }
}

/// Makes the interrupted context return `Trapped { trap, func_index }` from the guest
/// coroutine of `a`, abandoning its stack.
///
/// # Safety
/// `ctx` is the kernel's context of a signal that interrupted this thread while its stack
/// pointer was on `a`'s (alive) coroutine stack.
unsafe fn end_guest_call(a: &Activation, ctx: *mut libc::c_void, trap: Trap, func_index: u32) {
    // SAFETY: per the contract; the context is rewritten exactly as the returned registers say.
    unsafe {
        let regs = a
            .trap_handler
            .setup_trap_handler(move || Outcome::Trapped { trap, func_index });
        redirect(ctx, regs);
    }
}

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let current = CURRENT.with(|c| c.get());
    if !current.is_null() {
        // SAFETY: the activation outlives the guest call it describes, and this handler runs on
        // the thread running that call.
        let a = unsafe { &*current };
        // SAFETY: `ctx` comes from the kernel for an SA_SIGINFO handler.
        let r = unsafe { regs(ctx) };
        // SAFETY: `info` comes from the kernel for an SA_SIGINFO handler.
        let fault_addr = unsafe { (*info).si_addr() } as usize;
        if let Some((trap, func_index)) = classify(a, sig, fault_addr, &r) {
            // SAFETY: the stack pointer is inside the coroutine's stack (checked in classify).
            unsafe { end_guest_call(a, ctx, trap, func_index) };
            return;
        }
    }
    chain(sig, info, ctx);
}

thread_local! {
    /// This thread's kernel id (0 until first asked).
    static THREAD_ID: Cell<libc::pid_t> = const { Cell::new(0) };
}

/// This thread's kernel thread id.
#[inline]
pub(crate) fn thread_id() -> libc::pid_t {
    THREAD_ID.with(|t| {
        if t.get() == 0 {
            // SAFETY: gettid has no preconditions.
            t.set(unsafe { libc::gettid() });
        }
        t.get()
    })
}

/// The kernel's `siginfo` for a queued signal (`SI_QUEUE`): the layout the kernel reads from
/// `rt_tgsigqueueinfo` on 64-bit Linux (x86-64 and aarch64 alike).
#[repr(C)]
struct QueuedSigInfo {
    signo: libc::c_int,
    errno: libc::c_int,
    code: libc::c_int,
    _pad: libc::c_int,
    pid: libc::pid_t,
    uid: libc::uid_t,
    value: usize,
    _rest: [u64; 12],
}

const _: () = assert!(std::mem::size_of::<QueuedSigInfo>() == 128);

/// Sends the interrupt signal, carrying [`INTERRUPT_COOKIE`], to thread `tid` of this process.
/// The thread may have left the guest, exited, or its id may even belong to another thread of
/// the process by now: the signal then arrives outside guest code and does nothing, so a stale
/// id is harmless (which is why this takes a kernel id, not a `pthread_t`).
pub(crate) fn send_interrupt(tid: libc::pid_t) {
    install_handlers();
    // SAFETY: getpid/getuid have no preconditions.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    let info = QueuedSigInfo {
        signo: INTERRUPT_SIGNAL,
        errno: 0,
        code: libc::SI_QUEUE,
        _pad: 0,
        pid,
        uid,
        value: INTERRUPT_COOKIE,
        _rest: [0; 12],
    };
    // SAFETY: a plain system call with a fully initialised siginfo of the kernel's layout; our
    // handler for the signal is installed, so it cannot take the default action. A failure (no
    // such thread any more) needs no action.
    unsafe {
        libc::syscall(
            libc::SYS_rt_tgsigqueueinfo,
            libc::c_long::from(pid),
            libc::c_long::from(tid),
            libc::c_long::from(INTERRUPT_SIGNAL),
            &info as *const QueuedSigInfo,
        );
    }
}

/// Whether a `SIGURG` is one [`send_interrupt`] sent.
fn is_our_interrupt(info: *const libc::siginfo_t) -> bool {
    // SAFETY: `info` comes from the kernel for an SA_SIGINFO handler; the value is read only
    // for a queued signal, which carries one.
    unsafe {
        (*info).si_code == libc::SI_QUEUE
            && (*info).si_value().sival_ptr as usize == INTERRUPT_COOKIE
    }
}

/// The handler of the interrupt signal: ends the current guest call if it is in compiled code
/// of an interrupted instance.
extern "C" fn interrupt_handler(
    sig: libc::c_int,
    info: *mut libc::siginfo_t,
    ctx: *mut libc::c_void,
) {
    let current = CURRENT.with(|c| c.get());
    if !current.is_null() {
        // SAFETY: as in `handler`.
        let a = unsafe { &*current };
        // SAFETY: a non-null `interrupt_vmctx` is the vmctx of the instance running this
        // activation, which outlives it.
        let interrupted = !a.interrupt_vmctx.is_null()
            && unsafe { super::interrupt::is_interrupted(a.interrupt_vmctx) };
        if interrupted {
            // SAFETY: `ctx` comes from the kernel for an SA_SIGINFO handler.
            let r = unsafe { regs(ctx) };
            // SAFETY: `code` is kept alive by the instance running this activation.
            let lookup = unsafe { (*a.code).lookup(r.pc) };
            if let Some(l) = lookup.filter(|_| a.stack.contains(&r.sp)) {
                // SAFETY: the thread is in compiled code on the coroutine's stack.
                unsafe { end_guest_call(a, ctx, Trap::Interrupted, l.func_index) };
                return;
            }
        }
    }
    if !is_our_interrupt(info) {
        chain_interrupt(sig, info, ctx);
    }
}

/// Passes a `SIGURG` that is not ours to the handler installed before ours, if any (its
/// default action is to ignore it).
fn chain_interrupt(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    call_previous(SIGNALS.len() - 1, sig, info, ctx);
}

/// Passes a fault we do not own to the previously installed handler, or restores the default
/// action so that returning re-raises it.
fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let i = SIGNALS
        .iter()
        .position(|&s| s == sig)
        .expect("registered signal");
    if !call_previous(i, sig, info, ctx) {
        // SAFETY: resetting to the default disposition; returning re-executes the faulting
        // instruction, which then takes the default action (terminate with the signal).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Calls the handler that was installed for `SIGNALS[i]` before ours; false if there was none
/// (the default action, or ignored).
fn call_previous(
    i: usize,
    sig: libc::c_int,
    info: *mut libc::siginfo_t,
    ctx: *mut libc::c_void,
) -> bool {
    // SAFETY: PREVIOUS was filled before our handler was installed and is never written again.
    let prev = unsafe { &*std::ptr::addr_of!(PREVIOUS.0[i]) };
    let h = prev.sa_sigaction;
    if h == libc::SIG_DFL || h == libc::SIG_IGN {
        return false;
    }
    if prev.sa_flags & libc::SA_SIGINFO != 0 {
        type SigInfoHandler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);
        // SAFETY: the previous handler was registered as an SA_SIGINFO handler of this type.
        let f: SigInfoHandler = unsafe { std::mem::transmute(h) };
        f(sig, info, ctx);
    } else {
        // SAFETY: the previous handler was registered as a plain handler of this type.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(h) };
        f(sig);
    }
    true
}
