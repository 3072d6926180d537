;; Memories of 1-byte pages (the custom-page-sizes proposal): sizes and growth count
;; bytes, and an access is in bounds exactly up to the last byte, wherever that falls in
;; a host page.

(module
  (memory (export "m") 3 70000 (pagesize 1))
  (data (i32.const 0) "abc")
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "load32_off") (param i32) (result i32) (i32.load offset=4093 (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load8" (i32.const 2)) (i32.const 99))
(assert_trap (invoke "load8" (i32.const 3)) "out of bounds memory access")
(assert_trap (invoke "load16" (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 3) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 2) (i32.const 7) (i32.const 2)) "out of bounds memory access")

;; Growing by one byte makes exactly one more byte accessible, and it reads zero.
(assert_return (invoke "grow" (i32.const 1)) (i32.const 3))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "load8" (i32.const 3)) (i32.const 0))
(assert_return (invoke "load16" (i32.const 2)) (i32.const 99))
(assert_trap (invoke "load8" (i32.const 4)) "out of bounds memory access")

;; Across a host page: 4097 bytes end one byte into the second 4 KiB page.
(assert_return (invoke "grow" (i32.const 4093)) (i32.const 4))
(assert_return (invoke "size") (i32.const 4097))
(invoke "store8" (i32.const 4096) (i32.const 5))
(assert_return (invoke "load8" (i32.const 4096)) (i32.const 5))
(assert_trap (invoke "load8" (i32.const 4097)) "out of bounds memory access")
(assert_trap (invoke "load32_off" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "load32_off" (i32.const 0)) (i32.const 0x05000000))
(invoke "fill" (i32.const 4090) (i32.const 1) (i32.const 7))
(assert_return (invoke "load8" (i32.const 4096)) (i32.const 1))

;; The maximum counts bytes too.
(assert_return (invoke "grow" (i32.const 65904)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 65903)) (i32.const 4097))
(assert_return (invoke "size") (i32.const 70000))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "load8" (i32.const 69999)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 70000)) "out of bounds memory access")

;; An import must have the same page size.
(module $small (memory (export "m") 2 (pagesize 1)))
(register "small" $small)
(module (import "small" "m" (memory 1 (pagesize 1))))
(assert_unlinkable (module (import "small" "m" (memory 0))) "incompatible import type")

;; 64-bit memories of 1-byte pages.
(module
  (memory i64 5 (pagesize 1))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "size") (i64.const 5))
(assert_return (invoke "load8" (i64.const 4)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 5)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x1_0000_0004)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 1)) (i64.const 5))
(assert_return (invoke "load8" (i64.const 5)) (i32.const 0))

;; Only 1 and 65536 are page sizes.
(assert_malformed (module quote "(memory 0 (pagesize 2))") "invalid custom page size")
