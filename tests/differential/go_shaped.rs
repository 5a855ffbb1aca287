//! Go-shaped modules: random programs in the shape the Go compiler emits (go-wasm-abi.md §3–§4),
//! so that gojit's Go-aware lowerings fire on them: Go's 8 globals (`SP` in global 0, so
//! `pinned_sp`), functions of type 0 `(PC_B i32) -> i32` whose body is an `$unwind` block around a
//! `$dispatch` loop around nested resume blocks selected by `local.get 0; br_table`
//! (`fast_entry`, `thread_dispatch`), intra-function jumps as `i32.const K; local.set 0;
//! br $dispatch`, the Go stack in linear memory addressed through the cached SP (local 1), the
//! call sequence that pushes a return PC and ends in `br_if $unwind` after every call, the
//! prologue's stack check calling a `morestack` stand-in that unwinds, direct and `call_indirect`
//! calls through the table at `PC_F = 0x1000 + index`, small leaf callees (`inline_small`),
//! Hacker's-Delight high-word multiplies (`mul_high`), `memory.copy`/`memory.fill`,
//! saturating truncations and sign extensions.
//!
//! Termination: functions only call functions with a higher index, and every backward jump
//! spends a per-call counter set before the dispatch loop (leaf functions get counters large
//! enough for their loops to reach OSR). wasmi's fuel cuts the rest.
//!
//! The export `run(x, y, sp, stackguard, pc_b, sel)` sets up `g`, its stack guard and a Go stack
//! frame with `x` and `y` as arguments, calls `f0` (or `table[0x1000 + sel - 1]`) with `pc_b` and
//! mixes the unwind flag, a result slot and the final SP into its i64 result. When the call
//! unwinds (returns 1), `run` resumes frames as Go's `wasm_pc_f_loop` does, a bounded number of
//! times: `call_indirect` of the `PC_F`/`PC_B` stored at `SP-8` until `PAUSE` is set. Every Go function is
//! exported too, and called directly on whatever state the previous calls left. Some functions
//! end like `runtime.gogo`: a new target PC stored at `SP-8`, then an unwind.

use crate::fuzz::{Plan, Rng};
use crate::harness::V;
use std::fmt::Write as _;

/// A generated module and the calls to make.
pub struct GoModule {
    pub wat: String,
    pub plan: Plan,
}

const M32: &str = "0xffffffff";

struct Func {
    index: usize,
    /// Number of i64 "registers" (locals 2..2+regs).
    regs: u32,
    frame: u32,
    segments: usize,
}

impl Func {
    fn rc(&self) -> u32 {
        2 + self.regs
    }
    fn t1(&self) -> u32 {
        3 + self.regs
    }
    fn t2(&self) -> u32 {
        4 + self.regs
    }
    fn f(&self) -> u32 {
        5 + self.regs
    }
}

/// How a segment (the code of one resume point) ends.
enum End {
    FallThrough,
    Call {
        callee: usize,
        indirect: bool,
    },
    Jump(usize),
    Return,
    Unwind,
    /// Like `runtime.gogo`: store a new target PC at `SP-8` and unwind.
    Gogo {
        target: usize,
        pc_b: usize,
    },
}

/// The module for `seed`.
pub fn module(seed: u64) -> GoModule {
    let mut rng = Rng(seed);
    let n = 1 + rng.below(6) as usize;
    let mut w = String::new();
    w.push_str("(module\n  (type (func (param i32) (result i32)))\n");
    w.push_str("  (memory (export \"memory\") 2)\n");
    for (name, ty) in [
        ("SP", "i32"),
        ("CTXT", "i64"),
        ("g", "i64"),
        ("RET0", "i64"),
        ("RET1", "i64"),
        ("RET2", "i64"),
        ("RET3", "i64"),
        ("PAUSE", "i32"),
    ] {
        let _ = writeln!(
            w,
            "  (global ${name} (export \"{name}\") (mut {ty}) ({ty}.const 0))"
        );
    }
    // table[0x1000 + i] = function i; the morestack stand-in and `run` are in the table too.
    let _ = writeln!(w, "  (table {} funcref)", 0x1000 + n + 2);
    let mut elems = String::new();
    for i in 0..n {
        let _ = write!(elems, " $f{i}");
    }
    let _ = writeln!(w, "  (elem (i32.const 0x1000){elems} $morestack $run)");
    w.push_str(
        "  (func $morestack (type 0) (param i32) (result i32)\n    \
         global.get $SP i32.const 8 i32.add global.set $SP\n    i32.const 1)\n",
    );
    let mut segments = Vec::new();
    for i in 0..n {
        let f = gen_func(&mut rng, &mut w, i, n);
        segments.push(f);
    }
    let resumes = rng.below(9);
    let _ = write!(
        w,
        r#"  (func $run (export "run") (param $x i64) (param $y i64) (param $sp i32) (param $guard i32) (param $pc_b i32) (param $sel i32) (result i64)
    (local $ret i32) (local $n i32)
    i64.const 0x200 global.set $g
    i32.const 0x210 local.get $guard i32.store
    local.get $sp global.set $SP
    local.get $sp local.get $x i64.store offset=8
    local.get $sp local.get $y i64.store offset=16
    local.get $sp i64.const 0 i64.store offset=24
    local.get $sel
    if (result i32)
      i64.const 0x7777 global.set $CTXT
      local.get $pc_b
      local.get $sel i32.const 0xfff i32.add
      call_indirect (type 0)
    else
      local.get $pc_b call $f0
    end
    local.set $ret
    ;; Unwound: resume frames as Go's wasm_pc_f_loop does (PC at SP-8), a bounded number of times.
    local.get $ret
    if
      i32.const {resumes} local.set $n
      loop $pcf
        global.get $PAUSE i32.eqz local.get $n i32.const 0 i32.gt_s i32.and
        if
          global.get $SP i32.const 8 i32.sub i32.load16_u
          global.get $SP i32.const 8 i32.sub i32.load offset=2
          call_indirect (type 0)
          local.set $ret
          local.get $n i32.const 1 i32.sub local.set $n
          br $pcf
        end
      end
    end
    local.get $ret i64.extend_i32_u
    local.get $sp i64.load offset=24 i64.xor
    global.get $SP i64.extend_i32_u i64.const 32 i64.shl i64.xor)
"#,
        resumes = resumes
    );
    w.push_str(")\n");

    // The plan: mostly `run` with a sound stack, sometimes odd entries, and direct calls.
    let mut plan = Vec::new();
    let calls = 6 + rng.below(10);
    for _ in 0..calls {
        if rng.chance(20) {
            let i = rng.below(n as u64) as usize;
            let pc_b = pc_b(&mut rng, segments[i]);
            plan.push((format!("f{i}"), vec![V::I32(pc_b)]));
            continue;
        }
        let x = crate::fuzz::arg(&mut rng, wasmi::ValType::I64);
        let y = crate::fuzz::arg(&mut rng, wasmi::ValType::I64);
        let sp = if rng.chance(90) {
            0x8000 + 8 * rng.below(0x1000) as i32
        } else {
            *rng.pick(&[0, 8, 24, 0x1_0000 - 8, 0x2_0000 - 16, 0x2_0000, -8])
        };
        let guard = if rng.chance(85) {
            0
        } else {
            *rng.pick(&[0x8000, 0x2_0000, sp])
        };
        let entry = if rng.chance(85) {
            0
        } else {
            pc_b(&mut rng, segments[0])
        };
        let sel = if rng.chance(70) {
            0
        } else {
            let k = 1 + rng.below(n as u64 + 2) as i32;
            *rng.pick(&[1, k, 0x7fff_0000, -5])
        };
        plan.push((
            "run".into(),
            vec![x, y, V::I32(sp), V::I32(guard), V::I32(entry), V::I32(sel)],
        ));
    }
    GoModule { wat: w, plan }
}

fn pc_b(rng: &mut Rng, segments: usize) -> i32 {
    if rng.chance(85) {
        rng.below(segments as u64 + 1) as i32
    } else {
        *rng.pick(&[-1, 100, 0x10000])
    }
}

/// Emits function `index` of `n`; returns its number of resume points.
fn gen_func(rng: &mut Rng, w: &mut String, index: usize, n: usize) -> usize {
    let f = Func {
        index,
        regs: 2 + rng.below(4) as u32,
        frame: 8 * rng.below(4) as u32,
        segments: 1 + rng.below(6) as usize,
    };
    let leaf = index + 1 == n || rng.chance(30);
    // Decide how each segment ends.
    let mut ends = Vec::new();
    for s in 0..f.segments {
        let last = s + 1 == f.segments;
        let end = match rng.below(10) {
            0..=2 if !leaf && !last => End::Call {
                callee: index + 1 + rng.below((n - index - 1) as u64) as usize,
                indirect: rng.chance(30),
            },
            3..=4 => End::Jump(rng.below(f.segments as u64) as usize),
            5 if last => End::Unwind,
            6 if last && rng.chance(40) => End::Gogo {
                target: rng.below(n as u64) as usize,
                pc_b: rng.below(4) as usize,
            },
            _ if last => End::Return,
            _ => End::FallThrough,
        };
        // A backward jump at the end of the last segment still needs a way out.
        ends.push(end);
    }
    let has_calls = ends.iter().any(|e| matches!(e, End::Call { .. }));
    let stack_check = f.frame > 0 && rng.chance(60);
    let has_unwind = has_calls || stack_check;
    let has_loop = ends.iter().any(|e| matches!(e, End::Jump(_))) || rng.chance(30);
    let count = if leaf {
        let big = rng.chance(30);
        rng.below(if big { 300 } else { 20 })
    } else {
        rng.below(6)
    };

    let _ = write!(
        w,
        "  (func $f{index} (export \"f{index}\") (type 0) (param i32) (result i32)\n    (local i32"
    );
    for _ in 0..f.regs + 3 {
        w.push_str(" i64");
    }
    w.push_str(" f64)\n");
    let _ = writeln!(w, "    global.get $SP local.set 1");
    let _ = writeln!(w, "    i64.const {count} local.set {}", f.rc());
    if has_unwind {
        w.push_str("    block $unwind\n");
    }
    if has_loop {
        w.push_str("    loop $dispatch\n");
    }
    for b in (0..=f.segments).rev() {
        let _ = writeln!(w, "    block $r{b}");
    }
    // Dense table over PC_B 0..=segments (+ a duplicate, as Go's `0 0 1 2` for PC_B 1).
    w.push_str("      local.get 0 br_table");
    for pc in 0..f.segments {
        let _ = write!(w, " $r{pc}");
    }
    let _ = writeln!(w, " $r{}", f.segments);
    for (s, end) in ends.iter().enumerate() {
        let _ = writeln!(w, "    end ;; resume point {s}");
        if s == 0 {
            prologue(rng, w, &f, stack_check);
        }
        for _ in 0..1 + rng.below(7) {
            statement(rng, w, &f, has_loop);
        }
        match *end {
            End::FallThrough => {}
            End::Call { callee, indirect } => call(rng, w, &f, s + 1, callee, indirect),
            End::Jump(target) => {
                jump(w, &f, target, target <= s);
                if s + 1 == f.segments {
                    epilogue(w, &f, 0);
                }
            }
            End::Return => epilogue(w, &f, 0),
            End::Unwind => epilogue(w, &f, 1),
            End::Gogo { target, pc_b } => {
                let _ = writeln!(
                    w,
                    "      global.get $SP i32.const 8 i32.sub i64.const {:#x} i64.store\n      \
                     i32.const 1 return",
                    ((0x1000 + target as u64) << 16) | pc_b as u64
                );
            }
        }
    }
    let _ = writeln!(w, "    end ;; $r{}\n    unreachable", f.segments);
    if has_loop {
        w.push_str("    end ;; $dispatch\n");
    }
    if has_unwind {
        w.push_str("    unreachable\n    end ;; $unwind\n    i32.const 1)\n");
    } else {
        w.push_str("    unreachable)\n");
    }
    f.segments
}

fn pcf(f: &Func) -> u64 {
    0x1000 + f.index as u64
}

fn prologue(rng: &mut Rng, w: &mut String, f: &Func, stack_check: bool) {
    if stack_check {
        let _ = writeln!(
            w,
            "      local.get 1 global.get $g i32.wrap_i64 i32.load offset=16 i32.le_u\n      \
             if\n        local.get 1 i32.const 8 i32.sub local.tee 1 global.set $SP\n        \
             local.get 1 i64.const {:#x} i64.store\n        i32.const 0 call $morestack\n        \
             global.get $SP local.set 1\n        br_if $unwind\n      end",
            pcf(f) << 16
        );
    }
    if f.frame > 0 {
        let _ = writeln!(
            w,
            "      local.get 1 i32.const {} i32.sub local.tee 1 global.set $SP",
            f.frame
        );
    }
    // Load the arguments into registers, as Go's SSA code does.
    for r in 0..f.regs.min(2) {
        if rng.chance(80) {
            let _ = writeln!(
                w,
                "      local.get 1 i64.load offset={} local.set {}",
                f.frame + 8 + 8 * r,
                2 + r
            );
        }
    }
}

fn epilogue(w: &mut String, f: &Func, result: i32) {
    if f.frame > 0 {
        let _ = writeln!(
            w,
            "      local.get 1 i32.const {} i32.add local.tee 1 global.set $SP",
            f.frame
        );
    }
    let _ = writeln!(
        w,
        "      local.get 1 i32.const 8 i32.add local.tee 1 global.set $SP\n      i32.const {result} return"
    );
}

fn jump(w: &mut String, f: &Func, target: usize, backward: bool) {
    if backward {
        let _ = writeln!(
            w,
            "      local.get {rc} i64.const 1 i64.sub local.tee {rc} i64.const 0 i64.gt_s\n      \
             if i32.const {target} local.set 0 br $dispatch end",
            rc = f.rc()
        );
    } else {
        let _ = writeln!(w, "      i32.const {target} local.set 0 br $dispatch");
    }
}

fn call(rng: &mut Rng, w: &mut String, f: &Func, resume: usize, callee: usize, indirect: bool) {
    // Outgoing arguments at 0(SP)...
    for k in 0..rng.below(3) {
        let _ = writeln!(
            w,
            "      local.get 1 local.get {} i64.store offset={}",
            reg(rng, f),
            8 * k
        );
    }
    let _ = writeln!(
        w,
        "      local.get 1 i32.const 8 i32.sub local.tee 1 global.set $SP\n      \
         local.get 1 i64.const {:#x} i64.store",
        (pcf(f) << 16) | resume as u64
    );
    if indirect {
        let _ = writeln!(
            w,
            "      local.get {} global.set $CTXT\n      i32.const 0 i32.const {:#x} call_indirect (type 0)",
            reg(rng, f),
            0x1000 + callee
        );
    } else {
        let _ = writeln!(w, "      i32.const 0 call $f{callee}");
    }
    let _ = writeln!(w, "      global.get $SP local.set 1\n      br_if $unwind");
    // The result slot after the call, as Go reads it.
    if rng.chance(60) {
        let _ = writeln!(
            w,
            "      local.get 1 i64.load offset=8 local.set {}",
            reg(rng, f)
        );
    }
}

fn reg(rng: &mut Rng, f: &Func) -> u32 {
    2 + rng.below(f.regs as u64) as u32
}

/// A Go-stack offset inside the frame, its return PC and the arguments above it.
fn slot(rng: &mut Rng, f: &Func) -> u32 {
    8 * rng.below((f.frame / 8 + 4) as u64) as u32
}

fn statement(rng: &mut Rng, w: &mut String, f: &Func, has_loop: bool) {
    let (a, b, d) = (reg(rng, f), reg(rng, f), reg(rng, f));
    let line = match rng.below(23) {
        0 => format!("local.get 1 i64.load offset={} local.set {d}", slot(rng, f)),
        1 => format!(
            "local.get 1 local.get {a} i64.store offset={}",
            slot(rng, f)
        ),
        2 => {
            let op = rng.pick(&[
                "add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr",
            ]);
            format!("local.get {a} local.get {b} i64.{op} local.set {d}")
        }
        3 => {
            let op = rng.pick(&["add", "sub", "mul", "and", "shl", "shr_s", "shr_u", "rotl"]);
            format!(
                "local.get {a} i32.wrap_i64 local.get {b} i32.wrap_i64 i32.{op} i64.extend_i32_s local.set {d}"
            )
        }
        4 => {
            let op = rng.pick(&["lt_s", "lt_u", "le_s", "le_u", "eq", "ne"]);
            format!("local.get {a} local.get {b} i64.{op} i64.extend_i32_u local.set {d}")
        }
        5 => {
            // Go's explicit divisor check before a division.
            let op = rng.pick(&["div_u", "rem_u", "rem_s", "div_s"]);
            format!(
                "local.get {b} i64.eqz if else local.get {a} local.get {b} i64.{op} local.set {d} end"
            )
        }
        6 => format!(
            "i64.const {} local.set {d}",
            rng.pick(&[
                0i64,
                1,
                -1,
                7,
                255,
                0x1_0000,
                i64::MIN,
                i64::MAX,
                0x1234_5678_9abc
            ])
        ),
        7 => {
            let op = rng.pick(&[
                "extend8_s",
                "extend16_s",
                "extend32_s",
                "clz",
                "ctz",
                "popcnt",
            ]);
            format!("local.get {a} i64.{op} local.set {d}")
        }
        8 => {
            let op = rng.pick(&[
                "trunc_sat_f64_s",
                "trunc_sat_f64_u",
                "trunc_sat_f32_s",
                "trunc_sat_f32_u",
            ]);
            let src = if op.ends_with("f32_s") || op.ends_with("f32_u") {
                "f32.convert_i64_s f32.const 0.37 f32.mul"
            } else {
                "f64.convert_i64_s f64.const -2.5e9 f64.mul f64.sqrt"
            };
            format!("local.get {a} {src} i64.{op} local.set {d}")
        }
        9 => format!(
            // Not `i64.eqz select`: the fuzzer skips modules with a select right after a
            // comparison (a wasmi bug, see `fuzz::select_after_compare`).
            "local.get {a} local.get {b} local.get {} i32.wrap_i64 select local.set {d}",
            reg(rng, f)
        ),
        10 => format!("global.get $g local.get {a} i64.add global.set $RET0"),
        11 => format!("global.get $CTXT local.get {a} i64.xor local.set {d}"),
        12 => mul_high(f, a, b, d, rng.chance(50)),
        13 => {
            let (dst, src) = (slot(rng, f), slot(rng, f));
            format!(
                "local.get 1 i32.const {dst} i32.add local.get 1 i32.const {src} i32.add i32.const {} memory.copy",
                8 * rng.below(3)
            )
        }
        14 => format!(
            "local.get 1 i32.const {} i32.add local.get {a} i32.wrap_i64 i32.const {} memory.fill",
            slot(rng, f),
            rng.below(17)
        ),
        15 => {
            // A load through a Go pointer (wrapped, masked into the heap).
            let ty = rng.pick(&["i64.load", "i64.load32_u", "i64.load8_s", "i64.load16_u"]);
            format!(
                "local.get {a} i32.wrap_i64 i32.const 0x1fff0 i32.and {ty} offset=8 local.set {d}"
            )
        }
        16 => {
            let ty = rng.pick(&["i64.store", "i64.store32", "i64.store8", "i64.store16"]);
            format!(
                "local.get {a} i32.wrap_i64 i32.const 0x1fff0 i32.and local.get {b} {ty} offset=8"
            )
        }
        17 => format!(
            "local.get {a} f64.reinterpret_i64 local.get {b} f64.convert_i64_u f64.add local.tee {ff} f64.abs local.get {ff} f64.copysign f64.floor i64.reinterpret_f64 local.set {d}",
            ff = f.f()
        ),
        18 if has_loop => {
            // A forward conditional jump (Go's `if … (set PC_B; br $dispatch) end`).
            let target = 1 + rng.below(f.segments as u64) as usize;
            if target >= f.segments {
                return;
            }
            format!(
                "local.get {a} local.get {b} i64.lt_s if i32.const {target} local.set 0 br $dispatch end"
            )
        }
        19 => format!("local.get {a} i64.eqz if local.get {b} local.set {d} end"),
        20 => "global.get $PAUSE i32.const 1 i32.add global.set $PAUSE".into(),
        // Go's sbrk: grow memory (up to 6 pages), then use the new page through the Go stack's
        // frame pointer and a heap pointer.
        21 => format!(
            "memory.size i32.const 6 i32.lt_u if i32.const 1 memory.grow drop end \
             memory.size i32.const 16 i32.shl i32.const 16 i32.sub local.get {a} i64.store"
        ),
        _ => format!(
            "local.get 1 i64.load offset={} local.get {a} i64.add local.set {d}",
            slot(rng, f)
        ),
    };
    let _ = writeln!(w, "      {line}");
}

/// Go's lowering of `bits.Mul64` (high word), unsigned or signed (Hacker's Delight 8-2).
fn mul_high(f: &Func, x: u32, y: u32, d: u32, signed: bool) -> String {
    let sh = if signed { "shr_s" } else { "shr_u" };
    let (t1, t2) = (f.t1(), f.t2());
    format!(
        "local.get {x} i64.const {M32} i64.and local.get {y} i64.const {M32} i64.and i64.mul local.set {t1} \
         local.get {x} i64.const 32 i64.{sh} local.get {y} i64.const {M32} i64.and i64.mul local.get {t1} i64.const 32 i64.shr_u i64.add local.set {t2} \
         local.get {x} i64.const {M32} i64.and local.get {y} i64.const 32 i64.{sh} i64.mul local.get {t2} i64.const {M32} i64.and i64.add local.set {t1} \
         local.get {x} i64.const 32 i64.{sh} local.get {y} i64.const 32 i64.{sh} i64.mul local.get {t2} i64.const 32 i64.{sh} i64.add local.get {t1} i64.const 32 i64.{sh} i64.add local.set {d}"
    )
}
