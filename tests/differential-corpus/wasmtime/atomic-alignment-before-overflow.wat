;; Found by the differential run against Wasmtime (seed 1, module 730, and four others),
;; written anew in its smallest form: an atomic load, store or read-modify-write of a
;; 64-bit memory whose address plus offset overflows 64 bits traps as "unaligned atomic"
;; when the sum is misaligned (the alignment check comes before the bounds check, as in
;; the reference interpreter), as "out of bounds" otherwise. wasmaot checked the overflow
;; first: out of bounds for both.
;;
;; `memory.atomic.notify` and `wait` have another order in Wasmtime: an address plus
;; offset that overflows the index type (64 or 32 bits) is out of bounds before any
;; alignment check (seed 1, module 4625; seed 20261206, module 3841, where wasmaot said
;; "unaligned atomic" for a 32-bit memory). wasmaot follows it.
(module
  (memory $m64 (export "m64") i64 1 1)
  (memory $m32 (export "m32") 1 1)
  (func (export "rmw16-misaligned") (result i32)
    (i32.atomic.rmw16.or_u $m64 offset=185585 (i64.const -88) (i32.const 1)))
  (func (export "load-aligned") (result i32)
    (i32.atomic.load $m64 offset=8 (i64.const -4)))
  (func (export "notify-misaligned-64") (result i32)
    (memory.atomic.notify $m64 offset=3 (i64.const -1) (i32.const 1)))
  (func (export "notify-aligned-64") (result i32)
    (memory.atomic.notify $m64 offset=8 (i64.const -4) (i32.const 1)))
  (func (export "notify-misaligned-32") (result i32)
    (memory.atomic.notify $m32 offset=46821 (i32.const -24) (i32.const 1)))
  (func (export "notify-misaligned-in-range-32") (result i32)
    (memory.atomic.notify $m32 offset=1 (i32.const 0) (i32.const 1))))
