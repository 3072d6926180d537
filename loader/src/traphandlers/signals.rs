//! Process-wide signal handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE, and the
//! per-thread alternate signal stack they run on.
//!
//! A fault whose PC lies in registered wasm code on a thread that is inside an entry is
//! turned into a trap (code from the trap table) and unwinds to that entry. Any other
//! fault goes to the handler that was installed before ours.

use super::{current_state, CallThreadState, MAX_FRAMES};
use crate::abi::TrapCode;
use crate::code_memory;
use libc::{c_int, c_void, siginfo_t};
use std::cell::RefCell;
use std::sync::{Once, OnceLock};

const SIGNALS: [c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The handlers that were installed before ours, by signal.
static PREVIOUS: OnceLock<Vec<(c_int, libc::sigaction)>> = OnceLock::new();
static INSTALL: Once = Once::new();

/// Install the process-wide trap handlers (once). Called automatically before wasm runs;
/// a host that installs its own handlers for these signals should call it afterwards so
/// that faults outside wasm still reach its handlers.
pub fn init_traps() {
    INSTALL.call_once(|| {
        let mut previous = Vec::new();
        for &sig in &SIGNALS {
            // SAFETY: a zeroed sigaction is a valid value; we fill in the handler,
            // flags and an empty mask before installing it.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &action, &mut old) == 0 {
                    previous.push((sig, old));
                }
            }
        }
        let _ = PREVIOUS.set(previous);
    });
}

/// Program counter and frame pointer of the interrupted context.
///
/// # Safety
/// `ctx` must be the `ucontext_t` the kernel passed to a signal handler.
unsafe fn pc_and_fp(ctx: *mut c_void) -> (usize, usize) {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        let uc = ctx.cast::<libc::ucontext_t>();
        // SAFETY: see contract.
        unsafe {
            (
                (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
                (*uc).uc_mcontext.gregs[libc::REG_RBP as usize] as usize,
            )
        }
    }
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    {
        let uc = ctx.cast::<libc::ucontext_t>();
        // SAFETY: see contract.
        unsafe {
            (
                (*uc).uc_mcontext.pc as usize,
                (*uc).uc_mcontext.regs[29] as usize,
            )
        }
    }
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    {
        let _ = ctx;
        (0, 0)
    }
}

/// The trap a fault at `pc` stands for, if `pc` is in wasm code.
fn trap_for(signum: c_int, pc: usize) -> Option<Option<TrapCode>> {
    code_memory::with_code(pc, |info, offset| {
        if let Some(code) = info.trap_at(offset) {
            return Some(Some(code));
        }
        // Trampolines have no trap sites; a fault there is not ours.
        info.func_at(offset)?;
        Some(match signum {
            libc::SIGSEGV | libc::SIGBUS => Some(TrapCode::MemoryOutOfBounds),
            libc::SIGFPE => Some(TrapCode::IntegerDivisionByZero),
            _ => None,
        })
    })
    .flatten()
}

unsafe extern "C" fn handler(signum: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
    let state = current_state();
    if !state.is_null() {
        // SAFETY: the kernel passed us a valid ucontext.
        let (pc, fp) = unsafe { pc_and_fp(ctx) };
        if let Some(code) = trap_for(signum, pc) {
            // SAFETY: `state` is this thread's live innermost entry; it is only touched by
            // this thread.
            unsafe {
                record_frames(&*state, pc, fp);
                (*state).trap_code.set(code);
                (*state).trapped.set(true);
                super::raise(state)
            }
        }
    }
    // SAFETY: forwarding the kernel's arguments unchanged.
    unsafe { chain(signum, info, ctx) }
}

/// Walk the frame-pointer chain from the faulting frame while it stays in wasm code.
pub(super) fn record_frames(state: &CallThreadState, pc: usize, mut fp: usize) {
    let (low, high) = super::STACK_BOUNDS.with(|b| b.get());
    let n = super::FRAMES.with(|frames| {
        frames[0].set(pc);
        let mut n = 1;
        code_memory::with_registry(|lookup| {
            while n < MAX_FRAMES {
                if fp == 0
                    || !fp.is_multiple_of(std::mem::size_of::<usize>())
                    || fp < low
                    || fp.saturating_add(16) > high
                {
                    break;
                }
                // SAFETY: `fp` is aligned and inside this thread's stack (checked above).
                let (next_fp, ret) =
                    unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
                if ret == 0 || lookup(ret - 1).is_none() {
                    break;
                }
                frames[n].set(ret);
                n += 1;
                if next_fp <= fp {
                    break;
                }
                fp = next_fp;
            }
        });
        n
    });
    state.nframes.set(n);
}

/// Hand a fault that is not ours to the previously installed handler.
///
/// # Safety
/// Arguments as the kernel passed them to our handler.
unsafe fn chain(signum: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
    let previous = PREVIOUS
        .get()
        .and_then(|p| p.iter().find(|(s, _)| *s == signum))
        .map(|(_, a)| a);
    // `SIG_DFL` and `SIG_IGN` are not functions, whatever the flags say (a handler may
    // be reset to them with `SA_SIGINFO` left set).
    let handler = previous.map_or(libc::SIG_DFL, |a| a.sa_sigaction);
    let function = handler != libc::SIG_DFL && handler != libc::SIG_IGN;
    // A fault the kernel raised, as opposed to a signal sent by `raise` or `kill`.
    // SAFETY: `info` is null or the kernel's siginfo for this signal.
    let fault = !info.is_null() && unsafe { (*info).si_code } > 0;
    match previous {
        Some(prev) if function && prev.sa_flags & libc::SA_SIGINFO != 0 => {
            // SAFETY: the previous handler was installed with SA_SIGINFO, so this is its
            // three-argument entry point.
            unsafe {
                let f: extern "C" fn(c_int, *mut siginfo_t, *mut c_void) =
                    std::mem::transmute(handler);
                f(signum, info, ctx)
            }
        }
        Some(_) if function => {
            // SAFETY: a one-argument handler installed without SA_SIGINFO.
            unsafe {
                let f: extern "C" fn(c_int) = std::mem::transmute(handler);
                f(signum)
            }
        }
        // An ignored signal that was sent is ignored. An ignored fault cannot be: the
        // faulting instruction would run again, forever. The kernel kills a process
        // whose fault signal is ignored; so do we, by the default action below.
        _ if handler == libc::SIG_IGN && !fault => {}
        _ => {
            // Default action: restore it and let the fault happen again (or re-send a
            // signal that came from another process or `raise`).
            // SAFETY: installing SIG_DFL for a signal we handle.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signum, &action, std::ptr::null_mut());
                if !fault {
                    libc::raise(signum);
                }
            }
        }
    }
}

/// Size of the alternate signal stack we install (plus a guard page below it).
const ALT_STACK_SIZE: usize = 64 * 1024;

struct AltStack {
    base: *mut c_void,
    len: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: disable the alternate stack before unmapping it; it was mapped by us.
        unsafe {
            let disable = libc::stack_t {
                ss_sp: std::ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            libc::sigaltstack(&disable, std::ptr::null_mut());
            libc::munmap(self.base, self.len);
        }
    }
}

thread_local! {
    static ALT_STACK: RefCell<Option<Option<AltStack>>> = const { RefCell::new(None) };
}

/// Make sure this thread has an alternate signal stack of at least 64 KiB.
pub(super) fn ensure_alt_stack() {
    ALT_STACK.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_some() {
            return;
        }
        // SAFETY: querying and installing this thread's alternate stack with memory we map.
        let installed = unsafe {
            let mut old: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(std::ptr::null(), &mut old);
            if old.ss_flags & libc::SS_DISABLE == 0 && old.ss_size >= ALT_STACK_SIZE {
                None
            } else {
                let page = crate::os::page_size();
                let len = ALT_STACK_SIZE + page;
                let base = libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                if base == libc::MAP_FAILED {
                    None
                } else {
                    let stack = base.cast::<u8>().add(page).cast::<c_void>();
                    libc::mprotect(stack, ALT_STACK_SIZE, libc::PROT_READ | libc::PROT_WRITE);
                    let new = libc::stack_t {
                        ss_sp: stack,
                        ss_flags: 0,
                        ss_size: ALT_STACK_SIZE,
                    };
                    libc::sigaltstack(&new, std::ptr::null_mut());
                    Some(AltStack { base, len })
                }
            }
        };
        *slot = Some(installed);
    });
}

/// (low, high) of the current thread's stack, or zeros if unknown.
pub(super) fn query_stack_bounds() -> (usize, usize) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: pthread_getattr_np fills `attr`, which we destroy afterwards.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
                return (0, 0);
            }
            let mut addr: *mut c_void = std::ptr::null_mut();
            let mut size: usize = 0;
            let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
            libc::pthread_attr_destroy(&mut attr);
            if rc != 0 {
                return (0, 0);
            }
            (addr as usize, addr as usize + size)
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        (0, 0)
    }
}
