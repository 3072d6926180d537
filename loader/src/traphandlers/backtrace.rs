//! Turning the program counters recorded at a trap into wasm frames.

use crate::code_memory;
use crate::error::FrameInfo;

/// Map each PC (the first the faulting PC, the rest return addresses) to the wasm
/// function containing it and the wasm offsets of its instruction (the module's address
/// map); PCs in trampolines are skipped.
pub(super) fn symbolize(pcs: &[usize]) -> Vec<FrameInfo> {
    let mut frames = Vec::new();
    code_memory::with_registry(|lookup| {
        for (i, &pc) in pcs.iter().enumerate() {
            // A return address points after the call; look up the call itself.
            let at = if i == 0 { pc } else { pc.saturating_sub(1) };
            let Some((info, offset)) = lookup(at) else {
                continue;
            };
            let Some(func_index) = info.func_at(offset) else {
                continue;
            };
            let offsets = info.address_map().lookup(offset);
            frames.push(FrameInfo {
                module_name: info.module_name.clone(),
                func_index,
                func_name: info.func_name(func_index).map(str::to_string),
                module_offset: offsets.map(|o| o.module_offset as usize),
                func_offset: offsets.map(|o| o.func_offset as usize),
            });
        }
    });
    frames
}
