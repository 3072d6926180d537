;; A module with a memory, a data segment and a trap, linked beside fib.o into one
;; program (examples/static/host.c) under the symbol prefix `counter_`.
(module $counter
  (memory (export "memory") 1)
  (data (i32.const 0) "wasmaot")
  ;; Increments the 32-bit counter at address 64 and returns its new value.
  (func $bump (export "bump") (result i32)
    (i32.store (i32.const 64) (i32.add (i32.load (i32.const 64)) (i32.const 1)))
    (i32.load (i32.const 64)))
  ;; memory.grow is a runtime call, reached through the libcall table of the VMContext.
  (func $grow (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  ;; Byte `i` of memory: traps when `i` is out of bounds.
  (func $byte (export "byte") (param $i i32) (result i32)
    (i32.load8_u (local.get $i))))
