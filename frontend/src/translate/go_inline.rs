//! Go-aware lowering: small callees translated inline (`inline_small`).
//!
//! Go's wasm output keeps calls that native Go would not make: `internal/runtime/atomic`'s
//! `Load8`, `Or8`, `Cas`… are `//go:noinline` Go functions on wasm (intrinsics elsewhere), and
//! assembly wrappers such as `runtime.memmove`, `runtime.cmpstring` or `bytes.Equal` are one wasm
//! call each. A call costs more than such a body: the function pointer load, the native frame and
//! the stack-limit check, the entry dispatch on `PC_B`, the return-value test.
//!
//! A direct call of a small defined function is therefore translated as the callee's own body,
//! in place: its parameters become fresh locals (so `PC_B`, usually the constant 0, folds the
//! entry dispatch away), `return` and the body's end branch to a block that continues the caller.
//! Nothing else changes, and that is what makes it exact for Go's calling convention: the inlined
//! body moves Go's `SP` and reads and writes the Go stack exactly as the callee would, pushes the
//! callee's own return PCs before its calls, and hands an unwind (a nonzero result) to the
//! caller's own check. If a goroutine is suspended inside the inlined body, the wasm stack is
//! unwound as usual and the scheduler later resumes the callee's own compiled code by its
//! `PC_F`, never the inlined copy.
//!
//! Only in the optimizing tier (baseline code wants a fast compile and counts calls for
//! tiering; OSR entries are located by byte offsets of the function's own body), one level deep,
//! never a function into itself, never a callee that has a special translation (a native
//! helper, a native kernel, Go's `wasm_pc_f_loop_export`). A wasm trap inside an inlined body
//! names the callee: its instructions carry the callee's index as source location, which the jit
//! turns into a per-trap-site table.

use super::{FuncTranslator, TranslateError, control::ControlFrame, go_dispatch, go_intrinsics};
use super::{go_kernels, is_go_export_loop};
use cranelift_codegen::ir::{SourceLoc, Value};

/// Largest callee body inlined, in bytes (locals and operators). `Load8` with its nil check is
/// 99 bytes, `Or8` 104, `runtime.memmove` 57. Measured on 12 call-heavy benchmark rows (3 runs
/// each, warm caches, geometric mean of time relative to 128 bytes): 256 bytes 0.99, 512 bytes
/// 0.95 (math/big String 0.75, sort StableString1K 0.91, fmt ManyArgs 0.94), 1,024 bytes 0.96
/// and 2,048 bytes 0.96 (json CodeEncoder and the fib kernel slower by up to 20%).
const MAX_BODY_BYTES: usize = 512;
/// Most calls inlined into one function (bounds the code growth of huge callers).
const MAX_INLINED_CALLS: u32 = 64;

/// Translator state of an inline expansion.
#[derive(Debug, Default)]
pub(crate) struct InlineState {
    /// A callee's body is being translated inline.
    pub(crate) active: bool,
    /// Whether the inlined body's end is reachable (set when its function frame closes).
    pub(crate) exit_reachable: bool,
    /// Calls inlined so far into this function.
    inlined: u32,
}

/// The caller's translation state, put aside while a callee's body is translated.
struct CallerState {
    locals: Vec<(cranelift_frontend::Variable, cranelift_codegen::ir::Type)>,
    control: Vec<ControlFrame>,
    stack: Vec<Value>,
    unreachable_depth: u32,
    dispatch_scan: go_dispatch::DispatchScan,
    last_local0: Option<Value>,
    op_offset: u32,
}

impl FuncTranslator<'_, '_> {
    /// Whether a direct call of `callee` is translated inline.
    pub(crate) fn should_inline(&self, callee: u32) -> bool {
        let m = self.module;
        if !self.go_opts.inline_small
            || self.inline.active
            || self.inline.inlined >= MAX_INLINED_CALLS
            || self.options.tier_up_counters
            || self.options.osr_entry.is_some()
            || callee == self.func_index
            || callee < m.num_imports()
        {
            return false;
        }
        let Some(body) = m.bodies.get((callee - m.num_imports()) as usize) else {
            return false;
        };
        body.len() <= MAX_BODY_BYTES
            && !is_go_export_loop(m, callee)
            && (!self.go_opts.native_helpers || go_intrinsics::native_helper(m, callee).is_none())
            && (!self.go_opts.native_kernels || go_kernels::native_kernel(m, callee).is_none())
    }

    /// Translates a call of `callee` (its arguments on the operand stack) as its body.
    pub(crate) fn inline_call(&mut self, callee: u32) -> Result<(), TranslateError> {
        let ty = self.module.func_type(callee).clone();
        let args = self.peekn(ty.params.len()).to_vec();
        self.stack.truncate(self.stack.len() - args.len());
        let caller = CallerState {
            locals: std::mem::take(&mut self.locals),
            control: std::mem::take(&mut self.control),
            stack: std::mem::take(&mut self.stack),
            unreachable_depth: std::mem::take(&mut self.unreachable_depth),
            dispatch_scan: std::mem::take(&mut self.dispatch_scan),
            last_local0: self.last_local0.take(),
            op_offset: self.op_offset,
        };
        self.inline.active = true;
        self.inline.inlined += 1;
        // The callee's index as source location: traps in its code name it (see
        // `gojit_jit::CompiledFunction::inlined_traps`).
        self.builder.set_srcloc(SourceLoc::new(callee));
        let result = self.translate_inline_body(callee, &args);
        self.builder.set_srcloc(SourceLoc::default());
        self.inline.active = false;
        self.locals = caller.locals;
        self.control = caller.control;
        self.stack = caller.stack;
        self.unreachable_depth = caller.unreachable_depth;
        self.dispatch_scan = caller.dispatch_scan;
        self.last_local0 = caller.last_local0;
        self.op_offset = caller.op_offset;
        let exit = result?;
        if self.inline.exit_reachable {
            self.builder.switch_to_block(exit);
            let results = self.builder.block_params(exit).to_vec();
            self.stack.extend(results);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
        Ok(())
    }

    /// The callee's body, from its parameters to its exit block (returned; sealed).
    fn translate_inline_body(
        &mut self,
        callee: u32,
        args: &[Value],
    ) -> Result<cranelift_codegen::ir::Block, TranslateError> {
        for &a in args {
            let ty = self.builder.func.dfg.value_type(a);
            let var = self.builder.declare_var(ty);
            self.builder.def_var(var, a);
            self.locals.push((var, ty));
        }
        let body = self.module.body(callee);
        self.declare_body_locals(&body)?;
        let results: Vec<_> = self
            .module
            .func_type(callee)
            .results
            .iter()
            .map(|&t| super::clif_type(t))
            .collect();
        let exit = self.push_function_frame(&results);
        self.reachable = true;
        self.inline.exit_reachable = false;
        self.translate_operators(&body)?;
        Ok(exit)
    }
}
