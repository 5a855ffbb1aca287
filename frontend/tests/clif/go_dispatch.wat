;; Go's resume-point dispatch (go-wasm-abi.md §4.5): every jump is `i32.const K; local.set 0;
;; br $dispatch`, and the loop body starts with `local.get 0; br_table`. With thread_dispatch the
;; constant-K branches become direct jumps to the br_table's target blocks.
(module
  (memory 1)
  (func $sum (export "sum") (param i32) (result i32)
    (local i64 i64)
    loop $dispatch
      block
        block
          block
            local.get 0
            br_table 0 1 2 2
          end
          ;; PC_B 0: entry
          i64.const 0 local.set 1
          i64.const 10 local.set 2
          i32.const 1 local.set 0
          br $dispatch
        end
        ;; PC_B 1: loop head
        local.get 2 i64.eqz
        if
          i32.const 2 local.set 0
          br $dispatch
        end
        local.get 1 local.get 2 i64.add local.set 1
        local.get 2 i64.const 1 i64.sub local.set 2
        i32.const 1 local.set 0
        br $dispatch
      end
      ;; PC_B 2: exit
      local.get 1 i32.wrap_i64
      return
    end
    unreachable))
