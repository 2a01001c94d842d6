//! Store credentials and settings: the store's standard environment variables, or a
//! `--store-credentials FILE` that holds the same variables (SPEC §13). Never a flag
//! value, never printed: [`redact`] removes their values from any message.
//!
//! # The credentials file
//!
//! One `NAME=value` a line, with the variable names the store itself reads from the
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` for
//! `s3://`; `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`,
//! `TENCENTCLOUD_SESSION_TOKEN` for `cos://`; `GOOGLE_*` for `gs://`; `AZURE_*` for
//! `az://`). Blank lines and lines starting with `#` are skipped; an `export ` before the
//! name and quotes around the value are allowed, so a shell can `source` the same file.
//! When a file is given, the environment's credential variables are not used at all (the
//! highest-precedence source that holds a credential decides, as for the API key); other
//! settings such as `AWS_REGION` still come from the environment unless the file sets them.

use std::collections::BTreeMap;
use std::path::Path;

use super::target::Scheme;

/// The variables a store is configured from, credentials included.
#[derive(Default)]
pub struct Settings {
    values: BTreeMap<String, String>,
}

impl Settings {
    /// A variable's value, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every variable whose name starts with `prefix`.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.values
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Settings from name–value pairs (for tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Settings {
        Settings {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The values that must never be shown: those of every credential variable.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self
            .values
            .iter()
            .filter(|(k, v)| is_credential(k) && v.trim().len() >= 4)
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets
    }
}

/// The environment variable prefix of a scheme's settings.
fn prefix(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::S3 => Some("AWS_"),
        Scheme::Cos => Some("TENCENTCLOUD_"),
        Scheme::Gcs => Some("GOOGLE_"),
        Scheme::Azure => Some("AZURE_"),
        Scheme::File => None,
    }
}

/// Whether a variable holds (or points to) a credential.
fn is_credential(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "ACCESS_KEY",
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "SAS",
        "SERVICE_ACCOUNT",
        "APPLICATION_CREDENTIALS",
        "ROLE_ARN",
        "CONTAINER_CREDENTIALS",
    ];
    WORDS.iter().any(|w| name.contains(w)) || name.ends_with("_KEY")
}

/// The settings of `scheme`: its variables from `env`, and when `file` is given, the
/// file's variables instead of the environment's credential variables.
pub fn settings(
    scheme: Scheme,
    env: &[(String, String)],
    file: Option<&Path>,
) -> Result<Settings, String> {
    let Some(prefix) = prefix(scheme) else {
        if let Some(file) = file {
            return Err(format!(
                "--store-credentials `{}`: file:// targets take no credentials",
                file.display()
            ));
        }
        return Ok(Settings::default());
    };
    let mut values: BTreeMap<String, String> = env
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .filter(|(k, _)| file.is_none() || !is_credential(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(file) = file {
        values.extend(read_file(file, prefix)?);
    }
    Ok(Settings { values })
}

/// Reads a credentials file. Errors name the file and line, never a value.
fn read_file(path: &Path, prefix: &str) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the store credentials file `{}`: {e}",
            path.display()
        )
    })?;
    warn_if_readable_by_others(path);
    parse(&text, prefix).map_err(|e| format!("store credentials file `{}`, {e}", path.display()))
}

/// Parses `NAME=value` lines whose names start with `prefix`.
pub fn parse(text: &str, prefix: &str) -> Result<BTreeMap<String, String>, String> {
    let mut values = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {}: not a NAME=value line", i + 1));
        };
        let name = name.trim();
        if !name.starts_with(prefix)
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "line {}: `{name}` is not a setting of this store (names start with {prefix})",
                i + 1
            ));
        }
        let value = unquote(value.trim());
        values.insert(name.to_owned(), value.to_owned());
    }
    Ok(values)
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "the store credentials file `{}` is readable by group or others; `chmod 600` it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `text` with every secret replaced by `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "***");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn file_lines_parse_like_a_shell_would_source_them() {
        let text = "# comment\n\nexport AWS_ACCESS_KEY_ID=AKID\nAWS_SECRET_ACCESS_KEY = \"s3cr3t=x\"\nAWS_REGION='eu-west-1'\n";
        let values = parse(text, "AWS_").unwrap();
        assert_eq!(values["AWS_ACCESS_KEY_ID"], "AKID");
        assert_eq!(values["AWS_SECRET_ACCESS_KEY"], "s3cr3t=x");
        assert_eq!(values["AWS_REGION"], "eu-west-1");
    }

    #[test]
    fn bad_lines_name_the_line_not_the_value() {
        let err = parse("AWS_REGION=x\nhunter2-the-secret\n", "AWS_").unwrap_err();
        assert_eq!(err, "line 2: not a NAME=value line");
        let err = parse("TENCENTCLOUD_SECRET_KEY=hunter2\n", "AWS_").unwrap_err();
        assert!(err.contains("line 1") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_file_replaces_the_environments_credentials_only() {
        let env = env(&[
            ("AWS_ACCESS_KEY_ID", "from-env"),
            ("AWS_SESSION_TOKEN", "env-token"),
            ("AWS_REGION", "eu-west-1"),
            ("TENCENTCLOUD_SECRET_ID", "other-store"),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds");
        std::fs::write(
            &file,
            "AWS_ACCESS_KEY_ID=from-file\nAWS_SECRET_ACCESS_KEY=file-secret\n",
        )
        .unwrap();
        let s = settings(Scheme::S3, &env, Some(&file)).unwrap();
        assert_eq!(s.get("AWS_ACCESS_KEY_ID"), Some("from-file"));
        assert_eq!(s.get("AWS_SESSION_TOKEN"), None);
        assert_eq!(s.get("AWS_REGION"), Some("eu-west-1"));
        assert_eq!(s.get("TENCENTCLOUD_SECRET_ID"), None);
        let s = settings(Scheme::S3, &env, None).unwrap();
        assert_eq!(s.get("AWS_SESSION_TOKEN"), Some("env-token"));
    }

    #[test]
    fn secrets_are_redacted() {
        let env = env(&[
            ("TENCENTCLOUD_SECRET_ID", "AKIDexample"),
            ("TENCENTCLOUD_SECRET_KEY", "very-secret-key"),
            ("TENCENTCLOUD_REGION", "ap-guangzhou"),
        ]);
        let s = settings(Scheme::Cos, &env, None).unwrap();
        let text = redact(
            "denied for AKIDexample with very-secret-key in ap-guangzhou",
            &s.secrets(),
        );
        assert_eq!(text, "denied for *** with *** in ap-guangzhou");
    }
}
