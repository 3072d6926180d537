//! Writes a pkg-config file and a CMake package config for the build tree next to the
//! library: `target/<profile>/pkgconfig/wasmaot.pc` and
//! `target/<profile>/cmake/wasmaot/wasmaotConfig{,Version}.cmake`, pointing at
//! `capi/include` and `target/<profile>`. `capi/install.sh PREFIX` installs the library
//! with the same files rewritten for PREFIX.

use std::path::{Path, PathBuf};

fn fill(template: &str, prefix: &Path, include: &Path, lib: &Path) -> String {
    template
        .replace("@PREFIX@", &prefix.display().to_string())
        .replace("@INCLUDEDIR@", &include.display().to_string())
        .replace("@LIBDIR@", &lib.display().to_string())
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    for f in [
        "wasmaot.pc.in",
        "cmake/wasmaotConfig.cmake.in",
        "cmake/wasmaotConfigVersion.cmake.in",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    // OUT_DIR is target/<profile>/build/<pkg>-<hash>/out.
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    let include = manifest.join("include");
    let workspace = manifest.parent().unwrap_or(&manifest).to_path_buf();
    let read = |f: &str| std::fs::read_to_string(manifest.join(f)).unwrap_or_default();
    let pc_dir = profile_dir.join("pkgconfig");
    let cmake_dir = profile_dir.join("cmake/wasmaot");
    if std::fs::create_dir_all(&pc_dir).is_err() || std::fs::create_dir_all(&cmake_dir).is_err() {
        return;
    }
    let _ = std::fs::write(
        pc_dir.join("wasmaot.pc"),
        fill(&read("wasmaot.pc.in"), &workspace, &include, profile_dir),
    );
    let _ = std::fs::write(
        cmake_dir.join("wasmaotConfig.cmake"),
        fill(
            &read("cmake/wasmaotConfig.cmake.in"),
            &workspace,
            &include,
            profile_dir,
        ),
    );
    let _ = std::fs::write(
        cmake_dir.join("wasmaotConfigVersion.cmake"),
        fill(
            &read("cmake/wasmaotConfigVersion.cmake.in"),
            &workspace,
            &include,
            profile_dir,
        ),
    );
}
