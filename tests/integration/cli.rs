//! Integration tests: the binary's command line — usage errors, help, exit codes.

use assert_cmd::cargo::cargo_bin_cmd;

/// The binary with a clean environment: no DESK_* variables, no colour, a fixed build time,
/// run in `dir` so that no stray desk-archive.toml is picked up.
pub(crate) fn desk(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("desk-archive");
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir);
    cmd
}

/// Runs the binary and returns (exit code, stdout, stderr).
pub(crate) fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = desk(dir).args(args).output().expect("run desk-archive");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\n").unwrap();
    std::fs::write(dir.path().join("empty.txt"), "# nothing\n\n").unwrap();
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let (code, _, stderr) = run(dir.path(), args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "{args:?} created the archive directory"
    );
}

const FETCH: [&str; 7] = [
    "fetch",
    "--sessions",
    "ids.txt",
    "--out",
    "out",
    "--sdkappid",
    "1400000000",
];

fn fetch_with(extra: &[&str]) -> Vec<String> {
    FETCH.iter().chain(extra).map(|s| s.to_string()).collect()
}

#[test]
fn user_mistakes_are_one_clear_line_and_exit_2() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            fetch_with(&["--secret-key", "k", "--usersig", "s"]),
            "two credentials",
        ),
        (fetch_with(&[]), "missing credentials"),
        (
            fetch_with(&["--secret-key", "k", "--region", "moon"]),
            "unknown region `moon`",
        ),
        (
            fetch_with(&["--secret-key", "k", "--endpoint", "not a url"]),
            "--endpoint",
        ),
        (
            fetch_with(&["--secret-key", "k", "--timezone", "Asia/Atlantis"]),
            "unknown time zone",
        ),
        (
            vec![
                "fetch",
                "--sessions",
                "missing.txt",
                "--out",
                "out",
                "--sdkappid",
                "1",
                "--secret-key",
                "k",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "cannot read the sessions file `missing.txt`",
        ),
        (
            vec![
                "fetch",
                "--sessions",
                "empty.txt",
                "--out",
                "out",
                "--sdkappid",
                "1",
                "--secret-key",
                "k",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "lists no SessionId",
        ),
        (
            vec![
                "fetch",
                "--sessions",
                "ids.txt",
                "--out",
                "out",
                "--sdkappid",
                "abc",
                "--secret-key",
                "k",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a valid SDKAppID",
        ),
        (
            vec!["render".into(), "--out".into(), "afile".into()],
            "is a file",
        ),
        (
            vec!["verify".into(), "does-not-exist".into()],
            "does not exist",
        ),
        (
            vec![
                "render".into(),
                "--out".into(),
                "out".into(),
                "--lang".into(),
                "xx".into(),
            ],
            "--lang",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_usage_error(&args, needle);
    }
}

#[test]
fn secret_never_echoed_in_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\n").unwrap();
    let secret = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "fetch",
            "--sessions",
            "ids.txt",
            "--out",
            "out",
            "--sdkappid",
            "x",
            "--secret-key",
            secret,
            "--usersig",
            "SIG-SECRET",
        ],
    );
    assert_eq!(code, 2);
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains(secret) && !text.contains("SIG-SECRET"),
            "{text}"
        );
    }
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["archive", "fetch", "render", "verify", "usersig"] {
        let (code, stdout, _) = run(dir.path(), &[sub, "--help"]);
        assert_eq!(code, 0, "{sub}");
        assert!(
            stdout.contains("Example"),
            "{sub} help lacks an example:\n{stdout}"
        );
    }
}

#[test]
fn unknown_flag_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--bogus"]);
    assert_eq!(code, 2, "{stderr}");
}
