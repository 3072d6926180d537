//! P7: a wasi-threads program on 1 and 2 threads. `examples/wasi/threads/primes.wasm`
//! (C, counting primes by trial division, each thread taking every N-th odd number) runs
//! on wasmaot and, built from the same C file with `gcc -O2 -pthread`, natively; the
//! table gives each one's speedup on 2 threads. (Wasmtime 48, the peer of the other
//! parts, has no wasi-threads in its embedding API; Wasmtime 49's CLI removed it.)

use crate::runtimes::wa;
use crate::util::{fmt_ratio, fmt_secs, median, OrErr, Table};
use crate::{repo_root, Ctx};
use anyhow::{bail, Result};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasmaot_loader::{Linker, Module, Store};
use wasmaot_wasi::{self as wasi, threads};

/// The primes below this are counted.
const LIMIT: &str = "4000000";

/// The store data of every thread: one WASI context for all.
#[derive(Clone)]
struct Host {
    wasi: wasi::SharedWasiCtx,
}

fn add_wasi(linker: &mut Linker<Host>) -> Result<(), wasmaot_loader::Error> {
    wasi::add_to_linker_shared(linker, |h: &mut Host| &h.wasi)
}

/// One run on `n` threads: (stdout, wall seconds of instantiate + run).
fn run_wasmaot(module: &Module, n: u32) -> Result<(String, f64)> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let count = n.to_string();
    let ctx = wasi::WasiCtxBuilder::new()
        .args(["primes", count.as_str(), LIMIT])
        .stdout_capture(out.clone())
        .inherit_stderr()
        .build();
    let t = Instant::now();
    let host = Host {
        wasi: Arc::new(Mutex::new(ctx)),
    };
    let mut store = Store::new(module.engine(), host);
    let mut linker = Linker::new(module.engine());
    add_wasi(&mut linker).e("WASI")?;
    let memory = threads::shared_memory_import(module)
        .e("shared memory")?
        .e("the program imports no shared memory")?;
    let on_error: threads::OnError = Box::new(|e| panic!("a wasi thread failed: {e}"));
    let spawner =
        threads::WasiThreads::new(module.clone(), memory, Box::new(add_wasi), on_error, 16);
    spawner
        .add_to_linker(&mut linker, &mut store)
        .e("thread-spawn")?;
    let instance = linker.instantiate(&mut store, module).e("instantiate")?;
    let start = instance.get_func(&mut store, "_start").e("no _start")?;
    let result = start.call(&mut store, &[], &mut []);
    let dt = t.elapsed().as_secs_f64();
    let wasi = store.data().wasi.clone();
    let status = wasi::exit_status(result, &mut wasi.lock().unwrap()).e("run")?;
    if status != 0 {
        bail!("primes on {n} threads: exit status {status}");
    }
    let stdout = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    Ok((stdout, dt))
}

fn run_native(exe: &std::path::Path, n: u32) -> Result<(String, f64)> {
    let t = Instant::now();
    let o = Command::new(exe)
        .args([n.to_string().as_str(), LIMIT])
        .output()?;
    let dt = t.elapsed().as_secs_f64();
    if !o.status.success() {
        bail!("native primes on {n} threads: {}", o.status);
    }
    Ok((String::from_utf8_lossy(&o.stdout).into_owned(), dt))
}

pub fn p7(ctx: &Ctx) -> Result<()> {
    let dir = repo_root().join("examples/wasi/threads");
    let wasm = std::fs::read(dir.join("primes.wasm")).e("examples/wasi/threads/primes.wasm")?;
    let module = Module::from_bytes(&ctx.wa_engine, &wa::compile(&wasm, true)?).e("load")?;
    let exe = ctx.tmp.join("primes-native");
    let built = Command::new("gcc")
        .args(["-O2", "-pthread", "-o"])
        .arg(&exe)
        .arg(dir.join("primes.c"))
        .status()?;
    if !built.success() {
        bail!("gcc failed on primes.c");
    }
    let runs = ctx.opts.runs.max(1);
    let mut t = Table::new(
        format!("P7 wasi-threads: primes below {LIMIT} on 1 and 2 threads (wall time, median of {runs})"),
        &["threads", "native", "wasmaot", "wasmaot/native", "native speedup", "wasmaot speedup", "met (≥ 1.6×)"],
    );
    let mut base: Option<(f64, f64)> = None;
    let mut expected: Option<String> = None;
    for n in [1, 2] {
        let (mut tn, mut ta) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            for (out, dt, times) in [
                run_native(&exe, n).map(|(o, d)| (o, d, &mut tn))?,
                run_wasmaot(&module, n).map(|(o, d)| (o, d, &mut ta))?,
            ] {
                match &expected {
                    None => expected = Some(out),
                    Some(e) if *e == out => {}
                    Some(e) => bail!("primes on {n} threads printed {out:?}, expected {e:?}"),
                }
                times.push(dt);
            }
        }
        let (native, wasmaot) = (median(&tn), median(&ta));
        let (n1, a1) = *base.get_or_insert((native, wasmaot));
        let speedup = n1 / native;
        let wa_speedup = a1 / wasmaot;
        t.row(vec![
            n.to_string(),
            fmt_secs(native),
            fmt_secs(wasmaot),
            fmt_ratio(wasmaot / native),
            fmt_ratio(speedup),
            fmt_ratio(wa_speedup),
            if n == 1 {
                "—".into()
            } else if wa_speedup >= 1.6 {
                "yes".into()
            } else {
                "no".into()
            },
        ]);
    }
    if let Some(e) = expected {
        t.note(format!("Every run printed `{}`.", e.trim_end()));
    }
    t.print();
    Ok(())
}
