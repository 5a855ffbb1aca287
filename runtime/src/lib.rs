//! gojit's runtime: linear memory, instances, calls into compiled code, traps, guest stacks, and
//! host modules (WASI preview1). Its public surface is the embedding API: [`Engine`],
//! [`Module`], [`Linker`], [`Store`], [`Instance`], [`Func`], [`Val`], [`Error`].
//!
//! Layers, from the top:
//! - the public API, one type (or one tight family) per file: `config`, `engine`, `module`,
//!   `store`, `instance`, `snapshot`, `interrupt`, `func`, `val`, `linker`, `caller`, `error` — all
//!   `#![forbid(unsafe_code)]`;
//! - `wasi`: the `wasi_snapshot_preview1` host module, written against the public API only;
//! - `gojs`: the `GOOS=js` host module (`wasm_exec.js`'s imports and a native JavaScript value
//!   model, global object and event loop), also on the public API only;
//! - the tiering layer: `code` (a module's compiled code, tier-up, the code cache), `interp`
//!   (the interpreter tier);
//! - `vm`: the core that touches raw instance memory, vmctx, signals, the guest stack, the lazy
//!   stubs, the builtins and the host-call glue.
//!
//! `unsafe` lives in `vm` only, apart from the interpreter (`interp`, which reads memory,
//! globals and the table through vmctx as compiled code does, and calls compiled code) and code
//! memory (the `gojit-jit` crate); `docs/ARCHITECTURE.md` says why for each.

mod caller;
mod code;
mod config;
mod engine;
mod error;
mod func;
pub mod gojs;
mod instance;
mod interp;
mod interrupt;
mod linker;
mod module;
mod snapshot;
mod store;
mod val;
mod vm;
pub mod wasi;

pub use caller::{Caller, GuestMemory, MemoryAccessError, StringError};
pub use code::CompileStats;
pub use code::cache::default_cache_dir;
pub use config::{
    Config, DEFAULT_STACK_BYTES, DEFAULT_TIER_UP_BUDGET, FaultInjection, MAX_STACK_BYTES,
    MIN_STACK_BYTES, Tiers,
};
pub use engine::Engine;
pub use error::{Error, HostError};
pub use func::{CallMode, Func, IDLE_ROUND_LIMIT, TypedFunc};
pub use gojit_frontend::ValType;
pub use gojit_frontend::module::FuncType;
pub use gojit_frontend::traps::Trap;
pub use instance::Instance;
pub use interrupt::InterruptHandle;
pub use linker::{HostFunc, HostReturn, IntoFunc, Linker, StderrCapture};
pub use module::{Module, read_module_file};
pub use snapshot::Snapshot;
pub use store::Store;
pub use val::{Val, WasmParams, WasmResults, WasmTy};

/// Translator options an embedder may set through [`Config`].
pub mod translate_options {
    pub use gojit_frontend::translate::GoOptimizations;
}
