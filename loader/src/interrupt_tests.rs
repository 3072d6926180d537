//! Tests of fuel and epoch interruption with hand-written x86_64 code doing what the
//! compiler emits: `burn` adds 10 to `fuel_consumed` and calls `out_of_fuel` once it is no
//! longer negative; `check` calls `epoch_interrupt` when the epoch reached the deadline.

use crate::abi::*;
use crate::tests::{build_artifact_with_relocs, host_header};
use crate::*;
use object::elf;

fn module(consume_fuel: bool, epoch_interruption: bool) -> Vec<u8> {
    let mut meta = ModuleMeta {
        types: vec![FuncType::new([], [])],
        type_decls: vec![TypeDecl::plain(0, &FuncType::new([], []))],
        exports: vec![
            Export {
                name: "check".into(),
                index: EntityIndex::Func(0),
            },
            Export {
                name: "burn".into(),
                index: EntityIndex::Func(1),
            },
        ],
        module_name: Some("interrupts".into()),
        ..ModuleMeta::default()
    };
    meta.funcs = vec![
        FuncMeta {
            type_index: 0,
            text_offset: 0,
            text_len: 0
        };
        2
    ];
    let o = meta.vmoffsets(8);
    let limits = o.vmctx_runtime_limits().to_le_bytes();
    let disp8 = |off: u32| u8::try_from(off).unwrap();
    let mut code: Vec<u8> = Vec::new();
    let mut relocs = Vec::new();
    let align = |code: &mut Vec<u8>| {
        while !code.len().is_multiple_of(16) {
            code.push(0xcc);
        }
        code.len() as u32
    };
    // check: push rbp; mov rbp, rsp; mov rax, [rdi + limits]; mov rcx, [rax + counter];
    // mov rcx, [rcx]; cmp rcx, [rax + deadline]; jb done; movabs rax, epoch_interrupt;
    // call rax; done: pop rbp; ret
    let check = align(&mut code);
    code.extend_from_slice(&[0x55, 0x48, 0x89, 0xe5, 0x48, 0x8b, 0x87]);
    code.extend_from_slice(&limits);
    code.extend_from_slice(&[0x48, 0x8b, 0x48, disp8(o.limits_epoch_counter())]);
    code.extend_from_slice(&[0x48, 0x8b, 0x09]);
    code.extend_from_slice(&[0x48, 0x3b, 0x48, disp8(o.limits_epoch_deadline())]);
    code.extend_from_slice(&[0x72, 0x0c, 0x48, 0xb8]);
    relocs.push((
        code.len() as u64,
        "wasmaot_rt_epoch_interrupt",
        elf::R_X86_64_64,
        0,
    ));
    code.extend_from_slice(&[0; 8]);
    code.extend_from_slice(&[0xff, 0xd0, 0x5d, 0xc3]);
    // burn: push rbp; mov rbp, rsp; mov rax, [rdi + limits]; add qword [rax + fuel], 10;
    // js done; movabs rax, out_of_fuel; call rax; done: pop rbp; ret
    let burn = align(&mut code);
    code.extend_from_slice(&[0x55, 0x48, 0x89, 0xe5, 0x48, 0x8b, 0x87]);
    code.extend_from_slice(&limits);
    code.extend_from_slice(&[0x48, 0x83, 0x40, disp8(o.limits_fuel_consumed()), 10]);
    code.extend_from_slice(&[0x78, 0x0c, 0x48, 0xb8]);
    relocs.push((
        code.len() as u64,
        "wasmaot_rt_out_of_fuel",
        elf::R_X86_64_64,
        0,
    ));
    code.extend_from_slice(&[0; 8]);
    code.extend_from_slice(&[0xff, 0xd0, 0x5d, 0xc3]);
    // entry, type 0: push rbx; mov rax, rdi; mov rdi, [rax+16]; call [rax]; pop rbx; ret
    let entry = align(&mut code);
    code.extend_from_slice(&[
        0x53, 0x48, 0x89, 0xf8, 0x48, 0x8b, 0x78, 0x10, 0xff, 0x10, 0x5b, 0xc3,
    ]);
    meta.funcs[0].text_offset = check;
    meta.funcs[0].text_len = burn - check;
    meta.funcs[1].text_offset = burn;
    meta.funcs[1].text_len = entry - burn;
    meta.entry_trampolines = vec![entry];
    meta.host_trampolines = vec![u32::MAX];
    meta.func_names = vec![(0, "check".into()), (1, "burn".into())];
    let mut header = host_header();
    header.tunables.consume_fuel = consume_fuel;
    header.tunables.epoch_interruption = epoch_interruption;
    build_artifact_with_relocs(&code, &[], &relocs, &header, &meta, &[])
}

fn engine() -> Engine {
    let mut config = Config::default();
    config.consume_fuel(true).epoch_interruption(true);
    Engine::new(config)
}

fn instance<T: 'static>(store: &mut Store<T>) -> (Func, Func) {
    let module = Module::from_bytes(store.engine(), &module(true, true)).unwrap();
    let instance = Instance::new(&mut *store, &module, &[]).unwrap();
    (
        instance.get_func(&mut *store, "check").unwrap(),
        instance.get_func(&mut *store, "burn").unwrap(),
    )
}

#[derive(Debug, PartialEq)]
struct Stop(u32);
impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stop {}", self.0)
    }
}
impl std::error::Error for Stop {}

#[test]
fn tunables_must_match_the_engine() {
    let e = Module::from_bytes(&Engine::default(), &module(true, false)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Load), "{e}");
    assert!(
        e.to_string()
            .contains("artifact compiled with consume_fuel=true, engine has consume_fuel=false"),
        "{e}"
    );
    let mut config = Config::default();
    config.consume_fuel(true);
    let e = Module::from_bytes(&Engine::new(config), &module(true, true)).unwrap_err();
    assert!(
        e.to_string().contains(
            "artifact compiled with epoch_interruption=true, engine has epoch_interruption=false"
        ),
        "{e}"
    );
    let e = Module::from_bytes(&engine(), &module(false, true)).unwrap_err();
    assert!(e.to_string().contains("consume_fuel=false"), "{e}");
    Module::from_bytes(&engine(), &module(true, true)).unwrap();
}

#[test]
fn fuel() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(store.set_fuel(1).is_err());
    assert!(store.get_fuel().is_err());

    let mut store = Store::new(&engine(), ());
    let (_, burn) = instance(&mut store);
    // A store starts without fuel.
    assert_eq!(store.get_fuel().unwrap(), 0);
    let e = burn.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel), "{e}");
    assert_eq!(e.as_trap().unwrap().backtrace[0].func_index, 1, "{e}");
    store.set_fuel(25).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 25);
    burn.call(&mut store, &[], &mut []).unwrap();
    burn.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 5);
    let e = burn.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel), "{e}");
    assert_eq!(store.get_fuel().unwrap(), 0);
    store.set_fuel(u64::MAX).unwrap();
    assert_eq!(store.get_fuel().unwrap(), i64::MAX as u64);
    burn.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.get_fuel().unwrap(), i64::MAX as u64 - 10);
}

#[test]
fn epoch_deadline_trap() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let (check, _) = instance(&mut store);
    // The default deadline is never.
    engine.increment_epoch();
    check.call(&mut store, &[], &mut []).unwrap();
    store.set_epoch_deadline(2);
    check.call(&mut store, &[], &mut []).unwrap();
    engine.increment_epoch();
    check.call(&mut store, &[], &mut []).unwrap();
    engine.increment_epoch();
    assert_eq!(engine.current_epoch(), 3);
    for _ in 0..2 {
        let e = check.call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(e.trap_code(), Some(TrapCode::Interrupt), "{e}");
        assert_eq!(
            e.as_trap().unwrap().backtrace[0].func_name.as_deref(),
            Some("check")
        );
    }
    store.set_epoch_deadline(1);
    check.call(&mut store, &[], &mut []).unwrap();
    // Another engine's epoch does not matter.
    let other = self::engine();
    other.increment_epoch();
    check.call(&mut store, &[], &mut []).unwrap();
}

#[test]
fn epoch_deadline_callback() {
    let engine = engine();
    let mut store = Store::new(&engine, Vec::<u64>::new());
    let (check, _) = instance(&mut store);
    store.set_epoch_deadline(0);
    store.epoch_deadline_callback(|mut ctx| {
        let epoch = ctx.engine().current_epoch();
        ctx.data_mut().push(epoch);
        match ctx.data().len() {
            1 | 2 => Ok(UpdateDeadline::Continue(1)),
            3 => Ok(UpdateDeadline::Interrupt),
            4 => Err(Error::host(Stop(4))),
            5 => {
                // Replace itself: the next deadline traps.
                ctx.epoch_deadline_trap();
                Ok(UpdateDeadline::Continue(0))
            }
            _ => panic!("callback called too often"),
        }
    });
    // Deadline reached: the callback moves it one tick ahead and the code resumes.
    check.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.data(), &[0]);
    check.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.data(), &[0]);
    engine.increment_epoch();
    check.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.data(), &[0, 1]);
    engine.increment_epoch();
    let e = check.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::Interrupt), "{e}");
    let e = check.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), None);
    assert_eq!(e.downcast_ref::<Stop>(), Some(&Stop(4)));
    assert!(!e.as_trap().unwrap().backtrace.is_empty(), "{e}");
    check.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.data(), &[0, 1, 2, 2, 2]);
    // Now it traps without calling the callback.
    let e = check.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::Interrupt), "{e}");
    assert_eq!(store.data().len(), 5);

    // A panicking callback is a trap, and the store stays usable.
    store.epoch_deadline_callback(|_| panic!("no more"));
    let e = check.call(&mut store, &[], &mut []).unwrap_err();
    assert!(e.to_string().contains("callback panicked: no more"), "{e}");
    store.set_epoch_deadline(5);
    check.call(&mut store, &[], &mut []).unwrap();
}

#[test]
fn fuel_and_epochs_from_host_functions() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let f = Func::new(&mut store, FuncType::new([], []), |mut caller, _, _| {
        caller.set_fuel(7)?;
        assert_eq!(caller.get_fuel()?, 7);
        caller.set_epoch_deadline(3);
        caller.epoch_deadline_trap();
        Ok(())
    });
    f.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 7);
    assert_eq!(store.as_context().get_fuel().unwrap(), 7);
    let mut ctx = store.as_context_mut();
    ctx.set_fuel(8).unwrap();
    assert_eq!(ctx.get_fuel().unwrap(), 8);
}
