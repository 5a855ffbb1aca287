//! Modules from `wasm-smith`, configured for the features gojit accepts: MVP with mutable
//! globals, sign extension, saturating float-to-int, one 32-bit memory with a maximum, one table,
//! no imports (gojit imports functions only, and the fuzzer has no host), everything exported
//! (so the driver sees memory and globals), NaNs canonicalized (so memory and globals compare bit
//! for bit), termination ensured by wasm-smith's fuel global, and half of them generated
//! without traps (guarded memory accesses, divisions and conversions).
//!
//! Bulk memory is on for a quarter of the modules: wasm-smith cannot restrict it to
//! `memory.copy`/`memory.fill` (gojit's `BULK_MEMORY_OPT` subset), so those that use
//! `memory.init`, `data.drop` or table operations are skipped by the driver (counted).

use crate::fuzz::Rng;

/// Fuel for wasm-smith's termination pass: loop iterations plus calls over the instance's life.
const FUEL: u32 = 20_000;

/// The module for `seed`, or `None` if wasm-smith could not build one from the seed's bytes.
pub fn module(seed: u64) -> Option<Vec<u8>> {
    let mut rng = Rng(seed);
    let len = 512 + rng.below(8192) as usize;
    let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let mut u = arbitrary::Unstructured::new(&bytes);
    let config = config(&mut rng);
    let mut module = wasm_smith::Module::new(config, &mut u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

fn config(rng: &mut Rng) -> wasm_smith::Config {
    wasm_smith::Config {
        // The features gojit accepts.
        bulk_memory_enabled: rng.chance(25),
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        multi_value_enabled: false,
        reference_types_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        // One memory with a maximum (memory is compared after every call), one table.
        max_memories: 1,
        min_memories: 1,
        max_memory32_bytes: 8 * 65536,
        memory_max_size_required: true,
        max_tables: 1,
        max_table_elements: 64,
        // No host: no imports.
        max_imports: 0,
        export_everything: true,
        min_funcs: 1,
        max_funcs: 12,
        max_instructions: 40 + rng.below(400) as usize,
        max_globals: 8,
        max_data_segments: 4,
        max_element_segments: 3,
        max_elements: 16,
        max_types: 12,
        max_nesting_depth: 6,
        canonicalize_nans: true,
        // Half the modules avoid traps (wasm-smith guards loads, stores, divisions and
        // conversions), so calls run longer and reach more code before they end.
        disallow_traps: rng.chance(50),
        ..wasm_smith::Config::default()
    }
}
