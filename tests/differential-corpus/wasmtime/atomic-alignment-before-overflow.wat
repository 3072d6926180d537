;; Found by the differential run against Wasmtime (seed 1, module 730, and four others),
;; written anew in its smallest form: an atomic load, store or read-modify-write of a
;; 64-bit memory whose address plus offset overflows 64 bits traps as "unaligned atomic"
;; when the sum is misaligned (the alignment check comes before the bounds check, as in
;; the reference interpreter), as "out of bounds" otherwise. wasmaot checked the overflow
;; first: out of bounds for both. `memory.atomic.notify` and `wait` differ in Wasmtime
;; (the overflow is out of bounds before any alignment check: seed 1, module 4625), and
;; wasmaot does as Wasmtime.
(module
  (memory (export "m") i64 1 1)
  (func (export "rmw16-misaligned") (result i32)
    (i32.atomic.rmw16.or_u offset=185585 (i64.const -88) (i32.const 1)))
  (func (export "load-aligned") (result i32)
    (i32.atomic.load offset=8 (i64.const -4)))
  (func (export "notify-misaligned") (result i32)
    (memory.atomic.notify offset=3 (i64.const -1) (i32.const 1)))
  (func (export "notify-aligned") (result i32)
    (memory.atomic.notify offset=8 (i64.const -4) (i32.const 1))))
