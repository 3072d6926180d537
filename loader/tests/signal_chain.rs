//! A fault outside wasm code must reach the handler that was installed before ours.
//! (An integration test so that this process installs its own handler first.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static HIT: AtomicBool = AtomicBool::new(false);
static PAGE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn previous_handler(
    _sig: libc::c_int,
    _info: *mut libc::siginfo_t,
    _ctx: *mut libc::c_void,
) {
    HIT.store(true, Ordering::SeqCst);
    let page = PAGE.load(Ordering::SeqCst);
    if page != 0 {
        // SAFETY: `page` is a page this test mapped; making it writable lets the faulting
        // store complete when the handler returns.
        unsafe {
            libc::mprotect(
                page as *mut libc::c_void,
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
            );
        }
    }
}

#[test]
fn faults_outside_wasm_reach_the_previous_handler() {
    // SAFETY: installing a handler for SIGSEGV in this test process.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = previous_handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
    }
    wasmaot_loader::init_traps();
    // SAFETY: reading back the installed handler.
    let ours = unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut current);
        current.sa_sigaction
    };
    assert_ne!(
        ours, previous_handler as *const () as usize,
        "wasmaot's handler is installed"
    );

    // A signal sent with raise().
    // SAFETY: raising a signal that has a handler.
    unsafe { libc::raise(libc::SIGSEGV) };
    assert!(HIT.swap(false, Ordering::SeqCst));

    // A real fault: a store to an inaccessible page, fixed up by the previous handler.
    // SAFETY: mapping a fresh page and storing to it; the handler makes it writable.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(page, libc::MAP_FAILED);
        PAGE.store(page as usize, Ordering::SeqCst);
        std::ptr::write_volatile(page.cast::<u32>(), 7);
        assert_eq!(std::ptr::read_volatile(page.cast::<u32>()), 7);
        libc::munmap(page, 4096);
    }
    assert!(HIT.load(Ordering::SeqCst));
    assert!(!wasmaot_loader::in_wasm());
}
