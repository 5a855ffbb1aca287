//! The interpreter loop: runs one decoded function call on an operand stack of 64-bit slots
//! (locals first), reaching linear memory, globals and the table through vmctx exactly as
//! compiled code does, and calling other functions through vmctx's function pointers (compiled
//! code, or the lazy stub that interprets the callee).

use super::decode::InterpFunc;
use super::native::{CallArea, call_native};
use super::ops::{LoadKind, Op, StoreKind};
use super::{Interp, numeric};
use gojit_frontend::module::{FuncType, ValType};
use gojit_frontend::traps::Trap;
use gojit_frontend::vmctx::{self, TableEntry};

/// Word `offset / 8` of vmctx.
///
/// # Safety
/// `vmctx` must be a live instance's vmctx and `offset` one of its fields.
unsafe fn field(vmctx: *mut u64, offset: i32) -> u64 {
    // SAFETY: per the contract.
    unsafe { *vmctx.add(offset as usize / 8) }
}

/// The running call's view of its instance.
pub(crate) struct Machine<'a> {
    pub(crate) vmctx: *mut u64,
    pub(crate) code: &'a crate::code::ModuleCode,
    pub(crate) interp: &'a Interp,
    /// The function running, for its tier-up budget and OSR.
    pub(crate) func_index: u32,
}

impl Machine<'_> {
    fn memory(&self) -> (*mut u8, u64) {
        // SAFETY: `vmctx` is the live instance's (the running call's).
        unsafe {
            (
                field(self.vmctx, vmctx::MEMORY_BASE) as *mut u8,
                field(self.vmctx, vmctx::MEMORY_SIZE),
            )
        }
    }

    /// The host address of `[addr + offset, + len)`, if that is inside linear memory.
    fn address(&self, addr: u64, offset: u32, len: u64) -> Result<*mut u8, Trap> {
        let (base, size) = self.memory();
        let ea = (addr & 0xffff_ffff) + u64::from(offset);
        if ea + len > size {
            return Err(Trap::MemoryOutOfBounds);
        }
        Ok(base.wrapping_add(ea as usize))
    }

    fn load(&self, kind: LoadKind, addr: u64, offset: u32) -> Result<u64, Trap> {
        use LoadKind as L;
        let len = match kind {
            L::I32S8 | L::I32U8 | L::I64S8 | L::I64U8 => 1,
            L::I32S16 | L::I32U16 | L::I64S16 | L::I64U16 => 2,
            L::I32 | L::F32 | L::I64S32 | L::I64U32 => 4,
            L::I64 | L::F64 => 8,
        };
        let p = self.address(addr, offset, len)?;
        // SAFETY: `address` checked that `len` bytes at `p` lie inside the accessible prefix of
        // linear memory (mapped, readable); unaligned reads are fine for these integer types.
        let v = unsafe {
            match len {
                1 => u64::from(p.read()),
                2 => u64::from(p.cast::<u16>().read_unaligned()),
                4 => u64::from(p.cast::<u32>().read_unaligned()),
                _ => p.cast::<u64>().read_unaligned(),
            }
        };
        Ok(match kind {
            L::I32S8 => u64::from(v as u8 as i8 as i32 as u32),
            L::I32S16 => u64::from(v as u16 as i16 as i32 as u32),
            L::I64S8 => v as u8 as i8 as i64 as u64,
            L::I64S16 => v as u16 as i16 as i64 as u64,
            L::I64S32 => v as u32 as i32 as i64 as u64,
            _ => v,
        })
    }

    fn store(&self, kind: StoreKind, addr: u64, offset: u32, v: u64) -> Result<(), Trap> {
        let len = match kind {
            StoreKind::B1 => 1,
            StoreKind::B2 => 2,
            StoreKind::B4 => 4,
            StoreKind::B8 => 8,
        };
        let p = self.address(addr, offset, len)?;
        // SAFETY: `address` checked that `len` bytes at `p` lie inside the accessible prefix of
        // linear memory (mapped, writable); the guest owns those bytes.
        unsafe {
            match kind {
                StoreKind::B1 => p.write(v as u8),
                StoreKind::B2 => p.cast::<u16>().write_unaligned(v as u16),
                StoreKind::B4 => p.cast::<u32>().write_unaligned(v as u32),
                StoreKind::B8 => p.cast::<u64>().write_unaligned(v),
            }
        }
        Ok(())
    }

    fn global(&self, index: u32) -> *mut u64 {
        self.vmctx.wrapping_add(vmctx::global(index) as usize / 8)
    }

    /// Calls function `index` (any kind: compiled, interpreted through its stub, an import's
    /// trampoline) with `args`; returns its result (0 if none).
    fn call(&self, index: u32, ty: &FuncType, args: &[u64]) -> u64 {
        // SAFETY: `func_ptrs` has one slot per function; `index` is a valid function index
        // (validated module). Slots always hold callable code (compiled, or a lazy stub).
        let func = unsafe {
            let ptrs = field(self.vmctx, vmctx::FUNC_PTRS) as *const *const u8;
            *ptrs.add(index as usize)
        };
        self.call_code(func, ty, args)
    }

    /// Calls `func` (wasm calling convention, signature `ty`) with `args`.
    fn call_code(&self, func: *const u8, ty: &FuncType, args: &[u64]) -> u64 {
        let mut area = CallArea::new(func, self.vmctx);
        let (mut ints, mut floats) = (0, 0);
        for (t, &a) in ty.params.iter().zip(args) {
            if matches!(t, ValType::F32 | ValType::F64) {
                area.floats[floats] = a;
                floats += 1;
            } else {
                area.ints[ints] = a;
                ints += 1;
            }
        }
        self.call_area(&mut area);
        if matches!(ty.results.first(), Some(ValType::F32 | ValType::F64)) {
            area.ret_float
        } else {
            area.ret_int
        }
    }

    /// Makes the call `area` describes, keeping Go's SP coherent: with a pinned SP register,
    /// compiled code keeps it there rather than in global 0, which the interpreter uses.
    fn call_area(&self, area: &mut CallArea) {
        let sp = self.global(0);
        if self.interp.pinned_sp {
            // SAFETY: global 0 exists in a Go-layout module (which `pinned_sp` requires).
            area.sp = unsafe { *sp };
        }
        call_native(area);
        if self.interp.pinned_sp {
            // SAFETY: as above.
            unsafe { *sp = area.sp };
        }
    }

    /// Whether the host has interrupted the store (checked at backward branches, as compiled
    /// code with interrupt checks does; calls check the stack limit, which an interrupt raises).
    #[inline]
    fn interrupted(&self) -> bool {
        // SAFETY: the live instance's vmctx.
        unsafe { crate::vm::interrupt::is_interrupted(self.vmctx) }
    }

    /// A backward branch to the loop at `site`: spends a unit of the budget; once the loop is
    /// hot (and if `osr_possible`), returns the optimized OSR entry to move the call into, if it
    /// is ready.
    fn back_edge(&self, site: u32, osr_possible: bool) -> Option<*const u8> {
        if !self.interp.back_edge(self.func_index) || !osr_possible {
            return None;
        }
        self.code.interp_hot_loop(self.func_index, site)
    }
}

/// Runs `f` (function `m.func_index`) with its parameters in `frame[..num_params]`; `frame` is
/// `num_locals + max_stack` slots, the rest zero. Returns the result (0 if none).
pub(crate) fn run(m: &Machine<'_>, f: &InterpFunc, frame: &mut [u64]) -> Result<u64, Trap> {
    let info = &*m.interp.info;
    let locals = f.num_locals as usize;
    // `sp`: the number of operand slots in use (above the locals).
    let mut sp = locals;
    let mut pc = 0usize;
    macro_rules! pop {
        () => {{
            sp -= 1;
            frame[sp]
        }};
    }
    macro_rules! push {
        ($v:expr) => {{
            let v = $v;
            frame[sp] = v;
            sp += 1;
        }};
    }
    // Takes branch `t`; a back-edge of a hot loop may instead move the call into OSR code,
    // whose result is the call's.
    macro_rules! take {
        ($t:expr) => {{
            let t: super::ops::BrTarget = $t;
            if t.back_site != super::ops::BrTarget::FORWARD && m.interrupted() {
                return Err(Trap::Interrupted);
            }
            // Only a loop with no operands below it can move into OSR code (its entry starts
            // from the locals alone); other loops spend the budget without asking for one.
            if t.back_site != super::ops::BrTarget::FORWARD
                && let Some(code) = m.back_edge(t.back_site, t.height == 0 && t.keep == 0)
            {
                return Ok(osr(m, f, code, frame));
            }
            sp = branch(frame, sp, locals, t.height, t.keep);
            pc = t.pc as usize;
        }};
    }
    loop {
        let op = f.code[pc];
        pc += 1;
        match op {
            Op::LocalGet(i) => push!(frame[i as usize]),
            Op::LocalSet(i) => {
                let v = pop!();
                frame[i as usize] = v;
            }
            Op::LocalTee(i) => frame[i as usize] = frame[sp - 1],
            Op::Const(v) => push!(v),
            Op::Load(kind, offset) => {
                let a = frame[sp - 1];
                frame[sp - 1] = m.load(kind, a, offset)?;
            }
            Op::Store(kind, offset) => {
                let v = pop!();
                let a = pop!();
                m.store(kind, a, offset, v)?;
            }
            Op::Bin(b) => {
                let y = pop!();
                let x = frame[sp - 1];
                frame[sp - 1] = numeric::bin(b, x, y)?;
            }
            Op::Un(u) => frame[sp - 1] = numeric::un(u, frame[sp - 1])?,
            Op::GlobalGet32(g) => {
                // SAFETY: validated global index: its vmctx slot exists.
                push!(unsafe { *m.global(g) } & 0xffff_ffff)
            }
            Op::GlobalGet64(g) => {
                // SAFETY: as above.
                push!(unsafe { *m.global(g) })
            }
            Op::GlobalSet(g) => {
                let v = pop!();
                let ty = info.globals[g as usize].ty;
                let v = if matches!(ty, ValType::I32 | ValType::F32) {
                    v & 0xffff_ffff
                } else {
                    v
                };
                // SAFETY: validated (mutable) global index: its vmctx slot exists.
                unsafe { *m.global(g) = v };
            }
            Op::Br(t) => take!(t),
            Op::BrIf(t) => {
                if pop!() as u32 != 0 {
                    take!(t);
                }
            }
            Op::BrUnless(target) => {
                if pop!() as u32 == 0 {
                    pc = target as usize;
                }
            }
            Op::BrTable { start, len } => {
                let i = (pop!() as u32).min(len - 1);
                take!(f.br_tables[(start + i) as usize]);
            }
            Op::Return => {
                return Ok(if f.num_results == 1 { frame[sp - 1] } else { 0 });
            }
            Op::Call(callee) => {
                let ty = info.func_type(callee);
                let n = ty.params.len();
                sp -= n;
                let r = m.call(callee, ty, &frame[sp..sp + n]);
                if !ty.results.is_empty() {
                    push!(r);
                }
            }
            Op::CallIndirect(type_index) => {
                let index = pop!() as u32;
                let ty = &info.types[type_index as usize];
                let n = ty.params.len();
                sp -= n;
                let func = table_entry(m, index, info.canonical_sig[type_index as usize])?;
                let r = m.call(func, ty, &frame[sp..sp + n]);
                if !ty.results.is_empty() {
                    push!(r);
                }
            }
            Op::Drop => sp -= 1,
            Op::Select => {
                let c = pop!();
                let b = pop!();
                if c as u32 == 0 {
                    frame[sp - 1] = b;
                }
            }
            Op::MemorySize => {
                let (_, size) = m.memory();
                push!(size / vmctx::PAGE_SIZE)
            }
            Op::MemoryGrow => {
                let delta = frame[sp - 1] as u32;
                frame[sp - 1] = u64::from(crate::vm::builtins::memory_grow(m.vmctx, delta));
            }
            Op::MemoryCopy => {
                let len = pop!() as u32;
                let src = pop!() as u32;
                let dst = pop!() as u32;
                if crate::vm::builtins::memory_copy(m.vmctx, dst, src, len) != 0 {
                    return Err(Trap::MemoryOutOfBounds);
                }
            }
            Op::MemoryFill => {
                let len = pop!() as u32;
                let value = pop!() as u32;
                let dst = pop!() as u32;
                if crate::vm::builtins::memory_fill(m.vmctx, dst, value, len) != 0 {
                    return Err(Trap::MemoryOutOfBounds);
                }
            }
            Op::Unreachable => return Err(Trap::Unreachable),
        }
    }
}

/// Takes a branch: moves the `keep` top operands down to `height`; returns the new top.
fn branch(frame: &mut [u64], sp: usize, locals: usize, height: u32, keep: u32) -> usize {
    let to = locals + height as usize;
    let keep = keep as usize;
    if keep > 0 && to + keep != sp {
        frame.copy_within(sp - keep..sp, to);
    }
    to + keep
}

/// The function in table slot `index`, checked as `call_indirect` checks it.
fn table_entry(m: &Machine<'_>, index: u32, expected_sig: u32) -> Result<u32, Trap> {
    // SAFETY: the live instance's vmctx fields.
    let (base, len) = unsafe {
        (
            field(m.vmctx, vmctx::TABLE_BASE) as *const TableEntry,
            field(m.vmctx, vmctx::TABLE_LEN),
        )
    };
    if u64::from(index) >= len {
        return Err(Trap::TableOutOfBounds);
    }
    // SAFETY: `index < len`, the table's length.
    let entry = unsafe { *base.add(index as usize) };
    if entry.sig != expected_sig {
        return Err(if entry.sig == TableEntry::NULL_SIG {
            Trap::IndirectCallToNull
        } else {
            Trap::BadSignature
        });
    }
    Ok(entry.func)
}

/// Moves the call into `code`, the OSR entry of its function at the loop just branched to:
/// the entry takes the locals from a buffer of 8-byte slots (the frame's first part) and
/// returns the call's result.
fn osr(m: &Machine<'_>, f: &InterpFunc, code: *const u8, frame: &mut [u64]) -> u64 {
    let mut area = CallArea::new(code, m.vmctx);
    area.ints[0] = frame.as_mut_ptr() as u64;
    m.call_area(&mut area);
    if f.float_result {
        area.ret_float
    } else {
        area.ret_int
    }
}
