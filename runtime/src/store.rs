//! [`Store`]: the host state `T` and the instances that share it. [`crate::Instance`],
//! [`crate::Func`] and [`crate::TypedFunc`] are handles into a store, used with `&mut Store`
//! like wasmtime's.

#![forbid(unsafe_code)]

use crate::engine::Engine;
use crate::error::Error;
use crate::func::CallMode;
use crate::instance::Instance;
use crate::interrupt::InterruptHandle;
use crate::vm::instance::{InstanceInner, InstanceLimits};
use crate::vm::interrupt::InterruptState;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// Host state `T` and the instances that use it. A store belongs to one thread at a time; use
/// one store per thread (a [`Module`] can be shared by all of them).
pub struct Store<T> {
    engine: Engine,
    pub(crate) id: u64,
    /// Boxed so its address (handed to host functions during calls) is stable.
    data: Box<T>,
    /// Boxed: vmctx and host calls hold each instance's address, which must not move when the
    /// vector grows.
    #[expect(clippy::vec_box, reason = "instance addresses must stay stable")]
    pub(crate) instances: Vec<Box<InstanceInner>>,
    pub(crate) call_mode: CallMode,
    pub(crate) limits: InstanceLimits,
    /// Interrupt state shared with handles and the deadline timer (interruptible engines).
    pub(crate) interrupt: Option<Arc<InterruptState>>,
}

impl<T: 'static> Store<T> {
    /// A store with host state `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            engine: engine.clone(),
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            data: Box::new(data),
            instances: Vec::new(),
            call_mode: CallMode::default(),
            limits: InstanceLimits {
                max_memory_pages: engine.config().max_memory_pages,
                max_stack_bytes: engine.config().max_stack_bytes,
            },
            interrupt: engine
                .config()
                .interruptible
                .then(|| Arc::new(InterruptState::new(engine.config().interrupt_by_signal))),
        }
    }

    /// The host state.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Sets how export calls made through this store treat other goroutines (default:
    /// [`CallMode::Go`]).
    pub fn set_call_mode(&mut self, mode: CallMode) {
        self.call_mode = mode;
    }

    /// The current call mode.
    pub fn call_mode(&self) -> CallMode {
        self.call_mode
    }

    /// Limits the linear memory of instances created from now on to `pages` 64 KiB pages:
    /// `memory.grow` beyond it fails, which Go reports as out of memory.
    pub fn limit_memory_pages(&mut self, pages: u64) {
        self.limits.max_memory_pages = pages.min(gojit_frontend::vmctx::MAX_MEMORY_PAGES);
    }

    /// Limits the guest stack of instances created from now on to `bytes` (deep recursion
    /// beyond it traps with [`crate::Trap::StackOverflow`], or ends in Go's own stack-overflow
    /// error first).
    ///
    /// # Errors
    /// [`Error::Config`] unless `bytes` lies between [`crate::MIN_STACK_BYTES`] and the
    /// engine's [`crate::Config::max_stack_bytes`].
    pub fn limit_stack_bytes(&mut self, bytes: usize) -> Result<(), Error> {
        let max = self.engine.config().max_stack_bytes;
        if !(crate::config::MIN_STACK_BYTES..=max).contains(&bytes) {
            return Err(Error::Config(format!(
                "a store's guest stack limit must lie between {} MiB and the engine's {max} bytes, not {bytes}",
                crate::config::MIN_STACK_BYTES >> 20
            )));
        }
        self.limits.max_stack_bytes = bytes;
        Ok(())
    }

    /// A handle that interrupts this store's guests from any thread (see [`InterruptHandle`]).
    ///
    /// # Errors
    /// [`Error::Config`] unless the engine is [`crate::Config::interruptible`].
    pub fn interrupt_handle(&self) -> Result<InterruptHandle, Error> {
        Ok(InterruptHandle {
            state: Arc::clone(self.interrupt_state()?),
        })
    }

    /// Interrupts this store's guests once `after` has passed from now: a running call traps
    /// with [`crate::Trap::Interrupted`] within about a millisecond of the deadline, in any code
    /// tier and while it waits in `poll_oneoff` or a read of stdin. Replaces an earlier
    /// deadline, and ends an interrupt that has already happened (see
    /// [`Store::clear_interrupt`]), so a store can be given a fresh deadline per request.
    ///
    /// # Errors
    /// [`Error::Config`] unless the engine is [`crate::Config::interruptible`].
    pub fn set_deadline(&mut self, after: Duration) -> Result<(), Error> {
        let state = self.interrupt_state()?;
        state.clear();
        // A deadline too far to represent is no deadline.
        if let Some(when) = Instant::now().checked_add(after) {
            state.set_deadline(when);
        }
        Ok(())
    }

    /// Cancels the deadline set by [`Store::set_deadline`], if it has not passed yet.
    pub fn cancel_deadline(&mut self) {
        if let Some(state) = &self.interrupt {
            state.cancel_deadline();
        }
    }

    /// Ends an interrupt (and cancels a pending deadline): calls run normally again. An
    /// instance whose call was interrupted stays unusable (its guest stopped mid-way); new
    /// instances and instances that were idle can be used.
    pub fn clear_interrupt(&mut self) {
        if let Some(state) = &self.interrupt {
            state.clear();
        }
    }

    fn interrupt_state(&self) -> Result<&Arc<InterruptState>, Error> {
        self.interrupt.as_ref().ok_or_else(|| {
            Error::Config(
                "interruption is not enabled: build the engine with Config::interruptible".into(),
            )
        })
    }

    pub(crate) fn data_ptr(&mut self) -> *mut () {
        (&mut *self.data as *mut T).cast()
    }

    pub(crate) fn inner_ref(&self, instance: &Instance) -> Result<&InstanceInner, Error> {
        if instance.store != self.id {
            return Err(Error::Call(
                "instance used with a store it does not belong to".into(),
            ));
        }
        Ok(&self.instances[instance.index])
    }

    /// Adds an instance and returns its handle.
    pub(crate) fn push_instance(&mut self, inner: Box<InstanceInner>) -> Instance {
        self.instances.push(inner);
        Instance {
            store: self.id,
            index: self.instances.len() - 1,
        }
    }

    pub(crate) fn inner(&mut self, instance: &Instance) -> Result<&mut InstanceInner, Error> {
        if instance.store != self.id {
            return Err(Error::Call(
                "instance used with a store it does not belong to".into(),
            ));
        }
        Ok(&mut self.instances[instance.index])
    }
}
