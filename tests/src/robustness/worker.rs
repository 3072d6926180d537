//! The worker: a process that runs the cases of one target and reports on its standard
//! output, one line each, so that the supervisor learns which case was running if the
//! process dies:
//!
//! ```text
//! case N          case N starts
//! fail N WHAT     case N broke the property (WHAT on one line)
//! end N           no case left to run; N is the next one
//! ```
//!
//! It is the `robustness` binary run as `robustness --worker TARGET ...` (see
//! [`Assignment::to_args`]).

use super::{catch, Case, Target};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The cases a worker runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// Cases `from..to` of the run with `seed`, stopping after `millis` if given.
    Seeded {
        seed: u64,
        from: u64,
        to: u64,
        millis: Option<u64>,
    },
    /// The inputs in `files` from the `from`-th on (a corpus replay).
    Files { from: u64, files: Vec<PathBuf> },
}

impl Assignment {
    /// The arguments after `--worker TARGET`.
    pub fn to_args(&self) -> Vec<String> {
        match self {
            Assignment::Seeded {
                seed,
                from,
                to,
                millis,
            } => {
                let mut args = vec![
                    format!("--seed={seed}"),
                    format!("--from={from}"),
                    format!("--to={to}"),
                ];
                args.extend(millis.map(|m| format!("--millis={m}")));
                args
            }
            Assignment::Files { from, files } => std::iter::once(format!("--from={from}"))
                .chain(std::iter::once("--replay".to_string()))
                .chain(files.iter().map(|f| f.display().to_string()))
                .collect(),
        }
    }

    /// Parse what [`to_args`](Self::to_args) wrote.
    pub fn parse(args: &[String]) -> Result<Assignment, String> {
        let value = |name: &str| -> Result<Option<u64>, String> {
            let prefix = format!("--{name}=");
            match args.iter().find_map(|a| a.strip_prefix(&prefix)) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|e| format!("--{name}: {e}")),
            }
        };
        let from = value("from")?.unwrap_or(0);
        if let Some(at) = args.iter().position(|a| a == "--replay") {
            let files = args[at + 1..].iter().map(PathBuf::from).collect();
            return Ok(Assignment::Files { from, files });
        }
        Ok(Assignment::Seeded {
            seed: value("seed")?.ok_or("--seed is required")?,
            from,
            to: value("to")?.unwrap_or(u64::MAX),
            millis: value("millis")?,
        })
    }
}

/// Run the assigned cases of `target`, reporting on standard output.
pub fn work(target: &dyn Target, assignment: &Assignment) -> std::io::Result<()> {
    let start = Instant::now();
    let mut out = std::io::stdout().lock();
    let (from, to) = match assignment {
        Assignment::Seeded { from, to, .. } => (*from, *to),
        Assignment::Files { from, files } => (*from, files.len() as u64),
    };
    let mut next = from;
    while next < to {
        if let Assignment::Seeded {
            millis: Some(ms), ..
        } = assignment
        {
            if start.elapsed() >= Duration::from_millis(*ms) {
                break;
            }
        }
        writeln!(out, "case {next}")?;
        out.flush()?;
        let case = match assignment {
            Assignment::Seeded { seed, .. } => target.generate(*seed, next),
            Assignment::Files { files, .. } => Case::replay(std::fs::read(&files[next as usize])?),
        };
        if let Err(what) = catch(|| target.check(&case)).and_then(|r| r) {
            writeln!(out, "fail {next} {}", what.replace('\n', " | "))?;
        }
        next += 1;
    }
    writeln!(out, "end {next}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_round_trip_through_arguments() {
        for a in [
            Assignment::Seeded {
                seed: 7,
                from: 3,
                to: 90,
                millis: Some(1500),
            },
            Assignment::Seeded {
                seed: 0,
                from: 0,
                to: u64::MAX,
                millis: None,
            },
            Assignment::Files {
                from: 1,
                files: vec!["a.wasm".into(), "dir/b.bin".into()],
            },
        ] {
            assert_eq!(Assignment::parse(&a.to_args()), Ok(a));
        }
    }
}
