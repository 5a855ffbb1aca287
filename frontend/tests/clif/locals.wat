;; Locals: zero-initialised declared locals of every type, local.set, local.tee, parameters.
(module
  (func $zeroes (result i32) (local i32 i64 f32 f64)
    local.get 0 local.get 1 i32.wrap_i64 i32.add
    local.get 2 i32.trunc_f32_s i32.add local.get 3 i32.trunc_f64_s i32.add)
  (func $set_get (param i32) (result i32) (local i32)
    local.get 0 i32.const 3 i32.mul local.set 1 local.get 1 local.get 1 i32.add)
  (func $tee (param i64) (result i64) (local i64)
    local.get 0 i64.const 1 i64.add local.tee 1 local.get 1 i64.mul)
  (func $swap (param f32 f32) (result f32) (local f32)
    local.get 0 local.set 2 local.get 1 local.set 0 local.get 2 local.set 1
    local.get 0 local.get 1 f32.sub)
)
