//! Target ISA selection: the host (detected by `cranelift-native`) or any triple Cranelift
//! supports (x86-64 and aarch64 are built in), with the flags gojit compiles with.

use crate::JitError;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use std::str::FromStr;
use target_lexicon::Triple;

pub use cranelift_codegen::isa::TargetIsa;

/// Code generation options.
#[derive(Clone, Debug)]
pub struct IsaOptions {
    /// Run Cranelift's IR verifier on every function (slower; catches translator bugs).
    pub verify: bool,
    /// Cranelift optimisation level: "none", "speed" or "speed_and_size".
    pub opt_level: &'static str,
    /// The Go-aware lowerings the translator applies.
    pub go: gojit_frontend::translate::GoOptimizations,
    /// Baseline tier: no Cranelift optimizations and single-pass register allocation (about
    /// twice as fast to compile as the optimizing tier on Go code), with tier-up counters in
    /// the code so that hot functions ask for the optimizing tier. Overrides `opt_level`.
    pub baseline: bool,
    /// The runtime fills uncompiled functions' slots with compiling stubs (see
    /// `TranslateOptions::lazy_call_stubs`), so calls need no null check.
    pub lazy_call_stubs: bool,
    /// Check the interrupt flag at every backward branch (see
    /// `gojit_frontend::translate::TranslateOptions::interrupt_checks`).
    pub interrupt_checks: bool,
}

impl Default for IsaOptions {
    fn default() -> Self {
        IsaOptions {
            verify: cfg!(debug_assertions),
            opt_level: "speed",
            go: Default::default(),
            baseline: false,
            lazy_call_stubs: false,
            interrupt_checks: false,
        }
    }
}

fn flags(opts: &IsaOptions) -> Result<settings::Flags, JitError> {
    let mut b = settings::builder();
    let set = |b: &mut settings::Builder, k: &str, v: &str| {
        b.set(k, v)
            .map_err(|e| JitError::Target(format!("flag {k}={v}: {e}")))
    };
    if opts.baseline {
        // The first tier: compile fast, run somewhat slower (see `IsaOptions::baseline`).
        set(&mut b, "opt_level", "none")?;
        set(&mut b, "regalloc_algorithm", "single_pass")?;
    } else {
        set(&mut b, "opt_level", opts.opt_level)?;
    }
    set(
        &mut b,
        "enable_verifier",
        if opts.verify { "true" } else { "false" },
    )?;
    // Calls between wasm functions go through vmctx, so code is position independent anyway;
    // libcalls (only float rounding on x86 without SSE4.1) are absolute.
    set(&mut b, "is_pic", "false")?;
    set(&mut b, "use_colocated_libcalls", "false")?;
    // Stack exhaustion is detected by the vmctx stack limit in every prologue, not by probing.
    set(&mut b, "enable_probestack", "false")?;
    // Nothing unwinds through compiled frames (traps abandon the guest stack), so no unwind info.
    set(&mut b, "unwind_info", "false")?;
    set(&mut b, "preserve_frame_pointers", "true")?;
    // Go's stack pointer (global 0) lives in the pinned register in Go modules (`pinned_sp`).
    // Every function and trampoline must agree, so it is reserved in all code.
    set(&mut b, "enable_pinned_reg", "true")?;
    Ok(settings::Flags::new(b))
}

/// The ISA of the machine gojit runs on, with every extension the CPU has.
///
/// # Errors
/// [`JitError::Target`] if the host is not supported by Cranelift.
pub fn host(opts: &IsaOptions) -> Result<OwnedTargetIsa, JitError> {
    let builder = cranelift_native::builder().map_err(|m| JitError::Target(m.to_string()))?;
    builder
        .finish(flags(opts)?)
        .map_err(|e| JitError::Target(e.to_string()))
}

/// The ISA for `triple` (e.g. `aarch64-unknown-linux-gnu`), with its baseline extensions.
///
/// # Errors
/// [`JitError::Target`] if the triple is malformed or not supported.
pub fn for_triple(triple: &str, opts: &IsaOptions) -> Result<OwnedTargetIsa, JitError> {
    let t = Triple::from_str(triple).map_err(|e| JitError::Target(format!("{triple}: {e}")))?;
    let builder = isa::lookup(t).map_err(|e| JitError::Target(format!("{triple}: {e}")))?;
    builder
        .finish(flags(opts)?)
        .map_err(|e| JitError::Target(e.to_string()))
}
