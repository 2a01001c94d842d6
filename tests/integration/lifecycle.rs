//! Lifecycle (SPEC §14) through the real binary, against the fake desk API and the media
//! server on 127.0.0.1: erasure (shared media stays, a session's own media goes, erased
//! sessions are never fetched again), legal holds (refused, nothing changed), retention
//! with a fixed clock, publish targets named by `erase`, and the audit log's chain.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::archive::assert_valid_bag;
use crate::cli::{desk, files_under};
use crate::fetch::server::{FakeDesk, Options};
use crate::media::server::{MediaServer, Route};

const SDKAPPID: &str = "1400000000";
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// 2024-01-01T00:00:00Z, in ms: the old sessions' time.
const OLD_MS: i64 = 1_704_067_200_000;
/// 2025-12-20T00:00:00Z, in ms: the recent session's time.
const RECENT_MS: i64 = 1_766_188_800_000;
/// The fixed clock of the prune tests: 2026-01-01T00:00:00Z, in seconds.
const NOW: &str = "1767225600";

/// A fake desk with four sessions and a media server with their media:
/// `s-one` (cust-1 and agent-1) and `s-two` (cust-2) show `/shared.png`; `s-three`
/// (cust-3) shows it too and alone holds the video `/clip.mp4`; `s-four` (cust-1, recent)
/// is text only.
struct World {
    dir: tempfile::TempDir,
    desk: FakeDesk,
    media: MediaServer,
}

impl World {
    fn new() -> World {
        let mut mp4 = b"\0\0\0\x18ftypmp42".to_vec();
        mp4.extend_from_slice(&[7u8; 64]);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&[0u8; 40]);
        let media = MediaServer::start(HashMap::from([
            ("/shared.png".to_owned(), Route::Bytes("image/png", png)),
            ("/clip.mp4".to_owned(), Route::Bytes("video/mp4", mp4)),
        ]));
        let desk = FakeDesk::start(Options {
            verify: Some((
                SDKAPPID.parse().unwrap(),
                KEY.to_owned(),
                "admin".to_owned(),
            )),
            ..Options::default()
        });
        let image = image(&media.url("/shared.png"));
        let video = format!(
            r#"{{"MsgType":"TIMVideoFileElem","MsgContent":{{"VideoUrl":"{}","VideoSecond":4,"VideoFormat":"mp4"}}}}"#,
            media.url("/clip.mp4")
        );
        desk.add_session(
            "s-one",
            vec![
                message("cust-1", 1, OLD_MS, &text("my order is late")),
                message("cust-1", 1, OLD_MS + 1000, &image),
                message("agent-1", 2, OLD_MS + 60_000, &text("sorry, on it")),
            ],
        );
        desk.add_session("s-two", vec![message("cust-2", 1, OLD_MS, &image)]);
        desk.add_session(
            "s-three",
            vec![
                message("cust-3", 1, OLD_MS, &image),
                message("cust-3", 1, OLD_MS + 2000, &video),
                message("agent-2", 2, OLD_MS + 9000, &text("got the video")),
            ],
        );
        desk.add_session(
            "s-four",
            vec![message("cust-1", 1, RECENT_MS, &text("hi again"))],
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ids.txt"),
            "s-one\ns-two\ns-three\ns-four\n",
        )
        .unwrap();
        World { dir, desk, media }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    /// Runs the binary in the test folder with `env` set; (code, stdout, stderr).
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = desk(self.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.args(args).output().expect("run desk-archive");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(args, &[])
    }

    /// `archive` of ids.txt into `out`, with media from 127.0.0.1.
    fn archive(&self, extra: &[&str]) -> (i32, String, String) {
        let base = self.desk.base();
        let mut args = vec![
            "archive",
            "--sessions",
            "ids.txt",
            "--out",
            "out",
            "--endpoint",
            &base,
            "--sdkappid",
            SDKAPPID,
            "--secret-key",
            KEY,
            "--backoff-ms",
            "2",
            "--media-allow-host",
            "127.0.0.1",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Archives the four sessions and checks the bag.
    fn archived() -> World {
        let world = World::new();
        let (code, _, stderr) = world.archive(&[]);
        assert_eq!(code, 0, "{stderr}");
        assert_valid_bag(&world.out());
        world
    }

    /// Requests the fake desk saw for one session.
    fn requests_for(&self, id: &str) -> usize {
        self.desk
            .seen()
            .iter()
            .filter(|s| s.session_id == id)
            .count()
    }

    /// The stored media file of a URL path (`/clip.mp4`), from the media index.
    fn media_file(&self, path: &str) -> PathBuf {
        let index = json(&self.out().join("data/media/index.json"));
        let stored = &index["media"][self.media.url(path)]["path"];
        self.out()
            .join("data")
            .join(stored.as_str().expect("captured"))
    }

    fn coverage_state(&self, id: &str) -> serde_json::Value {
        let coverage = json(&self.out().join("data/coverage.json"));
        coverage["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["session_id"] == id)
            .cloned()
            .unwrap_or_default()
    }
}

fn message(account: &str, role: u8, ms: i64, element: &str) -> String {
    format!(
        r#"{{"FromAccount":"{account}","FromAccountRole":{role},"MsgBody":[{element}],"Timestamp":{ms}}}"#
    )
}

fn text(t: &str) -> String {
    format!(r#"{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"{t}"}}}}"#)
}

fn image(url: &str) -> String {
    format!(
        r#"{{"MsgType":"TIMImageElem","MsgContent":{{"UUID":"img","ImageFormat":3,"ImageInfoArray":[{{"Type":1,"Width":4,"Height":4,"URL":"{url}"}}]}}}}"#
    )
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn audit_entries(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("data/audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every file of the archive with its bytes (the stat cache is outside it).
fn tree(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(out)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(out).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// Whether any file of the archive holds `needle`.
/// The files under `out` that hold `needle`, looking inside gzip files too (the site
/// search index keeps its words and fragments gzipped).
fn files_holding(out: &Path, needle: &str) -> Vec<PathBuf> {
    let holds = |bytes: &[u8]| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    tree(out)
        .into_iter()
        .filter(|(_, bytes)| holds(bytes) || gunzip(bytes).is_some_and(|b| holds(&b)))
        .map(|(p, _)| p)
        .collect()
}

fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn stem_page(out: &Path, id: &str) -> PathBuf {
    out.join("data/sessions")
        .join(format!("{}.html", desk_archive::records::stem(id)))
}

#[test]
fn erasure_keeps_shared_media_removes_a_sessions_own_and_is_never_fetched_again() {
    let w = World::archived();
    let out = w.out();
    let (shared, clip) = (w.media_file("/shared.png"), w.media_file("/clip.mp4"));
    assert!(shared.is_file() && clip.is_file());

    // One of three sessions sharing the image: the image stays.
    let (code, _, stderr) = w.run(&[
        "erase",
        "out",
        "--session",
        "s-one",
        "--reason",
        "GDPR ticket 42",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        shared.is_file(),
        "the image two other sessions show was removed"
    );
    assert!(!stem_page(&out, "s-one").exists());
    assert!(!desk_archive::records::record_path(&out.join("data/records"), "s-one").exists());
    let entry = w.coverage_state("s-one");
    assert_eq!(entry["state"], "erased");
    assert_eq!(entry["reason"], "GDPR ticket 42");
    for page in ["data/index.html", "data/stats.json", "data/index.md"] {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(
            !text.contains("s-one"),
            "{page} still names the erased session"
        );
    }
    let last = audit_entries(&out).pop().unwrap();
    assert_eq!(last["command"], "erase");
    assert_eq!(last["erased"][0]["session_id"], "s-one");
    assert_eq!(last["erased"][0]["reason"], "GDPR ticket 42");
    assert_valid_bag(&out);

    // The one session with the video: the video goes, the shared image stays.
    let (code, _, stderr) = w.run(&[
        "erase",
        "out",
        "--session",
        "s-three",
        "--reason",
        "request 43",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !clip.exists(),
        "the video only the erased session showed is still there"
    );
    assert!(shared.is_file());
    let index = std::fs::read_to_string(out.join("data/media/index.json")).unwrap();
    assert!(!index.contains("clip.mp4"), "{index}");
    assert_valid_bag(&out);

    // Listed again in a nightly run: not fetched, still erased; the rest as usual.
    let before = w.requests_for("s-one");
    let (code, _, stderr) = w.archive(&["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("2 listed session(s) were erased"),
        "{stderr}"
    );
    assert_eq!(
        w.requests_for("s-one"),
        before,
        "an erased session was fetched"
    );
    assert_eq!(w.coverage_state("s-one")["state"], "erased");
    assert!(!stem_page(&out, "s-one").exists());
    assert_valid_bag(&out);

    // Only on purpose.
    let (code, _, stderr) = w.archive(&["--include-erased"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(w.requests_for("s-one") > before);
    assert_eq!(w.coverage_state("s-one")["state"], "archived");
    assert!(stem_page(&out, "s-one").is_file());
    assert_valid_bag(&out);
}

#[test]
fn the_last_session_showing_an_image_takes_it_along() {
    let w = World::archived();
    let shared = w.media_file("/shared.png");
    let (code, stdout, stderr) = w.run(&[
        "erase",
        "out",
        "--session",
        "s-one",
        "s-two",
        "s-three",
        "--reason",
        "test",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let rel = shared.strip_prefix(w.out()).unwrap().display().to_string();
    assert!(stdout.contains(&format!("remove {rel}")), "{stdout}");
    assert!(shared.is_file(), "a dry run removed a file");
    // The same sessions from a sessions file, as an erasure request may list them.
    std::fs::write(w.path().join("gone.txt"), "s-one\ns-two\ns-three\n").unwrap();
    let (code, _, stderr) = w.run(&["erase", "out", "--sessions", "gone.txt", "--reason", "test"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!shared.exists());
    for id in ["s-one", "s-two", "s-three"] {
        assert_eq!(w.coverage_state(id)["state"], "erased", "{id}");
    }
    assert_eq!(w.coverage_state("s-four")["state"], "archived");
    assert_valid_bag(&w.out());
}

#[test]
fn erasing_an_account_leaves_it_nowhere_in_the_archive() {
    let w = World::archived();
    let out = w.out();
    assert!(!files_holding(&out, "cust-1").is_empty());
    let (code, stdout, stderr) = w.run(&[
        "erase",
        "out",
        "--account",
        "cust-1",
        "--reason",
        "PIPL request 7",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(result["erased"], serde_json::json!(["s-four", "s-one"]));
    assert_eq!(w.coverage_state("s-four")["state"], "erased");
    assert_eq!(w.coverage_state("s-two")["state"], "archived");
    let traces = files_holding(&out, "cust-1");
    assert!(traces.is_empty(), "the account is still in {traces:?}");
    // The audit log names the account by its salted digest, as documented.
    let info = std::fs::read_to_string(out.join("bag-info.txt")).unwrap();
    let salt = info
        .lines()
        .find_map(|l| l.strip_prefix("Desk-Archive-Audit-Salt: "))
        .expect("a salt in bag-info.txt");
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(format!("{salt}cust-1")))
    );
    assert_eq!(
        audit_entries(&out).pop().unwrap()["options"]["account"],
        digest
    );
    // The agent who answered only cust-1 has no page left; the others keep theirs.
    assert!(!out.join("data/agents").join("agent-1.html").exists());
    assert_valid_bag(&out);
    // A second erasure of the same account finds nothing and changes nothing.
    let before = tree(&out);
    let (code, _, stderr) = w.run(&["erase", "out", "--account", "cust-1", "--reason", "again"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tree(&out), before, "a no-op erase changed the archive");
}

#[test]
fn a_hold_refuses_erasure_and_changes_nothing() {
    let w = World::archived();
    let out = w.out();
    let (code, _, stderr) = w.run(&[
        "hold",
        "out",
        "--session",
        "s-two",
        "--reason",
        "matter 2026-17",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_valid_bag(&out);
    let before = tree(&out);
    let (code, stdout, stderr) = w.run(&[
        "erase",
        "out",
        "--session",
        "s-one",
        "s-two",
        "--reason",
        "GDPR",
        "--json",
    ]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("`s-two`: on hold since") && stderr.contains("matter 2026-17"),
        "{stderr}"
    );
    assert!(!stderr.contains("`s-one`"), "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(result["exit_code"], 5);
    assert_eq!(tree(&out), before, "a refused erase changed the archive");
    let (code, _, _) = w.run(&[
        "erase",
        "out",
        "--session",
        "s-two",
        "--reason",
        "x",
        "--dry-run",
    ]);
    assert_eq!(code, 5);

    // A hold on an account covers a session archived after it was placed.
    let (code, _, stderr) = w.run(&[
        "hold",
        "out",
        "--account",
        "cust-9",
        "--reason",
        "matter 18",
    ]);
    assert_eq!(code, 0, "{stderr}");
    w.desk.add_session(
        "s-five",
        vec![message("cust-9", 1, RECENT_MS, &text("late one"))],
    );
    std::fs::write(
        w.path().join("ids.txt"),
        "s-one\ns-two\ns-three\ns-four\ns-five\n",
    )
    .unwrap();
    let (code, _, stderr) = w.archive(&[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-five", "--reason", "x"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("held by account sha256:"), "{stderr}");
    let holds = std::fs::read_to_string(out.join("data/holds.json")).unwrap();
    assert!(
        !holds.contains("cust-9") && holds.contains("sha256:"),
        "{holds}"
    );

    // Held sessions are never fetched again, not even with --refresh.
    let (two, three) = (w.requests_for("s-two"), w.requests_for("s-three"));
    let (code, _, stderr) = w.archive(&["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("on legal hold are not fetched again"),
        "{stderr}"
    );
    assert_eq!(w.requests_for("s-two"), two);
    assert!(w.requests_for("s-three") > three);

    let (code, stdout, _) = w.run(&["hold", "out", "--list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let holds = list["holds"].as_array().unwrap();
    assert_eq!(holds.len(), 2);
    assert_eq!(holds[0]["session_id"], "s-two");
    assert_eq!(holds[1]["sessions"], serde_json::json!(["s-five"]));
    assert!(!stdout.contains("cust-9"));

    // Lifted, the erasure goes through; every step left a valid bag.
    let (code, _, stderr) = w.run(&["hold", "out", "--release", "--session", "s-two"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-two", "--reason", "GDPR"]);
    assert_eq!(code, 0, "{stderr}");
    // The account's hold lifted (by the account, as placed), its later session goes too.
    let (code, _, stderr) = w.run(&["hold", "out", "--release", "--account", "cust-9"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-five", "--reason", "x"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = w.run(&["hold", "out", "--list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(list["holds"], serde_json::json!([]), "{stdout}");
    let commands: Vec<String> = audit_entries(&out)
        .iter()
        .map(|e| e["command"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        commands,
        [
            "archive", "hold", "hold", "archive", "hold", "erase", "hold", "erase"
        ],
        "a refused or no-op command appended an entry"
    );
    assert_valid_bag(&out);
}

#[test]
fn prune_erases_by_age_on_a_fixed_clock_keeping_held_sessions() {
    let w = World::archived();
    let out = w.out();
    let clock = [("DESK_ARCHIVE_NOW", NOW)];
    // No period yet, and never one from a config file.
    let (code, _, stderr) = w.run_env(&["prune", "out"], &clock);
    assert_eq!(code, 2, "{stderr}");
    std::fs::write(w.path().join("desk-archive.toml"), "retention-days = 1\n").unwrap();
    let (code, _, stderr) = w.run_env(&["prune", "out"], &clock);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("retention-days"), "{stderr}");
    std::fs::remove_file(w.path().join("desk-archive.toml")).unwrap();

    let (code, _, stderr) = w.run(&["prune", "out", "--set-retention-days", "30"]);
    assert_eq!(code, 0, "{stderr}");
    let info = std::fs::read_to_string(out.join("bag-info.txt")).unwrap();
    assert!(info.contains("Desk-Archive-Retention-Days: 30\n"), "{info}");
    assert!(
        info.contains("Desk-Archive-Retention-Minimum-Days: 30\n"),
        "{info}"
    );
    assert_eq!(
        audit_entries(&out).pop().unwrap()["settings"]["retention_days"],
        30
    );
    assert_valid_bag(&out);

    let (code, _, stderr) = w.run(&[
        "hold",
        "out",
        "--session",
        "s-three",
        "--reason",
        "matter 3",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let before = tree(&out);
    let (code, stdout, stderr) = w.run_env(&["prune", "out", "--dry-run"], &clock);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "erase s-one\nerase s-two\n");
    assert!(
        stderr.contains("`s-three` is past the retention period but on legal hold"),
        "{stderr}"
    );
    assert_eq!(tree(&out), before, "a dry run changed the archive");

    let (code, _, stderr) = w.run_env(&["prune", "out"], &clock);
    assert_eq!(code, 0, "{stderr}");
    for (id, state) in [
        ("s-one", "erased"),
        ("s-two", "erased"),
        ("s-three", "archived"),
        ("s-four", "archived"),
    ] {
        assert_eq!(w.coverage_state(id)["state"], state, "{id}");
    }
    assert_eq!(
        w.coverage_state("s-one")["reason"],
        "retention: last message more than 30 days old"
    );
    let last = audit_entries(&out).pop().unwrap();
    assert_eq!(
        (last["command"].as_str(), last["counts"]["erased"].as_u64()),
        (Some("prune"), Some(2))
    );
    // The clock the ages were measured against is on record.
    assert_eq!(last["options"]["now"], "2026-01-01T00:00:00Z");
    assert_valid_bag(&out);

    // Below the recorded minimum only on purpose.
    let before = tree(&out);
    let (code, _, stderr) = w.run_env(&["prune", "out", "--retention-days", "10"], &clock);
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(tree(&out), before);
    let (code, _, stderr) = w.run_env(
        &[
            "prune",
            "out",
            "--retention-days",
            "10",
            "--lower-retention",
        ],
        &clock,
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(w.coverage_state("s-four")["state"], "erased");
    assert_valid_bag(&out);
}

#[test]
fn erase_names_the_publish_targets_and_the_next_publish_removes_their_copies() {
    let w = World::archived();
    let out = w.out();
    let target = w.path().join("site-copy");
    let url = format!("file://{}", target.display());
    let (code, _, stderr) = w.run(&["publish", "out", "--to", &url]);
    assert_eq!(code, 0, "{stderr}");
    let listed = std::fs::read_to_string(out.join("desk-archive-published.txt")).unwrap();
    assert!(listed.contains(&format!("\tsite\t{url}\t")), "{listed}");
    let (code, _, stderr) = w.run(&["verify", "out"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("not part of the bag"), "{stderr}");
    let page = format!("sessions/{}.html", desk_archive::records::stem("s-two"));
    assert!(target.join(&page).is_file());

    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-two", "--reason", "GDPR 9"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&url) && stderr.contains("next `desk-archive publish`"),
        "{stderr}"
    );
    let (code, _, stderr) = w.run(&["publish", "out", "--to", &url]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !target.join(&page).exists(),
        "the erased session's page is still published"
    );
    assert_valid_bag(&out);
}

#[test]
fn render_never_imports_an_erased_session_again() {
    let w = World::archived();
    let out = w.out();
    let copies = w.path().join("copies");
    std::fs::create_dir(&copies).unwrap();
    for id in ["s-one", "s-two"] {
        let record = desk_archive::records::record_path(&out.join("data/records"), id);
        std::fs::copy(&record, copies.join(format!("{id}.json"))).unwrap();
    }
    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-one", "--reason", "r"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = w.run(&["render", "--out", "out", "--records", "copies"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("1 record(s) of erased sessions not imported"),
        "{stderr}"
    );
    assert!(!stem_page(&out, "s-one").exists());
    assert_valid_bag(&out);
    let (code, _, stderr) = w.run(&[
        "render",
        "--out",
        "out",
        "--records",
        "copies",
        "--include-erased",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stem_page(&out, "s-one").is_file());
    assert_eq!(w.coverage_state("s-one")["state"], "archived");
    assert_valid_bag(&out);
}

#[test]
fn the_audit_log_is_readable_and_verify_names_an_edited_entry() {
    let w = World::archived();
    let out = w.out();
    for args in [
        &["hold", "out", "--session", "s-two", "--reason", "m1"][..],
        &["erase", "out", "--session", "s-one", "--reason", "r1"],
        &["hold", "out", "--release", "--session", "s-two"],
    ] {
        let (code, _, stderr) = w.run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (code, _, stderr) = w.run(&["verify", "out"]);
    assert_eq!(code, 0, "{stderr}");
    // The index links to the audit page, which shows every entry and the chain head.
    let index = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    assert!(index.contains("href=\"audit.html\""));
    let page = std::fs::read_to_string(out.join("data/audit.html")).unwrap();
    let log = std::fs::read_to_string(out.join("data/audit.jsonl")).unwrap();
    let head = hex::encode(Sha256::digest(log.lines().last().unwrap()));
    assert!(page.contains(&head), "the chain head is not on the page");
    assert_eq!(page.matches("<tr id=\"e-").count(), 4);
    assert!(page.contains("r1"));
    // Consecutive entries meet: what one left is what the next found.
    let entries = audit_entries(&out);
    for pair in entries.windows(2) {
        assert_eq!(pair[0]["after"], pair[1]["before"]);
    }

    // Entry 2 edited (its reason made to look innocent): verify names it.
    let edited: Vec<String> = log
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 1 {
                l.replacen("m1", "m2", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    assert_ne!(edited.join("\n") + "\n", log);
    std::fs::write(out.join("data/audit.jsonl"), edited.join("\n") + "\n").unwrap();
    let (code, stdout, _) = w.run(&["verify", "out"]);
    assert_eq!(code, 3);
    assert!(
        stdout.contains("broken hash chain at line 2 (entry 2)"),
        "{stdout}"
    );
}

#[test]
fn an_erased_session_leaves_only_its_id_and_reason_behind() {
    let w = World::archived();
    let out = w.out();
    let stem = desk_archive::records::stem("s-one");
    let md = out.join("data/sessions").join(format!("{stem}.md"));
    assert!(md.is_file());
    let cache = w.path().join(".cache");
    let in_cache = |needle: &str| !files_holding(&cache, needle).is_empty();
    assert!(in_cache(&stem), "the stat cache does not list the record");
    for said in ["my order is late", "sorry, on it"] {
        assert!(!files_holding(&out, said).is_empty());
    }
    let in_index = |said: &str| {
        files_holding(&out, said)
            .iter()
            .any(|p| p.starts_with("data/search"))
    };
    assert!(
        in_index("my order is late"),
        "the search index lacks the session"
    );

    let (code, _, stderr) = w.run(&["erase", "out", "--session", "s-one", "--reason", "T-1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!md.exists(), "the Markdown page is still there");
    // Nothing it said is left anywhere: records, pages, Markdown, stats, state, stat cache.
    for said in ["my order is late", "sorry, on it"] {
        let traces = files_holding(&out, said);
        assert!(traces.is_empty(), "`{said}` is still in {traces:?}");
        assert!(!in_cache(said));
    }
    assert!(
        !in_cache(&stem),
        "the stat cache still lists the erased record"
    );
    // Its id and the reason stay where the erasure is recorded, and nowhere else.
    let mut holding: Vec<String> = files_holding(&out, "s-one")
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    holding.sort();
    assert_eq!(
        holding,
        ["data/audit.html", "data/audit.jsonl", "data/coverage.json"],
        "the erased SessionId is named elsewhere too"
    );
    assert_valid_bag(&out);
}

#[test]
fn a_disclosure_shows_on_the_audit_page_and_the_bag_stays_valid() {
    let w = World::archived();
    let out = w.out();
    let (code, _, stderr) = w.run(&["share", "out", "s-two", "--out", "two.html"]);
    assert_eq!(code, 0, "{stderr}");
    let last = audit_entries(&out).pop().unwrap();
    assert_eq!(last["command"], "share");
    let page = std::fs::read_to_string(out.join("data/audit.html")).unwrap();
    let log = std::fs::read_to_string(out.join("data/audit.jsonl")).unwrap();
    let head = hex::encode(Sha256::digest(log.lines().last().unwrap()));
    assert!(page.contains(&head), "the audit page misses the disclosure");
    assert_eq!(page.matches("<tr id=\"e-").count(), 2);
    assert_valid_bag(&out);
}

/// A reason is untrusted text like any other: on the audit page it is escaped, runs
/// nothing and loads nothing, and the page passes the Nu checker and the browser check.
#[test]
fn hostile_reasons_on_the_audit_page_run_nothing() {
    let w = World::archived();
    let out = w.out();
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> \u{202e}evil";
    for args in [
        &["hold", "out", "--session", "s-two", "--reason", hostile][..],
        &["erase", "out", "--session", "s-one", "--reason", hostile],
    ] {
        let (code, _, stderr) = w.run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let page = std::fs::read_to_string(out.join("data/audit.html")).unwrap();
    assert!(!page.contains("<script>alert") && !page.contains("<img src=x"));
    assert!(
        page.contains("&#60;script&#62;alert(1)"),
        "the reason is not shown"
    );
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let data = out.join("data");
    for (program, script) in [("bash", "vnu.sh"), ("node", "check.mjs")] {
        let result = std::process::Command::new(program)
            .arg(browser.join(script))
            .arg(&data)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program} (scripts/test.sh installs it): {e}"));
        assert!(
            result.status.success(),
            "{script}: {}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }
}
