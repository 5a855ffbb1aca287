;; unreachable: as the whole body, with a result type, in a branch, and followed by dead code.
(module
  (func $trap unreachable)
  (func $trap_result (result i64) unreachable)
  (func $conditional (param i32) (result i32)
    local.get 0 if unreachable end i32.const 1)
  (func $dead_after (param i32) (result i32)
    unreachable local.get 0 i32.const 1 i32.add drop block end i32.const 3)
)
