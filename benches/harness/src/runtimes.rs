//! The two runtimes behind a small common surface: compile, load, instantiate, run a WASI
//! command. Each side uses its fastest public API.

use crate::util::OrErr;
use anyhow::Result;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub mod wa {
    //! wasmaot: `wasmaot_compiler::compile` and the loader.
    use super::*;
    use wasmaot_loader::ExternType;
    pub use wasmaot_loader::{Engine, Instance, InstancePre, Linker, Module, Store, Val};
    use wasmaot_wasi as wasi;

    pub fn compile(wasm: &[u8], parallel: bool) -> Result<Vec<u8>> {
        let opts = wasmaot_compiler::CompileOptions {
            parallel,
            ..Default::default()
        };
        wasmaot_compiler::compile(wasm, &opts).e("wasmaot compile")
    }

    pub fn engine() -> Engine {
        Engine::default()
    }

    /// An engine that checks an artifact's header and metadata but not the CRC-32 of the
    /// whole file: what Wasmtime's `Module::deserialize_file` checks.
    pub fn engine_without_checksum() -> Engine {
        let mut config = wasmaot_loader::Config::default();
        config.verify_artifact_checksum(false);
        Engine::new(config)
    }

    pub fn load(engine: &Engine, path: &Path) -> Result<Module> {
        Module::from_file(engine, path).e(&format!("wasmaot load {}", path.display()))
    }

    /// A linker defining every function import of `module` as a stub returning zeros
    /// (the corpus's WASI imports, for instantiation-only measurements).
    pub fn stub_linker(engine: &Engine, module: &Module) -> Result<Linker<()>> {
        let mut linker = Linker::new(engine);
        for imp in module.imports() {
            if let ExternType::Func(ft) = &imp.ty {
                linker
                    .func_new(&imp.module, &imp.name, ft.clone(), |_, _, results| {
                        for r in results.iter_mut() {
                            *r = Val::I32(0);
                        }
                        Ok(())
                    })
                    .e("stub import")?;
            }
        }
        Ok(linker)
    }

    /// New store + instance (+ the first call of `call`, if any); seconds of that part.
    pub fn instantiate_once(
        engine: &Engine,
        pre: &InstancePre<()>,
        call: Option<&str>,
        include_drop: bool,
    ) -> Result<f64> {
        let t = Instant::now();
        let mut store = Store::new(engine, ());
        let inst = pre.instantiate(&mut store).e("wasmaot instantiate")?;
        if let Some(name) = call {
            let f = inst.get_func(&mut store, name).e("no such export")?;
            f.call(&mut store, &[], &mut []).e("wasmaot call")?;
        }
        let mut dt = t.elapsed().as_secs_f64();
        drop(store);
        if include_drop {
            dt = t.elapsed().as_secs_f64();
        }
        Ok(dt)
    }

    /// Run a WASI command to completion; (exit status, stdout, seconds of instantiate+run).
    pub fn run_wasi(
        engine: &Engine,
        module: &Module,
        linker: &Linker<wasi::WasiCtx>,
        args: &[&str],
    ) -> Result<(i32, String, f64, f64)> {
        let out = Arc::new(Mutex::new(Vec::new()));
        let ctx = wasi::WasiCtxBuilder::new()
            .args(args.iter().copied())
            .stdout_capture(out.clone())
            .inherit_stderr()
            .build();
        let c = crate::util::process_cpu();
        let t = Instant::now();
        let mut store = Store::new(engine, ctx);
        let inst = linker
            .instantiate(&mut store, module)
            .e("wasmaot instantiate")?;
        let start = inst.get_func(&mut store, "_start").e("no _start")?;
        let r = start.call(&mut store, &[], &mut []);
        let dt = t.elapsed().as_secs_f64();
        let dc = crate::util::process_cpu() - c;
        let status = wasi::exit_status(r, store.data_mut()).e("wasmaot run")?;
        drop(store);
        let s = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
        Ok((status, s, dt, dc))
    }

    pub fn wasi_linker(engine: &Engine) -> Result<Linker<wasi::WasiCtx>> {
        let mut linker = Linker::new(engine);
        wasi::add_to_linker(&mut linker, |c: &mut wasi::WasiCtx| c).e("wasi linker")?;
        Ok(linker)
    }
}

pub mod wt {
    //! Wasmtime 48 with Cranelift; modules precompiled with `Engine::precompile_module` and
    //! loaded with `Module::deserialize_file`; pooling allocator and copy-on-write memory
    //! initialisation on.
    use super::*;
    use wasmtime::{
        Config, ExternType, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, Strategy,
    };
    pub use wasmtime::{Engine, InstancePre, Linker, Module, Store, Val};
    use wasmtime_wasi::p1::WasiP1Ctx;

    pub fn config(parallel: bool) -> Config {
        let mut c = Config::new();
        c.strategy(Strategy::Cranelift);
        c.cranelift_opt_level(OptLevel::Speed);
        c.parallel_compilation(parallel);
        c.memory_init_cow(true);
        c
    }

    /// A compile-only engine.
    pub fn compile_engine(parallel: bool) -> Result<Engine> {
        Engine::new(&config(parallel)).e("wasmtime engine")
    }

    /// The runtime engine: pooling allocator with `slots` instances/memories/tables.
    pub fn engine(slots: u32) -> Result<Engine> {
        let mut c = config(true);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Engine::new(&c).e("wasmtime engine")
    }

    pub fn compile(engine: &Engine, wasm: &[u8]) -> Result<Vec<u8>> {
        engine.precompile_module(wasm).e("wasmtime precompile")
    }

    pub fn load(engine: &Engine, path: &Path) -> Result<Module> {
        // SAFETY: the file was written by `precompile_module` of this harness.
        unsafe { Module::deserialize_file(engine, path) }
            .e(&format!("wasmtime load {}", path.display()))
    }

    pub fn stub_pre(engine: &Engine, module: &Module) -> Result<InstancePre<()>> {
        let mut linker: Linker<()> = Linker::new(engine);
        for imp in module.imports() {
            if let ExternType::Func(ft) = imp.ty() {
                linker
                    .func_new(imp.module(), imp.name(), ft, |_, _, results| {
                        for r in results.iter_mut() {
                            *r = Val::I32(0);
                        }
                        Ok(())
                    })
                    .e("stub import")?;
            }
        }
        linker.instantiate_pre(module).e("wasmtime instantiate_pre")
    }

    pub fn instantiate_once(
        engine: &Engine,
        pre: &InstancePre<()>,
        call: Option<&str>,
        include_drop: bool,
    ) -> Result<f64> {
        let t = Instant::now();
        let mut store = Store::new(engine, ());
        let inst = pre.instantiate(&mut store).e("wasmtime instantiate")?;
        if let Some(name) = call {
            let f = inst
                .get_typed_func::<(), ()>(&mut store, name)
                .e("no such export")?;
            f.call(&mut store, ()).e("wasmtime call")?;
        }
        let mut dt = t.elapsed().as_secs_f64();
        drop(store);
        if include_drop {
            dt = t.elapsed().as_secs_f64();
        }
        Ok(dt)
    }

    pub fn wasi_pre(engine: &Engine, module: &Module) -> Result<InstancePre<WasiP1Ctx>> {
        let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c| c).e("wasi linker")?;
        linker.instantiate_pre(module).e("wasmtime instantiate_pre")
    }

    pub fn run_wasi(
        engine: &Engine,
        pre: &InstancePre<WasiP1Ctx>,
        args: &[&str],
    ) -> Result<(i32, String, f64, f64)> {
        let out = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(1 << 16);
        let ctx = wasmtime_wasi::WasiCtxBuilder::new()
            .args(args)
            .stdout(out.clone())
            .inherit_stderr()
            .build_p1();
        let c = crate::util::process_cpu();
        let t = Instant::now();
        let mut store = Store::new(engine, ctx);
        let inst = pre.instantiate(&mut store).e("wasmtime instantiate")?;
        let start = inst
            .get_typed_func::<(), ()>(&mut store, "_start")
            .e("no _start")?;
        let r = start.call(&mut store, ());
        let dt = t.elapsed().as_secs_f64();
        let dc = crate::util::process_cpu() - c;
        let status = match r {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(x) => x.0,
                None => return Err(anyhow::anyhow!("wasmtime run: {e:?}")),
            },
        };
        drop(store);
        let s = String::from_utf8_lossy(&out.contents()).into_owned();
        Ok((status, s, dt, dc))
    }
}
