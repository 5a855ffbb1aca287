//! The interpreter tier: runs a function's first calls without compiling it.
//!
//! Most functions a Go program runs at start-up run once or a few times (package initializers,
//! flag and runtime set-up), and compiling them costs far more than running them: a trivial run
//! of the `encoding/json` test binary compiled about 1,200 functions for some 650 ms of CPU
//! time, while all its calls and loop iterations together numbered about 130,000. So a
//! function starts interpreted: its lazy-compilation stub (`lazy_stubs.rs`) asks
//! `vm::lazy_enter`, which interprets the call while the function's budget of calls plus loop
//! back-edges lasts. The call that finds it spent compiles the function (baseline tier) and runs
//! that code, which later calls reach straight through `func_ptrs`; a call still looping in the
//! interpreter long after moves into the optimizing tier's on-stack-replacement entry for its
//! loop once that is ready (`code::tiers`). With a code cache, what ran only interpreted is
//! compiled for the cache at exit (`ModuleCode::persist`), so the next run starts native.
//!
//! The interpreter works on the same state as compiled code: linear memory, globals and the
//! table through vmctx, calls through `func_ptrs` (`native.rs` makes the native call, with Go's
//! SP in the pinned register), so compiled and interpreted frames mix freely. Functions it
//! does not support (multi-value, Go's `wasm_pc_f_loop_export`, whose dispatches the runtime
//! counts) are compiled on their first call as before.

mod decode;
mod exec;
mod native;
mod numeric;
mod ops;

pub(crate) use decode::InterpFunc;

use gojit_frontend::ModuleInfo;
use gojit_frontend::module::ValType;
use gojit_frontend::traps::Trap;
use gojit_frontend::vmctx;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

/// Calls plus loop back-edges a function runs in the interpreter before it is compiled.
pub(crate) const DEFAULT_BUDGET: u32 = 1_000;

/// A loop moves into compiled code after this many budgets of back-edges past the budget.
const OSR_FACTOR: i32 = 50;

/// Native stack the interpreter keeps free below a call (its own frames, the stubs', and what
/// stopping the guest needs); deeper calls trap as a stack overflow.
const STACK_MARGIN: usize = 256 << 10;

/// The interpreter's state for one module (shared by its instances).
pub(crate) struct Interp {
    /// Every function's budget at the start.
    initial: i32,
    /// Back-edges past an exhausted budget before a loop asks for its OSR entry.
    osr_after: i32,
    pub(crate) info: Arc<ModuleInfo>,
    /// Whether compiled code keeps Go's SP in the pinned register (the interpreter keeps it in
    /// global 0 and moves it at every call boundary).
    pub(crate) pinned_sp: bool,
    /// Per function: what it may still run interpreted.
    pub(crate) budgets: Box<[AtomicI32]>,
    /// Per function: whether a call found its budget spent (and compiled it).
    requested: Box<[AtomicBool]>,
    /// Per function: its decoded code, or `None` if the interpreter cannot run it.
    funcs: Box<[OnceLock<Option<InterpFunc>>]>,
}

impl Interp {
    pub(crate) fn new(info: Arc<ModuleInfo>, pinned_sp: bool, budget: u32) -> Interp {
        let n = info.num_funcs() as usize;
        let budget = budget.min(i32::MAX as u32) as i32;
        Interp {
            initial: budget,
            osr_after: budget.saturating_mul(OSR_FACTOR),
            info,
            pinned_sp,
            budgets: (0..n).map(|_| AtomicI32::new(budget)).collect(),
            requested: (0..n).map(|_| AtomicBool::new(false)).collect(),
            funcs: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Function `index`'s interpreter code, if the interpreter can run it.
    pub(crate) fn func(&self, index: u32) -> Option<&InterpFunc> {
        self.funcs[index as usize]
            .get_or_init(|| {
                if index < self.info.num_imports()
                    || gojit_frontend::translate::is_go_export_loop(&self.info, index)
                    || !fits_registers(self.info.func_type(index))
                {
                    return None;
                }
                decode::decode(&self.info, index).ok()
            })
            .as_ref()
    }

    /// Spends one unit of function `index`'s budget for a call; returns true the first time
    /// the budget is exhausted (the function is to be compiled).
    pub(crate) fn enter(&self, index: u32) -> bool {
        let b = &self.budgets[index as usize];
        let left = b.load(Ordering::Relaxed) - 1;
        b.store(left, Ordering::Relaxed);
        left < 0 && !self.requested[index as usize].swap(true, Ordering::Relaxed)
    }

    /// Every function's budget at the start.
    pub(crate) fn initial_budget(&self) -> i32 {
        self.initial
    }

    /// Calls plus back-edges function `index` ran in the interpreter (approximately: the
    /// budget is updated without synchronization, and reset while a hot loop waits for OSR).
    pub(crate) fn spent(&self, index: u32) -> i64 {
        i64::from(self.initial) - i64::from(self.budgets[index as usize].load(Ordering::Relaxed))
    }

    /// Whether function `index` ran in the interpreter.
    pub(crate) fn ran(&self, index: u32) -> bool {
        self.funcs[index as usize]
            .get()
            .is_some_and(Option::is_some)
    }

    /// The functions that ran in the interpreter (were decoded for it).
    pub(crate) fn functions_run(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.funcs.len() as u32).filter(|&i| self.ran(i))
    }

    /// Spends one unit of function `index`'s budget for a loop's back-edge; returns true if
    /// the loop should move into compiled code: `OSR_FACTOR` budgets past the call budget (a
    /// loop's OSR entry and tier-up are two optimizing compiles, worth tens of thousands of
    /// interpreted iterations; many start-up loops end before that).
    pub(crate) fn back_edge(&self, index: u32) -> bool {
        let b = &self.budgets[index as usize];
        let left = b.load(Ordering::Relaxed) - 1;
        b.store(left, Ordering::Relaxed);
        left < -self.osr_after
    }

    /// After a hot loop asked for its OSR entry in vain: ask again after `n` more back-edges.
    pub(crate) fn recheck_after(&self, index: u32, n: i32) {
        self.budgets[index as usize].store(n - self.osr_after, Ordering::Relaxed);
    }
}

/// Whether the wasm calling convention passes every parameter of `ty` in a register (what
/// the native call glue supports) and it has at most one result.
fn fits_registers(ty: &gojit_frontend::module::FuncType) -> bool {
    let floats = ty
        .params
        .iter()
        .filter(|t| matches!(t, ValType::F32 | ValType::F64))
        .count();
    let ints = ty.params.len() - floats;
    ty.results.len() <= 1 && ints <= 5 && floats <= 8
}

/// The register save area of `gojit_lazy_stub_entry`, in 8-byte words. x86-64: rdi (vmctx),
/// rsi, rdx, rcx, r8, r9, then xmm0..xmm7 (16 bytes each), then r15 (Go's SP).
#[cfg(not(target_arch = "aarch64"))]
mod area {
    pub(super) const INTS: [usize; 5] = [1, 2, 3, 4, 5];
    pub(super) const XMM0: usize = 6;
    pub(super) const R15: usize = 22;
}

/// The register save area of `gojit_lazy_stub_entry`, in 8-byte words. aarch64: x0 (vmctx),
/// x1..x7, x8, a pad word, then q0..q7 (16 bytes each), then x21 (Go's SP; the slot keeps
/// x86-64's name).
#[cfg(target_arch = "aarch64")]
mod area {
    pub(super) const INTS: [usize; 5] = [1, 2, 3, 4, 5];
    pub(super) const XMM0: usize = 10;
    pub(super) const R15: usize = 26;
}

/// Interprets a call of function `index` that entered its lazy stub: the arguments are in the
/// stub's register save area `regs`, which receives the result (and Go's SP, in r15's slot).
///
/// # Safety
/// `vmctx` must be the vmctx of the live instance whose guest runs this call on this thread,
/// `code` its module's code, `f` function `index`'s interpreter code, and `regs` the save area
/// of `gojit_lazy_stub_entry` (23 words on x86-64, 27 on aarch64).
pub(crate) unsafe fn call_from_stub(
    code: &crate::code::ModuleCode,
    interp: &Interp,
    vmctx: *mut u64,
    index: u32,
    f: &InterpFunc,
    regs: *mut u64,
) -> Result<(), Trap> {
    // SAFETY: the live instance's vmctx; an interrupt writes this word from another thread, so
    // it is read atomically (see `vm::interrupt`).
    let limit = unsafe {
        std::sync::atomic::AtomicU64::from_ptr(vmctx.add(vmctx::STACK_LIMIT as usize / 8))
    }
    .load(std::sync::atomic::Ordering::Relaxed) as usize;
    let here = &limit as *const usize as usize;
    if here < limit.saturating_add(STACK_MARGIN) {
        return Err(Trap::StackOverflow);
    }
    let mut frame = vec![0u64; (f.num_locals + f.max_stack) as usize];
    let ty = interp.info.func_type(index);
    let (mut ints, mut floats) = (0, 0);
    for (slot, t) in frame.iter_mut().zip(&ty.params) {
        // SAFETY: `regs` is the stub's save area (per the contract).
        *slot = unsafe {
            if matches!(t, ValType::F32 | ValType::F64) {
                floats += 1;
                *regs.add(area::XMM0 + 2 * (floats - 1))
            } else {
                ints += 1;
                *regs.add(area::INTS[ints - 1])
            }
        };
    }
    let sp_global = vmctx.wrapping_add(vmctx::global(0) as usize / 8);
    if interp.pinned_sp {
        // SAFETY: global 0 exists (pinned SP needs Go's global layout); `regs` per the contract.
        unsafe { *sp_global = *regs.add(area::R15) };
    }
    let machine = exec::Machine {
        vmctx,
        code,
        interp,
        func_index: index,
    };
    let result = exec::run(&machine, f, &mut frame)?;
    // SAFETY: as above.
    unsafe {
        if f.float_result {
            *regs.add(area::XMM0) = result;
        } else {
            *regs = result;
        }
        if interp.pinned_sp {
            *regs.add(area::R15) = *sp_global;
        }
    }
    Ok(())
}
