//! [`InterruptHandle`]: stopping a store's guests from another thread, and the deadline a
//! [`crate::Store`] can set. Both need an engine with [`crate::Config::interruptible`].

#![forbid(unsafe_code)]

use crate::vm::interrupt::InterruptState;
use std::os::fd::BorrowedFd;
use std::sync::Arc;

/// Interrupts the guests of one store, from any thread: the running call (and any later one)
/// traps with [`crate::Trap::Interrupted`] within about a millisecond — at once in compiled code
/// (a signal, see [`crate::Config::interrupt_by_signal`]), at the next loop iteration or call in
/// the interpreter, on return from a runtime builtin — or returns from the host call it is
/// blocked in (WASI's `poll_oneoff`, a read of stdin). An
/// interrupted instance is unusable afterwards; other stores and their instances go on.
/// Cheap to clone, `Send` and `Sync`.
#[derive(Clone)]
pub struct InterruptHandle {
    pub(crate) state: Arc<InterruptState>,
}

impl InterruptHandle {
    /// Interrupts the store: every running or later guest call traps, until
    /// [`crate::Store::clear_interrupt`].
    pub fn interrupt(&self) {
        self.state.interrupt();
    }

    /// Whether the store has been interrupted (by this handle, another one, or its deadline).
    pub fn is_interrupted(&self) -> bool {
        self.state.is_interrupted()
    }

    /// For host functions that block in `poll(2)`: a descriptor that becomes readable when the
    /// store is interrupted. Poll it along with what the function waits for; take it, then
    /// check [`InterruptHandle::is_interrupted`], then block.
    ///
    /// # Errors
    /// The error of `pipe(2)` the first time (out of descriptors).
    pub fn wake_fd(&self) -> std::io::Result<BorrowedFd<'_>> {
        self.state.wake_fd()
    }
}

impl std::fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterruptHandle")
            .field("interrupted", &self.is_interrupted())
            .finish()
    }
}
