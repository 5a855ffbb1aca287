;; select for every value type (typed `select (result t)` needs reference types, which Go never
;; emits and gojit rejects), and select on a comparison.
(module
  (func $select_i32 (param i32 i32 i32) (result i32) local.get 0 local.get 1 local.get 2 select)
  (func $select_i64 (param i64 i64 i32) (result i64) local.get 0 local.get 1 local.get 2 select)
  (func $select_f32 (param f32 f32 i32) (result f32) local.get 0 local.get 1 local.get 2 select)
  (func $select_f64 (param f64 f64 i32) (result f64) local.get 0 local.get 1 local.get 2 select)
  (func $select_cmp (param i64 i64) (result i64)
    local.get 0 local.get 1 local.get 0 local.get 1 i64.lt_s select)
)
