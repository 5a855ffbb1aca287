//! Linear memory: one 8 GiB (+ guard) reservation per instance, of which the first `size` bytes
//! are readable and writable. Growing makes more of the reservation accessible; the base never
//! moves, so compiled code can keep it in a register.
//!
//! SANDBOX-CRITICAL: compiled code does no bounds checks (see `frontend/src/translate/memory.rs`).
//! Its safety rests on two invariants kept here: (1) the reservation covers every address a
//! wasm32 access can form (`u32 index + u32 offset + access size`), and (2) exactly
//! `[base, base + size)` is accessible, everything after it up to the end of the reservation
//! stays `PROT_NONE` (faults there are reported as `MemoryOutOfBounds`).

use gojit_frontend::vmctx::{MAX_MEMORY_PAGES, MEMORY_GUARD, MEMORY_RESERVATION, PAGE_SIZE};
use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect, munmap};
use std::ptr::NonNull;

/// Most written bytes a reset copies back from the image (see
/// [`LinearMemory::reset_to_image`]); a run that wrote more has its pages discarded instead. It
/// bounds the private memory an idle pooled memory keeps (a pool keeps at most 64).
const KEEP_RESIDENT: usize = 1 << 20;

/// A linear memory and its reservation.
pub struct LinearMemory {
    base: NonNull<u8>,
    size: u64,
    max_pages: u64,
}

impl LinearMemory {
    const RESERVED: usize = (MEMORY_RESERVATION + MEMORY_GUARD) as usize;

    /// Reserves the address space and makes `initial_pages` accessible (zeroed).
    ///
    /// # Errors
    /// A message if the reservation or protection change fails, or `initial_pages` exceeds the
    /// maximum.
    pub fn new(initial_pages: u64, max_pages: Option<u64>) -> Result<LinearMemory, String> {
        let max_pages = max_pages.unwrap_or(MAX_MEMORY_PAGES).min(MAX_MEMORY_PAGES);
        if initial_pages > max_pages {
            return Err(format!(
                "memory needs {initial_pages} pages, more than its maximum {max_pages}"
            ));
        }
        // SAFETY: a fresh anonymous PROT_NONE mapping at an address the kernel picks aliases
        // nothing; NORESERVE because only the accessible prefix is ever committed.
        let base = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                Self::RESERVED,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }
        .map_err(|e| {
            format!(
                "cannot reserve {} GiB for linear memory: {e}",
                Self::RESERVED >> 30
            )
        })?;
        let base = NonNull::new(base.cast::<u8>()).ok_or("mmap returned null")?;
        let mut mem = LinearMemory {
            base,
            size: 0,
            max_pages,
        };
        mem.set_size(initial_pages * PAGE_SIZE)?;
        Ok(mem)
    }

    /// A memory whose contents start as `image` (mapped copy-on-write, see
    /// [`super::image`]) and that may grow to `max_pages`.
    ///
    /// # Errors
    /// As [`LinearMemory::new`], or if the image cannot be mapped.
    pub(crate) fn with_image(
        image: &super::image::MemoryImage,
        max_pages: u64,
    ) -> Result<LinearMemory, String> {
        let mut mem = LinearMemory::new(0, Some(max_pages))?;
        if image.len() > mem.max_pages * PAGE_SIZE {
            return Err(format!(
                "the memory image ({} bytes) exceeds the maximum of {} pages",
                image.len(),
                mem.max_pages
            ));
        }
        image.map_into(&mut mem)?;
        // The mapping made exactly the image accessible (invariant (2) above holds: the rest
        // of the reservation is still PROT_NONE).
        mem.size = image.len();
        Ok(mem)
    }

    /// Resets a memory made by [`LinearMemory::with_image`] to `image`.
    ///
    /// The image part: where the kernel can list the pages written since (see
    /// [`super::pagemap`]) and they are at most [`KEEP_RESIDENT`] bytes, the image is copied back
    /// over just those pages, which stay private and writable for the next instance (no TLB
    /// flush, no copy-on-write fault next time). Otherwise every page is discarded
    /// (`MADV_DONTNEED` on a private file mapping drops the private copies, so the next access
    /// reads the image again). What the memory grew beyond the image is discarded (it reads as
    /// zero next time) and made inaccessible again.
    ///
    /// SANDBOX-CRITICAL: an instance's writes must never reach the next one. Only a memory whose
    /// first `image.len()` bytes map `image` (which is never written) may be reset this way; a
    /// page the scan does not report is still the image's own page.
    ///
    /// # Errors
    /// A message if a system call fails; the memory must then be dropped, not reused.
    pub(crate) fn reset_to_image(
        &mut self,
        image: &super::image::MemoryImage,
    ) -> Result<(), String> {
        use rustix::mm::{Advice, madvise};
        let len = image.len();
        if self.size < len {
            return Err("the memory is smaller than its image".into());
        }
        let fail = |e: rustix::io::Errno| format!("cannot reset linear memory: {e}");
        if self.size > len {
            // Its pages are dropped (zero next time); PROT_NONE restores invariant (2) for `len`.
            // SAFETY: [base+len, base+size) is inside the reservation, beyond the image mapping,
            // and unreferenced (the instance is gone, `&mut self` is unique).
            unsafe {
                let grown = self.base.as_ptr().add(len as usize).cast();
                madvise(grown, (self.size - len) as usize, Advice::LinuxDontNeed).map_err(fail)?;
                mprotect(grown, (self.size - len) as usize, MprotectFlags::empty())
                    .map_err(fail)?;
            }
            self.size = len;
        }
        let base = self.base.as_ptr() as usize;
        if let Some(written) = super::pagemap::written_ranges(base, len as usize, KEEP_RESIDENT) {
            for range in written {
                let offset = range.start - base;
                image.read_into(
                    offset as u64,
                    &mut self.bytes_mut()[offset..range.end - base],
                )?;
            }
            return Ok(());
        }
        // SAFETY: [base, base+len) is this memory's accessible range, which nothing references
        // (the instance is gone and `&mut self` is unique); discarding its pages changes only
        // its contents, to the image's.
        unsafe {
            madvise(
                self.base.as_ptr().cast(),
                len as usize,
                Advice::LinuxDontNeed,
            )
        }
        .map_err(fail)?;
        Ok(())
    }

    /// The most pages this memory may grow to.
    pub(crate) fn max_pages(&self) -> u64 {
        self.max_pages
    }

    fn set_size(&mut self, new_size: u64) -> Result<(), String> {
        if new_size > self.size {
            // SAFETY: [base+size, base+new_size) lies inside our reservation (new_size ≤ 4 GiB <
            // RESERVED) and is PROT_NONE; making it RW exposes fresh zero pages only.
            unsafe {
                mprotect(
                    self.base.as_ptr().add(self.size as usize).cast(),
                    (new_size - self.size) as usize,
                    MprotectFlags::READ | MprotectFlags::WRITE,
                )
            }
            .map_err(|e| format!("cannot commit linear memory: {e}"))?;
        }
        self.size = new_size;
        Ok(())
    }

    /// `memory.grow`: the old size in pages, or `None` if the memory cannot grow that much.
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> {
        let old = self.size / PAGE_SIZE;
        let new = old.checked_add(delta_pages)?;
        if new > self.max_pages {
            return None;
        }
        self.set_size(new * PAGE_SIZE).ok()?;
        Some(old)
    }

    /// Base address (start of the reservation).
    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Accessible size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The address range of the whole reservation, guard included.
    pub fn reservation(&self) -> std::ops::Range<usize> {
        let start = self.base.as_ptr() as usize;
        start..start + Self::RESERVED
    }

    /// The accessible bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: [base, base+size) is mapped RW for as long as `self` lives, and guest code does
        // not run while this shared borrow exists (guest code runs only inside `&mut` calls).
        unsafe { std::slice::from_raw_parts(self.base.as_ptr(), self.size as usize) }
    }

    /// The accessible bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and the `&mut self` borrow makes this view unique.
        unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), self.size as usize) }
    }
}

// SAFETY: a `LinearMemory` owns its reservation exclusively (no other value maps or references
// it), and nothing about a mapping is tied to the thread that made it, so it may move to
// another thread (a snapshot's pool of reset memories is shared by the threads that use it).
unsafe impl Send for LinearMemory {}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the reservation made in `new`; no reference into it outlives
        // `self` (views borrow `self`).
        let _ = unsafe { munmap(self.base.as_ptr().cast(), Self::RESERVED) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_up_to_the_maximum_and_zero_fills() {
        let mut m = LinearMemory::new(1, Some(3)).unwrap();
        assert_eq!(m.size(), PAGE_SIZE);
        m.bytes_mut()[0] = 7;
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.bytes().len() as u64, 3 * PAGE_SIZE);
        assert!(m.bytes()[PAGE_SIZE as usize..].iter().all(|&b| b == 0));
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(3));
        assert_eq!(m.bytes()[0], 7);
    }

    #[test]
    fn reset_restores_the_image_after_few_many_and_grown_writes() {
        use crate::vm::image::MemoryImage;
        let image_bytes: Vec<u8> = (0..40 * PAGE_SIZE as usize)
            .map(|i| (i % 251) as u8)
            .collect();
        let image = MemoryImage::new(&image_bytes).unwrap();
        let mut m = LinearMemory::with_image(&image, 64).unwrap();
        // A few pages (copied back), then more than KEEP_RESIDENT (discarded: 2 MiB of the
        // 2.5 MiB image), then writes into
        // pages the memory grew by (discarded and made inaccessible again).
        for written in [3 * 4096, 2 * KEEP_RESIDENT] {
            for i in (0..written).step_by(512) {
                m.bytes_mut()[i % image_bytes.len()] ^= 0x5a;
            }
            m.reset_to_image(&image).unwrap();
            assert_eq!(m.size(), image.len());
            assert!(
                m.bytes() == &image_bytes[..],
                "after writing {written} bytes"
            );
        }
        assert_eq!(m.grow(2), Some(40));
        m.bytes_mut()[0] = 1;
        m.bytes_mut()[41 * PAGE_SIZE as usize] = 1;
        m.reset_to_image(&image).unwrap();
        assert_eq!(m.size(), image.len());
        assert!(m.bytes() == &image_bytes[..]);
        assert_eq!(m.grow(2), Some(40));
        assert!(m.bytes()[40 * PAGE_SIZE as usize..].iter().all(|&b| b == 0));
    }

    #[test]
    fn can_grow_to_4_gib() {
        let mut m = LinearMemory::new(0, None).unwrap();
        assert_eq!(m.grow(MAX_MEMORY_PAGES), Some(0));
        assert_eq!(m.size(), 4 << 30);
        assert_eq!(m.grow(1), None);
    }
}
