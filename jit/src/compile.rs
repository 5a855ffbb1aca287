//! Compilation: translated CLIF to machine code plus the metadata the runtime needs (trap sites).
//! Compilation is pure (no code memory involved), so functions can be compiled on any thread and
//! published later.

use crate::JitError;
use crate::isa::{self, IsaOptions};
use cranelift_codegen::Context;
use cranelift_codegen::FinalizedMachReloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{
    AbiParam, Function, InstBuilder, MemFlagsData, Signature, TrapCode, UserFuncName, types,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use gojit_frontend::module::{FuncType, ModuleInfo};
use gojit_frontend::translate::{self, clif_type, wasm_signature};

/// Runs a translation and compilation of function `func_index`, turning a panic in it (a bug in
/// the translator or in Cranelift, e.g. on IR it does not expect) into [`JitError::Codegen`].
/// Callers hold compilation state (a function marked as being compiled, a background worker)
/// that a panic unwinding through them would leave behind: other calls would wait forever for
/// the function, or the background compiler would be gone. A failed compile is an error they
/// already handle (a function that cannot be compiled traps when called; a failed tier-up or
/// OSR entry keeps the code that runs).
fn no_panic(
    module: &ModuleInfo,
    func_index: u32,
    compile: impl FnOnce() -> Result<CompiledFunction, JitError>,
) -> Result<CompiledFunction, JitError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(compile)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(JitError::Codegen {
            func: module.func_name(func_index),
            message: format!("the compiler panicked: {message}"),
        })
    })
}

/// Machine code for one function, not yet in executable memory.
pub struct CompiledFunction {
    /// The wasm function index (or `u32::MAX` for trampolines).
    pub func_index: u32,
    /// The machine code.
    pub code: Vec<u8>,
    /// Required alignment of the code.
    pub alignment: u64,
    /// Trap sites: code offset and trap code.
    pub traps: Vec<(u32, TrapCode)>,
    /// Trap sites in code inlined from another function (`GoOptimizations::inline_small`; the
    /// translator marks it with that function's index as source location): offset and function,
    /// sorted by offset.
    pub inlined_traps: Vec<(u32, u32)>,
    /// Relocations (libcalls only; wasm calls go through vmctx).
    pub relocs: Vec<FinalizedMachReloc>,
    /// The defined functions the code calls directly, in order of first call (see
    /// `gojit_frontend::translate::Translation`); empty for trampolines and OSR entries.
    pub direct_callees: Vec<u32>,
}

/// Alignment of every function's code: a cache line, so that a function's loops sit the same
/// way whatever was published before it (Go aligns functions to 32 bytes). Measured against
/// 16 bytes on 12 call-heavy benchmark rows (3 runs each, warm caches): geometric mean 0.986,
/// json CodeEncoder 0.91, fmt ManyArgs 0.97; the `sum` kernel's loop 7% faster.
const FUNCTION_ALIGNMENT: u32 = 64;

/// Compiles wasm functions for one target ISA.
pub struct Compiler {
    isa: OwnedTargetIsa,
    go: translate::GoOptimizations,
    baseline: bool,
    options: translate::TranslateOptions,
}

impl Compiler {
    /// A compiler for the host.
    ///
    /// # Errors
    /// [`JitError::Target`] if the host is not supported.
    pub fn host(opts: &IsaOptions) -> Result<Compiler, JitError> {
        Ok(Compiler {
            isa: isa::host(opts)?,
            go: opts.go,
            baseline: opts.baseline,
            options: translate::TranslateOptions {
                tier_up_counters: opts.baseline,
                lazy_call_stubs: opts.lazy_call_stubs,
                osr_entry: None,
                interrupt_checks: opts.interrupt_checks,
            },
        })
    }

    /// A compiler for `triple` (cross-compilation; the code cannot run here unless it is the host).
    ///
    /// # Errors
    /// [`JitError::Target`] if the triple is not supported.
    pub fn for_triple(triple: &str, opts: &IsaOptions) -> Result<Compiler, JitError> {
        Ok(Compiler {
            isa: isa::for_triple(triple, opts)?,
            go: opts.go,
            baseline: opts.baseline,
            options: translate::TranslateOptions {
                tier_up_counters: opts.baseline,
                lazy_call_stubs: opts.lazy_call_stubs,
                osr_entry: None,
                interrupt_checks: opts.interrupt_checks,
            },
        })
    }

    /// The target ISA.
    pub fn isa(&self) -> &OwnedTargetIsa {
        &self.isa
    }

    /// Everything that determines the machine code for a given function body: gojit's version
    /// (which pins Cranelift's), the target triple, every Cranelift and ISA flag, and the
    /// Go-aware lowerings. Part of the code cache key.
    pub fn fingerprint(&self) -> String {
        let isa_flags: Vec<String> = self.isa.isa_flags().iter().map(|v| v.to_string()).collect();
        format!(
            "gojit {} | {} | {} | {} | {:?} | baseline {} | {:?}",
            env!("CARGO_PKG_VERSION"),
            self.isa.triple(),
            self.isa.flags(),
            isa_flags.join(","),
            self.go,
            self.baseline,
            self.options
        )
    }

    /// Whether compiled calls rely on lazy-compilation stubs (no null check; see
    /// [`IsaOptions::lazy_call_stubs`]).
    pub fn lazy_call_stubs(&self) -> bool {
        self.options.lazy_call_stubs
    }

    /// Whether this is the baseline tier (see [`IsaOptions::baseline`]).
    pub fn is_baseline(&self) -> bool {
        self.baseline
    }

    /// What the translator needs to know about the target.
    pub fn frontend_config(&self) -> TargetFrontendConfig {
        self.isa.frontend_config()
    }

    /// Translates and compiles function `func_index` of `module` (an import gets its trampoline).
    ///
    /// # Errors
    /// [`JitError::Translate`] or [`JitError::Codegen`], naming the function.
    pub fn compile_function(
        &self,
        module: &ModuleInfo,
        func_index: u32,
    ) -> Result<CompiledFunction, JitError> {
        no_panic(module, func_index, || {
            let t = self.translate(module, func_index, self.options)?;
            let mut compiled =
                self.compile_clif(t.func, func_index, || module.func_name(func_index))?;
            compiled.direct_callees = t.direct_callees;
            Ok(compiled)
        })
    }

    /// Compiles the on-stack-replacement entry of function `func_index` for `site` (see
    /// `gojit_frontend::translate::TranslateOptions::osr_entry`) with this compiler's tier.
    ///
    /// # Errors
    /// [`JitError::Translate`] (e.g. no such site) or [`JitError::Codegen`].
    pub fn compile_osr_entry(
        &self,
        module: &ModuleInfo,
        func_index: u32,
        site: u32,
    ) -> Result<CompiledFunction, JitError> {
        let options = translate::TranslateOptions {
            tier_up_counters: false,
            osr_entry: Some(site),
            ..self.options
        };
        no_panic(module, func_index, || {
            let func = self.translate(module, func_index, options)?.func;
            self.compile_clif(func, func_index, || module.func_name(func_index))
        })
    }

    /// The CLIF of function `func_index` (an import: its trampoline) with `options`.
    fn translate(
        &self,
        module: &ModuleInfo,
        func_index: u32,
        options: translate::TranslateOptions,
    ) -> Result<translate::Translation, JitError> {
        let config = self.frontend_config();
        if func_index < module.num_imports() {
            return Ok(translate::Translation {
                func: translate::translate_import_trampoline(
                    module,
                    func_index,
                    &config,
                    self.pinned_sp(module),
                ),
                direct_callees: Vec::new(),
            });
        }
        let mut ctx = FunctionBuilderContext::new();
        translate::translate_function_with(module, func_index, &config, self.go, options, &mut ctx)
            .map_err(|e| JitError::Translate {
                func: module.func_name(func_index),
                message: e.to_string(),
            })
    }

    /// The CLIF of function `func_index` as this compiler translates it, and the machine code
    /// Cranelift makes of it (its assembly listing), for inspecting code generation.
    ///
    /// # Errors
    /// [`JitError::Translate`] or [`JitError::Codegen`], naming the function.
    pub fn disassemble(
        &self,
        module: &ModuleInfo,
        func_index: u32,
    ) -> Result<(String, String), JitError> {
        let func = self.translate(module, func_index, self.options)?.func;
        let clif = func.display().to_string();
        let mut ctx = Context::for_function(func);
        ctx.set_disasm(true);
        let compiled = ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| JitError::Codegen {
                func: module.func_name(func_index),
                message: format!("{:?}", e.inner),
            })?;
        let asm = compiled.vcode.clone().unwrap_or_default();
        Ok((clif, asm))
    }

    /// Compiles an already translated function.
    ///
    /// # Errors
    /// [`JitError::Codegen`] naming the function.
    pub fn compile_clif(
        &self,
        func: Function,
        func_index: u32,
        name: impl FnOnce() -> String,
    ) -> Result<CompiledFunction, JitError> {
        let mut ctx = Context::for_function(func);
        let compiled = match ctx.compile(&*self.isa, &mut ControlPlane::default()) {
            Ok(c) => c,
            Err(e) => {
                return Err(JitError::Codegen {
                    func: name(),
                    message: format!("{:?}", e.inner),
                });
            }
        };
        let code = compiled.code_buffer().to_vec();
        let traps: Vec<(u32, TrapCode)> = compiled
            .buffer
            .traps()
            .iter()
            .map(|t| (t.offset, t.code))
            .collect();
        let srclocs = compiled.buffer.get_srclocs_sorted();
        let mut inlined_traps: Vec<(u32, u32)> = traps
            .iter()
            .filter_map(|&(off, _)| {
                let i = srclocs.partition_point(|s| s.end <= off);
                let s = srclocs.get(i)?;
                (s.start <= off && !s.loc.is_default()).then(|| (off, s.loc.bits()))
            })
            .collect();
        inlined_traps.sort_unstable();
        let relocs = compiled.buffer.relocs().to_vec();
        let alignment = u64::from(compiled.buffer.alignment.max(FUNCTION_ALIGNMENT));
        Ok(CompiledFunction {
            func_index,
            code,
            alignment,
            traps,
            inlined_traps,
            relocs,
            direct_callees: Vec::new(),
        })
    }

    /// Compiles functions `indices` of `module` on all cores and maps each result through `each`
    /// (on the compiling thread, so a caller that only needs a summary keeps no machine code).
    /// Results come back in no particular order.
    ///
    /// # Errors
    /// The first [`JitError`] a thread met (or [`JitError::Codegen`] if a thread panicked).
    pub fn compile_parallel<T: Send>(
        &self,
        module: &ModuleInfo,
        indices: &[u32],
        each: impl Fn(CompiledFunction) -> T + Sync,
    ) -> Result<Vec<T>, JitError> {
        let threads = crate::host_parallelism().clamp(1, indices.len().max(1));
        let each = &each;
        if threads == 1 {
            // One function or one core: a thread of its own would only add its start-up.
            return indices
                .iter()
                .map(|&i| self.compile_function(module, i).map(each))
                .collect();
        }
        let per_thread: Vec<Result<Vec<T>, JitError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        indices
                            .iter()
                            .skip(t)
                            .step_by(threads)
                            .map(|&i| self.compile_function(module, i).map(each))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(JitError::Codegen {
                            func: "(parallel compilation)".into(),
                            message: "compiler thread panicked".into(),
                        })
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(indices.len());
        for r in per_thread {
            out.extend(r?);
        }
        Ok(out)
    }

    /// Whether Go's SP lives in the pinned register in `module`'s code.
    pub fn pinned_sp(&self, module: &ModuleInfo) -> bool {
        self.go.pinned_sp && translate::go_global_layout(module)
    }

    /// Compiles the entry trampoline for calling a wasm function of type `ty` from the host:
    /// `extern "C" fn(vmctx, callee, args: *mut u64)`. It loads the parameters from `args`
    /// (8-byte slots), calls `callee`, and stores the results back into `args` from slot 0.
    ///
    /// # Errors
    /// [`JitError::Codegen`] if Cranelift rejects it (a bug).
    ///
    /// With `pinned_sp`, it also loads Go's SP from vmctx global 0 into the pinned register before
    /// the call and stores it back after, preserving the caller's value of that register.
    pub fn compile_entry_trampoline(
        &self,
        ty: &FuncType,
        pinned_sp: bool,
    ) -> Result<CompiledFunction, JitError> {
        let config = self.frontend_config();
        let ptr = config.pointer_type();
        let mut sig = Signature::new(CallConv::triple_default(self.isa.triple()));
        sig.params
            .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
        let mut func = Function::with_name_signature(UserFuncName::user(1, 0), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry).to_vec();
        let (vmctx, callee, args) = (p[0], p[1], p[2]);
        let flags = MemFlagsData::trusted();
        let mut call_args = vec![vmctx];
        for (i, &t) in ty.params.iter().enumerate() {
            call_args.push(b.ins().load(clif_type(t), flags, args, (i * 8) as i32));
        }
        let wasm_sig = b.import_signature(wasm_signature(ty, &config));
        let host_reg = pinned_sp.then(|| b.ins().get_pinned_reg(types::I64));
        if pinned_sp {
            let sp = b
                .ins()
                .load(types::I32, flags, vmctx, gojit_frontend::vmctx::global(0));
            let sp = b.ins().uextend(types::I64, sp);
            b.ins().set_pinned_reg(sp);
        }
        let call = b.ins().call_indirect(wasm_sig, callee, &call_args);
        let results = b.inst_results(call).to_vec();
        if let Some(host_reg) = host_reg {
            let sp = b.ins().get_pinned_reg(types::I64);
            let sp = b.ins().ireduce(types::I32, sp);
            b.ins()
                .store(flags, sp, vmctx, gojit_frontend::vmctx::global(0));
            b.ins().set_pinned_reg(host_reg);
        }
        for (i, r) in results.into_iter().enumerate() {
            // Zero the slot first so an i32/f32 result leaves a clean upper half.
            let zero = b.ins().iconst(types::I64, 0);
            b.ins().store(flags, zero, args, (i * 8) as i32);
            b.ins().store(flags, r, args, (i * 8) as i32);
        }
        b.ins().return_(&[]);
        b.finalize(config);
        self.compile_clif(func, u32::MAX, || format!("entry trampoline for {ty}"))
    }
}
