//! wasmaot-bench: the same work on wasmaot, on Wasmtime 48 (Cranelift, precompiled,
//! pooling allocator, copy-on-write memory init) and on native code, side by side.
//!
//! ```text
//! wasmaot-bench [all | p1 p2 p3 p4 p5 p6 ...] [--full] [--runs N] [--large-mib M]
//!               [--large-runs N] [--no-capi-build]
//! wasmaot-bench large-module FILE [MiB]    # write P4's generated large module
//! ```
//!
//! Prints one Markdown table per measurement (medians and ratios wasmaot / Wasmtime; the
//! acceptance target and whether it holds). See docs/PERFORMANCE.md.

mod gen;
mod p7;
mod runtimes;
mod util;

use anyhow::{bail, Context, Result};
use runtimes::{wa, wt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use util::{alternate, fmt_bytes, fmt_ratio, fmt_secs, geomean, median, OrErr, Table};

/// The corpus: (name, default size, reduced size). The reduced size does about a quarter
/// of the default's work; its expected line comes from the native build at that size.
const PROGRAMS: &[(&str, &str, &str)] = &[
    ("fib", "44", "41"),
    ("sieve", "700000000", "175000000"),
    ("matmul", "1600", "1000"),
    ("nbody", "1800000", "450000"),
    ("sha256", "400", "100"),
    ("qsort", "5000000", "1250000"),
    ("interp", "1200000", "300000"),
    ("lz77", "200000000", "50000000"),
];

struct Opts {
    parts: Vec<String>,
    full: bool,
    runs: usize,
    large_mib: f64,
    large_runs: usize,
    capi_build: bool,
}

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("WASMAOT_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/bench"))
}

/// One module prepared for both runtimes: its wasm and both artifacts on disk.
struct Prepared {
    name: String,
    wasm: Vec<u8>,
    wa_path: PathBuf,
    wt_path: PathBuf,
}

pub(crate) struct Ctx {
    opts: Opts,
    tmp: PathBuf,
    wa_engine: wa::Engine,
    wt_engine: wt::Engine,
    corpus: Vec<Prepared>,
    synthetic: Vec<Prepared>, // empty, memory, image, large
    natives: Vec<PathBuf>,
}

fn prepare(tmp: &Path, wt_engine: &wt::Engine, name: &str, wasm: Vec<u8>) -> Result<Prepared> {
    let wa_art = wa::compile(&wasm, true).with_context(|| name.to_string())?;
    let wt_art = wt::compile(wt_engine, &wasm).with_context(|| name.to_string())?;
    let wa_path = tmp.join(format!("{name}.wasmaot.cwasm"));
    let wt_path = tmp.join(format!("{name}.wasmtime.cwasm"));
    std::fs::write(&wa_path, wa_art)?;
    std::fs::write(&wt_path, wt_art)?;
    Ok(Prepared {
        name: name.to_string(),
        wasm,
        wa_path,
        wt_path,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(|s| s.as_str()) == Some("p6-child") {
        match p6_child(&args[2..]) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("p6-child: {e:#}");
                std::process::exit(1);
            }
        }
    }
    if args.get(1).map(|s| s.as_str()) == Some("large-module") {
        // The P4 large module, to compare the two CLIs on it (time, peak RSS).
        let Some(path) = args.get(2) else {
            eprintln!("usage: wasmaot-bench large-module FILE [MiB]");
            std::process::exit(2);
        };
        let mib: f64 = args.get(3).and_then(|m| m.parse().ok()).unwrap_or(5.5);
        let bytes = gen::large_module((mib * 1048576.0) as usize);
        if let Err(e) = std::fs::write(path, bytes) {
            eprintln!("large-module: {path}: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(|s| s.as_str()) == Some("profile") {
        if let Err(e) = profile(&args[2..]) {
            eprintln!("profile: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = real_main(args) {
        eprintln!("wasmaot-bench: error: {e:#}");
        std::process::exit(1);
    }
}

fn parse_opts(args: Vec<String>) -> Result<Opts> {
    let mut o = Opts {
        parts: Vec::new(),
        full: false,
        runs: 3,
        large_mib: 5.5,
        large_runs: 3,
        capi_build: true,
    };
    let mut it = args.into_iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--full" => o.full = true,
            "--runs" => o.runs = it.next().e("--runs N")?.parse()?,
            "--large-mib" => o.large_mib = it.next().e("--large-mib M")?.parse()?,
            "--large-runs" => o.large_runs = it.next().e("--large-runs N")?.parse()?,
            "--no-capi-build" => o.capi_build = false,
            "all" => o
                .parts
                .extend(["p1", "p2", "p3", "p4", "p5", "p6", "p7"].map(String::from)),
            p if p.len() == 2 && p.starts_with('p') => o.parts.push(p.to_string()),
            "-h" | "--help" => {
                println!(
                    "usage: wasmaot-bench [all | p1 .. p7]... [--full] [--runs N] \
                     [--large-mib M] [--large-runs N] [--no-capi-build]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}` (try --help)"),
        }
    }
    if o.parts.is_empty() {
        o.parts
            .extend(["p1", "p2", "p3", "p4", "p5", "p6", "p7"].map(String::from));
    }
    Ok(o)
}

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn print_machine() {
    let cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    let nproc = sh("nproc");
    let mem = sh("grep MemTotal /proc/meminfo | awk '{printf \"%.1f GiB\", $2/1048576}'");
    let kernel = sh("uname -r");
    let load = sh("cut -d' ' -f1-3 /proc/loadavg");
    let rev = sh(&format!(
        "git -C {} rev-parse --short HEAD",
        repo_root().display()
    ));
    let dirty = sh(&format!(
        "git -C {} status --porcelain -- compiler loader | wc -l",
        repo_root().display()
    ));
    let rev = if dirty == "0" {
        rev
    } else {
        format!("{rev} + uncommitted changes in {dirty} files of compiler/ and loader/")
    };
    let gcc = sh("gcc -dumpfullversion");
    // The version the main workspace's lock file pins (all Cranelift crates share it).
    let cranelift = sh(&format!(
        "grep -A1 '^name = \"cranelift-codegen\"$' {}/Cargo.lock | sed -n 's/^version = \"\\(.*\\)\"$/\\1/p'",
        repo_root().display()
    ));
    println!("## Machine\n");
    println!("- CPU: {} × {}", nproc, cpu.trim());
    println!("- memory: {mem}; kernel {kernel}; load average at start: {load}");
    println!("- wasmaot at git {rev} (Cranelift {cranelift}); Wasmtime 48 (Cranelift, pooling allocator, memory_init_cow); gcc {gcc} -O2");
    println!("- date: {}\n", sh("date -u +%Y-%m-%dT%H:%MZ"));
}

fn real_main(args: Vec<String>) -> Result<()> {
    let opts = parse_opts(args)?;
    let started = Instant::now();
    print_machine();
    let tmp = std::env::temp_dir().join(format!("wasmaot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    // Removes the artifacts however this function returns.
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(tmp.clone());
    let wa_engine = wa::engine();
    let wt_engine = wt::engine(1000)?;

    // Prepare modules (compiled once, artifacts on disk).
    let t = Instant::now();
    let dir = corpus_dir();
    let mut corpus = Vec::new();
    for (name, _, _) in PROGRAMS {
        let path = dir.join("wasm").join(format!("{name}.wasm"));
        let wasm = std::fs::read(&path).with_context(|| path.display().to_string())?;
        corpus.push(prepare(&tmp, &wt_engine, name, wasm)?);
    }
    let need_large = opts.parts.iter().any(|p| p == "p2" || p == "p4");
    let mut synthetic = vec![
        prepare(&tmp, &wt_engine, "empty", gen::empty_module())?,
        prepare(&tmp, &wt_engine, "memory-64k", gen::memory_module())?,
        prepare(&tmp, &wt_engine, "data-1mib", gen::data_image_module())?,
    ];
    if need_large {
        let wasm = gen::large_module((opts.large_mib * 1048576.0) as usize);
        synthetic.push(prepare(&tmp, &wt_engine, "large", wasm)?);
    }
    eprintln!(
        "[prepared modules in {}]",
        fmt_secs(t.elapsed().as_secs_f64())
    );

    // Native builds.
    let mut natives = Vec::new();
    if opts.parts.iter().any(|p| p == "p3") {
        for (name, _, _) in PROGRAMS {
            let out = tmp.join(name);
            let src = dir.join("src").join(format!("{name}.c"));
            let st = Command::new("gcc")
                .args(["-O2", "-o"])
                .arg(&out)
                .arg(&src)
                .arg("-lm")
                .status()
                .context("running gcc")?;
            if !st.success() {
                bail!("gcc failed on {}", src.display());
            }
            natives.push(out);
        }
    }

    let ctx = Ctx {
        opts,
        tmp: tmp.clone(),
        wa_engine,
        wt_engine,
        corpus,
        synthetic,
        natives,
    };
    let parts = ctx.opts.parts.clone();
    let mut failures = Vec::new();
    for p in &parts {
        let t = Instant::now();
        let r = match p.as_str() {
            "p1" => p1(&ctx),
            "p2" => p2(&ctx),
            "p3" => p3(&ctx),
            "p4" => p4(&ctx),
            "p5" => p5(&ctx),
            "p6" => p6(&ctx),
            "p7" => p7::p7(&ctx),
            other => Err(anyhow::anyhow!("no part `{other}`")),
        };
        if let Err(e) = r {
            println!("**{p} failed:** {e:#}\n");
            failures.push(p.clone());
        }
        eprintln!("[{p} took {}]", fmt_secs(t.elapsed().as_secs_f64()));
    }
    println!(
        "Total harness time: {} (including preparation and native builds).",
        fmt_secs(started.elapsed().as_secs_f64())
    );
    if !failures.is_empty() {
        bail!("parts failed: {}", failures.join(" "));
    }
    Ok(())
}

fn verdict(ratio: f64, target: f64) -> String {
    if !ratio.is_finite() {
        "—".into()
    } else if ratio <= target {
        "yes".into()
    } else {
        "**no**".into()
    }
}

// ---------------------------------------------------------------- P1 instantiate

fn p1(ctx: &Ctx) -> Result<()> {
    let mut t = Table::new(
        "P1 instantiate: new store + instance + first call of a trivial export (median)",
        &[
            "module",
            "wasmaot",
            "Wasmtime",
            "ratio",
            "target",
            "met",
            "iterations",
            "incl. drop: wasmaot",
            "Wasmtime",
            "ratio",
        ],
    );
    let largest = ctx
        .corpus
        .iter()
        .max_by_key(|p| p.wasm.len())
        .e("empty corpus")?;
    let cases: Vec<(&Prepared, Option<&str>, Option<f64>)> = vec![
        (&ctx.synthetic[0], Some("run"), None),
        (&ctx.synthetic[1], Some("run"), Some(0.5)),
        (&ctx.synthetic[2], Some("run"), Some(0.5)),
        (largest, None, None),
    ];
    for (p, call, target) in cases {
        let wa_mod = wa::load(&ctx.wa_engine, &p.wa_path)?;
        let wa_pre = wa::stub_linker(&ctx.wa_engine, &wa_mod)?
            .instantiate_pre(&wa_mod)
            .e("wasmaot instantiate_pre")?;
        let wt_mod = wt::load(&ctx.wt_engine, &p.wt_path)?;
        let wt_pre = wt::stub_pre(&ctx.wt_engine, &wt_mod)?;
        let pair = alternate(
            Duration::from_millis(1500),
            5,
            20,
            200,
            20000,
            || wa::instantiate_once(&ctx.wa_engine, &wa_pre, call, false),
            || wt::instantiate_once(&ctx.wt_engine, &wt_pre, call, false),
        )
        .with_context(|| format!("P1 {}", p.name))?;
        let cycle = alternate(
            Duration::from_millis(600),
            3,
            20,
            100,
            20000,
            || wa::instantiate_once(&ctx.wa_engine, &wa_pre, call, true),
            || wt::instantiate_once(&ctx.wt_engine, &wt_pre, call, true),
        )
        .with_context(|| format!("P1 {} with drop", p.name))?;
        let (ca, cb) = (median(&cycle.a), median(&cycle.b));
        let (a, b) = (median(&pair.a), median(&pair.b));
        let r = a / b;
        let label = if call.is_some() {
            p.name.clone()
        } else {
            format!(
                "{} ({} wasm; 7 stub imports; no call)",
                p.name,
                fmt_bytes(p.wasm.len() as f64)
            )
        };
        t.row(vec![
            label,
            fmt_secs(a),
            fmt_secs(b),
            fmt_ratio(r),
            target.map(|x| format!("≤ {x}×")).unwrap_or_default(),
            target.map(|x| verdict(r, x)).unwrap_or_default(),
            format!("{} / {}", pair.a.len(), pair.b.len()),
            fmt_secs(ca),
            fmt_secs(cb),
            fmt_ratio(ca / cb),
        ]);
    }
    t.note("Store creation, instantiation (Wasmtime: `InstancePre::instantiate` on the pooling allocator; wasmaot: `InstancePre::instantiate` (imports resolved once by `Linker::instantiate_pre`)) and the call of `run`; dropping the store is not timed (the last three columns time the whole cycle, store drop included: where each runtime resets its pooled memory). The corpus program has no trivial export, so its row is store + instantiate only, with its 7 WASI imports bound to stub host functions in both runtimes.");
    t.print();
    Ok(())
}

// ---------------------------------------------------------------- P2 load

fn p2(ctx: &Ctx) -> Result<()> {
    let mut t = Table::new(
        "P2 load: artifact file → ready module (median)",
        &[
            "module",
            "wasmaot .cwasm",
            "Wasmtime .cwasm",
            "wasmaot",
            "Wasmtime",
            "ratio",
            "target",
            "met",
            "wasmaot, CRC-32 verified",
            "ratio",
        ],
    );
    let trusted = wa::engine_without_checksum();
    let mut ratios = Vec::new();
    let mut verified_ratios = Vec::new();
    let all: Vec<&Prepared> = ctx
        .corpus
        .iter()
        .chain(ctx.synthetic.iter().filter(|p| p.name == "large"))
        .collect();
    for p in all {
        let large = p.name == "large";
        let measure = |engine: &wa::Engine| {
            alternate(
                Duration::from_millis(if large { 3000 } else { 600 }),
                3,
                2,
                if large { 6 } else { 30 },
                5000,
                || {
                    let (m, dt) = util::time(|| wa::load(engine, &p.wa_path));
                    drop(m?);
                    Ok(dt)
                },
                || {
                    let (m, dt) = util::time(|| wt::load(&ctx.wt_engine, &p.wt_path));
                    drop(m?);
                    Ok(dt)
                },
            )
            .with_context(|| format!("P2 {}", p.name))
        };
        let pair = measure(&trusted)?;
        let verified = measure(&ctx.wa_engine)?;
        let (a, b) = (median(&pair.a), median(&pair.b));
        let r = a / b;
        ratios.push(r);
        let (va, vb) = (median(&verified.a), median(&verified.b));
        let vr = va / vb;
        verified_ratios.push(vr);
        let wa_len = std::fs::metadata(&p.wa_path)?.len() as f64;
        let wt_len = std::fs::metadata(&p.wt_path)?.len() as f64;
        let label = if large {
            let m = wa::load(&ctx.wa_engine, &p.wa_path)?;
            format!(
                "large ({} wasm, {} of wasmaot code, {} relocations applied at load)",
                fmt_bytes(p.wasm.len() as f64),
                fmt_bytes(m.text_len() as f64),
                m.relocation_count()
            )
        } else {
            p.name.clone()
        };
        t.row(vec![
            label,
            fmt_bytes(wa_len),
            fmt_bytes(wt_len),
            fmt_secs(a),
            fmt_secs(b),
            fmt_ratio(r),
            "≤ 0.5×".into(),
            verdict(r, 0.5),
            fmt_secs(va),
            fmt_ratio(vr),
        ]);
    }
    t.row(vec![
        "geometric mean".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        fmt_ratio(geomean(&ratios)),
        "≤ 0.5×".into(),
        verdict(geomean(&ratios), 0.5),
        String::new(),
        fmt_ratio(geomean(&verified_ratios)),
    ]);
    t.note("wasmaot: `Module::from_file` with `Config::verify_artifact_checksum(false)`: header, target, CPU features, tunables and every metadata index are checked, the file's CRC-32 is not; that is what Wasmtime's `Module::deserialize_file` (on the runtime engine) checks too. The last two columns: wasmaot's default, which also verifies the CRC-32 of the whole file (so reads every page of it), against Wasmtime in a second alternating run. Dropping the module is not timed.");
    t.print();
    Ok(())
}

// ---------------------------------------------------------------- P3 execution

fn p3(ctx: &Ctx) -> Result<()> {
    let expected_default: Vec<String> = std::fs::read_to_string(corpus_dir().join("expected.txt"))?
        .lines()
        .map(String::from)
        .collect();
    let wa_linker = wa::wasi_linker(&ctx.wa_engine)?;
    let runs = ctx.opts.runs.max(1);
    let mut t = Table::new(
        format!(
            "P3 execution: corpus programs to completion, checksum checked (CPU time, median of {runs}; {} sizes)",
            if ctx.opts.full { "default" } else { "reduced" }
        ),
        &[
            "program",
            "size",
            "native",
            "wasmaot",
            "Wasmtime",
            "wasmaot/Wasmtime",
            "met (≤ 1.2×)",
            "wasmaot/native",
            "Wasmtime/native",
            "wall: wasmaot/Wasmtime",
        ],
    );
    let mut r_wt = Vec::new();
    let mut r_nat = Vec::new();
    let mut r_wtnat = Vec::new();
    let mut r_wall = Vec::new();
    for (i, (name, def, reduced)) in PROGRAMS.iter().enumerate() {
        let size = if ctx.opts.full { *def } else { *reduced };
        let p = &ctx.corpus[i];
        let wa_mod = wa::load(&ctx.wa_engine, &p.wa_path)?;
        let wt_mod = wt::load(&ctx.wt_engine, &p.wt_path)?;
        let wt_pre = wt::wasi_pre(&ctx.wt_engine, &wt_mod)?;
        let args = [*name, size];
        let mut expected: Option<String> = if ctx.opts.full {
            expected_default
                .iter()
                .find(|l| l.starts_with(&format!("{name}:")))
                .cloned()
        } else {
            None
        };
        // (wall, cpu) per run
        let (mut tn, mut ta, mut tw) = (Vec::new(), Vec::new(), Vec::new());
        let mut check = |who: &str, status: i32, out: String| -> Result<()> {
            let line = out.trim_end().to_string();
            if status != 0 {
                bail!("{name} {size} on {who}: exit status {status}, output {line:?}");
            }
            match &expected {
                None => expected = Some(line),
                Some(e) if *e == line => {}
                Some(e) => bail!("{name} {size} on {who}: printed {line:?}, expected {e:?}"),
            }
            Ok(())
        };
        for _ in 0..runs {
            // native
            let c0 = util::children_cpu();
            let t0 = Instant::now();
            let o = Command::new(&ctx.natives[i]).arg(size).output()?;
            tn.push((t0.elapsed().as_secs_f64(), util::children_cpu() - c0));
            check(
                "native",
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
            )?;
            // wasmaot
            let (st, out, dt, dc) = wa::run_wasi(&ctx.wa_engine, &wa_mod, &wa_linker, &args)
                .with_context(|| format!("{name} on wasmaot"))?;
            ta.push((dt, dc));
            check("wasmaot", st, out)?;
            // Wasmtime
            let (st, out, dt, dc) = wt::run_wasi(&ctx.wt_engine, &wt_pre, &args)
                .with_context(|| format!("{name} on Wasmtime"))?;
            tw.push((dt, dc));
            check("Wasmtime", st, out)?;
        }
        let cpu = |v: &[(f64, f64)]| median(&v.iter().map(|x| x.1).collect::<Vec<_>>());
        let wall = |v: &[(f64, f64)]| median(&v.iter().map(|x| x.0).collect::<Vec<_>>());
        let (n, a, w) = (cpu(&tn), cpu(&ta), cpu(&tw));
        r_wt.push(a / w);
        r_nat.push(a / n);
        r_wtnat.push(w / n);
        r_wall.push(wall(&ta) / wall(&tw));
        t.row(vec![
            name.to_string(),
            size.to_string(),
            fmt_secs(n),
            fmt_secs(a),
            fmt_secs(w),
            fmt_ratio(a / w),
            verdict(a / w, 1.2),
            fmt_ratio(a / n),
            fmt_ratio(w / n),
            fmt_ratio(wall(&ta) / wall(&tw)),
        ]);
        eprintln!(
            "[p3 {name}: cpu native {} wasmaot {} wasmtime {}; wall native {} wasmaot {} wasmtime {}]",
            fmt_secs(n),
            fmt_secs(a),
            fmt_secs(w),
            fmt_secs(wall(&tn)),
            fmt_secs(wall(&ta)),
            fmt_secs(wall(&tw))
        );
    }
    let g = geomean(&r_wt);
    t.row(vec![
        "**geometric mean**".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        format!("{} (target ≤ 1.05×: {})", fmt_ratio(g), verdict(g, 1.05)),
        String::new(),
        fmt_ratio(geomean(&r_nat)),
        fmt_ratio(geomean(&r_wtnat)),
        fmt_ratio(geomean(&r_wall)),
    ]);
    t.note("CPU time (user + system) is the measure, because the 2 cores are shared with other work: for the runtimes, this process's CPU time over instantiate + `_start` to exit (WASI stdout captured in memory and its line compared with the expected checksum line); for the native gcc -O2 build, the child's CPU time (fork/exec to exit). The last column is the same ratio in wall-clock time. Runs alternate native, wasmaot, Wasmtime.");
    if !ctx.opts.full {
        t.note("Reduced sizes (about a quarter of the default work, to fit the 10-minute budget on 2 shared cores); the expected line at each size is the native build's output, and every runtime must print it byte for byte. `--full` runs the default sizes against expected.txt.");
    }
    t.print();
    Ok(())
}

// ---------------------------------------------------------------- P4 compile

fn p4(ctx: &Ctx) -> Result<()> {
    let wt_single = wt::compile_engine(false)?;
    let wt_par = wt::compile_engine(true)?;
    let mut t = Table::new(
        "P4 compile: wasm bytes → artifact bytes in memory (median; 1 thread: CPU time, parallel: wall time)",
        &[
            "module",
            "wasm",
            "wasmaot 1 thread",
            "Wasmtime 1 thread",
            "ratio",
            "met",
            "wasmaot parallel",
            "Wasmtime parallel",
            "ratio",
            "met",
        ],
    );
    let mut rs = Vec::new();
    let mut rp = Vec::new();
    let all: Vec<&Prepared> = ctx
        .corpus
        .iter()
        .chain(ctx.synthetic.iter().filter(|p| p.name == "large"))
        .collect();
    for p in all {
        let large = p.name == "large";
        let mut row = vec![p.name.clone(), fmt_bytes(p.wasm.len() as f64)];
        for (parallel, wt_e) in [(false, &wt_single), (true, &wt_par)] {
            // Single-threaded: CPU time (robust to other load); parallel: wall time.
            let pick = move |(_, wall, cpu): ((), f64, f64)| if parallel { wall } else { cpu };
            let pair = alternate(
                Duration::from_millis(if large { 1 } else { 1200 }),
                if large { ctx.opts.large_runs } else { 3 },
                if large { 0 } else { 1 },
                if large { ctx.opts.large_runs } else { 3 },
                200,
                || {
                    let (r, w, c) = util::time_cpu(|| wa::compile(&p.wasm, parallel));
                    r?;
                    Ok(pick(((), w, c)))
                },
                || {
                    let (r, w, c) = util::time_cpu(|| wt::compile(wt_e, &p.wasm));
                    r?;
                    Ok(pick(((), w, c)))
                },
            )?;
            let (a, b) = (median(&pair.a), median(&pair.b));
            let r = a / b;
            if parallel {
                rp.push(r)
            } else {
                rs.push(r)
            }
            row.extend([fmt_secs(a), fmt_secs(b), fmt_ratio(r), verdict(r, 1.0)]);
            if large {
                eprintln!(
                    "[p4 large parallel={parallel}: wasmaot {} wasmtime {}]",
                    fmt_secs(a),
                    fmt_secs(b)
                );
            }
        }
        t.row(row);
    }
    let (gs, gp) = (geomean(&rs), geomean(&rp));
    t.row(vec![
        "**geometric mean**".into(),
        String::new(),
        String::new(),
        String::new(),
        fmt_ratio(gs),
        verdict(gs, 1.0),
        String::new(),
        String::new(),
        fmt_ratio(gp),
        verdict(gp, 1.0),
    ]);
    t.note(format!("wasmaot: `wasmaot_compiler::compile` with `CompileOptions {{ parallel }}` (opt level speed, host CPU features); Wasmtime: `Engine::precompile_module` with `Config::parallel_compilation` (Cranelift, opt level speed). Target ≤ 1.0×. Single-threaded figures are process CPU time, parallel ones wall-clock time with {} threads (rayon). The large module is generated (deterministic: loops, branches, integer/float arithmetic, loads/stores, direct and indirect calls; `--large-mib`), {} runs each.", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), ctx.opts.large_runs));
    t.print();
    Ok(())
}

// ---------------------------------------------------------------- P5 size

fn p5(ctx: &Ctx) -> Result<()> {
    let root = repo_root();
    let target_dir = root.join("benches/target/capi");
    let mut t = Table::new(
        "P5 size of the runtime-only libwasmaot (`wasmaot-capi --no-default-features`, release)",
        &["file", "as built", "stripped"],
    );
    if ctx.opts.capi_build {
        let (st, dt) = util::time(|| {
            Command::new("cargo")
                .current_dir(&root)
                .env("CARGO_TARGET_DIR", &target_dir)
                .args([
                    "build",
                    "--locked",
                    "-q",
                    "-p",
                    "wasmaot-capi",
                    "--release",
                    "--no-default-features",
                ])
                .status()
        });
        let st = st.context("running cargo")?;
        if !st.success() {
            bail!("`cargo build -p wasmaot-capi --release --no-default-features` failed ({st}); see its output above");
        }
        eprintln!("[p5 capi build took {}]", fmt_secs(dt));
    }
    for (file, strip_args) in [
        ("libwasmaot.so", "--strip-all"),
        ("libwasmaot.a", "--strip-debug"),
    ] {
        let path = target_dir.join("release").join(file);
        let Ok(meta) = std::fs::metadata(&path) else {
            t.row(vec![file.into(), "not built".into(), String::new()]);
            continue;
        };
        let copy = ctx.tmp.join(file);
        std::fs::copy(&path, &copy)?;
        let st = Command::new("strip").arg(strip_args).arg(&copy).status()?;
        if !st.success() {
            bail!("strip failed on {}", copy.display());
        }
        let stripped = std::fs::metadata(&copy)?.len();
        t.row(vec![
            format!("{file} (strip {strip_args})"),
            fmt_bytes(meta.len() as f64),
            format!("{} ({} bytes)", fmt_bytes(stripped as f64), stripped),
        ]);
    }
    t.note("Built by the harness with `CARGO_TARGET_DIR=benches/target/capi cargo build --locked -p wasmaot-capi --release --no-default-features` in the main workspace (the loader with WASI, no compiler); the workspace's default release profile.");
    t.print();
    Ok(())
}

// ---------------------------------------------------------------- P6 memory

fn p6(ctx: &Ctx) -> Result<()> {
    let p = &ctx.synthetic[1]; // one 64 KiB memory
    let exe = std::env::current_exe()?;
    let mut t = Table::new(
        "P6 resident memory of 1,000 idle instances (module with one 64 KiB memory; VmRSS delta)",
        &[
            "layout",
            "wasmaot",
            "Wasmtime",
            "ratio",
            "wasmaot per instance",
            "Wasmtime per instance",
        ],
    );
    for mode in ["one-store", "many-stores"] {
        let mut got = Vec::new();
        for (rt, path) in [("wasmaot", &p.wa_path), ("wasmtime", &p.wt_path)] {
            let o = Command::new(&exe)
                .args(["p6-child", rt, mode])
                .arg(path)
                .output()?;
            let s = String::from_utf8_lossy(&o.stdout);
            if !o.status.success() {
                bail!(
                    "p6 {rt} {mode}: {}{}",
                    s,
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            let kib: f64 = s
                .split_whitespace()
                .nth(1)
                .and_then(|x| x.parse().ok())
                .e(&format!("p6 {rt} {mode}: bad output {s:?}"))?;
            got.push(kib * 1024.0);
        }
        t.row(vec![
            if mode == "one-store" {
                "1,000 instances in one store".into()
            } else {
                "1,000 stores, one instance each".to_string()
            },
            fmt_bytes(got[0]),
            fmt_bytes(got[1]),
            fmt_ratio(got[0] / got[1]),
            fmt_bytes(got[0] / 1000.0),
            fmt_bytes(got[1] / 1000.0),
        ]);
    }
    t.note("Each figure comes from a fresh child process: engine and module loaded, one instance created and dropped (warm-up), then VmRSS before and after creating 1,000 instances that stay alive. Wasmtime uses the pooling allocator (1,010 slots).");
    t.print();
    Ok(())
}

fn p6_child(args: &[String]) -> Result<()> {
    let (rt, mode, path) = (args[0].as_str(), args[1].as_str(), Path::new(&args[2]));
    const N: usize = 1000;
    let many = mode == "many-stores";
    match rt {
        "wasmaot" => {
            let engine = wa::engine();
            let module = wa::load(&engine, path)?;
            {
                let mut s = wa::Store::new(&engine, ());
                wa::Instance::new(&mut s, &module, &[]).e("instantiate")?;
            }
            let before = util::rss_kib();
            let mut stores = Vec::new();
            let mut insts = Vec::new();
            if many {
                for _ in 0..N {
                    let mut s = wa::Store::new(&engine, ());
                    insts.push(wa::Instance::new(&mut s, &module, &[]).e("instantiate")?);
                    stores.push(s);
                }
            } else {
                let mut s = wa::Store::new(&engine, ());
                for _ in 0..N {
                    insts.push(wa::Instance::new(&mut s, &module, &[]).e("instantiate")?);
                }
                stores.push(s);
            }
            let after = util::rss_kib();
            println!("rss_delta_kib {}", after as i64 - before as i64);
            drop(insts);
            drop(stores);
        }
        "wasmtime" => {
            let engine = wt::engine(N as u32 + 10)?;
            let module = wt::load(&engine, path)?;
            let pre = wt::stub_pre(&engine, &module)?;
            {
                let mut s = wt::Store::new(&engine, ());
                pre.instantiate(&mut s).e("instantiate")?;
            }
            let before = util::rss_kib();
            let mut stores = Vec::new();
            let mut insts = Vec::new();
            if many {
                for _ in 0..N {
                    let mut s = wt::Store::new(&engine, ());
                    insts.push(pre.instantiate(&mut s).e("instantiate")?);
                    stores.push(s);
                }
            } else {
                let mut s = wt::Store::new(&engine, ());
                for _ in 0..N {
                    insts.push(pre.instantiate(&mut s).e("instantiate")?);
                }
                stores.push(s);
            }
            let after = util::rss_kib();
            println!("rss_delta_kib {}", after as i64 - before as i64);
            drop(insts);
            drop(stores);
        }
        other => bail!("unknown runtime {other}"),
    }
    Ok(())
}

/// `profile <what> <runtime> <file> [N]`: one operation in a loop, for perf/callgrind.
/// what: compile (file = .wasm or a synthetic module's name: empty, memory-64k,
/// data-1mib, large), compile1 (single-threaded), load (file = artifact), instantiate
/// (file = artifact, calls `run` if exported), emit (`emit <runtime> <wasm> OUT` writes
/// an artifact).
fn profile(args: &[String]) -> Result<()> {
    let what = args
        .first()
        .e("profile <compile|compile1|load|instantiate> <wasmaot|wasmaot-unverified|wasmtime> <file> [N]")?;
    let rt = args.get(1).e("runtime")?.as_str();
    let file = args.get(2).e("file")?;
    let n: usize = match what.as_str() {
        "emit" => 1,
        _ => args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1),
    };
    let t = Instant::now();
    match what.as_str() {
        "compile" | "compile1" => {
            let parallel = what == "compile";
            let wasm = wasm_input(file)?;
            let e = wt::compile_engine(parallel)?;
            for _ in 0..n {
                match rt {
                    "wasmaot" => drop(wa::compile(&wasm, parallel)?),
                    _ => drop(wt::compile(&e, &wasm)?),
                }
            }
        }
        "load" => {
            // `wasmaot-unverified`: without the whole-file CRC-32 (P2's main column).
            let ea = match rt {
                "wasmaot-unverified" => wa::engine_without_checksum(),
                _ => wa::engine(),
            };
            let ew = wt::engine(10)?;
            for _ in 0..n {
                match rt {
                    "wasmaot" | "wasmaot-unverified" => drop(wa::load(&ea, Path::new(file))?),
                    _ => drop(wt::load(&ew, Path::new(file))?),
                }
            }
        }
        "instantiate" => {
            if rt == "wasmaot" {
                let e = wa::engine();
                let m = wa::load(&e, Path::new(file))?;
                let l = wa::stub_linker(&e, &m)?
                    .instantiate_pre(&m)
                    .e("wasmaot instantiate_pre")?;
                let call = m.exports().iter().any(|x| x.name == "run").then_some("run");
                for _ in 0..n {
                    wa::instantiate_once(&e, &l, call, false)?;
                }
            } else {
                let e = wt::engine(10)?;
                let m = wt::load(&e, Path::new(file))?;
                let call = m.exports().any(|x| x.name() == "run").then_some("run");
                let pre = wt::stub_pre(&e, &m)?;
                for _ in 0..n {
                    wt::instantiate_once(&e, &pre, call, false)?;
                }
            }
        }
        "emit" => {
            // profile emit <runtime> <wasm|large> OUT: write an artifact.
            let out = args.get(3).e("output path")?;
            let wasm = wasm_input(file)?;
            let art = match rt {
                "wasmaot" => wa::compile(&wasm, true)?,
                _ => wt::compile(&wt::engine(10)?, &wasm)?,
            };
            std::fs::write(out, art)?;
            return Ok(());
        }
        other => bail!("unknown profile target {other}"),
    }
    eprintln!(
        "{n} × {what} on {rt}: {}",
        fmt_secs(t.elapsed().as_secs_f64())
    );
    Ok(())
}

/// A wasm file, or one of the synthetic modules by name: empty, memory-64k, data-1mib, large.
fn wasm_input(file: &str) -> Result<Vec<u8>> {
    Ok(match file {
        "empty" => gen::empty_module(),
        "memory-64k" => gen::memory_module(),
        "data-1mib" => gen::data_image_module(),
        "large" => gen::large_module(5_767_168),
        _ => std::fs::read(file)?,
    })
}
