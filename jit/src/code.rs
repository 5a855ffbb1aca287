//! Executable code memory (via `cranelift-jit`'s `JITModule`) and the table that maps a code
//! address back to its wasm function and trap code.

use crate::JitError;
use crate::compile::CompiledFunction;
use cranelift_codegen::ir::TrapCode;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Module, ModuleReloc, default_libcall_names};

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
    pub traps: Box<[(u32, TrapCode)]>,
    /// Trap sites in code inlined from another function: (offset, that function's index),
    /// sorted by offset.
    pub inlined: Box<[(u32, u32)]>,
}

impl FuncCode {
    /// Whether `pc` is inside this function.
    pub fn contains(&self, pc: usize) -> bool {
        pc >= self.start && pc < self.start + self.len
    }

    /// The trap code recorded at exactly `pc`, if any.
    pub fn trap_at(&self, pc: usize) -> Option<TrapCode> {
        let off = u32::try_from(pc.checked_sub(self.start)?).ok()?;
        self.traps
            .binary_search_by_key(&off, |t| t.0)
            .ok()
            .map(|i| self.traps[i].1)
    }

    /// The wasm function whose code is at trap site `pc`: the function a call was inlined from,
    /// else this function.
    pub fn func_at(&self, pc: usize) -> u32 {
        pc.checked_sub(self.start)
            .and_then(|off| u32::try_from(off).ok())
            .and_then(|off| self.inlined.binary_search_by_key(&off, |t| t.0).ok())
            .map_or(self.func_index, |i| self.inlined[i].1)
    }
}

/// Machine code without relocations, ready to publish: what the code cache stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCode {
    /// The wasm function index.
    pub func_index: u32,
    /// Required alignment.
    pub alignment: u64,
    /// The machine code.
    pub code: SharedBytes,
    /// Trap sites, sorted by offset.
    pub traps: Box<[(u32, TrapCode)]>,
    /// Trap sites in inlined code and the function they came from, sorted by offset.
    pub inlined: Box<[(u32, u32)]>,
}

/// A byte range of a shared buffer: the code of one function in a code-cache file (all of them
/// share the file's buffer, so loading a cache copies no code until it is published).
#[derive(Clone)]
pub struct SharedBytes {
    buf: std::sync::Arc<[u8]>,
    range: std::ops::Range<usize>,
}

impl SharedBytes {
    /// `buf[range]`, or `None` if the range is not inside `buf`.
    pub fn new(buf: std::sync::Arc<[u8]>, range: std::ops::Range<usize>) -> Option<SharedBytes> {
        (range.start <= range.end && range.end <= buf.len()).then_some(SharedBytes { buf, range })
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(v: &[u8]) -> SharedBytes {
        SharedBytes {
            buf: v.into(),
            range: 0..v.len(),
        }
    }
}

impl PartialEq for SharedBytes {
    fn eq(&self, other: &SharedBytes) -> bool {
        **self == **other
    }
}

impl Eq for SharedBytes {}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

impl std::ops::Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

impl RawCode {
    /// The cacheable form of a compiled function, or `None` if it has relocations.
    pub fn from_compiled(f: &CompiledFunction) -> Option<RawCode> {
        if !f.relocs.is_empty() {
            return None;
        }
        let mut traps = f.traps.clone();
        traps.sort_by_key(|t| t.0);
        Some(RawCode {
            func_index: f.func_index,
            alignment: f.alignment,
            code: f.code.as_slice().into(),
            traps: traps.into(),
            inlined: f.inlined_traps.clone().into(),
        })
    }
}

/// Executable memory holding published functions. Not thread-safe by itself: the runtime keeps
/// it behind a lock and records published functions in its own lock-free registry.
pub struct CodeMemory {
    /// Always `Some` until dropped (`free_memory` consumes the module).
    module: Option<JITModule>,
}

// SAFETY: `JITModule` holds raw pointers to memory it owns exclusively; moving it to another
// thread is sound, and all access goes through `&mut self`.
unsafe impl Send for CodeMemory {}

impl CodeMemory {
    /// Code memory for code compiled for `isa` (which must be the host's).
    pub fn new(isa: OwnedTargetIsa) -> CodeMemory {
        let builder = JITBuilder::with_isa(isa, default_libcall_names());
        CodeMemory {
            module: Some(JITModule::new(builder)),
        }
    }

    /// Publishes machine code that needs no relocations (e.g. loaded from the code cache).
    ///
    /// # Errors
    /// As [`CodeMemory::publish`].
    pub fn publish_raw(&mut self, funcs: &[RawCode]) -> Result<Vec<FuncCode>, JitError> {
        let mem = |e: cranelift_module::ModuleError| JitError::Memory(e.to_string());
        let module = self.module.as_mut().expect("code memory used after drop");
        let sig = module.make_signature();
        let mut ids = Vec::with_capacity(funcs.len());
        for f in funcs {
            let id = module.declare_anonymous_function(&sig).map_err(mem)?;
            module
                .define_function_bytes(id, f.alignment, &f.code, &[])
                .map_err(mem)?;
            ids.push(id);
        }
        module.finalize_definitions().map_err(mem)?;
        Ok(funcs
            .iter()
            .zip(ids)
            .map(|(f, id)| FuncCode {
                start: module.get_finalized_function(id) as usize,
                len: f.code.len(),
                func_index: f.func_index,
                traps: f.traps.clone(),
                inlined: f.inlined.clone(),
            })
            .collect())
    }

    /// Copies compiled functions into executable memory and returns where each landed, in
    /// order. Publishing several functions at once shares one page-protection change.
    ///
    /// # Errors
    /// [`JitError::Memory`] if memory cannot be allocated, a relocation cannot be resolved, or
    /// the pages cannot be made executable.
    pub fn publish(&mut self, funcs: Vec<CompiledFunction>) -> Result<Vec<FuncCode>, JitError> {
        let mem = |e: cranelift_module::ModuleError| JitError::Memory(e.to_string());
        let module = self.module.as_mut().expect("code memory used after drop");
        let mut ids = Vec::with_capacity(funcs.len());
        for f in &funcs {
            let id = module
                .declare_anonymous_function(&f.func.signature)
                .map_err(mem)?;
            let relocs: Vec<ModuleReloc> = f
                .relocs
                .iter()
                .map(|r| ModuleReloc::from_mach_reloc(r, &f.func, id))
                .collect();
            module
                .define_function_bytes(id, f.alignment, &f.code, &relocs)
                .map_err(mem)?;
            ids.push(id);
        }
        module.finalize_definitions().map_err(mem)?;
        Ok(funcs
            .into_iter()
            .zip(ids)
            .map(|(f, id)| {
                let mut traps = f.traps;
                traps.sort_by_key(|t| t.0);
                FuncCode {
                    start: module.get_finalized_function(id) as usize,
                    len: f.code.len(),
                    func_index: f.func_index,
                    traps: traps.into_boxed_slice(),
                    inlined: f.inlined_traps.into_boxed_slice(),
                }
            })
            .collect())
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // Nothing may run published code any more: the runtime drops code memory only with the
        // last reference to its module (every instance holds one).
        if let Some(module) = self.module.take() {
            // SAFETY: per the above, no pointer into this module's code is used after this point.
            unsafe { module.free_memory() };
        }
    }
}
