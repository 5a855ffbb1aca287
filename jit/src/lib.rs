//! gojit's code generator: target ISA selection, compilation of translated functions to machine
//! code, the entry trampolines the runtime uses to call compiled code, and executable code memory
//! with per-function trap tables.
//!
//! The `unsafe` here is limited to handing out raw code pointers; executing them is the
//! runtime's business.

mod code;
mod compile;
mod isa;

pub use code::{CodeMemory, FuncCode, RawCode, SharedBytes};
pub use compile::{CompiledFunction, Compiler};
pub use cranelift_codegen::ir::TrapCode;
pub use isa::{IsaOptions, TargetIsa};

/// How many threads this process may run at once, read once per process:
/// `std::thread::available_parallelism` reads cgroup files at every call (tens of µs), and every
/// engine, module and eager compile asks.
pub fn host_parallelism() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

use std::fmt;

/// Why code could not be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JitError {
    /// The target triple or ISA flags are not supported.
    Target(String),
    /// The function could not be translated from wasm.
    Translate { func: String, message: String },
    /// Cranelift failed to compile the function.
    Codegen { func: String, message: String },
    /// Code memory could not be allocated or made executable.
    Memory(String),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Target(m) => write!(f, "unsupported target: {m}"),
            JitError::Translate { func, message } => {
                write!(f, "cannot translate {func}: {message}")
            }
            JitError::Codegen { func, message } => write!(f, "cannot compile {func}: {message}"),
            JitError::Memory(m) => write!(f, "code memory: {m}"),
        }
    }
}

impl std::error::Error for JitError {}
