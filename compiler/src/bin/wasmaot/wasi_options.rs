//! `wasmaot run -S KEY[=VAL,..]`: Wasmtime's WASI options, as far as preview 1 has them.

use crate::option_values::{settings, Setting};
use crate::Failure;

/// What `-S` asked for.
pub struct WasiOptions {
    /// Provide WASI at all (`cli`, alias `common`; default yes).
    pub cli: bool,
    /// The guest sees the host's environment (then the `--env` settings).
    pub inherit_env: bool,
    /// wasi-threads (`thread-spawn`) for modules that import it (default yes; Wasmtime 23
    /// wants `-S threads`, which is accepted).
    pub threads: bool,
    /// Spawned threads alive at once (wasmaot's `-S max-threads=N`); one more gets -1.
    pub max_threads: u32,
}

/// Wasmtime's WASI options wasmaot does not have, and why. A boolean one set to no is
/// accepted (that is what wasmaot does anyway).
const UNSUPPORTED: &[(&str, &str)] = &[
    ("nn", "there is no wasi-nn"),
    ("nn-graph", "there is no wasi-nn"),
    ("http", "there is no wasi-http (a preview 2 API)"),
    ("config", "there is no wasi-config (a preview 2 API)"),
    ("config-var", "there is no wasi-config (a preview 2 API)"),
    ("keyvalue", "there is no wasi-keyvalue (a preview 2 API)"),
    ("tls", "there is no wasi-tls (a preview 2 API)"),
    ("p3", "only WASI preview 1 is provided"),
    (
        "preview0",
        "only WASI preview 1 (`wasi_snapshot_preview1`) is provided",
    ),
    ("listenfd", "sockets cannot be handed to the guest"),
    ("tcplisten", "sockets cannot be handed to the guest"),
    ("inherit-network", "sockets cannot be handed to the guest"),
    ("allow-ip-name-lookup", "preview 1 has no name lookup"),
    ("tcp", "preview 1 cannot create sockets"),
    ("udp", "preview 1 cannot create sockets"),
    ("network-error-code", "preview 1 cannot create sockets"),
    (
        "cli-exit-with-code",
        "a preview 2 API (preview 1's proc_exit takes any code)",
    ),
    ("max-resources", "preview 1 has no resources"),
    ("hostcall-fuel", "host calls are not metered"),
    ("max-random-size", "random_get is not limited"),
];

const KEYS: &str = "cli (alias common), inherit-env, preview2, threads, max-threads=N";

pub fn help() -> String {
    format!(
        "-S KEY[=VAL[,..]] (repeatable): {KEYS}.\nNot supported: {}.",
        UNSUPPORTED
            .iter()
            .map(|(k, why)| format!("{k} ({why})"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl WasiOptions {
    pub fn parse(raw: &[String]) -> Result<WasiOptions, Failure> {
        let mut o = WasiOptions {
            cli: true,
            inherit_env: false,
            threads: true,
            max_threads: wasmaot_wasi::threads::DEFAULT_MAX_THREADS,
        };
        for s in settings('S', raw) {
            match s.key {
                "cli" | "common" => o.cli = s.bool()?,
                "inherit-env" => o.inherit_env = s.bool()?,
                "threads" => o.threads = s.bool()?,
                "max-threads" => {
                    o.max_threads = u32::try_from(s.u64()?)
                        .map_err(|_| s.error("expected at most 4294967295"))?
                }
                // Wasmtime implements preview 1 on its preview 2 code (yes) or on its
                // legacy code (no); wasmaot has one implementation of preview 1.
                "preview2" => {
                    s.bool()?;
                }
                _ => unsupported(&s)?,
            }
        }
        Ok(o)
    }
}

fn unsupported(s: &Setting) -> Result<(), Failure> {
    match UNSUPPORTED.iter().find(|(k, _)| *k == s.key) {
        Some(_) if matches!(s.value, Some("n" | "no" | "false")) => Ok(()),
        Some((_, why)) => Err(s.error(format!("not supported by wasmaot: {why}"))),
        None => Err(s.error(format!("unknown option; `-S help` lists them ({KEYS})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[&str]) -> Result<WasiOptions, String> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        WasiOptions::parse(&raw).map_err(|f| f.0)
    }

    #[test]
    fn wasi_options() {
        let o = parse(&["inherit-env", "cli=n"]).ok().unwrap();
        assert!(o.inherit_env && !o.cli);
        assert!(parse(&["http=n,preview2=y"]).is_ok());
        assert_eq!(
            parse(&["http"]).err().unwrap(),
            "-S http: not supported by wasmaot: there is no wasi-http (a preview 2 API)"
        );
        assert!(parse(&["bogus"])
            .err()
            .unwrap()
            .starts_with("-S bogus: unknown option"));
    }
}
