//! The generated code's fuel: a global wasm-smith adds (`ensure_termination`), exported
//! here so that each call can start with a full tank.

use wasm_encoder::{Encode, RawSection};
use wasmparser::{Parser, Payload};

/// The name the fuel global is exported under.
pub const FUEL_EXPORT: &str = "differential:fuel";

/// The external kind byte of a global.
const GLOBAL_KIND: u8 = 0x03;

/// `wasm` with global `index` exported as [`FUEL_EXPORT`] too (the module must have an
/// export section: every generated module exports its functions).
pub fn export_fuel(wasm: &[u8], index: u32) -> Result<Vec<u8>, String> {
    let mut module = wasm_encoder::Module::new();
    let mut exported = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("exporting the fuel: {e}"))?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let data = match &payload {
            Payload::ExportSection(exports) => {
                exported = true;
                let mut data = Vec::new();
                (exports.count() + 1).encode(&mut data);
                data.extend_from_slice(
                    &wasm[exports.original_position() as usize..range.end as usize],
                );
                FUEL_EXPORT.encode(&mut data);
                data.push(GLOBAL_KIND);
                index.encode(&mut data);
                data
            }
            _ => wasm[range.start as usize..range.end as usize].to_vec(),
        };
        module.section(&RawSection { id, data: &data });
    }
    if !exported {
        return Err("exporting the fuel: the module has no export section".to_string());
    }
    Ok(module.finish())
}
