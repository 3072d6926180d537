;; wasmi 2.0.0 jumped to a bad address (SIGSEGV) executing v128.store8_lane or
;; v128.store16_lane on a memory other than memory 0 (found by seed 1, module 210, with
;; wasmi 2.0.0 as the oracle; wasmi 1.1.0 runs it correctly).
(module
  (memory 1)
  (memory (export "m1") 1)
  (func (export "store8") (param i32 v128)
    local.get 0
    local.get 1
    v128.store8_lane 1 3)
  (func (export "store16") (param i32 v128)
    local.get 0
    local.get 1
    v128.store16_lane 1 5))
