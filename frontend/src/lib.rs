//! gojit's frontend: parses and validates the WebAssembly the Go compiler emits and translates
//! each function to Cranelift IR. It also holds the contract shared with `gojit-jit` and
//! `gojit-runtime`: the vmctx layout ([`vmctx`]), trap codes ([`traps`]) and builtins
//! ([`builtins`]). It knows nothing about code memory or execution.

#![forbid(unsafe_code)]

pub mod builtins;
pub mod module;
pub mod traps;
pub mod vmctx;

pub use module::{ModuleError, ModuleInfo, ValType};
pub mod translate;
