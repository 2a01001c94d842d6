//! Integration tests: `search` through the binary, on the fixture archive of
//! `tests/fixtures/search` (see its `make_search.py`) and on the demo.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::cli::run;

const ORDER: &str = "Order-Chat/1";
const UUID: &str = "0b0b0b0b-0000-4000-8000-000000000002";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Renders `records` (relative to the repository) into `out` with the real binary.
pub(crate) fn render_archive(records: &str, out: &Path) {
    let records = repo().join(records);
    let args = ["render", "--records", path(&records), "--out", path(out)];
    let (code, _, stderr) = run(out.parent().expect("out has a parent"), &args);
    assert_eq!(code, 0, "render failed: {stderr}");
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// An archive rendered once per test run (the searches below only read it).
fn shared_archive(cell: &'static OnceLock<PathBuf>, records: &str, name: &str) -> &'static Path {
    cell.get_or_init(|| {
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        let out = work.join("archive");
        render_archive(records, &out);
        out
    })
}

fn fixture() -> &'static Path {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    shared_archive(&CELL, "tests/fixtures/search/records", "search-fixture")
}

fn demo() -> &'static Path {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    shared_archive(&CELL, "examples/demo/records", "search-demo")
}

/// `desk-archive search ARCHIVE ARGS…`: (exit code, stdout, stderr).
fn search(archive: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["search", path(archive)];
    all.extend_from_slice(args);
    run(archive.parent().unwrap(), &all)
}

/// The `session #n` of each output line.
fn hits(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

fn found(archive: &Path, args: &[&str]) -> Vec<String> {
    let (code, stdout, stderr) = search(archive, args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
    hits(&stdout)
}

fn o(n: usize) -> String {
    format!("{ORDER} #{n}")
}

fn u(n: usize) -> String {
    format!("{UUID} #{n}")
}

#[test]
fn fixed_string_finds_text_and_file_names_in_stem_order() {
    let (code, stdout, stderr) = search(fixture(), &["7712"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "Order-Chat/1 #1 2024-11-06 17:00:00 customer c1: 我的订单 7712 还没到",
            "Order-Chat/1 #2 2024-11-06 17:05:00 agent agent_li: Your order 7712 ships today. Refund? No.",
            "Order-Chat/1 #4 2024-11-06 17:07:00 customer c1: invoice-7712.pdf↵u-1",
        ]
    );
    // The fixed string is not a regex: the dot is a dot.
    assert_eq!(found(fixture(), &["7712.pdf"]), [o(4)]);
    let (code, ..) = search(fixture(), &["7712 pdf"]);
    assert_eq!(code, 1);
}

#[test]
fn chinese_text_is_found_also_where_the_record_escapes_it() {
    assert_eq!(found(fixture(), &["订单"]), [o(1), o(3)]);
    // The record writes this message's Chinese as \u escapes.
    assert_eq!(found(fixture(), &["退款"]), [u(3)]);
}

#[test]
fn custom_payloads_are_searched_as_the_page_shows_them() {
    assert_eq!(found(fixture(), &["Phone X"]), [o(3)]);
    // A streamed answer is shown joined: the match spans two chunks of the payload.
    let (code, stdout, _) = search(fixture(), &["Tracking number: ZX9"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Order-Chat/1 #6 2024-11-06 17:09:00 agent bot: "),
        "{stdout}"
    );
    // The payloads' JSON is not what the pages show: its keys are not found.
    let (code, stdout, _) = search(fixture(), &["chunks"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    let (code, ..) = search(fixture(), &["src"]);
    assert_eq!(code, 1);
}

#[test]
fn ignore_case_and_regex() {
    assert_eq!(found(fixture(), &["refund"]), [u(2)]);
    assert_eq!(found(fixture(), &["-i", "refund"]), [u(1), u(2), o(2)]);
    assert_eq!(found(fixture(), &["--regex", r"ZX\d"]), [o(6)]);
    assert_eq!(found(fixture(), &["--regex", "^hello"]), [u(1)]);
    assert_eq!(found(fixture(), &["--regex", "-i", "^HELLO"]), [u(1)]);
    let (code, _, stderr) = search(fixture(), &["--regex", "(unclosed"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid --regex"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn filters_select_sessions_and_messages() {
    let f = |args: &[&str]| found(fixture(), args);
    assert_eq!(f(&["7712", "--role", "agent"]), [o(2)]);
    assert_eq!(f(&["--role", "system"]), [o(5)]);
    assert_eq!(f(&["--account", "c1"]), [o(1), o(4)]);
    assert_eq!(
        f(&["--account", "c1", "--account", "bot"]),
        [o(1), o(4), o(6)]
    );
    assert_eq!(f(&["--agent", "agent_wu"]), [u(1), u(2), u(3), u(4)]);
    assert_eq!(f(&["-i", "refund", "--session", ORDER]), [o(2)]);
    assert_eq!(
        f(&["--metadata", "channel=Web", "--role", "customer"]),
        [u(1), u(3)]
    );
    assert_eq!(
        f(&[
            "--metadata",
            "channel=WeChat",
            "--metadata",
            "ticket=T-1",
            "7712"
        ])
        .len(),
        3
    );
    let (code, ..) = search(
        fixture(),
        &["--metadata", "channel=WeChat", "--metadata", "ticket=T-2"],
    );
    assert_eq!(code, 1);
}

#[test]
fn dates_are_local_days_in_the_time_zone_both_inclusive() {
    let f = |args: &[&str]| found(fixture(), args);
    // Order's first message is 2024-11-06 17:00 UTC, 7 November 01:00 in Shanghai.
    assert_eq!(
        f(&["--role", "customer", "--until", "2024-11-06"]),
        [o(1), o(4)]
    );
    let shanghai = ["--timezone", "Asia/Shanghai"];
    let (code, stdout, _) = search(
        fixture(),
        &[
            &["--role", "customer", "--until", "2024-11-06"][..],
            &shanghai,
        ]
        .concat(),
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        f(&[
            &["--role", "customer", "--since", "2024-11-07"][..],
            &shanghai
        ]
        .concat()),
        [u(1), u(3), o(1), o(4)]
    );
    assert_eq!(
        f(&["--since", "2024-11-08", "--until", "2024-11-08"]),
        [u(1), u(2), u(3), u(4)]
    );
    // Times are shown in the zone too.
    let (_, stdout, _) = search(fixture(), &[&["我的订单"][..], &shanghai].concat());
    assert!(
        stdout.contains(" #1 2024-11-07 01:00:00 customer c1: "),
        "{stdout}"
    );
    for bad in [
        ["--since", "2024-13-01"],
        ["--until", "yesterday"],
        ["--timezone", "Mars/Olympus"],
    ] {
        let (code, _, stderr) = search(fixture(), &[&["x"][..], &bad].concat());
        assert_eq!(code, 2, "{bad:?}");
        assert!(stderr.contains(bad[1]), "{bad:?}: {stderr}");
    }
}

/// Without --timezone, times are shown in the zone the archive was rendered in.
#[test]
fn times_default_to_the_zone_the_archive_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    let records = repo().join("tests/fixtures/search/records");
    let args = [
        "render",
        "--records",
        path(&records),
        "--out",
        path(&archive),
        "--timezone",
        "Asia/Shanghai",
    ];
    let (code, _, stderr) = run(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = search(&archive, &["我的订单"]);
    assert!(
        stdout.contains(" #1 2024-11-07 01:00:00 customer "),
        "{stdout}"
    );
    let (_, stdout, _) = search(&archive, &["我的订单", "--timezone", "UTC"]);
    assert!(
        stdout.contains(" #1 2024-11-06 17:00:00 customer "),
        "{stdout}"
    );
}

/// A writer holding the archive: search waits up to --lock-wait, then fails (exit 2).
#[test]
fn search_waits_for_a_writer_then_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    render_archive("tests/fixtures/search/records", &archive);
    let lock = desk_archive::lock::ArchiveLock::take(
        &archive,
        desk_archive::lock::Mode::Exclusive,
        std::time::Duration::ZERO,
    )
    .unwrap();
    let (code, stdout, stderr) = search(&archive, &["7712", "--lock-wait", "0"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(stderr.contains("is locked"), "{stderr}");
    drop(lock);
    assert_eq!(found(&archive, &["7712"]).len(), 3);
}

#[test]
fn list_and_count_name_each_matching_session_once() {
    let (code, stdout, _) = search(fixture(), &["-l", "-i", "refund"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("{UUID}\n{ORDER}\n"));
    let (code, stdout, _) = search(fixture(), &["-c", "-i", "refund"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("{UUID}\t2\n{ORDER}\t1\n"));
    let (code, stdout, _) = search(fixture(), &["-c", "no such words"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    let (code, _, stderr) = search(fixture(), &["-l", "-c", "x"]);
    assert_eq!(code, 2, "{stderr}");
}

/// Every `--json` line has the documented fields in order; `stem` and `page` are the ones
/// stats.json gives for the session.
#[test]
fn json_lines_follow_the_schema_and_agree_with_stats_json() {
    let (code, stdout, stderr) = search(fixture(), &["--json", "-i", "refund"]);
    assert_eq!(code, 0, "{stderr}");
    let stats: Value =
        serde_json::from_slice(&std::fs::read(fixture().join("data/stats.json")).unwrap()).unwrap();
    let pages = |id: &str| -> (Value, Value) {
        let s = stats["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["session_id"] == id)
            .unwrap_or_else(|| panic!("{id} not in stats.json"));
        (s["stem"].clone(), s["page"].clone())
    };
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for hit in &lines {
        let keys: Vec<&str> = hit
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "session_id",
                "stem",
                "page",
                "index",
                "timestamp_ms",
                "role",
                "account",
                "text"
            ]
        );
        let (stem, page) = pages(hit["session_id"].as_str().unwrap());
        assert_eq!((&hit["stem"], &hit["page"]), (&stem, &page));
        assert!(
            fixture()
                .join("data")
                .join(page.as_str().unwrap())
                .is_file()
        );
    }
    assert_eq!(
        lines[0],
        serde_json::json!({
            "session_id": UUID, "stem": UUID, "page": format!("sessions/{UUID}.html"),
            "index": 0, "timestamp_ms": 1731031200000_i64, "role": "customer",
            "account": "c2", "text": "hello REFUND please"
        })
    );
    assert_eq!(lines[2]["session_id"], ORDER);
    assert_eq!(lines[2]["index"], 1);
    let (_, counts, _) = search(fixture(), &["--json", "-c", "-i", "refund"]);
    let first: Value = serde_json::from_str(counts.lines().next().unwrap()).unwrap();
    assert_eq!(first["count"], 2);
    assert_eq!(first["session_id"], UUID);
}

#[test]
fn exit_codes_follow_grep() {
    let (code, ..) = search(fixture(), &["7712"]);
    assert_eq!(code, 0);
    let (code, stdout, stderr) = search(fixture(), &["no such words anywhere"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (1, "", ""));
    let (code, _, stderr) = search(fixture(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs a PATTERN or a filter"), "{stderr}");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(empty.path(), &["search", ".", "x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not an archive"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, _, stderr) = run(empty.path(), &["search", "missing", "x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`missing` is not a directory"), "{stderr}");
}

/// A record that cannot be read is named in one warning, the others are still searched,
/// and the exit code is 2 (grep's "an error occurred"). The pages are never read.
#[test]
fn unreadable_record_is_named_and_the_rest_still_searched() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    render_archive("tests/fixtures/search/records", &archive);
    // Truncated where the pattern is: a record that cannot hold it is never parsed.
    std::fs::write(
        archive.join("data/records/broken.json"),
        "{\"SessionId\":\"x\",\"Messages\":[{\"Text\":\"7712",
    )
    .unwrap();
    std::fs::remove_dir_all(archive.join("data/sessions")).unwrap();
    std::fs::remove_file(archive.join("data/index.html")).unwrap();
    let (code, stdout, stderr) = search(&archive, &["7712"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(hits(&stdout), [o(1), o(2), o(4)]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("broken.json"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A record broken inside one message line: searches that line could match report it, the
/// others do not read it (a whole-file parse would fail the record either way).
#[test]
fn broken_message_line_is_reported_when_it_could_match() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    render_archive("tests/fixtures/search/records", &archive);
    let path = std::fs::read_dir(archive.join("data/records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.ends_with(format!("{UUID}.json")))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replace("\"Your order 7712", "Your order 7712");
    assert_ne!(broken, text);
    std::fs::write(&path, broken).unwrap();
    let (code, stdout, stderr) = search(&archive, &["7712"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("cannot parse"), "{stderr}");
    assert_eq!(found(&archive, &["Phone X"]), [o(3)]);
}

/// Records laid out otherwise (pretty-printed by another tool) give the same results.
#[test]
fn records_in_any_layout_give_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    for entry in std::fs::read_dir(repo().join("tests/fixtures/search/records")).unwrap() {
        let path = entry.unwrap().path();
        let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        std::fs::write(records.join(path.file_name().unwrap()), pretty).unwrap();
    }
    let archive = dir.path().join("archive");
    render_archive(path(&records), &archive);
    for args in [
        &["7712"][..],
        &["-i", "refund"],
        &["订单"],
        &["退款"],
        &["Tracking number: ZX9"],
        &["--agent", "agent_wu"],
        &["--regex", "^hello", "--json"],
    ] {
        assert_eq!(search(&archive, args), search(fixture(), args), "{args:?}");
    }
}

#[test]
fn colour_marks_matches_only_when_asked_and_content_cannot_inject_escapes() {
    let (_, plain, _) = search(fixture(), &["red alert"]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // The message's own ESC [31m is shown as a placeholder, not sent to the terminal.
    assert!(
        plain.contains("\u{241b}[31mred alert\u{241b}[0m"),
        "{plain:?}"
    );
    let (_, coloured, _) = search(fixture(), &["--color", "always", "red alert"]);
    assert!(
        coloured.contains("\x1b[1;31mred alert\x1b[0m"),
        "{coloured:?}"
    );
    assert!(!coloured.contains("\x1b[31m"), "{coloured:?}");
    let (_, json, _) = search(fixture(), &["--color", "always", "--json", "red alert"]);
    assert!(
        !json.contains('\x1b') && json.contains("\\u001b[31m"),
        "{json:?}"
    );
}

/// On the demo: a file name, and a Chinese word found in exactly the messages whose raw
/// JSON holds it (text, and an image whose UUID names the file).
#[test]
fn demo_archive_finds_file_names_and_chinese() {
    let (code, stdout, _) = search(demo(), &["webhook-errors.log"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("0e62e965-258b-4a6f-8ae6-b5b5799f09b1 #3 "),
        "{stdout}"
    );
    let (code, stdout, _) = search(demo(), &["--json", "退款"]);
    assert_eq!(code, 0);
    let mut expected = 0;
    for entry in std::fs::read_dir(repo().join("examples/demo/records")).unwrap() {
        let record: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        expected += record["Messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m.to_string().contains("退款"))
            .count();
    }
    let hits: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(hits.len(), expected, "{stdout}");
    assert!(
        hits.iter()
            .all(|h| h["text"].as_str().unwrap().contains("退款"))
    );
}
