//! The host-call glue: how a guest call of an import reaches a typed Rust closure
//! ([`RawHostFn`]), and the calling instance as a host function's [`Caller`] sees it
//! ([`CallerInstance`]).

use crate::caller::{Caller, GuestMemory};
use crate::error::{Error, HostError};
use crate::linker::StderrAccessor;
use crate::val::Val;
use crate::vm::instance::InstanceInner;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// A host function as guest calls invoke it: `(instance, import index, argument slots)`. Built
/// where the closure's type is known, so a host call is one indirect call into code in which the
/// closure, the argument conversions and the panic guard are inlined (and the [`Caller`] is
/// optimised away when the closure does not use it).
#[derive(Clone)]
pub(crate) struct RawHostFn(Arc<RawCallback>);

type RawCallback = dyn Fn(*mut InstanceInner, u32, *mut u64) + Send + Sync;

impl RawHostFn {
    /// The raw form of host function `f` over `slots` argument slots (max(params, results, 1)).
    pub(crate) fn new<T: 'static, F>(slots: usize, f: Arc<F>) -> RawHostFn
    where
        F: Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError> + Send + Sync + 'static,
    {
        let raw = move |inst: *mut InstanceInner, import: u32, args: *mut u64| {
            // No panic may unwind into compiled code: a panicking host function stops the guest.
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: `RawHostFn::call`'s contract: `args` holds `slots` slots.
                let args = unsafe { std::slice::from_raw_parts_mut(args, slots) };
                // SAFETY: `RawHostFn::call`'s contract: `inst` is live, its `host_data` is this
                // function's `T`, not otherwise accessed during the call.
                let mut caller = unsafe { caller_for_call::<T>(inst) };
                f(&mut caller, args)
            }));
            if !matches!(r, Ok(Ok(()))) {
                // SAFETY: `RawHostFn::call`'s contract: `inst` runs this guest call, and
                // `import` is the import bound to this function.
                unsafe { crate::vm::builtins::host_call_failed(inst, import, r) }
            }
        };
        RawHostFn(Arc::new(raw))
    }

    /// Calls the function for import `import` of `inst` with its arguments (and result) in
    /// `args`. Returns only if the function succeeded; otherwise it stops the guest (see
    /// [`crate::vm::builtins`]), so it must be called from a guest call.
    ///
    /// # Safety
    /// `inst` must be the live instance whose guest call is running on this thread, created with
    /// the `Linker<T>` holding the `HostFunc<T>` this came from (so its `host_data` points to
    /// the store's `T`, which nothing else accesses during the call); `import` must be the index
    /// of the import bound to this function, and `args` must point to max(params, results, 1)
    /// writable 8-byte slots.
    #[inline]
    pub(crate) unsafe fn call(&self, inst: *mut InstanceInner, import: u32, args: *mut u64) {
        (self.0)(inst, import, args)
    }
}

/// The caller the runtime passes a host function during a guest call of `inst`.
///
/// # Safety
/// `inst` must be live for `'a`, and its `host_data` must point to a live `T` that nothing
/// else accesses for `'a`.
#[inline]
unsafe fn caller_for_call<'a, T>(inst: *mut InstanceInner) -> Caller<'a, T> {
    // SAFETY: per this function's contract, `inst` is live; the guest is suspended in this
    // host call, so nothing else uses the instance while the caller exists.
    let inner = unsafe { &mut *inst };
    let memory: &'a mut [u8] = match inner.memory.as_mut() {
        Some(m) => m.bytes_mut(),
        None => &mut [],
    };
    // SAFETY: per this function's contract.
    let data = unsafe { &mut *inner.host_data.cast::<T>() };
    Caller::for_call(
        GuestMemory::new(memory),
        data,
        CallerInstance {
            inst,
            _borrow: PhantomData,
        },
    )
}

/// The instance a host function was called from, for re-entrant export calls. Only
/// [`caller_for_call`] makes one, for the duration of the host call.
pub(crate) struct CallerInstance<'a> {
    inst: *mut InstanceInner,
    _borrow: PhantomData<&'a mut InstanceInner>,
}

impl<'a> CallerInstance<'a> {
    /// Calls export `name` on the current guest stack (below the host function).
    pub(crate) fn call_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        // SAFETY: `inst` is the instance whose host call created this caller; it is alive and
        // only reached through this caller while the host function runs.
        unsafe { &mut *self.inst }.call_export_nested(name, args)
    }

    /// The store's interrupt handle (interruptible engines).
    pub(crate) fn interrupt_handle(&self) -> Option<crate::InterruptHandle> {
        // SAFETY: as in `call_export`; only reads the instance's interrupt state.
        let inner = unsafe { &*self.inst };
        inner.interrupt_state().map(|state| crate::InterruptHandle {
            state: Arc::clone(state),
        })
    }

    /// The instance's linear memory as it is now (a nested call may have grown it).
    pub(crate) fn memory(&mut self) -> &'a mut [u8] {
        // SAFETY: as in `call_export`; the caller replaces its old view of memory with this one.
        match unsafe { &mut *self.inst }.memory.as_mut() {
            Some(m) => m.bytes_mut(),
            None => &mut [],
        }
    }
}

/// A [`crate::linker::StderrAccessor`] with the store's data type erased, as an instance keeps
/// it: the instance reaches the store's data only as the pointer its running call was given.
pub(crate) struct StderrHook {
    position: Box<dyn Fn(*mut ()) -> u64>,
    since: Box<dyn Fn(*mut (), u64) -> Option<String>>,
}

impl StderrHook {
    /// The hook of a linker for store data `T`.
    pub(crate) fn new<T: 'static>(get: StderrAccessor<T>) -> StderrHook {
        let get2 = Arc::clone(&get);
        StderrHook {
            position: Box::new(move |data| {
                // SAFETY: `StderrHook::position`'s contract: `data` is the store's live `T`.
                get(unsafe { &mut *data.cast::<T>() }).position()
            }),
            since: Box::new(move |data, mark| {
                // SAFETY: `StderrHook::since`'s contract: `data` is the store's live `T`.
                get2(unsafe { &mut *data.cast::<T>() }).since(mark)
            }),
        }
    }

    /// The stream's current position.
    ///
    /// # Safety
    /// `data` must point to the live `T` of the store the instance belongs to, borrowed by the
    /// caller for this call.
    pub(crate) unsafe fn position(&self, data: *mut ()) -> u64 {
        (self.position)(data)
    }

    /// What was written after `mark`.
    ///
    /// # Safety
    /// As [`StderrHook::position`].
    pub(crate) unsafe fn since(&self, data: *mut (), mark: u64) -> Option<String> {
        (self.since)(data, mark)
    }
}
