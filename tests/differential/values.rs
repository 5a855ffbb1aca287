//! Edge values per type: the operands of the operator × value cross-product.

use crate::harness::{Ty, V};

/// i32 edge values: 0, ±1, small shift counts around 32/64, byte/halfword boundaries, INT_MIN/MAX,
/// u32 max, bit patterns, and integers that round when converted to f32.
pub fn i32s() -> Vec<i32> {
    let mut v: Vec<i32> = vec![
        0,
        1,
        -1,
        2,
        -2,
        3,
        -3,
        5,
        7,
        8,
        10,
        -10,
        15,
        16,
        31,
        32,
        33,
        63,
        64,
        65,
        -31,
        -32,
        -33,
        127,
        128,
        -128,
        -129,
        255,
        256,
        0x7fff,
        0x8000,
        -0x8000,
        -0x8001,
        0xffff,
        0x10000,
        16_777_217,  // 2^24 + 1: f32 tie, rounds to even
        16_777_219,  // 2^24 + 3: f32 tie, rounds up
        -16_777_217, // negative tie
        0x7fff_ff80, // rounds to 2^31 in f32
        0x7fff_ffc0,
        i32::MAX,
        i32::MIN,
        i32::MIN + 1,
        0x8000_0080u32 as i32, // as u32: f32 tie at 2^31, rounds to even
        0x8000_0081u32 as i32,
        0x8000_0180u32 as i32,
        0xffff_ff80u32 as i32, // as u32: rounds to 2^32 in f32
        0x1234_5678,
        0xdead_beefu32 as i32,
        0x5555_5555,
        0xaaaa_aaaau32 as i32,
        0x0f0f_0f0f,
        0x0000_0f00,
        1_000_000_007,
        -1_000_000_007,
    ];
    v.dedup();
    v
}

/// i64 edge values, including the i32 boundaries seen as i64 and integers around 2^53, 2^63, 2^64
/// whose conversion to f32/f64 rounds (ties, double-rounding traps).
pub fn i64s() -> Vec<i64> {
    vec![
        0,
        1,
        -1,
        2,
        -2,
        3,
        -3,
        7,
        10,
        -10,
        31,
        32,
        33,
        63,
        64,
        65,
        127,
        128,
        -65,
        -64,
        -63,
        255,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        -0x8000_0000,
        -0x8000_0001,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0001,
        (1 << 53) + 1, // f64 tie, to even
        (1 << 53) + 3, // f64 tie, up
        -((1 << 53) + 1),
        0x0020_0000_2000_0001, // f32 via f64 double-rounds
        -0x0020_0000_2000_0001,
        0x7fff_ffff_ffff_fc00, // f64 tie below 2^63
        0x7fff_ffff_ffff_fdff,
        0x7fff_ff7f_ffff_ffff, // just below the f32 tie below 2^63
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
        0x8000_0000_0000_0401u64 as i64, // as u64: f64 above tie
        0x8000_0080_0000_0001u64 as i64, // as u64: f32 double-rounding case
        0xffff_ffff_ffff_fbffu64 as i64, // as u64: largest rounding down below 2^64 in f64
        0xffff_ffff_ffff_fc00u64 as i64, // as u64: tie, rounds to 2^64
        0xffff_ff7f_ffff_ffffu64 as i64,
        0x1234_5678_9abc_def0,
        0xdead_beef_cafe_babeu64 as i64,
        0x5555_5555_5555_5555,
        0xaaaa_aaaa_aaaa_aaaau64 as i64,
        0x00ff_00ff_00ff_00ff,
        1_000_000_000_000_000_003,
        -1_000_000_000_000_000_003,
    ]
}

/// f32 edge values as bits: ±0, ±1, ties for nearest, subnormals, min normal, max, ±Inf, NaNs
/// (quiet, payload, signalling, both signs), and values just inside/outside the i32/u32/i64/u64
/// conversion ranges.
pub fn f32s() -> Vec<u32> {
    let f = |x: f32| x.to_bits();
    vec![
        f(0.0),
        f(-0.0),
        f(1.0),
        f(-1.0),
        f(0.5),
        f(-0.5),
        f(1.5),
        f(-1.5),
        f(2.5),
        f(-2.5),
        f(3.5),
        f(0.49999997),
        f(-0.99999994),
        f(0.1),
        f(-3.7),
        f(std::f32::consts::PI),
        f(123456.79),
        f(8388607.5), // 2^23 - 0.5: nearest tie
        f(8388608.0),
        f(16777216.0),
        f(1e10),
        f(-1e10),
        f(1e30),
        f(1e-30),
        0x0000_0001, // min subnormal
        0x8000_0001,
        0x007f_ffff, // max subnormal
        0x0080_0000, // min normal
        0x8080_0000,
        f(f32::MAX),
        f(f32::MIN),
        f(f32::INFINITY),
        f(f32::NEG_INFINITY),
        0x7fc0_0000, // canonical NaN
        0xffc0_0000, // negative canonical NaN
        0x7fc1_2345, // quiet NaN with payload
        0xffe0_0001,
        0x7f80_0001,     // signalling NaN
        0xff81_2345,     // negative signalling NaN
        f(2147483520.0), // largest f32 < 2^31
        f(2147483648.0), // 2^31
        f(-2147483648.0),
        f(-2147483904.0), // next below -2^31
        f(4294967040.0),  // largest f32 < 2^32
        f(4294967296.0),
        f(9223371487098961920.0), // largest f32 < 2^63
        f(9223372036854775808.0), // 2^63
        f(-9223372036854775808.0),
        f(-9223373136366403584.0), // next below -2^63
        f(18446742974197923840.0), // largest f32 < 2^64
        f(18446744073709551616.0), // 2^64
    ]
}

/// f64 edge values as bits (see [`f32s`]), plus the exact conversion boundaries (2147483647.5,
/// -2147483648.9, ...), f32 rounding boundaries for demote, and f64 subnormals.
pub fn f64s() -> Vec<u64> {
    let f = |x: f64| x.to_bits();
    vec![
        f(0.0),
        f(-0.0),
        f(1.0),
        f(-1.0),
        f(0.5),
        f(-0.5),
        f(1.5),
        f(-1.5),
        f(2.5),
        f(-2.5),
        f(-3.5),
        f(0.49999999999999994),
        f(-0.9999999999999999),
        f(0.1),
        f(1.0 / 3.0),
        f(-3.7),
        f(4503599627370495.5), // 2^52 - 0.5: nearest tie
        f(4503599627370496.0),
        f(1e300),
        f(-1e300),
        f(1e-300),
        0x0000_0000_0000_0001, // min subnormal
        0x8000_0000_0000_0001,
        0x000f_ffff_ffff_ffff, // max subnormal
        0x0010_0000_0000_0000, // min normal
        f(f64::MAX),
        f(f64::MIN),
        f(f64::INFINITY),
        f(f64::NEG_INFINITY),
        0x7ff8_0000_0000_0000, // canonical NaN
        0xfff8_0000_0000_0000,
        0x7ff8_0000_0001_2345, // quiet NaN with payload
        0xfffc_0000_0000_0001,
        0x7ff0_0000_0000_0001, // signalling NaN
        0xfff4_0000_0000_0abc,
        0x7ff0_0000_2000_0000, // sNaN whose payload vanishes when demoted naively
        f(3.4028234663852886e38), // f32::MAX
        f(f32::MAX as f64) + (1 << 28) - 1, // just below the f32 overflow tie: demotes to MAX
        f(f32::MAX as f64) + (1 << 28), // the tie: demotes to inf (to even)
        f(1.401298464324817e-45), // f32 min subnormal
        873 << 52,             // 2^-150, half of it: demotes to 0 (tie to even)
        (873 << 52) + 1,       // just above: demotes to the min subnormal
        f(1.0) + (1 << 28),    // 1 + 2^-24: f32 tie, to even
        f(1.0) + (3 << 28),    // 1 + 3*2^-24: f32 tie, up
        f(2147483647.0),
        f(2147483647.5),
        f(2147483648.0),
        f(-2147483648.0),
        f(-2147483648.9),
        f(-2147483649.0),
        f(4294967295.0),
        f(4294967295.9),
        f(4294967296.0),
        f(-0.9),
        f(9223372036854774784.0), // largest f64 < 2^63
        f(9223372036854775808.0), // 2^63 (9.2233720368547758e18)
        f(-9223372036854775808.0),
        f(-9223372036854777856.0), // next below -2^63
        f(18446744073709549568.0), // largest f64 < 2^64
        f(18446744073709551616.0), // 2^64
    ]
}

pub fn of(ty: Ty) -> Vec<V> {
    match ty {
        Ty::I32 => i32s().into_iter().map(V::I32).collect(),
        Ty::I64 => i64s().into_iter().map(V::I64).collect(),
        Ty::F32 => f32s().into_iter().map(V::F32).collect(),
        Ty::F64 => f64s().into_iter().map(V::F64).collect(),
    }
}
