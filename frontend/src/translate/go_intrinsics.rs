//! Go-aware lowering: native implementations of Go's wasm assembly helpers
//! (`native_helpers`).
//!
//! `internal/bytealg` implements `IndexByte`, `Equal`/`memequal` and `Compare`/`cmpstring` on
//! wasm with byte-at-a-time loops in hand-written wasm (`memchr`, `memeqbody`, `memcmp`), where
//! native Go uses SIMD assembly. A function recognised as one of these — by its name-section
//! name, its signature and a fingerprint of its exact body bytes (so a user function of the same
//! name, a different Go version or a stripped module is left alone) — calls, for inputs of
//! [`SHORT`] bytes or more, a runtime builtin that computes the same result with vectorised code
//! and traps exactly when the wasm would (the builtin returns [`Builtin::TRAP`] and the function
//! traps with `MemoryOutOfBounds` itself); shorter inputs run the helper's own wasm loop.

use super::FuncTranslator;
use crate::builtins::Builtin;
use crate::module::{ModuleInfo, ValType};
use crate::traps::Trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, types};

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

/// The builtin that replaces defined function `func_index`, if it is a recognised helper: by
/// name, signature and body bytes; in a module without a name section (`go test` and `go run`
/// link with `-s`) by signature and body bytes alone. The bodies are hand-written wasm with no
/// calls or addresses, so their bytes are the same in every binary of one Go version.
pub fn native_helper(module: &ModuleInfo, func_index: u32) -> Option<Builtin> {
    if func_index < module.num_imports() {
        return None;
    }
    let name = module.names.get(&func_index);
    if name.is_none() && !module.names.is_empty() {
        return None;
    }
    let ty = module.func_type(func_index);
    let mut candidates = KNOWN
        .iter()
        .filter(|k| name.is_none_or(|n| n == k.0) && ty.params == k.1 && ty.results == [k.2])
        .peekable();
    candidates.peek()?;
    let body = module
        .bodies
        .get((func_index - module.num_imports()) as usize)?;
    let hash = fnv1a(&module.bytes[body.clone()]);
    candidates.find(|k| k.3 == hash).map(|k| k.4)
}

/// Lengths below this run the helper's own wasm loop: for a few bytes it is faster than the
/// call into the runtime (measured: `sort StableString1K`, which compares many short strings,
/// was 19% faster with the helpers off than with every call going to the builtin).
const SHORT: i64 = 32;

impl FuncTranslator<'_, '_> {
    /// At the helper's entry: when its length argument (the third) is at least [`SHORT`],
    /// `r = builtin(vmctx, params); trap if r == TRAP; return r` (narrowed to the wasm result
    /// type); shorter inputs fall through to the translation of the helper's own body.
    pub(crate) fn emit_native_helper(&mut self, builtin: Builtin) {
        let params: Vec<_> = (0..3)
            .map(|i| {
                let (var, _) = self.locals[i];
                self.builder.use_var(var)
            })
            .collect();
        let long =
            self.builder
                .ins()
                .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, params[2], SHORT);
        let native = self.builder.create_block();
        let body = self.builder.create_block();
        self.builder.ins().brif(long, native, &[], body, &[]);
        self.builder.seal_block(native);
        self.builder.switch_to_block(native);
        let r = self.call_builtin(builtin, &params)[0];
        let trapped = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::Equal, r, Builtin::TRAP);
        self.trapnz(trapped, Trap::MemoryOutOfBounds);
        let returns_i32 = self.builder.func.signature.returns[0].value_type == types::I32;
        let r = if returns_i32 {
            self.builder.ins().ireduce(types::I32, r)
        } else {
            r
        };
        self.builder.ins().return_(&[r]);
        self.builder.seal_block(body);
        self.builder.switch_to_block(body);
    }
}
