(module
  (func $swap (import "" "swap") (param i32 i64) (result i64 i32))
  (func (export "g") (param i32 i64) (result i64 i32)
    (call $swap (local.get 0) (local.get 1))))
