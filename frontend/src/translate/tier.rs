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
//!
//! A call that stays in a hot loop would never see the optimized code, so a backward branch can
//! also move the running call over (on-stack replacement): there the budget check calls
//! `Builtin::TierUpOsr` with a site (the byte offset of the `loop`, or of the `end` that starts
//! the Go resume point, that the branch targets). Once the runtime has compiled the OSR entry
//! for that site, baseline code stores every wasm local into a buffer and calls it; its result
//! is the call's result. The OSR entry is the optimized translation of the same body with a
//! different entry block: it loads the locals from the buffer and jumps to the site's block
//! (the code before it, left without predecessors, is removed by Cranelift). Sites exist only
//! where no operand lives across the branch, which holds for all of Go's code.

use super::FuncTranslator;
use crate::builtins::Builtin;
use crate::module::FuncType;
use crate::vmctx;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, Block, BlockArg, InstBuilder, MemFlagsData, Signature,
    StackSlotData, StackSlotKind, Type, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use std::collections::HashMap;

/// On-stack replacement state of one translation.
#[derive(Default)]
pub(crate) struct OsrState {
    /// OSR entry: the types of the wasm parameters (loaded from the buffer like the locals).
    pub(crate) wasm_params: Vec<Type>,
    /// Baseline: the site (byte offset) of every block a backward branch may target.
    pub(crate) block_starts: HashMap<Block, u32>,
    /// Baseline: the shared block that calls OSR code (its parameter: the code's address).
    pub(crate) exit: Option<Block>,
    /// OSR entry: the block that jumps to the site's block once the translation reaches it.
    pub(crate) hub: Option<Block>,
}

/// The signature of an OSR entry for a function of type `ty`: `(vmctx, locals) -> results`.
pub(crate) fn osr_signature(ty: &FuncType, config: &TargetFrontendConfig) -> Signature {
    let mut sig = Signature::new(config.default_call_conv);
    sig.params.push(AbiParam::special(
        config.pointer_type(),
        ArgumentPurpose::VMContext,
    ));
    sig.params.push(AbiParam::new(config.pointer_type()));
    sig.returns.extend(
        ty.results
            .iter()
            .map(|t| AbiParam::new(super::clif_type(*t))),
    );
    sig
}

impl FuncTranslator<'_, '_> {
    /// Before a branch to `target`: a tick if it jumps backwards (to a block the translation
    /// has already entered: a loop header, or a Go resume point before this one). With
    /// `osr_ok`, the tick may move the call to optimized code.
    pub(crate) fn tier_tick_if_backward(&mut self, target: Block, osr_ok: bool) {
        if !self.ticks_backward_branch(target) {
            return;
        }
        let site = if osr_ok {
            self.osr.block_starts.get(&target).copied()
        } else {
            None
        };
        self.tier_tick_at(site);
    }

    /// Whether a branch to `target` takes a tier-up tick: baseline code jumping backwards.
    pub(crate) fn ticks_backward_branch(&self, target: Block) -> bool {
        self.tier_up_func.is_some() && self.builder.func.layout.is_block_inserted(target)
    }

    /// Takes one unit of this function's tier-up budget (baseline code only).
    pub(crate) fn tier_tick(&mut self) {
        self.tier_tick_at(None);
    }

    fn tier_tick_at(&mut self, osr_site: Option<u32>) {
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
        match osr_site {
            None => {
                self.call_builtin(Builtin::TierUp, &[index]);
                self.builder.ins().jump(cont, &[]);
            }
            Some(site) => {
                let site = self.builder.ins().iconst(types::I32, i64::from(site));
                let code = self.call_builtin(Builtin::TierUpOsr, &[index, site])[0];
                let exit = self.osr_exit_block();
                self.builder
                    .ins()
                    .brif(code, exit, &[BlockArg::Value(code)], cont, &[]);
            }
        }
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
    }

    fn osr_exit_block(&mut self) -> Block {
        if let Some(b) = self.osr.exit {
            return b;
        }
        let b = self.builder.create_block();
        self.builder.append_block_param(b, self.ptr);
        self.builder.set_cold_block(b);
        self.osr.exit = Some(b);
        b
    }

    /// Called where `block` (no parameters) starts: a loop header, or the block after a Go
    /// resume point's `end`, with `height` operands below it. Records its site in baseline code;
    /// in an OSR entry for this site, makes the entry jump here and returns true. The current
    /// block must be filled.
    ///
    /// A site with operands below it is no entry: they were computed before the loop, in code
    /// the OSR entry skips, so the entry would use values that do not dominate their uses (the
    /// interpreter does not ask for such sites; this refusal makes a request fail cleanly, as
    /// "no on-stack-replacement site", rather than reach Cranelift with invalid IR).
    pub(crate) fn block_starts_here(&mut self, block: Block, height: usize) -> bool {
        if self.tier_up_func.is_some() {
            self.osr.block_starts.insert(block, self.op_offset);
        }
        if self.options.osr_entry != Some(self.op_offset) || height != 0 {
            return false;
        }
        let Some(hub) = self.osr.hub.take() else {
            return false;
        };
        self.builder.switch_to_block(hub);
        self.builder.ins().jump(block, &[]);
        true
    }

    /// OSR entry prologue (after the normal one): defines every local from the buffer at
    /// `locals`, then leaves the entry block for the site (through the hub) and continues the
    /// translation in a block nothing reaches.
    pub(crate) fn enter_osr_start(&mut self, locals: Value) {
        let flags = MemFlagsData::trusted();
        for i in 0..self.locals.len() {
            let (var, ty) = self.locals[i];
            let v = self.builder.ins().load(ty, flags, locals, (8 * i) as i32);
            self.builder.def_var(var, v);
        }
        let hub = self.builder.create_block();
        self.builder.ins().jump(hub, &[]);
        self.builder.seal_block(hub);
        self.osr.hub = Some(hub);
        let start = self.builder.create_block();
        self.builder.switch_to_block(start);
        self.builder.seal_block(start);
    }

    /// Baseline code, after the body: the shared exit to OSR code, if any site uses it. Stores
    /// the locals into a buffer, calls the OSR entry and returns its results.
    pub(crate) fn finish_osr_exit(&mut self) {
        let Some(exit) = self.osr.exit else {
            return;
        };
        self.builder.switch_to_block(exit);
        self.builder.seal_block(exit);
        let code = self.builder.block_params(exit)[0];
        let size = (8 * self.locals.len()).max(8) as u32;
        let slot = self.builder.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        let buffer = self.builder.ins().stack_addr(self.ptr, slot, 0);
        for i in 0..self.locals.len() {
            let (var, _) = self.locals[i];
            let v = self.builder.use_var(var);
            self.builder
                .ins()
                .store(MemFlagsData::trusted(), v, buffer, (8 * i) as i32);
        }
        let mut sig = Signature::new(self.builder.func.signature.call_conv);
        sig.params
            .push(AbiParam::special(self.ptr, ArgumentPurpose::VMContext));
        sig.params.push(AbiParam::new(self.ptr));
        sig.returns = self.builder.func.signature.returns.clone();
        let sig = self.builder.import_signature(sig);
        let call = self
            .builder
            .ins()
            .call_indirect(sig, code, &[self.vmctx, buffer]);
        let results = self.builder.inst_results(call).to_vec();
        self.builder.ins().return_(&results);
    }
}
