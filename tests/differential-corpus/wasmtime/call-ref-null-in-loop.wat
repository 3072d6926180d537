;; Found by the differential run against Wasmtime (seed 1, module 270), written anew in
;; its smallest form: `call_ref` of a null reference inside a loop traps as "null
;; reference". wasmaot loaded the callee's code pointer with a movable load, which
;; Cranelift hoisted above the null check (out of the loop): the load faulted, reported as
;; "out of bounds memory access". Only when optimized.
(module
  (type $t (func (result i32)))
  (memory 1)
  (func (export "call-null-in-loop") (result i32)
    (local $f (ref null $t))
    (loop $l (result i32)
      (drop (i32.load (call_ref $t (local.get $f))))
      (br $l)))
  (func (export "call-indirect-null-in-loop") (result i32)
    (loop $l (result i32)
      (drop (i32.load (call_indirect (type $t) (i32.const 0))))
      (br $l)))
  (table 1 funcref))
