//! Integration tests: the binary's command line — usage errors, help, exit codes.

use assert_cmd::cargo::cargo_bin_cmd;

use crate::fetch::server::{FakeDesk, Fault, Options, messages};

/// Every file below `dir`, recursively, sorted.
pub(crate) fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The binary with a clean environment: no DESK_* variables, no colour, a fixed build time,
/// run in `dir` so that no stray desk-archive.toml is picked up.
pub(crate) fn desk(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("desk-archive");
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // The stat cache goes beside the test's archives, not into the real home.
        .env("XDG_CACHE_HOME", dir.join(".cache"))
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
    std::fs::write(dir.path().join("dup.csv"), "SessionId,team,team\na,1,2\n").unwrap();
    std::fs::write(dir.path().join("bad.toml"), "concurrency = \"x\"\n").unwrap();
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
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "{args:?} created the archive directory"
    );
}

/// A key of the form the console issues (64 hex digits), so no warning says otherwise.
const TEST_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

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

/// An argument list as owned strings.
fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `fetch --sessions SESSIONS --out OUT --sdkappid APP --secret-key k`.
fn fetch_args(sessions: &str, out: &str, sdkappid: &str) -> Vec<String> {
    args(&[
        "fetch",
        "--sessions",
        sessions,
        "--out",
        out,
        "--sdkappid",
        sdkappid,
        "--secret-key",
        TEST_KEY,
    ])
}

#[test]
fn user_mistakes_are_one_clear_line_and_exit_2() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            fetch_with(&["--secret-key", TEST_KEY, "--usersig", "s"]),
            "two credentials",
        ),
        (fetch_with(&[]), "missing credentials"),
        (
            fetch_with(&["--secret-key", TEST_KEY, "--region", "moon"]),
            "unknown region `moon`",
        ),
        (
            fetch_with(&["--secret-key", TEST_KEY, "--endpoint", "not a url"]),
            "--endpoint",
        ),
        (
            args(&[
                "archive",
                "--sessions",
                "ids.txt",
                "--out",
                "out",
                "--sdkappid",
                "1",
                "--secret-key",
                TEST_KEY,
                "--timezone",
                "Asia/Atlantis",
            ]),
            "unknown time zone",
        ),
        (
            fetch_args("missing.txt", "out", "1"),
            "cannot read the sessions file `missing.txt`",
        ),
        (fetch_args("ids.txt", "out", "abc"), "not a valid SDKAppID"),
        (args(&["render", "--out", "afile"]), "is a file"),
        (args(&["verify", "does-not-exist"]), "does not exist"),
        (args(&["render", "--out", "out", "--lang", "xx"]), "--lang"),
        (
            fetch_args("ids.txt", "afile/sub", "1"),
            "`afile` is a file, not a directory",
        ),
        (
            args(&["render", "--out", "afile/sub/dir"]),
            "`afile` is a file",
        ),
        (
            fetch_args("dup.csv", "out", "1"),
            "column `team` appears twice",
        ),
        (
            ["--config", "nope.toml"]
                .iter()
                .chain(&FETCH)
                .chain(&["--secret-key", TEST_KEY])
                .map(|s| s.to_string())
                .collect(),
            "cannot read config file `nope.toml`",
        ),
        (
            ["--config", "bad.toml"]
                .iter()
                .chain(&FETCH)
                .chain(&["--secret-key", TEST_KEY])
                .map(|s| s.to_string())
                .collect(),
            "line 1, key `concurrency`",
        ),
        (
            fetch_with(&["--secret-key", TEST_KEY, "--endpoint", "ftp://x"]),
            "must start with https:// or http://",
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
    for sub in [
        "archive",
        "fetch",
        "render",
        "verify",
        "usersig",
        "completions",
        "man",
    ] {
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

/// A usage error in the output directory is found at configuration time: not one request
/// reaches the API.
#[test]
fn unusable_out_dir_fails_before_any_request() {
    let desk = FakeDesk::start(Options::default());
    desk.add_session("a", messages(3));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\n").unwrap();
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let base = desk.base();
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "archive",
            "--sessions",
            "ids.txt",
            "--out",
            "afile/out",
            "--sdkappid",
            "1",
            "--secret-key",
            TEST_KEY,
            "--endpoint",
            &base,
            "--json",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(json(&stdout)["exit_code"], 2, "one JSON object: {stdout}");
    assert!(desk.seen().is_empty(), "a request was sent");
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = run(dir.path(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("desk-archive"), "{shell}: {stdout}");
    }
    let (_, bash, _) = run(dir.path(), &["completions", "bash"]);
    for sub in [
        "archive",
        "fetch",
        "render",
        "verify",
        "usersig",
        "completions",
        "man",
    ] {
        assert!(bash.contains(sub), "bash completion lacks {sub}");
    }
    let (code, _, stderr) = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, man, _) = run(dir.path(), &["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH desk-archive 1"), "{man}");
    assert!(man.contains(".SH \"DESK-ARCHIVE ARCHIVE\""));
}

/// Help groups options under headings, shows each command only the options it uses, and
/// names required arguments in its usage line (issue 15, item 8).
#[test]
fn help_groups_options_and_shows_only_what_a_command_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (code, archive, _) = run(dir.path(), &["archive", "--help"]);
    assert_eq!(code, 0);
    assert!(
        archive.contains("Usage: desk-archive archive --sessions <FILE> --out <DIR> [OPTIONS]"),
        "{archive}"
    );
    let mut last = 0;
    for heading in [
        "\nInput:\n",
        "\nCredentials:\n",
        "\nFetching:\n",
        "\nMedia:\n",
        "\nOutput:\n",
        "\nRendering:\n",
        "\nGeneral:\n",
    ] {
        let at = archive
            .find(heading)
            .unwrap_or_else(|| panic!("archive --help lacks {heading:?}:\n{archive}"));
        assert!(at > last, "{heading:?} out of order:\n{archive}");
        last = at;
    }
    let (_, fetch, _) = run(dir.path(), &["fetch", "--help"]);
    assert!(
        fetch.contains("Usage: desk-archive fetch --sessions <FILE> --out <DIR> [OPTIONS]"),
        "{fetch}"
    );
    for page_option in ["--lang", "--title", "--timezone", "--jobs", "Rendering:"] {
        assert!(
            !fetch.contains(page_option),
            "fetch shows {page_option}:\n{fetch}"
        );
    }
    let (code, _, stderr) = run(dir.path(), &["fetch", "--lang", "en"]);
    assert_eq!(code, 2, "fetch takes no page options: {stderr}");
    let (_, render, _) = run(dir.path(), &["render", "--help"]);
    assert!(
        render.contains("Usage: desk-archive render --out <DIR> [--records <RDIR|URL>]"),
        "{render}"
    );
    let (_, export, _) = run(dir.path(), &["export", "--help"]);
    assert!(
        export.contains("Usage: desk-archive export <DIR> --out <DIR2>"),
        "{export}"
    );
    for heading in ["Selection:", "Redaction:", "Rendering:"] {
        assert!(
            export.contains(heading),
            "export --help lacks {heading}:\n{export}"
        );
    }
}

/// Completions offer the values of `--region`, `--lang` and `--role`, which are checked
/// in the configuration (so a wrong value keeps the tool's own message).
#[test]
fn completions_offer_values() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bash, _) = run(dir.path(), &["completions", "bash"]);
    for values in [
        "china singapore seoul tokyo frankfurt mumbai silicon-valley jakarta",
        "en zh-CN",
        "customer agent system",
    ] {
        assert!(bash.contains(values), "bash completion lacks {values}");
    }
    let (_, fish, _) = run(dir.path(), &["completions", "fish"]);
    assert!(
        fish.contains("silicon-valley") && fish.contains("zh-CN"),
        "{fish}"
    );
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "x", "--lang", "fr"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown --lang `fr` (use en or zh-CN)"),
        "{stderr}"
    );
}

/// The man page is one page: it refers to no other page (`desk-archive-fetch(1)` does not
/// exist), and every section it points at is there.
#[test]
fn man_page_refers_only_to_its_own_sections() {
    let dir = tempfile::tempdir().unwrap();
    let (code, man, _) = run(dir.path(), &["man"]);
    assert_eq!(code, 0);
    assert!(!man.contains("(1)"), "a reference to another page:\n{man}");
    let mut pointed = 0;
    for line in man.lines() {
        if let Some(rest) = line.split_once("(section \\(lq").map(|(_, r)| r) {
            let name = rest.split("\\(rq").next().unwrap().replace("\\-", "-");
            assert!(
                man.contains(&format!(".SH \"{name}\"")),
                "section {name} is pointed at but missing"
            );
            pointed += 1;
        }
    }
    assert!(
        pointed >= 10,
        "the subcommand list points at {pointed} sections"
    );
    assert!(
        man.contains("EXIT STATUS") || man.contains("Exit codes"),
        "{man}"
    );
}

#[test]
fn version_and_help_teach_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(dir.path(), &["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        format!("desk-archive {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &["--help"][..],
        &["archive", "--help"],
        &["fetch", "--help"],
    ] {
        let (code, stdout, _) = run(dir.path(), args);
        assert_eq!(code, 0);
        for needle in [
            "flags, environment, config file",
            "DESK_USERSIG",
            "NO_COLOR",
        ] {
            assert!(
                stdout.contains(needle),
                "{args:?} lacks {needle}:\n{stdout}"
            );
        }
    }
}

#[test]
fn warnings_have_one_form_and_never_reach_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    std::fs::write(&key, "a-secret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let args = [
        "usersig",
        "--sdkappid",
        "1400000000",
        "--secret-key-file",
        "key.txt",
    ];
    let (code, stdout, stderr) = run(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.starts_with("desk-archive: warning: the secret key file `"),
        "{stderr:?}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "colour despite NO_COLOR: {stderr:?}"
    );
    let quiet: Vec<&str> = ["-q"].iter().chain(&args).copied().collect();
    let (_, _, stderr) = run(dir.path(), &quiet);
    assert!(stderr.is_empty(), "-q printed {stderr:?}");
}

fn json(text: &str) -> serde_json::Value {
    assert_eq!(text.lines().count(), 1, "not one line of JSON: {text}");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn json_summaries_of_fetch_render_and_verify() {
    let desk = FakeDesk::start(Options::default());
    desk.add_session("fine", messages(3));
    desk.add_session("broken", messages(3));
    desk.faults("broken", [Fault::Code(141004)]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "fine\nbroken\nmissing\n").unwrap();
    let base = desk.base();
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "-q",
            "fetch",
            "--sessions",
            "ids.txt",
            "--out",
            "out",
            "--sdkappid",
            "1",
            "--secret-key",
            TEST_KEY,
            "--endpoint",
            &base,
            "--json",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let summary = json(&stdout);
    assert_eq!(summary["archived"], 1);
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["pending"], 0);
    assert_eq!(summary["messages"], 3);
    assert_eq!(summary["requests"], 3);
    assert_eq!(summary["retries"], 0);
    assert_eq!(summary["exit_code"], 1);
    assert!(summary["seconds"].is_f64());
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0]["session_id"], "broken");
    assert_eq!(failed[0]["error_code"], 141004);
    assert_eq!(failed[1]["session_id"], "missing");
    assert_eq!(failed[1]["error_code"], 141010);
    // -q: the failures (errors) on stderr, one line each, and nothing else.
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("desk-archive: error: session `"))
    );
    // The bag after `fetch` lists the record with the digests taken as it was written.
    let (code, stdout, _) = run(dir.path(), &["verify", "out"]);
    assert_eq!(code, 0, "{stdout}");

    // `json = true` in the config file works like --json.
    std::fs::write(dir.path().join("desk-archive.toml"), "json = true\n").unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["render", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let summary = json(&stdout);
    assert_eq!(summary["archived"], 1);
    assert_eq!(summary["messages"], 3);
    assert_eq!(summary["requests"], 0);
    assert_eq!(summary["failed"], serde_json::json!([]));
    assert_eq!(summary["exit_code"], 0);

    let (code, stdout, _) = run(dir.path(), &["verify", "out"]);
    assert_eq!(code, 0);
    let report = json(&stdout);
    assert_eq!(report["valid"], true);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert!(report["warnings"].is_array());
    std::fs::remove_file(dir.path().join("desk-archive.toml")).unwrap();
    std::fs::write(dir.path().join("out/data/index.html"), "changed").unwrap();
    let (code, stdout, _) = run(dir.path(), &["verify", "--json", "out"]);
    assert_eq!(code, 3);
    let report = json(&stdout);
    assert_eq!(report["valid"], false);
    assert!(!report["problems"].as_array().unwrap().is_empty());
}

/// On a non-terminal, progress lines come at most every few seconds: a quick run prints
/// only its summary.
#[test]
fn small_plain_runs_print_only_the_summary() {
    let desk = FakeDesk::start(Options::default());
    for id in ["a", "b", "c"] {
        desk.add_session(id, messages(2));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\nb\nc\n").unwrap();
    let base = desk.base();
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "archive",
            "--sessions",
            "ids.txt",
            "--out",
            "out",
            "--sdkappid",
            "1",
            "--secret-key",
            TEST_KEY,
            "--endpoint",
            &base,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("desk-archive: 3 sessions archived, 0 failed, 6 messages"),
        "{stderr}"
    );
}

#[test]
fn hostile_corpus_renders_and_broken_records_fail_by_name() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let hostile = repo.join("tests/fixtures/hostile/records");
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--records",
            hostile.to_str().unwrap(),
            "--out",
            "h",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (code, _, _) = run(dir.path(), &["verify", "h"]);
    assert_eq!(code, 0);

    let broken = repo.join("tests/fixtures/broken/records");
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--records",
            broken.to_str().unwrap(),
            "--out",
            "b",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("broken.json") && stderr.contains("no-messages.json"),
        "{stderr}"
    );
    let (code, _, _) = run(dir.path(), &["verify", "b"]);
    assert_eq!(code, 0, "a failed render still leaves a valid bag");
}

#[test]
fn one_byte_change_fails_verify_and_names_the_file() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let demo = repo.join("examples/demo/records");
    let (code, _, stderr) = run(
        dir.path(),
        &["render", "--records", demo.to_str().unwrap(), "--out", "s"],
    );
    assert_eq!(code, 0, "{stderr}");
    let page = dir.path().join("s/data/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&page, bytes).unwrap();
    let (code, stdout, _) = run(dir.path(), &["verify", "s"]);
    assert_eq!(code, 3);
    assert!(stdout.contains("data/index.html"), "{stdout}");
}

#[test]
fn same_records_and_options_give_a_byte_identical_tree() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let demo = repo.join("examples/demo/records");
    let dir = tempfile::tempdir().unwrap();
    for out in ["one", "two"] {
        let args = [
            "render",
            "--records",
            demo.to_str().unwrap(),
            "--out",
            out,
            "--timezone",
            "Asia/Shanghai",
            "--lang",
            "zh-CN",
        ];
        let (code, _, stderr) = run(dir.path(), &args);
        assert_eq!(code, 0, "{stderr}");
    }
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let left: Vec<_> = files_under(&one)
        .iter()
        .map(|p| p.strip_prefix(&one).unwrap().to_path_buf())
        .collect();
    let right: Vec<_> = files_under(&two)
        .iter()
        .map(|p| p.strip_prefix(&two).unwrap().to_path_buf())
        .collect();
    assert_eq!(left, right);
    assert!(left.iter().any(|p| p.ends_with("tagmanifest-sha512.txt")));
    for rel in &left {
        assert!(
            std::fs::read(one.join(rel)).unwrap() == std::fs::read(two.join(rel)).unwrap(),
            "{} differs",
            rel.display()
        );
    }
    let info = std::fs::read_to_string(one.join("bag-info.txt")).unwrap();
    assert!(
        info.contains("Bagging-Date: 2026-01-01"),
        "SOURCE_DATE_EPOCH not honoured: {info}"
    );
}

/// Every file under `dir` with its modification time and bytes.
pub(crate) fn snapshot(
    dir: &std::path::Path,
) -> Vec<(std::path::PathBuf, std::time::SystemTime, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
            let bytes = std::fs::read(&p).unwrap();
            (p, modified, bytes)
        })
        .collect()
}

/// `render` with `--json`: the exit code and the summary.
fn render_json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["render", "--json", "--timezone", "Asia/Shanghai"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(dir, &all);
    assert_eq!(code, 0, "{stderr}");
    json(&stdout)
}

/// Renders the bundled demo records into `dir/out`; returns the `--json` summary.
fn render_demo(dir: &std::path::Path, out: &str) -> serde_json::Value {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let demo = repo.join("examples/demo/records");
    render_json(dir, &["--records", demo.to_str().unwrap(), "--out", out])
}

#[test]
fn a_render_again_reuses_what_did_not_change_and_redoes_what_did() {
    let dir = tempfile::tempdir().unwrap();
    let first = render_demo(dir.path(), "a");
    let sessions = first["archived"].as_u64().unwrap();
    assert!(sessions > 3);
    assert_eq!(first["pages_unchanged"], 0);
    let archive = dir.path().join("a");
    let before = snapshot(&archive);

    // Nothing changed: every session is reused and no file is written.
    let again = render_json(dir.path(), &["--out", "a"]);
    assert_eq!(again["pages_unchanged"].as_u64(), Some(sessions));
    assert_eq!(again["messages"], first["messages"]);
    assert!(before == snapshot(&archive), "a no-op render rewrote files");

    // A page edited by hand and a record changed: those two sessions are rendered again,
    // and the site is the one a fresh render of the same records gives.
    let sessions_dir = archive.join("data/sessions");
    let pages: Vec<_> = files_under(&sessions_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    let edited = &pages[0];
    let mut bytes = std::fs::read(edited).unwrap();
    bytes.extend_from_slice(b"<!-- edited -->");
    std::fs::write(edited, bytes).unwrap();
    let edited_stem = edited.file_stem().unwrap().to_str().unwrap();
    let record = files_under(&archive.join("data/records"))
        .into_iter()
        .find(|p| p.file_stem().unwrap() != edited_stem)
        .unwrap();
    let text = std::fs::read_to_string(&record).unwrap();
    let changed = text.replacen("\"Metadata\":{", "\"Metadata\":{\"note\":\"re-opened\",", 1);
    assert_ne!(text, changed);
    std::fs::write(&record, changed).unwrap();
    // A changed record is evidence changed: refused, then taken with --accept-changes.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 3, "{stderr}");
    let third = render_json(dir.path(), &["--out", "a", "--accept-changes"]);
    assert_eq!(third["pages_unchanged"].as_u64(), Some(sessions - 2));
    let page = sessions_dir.join(format!(
        "{}.html",
        record.file_stem().unwrap().to_str().unwrap()
    ));
    assert!(std::fs::read_to_string(page).unwrap().contains("re-opened"));
    let (code, stdout, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 0, "{stdout}");
    let fresh = render_json(
        dir.path(),
        &[
            "--records",
            archive.join("data/records").to_str().unwrap(),
            "--out",
            "b",
        ],
    );
    assert_eq!(fresh["pages_unchanged"], 0);
    for (path, _, bytes) in snapshot(&archive.join("data")) {
        let rel = path.strip_prefix(&archive).unwrap();
        // The audit log (and its page) tells each archive's own history.
        if rel == std::path::Path::new("data/audit.jsonl")
            || rel == std::path::Path::new("data/audit.html")
        {
            continue;
        }
        let other = std::fs::read(dir.path().join("b").join(rel)).unwrap();
        assert!(
            bytes == other,
            "{} differs from a fresh render",
            rel.display()
        );
    }

    // Another zone changes every page.
    let (code, stdout, stderr) = run(
        dir.path(),
        &["render", "--json", "--out", "a", "--timezone", "UTC"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["pages_unchanged"], 0);
}

#[test]
fn a_second_record_of_one_session_in_the_archive_fails_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let first = render_demo(dir.path(), "a");
    let sessions = first["archived"].as_u64().unwrap();
    // The same record under another name, dropped into records/ by hand: both name one
    // SessionId, so one page is made, from the file that sorts first.
    let records = dir.path().join("a/data/records");
    let original = files_under(&records).into_iter().max().unwrap();
    let copy = records.join("zz-copy.json");
    std::fs::copy(&original, &copy).unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 3, "an unlisted record is changed evidence: {stderr}");
    assert!(
        stderr.contains("not in the manifest: data/records/zz-copy.json"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(
        dir.path(),
        &["render", "--json", "--out", "a", "--accept-changes"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("zz-copy.json") && stderr.contains("another record holds SessionId"),
        "{stderr}"
    );
    let summary = json(&stdout);
    assert_eq!(summary["archived"].as_u64(), Some(sessions));
    let (code, _, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 0, "the bag stays valid");
}

#[test]
fn an_empty_sessions_list_is_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.txt"), "# nothing today\n\n").unwrap();
    let mut args = fetch_args("empty.txt", "out", "1");
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to do"), "{stderr}");
    assert_eq!(json(&stdout)["exit_code"], 0);
    assert!(!dir.path().join("out").exists(), "nothing was created");
}

#[test]
fn json_always_gets_one_object_even_on_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ragged.csv"), "SessionId,team\na,1,2\n").unwrap();
    for args in [
        &["verify", "missing", "--json"][..],
        &["render", "--bogus-flag", "--json"],
        &[
            "fetch",
            "--json",
            "--sessions",
            "ragged.csv",
            "--out",
            "o",
            "--sdkappid",
            "1",
            "--secret-key",
            TEST_KEY,
        ],
    ] {
        let (code, stdout, stderr) = run(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        let object = json(&stdout);
        assert_eq!(object["exit_code"], 2, "{stdout}");
        assert!(
            object["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{stdout}"
        );
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
    }
}

#[test]
fn a_key_that_is_not_64_hex_digits_gets_a_warning_and_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(
        dir.path(),
        &fetch_args("missing.txt", "out", "1")[..]
            .iter()
            .map(|s| if s == TEST_KEY { "k" } else { s.as_str() })
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not 64 hexadecimal characters"), "{stderr}");
    assert!(
        !stderr.contains("[redacted]"),
        "whole words are not scrubbed: {stderr}"
    );
}

#[test]
fn mistakes_that_used_to_succeed_silently_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    // A typo in --out: no records there and no --records.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "sitee"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`sitee` holds no records"), "{stderr}");
    assert!(!dir.path().join("sitee").exists(), "nothing was created");
    // Records one folder down.
    let nested = dir.path().join("export/2026-03");
    std::fs::create_dir_all(&nested).unwrap();
    for file in files_under(&demo) {
        std::fs::copy(&file, nested.join(file.file_name().unwrap())).unwrap();
    }
    let (code, _, stderr) = run(dir.path(), &["render", "--records", "export", "--out", "a"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--recursive") && stderr.contains("2026-03"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "render",
            "--json",
            "--records",
            "export",
            "--recursive",
            "--out",
            "a",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["archived"], 21);
    // The payload folder instead of the bag.
    let (code, _, stderr) = run(dir.path(), &["verify", "a/data"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is the payload folder of the bag"),
        "{stderr}"
    );
}

#[test]
fn config_is_found_through_the_environment_and_the_user_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    let conf = dir.path().join("etc/archive.toml");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    std::fs::write(&conf, "json = true\ntitle = \"From env\"\n").unwrap();
    let work = dir.path().join("home");
    std::fs::create_dir_all(&work).unwrap();
    let out = desk(&work)
        .env("DESK_ARCHIVE_CONFIG", &conf)
        .args(["render", "--records", demo.to_str().unwrap(), "--out", "a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(json(&String::from_utf8_lossy(&out.stdout))["archived"].is_number());
    // The user config folder, when nothing else names a file.
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("desk-archive")).unwrap();
    std::fs::write(xdg.join("desk-archive/config.toml"), "json = true\n").unwrap();
    let out = desk(&work)
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["render", "--out", "a"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json(&String::from_utf8_lossy(&out.stdout))["archived"].is_number());
}

#[test]
fn the_archive_remembers_its_render_options() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "-q",
            "--records",
            demo.to_str().unwrap(),
            "--out",
            "a",
            "--timezone",
            "Asia/Shanghai",
            "--lang",
            "zh-CN",
            "--title",
            "客服存档",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let index = std::fs::read_to_string(dir.path().join("a/data/index.html")).unwrap();
    // A plain render, and one after the state file is gone, keep zone, language and title.
    std::fs::remove_file(dir.path().join("a/desk-archive-state.json")).unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("changed from"), "{stderr}");
    let again = std::fs::read_to_string(dir.path().join("a/data/index.html")).unwrap();
    assert_eq!(index, again);
    assert!(again.contains("lang=\"zh-CN\"") && again.contains("客服存档"));
    // A flag wins, and the change is said.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a", "--lang", "en"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("language changed from zh-CN (as the archive remembered it) to en"),
        "{stderr}"
    );
    let info = std::fs::read_to_string(dir.path().join("a/bag-info.txt")).unwrap();
    assert!(info.contains("Desk-Archive-Format: 2"), "{info}");
    assert!(info.contains("\"lang\":\"en\""), "{info}");
    assert!(info.contains("\"timezone\":\"Asia/Shanghai\""), "{info}");
}

#[test]
fn ctrl_c_stops_a_render_quickly_with_130_and_a_valid_bag() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Enough sessions that a render takes seconds: the demo thirty times over.
    for k in 0..30 {
        for file in files_under(&demo) {
            let text = std::fs::read_to_string(&file).unwrap();
            let copy = text.replacen("\"SessionId\":\"", &format!("\"SessionId\":\"c{k}-"), 1);
            let name = format!("{k}-{}", file.file_name().unwrap().to_str().unwrap());
            std::fs::write(input.join(name), copy).unwrap();
        }
    }
    let (code, _, stderr) = run(
        dir.path(),
        // Without the search index: in a debug build it would take most of a minute.
        &[
            "render",
            "-q",
            "--records",
            "in",
            "--out",
            "a",
            "--no-search",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // Another zone re-renders every page; interrupt it once it is under way.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_desk-archive"))
        .args(["render", "--out", "a", "--timezone", "Asia/Tokyo"])
        .env_clear()
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", dir.path().join(".cache"))
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let signalled = std::time::Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        signalled.elapsed() < std::time::Duration::from_secs(2),
        "took {:?} to stop",
        signalled.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    let (code, stdout, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 0, "{stdout}");
    // The next run finishes the job.
    let (code, _, stderr) = run(dir.path(), &["render", "-q", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    let index = std::fs::read_to_string(dir.path().join("a/data/index.html")).unwrap();
    assert!(index.contains("JST"), "times in the new zone");
}
