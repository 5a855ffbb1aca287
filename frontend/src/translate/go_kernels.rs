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

/// A Go 1.27 function with a native kernel.
struct Known {
    /// Its name-section name.
    name: &'static str,
    /// [`masked_fingerprint`] of its body: matched, with the name, in modules that have names.
    fingerprint: u64,
    /// [`strict_fingerprint`] of its body: matched alone in modules without a name section.
    strict: u64,
    /// Its body's size in bytes (varies by a few bytes with the sizes of the LEB128 constants and
    /// call targets): only bodies within [`BODY_LEN_SLACK`] of it are fingerprinted.
    body_len: usize,
    kernel: GoKernel,
}

/// How far a body's size may be from [`Known::body_len`] and still be fingerprinted.
const BODY_LEN_SLACK: usize = 16;

/// The fingerprints are printed by `gojit compile --print NAME`.
const KNOWN: &[Known] = &[
    Known {
        name: "crypto_internal_fips140_sha256.blockGeneric",
        fingerprint: 0x3d1a_6486_5c4b_00bf,
        strict: 0x523c_0303_26d4_5239,
        body_len: 1174,
        kernel: GoKernel::Sha256Block,
    },
    Known {
        name: "hash_crc32.slicingUpdate",
        fingerprint: 0x8db8_5a63_aa76_6efc,
        strict: 0xa793_44ff_5e36_5be5,
        body_len: 667,
        kernel: GoKernel::Crc32Slicing8,
    },
    Known {
        name: "internal_bytealg.IndexRabinKarp_go.shape.string_",
        fingerprint: 0x8b4a_845b_10a0_48c7,
        strict: 0x9ef3_3a15_83c8_647a,
        body_len: 1192,
        kernel: GoKernel::IndexRabinKarpString,
    },
    Known {
        name: "internal_bytealg.IndexRabinKarp_go.shape.__uint8_",
        fingerprint: 0x0ef1_6e1e_65e2_55cc,
        strict: 0xeb71_9713_77ec_8aac,
        body_len: 1218,
        kernel: GoKernel::IndexRabinKarpBytes,
    },
    Known {
        name: "internal_bytealg.LastIndexRabinKarp_go.shape.string_",
        fingerprint: 0xe63c_7c12_2708_1ca6,
        strict: 0x7189_84d2_f98b_2e83,
        body_len: 1336,
        kernel: GoKernel::LastIndexRabinKarpString,
    },
    Known {
        name: "internal_bytealg.LastIndexRabinKarp_go.shape.__uint8_",
        fingerprint: 0x3533_3911_9c78_07e7,
        strict: 0x7c11_d303_c7ae_31e6,
        body_len: 1314,
        kernel: GoKernel::LastIndexRabinKarpBytes,
    },
    Known {
        name: "math_big.addVV_g",
        fingerprint: 0xf00f_9127_b67e_8d82,
        strict: 0x3054_171f_7ed4_6eb1,
        body_len: 391,
        kernel: GoKernel::BigAddVV,
    },
    Known {
        name: "math_big.subVV_g",
        fingerprint: 0xe9da_3b3b_9a40_fc1a,
        strict: 0x9935_241a_4a33_bf1d,
        body_len: 396,
        kernel: GoKernel::BigSubVV,
    },
    Known {
        name: "math_big.mulAddVWW_g",
        fingerprint: 0x6c99_abc9_b514_57c2,
        strict: 0xa197_9385_4d5a_5f32,
        body_len: 467,
        kernel: GoKernel::BigMulAddVWW,
    },
    Known {
        name: "math_big.addMulVVWW_g",
        fingerprint: 0x62e9_b4d5_9ace_c881,
        strict: 0xa5d0_4732_3bc4_8b9f,
        body_len: 551,
        kernel: GoKernel::BigAddMulVVWW,
    },
];

/// A fingerprint of a function body that ignores the values of `i32.const`/`i64.const` and the
/// targets of `call`, which change from binary to binary.
pub fn masked_fingerprint(module: &ModuleInfo, func_index: u32) -> Option<u64> {
    fingerprint(module, func_index, |_| false)
}

/// Like [`masked_fingerprint`], but constants of magnitude below 2^16 (frame offsets and sizes,
/// shift counts, loop strides: the same in every binary of one Go version) count with their
/// values; only larger ones (data addresses, resume points, which move with the link layout)
/// are masked. Used where there is no name to confirm a match: a function that has the same
/// operators as a kernel but other small constants is a different function.
pub fn strict_fingerprint(module: &ModuleInfo, func_index: u32) -> Option<u64> {
    fingerprint(module, func_index, |v| v.unsigned_abs() < 1 << 16)
}

fn fingerprint(module: &ModuleInfo, func_index: u32, keep: impl Fn(i64) -> bool) -> Option<u64> {
    if func_index < module.num_imports() {
        return None;
    }
    let mut ops = module.body(func_index).get_operators_reader().ok()?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for &b in s.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    while !ops.eof() {
        match ops.read().ok()? {
            Operator::I32Const { value } if keep(value.into()) => {
                feed(&format!("i32.const {value};"))
            }
            Operator::I64Const { value } if keep(value) => feed(&format!("i64.const {value};")),
            Operator::I32Const { .. } => feed("i32.const;"),
            Operator::I64Const { .. } => feed("i64.const;"),
            Operator::Call { .. } => feed("call;"),
            op => feed(&format!("{op:?};")),
        }
    }
    Some(h)
}

/// The native kernel for defined function `func_index`, if it is a recognised Go function: by
/// name and [`masked_fingerprint`] where the module has a name section; by body size and
/// [`strict_fingerprint`] where it has none (`go test` and `go run` link with `-s`, which drops
/// the name section, so every test binary the go command runs is such a module).
pub fn native_kernel(module: &ModuleInfo, func_index: u32) -> Option<GoKernel> {
    if func_index < module.num_imports() {
        return None;
    }
    let ty = module.func_type(func_index);
    if ty.params != [crate::ValType::I32] || ty.results != [crate::ValType::I32] {
        return None;
    }
    if let Some(name) = module.names.get(&func_index) {
        let known = KNOWN.iter().find(|k| k.name == name)?;
        return (masked_fingerprint(module, func_index)? == known.fingerprint)
            .then_some(known.kernel);
    }
    if !module.names.is_empty() {
        return None;
    }
    let len = module.bodies[(func_index - module.num_imports()) as usize].len();
    if !KNOWN
        .iter()
        .any(|k| k.body_len.abs_diff(len) <= BODY_LEN_SLACK)
    {
        return None;
    }
    let strict = strict_fingerprint(module, func_index)?;
    KNOWN.iter().find(|k| k.strict == strict).map(|k| k.kernel)
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
