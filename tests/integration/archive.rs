//! Integration tests: the real binary against the loopback fake desk API — faults on a fifth
//! of the requests, kill -9 and resume, interruption, an invalid key, and secrets.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desk_archive::records::{Record, record_path};

use crate::cli::run;
use crate::fetch::server::{FakeDesk, Fault, Options, messages};

mod interrupt_media;
mod open;
mod unreachable;

const SDKAPPID: &str = "1400000000";
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn server(latency_ms: u64, fault_rate: f64) -> FakeDesk {
    FakeDesk::start(Options {
        verify: Some((
            SDKAPPID.parse().unwrap(),
            KEY.to_owned(),
            "admin".to_owned(),
        )),
        latency: Duration::from_millis(latency_ms),
        fault_rate,
        ..Options::default()
    })
}

/// Adds `n` sessions of varied sizes (0 to 150 messages) and writes their ids to
/// `dir/ids.txt`. Returns the ids.
fn add_sessions(desk: &FakeDesk, dir: &Path, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("session-{i:04}")).collect();
    for (i, id) in ids.iter().enumerate() {
        desk.add_session(id, messages((i * 37) % 151));
    }
    std::fs::write(dir.join("ids.txt"), ids.join("\n")).unwrap();
    ids
}

fn archive_args<'a>(base: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "archive",
        "--sessions",
        "ids.txt",
        "--out",
        "out",
        "--endpoint",
        base,
        "--sdkappid",
        SDKAPPID,
        "--secret-key",
        KEY,
        "--backoff-ms",
        "2",
        "--rate",
        "5000",
    ];
    if !extra.contains(&"--concurrency") {
        args.extend_from_slice(&["--concurrency", "16"]);
    }
    args.extend_from_slice(extra);
    args
}

pub(crate) fn assert_valid_bag(out: &Path) {
    let (code, stdout, stderr) = run(out, &["verify", "."]);
    assert_eq!(code, 0, "verify: {stdout}{stderr}");
    let status = Command::new("bagit.py")
        .arg("--validate")
        .arg(out)
        .output()
        .expect("bagit.py is missing: run scripts/test.sh");
    assert!(
        status.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let leftovers: Vec<_> = walk(out)
        .into_iter()
        .filter(|p| p.contains("desk-archive-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn walk(dir: &Path) -> Vec<String> {
    crate::cli::files_under(dir)
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn assert_records_match(desk: &FakeDesk, out: &Path, ids: &[String]) {
    let records = out.join("data/records");
    for id in ids {
        let record = Record::read(&record_path(&records, id)).unwrap();
        let got: Vec<&str> = record.messages.iter().map(|m| m.get()).collect();
        assert_eq!(got, desk.messages(id), "{id}");
        assert_eq!(record.total_count as usize, got.len());
    }
}

#[test]
fn archive_survives_faults_on_a_fifth_of_requests() {
    let desk = server(0, 0.2);
    let dir = tempfile::tempdir().unwrap();
    let ids = add_sessions(&desk, dir.path(), 250);
    let base = desk.base();
    let (code, stdout, stderr) = run(dir.path(), &archive_args(&base, &["-v"]));
    assert_eq!(code, 0, "{stderr}");
    let out = dir.path().join("out");
    assert_records_match(&desk, &out, &ids);
    assert_valid_bag(&out);
    assert!(out.join("data/index.html").is_file());
    for id in &ids {
        let page = out
            .join("data/sessions")
            .join(format!("{}.html", desk_archive::records::stem(id)));
        assert!(page.is_file(), "no page for {id}");
    }
    // No secret anywhere: not in the output, not in any file of the archive.
    let sigs: Vec<String> = desk
        .seen()
        .iter()
        .filter_map(|s| s.query.get("usersig").cloned())
        .collect();
    assert!(!sigs.is_empty());
    for text in [&stdout, &stderr] {
        assert!(!text.contains(KEY), "key printed");
        assert!(
            !sigs.iter().any(|s| text.contains(s.as_str())),
            "UserSig printed"
        );
    }
    for file in walk(&out) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(KEY), "key in {file}");
        assert!(
            !sigs.iter().any(|s| text.contains(s.as_str())),
            "UserSig in {file}"
        );
    }

    // A re-run fetches nothing and rewrites nothing.
    let mtime = |f: &String| std::fs::metadata(f).unwrap().modified().unwrap();
    let before = walk(&out).iter().map(mtime).max().unwrap();
    let requests = desk.seen().len();
    std::thread::sleep(Duration::from_millis(20));
    let (code, _, stderr) = run(dir.path(), &archive_args(&base, &[]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        desk.seen().len(),
        requests,
        "a complete session was fetched again"
    );
    let changed: Vec<String> = walk(&out)
        .into_iter()
        .filter(|f| mtime(f) > before)
        .collect();
    assert!(changed.is_empty(), "a no-op re-run rewrote {changed:?}");
}

#[test]
fn invalid_key_costs_one_request_and_exit_2() {
    let desk = server(0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    add_sessions(&desk, dir.path(), 30);
    let base = desk.base();
    let mut args = archive_args(&base, &[]);
    let wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    let at = args.iter().position(|a| *a == KEY).unwrap();
    args[at] = wrong;
    let (code, stdout, stderr) = run(dir.path(), &args);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(desk.seen().len(), 1, "more than one request with a bad key");
    assert!(
        stderr.contains("70009") || stderr.to_lowercase().contains("usersig"),
        "{stderr}"
    );
    assert!(!stderr.contains(wrong) && !stdout.contains(wrong));
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    let coverage = std::fs::read_to_string(out.join("data/coverage.json")).unwrap();
    assert_eq!(
        coverage.matches(r#""state":"pending""#).count(),
        30,
        "{coverage}"
    );
}

#[test]
fn failed_sessions_do_not_stop_the_others() {
    let desk = server(0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let ids = add_sessions(&desk, dir.path(), 10);
    desk.faults(&ids[3], [Fault::Code(141004)]);
    desk.faults(&ids[5], [Fault::EchoSig(70402)]);
    let mut list = ids.clone();
    list.push("no-such-session".to_owned());
    std::fs::write(dir.path().join("ids.txt"), list.join("\n")).unwrap();
    let base = desk.base();
    let (code, stdout, stderr) = run(dir.path(), &archive_args(&base, &["-v"]));
    assert_eq!(code, 1, "{stderr}");
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    let coverage = std::fs::read_to_string(out.join("data/coverage.json")).unwrap();
    assert!(coverage.contains(r#""state":"not found""#), "{coverage}");
    assert_eq!(
        coverage.matches(r#""state":"failed""#).count(),
        2,
        "{coverage}"
    );
    assert!(
        coverage.contains("141004") && coverage.contains("70402"),
        "{coverage}"
    );
    assert_eq!(
        coverage.matches(r#""state":"archived""#).count(),
        8,
        "{coverage}"
    );
    let sigs: Vec<String> = desk
        .seen()
        .iter()
        .filter_map(|s| s.query.get("usersig").cloned())
        .collect();
    for file in walk(&out)
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .chain([stdout, stderr])
    {
        assert!(!file.contains(KEY) && !sigs.iter().any(|s| file.contains(s.as_str())));
    }
    let index = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    assert!(
        index.contains("no-such-session"),
        "the index does not list the missing session"
    );
}

/// Starts the archive in the background against a slow server, waits until at least
/// `records` records exist, and returns the child.
fn start_slow_archive(dir: &Path, base: &str, records: usize) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_desk-archive"))
        .args(archive_args(base, &["--concurrency", "4"]))
        .env_clear()
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.txt")).expect("stderr file"))
        .spawn()
        .expect("spawn desk-archive");
    let records_dir = dir.join("out/data/records");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let n = std::fs::read_dir(&records_dir)
            .map(|d| d.count())
            .unwrap_or(0);
        if n >= records {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn killed_run_resumes_to_a_complete_valid_archive() {
    let desk = server(15, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let ids = add_sessions(&desk, dir.path(), 40);
    let base = desk.base();
    let mut child = start_slow_archive(dir.path(), &base, 3);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it was killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let records = dir.path().join("out/data/records");
    let done: Vec<String> = ids
        .iter()
        .filter(|id| record_path(&records, id).is_file())
        .cloned()
        .collect();
    assert!(
        done.len() < ids.len(),
        "the run finished before it was killed"
    );
    for id in &done {
        let record = Record::read(&record_path(&records, id)).expect("a truncated record");
        assert_eq!(record.messages.len(), desk.messages(id).len());
    }
    let seen_before = desk.seen().len();
    let (code, _, stderr) = run(dir.path(), &archive_args(&base, &[]));
    assert_eq!(code, 0, "{stderr}");
    let out = dir.path().join("out");
    assert_records_match(&desk, &out, &ids);
    assert_valid_bag(&out);
    let refetched: Vec<_> = desk.seen()[seen_before..]
        .iter()
        .filter(|s| done.contains(&s.session_id))
        .map(|s| s.session_id.clone())
        .collect();
    assert!(
        refetched.is_empty(),
        "complete sessions fetched again: {refetched:?}"
    );
}

#[test]
fn interrupted_run_leaves_a_valid_bag_with_pending_sessions() {
    let desk = server(20, 0.0);
    let dir = tempfile::tempdir().unwrap();
    add_sessions(&desk, dir.path(), 60);
    let base = desk.base();
    let mut child = start_slow_archive(dir.path(), &base, 2);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it was interrupted"
    );
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    let coverage = std::fs::read_to_string(out.join("data/coverage.json")).unwrap();
    assert!(coverage.contains(r#""state":"pending""#), "{coverage}");
    assert!(out.join("data/index.html").is_file());
}

/// Media capture through the binary: an image a message references is stored once under
/// data/media, the page shows the local copy, a 404 is shown as "media not archived", the
/// bag covers the media, and the exit code ignores the media failure.
#[test]
fn archive_captures_media_and_pages_use_the_local_copy() {
    use crate::media::server::{MediaServer, Route};
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let media = MediaServer::start(std::collections::HashMap::from([
        ("/a.png".to_owned(), Route::Bytes("image/png", png)),
        ("/gone.png".to_owned(), Route::Status(404)),
    ]));
    let image = |url: &str| {
        format!(
            r#"{{"FromAccount":"c","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[{{"MsgType":"TIMImageElem","MsgContent":{{"UUID":"u","ImageFormat":3,"ImageInfoArray":[{{"Type":1,"Size":30,"Width":1,"Height":1,"URL":"{url}"}}]}}}}]}}"#
        )
    };
    let desk = server(0, 0.0);
    desk.add_session(
        "with-media",
        vec![image(&media.url("/a.png")), image(&media.url("/gone.png"))],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "with-media\n").unwrap();
    let base = desk.base();
    let (code, _, stderr) = run(
        dir.path(),
        &archive_args(&base, &["--media-allow-host", "127.0.0.1"]),
    );
    assert_eq!(code, 0, "a media failure changed the exit code: {stderr}");
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    let stored: Vec<String> = walk(&out.join("data/media"))
        .into_iter()
        .filter(|f| f.ends_with(".png"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let stem = desk_archive::records::stem("with-media");
    let page = std::fs::read_to_string(out.join(format!("data/sessions/{stem}.html"))).unwrap();
    assert!(
        page.contains("src=\"../media/"),
        "the page does not use the local copy"
    );
    assert!(
        page.contains("/gone.png") && page.to_lowercase().contains("media not archived"),
        "the failed URL is not shown"
    );
    let manifest = std::fs::read_to_string(out.join("manifest-sha256.txt")).unwrap();
    assert!(
        manifest.contains("data/media/"),
        "media not in the manifest"
    );
    let coverage = std::fs::read_to_string(out.join("data/coverage.json")).unwrap();
    assert!(
        coverage.contains(r#""media":{"archived":1,"skipped":0,"failed":1}"#),
        "{coverage}"
    );
}
