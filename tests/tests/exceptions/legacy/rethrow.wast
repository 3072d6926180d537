;; Test rethrow instruction.

(module binary "\00\61\73\6d\01\00\00\00\01\09\02\60\00\00\60\01\7f\01\7f\03\08\07\00\01\00\01\01\01\00\0d\05\02\00\00\00\00\07\8f\01\07\0f\63\61\74\63\68\2d\72\65\74\68\72\6f\77\2d\30\00\00\0f\63\61\74\63\68\2d\72\65\74\68\72\6f\77\2d\31\00\01\12\63\61\74\63\68\61\6c\6c\2d\72\65\74\68\72\6f\77\2d\30\00\02\12\63\61\74\63\68\61\6c\6c\2d\72\65\74\68\72\6f\77\2d\31\00\03\0e\72\65\74\68\72\6f\77\2d\6e\65\73\74\65\64\00\04\0f\72\65\74\68\72\6f\77\2d\72\65\63\61\74\63\68\00\05\1a\72\65\74\68\72\6f\77\2d\73\74\61\63\6b\2d\70\6f\6c\79\6d\6f\72\70\68\69\73\6d\00\06\0a\8f\01\07\0b\00\06\40\08\00\07\00\09\00\0b\0b\13\00\06\7f\08\00\07\00\20\00\45\04\40\09\01\0b\41\17\0b\0b\0a\00\06\40\08\00\19\09\00\0b\0b\12\00\06\7f\08\00\19\20\00\45\04\40\09\01\0b\41\17\0b\0b\26\00\06\7f\08\01\07\01\06\7f\08\00\07\00\20\00\41\00\46\04\40\09\01\0b\20\00\41\01\46\04\40\09\02\0b\41\17\0b\0b\0b\1a\00\06\7f\08\00\07\00\06\7f\20\00\45\04\40\09\02\0b\41\2a\07\00\41\17\0b\0b\0b\0d\00\06\40\08\00\07\00\41\01\09\00\0b\0b\00\10\04\6e\61\6d\65\0b\09\02\00\02\65\30\01\02\65\31")

(assert_exception (invoke "catch-rethrow-0"))

(assert_exception (invoke "catch-rethrow-1" (i32.const 0)))
(assert_return (invoke "catch-rethrow-1" (i32.const 1)) (i32.const 23))

(assert_exception (invoke "catchall-rethrow-0"))

(assert_exception (invoke "catchall-rethrow-1" (i32.const 0)))
(assert_return (invoke "catchall-rethrow-1" (i32.const 1)) (i32.const 23))
(assert_exception (invoke "rethrow-nested" (i32.const 0)))
(assert_exception (invoke "rethrow-nested" (i32.const 1)))
(assert_return (invoke "rethrow-nested" (i32.const 2)) (i32.const 23))

(assert_return (invoke "rethrow-recatch" (i32.const 0)) (i32.const 23))
(assert_return (invoke "rethrow-recatch" (i32.const 1)) (i32.const 42))

(assert_exception (invoke "rethrow-stack-polymorphism"))

(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0a\06\01\04\00\09\00\0b") "invalid rethrow label")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0a\09\01\07\00\02\40\09\00\0b\0b") "invalid rethrow label")
(assert_invalid (module binary "\00\61\73\6d\01\00\00\00\01\04\01\60\00\00\03\02\01\00\0a\0a\01\08\00\06\40\09\00\18\00\0b")
                "invalid rethrow label")

