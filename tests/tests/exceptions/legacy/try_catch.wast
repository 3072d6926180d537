;; Test try-catch blocks.

(module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0d\03\01\00\00\07\0e\02\02\65\30\04\00\05\74\68\72\6f\77\00\00\0a\06\01\04\00\08\00\0b\00\0c\04\6e\61\6d\65\0b\05\01\00\02\65\30")

(register "test")

(module binary "\00\61\73\6d\01\00\00\00\01\32\0b\60\00\00\60\01\7f\00\60\01\7d\00\60\01\7e\00\60\01\7c\00\60\01\7f\01\7f\60\02\7f\7f\01\7f\60\01\7d\01\7d\60\01\7e\01\7e\60\01\7c\01\7c\60\00\01\7f\02\19\02\04\74\65\73\74\02\65\30\04\00\00\04\74\65\73\74\05\74\68\72\6f\77\00\00\03\16\15\05\00\05\00\06\06\05\05\05\07\08\09\01\05\0a\05\00\00\00\00\00\04\05\01\70\01\01\01\0d\0f\07\00\00\00\00\00\00\00\01\00\02\00\03\00\04\07\ec\02\11\0b\65\6d\70\74\79\2d\63\61\74\63\68\00\02\12\73\69\6d\70\6c\65\2d\74\68\72\6f\77\2d\63\61\74\63\68\00\03\16\75\6e\72\65\61\63\68\61\62\6c\65\2d\6e\6f\74\2d\63\61\75\67\68\74\00\04\0e\74\72\61\70\2d\69\6e\2d\63\61\6c\6c\65\65\00\06\0f\63\61\74\63\68\2d\63\6f\6d\70\6c\65\78\2d\31\00\07\0f\63\61\74\63\68\2d\63\6f\6d\70\6c\65\78\2d\32\00\08\15\74\68\72\6f\77\2d\63\61\74\63\68\2d\70\61\72\61\6d\2d\69\33\32\00\09\15\74\68\72\6f\77\2d\63\61\74\63\68\2d\70\61\72\61\6d\2d\66\33\32\00\0a\15\74\68\72\6f\77\2d\63\61\74\63\68\2d\70\61\72\61\6d\2d\69\36\34\00\0b\15\74\68\72\6f\77\2d\63\61\74\63\68\2d\70\61\72\61\6d\2d\66\36\34\00\0c\0f\63\61\74\63\68\2d\70\61\72\61\6d\2d\69\33\32\00\0e\0e\63\61\74\63\68\2d\69\6d\70\6f\72\74\65\64\00\0f\0d\63\61\74\63\68\6c\65\73\73\2d\74\72\79\00\10\18\72\65\74\75\72\6e\2d\63\61\6c\6c\2d\69\6e\2d\74\72\79\2d\63\61\74\63\68\00\12\21\72\65\74\75\72\6e\2d\63\61\6c\6c\2d\69\6e\64\69\72\65\63\74\2d\69\6e\2d\74\72\79\2d\63\61\74\63\68\00\13\0f\62\72\65\61\6b\2d\74\72\79\2d\63\61\74\63\68\00\14\13\62\72\65\61\6b\2d\74\72\79\2d\63\61\74\63\68\5f\61\6c\6c\00\15\09\09\01\02\00\41\00\0b\00\01\11\0a\c4\02\15\0e\00\20\00\41\00\47\04\40\08\01\0b\41\00\0b\07\00\06\40\07\01\0b\0b\14\00\06\7f\20\00\45\04\40\08\01\05\0b\41\2a\07\01\41\17\0b\0b\07\00\06\40\00\19\0b\0b\07\00\20\00\20\01\6e\0b\0e\00\06\7f\20\00\20\01\10\05\19\41\0b\0b\0b\28\00\06\7f\06\7f\20\00\45\04\40\08\01\05\20\00\41\01\46\04\40\08\02\05\08\03\0b\0b\41\02\07\01\41\03\0b\07\02\41\04\0b\0b\25\00\06\7f\20\00\45\04\40\08\01\05\20\00\41\01\46\04\40\08\02\05\08\03\0b\0b\41\02\07\01\41\03\07\02\41\04\0b\0b\0e\00\06\7f\20\00\08\04\41\02\07\04\0f\0b\0b\11\00\06\7d\20\00\08\05\43\00\00\00\00\07\05\0f\0b\0b\0e\00\06\7e\20\00\08\06\42\02\07\06\0f\0b\0b\15\00\06\7c\20\00\08\07\44\00\00\00\00\00\00\00\00\07\07\0f\0b\0b\06\00\20\00\08\04\0b\0d\00\06\7f\41\00\20\00\10\0d\07\04\0b\0b\0d\00\06\7f\41\01\10\00\07\00\41\02\0b\0b\10\00\06\7f\06\7f\20\00\10\01\0b\07\01\41\01\0b\0b\04\00\08\01\0b\09\00\06\40\12\11\07\01\0b\0b\0c\00\06\40\41\00\13\00\00\07\01\0b\0b\09\00\06\40\0c\00\07\01\0b\0b\08\00\06\40\0c\00\19\0b\0b\00\7c\04\6e\61\6d\65\01\3d\05\00\0e\69\6d\70\6f\72\74\65\64\2d\74\68\72\6f\77\01\08\74\68\72\6f\77\2d\69\66\05\03\64\69\76\0d\0f\74\68\72\6f\77\2d\70\61\72\61\6d\2d\69\33\32\11\0a\74\68\72\6f\77\2d\76\6f\69\64\0b\36\08\00\0b\69\6d\70\6f\72\74\65\64\2d\65\30\01\02\65\30\02\02\65\31\03\02\65\32\04\05\65\2d\69\33\32\05\05\65\2d\66\33\32\06\05\65\2d\69\36\34\07\05\65\2d\66\36\34")

(assert_return (invoke "empty-catch"))

(assert_return (invoke "simple-throw-catch" (i32.const 0)) (i32.const 23))
(assert_return (invoke "simple-throw-catch" (i32.const 1)) (i32.const 42))

(assert_trap (invoke "unreachable-not-caught") "unreachable")

(assert_return (invoke "trap-in-callee" (i32.const 7) (i32.const 2)) (i32.const 3))
(assert_trap (invoke "trap-in-callee" (i32.const 1) (i32.const 0)) "integer divide by zero")

(assert_return (invoke "catch-complex-1" (i32.const 0)) (i32.const 3))
(assert_return (invoke "catch-complex-1" (i32.const 1)) (i32.const 4))
(assert_exception (invoke "catch-complex-1" (i32.const 2)))

(assert_return (invoke "catch-complex-2" (i32.const 0)) (i32.const 3))
(assert_return (invoke "catch-complex-2" (i32.const 1)) (i32.const 4))
(assert_exception (invoke "catch-complex-2" (i32.const 2)))

(assert_return (invoke "throw-catch-param-i32" (i32.const 0)) (i32.const 0))
(assert_return (invoke "throw-catch-param-i32" (i32.const 1)) (i32.const 1))
(assert_return (invoke "throw-catch-param-i32" (i32.const 10)) (i32.const 10))

(assert_return (invoke "throw-catch-param-f32" (f32.const 5.0)) (f32.const 5.0))
(assert_return (invoke "throw-catch-param-f32" (f32.const 10.5)) (f32.const 10.5))

(assert_return (invoke "throw-catch-param-i64" (i64.const 5)) (i64.const 5))
(assert_return (invoke "throw-catch-param-i64" (i64.const 0)) (i64.const 0))
(assert_return (invoke "throw-catch-param-i64" (i64.const -1)) (i64.const -1))

(assert_return (invoke "throw-catch-param-f64" (f64.const 5.0)) (f64.const 5.0))
(assert_return (invoke "throw-catch-param-f64" (f64.const 10.5)) (f64.const 10.5))

(assert_return (invoke "catch-param-i32" (i32.const 5)) (i32.const 5))

(assert_return (invoke "catch-imported") (i32.const 2))

(assert_return (invoke "catchless-try" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catchless-try" (i32.const 1)) (i32.const 1))

(assert_exception (invoke "return-call-in-try-catch"))
(assert_exception (invoke "return-call-indirect-in-try-catch"))

(assert_return (invoke "break-try-catch"))
(assert_return (invoke "break-try-catch_all"))

(module binary "\00\61\73\6d\01\00\00\00\01\08\02\60\00\00\60\00\01\7f\02\0e\01\04\74\65\73\74\05\74\68\72\6f\77\00\00\03\02\01\01\0d\03\01\00\00\07\15\01\11\69\6d\70\6f\72\74\65\64\2d\6d\69\73\6d\61\74\63\68\00\01\0a\15\01\13\00\06\7f\06\7f\41\01\10\00\07\00\41\02\0b\19\41\03\0b\0b\00\1f\04\6e\61\6d\65\01\11\01\00\0e\69\6d\70\6f\72\74\65\64\2d\74\68\72\6f\77\0b\05\01\00\02\65\30")

(assert_return (invoke "imported-mismatch") (i32.const 3))

(assert_malformed
  (module quote "(module (func (catch_all)))")
  "unexpected token"
)

(assert_malformed
  (module quote "(module (tag $e) (func (catch $e)))")
  "unexpected token"
)

(assert_malformed
  (module quote
    "(module (func (try (do) (catch_all) (catch_all))))"
  )
  "unexpected token"
)

(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\05\01\60\00\01\7f\03\02\01\00\0a\07\01\05\00\06\7f\0b\0b")
                "type mismatch: instruction requires [i32] but stack has []")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\05\01\60\00\01\7f\03\02\01\00\0a\09\01\07\00\06\7f\42\2a\0b\0b")
                "type mismatch: instruction requires [i32] but stack has [i64]")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0d\03\01\00\00\0a\0b\01\09\00\06\40\07\00\41\2a\0b\0b")
                "type mismatch: block requires [] but stack has [i32]")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\09\02\60\01\7e\00\60\00\01\7f\03\02\01\01\0d\03\01\00\00\0a\0b\01\09\00\06\7f\41\2a\07\00\0b\0b")
                "type mismatch: instruction requires [i32] but stack has [i64]")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0a\0a\01\08\00\06\40\19\41\2a\0b\0b")
                "type mismatch: block requires [] but stack has [i32]")

