//! Go-aware lowering: native implementations of Go's wasm assembly helpers
//! (`native_helpers`).
//!
//! `internal/bytealg` implements `IndexByte`, `Equal`/`memequal` and `Compare`/`cmpstring` on
//! wasm with byte-at-a-time loops in hand-written wasm (`memchr`, `memeqbody`, `memcmp`), where
//! native Go uses SIMD assembly. A function recognised as one of these — by its name-section
//! name, its signature and a fingerprint of its exact body bytes (so a user function of the same
//! name, a different Go version or a stripped module is left alone) — is compiled as a call to a
//! runtime builtin that computes the same result with vectorised code, and traps exactly when the
//! wasm would (the builtin returns [`Builtin::TRAP`] and the replacement body traps with
//! `MemoryOutOfBounds` in the function itself).

use super::{FuncTranslator, WASM_FUNC_NAMESPACE, wasm_signature};
use crate::builtins::Builtin;
use crate::module::{ModuleInfo, ValType};
use crate::traps::Trap;
use crate::vmctx;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Function, GlobalValueData, InstBuilder, MemFlagsData, UserFuncName, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// A helper with a native implementation: (name, params, result, FNV-1a of the body bytes of
/// Go 1.27's version, the builtin).
const KNOWN: &[(&str, [ValType; 3], ValType, u64, Builtin)] = &[
    (
        "memchr",
        [ValType::I32; 3],
        ValType::I32,
        0xc200_04fa_5a4c_fcfa,
        Builtin::Memchr,
    ),
    (
        "memcmp",
        [ValType::I32; 3],
        ValType::I32,
        0x7051_d809_41c9_715d,
        Builtin::Memcmp,
    ),
    (
        "memeqbody",
        [ValType::I64; 3],
        ValType::I64,
        0x9431_94ce_7e6d_d6b8,
        Builtin::Memeqbody,
    ),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The builtin that replaces defined function `func_index`, if it is a recognised helper.
pub fn native_helper(module: &ModuleInfo, func_index: u32) -> Option<Builtin> {
    let name = module.names.get(&func_index)?;
    let &(_, params, result, fingerprint, builtin) = KNOWN.iter().find(|k| k.0 == name)?;
    let ty = module.func_type(func_index);
    if ty.params != params || ty.results != [result] {
        return None;
    }
    let body = module
        .bodies
        .get((func_index - module.num_imports()) as usize)?;
    (fnv1a(&module.bytes[body.clone()]) == fingerprint).then_some(builtin)
}

/// The replacement body: `r = builtin(vmctx, params); trap if r == TRAP; return r` (narrowed to
/// the wasm result type).
pub(crate) fn translate_native_helper(
    module: &ModuleInfo,
    func_index: u32,
    builtin: Builtin,
    config: &TargetFrontendConfig,
) -> Function {
    let ty = module.func_type(func_index);
    let mut func = Function::with_name_signature(
        UserFuncName::user(WASM_FUNC_NAMESPACE, func_index),
        wasm_signature(ty, config),
    );
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let vmctx_gv = b.create_global_value(GlobalValueData::VMContext);
    let flags = b
        .func
        .dfg
        .mem_flags
        .insert_unchecked(MemFlagsData::trusted().with_readonly());
    let limit = b.create_global_value(GlobalValueData::Load {
        base: vmctx_gv,
        offset: vmctx::STACK_LIMIT.into(),
        global_type: config.pointer_type(),
        flags,
    });
    b.func.stack_limit = Some(limit);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let sig =
        b.import_signature(builtin.signature(config.pointer_type(), config.default_call_conv));
    let f = b.ins().load(
        config.pointer_type(),
        FuncTranslator::vmctx_readonly(),
        params[0],
        vmctx::builtin(builtin),
    );
    let call = b.ins().call_indirect(sig, f, &params);
    let r = b.inst_results(call)[0];
    let trapped = b.ins().icmp_imm_s(IntCC::Equal, r, Builtin::TRAP);
    b.ins().trapnz(trapped, Trap::MemoryOutOfBounds.code());
    let r = if ty.results == [ValType::I32] {
        b.ins().ireduce(types::I32, r)
    } else {
        r
    };
    b.ins().return_(&[r]);
    b.finalize(*config);
    func
}
