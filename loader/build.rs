//! Compiles the small C helper that provides setjmp/longjmp-based unwinding from
//! traps (Rust cannot call `setjmp` itself soundly).

fn main() {
    println!("cargo:rerun-if-changed=src/traphandlers/setjmp.c");
    cc::Build::new()
        .file("src/traphandlers/setjmp.c")
        .warnings(true)
        .compile("wasmaot_setjmp");
}
