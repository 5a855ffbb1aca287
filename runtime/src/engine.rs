//! The embedding API's entry points: [`Config`], [`Engine`] (a configured compiler) and
//! [`Module`] (a validated module ready to instantiate).

use crate::Error;
use crate::code::cache::CodeCache;
use crate::code::ModuleCode;
use gojit_frontend::ModuleInfo;
use gojit_jit::{Compiler, IsaOptions};
use std::sync::Arc;

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Compile each function on its first call (default) instead of all at instantiation.
    pub lazy: bool,
    /// Usable size of the native stack guest code runs on. Go recursion a million frames deep
    /// needs hundreds of MiB; the reservation is committed only as it is touched.
    pub max_stack_bytes: usize,
    /// Run Cranelift's verifier on every function.
    pub verify: bool,
    /// Maximum linear memory in 64 KiB pages (at most 65,536 = 4 GiB).
    pub max_memory_pages: u64,
    /// The Go-aware lowerings to apply (all on by default; turn one off to measure it or to
    /// bisect a bug). Also settable with `GOJIT_GO_OPT=none` or e.g.
    /// `GOJIT_GO_OPT=-thread_dispatch,-native_helpers`.
    pub go_optimizations: gojit_frontend::translate::GoOptimizations,
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
    /// With lazy compilation and both tiers (on x86-64 hosts): start functions in the
    /// interpreter and compile them once they have run this many calls plus loop back-edges
    /// (`None`: compile every function on its first call). Also settable with
    /// `GOJIT_INTERP=N` (`0` turns the interpreter off).
    pub interpreter_budget: Option<u32>,
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

fn tiers_from_env() -> Tiers {
    match std::env::var("GOJIT_TIERS").as_deref() {
        Ok("optimized") => Tiers::Optimized,
        Ok("baseline") => Tiers::Baseline,
        Ok("both") | Ok("") | Err(_) => Tiers::Both,
        Ok(other) => {
            eprintln!("gojit: warning: GOJIT_TIERS: unknown value `{other}`, using `both`");
            Tiers::Both
        }
    }
}

fn interpreter_budget_from_env() -> Option<u32> {
    match std::env::var("GOJIT_INTERP") {
        Err(_) => Some(crate::interp::DEFAULT_BUDGET),
        Ok(v) => match v.parse::<u32>() {
            Ok(0) => None,
            Ok(n) => Some(n),
            Err(_) => {
                eprintln!("gojit: warning: GOJIT_INTERP: not a number: `{v}`, using the default");
                Some(crate::interp::DEFAULT_BUDGET)
            }
        },
    }
}

fn tier_up_budget_from_env() -> u32 {
    std::env::var("GOJIT_TIERUP_BUDGET")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0 && n <= i32::MAX as u32)
        .unwrap_or(DEFAULT_TIER_UP_BUDGET)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            // `GOJIT_EAGER=1` makes every engine eager (to run a whole test suite that way).
            lazy: std::env::var_os("GOJIT_EAGER").is_none_or(|v| v.is_empty() || v == "0"),
            max_stack_bytes: 4 << 30,
            verify: cfg!(debug_assertions),
            max_memory_pages: gojit_frontend::vmctx::MAX_MEMORY_PAGES,
            go_optimizations: go_optimizations_from_env(),
            cache_dir: None,
            background_compile: true,
            tiers: tiers_from_env(),
            tier_up_budget: tier_up_budget_from_env(),
            interpreter_budget: interpreter_budget_from_env(),
        }
    }
}

/// The code-cache fingerprint: the compiler's (version, target, flags, lowerings) plus a hash of
/// the sources that generate code (`build.rs`), so a rebuilt gojit never loads stale code.
fn cache_fingerprint(engine: &Engine) -> String {
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

/// The Go-aware lowerings selected by `GOJIT_GO_OPT`: unset or `all` for every one, `none` for
/// none, or a comma-separated list of `-name` to turn single ones off.
fn go_optimizations_from_env() -> gojit_frontend::translate::GoOptimizations {
    use gojit_frontend::translate::GoOptimizations;
    let Ok(spec) = std::env::var("GOJIT_GO_OPT") else {
        return GoOptimizations::default();
    };
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
            other => eprintln!("gojit: warning: GOJIT_GO_OPT: unknown item `{other}` ignored"),
        }
    }
    opts
}

/// Reads a module file into shared bytes in one copy (reading into a `Vec` and converting it
/// to an `Arc<[u8]>` would copy the whole module a second time; Go test binaries are 3–25 MB).
///
/// # Errors
/// The I/O error of opening or reading `path`.
pub fn read_module_file(path: &std::path::Path) -> std::io::Result<Arc<[u8]>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| std::io::Error::other("file too large"))?;
    // SAFETY: all-zero bytes are valid `u8`s.
    let mut bytes: Arc<[u8]> = unsafe { Arc::new_zeroed_slice(len).assume_init() };
    let buf = Arc::get_mut(&mut bytes).expect("a fresh Arc is unique");
    file.read_exact(buf)?;
    // The file grew while we read it: read the rest the slow way.
    let mut rest = Vec::new();
    file.read_to_end(&mut rest)?;
    if rest.is_empty() {
        Ok(bytes)
    } else {
        Ok(bytes.iter().copied().chain(rest).collect())
    }
}

/// A configured compiler for the host; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) config: Arc<Config>,
    /// The optimizing tier.
    pub(crate) compiler: Arc<Compiler>,
    /// The baseline tier (used only by lazy compilation, unless `Tiers::Optimized`).
    pub(crate) baseline: Arc<Compiler>,
}

impl Engine {
    /// An engine for the host CPU.
    ///
    /// # Errors
    /// [`Error::Compile`] if the host CPU is not supported by Cranelift.
    pub fn new(config: Config) -> Result<Engine, Error> {
        let opts = IsaOptions {
            verify: config.verify,
            go: config.go_optimizations,
            lazy_call_stubs: crate::vm::lazy_stubs::SUPPORTED,
            ..IsaOptions::default()
        };
        let compiler = Compiler::host(&opts)?;
        let baseline = Arc::new(Compiler::host(&IsaOptions {
            baseline: true,
            ..opts
        })?);
        Ok(Engine {
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

/// A validated module and its compiled code, shared by all its instances. Cheap to clone;
/// `Send + Sync`, so one module can be instantiated on many threads.
#[derive(Clone)]
pub struct Module {
    pub(crate) engine: Engine,
    pub(crate) info: Arc<ModuleInfo>,
    pub(crate) code: Arc<ModuleCode>,
}

impl Module {
    /// Parses and validates `bytes` (and compiles every function if the engine is not lazy).
    ///
    /// # Errors
    /// [`Error::Module`] naming what is wrong with the bytes; [`Error::Compile`] if eager
    /// compilation fails.
    pub fn new(engine: &Engine, bytes: impl Into<Arc<[u8]>>) -> Result<Module, Error> {
        let bytes: Arc<[u8]> = bytes.into();
        let cache = engine
            .config
            .cache_dir
            .as_ref()
            .map(|dir| CodeCache::new(dir, &bytes, &cache_fingerprint(engine)));
        let cached = cache.as_ref().map(|c| c.load(u32::MAX)).unwrap_or_default();
        // A cache file exists only for bytes this gojit version validated before (its key is a
        // hash of the bytes and the compiler), so they need not be validated again.
        let info = Arc::new(if cached.is_empty() {
            ModuleInfo::parse(bytes)?
        } else {
            ModuleInfo::parse_prevalidated(bytes)?
        });
        let background = engine.config.lazy && engine.config.background_compile;
        let tiered = engine.config.lazy && engine.config.tiers != Tiers::Optimized;
        let tiering = crate::code::Tiering {
            baseline: tiered.then(|| engine.baseline.clone()),
            tier_up: engine.config.tiers == Tiers::Both,
            budget: engine.config.tier_up_budget,
            interpreter: engine.config.interpreter_budget,
        };
        let code = ModuleCode::new(
            engine.compiler.clone(),
            tiering,
            info.clone(),
            cache,
            cached,
            background,
        );
        if !engine.config.lazy {
            code.compile_all()?;
        }
        Ok(Module {
            engine: engine.clone(),
            info,
            code,
        })
    }

    /// What the module contains.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// Saves the code compiled so far to the engine's code cache (if it has one and anything
    /// new was compiled). Returns whether a cache file was written.
    ///
    /// # Errors
    /// The I/O error if the cache file cannot be written.
    pub fn persist_code_cache(&self) -> std::io::Result<bool> {
        self.code.persist()
    }

    /// How many functions have been compiled so far, and how long that took.
    pub fn compile_stats(&self) -> crate::code::CompileStats {
        self.code.stats()
    }

    /// The engine the module was compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
