//! Registers the preview 1 functions in a [`Linker`].
//!
//! Each [`preview1`] function is defined under its own name with the wasm signature its
//! Rust types give (`glue.rs`). On a call the glue finds the calling instance's `memory`
//! export, reads the raw arguments, runs the function, writes its outputs and returns its
//! errno. `proc_exit` fails the call with a host error ([`Error::host`]) whose payload is
//! the [`I32Exit`] (message "exited with i32 exit status N"): an embedder tells an exit
//! from a real trap with `error.downcast_ref::<I32Exit>()` (or [`exit_status`]). The code
//! is also recorded in the [`WasiCtx`] ([`WasiCtx::exit_code`]).

use super::glue::{Args, HostFn, Param};
use super::memory;
use super::preview1;
use super::{Errno, I32Exit, WasiCtx};
use std::sync::{Arc, Mutex, PoisonError};
use wasmaot_loader::{Caller, Error, Extern, FuncType, Linker, Val, ValType};

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Defines all `wasi_snapshot_preview1` functions in `linker`. `get` finds the
/// [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), Error> {
    add_all(linker, Access::Own(get))
}

/// A [`WasiCtx`] several stores use at once (the threads of a wasi-threads program):
/// each call takes its lock for its duration.
pub type SharedWasiCtx = Arc<Mutex<WasiCtx>>;

/// As [`add_to_linker`], for stores whose data holds a [`SharedWasiCtx`]. A call that
/// blocks on a descriptor (`fd_read` of a terminal, `poll_oneoff` on descriptors) holds
/// the context meanwhile, and the other threads' WASI calls wait for it; a sleep
/// (`poll_oneoff` of clocks alone) does not take it.
pub fn add_to_linker_shared<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &SharedWasiCtx,
) -> Result<(), Error> {
    add_all(linker, Access::Shared(get))
}

/// How the glue reaches the WASI context in the store's data.
enum Access<T> {
    Own(fn(&mut T) -> &mut WasiCtx),
    Shared(fn(&mut T) -> &SharedWasiCtx),
}

impl<T> Clone for Access<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Access<T> {}

impl<T> Access<T> {
    fn with<R>(self, data: &mut T, f: impl FnOnce(&mut WasiCtx) -> R) -> R {
        match self {
            Access::Own(get) => f(get(data)),
            Access::Shared(get) => {
                let mut ctx = get(data).lock().unwrap_or_else(PoisonError::into_inner);
                f(&mut ctx)
            }
        }
    }
}

fn add_all<T: 'static>(linker: &mut Linker<T>, get: Access<T>) -> Result<(), Error> {
    /// Defines each `preview1::$name` as the import `$name`.
    macro_rules! define_all {
        ($($name:ident)*) => {
            $(define(linker, get, stringify!($name), preview1::$name)?;)*
        };
    }
    define_all! {
        args_get args_sizes_get environ_get environ_sizes_get
        clock_res_get clock_time_get
        fd_advise fd_allocate fd_close fd_datasync fd_fdstat_get fd_fdstat_set_flags
        fd_fdstat_set_rights fd_filestat_get fd_filestat_set_size fd_filestat_set_times
        fd_pread fd_prestat_get fd_prestat_dir_name fd_pwrite fd_read fd_readdir
        fd_renumber fd_seek fd_sync fd_tell fd_write
        path_create_directory path_filestat_get path_filestat_set_times path_link path_open
        path_readlink path_remove_directory path_rename path_symlink path_unlink_file
        proc_raise sched_yield random_get
        sock_accept sock_recv sock_send sock_shutdown
    }
    define_poll_oneoff(linker, get)?;
    define_proc_exit(linker, get)
}

/// `poll_oneoff`. With a shared context, a poll of clocks alone (a sleep) runs without
/// the context, so the other threads' WASI calls go on meanwhile.
fn define_poll_oneoff<T: 'static>(linker: &mut Linker<T>, get: Access<T>) -> Result<(), Error> {
    if let Access::Own(_) = get {
        return define(linker, get, "poll_oneoff", preview1::poll_oneoff);
    }
    let ty = FuncType::new([ValType::I32; 4], [ValType::I32]);
    let call = move |mut caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
        let a = &mut Args::new(args);
        let (subs, events, n, nevents) =
            (u32::read(a)?, u32::read(a)?, u32::read(a)?, u32::read(a)?);
        let sleep = match caller.get_export("memory").and_then(Extern::into_memory) {
            Some(memory) => {
                let mem = memory.data_mut(&mut caller);
                preview1::poll_oneoff_clocks(mem, subs, events, n, nevents)
            }
            None => None,
        };
        let errno = sleep.unwrap_or_else(|| {
            with_memory(&mut caller, get, |ctx, mem| {
                let polled = preview1::poll_oneoff(ctx, mem, subs, events, n)
                    .and_then(|k| memory::write_u32(mem, nevents, k));
                polled.err().unwrap_or(Errno::Success)
            })
        });
        set_errno(results, errno)
    };
    linker.func_new(MODULE, "poll_oneoff", ty, call)?;
    Ok(())
}

/// A preview 1 function on raw wasm values ([`HostFn::call_raw`]), type-erased so that
/// the linker glue exists once rather than once per function.
type RawFn = Box<dyn Fn(&mut WasiCtx, &mut [u8], &[Val]) -> Result<Errno, Error> + Send + Sync>;

/// Defines `f` as the import `name`, returning its errno.
fn define<T: 'static, Sig, F: HostFn<Sig>>(
    linker: &mut Linker<T>,
    get: Access<T>,
    name: &str,
    f: F,
) -> Result<(), Error> {
    let ty = FuncType::new(F::params(), [ValType::I32]);
    define_raw(
        linker,
        get,
        name,
        ty,
        Box::new(move |ctx, mem, args| f.call_raw(ctx, mem, args)),
    )
}

fn define_raw<T: 'static>(
    linker: &mut Linker<T>,
    get: Access<T>,
    name: &str,
    ty: FuncType,
    f: RawFn,
) -> Result<(), Error> {
    let call = move |mut caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
        let errno = with_memory(&mut caller, get, |ctx, mem| f(ctx, mem, args))?;
        set_errno(results, errno)
    };
    linker.func_new(MODULE, name, ty, call)?;
    Ok(())
}

/// `proc_exit(code: i32)` has no result: it fails the call with the [`I32Exit`] payload.
fn define_proc_exit<T: 'static>(linker: &mut Linker<T>, get: Access<T>) -> Result<(), Error> {
    let ty = FuncType::new([ValType::I32], []);
    let call = move |mut caller: Caller<'_, T>, args: &[Val], _results: &mut [Val]| {
        let code = u32::read(&mut Args::new(args))?;
        let exit = get.with(caller.data_mut(), |ctx| preview1::proc_exit(ctx, code));
        Err(Error::host(exit))
    };
    linker.func_new(MODULE, "proc_exit", ty, call)?;
    Ok(())
}

/// Runs `f` with the WASI context and the caller's memory. A module without a `memory`
/// export sees an empty memory: every pointer it passes is `EFAULT`.
fn with_memory<T, R>(
    caller: &mut Caller<'_, T>,
    get: Access<T>,
    f: impl FnOnce(&mut WasiCtx, &mut [u8]) -> R,
) -> R {
    match caller.get_export("memory").and_then(Extern::into_memory) {
        Some(memory) => {
            let (bytes, data) = memory.data_and_store_mut(caller);
            get.with(data, |ctx| f(ctx, bytes))
        }
        None => get.with(caller.data_mut(), |ctx| f(ctx, &mut [])),
    }
}

fn set_errno(results: &mut [Val], errno: Errno) -> Result<(), Error> {
    match results.first_mut() {
        Some(slot) => {
            *slot = Val::I32(errno.raw() as i32);
            Ok(())
        }
        None => Err(Error::msg("wasi: missing result slot")),
    }
}

/// The process exit status of a call into a WASI program (normally `_start`): 0 when it
/// returned, the `proc_exit` code when it exited (the error's [`I32Exit`] payload, or
/// else the code recorded in `ctx`), and the error itself for anything else (a trap).
/// Clears the recorded exit code.
pub fn exit_status(result: Result<(), Error>, ctx: &mut WasiCtx) -> Result<i32, Error> {
    let recorded = ctx.take_exit_code();
    match result {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => recorded.ok_or(e),
        },
    }
}
