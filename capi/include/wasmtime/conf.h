/*
 * wasmtime/conf.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: build-time feature switches.
 *
 * Wasmtime generates this header from CMake options; hosts test the
 * WASMTIME_FEATURE_* macros to find out which optional APIs exist.  wasmaot
 * ships it pre-generated with exactly the feature set of a default Wasmtime
 * 23 build, so every optional function of the v23 API is declared and
 * exported by libwasmaot.  (Some of them are exported as stubs that report
 * an error; see capi/README.md, "Out of scope for now".)
 */

#ifndef WASMTIME_CONF_H
#define WASMTIME_CONF_H

#define WASMTIME_FEATURE_PROFILING
#define WASMTIME_FEATURE_WAT
#define WASMTIME_FEATURE_CACHE
#define WASMTIME_FEATURE_PARALLEL_COMPILATION
#define WASMTIME_FEATURE_WASI
#define WASMTIME_FEATURE_LOGGING
/* #undef WASMTIME_FEATURE_DISABLE_LOGGING */
#define WASMTIME_FEATURE_COREDUMP
#define WASMTIME_FEATURE_ADDR2LINE
#define WASMTIME_FEATURE_DEMANGLE
#define WASMTIME_FEATURE_THREADS
#define WASMTIME_FEATURE_GC
#define WASMTIME_FEATURE_ASYNC
#define WASMTIME_FEATURE_CRANELIFT
#define WASMTIME_FEATURE_WINCH

/* Derived: some compiler backend is available (module compilation APIs). */
#if defined(WASMTIME_FEATURE_CRANELIFT) || defined(WASMTIME_FEATURE_WINCH)
#define WASMTIME_FEATURE_COMPILER
#endif

#endif // WASMTIME_CONF_H
