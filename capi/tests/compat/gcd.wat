(module
  (func $gcd (export "gcd") (param i32 i32) (result i32)
    (local i32)
    (block
      (block
        (br_if 0 (local.get 0))
        (br 1 (local.get 1)))
      (loop
        (local.set 2 (i32.rem_u (local.get 1) (local.get 0)))
        (local.set 1 (local.get 0))
        (local.set 0 (local.get 2))
        (br_if 0 (local.get 0))))
    (local.get 1)))
