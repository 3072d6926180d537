//! The `wasmaot` binary exports the runtime functions (`wasmaot_rt_*`) to the dynamic
//! linker, so that shared objects made by `wasmaot compile --emit shared`, whose
//! references to them are undefined, can be opened by `wasmaot run`.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" || os == "freebsd" {
        println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=wasmaot_rt_*");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
