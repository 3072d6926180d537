//! What a run found: the number of inputs tried and every failure, each saved with its
//! seed and input under `target/robustness-failures/<target>/` so that it can be
//! replayed and, once fixed, added to the corpus (`tests/robustness-corpus/<target>/`).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// One input that broke the property.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The run's seed and the case number: together they regenerate the input.
    pub seed: u64,
    pub case: u64,
    /// What went wrong.
    pub what: String,
    /// The input itself (a module, an artifact, or the bytes that drive a generator).
    pub input: Vec<u8>,
}

/// The outcome of one target's run.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
}

impl Report {
    pub fn new(target: &'static str) -> Report {
        Report {
            target,
            inputs: 0,
            failures: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// Record a failure and save its input; the saved path is added to its message.
    pub fn fail(&mut self, mut failure: Failure) {
        match save(self.target, &failure) {
            Ok(path) => failure.what = format!("{} (input: {})", failure.what, path.display()),
            Err(e) => failure.what = format!("{} (input not saved: {e})", failure.what),
        }
        eprintln!(
            "robustness {}: seed {} case {}: {}",
            self.target, failure.seed, failure.case, failure.what
        );
        self.failures.push(failure);
    }

    /// Panic with every failure if there is any (for tests).
    pub fn assert_clean(&self) {
        if self.failures.is_empty() {
            return;
        }
        let list: Vec<String> = self
            .failures
            .iter()
            .map(|f| format!("seed {} case {}: {}", f.seed, f.case, f.what))
            .collect();
        panic!("{self}\n{}", list.join("\n"));
    }
}

/// The closing line: `robustness compiler: 1200 inputs, 0 failures (41.2 s)`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "robustness {}: {} inputs, {} failures ({:.1} s)",
            self.target,
            self.inputs,
            self.failures.len(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Where failing inputs of `target` are saved.
pub fn failures_dir(target: &str) -> PathBuf {
    crate::target_dir().join("robustness-failures").join(target)
}

/// Save the input as `seed-S-case-C.bin` and the message beside it as `.txt`.
fn save(target: &str, failure: &Failure) -> std::io::Result<PathBuf> {
    let dir = failures_dir(target);
    std::fs::create_dir_all(&dir)?;
    let stem = format!("seed-{}-case-{}", failure.seed, failure.case);
    let path = dir.join(format!("{stem}.bin"));
    std::fs::write(&path, &failure.input)?;
    std::fs::write(
        dir.join(format!("{stem}.txt")),
        format!("{}\n", failure.what),
    )?;
    Ok(path)
}

/// The replay corpus of `target`: the files of `tests/robustness-corpus/<target>/`
/// (none if the directory is empty or absent), sorted by name. Files without an
/// extension (`.gitkeep`) and notes (`.txt`, `.md`) are not inputs.
pub fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = crate::workspace_root()
        .join("tests/robustness-corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "txt" && e != "md"))
        .collect();
    files.sort();
    files
}
