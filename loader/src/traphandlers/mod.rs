//! Entering wasm and unwinding out of it on a trap; unwinding to an exception handler
//! (`unwind.rs`).
//!
//! Every host→wasm entry goes through [`catch_traps`], which pushes a [`CallThreadState`]
//! on a thread-local stack and calls the body through `wasmaot_setjmp_call` (C, see
//! `setjmp.c`). A trap — a hardware fault in wasm code (see `signals.rs`), a trapping
//! libcall or a failing host function (see [`raise_trap`], [`raise_error`]) — records
//! why and `longjmp`s back to the innermost entry. The frames skipped by the jump are
//! wasm frames, trampolines and runtime frames that hold nothing with a destructor.

mod backtrace;
mod signals;
mod unwind;

use crate::abi::TrapCode;
use crate::error::{Error, Trap};
use crate::vmcontext::VMRuntimeLimits;
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;

pub use signals::init_traps;
pub(crate) use unwind::{find_handler, resume, SAVED_REGS};

extern "C" {
    fn wasmaot_setjmp_call(
        jmp_buf_out: *mut *mut c_void,
        body: extern "C" fn(*mut c_void),
        payload: *mut c_void,
    ) -> i32;
    fn wasmaot_longjmp(jmp_buf: *mut c_void) -> !;
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
    /// Number of program counters recorded in `FRAMES` for this entry's trap.
    nframes: Cell<usize>,
}

thread_local! {
    static CURRENT: Cell<*const CallThreadState> = const { Cell::new(ptr::null()) };
    /// (low, high) bounds of this thread's stack, 0 if unknown.
    static STACK_BOUNDS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Program counters of the wasm frames at the latest trap, innermost first (the
    /// first is the faulting PC, a trapping libcall's return address minus one or a
    /// host call's return address; the others return addresses). One buffer per thread
    /// suffices: a trap is consumed by its entry before any outer entry resumes.
    static FRAMES: [Cell<usize>; MAX_FRAMES] = const { [const { Cell::new(0) }; MAX_FRAMES] };
    /// Whether this thread has its handlers, alternate stack and stack bounds set up.
    static READY: Cell<bool> = const { Cell::new(false) };
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
    if !READY.with(Cell::get) {
        signals::init_traps();
        signals::ensure_alt_stack();
        stack_bounds();
        READY.with(|r| r.set(true));
    }

    // SAFETY: `limits` points to the store's live VMRuntimeLimits.
    let old_limit = unsafe { (*limits).stack_limit };
    if old_limit == 0 {
        let bounds = STACK_BOUNDS.with(Cell::get);
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
    let pcs: Vec<usize> = FRAMES.with(|f| {
        f[..state.nframes.get().min(MAX_FRAMES)]
            .iter()
            .map(Cell::get)
            .collect()
    });
    if let Some(err) = state.error.take() {
        let backtrace = if pcs.is_empty() {
            Vec::new()
        } else {
            backtrace::symbolize(&pcs)
        };
        return Err(err.into_trap_with_backtrace(backtrace));
    }
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

/// Record that wasm trapped with `code` and unwind to the innermost entry. `pc`/`fp` are
/// the return address into and frame pointer of the calling wasm frame (0 if unknown).
///
/// # Safety
/// Must be called (directly or from a libcall) while wasm runs inside [`catch_traps`] on
/// this thread, and no frame between here and there may own anything with a destructor.
pub(crate) unsafe fn raise_trap(code: TrapCode, pc: usize, fp: usize) -> ! {
    let state = current_state();
    if state.is_null() {
        // Compiled code only calls libcalls inside an entry; anything else is a bug.
        eprintln!("wasmaot: trap {code:?} raised outside of wasm");
        std::process::abort();
    }
    // SAFETY: `state` is the live innermost entry of this thread.
    unsafe {
        if fp != 0 {
            // `pc` is a return address: record an address within the call instead, as
            // the innermost frame's PC is looked up as is.
            signals::record_frames(&*state, pc.saturating_sub(1), fp);
        }
        (*state).trap_code.set(Some(code));
        (*state).trapped.set(true);
        raise(state)
    }
}

/// Record a failing host function's error and unwind to the innermost entry.
///
/// # Safety
/// As for [`raise_trap`].
/// `pc`/`fp` are the return address and frame pointer at the host call (0 if unknown);
/// the wasm frames above them become the trap's backtrace.
pub(crate) unsafe fn raise_error(error: Error, pc: usize, fp: usize) -> ! {
    let state = current_state();
    if state.is_null() {
        eprintln!("wasmaot: host error raised outside of wasm: {error}");
        std::process::abort();
    }
    // SAFETY: `state` is the live innermost entry of this thread; `error` is moved into
    // it so nothing with a destructor stays in this frame.
    unsafe {
        if fp != 0 {
            signals::record_frames(&*state, pc, fp);
        }
        (*state).error.set(Some(error));
        raise(state)
    }
}

/// What host trampolines call: `callback(host_ctx, caller_vmctx, values, len)`.
pub(crate) type HostCallback = unsafe extern "C" fn(*mut u8, *mut u8, *mut ValRawPtr, usize);
type ValRawPtr = crate::vmcontext::ValRaw;

/// Offset of the shim in a host context (`VMHostFuncContext`) on this host.
const HOST_CTX_SHIM: usize = crate::vmcontext::HOST_FIXED_OFFSETS.host_ctx_shim() as usize;

// The callback of every host function: pass the caller's frame pointer and return
// address as two more arguments to the shim stored in the host context.
#[cfg(all(target_arch = "x86_64", not(target_os = "macos"), not(windows)))]
std::arch::global_asm!(
    ".text",
    ".globl wasmaot_host_callback",
    ".hidden wasmaot_host_callback",
    ".p2align 4",
    "wasmaot_host_callback:",
    "mov r8, rbp",
    "mov r9, qword ptr [rsp]",
    "jmp qword ptr [rdi + {shim}]",
    shim = const HOST_CTX_SHIM,
);
#[cfg(all(target_arch = "aarch64", not(target_os = "macos"), not(windows)))]
std::arch::global_asm!(
    ".text",
    ".globl wasmaot_host_callback",
    ".hidden wasmaot_host_callback",
    ".p2align 4",
    "wasmaot_host_callback:",
    "mov x4, x29",
    "mov x5, x30",
    "ldr x16, [x0, #{shim}]",
    "br x16",
    shim = const HOST_CTX_SHIM,
);

#[cfg(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(target_os = "macos"),
    not(windows)
))]
extern "C" {
    fn wasmaot_host_callback(ctx: *mut u8, caller: *mut u8, values: *mut ValRawPtr, len: usize);
}

/// The callback to store in host contexts.
pub(crate) fn host_callback() -> HostCallback {
    #[cfg(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    ))]
    {
        wasmaot_host_callback
    }
    #[cfg(not(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    )))]
    {
        portable_host_callback
    }
}

/// Fallback callback without frame information.
#[cfg(not(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(target_os = "macos"),
    not(windows)
)))]
unsafe extern "C" fn portable_host_callback(
    ctx: *mut u8,
    caller: *mut u8,
    values: *mut ValRawPtr,
    len: usize,
) {
    type Shim = unsafe extern "C" fn(*mut u8, *mut u8, *mut ValRawPtr, usize, usize, usize);
    // SAFETY: host contexts keep their shim at `HOST_CTX_SHIM` (asserted in `func.rs`).
    unsafe {
        let shim = ctx.add(HOST_CTX_SHIM).cast::<Shim>().read();
        shim(ctx, caller, values, len, 0, 0)
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
