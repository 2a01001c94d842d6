//! Integration tests: the BagIt layer against our own verifier, the Library of Congress's
//! `bagit.py --validate` and coreutils' `sha256sum -c`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, Utc};
use desk_archive::bag::{self, BagInfo, STATE_FILE, VerifyReport};

const TAG_FILES: [&str; 7] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "manifest-sha512.txt",
    "tagmanifest-sha256.txt",
    "tagmanifest-sha512.txt",
    STATE_FILE,
];

fn info() -> BagInfo {
    BagInfo {
        source_organization: Some("Acme Support".into()),
        external_identifier: Some("1400000000".into()),
        software_agent: "desk-archive/0.0.0-test".into(),
        extra: vec![("Desk-Sessions".into(), "1".into())],
    }
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A small payload whose files all carry an old mtime, so that the hash cache's "racy"
/// rule (files as new as the state file are re-hashed) never depends on timing.
fn payload(dir: &Path) {
    let files: [(&str, &[u8]); 5] = [
        ("index.html", b"<!doctype html><title>index</title>\n"),
        ("sessions/abc.html", b"<p>hello</p>\n"),
        ("sessions/abc.md", b"# hello\n"),
        ("records/abc.json", br#"{"SessionId":"abc","Messages":[]}"#),
        ("assets/style.css", b""),
    ];
    for (rel, bytes) in files {
        let path = dir.join("data").join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        age(&path);
    }
}

/// Sets a file's mtime to a fixed moment in 2020.
fn age(path: &Path) {
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn new_bag() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    fs::create_dir(&dir).unwrap();
    payload(&dir);
    bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap();
    (tmp, dir)
}

/// Runs `bagit.py --validate`; true when it accepts the bag.
pub(crate) fn bagit_py_accepts(dir: &Path) -> bool {
    match Command::new("bagit.py")
        .args(["--validate", "--quiet"])
        .arg(dir)
        .output()
    {
        Ok(out) => out.status.success(),
        Err(e) => panic!(
            "cannot run `bagit.py` ({e}): run scripts/test.sh, which installs the test tools \
             (pip install bagit)"
        ),
    }
}

fn verify(dir: &Path) -> VerifyReport {
    bag::verify(dir).unwrap()
}

fn assert_problem(report: &VerifyReport, needle: &str) {
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "no `{needle}` in {report:#?}"
    );
}

fn bag_info(dir: &Path) -> String {
    fs::read_to_string(dir.join("bag-info.txt")).unwrap()
}

#[test]
fn fresh_bag_passes_all_three_validators() {
    let (_tmp, dir) = new_bag();
    let report = verify(&dir);
    assert!(
        report.is_valid() && report.warnings.is_empty(),
        "{report:#?}"
    );
    assert!(bagit_py_accepts(&dir));
    for tool in ["sha256sum", "sha512sum"] {
        let manifest = format!("manifest-{}.txt", tool.trim_end_matches("sum"));
        let status = Command::new(tool)
            .args(["-c", "--quiet", &manifest])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "{tool} -c {manifest}");
    }
    assert_eq!(
        bag_info(&dir),
        "Source-Organization: Acme Support\nBagging-Date: 2024-05-01\nPayload-Oxum: 90.5\n\
         External-Identifier: 1400000000\nBag-Software-Agent: desk-archive/0.0.0-test\n\
         Desk-Sessions: 1\n"
    );
    let manifest = fs::read_to_string(dir.join("manifest-sha256.txt")).unwrap();
    let paths: Vec<_> = manifest
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        paths,
        [
            "data/assets/style.css",
            "data/index.html",
            "data/records/abc.json",
            "data/sessions/abc.html",
            "data/sessions/abc.md"
        ]
    );
    let tags = fs::read_to_string(dir.join("tagmanifest-sha512.txt")).unwrap();
    assert!(
        tags.lines()
            .any(|l| l.ends_with(&format!("  {STATE_FILE}"))),
        "{tags}"
    );
    let hidden = fs::read_dir(&dir)
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().starts_with('.'));
    assert!(!hidden);
}

/// Applies `change` to a fresh bag, then expects our verify to name `needle` and
/// bagit.py to reject the bag.
fn tampered(change: impl FnOnce(&Path), needle: &str) {
    let (_tmp, dir) = new_bag();
    change(&dir);
    assert_problem(&verify(&dir), needle);
    assert!(
        !bagit_py_accepts(&dir),
        "bagit.py accepted a bag with {needle}"
    );
}

#[test]
fn one_changed_byte_is_found() {
    tampered(
        |dir| {
            let path = dir.join("data/sessions/abc.html");
            let mut bytes = fs::read(&path).unwrap();
            bytes[3] ^= 1;
            fs::write(path, bytes).unwrap();
        },
        "data/sessions/abc.html: sha256 mismatch",
    );
}

#[test]
fn a_deleted_file_is_found() {
    tampered(
        |dir| fs::remove_file(dir.join("data/sessions/abc.md")).unwrap(),
        "data/sessions/abc.md: missing",
    );
}

#[test]
fn an_extra_payload_file_is_found() {
    tampered(
        |dir| fs::write(dir.join("data/extra.txt"), "surprise").unwrap(),
        "data/extra.txt: not in manifest-sha256.txt",
    );
}

#[test]
fn a_changed_bag_info_is_found() {
    tampered(
        |dir| {
            let text = bag_info(dir).replace("Acme Support", "Evil Corp");
            fs::write(dir.join("bag-info.txt"), text).unwrap();
        },
        "bag-info.txt: sha256 mismatch",
    );
}

#[test]
fn an_extra_top_level_file_is_only_a_warning() {
    let (_tmp, dir) = new_bag();
    fs::write(dir.join("README.txt"), "about this archive").unwrap();
    let report = verify(&dir);
    assert!(report.is_valid(), "{report:#?}");
    assert_eq!(
        report.warnings,
        ["README.txt: not part of the bag, not checked"]
    );
    assert!(bagit_py_accepts(&dir));
}

#[test]
fn second_run_changes_nothing() {
    let (_tmp, dir) = new_bag();
    let before: Vec<_> = TAG_FILES
        .iter()
        .map(|n| {
            let path = dir.join(n);
            (
                fs::read(&path).unwrap(),
                fs::metadata(&path).unwrap().modified().unwrap(),
            )
        })
        .collect();
    let report = bag::write_bag_dated(&dir, &info(), date("2030-01-01")).unwrap();
    assert!(report.written.is_empty(), "{report:#?}");
    assert_eq!((report.files, report.cached, report.hashed), (5, 5, 0));
    assert!(!report.payload_changed);
    for (name, (bytes, mtime)) in TAG_FILES.iter().zip(before) {
        let path = dir.join(name);
        assert_eq!(fs::read(&path).unwrap(), bytes, "{name}");
        assert_eq!(
            fs::metadata(&path).unwrap().modified().unwrap(),
            mtime,
            "{name}"
        );
    }
}

#[test]
fn bagging_date_follows_source_date_epoch_and_moves_only_with_the_payload() {
    let (_tmp, dir) = new_bag();
    let epoch_date = bag::bagging_date(Some("1700000000"), Utc::now());
    assert_eq!(epoch_date, date("2023-11-14"));
    // Same payload: the date of the existing bag stays.
    bag::write_bag_dated(&dir, &info(), epoch_date).unwrap();
    assert!(bag_info(&dir).contains("Bagging-Date: 2024-05-01\n"));
    // Changed payload: the new date is taken.
    fs::write(dir.join("data/new.html"), "new").unwrap();
    let report = bag::write_bag_dated(&dir, &info(), epoch_date).unwrap();
    assert!(report.payload_changed);
    assert!(
        bag_info(&dir).contains("Bagging-Date: 2023-11-14\n"),
        "{}",
        bag_info(&dir)
    );
}

#[test]
fn identifier_and_organization_are_kept_when_not_given() {
    let (_tmp, dir) = new_bag();
    let anonymous = BagInfo {
        source_organization: None,
        external_identifier: None,
        ..info()
    };
    bag::write_bag_dated(&dir, &anonymous, date("2024-05-01")).unwrap();
    let text = bag_info(&dir);
    assert!(text.contains("External-Identifier: 1400000000\n"), "{text}");
    assert!(
        text.contains("Source-Organization: Acme Support\n"),
        "{text}"
    );
    let other = BagInfo {
        external_identifier: Some("1400000001".into()),
        ..anonymous
    };
    bag::write_bag_dated(&dir, &other, date("2024-05-01")).unwrap();
    assert!(bag_info(&dir).contains("External-Identifier: 1400000001\n"));
}

#[test]
fn cache_is_used_by_write_bag_but_a_back_dated_same_size_edit_is_not_trusted() {
    let (_tmp, dir) = new_bag();
    // Nothing changed: every hash comes from the cache.
    let report = bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap();
    assert_eq!(report.hashed, 0);
    let path = dir.join("data/index.html");
    let mut bytes = fs::read(&path).unwrap();
    bytes[0] = b'#';
    fs::write(&path, &bytes).unwrap();
    // Same size, mtime set back to long before the state file: the change time and the
    // stat cache still tell, so write_bag hashes it again (it used to trust size + mtime).
    age(&path);
    assert_problem(&verify(&dir), "data/index.html: sha256 mismatch");
    let report = bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap();
    assert_eq!(report.hashed, 1);
    assert!(verify(&dir).is_valid());
}

#[test]
fn leftovers_are_removed_and_odd_names_encoded() {
    let (_tmp, dir) = new_bag();
    let leftover = dir.join("data/sessions/abc.html.123.desk-archive-tmp");
    fs::write(&leftover, "half a page").unwrap();
    fs::write(dir.join("data/line\nbreak.txt"), "odd").unwrap();
    let report = bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap();
    assert_eq!(report.leftovers_removed, 1);
    assert!(!leftover.exists());
    let manifest = fs::read_to_string(dir.join("manifest-sha256.txt")).unwrap();
    assert!(manifest.contains("  data/line%0Abreak.txt\n"), "{manifest}");
    assert!(verify(&dir).is_valid(), "{:#?}", verify(&dir));
    assert!(bagit_py_accepts(&dir));
}

#[test]
fn percent_signs_are_encoded_as_rfc_8493_says() {
    let (_tmp, dir) = new_bag();
    fs::write(dir.join("data/50%.txt"), "fifty").unwrap();
    bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap();
    let manifest = fs::read_to_string(dir.join("manifest-sha256.txt")).unwrap();
    assert!(manifest.contains("  data/50%25.txt\n"), "{manifest}");
    assert!(verify(&dir).is_valid(), "{:#?}", verify(&dir));
    // Not checked with bagit.py: version 1.9 decodes only %0D and %0A, so it looks for a
    // file named `50%25.txt`. Our own stems never contain `%`.
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused() {
    let (_tmp, dir) = new_bag();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("data/link")).unwrap();
    let err = bag::write_bag_dated(&dir, &info(), date("2024-05-01")).unwrap_err();
    assert!(err.to_string().contains("data/link"), "{err}");
    assert_problem(&verify(&dir), "data/link: symbolic link");
}

#[test]
fn missing_directory_is_an_error_and_empty_payload_a_bag() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(bag::verify(&tmp.path().join("nope")).is_err());
    assert!(bag::write_bag(&tmp.path().join("nope"), &info()).is_err());
    bag::write_bag(tmp.path(), &info()).unwrap();
    assert!(bag_info(tmp.path()).contains("Payload-Oxum: 0.0\n"));
    assert!(verify(tmp.path()).is_valid());
    assert!(bagit_py_accepts(tmp.path()));
}

#[test]
fn broken_tag_files_are_problems() {
    let (_tmp, dir) = new_bag();
    fs::write(dir.join("bagit.txt"), "BagIt-Version: 1.0\n").unwrap();
    fs::remove_file(dir.join("manifest-sha512.txt")).unwrap();
    let report = verify(&dir);
    assert_problem(&report, "bagit.txt: no Tag-File-Character-Encoding");
    assert_problem(&report, "bagit.txt: sha256 mismatch");
    assert_problem(&report, "manifest-sha512.txt: missing");
}
