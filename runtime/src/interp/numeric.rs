//! Semantics of the numeric operators on operand-stack bits: an `i32`/`f32` lives in the low
//! 32 bits of its slot (the high bits are not looked at), an `i64`/`f64` in all 64.

use super::ops::{BinOp, UnOp};
use gojit_frontend::traps::Trap;

fn i32_of(v: u64) -> i32 {
    v as u32 as i32
}

fn f32_of(v: u64) -> f32 {
    f32::from_bits(v as u32)
}

fn f64_of(v: u64) -> f64 {
    f64::from_bits(v)
}

fn from_i32(v: i32) -> u64 {
    u64::from(v as u32)
}

fn from_f32(v: f32) -> u64 {
    u64::from(v.to_bits())
}

/// `v`, with the quiet bit set if it is a NaN: wasm's rounding operators return arithmetic
/// NaNs, but Rust's software `ceil`/`floor`/`trunc`/`round_ties_even` pass a signalling NaN
/// through unchanged.
fn quiet32(v: f32) -> u64 {
    let bits = v.to_bits();
    u64::from(if v.is_nan() { bits | 0x0040_0000 } else { bits })
}

fn quiet64(v: f64) -> u64 {
    let bits = v.to_bits();
    if v.is_nan() {
        bits | 0x0008_0000_0000_0000
    } else {
        bits
    }
}

fn from_bool(b: bool) -> u64 {
    u64::from(b)
}

/// Wasm `fmin`: NaN if either operand is NaN, and -0 below +0.
fn fmin<F: Float>(a: F, b: F) -> F {
    if a.is_nan() || b.is_nan() {
        F::nan_of(a, b)
    } else if a.eq_zero() && b.eq_zero() {
        if a.is_sign_negative() { a } else { b }
    } else if a.lt(b) {
        a
    } else {
        b
    }
}

/// Wasm `fmax`: NaN if either operand is NaN, and +0 above -0.
fn fmax<F: Float>(a: F, b: F) -> F {
    if a.is_nan() || b.is_nan() {
        F::nan_of(a, b)
    } else if a.eq_zero() && b.eq_zero() {
        if a.is_sign_negative() { b } else { a }
    } else if a.lt(b) {
        b
    } else {
        a
    }
}

trait Float: Copy {
    fn is_nan(self) -> bool;
    fn eq_zero(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn lt(self, other: Self) -> bool;
    /// The canonical quiet NaN result of an operation on `a` and `b` (one of them NaN).
    fn nan_of(a: Self, b: Self) -> Self;
}

macro_rules! float_impl {
    ($t:ty) => {
        impl Float for $t {
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn eq_zero(self) -> bool {
                self == 0.0
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn lt(self, other: Self) -> bool {
                self < other
            }
            fn nan_of(a: Self, b: Self) -> Self {
                // What x86's and Cranelift's NaN propagation gives: the NaN operand, quieted.
                a + b
            }
        }
    };
}
float_impl!(f32);
float_impl!(f64);

/// Truncation to an integer type with wasm's traps: NaN is a bad conversion, a value outside
/// `(min - 1, max + 1)` an overflow.
macro_rules! trunc {
    ($v:expr, $lo:expr, $hi:expr, $to:ty) => {{
        let v = $v;
        if v.is_nan() {
            return Err(Trap::BadConversionToInteger);
        }
        if !(v > $lo && v < $hi) {
            return Err(Trap::IntegerOverflow);
        }
        v as $to
    }};
}

/// Applies unary operator `op` to `a`.
pub(crate) fn un(op: UnOp, a: u64) -> Result<u64, Trap> {
    use UnOp as U;
    Ok(match op {
        U::I32Eqz => from_bool(a as u32 == 0),
        U::I64Eqz => from_bool(a == 0),
        U::I32Clz => u64::from((a as u32).leading_zeros()),
        U::I32Ctz => u64::from((a as u32).trailing_zeros()),
        U::I32Popcnt => u64::from((a as u32).count_ones()),
        U::I64Clz => u64::from(a.leading_zeros()),
        U::I64Ctz => u64::from(a.trailing_zeros()),
        U::I64Popcnt => u64::from(a.count_ones()),
        U::F32Abs => a & 0x7fff_ffff,
        U::F32Neg => (a ^ 0x8000_0000) & 0xffff_ffff,
        U::F32Ceil => quiet32(f32_of(a).ceil()),
        U::F32Floor => quiet32(f32_of(a).floor()),
        U::F32Trunc => quiet32(f32_of(a).trunc()),
        U::F32Nearest => quiet32(f32_of(a).round_ties_even()),
        U::F32Sqrt => quiet32(f32_of(a).sqrt()),
        U::F64Abs => a & 0x7fff_ffff_ffff_ffff,
        U::F64Neg => a ^ 0x8000_0000_0000_0000,
        U::F64Ceil => quiet64(f64_of(a).ceil()),
        U::F64Floor => quiet64(f64_of(a).floor()),
        U::F64Trunc => quiet64(f64_of(a).trunc()),
        U::F64Nearest => quiet64(f64_of(a).round_ties_even()),
        U::F64Sqrt => quiet64(f64_of(a).sqrt()),
        U::I32WrapI64 => a & 0xffff_ffff,
        U::I32TruncF32S => from_i32(trunc!(f32_of(a), -2147483904.0f32, 2147483648.0f32, i32)),
        U::I32TruncF32U => u64::from(trunc!(f32_of(a), -1.0f32, 4294967296.0f32, u32)),
        U::I32TruncF64S => from_i32(trunc!(f64_of(a), -2147483649.0f64, 2147483648.0f64, i32)),
        U::I32TruncF64U => u64::from(trunc!(f64_of(a), -1.0f64, 4294967296.0f64, u32)),
        U::I64ExtendI32S => i64::from(i32_of(a)) as u64,
        U::I64ExtendI32U => a & 0xffff_ffff,
        U::I64TruncF32S => trunc!(
            f32_of(a),
            -9223373136366403584.0f32,
            9223372036854775808.0f32,
            i64
        ) as u64,
        U::I64TruncF32U => trunc!(f32_of(a), -1.0f32, 18446744073709551616.0f32, u64),
        U::I64TruncF64S => trunc!(
            f64_of(a),
            -9223372036854777856.0f64,
            9223372036854775808.0f64,
            i64
        ) as u64,
        U::I64TruncF64U => trunc!(f64_of(a), -1.0f64, 18446744073709551616.0f64, u64),
        U::F32ConvertI32S => from_f32(i32_of(a) as f32),
        U::F32ConvertI32U => from_f32(a as u32 as f32),
        U::F32ConvertI64S => from_f32(a as i64 as f32),
        U::F32ConvertI64U => from_f32(a as f32),
        U::F32DemoteF64 => from_f32(f64_of(a) as f32),
        U::F64ConvertI32S => f64::from(i32_of(a)).to_bits(),
        U::F64ConvertI32U => f64::from(a as u32).to_bits(),
        U::F64ConvertI64S => (a as i64 as f64).to_bits(),
        U::F64ConvertI64U => (a as f64).to_bits(),
        U::F64PromoteF32 => f64::from(f32_of(a)).to_bits(),
        U::I32ReinterpretF32 | U::F32ReinterpretI32 => a & 0xffff_ffff,
        U::I64ReinterpretF64 | U::F64ReinterpretI64 => a,
        U::I32Extend8S => from_i32(i32::from(a as u8 as i8)),
        U::I32Extend16S => from_i32(i32::from(a as u16 as i16)),
        U::I64Extend8S => i64::from(a as u8 as i8) as u64,
        U::I64Extend16S => i64::from(a as u16 as i16) as u64,
        U::I64Extend32S => i64::from(a as u32 as i32) as u64,
        // Rust's float-to-int `as` saturates and maps NaN to 0, as wasm's `trunc_sat` does.
        U::I32TruncSatF32S => from_i32(f32_of(a) as i32),
        U::I32TruncSatF32U => u64::from(f32_of(a) as u32),
        U::I32TruncSatF64S => from_i32(f64_of(a) as i32),
        U::I32TruncSatF64U => u64::from(f64_of(a) as u32),
        U::I64TruncSatF32S => f32_of(a) as i64 as u64,
        U::I64TruncSatF32U => f32_of(a) as u64,
        U::I64TruncSatF64S => f64_of(a) as i64 as u64,
        U::I64TruncSatF64U => f64_of(a) as u64,
    })
}

/// Applies binary operator `op` to `a` (the deeper operand) and `b`.
pub(crate) fn bin(op: BinOp, a: u64, b: u64) -> Result<u64, Trap> {
    use BinOp as B;
    let (a32, b32) = (a as u32, b as u32);
    let (f32a, f32b) = (f32_of(a), f32_of(b));
    let (f64a, f64b) = (f64_of(a), f64_of(b));
    Ok(match op {
        B::I32Eq => from_bool(a32 == b32),
        B::I32Ne => from_bool(a32 != b32),
        B::I32LtS => from_bool((a32 as i32) < b32 as i32),
        B::I32LtU => from_bool(a32 < b32),
        B::I32GtS => from_bool(a32 as i32 > b32 as i32),
        B::I32GtU => from_bool(a32 > b32),
        B::I32LeS => from_bool(a32 as i32 <= b32 as i32),
        B::I32LeU => from_bool(a32 <= b32),
        B::I32GeS => from_bool(a32 as i32 >= b32 as i32),
        B::I32GeU => from_bool(a32 >= b32),
        B::I64Eq => from_bool(a == b),
        B::I64Ne => from_bool(a != b),
        B::I64LtS => from_bool((a as i64) < b as i64),
        B::I64LtU => from_bool(a < b),
        B::I64GtS => from_bool(a as i64 > b as i64),
        B::I64GtU => from_bool(a > b),
        B::I64LeS => from_bool(a as i64 <= b as i64),
        B::I64LeU => from_bool(a <= b),
        B::I64GeS => from_bool(a as i64 >= b as i64),
        B::I64GeU => from_bool(a >= b),
        B::F32Eq => from_bool(f32a == f32b),
        B::F32Ne => from_bool(f32a != f32b),
        B::F32Lt => from_bool(f32a < f32b),
        B::F32Gt => from_bool(f32a > f32b),
        B::F32Le => from_bool(f32a <= f32b),
        B::F32Ge => from_bool(f32a >= f32b),
        B::F64Eq => from_bool(f64a == f64b),
        B::F64Ne => from_bool(f64a != f64b),
        B::F64Lt => from_bool(f64a < f64b),
        B::F64Gt => from_bool(f64a > f64b),
        B::F64Le => from_bool(f64a <= f64b),
        B::F64Ge => from_bool(f64a >= f64b),
        B::I32Add => u64::from(a32.wrapping_add(b32)),
        B::I32Sub => u64::from(a32.wrapping_sub(b32)),
        B::I32Mul => u64::from(a32.wrapping_mul(b32)),
        B::I32DivS => {
            if b32 == 0 {
                return Err(Trap::IntegerDivisionByZero);
            }
            let (x, y) = (a32 as i32, b32 as i32);
            if x == i32::MIN && y == -1 {
                return Err(Trap::IntegerOverflow);
            }
            from_i32(x / y)
        }
        B::I32DivU => u64::from(a32.checked_div(b32).ok_or(Trap::IntegerDivisionByZero)?),
        B::I32RemS => {
            if b32 == 0 {
                return Err(Trap::IntegerDivisionByZero);
            }
            from_i32((a32 as i32).wrapping_rem(b32 as i32))
        }
        B::I32RemU => u64::from(a32.checked_rem(b32).ok_or(Trap::IntegerDivisionByZero)?),
        B::I32And => u64::from(a32 & b32),
        B::I32Or => u64::from(a32 | b32),
        B::I32Xor => u64::from(a32 ^ b32),
        B::I32Shl => u64::from(a32.wrapping_shl(b32)),
        B::I32ShrS => from_i32((a32 as i32).wrapping_shr(b32)),
        B::I32ShrU => u64::from(a32.wrapping_shr(b32)),
        B::I32Rotl => u64::from(a32.rotate_left(b32 % 32)),
        B::I32Rotr => u64::from(a32.rotate_right(b32 % 32)),
        B::I64Add => a.wrapping_add(b),
        B::I64Sub => a.wrapping_sub(b),
        B::I64Mul => a.wrapping_mul(b),
        B::I64DivS => {
            if b == 0 {
                return Err(Trap::IntegerDivisionByZero);
            }
            let (x, y) = (a as i64, b as i64);
            if x == i64::MIN && y == -1 {
                return Err(Trap::IntegerOverflow);
            }
            (x / y) as u64
        }
        B::I64DivU => a.checked_div(b).ok_or(Trap::IntegerDivisionByZero)?,
        B::I64RemS => {
            if b == 0 {
                return Err(Trap::IntegerDivisionByZero);
            }
            (a as i64).wrapping_rem(b as i64) as u64
        }
        B::I64RemU => a.checked_rem(b).ok_or(Trap::IntegerDivisionByZero)?,
        B::I64And => a & b,
        B::I64Or => a | b,
        B::I64Xor => a ^ b,
        B::I64Shl => a.wrapping_shl(b as u32),
        B::I64ShrS => (a as i64).wrapping_shr(b as u32) as u64,
        B::I64ShrU => a.wrapping_shr(b as u32),
        B::I64Rotl => a.rotate_left((b % 64) as u32),
        B::I64Rotr => a.rotate_right((b % 64) as u32),
        B::F32Add => from_f32(f32a + f32b),
        B::F32Sub => from_f32(f32a - f32b),
        B::F32Mul => from_f32(f32a * f32b),
        B::F32Div => from_f32(f32a / f32b),
        B::F32Min => from_f32(fmin(f32a, f32b)),
        B::F32Max => from_f32(fmax(f32a, f32b)),
        B::F32Copysign => u64::from((a32 & 0x7fff_ffff) | (b32 & 0x8000_0000)),
        B::F64Add => (f64a + f64b).to_bits(),
        B::F64Sub => (f64a - f64b).to_bits(),
        B::F64Mul => (f64a * f64b).to_bits(),
        B::F64Div => (f64a / f64b).to_bits(),
        B::F64Min => fmin(f64a, f64b).to_bits(),
        B::F64Max => fmax(f64a, f64b).to_bits(),
        B::F64Copysign => (a & 0x7fff_ffff_ffff_ffff) | (b & 0x8000_0000_0000_0000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trapping_truncation_bounds_are_exact() {
        assert_eq!(
            un(UnOp::I32TruncF64S, (-2147483648.9f64).to_bits()),
            Ok(from_i32(i32::MIN))
        );
        assert_eq!(
            un(UnOp::I32TruncF64S, (-2147483649.0f64).to_bits()),
            Err(Trap::IntegerOverflow)
        );
        assert_eq!(un(UnOp::I32TruncF64U, (-0.9f64).to_bits()), Ok(0));
        assert_eq!(
            un(UnOp::I32TruncF64U, 4294967296.0f64.to_bits()),
            Err(Trap::IntegerOverflow)
        );
        assert_eq!(
            un(UnOp::I64TruncF64S, f64::NAN.to_bits()),
            Err(Trap::BadConversionToInteger)
        );
        assert_eq!(
            un(UnOp::I64TruncF32S, from_f32(-9223372036854775808.0f32)),
            Ok(i64::MIN as u64)
        );
    }

    #[test]
    fn min_max_order_signed_zeros_and_propagate_nan() {
        let (pz, nz) = (from_f32(0.0), from_f32(-0.0));
        assert_eq!(bin(BinOp::F32Min, pz, nz), Ok(nz));
        assert_eq!(bin(BinOp::F32Max, nz, pz), Ok(pz));
        assert!(f32_of(bin(BinOp::F32Min, from_f32(f32::NAN), pz).unwrap()).is_nan());
        assert!(f64_of(bin(BinOp::F64Max, 1f64.to_bits(), f64::NAN.to_bits()).unwrap()).is_nan());
    }

    #[test]
    fn division_traps() {
        assert_eq!(
            bin(BinOp::I32DivS, from_i32(i32::MIN), from_i32(-1)),
            Err(Trap::IntegerOverflow)
        );
        assert_eq!(bin(BinOp::I32RemS, from_i32(i32::MIN), from_i32(-1)), Ok(0));
        assert_eq!(bin(BinOp::I64DivU, 1, 0), Err(Trap::IntegerDivisionByZero));
    }
}
