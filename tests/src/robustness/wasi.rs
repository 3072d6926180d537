//! The WASI target: random sequences of path and descriptor operations (`wasi_ops`) on a
//! fresh tree (`wasi_fixture`) through `wasmaot_wasi::preview1`. The input is the bytes
//! the operations are drawn from. Property, checked after every operation: no panic; no
//! open descriptor refers to anything outside the two preopens; no stat describes
//! anything outside the read-write preopen; nothing read holds the secret's content. And
//! after the case: nothing outside the read-write preopen was created, changed or
//! removed (the read-only preopen included).

use super::wasi_apply::{apply, Outcome, MEMORY};
use super::wasi_fixture::Fixture;
use super::wasi_ops::{self, Op};
use super::{catch, Case, Expect, Rng, Target};
use arbitrary::Unstructured;
use std::os::fd::{AsFd, AsRawFd};
use wasmaot_wasi::fd_table::Handle;
use wasmaot_wasi::WasiCtx;

/// Descriptor numbers checked after each operation (the operations use no others).
const FDS: std::ops::Range<u32> = 0..10;

/// The WASI target.
pub struct Wasi;

impl Target for Wasi {
    fn generate(&self, seed: u64, case: u64) -> Case {
        let mut rng = Rng::for_case(seed, case);
        let len = 64 + rng.len_up_to(2048);
        Case {
            input: rng.bytes(len),
            expect: Expect::Anything,
        }
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        let fixture = Fixture::new().map_err(|e| format!("cannot make the tree: {e}"))?;
        let mut ctx = fixture.ctx().map_err(|e| format!("cannot preopen: {e}"))?;
        let root = fixture.root.display().to_string();
        let ops = wasi_ops::generate(&mut Unstructured::new(&case.input), &root);
        let mut mem = vec![0u8; MEMORY];
        for (i, op) in ops.iter().enumerate() {
            let outcome =
                catch(|| apply(op, &mut ctx, &mut mem)).map_err(|e| describe(&ops, i, &e))?;
            check_outcome(&fixture, &ctx, &outcome).map_err(|e| describe(&ops, i, &e))?;
        }
        drop(ctx);
        let changes = fixture.changes_outside();
        if !changes.is_empty() {
            return Err(format!(
                "changed outside the sandbox: {}; operations: {ops:?}",
                changes.join(", ")
            ));
        }
        Ok(())
    }
}

/// "operation 3 of [..]: what".
fn describe(ops: &[Op], i: usize, what: &str) -> String {
    format!(
        "operation {i} ({:?}): {what}; all operations: {ops:?}",
        ops[i]
    )
}

/// The checks after one operation.
pub fn check_outcome(fixture: &Fixture, ctx: &WasiCtx, outcome: &Outcome) -> Result<(), String> {
    if let Some(s) = outcome.stat {
        if fixture.is_outside(s.dev, s.ino) {
            return Err(format!("a stat describes something outside: {s:?}"));
        }
    }
    let secret = &fixture.secret;
    if outcome
        .read
        .windows(secret.len())
        .any(|w| w == secret.as_slice())
    {
        return Err("read the secret".into());
    }
    for fd in FDS {
        let Ok(d) = ctx.table().get(fd) else { continue };
        let raw = match &d.handle {
            Handle::File(f) => f.as_fd().as_raw_fd(),
            Handle::Dir(d) => d.as_fd().as_raw_fd(),
            _ => continue,
        };
        let path = std::fs::read_link(format!("/proc/self/fd/{raw}"))
            .map_err(|e| format!("fd {fd}: cannot see where it leads: {e}"))?;
        if !fixture.is_inside(&path) {
            return Err(format!(
                "fd {fd} refers to {} outside the preopens",
                path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use wasmaot_wasi::fs::Filestat;
    use wasmaot_wasi::WasiCtxBuilder;

    #[test]
    fn escapes_are_seen() {
        let fixture = Fixture::new().unwrap();
        let ctx = fixture.ctx().unwrap();
        let clean = Outcome::default();
        assert_eq!(check_outcome(&fixture, &ctx, &clean), Ok(()));
        let secret = fixture.root.join("secret");
        let meta = std::fs::metadata(&secret).unwrap();
        let stat = Filestat {
            dev: meta.dev(),
            ino: meta.ino(),
            ..Filestat::default()
        };
        let stat_outside = Outcome {
            stat: Some(stat),
            ..Outcome::default()
        };
        assert!(check_outcome(&fixture, &ctx, &stat_outside).is_err());
        let read_secret = Outcome {
            read: std::fs::read(&secret).unwrap(),
            ..Outcome::default()
        };
        assert!(check_outcome(&fixture, &ctx, &read_secret).is_err());
        let too_wide = WasiCtxBuilder::new()
            .preopened_dir(&fixture.root, "/")
            .unwrap()
            .build();
        assert!(check_outcome(&fixture, &too_wide, &clean).is_err());
    }

    #[test]
    fn changes_outside_are_seen() {
        let fixture = Fixture::new().unwrap();
        assert!(fixture.changes_outside().is_empty());
        std::fs::write(fixture.sandbox.join("inside"), "fine").unwrap();
        assert!(fixture.changes_outside().is_empty());
        std::fs::write(fixture.root.join("outside_dir/new"), "escaped").unwrap();
        assert_eq!(
            fixture.changes_outside().len(),
            2,
            "a new file, a changed directory"
        );
        std::fs::write(fixture.readonly.join("r.txt"), "changed").unwrap();
        assert_eq!(fixture.changes_outside().len(), 3);
    }
}
