(module
  (import "linking2" "double" (func $double (param i32) (result i32)))
  (import "linking2" "log" (func $log (param i32 i32)))
  (import "linking2" "memory" (memory 1))
  (import "linking2" "memory_offset" (global $off i32))
  (func (export "run")
    (drop (call $double (i32.const 2)))
    (call $log (global.get $off) (i32.const 14)))
  (data (global.get $off) "Hello, world!\n"))
