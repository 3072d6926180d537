//! Reference types as declared (nullability and heap type), the declared shape of a
//! function type beyond its flat signature (recursion group, supertype, finality), and
//! subtyping between abstract heap types.
//!
//! `ValType` says how a value is represented; a [`RefType`] says which references a
//! place accepts: `(ref $t)`, `(ref null func)` and `funcref` are all `ValType::FuncRef`.
//! Linking compares these exact types (an import of `(ref $t)` needs a global of a
//! subtype, not just any function reference).

use super::encoding::{DecodeResult, Reader, Writer};
use super::types::ValType;
use alloc::vec::Vec;
use core::fmt;

/// A heap type: an abstract one, or a function type named by index.
///
/// In an artifact a concrete type is `Module(index)`, an index into the module's type
/// section. The loader turns each into `Engine(id)`, the engine-wide id of that type after
/// canonicalization, when it loads the module; `Engine` is never encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Any,
    Eq,
    I31,
    None,
    Exn,
    NoExn,
    /// A function type of the module's type section.
    Module(u32),
    /// A function type by engine-wide id (loader only).
    Engine(u32),
}

impl HeapType {
    /// How references of this heap type are represented.
    pub fn val_type(self) -> ValType {
        use HeapType::*;
        match self {
            Func | NoFunc | Module(_) | Engine(_) => ValType::FuncRef,
            Extern | NoExtern => ValType::ExternRef,
            Any | Eq | I31 | None => ValType::AnyRef,
            Exn | NoExn => ValType::ExnRef,
        }
    }

    /// Whether `self` is a subtype of `other`, both abstract or concrete; concrete
    /// types are compared with `concrete_sub(a, b)` (engine ids).
    pub fn is_subtype(self, other: HeapType, concrete_sub: impl Fn(u32, u32) -> bool) -> bool {
        use HeapType::*;
        match (self, other) {
            (a, b) if a == b => true,
            (Engine(a), Engine(b)) => concrete_sub(a, b),
            (Engine(_) | Module(_) | NoFunc, Func) => true,
            (NoFunc, Engine(_) | Module(_)) => true,
            (NoExtern, Extern) | (NoExn, Exn) => true,
            (None, Any | Eq | I31) | (I31, Any | Eq) | (Eq, Any) => true,
            _ => false,
        }
    }

    fn encode(self, w: &mut Writer) {
        use HeapType::*;
        let (tag, index) = match self {
            Func => (0, 0),
            NoFunc => (1, 0),
            Extern => (2, 0),
            NoExtern => (3, 0),
            Any => (4, 0),
            Eq => (5, 0),
            I31 => (6, 0),
            None => (7, 0),
            Exn => (8, 0),
            NoExn => (9, 0),
            Module(i) => (10, i),
            // Never in an artifact: the compiler names module types only.
            Engine(_) => (11, 0),
        };
        w.u8(tag);
        if tag == 10 {
            w.u32(index);
        }
    }

    fn decode(r: &mut Reader) -> DecodeResult<HeapType> {
        use HeapType::*;
        Ok(match r.u8()? {
            0 => Func,
            1 => NoFunc,
            2 => Extern,
            3 => NoExtern,
            4 => Any,
            5 => Eq,
            6 => I31,
            7 => None,
            8 => Exn,
            9 => NoExn,
            10 => Module(r.u32()?),
            _ => return r.error("a heap type (0..=10)"),
        })
    }
}

/// A reference type: nullable or not, of a heap type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

impl RefType {
    /// The nullable top type of a representation: `funcref`, `externref`, `anyref` or
    /// `exnref` (what a host-created table or global of that value type holds). `None`
    /// for a numeric or vector type.
    pub fn top(ty: ValType) -> Option<RefType> {
        let heap = match ty {
            ValType::FuncRef => HeapType::Func,
            ValType::ExternRef => HeapType::Extern,
            ValType::AnyRef => HeapType::Any,
            ValType::ExnRef => HeapType::Exn,
            _ => return Option::None,
        };
        Some(RefType {
            nullable: true,
            heap,
        })
    }

    /// How references of this type are represented.
    pub fn val_type(self) -> ValType {
        self.heap.val_type()
    }

    /// Whether every reference of type `self` is also of type `other`.
    pub fn is_subtype(self, other: RefType, concrete_sub: impl Fn(u32, u32) -> bool) -> bool {
        (other.nullable || !self.nullable) && self.heap.is_subtype(other.heap, concrete_sub)
    }

    pub(crate) fn encode(self, w: &mut Writer) {
        w.bool(self.nullable);
        self.heap.encode(w);
    }

    pub(crate) fn decode(r: &mut Reader) -> DecodeResult<RefType> {
        Ok(RefType {
            nullable: r.bool()?,
            heap: HeapType::decode(r)?,
        })
    }

    /// The exact type an optional refinement of `ty` stands for: `exact` itself, or the
    /// nullable top of `ty` when there is none.
    pub fn or_top(exact: Option<RefType>, ty: ValType) -> Option<RefType> {
        exact.or_else(|| RefType::top(ty))
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HeapType::*;
        let name = match self.heap {
            Func => "func",
            NoFunc => "nofunc",
            Extern => "extern",
            NoExtern => "noextern",
            Any => "any",
            Eq => "eq",
            I31 => "i31",
            None => "none",
            Exn => "exn",
            NoExn => "noexn",
            Module(i) => return write_ref(f, self.nullable, "type ", i),
            Engine(i) => return write_ref(f, self.nullable, "engine type ", i),
        };
        if self.nullable {
            write!(f, "{name}ref")
        } else {
            write!(f, "(ref {name})")
        }
    }
}

fn write_ref(f: &mut fmt::Formatter<'_>, nullable: bool, what: &str, i: u32) -> fmt::Result {
    let null = if nullable { "null " } else { "" };
    write!(f, "(ref {null}{what}{i})")
}

/// What the type section declares of a function type beyond its flat `FuncType`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TypeDecl {
    /// Index of the first type of its recursion group (its own index when alone).
    pub rec_group: u32,
    /// Declared `final` (a type without `sub` is final).
    pub is_final: bool,
    /// Its declared supertype, an earlier type index.
    pub supertype: Option<u32>,
    /// The exact type of each reference-typed parameter, then of each reference-typed
    /// result, in order (one per `FuncRef`/`ExternRef`/`AnyRef`/`ExnRef` position).
    pub refs: Vec<RefType>,
}

impl TypeDecl {
    /// The declaration of a type alone in its group, final, without supertype, whose
    /// references are the nullable tops of `ty`'s reference types: what every type of a
    /// module without GC types is, and what host function types are.
    pub fn plain(index: u32, ty: &super::FuncType) -> TypeDecl {
        TypeDecl {
            rec_group: index,
            is_final: true,
            supertype: Option::None,
            refs: ty
                .params
                .iter()
                .chain(&ty.results)
                .filter_map(|t| RefType::top(*t))
                .collect(),
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.rec_group);
        w.bool(self.is_final);
        w.opt_u64(self.supertype.map(u64::from));
        w.list(&self.refs, |w, r| r.encode(w));
    }

    pub(crate) fn decode(r: &mut Reader) -> DecodeResult<TypeDecl> {
        let rec_group = r.u32()?;
        let is_final = r.bool()?;
        let supertype = match r.opt_u64()? {
            Option::None => Option::None,
            Some(s) => match u32::try_from(s) {
                Ok(s) => Some(s),
                Err(_) => return r.error("a supertype index below 2^32"),
            },
        };
        let refs = r.list(2, RefType::decode)?;
        Ok(TypeDecl {
            rec_group,
            is_final,
            supertype,
            refs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: u32, _: u32) -> bool {
        false
    }

    #[test]
    fn abstract_lattice() {
        use HeapType::*;
        assert!(I31.is_subtype(Eq, never) && Eq.is_subtype(Any, never));
        assert!(None.is_subtype(I31, never) && !Any.is_subtype(Eq, never));
        assert!(NoFunc.is_subtype(Engine(3), never) && Engine(3).is_subtype(Func, never));
        assert!(!Engine(3).is_subtype(Engine(4), never));
        assert!(Engine(3).is_subtype(Engine(4), |a, b| a == 3 && b == 4));
        assert!(!Extern.is_subtype(Func, never) && NoExtern.is_subtype(Extern, never));
    }

    #[test]
    fn nullability() {
        let r = |nullable, heap| RefType { nullable, heap };
        let func = HeapType::Func;
        assert!(r(false, func).is_subtype(r(true, func), never));
        assert!(!r(true, func).is_subtype(r(false, func), never));
        assert_eq!(RefType::top(ValType::FuncRef), Some(r(true, func)));
        assert_eq!(RefType::top(ValType::I32), Option::None);
    }

    #[test]
    fn round_trip() {
        let decl = TypeDecl {
            rec_group: 2,
            is_final: false,
            supertype: Some(1),
            refs: alloc::vec![RefType {
                nullable: false,
                heap: HeapType::Module(0)
            }],
        };
        let mut w = Writer::default();
        decl.encode(&mut w);
        assert_eq!(TypeDecl::decode(&mut Reader::new(&w.bytes)).unwrap(), decl);
    }
}
