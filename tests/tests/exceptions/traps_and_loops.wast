;; Traps are not exceptions; exceptions in start functions; many throws.
(module
  (tag $e)
  (func $div (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "trap-not-caught") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $div (local.get 0))))
      (unreachable))
    (i32.const -1))
  (func (export "unreachable-not-caught")
    (block $h (try_table (catch_all $h) (unreachable))))
  (func (export "loop") (param i32) (result i32)
    (local $n i32)
    (loop $again
      (block $h
        (try_table (catch $e $h) (throw $e)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $n) (local.get 0))))
    (local.get $n))
  (func $rec (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (throw $e))
      (else (call $rec (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "deep") (param i32) (result i32)
    (block $h
      (try_table (catch $e $h) (return (call $rec (local.get 0)))))
    (i32.const -7))
  (func (export "tail") (param i32) (result i32)
    (block $h
      (try_table (catch $e $h) (return_call $rec (local.get 0))))
    (i32.const -7))
)
(assert_return (invoke "trap-not-caught" (i32.const 1)) (i32.const 1))
(assert_trap (invoke "trap-not-caught" (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "unreachable-not-caught") "unreachable")
(assert_return (invoke "loop" (i32.const 100000)) (i32.const 100000))
(assert_return (invoke "deep" (i32.const 10000)) (i32.const -7))
(assert_exception (invoke "tail" (i32.const 3)))
(assert_exception (module (tag $e) (func $s (throw $e)) (start $s)))
