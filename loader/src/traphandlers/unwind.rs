//! Unwinding to an exception handler (Wasm exception handling).
//!
//! A throw starts at the wasm frame that called the `throw` / `throw_ref` libcall (its
//! frame pointer and return address, recorded by the libcall's thunk) and walks the
//! frame-pointer chain outward while the return address lies in registered wasm code. At
//! each frame the module's exception table says whether the call returning there has
//! handlers ([`crate::abi::ExceptionSite`]); the first handler whose tag is the thrown
//! one (a tag handler compares `*(frame's vmctx + vmctx_tag(tag))` with the exception's
//! tag address) or that catches everything takes it. [`resume`] then jumps there with
//! the stack pointer the handler expects (FP − `frame_offset`), that frame's FP and the
//! exception object's address in the first exception-payload register. A return address
//! outside wasm code (an entry trampoline's caller: host code) ends the walk: nothing
//! catches the exception.
//!
//! Registers at a handler: Cranelift's exceptional edge from a call of a wasm function
//! (the `tail` convention) clobbers every register, but from a call of the throw libcalls
//! (the platform's C convention) it keeps the callee-saved registers live, as a system
//! unwinder would restore them. The throw thunks record them at the call and [`resume`]
//! puts them back: that is what a handler in the throwing frame expects, and a handler
//! further out (reached through calls of wasm functions) expects nothing. The frames
//! jumped over are wasm frames and the libcall's own, which hold nothing with a
//! destructor (as for `raise_trap`).

use crate::abi::ExceptionSite;
use crate::code_memory::{self, CodeInfo};

/// How many callee-saved registers the throw thunks record (x86_64: rbx, r12–r15;
/// aarch64: x19–x28).
pub(crate) const SAVED_REGS: usize = 10;

/// Where an exception is caught: jump to `pc` with `sp` and `fp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Handler {
    pub pc: usize,
    pub sp: usize,
    pub fp: usize,
}

/// How the walk reads memory: the stack (only inside the thread's stack) and a frame's
/// VMContext. Abstract so that tests can walk a made-up stack.
trait Memory {
    /// The word at `address` of the stack, if it lies inside it (and is aligned).
    fn stack_word(&self, address: usize) -> Option<usize>;
    /// Whether `address` lies inside the stack.
    fn on_stack(&self, address: usize) -> bool;
    /// The word at `offset` in the VMContext at `vmctx`.
    fn vmctx_word(&self, vmctx: usize, offset: u32) -> Option<usize>;
}

/// This thread's stack and live VMContexts.
struct LiveMemory<'a> {
    low: usize,
    high: usize,
    /// Whether `vmctx` is a live VMContext with at least `len` bytes.
    is_vmctx: &'a dyn Fn(usize, usize) -> bool,
}

impl Memory for LiveMemory<'_> {
    fn stack_word(&self, address: usize) -> Option<usize> {
        let word = std::mem::size_of::<usize>();
        if !address.is_multiple_of(word)
            || address < self.low
            || address.checked_add(word)? > self.high
        {
            return None;
        }
        // SAFETY: an aligned word inside this thread's stack (checked above), which is
        // mapped; it belongs to a frame outside the one reading it.
        Some(unsafe { *(address as *const usize) })
    }

    fn on_stack(&self, address: usize) -> bool {
        self.low <= address && address < self.high
    }

    fn vmctx_word(&self, vmctx: usize, offset: u32) -> Option<usize> {
        let word = std::mem::size_of::<usize>();
        let address = vmctx.checked_add(offset as usize)?;
        if !address.is_multiple_of(word) || !(self.is_vmctx)(vmctx, offset as usize + word) {
            return None;
        }
        // SAFETY: `vmctx` is a live VMContext of the throwing store with a word at
        // `offset` (checked above); nothing writes it while wasm runs on this thread.
        Some(unsafe { *(address as *const usize) })
    }
}

/// The handler that catches an exception of the tag at `exn_tag`, thrown by a libcall
/// called from the wasm frame whose frame pointer is `fp` with return address `pc`, with
/// `throw_vmctx` (that frame's VMContext); `None` if no wasm frame up to the innermost
/// host frame catches it. `is_vmctx(vmctx, len)` says whether `vmctx` is a live
/// VMContext of the throwing store with at least `len` bytes: a frame's VMContext is read
/// from the stack where the exception table says, and only such a one is read through.
///
/// # Safety
/// Must be called from a libcall called by wasm on this thread, with the frame that
/// libcall's thunk recorded: the frames from `fp` outward are live.
pub(crate) unsafe fn find_handler(
    exn_tag: usize,
    throw_vmctx: usize,
    fp: usize,
    pc: usize,
    is_vmctx: &dyn Fn(usize, usize) -> bool,
) -> Option<Handler> {
    if !cfg!(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    )) {
        // No thunks record frames there, and no resume is written.
        return None;
    }
    let (low, high) = super::stack_bounds();
    let memory = LiveMemory {
        low,
        high,
        is_vmctx,
    };
    code_memory::with_registry(|lookup| walk(exn_tag, throw_vmctx, fp, pc, &memory, lookup))
}

/// The frame walk of [`find_handler`].
fn walk<'a>(
    exn_tag: usize,
    throw_vmctx: usize,
    mut fp: usize,
    mut pc: usize,
    memory: &dyn Memory,
    lookup: &dyn Fn(usize) -> Option<(&'a CodeInfo, u32)>,
) -> Option<Handler> {
    let mut innermost = true;
    loop {
        // `pc` is a return address: the call is just before it.
        let (info, call_offset) = lookup(pc.checked_sub(1)?)?;
        let ret_offset = call_offset.checked_add(1)?;
        if let Some(site) = info.exception_site(ret_offset) {
            let vmctx = innermost.then_some(throw_vmctx);
            if let Some(handler) = catches(info, site, fp, exn_tag, vmctx, memory) {
                return Some(handler);
            }
        }
        let next_fp = memory.stack_word(fp)?;
        let ret = memory.stack_word(fp.checked_add(8)?)?;
        if next_fp <= fp {
            return None;
        }
        fp = next_fp;
        pc = ret;
        innermost = false;
    }
}

/// The handler of `site` (in the frame whose frame pointer is `fp`) that catches the
/// exception of tag `exn_tag`, if any. `throw_vmctx` is the frame's VMContext when the
/// site is the throwing libcall's call (it then stays in a register). A site whose
/// records do not make sense (handler in another function, SP off the stack) catches
/// nothing.
fn catches(
    info: &CodeInfo,
    site: &ExceptionSite,
    fp: usize,
    exn_tag: usize,
    throw_vmctx: Option<usize>,
    memory: &dyn Memory,
) -> Option<Handler> {
    let sp = fp.checked_sub(site.frame_offset as usize)?;
    if !memory.on_stack(sp) {
        return None;
    }
    let func = info.func_at(site.ret_offset.checked_sub(1)?)?;
    let vmctx = match site.vmctx_sp_offset {
        Some(offset) => memory.stack_word(sp.checked_add(offset as usize)?),
        None => throw_vmctx,
    };
    let tag_address = |tag: u32| {
        let offsets = info.offsets?;
        let ntags = offsets.counts.imported_tags + offsets.counts.defined_tags;
        if tag >= ntags {
            return None;
        }
        memory.vmctx_word(vmctx?, offsets.vmctx_tag(tag))
    };
    let handler = site.handlers.iter().find(|h| match h.tag {
        None => true,
        Some(tag) => tag_address(tag) == Some(exn_tag),
    })?;
    if info.func_at(handler.handler_offset) != Some(func) {
        return None;
    }
    Some(Handler {
        pc: info.start.checked_add(handler.handler_offset as usize)?,
        sp,
        fp,
    })
}

// Resume at a handler: `wasmaot_resume(pc, sp, fp, exn, regs)` restores the callee-saved
// registers from `regs` (the throw thunk's record, still on the old stack: read before SP
// moves), sets SP and FP, puts the exception object's address in the first
// exception-payload register and jumps.
#[cfg(all(target_arch = "x86_64", not(target_os = "macos"), not(windows)))]
std::arch::global_asm!(
    ".text",
    ".globl wasmaot_resume",
    ".hidden wasmaot_resume",
    ".p2align 4",
    "wasmaot_resume:",
    "mov rbx, qword ptr [r8]",
    "mov r12, qword ptr [r8 + 8]",
    "mov r13, qword ptr [r8 + 16]",
    "mov r14, qword ptr [r8 + 24]",
    "mov r15, qword ptr [r8 + 32]",
    "mov rsp, rsi",
    "mov rbp, rdx",
    "mov rax, rcx",
    "jmp rdi",
);
#[cfg(all(target_arch = "aarch64", not(target_os = "macos"), not(windows)))]
std::arch::global_asm!(
    ".text",
    ".globl wasmaot_resume",
    ".hidden wasmaot_resume",
    ".p2align 4",
    "wasmaot_resume:",
    "ldp x19, x20, [x4]",
    "ldp x21, x22, [x4, #16]",
    "ldp x23, x24, [x4, #32]",
    "ldp x25, x26, [x4, #48]",
    "ldp x27, x28, [x4, #64]",
    "mov sp, x1",
    "mov x29, x2",
    "mov x16, x0",
    "mov x0, x3",
    "br x16",
);

#[cfg(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(target_os = "macos"),
    not(windows)
))]
extern "C" {
    fn wasmaot_resume(
        pc: usize,
        sp: usize,
        fp: usize,
        exn: usize,
        regs: *const [usize; SAVED_REGS],
    ) -> !;
}

/// Continue at `handler` with the exception object at `exn` and the callee-saved
/// registers the throw thunk recorded in `regs`.
///
/// # Safety
/// `handler` must come from [`find_handler`] during this throw, `regs` from the thunk
/// of the throw, and no frame between here and the handler's may own anything with a
/// destructor (they are abandoned).
pub(crate) unsafe fn resume(handler: Handler, exn: usize, regs: &[usize; SAVED_REGS]) -> ! {
    #[cfg(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    ))]
    // SAFETY: see contract: the handler's frame is live and expects exactly this state.
    unsafe {
        wasmaot_resume(handler.pc, handler.sp, handler.fp, exn, regs)
    }
    #[cfg(not(all(
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(target_os = "macos"),
        not(windows)
    )))]
    {
        // `find_handler` finds no handler on these targets.
        let _ = (handler, exn, regs);
        eprintln!("wasmaot: exception handlers are not supported on this target");
        std::process::abort()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{Counts, ExceptionHandler, VMOffsets};
    use std::collections::HashMap;

    /// A made-up stack and VMContexts.
    struct Fake {
        words: HashMap<usize, usize>,
        stack: (usize, usize),
    }

    impl Memory for Fake {
        fn stack_word(&self, address: usize) -> Option<usize> {
            if !self.on_stack(address) {
                return None;
            }
            self.words.get(&address).copied()
        }
        fn on_stack(&self, address: usize) -> bool {
            self.stack.0 <= address && address < self.stack.1
        }
        fn vmctx_word(&self, vmctx: usize, offset: u32) -> Option<usize> {
            self.words.get(&(vmctx + offset as usize)).copied()
        }
    }

    const TEXT: usize = 0x10_0000;
    const VMCTX: usize = 0x50_0000;
    const TAG_A: usize = 0xa000;
    const TAG_B: usize = 0xb000;

    fn offsets() -> VMOffsets {
        VMOffsets::new(
            8,
            Counts {
                imported_tags: 1,
                defined_tags: 1,
                ..Counts::NONE
            },
        )
    }

    /// A module of two functions: [0x0, 0x100) and [0x100, 0x200). Sites: a throw call
    /// in function 0 returning to 0x20 (catches tag 1 at 0x80, vmctx in a register), a
    /// call in function 1 returning to 0x140 (tag 0 at 0x180, then everything at 0x190;
    /// vmctx at SP + 8), and a call returning to 0x150 whose handler lies in function 0.
    fn code() -> CodeInfo {
        let sites = vec![
            ExceptionSite {
                ret_offset: 0x20,
                frame_offset: 0x20,
                vmctx_sp_offset: None,
                handlers: vec![ExceptionHandler {
                    tag: Some(1),
                    handler_offset: 0x80,
                }],
            },
            ExceptionSite {
                ret_offset: 0x140,
                frame_offset: 0x30,
                vmctx_sp_offset: Some(8),
                handlers: vec![
                    ExceptionHandler {
                        tag: Some(0),
                        handler_offset: 0x180,
                    },
                    ExceptionHandler {
                        tag: None,
                        handler_offset: 0x190,
                    },
                ],
            },
            ExceptionSite {
                ret_offset: 0x150,
                frame_offset: 0x30,
                vmctx_sp_offset: Some(8),
                handlers: vec![ExceptionHandler {
                    tag: None,
                    handler_offset: 0x80,
                }],
            },
        ];
        let info = CodeInfo {
            start: TEXT,
            funcs: vec![(0, 0x100, 0), (0x100, 0x200, 1)],
            offsets: Some(offsets()),
            ..CodeInfo::default()
        };
        let _ = info.exception_sites.set(sites);
        info
    }

    /// Function 1 (frame at 0x8f00, its caller's at 0x8fc0: host code) called function 0
    /// (frame at 0x8e00), which called the throw libcall. Tag 0 is TAG_A, tag 1 TAG_B.
    fn stack(ret_into_1: usize) -> Fake {
        let o = offsets();
        let mut words = HashMap::new();
        words.insert(0x8e00, 0x8f00);
        words.insert(0x8e08, TEXT + ret_into_1);
        words.insert(0x8f00, 0x8fc0);
        words.insert(0x8f08, 0x4242); // a host return address
        words.insert(0x8f00 - 0x30 + 8, VMCTX);
        words.insert(VMCTX + o.vmctx_tag(0) as usize, TAG_A);
        words.insert(VMCTX + o.vmctx_tag(1) as usize, TAG_B);
        Fake {
            words,
            stack: (0x8000, 0x9000),
        }
    }

    fn find(info: &CodeInfo, memory: &Fake, tag: usize, pc: usize) -> Option<Handler> {
        let lookup = |pc: usize| {
            (TEXT..TEXT + 0x200)
                .contains(&pc)
                .then(|| (info, (pc - TEXT) as u32))
        };
        walk(tag, VMCTX, 0x8e00, TEXT + pc, memory, &lookup)
    }

    #[test]
    fn the_first_matching_handler_outward_catches() {
        let info = code();
        let memory = stack(0x140);
        // The throwing frame's own handler, its tag read through the libcall's vmctx.
        assert_eq!(
            find(&info, &memory, TAG_B, 0x20),
            Some(Handler {
                pc: TEXT + 0x80,
                sp: 0x8e00 - 0x20,
                fp: 0x8e00
            })
        );
        // Tag 0 is not caught there: the caller's tag handler takes it.
        assert_eq!(
            find(&info, &memory, TAG_A, 0x20),
            Some(Handler {
                pc: TEXT + 0x180,
                sp: 0x8f00 - 0x30,
                fp: 0x8f00
            })
        );
        // Another tag falls to the caller's catch-all.
        assert_eq!(
            find(&info, &memory, 0xc000, 0x20).map(|h| h.pc),
            Some(TEXT + 0x190)
        );
        // A call without handlers: the walk goes on outward.
        assert_eq!(
            find(&info, &memory, TAG_A, 0x30).map(|h| h.pc),
            Some(TEXT + 0x180)
        );
    }

    #[test]
    fn host_code_ends_the_walk() {
        let info = code();
        // The caller's call has no handlers; its return address is host code.
        let memory = stack(0x160);
        assert_eq!(find(&info, &memory, TAG_A, 0x30), None);
        // A throw from outside registered code finds nothing either.
        assert_eq!(find(&info, &memory, TAG_A, 0x300), None);
    }

    #[test]
    fn nonsensical_records_catch_nothing() {
        let info = code();
        // The handler of the site at 0x150 lies in another function.
        let memory = stack(0x150);
        assert_eq!(find(&info, &memory, TAG_A, 0x30), None);
        // A frame offset that puts SP below the stack.
        let mut memory = stack(0x140);
        memory.stack.0 = 0x8e00;
        assert_eq!(
            find(&info, &memory, TAG_B, 0x20).map(|h| h.fp),
            Some(0x8f00)
        );
        // A frame chain that does not grow stops the walk.
        let mut memory = stack(0x140);
        memory.words.insert(0x8e00, 0x8d00);
        assert_eq!(find(&info, &memory, TAG_A, 0x30), None);
    }
}
