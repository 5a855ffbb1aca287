//! Tier-up counters in baseline code.
//!
//! Lazily compiled functions first get quick-to-compile baseline code (Cranelift without
//! optimizations, single-pass register allocation); the ones that turn out hot are recompiled by
//! the optimizing tier in the background, and the runtime swaps the function pointer so later
//! calls run the optimized code. Baseline code measures hotness itself: every function entry and
//! every backward branch (a loop's, or a Go dispatch jump to an earlier resume point, see
//! `go_dispatch`) takes one unit
//! from the function's budget in `vmctx::TIER_BUDGETS`; when the budget goes negative the code
//! calls `Builtin::TierUp`, which queues the function and refills the budget so the call happens
//! once. Budgets are shared by every instance and thread and updated without synchronization: a
//! lost decrement only delays a tier-up.

use super::FuncTranslator;
use crate::builtins::Builtin;
use crate::vmctx;
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, condcodes::IntCC, types};

impl FuncTranslator<'_, '_> {
    /// Before a branch to `target`: a tick if it jumps backwards (to a block the translation
    /// has already entered: a loop header, or a Go resume point before this one).
    pub(crate) fn tier_tick_if_backward(&mut self, target: Block) {
        if self.builder.func.layout.is_block_inserted(target) {
            self.has_back_edge = true;
            self.tier_tick();
        }
    }

    /// Takes one unit of this function's tier-up budget (baseline code only).
    pub(crate) fn tier_tick(&mut self) {
        let Some(func_index) = self.tier_up_func else {
            return;
        };
        let budgets = self.load_vmctx(self.ptr, vmctx::TIER_BUDGETS, true);
        let offset = (func_index * 4) as i32;
        let flags = MemFlagsData::trusted();
        let left = self.builder.ins().load(types::I32, flags, budgets, offset);
        let left = self.builder.ins().iadd_imm_s(left, -1);
        self.builder.ins().store(flags, left, budgets, offset);
        let exhausted = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, left, 0);
        let request = self.builder.create_block();
        let cont = self.builder.create_block();
        self.builder.ins().brif(exhausted, request, &[], cont, &[]);
        self.builder.seal_block(request);
        self.builder.set_cold_block(request);
        self.builder.switch_to_block(request);
        let index = self.builder.ins().iconst(types::I32, i64::from(func_index));
        self.call_builtin(Builtin::TierUp, &[index]);
        self.builder.ins().jump(cont, &[]);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
    }
}
