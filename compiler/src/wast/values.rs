//! Script values: arguments of `invoke` to runtime values, and checking results against
//! the patterns of `assert_return`.

use wasmaot_loader::{AnyRef, ExternRef, Store, Val};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// The runtime value of an `invoke` argument. `ref.extern N` becomes an externref
/// carrying `N` (a `u32`), which results are compared by; `ref.host N` is that externref
/// internalized (an `anyref`), as in the reference interpreter.
pub fn arg(store: &mut Store<()>, arg: &WastArg) -> Result<Val, String> {
    let WastArg::Core(arg) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ty) => match null_kind(ty) {
            Some(NullKind::Func) => Val::FuncRef(None),
            Some(NullKind::Extern) => Val::ExternRef(None),
            Some(NullKind::Exn) => Val::ExnRef(None),
            Some(NullKind::Any) => Val::AnyRef(None),
            None => return Err(format!("unsupported reference type `ref.null {ty:?}`")),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(store, Box::new(*n)))),
        WastArgCore::RefHost(n) => {
            let host = ExternRef::new(store, Box::new(*n));
            Val::AnyRef(Some(AnyRef::convert_extern(host)))
        }
    })
}

enum NullKind {
    Func,
    Extern,
    Exn,
    Any,
}

fn null_kind(ty: &HeapType) -> Option<NullKind> {
    match ty {
        HeapType::Abstract { shared: false, ty } => match ty {
            AbstractHeapType::Func | AbstractHeapType::NoFunc => Some(NullKind::Func),
            AbstractHeapType::Extern | AbstractHeapType::NoExtern => Some(NullKind::Extern),
            AbstractHeapType::Exn | AbstractHeapType::NoExn => Some(NullKind::Exn),
            AbstractHeapType::Any
            | AbstractHeapType::Eq
            | AbstractHeapType::I31
            | AbstractHeapType::Struct
            | AbstractHeapType::Array
            | AbstractHeapType::None => Some(NullKind::Any),
            _ => None,
        },
        _ => None,
    }
}

/// Check `actual` results against the `expected` patterns.
pub fn check_results(
    store: &Store<()>,
    actual: &[Val],
    expected: &[WastRet],
) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "expected {} results, got {}: [{}]",
            expected.len(),
            actual.len(),
            show_all(store, actual)
        ));
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let WastRet::Core(e) = e else {
            return Err("component-model results are not supported".into());
        };
        match matches(store, a, e) {
            Ok(true) => {}
            Ok(false) => {
                return Err(format!(
                    "result {i}: expected {}, got {} (all results: [{}])",
                    show_expected(e),
                    show(store, a),
                    show_all(store, actual)
                ))
            }
            Err(m) => return Err(format!("result {i}: {m}")),
        }
    }
    Ok(())
}

/// Whether `v` matches `e`; an error for patterns the runner does not support.
fn matches(store: &Store<()>, v: &Val, e: &WastRetCore) -> Result<bool, String> {
    Ok(match (e, v) {
        (WastRetCore::I32(e), Val::I32(v)) => e == v,
        (WastRetCore::I64(e), Val::I64(v)) => e == v,
        (WastRetCore::F32(e), Val::F32(v)) => f32_matches(e, *v),
        (WastRetCore::F64(e), Val::F64(v)) => f64_matches(e, *v),
        (WastRetCore::V128(e), Val::V128(v)) => v128_matches(e, *v),
        (WastRetCore::RefNull(ty), Val::FuncRef(r)) => {
            r.is_none()
                && matches!(
                    ty.as_ref().map(null_kind),
                    None | Some(Some(NullKind::Func))
                )
        }
        (WastRetCore::RefNull(ty), Val::ExternRef(r)) => {
            r.is_none()
                && matches!(
                    ty.as_ref().map(null_kind),
                    None | Some(Some(NullKind::Extern))
                )
        }
        (WastRetCore::RefNull(ty), Val::ExnRef(r)) => {
            r.is_none() && matches!(ty.as_ref().map(null_kind), None | Some(Some(NullKind::Exn)))
        }
        (WastRetCore::RefExtern(n), Val::ExternRef(r)) => match (n, r) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(n), Some(r)) => host_data(store, *r) == Some(*n),
        },
        (WastRetCore::RefNull(ty), Val::AnyRef(r)) => {
            r.is_none() && matches!(ty.as_ref().map(null_kind), None | Some(Some(NullKind::Any)))
        }
        (WastRetCore::RefHost(n), Val::AnyRef(Some(r))) => {
            host_data(store, ExternRef::convert_any(*r)) == Some(*n)
        }
        (WastRetCore::RefAny, Val::AnyRef(r)) => r.is_some(),
        (WastRetCore::RefEq | WastRetCore::RefI31, Val::AnyRef(r)) => {
            r.is_some_and(|r| r.i31_get_u().is_some())
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::Either(alternatives), v) => {
            for alternative in alternatives {
                if matches(store, v, alternative)? {
                    return Ok(true);
                }
            }
            false
        }
        (WastRetCore::RefI31Shared, _) => {
            return Err(format!("unsupported expected value {}", show_expected(e)))
        }
        _ => false,
    })
}

/// The number an externref made by `ref.extern N` / `ref.host N` carries.
fn host_data(store: &Store<()>, r: ExternRef) -> Option<u32> {
    r.data(store).downcast_ref::<u32>().copied()
}

fn f32_matches(e: &NanPattern<F32>, bits: u32) -> bool {
    match e {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn f64_matches(e: &NanPattern<F64>, bits: u64) -> bool {
    match e {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

/// The `N`-byte little-endian lanes of `v`.
fn lanes<const N: usize>(v: u128) -> impl Iterator<Item = [u8; N]> {
    let bytes = v.to_le_bytes();
    (0..16 / N).map(move |i| bytes[i * N..(i + 1) * N].try_into().unwrap())
}

fn v128_matches(e: &V128Pattern, v: u128) -> bool {
    match e {
        V128Pattern::I8x16(e) => lanes::<1>(v).zip(e).all(|(l, e)| l[0] as i8 == *e),
        V128Pattern::I16x8(e) => lanes::<2>(v)
            .zip(e)
            .all(|(l, e)| i16::from_le_bytes(l) == *e),
        V128Pattern::I32x4(e) => lanes::<4>(v)
            .zip(e)
            .all(|(l, e)| i32::from_le_bytes(l) == *e),
        V128Pattern::I64x2(e) => lanes::<8>(v)
            .zip(e)
            .all(|(l, e)| i64::from_le_bytes(l) == *e),
        V128Pattern::F32x4(e) => lanes::<4>(v)
            .zip(e)
            .all(|(l, e)| f32_matches(e, u32::from_le_bytes(l))),
        V128Pattern::F64x2(e) => lanes::<8>(v)
            .zip(e)
            .all(|(l, e)| f64_matches(e, u64::from_le_bytes(l))),
    }
}

/// A runtime value for a failure message.
pub fn show(store: &Store<()>, v: &Val) -> String {
    match v {
        Val::I32(v) => format!("i32 {v} ({:#x})", *v as u32),
        Val::I64(v) => format!("i64 {v} ({:#x})", *v as u64),
        Val::F32(b) => format!("f32 {} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64 {} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(v) => format!("v128 {v:#034x}"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(r)) => match host_data(store, *r) {
            Some(n) => format!("ref.extern {n}"),
            None => "ref.extern <host value>".into(),
        },
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(r)) => match (r.i31_get_u(), host_data(store, ExternRef::convert_any(*r)))
        {
            (Some(v), _) => format!("ref.i31 {v}"),
            (None, Some(n)) => format!("ref.host {n}"),
            (None, None) => "ref.host <host value>".into(),
        },
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "ref.exn".into(),
    }
}

pub fn show_all(store: &Store<()>, vals: &[Val]) -> String {
    vals.iter()
        .map(|v| show(store, v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_expected(e: &WastRetCore) -> String {
    fn nan<T>(p: &NanPattern<T>, value: impl Fn(&T) -> String) -> String {
        match p {
            NanPattern::CanonicalNan => "nan:canonical".into(),
            NanPattern::ArithmeticNan => "nan:arithmetic".into(),
            NanPattern::Value(v) => value(v),
        }
    }
    let f32 = |v: &F32| format!("{} ({:#010x})", f32::from_bits(v.bits), v.bits);
    let f64 = |v: &F64| format!("{} ({:#018x})", f64::from_bits(v.bits), v.bits);
    match e {
        WastRetCore::I32(v) => format!("i32 {v} ({:#x})", *v as u32),
        WastRetCore::I64(v) => format!("i64 {v} ({:#x})", *v as u64),
        WastRetCore::F32(p) => format!("f32 {}", nan(p, f32)),
        WastRetCore::F64(p) => format!("f64 {}", nan(p, f64)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => format!("i8x16 {l:?}"),
            V128Pattern::I16x8(l) => format!("i16x8 {l:?}"),
            V128Pattern::I32x4(l) => format!("i32x4 {l:?}"),
            V128Pattern::I64x2(l) => format!("i64x2 {l:?}"),
            V128Pattern::F32x4(l) => {
                format!(
                    "f32x4 [{}]",
                    l.iter().map(|p| nan(p, f32)).collect::<Vec<_>>().join(", ")
                )
            }
            V128Pattern::F64x2(l) => {
                format!(
                    "f64x2 [{}]",
                    l.iter().map(|p| nan(p, f64)).collect::<Vec<_>>().join(", ")
                )
            }
        },
        WastRetCore::RefNull(None) => "ref.null".into(),
        WastRetCore::RefNull(Some(t)) => format!("ref.null {t:?}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(alts) => {
            format!(
                "either [{}]",
                alts.iter()
                    .map(show_expected)
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns() {
        let canon = NanPattern::CanonicalNan;
        let arith = NanPattern::ArithmeticNan;
        assert!(f32_matches(&canon, 0x7fc0_0000));
        assert!(f32_matches(&canon, 0xffc0_0000));
        assert!(!f32_matches(&canon, 0x7fc0_0001));
        assert!(f32_matches(&arith, 0x7fc0_0001));
        assert!(
            !f32_matches(&arith, 0x7f80_0001),
            "a signalling NaN is not arithmetic"
        );
        assert!(!f32_matches(&arith, 0x7f80_0000), "infinity is not a NaN");
        let canon = NanPattern::CanonicalNan;
        let arith = NanPattern::ArithmeticNan;
        assert!(f64_matches(&canon, 0x7ff8_0000_0000_0000));
        assert!(f64_matches(&canon, 0xfff8_0000_0000_0000));
        assert!(!f64_matches(&canon, 0x7ff8_0000_0000_0001));
        assert!(f64_matches(&arith, 0x7ff8_0000_0000_0001));
        assert!(!f64_matches(&arith, 0x7ff0_0000_0000_0001));
    }

    #[test]
    fn v128_lanes_are_little_endian() {
        let v = u128::from_le_bytes([
            1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80, 7, 0, 0, 0,
        ]);
        assert!(v128_matches(&V128Pattern::I32x4([1, -1, i32::MIN, 7]), v));
        assert!(!v128_matches(&V128Pattern::I32x4([1, -1, i32::MIN, 8]), v));
        assert!(v128_matches(
            &V128Pattern::I64x2([0xffff_ffff_0000_0001u64 as i64, 0x7_8000_0000]),
            v
        ));
        let nan_lanes = u128::from_le_bytes([
            0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x3f, 1, 0, 0xc0, 0xff, 0, 0, 0, 0,
        ]);
        let pattern = V128Pattern::F32x4([
            NanPattern::CanonicalNan,
            NanPattern::Value(F32 { bits: 0x3f80_0000 }),
            NanPattern::ArithmeticNan,
            NanPattern::Value(F32 { bits: 0 }),
        ]);
        assert!(v128_matches(&pattern, nan_lanes));
    }
}
