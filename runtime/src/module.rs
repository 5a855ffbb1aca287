//! [`Module`]: a validated module and its compiled code, ready to instantiate;
//! [`read_module_file`] reads one from disk.

#![forbid(unsafe_code)]

use crate::code::cache::CodeCache;
use crate::code::{CompileStats, ModuleCode, Tiering};
use crate::config::Tiers;
use crate::engine::{Engine, cache_fingerprint};
use crate::error::Error;
use crate::vm::image::MemoryPool;
use gojit_frontend::ModuleInfo;
use gojit_frontend::module::FuncType;
use std::sync::{Arc, OnceLock};

/// A validated module and its compiled code, shared by all its instances. Cheap to clone;
/// `Send + Sync`, so one module can be instantiated on many threads.
#[derive(Clone)]
pub struct Module {
    pub(crate) engine: Engine,
    pub(crate) info: Arc<ModuleInfo>,
    pub(crate) code: Arc<ModuleCode>,
    /// The pool of the module's initial memory image (built at the second instance). Owned by
    /// the module's handles, not by its code: the background compiler holds the code while it
    /// finishes a job after the module is dropped, and must not keep the pool's memories
    /// (gigabytes of address space each) alive with it.
    initial_memory: Arc<OnceLock<Option<Arc<MemoryPool>>>>,
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
        let tiering = Tiering {
            baseline: tiered.then(|| engine.baseline.clone()),
            tier_up: engine.config.tiers == Tiers::Both,
            budget: engine.config.tier_up_budget,
            interpreter: engine.config.interpreter_budget,
            faults: engine.config.faults.clone(),
        };
        let code = ModuleCode::new(
            engine.compiler.clone(),
            tiering,
            info.clone(),
            cache,
            cached,
            background,
        )?;
        if !engine.config.lazy {
            code.compile_all()?;
        }
        Ok(Module {
            engine: engine.clone(),
            info,
            code,
            initial_memory: Arc::default(),
        })
    }

    /// From the module's second instance on, the pool of its initial memory image (memory of
    /// the minimum size with the data segments applied); `None` for the first instance, a
    /// module without memory, or one whose segments do not fit (instantiation then traps).
    pub(crate) fn initial_memory(&self) -> Option<Arc<MemoryPool>> {
        if !self.code.pools_initial_memory() {
            return None;
        }
        self.initial_memory
            .get_or_init(|| {
                crate::vm::image::initial_image(&self.info)
                    .and_then(Result::ok)
                    .map(|image| Arc::new(MemoryPool::new(image)))
            })
            .clone()
    }

    /// The type of the exported function `name`, if the module exports one by that name.
    pub fn exported_func_type(&self, name: &str) -> Option<&FuncType> {
        self.info
            .exported_func(name)
            .map(|index| self.info.func_type(index))
    }

    /// The module's function imports as `(module, name)` pairs, in import order (what a
    /// [`crate::Linker`] must define to instantiate it).
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.info
            .imports
            .iter()
            .map(|i| (i.module.as_str(), i.name.as_str()))
    }

    /// How many functions the module has, imports included.
    pub fn num_functions(&self) -> u32 {
        self.info.num_funcs()
    }

    /// The initial size of the module's linear memory in 64 KiB pages (`None`: no memory).
    pub fn memory_min_pages(&self) -> Option<u64> {
        self.info.memory.map(|m| m.min_pages)
    }

    /// Saves the code compiled so far to the engine's code cache (if it has one and anything
    /// new was compiled), after compiling what only ran interpreted. The first run of a module
    /// (no cache file and no marker for it yet) writes only a marker that it was seen, so a
    /// module that runs once pays nothing for the cache. Returns whether a cache file was
    /// written.
    ///
    /// # Errors
    /// The I/O error if the cache file cannot be written.
    pub fn persist_code_cache(&self) -> std::io::Result<bool> {
        self.code.persist()
    }

    /// How many functions have been compiled so far, and how long that took.
    pub fn compile_stats(&self) -> CompileStats {
        self.code.stats()
    }

    /// The engine the module was compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
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
    let mut bytes = crate::vm::alloc::zeroed_bytes(len);
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

#[cfg(test)]
mod tests {
    use crate::{Config, Engine, Instance, Linker, Module, Store};
    use std::sync::Arc;

    /// The pool of a module's initial memory (each pooled memory reserves gigabytes of address
    /// space) is freed when the module's last handle and instance are gone, even while its code
    /// lives on: the background compiler holds the code until its current job ends. (A fuzzing
    /// soak that made modules faster than a starved background thread finished them ran out
    /// of address space when the code owned the pool.)
    #[test]
    fn dropping_a_module_frees_its_memory_pool_while_its_code_lives_on() {
        let engine = Engine::new(Config::default()).unwrap();
        let wasm = wat::parse_str(
            r#"(module (memory 1) (data (i32.const 16) "image")
                 (func (export "f") (result i32) i32.const 16 i32.load8_u))"#,
        )
        .unwrap();
        let module = Module::new(&engine, wasm).unwrap();
        for _ in 0..3 {
            let mut store = Store::new(&engine, ());
            Instance::new(&mut store, &module, &Linker::new()).unwrap();
        }
        let pool = Arc::downgrade(
            &module
                .initial_memory()
                .expect("a pool from the second instance"),
        );
        let code = module.code.clone(); // what the background compiler holds mid-job
        drop(module);
        assert!(
            pool.upgrade().is_none(),
            "the memory pool outlived the module"
        );
        drop(code);
    }
}
