//! The runtime's error type: one enum whose variants say which stage failed, with the trap or the
//! exit status as data, so the CLI can map each to its exit code.

#![forbid(unsafe_code)]

use gojit_frontend::ModuleError;
use gojit_frontend::traps::Trap;
use gojit_jit::JitError;
use std::fmt;

/// Anything that can go wrong loading, linking or running a module. Non-exhaustive: match the
/// variants you handle and keep a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
        /// The wasm function it happened in (name-section name when available), or the
        /// segment whose initialization trapped during instantiation.
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
    /// A setting of [`crate::Config`] is out of its range (the message names it and the range).
    Config(String),
    /// A guest call trapped or exited with a non-zero status after writing to its stderr (with
    /// gojit's WASI): `error` is what happened, `stderr` the text written during the call (its
    /// last 8 KiB) — for a Go panic or fatal error, Go's message and traceback. [`Error::trap`],
    /// [`Error::exit_code`] and [`Error::root`] look through it.
    WithStderr {
        /// The trap or exit.
        error: Box<Error>,
        /// What the guest wrote to fd 2 during the call.
        stderr: String,
    },
}

impl Error {
    /// The trap, if the guest trapped.
    pub fn trap(&self) -> Option<Trap> {
        match self.root() {
            Error::Trap { trap, .. } => Some(*trap),
            _ => None,
        }
    }

    /// The exit status, if the guest exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self.root() {
            Error::Exit(c) => Some(*c),
            _ => None,
        }
    }

    /// What the guest wrote to stderr during the failing call (Go's panic message and
    /// traceback), if the error carries it.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            Error::WithStderr { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// The error without the guest's stderr text.
    pub fn root(&self) -> &Error {
        match self {
            Error::WithStderr { error, .. } => error.root(),
            e => e,
        }
    }

    /// `self` with `stderr` attached, for a trap or a non-zero exit (other errors, and empty
    /// text, are returned unchanged).
    pub(crate) fn with_stderr(self, stderr: Option<String>) -> Error {
        let failed =
            matches!(self, Error::Trap { .. }) || matches!(self, Error::Exit(code) if code != 0);
        match stderr {
            Some(stderr) if failed && !stderr.is_empty() => Error::WithStderr {
                error: Box::new(self),
                stderr,
            },
            _ => self,
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
            Error::Config(m) => write!(f, "invalid configuration: {m}"),
            Error::WithStderr { error, stderr } => {
                write!(
                    f,
                    "{error}; the guest wrote to stderr:\n{}",
                    stderr.trim_end()
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Module(e) => Some(e),
            Error::Compile(e) => Some(e),
            Error::WithStderr { error, .. } => Some(&**error),
            Error::Link(_)
            | Error::Trap { .. }
            | Error::Exit(_)
            | Error::Host(_)
            | Error::Call(_)
            | Error::Resource(_)
            | Error::Config(_) => None,
        }
    }
}

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

/// Why a host function stopped the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The guest asked to exit with this status (`proc_exit`).
    Exit(i32),
    /// The host function failed; the message names what went wrong.
    Failed(String),
    /// The guest traps (e.g. [`Trap::Interrupted`]: the store was interrupted while the host
    /// function waited).
    Trap(Trap),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Exit(code) => write!(f, "exit status {code}"),
            HostError::Failed(msg) => f.write_str(msg),
            HostError::Trap(trap) => write!(f, "{trap}"),
        }
    }
}

impl std::error::Error for HostError {}

#[cfg(test)]
mod tests {
    use super::Error;
    use gojit_frontend::traps::Trap;
    use std::error::Error as _;

    #[test]
    fn source_is_the_cause() {
        let trap = Error::Trap {
            trap: Trap::Unreachable,
            func: None,
        };
        assert!(trap.source().is_none());
        let with = trap.clone().with_stderr(Some("panic: x\n".into()));
        assert_eq!(
            with.source().and_then(|e| e.downcast_ref::<Error>()),
            Some(&trap)
        );
    }
}
