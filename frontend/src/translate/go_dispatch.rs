//! Go-aware lowering: direct branches for Go's resume-point dispatch (`thread_dispatch`).
//!
//! Go compiles every intra-function jump as `i32.const K; local.set 0; br $dispatch`, where
//! `$dispatch` is a loop whose body starts with nested `block`s and `local.get 0; br_table`
//! selecting the resume point (go-wasm-abi.md §4.5). A generic translation turns every loop
//! back-edge of the Go program into a jump to the loop header plus an indirect `br_table` jump.
//!
//! When a loop's body begins with nothing but `block`s, `local.get 0` and a `br_table` on that
//! value (so entering the loop has no effect other than selecting a target), a `br` to the loop
//! while local 0 holds a known constant `K` is equivalent to jumping straight to the target the
//! `br_table` would pick for `K` — with local 0 still equal to `K`. The translator records the
//! table when it sees it and rewrites such branches into direct jumps. Branches whose local 0 is
//! not a constant keep going through the header. Targets of a recorded table may now be reached
//! from code after their `end`, so their sealing is deferred to the end of the loop.

use super::FuncTranslator;
use super::control::FrameKind;
use cranelift_codegen::ir::{Block, InstructionData, Opcode, Value};

/// The recorded dispatch table of a loop: the block `br_table` selects for each index, and its
/// default.
#[derive(Debug)]
pub(crate) struct DispatchTable {
    pub(crate) targets: Vec<Block>,
    pub(crate) default: Block,
}

/// Which Go-aware lowerings the translator applies. Each can be turned off to measure its effect
/// or to bisect a bug; all are on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GoOptimizations {
    /// Direct branches for Go's resume-point dispatch (this module).
    pub thread_dispatch: bool,
    /// Native implementations of Go's wasm assembly helpers (`go_intrinsics`).
    pub native_helpers: bool,
    /// A direct branch for resume point 0 (every call's entry) before a `br_table` on local 0,
    /// instead of the jump-table dispatch (`fast_entry_target`).
    pub fast_entry: bool,
    /// Go's stack pointer (global 0) in Cranelift's pinned register, in modules with Go's global
    /// layout (see `go_sp.rs`).
    pub pinned_sp: bool,
    /// Guarded native kernels for standard-library functions (`go_kernels.rs`).
    pub native_kernels: bool,
    /// One high-word multiply for Go's four-partial-product lowering of `bits.Mul64` and of
    /// division by constants (`go_mulhi.rs`).
    pub mul_high: bool,
    /// Small callees translated inline in the optimizing tier (`go_inline.rs`).
    pub inline_small: bool,
}

impl Default for GoOptimizations {
    fn default() -> Self {
        GoOptimizations {
            thread_dispatch: true,
            native_helpers: true,
            fast_entry: true,
            pinned_sp: true,
            native_kernels: true,
            mul_high: true,
            inline_small: true,
        }
    }
}

impl GoOptimizations {
    /// Everything off: the plain wasm translation.
    pub const NONE: GoOptimizations = GoOptimizations {
        thread_dispatch: false,
        native_helpers: false,
        fast_entry: false,
        pinned_sp: false,
        native_kernels: false,
        mul_high: false,
        inline_small: false,
    };
}

/// Tracks whether the code since the innermost loop header can still be a dispatch prologue.
#[derive(Debug, Default)]
pub(crate) struct DispatchScan {
    /// Control-stack index of the loop whose prologue is being scanned.
    pub(crate) loop_frame: Option<usize>,
    /// The value `local.get 0` pushed in that prologue, if it is on top of the stack.
    pub(crate) local0: Option<Value>,
}

impl FuncTranslator<'_, '_> {
    /// Called for every reachable operator before it is translated: keeps the prologue scan
    /// alive only across `block` and `local.get 0`.
    pub(crate) fn scan_dispatch(&mut self, op: &wasmparser::Operator<'_>) {
        use wasmparser::Operator::*;
        match op {
            Block { .. } => {}
            LocalGet { local_index: 0 } if self.dispatch_scan.loop_frame.is_some() => {}
            BrTable { .. } if self.dispatch_scan.local0.is_some() => {}
            _ => self.dispatch_scan = DispatchScan::default(),
        }
    }

    /// Records `targets` as the dispatch table of the scanned loop if `index` is the prologue's
    /// `local.get 0` and every target is a block inside that loop taking no values.
    pub(crate) fn record_dispatch(&mut self, index: Value, depths: &[u32], default_depth: u32) {
        let scan = std::mem::take(&mut self.dispatch_scan);
        if !self.go_opts.thread_dispatch {
            return;
        }
        let (Some(loop_frame), Some(local0)) = (scan.loop_frame, scan.local0) else {
            return;
        };
        if local0 != index {
            return;
        }
        let top = self.control.len() - 1;
        let block_of = |d: u32| -> Option<Block> {
            let i = top.checked_sub(d as usize)?;
            let f = &self.control[i];
            (i > loop_frame && matches!(f.kind, FrameKind::Block) && f.num_results == 0)
                .then_some(f.dest)
        };
        let Some(targets) = depths
            .iter()
            .map(|&d| block_of(d))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let Some(default) = block_of(default_depth) else {
            return;
        };
        for &b in targets.iter().chain([&default]) {
            self.deferred_seal.insert(b);
        }
        self.control[loop_frame].dispatch = Some(Box::new(DispatchTable { targets, default }));
    }

    /// Where a branch to the loop at control index `frame` should go: straight to the dispatch
    /// target if the loop has a table and local 0 is a known constant.
    pub(crate) fn dispatch_target(&mut self, frame: usize) -> Option<Block> {
        self.control[frame].dispatch.as_ref()?;
        let (var, _) = self.locals[0];
        let v = self.builder.use_var(var);
        let k = constant_of(&self.builder.func.dfg, v)?;
        let table = self.control[frame].dispatch.as_ref()?;
        Some(
            usize::try_from(k)
                .ok()
                .and_then(|k| table.targets.get(k).copied())
                .unwrap_or(table.default),
        )
    }
}

/// The value of `v` if it is defined by an integer constant.
fn constant_of(dfg: &cranelift_codegen::ir::DataFlowGraph, v: Value) -> Option<u32> {
    let inst = dfg.value_def(v).inst()?;
    match dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits() as u32),
        _ => None,
    }
}

impl FuncTranslator<'_, '_> {
    /// With `fast_entry`: the block index 0 of a `br_table` on `index` goes to, if `index` is the
    /// value `local.get 0` (Go's `PC_B`) just pushed. Every call enters a Go function at resume
    /// point 0, so testing for it first replaces a bounds clamp and an indirect jump with one
    /// well-predicted compare.
    pub(crate) fn fast_entry_target(&self, index: Value, target0: Block) -> Option<Block> {
        (self.go_opts.fast_entry && self.last_local0 == Some(index)).then_some(target0)
    }
}
