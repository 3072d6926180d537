# wasi_thread_start(tid, start_arg): the entry of every spawned thread. start_arg points to
# the thread's `struct thread`, whose first word is the top of the thread's own stack;
# wasm code cannot set __stack_pointer from C, hence this file.
	.globaltype	__stack_pointer, i32
	.functype	thread_start_c (i32, i32) -> ()
	.text
	.export_name	wasi_thread_start, wasi_thread_start
	.globl	wasi_thread_start
	.type	wasi_thread_start,@function
wasi_thread_start:
	.functype	wasi_thread_start (i32, i32) -> ()
	local.get	1
	i32.load	0
	global.set	__stack_pointer
	local.get	0
	local.get	1
	call	thread_start_c
	end_function
