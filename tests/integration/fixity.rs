//! Fixity across runs (SPEC §9): changed evidence is never taken in silently, a killed
//! run's own files are, one writer at a time, re-fetches never drop a record, and every
//! change leaves a hash-chained audit entry.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cli::{desk, files_under, run};
use crate::fetch::server::{FakeDesk, Options, messages};

const SDKAPPID: &str = "1400000000";
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records")
}

/// Renders the demo into `dir/a`; returns the archive's path.
fn demo_archive(dir: &Path) -> PathBuf {
    let (code, _, stderr) = run(
        dir,
        &[
            "render",
            "-q",
            "--records",
            demo().to_str().unwrap(),
            "--out",
            "a",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    dir.join("a")
}

fn first_record(archive: &Path) -> PathBuf {
    files_under(&archive.join("data/records"))
        .into_iter()
        .next()
        .unwrap()
}

fn audit_lines(archive: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(archive.join("data/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn bagit_valid(archive: &Path) -> bool {
    std::process::Command::new("bagit.py")
        .args(["--validate", "--quiet"])
        .arg(archive)
        .status()
        .expect("bagit.py is missing: run scripts/test.sh")
        .success()
}

#[test]
fn a_tampered_record_is_never_blessed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let record = first_record(&archive);
    let text = std::fs::read_to_string(&record).unwrap();
    let tampered = text.replacen("\"Text\":\"", "\"Text\":\"(edited) ", 1);
    assert_ne!(text, tampered);
    std::fs::write(&record, &tampered).unwrap();
    let (code, _, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 3);
    // The next routine run refuses, names the file and writes nothing.
    let manifest = std::fs::read(archive.join("manifest-sha256.txt")).unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 3, "{stderr}");
    let name = record.file_name().unwrap().to_str().unwrap();
    assert!(
        stderr.contains(&format!("changed: data/records/{name}")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(archive.join("manifest-sha256.txt")).unwrap(),
        manifest
    );
    let (code, _, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 3, "still invalid: nothing was re-blessed");
    // Taken as it is only when asked, with a warning and an audit entry.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a", "--accept-changes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("accepted as it is"), "{stderr}");
    let entries = audit_lines(&archive);
    let last = entries.last().unwrap();
    assert_eq!(
        last["accepted_changes"][0],
        format!("changed: data/records/{name}")
    );
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0);
    assert!(bagit_valid(&archive));
}

#[test]
fn an_edited_state_file_is_ignored_and_its_figures_never_reach_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let stats = std::fs::read(archive.join("data/stats.json")).unwrap();
    let state = archive.join("desk-archive-state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    let forged = text.replacen("\"total\":", "\"total\":9", 1);
    assert_ne!(text, forged);
    std::fs::write(&state, forged).unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("does not match the tag manifest"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(archive.join("data/stats.json")).unwrap(),
        stats
    );
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0);
}

#[test]
fn files_a_killed_run_finished_are_taken_in_without_accept_changes() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    // What a run killed after renaming a new record, before its manifests, leaves: the
    // record and its line in the write-ahead list.
    let record = first_record(&archive);
    let bytes = std::fs::read(&record).unwrap();
    let new = archive.join("data/records/late-session-0123456789abcdef0123.json");
    let moved =
        String::from_utf8(bytes)
            .unwrap()
            .replacen("\"SessionId\":\"", "\"SessionId\":\"late-", 1);
    std::fs::write(&new, &moved).unwrap();
    let sha = hex::encode(Sha256::digest(moved.as_bytes()));
    std::fs::write(
        archive.join("desk-archive-wal.txt"),
        format!("{sha}  data/records/late-session-0123456789abcdef0123.json\n"),
    )
    .unwrap();
    // verify reports the unlisted record but not the list itself.
    let (code, stdout, stderr) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 3);
    assert!(!format!("{stdout}{stderr}").contains("desk-archive-wal.txt"));
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !archive.join("desk-archive-wal.txt").exists(),
        "cleared after the run"
    );
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0);
    assert!(bagit_valid(&archive));
    // The same file without the list is someone else's: refused.
    let other = archive.join("data/records/other.json");
    std::fs::write(&other, moved.replacen("late-", "other-", 1)).unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("not in the manifest: data/records/other.json"));
}

#[test]
fn a_second_writer_waits_then_exits_4_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let held = std::fs::File::open(&archive).unwrap();
    held.lock().unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a", "--lock-wait", "1"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("is locked by"), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", std::process::id())),
        "{stderr}"
    );
    // Readers wait for writers too.
    let (code, _, stderr) = run(dir.path(), &["verify", "a", "--lock-wait", "0"]);
    assert_eq!(code, 4, "{stderr}");
    held.unlock().unwrap();
    held.lock_shared().unwrap();
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0, "readers share");
    drop(held);
    assert_eq!(run(dir.path(), &["render", "-q", "--out", "a"]).0, 0);
}

#[test]
fn no_op_runs_append_nothing_and_a_broken_chain_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    assert_eq!(audit_lines(&archive).len(), 1);
    assert_eq!(run(dir.path(), &["render", "-q", "--out", "a"]).0, 0);
    assert_eq!(
        audit_lines(&archive).len(),
        1,
        "a no-op run appends nothing"
    );
    let (code, _, stderr) = run(
        dir.path(),
        &["render", "-q", "--out", "a", "--timezone", "Asia/Shanghai"],
    );
    assert_eq!(code, 0, "{stderr}");
    let entries = audit_lines(&archive);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["options"]["timezone"], "Asia/Shanghai");
    assert_eq!(entries[1]["before"], entries[0]["after"]);
    let text = std::fs::read_to_string(archive.join("data/audit.jsonl")).unwrap();
    assert!(!text.contains(KEY));
    // Rewriting an entry (and re-hashing the manifests to hide it) breaks the chain.
    let forged = text.replacen("\"render\"", "\"erase\"", 1);
    std::fs::write(archive.join("data/audit.jsonl"), forged).unwrap();
    let (code, _, _) = run(
        dir.path(),
        &["render", "-q", "--out", "a", "--accept-changes"],
    );
    assert_eq!(code, 0);
    let (code, stdout, _) = run(dir.path(), &["verify", "a"]);
    assert_eq!(code, 3);
    assert!(
        stdout.contains("data/audit.jsonl: broken hash chain at line 1 (entry 1): changed"),
        "{stdout}"
    );
}

fn desk_server() -> FakeDesk {
    FakeDesk::start(Options {
        verify: Some((
            SDKAPPID.parse().unwrap(),
            KEY.to_owned(),
            "admin".to_owned(),
        )),
        latency: std::time::Duration::ZERO,
        fault_rate: 0.0,
        ..Options::default()
    })
}

fn archive_cmd(dir: &Path, base: &str, extra: &[&str]) -> (i32, String, String) {
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
        "--no-media",
    ];
    args.extend_from_slice(extra);
    let output = desk(dir).args(&args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_refetch_that_does_not_extend_a_record_keeps_the_old_one() {
    let desk_api = desk_server();
    let dir = tempfile::tempdir().unwrap();
    desk_api.add_session("s-1", messages(3));
    std::fs::write(dir.path().join("ids.txt"), "s-1\n").unwrap();
    let (code, _, stderr) = archive_cmd(dir.path(), &desk_api.base(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let records = dir.path().join("out/data/records");
    let record = desk_archive::records::record_path(&records, "s-1");
    let first = std::fs::read(&record).unwrap();
    // The same answer again: nothing rewritten, FetchedAt included.
    let (code, _, stderr) = archive_cmd(dir.path(), &desk_api.base(), &["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(&record).unwrap(), first);
    // The server now answers other messages: the old record is kept aside.
    let mut changed = messages(4);
    changed.swap(0, 1);
    desk_api.add_session("s-1", changed);
    let (code, _, stderr) = archive_cmd(dir.path(), &desk_api.base(), &["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("old record is kept"), "{stderr}");
    let stem = desk_archive::records::stem("s-1");
    let aside = records.join(format!("{stem}.superseded-1.json"));
    assert_eq!(std::fs::read(&aside).unwrap(), first);
    let entries = audit_lines(&dir.path().join("out"));
    assert_eq!(
        entries.last().unwrap()["superseded"][0],
        format!("data/records/{stem}.superseded-1.json")
    );
    assert_eq!(run(dir.path(), &["verify", "out"]).0, 0);
    assert!(bagit_valid(&dir.path().join("out")));
}

#[test]
fn a_truncated_record_from_an_older_version_is_fetched_again_not_skipped() {
    let desk_api = desk_server();
    let dir = tempfile::tempdir().unwrap();
    desk_api.add_session("s-1", messages(5));
    desk_api.add_session("s-2", messages(2));
    std::fs::write(dir.path().join("ids.txt"), "s-1\ns-2\n").unwrap();
    assert_eq!(archive_cmd(dir.path(), &desk_api.base(), &[]).0, 0);
    // What versions that wrote records in place could leave after a crash, listed in the
    // manifests by a later run: a record cut short.
    let record = desk_archive::records::record_path(&dir.path().join("out/data/records"), "s-1");
    let bytes = std::fs::read(&record).unwrap();
    std::fs::write(&record, &bytes[..bytes.len() / 2]).unwrap();
    let (code, _, stderr) = run(
        dir.path(),
        &["render", "-q", "--out", "out", "--accept-changes"],
    );
    assert_eq!(code, 1, "the cut record cannot be rendered: {stderr}");
    std::fs::remove_dir_all(dir.path().join(".cache")).unwrap();
    let (code, stdout, stderr) = archive_cmd(dir.path(), &desk_api.base(), &["--json"]);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["archived"], 1, "{summary}");
    assert_eq!(summary["skipped"], 1, "{summary}");
    assert_eq!(std::fs::read(&record).unwrap().len(), bytes.len());
    assert_eq!(run(dir.path(), &["verify", "out"]).0, 0);
}

#[test]
fn records_named_by_the_old_stem_rule_are_renamed_and_no_file_starts_with_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("in");
    std::fs::create_dir_all(&records).unwrap();
    let demo_record = files_under(&demo()).into_iter().next().unwrap();
    let text = std::fs::read_to_string(demo_record).unwrap();
    let id = "@ops/42";
    let renamed = text.replacen(
        "\"SessionId\":\"",
        &format!("\"SessionId\":\"{id}\",\"X\":\""),
        1,
    );
    std::fs::write(records.join("r.json"), renamed).unwrap();
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "-q",
            "--records",
            records.to_str().unwrap(),
            "--out",
            "a",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let archive = dir.path().join("a");
    let new_stem = desk_archive::records::stem(id);
    assert!(new_stem.starts_with("ops-42-"), "{new_stem}");
    // An archive written by an earlier version: the record under its old name, listed so
    // in the manifests.
    let old_stem = format!("-{new_stem}");
    let data = archive.join("data/records");
    std::fs::rename(
        data.join(format!("{new_stem}.json")),
        data.join(format!("{old_stem}.json")),
    )
    .unwrap();
    let info = desk_archive::bag::BagInfo {
        software_agent: "desk-archive/0.0.9".into(),
        ..Default::default()
    };
    desk_archive::bag::write_bag(&archive, &info).unwrap();
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0);
    // The next writing command renames it, without --accept-changes.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(data.join(format!("{new_stem}.json")).is_file());
    for file in files_under(&archive) {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(!name.starts_with('-'), "{}", file.display());
    }
    let entries = audit_lines(&archive);
    assert_eq!(
        entries.last().unwrap()["renamed"][0],
        format!("data/records/{old_stem}.json -> data/records/{new_stem}.json")
    );
    assert_eq!(run(dir.path(), &["verify", "a"]).0, 0);
    assert!(bagit_valid(&archive));
}
