;; Sign-extension operators.
(module
  (func $i32_extend8_s (param i32) (result i32) local.get 0 i32.extend8_s)
  (func $i32_extend16_s (param i32) (result i32) local.get 0 i32.extend16_s)
  (func $i64_extend8_s (param i64) (result i64) local.get 0 i64.extend8_s)
  (func $i64_extend16_s (param i64) (result i64) local.get 0 i64.extend16_s)
  (func $i64_extend32_s (param i64) (result i64) local.get 0 i64.extend32_s)
)
