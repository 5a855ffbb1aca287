//! Instances: a module's linear memory, globals, table, resolved imports and compiled code,
//! laid out behind one vmctx block, and calls into it.
//!
//! A call runs on a corosensei coroutine whose stack is a [`GuestStack`]. The coroutine ends in
//! one of three ways: the function returns; a fault becomes a trap (the signal handler makes the
//! coroutine return `Outcome::Trapped`); or a host function stops the guest (exit or error) by
//! suspending the coroutine with the error, after which the coroutine is reset without running
//! anything else on its stack. After a trap or an exit the instance is poisoned: Go's runtime
//! state in linear memory is mid-operation, so further calls are refused.

use crate::engine::Module;
use crate::host::{HostFunc, Linker};
use crate::memory::LinearMemory;
use crate::signals::{self, Activation};
use crate::stack::GuestStack;
use crate::vm;
use crate::{Error, Val};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use gojit_frontend::builtins::Builtin;
use gojit_frontend::module::{ExportKind, ModuleInfo};
use gojit_frontend::traps::Trap;
use gojit_frontend::vmctx::{self, TableEntry};

/// How a guest call on the coroutine ended (other than by a host-requested stop).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Returned,
    Trapped { trap: Trap, func_index: u32 },
}

/// The instance state builtins reach through vmctx. Boxed: its address is in vmctx.
pub(crate) struct InstanceInner {
    pub(crate) module: Module,
    /// The vmctx block (layout in `gojit_frontend::vmctx`), as 8-byte words.
    pub(crate) vmctx: Box<[u64]>,
    pub(crate) table: Box<[TableEntry]>,
    pub(crate) memory: Option<LinearMemory>,
    pub(crate) imports: Vec<HostFunc>,
    stack: Option<GuestStack>,
    poisoned: Option<String>,
    /// The running call's yielder (valid only while a call is running).
    pub(crate) yielder: *const Yielder<(), Error>,
}

/// An instantiated module.
pub struct Instance {
    inner: Box<InstanceInner>,
}

impl Instance {
    /// Instantiates `module`, binding its imports to `linker`'s host functions, initialising
    /// memory, globals and table, compiling eagerly if the engine is not lazy, and running the
    /// start function if there is one.
    ///
    /// # Errors
    /// [`Error::Link`] for an import the linker does not provide (`unknown import m::n`) or
    /// provides with another signature, or a segment that does not fit; [`Error::Resource`] if
    /// memory cannot be reserved; a trap from the start function.
    pub fn new(module: &Module, linker: &Linker) -> Result<Instance, Error> {
        let info = module.info.clone();
        let mut imports = Vec::with_capacity(info.imports.len());
        for (i, imp) in info.imports.iter().enumerate() {
            let Some(f) = linker.get(&imp.module, &imp.name) else {
                return Err(Error::Link(format!("unknown import {}::{}", imp.module, imp.name)));
            };
            let want = info.func_type(i as u32);
            if f.params != want.params || f.results != want.results {
                let have = gojit_frontend::module::FuncType { params: f.params.clone(), results: f.results.clone() };
                return Err(Error::Link(format!(
                    "import {}::{} has type {want} in the module but {have} in the host",
                    imp.module, imp.name
                )));
            }
            imports.push(f.clone());
        }

        let config = &module.engine.config;
        let memory = match info.memory {
            Some(m) => {
                let max = m.max_pages.unwrap_or(u64::MAX).min(config.max_memory_pages);
                Some(LinearMemory::new(m.min_pages, Some(max)).map_err(Error::Resource)?)
            }
            None => None,
        };
        let mut table = vec![TableEntry::NULL; info.table.map_or(0, |t| t.min) as usize].into_boxed_slice();
        for seg in &info.elements {
            let end = seg.offset as usize + seg.funcs.len();
            if end > table.len() {
                return Err(Error::Link(format!(
                    "element segment at {} with {} entries does not fit in the table of {}",
                    seg.offset,
                    seg.funcs.len(),
                    table.len()
                )));
            }
            for (slot, f) in table[seg.offset as usize..end].iter_mut().zip(&seg.funcs) {
                *slot = match f {
                    Some(f) => TableEntry { sig: info.canonical_sig[info.func_types[*f as usize] as usize], func: *f },
                    None => TableEntry::NULL,
                };
            }
        }

        let mut inner = Box::new(InstanceInner {
            module: module.clone(),
            vmctx: vec![0u64; vmctx::size(info.globals.len() as u32) / 8].into_boxed_slice(),
            table,
            memory,
            imports,
            stack: None,
            poisoned: None,
            yielder: std::ptr::null(),
        });
        inner.init_data(&info)?;
        inner.init_vmctx(&info);
        let mut instance = Instance { inner };
        if let Some(start) = info.start {
            instance.call_index(start, &[])?;
        }
        Ok(instance)
    }

    /// Calls the exported function `name`.
    ///
    /// # Errors
    /// [`Error::Call`] if there is no such export or the arguments do not match its type;
    /// [`Error::Trap`], [`Error::Exit`] or [`Error::Host`] if the guest stops abnormally.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = self
            .inner
            .module
            .info
            .exported_func(name)
            .ok_or_else(|| Error::Call(format!("no exported function named `{name}`")))?;
        self.call_index(index, args)
    }

    /// Calls function `index` (any function, exported or not).
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call_index(&mut self, index: u32, args: &[Val]) -> Result<Vec<Val>, Error> {
        let info = self.inner.module.info.clone();
        if index >= info.num_funcs() {
            return Err(Error::Call(format!("no function with index {index}")));
        }
        let ty = info.func_type(index);
        let arg_types: Vec<_> = args.iter().map(Val::ty).collect();
        if arg_types != ty.params {
            return Err(Error::Call(format!(
                "{} has type {ty} but was called with ({})",
                info.func_name(index),
                arg_types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        let mut slots = vec![0u64; ty.params.len().max(ty.results.len()).max(1)];
        for (s, a) in slots.iter_mut().zip(args) {
            *s = a.to_bits();
        }
        self.inner.call_raw(index, &mut slots)?;
        Ok(ty.results.iter().zip(&slots).map(|(t, &b)| Val::from_bits(*t, b)).collect())
    }

    /// The accessible linear memory (empty if the module has none).
    pub fn memory(&self) -> &[u8] {
        self.inner.memory.as_ref().map_or(&[], |m| m.bytes())
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Module {
        &self.inner.module
    }

    /// The names of the exported functions.
    pub fn exported_functions(&self) -> Vec<String> {
        self.inner.module.info.exports.iter().filter(|e| e.kind == ExportKind::Func).map(|e| e.name.clone()).collect()
    }
}

impl InstanceInner {
    fn init_data(&mut self, info: &ModuleInfo) -> Result<(), Error> {
        let Some(mem) = self.memory.as_mut() else {
            return if info.data.is_empty() { Ok(()) } else { Err(Error::Link("data segment without memory".into())) };
        };
        let bytes = mem.bytes_mut();
        for seg in &info.data {
            let src = &info.bytes[seg.range.clone()];
            let start = seg.offset as usize;
            let Some(dst) = bytes.get_mut(start..start + src.len()) else {
                return Err(Error::Link(format!(
                    "data segment at {:#x} of {} bytes does not fit in memory of {} bytes",
                    seg.offset,
                    src.len(),
                    bytes.len()
                )));
            };
            dst.copy_from_slice(src);
        }
        Ok(())
    }

    fn set_word(&mut self, offset: i32, value: u64) {
        self.vmctx[offset as usize / 8] = value;
    }

    fn init_vmctx(&mut self, info: &ModuleInfo) {
        let (base, size) = self.memory.as_ref().map_or((0, 0), |m| (m.base() as u64, m.size()));
        self.set_word(vmctx::MEMORY_BASE, base);
        self.set_word(vmctx::MEMORY_SIZE, size);
        self.set_word(vmctx::FUNC_PTRS, self.module.code.func_ptrs_base() as u64);
        self.set_word(vmctx::TABLE_BASE, self.table.as_ptr() as u64);
        self.set_word(vmctx::TABLE_LEN, self.table.len() as u64);
        let me = self as *mut InstanceInner as u64;
        self.set_word(vmctx::RUNTIME, me);
        for b in Builtin::ALL {
            self.set_word(vmctx::builtin(b), vm::builtin_address(b) as u64);
        }
        for (i, g) in info.globals.iter().enumerate() {
            self.set_word(vmctx::global(i as u32), g.init);
        }
    }

    pub(crate) fn poison(&mut self, why: String) {
        self.poisoned.get_or_insert(why);
    }

    /// The code pointer of function `index`, compiling it first if needed.
    pub(crate) fn ensure_compiled(&self, index: u32) -> Result<*const u8, Error> {
        self.module.code.func_ptr(index)
    }

    /// Runs function `index` on a guest stack with its arguments (and results) in `slots`.
    fn call_raw(&mut self, index: u32, slots: &mut [u64]) -> Result<(), Error> {
        if let Some(why) = &self.poisoned {
            return Err(Error::Call(format!("instance unusable after an earlier {why}")));
        }
        if !self.yielder.is_null() {
            return Err(Error::Call("re-entrant calls into a running instance are not supported yet".into()));
        }
        let func = self.ensure_compiled(index)?;
        let trampoline = self.module.code.entry_trampoline(index)?;
        let stack = match self.stack.take() {
            Some(s) => s,
            None => GuestStack::new(self.module.engine.config.max_stack_bytes).map_err(Error::Resource)?,
        };
        self.set_word(vmctx::STACK_LIMIT, stack.limit_for_guest() as u64);
        let guard = stack.guard();
        let stack_range = guard.start..stack_top(&stack);
        let vmctx_ptr = self.vmctx.as_mut_ptr();
        let args = slots.as_mut_ptr();
        let me: *mut InstanceInner = self;
        let mut co = Coroutine::with_stack(stack, move |yielder: &Yielder<(), Error>, ()| {
            // SAFETY: `me` is the boxed instance, alive and not otherwise borrowed while the
            // coroutine runs (the host side only resumes it).
            unsafe { (*me).yielder = yielder };
            // SAFETY: `trampoline` was compiled by `compile_entry_trampoline` with exactly this C
            // signature; `func` has the wasm type the trampoline was built for; `args` holds
            // max(params, results) slots.
            let entry: extern "C" fn(*mut u64, *const u8, *mut u64) = unsafe { std::mem::transmute(trampoline) };
            entry(vmctx_ptr, func, args);
            Outcome::Returned
        });
        let activation = Activation {
            trap_handler: co.trap_handler(),
            code: &*self.module.code,
            stack: stack_range,
            guard,
            memory: self.memory.as_ref().map_or(0..0, |m| m.reservation()),
        };
        let result = {
            let _current = signals::enter(&activation);
            co.resume(())
        };
        self.yielder = std::ptr::null();
        let info = self.module.info.clone();
        let outcome = match result {
            CoroutineResult::Return(Outcome::Returned) => Ok(()),
            CoroutineResult::Return(Outcome::Trapped { trap, func_index }) => {
                let func = (func_index != u32::MAX).then(|| info.func_name(func_index));
                Err(Error::Trap { trap, func })
            }
            CoroutineResult::Yield(err) => {
                // SAFETY: the guest stack holds only compiled frames and the host-call shim,
                // which keeps nothing that needs dropping at the point it suspends.
                unsafe { co.force_reset() };
                Err(err)
            }
        };
        self.stack = Some(co.into_stack());
        if let Err(e) = &outcome {
            self.poison(match e {
                Error::Exit(_) => "exit".to_string(),
                _ => format!("error ({e})"),
            });
        }
        outcome
    }
}

fn stack_top(s: &GuestStack) -> usize {
    use corosensei::stack::Stack;
    s.base().get()
}
