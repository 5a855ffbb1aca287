//! The native stack guest code runs on: a large reservation, committed lazily by the kernel
//! as it is touched (`MAP_NORESERVE`), with an inaccessible guard region at the low end.
//!
//! Every compiled function checks the stack pointer against `limit + headroom` in its prologue
//! (vmctx's stack limit), so deep Go recursion ends in a `StackOverflow` trap while the
//! headroom still leaves room for host functions and builtins called from the deepest frame.
//! The guard region catches anything that still overruns it.

use corosensei::stack::{Stack, StackPointer};
use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect, munmap};

/// Bytes kept free below the deepest guest frame for host calls made from it.
pub const HOST_HEADROOM: usize = 1 << 20;
/// Size of the inaccessible region at the bottom of the stack.
pub const GUARD_SIZE: usize = 64 << 10;

/// A guest stack.
pub struct GuestStack {
    bottom: usize,
    len: usize,
}

impl GuestStack {
    /// Reserves a stack of `size` usable bytes (rounded up to pages) plus the guard.
    ///
    /// # Errors
    /// A message if the address space cannot be reserved.
    pub fn new(size: usize) -> Result<GuestStack, String> {
        // Checked: a size near `usize::MAX` must be an error, not wrap to a tiny stack.
        let too_big = || format!("a guest stack of {size} bytes is too large");
        let size = size
            .max(HOST_HEADROOM * 2)
            .checked_next_multiple_of(4096)
            .ok_or_else(too_big)?;
        let len = size.checked_add(GUARD_SIZE).ok_or_else(too_big)?;
        // SAFETY: a fresh anonymous mapping at a kernel-chosen address aliases nothing.
        let p = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }
        .map_err(|e| format!("cannot reserve a {} MiB guest stack: {e}", len >> 20))?;
        let stack = GuestStack {
            bottom: p as usize,
            len,
        };
        // SAFETY: the range is inside the mapping just made; the guard below it stays PROT_NONE.
        unsafe {
            mprotect(
                (stack.bottom + GUARD_SIZE) as *mut _,
                size,
                MprotectFlags::READ | MprotectFlags::WRITE,
            )
        }
        .map_err(|e| format!("cannot make the guest stack writable: {e}"))?;
        Ok(stack)
    }

    /// The guard region (faults here are stack overflows).
    pub fn guard(&self) -> std::ops::Range<usize> {
        self.bottom..self.bottom + GUARD_SIZE
    }

    /// The lowest stack pointer compiled code may use.
    pub fn limit_for_guest(&self) -> usize {
        self.bottom + GUARD_SIZE + HOST_HEADROOM
    }
}

/// Guest stacks of finished coroutines, kept for the next instance of the engine: taking one
/// costs no `mmap`/`mprotect`, and its touched pages need no new page faults. Stacks hold no
/// guest-visible state (wasm cannot address its native stack), so reuse across instances leaks
/// nothing.
pub(crate) struct StackPool {
    idle: std::sync::Mutex<Vec<GuestStack>>,
    /// Usable size of every stack in the pool.
    size: usize,
    /// Most stacks kept idle.
    max_idle: usize,
}

impl StackPool {
    /// A pool of stacks of `size` usable bytes, keeping at most `max_idle`.
    pub(crate) fn new(size: usize, max_idle: usize) -> StackPool {
        StackPool {
            idle: std::sync::Mutex::new(Vec::new()),
            size,
            max_idle,
        }
    }

    /// An idle stack, or a new one.
    ///
    /// # Errors
    /// As [`GuestStack::new`].
    pub(crate) fn take(&self) -> Result<GuestStack, String> {
        let reused = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match reused {
            Some(s) => Ok(s),
            None => GuestStack::new(self.size),
        }
    }

    /// Returns a stack whose coroutine has finished (dropped if the pool is full).
    pub(crate) fn give_back(&self, stack: GuestStack) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(stack);
        }
    }
}

impl Drop for GuestStack {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly our mapping; the coroutine using it has finished or was reset.
        let _ = unsafe { munmap(self.bottom as *mut _, self.len) };
    }
}

// SAFETY: `base` is the (16-byte aligned, page aligned) top of a writable region whose lowest
// usable address is `limit`; both stay valid until the stack is dropped.
unsafe impl Stack for GuestStack {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.bottom + self.len).expect("non-null stack")
    }

    fn limit(&self) -> StackPointer {
        StackPointer::new(self.bottom + GUARD_SIZE).expect("non-null stack")
    }
}
