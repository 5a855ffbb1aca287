//! gojit's runtime: linear memory, instances, calls into compiled code, traps, guest stacks, and
//! host modules (WASI preview1).

pub mod host;
pub mod wasi;

pub use host::{Caller, GuestMemory, HostError, HostFunc, Linker, MemoryAccessError};
