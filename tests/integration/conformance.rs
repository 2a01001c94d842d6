//! `verify` against the Library of Congress BagIt conformance suite
//! (`tests/fixtures/bagit-conformance/`, versions 1.0 and 0.97): every valid bag valid,
//! every invalid one invalid for the reason the suite means, every warning case valid
//! with that warning. `bagit.py --validate` runs on each bag too, as a check of the
//! expectations themselves; where it is known to disagree with the suite, it is listed.

use std::path::{Path, PathBuf};

use crate::bag::bagit_py_accepts;
use crate::cli::run;

/// What the suite expects of a bag: valid, invalid naming a problem that contains the
/// text, or valid with a warning that contains it.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Valid,
    Invalid(&'static str),
    Warning(&'static str),
}

use Expect::{Invalid, Valid, Warning};

const OUTSIDE: Expect = Invalid("path outside data/");
const FETCH_OUTSIDE: Expect = Invalid("fetch.txt: line 1: path outside data/");

/// Every bag of the suite. `windows-only/` bags name Windows paths; they are not under
/// `data/`, so they are rejected on every system.
const BAGS: &[(&str, Expect)] = &[
    (
        "v0.97/invalid/baginfo-missing-encoding",
        Invalid("bagit.txt: no Tag-File-Character-Encoding"),
    ),
    (
        "v0.97/invalid/bom-in-bagit.txt",
        Invalid("bagit.txt: starts with a byte-order mark"),
    ),
    (
        "v0.97/invalid/corrupt-data-file",
        Invalid("data/bare-filename: md5 mismatch"),
    ),
    (
        "v0.97/invalid/corrupt-tag-file",
        Invalid("bagit.txt: md5 mismatch"),
    ),
    (
        "v0.97/invalid/extra-file-in-bag",
        Invalid("data/bar: not in manifest-md5.txt"),
    ),
    (
        "v0.97/invalid/invalid-version-number",
        Invalid("bad BagIt-Version `.97`"),
    ),
    (
        "v0.97/invalid/missing-baginfo",
        Invalid("bag-info.txt: missing"),
    ),
    (
        "v0.97/invalid/missing-bagit.txt",
        Invalid("bagit.txt: missing"),
    ),
    (
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation",
        OUTSIDE,
    ),
    (
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v0.97/invalid/same-filename-listed-twice-with-different-hashes",
        Invalid("with different checksums"),
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path",
        OUTSIDE,
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut",
        OUTSIDE,
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username",
        OUTSIDE,
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch",
        FETCH_OUTSIDE,
    ),
    ("v0.97/valid/ISO-8859-1-encoded-tag-files", Valid),
    ("v0.97/valid/UTF-16-encoded-tag-files", Valid),
    ("v0.97/valid/bag-in-a-bag", Valid),
    ("v0.97/valid/bag-with-encoded-names", Valid),
    ("v0.97/valid/bag-with-escapable-characters", Valid),
    ("v0.97/valid/bag-with-leading-dot-slash-in-manifest", Valid),
    ("v0.97/valid/bag-with-space", Valid),
    ("v0.97/valid/basic-bag", Valid),
    ("v0.97/valid/duplicate-metadata-entries", Valid),
    ("v0.97/valid/holey-bag", Valid),
    ("v0.97/valid/minimal-bag", Valid),
    ("v0.97/valid/uncommon-metadata-separators", Valid),
    (
        "v0.97/warning/duplicate-file-with-different-case",
        Warning("differ only in case"),
    ),
    (
        "v0.97/warning/made-with-md5sum-tools",
        Warning("md5sum's binary mode"),
    ),
    (
        "v0.97/warning/relative-path",
        Warning("path starts with `./`"),
    ),
    (
        "v0.97/warning/same-filename-listed-twice-with-different-normalization",
        Warning("Unicode normalisation"),
    ),
    (
        "v0.97/warning/same-filename-listed-twice-with-the-same-hash",
        Warning("data/README: listed twice"),
    ),
    (
        "v0.97/warning/special-system-files",
        Warning("data/.DS_Store: missing, but it is an operating system's metadata file"),
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path",
        OUTSIDE,
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-shortcut",
        OUTSIDE,
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-unc",
        OUTSIDE,
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch",
        FETCH_OUTSIDE,
    ),
    (
        "v1.0/invalid/bagit-with-invalid-whitespace",
        Invalid("none before the colon"),
    ),
    (
        "v1.0/invalid/notAllManifestsListAllFiles",
        Invalid("data/missingFromManifest.txt: not in manifest-sha512.txt"),
    ),
    (
        "v1.0/invalid/same-filename-listed-twice-with-different-hashes",
        Invalid("with different checksums"),
    ),
    (
        "v1.0/invalid/same-filename-listed-twice-with-the-same-hash",
        Invalid("data/README: listed twice in manifest-sha256.txt"),
    ),
    ("v1.0/valid/basicBag", Valid),
];

/// Where bagit.py 1.9 parts from the suite: it accepts a space before the colon in
/// bagit.txt and Windows paths in fetch.txt, and rejects three of the warning cases.
const BAGIT_PY_DIFFERS: &[&str] = &[
    "v1.0/invalid/bagit-with-invalid-whitespace",
    "v0.97/warning/duplicate-file-with-different-case",
    "v0.97/warning/same-filename-listed-twice-with-different-normalization",
    "v0.97/warning/special-system-files",
    "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch",
    "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch",
    "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch",
];

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bagit-conformance")
}

/// The bag folders on disk, `<version>/<category>/<bag>`.
fn bags_on_disk() -> Vec<String> {
    let mut out = Vec::new();
    for version in ["v0.97", "v1.0"] {
        for category in std::fs::read_dir(suite().join(version)).expect("suite") {
            let category = category.expect("entry").path();
            for bag in std::fs::read_dir(&category).expect("category") {
                let bag = bag.expect("entry").path();
                if bag.is_dir() {
                    let rel = bag.strip_prefix(suite()).expect("prefix");
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_table_lists_every_bag_of_the_suite() {
    let mut listed: Vec<String> = BAGS.iter().map(|(b, _)| (*b).to_owned()).collect();
    listed.sort();
    assert_eq!(listed, bags_on_disk());
}

/// `verify --json` on one bag: what went wrong, as `bag: reason`, or nothing.
fn check_ours(bag: &str, expect: Expect) -> Option<String> {
    let dir = suite().join(bag);
    let (code, stdout, stderr) = run(&suite(), &["verify", "--json", &dir.to_string_lossy()]);
    let json: serde_json::Value = serde_json::from_str(&stdout).ok()?;
    let list = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (problems, warnings) = (list("problems"), list("warnings"));
    let has = |items: &[String], needle: &str| items.iter().any(|p| p.contains(needle));
    let ok = match expect {
        Valid => code == 0 && problems.is_empty(),
        Invalid(needle) => code == 3 && has(&problems, needle),
        Warning(needle) => code == 0 && problems.is_empty() && has(&warnings, needle),
    };
    (!ok).then(|| {
        format!("{bag}: expected {expect:?}, got exit {code}, {problems:?}, {warnings:?} {stderr}")
    })
}

#[test]
fn verify_agrees_with_the_conformance_suite() {
    let wrong: Vec<String> = BAGS
        .iter()
        .filter_map(|(bag, expect)| check_ours(bag, *expect))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} bags judged wrongly:\n{}",
        wrong.len(),
        BAGS.len(),
        wrong.join("\n")
    );
}

/// What `bagit.py --validate` says of each bag: the same `Bag(dir).validate()` call, run
/// for every bag in one Python process (a process per bag costs a second each).
fn bagit_py_verdicts(bags: &[&str]) -> Vec<bool> {
    const SCRIPT: &str = r#"
import sys, logging, bagit
logging.disable(logging.CRITICAL)
for d in sys.argv[1:]:
    try:
        bagit.Bag(d).validate()
        print("valid")
    except (bagit.BagError, bagit.BagValidationError):
        print("invalid")
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(bags.iter().map(|b| suite().join(b)))
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): run scripts/test.sh"));
    assert!(
        output.status.success(),
        "the bagit module failed (run scripts/test.sh, which installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<bool> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l == "valid")
        .collect();
    assert_eq!(verdicts.len(), bags.len());
    verdicts
}

#[test]
fn bagit_py_agrees_with_the_expectations() {
    let bags: Vec<&str> = BAGS.iter().map(|(b, _)| *b).collect();
    let verdicts = bagit_py_verdicts(&bags);
    let disagree: Vec<&str> = BAGS
        .iter()
        .zip(verdicts)
        .filter(|((bag, expect), accepted)| {
            let valid = !matches!(expect, Invalid(_));
            (*accepted == valid) == BAGIT_PY_DIFFERS.contains(bag)
        })
        .map(|((bag, _), _)| *bag)
        .collect();
    assert!(
        disagree.is_empty(),
        "bagit.py's verdict is not the one expected (or no longer differs) on: {disagree:?}"
    );
    // The one-process shortcut says what the command says.
    let basic = suite().join("v1.0/valid/basicBag");
    let corrupt = suite().join("v0.97/invalid/corrupt-data-file");
    assert!(bagit_py_accepts(&basic) && !bagit_py_accepts(&corrupt));
}
