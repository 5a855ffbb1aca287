//! [`Snapshot`]: an initialized instance frozen once, from which new instances start in that
//! state without running the start function or `_initialize` again.
//!
//! A Go reactor (`-buildmode=c-shared`) spends milliseconds in `_initialize` (Go's runtime and
//! every package's `init`); a plugin host that wants a fresh, isolated instance per request
//! pays that each time. Instead, instantiate once, snapshot, and make every request's instance
//! from the snapshot: its linear memory is mapped copy-on-write from an image shared by all
//! instances (pages are copied only when an instance writes them), its globals and table are
//! copied, and nothing runs.
//!
//! # What a snapshot freezes
//! Everything `_initialize` computed is the same in every instance made from the snapshot:
//! - Go's runtime seeds: map hash seeds (`runtime.fastrand`/`memhash` seeds) and the state of
//!   `math/rand`'s global source and `math/rand/v2`'s ChaCha8 seed are copied, so every instance
//!   iterates maps in the same order and draws the same "random" numbers, unless it reseeds.
//!   `crypto/rand` is unaffected: it asks the host (`random_get`) at each use.
//! - What Go read from the host during initialization: command-line arguments, environment
//!   variables (`os.Args`, `os.Environ`, `syscall` caches them at init), the working directory,
//!   and which preopened directories exist and under which descriptor numbers. Give each new
//!   instance's store the same WASI arguments, environment and preopens as the instance that was
//!   snapshotted (their contents may differ: files are read when Go opens them); the clocks are
//!   read live.
//! - Package-level variables set by `init` functions (caches, `time.Now()` at init, ...).
//!
//! Host state is not part of a snapshot: each instance gets the store's data `T` as usual.

#![forbid(unsafe_code)]

use crate::error::Error;
use crate::instance::Instance;
use crate::linker::Linker;
use crate::module::Module;
use crate::store::Store;
use crate::vm::instance::{Frozen, InstanceInner};
use std::sync::Arc;

/// An instance frozen after initialization; cheap to clone, shareable by threads.
#[derive(Clone)]
pub struct Snapshot {
    frozen: Arc<Frozen>,
}

impl Snapshot {
    /// Freezes `instance` as it is now: its linear memory, globals and table. Typically right
    /// after [`Instance::new`], which ran the module's start function and a reactor's
    /// `_initialize`; any exports called since are part of the snapshot too.
    ///
    /// # Errors
    /// [`Error::Call`] if the instance is unusable (an earlier call trapped) or inside a call;
    /// [`Error::Resource`] if the memory image cannot be made.
    pub fn new<T: 'static>(store: &Store<T>, instance: Instance) -> Result<Snapshot, Error> {
        let frozen = store.inner_ref(&instance)?.capture()?;
        Ok(Snapshot {
            frozen: Arc::new(frozen),
        })
    }

    /// A new instance in `store` in the snapshot's state, its imports bound to `linker` (which
    /// may differ from the snapshotted instance's, with the same types). Runs no guest code.
    ///
    /// # Errors
    /// [`Error::Link`] for an import the linker lacks or types differently;
    /// [`Error::Resource`] if memory cannot be mapped or the snapshot's memory exceeds the
    /// store's memory limit.
    pub fn instantiate<T: 'static>(
        &self,
        store: &mut Store<T>,
        linker: &Linker<T>,
    ) -> Result<Instance, Error> {
        let data = store.data_ptr();
        let inner = InstanceInner::restore(
            &self.frozen,
            linker,
            store.limits,
            data,
            store.interrupt.clone(),
        )?;
        Ok(store.push_instance(inner))
    }

    /// Allows at most `n` live instances made from this snapshot at once (default: no limit):
    /// [`Snapshot::instantiate`] fails beyond it until one is dropped (with its store).
    pub fn limit_instances(&self, n: usize) {
        self.frozen
            .max_live
            .store(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// The module the snapshot is an instance of.
    pub fn module(&self) -> &Module {
        &self.frozen.module
    }

    /// Size in bytes of the snapshot's linear memory.
    pub fn memory_size(&self) -> u64 {
        self.frozen.memory_len()
    }
}
