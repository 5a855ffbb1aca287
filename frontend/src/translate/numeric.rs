//! Numeric operators: constants, integer and float arithmetic, comparisons, bit operations,
//! conversions (wrapping, extending, trapping and saturating float-to-int, int-to-float,
//! promotion, demotion, reinterpretation) and sign extension.
//!
//! Cranelift's integer and float instructions already have wasm's semantics where it matters:
//! shift and rotate counts are taken modulo the width, `sdiv`/`udiv`/`srem`/`urem` trap on a zero
//! divisor and `sdiv` on `INT_MIN / -1` (while `srem` gives 0), `fmin`/`fmax` propagate NaN and
//! order -0 below +0, `nearest` rounds ties to even, `fcvt_to_*int` traps on NaN and out-of-range
//! values and the `_sat` forms saturate (NaN → 0).

use super::{FuncTranslator, TranslateError};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    fn unop(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let v = f(self, a);
        self.push(v);
    }

    fn binop(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    /// An i32 boolean from a Cranelift comparison result.
    fn bool_i32(&mut self, c: Value) -> Value {
        self.builder.ins().uextend(types::I32, c)
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binop(|t, a, b| {
            let c = t.builder.ins().icmp(cc, a, b);
            t.bool_i32(c)
        });
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binop(|t, a, b| {
            let c = t.builder.ins().fcmp(cc, a, b);
            t.bool_i32(c)
        });
    }

    fn eqz(&mut self) {
        self.unop(|t, a| {
            let c = t.builder.ins().icmp_imm_u(IntCC::Equal, a, 0);
            t.bool_i32(c)
        });
    }

    /// Sign-extends the low `from` bits of an integer of type `ty` (`i32.extend8_s` etc.).
    fn extend_s(&mut self, ty: Type, from: Type) {
        self.unop(|t, a| {
            let narrow = t.builder.ins().ireduce(from, a);
            t.builder.ins().sextend(ty, narrow)
        });
    }

    /// Trapping float-to-int conversion. Cranelift traps with `BadConversionToInteger` on NaN and
    /// `IntegerOverflow` when out of range; wasm names both "invalid conversion"-class traps, and
    /// we report them as Cranelift classifies them (as wasmtime does).
    fn trunc(&mut self, ty: Type, signed: bool) {
        self.unop(|t, a| {
            if signed {
                t.builder.ins().fcvt_to_sint(ty, a)
            } else {
                t.builder.ins().fcvt_to_uint(ty, a)
            }
        });
    }

    fn trunc_sat(&mut self, ty: Type, signed: bool) {
        self.unop(|t, a| {
            if signed {
                t.builder.ins().fcvt_to_sint_sat(ty, a)
            } else {
                t.builder.ins().fcvt_to_uint_sat(ty, a)
            }
        });
    }

    fn convert(&mut self, ty: Type, signed: bool) {
        self.unop(|t, a| {
            if signed {
                t.builder.ins().fcvt_from_sint(ty, a)
            } else {
                t.builder.ins().fcvt_from_uint(ty, a)
            }
        });
    }

    fn reinterpret(&mut self, ty: Type) {
        self.unop(|t, a| t.builder.ins().bitcast(ty, MemFlagsData::new(), a));
    }

    /// Translates a numeric operator; returns `false` if `op` is not one.
    pub(crate) fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use Operator::*;
        let (i32_, i64_, f32_, f64_) = (types::I32, types::I64, types::F32, types::F64);
        match *op {
            I32Const { value } => {
                let v = self.builder.ins().iconst(i32_, i64::from(value));
                self.push(v);
            }
            I64Const { value } => {
                let v = self.builder.ins().iconst(i64_, value);
                self.push(v);
            }
            F32Const { value } => {
                let v = self.builder.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            F64Const { value } => {
                let v = self.builder.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            // Integer comparisons.
            I32Eqz | I64Eqz => self.eqz(),
            I32Eq | I64Eq => self.icmp(IntCC::Equal),
            I32Ne | I64Ne => self.icmp(IntCC::NotEqual),
            I32LtS | I64LtS => self.icmp(IntCC::SignedLessThan),
            I32LtU | I64LtU => self.icmp(IntCC::UnsignedLessThan),
            I32GtS | I64GtS => self.icmp(IntCC::SignedGreaterThan),
            I32GtU | I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            I32LeS | I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            I32LeU | I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            I32GeS | I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            I32GeU | I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),

            // Float comparisons: all but `ne` are false on NaN; `ne` is true.
            F32Eq | F64Eq => self.fcmp(FloatCC::Equal),
            F32Ne | F64Ne => self.fcmp(FloatCC::NotEqual),
            F32Lt | F64Lt => self.fcmp(FloatCC::LessThan),
            F32Gt | F64Gt => self.fcmp(FloatCC::GreaterThan),
            F32Le | F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            F32Ge | F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            // Integer arithmetic and bit operations.
            I32Clz | I64Clz => self.unop(|t, a| t.builder.ins().clz(a)),
            I32Ctz | I64Ctz => self.unop(|t, a| t.builder.ins().ctz(a)),
            I32Popcnt | I64Popcnt => self.unop(|t, a| t.builder.ins().popcnt(a)),
            I32Add | I64Add => self.binop(|t, a, b| t.builder.ins().iadd(a, b)),
            I32Sub | I64Sub => self.binop(|t, a, b| t.builder.ins().isub(a, b)),
            I32Mul | I64Mul => self.binop(|t, a, b| t.builder.ins().imul(a, b)),
            I32DivS | I64DivS => self.binop(|t, a, b| t.builder.ins().sdiv(a, b)),
            I32DivU | I64DivU => self.binop(|t, a, b| t.builder.ins().udiv(a, b)),
            I32RemS | I64RemS => self.binop(|t, a, b| t.builder.ins().srem(a, b)),
            I32RemU | I64RemU => self.binop(|t, a, b| t.builder.ins().urem(a, b)),
            I32And | I64And => self.binop(|t, a, b| t.builder.ins().band(a, b)),
            I32Or | I64Or => self.binop(|t, a, b| t.builder.ins().bor(a, b)),
            I32Xor | I64Xor => self.binop(|t, a, b| t.builder.ins().bxor(a, b)),
            I32Shl | I64Shl => self.binop(|t, a, b| t.builder.ins().ishl(a, b)),
            I32ShrS | I64ShrS => self.binop(|t, a, b| t.builder.ins().sshr(a, b)),
            I32ShrU | I64ShrU => self.binop(|t, a, b| t.builder.ins().ushr(a, b)),
            I32Rotl | I64Rotl => self.binop(|t, a, b| t.builder.ins().rotl(a, b)),
            I32Rotr | I64Rotr => self.binop(|t, a, b| t.builder.ins().rotr(a, b)),

            // Float arithmetic.
            F32Abs | F64Abs => self.unop(|t, a| t.builder.ins().fabs(a)),
            F32Neg | F64Neg => self.unop(|t, a| t.builder.ins().fneg(a)),
            F32Ceil | F64Ceil => self.unop(|t, a| t.builder.ins().ceil(a)),
            F32Floor | F64Floor => self.unop(|t, a| t.builder.ins().floor(a)),
            F32Trunc | F64Trunc => self.unop(|t, a| t.builder.ins().trunc(a)),
            F32Nearest | F64Nearest => self.unop(|t, a| t.builder.ins().nearest(a)),
            F32Sqrt | F64Sqrt => self.unop(|t, a| t.builder.ins().sqrt(a)),
            F32Add | F64Add => self.binop(|t, a, b| t.builder.ins().fadd(a, b)),
            F32Sub | F64Sub => self.binop(|t, a, b| t.builder.ins().fsub(a, b)),
            F32Mul | F64Mul => self.binop(|t, a, b| t.builder.ins().fmul(a, b)),
            F32Div | F64Div => self.binop(|t, a, b| t.builder.ins().fdiv(a, b)),
            F32Min | F64Min => self.binop(|t, a, b| t.builder.ins().fmin(a, b)),
            F32Max | F64Max => self.binop(|t, a, b| t.builder.ins().fmax(a, b)),
            F32Copysign | F64Copysign => self.binop(|t, a, b| t.builder.ins().fcopysign(a, b)),

            // Conversions.
            I32WrapI64 => self.unop(|t, a| t.builder.ins().ireduce(i32_, a)),
            I64ExtendI32S => self.unop(|t, a| t.builder.ins().sextend(i64_, a)),
            I64ExtendI32U => self.unop(|t, a| t.builder.ins().uextend(i64_, a)),
            I32Extend8S => self.extend_s(i32_, types::I8),
            I32Extend16S => self.extend_s(i32_, types::I16),
            I64Extend8S => self.extend_s(i64_, types::I8),
            I64Extend16S => self.extend_s(i64_, types::I16),
            I64Extend32S => self.extend_s(i64_, i32_),
            I32TruncF32S | I32TruncF64S => self.trunc(i32_, true),
            I32TruncF32U | I32TruncF64U => self.trunc(i32_, false),
            I64TruncF32S | I64TruncF64S => self.trunc(i64_, true),
            I64TruncF32U | I64TruncF64U => self.trunc(i64_, false),
            I32TruncSatF32S | I32TruncSatF64S => self.trunc_sat(i32_, true),
            I32TruncSatF32U | I32TruncSatF64U => self.trunc_sat(i32_, false),
            I64TruncSatF32S | I64TruncSatF64S => self.trunc_sat(i64_, true),
            I64TruncSatF32U | I64TruncSatF64U => self.trunc_sat(i64_, false),
            F32ConvertI32S | F32ConvertI64S => self.convert(f32_, true),
            F32ConvertI32U | F32ConvertI64U => self.convert(f32_, false),
            F64ConvertI32S | F64ConvertI64S => self.convert(f64_, true),
            F64ConvertI32U | F64ConvertI64U => self.convert(f64_, false),
            F32DemoteF64 => self.unop(|t, a| t.builder.ins().fdemote(f32_, a)),
            F64PromoteF32 => self.unop(|t, a| t.builder.ins().fpromote(f64_, a)),
            I32ReinterpretF32 => self.reinterpret(i32_),
            I64ReinterpretF64 => self.reinterpret(i64_),
            F32ReinterpretI32 => self.reinterpret(f32_),
            F64ReinterpretI64 => self.reinterpret(f64_),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
