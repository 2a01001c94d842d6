//! Integration tests: the site search index under `data/search/` (SPEC §11), through the
//! real binary — in the bag, sharded, rebuilt only where a session changed, removed by
//! `--no-search`, and the CSP that only pages with search get. (The browser side is in
//! `browser.rs`.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::cli::{files_under, run};

const DEMO_SESSIONS: u64 = 21;

/// Runs `render` with `args`; returns its standard error.
fn render(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["-v", "render"];
    all.extend_from_slice(args);
    let (code, _, stderr) = run(dir, &all);
    assert_eq!(code, 0, "render {args:?}: {stderr}");
    stderr
}

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/demo/records")
        .to_string_lossy()
        .into_owned()
}

fn manifest(archive: &Path) -> serde_json::Value {
    let path = archive.join("data/search/desk-archive-search.json");
    serde_json::from_slice(&fs::read(&path).expect("search manifest")).expect("manifest JSON")
}

fn bag_is_valid(archive: &Path) {
    let (code, stdout, stderr) = run(archive, &["verify", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "verify: {stdout}{stderr}");
    let out = Command::new("bagit.py")
        .args(["--validate", "--quiet"])
        .arg(archive)
        .output()
        .expect("bagit.py is missing: run scripts/test.sh");
    assert!(
        out.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir` with its modification time.
fn mtimes(dir: &Path) -> Vec<(PathBuf, SystemTime)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let t = fs::metadata(&p).unwrap().modified().unwrap();
            (p, t)
        })
        .collect()
}

#[test]
fn the_index_is_in_the_bag_with_its_browser_side_and_no_pagefind_ui() {
    let dir = tempfile::tempdir().unwrap();
    render(dir.path(), &["--records", &demo(), "--out", "a"]);
    let archive = dir.path().join("a");
    let search = archive.join("data/search");
    for file in ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json"] {
        assert!(search.join(file).is_file(), "no {file}");
    }
    let names: Vec<String> = files_under(&search)
        .iter()
        .map(|p| {
            p.strip_prefix(&search)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(names.iter().any(|n| n.starts_with("fragment/")));
    assert!(names.iter().any(|n| n.starts_with("index/")));
    assert!(
        !names
            .iter()
            .any(|n| n.contains("-ui") || n.contains("highlight") || n.contains("playground")),
        "Pagefind's own UI was kept: {names:?}"
    );
    let m = manifest(&archive);
    assert_eq!(m["format"], "desk-archive-search");
    assert_eq!(m["language"], "en");
    let shards = m["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 1);
    assert_eq!(shards[0]["dir"], "");
    assert_eq!(shards[0]["sessions"].as_u64(), Some(DEMO_SESSIONS));
    let listed = fs::read_to_string(archive.join("manifest-sha256.txt")).unwrap();
    assert!(listed.contains("  data/search/pagefind.js\n"));
    assert!(listed.contains("  data/search/desk-archive-search.json\n"));
    bag_is_valid(&archive);
    // Fragments group records: far fewer files than the demo's records (chunks).
    let fragments = names.iter().filter(|n| n.starts_with("fragment/")).count();
    assert!(
        fragments < DEMO_SESSIONS as usize,
        "{fragments} fragment files"
    );
}

#[test]
fn only_index_pages_allow_webassembly_and_fetching() {
    let dir = tempfile::tempdir().unwrap();
    render(dir.path(), &["--records", &demo(), "--out", "a"]);
    let data = dir.path().join("a/data");
    let index = fs::read_to_string(data.join("index.html")).unwrap();
    assert!(index.contains(
        "script-src 'self' 'wasm-unsafe-eval'; img-src 'self'; media-src 'self'; \
         font-src 'self'; connect-src 'self';"
    ));
    assert!(index.contains(r#"<script src="assets/search.js" defer></script>"#));
    assert!(index.contains(r#"id="site-search""#));
    for page in files_under(&data.join("sessions"))
        .into_iter()
        .chain(files_under(&data.join("agents")))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
    {
        let html = fs::read_to_string(&page).unwrap();
        assert!(
            html.contains("script-src 'self'; ") && html.contains("connect-src 'none';"),
            "{}",
            page.display()
        );
        assert!(!html.contains("wasm-unsafe-eval"), "{}", page.display());
    }
    // Every message is a target of search results.
    let session =
        fs::read_to_string(data.join("sessions/7bd09592-0743-4f44-8cc7-f2a480e3dac7.html"))
            .unwrap();
    assert!(session.contains(r##"id="m-1""##) && session.contains(r##"href="#m-22""##));
}

/// `--no-search` removes the index, the box and the CSP allowances; the archive remembers
/// it until `--search` (or `no-search = false`).
#[test]
fn no_search_removes_the_index_the_box_and_the_csp_allowances() {
    let dir = tempfile::tempdir().unwrap();
    render(dir.path(), &["--records", &demo(), "--out", "a"]);
    let archive = dir.path().join("a");
    render(dir.path(), &["--out", "a", "--no-search"]);
    assert!(!archive.join("data/search").exists());
    let index = fs::read_to_string(archive.join("data/index.html")).unwrap();
    assert!(!index.contains("site-search") && !index.contains("search.js"));
    assert!(!index.contains("wasm-unsafe-eval") && index.contains("connect-src 'none'"));
    bag_is_valid(&archive);
    // The archive remembers it: a render without the flag leaves the index out.
    render(dir.path(), &["--out", "a"]);
    assert!(!archive.join("data/search").exists());
    // --search brings it back, and says what changed.
    let said = render(dir.path(), &["--out", "a", "--search"]);
    assert!(archive.join("data/search/pagefind.js").is_file());
    assert!(
        said.contains("site search changed from off (as the archive remembered it) to on"),
        "{said}"
    );
    // The config file's key does what --no-search does.
    fs::write(dir.path().join("desk-archive.toml"), "no-search = true\n").unwrap();
    render(dir.path(), &["--out", "a"]);
    assert!(!archive.join("data/search").exists());
    bag_is_valid(&archive);
}

/// One message record whose first (and only) message is at `ms`.
fn record(id: &str, ms: i64, text: &str) -> String {
    format!(
        r#"{{"SessionId":"{id}","TotalCount":1,"FetchedAt":"2026-01-01T00:00:00Z","Metadata":{{}},"Messages":[{{"FromAccount":"c","FromAccountRole":1,"Timestamp":{ms},"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"{text}"}}}}]}}]}}"#
    )
}

/// 501 sessions make two shards: the 500 oldest in `search/`, the newest in `search/2/`.
/// A change in one session rebuilds its shard and leaves the other's files alone; a
/// shard's file changed by hand is rebuilt too.
#[test]
fn a_changed_session_rebuilds_only_its_shard() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    fs::create_dir(&records).unwrap();
    let id = |i: usize| format!("s{i:04}");
    for i in 0..501 {
        let text = format!("message number {i} of the shard test");
        let body = record(&id(i), 1_767_225_600_000 + i as i64 * 60_000, &text);
        fs::write(records.join(format!("{}.json", id(i))), body).unwrap();
    }
    render(dir.path(), &["--records", "records", "--out", "a"]);
    let archive = dir.path().join("a");
    let search = archive.join("data/search");
    let m = manifest(&archive);
    let shards = m["shards"].as_array().unwrap().clone();
    assert_eq!(shards.len(), 2);
    assert_eq!(
        (shards[0]["dir"].as_str(), shards[1]["dir"].as_str()),
        (Some(""), Some("2/"))
    );
    assert_eq!(shards[1]["sessions"].as_u64(), Some(1));
    assert!(search.join("2/pagefind-entry.json").is_file());
    assert!(
        !search.join("2/pagefind.js").exists(),
        "the browser side is in search/ only"
    );
    bag_is_valid(&archive);

    // The newest session changes: shard 2 is rebuilt, shard 1 is not touched.
    let first_shard: Vec<_> = mtimes(&search)
        .into_iter()
        .filter(|(p, _)| {
            !p.starts_with(search.join("2")) && !p.ends_with("desk-archive-search.json")
        })
        .collect();
    let newest = records.join(format!("{}.json", id(500)));
    let body = record(
        &id(500),
        1_767_225_600_000 + 500 * 60_000,
        "a zebracorn appears",
    );
    fs::write(&newest, body).unwrap();
    let log = render(dir.path(), &["--records", "records", "--out", "a"]);
    assert!(log.contains("search index: 1 of 2 shards rebuilt"), "{log}");
    let after = manifest(&archive);
    assert_eq!(after["shards"][0], shards[0]);
    assert_ne!(after["shards"][1]["inputs"], shards[1]["inputs"]);
    for (path, when) in &first_shard {
        let now = fs::metadata(path).unwrap().modified().unwrap();
        assert_eq!(&now, when, "{} was rewritten", path.display());
    }
    bag_is_valid(&archive);

    // A shard's file changed by hand: the next render rebuilds that shard.
    let entry = search.join("2/pagefind-entry.json");
    let good = fs::read(&entry).unwrap();
    fs::write(&entry, b"{}").unwrap();
    let log = render(dir.path(), &["--out", "a"]);
    assert!(log.contains("search index: 1 of 2 shards rebuilt"), "{log}");
    assert_eq!(fs::read(&entry).unwrap(), good);
    bag_is_valid(&archive);

    // A no-op run rewrites nothing of the index.
    let before = mtimes(&search);
    let log = render(dir.path(), &["--out", "a"]);
    assert!(log.contains("search index: 0 of 2 shards rebuilt"), "{log}");
    assert!(
        before == mtimes(&search),
        "a no-op render rewrote search files"
    );
}

/// The gunzipped contents of every file of the search index (Pagefind gzips its
/// fragments and word chunks).
fn index_text(data: &Path) -> String {
    use std::io::Read;
    let mut all = String::new();
    for file in files_under(&data.join("search")) {
        let bytes = fs::read(&file).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            if flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .is_ok()
            {
                all.push_str(&String::from_utf8_lossy(&out));
            }
        }
    }
    all
}

/// A forwarded message's inner messages are on the page, so they are in the index too
/// (`desk-archive search` finds them as well): a word only the inner message holds.
#[test]
fn forwarded_messages_are_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    fs::create_dir(&records).unwrap();
    let relay = r#"{"MsgType":"TIMRelayElem","MsgContent":{"Title":"Chat History","MsgNum":1,"CompatibleText":"[Chat History]","AbstractList":["a: see below"],"MsgList":[{"From_Account":"a","To_Account":"b","MsgSeq":1,"MsgRandom":1,"MsgTimeStamp":1767225600,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"the xylophonia invoice"}}]}]}}"#;
    let record = format!(
        r#"{{"SessionId":"fw-1","TotalCount":1,"FetchedAt":"2026-01-01T00:00:00Z","Metadata":{{}},"Messages":[{{"FromAccount":"c","FromAccountRole":1,"Timestamp":1767225600000,"MsgBody":[{relay}]}}]}}"#
    );
    fs::write(records.join("fw-1.json"), record).unwrap();
    render(dir.path(), &["--records", "records", "--out", "a"]);
    let data = dir.path().join("a/data");
    let stem = desk_archive::records::stem("fw-1");
    let page = fs::read_to_string(data.join(format!("sessions/{stem}.html"))).unwrap();
    assert!(
        page.contains("xylophonia"),
        "the page lacks the inner message"
    );
    assert!(
        index_text(&data).contains("xylophonia"),
        "the search index lacks the inner message"
    );
    assert!(
        !index_text(&data).contains("zebracorn"),
        "the check would find anything"
    );
}
