//! The VM core: everything that touches raw instance memory, vmctx, signals, the guest stack,
//! lazy stubs, the builtins and the host-call glue.

pub(crate) mod alloc;
pub(crate) mod builtins;
pub(crate) mod go_helpers;
pub(crate) mod go_kernels;
pub(crate) mod go_scheduler;
pub(crate) mod host_call;
pub(crate) mod image;
pub(crate) mod instance;
pub(crate) mod interrupt;
pub(crate) mod lazy_stubs;
pub(crate) mod memory;
pub(crate) mod pagemap;
pub(crate) mod signals;
pub(crate) mod stack;
