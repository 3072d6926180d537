//! Runner for WebAssembly spec scripts (.wast).
