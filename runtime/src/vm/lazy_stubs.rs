//! Lazy-compilation stubs (x86-64 and aarch64 hosts).
//!
//! Until a function is compiled, its slot in the function-pointer array points at a 16-byte
//! stub that puts the function's index in a scratch register (x86-64: `mov r10d, index`;
//! aarch64: `movz`/`movk w16`) and jumps to a common part, which jumps to
//! `gojit_lazy_stub_entry`. That saves the argument registers of the wasm calling convention
//! (System V: six integer and eight vector registers; AAPCS64: x0-x7, the return-area pointer
//! x8 and v0-v7; further arguments are on the stack and stay untouched) and Go's SP register
//! (r15 or x21, Cranelift's pinned register), and calls `vm::lazy_enter` with the caller's
//! vmctx (first argument), the index and the save area. It either returns code (the function
//! compiled now): the stub restores the arguments and jumps there, as if the caller had called
//! it directly; or null: the interpreter ran the call (`crate::interp`) and left its result
//! (rax/x0 or xmm0/v0) and Go's SP in the save area, and the stub returns them. So callers
//! need no null check: every call is one indirect call through the array.
//!
//! The save area's layout (in 8-byte words) is `crate::interp`'s `area` module.
//!
//! The other callee-saved registers are preserved by `lazy_enter` itself, which also ends the
//! guest cleanly if compilation fails or the interpreted call traps.

/// Whether this host has stubs (elsewhere slots of uncompiled functions are null and compiled
/// code checks them).
pub(crate) const SUPPORTED: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".pushsection .text.gojit_lazy_stub_entry,\"ax\",@progbits",
    ".p2align 4",
    ".globl gojit_lazy_stub_entry",
    ".hidden gojit_lazy_stub_entry",
    ".type gojit_lazy_stub_entry,@function",
    "gojit_lazy_stub_entry:",
    // Entered by a jump from a stub, as the callee: [rsp] is the caller's return address.
    "push rbp",
    "mov rbp, rsp",
    "sub rsp, 192",
    "mov [rsp], rdi",
    "mov [rsp + 8], rsi",
    "mov [rsp + 16], rdx",
    "mov [rsp + 24], rcx",
    "mov [rsp + 32], r8",
    "mov [rsp + 40], r9",
    "movdqu [rsp + 48], xmm0",
    "movdqu [rsp + 64], xmm1",
    "movdqu [rsp + 80], xmm2",
    "movdqu [rsp + 96], xmm3",
    "movdqu [rsp + 112], xmm4",
    "movdqu [rsp + 128], xmm5",
    "movdqu [rsp + 144], xmm6",
    "movdqu [rsp + 160], xmm7",
    "mov [rsp + 176], r15",
    // lazy_enter(vmctx = rdi, index = r10d, save area) -> code pointer, or null when it
    // interpreted the call (never returns on failure).
    "mov esi, r10d",
    "mov rdx, rsp",
    "call {lazy_enter}",
    "test rax, rax",
    "jz 2f",
    "mov r11, rax",
    "mov rdi, [rsp]",
    "mov rsi, [rsp + 8]",
    "mov rdx, [rsp + 16]",
    "mov rcx, [rsp + 24]",
    "mov r8, [rsp + 32]",
    "mov r9, [rsp + 40]",
    "movdqu xmm0, [rsp + 48]",
    "movdqu xmm1, [rsp + 64]",
    "movdqu xmm2, [rsp + 80]",
    "movdqu xmm3, [rsp + 96]",
    "movdqu xmm4, [rsp + 112]",
    "movdqu xmm5, [rsp + 128]",
    "movdqu xmm6, [rsp + 144]",
    "movdqu xmm7, [rsp + 160]",
    "mov rsp, rbp",
    "pop rbp",
    "jmp r11",
    // Interpreted: the result (rax or xmm0) and Go's SP (r15) are in the save area.
    "2:",
    "mov r15, [rsp + 176]",
    "mov rax, [rsp]",
    "movdqu xmm0, [rsp + 48]",
    "mov rsp, rbp",
    "pop rbp",
    "ret",
    ".size gojit_lazy_stub_entry, . - gojit_lazy_stub_entry",
    ".popsection",
    lazy_enter = sym crate::vm::builtins::lazy_enter,
);

// SAFETY: declares the symbol the `global_asm!` above defines; Rust only takes its address
// (never calls it), so its non-Rust calling sequence is never used from Rust.
#[cfg(target_arch = "x86_64")]
unsafe extern "C" {
    /// Not callable from Rust: entered only by a jump from a stub (see the module docs).
    fn gojit_lazy_stub_entry();
}

#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".pushsection .text.gojit_lazy_stub_entry,\"ax\",@progbits",
    ".p2align 4",
    ".globl gojit_lazy_stub_entry",
    ".hidden gojit_lazy_stub_entry",
    ".type gojit_lazy_stub_entry,%function",
    "gojit_lazy_stub_entry:",
    // Entered by a branch from a stub, as the callee: x30 is the caller's return address and
    // w16 the function index. Save area (words): x0-x7 at 0-7, x8 at 8, q0-q7 at 10-25, x21
    // at 26.
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "sub sp, sp, #224",
    "stp x0, x1, [sp]",
    "stp x2, x3, [sp, #16]",
    "stp x4, x5, [sp, #32]",
    "stp x6, x7, [sp, #48]",
    "str x8, [sp, #64]",
    "stp q0, q1, [sp, #80]",
    "stp q2, q3, [sp, #112]",
    "stp q4, q5, [sp, #144]",
    "stp q6, q7, [sp, #176]",
    "str x21, [sp, #208]",
    // lazy_enter(vmctx = x0, index = w16, save area) -> code pointer, or null when it
    // interpreted the call (never returns on failure).
    "mov w1, w16",
    "mov x2, sp",
    "bl {lazy_enter}",
    "cbz x0, 2f",
    "mov x17, x0",
    "ldp x0, x1, [sp]",
    "ldp x2, x3, [sp, #16]",
    "ldp x4, x5, [sp, #32]",
    "ldp x6, x7, [sp, #48]",
    "ldr x8, [sp, #64]",
    "ldp q0, q1, [sp, #80]",
    "ldp q2, q3, [sp, #112]",
    "ldp q4, q5, [sp, #144]",
    "ldp q6, q7, [sp, #176]",
    "mov sp, x29",
    "ldp x29, x30, [sp], #16",
    "br x17",
    // Interpreted: the result (x0 or v0) and Go's SP (x21) are in the save area.
    "2:",
    "ldr x21, [sp, #208]",
    "ldr x0, [sp]",
    "ldr q0, [sp, #80]",
    "mov sp, x29",
    "ldp x29, x30, [sp], #16",
    "ret",
    ".size gojit_lazy_stub_entry, . - gojit_lazy_stub_entry",
    ".popsection",
    lazy_enter = sym crate::vm::builtins::lazy_enter,
);

// SAFETY: declares the symbol the `global_asm!` above defines; Rust only takes its address
// (never calls it), so its non-Rust calling sequence is never used from Rust.
#[cfg(target_arch = "aarch64")]
unsafe extern "C" {
    /// Not callable from Rust: entered only by a branch from a stub (see the module docs).
    fn gojit_lazy_stub_entry();
}

/// Bytes per stub (and of the common jump at the start of the region).
const STUB_SIZE: usize = 16;

/// The stubs of one module, in executable memory of their own.
pub(crate) struct LazyStubs {
    base: *mut u8,
    len: usize,
}

// SAFETY: the region is written once in `new`, then only read and executed; its address is
// shared by design.
unsafe impl Send for LazyStubs {}
// SAFETY: as above (immutable after construction).
unsafe impl Sync for LazyStubs {}

impl LazyStubs {
    /// Stubs for functions `0..count`, or `None` if the host has none or memory is short
    /// (callers then fall back to null slots, which compiled code must check).
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn new(count: usize) -> Option<LazyStubs> {
        use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect};
        let index_limit = u32::try_from(count).ok()?;
        let len = (STUB_SIZE * (count + 1)).next_multiple_of(4096);
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let base = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
        }
        .ok()?
        .cast::<u8>();
        // SAFETY: `base..base+len` is the writable mapping just created, owned here.
        let bytes = unsafe { std::slice::from_raw_parts_mut(base, len) };
        bytes.fill(0xCC); // int3 between and after stubs
        // Common part: movabs r11, entry; jmp r11.
        let entry = gojit_lazy_stub_entry as *const () as u64;
        bytes[0..2].copy_from_slice(&[0x49, 0xBB]);
        bytes[2..10].copy_from_slice(&entry.to_le_bytes());
        bytes[10..13].copy_from_slice(&[0x41, 0xFF, 0xE3]);
        for index in 0..index_limit {
            let at = STUB_SIZE * (index as usize + 1);
            let stub = &mut bytes[at..at + STUB_SIZE];
            // mov r10d, index
            stub[0..2].copy_from_slice(&[0x41, 0xBA]);
            stub[2..6].copy_from_slice(&index.to_le_bytes());
            // jmp rel32 to the common part (relative to the end of this 5-byte jmp)
            let rel = -((at + 11) as i64);
            stub[6] = 0xE9;
            stub[7..11].copy_from_slice(&(rel as i32).to_le_bytes());
        }
        let rx = MprotectFlags::READ | MprotectFlags::EXEC;
        // SAFETY: our own mapping; from now on it is only executed.
        let protected = unsafe { mprotect(base.cast(), len, rx) };
        let stubs = LazyStubs { base, len };
        protected.ok()?;
        Some(stubs)
    }

    /// Stubs for functions `0..count`, or `None` if memory is short (callers then fall back
    /// to null slots, which compiled code must check).
    #[cfg(target_arch = "aarch64")]
    pub(crate) fn new(count: usize) -> Option<LazyStubs> {
        use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect};
        // `b` reaches +-128 MiB: plenty for any module's function count.
        let index_limit = u32::try_from(count).ok().filter(|&n| n < (1 << 22))?;
        let len = (STUB_SIZE * (count + 1)).next_multiple_of(4096);
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let base = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
        }
        .ok()?
        .cast::<u8>();
        // SAFETY: `base..base+len` is the writable mapping just created, owned here.
        let bytes = unsafe { std::slice::from_raw_parts_mut(base, len) };
        let put = |bytes: &mut [u8], at: usize, insn: u32| {
            bytes[at..at + 4].copy_from_slice(&insn.to_le_bytes());
        };
        const BRK: u32 = 0xD420_0000; // brk #0 between and after stubs
        for at in (0..len).step_by(4) {
            put(bytes, at, BRK);
        }
        // Common part: ldr x17, 8f; br x17; 8: .quad entry
        let entry = gojit_lazy_stub_entry as *const () as u64;
        put(bytes, 0, 0x5800_0051);
        put(bytes, 4, 0xD61F_0220);
        bytes[8..16].copy_from_slice(&entry.to_le_bytes());
        for index in 0..index_limit {
            let at = STUB_SIZE * (index as usize + 1);
            // movz w16, #(index & 0xffff)
            put(bytes, at, 0x5280_0010 | ((index & 0xFFFF) << 5));
            // movk w16, #(index >> 16), lsl #16
            put(bytes, at + 4, 0x72A0_0010 | ((index >> 16) << 5));
            // b common (offset from this instruction, in words)
            let rel = -((at + 8) as i64) / 4;
            put(bytes, at + 8, 0x1400_0000 | (rel as u32 & 0x03FF_FFFF));
        }
        let rx = MprotectFlags::READ | MprotectFlags::EXEC;
        // SAFETY: our own mapping; from now on it is only executed.
        let protected = unsafe { mprotect(base.cast(), len, rx) };
        let stubs = LazyStubs { base, len };
        protected.ok()?;
        // The instruction cache is not coherent with data: drop stale lines (a previous mapping
        // at this address) and make every core refetch before a stub can run.
        // SAFETY: the range is our mapping.
        unsafe {
            wasmtime_internal_jit_icache_coherence::clear_cache(base.cast_const().cast(), len)
        }
        .ok()?;
        wasmtime_internal_jit_icache_coherence::pipeline_flush_mt().ok()?;
        Some(stubs)
    }

    /// No stubs on this host.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub(crate) fn new(_count: usize) -> Option<LazyStubs> {
        None
    }

    /// The stub of function `index` (< the `count` it was created for).
    pub(crate) fn stub(&self, index: u32) -> *mut u8 {
        let at = STUB_SIZE * (index as usize + 1);
        assert!(at + STUB_SIZE <= self.len, "no stub for function {index}");
        self.base.wrapping_add(at)
    }
}

impl Drop for LazyStubs {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `new` created; no code runs in it any more (the
        // module's code, and with it every instance, is gone).
        let _ = unsafe { rustix::mm::munmap(self.base.cast(), self.len) };
    }
}
