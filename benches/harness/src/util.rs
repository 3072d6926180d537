//! Timing, medians, tables, RSS, errors.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Turn any displayable error into an `anyhow::Error` with context (the loader's and
/// Wasmtime's error types differ; this keeps `?` uniform).
pub trait OrErr<T> {
    fn e(self, what: &str) -> anyhow::Result<T>;
}

impl<T, E: std::fmt::Display> OrErr<T> for Result<T, E> {
    fn e(self, what: &str) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("{what}: {e:#}"))
    }
}

impl<T> OrErr<T> for Option<T> {
    fn e(self, what: &str) -> anyhow::Result<T> {
        self.ok_or_else(|| anyhow::anyhow!("{what}"))
    }
}

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

pub fn geomean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

/// A duration in seconds, printed with a unit that keeps 3–4 significant digits.
pub fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        return "—".into();
    }
    if s < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.3} s", s)
    }
}

pub fn fmt_ratio(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.2}×")
    } else {
        "—".into()
    }
}

pub fn fmt_bytes(b: f64) -> String {
    if b >= 1048576.0 {
        format!("{:.2} MiB", b / 1048576.0)
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// A Markdown table, printed as soon as it is complete.
pub struct Table {
    title: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    pub fn new(title: impl Into<String>, head: &[&str]) -> Table {
        Table {
            title: title.into(),
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn note(&mut self, n: impl Into<String>) {
        self.notes.push(n.into());
    }
    pub fn render(&self) -> String {
        let ncol = self.head.len();
        let mut w: Vec<usize> = self.head.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(ncol) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let _ = writeln!(out, "### {}\n", self.title);
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for i in 0..ncol {
                let c = cells.get(i).map(|s| s.as_str()).unwrap_or("");
                let pad = w[i] - c.chars().count();
                if i == 0 {
                    s.push_str(&format!(" {c}{} |", " ".repeat(pad)));
                } else {
                    s.push_str(&format!(" {}{c} |", " ".repeat(pad)));
                }
            }
            s
        };
        let _ = writeln!(out, "{}", line(&self.head));
        let mut sep = String::from("|");
        for (i, wi) in w.iter().enumerate() {
            if i == 0 {
                sep.push_str(&format!("{}|", "-".repeat(wi + 2)));
            } else {
                sep.push_str(&format!("{}:|", "-".repeat(wi + 1)));
            }
        }
        let _ = writeln!(out, "{sep}");
        for r in &self.rows {
            let _ = writeln!(out, "{}", line(r));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                let _ = writeln!(out, "{n}");
            }
        }
        out
    }
    pub fn print(&self) {
        println!("{}", self.render());
    }
}

/// The process's resident set size in KiB (`VmRSS` of /proc/self/status).
pub fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            return rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
        }
    }
    0
}

/// Samples of one timed operation, alternating between two contenders in rounds so that
/// background load on a shared machine hits both alike.
pub struct Pair {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

/// Run `a` and `b` (each returns the seconds of the measured part of one iteration)
/// alternately in `rounds` rounds of roughly `budget / rounds` each, after `warmup`
/// untimed iterations of each; at least `min_iters` and at most `max_iters` timed
/// iterations per contender.
pub fn alternate(
    budget: Duration,
    rounds: usize,
    warmup: usize,
    min_iters: usize,
    max_iters: usize,
    mut a: impl FnMut() -> anyhow::Result<f64>,
    mut b: impl FnMut() -> anyhow::Result<f64>,
) -> anyhow::Result<Pair> {
    for _ in 0..warmup {
        a()?;
        b()?;
    }
    let mut pa = Vec::new();
    let mut pb = Vec::new();
    let per_round = budget / (2 * rounds as u32);
    let min_per_round = min_iters.div_ceil(rounds);
    let max_per_round = (max_iters / rounds).max(1);
    for _ in 0..rounds {
        for (f, v) in [
            (&mut a as &mut dyn FnMut() -> anyhow::Result<f64>, &mut pa),
            (&mut b as &mut dyn FnMut() -> anyhow::Result<f64>, &mut pb),
        ] {
            let t = Instant::now();
            let mut n = 0;
            while n < max_per_round && (n < min_per_round || t.elapsed() < per_round) {
                v.push(f()?);
                n += 1;
            }
        }
    }
    Ok(Pair { a: pa, b: pb })
}

/// Seconds taken by `f`.
pub fn time<R>(f: impl FnOnce() -> R) -> (R, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

/// CPU seconds (user + system) used by this process so far, all threads.
pub fn process_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// CPU seconds (user + system) of the waited-for children of this process so far.
pub fn children_cpu() -> f64 {
    // SAFETY: an all-zero rusage is valid; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid out-pointer.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// (wall seconds, process CPU seconds) taken by `f`.
pub fn time_cpu<R>(f: impl FnOnce() -> R) -> (R, f64, f64) {
    let c = process_cpu();
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64(), process_cpu() - c)
}
