//! Memory images: the contents of a linear memory frozen in a snapshot, kept in an anonymous
//! in-memory file (`memfd`) that every instance made from the snapshot maps copy-on-write
//! (`MAP_PRIVATE`). An instance's memory then starts as the image without copying it: pages are
//! shared with the page cache until the instance writes them, and all-zero pages of the image are
//! holes that cost nothing.

use super::memory::LinearMemory;
use rustix::fd::OwnedFd;
use rustix::fs::{MemfdFlags, ftruncate, memfd_create};
use rustix::io::pwrite;
use rustix::mm::{MapFlags, ProtFlags, mmap};

/// The frozen contents of a linear memory.
pub(crate) struct MemoryImage {
    fd: OwnedFd,
    /// Bytes in the image (the memory's size when it was frozen, a multiple of the wasm page).
    len: u64,
}

/// The granularity at which all-zero ranges are left as holes.
const CHUNK: usize = 4096;

impl MemoryImage {
    /// An image of `bytes` (a whole linear memory).
    ///
    /// # Errors
    /// A message if the in-memory file cannot be made or written.
    pub(crate) fn new(bytes: &[u8]) -> Result<MemoryImage, String> {
        let fail = |what: &str, e: rustix::io::Errno| format!("memory image: {what}: {e}");
        let fd = memfd_create("gojit-memory-image", MemfdFlags::CLOEXEC)
            .map_err(|e| fail("memfd_create", e))?;
        ftruncate(&fd, bytes.len() as u64).map_err(|e| fail("ftruncate", e))?;
        // Runs of non-zero pages are written with one call each; zero pages stay holes.
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..(i + CHUNK).min(bytes.len())]
                .iter()
                .all(|&b| b == 0)
            {
                i += CHUNK;
                continue;
            }
            let mut end = i + CHUNK;
            while end < bytes.len()
                && !bytes[end..(end + CHUNK).min(bytes.len())]
                    .iter()
                    .all(|&b| b == 0)
            {
                end += CHUNK;
            }
            let end = end.min(bytes.len());
            let mut at = i;
            while at < end {
                let n = pwrite(&fd, &bytes[at..end], at as u64).map_err(|e| fail("pwrite", e))?;
                at += n;
            }
            i = end;
        }
        Ok(MemoryImage {
            fd,
            len: bytes.len() as u64,
        })
    }

    /// Size of the image in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Copies the image's bytes at `offset..offset + dst.len()` into `dst` (holes read as
    /// zeros).
    ///
    /// # Errors
    /// A message if the range is outside the image or the read fails.
    pub(crate) fn read_into(&self, offset: u64, dst: &mut [u8]) -> Result<(), String> {
        if offset
            .checked_add(dst.len() as u64)
            .is_none_or(|end| end > self.len)
        {
            return Err("read outside the memory image".into());
        }
        let mut done = 0;
        while done < dst.len() {
            let n = rustix::io::pread(&self.fd, &mut dst[done..], offset + done as u64)
                .map_err(|e| format!("cannot read the memory image: {e}"))?;
            if n == 0 {
                return Err("the memory image is shorter than its length".into());
            }
            done += n;
        }
        Ok(())
    }

    /// Maps the image copy-on-write at the start of `memory`'s reservation, replacing what was
    /// there, and makes exactly the image's length accessible.
    ///
    /// # Errors
    /// A message if the mapping fails (the memory is then unusable and must be dropped).
    pub(crate) fn map_into(&self, memory: &mut LinearMemory) -> Result<(), String> {
        if self.len == 0 {
            return Ok(());
        }
        // The rest of the reservation keeps its protection (the caller sets the accessible size).
        // SAFETY: the first `len` bytes (≤ 4 GiB) of `memory`'s reservation, which it owns and
        // nothing references while `&mut` borrowed; MAP_FIXED puts a private image view there.
        unsafe {
            mmap(
                memory.base().cast(),
                self.len as usize,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::FIXED,
                &self.fd,
                0,
            )
        }
        .map_err(|e| format!("cannot map a memory image: {e}"))?;
        Ok(())
    }
}

/// A memory image and the memories of dropped instances that started from it, reset to it (see
/// [`LinearMemory::reset_to_image`]): the next instance takes one without `mmap`, `munmap` or
/// `mprotect`. Used for snapshots and for a module's initial memory (its data segments applied).
pub(crate) struct MemoryPool {
    image: MemoryImage,
    idle: std::sync::Mutex<Vec<LinearMemory>>,
}

/// Most reset memories a pool keeps. Each is an 8 GiB reservation holding no private pages
/// once reset (its page tables remain).
const MAX_IDLE_MEMORIES: usize = 64;

impl MemoryPool {
    pub(crate) fn new(image: MemoryImage) -> MemoryPool {
        MemoryPool {
            image,
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The image.
    pub(crate) fn image(&self) -> &MemoryImage {
        &self.image
    }

    /// A memory holding the image that may grow to `max_pages`: a reset one from the pool when
    /// its maximum matches, else a new mapping.
    ///
    /// # Errors
    /// As [`LinearMemory::with_image`] (the image is larger than `max_pages`, or mapping fails).
    pub(crate) fn take(&self, max_pages: u64) -> Result<LinearMemory, String> {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            match idle.last() {
                Some(m) if m.max_pages() == max_pages => idle.pop(),
                _ => None,
            }
        };
        match reused {
            Some(m) => Ok(m),
            None => LinearMemory::with_image(&self.image, max_pages),
        }
    }

    /// Takes back the memory of a dropped instance that came from [`MemoryPool::take`]: resets
    /// it to the image and keeps it, or frees it if the reset fails or the pool is full.
    pub(crate) fn recycle(&self, mut memory: LinearMemory) {
        if self.idle.lock().unwrap_or_else(|e| e.into_inner()).len() >= MAX_IDLE_MEMORIES {
            return;
        }
        if memory.reset_to_image(&self.image).is_ok() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(memory);
        }
    }
}

/// The image of `info`'s memory at instantiation (its minimum size, data segments applied), or
/// `None` if it has no memory or a segment does not fit (instantiation then traps, as usual).
pub(crate) fn initial_image(
    info: &gojit_frontend::module::ModuleInfo,
) -> Option<Result<MemoryImage, String>> {
    let m = info.memory?;
    let len = usize::try_from(m.min_pages.checked_mul(gojit_frontend::vmctx::PAGE_SIZE)?).ok()?;
    let mut bytes = vec![0u8; len];
    for seg in &info.data {
        let src = &info.bytes[seg.range.clone()];
        let start = seg.offset as usize;
        bytes
            .get_mut(start..start.checked_add(src.len())?)?
            .copy_from_slice(src);
    }
    Some(MemoryImage::new(&bytes))
}
