//! Go-aware lowering: the high word of 64×64-bit products (`mul_high`).
//!
//! WebAssembly has no instruction for the high 64 bits of a 64×64-bit product, so the Go compiler
//! lowers `math/bits.Mul64` (and `math/big`'s `mulWW`, and every division of a 64-bit integer by a
//! constant, which Go turns into a multiplication by a magic number) to four 32×32-bit partial
//! products (Hacker's Delight, 2nd ed., figure 8-2; `Hmul64u`/`Hmul64` in Go's
//! `cmd/compile/internal/ssa/_gen/Wasm.rules`):
//!
//! ```text
//!   w0 = x0*y0                   x0 = x & 0xffffffff, x1 = x >> 32 (y likewise)
//!   t  = x1*y0 + w0>>32
//!   w1 = x0*y1 + t&0xffffffff
//!   hi = x1*y1 + t>>32 + w1>>32
//! ```
//!
//! This pass finds that exact dataflow in the translated CLIF and replaces the final addition with
//! one `umulhi x, y` (`smulhi` for the signed variant, where `x1`, `y1`, `t>>32` and `w1>>32` are
//! arithmetic shifts). The formula is exact for all inputs, so the result is the same; the partial
//! products it no longer needs are pure and dropped when the code is lowered. Constant halves
//! (a constant divisor has been folded into `y0` and `y1`) are accepted when they are the halves of
//! one 64-bit constant.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

const LOW32: u64 = 0xffff_ffff;

/// Replaces every Hacker's-Delight high-word multiplication in `func` with `umulhi`/`smulhi`.
pub(crate) fn fuse_mul_high(func: &mut Function) {
    let mut candidates = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if func.dfg.insts[inst].opcode() == Opcode::Iadd
                && func.dfg.ctrl_typevar(inst) == types::I64
            {
                candidates.push(inst);
            }
        }
    }
    for inst in candidates {
        for signed in [false, true] {
            if let Some((a, b)) = (Matcher { func, signed }).high_word(inst) {
                let mut cur = FuncCursor::new(func).at_inst(inst);
                let a = a.materialize(&mut cur);
                let b = b.materialize(&mut cur);
                if signed {
                    func.replace(inst).smulhi(a, b);
                } else {
                    func.replace(inst).umulhi(a, b);
                }
                break;
            }
        }
    }
}

/// What a leaf of the formula is half of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    /// The low (or high) half of this value.
    Of(Value),
    /// A constant: the half itself.
    Const(u64),
}

/// A factor of the product, once both of its halves are known.
#[derive(Clone, Copy, Debug)]
enum Factor {
    Value(Value),
    Const(u64),
}

impl Factor {
    fn materialize(self, cur: &mut FuncCursor) -> Value {
        match self {
            Factor::Value(v) => v,
            Factor::Const(c) => cur.ins().iconst(types::I64, c as i64),
        }
    }
}

/// The four leaves: the halves of the two factors `a` and `b`.
#[derive(Clone, Copy, Debug, Default)]
struct Env {
    a_lo: Option<Half>,
    a_hi: Option<Half>,
    b_lo: Option<Half>,
    b_hi: Option<Half>,
}

#[derive(Clone, Copy, Debug)]
enum Leaf {
    ALo,
    AHi,
    BLo,
    BHi,
}

impl Env {
    fn slot(&mut self, leaf: Leaf) -> &mut Option<Half> {
        match leaf {
            Leaf::ALo => &mut self.a_lo,
            Leaf::AHi => &mut self.a_hi,
            Leaf::BLo => &mut self.b_lo,
            Leaf::BHi => &mut self.b_hi,
        }
    }

    /// `self` with `leaf` bound to `half`, unless it is bound to something else already.
    fn bind(mut self, leaf: Leaf, half: Half) -> Option<Env> {
        let slot = self.slot(leaf);
        match slot {
            Some(h) if *h != half => None,
            _ => {
                *slot = Some(half);
                Some(self)
            }
        }
    }
}

struct Matcher<'f> {
    func: &'f Function,
    signed: bool,
}

impl Matcher<'_> {
    /// The defining instruction of `v` (through aliases), if it is an instruction result.
    fn def(&self, v: Value) -> Option<&InstructionData> {
        match self.func.dfg.value_def(self.func.dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, 0) => Some(&self.func.dfg.insts[inst]),
            _ => None,
        }
    }

    fn iconst(&self, v: Value) -> Option<u64> {
        match self.def(v)? {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u64),
            _ => None,
        }
    }

    /// The operands of `v` if it is `op` applied to two values.
    fn binary(&self, v: Value, op: Opcode) -> Option<[Value; 2]> {
        match self.def(v)? {
            InstructionData::Binary { opcode, args } if *opcode == op => Some(*args),
            _ => None,
        }
    }

    /// `x` if `v` is `x op c` (or `c op x` for `band`) with the constant `c`.
    fn with_const(&self, v: Value, op: Opcode, c: u64) -> Option<Value> {
        let [x, y] = self.binary(v, op)?;
        if self.iconst(y) == Some(c) {
            return Some(x);
        }
        (op == Opcode::Band && self.iconst(x) == Some(c)).then_some(y)
    }

    /// `x` if `v` is `x >> 32`, arithmetic or logical as asked.
    fn shr32(&self, v: Value, arithmetic: bool) -> Option<Value> {
        if arithmetic {
            self.with_const(v, Opcode::Sshr, 32)
        } else {
            self.with_const(v, Opcode::Ushr, 32)
        }
    }

    fn low32(&self, v: Value) -> Option<Value> {
        self.with_const(v, Opcode::Band, LOW32)
    }

    /// What `v` is the low half of, as a leaf.
    fn lo_leaf(&self, v: Value) -> Option<Half> {
        if let Some(c) = self.iconst(v) {
            return (c <= LOW32).then_some(Half::Const(c));
        }
        if let Some(x) = self.low32(v) {
            return Some(Half::Of(self.func.dfg.resolve_aliases(x)));
        }
        // A zero-extending 32-bit load is its own low half (Go drops the mask then).
        match self.def(v)? {
            InstructionData::Load {
                opcode: Opcode::Uload32,
                ..
            } => Some(Half::Of(self.func.dfg.resolve_aliases(v))),
            _ => None,
        }
    }

    /// What `v` is the high half of, as a leaf.
    fn hi_leaf(&self, v: Value) -> Option<Half> {
        if let Some(c) = self.iconst(v) {
            let valid = if self.signed {
                (c as i64) >= i64::from(i32::MIN) && (c as i64) <= i64::from(i32::MAX)
            } else {
                c <= LOW32
            };
            return valid.then_some(Half::Const(c));
        }
        let x = self.shr32(v, self.signed)?;
        Some(Half::Of(self.func.dfg.resolve_aliases(x)))
    }

    fn leaf(&self, v: Value, leaf: Leaf) -> Option<Half> {
        match leaf {
            Leaf::ALo | Leaf::BLo => self.lo_leaf(v),
            Leaf::AHi | Leaf::BHi => self.hi_leaf(v),
        }
    }

    /// The environments extending `env` in which `v` is `p * q` (in either order).
    fn product(&self, v: Value, p: Leaf, q: Leaf, env: Env) -> Vec<Env> {
        let Some([x, y]) = self.binary(v, Opcode::Imul) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (l, r) in [(x, y), (y, x)] {
            if let (Some(hl), Some(hr)) = (self.leaf(l, p), self.leaf(r, q))
                && let Some(e) = env.bind(p, hl).and_then(|e| e.bind(q, hr))
            {
                out.push(e);
            }
        }
        out
    }

    /// The two operands of the `iadd` defining `v`, in both orders.
    fn sums(&self, v: Value) -> Vec<(Value, Value)> {
        match self.binary(v, Opcode::Iadd) {
            Some([x, y]) => vec![(x, y), (y, x)],
            None => Vec::new(),
        }
    }

    /// The factors `(a, b)` if `hi` (an `iadd`) is the high word of `a * b` (see the module docs).
    fn high_word(&self, hi: Inst) -> Option<(Factor, Factor)> {
        let hi = self.func.dfg.first_result(hi);
        for (s, t) in self.sums(hi) {
            // t = w1 >> 32; s = x1*y1 + tt>>32
            let Some(w1) = self.shr32(t, self.signed) else {
                continue;
            };
            for (m11, sh) in self.sums(s) {
                let Some(tt) = self.shr32(sh, self.signed) else {
                    continue;
                };
                for env in self.product(m11, Leaf::AHi, Leaf::BHi, Env::default()) {
                    if let Some(found) = self.rest(tt, w1, env) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }

    /// Matches `tt = a_hi*b_lo + (a_lo*b_lo)>>32` and `w1 = a_lo*b_hi + tt&0xffffffff` in `env`.
    fn rest(&self, tt: Value, w1: Value, env: Env) -> Option<(Factor, Factor)> {
        let tt = self.func.dfg.resolve_aliases(tt);
        for (m10, sw0) in self.sums(tt) {
            let Some(w0) = self.shr32(sw0, false) else {
                continue;
            };
            for e1 in self.product(m10, Leaf::AHi, Leaf::BLo, env) {
                for e2 in self.product(w0, Leaf::ALo, Leaf::BLo, e1) {
                    for (m01, lt) in self.sums(w1) {
                        let Some(tt2) = self.low32(lt) else {
                            continue;
                        };
                        if self.func.dfg.resolve_aliases(tt2) != tt {
                            continue;
                        }
                        for e3 in self.product(m01, Leaf::ALo, Leaf::BHi, e2) {
                            if let (Some(a), Some(b)) =
                                (factor(e3.a_lo, e3.a_hi), factor(e3.b_lo, e3.b_hi))
                            {
                                return Some((a, b));
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

/// The factor whose halves are `lo` and `hi`, if they are halves of one value or one constant.
fn factor(lo: Option<Half>, hi: Option<Half>) -> Option<Factor> {
    match (lo?, hi?) {
        (Half::Of(x), Half::Of(y)) if x == y => Some(Factor::Value(x)),
        (Half::Const(l), Half::Const(h)) => Some(Factor::Const((h << 32) | l)),
        _ => None,
    }
}
