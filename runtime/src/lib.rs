//! gojit's runtime: linear memory, instances, calls into compiled code, traps, guest stacks, and
//! host modules (WASI preview1). Its public surface is the embedding API: [`Engine`],
//! [`Module`], [`Linker`], [`Instance`], [`Val`], [`Error`].
//!
//! `unsafe` is confined to `memory` (the linear-memory reservation), `stack` (guest stacks),
//! `signals` (fault handling), `instance` (entering compiled code), `vm` (the builtins) and
//! `host` (the typed side of a host call: store data and memory from the calling instance).

mod code;
mod engine;
mod error;
pub mod func;
pub mod host;
mod interp;
mod store;
mod val;
mod vm;
pub mod wasi;

pub use code::cache::default_cache_dir;
pub use code::CompileStats;
pub use engine::{Config, DEFAULT_TIER_UP_BUDGET, Engine, Module, Tiers, read_module_file};
pub use error::Error;
pub use func::{IntoFunc, WasmParams, WasmResults, WasmTy};
pub use gojit_frontend::traps::Trap;
pub use gojit_frontend::{ModuleInfo, ValType};
pub use host::{Caller, GuestMemory, HostError, HostFunc, Linker, MemoryAccessError, StringError};
pub use vm::instance::{CallMode, IDLE_ROUND_LIMIT};
pub use store::{Func, Instance, Store, TypedFunc};
pub use val::Val;

/// Translator options an embedder may set through [`Config`].
pub mod translate_options {
    pub use gojit_frontend::translate::GoOptimizations;
}
