;; Baseline code with tier-up counters (translate/tier.rs): one tick at entry and one before each
;; backward branch (here Go's jump back to resume point 1, threaded to its block), none before
;; the forward jumps to resume points 1 and 2.
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
    unreachable)
  ;; A plain wasm loop: the br_if back to the loop header ticks only where it is taken (a tick may
  ;; move the call into OSR code, which resumes at the header).
  (func $count (export "count") (param i32) (result i32)
    loop $l
      local.get 0 i32.const 1 i32.sub local.tee 0
      br_if $l
    end
    local.get 0))
