//! The operator × value cross-product for every scalar numeric operator (MVP, sign-extension,
//! saturating conversions), plus `select` and constants.
//!
//! Each operator gets its own module with several shapes of the same computation, because a JIT
//! lowers them differently:
//! - `rr`: every operand a parameter (register operands);
//! - `rk` / `kr`: one operand a constant (immediate forms, division by a constant, shifts by an
//!   immediate), selected from the edge values by a `br_table` on parameter 0;
//! - `kk<N>`: every operand a constant (constant folding), one `br_table` arm per combination;
//! - `br` / `sel` for comparisons: the result feeds an `if` or a `select` (fused compare+branch).
//!
//! Every shape is called for every combination of edge values of the operand types.

use crate::harness::{Backend, Nan, Pair, Report, Ty, V};
use crate::values;

/// A numeric operator: its wat name, operand types, result type and NaN rule.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub result: Ty,
    pub nan: Nan,
}

const fn op(name: &'static str, params: &'static [Ty], result: Ty, nan: Nan) -> Op {
    Op {
        name,
        params,
        result,
        nan,
    }
}

use Nan::{Arith, Bits};
use Ty::{F32, F64, I32, I64};

const I32_1: &[Ty] = &[I32];
const I64_1: &[Ty] = &[I64];
const F32_1: &[Ty] = &[F32];
const F64_1: &[Ty] = &[F64];
const I32_2: &[Ty] = &[I32, I32];
const I64_2: &[Ty] = &[I64, I64];
const F32_2: &[Ty] = &[F32, F32];
const F64_2: &[Ty] = &[F64, F64];

/// Every scalar numeric operator.
pub const OPS: &[Op] = &[
    // i32 unary
    op("i32.clz", I32_1, I32, Bits),
    op("i32.ctz", I32_1, I32, Bits),
    op("i32.popcnt", I32_1, I32, Bits),
    op("i32.eqz", I32_1, I32, Bits),
    op("i32.extend8_s", I32_1, I32, Bits),
    op("i32.extend16_s", I32_1, I32, Bits),
    // i32 binary
    op("i32.add", I32_2, I32, Bits),
    op("i32.sub", I32_2, I32, Bits),
    op("i32.mul", I32_2, I32, Bits),
    op("i32.div_s", I32_2, I32, Bits),
    op("i32.div_u", I32_2, I32, Bits),
    op("i32.rem_s", I32_2, I32, Bits),
    op("i32.rem_u", I32_2, I32, Bits),
    op("i32.and", I32_2, I32, Bits),
    op("i32.or", I32_2, I32, Bits),
    op("i32.xor", I32_2, I32, Bits),
    op("i32.shl", I32_2, I32, Bits),
    op("i32.shr_s", I32_2, I32, Bits),
    op("i32.shr_u", I32_2, I32, Bits),
    op("i32.rotl", I32_2, I32, Bits),
    op("i32.rotr", I32_2, I32, Bits),
    op("i32.eq", I32_2, I32, Bits),
    op("i32.ne", I32_2, I32, Bits),
    op("i32.lt_s", I32_2, I32, Bits),
    op("i32.lt_u", I32_2, I32, Bits),
    op("i32.gt_s", I32_2, I32, Bits),
    op("i32.gt_u", I32_2, I32, Bits),
    op("i32.le_s", I32_2, I32, Bits),
    op("i32.le_u", I32_2, I32, Bits),
    op("i32.ge_s", I32_2, I32, Bits),
    op("i32.ge_u", I32_2, I32, Bits),
    // i64 unary
    op("i64.clz", I64_1, I64, Bits),
    op("i64.ctz", I64_1, I64, Bits),
    op("i64.popcnt", I64_1, I64, Bits),
    op("i64.eqz", I64_1, I32, Bits),
    op("i64.extend8_s", I64_1, I64, Bits),
    op("i64.extend16_s", I64_1, I64, Bits),
    op("i64.extend32_s", I64_1, I64, Bits),
    // i64 binary
    op("i64.add", I64_2, I64, Bits),
    op("i64.sub", I64_2, I64, Bits),
    op("i64.mul", I64_2, I64, Bits),
    op("i64.div_s", I64_2, I64, Bits),
    op("i64.div_u", I64_2, I64, Bits),
    op("i64.rem_s", I64_2, I64, Bits),
    op("i64.rem_u", I64_2, I64, Bits),
    op("i64.and", I64_2, I64, Bits),
    op("i64.or", I64_2, I64, Bits),
    op("i64.xor", I64_2, I64, Bits),
    op("i64.shl", I64_2, I64, Bits),
    op("i64.shr_s", I64_2, I64, Bits),
    op("i64.shr_u", I64_2, I64, Bits),
    op("i64.rotl", I64_2, I64, Bits),
    op("i64.rotr", I64_2, I64, Bits),
    op("i64.eq", I64_2, I32, Bits),
    op("i64.ne", I64_2, I32, Bits),
    op("i64.lt_s", I64_2, I32, Bits),
    op("i64.lt_u", I64_2, I32, Bits),
    op("i64.gt_s", I64_2, I32, Bits),
    op("i64.gt_u", I64_2, I32, Bits),
    op("i64.le_s", I64_2, I32, Bits),
    op("i64.le_u", I64_2, I32, Bits),
    op("i64.ge_s", I64_2, I32, Bits),
    op("i64.ge_u", I64_2, I32, Bits),
    // f32 unary
    op("f32.abs", F32_1, F32, Bits),
    op("f32.neg", F32_1, F32, Bits),
    op("f32.ceil", F32_1, F32, Arith),
    op("f32.floor", F32_1, F32, Arith),
    op("f32.trunc", F32_1, F32, Arith),
    op("f32.nearest", F32_1, F32, Arith),
    op("f32.sqrt", F32_1, F32, Arith),
    // f32 binary
    op("f32.add", F32_2, F32, Arith),
    op("f32.sub", F32_2, F32, Arith),
    op("f32.mul", F32_2, F32, Arith),
    op("f32.div", F32_2, F32, Arith),
    op("f32.min", F32_2, F32, Arith),
    op("f32.max", F32_2, F32, Arith),
    op("f32.copysign", F32_2, F32, Bits),
    op("f32.eq", F32_2, I32, Bits),
    op("f32.ne", F32_2, I32, Bits),
    op("f32.lt", F32_2, I32, Bits),
    op("f32.gt", F32_2, I32, Bits),
    op("f32.le", F32_2, I32, Bits),
    op("f32.ge", F32_2, I32, Bits),
    // f64 unary
    op("f64.abs", F64_1, F64, Bits),
    op("f64.neg", F64_1, F64, Bits),
    op("f64.ceil", F64_1, F64, Arith),
    op("f64.floor", F64_1, F64, Arith),
    op("f64.trunc", F64_1, F64, Arith),
    op("f64.nearest", F64_1, F64, Arith),
    op("f64.sqrt", F64_1, F64, Arith),
    // f64 binary
    op("f64.add", F64_2, F64, Arith),
    op("f64.sub", F64_2, F64, Arith),
    op("f64.mul", F64_2, F64, Arith),
    op("f64.div", F64_2, F64, Arith),
    op("f64.min", F64_2, F64, Arith),
    op("f64.max", F64_2, F64, Arith),
    op("f64.copysign", F64_2, F64, Bits),
    op("f64.eq", F64_2, I32, Bits),
    op("f64.ne", F64_2, I32, Bits),
    op("f64.lt", F64_2, I32, Bits),
    op("f64.gt", F64_2, I32, Bits),
    op("f64.le", F64_2, I32, Bits),
    op("f64.ge", F64_2, I32, Bits),
    // conversions: wrap/extend
    op("i32.wrap_i64", I64_1, I32, Bits),
    op("i64.extend_i32_s", I32_1, I64, Bits),
    op("i64.extend_i32_u", I32_1, I64, Bits),
    // trapping float -> int
    op("i32.trunc_f32_s", F32_1, I32, Bits),
    op("i32.trunc_f32_u", F32_1, I32, Bits),
    op("i32.trunc_f64_s", F64_1, I32, Bits),
    op("i32.trunc_f64_u", F64_1, I32, Bits),
    op("i64.trunc_f32_s", F32_1, I64, Bits),
    op("i64.trunc_f32_u", F32_1, I64, Bits),
    op("i64.trunc_f64_s", F64_1, I64, Bits),
    op("i64.trunc_f64_u", F64_1, I64, Bits),
    // saturating float -> int
    op("i32.trunc_sat_f32_s", F32_1, I32, Bits),
    op("i32.trunc_sat_f32_u", F32_1, I32, Bits),
    op("i32.trunc_sat_f64_s", F64_1, I32, Bits),
    op("i32.trunc_sat_f64_u", F64_1, I32, Bits),
    op("i64.trunc_sat_f32_s", F32_1, I64, Bits),
    op("i64.trunc_sat_f32_u", F32_1, I64, Bits),
    op("i64.trunc_sat_f64_s", F64_1, I64, Bits),
    op("i64.trunc_sat_f64_u", F64_1, I64, Bits),
    // int -> float
    op("f32.convert_i32_s", I32_1, F32, Bits),
    op("f32.convert_i32_u", I32_1, F32, Bits),
    op("f32.convert_i64_s", I64_1, F32, Bits),
    op("f32.convert_i64_u", I64_1, F32, Bits),
    op("f64.convert_i32_s", I32_1, F64, Bits),
    op("f64.convert_i32_u", I32_1, F64, Bits),
    op("f64.convert_i64_s", I64_1, F64, Bits),
    op("f64.convert_i64_u", I64_1, F64, Bits),
    // float <-> float
    op("f32.demote_f64", F64_1, F32, Arith),
    op("f64.promote_f32", F32_1, F64, Arith),
    // reinterpret
    op("i32.reinterpret_f32", F32_1, I32, Bits),
    op("i64.reinterpret_f64", F64_1, I64, Bits),
    op("f32.reinterpret_i32", I32_1, F32, Bits),
    op("f64.reinterpret_i64", I64_1, F64, Bits),
];

/// Most `br_table` arms per constant-folding function.
const ARMS_PER_FUNC: usize = 256;

fn is_comparison(op: &Op) -> bool {
    op.result == I32
        && op.params.len() == 2
        && ["eq", "ne", "lt", "gt", "le", "ge"]
            .iter()
            .any(|c| op.name.split('.').nth(1).unwrap().starts_with(c))
}

/// A function `(param i32 <extra>) (result <result>)` that runs `arms[param 0]` (each arm leaves
/// one result on the stack) and traps with `unreachable` for any other selector.
pub fn dispatch_func(export: &str, extra_params: &[Ty], result: Ty, arms: &[String]) -> String {
    let mut s = format!("(func (export \"{export}\") (param i32");
    for p in extra_params {
        s.push(' ');
        s.push_str(p.name());
    }
    s.push_str(&format!(") (result {})\n", result.name()));
    for _ in 0..=arms.len() {
        s.push_str("block\n");
    }
    s.push_str("local.get 0\nbr_table");
    for i in 0..=arms.len() {
        s.push_str(&format!(" {i}"));
    }
    s.push('\n');
    for arm in arms {
        s.push_str("end\n");
        s.push_str(arm);
        s.push_str("\nreturn\n");
    }
    s.push_str("end\nunreachable)\n");
    s
}

/// One call: export name, arguments, and the operand values it computes on (for the NaN rule).
type Call = (String, Vec<V>, Vec<V>);

/// One module per shape of one operator (so that re-instantiating after a trap only recompiles
/// that shape), with the calls to make on it.
struct Shape {
    label: String,
    funcs: String,
    calls: Vec<Call>,
}

impl Shape {
    fn new(op: &Op, shape: &str) -> Shape {
        Shape {
            label: format!("{}/{shape}", op.name),
            funcs: String::new(),
            calls: Vec::new(),
        }
    }
}

/// The modules for one operator.
fn op_modules(op: &Op) -> Vec<Shape> {
    let vals: Vec<Vec<V>> = op.params.iter().map(|t| values::of(*t)).collect();
    let mut shapes = Vec::new();
    let r = op.result.name();
    let name = op.name;
    // All operand combinations.
    let combos: Vec<Vec<V>> = match vals.len() {
        1 => vals[0].iter().map(|a| vec![*a]).collect(),
        _ => vals[0]
            .iter()
            .flat_map(|a| vals[1].iter().map(move |b| vec![*a, *b]))
            .collect(),
    };
    // rr: all operands in parameters.
    let mut rr = Shape::new(op, "rr");
    let params: Vec<&str> = op.params.iter().map(|t| t.name()).collect();
    let gets: String = (0..op.params.len())
        .map(|i| format!("local.get {i} "))
        .collect();
    rr.funcs.push_str(&format!(
        "(func (export \"rr\") (param {}) (result {r}) {gets}{name})\n",
        params.join(" ")
    ));
    for c in &combos {
        rr.calls.push(("rr".to_string(), c.clone(), c.clone()));
    }
    if is_comparison(op) {
        // The comparison feeding a branch and a select: fused compare-and-branch lowering.
        rr.funcs.push_str(&format!(
            "(func (export \"br\") (param {p} {p}) (result i32) \
             local.get 0 local.get 1 {name} if (result i32) i32.const 7 else i32.const -3 end)\n\
             (func (export \"brif\") (param {p} {p}) (result i32) \
             block local.get 0 local.get 1 {name} br_if 0 i32.const 5 return end i32.const 9)\n\
             (func (export \"sel\") (param {p} {p}) (result i64) \
             i64.const 11 i64.const -12 local.get 0 local.get 1 {name} select)\n",
            p = params[0]
        ));
        for c in &combos {
            for f in ["br", "brif", "sel"] {
                rr.calls.push((f.into(), c.clone(), c.clone()));
            }
        }
    } else if op.result == I32 && op.name.ends_with("eqz") {
        rr.funcs.push_str(&format!(
            "(func (export \"br\") (param {p}) (result i32) \
             local.get 0 {name} if (result i32) i32.const 7 else i32.const -3 end)\n",
            p = params[0]
        ));
        for c in &combos {
            rr.calls.push(("br".into(), c.clone(), c.clone()));
        }
    }
    shapes.push(rr);
    // kk: all operands constant.
    for (chunk_no, chunk) in combos.chunks(ARMS_PER_FUNC).enumerate() {
        let mut kk = Shape::new(op, &format!("kk{chunk_no}"));
        let arms: Vec<String> = chunk
            .iter()
            .map(|c| {
                let consts: Vec<String> = c.iter().map(|v| v.wat_const()).collect();
                format!("{} {name}", consts.join(" "))
            })
            .collect();
        kk.funcs
            .push_str(&dispatch_func("kk", &[], op.result, &arms));
        for (i, c) in chunk.iter().enumerate() {
            kk.calls
                .push(("kk".into(), vec![V::I32(i as i32)], c.clone()));
        }
        shapes.push(kk);
    }
    if vals.len() == 2 {
        // rk: rhs constant; kr: lhs constant.
        let mut rk = Shape::new(op, "rk");
        let arms: Vec<String> = vals[1]
            .iter()
            .map(|b| format!("local.get 1 {} {name}", b.wat_const()))
            .collect();
        rk.funcs
            .push_str(&dispatch_func("rk", &op.params[..1], op.result, &arms));
        for (j, b) in vals[1].iter().enumerate() {
            for a in &vals[0] {
                rk.calls
                    .push(("rk".into(), vec![V::I32(j as i32), *a], vec![*a, *b]));
            }
        }
        shapes.push(rk);
        let mut kr = Shape::new(op, "kr");
        let arms: Vec<String> = vals[0]
            .iter()
            .map(|a| format!("{} local.get 1 {name}", a.wat_const()))
            .collect();
        kr.funcs
            .push_str(&dispatch_func("kr", &op.params[1..], op.result, &arms));
        for (i, a) in vals[0].iter().enumerate() {
            for b in &vals[1] {
                kr.calls
                    .push(("kr".into(), vec![V::I32(i as i32), *b], vec![*a, *b]));
            }
        }
        shapes.push(kr);
    }
    shapes
}

/// Every numeric operator, every shape, every combination of edge values.
pub fn run_ops(report: &mut Report, backend: &dyn Backend, filter: impl Fn(&Op) -> bool) {
    for op in OPS.iter().filter(|o| filter(o)) {
        for shape in op_modules(op) {
            let wat = format!("(module\n{})", shape.funcs);
            let Some(mut pair) = Pair::new(report, backend, &shape.label, &wat) else {
                continue;
            };
            for (func, args, operands) in &shape.calls {
                pair.check_with_operands(func, args, operands, op.nan);
            }
        }
    }
}

/// Every edge value of every type as a constant (materialization of constants, NaN bits), and
/// passed through a parameter, a local and a `call` unchanged.
pub fn run_consts(report: &mut Report, backend: &dyn Backend) {
    for ty in [I32, I64, F32, F64] {
        let vals = values::of(ty);
        let arms: Vec<String> = vals.iter().map(|v| v.wat_const()).collect();
        let t = ty.name();
        let mut wat = String::from("(module\n");
        wat.push_str(&dispatch_func("const", &[], ty, &arms));
        wat.push_str(&format!(
            "(func $id (param {t}) (result {t}) (local {t}) local.get 0 local.set 1 local.get 1)\n\
             (func (export \"pass\") (param {t}) (result {t}) local.get 0 call $id)\n\
             (func (export \"pass_many\") (param {t} i32 {t} i64 {t} f32 {t} f64 {t}) (result {t} ) \
               local.get 8 local.get 6 local.get 4 local.get 2 local.get 0 call $pick)\n\
             (func $pick (param {t} {t} {t} {t} {t}) (result {t}) \
               local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 \
               drop drop drop drop)\n)"
        ));
        let label = format!("const/{t}");
        let Some(mut pair) = Pair::new(report, backend, &label, &wat) else {
            continue;
        };
        for (i, v) in vals.iter().enumerate() {
            pair.check("const", &[V::I32(i as i32)], Nan::Bits);
            pair.check("pass", &[*v], Nan::Bits);
            let other = vals[(i * 7 + 3) % vals.len()];
            pair.check(
                "pass_many",
                &[
                    other,
                    V::I32(1),
                    other,
                    V::I64(2),
                    other,
                    V::F32(0x7f80_0001),
                    other,
                    V::F64(0x7ff0_0000_0000_0001),
                    *v,
                ],
                Nan::Bits,
            );
        }
    }
}

/// `select` (untyped: typed select needs reference types, which gojit rejects) on every pair of edge values of each type with several
/// conditions: it must move bits, never canonicalise NaNs.
pub fn run_select(report: &mut Report, backend: &dyn Backend) {
    for ty in [I32, I64, F32, F64] {
        let t = ty.name();
        let wat = format!(
            "(module\n\
             (func (export \"select\") (param {t} {t} i32) (result {t}) local.get 0 local.get 1 local.get 2 select)\n\
             (func (export \"select_cmp\") (param {t} {t} i32) (result {t}) local.get 0 local.get 1 local.get 2 i32.const 5 i32.lt_s select)\n)"
        );
        let label = format!("select/{t}");
        let Some(mut pair) = Pair::new(report, backend, &label, &wat) else {
            continue;
        };
        let vals = values::of(ty);
        for a in &vals {
            for b in &vals {
                for c in [0, 1, -1, i32::MIN, 5, 6] {
                    for f in ["select", "select_cmp"] {
                        pair.check(f, &[*a, *b, V::I32(c)], Nan::Bits);
                    }
                }
            }
        }
    }
}

/// Go's four-partial-product lowering of a 64×64-bit product's high word (what the `mul_high`
/// lowering replaces with one multiply), exact and signed variants, constant operands, and near
/// misses that must keep their own results: on every pair of edge values plus pseudo-random ones.
pub fn run_high_word(report: &mut Report, backend: &dyn Backend) {
    let wat = include_str!("../../frontend/tests/clif/mul_high.wat");
    let Some(mut pair) = Pair::new(report, backend, "mul_high", wat) else {
        return;
    };
    let mut vals = values::of(I64);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        vals.push(V::I64(x as i64));
    }
    for a in &vals {
        for f in ["hmulu_const", "hmuls_const"] {
            pair.check(f, &[*a], Nan::Bits);
        }
        for addr in [0, 3, 4, 8, 12, 15] {
            pair.check("hmulu_load", &[V::I32(addr), *a], Nan::Bits);
        }
        for b in &vals {
            for f in [
                "hmulu",
                "hmuls",
                "hmulu_shared",
                "near_mask",
                "near_mixed_shifts",
            ] {
                pair.check(f, &[*a, *b], Nan::Bits);
            }
            pair.check("near_two_values", &[*a, *b, V::I64(x as i64)], Nan::Bits);
        }
    }
}
