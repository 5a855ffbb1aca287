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

    /// Maps the image copy-on-write at the start of `memory`'s reservation, replacing what was
    /// there, and makes exactly the image's length accessible.
    ///
    /// # Errors
    /// A message if the mapping fails (the memory is then unusable and must be dropped).
    pub(crate) fn map_into(&self, memory: &mut LinearMemory) -> Result<(), String> {
        if self.len == 0 {
            return Ok(());
        }
        // SAFETY: the range is the first `len` bytes of `memory`'s reservation (len ≤ 4 GiB <
        // the reservation), which `memory` owns and nothing else references while `&mut`
        // borrowed; MAP_FIXED replaces those pages with a private view of the image. The rest
        // of the reservation keeps its protection (`LinearMemory` restores the accessible size).
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
