//! Executable code memory (via `cranelift-jit`'s `JITModule`) and the table that maps a code
//! address back to its wasm function and trap code.

use crate::JitError;
use crate::compile::CompiledFunction;
use cranelift_codegen::ir::TrapCode;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Module, ModuleReloc, default_libcall_names};
use std::collections::BTreeMap;

/// Where one published function lives, and its trap sites.
#[derive(Debug)]
pub struct FuncCode {
    /// Address of the first instruction.
    pub start: usize,
    /// Code length in bytes.
    pub len: usize,
    /// The wasm function index (`u32::MAX` for trampolines).
    pub func_index: u32,
    /// Trap sites, sorted by offset.
    pub traps: Vec<(u32, TrapCode)>,
}

/// What a code address means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapLookup {
    /// The wasm function containing the address (`u32::MAX` for trampolines).
    pub func_index: u32,
    /// The trap code recorded at exactly this address, if any.
    pub trap: Option<TrapCode>,
}

/// Executable memory holding published functions.
pub struct CodeMemory {
    module: JITModule,
    by_address: BTreeMap<usize, FuncCode>,
}

impl CodeMemory {
    /// Code memory for code compiled for `isa` (which must be the host's).
    pub fn new(isa: OwnedTargetIsa) -> CodeMemory {
        let builder = JITBuilder::with_isa(isa, default_libcall_names());
        CodeMemory { module: JITModule::new(builder), by_address: BTreeMap::new() }
    }

    /// Copies compiled functions into executable memory and returns their entry addresses, in
    /// order. Publishing several functions at once shares one page-protection change.
    ///
    /// # Errors
    /// [`JitError::Memory`] if memory cannot be allocated, a relocation cannot be resolved, or
    /// the pages cannot be made executable.
    pub fn publish(&mut self, funcs: Vec<CompiledFunction>) -> Result<Vec<*const u8>, JitError> {
        let mem = |e: cranelift_module::ModuleError| JitError::Memory(e.to_string());
        let mut ids = Vec::with_capacity(funcs.len());
        for f in &funcs {
            let id = self.module.declare_anonymous_function(&f.func.signature).map_err(mem)?;
            let relocs: Vec<ModuleReloc> =
                f.relocs.iter().map(|r| ModuleReloc::from_mach_reloc(r, &f.func, id)).collect();
            self.module.define_function_bytes(id, f.alignment, &f.code, &relocs).map_err(mem)?;
            ids.push(id);
        }
        self.module.finalize_definitions().map_err(mem)?;
        let mut out = Vec::with_capacity(funcs.len());
        for (f, id) in funcs.into_iter().zip(ids) {
            let start = self.module.get_finalized_function(id);
            let mut traps = f.traps;
            traps.sort_by_key(|t| t.0);
            self.by_address.insert(
                start as usize,
                FuncCode { start: start as usize, len: f.code.len(), func_index: f.func_index, traps },
            );
            out.push(start);
        }
        Ok(out)
    }

    /// The function containing `pc` and the trap code at `pc`, if `pc` is in published code.
    pub fn lookup(&self, pc: usize) -> Option<TrapLookup> {
        let (_, f) = self.by_address.range(..=pc).next_back()?;
        if pc >= f.start + f.len {
            return None;
        }
        let off = (pc - f.start) as u32;
        let trap = f.traps.binary_search_by_key(&off, |t| t.0).ok().map(|i| f.traps[i].1);
        Some(TrapLookup { func_index: f.func_index, trap })
    }

    /// Number of published functions.
    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    /// Whether nothing has been published.
    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }
}
