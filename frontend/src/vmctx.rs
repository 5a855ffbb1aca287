//! The vmctx contract: the layout of the per-instance context block that compiled code receives
//! as its first argument, shared by the translator (which emits loads at these offsets), the jit
//! (trampolines) and the runtime (which allocates and fills the block).
//!
//! Layout (all fields 8 bytes, little-endian, 8-byte aligned):
//!
//! ```text
//!   0  memory_base        *mut u8     start of the linear-memory reservation (never moves)
//!   8  memory_size        u64         current accessible size in bytes
//!  16  func_ptrs          *const fn   code pointer per function index (imports: null); a null
//!                                     slot means "not compiled yet" (lazy compilation)
//!  24  table_base         *const TableEntry
//!  32  table_len          u64         number of table entries
//!  40  stack_limit        usize       lowest native SP compiled code may use (stack-overflow check)
//!  48  runtime            *mut ()     the runtime's instance state (opaque to compiled code)
//!  56  dispatches         u64         incremented by every dispatch of Go's
//!                                     `wasm_pc_f_loop_export` (the runtime's idleness probe)
//!  64  tier_budgets       *mut i32    per function index: what baseline code may still run
//!                                     (calls plus loop back-edges) before it asks for the
//!                                     optimizing tier (`Builtin::TierUp`)
//!  72  interrupt          u64         nonzero once the host interrupted the store (written by
//!                                     other threads; read by the runtime's signal handler and
//!                                     builtins, and by code compiled with interrupt checks,
//!                                     which traps `Interrupted` at a backward branch)
//!  80  builtins[..]       fn ptrs     one per `Builtin`, in declaration order
//!  80 + 8*NUM_BUILTINS    globals[..] one 8-byte slot per wasm global (i32/f32 in the low half)
//! ```
//!
//! Globals live inline so that Go's `SP` (global 0) is one load away from vmctx; a later pinned-
//! register scheme only changes how the translator maps global 0, not this layout.

use crate::builtins::Builtin;

/// Offset of the linear-memory base pointer.
pub const MEMORY_BASE: i32 = 0;
/// Offset of the current linear-memory size in bytes.
pub const MEMORY_SIZE: i32 = 8;
/// Offset of the pointer to the function-pointer array (indexed by wasm function index).
pub const FUNC_PTRS: i32 = 16;
/// Offset of the pointer to the `call_indirect` table (an array of [`TableEntry`]).
pub const TABLE_BASE: i32 = 24;
/// Offset of the number of table entries.
pub const TABLE_LEN: i32 = 32;
/// Offset of the native stack limit checked in every function prologue.
pub const STACK_LIMIT: i32 = 40;
/// Offset of the runtime's opaque instance pointer.
pub const RUNTIME: i32 = 48;
/// Offset of the dispatch counter of Go's `wasm_pc_f_loop_export`.
pub const DISPATCHES: i32 = 56;
/// Offset of the pointer to the per-function tier-up budgets (`i32` each, shared by all
/// instances of a module, decremented without synchronization: they are estimates).
pub const TIER_BUDGETS: i32 = 64;
/// Offset of the interrupt flag: nonzero once the host has interrupted the instance's store.
/// The runtime's interrupt signal handler and builtins read it; compiled code with interrupt
/// checks (a runtime that does not interrupt by signal) loads it at every backward branch;
/// function entries need
/// no check of their own, because an interrupt also sets [`STACK_LIMIT`] to
/// [`INTERRUPTED_STACK_LIMIT`], which fails the stack check of every prologue.
pub const INTERRUPT: i32 = 72;
/// Offset of the first builtin function pointer.
pub const BUILTINS: i32 = 80;
/// The stack limit an interrupt stores: above any stack pointer, so that the next function
/// prologue's stack check traps, and small enough that adding a frame size cannot wrap it.
pub const INTERRUPTED_STACK_LIMIT: u64 = 1 << 62;
/// Offset of global 0; global `i` is at `GLOBALS + 8 * i`.
pub const GLOBALS: i32 = BUILTINS + 8 * Builtin::COUNT as i32;

/// Offset of builtin `b`'s function pointer.
pub const fn builtin(b: Builtin) -> i32 {
    BUILTINS + 8 * b as i32
}

/// Offset of global `index`'s slot.
pub const fn global(index: u32) -> i32 {
    GLOBALS + 8 * index as i32
}

/// Size in bytes of the vmctx block for a module with `num_globals` globals.
pub const fn size(num_globals: u32) -> usize {
    GLOBALS as usize + 8 * num_globals as usize
}

/// One `call_indirect` table slot. `sig` is the canonical signature id of the function (the index
/// of the first structurally equal type in the module); `NULL_SIG` marks an empty slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableEntry {
    /// Canonical signature id, or [`TableEntry::NULL_SIG`].
    pub sig: u32,
    /// Wasm function index (valid when `sig != NULL_SIG`).
    pub func: u32,
}

impl TableEntry {
    /// Signature id of an empty (null) slot; no real signature has it.
    pub const NULL_SIG: u32 = u32::MAX;
    /// An empty slot.
    pub const NULL: TableEntry = TableEntry {
        sig: Self::NULL_SIG,
        func: 0,
    };
    /// Byte size of an entry.
    pub const SIZE: u32 = 8;
    /// Offset of `sig` inside an entry.
    pub const SIG_OFFSET: i32 = 0;
    /// Offset of `func` inside an entry.
    pub const FUNC_OFFSET: i32 = 4;
}

/// Largest linear memory gojit supports: 4 GiB (65,536 pages), wasm32's limit.
pub const MAX_MEMORY_PAGES: u64 = 65_536;
/// Wasm page size.
pub const PAGE_SIZE: u64 = 65_536;
/// Bytes reserved for one linear memory: any wasm32 effective address (`u32 index + u32 offset`)
/// is below 8 GiB, so with this much reserved (the part beyond `memory_size` inaccessible)
/// compiled code needs no explicit bounds checks; the accessible prefix is the sandbox boundary.
pub const MEMORY_RESERVATION: u64 = 8 << 30;
/// Extra inaccessible bytes after the reservation so that an access of up to 16 bytes starting
/// just below 8 GiB still faults inside our mapping.
pub const MEMORY_GUARD: u64 = 64 << 10;
