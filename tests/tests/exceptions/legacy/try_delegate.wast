;; Test try-delegate blocks.

(module binary "\00\61\73\6d\01\00\00\00\01\17\05\60\00\00\60\00\01\7f\60\01\7f\00\60\01\7f\01\7f\60\02\7f\7f\01\7f\03\13\12\01\02\03\01\01\01\00\00\02\04\01\01\00\00\00\00\01\01\04\05\01\70\01\01\01\0d\05\02\00\00\00\00\07\e2\02\0f\11\64\65\6c\65\67\61\74\65\2d\6e\6f\2d\74\68\72\6f\77\00\00\0e\64\65\6c\65\67\61\74\65\2d\74\68\72\6f\77\00\02\0d\64\65\6c\65\67\61\74\65\2d\73\6b\69\70\00\03\11\64\65\6c\65\67\61\74\65\2d\74\6f\2d\62\6c\6f\63\6b\00\04\11\64\65\6c\65\67\61\74\65\2d\74\6f\2d\63\61\74\63\68\00\05\1a\64\65\6c\65\67\61\74\65\2d\74\6f\2d\63\61\6c\6c\65\72\2d\74\72\69\76\69\61\6c\00\06\1b\64\65\6c\65\67\61\74\65\2d\74\6f\2d\63\61\6c\6c\65\72\2d\73\6b\69\70\70\69\6e\67\00\07\0e\64\65\6c\65\67\61\74\65\2d\6d\65\72\67\65\00\09\17\64\65\6c\65\67\61\74\65\2d\74\68\72\6f\77\2d\6e\6f\2d\63\61\74\63\68\00\0a\18\64\65\6c\65\67\61\74\65\2d\63\6f\72\72\65\63\74\2d\74\61\72\67\65\74\73\00\0b\1b\72\65\74\75\72\6e\2d\63\61\6c\6c\2d\69\6e\2d\74\72\79\2d\64\65\6c\65\67\61\74\65\00\0d\24\72\65\74\75\72\6e\2d\63\61\6c\6c\2d\69\6e\64\69\72\65\63\74\2d\69\6e\2d\74\72\79\2d\64\65\6c\65\67\61\74\65\00\0e\12\62\72\65\61\6b\2d\74\72\79\2d\64\65\6c\65\67\61\74\65\00\0f\14\62\72\65\61\6b\2d\61\6e\64\2d\63\61\6c\6c\2d\74\68\72\6f\77\00\10\0f\62\72\65\61\6b\2d\61\6e\64\2d\74\68\72\6f\77\00\11\09\09\01\02\00\41\00\0b\00\01\0c\0a\de\02\12\0f\00\06\7f\06\7f\41\01\18\00\07\00\41\02\0b\0b\0a\00\20\00\04\40\08\00\05\0b\0b\13\00\06\7f\06\7f\20\00\10\01\41\01\18\00\07\00\41\02\0b\0b\18\00\06\7f\06\7f\06\7f\08\00\41\01\18\01\07\00\41\02\0b\07\00\41\03\0b\0b\13\00\06\7f\02\40\06\40\08\00\18\00\0b\41\00\19\41\01\0b\0b\17\00\06\7f\06\40\08\00\07\00\06\40\09\01\18\00\0b\41\00\19\41\01\0b\0b\08\00\06\40\08\00\18\00\0b\0c\00\06\40\06\40\08\00\18\01\19\0b\0b\17\00\02\40\02\40\02\40\20\00\0e\02\00\01\02\0b\0f\0b\08\00\0b\08\01\0b\17\00\06\7f\20\00\10\08\06\7f\20\01\10\08\41\01\18\00\07\00\41\02\0b\0b\11\00\06\7f\06\7f\08\00\41\01\18\00\07\01\41\02\0b\0b\27\00\06\7f\06\40\06\40\06\40\06\40\06\40\08\00\18\01\19\00\0b\18\01\19\00\0b\19\06\40\08\00\18\00\0b\00\19\41\01\0b\0b\04\00\08\00\0b\0d\00\06\40\06\40\12\0c\18\00\07\00\0b\0b\10\00\06\40\06\40\41\00\13\00\00\18\00\07\00\0b\0b\08\00\06\40\0c\00\18\00\0b\1d\00\06\7f\06\7f\02\40\06\40\0c\01\18\02\0b\10\0c\41\00\07\00\41\01\0b\07\00\41\02\0b\0b\1d\00\06\7f\06\7f\02\40\06\40\0c\01\18\02\0b\08\00\41\00\07\00\41\01\0b\07\00\41\02\0b\0b\00\80\01\04\6e\61\6d\65\01\23\03\01\08\74\68\72\6f\77\2d\69\66\08\0a\73\65\6c\65\63\74\2d\74\61\67\0c\0a\74\68\72\6f\77\2d\76\6f\69\64\03\49\09\00\01\00\01\74\02\01\00\01\74\03\01\00\01\74\09\01\00\01\74\0b\04\01\02\6c\33\02\02\6c\32\03\02\6c\31\04\02\6c\30\0d\01\00\01\6c\0e\01\00\01\6c\10\02\00\05\6f\75\74\65\72\02\01\61\11\02\00\05\6f\75\74\65\72\02\01\61\0b\09\02\00\02\65\30\01\02\65\31")

(assert_return (invoke "delegate-no-throw") (i32.const 1))

(assert_return (invoke "delegate-throw" (i32.const 0)) (i32.const 1))
(assert_return (invoke "delegate-throw" (i32.const 1)) (i32.const 2))

(assert_exception (invoke "delegate-throw-no-catch"))

(assert_return (invoke "delegate-merge" (i32.const 1) (i32.const 0)) (i32.const 2))
(assert_exception (invoke "delegate-merge" (i32.const 2) (i32.const 0)))
(assert_return (invoke "delegate-merge" (i32.const 0) (i32.const 1)) (i32.const 2))
(assert_exception (invoke "delegate-merge" (i32.const 0) (i32.const 2)))
(assert_return (invoke "delegate-merge" (i32.const 0) (i32.const 0)) (i32.const 1))

(assert_return (invoke "delegate-skip") (i32.const 3))

(assert_return (invoke "delegate-to-block") (i32.const 1))
(assert_return (invoke "delegate-to-catch") (i32.const 1))

(assert_exception (invoke "delegate-to-caller-trivial"))
(assert_exception (invoke "delegate-to-caller-skipping"))

(assert_return (invoke "delegate-correct-targets") (i32.const 1))

(assert_exception (invoke "return-call-in-try-delegate"))
(assert_exception (invoke "return-call-indirect-in-try-delegate"))

(assert_return (invoke "break-try-delegate"))

(assert_return (invoke "break-and-call-throw") (i32.const 1))
(assert_return (invoke "break-and-throw") (i32.const 1))

(assert_malformed
  (module quote "(module (func (delegate 0)))")
  "unexpected token"
)

(assert_malformed
  (module quote "(module (tag $e) (func (try (do) (catch $e) (delegate 0))))")
  "unexpected token"
)

(assert_malformed
  (module quote "(module (func (try (do) (catch_all) (delegate 0))))")
  "unexpected token"
)

(assert_malformed
  (module quote "(module (func (try (do) (delegate) (delegate 0))))")
  "unexpected token"
)

(assert_invalid
  (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0a\08\01\06\00\06\40\18\01\0b")
  "unknown label"
)

