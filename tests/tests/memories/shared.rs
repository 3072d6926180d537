//! Shared memories used at once by instances in different stores on different threads:
//! atomic read-modify-writes that lose no update, a wait/notify ping-pong, a timed wait,
//! and growth seen by every thread.

use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmaot_loader::{
    Engine, Extern, Instance, Memory, MemoryType, Module, SharedMemory, Store, Val,
};

const USER: &str = r#"
(module
  (import "env" "memory" (memory 1 4 shared))
  ;; n atomic increments of the counter at 0.
  (func (export "add_n") (param $n i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; n times: wait until the flag at 8 is `mine`, set it to the other value, wake.
  (func (export "volley") (param $n i32) (param $mine i32)
    (loop $l
      (block $ready
        (loop $wait
          (br_if $ready (i32.eq (i32.atomic.load (i32.const 8)) (local.get $mine)))
          (drop (memory.atomic.wait32 (i32.const 8) (i32.sub (i32.const 1) (local.get $mine))
                                      (i64.const -1)))
          (br $wait)))
      (i32.atomic.store (i32.const 8) (i32.sub (i32.const 1) (local.get $mine)))
      (drop (memory.atomic.notify (i32.const 8) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wait") (param $timeout i64) (result i32)
    (memory.atomic.wait32 (i32.const 16) (i32.const 0) (local.get $timeout)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
"#;

fn shared(min: u64, max: u64) -> SharedMemory {
    SharedMemory::new(MemoryType {
        minimum: min,
        maximum: Some(max),
        memory64: false,
        shared: true,
        page_size_log2: 16,
    })
    .expect("a shared memory")
}

/// An instance of `module` in a store of its own, importing `memory`.
fn instance(module: &Module, memory: &SharedMemory) -> (Store<()>, Instance) {
    let mut store = Store::new(module.engine(), ());
    let import = Memory::from_shared(&mut store, memory);
    let instance = Instance::new(&mut store, module, &[Extern::Memory(import)])
        .expect("the module instantiates");
    (store, instance)
}

/// Call `name` in a new store on a new thread; its i32 result (0 if none).
fn spawn(
    module: &Arc<Module>,
    memory: &SharedMemory,
    name: &'static str,
    params: Vec<Val>,
) -> std::thread::JoinHandle<i32> {
    let (module, memory) = (module.clone(), memory.clone());
    std::thread::spawn(move || {
        let (mut store, instance) = instance(&module, &memory);
        let f = instance.get_func(&mut store, name).expect("the export");
        let mut results = vec![Val::I32(0); f.ty(&store).results.len()];
        f.call(&mut store, &params, &mut results)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match results.first() {
            Some(Val::I32(v)) => *v,
            _ => 0,
        }
    })
}

fn counter(memory: &SharedMemory, offset: usize) -> u32 {
    // SAFETY: the memory is at least one page; no thread writes it any more.
    let bytes = unsafe { std::slice::from_raw_parts(memory.data().add(offset), 4) };
    u32::from_le_bytes(bytes.try_into().unwrap())
}

fn module() -> Arc<Module> {
    Arc::new(wasmaot_tests::load_module(&Engine::default(), USER))
}

#[test]
fn atomic_adds_from_four_threads_lose_no_update() {
    const ADDS: i32 = 1_000_000;
    let (module, memory) = (module(), shared(1, 4));
    let threads: Vec<_> = (0..4)
        .map(|_| spawn(&module, &memory, "add_n", vec![Val::I32(ADDS)]))
        .collect();
    for t in threads {
        t.join().expect("an adder");
    }
    assert_eq!(counter(&memory, 0), 4 * ADDS as u32);
}

#[test]
fn wait_notify_ping_pong_of_100_000_round_trips() {
    const ROUNDS: i32 = 100_000;
    let (module, memory) = (module(), shared(1, 4));
    let ping = spawn(
        &module,
        &memory,
        "volley",
        vec![Val::I32(ROUNDS), Val::I32(0)],
    );
    let pong = spawn(
        &module,
        &memory,
        "volley",
        vec![Val::I32(ROUNDS), Val::I32(1)],
    );
    ping.join().expect("ping");
    pong.join().expect("pong");
    assert_eq!(
        counter(&memory, 8),
        0,
        "the last volley hands the flag back"
    );
}

#[test]
fn a_timed_wait_times_out_after_its_timeout() {
    let (module, memory) = (module(), shared(1, 4));
    let timeout = Duration::from_millis(200);
    let start = Instant::now();
    let nanos = Val::I64(timeout.as_nanos() as i64);
    let result = spawn(&module, &memory, "wait", vec![nanos]).join().unwrap();
    let waited = start.elapsed();
    assert_eq!(result, 2, "\"timed-out\"");
    assert!(waited >= timeout, "woke after {waited:?}");
    assert!(waited < 2 * timeout, "woke after {waited:?}");
}

#[test]
fn growth_by_one_thread_is_seen_by_the_others_and_the_host() {
    let (module, memory) = (module(), shared(1, 4));
    let base = memory.data();
    let old = spawn(&module, &memory, "grow", vec![Val::I32(2)])
        .join()
        .unwrap();
    assert_eq!(old, 1);
    assert_eq!(spawn(&module, &memory, "size", vec![]).join().unwrap(), 3);
    assert_eq!((memory.size(), memory.data_size()), (3, 3 << 16));
    assert_eq!(memory.data(), base, "the memory never moves");
    assert_eq!(
        spawn(&module, &memory, "grow", vec![Val::I32(2)])
            .join()
            .unwrap(),
        -1
    );
    // One store's handle sees it too, through the store API.
    let (mut store, _) = instance(&module, &memory);
    let handle = Memory::from_shared(&mut store, &memory);
    assert_eq!(handle.size(&store), 3);
    assert!(handle.shared(&store).is_some_and(|m| m.same(&memory)));
}
