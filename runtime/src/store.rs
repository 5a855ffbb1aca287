//! [`Store`]: the host state `T` and the instances that share it. [`crate::Instance`],
//! [`crate::Func`] and [`crate::TypedFunc`] are handles into a store, used with `&mut Store`
//! like wasmtime's.

#![forbid(unsafe_code)]

use crate::engine::Engine;
use crate::error::Error;
use crate::func::CallMode;
use crate::instance::Instance;
use crate::vm::instance::InstanceInner;
use std::sync::atomic::{AtomicU64, Ordering};

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
    pub(crate) max_memory_pages: u64,
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
            max_memory_pages: engine.config().max_memory_pages,
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
        self.max_memory_pages = pages.min(gojit_frontend::vmctx::MAX_MEMORY_PAGES);
    }

    pub(crate) fn data_ptr(&mut self) -> *mut () {
        (&mut *self.data as *mut T).cast()
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
