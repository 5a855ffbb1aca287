//! [`Config`]: the settings of an [`crate::Engine`]. [`Config::default`] is the same on every
//! machine; [`Config::from_env`] applies the `GOJIT_*` debug variables (the CLI uses it) and
//! returns what it could not understand as warnings for the caller to show.

#![forbid(unsafe_code)]

use gojit_frontend::translate::GoOptimizations;

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Compile each function on its first call (default) instead of all at instantiation.
    pub lazy: bool,
    /// Usable size of the native stack guest code runs on, between [`MIN_STACK_BYTES`] and
    /// [`MAX_STACK_BYTES`] (default [`DEFAULT_STACK_BYTES`]). Go recursion ten million frames
    /// deep needs up to ~400 MiB of it in baseline code; the reservation is committed only as it
    /// is touched, so this bounds what an infinite recursion costs before it traps.
    pub max_stack_bytes: usize,
    /// Run Cranelift's verifier on every function.
    pub verify: bool,
    /// Maximum linear memory in 64 KiB pages (at most 65,536 = 4 GiB).
    pub max_memory_pages: u64,
    /// The Go-aware lowerings to apply (all on by default; turn one off to measure it or to
    /// bisect a bug). Also settable with `GOJIT_GO_OPT=none` or e.g.
    /// `GOJIT_GO_OPT=-thread_dispatch,-native_helpers`.
    pub go_optimizations: GoOptimizations,
    /// Directory of the persistent code cache (`None`: no cache). Modules load the functions
    /// cached for them there; `Module::persist_code_cache` saves what a run compiled.
    pub cache_dir: Option<std::path::PathBuf>,
    /// With lazy compilation: compile the direct callees of each function compiled on demand on
    /// a background thread (when the machine has more than one core).
    pub background_compile: bool,
    /// Which code tiers lazy compilation uses (eager compilation always uses the optimizing
    /// tier). Also settable with `GOJIT_TIERS=both|optimized|baseline`.
    pub tiers: Tiers,
    /// How many calls plus loop back-edges a function's baseline code runs before it is queued
    /// for the optimizing tier (with [`Tiers::Both`]). Also settable with
    /// `GOJIT_TIERUP_BUDGET=N` (`1` tiers up almost everything at once, for testing).
    pub tier_up_budget: u32,
    /// With lazy compilation and both tiers (on x86-64 and aarch64 hosts): start functions in the
    /// interpreter and compile them once they have run this many calls plus loop back-edges
    /// (`None`: compile every function on its first call). Also settable with
    /// `GOJIT_INTERP=N` (`0` turns the interpreter off).
    pub interpreter_budget: Option<u32>,
    /// Keep an instance usable after a wasm trap (default `false`: a trapped instance refuses
    /// further calls, since a Go program's runtime state is mid-operation after one). For
    /// embedders of plain wasm, e.g. the spec-test runner, where calls after a trap are normal:
    /// memory and globals are as the trap left them, except Go's `SP` while it lives in the
    /// pinned register (`go_optimizations.pinned_sp`), which keeps its value from before the call.
    /// An exit or a host error still poisons the instance.
    pub usable_after_trap: bool,
    /// Let a host stop a running guest: [`crate::Store::set_deadline`] and
    /// [`crate::InterruptHandle`] need it (default off). Function entries are checked through
    /// the stack limit their prologues already test, and the interpreter checks a flag at
    /// backward branches; how loops of compiled code are stopped is
    /// [`Config::interrupt_by_signal`]'s choice.
    pub interruptible: bool,
    /// With [`Config::interruptible`]: stop loops of compiled code by sending `SIGURG` to the
    /// thread running the guest (default `true`; the compiled code is then the same as without
    /// interruption, and costs nothing). The runtime installs a handler for `SIGURG` that passes
    /// on signals it did not send to the handler installed before it. Turn it off if the host
    /// needs `SIGURG` for itself, installs its own handler after gojit's, or blocks the signal in
    /// threads that run guests: every backward branch of compiled code then loads and tests a
    /// flag instead, which costs a few per cent (`docs/BENCHMARKS.md`).
    pub interrupt_by_signal: bool,
    /// Failures to inject, for tests of how the runtime survives them.
    #[doc(hidden)]
    pub faults: FaultInjection,
}

/// Failures the runtime injects into itself, for tests (`tests/fault_injection.rs`): each must
/// end the affected call with an error, never abort the process.
#[doc(hidden)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultInjection {
    /// Compiling this function index fails (as if Cranelift had failed), in every tier.
    pub fail_compile_of: Option<u32>,
    /// After this many publications of compiled code, code memory cannot be had (as if `mmap`
    /// failed).
    pub fail_code_memory_after: Option<u64>,
}

/// The code tiers of lazy compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tiers {
    /// Baseline code first (fast to compile), the optimizing tier for functions that get hot,
    /// compiled in the background and swapped in for later calls. The default: start-up pays
    /// for quick compilation of everything a run touches, peak speed only where it matters.
    Both,
    /// The optimizing tier only (slower start, no tier-up).
    Optimized,
    /// Baseline code only, never tiered up (to test or measure the baseline tier).
    Baseline,
}

/// Default of [`Config::tier_up_budget`]. With the interpreter in front (1,000 units), 2,000
/// gets per-operation functions of a benchmark loop optimized: on 8 rows where the tiered
/// default trailed the optimizing tier alone, 20,000 → 2,000 made them 5.7% faster in geomean
/// (the optimizing tier alone: 7.4%), with no change to a cold start.
pub const DEFAULT_TIER_UP_BUDGET: u32 = 2_000;

/// Default of [`Config::max_stack_bytes`]: 1 GiB. Go's own limit on a goroutine's stack is
/// 1 GB of linear memory (Go reports `stack overflow` once a stack would grow past 512 MB), and
/// gojit's native frames take about as much per Go frame as Go's, so Go's deep recursion ends in
/// Go's own error first; a wasm-level infinite recursion traps after 1 GiB instead of the 4 GiB
/// it could commit before (0.5 s instead of 2 s).
pub const DEFAULT_STACK_BYTES: usize = 1 << 30;
/// Smallest [`Config::max_stack_bytes`]: the headroom kept for host calls, twice.
pub const MIN_STACK_BYTES: usize = 2 << 20;
/// Largest [`Config::max_stack_bytes`]: 8 GiB. The stack is committed as the guest touches it,
/// so this is memory one guest can take from the host.
pub const MAX_STACK_BYTES: usize = 8 << 30;

impl Default for Config {
    fn default() -> Self {
        Config {
            lazy: true,
            max_stack_bytes: DEFAULT_STACK_BYTES,
            verify: cfg!(debug_assertions),
            max_memory_pages: gojit_frontend::vmctx::MAX_MEMORY_PAGES,
            go_optimizations: GoOptimizations::default(),
            cache_dir: None,
            background_compile: true,
            tiers: Tiers::Both,
            tier_up_budget: DEFAULT_TIER_UP_BUDGET,
            interpreter_budget: Some(crate::interp::DEFAULT_BUDGET),
            usable_after_trap: false,
            interruptible: false,
            interrupt_by_signal: true,
            faults: FaultInjection::default(),
        }
    }
}

impl Config {
    /// [`Config::default`] with the `GOJIT_*` debug variables of this process applied:
    /// `GOJIT_EAGER=1` (every engine compiles eagerly, e.g. to run a whole test suite that way),
    /// `GOJIT_GO_OPT`, `GOJIT_TIERS`, `GOJIT_TIERUP_BUDGET` and `GOJIT_INTERP` (see the fields).
    /// Values it cannot understand are ignored (the default stays) and described in the returned
    /// warnings, which the caller shows as it sees fit (the CLI prints them to stderr).
    pub fn from_env() -> (Config, Vec<String>) {
        Config::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any source of variables.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        if let Some(v) = var("GOJIT_EAGER") {
            config.lazy = v.is_empty() || v == "0";
        }
        if let Some(spec) = var("GOJIT_GO_OPT") {
            config.go_optimizations = go_optimizations_from(&spec, &mut warnings);
        }
        match var("GOJIT_TIERS").as_deref() {
            Some("optimized") => config.tiers = Tiers::Optimized,
            Some("baseline") => config.tiers = Tiers::Baseline,
            Some("both") | Some("") | None => {}
            Some(other) => warnings.push(format!(
                "GOJIT_TIERS: unknown value `{other}`, using `both`"
            )),
        }
        if let Some(n) = var("GOJIT_TIERUP_BUDGET")
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&n| n > 0 && n <= i32::MAX as u32)
        {
            config.tier_up_budget = n;
        }
        if let Some(v) = var("GOJIT_INTERP") {
            match v.parse::<u32>() {
                Ok(0) => config.interpreter_budget = None,
                Ok(n) => config.interpreter_budget = Some(n),
                Err(_) => warnings.push(format!(
                    "GOJIT_INTERP: not a number: `{v}`, using the default"
                )),
            }
        }
        (config, warnings)
    }
}

/// The Go-aware lowerings selected by a `GOJIT_GO_OPT` value: `all` for every one, `none` for
/// none, or a comma-separated list of `-name` to turn single ones off.
fn go_optimizations_from(spec: &str, warnings: &mut Vec<String>) -> GoOptimizations {
    let mut opts = GoOptimizations::default();
    for item in spec.split(',').map(str::trim) {
        match item {
            "" | "all" => {}
            "none" => opts = GoOptimizations::NONE,
            "-thread_dispatch" => opts.thread_dispatch = false,
            "-native_helpers" => opts.native_helpers = false,
            "-fast_entry" => opts.fast_entry = false,
            "-pinned_sp" => opts.pinned_sp = false,
            "-native_kernels" => opts.native_kernels = false,
            "-mul_high" => opts.mul_high = false,
            "-inline_small" => opts.inline_small = false,
            other => warnings.push(format!("GOJIT_GO_OPT: unknown item `{other}` ignored")),
        }
    }
    opts
}

#[cfg(test)]
mod tests {
    use super::{Config, Tiers};

    fn from(vars: &[(&str, &str)]) -> (Config, Vec<String>) {
        Config::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn no_variables_is_the_default() {
        let (config, warnings) = from(&[]);
        assert!(warnings.is_empty());
        let default = Config::default();
        assert_eq!(config.lazy, default.lazy);
        assert_eq!(config.tiers, default.tiers);
        assert_eq!(config.tier_up_budget, default.tier_up_budget);
        assert_eq!(config.interpreter_budget, default.interpreter_budget);
    }

    #[test]
    fn variables_apply_and_bad_values_warn() {
        let (config, warnings) = from(&[
            ("GOJIT_EAGER", "1"),
            ("GOJIT_TIERS", "fast"),
            ("GOJIT_INTERP", "0"),
            ("GOJIT_TIERUP_BUDGET", "7"),
            ("GOJIT_GO_OPT", "-fast_entry,-bogus"),
        ]);
        assert!(!config.lazy);
        assert_eq!(config.tiers, Tiers::Both);
        assert_eq!(config.interpreter_budget, None);
        assert_eq!(config.tier_up_budget, 7);
        assert!(!config.go_optimizations.fast_entry);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }
}
