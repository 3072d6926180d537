#!/bin/sh
# Installs libwasmaot into PREFIX: headers, libwasmaot.{so,a}, pkg-config file and
# CMake package config.
#   cargo build --release -p wasmaot-capi
#   capi/install.sh /usr/local [target/release]
set -eu
prefix=${1:?usage: install.sh PREFIX [LIBDIR_OF_THE_BUILD]}
here=$(cd "$(dirname "$0")" && pwd)
build=${2:-$here/../target/release}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../Cargo.toml" | head -n1)
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/wasmaot"
cp -R "$here/include/." "$prefix/include/"
cp "$build/libwasmaot.so" "$build/libwasmaot.a" "$prefix/lib/"
fill() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@INCLUDEDIR@|$prefix/include|g" \
      -e "s|@LIBDIR@|$prefix/lib|g" -e "s|@VERSION@|$version|g" "$1"
}
fill "$here/wasmaot.pc.in" > "$prefix/lib/pkgconfig/wasmaot.pc"
fill "$here/cmake/wasmaotConfig.cmake.in" > "$prefix/lib/cmake/wasmaot/wasmaotConfig.cmake"
fill "$here/cmake/wasmaotConfigVersion.cmake.in" > "$prefix/lib/cmake/wasmaot/wasmaotConfigVersion.cmake"
echo "installed libwasmaot $version into $prefix"
