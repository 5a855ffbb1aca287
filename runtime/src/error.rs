//! The runtime's error type: one enum whose variants say which stage failed, with the trap or the
//! exit status as data, so the CLI can map each to its exit code.

use gojit_frontend::ModuleError;
use gojit_frontend::traps::Trap;
use gojit_jit::JitError;
use std::fmt;

/// Anything that can go wrong loading, linking or running a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The bytes are not a module gojit can run (malformed, invalid, or needing a feature).
    Module(ModuleError),
    /// The module could not be compiled.
    Compile(JitError),
    /// Instantiation failed: an unknown import, a signature mismatch, a segment out of bounds.
    Link(String),
    /// The guest trapped.
    Trap {
        /// What happened.
        trap: Trap,
        /// The wasm function it happened in (name-section name when available).
        func: Option<String>,
    },
    /// The guest exited with this status (`proc_exit`). `Exit(0)` is success.
    Exit(i32),
    /// A host function failed.
    Host(String),
    /// The call itself was wrong: no such export, wrong argument types, or a poisoned instance.
    Call(String),
    /// The operating system refused a resource (memory, stack).
    Resource(String),
}

impl Error {
    /// The trap, if the guest trapped.
    pub fn trap(&self) -> Option<Trap> {
        match self {
            Error::Trap { trap, .. } => Some(*trap),
            _ => None,
        }
    }

    /// The exit status, if the guest exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::Exit(c) => Some(*c),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module(e) => write!(f, "{e}"),
            Error::Compile(e) => write!(f, "{e}"),
            Error::Link(m) => write!(f, "{m}"),
            Error::Trap {
                trap,
                func: Some(func),
            } => write!(f, "{trap} in {func}"),
            Error::Trap { trap, func: None } => write!(f, "{trap}"),
            Error::Exit(c) => write!(f, "exited with status {c}"),
            Error::Host(m) => write!(f, "host function failed: {m}"),
            Error::Call(m) => write!(f, "{m}"),
            Error::Resource(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ModuleError> for Error {
    fn from(e: ModuleError) -> Self {
        Error::Module(e)
    }
}

impl From<JitError> for Error {
    fn from(e: JitError) -> Self {
        Error::Compile(e)
    }
}
