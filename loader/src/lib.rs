//! wasmaot-loader: the runtime. Loads artifacts produced by the compiler, links and
//! instantiates them, runs their code and turns hardware faults into Wasm traps.
//! It never depends on the compiler.

pub mod abi;
