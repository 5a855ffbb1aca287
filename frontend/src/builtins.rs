//! The builtins: runtime functions compiled code calls through vmctx (see [`crate::vmctx`]).
//! One list, used by the translator (signatures and offsets) and by the runtime (which fills the
//! pointers with `extern "C"` shims of exactly these signatures).
//!
//! Every builtin takes the vmctx pointer first. Builtins that can fail return a status that the
//! compiled code turns into a trap at the call site, so the trap is attributed to the guest
//! function that caused it and no Rust frame is ever unwound by a trap.

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::isa::CallConv;

/// Calls `$mac!` with the list of builtins, in vmctx order: for each, its doc comment, its
/// [`Builtin`] variant, its name, its parameters after the vmctx pointer and its result, with
/// types `i32`, `i64`, `ptr` (a pointer) and `()` (no result). The one place the builtin set is
/// written: this crate derives [`Builtin`] and [`Builtin::signature`] from it, the runtime the
/// table of its `extern "C"` shims (whose Rust types must match: a test checks each one).
#[macro_export]
macro_rules! for_each_builtin {
    ($mac:ident) => {
        $mac! {
            /// `memory_grow(vmctx, delta_pages: i32) -> i32`: old size in pages, or -1.
            MemoryGrow memory_grow(delta: i32) -> i32;
            /// `memory_copy(vmctx, dst: i32, src: i32, len: i32) -> i32`: 0, or 1 when out of
            /// bounds.
            MemoryCopy memory_copy(dst: i32, src: i32, len: i32) -> i32;
            /// `memory_fill(vmctx, dst: i32, value: i32, len: i32) -> i32`: 0, or 1 when out of
            /// bounds.
            MemoryFill memory_fill(dst: i32, value: i32, len: i32) -> i32;
            /// `lazy_compile(vmctx, func_index: i32) -> ptr`: compiles the function (if needed)
            /// and returns its code pointer; traps (never returns) if compilation fails.
            LazyCompile lazy_compile(func_index: i32) -> ptr;
            /// `host_call(vmctx, import_index: i32, args: ptr)`: calls import `import_index` with
            /// its arguments in `args[0..n]` (8 bytes each); the result, if any, is written to
            /// `args[0]`. Never returns if the host function terminates the guest (exit or
            /// error).
            HostCall host_call(import_index: i32, args: ptr) -> ();
            /// `memchr(vmctx, s: i32, c: i32, n: i32) -> i64`: Go's `memchr`
            /// (internal/bytealg), or [`Builtin::TRAP`] if the wasm version would trap.
            Memchr memchr(s: i32, c: i32, n: i32) -> i64;
            /// `memcmp(vmctx, a: i32, b: i32, n: i32) -> i64`: Go's `memcmp`, or
            /// [`Builtin::TRAP`].
            Memcmp memcmp(a: i32, b: i32, n: i32) -> i64;
            /// `memeqbody(vmctx, a: i64, b: i64, n: i64) -> i64`: Go's `memeqbody`, or
            /// [`Builtin::TRAP`].
            Memeqbody memeqbody(a: i64, b: i64, n: i64) -> i64;
            /// `go_kernel(vmctx, kernel: i32, sp: i32) -> i32`: runs the standard-library
            /// function [`GoKernel`] `kernel` natively on the arguments in its Go frame at `sp`,
            /// writes its results into the frame and returns 1; or returns 0, changing nothing,
            /// if the wasm version would not simply return (a nil pointer, a range outside
            /// memory, a panic), so the compiled Go body runs and does whatever it does.
            GoKernel go_kernel(kernel: i32, sp: i32) -> i32;
            /// `tier_up(vmctx, func_index: i32)`: baseline code of function `func_index` used up
            /// its budget (`vmctx::TIER_BUDGETS`); the runtime queues it for the optimizing
            /// tier. Never fails.
            TierUp tier_up(func_index: i32) -> ();
            /// `tier_up_osr(vmctx, func_index: i32, site: i32) -> ptr`: like `TierUp`, at a
            /// backward branch where baseline code can move to optimized code mid-call; returns
            /// the on-stack-replacement entry for `site` once it is compiled, else null (keep
            /// running baseline code).
            TierUpOsr tier_up_osr(func_index: i32, site: i32) -> ptr;
        }
    };
}

/// The Cranelift type of a builtin parameter or result type of [`for_each_builtin!`].
macro_rules! clif_type {
    (i32, $ptr:expr) => {
        types::I32
    };
    (i64, $ptr:expr) => {
        types::I64
    };
    (ptr, $ptr:expr) => {
        $ptr
    };
}

/// Defines [`Builtin`] and its list-derived items from [`for_each_builtin!`].
macro_rules! define_builtins {
    ($($(#[$doc:meta])* $variant:ident $name:ident($($param:ident: $pty:tt),*) -> $ret:tt;)*) => {
        /// A runtime function callable from compiled code (the list: [`for_each_builtin!`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum Builtin {
            $($(#[$doc])* $variant,)*
        }

        impl Builtin {
            /// Number of builtins (the size of the vmctx builtin array).
            pub const COUNT: usize = [$(stringify!($variant)),*].len();
            /// All builtins, in vmctx order.
            pub const ALL: [Builtin; Self::COUNT] = [$(Builtin::$variant),*];

            /// The builtin's name, for diagnostics.
            pub fn name(self) -> &'static str {
                match self {
                    $(Builtin::$variant => stringify!($name),)*
                }
            }

            /// The Cranelift signature of the builtin for a target whose pointer type is `ptr`:
            /// the vmctx pointer, then the parameters of the list.
            pub fn signature(self, ptr: types::Type, call_conv: CallConv) -> Signature {
                let mut sig = Signature::new(call_conv);
                sig.params.push(AbiParam::new(ptr));
                match self {
                    $(Builtin::$variant => {
                        $(sig.params.push(AbiParam::new(clif_type!($pty, ptr)));)*
                        define_builtins!(@ret sig, ptr, $ret);
                    })*
                }
                sig
            }
        }
    };
    (@ret $sig:ident, $ptr:ident, ()) => {};
    (@ret $sig:ident, $ptr:ident, $ret:tt) => {
        $sig.returns.push(AbiParam::new(clif_type!($ret, $ptr)));
    };
}

for_each_builtin!(define_builtins);

impl Builtin {
    /// What the Go-helper builtins return when the wasm function they replace would trap with
    /// an out-of-bounds access (no valid result is this value).
    pub const TRAP: i64 = i64::MIN;
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
