//! Interrupt checks: how a host stops a guest that runs too long.
//!
//! With `TranslateOptions::interrupt_checks`, every backward branch (a loop's back-edge, a Go
//! dispatch jump to an earlier resume point, a `br_table` with a backward target) first loads
//! the interrupt flag from vmctx and traps `Interrupted` if it is set: one load and one
//! conditional trap, and no block split. Function entries need no check of their own: the
//! runtime interrupts by also raising vmctx's stack limit above any stack pointer, so the stack
//! check that every prologue already has fails (the runtime reports that trap as `Interrupted`).
//! Code without loops or calls runs a bounded number of operations, so those two sites bound
//! every run.

use super::FuncTranslator;
use crate::traps::Trap;
use crate::vmctx;
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, types};

impl FuncTranslator<'_, '_> {
    /// Before a branch that may go to any of `targets`: the interrupt check, if one of them is
    /// backward (a block the translation has already entered) and the code has checks.
    pub(crate) fn interrupt_check_if_backward(&mut self, targets: &[Block]) {
        if !self.options.interrupt_checks
            || !targets
                .iter()
                .any(|&t| self.builder.func.layout.is_block_inserted(t))
        {
            return;
        }
        // Not readonly: another thread sets the flag while this code runs, and each check
        // must load it anew.
        let flag = self.builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            self.vmctx,
            vmctx::INTERRUPT,
        );
        self.builder.ins().trapnz(flag, Trap::Interrupted.code());
    }
}
