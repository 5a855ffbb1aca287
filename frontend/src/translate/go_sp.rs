//! Go-aware lowering: Go's stack pointer in a register (`pinned_sp`).
//!
//! Global 0 (`SP`) is the hottest value of a Go program: every call publishes it, every callee
//! adjusts it twice, every caller reloads it after the call. In a module with Go's global layout
//! (8 globals: `SP` i32, `CTXT`/`g`/`RET0..3` i64, `PAUSE` i32, all mutable) it lives in
//! Cranelift's pinned register (r15 on x86-64, x21 on aarch64), which no other value uses.
//! Coherence with the vmctx slot — where the runtime, host functions and re-entrant calls read it
//! — is kept at the only places control crosses between compiled Go code and Rust:
//! - entry trampolines load the register from vmctx before calling and store it back after (and
//!   restore the host's value of the register, which Rust expects preserved);
//! - import trampolines store it to vmctx before calling the host and reload it afterwards (a
//!   host function may call an export that moves the Go stack).
//!
//! Builtins never read or write `SP`, and Rust code preserves the register (it is callee-saved
//! in the C calling conventions).

use crate::module::{ModuleInfo, ValType};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;

/// Whether `module` has Go's global layout, so global 0 can live in the pinned register.
pub fn go_global_layout(module: &ModuleInfo) -> bool {
    let g = &module.globals;
    g.len() == 8
        && g.iter().all(|g| g.mutable)
        && g[0].ty == ValType::I32
        && g[1..7].iter().all(|g| g.ty == ValType::I64)
        && g[7].ty == ValType::I32
}

/// `global.get 0`: the pinned register's low 32 bits.
pub(crate) fn get_sp(b: &mut FunctionBuilder<'_>) -> Value {
    let r = b.ins().get_pinned_reg(types::I64);
    b.ins().ireduce(types::I32, r)
}

/// `global.set 0`.
pub(crate) fn set_sp(b: &mut FunctionBuilder<'_>, sp: Value) {
    let r = b.ins().uextend(types::I64, sp);
    b.ins().set_pinned_reg(r);
}

/// Stores the register's `SP` into its vmctx slot at `offset`.
pub(crate) fn spill_sp(b: &mut FunctionBuilder<'_>, vmctx: Value, offset: i32) {
    let sp = get_sp(b);
    b.ins().store(MemFlagsData::trusted(), sp, vmctx, offset);
}

/// Loads `SP` from its vmctx slot at `offset` into the register.
pub(crate) fn reload_sp(b: &mut FunctionBuilder<'_>, vmctx: Value, offset: i32) {
    let sp = b
        .ins()
        .load(types::I32, MemFlagsData::trusted(), vmctx, offset);
    set_sp(b, sp);
}
