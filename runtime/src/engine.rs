//! [`Engine`]: a configured compiler (both code tiers) for the host, shared by every module
//! compiled with it.

#![forbid(unsafe_code)]

use crate::config::{Config, Tiers};
use crate::error::Error;
use gojit_jit::{Compiler, IsaOptions};
use std::sync::Arc;

/// A configured compiler for the host; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) config: Arc<Config>,
    /// The optimizing tier.
    pub(crate) compiler: Arc<Compiler>,
    /// The baseline tier (used only by lazy compilation, unless `Tiers::Optimized`).
    pub(crate) baseline: Arc<Compiler>,
    /// Guest stacks of dropped instances, for the next ones.
    pub(crate) stacks: Arc<crate::vm::stack::StackPool>,
}

impl Engine {
    /// An engine for the host CPU.
    ///
    /// # Errors
    /// [`Error::Config`] if a setting is out of its range (`max_stack_bytes`);
    /// [`Error::Compile`] if the host CPU is not supported by Cranelift.
    pub fn new(config: Config) -> Result<Engine, Error> {
        use crate::config::{MAX_STACK_BYTES, MIN_STACK_BYTES};
        if !(MIN_STACK_BYTES..=MAX_STACK_BYTES).contains(&config.max_stack_bytes) {
            return Err(Error::Config(format!(
                "max_stack_bytes {} is out of range: the guest stack must be between {} MiB and {} GiB",
                config.max_stack_bytes,
                MIN_STACK_BYTES >> 20,
                MAX_STACK_BYTES >> 30
            )));
        }
        let opts = IsaOptions {
            verify: config.verify,
            go: config.go_optimizations,
            lazy_call_stubs: crate::vm::lazy_stubs::SUPPORTED,
            // Signals stop loops of compiled code; otherwise the code checks a flag in them.
            interrupt_checks: config.interruptible && !config.interrupt_by_signal,
            ..IsaOptions::default()
        };
        let compiler = Compiler::host(&opts)?;
        let baseline = Arc::new(Compiler::host(&IsaOptions {
            baseline: true,
            ..opts
        })?);
        // Two idle stacks per core: enough for a thread per core creating and dropping
        // instances; each is only address space plus the pages its last guest touched.
        let cores = gojit_jit::host_parallelism();
        let stacks = Arc::new(crate::vm::stack::StackPool::new(
            config.max_stack_bytes,
            2 * cores,
        ));
        Ok(Engine {
            stacks,
            config: Arc::new(config),
            compiler: Arc::new(compiler),
            baseline,
        })
    }

    /// The engine's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// The code-cache fingerprint: the compiler's (version, target, flags, lowerings) plus a hash of
/// the sources that generate code (`build.rs`), so a rebuilt gojit never loads stale code.
pub(crate) fn cache_fingerprint(engine: &Engine) -> String {
    // Code of an eager engine (all optimized) is valid for a tiered one and the other way
    // round, so they share cache files; single-tier modes keep their own.
    let mode = match engine.config.tiers {
        Tiers::Both => "tiered",
        Tiers::Optimized if !engine.config.lazy => "tiered",
        Tiers::Optimized => "optimized only",
        Tiers::Baseline => "baseline only",
    };
    format!(
        "{} | {mode}: baseline tier {} | sources {}",
        engine.compiler.fingerprint(),
        engine.baseline.fingerprint(),
        env!("GOJIT_CODEGEN_HASH")
    )
}
