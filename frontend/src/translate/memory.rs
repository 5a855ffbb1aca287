//! Memory operators: loads, stores, `memory.size`, `memory.grow`, `memory.copy`, `memory.fill`.
//!
//! SANDBOX-CRITICAL. Every wasm32 effective address is `zext(index) + offset < 8 GiB`. The runtime
//! reserves `vmctx::MEMORY_RESERVATION` (8 GiB) plus a guard for each linear memory, with only the
//! first `memory_size` bytes accessible, so a load or store is emitted as a single access at
//! `memory_base + zext(index) + offset` without an explicit bounds check: an out-of-bounds access
//! faults inside our own reservation, and the fault is reported as `MemoryOutOfBounds` (every such
//! access carries the `HEAP_OUT_OF_BOUNDS` trap code, so its PC is in the trap table). The bulk
//! operations go through builtins that check their whole range before touching memory.

use super::{FuncTranslator, TranslateError};
use crate::builtins::Builtin;
use crate::traps::Trap;
use crate::vmctx;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use wasmparser::{MemArg, Operator};

fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_endianness(Endianness::Little)
        .with_trap_code(Some(Trap::MemoryOutOfBounds.code()))
}

#[derive(Clone, Copy)]
enum Load {
    Plain(Type),
    U8,
    S8,
    U16,
    S16,
    U32,
    S32,
}

impl FuncTranslator<'_, '_> {
    /// The native address and the remaining immediate offset for an access at `index + offset`.
    fn heap_address(&mut self, index: Value, memarg: &MemArg) -> (Value, i32) {
        let base = self
            .memory_base
            .expect("memory access in a module without memory (validated)");
        let index = self.builder.ins().uextend(self.ptr, index);
        let addr = self.builder.ins().iadd(base, index);
        match i32::try_from(memarg.offset) {
            Ok(off) => (addr, off),
            Err(_) => {
                let off = memarg.offset as i64;
                (self.builder.ins().iadd_imm_u(addr, off), 0)
            }
        }
    }

    fn load(&mut self, memarg: &MemArg, result: Type, kind: Load) {
        let index = self.pop();
        let (addr, off) = self.heap_address(index, memarg);
        let f = heap_flags();
        let ins = self.builder.ins();
        let v = match kind {
            Load::Plain(ty) => ins.load(ty, f, addr, off),
            Load::U8 => ins.uload8(result, f, addr, off),
            Load::S8 => ins.sload8(result, f, addr, off),
            Load::U16 => ins.uload16(result, f, addr, off),
            Load::S16 => ins.sload16(result, f, addr, off),
            Load::U32 => ins.uload32(f, addr, off),
            Load::S32 => ins.sload32(f, addr, off),
        };
        self.push(v);
    }

    /// Stores the low `width` bits (0 = the whole value).
    fn store(&mut self, memarg: &MemArg, width: u32) {
        let value = self.pop();
        let index = self.pop();
        let (addr, off) = self.heap_address(index, memarg);
        let f = heap_flags();
        let ins = self.builder.ins();
        match width {
            8 => ins.istore8(f, value, addr, off),
            16 => ins.istore16(f, value, addr, off),
            32 => ins.istore32(f, value, addr, off),
            _ => ins.store(f, value, addr, off),
        };
    }

    /// Translates a memory operator; returns `false` if `op` is not one.
    pub(crate) fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use Operator::*;
        let (i32_, i64_) = (types::I32, types::I64);
        match op {
            I32Load { memarg } => self.load(memarg, i32_, Load::Plain(i32_)),
            I64Load { memarg } => self.load(memarg, i64_, Load::Plain(i64_)),
            F32Load { memarg } => self.load(memarg, types::F32, Load::Plain(types::F32)),
            F64Load { memarg } => self.load(memarg, types::F64, Load::Plain(types::F64)),
            I32Load8S { memarg } => self.load(memarg, i32_, Load::S8),
            I32Load8U { memarg } => self.load(memarg, i32_, Load::U8),
            I32Load16S { memarg } => self.load(memarg, i32_, Load::S16),
            I32Load16U { memarg } => self.load(memarg, i32_, Load::U16),
            I64Load8S { memarg } => self.load(memarg, i64_, Load::S8),
            I64Load8U { memarg } => self.load(memarg, i64_, Load::U8),
            I64Load16S { memarg } => self.load(memarg, i64_, Load::S16),
            I64Load16U { memarg } => self.load(memarg, i64_, Load::U16),
            I64Load32S { memarg } => self.load(memarg, i64_, Load::S32),
            I64Load32U { memarg } => self.load(memarg, i64_, Load::U32),
            I32Store { memarg }
            | I64Store { memarg }
            | F32Store { memarg }
            | F64Store { memarg } => self.store(memarg, 0),
            I32Store8 { memarg } | I64Store8 { memarg } => self.store(memarg, 8),
            I32Store16 { memarg } | I64Store16 { memarg } => self.store(memarg, 16),
            I64Store32 { memarg } => self.store(memarg, 32),
            MemorySize { .. } => {
                let bytes = self.load_vmctx(i64_, vmctx::MEMORY_SIZE, false);
                let pages = self.builder.ins().ushr_imm_u(bytes, 16);
                let v = self.builder.ins().ireduce(i32_, pages);
                self.push(v);
            }
            MemoryGrow { .. } => {
                let delta = self.pop();
                let r = self.call_builtin(Builtin::MemoryGrow, &[delta]);
                self.push(r[0]);
            }
            MemoryCopy { .. } => {
                let len = self.pop();
                let (dst, src) = self.pop2();
                let status = self.call_builtin(Builtin::MemoryCopy, &[dst, src, len])[0];
                self.trapnz(status, Trap::MemoryOutOfBounds);
            }
            MemoryFill { .. } => {
                let len = self.pop();
                let (dst, val) = self.pop2();
                let status = self.call_builtin(Builtin::MemoryFill, &[dst, val, len])[0];
                self.trapnz(status, Trap::MemoryOutOfBounds);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
