//! Go-aware lowering: guarded native kernels for standard-library functions that native Go runs
//! as assembly and wasm runs as plain Go (`native_kernels`).
//!
//! A recognised function (by name-section name, Go's function type, and a fingerprint of its
//! operators with constants and call targets masked — those differ between binaries) gets a
//! fast path at its entry (resume point 0): a builtin reads the arguments from the Go frame,
//! checks that every pointer is non-nil and every range it would touch is inside linear memory,
//! and only then does the whole computation natively, writes the results into the frame and
//! returns 1; the function then pops its return address and returns as Go's epilogue would.
//! Otherwise the builtin changes nothing and returns 0, and the function's own compiled body
//! runs — so nil pointers panic and bad ranges trap exactly as in Go. The native path skips the
//! Go prologue's stack check, which only matters for preemption: the kernels use no Go stack.

use super::FuncTranslator;
use super::go_sp;
use crate::builtins::{Builtin, GoKernel};
use crate::module::ModuleInfo;
use crate::vmctx;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
use wasmparser::Operator;

/// (name, fingerprint of Go 1.27's body with constants masked, kernel). The fingerprints are
/// printed by `gojit compile --print NAME`.
const KNOWN: &[(&str, u64, GoKernel)] = &[
    (
        "crypto_internal_fips140_sha256.blockGeneric",
        0x3d1a_6486_5c4b_00bf,
        GoKernel::Sha256Block,
    ),
    (
        "hash_crc32.slicingUpdate",
        0x8db8_5a63_aa76_6efc,
        GoKernel::Crc32Slicing8,
    ),
    (
        "internal_bytealg.IndexRabinKarp_go.shape.string_",
        0x8b4a_845b_10a0_48c7,
        GoKernel::IndexRabinKarpString,
    ),
    (
        "internal_bytealg.IndexRabinKarp_go.shape.__uint8_",
        0x0ef1_6e1e_65e2_55cc,
        GoKernel::IndexRabinKarpBytes,
    ),
    (
        "internal_bytealg.LastIndexRabinKarp_go.shape.string_",
        0xe63c_7c12_2708_1ca6,
        GoKernel::LastIndexRabinKarpString,
    ),
    (
        "internal_bytealg.LastIndexRabinKarp_go.shape.__uint8_",
        0x3533_3911_9c78_07e7,
        GoKernel::LastIndexRabinKarpBytes,
    ),
    (
        "math_big.addVV_g",
        0xf00f_9127_b67e_8d82,
        GoKernel::BigAddVV,
    ),
    (
        "math_big.subVV_g",
        0xe9da_3b3b_9a40_fc1a,
        GoKernel::BigSubVV,
    ),
    (
        "math_big.mulAddVWW_g",
        0x6c99_abc9_b514_57c2,
        GoKernel::BigMulAddVWW,
    ),
    (
        "math_big.addMulVVWW_g",
        0x62e9_b4d5_9ace_c881,
        GoKernel::BigAddMulVVWW,
    ),
];

/// A fingerprint of a function body that ignores the values of `i32.const`/`i64.const` and the
/// targets of `call`, which change from binary to binary.
pub fn masked_fingerprint(module: &ModuleInfo, func_index: u32) -> Option<u64> {
    let mut ops = module.body(func_index).get_operators_reader().ok()?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for &b in s.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    while !ops.eof() {
        match ops.read().ok()? {
            Operator::I32Const { .. } => feed("i32.const;"),
            Operator::I64Const { .. } => feed("i64.const;"),
            Operator::Call { .. } => feed("call;"),
            op => feed(&format!("{op:?};")),
        }
    }
    Some(h)
}

/// The native kernel for defined function `func_index`, if it is a recognised Go function.
pub fn native_kernel(module: &ModuleInfo, func_index: u32) -> Option<GoKernel> {
    let name = module.names.get(&func_index)?;
    let &(_, fingerprint, kernel) = KNOWN.iter().find(|k| k.0 == name)?;
    let ty = module.func_type(func_index);
    if ty.params != [crate::ValType::I32] || ty.results != [crate::ValType::I32] {
        return None;
    }
    (masked_fingerprint(module, func_index)? == fingerprint).then_some(kernel)
}

impl FuncTranslator<'_, '_> {
    /// Emits the guarded fast path at the function's entry (see the module docs).
    pub(crate) fn emit_native_kernel(&mut self, kernel: GoKernel) {
        let (pc_b_var, _) = self.locals[0];
        let pc_b = self.builder.use_var(pc_b_var);
        let native = self.builder.create_block();
        let body = self.builder.create_block();
        self.builder.ins().brif(pc_b, body, &[], native, &[]);
        self.builder.seal_block(native);
        self.builder.switch_to_block(native);
        let sp = if self.pinned_sp {
            go_sp::get_sp(&mut self.builder)
        } else {
            self.load_vmctx(types::I32, vmctx::global(0), false)
        };
        let id = self.builder.ins().iconst(types::I32, kernel as i64);
        let done = self.call_builtin(Builtin::GoKernel, &[id, sp])[0];
        let ret = self.builder.create_block();
        self.builder.ins().brif(done, ret, &[], body, &[]);
        self.builder.seal_block(ret);
        self.builder.switch_to_block(ret);
        // Go's epilogue of a function with no frame left: pop the return PC.
        let new_sp = self.builder.ins().iadd_imm_u(sp, 8);
        if self.pinned_sp {
            go_sp::set_sp(&mut self.builder, new_sp);
        } else {
            self.builder.ins().store(
                MemFlagsData::trusted(),
                new_sp,
                self.vmctx,
                vmctx::global(0),
            );
        }
        let zero = self.builder.ins().iconst(types::I32, 0);
        self.builder.ins().return_(&[zero]);
        self.builder.seal_block(body);
        self.builder.switch_to_block(body);
    }
}
