//! Valid modules from `wasm-smith`, with the features this compiler supports (MVP, SIMD,
//! bulk memory, reference types, multi-value, tail calls, multi-memory, saturating
//! conversions, sign extension, memory64, threads, exceptions, typed function references
//! with GC, whose struct and array types the compiler refuses) and sizes bounded so that
//! one compiles in milliseconds.

use super::rng::Rng;
use arbitrary::Unstructured;
use wasm_smith::{Config, Module};

/// The generator's settings: the features the compiler supports, small sizes. GC is on
/// for typed function references (wasm-smith has no switch for them alone): its struct
/// and array types are refused (`gc_types`), everything else must compile.
fn config() -> Config {
    Config {
        simd_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        tail_call_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        relaxed_simd_enabled: false,
        threads_enabled: true,
        gc_enabled: true,
        exceptions_enabled: true,
        memory64_enabled: true,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        compact_imports_enabled: false,
        max_memories: 2,
        max_tables: 3,
        min_funcs: 3,
        max_funcs: 16,
        max_instructions: 1000,
        min_types: 2,
        // (at most half: above, wasm-smith 0.263 with GC can loop forever)
        max_types: 16,
        max_imports: 8,
        max_exports: 12,
        max_globals: 12,
        max_data_segments: 6,
        max_element_segments: 6,
        max_elements: 32,
        max_table_elements: 1000,
        max_memory32_bytes: 1 << 24,
        max_nesting_depth: 8,
        max_values: 8,
        generate_custom_sections: true,
        ..Config::default()
    }
}

/// For the loader's artifacts: at least one of every entity, everything exported, and
/// every loop and function counting down a fuel global (`ensure_termination`), so that
/// whatever a call does, it ends. Without threads (a wait on a shared memory would block
/// the one thread for as long as its timeout says) and without GC (modules must compile).
fn rich_config() -> Config {
    Config {
        threads_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        min_memories: 1,
        min_tables: 1,
        min_globals: 2,
        min_data_segments: 1,
        min_element_segments: 1,
        export_everything: true,
        ..config()
    }
}

/// A valid module with every kind of entity whose code always terminates (a trap when
/// its fuel runs out), or `None` if `wasm-smith` could not make one from `rng`.
pub fn terminating_module(rng: &mut Rng) -> Option<Vec<u8>> {
    let entropy = rng.bytes(16384);
    let mut module = Module::new(rich_config(), &mut Unstructured::new(&entropy)).ok()?;
    module.ensure_termination(10_000).ok()?;
    Some(module.to_bytes())
}

/// A valid module generated from `rng`'s bytes (`wasm-smith` reads its choices from
/// them; a short supply only makes the module smaller).
pub fn module(rng: &mut Rng) -> Vec<u8> {
    let len = 512 + rng.len_up_to(32768);
    let entropy = rng.bytes(len);
    let mut u = Unstructured::new(&entropy);
    match Module::new(config(), &mut u) {
        Ok(m) => m.to_bytes(),
        // `wasm-smith` fails only when it cannot fit its configuration; an empty module
        // is still a valid input.
        Err(_) => b"\0asm\x01\0\0\0".to_vec(),
    }
}
