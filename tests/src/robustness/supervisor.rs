//! The supervisor: runs a target's cases in worker processes ([`super::worker`]) and
//! turns what they report into a [`Report`]. A worker that dies (a signal, an abort, a
//! non-zero exit) or stops reporting for [`HANG`] is a failure of the case it was
//! running; the supervisor regenerates and saves that case's input and starts a new
//! worker at the next case.

use super::worker::Assignment;
use super::{Budget, Failure, Report};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A case that runs this long is taken to hang.
pub const HANG: Duration = Duration::from_secs(120);

/// What to run.
#[derive(Debug, Clone)]
pub enum Job {
    /// Generated cases from `seed`, within `budget`.
    Seeded { seed: u64, budget: Budget },
    /// The given inputs (a corpus).
    Replay(Vec<PathBuf>),
}

/// How one worker ended.
enum Ending {
    /// It ran out of cases or time: `end N` with N the next case.
    Finished(u64),
    /// It died or hung while running case N.
    Died { case: u64, why: String },
}

/// Run `job` on target `target` in workers started from the executable `exe` (the
/// `robustness` binary).
pub fn supervise(exe: &Path, target: &'static str, job: &Job) -> Report {
    let start = Instant::now();
    let mut report = Report::new(target);
    let mut next = 0;
    while let Some(assignment) = assignment(job, next, start.elapsed()) {
        let (ending, failures) = run_worker(exe, target, &assignment);
        for (case, what) in failures {
            fail(&mut report, job, case, what);
        }
        match ending {
            Ending::Finished(n) => {
                next = n;
                break;
            }
            Ending::Died { case, why } => {
                fail(&mut report, job, case, why);
                next = case + 1;
            }
        }
    }
    report.inputs = next;
    report.elapsed = start.elapsed();
    report
}

/// The work left from case `next` on, `None` when there is none.
fn assignment(job: &Job, next: u64, elapsed: Duration) -> Option<Assignment> {
    match job {
        Job::Seeded { seed, budget } => {
            let to = budget.inputs.unwrap_or(u64::MAX);
            let left = budget.time.map(|t| t.saturating_sub(elapsed));
            (next < to && left != Some(Duration::ZERO)).then(|| Assignment::Seeded {
                seed: *seed,
                from: next,
                to,
                millis: left.map(|l| l.as_millis() as u64),
            })
        }
        Job::Replay(files) => (next < files.len() as u64).then(|| Assignment::Files {
            from: next,
            files: files.clone(),
        }),
    }
}

/// Record a failure of case `case`: a generated one's input is regenerated and saved; a
/// replayed one is named by its file.
fn fail(report: &mut Report, job: &Job, case: u64, what: String) {
    match job {
        Job::Seeded { seed, .. } => {
            let input = super::target(report.target)
                .map(|t| t.generate(*seed, case).input)
                .unwrap_or_default();
            report.fail(Failure {
                seed: *seed,
                case,
                what,
                input,
            });
        }
        Job::Replay(files) => {
            let file = &files[case as usize];
            let what = format!("{}: {what}", file.display());
            eprintln!("robustness {} replay: {what}", report.target);
            report.failures.push(Failure {
                seed: 0,
                case,
                what,
                input: Vec::new(),
            });
        }
    }
}

/// Run one worker to its end; the failures it reported, by case.
fn run_worker(exe: &Path, target: &str, assignment: &Assignment) -> (Ending, Vec<(u64, String)>) {
    let mut child = Command::new(exe)
        .args(["--worker", target])
        .args(assignment.to_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the worker {}: {e}", exe.display()));
    let lines = read_lines(&mut child);
    let mut failures = Vec::new();
    let mut current = None;
    loop {
        match lines.recv_timeout(HANG) {
            Ok(line) => match parse_line(&line) {
                Some(("case", n, _)) => current = Some(n),
                Some(("fail", n, what)) => failures.push((n, what.to_string())),
                Some(("end", n, _)) => {
                    let _ = child.wait();
                    return (Ending::Finished(n), failures);
                }
                _ => {}
            },
            Err(RecvTimeoutError::Timeout) => {
                // Our own child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                let case = current.unwrap_or(0);
                let why = format!("no progress for {} s: hangs", HANG.as_secs());
                return (Ending::Died { case, why }, failures);
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait().expect("waiting for the worker");
    let case = current.unwrap_or(0);
    let why = format!("the worker died: {}", describe(status));
    (Ending::Died { case, why }, failures)
}

/// The worker's standard output, line by line, from a reader thread.
fn read_lines(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("the worker's stdout is piped");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// `word N rest` → (word, N, rest).
fn parse_line(line: &str) -> Option<(&str, u64, &str)> {
    let mut parts = line.splitn(3, ' ');
    let word = parts.next()?;
    let n = parts.next()?.parse().ok()?;
    Some((word, n, parts.next().unwrap_or("")))
}

/// "signal 11 (SIGSEGV)", "exit code 101".
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(sig), _) => {
            let name = match sig {
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGBUS => " (SIGBUS)",
                libc::SIGABRT => {
                    " (SIGABRT: abort, e.g. a panic in extern \"C\" or a failed allocation)"
                }
                libc::SIGILL => " (SIGILL)",
                libc::SIGFPE => " (SIGFPE)",
                libc::SIGKILL => " (SIGKILL)",
                _ => "",
            };
            format!("signal {sig}{name}")
        }
        (None, Some(code)) => format!("exit code {code}"),
        (None, None) => "unknown status".to_string(),
    }
}
