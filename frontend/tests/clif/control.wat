;; Control flow: block/loop/if/else with results, br, br_if, br_table (with values), return,
;; and code after an unconditional branch (unreachable code is skipped).
(module
  (func $block_result (param i32) (result i32)
    block (result i32) local.get 0 i32.const 1 i32.add end)
  (func $if_else (param i32) (result i32)
    local.get 0 if (result i32) i32.const 10 else i32.const 20 end)
  (func $if_no_else (param i32) (result i32) (local i32)
    local.get 0 if i32.const 5 local.set 1 end local.get 1)
  (func $br_if_value (param i32 i32) (result i32)
    block (result i32) local.get 0 local.get 1 br_if 0 drop i32.const 7 end)
  (func $loop_sum (param i32) (result i32) (local i32)
    block
      loop
        local.get 0 i32.eqz br_if 1
        local.get 1 local.get 0 i32.add local.set 1
        local.get 0 i32.const 1 i32.sub local.set 0
        br 0
      end
    end
    local.get 1)
  (func $loop_result (param i32) (result i32)
    loop (result i32) local.get 0 end)
  (func $br_table (param i32) (result i32)
    block block block
      local.get 0 br_table 0 1 2
    end i32.const 100 return
    end i32.const 101 return
    end i32.const 102)
  (func $br_table_value (param i32 i32) (result i32)
    block (result i32)
      block (result i32)
        local.get 1 local.get 0 br_table 0 1 0
      end i32.const 1000 i32.add
    end)
  (func $dead_code (param i32) (result i32)
    block (result i32)
      local.get 0 br 0
      i32.const 1 i32.add
      block loop nop end end
    end)
  (func $early_return (param i32) (result i32)
    local.get 0 if i32.const 1 return end i32.const 2)
)
