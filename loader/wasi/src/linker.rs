//! Registers the preview 1 functions in a [`Linker`].
//!
//! Each import gets its exact wasm signature. On a call the glue reads the raw arguments,
//! finds the calling instance's `memory` export, runs the [`preview1`] function and
//! returns its errno. `proc_exit` fails the call with a host error ([`Error::host`])
//! whose payload is the [`I32Exit`] (message "exited with i32 exit status N"): an
//! embedder tells an exit from a real trap with `error.downcast_ref::<I32Exit>()` (or
//! [`exit_status`]). The code is also recorded in the [`WasiCtx`] ([`WasiCtx::exit_code`]).

use super::preview1::{self, WasiExit, WasiResult};
use super::{I32Exit, WasiCtx};
use wasmaot_loader::{Caller, Error, Extern, FuncType, Linker, Val, ValType};

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Runs `f` with the WASI context and the caller's memory. A module without a `memory`
/// export sees an empty memory: every pointer it passes is `EFAULT`.
fn with_ctx<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut [u8]) -> WasiResult,
) -> Result<i32, Error> {
    let result = match caller.get_export("memory").and_then(Extern::into_memory) {
        Some(memory) => {
            let (bytes, data) = memory.data_and_store_mut(caller);
            f(get(data), bytes)
        }
        None => f(get(caller.data_mut()), &mut []),
    };
    if let Err(WasiExit(code)) = result {
        get(caller.data_mut()).set_exit_code(code);
    }
    match result {
        Ok(errno) => Ok(errno.raw() as i32),
        Err(exit) => Err(Error::host(exit)),
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

fn arg_i32(args: &[Val], i: usize) -> Result<u32, Error> {
    match args.get(i) {
        Some(Val::I32(v)) => Ok(*v as u32),
        _ => Err(Error::msg(format!("wasi: argument {i} is not an i32"))),
    }
}

fn arg_i64(args: &[Val], i: usize) -> Result<u64, Error> {
    match args.get(i) {
        Some(Val::I64(v)) => Ok(*v as u64),
        _ => Err(Error::msg(format!("wasi: argument {i} is not an i64"))),
    }
}

fn set_result(results: &mut [Val], v: i32) -> Result<(), Error> {
    match results.first_mut() {
        Some(slot) => {
            *slot = Val::I32(v);
            Ok(())
        }
        None => Err(Error::msg("wasi: missing result slot")),
    }
}

macro_rules! val_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
}

macro_rules! read_arg {
    ($args:ident, $i:expr, i32) => {
        arg_i32($args, $i)?
    };
    ($args:ident, $i:expr, i64) => {
        arg_i64($args, $i)?
    };
}

/// Registers `preview1::$name` with params `$ty...` and one `i32` (errno) result.
macro_rules! register {
    ($linker:ident, $get:ident, $name:ident ( $( $arg:ident : $ty:ident ),* )) => {{
        let params: Vec<ValType> = vec![$( val_type!($ty) ),*];
        $linker.func_new(
            MODULE,
            stringify!($name),
            FuncType::new(params, [ValType::I32]),
            move |mut caller: Caller<'_, T>, _args: &[Val], results: &mut [Val]| {
                let mut _i = 0usize;
                $(
                    let $arg = read_arg!(_args, _i, $ty);
                    _i += 1;
                )*
                let errno = with_ctx(&mut caller, $get, |ctx, mem| {
                    preview1::$name(ctx, mem $(, $arg)*)
                })?;
                set_result(results, errno)
            },
        )?;
    }};
}

/// Defines all `wasi_snapshot_preview1` functions in `linker`. `get` finds the
/// [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), Error> {
    register!(linker, get, args_get(argv: i32, argv_buf: i32));
    register!(linker, get, args_sizes_get(argc: i32, size: i32));
    register!(linker, get, environ_get(environ: i32, buf: i32));
    register!(linker, get, environ_sizes_get(count: i32, size: i32));
    register!(linker, get, clock_res_get(id: i32, out: i32));
    register!(linker, get, clock_time_get(id: i32, precision: i64, out: i32));
    register!(linker, get, fd_advise(fd: i32, offset: i64, len: i64, advice: i32));
    register!(linker, get, fd_allocate(fd: i32, offset: i64, len: i64));
    register!(linker, get, fd_close(fd: i32));
    register!(linker, get, fd_datasync(fd: i32));
    register!(linker, get, fd_fdstat_get(fd: i32, out: i32));
    register!(linker, get, fd_fdstat_set_flags(fd: i32, flags: i32));
    register!(linker, get, fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64));
    register!(linker, get, fd_filestat_get(fd: i32, out: i32));
    register!(linker, get, fd_filestat_set_size(fd: i32, size: i64));
    register!(linker, get, fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32));
    register!(linker, get, fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32));
    register!(linker, get, fd_prestat_get(fd: i32, out: i32));
    register!(linker, get, fd_prestat_dir_name(fd: i32, path: i32, path_len: i32));
    register!(linker, get, fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32));
    register!(linker, get, fd_read(fd: i32, iovs: i32, iovs_len: i32, out: i32));
    register!(linker, get, fd_readdir(fd: i32, buf: i32, buf_len: i32, cookie: i64, out: i32));
    register!(linker, get, fd_renumber(fd: i32, to: i32));
    register!(linker, get, fd_seek(fd: i32, offset: i64, whence: i32, out: i32));
    register!(linker, get, fd_sync(fd: i32));
    register!(linker, get, fd_tell(fd: i32, out: i32));
    register!(linker, get, fd_write(fd: i32, iovs: i32, iovs_len: i32, out: i32));
    register!(linker, get, path_create_directory(fd: i32, path: i32, path_len: i32));
    register!(linker, get, path_filestat_get(fd: i32, flags: i32, path: i32, path_len: i32, out: i32));
    register!(
        linker,
        get,
        path_filestat_set_times(
            fd: i32,
            flags: i32,
            path: i32,
            path_len: i32,
            atim: i64,
            mtim: i64,
            fst_flags: i32
        )
    );
    register!(
        linker,
        get,
        path_link(
            old_fd: i32,
            old_flags: i32,
            old_path: i32,
            old_path_len: i32,
            new_fd: i32,
            new_path: i32,
            new_path_len: i32
        )
    );
    register!(
        linker,
        get,
        path_open(
            fd: i32,
            dirflags: i32,
            path: i32,
            path_len: i32,
            oflags: i32,
            base: i64,
            inheriting: i64,
            fdflags: i32,
            out: i32
        )
    );
    register!(
        linker,
        get,
        path_readlink(fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32, out: i32)
    );
    register!(linker, get, path_remove_directory(fd: i32, path: i32, path_len: i32));
    register!(
        linker,
        get,
        path_rename(
            fd: i32,
            old_path: i32,
            old_path_len: i32,
            new_fd: i32,
            new_path: i32,
            new_path_len: i32
        )
    );
    register!(
        linker,
        get,
        path_symlink(old_path: i32, old_path_len: i32, fd: i32, new_path: i32, new_path_len: i32)
    );
    register!(linker, get, path_unlink_file(fd: i32, path: i32, path_len: i32));
    register!(linker, get, poll_oneoff(subs: i32, events: i32, n: i32, out: i32));
    register!(linker, get, proc_raise(sig: i32));
    register!(linker, get, sched_yield());
    register!(linker, get, random_get(buf: i32, buf_len: i32));
    register!(linker, get, sock_accept(fd: i32, flags: i32, out: i32));
    register!(
        linker,
        get,
        sock_recv(fd: i32, data: i32, data_len: i32, flags: i32, len_out: i32, flags_out: i32)
    );
    register!(linker, get, sock_send(fd: i32, data: i32, data_len: i32, flags: i32, out: i32));
    register!(linker, get, sock_shutdown(fd: i32, how: i32));

    // proc_exit: (i32) -> (), never returns.
    linker.func_new(
        MODULE,
        "proc_exit",
        FuncType::new([ValType::I32], []),
        move |mut caller: Caller<'_, T>, args: &[Val], _results: &mut [Val]| {
            let code = arg_i32(args, 0)?;
            with_ctx(&mut caller, get, |ctx, mem| {
                preview1::proc_exit(ctx, mem, code)
            })?;
            Ok(())
        },
    )?;
    Ok(())
}
