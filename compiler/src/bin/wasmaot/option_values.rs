//! Wasmtime's `KEY[=VAL[,..]]` option syntax (`-W`, `-S`): comma-separated settings,
//! repeatable; booleans `y`/`yes`/`true`/`n`/`no`/`false` or bare (yes); numbers in
//! decimal or `0x` hex (`_` allowed as a separator); durations as seconds (`2`) or with a
//! unit (`100ms`, `2s`, `1m`).

use crate::Failure;
use std::time::Duration;

/// One `KEY[=VAL]` setting of option `-<flag>`.
pub struct Setting<'a> {
    pub flag: char,
    pub key: &'a str,
    pub value: Option<&'a str>,
}

/// Every setting of the occurrences `raw` of option `-<flag>`, in order.
pub fn settings(flag: char, raw: &[String]) -> Vec<Setting<'_>> {
    raw.iter()
        .flat_map(|r| r.split(','))
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (key, value) = match s.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (s, None),
            };
            Setting { flag, key, value }
        })
        .collect()
}

impl Setting<'_> {
    /// `-W key: message`.
    pub fn error(&self, message: impl std::fmt::Display) -> Failure {
        Failure(format!("-{} {}: {message}", self.flag, self.key))
    }

    pub fn bool(&self) -> Result<bool, Failure> {
        match self.value {
            None | Some("y" | "yes" | "true") => Ok(true),
            Some("n" | "no" | "false") => Ok(false),
            Some(v) => Err(self.error(format!(
                "`{v}` is not a boolean (y, yes, true, n, no, false, or nothing for yes)"
            ))),
        }
    }

    fn required(&self, what: &str) -> Result<&str, Failure> {
        self.value
            .ok_or_else(|| self.error(format!("expects a value: {}={what}", self.key)))
    }

    pub fn u64(&self) -> Result<u64, Failure> {
        let text = self.required("N")?.replace('_', "");
        match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        }
        .map_err(|e| self.error(format!("`{text}` is not a number: {e}")))
    }

    pub fn duration(&self) -> Result<Duration, Failure> {
        let text = self.required("N|Ns|Nms|..")?;
        if let Ok(seconds) = text.parse::<u64>() {
            return Ok(Duration::from_secs(seconds));
        }
        humantime::parse_duration(text)
            .map_err(|e| self.error(format!("`{text}` is not a duration (2, 2s, 100ms): {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_split_and_parse() {
        let raw = vec!["fuel=0x10,simd=n".to_string(), "timeout=100ms".to_string()];
        let s = settings('W', &raw);
        let keys: Vec<&str> = s.iter().map(|s| s.key).collect();
        assert_eq!(keys, ["fuel", "simd", "timeout"]);
        assert_eq!(s[0].u64().ok(), Some(16));
        assert_eq!(s[1].bool().ok(), Some(false));
        assert_eq!(s[2].duration().ok(), Some(Duration::from_millis(100)));
        let raw = ["inherit-env".to_string()];
        let bare = settings('S', &raw);
        assert_eq!(bare[0].bool().ok(), Some(true));
        let raw = ["fuel=ten".to_string(), "simd=maybe".to_string()];
        let bad = settings('W', &raw);
        assert!(bad[0]
            .u64()
            .is_err_and(|e| e.0.starts_with("-W fuel: `ten`")));
        assert!(bad[1].bool().is_err());
        let raw = ["fuel".to_string()];
        let missing = settings('W', &raw);
        assert!(missing[0]
            .u64()
            .is_err_and(|e| e.0 == "-W fuel: expects a value: fuel=N"));
    }
}
