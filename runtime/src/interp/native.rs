//! Calling compiled code from the interpreter (x86-64 System V or AAPCS64):
//! `gojit_interp_call` loads the argument registers from a [`CallArea`], sets Go's SP in
//! Cranelift's pinned register (r15 on x86-64, x21 on aarch64), calls, and stores the result
//! registers and the pinned register back. Compiled code expects SP in that register when
//! `pinned_sp` is on, which Rust cannot express; with it off, it is an ordinary callee-saved
//! register that the callee preserves, so loading it is harmless.

/// The registers of one call: vmctx plus up to five integer and eight float arguments (which
/// registers a signature uses depends only on how many of each kind it has).
#[repr(C)]
pub(crate) struct CallArea {
    pub(crate) func: *const u8,
    pub(crate) vmctx: *mut u64,
    pub(crate) ints: [u64; 5],
    pub(crate) floats: [u64; 8],
    /// Go's SP: in the pinned register for the call, and what the callee left there.
    pub(crate) sp: u64,
    pub(crate) ret_int: u64,
    pub(crate) ret_float: u64,
}

impl CallArea {
    pub(crate) fn new(func: *const u8, vmctx: *mut u64) -> CallArea {
        CallArea {
            func,
            vmctx,
            ints: [0; 5],
            floats: [0; 8],
            sp: 0,
            ret_int: 0,
            ret_float: 0,
        }
    }
}

// Offsets used by the assembly below.
const _: () = {
    assert!(std::mem::offset_of!(CallArea, vmctx) == 8);
    assert!(std::mem::offset_of!(CallArea, ints) == 16);
    assert!(std::mem::offset_of!(CallArea, floats) == 56);
    assert!(std::mem::offset_of!(CallArea, sp) == 120);
    assert!(std::mem::offset_of!(CallArea, ret_int) == 128);
    assert!(std::mem::offset_of!(CallArea, ret_float) == 136);
};

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".pushsection .text.gojit_interp_call,\"ax\",@progbits",
    ".p2align 4",
    ".globl gojit_interp_call",
    ".hidden gojit_interp_call",
    ".type gojit_interp_call,@function",
    "gojit_interp_call:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r15",
    "mov rbx, rdi",
    "mov r15, [rbx + 120]",
    "mov rdi, [rbx + 8]",
    "mov rsi, [rbx + 16]",
    "mov rdx, [rbx + 24]",
    "mov rcx, [rbx + 32]",
    "mov r8, [rbx + 40]",
    "mov r9, [rbx + 48]",
    "movq xmm0, [rbx + 56]",
    "movq xmm1, [rbx + 64]",
    "movq xmm2, [rbx + 72]",
    "movq xmm3, [rbx + 80]",
    "movq xmm4, [rbx + 88]",
    "movq xmm5, [rbx + 96]",
    "movq xmm6, [rbx + 104]",
    "movq xmm7, [rbx + 112]",
    "call qword ptr [rbx]",
    "mov [rbx + 128], rax",
    "movq [rbx + 136], xmm0",
    "mov [rbx + 120], r15",
    "pop r15",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size gojit_interp_call, . - gojit_interp_call",
    ".popsection",
);

#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".pushsection .text.gojit_interp_call,\"ax\",@progbits",
    ".p2align 4",
    ".globl gojit_interp_call",
    ".hidden gojit_interp_call",
    ".type gojit_interp_call,%function",
    "gojit_interp_call:",
    "stp x29, x30, [sp, #-32]!",
    "mov x29, sp",
    "stp x19, x21, [sp, #16]",
    "mov x19, x0",
    "ldr x21, [x19, #120]",
    "ldr x0, [x19, #8]",
    "ldp x1, x2, [x19, #16]",
    "ldp x3, x4, [x19, #32]",
    "ldr x5, [x19, #48]",
    "ldp d0, d1, [x19, #56]",
    "ldp d2, d3, [x19, #72]",
    "ldp d4, d5, [x19, #88]",
    "ldp d6, d7, [x19, #104]",
    "ldr x16, [x19]",
    "blr x16",
    "str x0, [x19, #128]",
    "str d0, [x19, #136]",
    "str x21, [x19, #120]",
    "ldp x19, x21, [sp, #16]",
    "ldp x29, x30, [sp], #32",
    "ret",
    ".size gojit_interp_call, . - gojit_interp_call",
    ".popsection",
);

// SAFETY: declares the symbol a `global_asm!` above defines, with the C signature it
// implements (one pointer argument, System V or AAPCS64).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
unsafe extern "C" {
    /// Makes the call `area` describes (see the module docs).
    fn gojit_interp_call(area: *mut CallArea);
}

/// Makes the call `area` describes.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) fn call_native(area: &mut CallArea) {
    // The interpreter builds areas only for its own instance's code (a `func_ptrs` slot or an
    // OSR entry), which runs on this guest stack as any call from compiled code would.
    // SAFETY: `area` holds that code, the instance's vmctx and arguments of the callee's type.
    unsafe { gojit_interp_call(area) }
}

/// No interpreter on other hosts (it is only enabled with lazy-compilation stubs).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) fn call_native(_area: &mut CallArea) {
    unreachable!("the interpreter runs only on x86-64 and aarch64 hosts")
}
