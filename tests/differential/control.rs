//! Calls, tables, globals and control flow: `call_indirect` (ok, null entry, signature mismatch,
//! structurally equal types, out-of-range index), globals of every type, `br_table`, nested
//! blocks/loops/ifs with results, `unreachable`, deep and unbounded recursion, and a Go-shaped caller/callee
//! pair using Go's wasm calling convention.

use crate::harness::{Backend, Nan, Pair, Report, Ty, V};
use crate::numeric::dispatch_func;
use crate::values;

const TABLE_INDICES: &[i32] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, i32::MIN, i32::MAX, 0x1000];

/// `call_indirect` through every table slot with every signature.
pub fn run_call_indirect(report: &mut Report, backend: &dyn Backend) {
    let wat = r#"(module
  (type $ii (func (param i32) (result i32)))
  (type $ii2 (func (param i32) (result i32)))
  (type $iii (func (param i32 i32) (result i32)))
  (type $li (func (param i64) (result i32)))
  (type $v (func))
  (type $ff (func (param f64) (result f64)))
  (table 8 funcref)
  (elem (i32.const 0) $double $inc $add $l2i)
  (elem (i32.const 5) $triple $nop $fneg)
  (func $double (type $ii) local.get 0 i32.const 2 i32.mul)
  (func $inc (type $ii2) local.get 0 i32.const 1 i32.add)
  (func $add (type $iii) local.get 0 local.get 1 i32.add)
  (func $l2i (type $li) local.get 0 i64.const 32 i64.shr_u i32.wrap_i64)
  (func $triple (type $ii2) local.get 0 i32.const 3 i32.mul)
  (func $nop (type $v))
  (func $fneg (type $ff) local.get 0 f64.neg)
  (func (export "ii") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii))
  (func (export "ii2") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii2))
  (func (export "iii") (param i32 i32 i32) (result i32) local.get 1 local.get 2 local.get 0 call_indirect (type $iii))
  (func (export "li") (param i32 i64) (result i32) local.get 1 local.get 0 call_indirect (type $li))
  (func (export "v") (param i32) local.get 0 call_indirect (type $v))
  (func (export "ff") (param i32 f64) (result f64) local.get 1 local.get 0 call_indirect (type $ff))
  (func (export "twice") (param i32 i32 i32) (result i32)
    local.get 2 local.get 0 call_indirect (type $ii) local.get 1 call_indirect (type $ii))
"#;
    let mut wat = wat.to_string();
    let arms: Vec<String> = TABLE_INDICES
        .iter()
        .map(|i| format!("local.get 1 i32.const {i} call_indirect (type $ii)"))
        .collect();
    wat.push_str(&dispatch_func("ii_k", &[Ty::I32], Ty::I32, &arms));
    wat.push(')');
    let Some(mut pair) = Pair::new(report, backend, "call_indirect", &wat) else {
        return;
    };
    for (k, &i) in TABLE_INDICES.iter().enumerate() {
        pair.check("ii", &[V::I32(i), V::I32(21)], Nan::Bits);
        pair.check("ii2", &[V::I32(i), V::I32(-7)], Nan::Bits);
        pair.check("iii", &[V::I32(i), V::I32(40), V::I32(2)], Nan::Bits);
        pair.check("li", &[V::I32(i), V::I64(0x1234_5678_9abc_def0)], Nan::Bits);
        pair.check("v", &[V::I32(i)], Nan::Bits);
        pair.check("ff", &[V::I32(i), V::F64(0x7ff0_0000_0000_0001)], Nan::Bits);
        pair.check("ii_k", &[V::I32(k as i32), V::I32(1000)], Nan::Bits);
        for &j in &[0, 1, 5, 2, 4] {
            pair.check("twice", &[V::I32(i), V::I32(j), V::I32(3)], Nan::Bits);
        }
    }
}

/// Globals of every type: initial values (edge values, NaN payloads), set/get round trips of every
/// edge value, immutable globals, and a global changed by one function and read by another.
pub fn run_globals(report: &mut Report, backend: &dyn Backend) {
    for ty in [Ty::I32, Ty::I64, Ty::F32, Ty::F64] {
        let t = ty.name();
        let vals = values::of(ty);
        let mut wat = String::from("(module\n");
        for (i, v) in vals.iter().enumerate() {
            let mutable = if i % 2 == 0 {
                format!("(mut {t})")
            } else {
                t.to_string()
            };
            wat.push_str(&format!("(global $g{i} {mutable} ({}))\n", v.wat_const()));
        }
        let arms: Vec<String> = (0..vals.len())
            .map(|i| format!("global.get $g{i}"))
            .collect();
        wat.push_str(&dispatch_func("get", &[], ty, &arms));
        let arms: Vec<String> = (0..vals.len())
            .step_by(2)
            .map(|i| format!("local.get 1 global.set $g{i} global.get $g{i}"))
            .collect();
        wat.push_str(&dispatch_func("set", &[ty], ty, &arms));
        wat.push_str(&format!(
            "(func (export \"swap\") (result {t}) global.get $g0 global.get $g2 global.set $g0 global.set $g2 global.get $g0)\n)"
        ));
        let Some(mut pair) = Pair::new(report, backend, &format!("globals/{t}"), &wat) else {
            continue;
        };
        for i in 0..vals.len() {
            pair.check("get", &[V::I32(i as i32)], Nan::Bits);
        }
        for (k, i) in (0..vals.len()).step_by(2).enumerate() {
            for v in vals.iter().skip(i % 5).step_by(3) {
                pair.check("set", &[V::I32(k as i32), *v], Nan::Bits);
            }
            pair.check("get", &[V::I32(i as i32)], Nan::Bits);
        }
        for _ in 0..3 {
            pair.check("swap", &[], Nan::Bits);
        }
        for i in 0..vals.len() {
            pair.check("get", &[V::I32(i as i32)], Nan::Bits);
        }
    }
}

/// `br_table`, nested blocks/loops/ifs with results, `br_if` with values, `return` from deep
/// nesting, loops, recursion, many mixed-type parameters, `unreachable`.
pub fn run_control(report: &mut Report, backend: &dyn Backend) {
    let wat = r#"(module
  (func (export "br_table") (param i32) (result i32)
    block block block block block
      local.get 0 br_table 3 2 1 0 4 2
    end i32.const 100 return
    end i32.const 101 return
    end i32.const 102 return
    end i32.const 103 return
    end i32.const 104)
  (func (export "br_table_val") (param i32 i32) (result i32)
    block (result i32)
      block (result i32)
        block (result i32)
          local.get 1 local.get 0 br_table 0 1 2 0
        end i32.const 1000 i32.add
      end i32.const 20000 i32.add
    end)
  (func (export "br_table_loop") (param i32) (result i32) (local i32)
    block $done
      loop $l
        local.get 1 i32.const 1 i32.add local.set 1
        local.get 0 i32.const 1 i32.sub local.tee 0
        i32.const 0 i32.gt_s
        br_table $done $l $done
      end
    end
    local.get 1)
  (func (export "br_table_one") (param i32) (result i32)
    block local.get 0 br_table 0 end i32.const 5)
  (func (export "br_if_val") (param i32 i32) (result i32)
    block (result i32)
      local.get 0 local.get 1 br_if 0 drop i32.const -1
    end)
  (func (export "nested") (param i32) (result i32)
    block $out (result i32)
      loop $l (result i32)
        block $b (result i32)
          local.get 0 i32.const 3 i32.and
          if (result i32)
            local.get 0 i32.const 1 i32.and
            if (result i32) i32.const 11 else local.get 0 i32.const 2 i32.shl br $out end
          else
            local.get 0
            local.get 0 i32.const 16 i32.ge_u
            br_if $b
            drop
            local.get 0 i32.const 7 i32.add local.set 0
            br $l
          end
        end
        i32.const 1000 i32.add
      end
    end
    i32.const 3 i32.mul)
  (func (export "sum") (param i32) (result i64) (local i64)
    block
      loop
        local.get 0 i32.eqz br_if 1
        local.get 1 local.get 0 i64.extend_i32_u i64.add local.set 1
        local.get 0 i32.const 1 i32.sub local.set 0
        br 0
      end
    end
    local.get 1)
  (func $fact (export "fact") (param i64) (result i64)
    local.get 0 i64.const 1 i64.le_s
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fact i64.mul end)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $deep i32.const 1 i32.add end)
  (func $mix (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64) (result f64)
    local.get 0 f64.convert_i32_s local.get 1 f64.convert_i64_s f64.add
    local.get 2 f64.promote_f32 f64.add local.get 3 f64.add
    local.get 4 f64.convert_i32_s f64.const 2 f64.mul f64.add
    local.get 5 f64.convert_i64_s f64.const 3 f64.mul f64.add
    local.get 6 f64.promote_f32 f64.const 5 f64.mul f64.add
    local.get 7 f64.const 7 f64.mul f64.add
    local.get 8 f64.convert_i32_s f64.const 11 f64.mul f64.add
    local.get 9 f64.convert_i64_s f64.const 13 f64.mul f64.add
    local.get 10 f64.promote_f32 f64.const 17 f64.mul f64.add
    local.get 11 f64.const 19 f64.mul f64.add
    local.get 12 f64.convert_i32_s f64.const 23 f64.mul f64.add
    local.get 13 f64.convert_i64_s f64.const 29 f64.mul f64.add)
  (func (export "many_args") (param i32) (result f64)
    local.get 0 i64.const 2 f32.const 3.5 f64.const 4.25 i32.const 5 i64.const 6 f32.const 7 f64.const 8
    i32.const 9 i64.const -10 f32.const 11 f64.const 12 local.get 0 i64.const 14 call $mix)
  (func (export "unreachable") unreachable)
  (func (export "unreachable_val") (result i32) unreachable)
  (func (export "maybe_unreachable") (param i32) (result i32)
    local.get 0 if unreachable end i32.const 42)
  (func (export "unreachable_in_loop") (param i32) (result i32)
    loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end unreachable)
  (func (export "return_deep") (param i32) (result i32)
    block block block local.get 0 local.get 0 br_if 2 return end end end i32.const -5)
  (func (export "if_no_else") (param i32) (result i32) (local i32)
    i32.const 1 local.set 1 local.get 0 if i32.const 2 local.set 1 end local.get 1)
  (func (export "locals") (param i32) (result i64) (local i32 i64 f32 f64)
    local.get 1 i64.extend_i32_u local.get 2 i64.add local.get 3 i32.reinterpret_f32 i64.extend_i32_u i64.add
    local.get 4 i64.reinterpret_f64 i64.add local.get 0 local.tee 1 i64.extend_i32_s i64.add)
  (func (export "drop_nop") (param i32) (result i32)
    nop local.get 0 i32.const 5 drop nop i32.const 2 i32.div_u drop i32.const 8)
)"#;
    let Some(mut pair) = Pair::new(report, backend, "control", wat) else {
        return;
    };
    let i = V::I32;
    for x in [0, 1, 2, 3, 4, 5, 6, 7, -1, i32::MIN, i32::MAX] {
        pair.check("br_table", &[i(x)], Nan::Bits);
        pair.check("br_table_val", &[i(x), i(7)], Nan::Bits);
        pair.check("br_table_loop", &[i(x.clamp(-5, 50))], Nan::Bits);
        pair.check("br_table_one", &[i(x)], Nan::Bits);
        pair.check("br_if_val", &[i(33), i(x)], Nan::Bits);
        pair.check("maybe_unreachable", &[i(x)], Nan::Bits);
        pair.check("return_deep", &[i(x)], Nan::Bits);
        pair.check("if_no_else", &[i(x)], Nan::Bits);
        pair.check("locals", &[i(x)], Nan::Bits);
        pair.check("drop_nop", &[i(x)], Nan::Bits);
        pair.check("many_args", &[i(x)], Nan::Bits);
    }
    for x in 0..40 {
        pair.check("nested", &[i(x)], Nan::Bits);
    }
    for x in [0, 1, 10, 1000, 100_000] {
        pair.check("sum", &[i(x)], Nan::Bits);
    }
    for x in [0i64, 1, 2, 5, 20, 21, 25] {
        pair.check("fact", &[V::I64(x)], Nan::Bits);
    }
    for x in [0, 1, 2, 10, 20] {
        pair.check("fib", &[i(x)], Nan::Bits);
    }
    for x in [0, 1, 100, 500] {
        pair.check("deep", &[i(x)], Nan::Bits);
    }
    pair.check("unreachable", &[], Nan::Bits);
    pair.check("unreachable_val", &[], Nan::Bits);
    pair.check("unreachable_in_loop", &[i(5)], Nan::Bits);
}

/// Unbounded recursion: both engines must report a stack overflow trap (not crash), and a fresh
/// instance works afterwards.
pub fn run_stack_overflow(report: &mut Report, backend: &dyn Backend) {
    let wat = r#"(module
  (func $inf (export "infinite") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $inf i32.const 1 i32.add)
  (func $inf_locals (export "infinite_locals") (param i64 f64) (result f64) (local i64 i64 f64 f64)
    local.get 0 i64.const 1 i64.add local.get 1 f64.const 0.5 f64.add call $inf_locals
    local.get 0 f64.convert_i64_s f64.add)
  (func (export "ok") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
)"#;
    let Some(mut pair) = Pair::new(report, backend, "stack_overflow", wat) else {
        return;
    };
    pair.check("infinite", &[V::I32(0)], Nan::Bits);
    pair.check("ok", &[V::I32(21)], Nan::Bits);
    pair.check("infinite_locals", &[V::I64(0), V::F64(0)], Nan::Bits);
    pair.check("ok", &[V::I32(-4)], Nan::Bits);
}

/// `main.caller`/`main.callee` from the Go ABI guide (§4.7), driven through the Go calling
/// convention: SP in global 0, args and results on the Go stack in linear memory, PC_B dispatch,
/// and the unwind path (a callee returning 1 makes the caller return 1 without touching SP).
pub fn go_module_wat() -> String {
    r#"(module
  (type (;0;) (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $SP (mut i32) (i32.const 0))
  (global $CTXT (mut i64) (i64.const 0))
  (global $g (mut i64) (i64.const 0))
  (global $RET0 (mut i64) (i64.const 0))
  (global $RET1 (mut i64) (i64.const 0))
  (global $RET2 (mut i64) (i64.const 0))
  (global $RET3 (mut i64) (i64.const 0))
  (global $PAUSE (mut i32) (i32.const 0))
  (table 3 3 funcref)
  (elem (i32.const 1) $main.callee $main.caller)
  (func $runtime.morestack_noctxt (type 0) (param i32) (result i32)
    ;; stands in for morestack: unwinds
    global.get $SP i32.const 8 i32.add global.set $SP
    i32.const 1)
  (func $main.callee (type 0) (param i32) (result i32)
    (local i32 i64)
    global.get 0 local.set 1
    block
      local.get 0
      br_table 0 0
    end
    local.get 1 local.get 1 i64.load offset=8 i64.const 3 i64.mul i64.store offset=16
    local.get 1 i32.const 8 i32.add local.tee 1 global.set 0
    i32.const 0)
  (func $main.caller (type 0) (param i32) (result i32)
    (local i32 i64)
    global.get 0  local.set 1
    block
     block
      block
       block
        block
          local.get 0
          br_table 0 0 1 2 3
        end
        local.get 1  global.get 2  i32.wrap_i64  i32.load offset=16
        i32.le_u
        if
          local.get 1 i32.const 8 i32.sub local.tee 1 global.set 0
          local.get 1 i64.const 0x15910000 i64.store
          i32.const 0 call $runtime.morestack_noctxt
          global.get 0 local.set 1
          br_if 4
        end
        local.get 1 i32.const 24 i32.sub local.tee 1 global.set 0
        local.get 1  local.get 1 i64.load offset=32  i64.store
        local.get 1 i32.const 8 i32.sub local.tee 1 global.set 0
        local.get 1 i64.const 0x15910002 i64.store
        i32.const 0 call $main.callee
        global.get 0 local.set 1
        br_if 3
       end
       local.get 1 i64.load offset=8  local.set 2
       local.get 1 local.get 2 i64.store offset=16
       local.get 1 local.get 2 i64.const 1 i64.add i64.store
       local.get 1 i32.const 8 i32.sub local.tee 1 global.set 0
       local.get 1 i64.const 0x15910003 i64.store
       i32.const 0 call $main.callee
       global.get 0 local.set 1
       br_if 2
      end
      local.get 1 i64.extend_i32_u i64.const 40 i64.add i32.wrap_i64
      local.get 1 i64.load offset=16  local.get 1 i64.load offset=8  i64.add
      i64.store
      local.get 1 i32.const 24 i32.add local.tee 1 global.set 0
      local.get 1 i32.const 8 i32.add local.tee 1 global.set 0
      i32.const 0 return
     end
     unreachable
    end
    i32.const 1)
  (func (export "run") (param $x i64) (param $sp i32) (param $stackguard i32) (param $pc_b i32) (param $indirect i32) (result i64)
    (local $ret i32)
    ;; g at 0x200, g.stackguard0 at g+16
    i64.const 0x200 global.set $g
    i32.const 0x210 local.get $stackguard i32.store
    local.get $sp global.set $SP
    local.get $sp local.get $x i64.store offset=8
    local.get $sp i64.const -1 i64.store offset=16
    local.get $indirect
    if (result i32)
      local.get $pc_b i32.const 2 call_indirect (type 0)
    else
      local.get $pc_b call $main.caller
    end
    local.set $ret
    ;; result | ret << 32 ^ SP << 40, as one value
    local.get $sp i64.load offset=16
    local.get $ret i64.extend_i32_u i64.const 32 i64.shl i64.xor
    global.get $SP i64.extend_i32_u i64.const 40 i64.shl i64.xor)
)"#
    .to_string()
}

pub fn run_go(report: &mut Report, backend: &dyn Backend) {
    let Some(mut pair) = Pair::new(report, backend, "go_caller", &go_module_wat()) else {
        return;
    };
    pair.check_memory = true;
    for x in [0i64, 1, -1, 7, i64::MAX, i64::MIN, 0x1234_5678] {
        for indirect in [0, 1] {
            // Normal entry, stack check passes.
            pair.check(
                "run",
                &[
                    V::I64(x),
                    V::I32(4096),
                    V::I32(1024),
                    V::I32(0),
                    V::I32(indirect),
                ],
                Nan::Bits,
            );
            // Stack check fails: morestack unwinds, caller returns 1.
            pair.check(
                "run",
                &[
                    V::I64(x),
                    V::I32(1024),
                    V::I32(4096),
                    V::I32(1),
                    V::I32(indirect),
                ],
                Nan::Bits,
            );
            // Resume at PC_B 2 and 3, and an out-of-range PC_B (falls to `unreachable`).
            for pc_b in [2, 3, 4, 100, -1] {
                pair.check(
                    "run",
                    &[
                        V::I64(x),
                        V::I32(8192),
                        V::I32(0),
                        V::I32(pc_b),
                        V::I32(indirect),
                    ],
                    Nan::Bits,
                );
            }
            // SP at the end of memory: the Go stack itself goes out of bounds.
            for sp in [65536 - 16, 65536 - 8, 65536, 24, 8] {
                pair.check(
                    "run",
                    &[
                        V::I64(x),
                        V::I32(sp),
                        V::I32(0),
                        V::I32(0),
                        V::I32(indirect),
                    ],
                    Nan::Bits,
                );
            }
        }
    }
}
