//! wasi-threads: the import `wasi::thread-spawn(start_arg: i32) -> i32`.
//!
//! A program built for `wasm32-wasip1-threads` imports one shared memory and spawns
//! threads through this import. Each spawned thread gets a store of its own (whose data
//! is a clone of the spawning store's: [`crate::SharedWasiCtx`] makes the WASI state one
//! for all), instantiates the same module with the same shared memory, and calls its
//! export `wasi_thread_start(tid, start_arg)`. Thread ids count up from 1 to
//! [`MAX_TID`]; a spawn that fails (the thread limit, no more ids, the OS refusing a
//! thread, the module not instantiating) returns a negative value to the guest.
//!
//! A thread that ends with an error (a trap, or `proc_exit`) hands it to the embedder's
//! `on_error`, which decides the fate of the program: `wasmaot run` ends the process with
//! that status, as Wasmtime does.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasmaot_loader::{
    Caller, Error, ExternType, FuncType, Linker, Memory, Module, SharedMemory, Store, Val, ValType,
};

/// The import module name.
pub const MODULE: &str = "wasi";
/// The import name.
pub const SPAWN: &str = "thread-spawn";
/// The export each spawned thread runs.
pub const START: &str = "wasi_thread_start";
/// The largest thread id (the proposal keeps the top bits for the guest's use).
pub const MAX_TID: u32 = 0x1FFF_FFFF;
/// Threads alive at once, by default.
pub const DEFAULT_MAX_THREADS: u32 = 1024;

/// What a spawned thread's store is given besides the memory and `thread-spawn`: the
/// embedder's other imports (WASI, ...).
pub type Setup<T> = Box<dyn Fn(&mut Linker<T>) -> Result<(), Error> + Send + Sync>;

/// Called with the error a spawned thread ended with; it does not return to the thread.
pub type OnError = Box<dyn Fn(Error) + Send + Sync>;

/// Whether `module` imports `wasi::thread-spawn`.
pub fn imports_thread_spawn(module: &Module) -> bool {
    module
        .imports()
        .iter()
        .any(|i| i.module == MODULE && i.name == SPAWN)
}

/// The shared memory a wasi-threads program imports, made from its import type, with
/// the import's (module, name).
pub fn shared_memory_import(
    module: &Module,
) -> Result<Option<(String, String, SharedMemory)>, Error> {
    for i in module.imports() {
        if let ExternType::Memory(ty) = &i.ty {
            if ty.shared {
                let memory = SharedMemory::new(*ty)?;
                return Ok(Some((i.module.clone(), i.name.clone(), memory)));
            }
        }
    }
    Ok(None)
}

/// Spawns the threads of one program.
pub struct WasiThreads<T: 'static> {
    module: Module,
    /// The shared memory's import name and the memory.
    memory: (String, String, SharedMemory),
    setup: Setup<T>,
    on_error: OnError,
    next_tid: AtomicU32,
    live: AtomicU32,
    max_threads: u32,
}

impl<T: Clone + Send + 'static> WasiThreads<T> {
    /// A spawner for `module`, whose threads import `memory` (module, name, memory);
    /// at most `max_threads` spawned threads are alive at once.
    pub fn new(
        module: Module,
        memory: (String, String, SharedMemory),
        setup: Setup<T>,
        on_error: OnError,
        max_threads: u32,
    ) -> Arc<WasiThreads<T>> {
        Arc::new(WasiThreads {
            module,
            memory,
            setup,
            on_error,
            next_tid: AtomicU32::new(1),
            live: AtomicU32::new(0),
            max_threads,
        })
    }

    /// Defines `wasi::thread-spawn` and the shared memory in `linker` for `store`.
    pub fn add_to_linker(
        self: &Arc<Self>,
        linker: &mut Linker<T>,
        store: &mut Store<T>,
    ) -> Result<(), Error> {
        let (module, name, memory) = &self.memory;
        let import = Memory::from_shared(&mut *store, memory);
        linker.define(module, name, import)?;
        let this = self.clone();
        let ty = FuncType::new([ValType::I32], [ValType::I32]);
        let spawn = move |caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
            let start_arg = match args.first() {
                Some(Val::I32(a)) => *a,
                _ => return Err(Error::msg("thread-spawn: expected an i32 argument")),
            };
            let tid = this.spawn(caller.data().clone(), start_arg);
            if let Some(slot) = results.first_mut() {
                *slot = Val::I32(tid);
            }
            Ok(())
        };
        linker.func_new(MODULE, SPAWN, ty, spawn)?;
        Ok(())
    }

    /// Start a thread running `wasi_thread_start(tid, start_arg)` in a store with
    /// `data`; its id, or -1 if it could not be started.
    fn spawn(self: &Arc<Self>, data: T, start_arg: i32) -> i32 {
        let live = self.live.fetch_add(1, Ordering::AcqRel);
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        if live >= self.max_threads || tid > MAX_TID {
            self.live.fetch_sub(1, Ordering::AcqRel);
            return -1;
        }
        let this = self.clone();
        let started = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .spawn(move || {
                let result = this.run(data, tid, start_arg);
                this.live.fetch_sub(1, Ordering::AcqRel);
                if let Err(e) = result {
                    (this.on_error)(e);
                }
            });
        match started {
            Ok(_) => tid as i32,
            Err(_) => {
                self.live.fetch_sub(1, Ordering::AcqRel);
                -1
            }
        }
    }

    /// The body of thread `tid`.
    fn run(self: &Arc<Self>, data: T, tid: u32, start_arg: i32) -> Result<(), Error> {
        let mut store = Store::new(self.module.engine(), data);
        let mut linker = Linker::new(self.module.engine());
        (self.setup)(&mut linker)?;
        self.add_to_linker(&mut linker, &mut store)?;
        let instance = linker.instantiate(&mut store, &self.module)?;
        let start = instance
            .get_func(&mut store, START)
            .ok_or_else(|| Error::msg(format!("wasi-threads: the module exports no `{START}`")))?;
        start.call(
            &mut store,
            &[Val::I32(tid as i32), Val::I32(start_arg)],
            &mut [],
        )
    }
}
