//! Values as both runtimes see them, and the rule by which two are the same.

use std::fmt;

/// A WebAssembly value type; a reference type by the top of its hierarchy (a concrete
/// function type is `FuncRef`), without its nullability: the runtimes describe exact
/// reference types differently, and what matters is checked by calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// `exnref` (exception handling) and its bottom type.
    ExnRef,
    /// The `any` hierarchy: `anyref`, `eqref`, `i31ref` and their bottom type.
    AnyRef,
}

/// A WebAssembly value; floats as their bits. References are compared only for being
/// null: a non-null reference of one runtime means nothing to the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef { null: bool },
    ExternRef { null: bool },
    ExnRef { null: bool },
    AnyRef { null: bool },
}

impl Value {
    /// The null reference of a reference type (`None` for a number or vector type).
    pub fn null(ty: Type) -> Option<Value> {
        Some(match ty {
            Type::FuncRef => Value::FuncRef { null: true },
            Type::ExternRef => Value::ExternRef { null: true },
            Type::ExnRef => Value::ExnRef { null: true },
            Type::AnyRef => Value::AnyRef { null: true },
            Type::I32 | Type::I64 | Type::F32 | Type::F64 | Type::V128 => return None,
        })
    }

    /// Whether this is a null reference.
    pub fn is_null(&self) -> bool {
        Value::null(self.ty()) == Some(*self)
    }

    pub fn ty(&self) -> Type {
        match self {
            Value::I32(_) => Type::I32,
            Value::I64(_) => Type::I64,
            Value::F32(_) => Type::F32,
            Value::F64(_) => Type::F64,
            Value::V128(_) => Type::V128,
            Value::FuncRef { .. } => Type::FuncRef,
            Value::ExternRef { .. } => Type::ExternRef,
            Value::ExnRef { .. } => Type::ExnRef,
            Value::AnyRef { .. } => Type::AnyRef,
        }
    }

    /// The comparison rule: equal bits, except that two `f32` (or two `f64`) NaNs are the
    /// same whatever their sign and payload (the specification leaves an arithmetic NaN's
    /// payload nondeterministic). A `v128` is compared bit for bit: its lanes have no type,
    /// and the generated code canonicalizes every NaN a float operation makes.
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            _ => self == other,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(v) => write!(f, "f32:{:?}({v:#010x})", f32::from_bits(v)),
            Value::F64(v) => write!(f, "f64:{:?}({v:#018x})", f64::from_bits(v)),
            Value::V128(v) => write!(f, "v128:{v:#034x}"),
            Value::FuncRef { null } => write!(f, "funcref:{}", null_name(null)),
            Value::ExternRef { null } => write!(f, "externref:{}", null_name(null)),
            Value::ExnRef { null } => write!(f, "exnref:{}", null_name(null)),
            Value::AnyRef { null } => write!(f, "anyref:{}", null_name(null)),
        }
    }
}

fn null_name(null: bool) -> &'static str {
    if null {
        "null"
    } else {
        "non-null"
    }
}

/// `values` as `(a, b, ...)`.
pub fn list(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("({})", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nans_are_the_same_whatever_their_bits_other_values_are_not() {
        assert!(Value::F32(0x7fc0_0000).same(&Value::F32(0xffc0_0001)));
        assert!(Value::F64(0x7ff8_0000_0000_0000).same(&Value::F64(0xfff0_0000_0000_0001)));
        assert!(!Value::F32(0x8000_0000).same(&Value::F32(0))); // -0 is not +0
        assert!(!Value::F32(0x7fc0_0000).same(&Value::F32(0x7f80_0000))); // NaN is not inf
        assert!(!Value::V128(0x7fc0_0000).same(&Value::V128(0x7fc0_0001)));
        assert!(!Value::I32(1).same(&Value::I64(1)));
        assert!(!Value::FuncRef { null: true }.same(&Value::FuncRef { null: false }));
    }
}
