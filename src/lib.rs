//! gojit: runs the WebAssembly the Go compiler emits (`GOARCH=wasm`) as native code through
//! Cranelift.
//!
//! This crate is the façade over the workspace: the embedding API of `gojit-runtime`
//! ([`Engine`], [`Module`], [`Linker`], [`Instance`], [`Snapshot`], [`InterruptHandle`], [`Val`],
//! [`Error`]), the WASI host module
//! ([`wasi`]), and the `gojit` command-line tool (`src/main.rs`).
//!
//! ```no_run
//! use gojit::{Config, Engine, Instance, Linker, Module, Store, wasi};
//! let engine = Engine::new(Config::default())?;
//! let module = Module::new(&engine, std::fs::read("hello.wasm")?)?;
//! let mut linker = Linker::new();
//! wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
//! let mut store = Store::new(&engine, wasi::WasiCtxBuilder::new().arg("hello.wasm").build());
//! let instance = Instance::new(&mut store, &module, &linker)?;
//! match instance.call(&mut store, "_start", &[]) {
//!     Ok(_) | Err(gojit::Error::Exit(0)) => {}
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

#[doc(hidden)] // For the fault-injection tests.
pub use gojit_runtime::FaultInjection;

pub use gojit_runtime::{
    CallMode, Caller, CompileStats, Config, DEFAULT_STACK_BYTES, Engine, Error, Func, FuncType,
    GuestMemory, HostError, HostFunc, IDLE_ROUND_LIMIT, Instance, InterruptHandle, IntoFunc,
    Linker, MAX_STACK_BYTES, MIN_STACK_BYTES, MemoryAccessError, Module, Snapshot, StderrCapture,
    Store, StringError, Tiers, Trap, TypedFunc, Val, ValType, WasmParams, WasmResults, WasmTy,
    default_cache_dir, gojs, read_module_file, translate_options, wasi,
};
