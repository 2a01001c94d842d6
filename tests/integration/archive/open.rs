//! Sessions still going on when fetched (SPEC §7): `open` in coverage.json, marked on the
//! index and in stats.json, fetched again by the next run until they end.

use super::{archive_args, assert_valid_bag, server};
use crate::cli::run;
use crate::fetch::server::messages;

/// A text message of role `role`, sent `ago_s` seconds before now.
fn recent(i: usize, role: u8, ago_s: i64) -> String {
    let ts = chrono::Utc::now().timestamp_millis() - ago_s * 1000;
    format!(
        r#"{{"FromAccount":"acct-{role}","FromAccountRole":{role},"MsgBody":[{{"MsgContent":{{"Text":"live {i}"}},"MsgType":"TIMTextElem"}}],"Timestamp":{ts}}}"#
    )
}

/// The desk's "session ended" status message (src 19), sent `ago_s` seconds ago.
fn session_end(ago_s: i64) -> String {
    let ts = chrono::Utc::now().timestamp_millis() - ago_s * 1000;
    format!(
        r#"{{"FromAccount":"system","FromAccountRole":3,"MsgBody":[{{"MsgContent":{{"Data":"{{\"src\":\"19\",\"customerServicePlugin\":0}}","Desc":"","Ext":"","Sound":""}},"MsgType":"TIMCustomElem"}}],"Timestamp":{ts}}}"#
    )
}

fn coverage_state(out: &std::path::Path, id: &str) -> String {
    let text = std::fs::read_to_string(out.join("data/coverage.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["session_id"] == id)
        .map(|e| e["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn stats(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("data/stats.json")).unwrap()).unwrap()
}

#[test]
fn a_session_fetched_before_it_ended_is_open_and_fetched_again() {
    let desk = server(0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    // Still going on: its last message is 30 s old and nothing ended it.
    desk.add_session("live", vec![recent(0, 1, 90), recent(1, 2, 30)]);
    // Just as recent, but ended by the desk.
    desk.add_session("ended", vec![recent(0, 1, 60), session_end(20)]);
    // Quiet for two years.
    desk.add_session("old", messages(4));
    std::fs::write(dir.path().join("ids.txt"), "live\nended\nold\n").unwrap();
    let base = desk.base();
    let out = dir.path().join("out");

    let (code, stdout, stderr) = run(dir.path(), &archive_args(&base, &["--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "desk-archive: 3 sessions archived (1 still going on: fetched again by the next run), 0 failed"
        ),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (summary["archived"].as_u64(), summary["open"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(coverage_state(&out, "live"), "open");
    assert_eq!(coverage_state(&out, "ended"), "archived");
    assert_eq!(coverage_state(&out, "old"), "archived");
    let s = stats(&out);
    let open: Vec<(&str, bool)> = s["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["session_id"].as_str().unwrap(),
                e["open"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(open, [("ended", false), ("live", true), ("old", false)]);
    assert_eq!(s["totals"]["open_sessions"], 1);
    assert_eq!(s["totals"]["sessions"], 3);
    let index = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    assert_eq!(
        index
            .matches("still going on when fetched (fetched again by the next run)")
            .count(),
        1,
        "one row says so"
    );
    assert!(index.contains("<dt>Sessions still going on when fetched</dt><dd>1</dd>"));
    let index_md = std::fs::read_to_string(out.join("data/index.md")).unwrap();
    assert!(
        index_md.contains(" · still going on when fetched"),
        "{index_md}"
    );
    let info = std::fs::read_to_string(out.join("bag-info.txt")).unwrap();
    assert!(info.contains("Desk-Sessions-Open: 1"), "{info}");
    assert_valid_bag(&out);

    // A plain render keeps the state: only a fetch can tell that the session ended.
    let (code, _, stderr) = run(dir.path(), &["render", "-q", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(coverage_state(&out, "live"), "open");

    // The session ends; the next run fetches it again, without --refresh, and only it.
    let before = desk.seen().len();
    desk.add_session(
        "live",
        vec![
            recent(0, 1, 90),
            recent(1, 2, 30),
            recent(2, 1, 10),
            session_end(5),
        ],
    );
    let (code, _, stderr) = run(dir.path(), &archive_args(&base, &[]));
    assert_eq!(code, 0, "{stderr}");
    let again: Vec<String> = desk.seen()[before..]
        .iter()
        .map(|s| s.session_id.clone())
        .collect();
    assert!(
        !again.is_empty() && again.iter().all(|id| id == "live"),
        "{again:?}"
    );
    assert!(
        stderr
            .contains("desk-archive: 1 sessions archived, 2 skipped (already complete), 0 failed"),
        "{stderr}"
    );
    assert_eq!(coverage_state(&out, "live"), "archived");
    let record = std::fs::read_to_string(out.join("data/records/live-247610f4dedd4ab7247d.json"))
        .unwrap_or_else(|_| panic!("{:?}", crate::cli::files_under(&out.join("data/records"))));
    assert!(
        record.contains("live 2"),
        "every message of the re-fetch is kept"
    );
    assert_eq!(stats(&out)["totals"]["open_sessions"], 0);
    let index = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    assert!(!index.contains("still going on"));
    assert_valid_bag(&out);
}

#[test]
fn settle_zero_never_leaves_a_session_open() {
    let desk = server(0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    desk.add_session("live", vec![recent(0, 1, 30)]);
    std::fs::write(dir.path().join("ids.txt"), "live\n").unwrap();
    let base = desk.base();
    let (code, _, stderr) = run(
        dir.path(),
        &archive_args(&base, &["--settle", "0", "--no-media"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(coverage_state(&dir.path().join("out"), "live"), "archived");
    assert!(!stderr.contains("still going on"), "{stderr}");
}

#[test]
fn the_settle_config_key_is_the_one_listen_reads_too() {
    // One `settle` for `archive` and `listen` (fractions allowed): 20.5 s here, so a
    // session quiet for 30 s is over; the default 600 s would leave it open.
    let desk = server(0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    desk.add_session("quiet", vec![recent(0, 1, 30)]);
    std::fs::write(dir.path().join("ids.txt"), "quiet\n").unwrap();
    std::fs::write(dir.path().join("desk.toml"), "settle = 20.5\n").unwrap();
    let base = desk.base();
    let mut args = archive_args(&base, &["--no-media"]);
    args.splice(0..0, ["--config", "desk.toml"]);
    let (code, _, stderr) = run(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(coverage_state(&dir.path().join("out"), "quiet"), "archived");
}
