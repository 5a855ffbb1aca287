;; A hot loop with an operand live across its header (the operand stack is not empty at `loop`).
;; The interpreter asked for an OSR entry at it, and the entry's translation jumped into the
;; loop past the code that computed the operand: invalid IR that panicked Cranelift's egraph
;; pass ("depth_of_block_in_gvn_map", a failed unwrap) in the OSR tier (fuzz seed smith 1001717).
;; Fixed: such loops are no OSR sites in the interpreter, and the translator refuses them.
(module
  (memory (export "memory") 1)
  (global $g (export "g") (mut i64) (i64.const 0))
  (func (export "run") (param i32) (result i32)
    local.get 0 i32.const 0xff i32.and i32.const 200 i32.or local.set 0
    i32.const 7
    f64.const 1.5
    loop (result f64)
      global.get $g i64.const 3 i64.add global.set $g
      local.get 0 i32.const 1 i32.sub local.tee 0
      br_if 0
      f64.const 2.25
    end
    f64.add
    i32.trunc_f64_s
    i32.add)
  (func (export "nested") (param i64) (result i64)
    (local i32)
    i64.const 11
    loop (result i64)
      i32.const 0 local.set 1
      loop
        local.get 1 i32.const 1 i32.add local.tee 1 i32.const 120 i32.lt_u br_if 0
      end
      local.get 0 i64.const 1 i64.sub local.tee 0 i64.const 0 i64.gt_s br_if 0
      local.get 0
    end
    i64.add))
