//! Wasm → Cranelift IR, one function at a time.
//!
//! [`translate_function`] builds the CLIF for one defined function: a driver loop reads each
//! operator and dispatches it to its family (`control`, `numeric`, `memory`, `calls`, and the
//! variable/parametric operators in this file). Input is assumed valid (the module was validated
//! when it was parsed), so the translator only tracks what it needs to emit code: the operand
//! stack of Cranelift values and the control stack.
//!
//! Every compiled function has the signature `(vmctx: ptr, wasm params...) -> wasm results` in the
//! target's default calling convention, and a prologue stack check against vmctx's stack limit,
//! so exhausting the guest stack is a `StackOverflow` trap rather than a fault.

mod calls;
mod control;
mod go_dispatch;
mod go_inline;
mod go_intrinsics;
mod go_kernels;
mod go_mulhi;
mod go_sp;
mod interrupt;
mod memory;
mod numeric;
mod tier;

use crate::builtins::{Builtin, GoKernel};
use crate::module::{ModuleInfo, ValType};
use crate::traps::Trap;
use crate::vmctx;
use control::ControlFrame;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, Function, GlobalValueData, InstBuilder, MemFlagsData,
    Signature, Type, UserFuncName, Value, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use std::fmt;
use wasmparser::Operator;

pub use calls::translate_import_trampoline;
pub use go_dispatch::GoOptimizations;
pub use go_intrinsics::native_helper;
pub use go_kernels::{masked_fingerprint, native_kernel, strict_fingerprint};
pub use go_sp::go_global_layout;

/// Why a function could not be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranslateError {
    /// The body could not be decoded.
    Wasm(String),
    /// The body uses an operator gojit does not implement (named).
    Unsupported(String),
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TranslateError::Wasm(msg) => write!(f, "malformed function body: {msg}"),
            TranslateError::Unsupported(op) => write!(f, "unsupported operator `{op}`"),
        }
    }
}

impl std::error::Error for TranslateError {}

impl From<wasmparser::BinaryReaderError> for TranslateError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        TranslateError::Wasm(format!(
            "{} (at byte offset {:#x})",
            e.message(),
            e.offset()
        ))
    }
}

/// The Cranelift type of a wasm value type.
pub fn clif_type(t: ValType) -> Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
    }
}

/// The Cranelift signature of a wasm function type: vmctx first, then the wasm parameters.
pub fn wasm_signature(ty: &crate::module::FuncType, config: &TargetFrontendConfig) -> Signature {
    let mut sig = Signature::new(config.default_call_conv);
    sig.params.push(AbiParam::special(
        config.pointer_type(),
        ArgumentPurpose::VMContext,
    ));
    sig.params
        .extend(ty.params.iter().map(|t| AbiParam::new(clif_type(*t))));
    sig.returns
        .extend(ty.results.iter().map(|t| AbiParam::new(clif_type(*t))));
    sig
}

/// Choices about the code the translator emits that depend on the runtime running it (unlike
/// [`GoOptimizations`], not semantic lowerings of Go's patterns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TranslateOptions {
    /// Count calls and backward branches and ask the runtime for the optimizing tier when hot
    /// (baseline code, see `tier.rs`).
    pub tier_up_counters: bool,
    /// The runtime never leaves a function-pointer slot null (uncompiled functions have stubs
    /// that compile them), so calls need no null check.
    pub lazy_call_stubs: bool,
    /// Translate the on-stack-replacement entry for this site instead of the function: a
    /// function `(vmctx, locals: ptr) -> results` that starts at the block the site names,
    /// with the wasm locals read from `locals` (see `tier.rs`).
    pub osr_entry: Option<u32>,
    /// Check the interrupt flag (`vmctx::INTERRUPT`) at every backward branch, so that a host
    /// can stop a guest that loops forever (see `interrupt.rs`). Off, the code has no check
    /// (the runtime then stops loops with a signal, or does not interrupt at all).
    pub interrupt_checks: bool,
}

/// The `UserFuncName` namespace gojit uses for wasm functions (index = wasm function index).
pub const WASM_FUNC_NAMESPACE: u32 = 0;

/// Translates defined function `func_index` of `module` to Cranelift IR.
///
/// # Errors
/// [`TranslateError`] if the body cannot be decoded or uses an unsupported operator.
pub fn translate_function(
    module: &ModuleInfo,
    func_index: u32,
    config: &TargetFrontendConfig,
) -> Result<Function, TranslateError> {
    let mut ctx = FunctionBuilderContext::new();
    translate_function_with(
        module,
        func_index,
        config,
        GoOptimizations::default(),
        TranslateOptions::default(),
        &mut ctx,
    )
    .map(|t| t.func)
}

/// A translated function.
pub struct Translation {
    /// Its CLIF.
    pub func: Function,
    /// The defined (not imported) functions its reachable code calls directly, in the order of
    /// their first call: the ones a run likely needs next (the runtime compiles them ahead).
    pub direct_callees: Vec<u32>,
}

/// Like [`translate_function`], with the given Go-aware lowerings, reusing a builder context's
/// allocations and with the runtime-facing `options`.
///
/// # Errors
/// See [`translate_function`].
pub fn translate_function_with(
    module: &ModuleInfo,
    func_index: u32,
    config: &TargetFrontendConfig,
    go_opts: GoOptimizations,
    options: TranslateOptions,
    ctx: &mut FunctionBuilderContext,
) -> Result<Translation, TranslateError> {
    let ty = module.func_type(func_index);
    let signature = match options.osr_entry {
        Some(_) => tier::osr_signature(ty, config),
        None => wasm_signature(ty, config),
    };
    let mut func = Function::with_name_signature(
        UserFuncName::user(WASM_FUNC_NAMESPACE, func_index),
        signature,
    );
    let body = module.body(func_index);
    let direct_callees = {
        let builder = FunctionBuilder::new(&mut func, ctx);
        let mut t = FuncTranslator::new(module, builder, *config);
        t.func_index = func_index;
        t.count_dispatches = is_go_export_loop(module, func_index);
        t.go_opts = go_opts;
        t.options = options;
        if options.osr_entry.is_some() {
            t.osr.wasm_params = ty.params.iter().map(|&p| clif_type(p)).collect();
        }
        t.tier_up_func = options.tier_up_counters.then_some(func_index);
        t.pinned_sp = go_opts.pinned_sp && go_sp::go_global_layout(module);
        if go_opts.native_kernels && options.osr_entry.is_none() {
            t.native_kernel = go_kernels::native_kernel(module, func_index);
        }
        if go_opts.native_helpers && options.osr_entry.is_none() {
            t.native_helper = go_intrinsics::native_helper(module, func_index);
        }
        t.translate_body(&body)?;
        t.builder.finalize(*config);
        t.direct_callees
    };
    if go_opts.mul_high {
        go_mulhi::fuse_mul_high(&mut func);
    }
    Ok(Translation {
        func,
        direct_callees,
    })
}

/// Whether `func_index` is Go's `wasm_pc_f_loop_export(pc_f_stop i32)` (by name and type).
pub fn is_go_export_loop(module: &ModuleInfo, func_index: u32) -> bool {
    let ty = module.func_type(func_index);
    module
        .names
        .get(&func_index)
        .is_some_and(|n| n == "wasm_pc_f_loop_export")
        && ty.params == [ValType::I32]
        && ty.results.is_empty()
}

/// Translation state for one function.
pub(crate) struct FuncTranslator<'m, 'b> {
    pub(crate) module: &'m ModuleInfo,
    pub(crate) builder: FunctionBuilder<'b>,
    pub(crate) ptr: Type,
    pub(crate) config: TargetFrontendConfig,
    pub(crate) vmctx: Value,
    /// The operand stack.
    pub(crate) stack: Vec<Value>,
    /// The control stack; the function body is the bottom frame.
    pub(crate) control: Vec<ControlFrame>,
    /// Whether the current position is reachable. When it is not, operators are skipped except
    /// for the structure (`unreachable_depth` counts the blocks opened while unreachable).
    pub(crate) reachable: bool,
    pub(crate) unreachable_depth: u32,
    /// Wasm locals (parameters first).
    pub(crate) locals: Vec<(Variable, Type)>,
    /// Base of linear memory, loaded once in the entry block (the reservation never moves).
    pub(crate) memory_base: Option<Value>,
    /// Imported signatures, by canonical wasm signature id or builtin.
    pub(crate) wasm_sigs: HashMap<u32, ir::SigRef>,
    pub(crate) builtin_sigs: HashMap<u32, ir::SigRef>,
    /// Count each `call_indirect` in `vmctx.dispatches` (set for Go's `wasm_pc_f_loop_export`,
    /// whose dispatches tell the runtime whether other goroutines ran).
    pub(crate) count_dispatches: bool,
    /// Which Go-aware lowerings are enabled.
    pub(crate) go_opts: GoOptimizations,
    /// State of the dispatch-prologue scan (`go_dispatch`).
    pub(crate) dispatch_scan: go_dispatch::DispatchScan,
    /// A guarded native kernel to try at entry (`native_kernels`).
    pub(crate) native_kernel: Option<GoKernel>,
    /// The builtin a recognised wasm helper calls for long inputs (`native_helpers`).
    pub(crate) native_helper: Option<Builtin>,
    /// Global 0 lives in the pinned register (`pinned_sp` on a Go-layout module).
    pub(crate) pinned_sp: bool,
    /// The value the latest `local.get 0` pushed (for `fast_entry`).
    pub(crate) last_local0: Option<Value>,
    /// Blocks whose sealing waits for the end of their dispatch loop.
    pub(crate) deferred_seal: std::collections::HashSet<ir::Block>,
    /// In baseline code, the function index whose tier-up budget calls and loop back-edges
    /// spend (`tier.rs`).
    pub(crate) tier_up_func: Option<u32>,
    /// Runtime-facing translation choices.
    pub(crate) options: TranslateOptions,
    /// Byte offset of the operator being translated.
    pub(crate) op_offset: u32,
    /// On-stack replacement state (`tier.rs`).
    pub(crate) osr: tier::OsrState,
    /// The function being translated.
    pub(crate) func_index: u32,
    /// Set while a callee's body is translated inline (`go_inline.rs`): `return` and the body's
    /// end go to the inline exit instead of returning.
    pub(crate) inline: go_inline::InlineState,
    /// The defined functions reachable code calls directly, in order of first call.
    pub(crate) direct_callees: Vec<u32>,
    /// `direct_callees` as a set.
    pub(crate) direct_callee_set: std::collections::HashSet<u32>,
}

impl<'m, 'b> FuncTranslator<'m, 'b> {
    fn new(
        module: &'m ModuleInfo,
        builder: FunctionBuilder<'b>,
        config: TargetFrontendConfig,
    ) -> Self {
        let ptr = config.pointer_type();
        FuncTranslator {
            module,
            builder,
            ptr,
            vmctx: Value::from_u32(0),
            config,
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            unreachable_depth: 0,
            locals: Vec::new(),
            memory_base: None,
            wasm_sigs: HashMap::new(),
            builtin_sigs: HashMap::new(),
            count_dispatches: false,
            go_opts: GoOptimizations::default(),
            dispatch_scan: go_dispatch::DispatchScan::default(),
            deferred_seal: std::collections::HashSet::new(),
            last_local0: None,
            pinned_sp: false,
            native_kernel: None,
            native_helper: None,
            tier_up_func: None,
            options: TranslateOptions::default(),
            op_offset: 0,
            osr: tier::OsrState::default(),
            func_index: 0,
            inline: go_inline::InlineState::default(),
            direct_callees: Vec::new(),
            direct_callee_set: std::collections::HashSet::new(),
        }
    }

    /// Flags for loads/stores of vmctx fields that never change while code runs.
    pub(crate) fn vmctx_readonly() -> MemFlagsData {
        MemFlagsData::trusted().with_readonly().with_can_move()
    }

    /// Loads a vmctx field.
    pub(crate) fn load_vmctx(&mut self, ty: Type, offset: i32, readonly: bool) -> Value {
        let flags = if readonly {
            Self::vmctx_readonly()
        } else {
            MemFlagsData::trusted()
        };
        self.builder.ins().load(ty, flags, self.vmctx, offset)
    }

    /// Emits the entry block: parameters, locals, the stack limit and the memory base.
    fn prologue(&mut self, body: &wasmparser::FunctionBody<'_>) -> Result<(), TranslateError> {
        let ptr = self.ptr;
        let entry = self.builder.create_block();
        self.builder.append_block_params_for_function_params(entry);
        self.builder.switch_to_block(entry);
        self.builder.seal_block(entry);
        let params = self.builder.block_params(entry).to_vec();
        self.vmctx = params[0];

        // Stack-overflow check in every prologue: the limit is read from vmctx.
        let vmctx_gv = self.builder.create_global_value(GlobalValueData::VMContext);
        let flags = self
            .builder
            .func
            .dfg
            .mem_flags
            .insert_unchecked(MemFlagsData::trusted().with_readonly());
        let limit = self.builder.create_global_value(GlobalValueData::Load {
            base: vmctx_gv,
            offset: vmctx::STACK_LIMIT.into(),
            global_type: ptr,
            flags,
        });
        self.builder.func.stack_limit = Some(limit);

        if self.options.osr_entry.is_some() {
            // Defined from the locals buffer in `enter_osr_start`.
            for ty in self.osr.wasm_params.clone() {
                let var = self.builder.declare_var(ty);
                self.locals.push((var, ty));
            }
        } else {
            for &p in &params[1..] {
                let ty = self.builder.func.dfg.value_type(p);
                let var = self.builder.declare_var(ty);
                self.builder.def_var(var, p);
                self.locals.push((var, ty));
            }
        }
        self.declare_body_locals(body)?;
        if self.module.memory.is_some() {
            // Loaded once, here, and not `can_move`: a movable (pure) load is placed anew
            // under each branch of Go's resume-point dispatch that uses it, and in large
            // functions every such block then reloaded vmctx from its spill slot and the base
            // from vmctx before its first access. One value defined at entry stays in a
            // register or one spill slot. (The base never moves: `runtime/src/memory.rs`.)
            // Measured: 0.81 of the time on 14 call-heavy rows (`scripts/ab-rows.sh`).
            let flags = MemFlagsData::trusted().with_readonly();
            let base = self
                .builder
                .ins()
                .load(ptr, flags, self.vmctx, vmctx::MEMORY_BASE);
            self.memory_base = Some(base);
        }
        if self.options.osr_entry.is_some() {
            self.enter_osr_start(params[1]);
        }
        Ok(())
    }

    /// Declares the locals `body` declares after its parameters, zero-initialised.
    pub(crate) fn declare_body_locals(
        &mut self,
        body: &wasmparser::FunctionBody<'_>,
    ) -> Result<(), TranslateError> {
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let (count, ty) = locals.read()?;
            let ty = match ty {
                wasmparser::ValType::I32 => types::I32,
                wasmparser::ValType::I64 => types::I64,
                wasmparser::ValType::F32 => types::F32,
                wasmparser::ValType::F64 => types::F64,
                other => {
                    return Err(TranslateError::Unsupported(format!(
                        "local of type {other}"
                    )));
                }
            };
            let zero = self.zero(ty);
            for _ in 0..count {
                let var = self.builder.declare_var(ty);
                self.builder.def_var(var, zero);
                self.locals.push((var, ty));
            }
        }
        Ok(())
    }

    pub(crate) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.builder.ins().f32const(0.0),
            types::F64 => self.builder.ins().f64const(0.0),
            _ => self.builder.ins().iconst(ty, 0),
        }
    }

    fn translate_body(
        &mut self,
        body: &wasmparser::FunctionBody<'_>,
    ) -> Result<(), TranslateError> {
        self.prologue(body)?;
        if let Some(kernel) = self.native_kernel {
            self.emit_native_kernel(kernel);
        }
        if let Some(builtin) = self.native_helper {
            self.emit_native_helper(builtin);
        }
        self.tier_tick();
        let results: Vec<Type> = self
            .builder
            .func
            .signature
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        self.push_function_frame(&results);
        self.translate_operators(body)?;
        if let (Some(site), Some(_)) = (self.options.osr_entry, self.osr.hub) {
            return Err(TranslateError::Unsupported(format!(
                "no on-stack-replacement site at byte offset {site}"
            )));
        }
        self.finish_osr_exit();
        Ok(())
    }

    /// Opens the bottom control frame of a body whose results are `results`; returns its exit
    /// block (the function's return, or an inlined body's continuation).
    pub(crate) fn push_function_frame(&mut self, results: &[Type]) -> ir::Block {
        let exit = self.builder.create_block();
        for &t in results {
            self.builder.append_block_param(exit, t);
        }
        self.control
            .push(ControlFrame::function(exit, results.len()));
        exit
    }

    /// Translates every operator of `body`, recording each one's byte offset.
    pub(crate) fn translate_operators(
        &mut self,
        body: &wasmparser::FunctionBody<'_>,
    ) -> Result<(), TranslateError> {
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            self.op_offset = offset as u32;
            self.translate_operator(op)?;
        }
        Ok(())
    }

    pub(crate) fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("operand stack underflow in validated code")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub(crate) fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    pub(crate) fn trap(&mut self, t: Trap) {
        self.builder.ins().trap(t.code());
    }

    pub(crate) fn trapnz(&mut self, cond: Value, t: Trap) {
        self.builder.ins().trapnz(cond, t.code());
    }

    /// Calls builtin `b` with `args` (vmctx is prepended) and returns its results.
    pub(crate) fn call_builtin(&mut self, b: Builtin, args: &[Value]) -> Vec<Value> {
        let sig = match self.builtin_sigs.get(&(b as u32)) {
            Some(s) => *s,
            None => {
                let call_conv = self.builder.func.signature.call_conv;
                let s = self
                    .builder
                    .import_signature(b.signature(self.ptr, call_conv));
                self.builtin_sigs.insert(b as u32, s);
                s
            }
        };
        let f = self.load_vmctx(self.ptr, vmctx::builtin(b), true);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let call = self.builder.ins().call_indirect(sig, f, &all);
        self.builder.inst_results(call).to_vec()
    }

    fn translate_operator(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        if !self.reachable {
            return self.translate_unreachable(op);
        }
        self.scan_dispatch(&op);
        use Operator::*;
        match op {
            Nop => {}
            Drop => {
                self.pop();
            }
            Select | TypedSelect { .. } => {
                let cond = self.pop();
                let (a, b) = self.pop2();
                let v = self.builder.ins().select(cond, a, b);
                self.push(v);
            }
            LocalGet { local_index } => {
                let (var, _) = self.locals[local_index as usize];
                let v = self.builder.use_var(var);
                self.push(v);
                if local_index == 0 {
                    self.last_local0 = Some(v);
                    if self.dispatch_scan.loop_frame.is_some() {
                        self.dispatch_scan.local0 = Some(v);
                    }
                }
            }
            LocalSet { local_index } => {
                let v = self.pop();
                let (var, _) = self.locals[local_index as usize];
                self.builder.def_var(var, v);
            }
            LocalTee { local_index } => {
                let v = *self
                    .stack
                    .last()
                    .expect("operand stack underflow in validated code");
                let (var, _) = self.locals[local_index as usize];
                self.builder.def_var(var, v);
            }
            GlobalGet { global_index: 0 } if self.pinned_sp => {
                let v = go_sp::get_sp(&mut self.builder);
                self.push(v);
            }
            GlobalSet { global_index: 0 } if self.pinned_sp => {
                let v = self.pop();
                go_sp::set_sp(&mut self.builder, v);
            }
            GlobalGet { global_index } => {
                let ty = clif_type(self.module.globals[global_index as usize].ty);
                let readonly = !self.module.globals[global_index as usize].mutable;
                let v = self.load_vmctx(ty, vmctx::global(global_index), readonly);
                self.push(v);
            }
            GlobalSet { global_index } => {
                let v = self.pop();
                self.builder.ins().store(
                    MemFlagsData::trusted(),
                    v,
                    self.vmctx,
                    vmctx::global(global_index),
                );
            }
            op @ (Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Unreachable) => self.translate_control(op)?,
            op @ (Call { .. } | CallIndirect { .. }) => self.translate_call(op)?,
            op => {
                if !self.translate_memory(&op)? && !self.translate_numeric(&op)? {
                    return Err(TranslateError::Unsupported(operator_name(&op)));
                }
            }
        }
        Ok(())
    }
}

/// The name of an operator for error messages, e.g. `V128Load`.
pub(crate) fn operator_name(op: &Operator<'_>) -> String {
    let s = format!("{op:?}");
    s.split([' ', '{', '(']).next().unwrap_or(&s).to_string()
}
