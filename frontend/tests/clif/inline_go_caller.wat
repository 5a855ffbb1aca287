;; go_caller.wat with `inline_small` on: `main.callee` (a small Go leaf) is translated inside
;; `main.caller` — its PC_B parameter is the caller's constant 0, so its dispatch folds away, and
;; its `SP` updates, Go-stack loads/stores and unwind result stay exactly as written. The
;; self-recursive `$rec` is not inlined into itself.
(module
  (type (;0;) (func (param i32) (result i32)))
  (memory 1)
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
  (func $rec (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $rec end)
)
