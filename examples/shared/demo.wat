;; Compiled to a shared object by examples/shared/build.sh; its function names become
;; the symbols gdb and perf show (`demo_fib`, `demo_fill`, `demo_sum`).
(module $demo
  (memory 1)
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  ;; memory.fill is a runtime call, reached through the libcall table of the VMContext.
  (func $fill (export "fill") (param $at i32) (param $byte i32) (param $len i32)
    (memory.fill (local.get $at) (local.get $byte) (local.get $len)))
  ;; The sum of the bytes [0, n]; traps once n is outside the memory.
  (func $sum (export "sum") (param $n i32) (result i32) (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (i32.ge_s (local.get $n) (i32.const 0))))
    (local.get $s)))
