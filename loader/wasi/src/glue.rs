//! How a preview 1 function meets the wasm ABI, written once for all of them.
//!
//! Every function in [`preview1`](crate::preview1) has the shape
//! `fn(&mut WasiCtx, &mut [u8], A, B, ...) -> Result<R, Errno>` (the context, the guest's
//! linear memory, the arguments):
//!
//! - each argument is a [`Param`]: `u32` for an `i32`, `u64` for an `i64`, or a struct
//!   standing for consecutive params ([`GuestPath`], [`Times`], [`OpenHow`]);
//! - `R` is an [`Output`], what the function returns through out pointers: the `i32`
//!   params after the arguments (none for `()`, one for a `u32`, `u64` or a record, one
//!   per element of a pair). They are written after the function succeeded;
//! - the import returns the errno: `Success`, or the `Err`.
//!
//! [`HostFn`] is implemented for every function of that shape: its wasm params follow from
//! the Rust types, and [`HostFn::call_raw`] runs it on raw [`Val`]s.

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{self, GuestPath};
use crate::preview1::{OpenHow, Times};
use wasmaot_loader::{Error, Val, ValType};

/// The raw arguments of one call, read in order.
pub(crate) struct Args<'a> {
    vals: &'a [Val],
    next: usize,
}

impl<'a> Args<'a> {
    pub(crate) fn new(vals: &'a [Val]) -> Self {
        Args { vals, next: 0 }
    }

    /// The next argument and its index.
    fn take(&mut self) -> (usize, Option<&'a Val>) {
        let i = self.next;
        self.next += 1;
        (i, self.vals.get(i))
    }
}

/// A Rust argument read from one or more consecutive wasm params.
pub(crate) trait Param: Sized {
    /// Appends its wasm types.
    fn types(types: &mut Vec<ValType>);
    fn read(args: &mut Args<'_>) -> Result<Self, Error>;
}

impl Param for u32 {
    fn types(types: &mut Vec<ValType>) {
        types.push(ValType::I32);
    }
    fn read(args: &mut Args<'_>) -> Result<Self, Error> {
        match args.take() {
            (_, Some(Val::I32(v))) => Ok(*v as u32),
            (i, _) => Err(Error::msg(format!("wasi: argument {i} is not an i32"))),
        }
    }
}

impl Param for u64 {
    fn types(types: &mut Vec<ValType>) {
        types.push(ValType::I64);
    }
    fn read(args: &mut Args<'_>) -> Result<Self, Error> {
        match args.take() {
            (_, Some(Val::I64(v))) => Ok(*v as u64),
            (i, _) => Err(Error::msg(format!("wasi: argument {i} is not an i64"))),
        }
    }
}

/// No params (the out pointers of `()`).
impl Param for () {
    fn types(_: &mut Vec<ValType>) {}
    fn read(_: &mut Args<'_>) -> Result<Self, Error> {
        Ok(())
    }
}

/// Two params in a row (the out pointers of a pair).
impl<A: Param, B: Param> Param for (A, B) {
    fn types(types: &mut Vec<ValType>) {
        A::types(types);
        B::types(types);
    }
    fn read(args: &mut Args<'_>) -> Result<Self, Error> {
        Ok((A::read(args)?, B::read(args)?))
    }
}

/// Structs standing for consecutive params: their fields, in wasm order.
macro_rules! params_struct {
    ($($ty:ident { $($field:ident: $fty:ty),* })*) => {$(
        impl Param for $ty {
            fn types(types: &mut Vec<ValType>) {
                $(<$fty>::types(types);)*
            }
            fn read(args: &mut Args<'_>) -> Result<Self, Error> {
                Ok($ty { $($field: <$fty>::read(args)?),* })
            }
        }
    )*};
}

params_struct! {
    GuestPath { ptr: u32, len: u32 }
    Times { atim: u64, mtim: u64, flags: u32 }
    OpenHow { oflags: u32, rights_base: u64, rights_inheriting: u64, fdflags: u32 }
}

/// What a preview 1 function returns through out pointers.
pub(crate) trait Output {
    /// The out pointers: `()`, `u32`, or a pair of them.
    type Ptrs: Param;
    fn write(self, mem: &mut [u8], at: Self::Ptrs) -> Result<(), Errno>;
}

impl Output for () {
    type Ptrs = ();
    fn write(self, _: &mut [u8], (): ()) -> Result<(), Errno> {
        Ok(())
    }
}

/// (`sock_recv`'s `roflags`.)
impl Output for u16 {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], at: u32) -> Result<(), Errno> {
        memory::write_u16(mem, at, self)
    }
}

impl Output for u32 {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], at: u32) -> Result<(), Errno> {
        memory::write_u32(mem, at, self)
    }
}

impl Output for u64 {
    type Ptrs = u32;
    fn write(self, mem: &mut [u8], at: u32) -> Result<(), Errno> {
        memory::write_u64(mem, at, self)
    }
}

/// Two values through two pointers, the first written first.
impl<A: Output<Ptrs = u32>, B: Output<Ptrs = u32>> Output for (A, B) {
    type Ptrs = (u32, u32);
    fn write(self, mem: &mut [u8], (a, b): (u32, u32)) -> Result<(), Errno> {
        self.0.write(mem, a)?;
        self.1.write(mem, b)
    }
}

/// A preview 1 function `fn(&mut WasiCtx, &mut [u8], A...) -> Result<R, Errno>`. `Sig` is
/// `(R, A...)`: it keeps the implementations for each number of arguments apart.
pub(crate) trait HostFn<Sig>: Send + Sync + 'static {
    /// The wasm params: the arguments', then the out pointers.
    fn params() -> Vec<ValType>;
    /// Reads the arguments from `args`, runs the function, writes its output and returns
    /// the errno. Fails only for arguments of the wrong type.
    fn call_raw(&self, ctx: &mut WasiCtx, mem: &mut [u8], args: &[Val]) -> Result<Errno, Error>;
}

/// `HostFn` for functions of `$ty...` arguments, named `$arg...` in the body.
macro_rules! host_fn {
    ($($arg:ident: $ty:ident),*) => {
        impl<F, R, $($ty),*> HostFn<(R, $($ty,)*)> for F
        where
            F: Fn(&mut WasiCtx, &mut [u8], $($ty),*) -> Result<R, Errno> + Send + Sync + 'static,
            R: Output,
            $($ty: Param,)*
        {
            fn params() -> Vec<ValType> {
                let mut types = Vec::new();
                $($ty::types(&mut types);)*
                <R::Ptrs as Param>::types(&mut types);
                types
            }

            fn call_raw(
                &self,
                ctx: &mut WasiCtx,
                mem: &mut [u8],
                args: &[Val],
            ) -> Result<Errno, Error> {
                let mut args = Args::new(args);
                $(let $arg = $ty::read(&mut args)?;)*
                let out = <R::Ptrs as Param>::read(&mut args)?;
                let result = self(ctx, &mut *mem, $($arg),*).and_then(|r| r.write(mem, out));
                Ok(result.err().unwrap_or(Errno::Success))
            }
        }
    };
}

host_fn!();
host_fn!(a: A);
host_fn!(a: A, b: B);
host_fn!(a: A, b: B, c: C);
host_fn!(a: A, b: B, c: C, d: D);
host_fn!(a: A, b: B, c: C, d: D, e: E);
