//! Linear memory: loads and stores of every width and sign at unaligned and edge addresses (with
//! the address in a register or constant, and every kind of offset immediate), `memory.size` and
//! `memory.grow`, `memory.copy` and `memory.fill` (overlapping, zero-length, out of bounds).
//! The whole memory is compared after every store, copy, fill and grow, traps included.

use crate::harness::{Backend, Nan, Pair, Report, Ty, V};
use crate::numeric::dispatch_func;
use crate::values;

/// (operator, value type, access width in bytes)
const LOADS: &[(&str, Ty, u32)] = &[
    ("i32.load", Ty::I32, 4),
    ("i32.load8_s", Ty::I32, 1),
    ("i32.load8_u", Ty::I32, 1),
    ("i32.load16_s", Ty::I32, 2),
    ("i32.load16_u", Ty::I32, 2),
    ("i64.load", Ty::I64, 8),
    ("i64.load8_s", Ty::I64, 1),
    ("i64.load8_u", Ty::I64, 1),
    ("i64.load16_s", Ty::I64, 2),
    ("i64.load16_u", Ty::I64, 2),
    ("i64.load32_s", Ty::I64, 4),
    ("i64.load32_u", Ty::I64, 4),
    ("f32.load", Ty::F32, 4),
    ("f64.load", Ty::F64, 8),
];

const STORES: &[(&str, Ty, u32)] = &[
    ("i32.store", Ty::I32, 4),
    ("i32.store8", Ty::I32, 1),
    ("i32.store16", Ty::I32, 2),
    ("i64.store", Ty::I64, 8),
    ("i64.store8", Ty::I64, 1),
    ("i64.store16", Ty::I64, 2),
    ("i64.store32", Ty::I64, 4),
    ("f32.store", Ty::F32, 4),
    ("f64.store", Ty::F64, 8),
];

/// Offset immediates: 0, small, the page size and past it, and the largest ones.
const OFFSETS: &[u32] = &[0, 1, 7, 65535, 65536, 0x7fff_ffff, 0xffff_fff0, 0xffff_ffff];

/// Addresses: aligned and unaligned near 0, every byte of the last 8 of a 1-page memory, one past
/// the end, and values that overflow 32 bits once the offset is added.
const ADDRS: &[u32] = &[
    0,
    1,
    2,
    3,
    5,
    7,
    0x100,
    0x103,
    0x7ff1,
    65528,
    65529,
    65530,
    65531,
    65532,
    65533,
    65534,
    65535,
    65536,
    65537,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fff0,
    0xffff_fff8,
    0xffff_ffff,
];

/// A 1-page memory (max 4) whose first, middle and last bytes hold patterns with high bits set
/// (sign extension), and f32/f64 signalling NaNs at 0x100/0x108.
fn memory_decl() -> String {
    let head: String = (0..=255u32)
        .map(|b| format!("\\{:02x}", (b * 37 + 0x81) & 0xff))
        .collect();
    let tail: String = (0..64u32)
        .map(|b| format!("\\{:02x}", 0xff - b * 3))
        .collect();
    format!(
        "(memory (export \"memory\") 1 4)\n\
         (data (i32.const 0) \"{head}\")\n\
         (data (i32.const 0x100) \"\\01\\00\\80\\7f\\00\\00\\00\\00\\01\\00\\00\\00\\00\\00\\f0\\ff\")\n\
         (data (i32.const 0x7ff0) \"\\80\\81\\7f\\ff\\00\\01\\fe\\ca\\be\\ba\\fe\\ca\\ef\\be\\ad\\de\")\n\
         (data (i32.const 65472) \"{tail}\")\n"
    )
}

fn addr_arms(prefix: &str, addrs: &[u32]) -> Vec<String> {
    addrs
        .iter()
        .map(|a| format!("i32.const {} {prefix}", *a as i32))
        .collect()
}

/// Every load, every offset immediate, every address (in a register and as a constant), and the
/// Go shape (address computed in i64, then wrapped).
pub fn run_loads(report: &mut Report, backend: &dyn Backend) {
    // One module per operator and offset, so that re-instantiating after a trap is cheap.
    for &(op, ty, _) in LOADS {
        let t = ty.name();
        for &off in OFFSETS {
            let mut wat = format!("(module\n{}", memory_decl());
            wat.push_str(&format!(
                "(func (export \"r\") (param i32) (result {t}) local.get 0 {op} offset={off} align=1)\n"
            ));
            let arms = addr_arms(&format!("{op} offset={off}"), ADDRS);
            wat.push_str(&dispatch_func("k", &[], ty, &arms));
            wat.push(')');
            let label = format!("load/{op} offset={off}");
            let Some(mut pair) = Pair::new(report, backend, &label, &wat) else {
                continue;
            };
            for (i, &a) in ADDRS.iter().enumerate() {
                pair.check("r", &[V::I32(a as i32)], Nan::Bits);
                pair.check("k", &[V::I32(i as i32)], Nan::Bits);
            }
        }
        let wat = format!(
            "(module\n{}(func (export \"go\") (param i64) (result {t}) \
             local.get 0 i64.const 8 i64.add i32.wrap_i64 {op} offset=16))",
            memory_decl()
        );
        let Some(mut pair) = Pair::new(report, backend, &format!("load/{op} go"), &wat) else {
            continue;
        };
        for a in [
            0i64,
            1,
            0x100 - 24,
            65500,
            65512,
            65513,
            65519,
            65520,
            -24,
            -8,
            0xffff_ffe8,
            0x1_0000_0000,
        ] {
            pair.check("go", &[V::I64(a)], Nan::Bits);
        }
    }
}

/// Values stored: a few edge values per type (NaN payloads included for floats).
fn store_values(ty: Ty) -> Vec<V> {
    let all = values::of(ty);
    let mut vals: Vec<V> = all.iter().copied().step_by(5).collect();
    vals.extend(all.iter().copied().filter(|v| v.is_nan()));
    vals.dedup();
    vals
}

/// Every store, several offsets, every address; the stored value from a parameter and from a
/// constant; a store followed by a load of the same address (round trip of NaN bits).
pub fn run_stores(report: &mut Report, backend: &dyn Backend) {
    const STORE_OFFSETS: &[u32] = &[0, 1, 65535, 0xffff_ffff];
    for &(op, ty, _) in STORES {
        let t = ty.name();
        let vals = store_values(ty);
        let load = match op {
            "i32.store8" => "i32.load8_s".to_string(),
            "i32.store16" => "i32.load16_s".to_string(),
            "i64.store8" => "i64.load8_s".to_string(),
            "i64.store16" => "i64.load16_s".to_string(),
            "i64.store32" => "i64.load32_s".to_string(),
            _ => format!("{t}.load"),
        };
        for &off in STORE_OFFSETS {
            let wat = format!(
                "(module\n{}(func (export \"r\") (param i32 {t}) local.get 0 local.get 1 {op} offset={off} align=1))",
                memory_decl()
            );
            let Some(mut pair) =
                Pair::new(report, backend, &format!("store/{op} offset={off}"), &wat)
            else {
                continue;
            };
            pair.check_memory = true;
            for &a in ADDRS {
                for v in &vals {
                    pair.check("r", &[V::I32(a as i32), *v], Nan::Bits);
                }
            }
        }
        let arms: Vec<String> = vals
            .iter()
            .map(|v| format!("local.get 1 {} {op} offset=1 i32.const 0", v.wat_const()))
            .collect();
        let wat = format!(
            "(module\n{}{})",
            memory_decl(),
            dispatch_func("kv", &[Ty::I32], Ty::I32, &arms)
        );
        if let Some(mut pair) = Pair::new(report, backend, &format!("store/{op} const value"), &wat)
        {
            pair.check_memory = true;
            for (i, _) in vals.iter().enumerate() {
                for &a in ADDRS {
                    pair.check("kv", &[V::I32(i as i32), V::I32(a as i32)], Nan::Bits);
                }
            }
        }
        let arms = addr_arms(&format!("local.get 1 {op} offset=3 i32.const 0"), ADDRS);
        let wat = format!(
            "(module\n{}{})",
            memory_decl(),
            dispatch_func("ka", &[ty], Ty::I32, &arms)
        );
        if let Some(mut pair) =
            Pair::new(report, backend, &format!("store/{op} const address"), &wat)
        {
            pair.check_memory = true;
            for (i, _) in ADDRS.iter().enumerate() {
                for v in &vals {
                    pair.check("ka", &[V::I32(i as i32), *v], Nan::Bits);
                }
            }
        }
        let wat = format!(
            "(module\n{}(func (export \"rt\") (param i32 {t}) (result {t}) \
             local.get 0 local.get 1 {op} local.get 0 {load}))",
            memory_decl()
        );
        if let Some(mut pair) = Pair::new(report, backend, &format!("store/{op} round trip"), &wat)
        {
            pair.check_memory = true;
            for &a in ADDRS {
                for v in &vals {
                    pair.check("rt", &[V::I32(a as i32), *v], Nan::Bits);
                }
            }
        }
    }
}

/// `memory.copy` and `memory.fill` with register and constant lengths, overlapping both ways,
/// zero lengths at and past the end, partially and wholly out of bounds (trap, nothing written),
/// 32-bit overflow of `dst + n`.
pub fn run_bulk(report: &mut Report, backend: &dyn Backend) {
    const POS: &[u32] = &[
        0,
        1,
        7,
        100,
        0x7ff0,
        65536 - 64,
        65536 - 17,
        65536 - 16,
        65535,
        65536,
        65537,
        0x8000_0000,
        0xffff_ffff,
    ];
    // Every length class of the inline short copy (<= 16) and fill (<= 32) and their edges.
    const LENS: &[u32] = &[
        0,
        1,
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        12,
        15,
        16,
        17,
        24,
        31,
        32,
        33,
        64,
        100,
        4096,
        65536,
        65537,
        0x8000_0000,
        0xffff_ffff,
    ];
    let copy_arms: Vec<String> = LENS
        .iter()
        .map(|n| {
            format!(
                "local.get 1 local.get 2 i32.const {} memory.copy i32.const 0",
                *n as i32
            )
        })
        .collect();
    let fill_arms: Vec<String> = LENS
        .iter()
        .map(|n| {
            format!(
                "local.get 1 local.get 2 i32.const {} memory.fill i32.const 0",
                *n as i32
            )
        })
        .collect();
    let mut wat = format!("(module\n{}", memory_decl());
    wat.push_str(
        "(func (export \"copy\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)\n\
         (func (export \"fill\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)\n\
         (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow)\n",
    );
    wat.push_str(&dispatch_func(
        "copy_k",
        &[Ty::I32, Ty::I32],
        Ty::I32,
        &copy_arms,
    ));
    wat.push_str(&dispatch_func(
        "fill_k",
        &[Ty::I32, Ty::I32],
        Ty::I32,
        &fill_arms,
    ));
    wat.push(')');
    let Some(mut pair) = Pair::new(report, backend, "bulk", &wat) else {
        return;
    };
    pair.check_memory = true;
    let i = |x: u32| V::I32(x as i32);
    for &d in POS {
        for &s in POS {
            for &n in LENS {
                pair.check("copy", &[i(d), i(s), i(n)], Nan::Bits);
            }
        }
    }
    for (k, _) in LENS.iter().enumerate() {
        for &d in POS {
            for &s in [0u32, 3, 65536 - 16, 65535].iter() {
                pair.check("copy_k", &[i(k as u32), i(d), i(s)], Nan::Bits);
            }
        }
    }
    for &d in POS {
        for v in [0u32, 0xab, 0x1ff, 0xffff_ff80] {
            for &n in LENS {
                pair.check("fill", &[i(d), i(v), i(n)], Nan::Bits);
            }
        }
    }
    for (k, _) in LENS.iter().enumerate() {
        for &d in POS {
            pair.check("fill_k", &[i(k as u32), i(d), i(0x5c)], Nan::Bits);
        }
    }
    // After growing to 2 pages, the old end is in bounds.
    pair.check("grow", &[i(1)], Nan::Bits);
    for &(d, s, n) in &[
        (65536u32, 0u32, 65536u32),
        (0, 65530, 100),
        (131072 - 8, 0, 8),
        (131072 - 8, 0, 9),
        (131072, 0, 0),
        (131073, 0, 0),
    ] {
        pair.check("copy", &[i(d), i(s), i(n)], Nan::Bits);
    }
    pair.check("grow", &[i(1)], Nan::Bits);
    for &(d, n) in &[
        (65536u32, 65536u32),
        (131072 - 3, 3),
        (131072 - 3, 4),
        (131072, 0),
        (131073, 0),
    ] {
        pair.check("fill", &[i(d), i(0x77), i(n)], Nan::Bits);
    }
}

/// `memory.size`/`memory.grow` scripts on memories with and without a maximum, each from a fresh
/// instance: growth within the limit, beyond it (-1, nothing changes), by 0, by huge counts, and
/// accesses to the newly accessible pages and just past them.
pub fn run_grow(report: &mut Report, backend: &dyn Backend) {
    let funcs = "(func (export \"size\") (result i32) memory.size)\n\
         (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow)\n\
         (func (export \"load\") (param i32) (result i32) local.get 0 i32.load)\n\
         (func (export \"load8\") (param i32) (result i32) local.get 0 i32.load8_u)\n\
         (func (export \"store\") (param i32 i32) local.get 0 local.get 1 i32.store)\n\
         (func (export \"grow_then_load\") (param i32 i32) (result i32) \
           local.get 0 memory.grow drop local.get 1 i32.load)\n\
         (func (export \"size_after_grow\") (param i32) (result i32) \
           local.get 0 memory.grow memory.size i32.const 16 i32.shl i32.add)\n";
    type Step = (&'static str, &'static [u32]);
    let scripts: &[(&str, &[Step])] = &[
        (
            "(memory (export \"memory\") 1 4)",
            &[
                ("size", &[]),
                ("grow", &[0]),
                ("size", &[]),
                ("load", &[65536]),
                ("grow", &[1]),
                ("size", &[]),
                ("load", &[131068]),
                ("store", &[131068, 0x1234_5678]),
                ("load", &[131068]),
                ("load", &[131069]),
                ("grow", &[2]),
                ("size", &[]),
                ("grow", &[1]),
                ("grow", &[0]),
                ("grow", &[0xffff_ffff]),
                ("size", &[]),
                ("store", &[262140, 0xdead_beef]),
                ("load8", &[262143]),
                ("load8", &[262144]),
            ],
        ),
        (
            "(memory (export \"memory\") 1 4)",
            &[
                ("grow", &[4]),
                ("size", &[]),
                ("grow", &[3]),
                ("size", &[]),
                ("grow", &[1]),
            ],
        ),
        (
            "(memory (export \"memory\") 1 4)",
            &[
                ("grow", &[0x1_0000]),
                ("grow", &[0x7fff_ffff]),
                ("grow", &[0x8000_0000]),
                ("size", &[]),
                ("load", &[65532]),
            ],
        ),
        (
            "(memory (export \"memory\") 1 4)",
            &[
                ("grow_then_load", &[1, 65536]),
                ("grow_then_load", &[5, 131072]),
            ],
        ),
        (
            "(memory (export \"memory\") 1 4)",
            &[
                ("size_after_grow", &[1]),
                ("size_after_grow", &[9]),
                ("size_after_grow", &[2]),
            ],
        ),
        (
            "(memory (export \"memory\") 1)",
            &[
                ("grow", &[0x1_0000]),
                ("grow", &[0xffff_ffff]),
                ("grow", &[1]),
                ("grow", &[100]),
                ("size", &[]),
                ("load", &[102 * 65536 - 4]),
                ("load", &[102 * 65536 - 3]),
            ],
        ),
        (
            "(memory (export \"memory\") 0)",
            &[
                ("size", &[]),
                ("load8", &[0]),
                ("grow", &[1]),
                ("load8", &[0]),
                ("size", &[]),
                ("load", &[65533]),
            ],
        ),
        (
            "(memory (export \"memory\") 0 0)",
            &[
                ("size", &[]),
                ("grow", &[0]),
                ("grow", &[1]),
                ("load8", &[0]),
            ],
        ),
        (
            "(memory (export \"memory\") 2 2)",
            &[
                ("grow", &[1]),
                ("grow", &[0]),
                ("size", &[]),
                ("load", &[131068]),
                ("load", &[131069]),
            ],
        ),
    ];
    for (n, (mem, steps)) in scripts.iter().enumerate() {
        let wat = format!("(module {mem}\n{funcs})");
        let Some(mut pair) = Pair::new(report, backend, &format!("grow/script{n}"), &wat) else {
            continue;
        };
        pair.check_memory = true;
        for (func, args) in steps.iter() {
            let args: Vec<V> = args.iter().map(|a| V::I32(*a as i32)).collect();
            pair.check(func, &args, Nan::Bits);
        }
    }
}
