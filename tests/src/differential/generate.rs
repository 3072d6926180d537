//! Generated modules: wasm-smith, driven by bytes from a seeded stream.

use super::fuel::export_fuel;
use super::oracle::Oracle;
use super::rng::Rng;
use super::waits::bound_waits;
use crate::gc_types::uses_struct_or_array;
use arbitrary::Unstructured;
use wasm_smith::Config;

/// Fuel of each call: the generated code traps (`unreachable`) once it has entered this
/// many functions and loop iterations. It also bounds recursion, within both runtimes'
/// stack limits (mostly: see `check`).
pub const FUEL: u32 = 10_000;

/// Most bytes wasm-smith draws its decisions from, per module.
const MAX_DNA: u64 = 16 << 10;

/// How many modules are drawn, for Wasmtime, before one without struct and array types
/// (which wasmaot does not compile) is found; the module is skipped after that many.
const MAX_DRAWS: usize = 200;

/// What is generated for `oracle`: the features both runtimes support, bounded sizes,
/// every entity exported, no imports, NaNs canonicalized (and the fuel global, see
/// `fuel`).
///
/// Features on for both oracles: MVP, mutable globals, multi-value, bulk memory,
/// reference types (two tables), sign extension, saturating float-to-int, SIMD, tail
/// calls, multi-memory (two memories), memory64 (64-bit memories and tables), extended
/// const (wasm-smith's default). For Wasmtime also threads (shared memories, atomics;
/// see `waits`), exceptions and typed function references, which wasm-smith makes
/// together with GC (see [`module`]). Off: relaxed SIMD (its results are
/// implementation-defined); custom page sizes, wide arithmetic.
pub fn config(oracle: Oracle) -> Config {
    let proposals = oracle == Oracle::Wasmtime;
    Config {
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        simd_enabled: true,
        tail_call_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        relaxed_simd_enabled: false,
        threads_enabled: proposals,
        exceptions_enabled: proposals,
        gc_enabled: proposals,
        memory64_enabled: true,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        compact_imports_enabled: false,
        max_memories: 2,
        max_memory32_bytes: 16 << 16,
        max_memory64_bytes: 16 << 16,
        memory_max_size_required: true,
        max_tables: 2,
        max_table_elements: 64,
        table_max_size_required: true,
        max_funcs: 20,
        max_instructions: 100,
        max_globals: 20,
        // With GC a type is a struct or an array two times in three: few types, so
        // that a draw without any is not rare.
        max_types: if proposals { 4 } else { 30 },
        max_data_segments: 10,
        max_element_segments: 10,
        max_elements: 20,
        ..Config::default()
    }
}

/// `config()` with choices drawn from `rng`: minimum counts (wasm-smith adds each entity
/// beyond the minimum with probability 1/2, so without them most modules would have one
/// function and little else), and for half the modules code that avoids traps (guarded
/// divisions, loads and stores in bounds...: the other half traps in most calls). With
/// GC on (Wasmtime), half the modules are made without it: wasm-smith makes most of its
/// types structs and arrays, which wasmaot refuses (see [`module`]), so these are the
/// modules that exercise threads and exceptions most.
fn config_for_module(oracle: Oracle, rng: &mut Rng) -> Config {
    let config = config(oracle);
    let disallow_traps = rng.below(2) == 0;
    let without_gc = config.gc_enabled && rng.below(2) == 0;
    let mut at_least = |max: usize| rng.below(max as u64 + 1) as usize;
    Config {
        disallow_traps,
        gc_enabled: config.gc_enabled && !without_gc,
        // At most half the maximum: above, wasm-smith 0.263 with GC can loop forever
        // (cloning a recursion group too big for the room left, without adding it).
        min_types: 1 + at_least((config.max_types / 2).min(8) - 1),
        min_funcs: 1 + at_least(config.max_funcs / 2 - 1),
        min_globals: at_least(6),
        min_memories: at_least(config.max_memories) as u32,
        min_tables: at_least(config.max_tables) as u32,
        min_data_segments: at_least(4),
        min_element_segments: at_least(4),
        ..config
    }
}

/// The module of `module_seed` for `oracle`, or why wasm-smith could not make one.
///
/// wasm-smith makes typed function references only with GC, whose struct and array types
/// wasmaot refuses: for Wasmtime, modules are drawn until one has none of them (all
/// other GC instructions, on `anyref`, `eqref`, `i31ref`, stay in).
pub fn module(oracle: Oracle, module_seed: u64) -> Result<Vec<u8>, String> {
    let mut rng = Rng::new(module_seed);
    let config = config_for_module(oracle, &mut rng);
    for _ in 0..MAX_DRAWS {
        let mut dna = vec![0; 1 + rng.below(MAX_DNA) as usize];
        rng.fill(&mut dna);
        let mut module = wasm_smith::Module::new(config.clone(), &mut Unstructured::new(&dna))
            .map_err(|e| format!("wasm-smith: {e}"))?;
        let fuel = module
            .ensure_termination(FUEL)
            .map_err(|e| format!("wasm-smith: {e}"))?;
        let wasm = module.to_bytes();
        match oracle {
            Oracle::Wasmi => return export_fuel(&wasm, fuel),
            Oracle::Wasmtime if uses_struct_or_array(&wasm) => continue,
            Oracle::Wasmtime => return bound_waits(&export_fuel(&wasm, fuel)?),
        }
    }
    Err(format!(
        "no module without struct or array types in {MAX_DRAWS} draws"
    ))
}
