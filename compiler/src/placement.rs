//! Where each function starts in `.text`, modulo a 64-byte cache line (x86-64).
//!
//! Cranelift aligns a function's start (to 32 bytes on x86-64) but not its loops, so
//! where a hot loop falls on the 64-byte lines of the instruction cache depends on the
//! length of all the code before it in the function. A block that straddles a line
//! boundary costs one more fetch each time it runs: on AMD Zen 4, which fetches from one
//! 64-byte line per cycle, a small loop then runs up to twice as slow, and the same
//! machine code placed 16 bytes further on runs at full speed (the corpus's `sieve` took
//! 0.43–0.51 s, `interp` 0.48–0.63 s and `matmul` 0.40–0.45 s, depending only on where
//! their hot function started modulo 64).
//!
//! So each function with loops gets a cost for each of the four 16-byte-aligned start
//! offsets modulo 64, from a static estimate of how often its blocks run and how many
//! lines each then touches beyond the fewest it could; and the functions are laid out in
//! `.text` (padding after the previous one) at the offset of least cost. Functions
//! without loops keep Cranelift's alignment.
//!
//! The blocks come from Cranelift (`machine_code_cfg_info`: their start offsets; its
//! `bb_edges` do not match them once branches are simplified); their successors are
//! read from the jumps that end them, which Cranelift's x86-64 backend
//! always emits in the same few forms (see `Block::decode`). A misread only makes the
//! placement worse, never the code wrong.

/// The cache line placement optimizes for.
pub const LINE: u32 = 64;
/// The granularity of the start offsets tried (also the alignment of a function's
/// constants, which follow its code).
const STEP: u32 = 16;
/// Start offsets tried, modulo `LINE`.
pub const SLOTS: usize = (LINE / STEP) as usize;
/// How many times a loop's body is assumed to run per entry into the loop.
const LOOP_TRIPS: f64 = 8.0;
/// Functions with more blocks than this are left where they fall (the loop analysis is
/// quadratic in the worst case).
const MAX_BLOCKS: usize = 20_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// Falls through to the next block (possibly after a conditional jump).
    Falls,
    /// Jumps (unconditionally or indirectly), returns or traps.
    Leaves,
    /// `ud2`: a trap.
    Traps,
}

struct Block {
    start: u32,
    /// End of its instructions (a jump table that follows them is not fetched).
    code_end: u32,
    end: End,
    /// Indices of the blocks it may go to next.
    succs: Vec<usize>,
}

fn rel32(code: &[u8], at: usize) -> Option<i64> {
    let b: [u8; 4] = code.get(at..at + 4)?.try_into().ok()?;
    Some(i64::from(i32::from_le_bytes(b)))
}

impl Block {
    /// The block `[start, end)` of `code`: its last instructions are one of `jmp rel32`,
    /// `jcc rel32`, `jcc rel32; jmp rel32`, `jmp *reg` followed by a table of 32-bit
    /// offsets (from the table) of its targets, `ret`, `ud2`, or none of these (it falls
    /// through). `index` maps a code offset to the block starting there.
    fn decode(
        code: &[u8],
        start: usize,
        end: usize,
        next: Option<usize>,
        index: &dyn Fn(i64) -> Option<usize>,
    ) -> Block {
        let mut b = Block {
            start: start as u32,
            code_end: end as u32,
            end: End::Falls,
            succs: Vec::new(),
        };
        // A jump table: `jmp *reg` (ff e0+r), then entries up to the end, each the
        // offset of a block from the table's start.
        let mut t = end;
        while t >= start + 6 && end - t <= 4 * 4096 {
            t -= 4;
            if code[t - 2] == 0xff && (0xe0..=0xe7).contains(&code[t - 1]) {
                let targets: Option<Vec<usize>> = (t..end)
                    .step_by(4)
                    .map(|at| index(t as i64 + rel32(code, at)?))
                    .collect();
                if let Some(mut targets) = targets {
                    targets.sort_unstable();
                    targets.dedup();
                    b.code_end = t as u32;
                    b.end = End::Leaves;
                    b.succs = targets;
                    return b;
                }
            }
        }
        let mut at = end;
        if at >= start + 5 && code[at - 5] == 0xe9 {
            if let Some(target) = rel32(code, at - 4).and_then(|r| index(at as i64 + r)) {
                b.succs.push(target);
                b.end = End::Leaves;
                at -= 5;
            }
        }
        if at >= start + 6 && code[at - 6] == 0x0f && (0x80..=0x8f).contains(&code[at - 5]) {
            if let Some(target) = rel32(code, at - 4).and_then(|r| index(at as i64 + r)) {
                b.succs.push(target);
            }
        }
        if b.end == End::Falls {
            if end > start && code[end - 1] == 0xc3 {
                b.end = End::Leaves;
            } else if end >= start + 2 && code[end - 2..end] == [0x0f, 0x0b] {
                b.end = End::Traps;
            } else if let Some(next) = next {
                b.succs.push(next);
            }
        }
        b
    }
}

/// Extra lines `[start, end)` touches at byte offset `shift`, beyond the fewest a range
/// of its length can touch, relative to that fewest.
fn extra_lines(start: u32, end: u32, shift: u32) -> f64 {
    if end <= start {
        return 0.0;
    }
    let (s, e) = (start + shift, end + shift);
    let touched = (e - 1) / LINE - s / LINE + 1;
    let least = (end - start).div_ceil(LINE);
    f64::from(touched - least) / f64::from(least)
}

/// A natural loop: its header, its blocks (sorted) and where it exits to.
struct Loop {
    header: usize,
    members: Vec<usize>,
    exits: Vec<usize>,
}

/// Natural loops of a CFG whose blocks are in layout order: a jump to a block at or
/// before its source closes a loop at that header. `None` when the analysis would take
/// too long.
fn natural_loops(blocks: &[Block]) -> Option<Vec<Loop>> {
    let n = blocks.len();
    let mut preds = vec![Vec::new(); n];
    let mut latches: Vec<(usize, usize)> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        for &s in &b.succs {
            preds[s].push(i);
            if s <= i {
                latches.push((s, i));
            }
        }
    }
    latches.sort_unstable();
    let mut mark = vec![false; n];
    let mut loops = Vec::new();
    let mut work = 0usize;
    for group in latches.chunk_by(|a, b| a.0 == b.0) {
        let header = group[0].0;
        let mut members = vec![header];
        mark[header] = true;
        let mut stack: Vec<usize> = group.iter().map(|&(_, latch)| latch).collect();
        while let Some(x) = stack.pop() {
            if mark[x] {
                continue;
            }
            mark[x] = true;
            members.push(x);
            stack.extend_from_slice(&preds[x]);
        }
        members.sort_unstable();
        let mut exits: Vec<usize> = members
            .iter()
            .flat_map(|&x| blocks[x].succs.iter().copied())
            .filter(|&s| !mark[s])
            .collect();
        exits.sort_unstable();
        exits.dedup();
        for &x in &members {
            mark[x] = false;
            work += 1 + preds[x].len();
        }
        if work > 64 * MAX_BLOCKS {
            return None;
        }
        loops.push(Loop {
            header,
            members,
            exits,
        });
    }
    Some(loops)
}

/// Estimated runs of each block per run of the function: within each loop (and in the
/// function outside loops), a block's share of its region's entries, from its header,
/// splitting evenly at branches (a loop exit taking `1/LOOP_TRIPS` of a branch's
/// share, a trap none; a nested loop passing its share on to its exits); times
/// `LOOP_TRIPS` per enclosing loop.
fn frequencies(blocks: &[Block], loops: &[Loop]) -> Vec<f64> {
    let n = blocks.len();
    let mut depth = vec![0i32; n];
    let mut innermost: Vec<Option<usize>> = vec![None; n];
    let mut by_size: Vec<usize> = (0..loops.len()).collect();
    by_size.sort_by_key(|&k| std::cmp::Reverse(loops[k].members.len()));
    for &k in &by_size {
        for &i in &loops[k].members {
            depth[i] += 1;
            innermost[i] = Some(k);
        }
    }
    let mut loop_at: Vec<Option<usize>> = vec![None; n];
    for (k, l) in loops.iter().enumerate() {
        loop_at[l.header] = Some(k);
    }
    let all: Vec<usize> = (0..n).collect();
    let mut share = vec![0.0f64; n];
    let mut flow = vec![0.0f64; n];
    let mut in_body = vec![false; n];
    for region in std::iter::once(None).chain((0..loops.len()).map(Some)) {
        let members = region.map_or(&all, |k| &loops[k].members);
        let entry = region.map_or(0, |k| loops[k].header);
        for &i in members {
            in_body[i] = true;
        }
        flow[entry] = 1.0;
        for &i in members {
            let f = flow[i];
            if f == 0.0 || i < entry {
                continue;
            }
            if innermost[i] != region {
                // The header of a nested loop: its exits into this region carry on.
                if let Some(k) = loop_at[i].filter(|&k| Some(k) != region) {
                    let exits: Vec<usize> = loops[k]
                        .exits
                        .iter()
                        .copied()
                        .filter(|&s| in_body[s] && s > i)
                        .collect();
                    for &s in &exits {
                        flow[s] += f / exits.len() as f64;
                    }
                }
                continue;
            }
            share[i] = f;
            let weight = |s: usize| -> f64 {
                if blocks[s].end == End::Traps {
                    0.0
                } else if s <= i || in_body[s] {
                    1.0
                } else {
                    1.0 / LOOP_TRIPS
                }
            };
            let total: f64 = blocks[i].succs.iter().map(|&s| weight(s)).sum();
            if total == 0.0 {
                continue;
            }
            for &s in &blocks[i].succs {
                if s > i && in_body[s] {
                    flow[s] += f * weight(s) / total;
                }
            }
        }
        for &i in members {
            in_body[i] = false;
            flow[i] = 0.0;
        }
    }
    (0..n)
        .map(|i| share[i] * LOOP_TRIPS.powi(depth[i].min(8)))
        .collect()
}

/// Costs of starting the function at offsets `0, 16, 32, 48` modulo 64, from its x86-64
/// machine code and its basic blocks' start offsets (Cranelift's `bb_starts`), scaled
/// to integers; `None` when it has no loop (or is too big to analyze).
pub fn line_costs(code: &[u8], bb_starts: &[u32]) -> Option<[u64; SLOTS]> {
    let len = code.len() as u32;
    let mut starts: Vec<u32> = bb_starts.iter().copied().filter(|&s| s < len).collect();
    // The prologue is part of the entry block.
    starts.push(0);
    starts.sort_unstable();
    starts.dedup();
    if starts.len() > MAX_BLOCKS {
        return None;
    }
    let index = |offset: i64| -> Option<usize> {
        let offset = u32::try_from(offset).ok()?;
        starts.binary_search(&offset).ok()
    };
    let blocks: Vec<Block> = (0..starts.len())
        .map(|i| {
            let end = starts.get(i + 1).copied().unwrap_or(len);
            let next = (i + 1 < starts.len()).then_some(i + 1);
            Block::decode(code, starts[i] as usize, end as usize, next, &index)
        })
        .collect();
    let loops = natural_loops(&blocks)?;
    if loops.is_empty() {
        return None;
    }
    let freq = frequencies(&blocks, &loops);
    let mut costs = [0u64; SLOTS];
    for (slot, cost) in costs.iter_mut().enumerate() {
        let shift = slot as u32 * STEP;
        let c: f64 = blocks
            .iter()
            .zip(&freq)
            .map(|(b, f)| f * extra_lines(b.start, b.code_end, shift))
            .sum();
        *cost = (c * 1024.0).round() as u64;
    }
    Some(costs)
}

/// What placement needs to know of one function.
pub struct Placeable {
    pub len: u32,
    /// Alignment the code requires (a power of two).
    pub align: u32,
    /// Alignment it gets when it has no loops.
    pub preferred_align: u32,
    pub costs: Option<[u64; SLOTS]>,
}

/// Where `place` puts functions.
pub struct Placement {
    /// Bytes of padding before the first function.
    pub lead: u32,
    /// For each function, the bytes of padding after it and the alignment to give it
    /// (which the padding before it already satisfies).
    pub functions: Vec<(u32, u32)>,
}

fn align_up(x: u64, align: u64) -> u64 {
    x.div_ceil(align) * align
}

/// Lay out `functions` in order from a `LINE`-aligned start.
pub fn place(functions: &[Placeable]) -> Placement {
    let mut out = vec![(0u32, 0u32); functions.len()];
    let mut lead = 0;
    let mut pos = 0u64;
    for (i, f) in functions.iter().enumerate() {
        let start = match &f.costs {
            Some(costs) if f.align <= STEP => {
                // The slot of least cost; among equals, the nearest.
                let first = align_up(pos, u64::from(STEP));
                (0..SLOTS as u64)
                    .map(|k| first + k * u64::from(STEP))
                    .min_by_key(|&at| {
                        let slot = (at % u64::from(LINE)) / u64::from(STEP);
                        (costs[slot as usize], at)
                    })
                    .unwrap_or(first)
            }
            _ => align_up(pos, u64::from(f.align.max(f.preferred_align))),
        };
        match i {
            0 => lead = start as u32,
            _ => out[i - 1].0 = (start - pos) as u32,
        }
        // A first function at the start makes the section line-aligned (for a linker).
        out[i].1 = if start == 0 {
            f.align.max(LINE)
        } else {
            f.align.max(1)
        };
        pos = start + u64::from(f.len);
    }
    Placement {
        lead,
        functions: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `len` bytes of `nop` with `jb target` ending at `end`.
    fn code_with_jb(len: usize, end: usize, target: usize) -> Vec<u8> {
        let mut code = vec![0x90u8; len];
        let rel = (target as i64 - end as i64) as i32;
        code[end - 6..end - 4].copy_from_slice(&[0x0f, 0x82]);
        code[end - 4..end].copy_from_slice(&rel.to_le_bytes());
        code
    }

    #[test]
    fn a_straddling_loop_costs_more() {
        // A 24-byte one-block loop at 0x38 straddles 0x40; at 0x48 (shift 16) it does
        // not.
        let code = code_with_jb(0x60, 0x50, 0x38);
        let costs = line_costs(&code, &[0x38, 0x50]).unwrap();
        // (The blocks before and after the loop straddle at other shifts, but run once.)
        assert!(costs[0] > costs[1], "{costs:?}");
        assert!(costs[0] > costs[2] && costs[0] > costs[3], "{costs:?}");
    }

    #[test]
    fn no_loop_no_costs() {
        let mut code = vec![0x90u8; 16];
        // A forward jump is no loop.
        code[3..8].copy_from_slice(&[0xe9, 0x00, 0x00, 0x00, 0x00]);
        assert_eq!(line_costs(&code, &[8]), None);
    }

    #[test]
    fn jump_tables_are_read_and_not_fetched() {
        // Block 0 loops back through a jump table at 0x20 (after `jmp *%rax` at 0x1e)
        // whose two entries point at blocks 0x00 and 0x28.
        let mut code = vec![0x90u8; 0x30];
        code[0x1e..0x20].copy_from_slice(&[0xff, 0xe0]);
        code[0x20..0x24].copy_from_slice(&(-0x20i32).to_le_bytes());
        code[0x24..0x28].copy_from_slice(&8i32.to_le_bytes());
        let index = |o: i64| [0i64, 0x28].iter().position(|&s| s == o);
        let b = Block::decode(&code, 0, 0x28, Some(1), &index);
        assert_eq!(b.code_end, 0x20);
        assert_eq!(b.succs, vec![0, 1]);
        assert!(line_costs(&code, &[0x28]).is_some());
    }

    #[test]
    fn hot_blocks_outweigh_cold_ones() {
        // Outer loop from 0x10 (`jmp 0x10` ending at 0x50) around an inner loop
        // [0x18, 0x38) (`jb 0x18`). At shift 0 the outer loop's block [0x38, 0x50)
        // straddles a line; at shift 16 the inner loop does, which costs more.
        let mut code = code_with_jb(0x60, 0x38, 0x18);
        code[0x4b..0x50].copy_from_slice(&[0xe9, 0xc0, 0xff, 0xff, 0xff]);
        let costs = line_costs(&code, &[0x10, 0x18, 0x38, 0x50]).unwrap();
        assert!(costs[0] > 0, "{costs:?}");
        assert!(costs[1] > costs[0], "{costs:?}");
    }

    #[test]
    fn placement_pads_to_the_cheapest_slot() {
        let f = |len, costs| Placeable {
            len,
            align: 16,
            preferred_align: 32,
            costs,
        };
        let placed = place(&[
            f(40, Some([1, 0, 1, 1])),
            f(100, Some([5, 5, 0, 5])),
            f(10, None),
        ]);
        // The first goes to slot 1, after 16 bytes of lead.
        assert_eq!(placed.lead, 16);
        // The second to slot 2 (32 modulo 64): the first such offset after 56 is 96.
        assert_eq!(placed.functions[0].0, 96 - 56);
        // The third, without loops, is 32-byte aligned after 96 + 100 = 196.
        assert_eq!(placed.functions[1].0, 224 - 196);
        assert_eq!(placed.functions[2].0, 0);
    }
}
