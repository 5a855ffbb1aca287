//! Which pages of a copy-on-write image mapping an instance wrote, asked of the kernel with the
//! `PAGEMAP_SCAN` ioctl on `/proc/self/pagemap` (Linux 6.7+).
//!
//! A pooled memory is reset to its image after each instance (see
//! [`super::memory::LinearMemory::reset_to_image`]). Dropping every page with `MADV_DONTNEED`
//! makes the kernel flush the TLBs of every CPU the process runs on (an inter-processor
//! interrupt per reset, which serialises threads that instantiate side by side), and the next
//! instance then copies each page it writes again on a fault. Copying the image back over only the
//! pages that were written needs neither: the mapping does not change. The written pages of a
//! `MAP_PRIVATE` file mapping are exactly those that are no longer the file's pages (anonymous
//! private copies, present or swapped out), which is what this asks for.
//!
//! Where the ioctl does not exist (older kernels, other systems) [`written_ranges`] returns
//! `None` and the caller falls back to `MADV_DONTNEED`.

use std::ops::Range;
use std::sync::OnceLock;

// From <linux/fs.h>.
const PAGE_IS_FILE: u64 = 1 << 2;
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_SWAPPED: u64 = 1 << 4;
const PAGE_IS_PFNZERO: u64 = 1 << 5;

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

#[repr(C)]
#[derive(Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// `_IOWR('f', 16, struct pm_scan_arg)`.
const PAGEMAP_SCAN: u64 = (3 << 30) | ((size_of::<PmScanArg>() as u64) << 16) | (0x66 << 8) | 16;

/// `/proc/self/pagemap`, opened once; `None` if it cannot be opened.
fn pagemap() -> Option<&'static std::fs::File> {
    static PAGEMAP: OnceLock<Option<std::fs::File>> = OnceLock::new();
    PAGEMAP
        .get_or_init(|| std::fs::File::open("/proc/self/pagemap").ok())
        .as_ref()
}

/// The page-aligned ranges of `[start, start + len)` (addresses of this process) that hold
/// private anonymous pages, i.e. the pages of a copy-on-write file mapping that were written;
/// `None` if the kernel cannot say (no `PAGEMAP_SCAN`) or the written pages exceed `max_bytes`
/// in total (the caller then discards the whole range instead).
pub(crate) fn written_ranges(
    start: usize,
    len: usize,
    max_bytes: usize,
) -> Option<Vec<Range<usize>>> {
    use std::os::fd::AsRawFd;
    let fd = pagemap()?.as_raw_fd();
    let mut regions = [PageRegion::default(); 32];
    let mut found = Vec::new();
    let mut total = 0usize;
    let end = start.checked_add(len)? as u64;
    let mut at = start as u64;
    while at < end {
        let mut arg = PmScanArg {
            size: size_of::<PmScanArg>() as u64,
            start: at,
            end,
            vec: regions.as_mut_ptr() as u64,
            vec_len: regions.len() as u64,
            // Present or swapped out, and neither the file's page nor the shared zero page.
            category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
            category_mask: PAGE_IS_FILE | PAGE_IS_PFNZERO,
            category_inverted: PAGE_IS_FILE | PAGE_IS_PFNZERO,
            return_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
            ..PmScanArg::default()
        };
        // SAFETY: PAGEMAP_SCAN only reads the page tables of the given range of this process and
        // writes at most `vec_len` `PageRegion`s to `vec` (a live, exclusively borrowed array)
        // and `walk_end` to `arg` (a live local); the struct layouts are those of <linux/fs.h>.
        let n = unsafe { libc::ioctl(fd, PAGEMAP_SCAN as _, &mut arg as *mut PmScanArg) };
        if n < 0 {
            return None;
        }
        for r in &regions[..n as usize] {
            total += (r.end - r.start) as usize;
            if total > max_bytes {
                return None;
            }
            found.push(r.start as usize..r.end as usize);
        }
        if arg.walk_end <= at {
            return None;
        }
        at = arg.walk_end;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::image::MemoryImage;
    use crate::vm::memory::LinearMemory;
    use gojit_frontend::vmctx::PAGE_SIZE;

    #[test]
    fn finds_exactly_the_written_pages_of_an_image_mapping() {
        let mut bytes = vec![0u8; 2 * PAGE_SIZE as usize];
        bytes[5] = 1;
        bytes[70_000] = 2;
        let image = MemoryImage::new(&bytes).unwrap();
        let mut mem = LinearMemory::with_image(&image, 4).unwrap();
        let base = mem.base() as usize;
        let len = mem.size() as usize;
        let Some(none) = written_ranges(base, len, usize::MAX) else {
            eprintln!(
                "PAGEMAP_SCAN is not available here; the fallback is tested by the pool tests"
            );
            return;
        };
        assert!(none.is_empty(), "nothing written yet: {none:x?}");
        // Reads map the file's pages (or holes): not written.
        let sum: u64 = mem.bytes().iter().map(|&b| b as u64).sum();
        assert_eq!(sum, 3);
        assert!(written_ranges(base, len, usize::MAX).unwrap().is_empty());
        mem.bytes_mut()[4096 * 3 + 1] = 9;
        mem.bytes_mut()[4096 * 4] = 9;
        mem.bytes_mut()[4096 * 20] = 9;
        let w = written_ranges(base, len, usize::MAX).unwrap();
        assert_eq!(
            w,
            vec![
                base + 4096 * 3..base + 4096 * 5,
                base + 4096 * 20..base + 4096 * 21
            ]
        );
        // Over the limit: the caller is told to discard everything instead.
        assert!(written_ranges(base, len, 4096 * 2).is_none());
    }
}
