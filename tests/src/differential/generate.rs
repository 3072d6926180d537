//! Generated modules: wasm-smith, driven by bytes from a seeded stream.

use super::fuel::export_fuel;
use super::rng::Rng;
use arbitrary::Unstructured;
use wasm_smith::Config;

/// Fuel of each call: the generated code traps (`unreachable`) once it has entered this
/// many functions and loop iterations. It also bounds recursion, within both runtimes'
/// stack limits (mostly: see `check`).
pub const FUEL: u32 = 10_000;

/// Most bytes wasm-smith draws its decisions from, per module.
const MAX_DNA: u64 = 16 << 10;

/// What is generated: the features both runtimes support, bounded sizes, every entity
/// exported, no imports, NaNs canonicalized (and the fuel global, see `fuel`).
///
/// Features on: MVP, mutable globals, multi-value, bulk memory, reference types (two
/// tables), sign extension, saturating float-to-int, SIMD, tail calls, multi-memory (two
/// memories), memory64 (64-bit memories and tables), extended const (wasm-smith's
/// default). Off: relaxed SIMD (its results are implementation-defined); threads,
/// exceptions and GC, which wasmi 1.1 does not run; custom page sizes, wide arithmetic.
pub fn config() -> Config {
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
        threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
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
        max_types: 30,
        max_data_segments: 10,
        max_element_segments: 10,
        max_elements: 20,
        ..Config::default()
    }
}

/// `config()` with choices drawn from `rng`: minimum counts (wasm-smith adds each entity
/// beyond the minimum with probability 1/2, so without them most modules would have one
/// function and little else), and for half the modules code that avoids traps (guarded
/// divisions, loads and stores in bounds...: the other half traps in most calls).
fn config_for_module(rng: &mut Rng) -> Config {
    let config = config();
    let disallow_traps = rng.below(2) == 0;
    let mut at_least = |max: usize| rng.below(max as u64 + 1) as usize;
    Config {
        disallow_traps,
        min_types: 1 + at_least(7),
        min_funcs: 1 + at_least(config.max_funcs / 2 - 1),
        min_globals: at_least(6),
        min_memories: at_least(config.max_memories) as u32,
        min_tables: at_least(config.max_tables) as u32,
        min_data_segments: at_least(4),
        min_element_segments: at_least(4),
        ..config
    }
}

/// The module of `module_seed`, or why wasm-smith could not make one.
pub fn module(module_seed: u64) -> Result<Vec<u8>, String> {
    let mut rng = Rng::new(module_seed);
    let config = config_for_module(&mut rng);
    let mut dna = vec![0; 1 + rng.below(MAX_DNA) as usize];
    rng.fill(&mut dna);
    let mut module = wasm_smith::Module::new(config, &mut Unstructured::new(&dna))
        .map_err(|e| format!("wasm-smith: {e}"))?;
    let fuel = module
        .ensure_termination(FUEL)
        .map_err(|e| format!("wasm-smith: {e}"))?;
    export_fuel(&module.to_bytes(), fuel)
}
