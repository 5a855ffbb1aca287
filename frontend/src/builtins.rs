//! The builtins: runtime functions compiled code calls through vmctx (see [`crate::vmctx`]).
//! One list, used by the translator (signatures and offsets) and by the runtime (which fills the
//! pointers with `extern "C"` shims of exactly these signatures).
//!
//! Every builtin takes the vmctx pointer first. Builtins that can fail return a status that the
//! compiled code turns into a trap at the call site, so the trap is attributed to the guest
//! function that caused it and no Rust frame is ever unwound by a trap.

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::isa::CallConv;

/// A runtime function callable from compiled code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Builtin {
    /// `memory_grow(vmctx, delta_pages: i32) -> i32`: old size in pages, or -1.
    MemoryGrow = 0,
    /// `memory_copy(vmctx, dst: i32, src: i32, len: i32) -> i32`: 0, or 1 when out of bounds.
    MemoryCopy = 1,
    /// `memory_fill(vmctx, dst: i32, value: i32, len: i32) -> i32`: 0, or 1 when out of bounds.
    MemoryFill = 2,
    /// `lazy_compile(vmctx, func_index: i32) -> ptr`: compiles the function (if needed) and
    /// returns its code pointer; traps (never returns) if compilation fails.
    LazyCompile = 3,
    /// `host_call(vmctx, import_index: i32, args: ptr)`: calls import `import_index` with its
    /// arguments in `args[0..n]` (8 bytes each); the result, if any, is written to `args[0]`.
    /// Never returns if the host function terminates the guest (exit or error).
    HostCall = 4,
    /// `memchr(vmctx, s: i32, c: i32, n: i32) -> i64`: Go's `memchr` (internal/bytealg), or
    /// [`Builtin::TRAP`] if the wasm version would trap.
    Memchr = 5,
    /// `memcmp(vmctx, a: i32, b: i32, n: i32) -> i64`: Go's `memcmp`, or [`Builtin::TRAP`].
    Memcmp = 6,
    /// `memeqbody(vmctx, a: i64, b: i64, n: i64) -> i64`: Go's `memeqbody`, or [`Builtin::TRAP`].
    Memeqbody = 7,
    /// `go_kernel(vmctx, kernel: i32, sp: i32) -> i32`: runs the standard-library function
    /// [`GoKernel`] `kernel` natively on the arguments in its Go frame at `sp`, writes its results
    /// into the frame and returns 1; or returns 0, changing nothing, if the wasm version would not
    /// simply return (a nil pointer, a range outside memory, a panic), so the compiled Go body
    /// runs and does whatever it does.
    GoKernel = 8,
    /// `tier_up(vmctx, func_index: i32)`: baseline code of function `func_index` used up its
    /// budget (`vmctx::TIER_BUDGETS`); the runtime queues it for the optimizing tier. Never fails.
    TierUp = 9,
    /// `tier_up_osr(vmctx, func_index: i32, site: i32) -> ptr`: like `TierUp`, at a backward
    /// branch where baseline code can move to optimized code mid-call; returns the on-stack-
    /// replacement entry for `site` once it is compiled, else null (keep running baseline code).
    TierUpOsr = 10,
}

impl Builtin {
    /// Number of builtins (the size of the vmctx builtin array).
    pub const COUNT: usize = 11;
    /// All builtins, in vmctx order.
    pub const ALL: [Builtin; Self::COUNT] = [
        Builtin::MemoryGrow,
        Builtin::MemoryCopy,
        Builtin::MemoryFill,
        Builtin::LazyCompile,
        Builtin::HostCall,
        Builtin::Memchr,
        Builtin::Memcmp,
        Builtin::Memeqbody,
        Builtin::GoKernel,
        Builtin::TierUp,
        Builtin::TierUpOsr,
    ];

    /// What the Go-helper builtins return when the wasm function they replace would trap with
    /// an out-of-bounds access (no valid result is this value).
    pub const TRAP: i64 = i64::MIN;

    /// The builtin's name, for diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::MemoryGrow => "memory_grow",
            Builtin::MemoryCopy => "memory_copy",
            Builtin::MemoryFill => "memory_fill",
            Builtin::LazyCompile => "lazy_compile",
            Builtin::HostCall => "host_call",
            Builtin::Memchr => "memchr",
            Builtin::Memcmp => "memcmp",
            Builtin::Memeqbody => "memeqbody",
            Builtin::GoKernel => "go_kernel",
            Builtin::TierUp => "tier_up",
            Builtin::TierUpOsr => "tier_up_osr",
        }
    }

    /// The Cranelift signature of the builtin for a target whose pointer type is `ptr`.
    pub fn signature(self, ptr: types::Type, call_conv: CallConv) -> Signature {
        let mut sig = Signature::new(call_conv);
        sig.params.push(AbiParam::new(ptr));
        let i32_ = || AbiParam::new(types::I32);
        match self {
            Builtin::MemoryGrow => {
                sig.params.push(i32_());
                sig.returns.push(i32_());
            }
            Builtin::MemoryCopy | Builtin::MemoryFill => {
                sig.params.extend([i32_(), i32_(), i32_()]);
                sig.returns.push(i32_());
            }
            Builtin::LazyCompile => {
                sig.params.push(i32_());
                sig.returns.push(AbiParam::new(ptr));
            }
            Builtin::HostCall => {
                sig.params.push(i32_());
                sig.params.push(AbiParam::new(ptr));
            }
            Builtin::TierUp => sig.params.push(i32_()),
            Builtin::TierUpOsr => {
                sig.params.extend([i32_(), i32_()]);
                sig.returns.push(AbiParam::new(ptr));
            }
            Builtin::Memchr | Builtin::Memcmp => {
                sig.params.extend([i32_(), i32_(), i32_()]);
                sig.returns.push(AbiParam::new(types::I64));
            }
            Builtin::GoKernel => {
                sig.params.extend([i32_(), i32_()]);
                sig.returns.push(i32_());
            }
            Builtin::Memeqbody => {
                sig.params.extend([
                    AbiParam::new(types::I64),
                    AbiParam::new(types::I64),
                    AbiParam::new(types::I64),
                ]);
                sig.returns.push(AbiParam::new(types::I64));
            }
        }
        sig
    }
}

/// A Go standard-library function that native Go runs as assembly and wasm runs as plain Go,
/// with a native implementation of identical results ([`Builtin::GoKernel`]). The translator
/// recognises them by name and body fingerprint (`translate::go_kernels`); the comment of each
/// gives the Go signature whose frame the runtime reads (arguments from `sp+8`, 8-byte slots, a
/// slice is pointer, length and capacity, a string pointer and length; results follow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum GoKernel {
    /// `crypto/internal/fips140/sha256.blockGeneric(dig *Digest, p []byte)`.
    Sha256Block = 0,
    /// `hash/crc32.slicingUpdate(crc uint32, tab *slicing8Table, p []byte) uint32`.
    Crc32Slicing8 = 1,
    /// `internal/bytealg.IndexRabinKarp[go.shape.string](dict, s, sep string) int`.
    IndexRabinKarpString = 2,
    /// `internal/bytealg.IndexRabinKarp[go.shape.[]uint8](dict, s, sep []byte) int`.
    IndexRabinKarpBytes = 3,
    /// `internal/bytealg.LastIndexRabinKarp[go.shape.string](dict, s, sep string) int`.
    LastIndexRabinKarpString = 4,
    /// `internal/bytealg.LastIndexRabinKarp[go.shape.[]uint8](dict, s, sep []byte) int`.
    LastIndexRabinKarpBytes = 5,
    /// `math/big.addVV_g(z, x, y []Word) (c Word)`.
    BigAddVV = 6,
    /// `math/big.subVV_g(z, x, y []Word) (c Word)`.
    BigSubVV = 7,
    /// `math/big.mulAddVWW_g(z, x []Word, y, r Word) (c Word)`.
    BigMulAddVWW = 8,
    /// `math/big.addMulVVWW_g(z, x, y []Word, m, a Word) (c Word)`.
    BigAddMulVVWW = 9,
}

impl GoKernel {
    /// All kernels, in numbering order.
    pub const ALL: [GoKernel; 10] = [
        GoKernel::Sha256Block,
        GoKernel::Crc32Slicing8,
        GoKernel::IndexRabinKarpString,
        GoKernel::IndexRabinKarpBytes,
        GoKernel::LastIndexRabinKarpString,
        GoKernel::LastIndexRabinKarpBytes,
        GoKernel::BigAddVV,
        GoKernel::BigSubVV,
        GoKernel::BigMulAddVWW,
        GoKernel::BigAddMulVVWW,
    ];

    /// The kernel numbered `n` (what compiled code passes to [`Builtin::GoKernel`]).
    pub fn from_u32(n: u32) -> Option<GoKernel> {
        GoKernel::ALL.get(n as usize).copied()
    }
}
