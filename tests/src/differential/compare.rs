//! The comparison of two runtimes' observations, and the divergence it reports.

use super::runtime::{CallResult, Export, ExportKind, Runtime};
use super::value::{self, Value};
use std::fmt;

/// Two runtimes disagreed: on what, and what each one saw.
#[derive(Clone, Debug)]
pub struct Divergence {
    pub what: String,
    /// Each runtime's name and observation: wasmaot's first, the oracle's second.
    pub sides: [(&'static str, String); 2],
}

impl Divergence {
    pub fn new<A: Runtime, B: Runtime>(what: String, a: String, b: String) -> Divergence {
        Divergence {
            what,
            sides: [(A::NAME, a), (B::NAME, b)],
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.what)?;
        for (name, seen) in &self.sides {
            write!(f, "\n  {:<8} {seen}", format!("{name}:"))?;
        }
        Ok(())
    }
}

/// The results of one call: the same values (see [`Value::same`]), or the same trap kind.
pub fn call_results<A: Runtime, B: Runtime>(
    what: &str,
    a: &CallResult,
    b: &CallResult,
) -> Result<(), Divergence> {
    let agree = match (a, b) {
        (Ok(a), Ok(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y)),
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    if agree {
        return Ok(());
    }
    Err(Divergence::new::<A, B>(what.to_string(), show(a), show(b)))
}

fn show(result: &CallResult) -> String {
    match result {
        Ok(values) => format!("returned {}", value::list(values)),
        Err(trap) => trap.to_string(),
    }
}

/// The lists of exports (names, kinds, types).
pub fn exports<A: Runtime, B: Runtime>(a: &[Export], b: &[Export]) -> Result<(), Divergence> {
    if a == b {
        return Ok(());
    }
    Err(Divergence::new::<A, B>(
        "the exports".to_string(),
        format!("{a:?}"),
        format!("{b:?}"),
    ))
}

/// Every exported global, memory and table, `after` something happened.
pub fn state<A: Runtime, B: Runtime>(
    after: &str,
    exports: &[Export],
    a: &mut A,
    b: &mut B,
) -> Result<(), Divergence> {
    for export in exports {
        let name = &export.name;
        let what = |entity: &str| format!("{entity} `{name}` after {after}");
        match export.kind {
            ExportKind::Global(_) => {
                values::<A, B>(what("global"), &[a.global(name)], &[b.global(name)])?
            }
            ExportKind::Table => values::<A, B>(what("table"), &a.table(name), &b.table(name))?,
            ExportKind::Memory => memories::<A, B>(what("memory"), a.memory(name), b.memory(name))?,
            ExportKind::Func { .. } | ExportKind::Tag(_) => {}
        }
    }
    Ok(())
}

fn values<A: Runtime, B: Runtime>(
    what: String,
    a: &[Value],
    b: &[Value],
) -> Result<(), Divergence> {
    if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y)) {
        return Ok(());
    }
    Err(Divergence::new::<A, B>(
        what,
        value::list(a),
        value::list(b),
    ))
}

/// Two memories' bytes: the sizes, then the first 16-byte row where they differ.
pub fn memories<A: Runtime, B: Runtime>(
    what: String,
    a: &[u8],
    b: &[u8],
) -> Result<(), Divergence> {
    if a.len() != b.len() {
        let size = |m: &[u8]| format!("{} bytes ({} pages)", m.len(), m.len() >> 16);
        return Err(Divergence::new::<A, B>(what, size(a), size(b)));
    }
    let Some(at) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return Ok(());
    };
    let row = at & !15;
    let end = (row + 16).min(a.len());
    let dump = |m: &[u8]| format!("at {row:#x}: {:02x?}", &m[row..end]);
    let what = format!("{what}: first difference at byte {at:#x}");
    Err(Divergence::new::<A, B>(what, dump(a), dump(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::differential::oracle_wasmi::Wasmi;
    use crate::differential::ours::Wasmaot;
    use crate::differential::trap::TrapKind;

    fn results(a: CallResult, b: CallResult) -> Result<(), Divergence> {
        call_results::<Wasmaot, Wasmi>("call `f`()", &a, &b)
    }

    #[test]
    fn different_results_diverge() {
        let d = results(Ok(vec![Value::I32(1)]), Ok(vec![Value::I32(2)])).unwrap_err();
        assert_eq!(
            d.to_string(),
            "call `f`()\n  wasmaot: returned (i32:1)\n  wasmi:   returned (i32:2)"
        );
        assert!(results(Ok(vec![Value::I32(1)]), Ok(vec![])).is_err());
        assert!(results(Ok(vec![Value::F64(0)]), Ok(vec![Value::F64(1 << 63)])).is_err());
    }

    #[test]
    fn a_trap_diverges_from_a_result_and_from_another_trap() {
        assert!(results(Err(TrapKind::Unreachable), Ok(vec![])).is_err());
        assert!(results(
            Err(TrapKind::IntegerOverflow),
            Err(TrapKind::IntegerDivideByZero)
        )
        .is_err());
        let other = |m: &str| Err(TrapKind::Other(m.to_string()));
        assert!(results(other("out of fuel"), other("host error")).is_err());
    }

    #[test]
    fn equal_results_and_traps_agree_nans_whatever_their_payload() {
        assert!(results(
            Ok(vec![Value::F32(0x7fc0_0000)]),
            Ok(vec![Value::F32(0xff80_0001)])
        )
        .is_ok());
        assert!(results(
            Err(TrapKind::MemoryOutOfBounds),
            Err(TrapKind::MemoryOutOfBounds)
        )
        .is_ok());
    }

    #[test]
    fn memories_diverge_on_one_byte_or_on_their_size() {
        let a = vec![0u8; 1 << 16];
        let mut b = a.clone();
        b[0x1234] = 7;
        let d = memories::<Wasmaot, Wasmi>("memory `m`".into(), &a, &b).unwrap_err();
        assert!(d.what.contains("first difference at byte 0x1234"), "{d}");
        assert!(
            d.sides[1].1.starts_with("at 0x1230: [00, 00, 00, 00, 07,"),
            "{d}"
        );
        assert!(memories::<Wasmaot, Wasmi>("m".into(), &a, &a[..100]).is_err());
        assert!(memories::<Wasmaot, Wasmi>("m".into(), &a, &a.clone()).is_ok());
    }
}
