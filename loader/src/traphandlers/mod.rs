//! Entering wasm and unwinding out of it on a trap.
//!
//! Every host→wasm entry goes through [`catch_traps`], which pushes a [`CallThreadState`]
//! on a thread-local stack and calls the body through `wasmaot_setjmp_call` (C, see
//! `setjmp.c`). A trap — a hardware fault in wasm code (see `signals.rs`), a trapping
//! libcall or a failing host function (see [`raise_trap`], [`raise_error`]) — records
//! why and `longjmp`s back to the innermost entry. The frames skipped by the jump are
//! wasm frames, trampolines and runtime frames that hold nothing with a destructor.

mod backtrace;
mod signals;

use crate::abi::TrapCode;
use crate::error::{Error, Trap};
use crate::vmcontext::VMRuntimeLimits;
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;

pub use signals::init_traps;

extern "C" {
    fn wasmaot_setjmp_call(
        jmp_buf_out: *mut *mut c_void,
        body: extern "C" fn(*mut c_void),
        payload: *mut c_void,
    ) -> i32;
    fn wasmaot_longjmp(jmp_buf: *mut c_void) -> !;
    fn wasmaot_flush_icache(start: *mut c_void, end: *mut c_void);
}

/// Make code written at `[start, start+len)` visible to instruction fetch.
pub(crate) fn flush_icache(start: *const u8, len: usize) {
    // SAFETY: only maintenance instructions on the given range (a no-op on x86_64).
    unsafe { wasmaot_flush_icache(start as *mut c_void, start.wrapping_add(len) as *mut c_void) }
}

/// Most frames recorded for a trap's backtrace.
const MAX_FRAMES: usize = 64;

/// One active host→wasm entry on this thread.
pub(crate) struct CallThreadState {
    jmp_buf: Cell<*mut c_void>,
    prev: *const CallThreadState,
    /// A trap recorded by the signal handler or a libcall: (code, whether set).
    trap_code: Cell<Option<TrapCode>>,
    trapped: Cell<bool>,
    /// An error recorded by a failing host function.
    error: Cell<Option<Error>>,
    /// Program counters of the wasm frames at the trap, innermost first (the first is
    /// the faulting PC, the others return addresses).
    frames: [Cell<usize>; MAX_FRAMES],
    nframes: Cell<usize>,
}

thread_local! {
    static CURRENT: Cell<*const CallThreadState> = const { Cell::new(ptr::null()) };
    /// (low, high) bounds of this thread's stack, 0 if unknown.
    static STACK_BOUNDS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The innermost active entry of this thread, or null.
pub(crate) fn current_state() -> *const CallThreadState {
    CURRENT.with(|c| c.get())
}

/// Whether this thread is currently running wasm code (inside some entry).
pub fn in_wasm() -> bool {
    !current_state().is_null()
}

extern "C" fn call_closure<F: FnOnce()>(payload: *mut c_void) {
    // SAFETY: `payload` is the `&mut Option<F>` that `catch_traps` passed.
    let slot = unsafe { &mut *payload.cast::<Option<F>>() };
    if let Some(f) = slot.take() {
        f();
    }
}

/// Run `body` (which calls into wasm) with trap handling: a trap unwinds to here and is
/// returned as an error. Sets the store's stack limit on its outermost entry.
///
/// `body` must keep nothing with a destructor alive while wasm code runs.
pub(crate) fn catch_traps<F: FnOnce()>(
    limits: *mut VMRuntimeLimits,
    max_wasm_stack: usize,
    body: F,
) -> Result<(), Error> {
    signals::init_traps();
    signals::ensure_alt_stack();
    let bounds = stack_bounds();

    // SAFETY: `limits` points to the store's live VMRuntimeLimits.
    let old_limit = unsafe { (*limits).stack_limit };
    if old_limit == 0 {
        let here = &old_limit as *const usize as usize;
        let mut limit = here.saturating_sub(max_wasm_stack);
        if bounds.0 != 0 {
            // Leave room below the limit for host functions called from deep wasm.
            limit = limit.max(bounds.0 + 128 * 1024);
        }
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = limit };
    }

    let state = CallThreadState {
        jmp_buf: Cell::new(ptr::null_mut()),
        prev: current_state(),
        trap_code: Cell::new(None),
        trapped: Cell::new(false),
        error: Cell::new(None),
        frames: [const { Cell::new(0) }; MAX_FRAMES],
        nframes: Cell::new(0),
    };
    CURRENT.with(|c| c.set(&state));
    let mut payload = Some(body);
    // SAFETY: the body runs with `state` published; a trap longjmps back into
    // `wasmaot_setjmp_call`, which then returns 0. The payload outlives the call.
    let ok = unsafe {
        wasmaot_setjmp_call(
            state.jmp_buf.as_ptr(),
            call_closure::<F>,
            (&mut payload as *mut Option<F>).cast(),
        )
    };
    CURRENT.with(|c| c.set(state.prev));
    if old_limit == 0 {
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = 0 };
    }
    if ok != 0 {
        return Ok(());
    }
    // Forget a body that never completed without running its destructor twice: it was
    // taken before the call, so `payload` is `None` here.
    drop(payload);
    if let Some(err) = state.error.take() {
        return Err(match err.kind() {
            crate::error::ErrorKind::Trap(_) => err,
            _ => Error::trap(Trap {
                code: None,
                message: err.to_string(),
                backtrace: Vec::new(),
            }),
        });
    }
    let pcs: Vec<usize> = state.frames[..state.nframes.get()]
        .iter()
        .map(Cell::get)
        .collect();
    let code = state.trap_code.get();
    let message = match code {
        Some(c) => c.message().to_string(),
        None => "unknown trap in wasm code".to_string(),
    };
    debug_assert!(state.trapped.get());
    Err(Error::trap(Trap {
        code,
        message,
        backtrace: backtrace::symbolize(&pcs),
    }))
}

/// This thread's stack bounds (low, high), or zeros if unknown.
pub(crate) fn stack_bounds() -> (usize, usize) {
    STACK_BOUNDS.with(|b| {
        if b.get().0 == 0 {
            b.set(signals::query_stack_bounds());
        }
        b.get()
    })
}

/// Record that wasm trapped with `code` and unwind to the innermost entry.
///
/// # Safety
/// Must be called (directly or from a libcall) while wasm runs inside [`catch_traps`] on
/// this thread, and no frame between here and there may own anything with a destructor.
pub(crate) unsafe fn raise_trap(code: TrapCode) -> ! {
    let state = current_state();
    if state.is_null() {
        // Compiled code only calls libcalls inside an entry; anything else is a bug.
        eprintln!("wasmaot: trap {code:?} raised outside of wasm");
        std::process::abort();
    }
    // SAFETY: `state` is the live innermost entry of this thread.
    unsafe {
        (*state).trap_code.set(Some(code));
        (*state).trapped.set(true);
        raise(state)
    }
}

/// Record a failing host function's error and unwind to the innermost entry.
///
/// # Safety
/// As for [`raise_trap`].
pub(crate) unsafe fn raise_error(error: Error) -> ! {
    let state = current_state();
    if state.is_null() {
        eprintln!("wasmaot: host error raised outside of wasm: {error}");
        std::process::abort();
    }
    // SAFETY: `state` is the live innermost entry of this thread; `error` is moved into
    // it so nothing with a destructor stays in this frame.
    unsafe {
        (*state).error.set(Some(error));
        raise(state)
    }
}

/// Jump to the entry `state`.
///
/// # Safety
/// `state` must be this thread's innermost live entry.
unsafe fn raise(state: *const CallThreadState) -> ! {
    // SAFETY: the jump buffer was published by `wasmaot_setjmp_call`, whose frame is live.
    unsafe { wasmaot_longjmp((*state).jmp_buf.get()) }
}

/// Unwind to the innermost entry with whatever was recorded (used by the
/// `raise_trap` libcall); an unknown trap if nothing was.
///
/// # Safety
/// As for [`raise_trap`].
pub(crate) unsafe fn raise_recorded() -> ! {
    let state = current_state();
    if state.is_null() {
        eprintln!("wasmaot: raise_trap called outside of wasm");
        std::process::abort();
    }
    // SAFETY: `state` is the live innermost entry of this thread.
    unsafe {
        (*state).trapped.set(true);
        raise(state)
    }
}
