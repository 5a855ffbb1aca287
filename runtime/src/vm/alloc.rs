//! Allocation helpers that need `unsafe` outside the VM proper.

use std::sync::Arc;

/// `len` zero bytes in a shared slice, allocated zeroed in one step (the pages of a large one are
/// the kernel's zero pages until written), for reading a module file without a second copy.
pub(crate) fn zeroed_bytes(len: usize) -> Arc<[u8]> {
    // SAFETY: all-zero bytes are valid `u8`s.
    unsafe { Arc::new_zeroed_slice(len).assume_init() }
}
