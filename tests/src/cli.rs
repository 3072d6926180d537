//! Running the `wasmaot` command-line tool in tests: its exit status and output, with the
//! command line and what it printed echoed for the test log.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Stdio};

/// What a run of `wasmaot` ended with.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `wasmaot ARGS`, not started yet (to set its environment).
pub fn wasmaot_command(args: &[&dyn AsRef<OsStr>]) -> Command {
    let mut cmd = Command::new(crate::wasmaot_bin());
    for a in args {
        cmd.arg(a);
    }
    cmd
}

/// `wasmaot ARGS` with empty standard input.
pub fn wasmaot(args: &[&dyn AsRef<OsStr>]) -> Run {
    run(wasmaot_command(args), b"")
}

/// Run `cmd` with `stdin` as its standard input, to its end.
pub fn run(mut cmd: Command, stdin: &[u8]) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("cannot start wasmaot");
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    // Fed from a thread: the program may write before it has read everything.
    let feeder = std::thread::spawn(move || {
        // The program may exit without reading it all; that is its business.
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("cannot wait for wasmaot");
    feeder.join().expect("the stdin feeder panicked");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    println!(
        "$ wasmaot {:?}\n-> {}\n{}{}",
        cmd.get_args().collect::<Vec<_>>(),
        r.code,
        r.stdout,
        r.stderr
    );
    r
}
