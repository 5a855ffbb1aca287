//! Instances: a module's linear memory, globals, table, resolved imports and compiled code,
//! laid out behind one vmctx block, and calls into it.
//!
//! Calls run on one corosensei coroutine per instance, whose stack is a [`GuestStack`]. It is
//! created by the first call and then kept suspended in an idle loop between calls: a call
//! resumes it with a [`Request`] (entry trampoline, callee, argument slots), and it suspends with
//! [`Suspend::Returned`] when the callee returns, so a call costs two stack switches and no
//! allocation. A call ends in one of three ways: the function returns; a fault becomes a trap
//! (the signal handler makes the coroutine return `Outcome::Trapped`); or a host function stops
//! the guest (exit or error) by suspending the coroutine with [`Suspend::Stopped`], after which
//! the coroutine is reset without running anything else on its stack. After a trap or an exit
//! the instance is poisoned: Go's runtime state in linear memory is mid-operation, so further
//! calls are refused.

use super::builtins;
use super::go_scheduler::GoScheduler;
use super::host_call::{RawHostFn, StderrHook};
use super::image::{MemoryImage, MemoryPool};
use super::interrupt::{InterruptState, VmctxPtr};
use super::memory::LinearMemory;
use super::signals::{self, Activation};
use super::stack::GuestStack;
use crate::error::Error;
use crate::func::CallMode;
use crate::linker::Linker;
use crate::module::Module;
use crate::val::Val;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use gojit_frontend::builtins::Builtin;
use gojit_frontend::module::FuncType;
use gojit_frontend::module::ModuleInfo;
use gojit_frontend::traps::Trap;
use gojit_frontend::vmctx::{self, TableEntry};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// How the guest coroutine ended: asked to finish (the instance is dropped), or a trap.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Finished,
    Trapped { trap: Trap, func_index: u32 },
}

/// What the guest coroutine is resumed with: a pointer to the function to run (on the host's
/// stack, read before the guest runs), or null to finish. One word, so corosensei passes it in
/// a register.
#[derive(Clone, Copy)]
pub(crate) struct Request {
    trampoline: EntryFn,
    func: *const u8,
    args: *mut u64,
}

/// Why the guest coroutine suspended (one byte, passed in a register).
pub(crate) enum Suspend {
    /// The requested function returned; its results are in the argument slots.
    Returned,
    /// A host function or builtin stopped the guest, with the error it left in
    /// `InstanceInner::stop`; the coroutine must not be resumed.
    Stopped,
}

/// The yielder of the guest coroutine (builtins suspend through it).
pub(crate) type GuestYielder = Yielder<*const Request, Suspend>;

/// An instance's guest coroutine and what the signal handler needs to know about it.
struct Guest {
    co: Coroutine<*const Request, Suspend, Outcome, GuestStack>,
    activation: Activation,
}

impl Guest {
    /// Ends the coroutine and returns its stack for reuse (`None` if it never ran).
    fn finish(mut self) -> Option<GuestStack> {
        if self.co.started() && !self.co.done() {
            // Suspended in its idle loop: let it return normally instead of unwinding its stack.
            let _ = self.co.resume(std::ptr::null());
        }
        self.co.done().then(|| self.co.into_stack())
    }
}

/// How to enter one function: its slot in the module's code-pointer array (filled once it is
/// compiled) and the entry trampoline for its signature.
#[derive(Clone, Copy)]
pub(crate) struct EntryPoint {
    index: u32,
    code_slot: *const AtomicPtr<u8>,
    trampoline: EntryFn,
}

/// The instance state builtins reach through vmctx. Boxed: its address is in vmctx.
pub(crate) struct InstanceInner {
    pub(crate) module: Module,
    /// The vmctx block (layout in `gojit_frontend::vmctx`), as 8-byte words.
    pub(crate) vmctx: Box<[u64]>,
    pub(crate) table: Box<[TableEntry]>,
    pub(crate) memory: Option<LinearMemory>,
    /// The bound imports, by import index. Shared (`Rc`) so that a host call can use its entry
    /// through a pointer that no `&mut InstanceInner` covers (host functions may re-enter).
    pub(crate) imports: Rc<[RawHostFn]>,
    /// The reactor's `_initialize` export, which runs once at instantiation.
    initialize: Option<u32>,
    /// The store data of the running call (valid only while a call is running).
    pub(crate) host_data: *mut (),
    poisoned: Option<String>,
    pub(crate) scheduler: Option<GoScheduler>,
    initialized: bool,
    /// The guest coroutine (created by the first call).
    guest: Option<Guest>,
    /// Entry points of the functions called from the host so far ([`crate::Func`] keeps the
    /// position of its own).
    entry_points: Vec<EntryPoint>,
    /// The running call's yielder (valid only while a call is running).
    pub(crate) yielder: *const GuestYielder,
    /// Why a builtin stopped the guest (set just before it suspends with `Suspend::Stopped`).
    pub(crate) stop: Option<Error>,
    /// Where the store's data records the guest's stderr (from the linker): a failing call's
    /// error carries what the call wrote.
    stderr: Option<StderrHook>,
    /// The store's interrupt state (interruptible engines only), with this vmctx registered.
    interrupt: Option<Arc<InterruptState>>,
    /// The snapshot this instance was made from (it counts its live instances).
    snapshot: Option<Arc<Frozen>>,
    /// Where the memory came from and goes back to when the instance is dropped: a snapshot's
    /// image, or the module's initial image.
    memory_pool: Option<Arc<MemoryPool>>,
    /// Usable bytes of guest stack (at most the engine's stacks' size).
    max_stack_bytes: usize,
}

/// What a store allows each of its instances.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InstanceLimits {
    pub(crate) max_memory_pages: u64,
    pub(crate) max_stack_bytes: usize,
}

impl Drop for InstanceInner {
    fn drop(&mut self) {
        // Before the vmctx is freed: no interrupt may write to it afterwards.
        if let Some(state) = &self.interrupt {
            state.unregister(VmctxPtr::new(self.vmctx.as_mut_ptr()));
        }
        if let Some(stack) = self.guest.take().and_then(Guest::finish) {
            self.module.engine.stacks.give_back(stack);
        }
        if let (Some(pool), Some(memory)) = (self.memory_pool.take(), self.memory.take()) {
            pool.recycle(memory);
        }
        if let Some(frozen) = self.snapshot.take() {
            frozen.live.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl InstanceInner {
    /// Instantiates `module` with `linker`'s host functions: memory (at most
    /// `limits.max_memory_pages`),
    /// globals, table, data; runs the start function; runs `_initialize` for a reactor.
    pub(crate) fn new<T: 'static>(
        module: &Module,
        linker: &Linker<T>,
        limits: InstanceLimits,
        data: *mut (),
        interrupt: Option<Arc<InterruptState>>,
    ) -> Result<Box<InstanceInner>, Error> {
        let info = module.info.clone();
        let imports = link(&info, linker)?;
        let max_pages = limits.max_memory_pages;

        // From the second instance of a module on, memory starts as the module's initial image
        // mapped copy-on-write (data segments applied once, pages shared until written) and
        // returns to its pool when dropped; a single instance (a command) copies its segments.
        let pool = module.initial_memory();
        let memory = match info.memory {
            Some(m) => {
                let max = m.max_pages.unwrap_or(u64::MAX).min(max_pages);
                Some(match &pool {
                    Some(pool) if m.min_pages <= max => pool.take(max).map_err(Error::Resource)?,
                    _ => LinearMemory::new(m.min_pages, Some(max)).map_err(Error::Resource)?,
                })
            }
            None => None,
        };
        let pool = pool.filter(|p| memory.as_ref().is_some_and(|m| m.size() == p.image().len()));
        let mut table =
            vec![TableEntry::NULL; info.table.map_or(0, |t| t.min) as usize].into_boxed_slice();
        for seg in &info.elements {
            let end = seg.offset as usize + seg.funcs.len();
            if end > table.len() {
                // A trap, as the spec (and wasmtime) has it: instantiation runs the segment.
                return Err(Error::Trap {
                    trap: Trap::TableOutOfBounds,
                    func: Some(format!(
                        "the element segment at {} with {} entries (the table has {})",
                        seg.offset,
                        seg.funcs.len(),
                        table.len()
                    )),
                });
            }
            for (slot, f) in table[seg.offset as usize..end].iter_mut().zip(&seg.funcs) {
                *slot = match f {
                    Some(f) => TableEntry {
                        sig: info.canonical_sig[info.func_types[*f as usize] as usize],
                        func: *f,
                    },
                    None => TableEntry::NULL,
                };
            }
        }
        let mut inner = Self::assemble(
            module,
            linker,
            memory,
            table,
            imports,
            module.code.go_scheduler(),
            data,
        );
        inner.max_stack_bytes = limits.max_stack_bytes;
        match pool {
            Some(pool) => inner.memory_pool = Some(pool),
            None => inner.init_data(&info)?,
        }
        inner.init_vmctx(&info);
        inner.register_interrupt(interrupt);
        if let Some(start) = info.start {
            inner.call_index(start, &[], data)?;
        }
        if let Some(init) = info.exported_func("_initialize") {
            inner.call_index(init, &[], data)?;
        }
        inner.initialized = true;
        Ok(inner)
    }

    /// The instance around its parts, not yet initialized (vmctx zero).
    fn assemble<T: 'static>(
        module: &Module,
        linker: &Linker<T>,
        memory: Option<LinearMemory>,
        table: Box<[TableEntry]>,
        imports: Vec<RawHostFn>,
        scheduler: Option<GoScheduler>,
        data: *mut (),
    ) -> Box<InstanceInner> {
        let info = &module.info;
        Box::new(InstanceInner {
            module: module.clone(),
            vmctx: vec![0u64; vmctx::size(info.globals.len() as u32) / 8].into_boxed_slice(),
            table,
            memory,
            imports: imports.into(),
            initialize: info.exported_func("_initialize"),
            host_data: data,
            poisoned: None,
            scheduler,
            initialized: false,
            guest: None,
            entry_points: Vec::new(),
            yielder: std::ptr::null(),
            stop: None,
            stderr: linker.stderr.clone().map(StderrHook::new::<T>),
            interrupt: None,
            snapshot: None,
            memory_pool: None,
            max_stack_bytes: module.engine.config.max_stack_bytes,
        })
    }

    /// Registers the vmctx with the store's interrupt state, before any guest code runs (so a
    /// deadline bounds the start function and `_initialize` too).
    fn register_interrupt(&mut self, interrupt: Option<Arc<InterruptState>>) {
        if let Some(state) = interrupt {
            state.register(VmctxPtr::new(self.vmctx.as_mut_ptr()));
            self.interrupt = Some(state);
        }
    }

    /// Freezes this instance's state (memory, globals, table) for [`InstanceInner::restore`].
    /// The instance must be idle: between calls, not unusable.
    pub(crate) fn capture(&self) -> Result<Frozen, Error> {
        if let Some(why) = &self.poisoned {
            return Err(Error::Call(format!(
                "cannot snapshot an instance unusable after an earlier {why}"
            )));
        }
        if !self.yielder.is_null() {
            return Err(Error::Call(
                "cannot snapshot an instance inside a call".into(),
            ));
        }
        let memory = match &self.memory {
            Some(m) => Some(Arc::new(MemoryPool::new(
                MemoryImage::new(m.bytes()).map_err(Error::Resource)?,
            ))),
            None => None,
        };
        let globals = (0..self.module.info.globals.len() as u32)
            .map(|i| self.global_word(i))
            .collect();
        Ok(Frozen {
            module: self.module.clone(),
            memory,
            max_pages: self.memory.as_ref().map_or(0, LinearMemory::max_pages),
            globals,
            table: self.table.clone(),
            scheduler: self.scheduler,
            live: AtomicUsize::new(0),
            max_live: AtomicUsize::new(usize::MAX),
        })
    }

    /// A new instance in the state `frozen` recorded, with `linker`'s host functions: memory
    /// mapped copy-on-write from the image (at most `limits.max_memory_pages`, and at most the frozen
    /// instance's own maximum), globals and table as they were. Runs nothing.
    pub(crate) fn restore<T: 'static>(
        frozen: &Arc<Frozen>,
        linker: &Linker<T>,
        limits: InstanceLimits,
        data: *mut (),
        interrupt: Option<Arc<InterruptState>>,
    ) -> Result<Box<InstanceInner>, Error> {
        let module = &frozen.module;
        let max_pages = limits.max_memory_pages;
        let max_live = frozen.max_live.load(Ordering::Relaxed);
        if frozen.live.fetch_add(1, Ordering::AcqRel) >= max_live {
            frozen.live.fetch_sub(1, Ordering::AcqRel);
            return Err(Error::Resource(format!(
                "the snapshot's limit of {max_live} live instances is reached"
            )));
        }
        // Counted from here; the instance's drop (or this guard, on an error) uncounts it.
        let counted = LiveGuard(frozen);
        let info = module.info.clone();
        let imports = link(&info, linker)?;
        let memory = match &frozen.memory {
            Some(pool) => {
                let image = pool.image();
                let max = frozen.max_pages.min(max_pages);
                if image.len() > max * gojit_frontend::vmctx::PAGE_SIZE {
                    return Err(Error::Resource(format!(
                        "the snapshot's memory ({} pages) exceeds the store's limit of {max} pages",
                        image.len() / gojit_frontend::vmctx::PAGE_SIZE
                    )));
                }
                Some(pool.take(max).map_err(Error::Resource)?)
            }
            None => None,
        };
        let mut inner = Self::assemble(
            module,
            linker,
            memory,
            frozen.table.clone(),
            imports,
            frozen.scheduler,
            data,
        );
        inner.max_stack_bytes = limits.max_stack_bytes;
        inner.init_vmctx(&info);
        for (i, &g) in frozen.globals.iter().enumerate() {
            inner.set_word(vmctx::global(i as u32), g);
        }
        inner.register_interrupt(interrupt);
        std::mem::forget(counted);
        inner.snapshot = Some(Arc::clone(frozen));
        inner.memory_pool = frozen.memory.clone();
        inner.initialized = true;
        Ok(inner)
    }

    /// Calls function `index` with `args` (type-checked), in Go's call mode.
    pub(crate) fn call_index(
        &mut self,
        index: u32,
        args: &[Val],
        data: *mut (),
    ) -> Result<Vec<Val>, Error> {
        self.call_index_with(index, args, data, CallMode::Go)
    }

    /// Calls function `index` with `args` (type-checked) in `mode`.
    pub(crate) fn call_index_with(
        &mut self,
        index: u32,
        args: &[Val],
        data: *mut (),
        mode: CallMode,
    ) -> Result<Vec<Val>, Error> {
        let info = self.module.info.clone();
        if index >= info.num_funcs() {
            return Err(Error::Call(format!("no function with index {index}")));
        }
        let ty = info.func_type(index);
        let mut slots = pack_args(&info.func_name(index), ty, args)?;
        let entry = self.entry_position(index)?;
        self.call_entry(entry, &mut slots, data, mode)?;
        Ok(unpack_results(ty, &slots))
    }

    /// Calls the function at position `entry` of the entry-point table (from
    /// [`InstanceInner::entry_position`]) with arguments and results in `slots` (the caller
    /// checked the types and sized `slots`).
    pub(crate) fn call_entry(
        &mut self,
        entry: u32,
        slots: &mut [u64],
        data: *mut (),
        mode: CallMode,
    ) -> Result<(), Error> {
        let Some(&entry) = self.entry_points.get(entry as usize) else {
            return Err(Error::Call(format!("no entry point {entry}")));
        };
        if self.initialized && self.initialize == Some(entry.index) {
            return Err(Error::Call(
                "`_initialize` already ran (at instantiation)".into(),
            ));
        }
        self.host_data = data;
        // SAFETY: `data` is the store's data, which the store lends to this call.
        let mark = self.stderr.as_ref().map(|h| unsafe { h.position(data) });
        let mut r = self.run(entry, slots);
        if r.is_ok() && mode == CallMode::ParkUntilIdle {
            r = self.pump_until_idle(entry.index);
        }
        r.map_err(|e| self.attach_stderr(e, data, mark))
    }

    /// `err` with what the guest wrote to stderr since `mark` (see [`Error::with_stderr`]);
    /// `data` is the store's data, lent to the call that failed.
    #[cold]
    #[inline(never)]
    fn attach_stderr(&self, err: Error, data: *mut (), mark: Option<u64>) -> Error {
        match (&self.stderr, mark) {
            // SAFETY: `data` is the store's data, lent to this call (see `call_entry`).
            (Some(hook), Some(mark)) => err.with_stderr(unsafe { hook.since(data, mark) }),
            _ => err,
        }
    }

    /// The position of function `index` in the entry-point table, adding it (and compiling its
    /// entry trampoline) on first use.
    pub(crate) fn entry_position(&mut self, index: u32) -> Result<u32, Error> {
        if let Some(p) = self.entry_points.iter().position(|e| e.index == index) {
            return Ok(p as u32);
        }
        if index >= self.module.info.num_funcs() {
            return Err(Error::Call(format!("no function with index {index}")));
        }
        let trampoline = self.module.code.entry_trampoline(index)?;
        // SAFETY: `func_ptrs_base` is the module's array of `num_funcs` code-pointer slots
        // (checked above), which lives as long as the module this instance holds.
        let code_slot = unsafe { self.module.code.func_ptrs_base().add(index as usize) };
        self.entry_points.push(EntryPoint {
            index,
            code_slot,
            // SAFETY: `compile_entry_trampoline` builds trampolines with exactly this C
            // signature, `(vmctx, callee, args)`, for the signature of function `index`.
            trampoline: unsafe { std::mem::transmute::<*const u8, EntryFn>(trampoline) },
        });
        Ok(self.entry_points.len() as u32 - 1)
    }

    /// The export called `name`.
    pub(crate) fn export_index(&self, name: &str) -> Result<u32, Error> {
        self.module
            .info
            .exported_func(name)
            .ok_or_else(|| Error::Call(format!("no exported function named `{name}`")))
    }

    /// An export call made by a host function during a guest call: it runs on the current guest
    /// stack (below the host function), as a nested wasmexport call does in Go.
    pub(crate) fn call_export_nested(
        &mut self,
        name: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        if self.yielder.is_null() {
            return Err(Error::Call("re-entrant call outside a guest call".into()));
        }
        let index = self.export_index(name)?;
        let info = self.module.info.clone();
        let ty = info.func_type(index);
        let mut slots = pack_args(&format!("`{name}`"), ty, args)?;
        let func = self.ensure_compiled(index)?;
        let trampoline = self.module.code.entry_trampoline(index)?;
        // We are on the guest stack already (inside a host call of this instance), so the call
        // simply nests; a trap abandons the whole call.
        // SAFETY: `trampoline` has exactly this C signature and was built for `func`'s type;
        // `slots` holds max(params, results) slots.
        let entry: EntryFn = unsafe { std::mem::transmute(trampoline) };
        entry(self.vmctx.as_mut_ptr(), func, slots.as_mut_ptr());
        Ok(unpack_results(ty, &slots))
    }

    pub(crate) fn global_word(&self, index: u32) -> u64 {
        self.vmctx[vmctx::global(index) as usize / 8]
    }

    fn init_data(&mut self, info: &ModuleInfo) -> Result<(), Error> {
        let Some(mem) = self.memory.as_mut() else {
            return if info.data.is_empty() {
                Ok(())
            } else {
                Err(Error::Link("data segment without memory".into()))
            };
        };
        let bytes = mem.bytes_mut();
        for seg in &info.data {
            let src = &info.bytes[seg.range.clone()];
            let start = seg.offset as usize;
            let Some(dst) = bytes.get_mut(start..start + src.len()) else {
                // A trap, as the spec (and wasmtime) has it: instantiation runs the segment.
                return Err(Error::Trap {
                    trap: Trap::MemoryOutOfBounds,
                    func: Some(format!(
                        "the data segment at {:#x} of {} bytes (memory has {} bytes)",
                        seg.offset,
                        src.len(),
                        bytes.len()
                    )),
                });
            };
            dst.copy_from_slice(src);
        }
        Ok(())
    }

    fn set_word(&mut self, offset: i32, value: u64) {
        self.vmctx[offset as usize / 8] = value;
    }

    fn init_vmctx(&mut self, info: &ModuleInfo) {
        let (base, size) = self
            .memory
            .as_ref()
            .map_or((0, 0), |m| (m.base() as u64, m.size()));
        self.set_word(vmctx::MEMORY_BASE, base);
        self.set_word(vmctx::MEMORY_SIZE, size);
        self.set_word(vmctx::FUNC_PTRS, self.module.code.func_ptrs_base() as u64);
        self.set_word(
            vmctx::TIER_BUDGETS,
            self.module.code.tier_budgets_base() as u64,
        );
        self.set_word(vmctx::TABLE_BASE, self.table.as_ptr() as u64);
        self.set_word(vmctx::TABLE_LEN, self.table.len() as u64);
        let me = self as *mut InstanceInner as u64;
        self.set_word(vmctx::RUNTIME, me);
        for b in Builtin::ALL {
            self.set_word(vmctx::builtin(b), builtins::builtin_address(b) as u64);
        }
        for (i, g) in info.globals.iter().enumerate() {
            self.set_word(vmctx::global(i as u32), g.init);
        }
    }

    /// A stack overflow of an interrupted store is the interrupt: raising the stack limit is how
    /// an interrupt stops function entries.
    fn interrupted_error(&self, e: Error) -> Error {
        match e {
            Error::Trap {
                trap: Trap::StackOverflow,
                func,
            } if self.interrupt.as_ref().is_some_and(|s| s.is_interrupted()) => Error::Trap {
                trap: Trap::Interrupted,
                func,
            },
            e => e,
        }
    }

    /// The store's interrupt state, if the engine is interruptible.
    pub(crate) fn interrupt_state(&self) -> Option<&Arc<InterruptState>> {
        self.interrupt.as_ref()
    }

    pub(crate) fn poison(&mut self, why: String) {
        self.poisoned.get_or_insert(why);
    }

    /// The code pointer of function `index`, compiling it first if needed.
    pub(crate) fn ensure_compiled(&self, index: u32) -> Result<*const u8, Error> {
        self.module.code.func_ptr(index)
    }

    /// Runs function `index` on the guest stack with its arguments (and results) in `slots`.
    pub(crate) fn call_raw(&mut self, index: u32, slots: &mut [u64]) -> Result<(), Error> {
        let entry = self.entry_position(index)?;
        self.run(self.entry_points[entry as usize], slots)
    }

    /// Creates the guest coroutine (with its stack): on the first call, or after a trap ended
    /// the previous one.
    #[cold]
    #[inline(never)]
    fn start_guest(&mut self) -> Result<(), Error> {
        if let Some(stack) = self.guest.take().and_then(Guest::finish) {
            self.module.engine.stacks.give_back(stack);
        }
        let stack = self.module.engine.stacks.take().map_err(Error::Resource)?;
        // A store may allow less than the engine's stacks hold: start the limit that much higher.
        let unused = self
            .module
            .engine
            .config
            .max_stack_bytes
            .saturating_sub(self.max_stack_bytes);
        let limit = (stack.limit_for_guest() + unused) as u64;
        match &self.interrupt {
            // Another thread may raise the limit to interrupt: the state owns the word.
            Some(state) => state.set_stack_limit(VmctxPtr::new(self.vmctx.as_mut_ptr()), limit),
            None => self.set_word(vmctx::STACK_LIMIT, limit),
        }
        let guard = stack.guard();
        let stack_range = guard.start..stack_top(&stack);
        let vmctx_ptr = self.vmctx.as_mut_ptr();
        let me: *mut InstanceInner = self;
        let co = Coroutine::with_stack(
            stack,
            move |yielder: &GuestYielder, first: *const Request| {
                let mut next = first;
                while !next.is_null() {
                    // SAFETY: a non-null request points to the `Request` on the stack of `run`,
                    // which is suspended in `resume` until this call suspends or ends.
                    let req = unsafe { *next };
                    // SAFETY: `me` is the boxed instance, alive while its coroutine exists;
                    // the host side only resumes the coroutine and reads `yielder` after.
                    unsafe { (*me).yielder = yielder };
                    (req.trampoline)(vmctx_ptr, req.func, req.args);
                    next = yielder.suspend(Suspend::Returned);
                }
                Outcome::Finished
            },
        );
        let activation = Activation {
            trap_handler: co.trap_handler(),
            code: &*self.module.code,
            stack: stack_range,
            guard,
            memory: self.memory.as_ref().map_or(0..0, |m| m.reservation()),
            interrupt_vmctx: match &self.interrupt {
                Some(state) if state.by_signal() => vmctx_ptr.cast_const(),
                _ => std::ptr::null(),
            },
        };
        self.guest = Some(Guest { co, activation });
        Ok(())
    }

    /// Why a call cannot start now (cold path of [`InstanceInner::run`]).
    #[cold]
    #[inline(never)]
    fn refusal(&self) -> Error {
        match &self.poisoned {
            Some(why) => Error::Call(format!("instance unusable after an earlier {why}")),
            None => {
                Error::Call("re-entrant calls into a running instance are not supported yet".into())
            }
        }
    }

    /// Runs `entry` on the guest coroutine with its arguments (and results) in `slots`.
    fn run(&mut self, entry: EntryPoint, slots: &mut [u64]) -> Result<(), Error> {
        if self.poisoned.is_some() || !self.yielder.is_null() {
            return Err(self.refusal());
        }
        // SAFETY: `code_slot` points into the module's code-pointer array (see
        // `entry_position`), alive as long as `self.module`.
        let mut func = unsafe { &*entry.code_slot }
            .load(Ordering::Acquire)
            .cast_const();
        if func.is_null() {
            func = self.ensure_compiled(entry.index)?;
        }
        let request = Request {
            trampoline: entry.trampoline,
            func,
            args: slots.as_mut_ptr(),
        };
        if self.guest.as_ref().is_none_or(|g| g.co.done()) {
            self.start_guest()?;
        }
        let guest = self.guest.as_mut().expect("started above");
        let result = {
            let _current = signals::enter(&guest.activation);
            let _running = self
                .interrupt
                .as_deref()
                .and_then(InterruptState::running_here);
            guest.co.resume(&request)
        };
        self.yielder = std::ptr::null();
        let outcome = match result {
            CoroutineResult::Yield(Suspend::Returned) => return Ok(()),
            CoroutineResult::Yield(Suspend::Stopped) => {
                if let Some(g) = self.guest.as_mut() {
                    // SAFETY: the guest stack holds the idle loop's frame, compiled frames and
                    // the builtin or host call that suspended; none owns anything that needs
                    // dropping at that point (a stopping host call moved its error to `stop`).
                    unsafe { g.co.force_reset() };
                }
                Err(self
                    .stop
                    .take()
                    .unwrap_or_else(|| Error::Call("the guest stopped".into())))
            }
            CoroutineResult::Return(Outcome::Trapped { trap, func_index }) => {
                let func = (func_index != u32::MAX).then(|| self.module.info.func_name(func_index));
                Err(Error::Trap { trap, func })
            }
            CoroutineResult::Return(Outcome::Finished) => Err(Error::Call(
                "the guest coroutine finished unexpectedly".into(),
            )),
        };
        let outcome = outcome.map_err(|e| self.interrupted_error(e));
        if let Err(e) = &outcome {
            if self.module.engine.config.usable_after_trap && matches!(e, Error::Trap { .. }) {
                return outcome;
            }
            self.poison(match e {
                Error::Exit(_) => "exit".to_string(),
                _ => format!("error ({e})"),
            });
        }
        outcome
    }
}

/// The signature of an entry trampoline (`gojit_jit::Compiler::compile_entry_trampoline`):
/// `(vmctx, callee, args)`.
type EntryFn = extern "C" fn(*mut u64, *const u8, *mut u64);

/// The host functions `linker` binds to `info`'s imports, checked against their types.
fn link<T: 'static>(info: &ModuleInfo, linker: &Linker<T>) -> Result<Vec<RawHostFn>, Error> {
    let mut imports = Vec::with_capacity(info.imports.len());
    for (i, imp) in info.imports.iter().enumerate() {
        let Some(f) = linker.get(&imp.module, &imp.name) else {
            return Err(Error::Link(format!(
                "unknown import {}::{}",
                imp.module, imp.name
            )));
        };
        let want = info.func_type(i as u32);
        if f.params() != want.params || f.results() != want.results {
            let have = gojit_frontend::module::FuncType {
                params: f.params().to_vec(),
                results: f.results().to_vec(),
            };
            return Err(Error::Link(format!(
                "import {}::{} has type {want} in the module but {have} in the host",
                imp.module, imp.name
            )));
        }
        imports.push(f.raw.clone());
    }
    Ok(imports)
}

/// An instance's state as [`InstanceInner::capture`] froze it.
pub(crate) struct Frozen {
    pub(crate) module: Module,
    /// The memory image and the reset memories of dropped instances.
    memory: Option<Arc<MemoryPool>>,
    max_pages: u64,
    globals: Box<[u64]>,
    table: Box<[TableEntry]>,
    scheduler: Option<GoScheduler>,
    /// Live instances made from the snapshot, and how many may live at once.
    live: AtomicUsize,
    pub(crate) max_live: AtomicUsize,
}

/// Uncounts a live instance of a snapshot whose restore failed.
struct LiveGuard<'a>(&'a Frozen);

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Frozen {
    /// Bytes of linear memory in the snapshot.
    pub(crate) fn memory_len(&self) -> u64 {
        self.memory.as_ref().map_or(0, |p| p.image().len())
    }
}

fn stack_top(s: &GuestStack) -> usize {
    use corosensei::stack::Stack;
    s.base().get()
}

/// The argument slots of a call of `func` (of type `ty`) with `args`, checked against the type:
/// max(params, results, 1) slots, the arguments first.
fn pack_args(func: &str, ty: &FuncType, args: &[Val]) -> Result<Vec<u64>, Error> {
    let arg_types: Vec<_> = args.iter().map(Val::ty).collect();
    if arg_types != ty.params {
        return Err(Error::Call(format!(
            "{func} has type {ty} but was called with ({})",
            arg_types
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut slots = vec![0u64; ty.params.len().max(ty.results.len()).max(1)];
    for (s, a) in slots.iter_mut().zip(args) {
        *s = a.to_bits();
    }
    Ok(slots)
}

/// The results of a call of a function of type `ty` from its slots.
fn unpack_results(ty: &FuncType, slots: &[u64]) -> Vec<Val> {
    ty.results
        .iter()
        .zip(slots)
        .map(|(t, &b)| Val::from_bits(*t, b))
        .collect()
}
