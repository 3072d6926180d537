/* setjmp/longjmp helpers for unwinding out of WebAssembly code on a trap.
 *
 * Rust cannot call setjmp itself (it returns twice), so the Rust side calls
 * wasmaot_setjmp_call, which sets up the jump buffer, publishes its address and
 * calls `body(payload)`. A trap (signal handler, libcall or failing host function)
 * calls wasmaot_longjmp with that address, which makes wasmaot_setjmp_call return 0.
 *
 * _setjmp/_longjmp do not save and restore the signal mask (no system call per entry);
 * the trap handlers run with SA_NODEFER, so no signal is left blocked by the jump.
 */
#include <setjmp.h>

int wasmaot_setjmp_call(void **jmp_buf_out, void (*body)(void *), void *payload) {
    jmp_buf buf;
    if (_setjmp(buf) != 0) {
        return 0;
    }
    *jmp_buf_out = &buf;
    body(payload);
    return 1;
}

void wasmaot_longjmp(void *buf) {
    _longjmp(*(jmp_buf *)buf, 1);
}

/* Make freshly written code visible to instruction fetch (a no-op on x86_64). */
void wasmaot_flush_icache(void *start, void *end) {
    __builtin___clear_cache((char *)start, (char *)end);
}
