//! The index pages (index.html, stats.json, index-rows.js, agent pages) are skipped by a
//! render when nothing they depend on changed, and rebuilt when anything did (issue 21),
//! through the real binary: the `-v` line says which, and the files show it.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256, Sha512};

use crate::bag::bagit_py_accepts;
use crate::cli::{files_under, run};

const REBUILT: &str = "index pages: rebuilt";
const SKIPPED: &str = "index pages: unchanged, not rebuilt";

/// Runs `-v render` with `args`; returns whether it rebuilt the index pages.
fn render(dir: &Path, args: &[&str]) -> bool {
    let mut all = vec!["-v", "render"];
    all.extend_from_slice(args);
    let (code, _, stderr) = run(dir, &all);
    assert_eq!(code, 0, "render {args:?}: {stderr}");
    match (stderr.contains(REBUILT), stderr.contains(SKIPPED)) {
        (true, false) => true,
        (false, true) => false,
        _ => panic!("render {args:?} says neither or both: {stderr}"),
    }
}

/// A fresh render of the bundled demo records into `dir/a`.
fn demo_archive(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    assert!(render(
        dir,
        &["--records", demo.to_str().unwrap(), "--out", "a"]
    ));
    dir.join("a")
}

fn bag_is_valid(archive: &Path) {
    let (code, stdout, stderr) = run(archive, &["verify", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "verify: {stdout}{stderr}");
    assert!(bagit_py_accepts(archive), "bagit.py refuses the bag");
}

/// The index's files (under `data/`, but the session pages, records, search and assets)
/// with their bytes.
fn index_files(archive: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let data = archive.join("data");
    let mut files: Vec<PathBuf> = ["stats.json", "index-rows.js", "index.html", "index.md"]
        .iter()
        .map(|name| data.join(name))
        .collect();
    files.extend(files_under(&data.join("agents")));
    files
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Records the current stamp of `rel` in the archive's stat cache, as a run that hashed
/// the file would: the hash cache then vouches for whatever the file now holds.
fn vouch_for(dir: &Path, archive: &Path, rel: &str) {
    use std::os::unix::fs::MetadataExt;
    let caches = files_under(&dir.join(".cache/desk-archive"));
    assert_eq!(caches.len(), 1, "{caches:?}");
    let mut cache: serde_json::Value = serde_json::from_str(&text(&caches[0])).unwrap();
    let meta = fs::metadata(archive.join(rel)).unwrap();
    cache["files"][rel] = serde_json::json!({
        "size": meta.len(),
        "mtime_ns": meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        "ctime_ns": meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
        "inode": meta.ino(),
        "device": meta.dev(),
    });
    fs::write(&caches[0], cache.to_string()).unwrap();
}

#[test]
fn a_no_op_render_does_not_rebuild_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let before = crate::cli::snapshot(&archive);
    assert!(!render(dir.path(), &["--out", "a"]));
    assert!(
        before == crate::cli::snapshot(&archive),
        "a no-op rewrote files"
    );
    bag_is_valid(&archive);

    // What proves that nothing was built, not merely that the same bytes came out: an
    // edit of index.html that the hash cache vouches for (same size, mtime set back, its
    // new stamp in the stat cache) survives a render, which would otherwise put the page
    // it builds in its place.
    let index = archive.join("data/index.html");
    let original = fs::read(&index).unwrap();
    let edited = String::from_utf8(original.clone())
        .unwrap()
        .replacen("</html>", "</HTML>", 1);
    assert_eq!(edited.len(), original.len());
    let mtime = fs::metadata(&index).unwrap().modified().unwrap();
    fs::write(&index, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    vouch_for(dir.path(), &archive, "data/index.html");
    assert!(!render(dir.path(), &["--out", "a"]));
    assert_eq!(text(&index), edited, "the index was built after all");

    // Without the stat cache, every file is read again: the edit is found and the index
    // rebuilt, so the bag is whole again.
    fs::remove_dir_all(dir.path().join(".cache")).unwrap();
    assert!(render(dir.path(), &["--out", "a"]));
    assert_eq!(fs::read(&index).unwrap(), original);
    bag_is_valid(&archive);
}

#[test]
fn every_input_of_the_index_rebuilds_it() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let data = archive.join("data");
    let index = data.join("index.html");

    // A changed record: its session is rendered again and the index shows the change
    // (here a new agent, with a page of their own).
    let record = data.join("records/0e62e965-258b-4a6f-8ae6-b5b5799f09b1.json");
    let changed = text(&record).replacen("agent_kevin@support", "agent_zed@support", 1);
    fs::write(&record, changed).unwrap();
    let stats = text(&data.join("stats.json"));
    assert!(render(dir.path(), &["--out", "a", "--accept-changes"]));
    assert!(text(&index).contains("agent_zed@support"));
    assert_ne!(text(&data.join("stats.json")), stats);
    let zed = files_under(&data.join("agents"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("agent-zed-support"))
        .count();
    assert_eq!(zed, 1);
    bag_is_valid(&archive);
    assert!(!render(dir.path(), &["--out", "a"]));

    // The options the index shows: the title, the language, the search box.
    assert!(render(
        dir.path(),
        &["--out", "a", "--title", "Desk of Acme"]
    ));
    assert!(text(&index).contains("Desk of Acme"));
    assert!(render(dir.path(), &["--out", "a", "--lang", "zh-CN"]));
    assert!(text(&index).contains("lang=\"zh-CN\""));
    assert!(text(&index).contains("search.js"));
    assert!(render(dir.path(), &["--out", "a", "--no-search"]));
    assert!(!text(&index).contains("search.js"));
    assert!(!render(dir.path(), &["--out", "a"]));
    bag_is_valid(&archive);

    // The sessions without a record (from coverage.json).
    let coverage = data.join("coverage.json");
    let failed = "00000000-0000-4000-8000-0000000000aa";
    let line = format!(
        "{{\"session_id\":\"{failed}\",\"stem\":\"{failed}\",\"state\":\"failed\",\
         \"when\":\"2026-04-01T03:00:00Z\",\"ErrorCode\":70001,\"ErrorInfo\":\"timed out\"}},\n  "
    );
    let listed = text(&coverage).replacen("{\"session_id\"", &(line + "{\"session_id\""), 1);
    fs::write(&coverage, listed).unwrap();
    assert!(!text(&index).contains(failed));
    assert!(render(dir.path(), &["--out", "a", "--accept-changes"]));
    assert!(text(&index).contains(failed));
    assert!(text(&data.join("stats.json")).contains(failed));
    // The same number of them, one with another reason.
    let reason = text(&coverage).replace("\"timed out\"", "\"refused by the desk\"");
    fs::write(&coverage, reason).unwrap();
    assert!(render(dir.path(), &["--out", "a", "--accept-changes"]));
    assert!(text(&index).contains("refused by the desk"));
    assert!(text(&data.join("stats.json")).contains("refused by the desk"));
    bag_is_valid(&archive);
}

#[test]
fn index_files_changed_by_hand_are_restored_and_strays_removed() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let data = archive.join("data");
    let good = index_files(&archive);

    // An edited page, a deleted agent page, a deleted rows file: all come back as they were.
    let index = data.join("index.html");
    let mut bytes = fs::read(&index).unwrap();
    bytes.extend_from_slice(b"<!-- edited -->");
    fs::write(&index, bytes).unwrap();
    assert!(render(dir.path(), &["--out", "a"]));
    assert!(index_files(&archive) == good, "index.html not restored");
    let agent = files_under(&data.join("agents")).remove(0);
    fs::remove_file(&agent).unwrap();
    assert!(render(dir.path(), &["--out", "a"]));
    assert!(index_files(&archive) == good, "the agent page not restored");
    fs::remove_file(data.join("index-rows.js")).unwrap();
    assert!(render(dir.path(), &["--out", "a"]));
    assert!(index_files(&archive) == good, "index-rows.js not restored");

    // Pages the index does not produce: removed.
    let strays = [data.join("agents/stray.html"), data.join("index-7.html")];
    for stray in &strays {
        fs::write(stray, "<p>stray</p>").unwrap();
    }
    assert!(render(dir.path(), &["--out", "a", "--accept-changes"]));
    for stray in &strays {
        assert!(!stray.exists(), "{} left", stray.display());
    }
    assert!(index_files(&archive) == good);
    assert!(!render(dir.path(), &["--out", "a"]));
    bag_is_valid(&archive);
}

/// Gives the tag manifests the state file's new checksums, as the run that wrote it would.
fn retag(archive: &Path) {
    let state = fs::read(archive.join("desk-archive-state.json")).unwrap();
    for (name, hex) in [
        (
            "tagmanifest-sha256.txt",
            hex::encode(Sha256::digest(&state)),
        ),
        (
            "tagmanifest-sha512.txt",
            hex::encode(Sha512::digest(&state)),
        ),
    ] {
        let path = archive.join(name);
        let lines: Vec<String> = text(&path)
            .lines()
            .map(|line| match line.split_once("  ") {
                Some((_, "desk-archive-state.json")) => format!("{hex}  desk-archive-state.json"),
                _ => line.to_owned(),
            })
            .collect();
        fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
}

#[test]
fn a_state_file_without_the_index_mark_has_the_index_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let state_path = archive.join("desk-archive-state.json");
    let state = text(&state_path);
    // As earlier versions wrote it: the same file without the mark.
    let at = state
        .find(",\n  \"index\": ")
        .expect("the state file has a mark");
    let older = format!("{}\n}}\n", &state[..at]);
    serde_json::from_str::<serde_json::Value>(&older).unwrap();
    fs::write(&state_path, older).unwrap();
    retag(&archive);
    bag_is_valid(&archive);
    let before = crate::cli::snapshot(&archive.join("data"));
    let (code, _, stderr) = run(dir.path(), &["-v", "render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(REBUILT) && !stderr.contains("warning"),
        "{stderr}"
    );
    assert!(
        before == crate::cli::snapshot(&archive.join("data")),
        "the rebuilt index differs"
    );
    assert_eq!(text(&state_path), state, "the mark is back");
    assert!(!render(dir.path(), &["--out", "a"]));
    bag_is_valid(&archive);
}

#[test]
fn a_command_that_does_not_render_keeps_the_mark() {
    let dir = tempfile::tempdir().unwrap();
    let archive = demo_archive(dir.path());
    let mark = |archive: &Path| {
        let state: serde_json::Value =
            serde_json::from_str(&text(&archive.join("desk-archive-state.json"))).unwrap();
        state["index"].clone()
    };
    let before = mark(&archive);
    assert!(before["inputs"].is_string() && before["files"].is_string());
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "hold",
            "a",
            "--session",
            "0e62e965-258b-4a6f-8ae6-b5b5799f09b1",
            "--reason",
            "matter 7",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(mark(&archive), before);
    assert!(!render(dir.path(), &["--out", "a"]));
    bag_is_valid(&archive);
}
