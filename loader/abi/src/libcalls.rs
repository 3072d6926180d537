//! Runtime functions that compiled code calls. Compiled code reaches them through a table
//! of addresses that the VMContext points to (`VMOffsets::vmctx_libcalls`, slot
//! `Libcall::index`), so `.text` holds no absolute address and needs no patching; the
//! runtime exports each as `wasmaot_rt_<name>` too.
//!
//! All take the caller's `*mut VMContext` first and use the target's C calling
//! convention. Index-typed arguments are `u32`, addresses and lengths `u64`.

macro_rules! libcalls {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal ( $($arg:ident),* ) -> $ret:ident ;)*) => {
        /// A runtime function reachable from compiled code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Libcall { $( $(#[$doc])* $variant, )* }

        /// Scalar kinds of libcall parameters and results (`Ptr` is target-pointer sized).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum LibcallType { Ptr, I32, I64, F32, F64, None }

        impl Libcall {
            /// Every libcall, in a fixed order.
            pub const ALL: &'static [Libcall] = &[ $( Libcall::$variant, )* ];

            /// The symbol name of this libcall in an artifact.
            #[inline]
            pub fn symbol(self) -> &'static str {
                match self { $( Libcall::$variant => concat!("wasmaot_rt_", $name), )* }
            }

            /// Parameter types, in order.
            #[inline]
            pub fn params(self) -> &'static [LibcallType] {
                match self { $( Libcall::$variant => &[ $( LibcallType::$arg, )* ], )* }
            }

            /// Result type (`None` for no result).
            #[inline]
            pub fn result(self) -> LibcallType {
                match self { $( Libcall::$variant => LibcallType::$ret, )* }
            }

            /// Position in `ALL`: the slot of this libcall in the table the VMContext's
            /// `libcalls` field points to.
            #[inline]
            pub fn index(self) -> u32 {
                // Variants are declared in the order of `ALL`, without explicit values.
                self as u32
            }

            /// Look a libcall up by its symbol name.
            #[inline]
            pub fn from_symbol(name: &str) -> Option<Libcall> {
                Self::ALL.iter().copied().find(|l| l.symbol() == name)
            }
        }
    };
}

libcalls! {
    /// (vmctx, memory, delta_pages) -> old size in pages, or -1.
    MemoryGrow = "memory_grow"(Ptr, I32, I64) -> I64;
    /// (vmctx, dst_memory, dst, src_memory, src, len)
    MemoryCopy = "memory_copy"(Ptr, I32, I64, I32, I64, I64) -> None;
    /// (vmctx, memory, dst, byte, len)
    MemoryFill = "memory_fill"(Ptr, I32, I64, I32, I64) -> None;
    /// (vmctx, memory, data segment, dst, src, len)
    MemoryInit = "memory_init"(Ptr, I32, I32, I64, I32, I32) -> None;
    /// (vmctx, data segment)
    DataDrop = "data_drop"(Ptr, I32) -> None;
    /// (vmctx, table, delta, init) -> old size, or -1.
    TableGrow = "table_grow"(Ptr, I32, I32, Ptr) -> I32;
    /// (vmctx, table, dst, value, len)
    TableFill = "table_fill"(Ptr, I32, I32, Ptr, I32) -> None;
    /// (vmctx, dst_table, src_table, dst, src, len)
    TableCopy = "table_copy"(Ptr, I32, I32, I32, I32, I32) -> None;
    /// (vmctx, table, element segment, dst, src, len)
    TableInit = "table_init"(Ptr, I32, I32, I32, I32, I32) -> None;
    /// (vmctx, element segment)
    ElemDrop = "elem_drop"(Ptr, I32) -> None;
    /// (vmctx) -> raises the trap recorded for this thread; used by host-call trampolines.
    RaiseTrap = "raise_trap"(Ptr) -> None;
    /// (vmctx, tag, values): throw a new exception of module tag `tag` whose payload is
    /// the tag's params in `values` (a `ValRaw` array); unwinds to the nearest handler
    /// (see `ExceptionSite`) or out of wasm, never returns.
    Throw = "throw"(Ptr, I32, Ptr) -> None;
    /// (vmctx, exn): throw the (non-null) exception `exn` again; never returns.
    ThrowRef = "throw_ref"(Ptr, Ptr) -> None;
    /// (vmctx): called when `fuel_consumed` became non-negative; traps with OutOfFuel
    /// unless the store added fuel (then returns).
    OutOfFuel = "out_of_fuel"(Ptr) -> None;
    /// (vmctx): called when the engine's epoch reached the store's deadline; traps with
    /// Interrupt, or returns after the store's callback set a new deadline.
    EpochInterrupt = "epoch_interrupt"(Ptr) -> None;
    /// (vmctx, memory, address, count) -> waiters woken: `memory.atomic.notify` at the
    /// effective address (traps when misaligned or out of bounds).
    MemoryAtomicNotify = "memory_atomic_notify"(Ptr, I32, I64, I32) -> I32;
    /// (vmctx, memory, address, expected, timeout in ns, negative for none) -> 0 woken,
    /// 1 not equal, 2 timed out: `memory.atomic.wait32`.
    MemoryAtomicWait32 = "memory_atomic_wait32"(Ptr, I32, I64, I32, I64) -> I32;
    /// As `MemoryAtomicWait32`, for `memory.atomic.wait64`.
    MemoryAtomicWait64 = "memory_atomic_wait64"(Ptr, I32, I64, I64, I64) -> I32;
    /// (vmctx, actual, expected) -> 1 if engine type id `actual` is a subtype of
    /// `expected`, else 0: the slow path of a function type check against a type that is
    /// not final, after the ids differed.
    IsSubtype = "is_subtype"(Ptr, I32, I32) -> I32;
}

macro_rules! float_helpers {
    ($( $variant:ident = $name:literal, )*) => {
        /// Cranelift's own libcalls that compiled code may reference: floating-point
        /// helpers used when the target lacks an instruction. Reached by symbol,
        /// `wasmaot_rt_<C name>`, with the C calling convention and the signature of the
        /// C function of that name (`ceilf` etc.).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FloatHelper { $( $variant, )* }

        impl FloatHelper {
            /// Every float helper.
            pub const ALL: &'static [FloatHelper] = &[ $( FloatHelper::$variant, )* ];

            /// The symbol name of this helper in an artifact.
            #[inline]
            pub fn symbol(self) -> &'static str {
                match self { $( FloatHelper::$variant => concat!("wasmaot_rt_", $name), )* }
            }

            /// Look a helper up by its symbol name.
            #[inline]
            pub fn from_symbol(name: &str) -> Option<FloatHelper> {
                Self::ALL.iter().copied().find(|h| h.symbol() == name)
            }
        }
    };
}

float_helpers! {
    CeilF32 = "ceilf",
    CeilF64 = "ceil",
    FloorF32 = "floorf",
    FloorF64 = "floor",
    TruncF32 = "truncf",
    TruncF64 = "trunc",
    NearestF32 = "nearbyintf",
    NearestF64 = "nearbyint",
    FmaF32 = "fmaf",
    FmaF64 = "fma",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_roundtrip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for l in Libcall::ALL {
            assert!(seen.insert(l.symbol()));
            assert_eq!(Libcall::from_symbol(l.symbol()), Some(*l));
            assert_eq!(
                l.params()[0],
                LibcallType::Ptr,
                "{l:?} must take vmctx first"
            );
        }
        assert_eq!(Libcall::from_symbol("wasmaot_rt_nope"), None);
        for h in FloatHelper::ALL {
            assert!(seen.insert(h.symbol()));
            assert_eq!(FloatHelper::from_symbol(h.symbol()), Some(*h));
        }
        assert_eq!(FloatHelper::from_symbol("ceilf"), None);
    }
}
