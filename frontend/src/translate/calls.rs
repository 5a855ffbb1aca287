//! Calls: `call`, `call_indirect`, and the trampolines that make imports callable like any other
//! function.
//!
//! Every call goes through vmctx's function-pointer array, indexed by wasm function index. Where
//! the runtime fills the slots of uncompiled functions with stubs that compile them
//! (`TranslateOptions::lazy_call_stubs`, x86-64 and aarch64 hosts), a call is one indirect call.
//! Otherwise a null slot means the callee has not been compiled yet: the caller then asks the `lazy_compile`
//! builtin for the code pointer (which also fills the slot), so lazy and eager compilation share
//! one calling sequence. Import slots hold an import trampoline that forwards to the `host_call`
//! builtin with the arguments in a stack array; a direct `call` of an import does the
//! trampoline's work in place ([`emit_host_call`]), saving a frame and a call per host call.
//!
//! `call_indirect` checks, in order: index < table length (`TableOutOfBounds`), entry not null
//! (`IndirectCallToNull`), entry signature equal to the expected canonical signature
//! (`BadSignature`).

use super::{FuncTranslator, TranslateError, WASM_FUNC_NAMESPACE, clif_type, wasm_signature};
use crate::builtins::Builtin;
use crate::module::{FuncType, ModuleInfo};
use crate::traps::Trap;
use crate::vmctx::{self, TableEntry};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    BlockArg, Function, InstBuilder, MemFlagsData, SigRef, StackSlotData, StackSlotKind,
    UserFuncName, Value, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    /// The code pointer of function `index` (an i32 value), compiling it on first use.
    fn func_ptr(&mut self, index: Value, constant: Option<u32>) -> Value {
        let ptr = self.ptr;
        let fptrs = self.load_vmctx(ptr, vmctx::FUNC_PTRS, true);
        let slot = match constant {
            Some(i) if i < (i32::MAX as u32) / 8 => {
                self.builder
                    .ins()
                    .load(ptr, MemFlagsData::trusted(), fptrs, (i * 8) as i32)
            }
            _ => {
                let wide = self.builder.ins().uextend(ptr, index);
                let off = self.builder.ins().ishl_imm_u(wide, 3);
                let addr = self.builder.ins().iadd(fptrs, off);
                self.builder
                    .ins()
                    .load(ptr, MemFlagsData::trusted(), addr, 0)
            }
        };
        if self.options.lazy_call_stubs {
            // Uncompiled functions' slots hold stubs that compile them: no check needed.
            return slot;
        }
        let compile = self.builder.create_block();
        let cont = self.builder.create_block();
        let fp = self.builder.append_block_param(cont, ptr);
        self.builder
            .ins()
            .brif(slot, cont, &[BlockArg::Value(slot)], compile, &[]);
        self.builder.seal_block(compile);
        self.builder.set_cold_block(compile);
        self.builder.switch_to_block(compile);
        let compiled = self.call_builtin(Builtin::LazyCompile, &[index])[0];
        self.builder.ins().jump(cont, &[BlockArg::Value(compiled)]);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
        fp
    }

    /// The `host_call` builtin's signature, imported into the function once.
    fn host_call_signature(&mut self) -> SigRef {
        let key = Builtin::HostCall as u32;
        if let Some(s) = self.builtin_sigs.get(&key) {
            return *s;
        }
        let call_conv = self.builder.func.signature.call_conv;
        let s = self
            .builder
            .import_signature(Builtin::HostCall.signature(self.ptr, call_conv));
        self.builtin_sigs.insert(key, s);
        s
    }

    fn call_with_sig(&mut self, type_index: u32, fp: Value) {
        let canon = self.module.canonical_sig[type_index as usize];
        let sig = match self.wasm_sigs.get(&canon) {
            Some(s) => *s,
            None => {
                let s = self.builder.import_signature(wasm_signature(
                    &self.module.types[canon as usize],
                    &self.config,
                ));
                self.wasm_sigs.insert(canon, s);
                s
            }
        };
        let nparams = self.module.types[type_index as usize].params.len();
        let mut args = Vec::with_capacity(nparams + 1);
        args.push(self.vmctx);
        args.extend_from_slice(self.peekn(nparams));
        self.stack.truncate(self.stack.len() - nparams);
        let call = self.builder.ins().call_indirect(sig, fp, &args);
        let results = self.builder.inst_results(call).to_vec();
        self.stack.extend(results);
    }

    pub(crate) fn translate_call(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        match op {
            Operator::Call { function_index } if function_index < self.module.num_imports() => {
                let ty = self.module.func_type(function_index).clone();
                let n = ty.params.len();
                let args = self.peekn(n).to_vec();
                self.stack.truncate(self.stack.len() - n);
                let sig = self.host_call_signature();
                let results = emit_host_call(
                    &mut self.builder,
                    self.vmctx,
                    function_index,
                    &ty,
                    &args,
                    sig,
                    self.pinned_sp,
                );
                self.stack.extend(results);
            }
            Operator::Call { function_index } if self.should_inline(function_index) => {
                self.inline_call(function_index)?;
            }
            Operator::Call { function_index } => {
                if self.direct_callee_set.insert(function_index) {
                    self.direct_callees.push(function_index);
                }
                let idx = self
                    .builder
                    .ins()
                    .iconst(types::I32, i64::from(function_index));
                let fp = self.func_ptr(idx, Some(function_index));
                let ty = self.module.func_types[function_index as usize];
                self.call_with_sig(ty, fp);
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                if table_index != 0 {
                    return Err(TranslateError::Unsupported(
                        "call_indirect on a table other than 0".into(),
                    ));
                }
                let ptr = self.ptr;
                let index = self.pop();
                if self.count_dispatches {
                    let n = self.load_vmctx(types::I64, vmctx::DISPATCHES, false);
                    let n = self.builder.ins().iadd_imm_u(n, 1);
                    self.builder.ins().store(
                        MemFlagsData::trusted(),
                        n,
                        self.vmctx,
                        vmctx::DISPATCHES,
                    );
                }
                let len = self.load_vmctx(types::I64, vmctx::TABLE_LEN, true);
                let wide = self.builder.ins().uextend(types::I64, index);
                let oob = self
                    .builder
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, wide, len);
                self.trapnz(oob, Trap::TableOutOfBounds);
                let base = self.load_vmctx(ptr, vmctx::TABLE_BASE, true);
                let wide_ptr = self.builder.ins().uextend(ptr, index);
                let off = self.builder.ins().ishl_imm_u(wide_ptr, 3);
                let entry = self.builder.ins().iadd(base, off);
                let sig = self.builder.ins().load(
                    types::I32,
                    MemFlagsData::trusted().with_readonly(),
                    entry,
                    TableEntry::SIG_OFFSET,
                );
                let expected = self.module.canonical_sig[type_index as usize];
                let mismatch =
                    self.builder
                        .ins()
                        .icmp_imm_u(IntCC::NotEqual, sig, i64::from(expected));
                let bad = self.builder.create_block();
                let ok = self.builder.create_block();
                self.builder.ins().brif(mismatch, bad, &[], ok, &[]);
                self.builder.seal_block(bad);
                self.builder.set_cold_block(bad);
                self.builder.switch_to_block(bad);
                let null = self.builder.ins().icmp_imm_u(
                    IntCC::Equal,
                    sig,
                    i64::from(TableEntry::NULL_SIG),
                );
                self.trapnz(null, Trap::IndirectCallToNull);
                self.trap(Trap::BadSignature);
                self.builder.seal_block(ok);
                self.builder.switch_to_block(ok);
                let func = self.builder.ins().load(
                    types::I32,
                    MemFlagsData::trusted().with_readonly(),
                    entry,
                    TableEntry::FUNC_OFFSET,
                );
                let fp = self.func_ptr(func, None);
                self.call_with_sig(type_index, fp);
            }
            other => unreachable!("not a call: {other:?}"),
        }
        Ok(())
    }
}

/// Calls import `import_index` (of type `ty`) with `args` through the `host_call` builtin
/// (signature `host_call_sig`): stores the arguments into a stack array of 8-byte slots
/// (integers zero-extended, floats as bits), calls `host_call`, and returns the results loaded
/// from the array. With `pinned_sp` (Go's SP in the pinned register), SP is stored to vmctx
/// before the host call and reloaded after it, so host code sees the current value.
pub(crate) fn emit_host_call(
    b: &mut FunctionBuilder<'_>,
    vmctx_val: Value,
    import_index: u32,
    ty: &FuncType,
    args: &[Value],
    host_call_sig: SigRef,
    pinned_sp: bool,
) -> Vec<Value> {
    let ptr = b.func.dfg.value_type(vmctx_val);
    let slots = ty.params.len().max(ty.results.len()).max(1) as u32;
    let ss = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots * 8,
        3,
    ));
    for (i, &p) in args.iter().enumerate() {
        let t = b.func.dfg.value_type(p);
        let bits = if t.is_float() {
            let it = types::Type::int(t.bits() as u16).expect("int type");
            b.ins().bitcast(it, MemFlagsData::new(), p)
        } else {
            p
        };
        let wide = if b.func.dfg.value_type(bits) == types::I32 {
            b.ins().uextend(types::I64, bits)
        } else {
            bits
        };
        b.ins().stack_store(ptr, wide, ss, (i * 8) as i32);
    }
    let args_ptr = b.ins().stack_addr(ptr, ss, 0);
    let f = b.ins().load(
        ptr,
        MemFlagsData::trusted().with_readonly(),
        vmctx_val,
        vmctx::builtin(Builtin::HostCall),
    );
    let idx = b.ins().iconst(types::I32, i64::from(import_index));
    if pinned_sp {
        super::go_sp::spill_sp(b, vmctx_val, vmctx::global(0));
    }
    b.ins()
        .call_indirect(host_call_sig, f, &[vmctx_val, idx, args_ptr]);
    if pinned_sp {
        super::go_sp::reload_sp(b, vmctx_val, vmctx::global(0));
    }
    ty.results
        .iter()
        .enumerate()
        .map(|(i, &r)| b.ins().stack_load(ptr, clif_type(r), ss, (i * 8) as i32))
        .collect()
}

/// Builds the trampoline for import `import_index`: a function with the import's wasm signature
/// that calls it with [`emit_host_call`] and returns its results. Import slots hold it, so
/// `call_indirect` and the runtime reach imports like any other function.
pub fn translate_import_trampoline(
    module: &ModuleInfo,
    import_index: u32,
    config: &TargetFrontendConfig,
    pinned_sp: bool,
) -> Function {
    let ty = module.func_type(import_index).clone();
    let ptr = config.pointer_type();
    let mut func = Function::with_name_signature(
        UserFuncName::user(WASM_FUNC_NAMESPACE, import_index),
        wasm_signature(&ty, config),
    );
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let sig = b.import_signature(Builtin::HostCall.signature(ptr, config.default_call_conv));
    let rets = emit_host_call(
        &mut b,
        params[0],
        import_index,
        &ty,
        &params[1..],
        sig,
        pinned_sp,
    );
    b.ins().return_(&rets);
    b.finalize(*config);
    func
}

#[cfg(test)]
mod tests {
    use crate::module::ModuleInfo;
    use crate::translate::{GoOptimizations, TranslateOptions, translate_function_with};
    use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
    use cranelift_frontend::FunctionBuilderContext;

    #[test]
    fn direct_callees_are_defined_reachable_and_in_first_call_order() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "env" "f" (func $imp))
                 (func $a)
                 (func $b)
                 (func $c)
                 (func $d)
                 (func $main
                   call $c
                   call $imp
                   call $a
                   call $c
                   block
                     br 0
                     call $d
                   end
                   call $b))"#,
        )
        .unwrap();
        let module = ModuleInfo::parse(wasm).unwrap();
        let config = TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: target_lexicon::PointerWidth::U64,
            page_size_align_log2: 12,
        };
        // Without inlining: these empty callees would otherwise be inlined, not called.
        let go = GoOptimizations {
            inline_small: false,
            ..GoOptimizations::default()
        };
        let t = translate_function_with(
            &module,
            5,
            &config,
            go,
            TranslateOptions::default(),
            &mut FunctionBuilderContext::new(),
        )
        .unwrap();
        // $c, $a, $b: not the import (called in place), not $d (unreachable), $c once.
        assert_eq!(t.direct_callees, [3, 1, 2]);
    }
}
