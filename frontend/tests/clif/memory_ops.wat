;; memory.size, memory.grow, memory.copy and memory.fill.
(module
  (memory 1 16)
  (func $size (result i32) memory.size)
  (func $grow (param i32) (result i32) local.get 0 memory.grow)
  (func $copy (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
  (func $fill (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
  (func $copy_const_len (param i32 i32) local.get 0 local.get 1 i32.const 16 memory.copy)
  (func $fill_const (param i32) local.get 0 i32.const 0 i32.const 64 memory.fill)
)
