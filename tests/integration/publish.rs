//! Integration tests: `publish`, `verify --remote` and `render --records URL` through the
//! binary, against a real S3-compatible server on 127.0.0.1 (moto) and the local file store.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cli::{desk, files_under};
use crate::moto::{moto, moto_with_auth, rebag};

/// Renders the demo records into `dir/out` and returns the archive's path.
fn demo_archive(dir: &Path) -> PathBuf {
    let records = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    let out = dir.join("out");
    let (code, _, stderr) = run(
        dir,
        &[
            "render",
            "--records",
            records.to_str().unwrap(),
            "--out",
            "out",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    out
}

/// Runs the binary in `dir` with extra environment variables.
fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let mut cmd = desk(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs with `--json` and returns the exit code and the one JSON object printed.
fn run_json(dir: &Path, args: &[&str], env: &[(&str, String)]) -> (i32, Value, String) {
    let mut args = args.to_vec();
    args.push("--json");
    let (code, stdout, stderr) = run(dir, &args, env);
    assert_eq!(
        stdout.lines().count(),
        1,
        "not one JSON line: {stdout}{stderr}"
    );
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["exit_code"], code, "{value}");
    (code, value, stderr)
}

/// The keys a site publish of `out` uploads: every payload file but the compliance records.
fn site_keys(out: &Path) -> Vec<String> {
    let data = out.join("data");
    let mut keys: Vec<String> = files_under(&data)
        .into_iter()
        .map(|p| {
            p.strip_prefix(&data)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|k| k != "audit.jsonl" && k != "holds.json")
        .collect();
    keys.sort();
    keys
}

fn count(value: &Value, field: &str) -> u64 {
    value[field]
        .as_u64()
        .unwrap_or_else(|| panic!("no {field} in {value}"))
}

#[test]
fn publish_to_s3_is_incremental_ordered_and_verifiable() {
    let moto = moto();
    moto.bucket("site-basic");
    let dir = tempfile::tempdir().unwrap();
    let out = demo_archive(dir.path());
    // Compliance records and a media file, listed in the bag's manifests.
    std::fs::write(out.join("data/audit.jsonl"), "{}\n").unwrap();
    std::fs::write(out.join("data/holds.json"), "[]\n").unwrap();
    std::fs::create_dir_all(out.join("data/media/ab")).unwrap();
    std::fs::write(out.join("data/media/ab/ab12.png"), b"\x89PNG\r\n\x1a\nfake").unwrap();
    rebag(&out);
    let env = moto.env();
    let to = ["publish", "out", "--to", "s3://site-basic/desk/site"];

    let (code, first, stderr) = run_json(dir.path(), &to, &env);
    assert_eq!(code, 0, "{stderr}");
    let expected = site_keys(&out);
    assert_eq!(count(&first, "uploaded"), expected.len() as u64);
    let mut remote = moto.keys("site-basic", "desk/site/");
    remote.retain(|k| !k.ends_with("/.desk-archive-publish.json"));
    let remote: Vec<String> = remote
        .iter()
        .map(|k| k["desk/site/".len()..].to_owned())
        .collect();
    assert_eq!(remote, expected);
    assert!(!remote.contains(&"audit.jsonl".to_owned()));

    for (key, kind, cache) in [
        ("index.html", "text/html; charset=utf-8", "no-cache"),
        ("index.md", "text/markdown; charset=utf-8", "no-cache"),
        ("stats.json", "application/json", "no-cache"),
        ("assets/style.css", "text/css; charset=utf-8", "no-cache"),
        (
            "media/ab/ab12.png",
            "image/png",
            "max-age=31536000, immutable",
        ),
    ] {
        let got = moto.headers("site-basic", &format!("desk/site/{key}"));
        assert_eq!(got, (kind.to_owned(), cache.to_owned()), "{key}");
    }

    let (code, again, _) = run_json(dir.path(), &to, &env);
    assert_eq!((code, count(&again, "uploaded")), (0, 0), "{again}");
    assert_eq!(count(&again, "unchanged"), expected.len() as u64);

    // One changed page: one upload.
    let md = out.join("data/index.md");
    let mut text = std::fs::read_to_string(&md).unwrap();
    text.push_str("\nchanged\n");
    std::fs::write(&md, text).unwrap();
    rebag(&out);
    let (code, one, _) = run_json(dir.path(), &to, &env);
    assert_eq!((code, count(&one, "uploaded")), (0, 1), "{one}");

    let verify = ["verify", "--remote", "s3://site-basic/desk/site", "out"];
    let (code, stdout, stderr) = run(dir.path(), &verify, &env);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("holds exactly the site"), "{stderr}");
}

#[test]
fn verify_remote_names_tampered_missing_and_extra_objects_and_delete_cleans_up() {
    let moto = moto();
    moto.bucket("site-tamper");
    let dir = tempfile::tempdir().unwrap();
    demo_archive(dir.path());
    let env = moto.env();
    let url = "s3://site-tamper/p";
    let (code, _, stderr) = run(dir.path(), &["publish", "out", "--to", url], &env);
    assert_eq!(code, 0, "{stderr}");
    moto.tool(&["put", "site-tamper", "p/index.html", "<p>defaced</p>"]);
    moto.tool(&["delete", "site-tamper", "p/stats.json"]);
    moto.tool(&["put", "site-tamper", "p/notes/extra.txt", "not ours"]);

    let (code, report, _) = run_json(dir.path(), &["verify", "--remote", url, "out"], &env);
    assert_eq!(code, 3, "{report}");
    assert_eq!(
        report["report"]["changed"],
        serde_json::json!(["index.html"])
    );
    assert_eq!(
        report["report"]["missing"],
        serde_json::json!(["stats.json"])
    );
    assert_eq!(
        report["report"]["extra"],
        serde_json::json!(["notes/extra.txt"])
    );
    let (code, stdout, _) = run(dir.path(), &["verify", "--remote", url, "out"], &env);
    assert_eq!(code, 3);
    assert!(stdout.contains("changed: index.html"), "{stdout}");

    // Without --delete, objects that are not the archive's stay; with it, they go.
    let (_, plain, _) = run_json(dir.path(), &["publish", "out", "--to", url], &env);
    assert_eq!(count(&plain, "deleted"), 0, "{plain}");
    let (code, dry, _) = run_json(
        dir.path(),
        &["publish", "out", "--to", url, "--delete", "--dry-run"],
        &env,
    );
    assert_eq!(code, 0);
    assert_eq!(
        dry["would_delete"],
        serde_json::json!(["notes/extra.txt"]),
        "{dry}"
    );
    assert!(
        moto.keys("site-tamper", "p/notes/").len() == 1,
        "a dry run deleted"
    );
    let (code, cleaned, _) = run_json(
        dir.path(),
        &["publish", "out", "--to", url, "--delete"],
        &env,
    );
    assert_eq!((code, count(&cleaned, "deleted")), (0, 1), "{cleaned}");
    assert!(moto.keys("site-tamper", "p/notes/").is_empty());
}

#[test]
fn wrong_credentials_are_a_clear_usage_error_without_the_secret() {
    let moto = moto_with_auth();
    moto.bucket("site-denied");
    let dir = tempfile::tempdir().unwrap();
    demo_archive(dir.path());
    let secret = "wrong-secret-a1b2c3d4e5";
    let env = vec![
        ("AWS_ACCESS_KEY_ID", moto.key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
        ("DESK_STORE_ENDPOINT", moto.endpoint.clone()),
    ];
    let args = ["publish", "out", "--to", "s3://site-denied/x"];
    let (code, stdout, stderr) = run(dir.path(), &args, &env);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    let (code, json, stderr2) = run_json(dir.path(), &args, &env);
    assert_eq!(code, 2);
    for text in [&stdout, &stderr, &json.to_string(), &stderr2] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
    // The same key in a credentials file.
    let creds = dir.path().join("store.env");
    std::fs::write(
        &creds,
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={secret}\n",
            moto.key_id
        ),
    )
    .unwrap();
    let env = vec![("DESK_STORE_ENDPOINT", moto.endpoint.clone())];
    let with_file = [
        "publish",
        "out",
        "--to",
        "s3://site-denied/x",
        "--store-credentials",
        "store.env",
    ];
    let (code, stdout, stderr) = run(dir.path(), &with_file, &env);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stderr}"
    );
    // And the good key in a file works.
    std::fs::write(
        &creds,
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            moto.key_id, moto.secret
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(dir.path(), &with_file, &env);
    assert_eq!(code, 0, "{stderr}");
    let (kind, _) = moto.headers("site-denied", "x/index.html");
    assert_eq!(kind, "text/html; charset=utf-8");
}

#[test]
fn a_failed_publish_holds_back_the_index_and_resumes_with_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo_archive(dir.path());
    let target = dir.path().join("target");
    std::fs::create_dir_all(&target).unwrap();
    // A file where the sessions folder must go: every session page fails to upload.
    std::fs::write(target.join("sessions"), "in the way").unwrap();
    let url = format!("file://{}", target.display());
    let args = [
        "publish",
        "out",
        "--to",
        url.as_str(),
        "--upload-concurrency",
        "4",
    ];
    let (code, first, _) = run_json(dir.path(), &args, &[]);
    assert_eq!(code, 1, "{first}");
    let sessions = site_keys(&out)
        .iter()
        .filter(|k| k.starts_with("sessions/"))
        .count() as u64;
    assert_eq!(first["failed"].as_array().unwrap().len() as u64, sessions);
    // The index waits for the pages it links to; what did go up is remembered.
    assert!(
        !target.join("index.html").exists(),
        "index uploaded before its pages"
    );
    assert!(!target.join("stats.json").exists());
    assert!(target.join("records").is_dir() && target.join(".desk-archive-publish.json").is_file());

    std::fs::remove_file(target.join("sessions")).unwrap();
    let (code, resumed, _) = run_json(dir.path(), &args, &[]);
    assert_eq!(code, 0, "{resumed}");
    // Index pages: top-level files, agent pages and the site search's entry files.
    let index_tier = site_keys(&out)
        .iter()
        .filter(|k| {
            !k.contains('/') || k.starts_with("agents/") || k.ends_with("pagefind-entry.json")
        })
        .count() as u64;
    assert_eq!(
        count(&resumed, "uploaded"),
        sessions + index_tier,
        "{resumed}"
    );
    assert_eq!(count(&resumed, "unchanged"), count(&first, "uploaded"));
    let (code, _, stderr) = run(
        dir.path(),
        &["verify", "--remote", url.as_str(), "out"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_bag_published_to_a_folder_is_a_valid_bag_and_the_kind_sticks() {
    let dir = tempfile::tempdir().unwrap();
    demo_archive(dir.path());
    let target = dir.path().join("bag-copy");
    let url = format!("file://{}", target.display());
    let (code, _, stderr) = run(
        dir.path(),
        &["publish", "out", "--to", url.as_str(), "--bag"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let status = Command::new("bagit.py")
        .arg("--validate")
        .arg(&target)
        .output()
        .expect("bagit.py is missing: run scripts/test.sh");
    assert!(
        status.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (code, _, stderr) = run(
        dir.path(),
        &["verify", "--remote", url.as_str(), "out"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exactly the bag"), "{stderr}");
    // A folder inside the archive is refused (it would add files to the bag).
    let inside = format!("file://{}", dir.path().join("out/data/copy").display());
    let (code, _, stderr) = run(
        dir.path(),
        &["publish", "out", "--to", inside.as_str()],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("inside the archive"), "{stderr}");
    assert!(!dir.path().join("out/data/copy").exists());
    // A site publish onto a bag publish is refused.
    let (code, _, stderr) = run(dir.path(), &["publish", "out", "--to", url.as_str()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds a bag publish"), "{stderr}");
}

#[test]
fn objects_of_erased_sessions_go_without_delete() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo_archive(dir.path());
    let target = dir.path().join("site");
    let url = format!("file://{}", target.display());
    let (code, _, stderr) = run(dir.path(), &["publish", "out", "--to", url.as_str()], &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(target.join("mine.txt"), "someone else's").unwrap();
    // Erase one session by hand, as `erase` will: its files go, coverage says erased.
    let coverage_path = out.join("data/coverage.json");
    let mut coverage: Value =
        serde_json::from_slice(&std::fs::read(&coverage_path).unwrap()).unwrap();
    let entry = &mut coverage["sessions"][0];
    let stem = entry["stem"].as_str().unwrap().to_owned();
    entry["state"] = "erased".into();
    std::fs::write(&coverage_path, serde_json::to_vec(&coverage).unwrap()).unwrap();
    for file in [
        format!("records/{stem}.json"),
        format!("sessions/{stem}.html"),
        format!("sessions/{stem}.md"),
    ] {
        std::fs::remove_file(out.join("data").join(&file)).unwrap();
        assert!(target.join(&file).is_file(), "{file} was not published");
    }
    rebag(&out);
    let (code, report, _) = run_json(dir.path(), &["publish", "out", "--to", url.as_str()], &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(count(&report, "deleted"), 3, "{report}");
    assert!(!target.join(format!("sessions/{stem}.html")).exists());
    assert!(!target.join(format!("records/{stem}.json")).exists());
    assert!(
        target.join("mine.txt").is_file(),
        "an object that is not the archive's went without --delete"
    );
}

#[test]
fn render_imports_records_from_object_storage() {
    let moto = moto();
    moto.bucket("records-src");
    let dir = tempfile::tempdir().unwrap();
    let out = demo_archive(dir.path());
    let env = moto.env();
    // Two workers' sites under one prefix: their records/ folders are imported.
    for worker in ["w0", "w1"] {
        let to = format!("s3://records-src/shards/{worker}");
        let (code, _, stderr) = run(dir.path(), &["publish", "out", "--to", to.as_str()], &env);
        assert_eq!(code, 0, "{stderr}");
    }
    moto.tool(&[
        "put",
        "records-src",
        "shards/w1/records/broken.json",
        "{not json",
    ]);
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--records",
            "s3://records-src/shards",
            "--out",
            "copy",
        ],
        &env,
    );
    // The same sessions twice (one per worker) and one broken file: exit 1, each named.
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("s3://records-src/shards/w1/records/broken.json"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("records-download"),
        "a temporary path is named: {stderr}"
    );
    let leftovers: Vec<_> = files_under(&dir.path().join("copy"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("desk-archive-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--records",
            "s3://records-src/shards/w0",
            "--out",
            "copy0",
        ],
        &env,
    );
    assert_eq!(code, 0, "{stderr}");
    for record in files_under(&out.join("data/records")) {
        let name = record.file_name().unwrap();
        let copy = dir.path().join("copy0/data/records").join(name);
        assert_eq!(
            std::fs::read(&record).unwrap(),
            std::fs::read(&copy).unwrap(),
            "{name:?}"
        );
    }
}

/// An interruption (the flag SIGINT sets) stops new uploads; the publish manifest then
/// lists exactly what went up, and the next publish uploads only the rest.
#[test]
fn an_interrupted_publish_resumes_with_only_what_is_missing() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use desk_archive::publish::{self, Event, Kind, PublishConfig, StoreSpec, Tuning};

    let dir = tempfile::tempdir().unwrap();
    let out = demo_archive(dir.path());
    let target = dir.path().join("site");
    let url = format!("file://{}", target.display());
    let config = PublishConfig {
        dir: out.clone(),
        target: StoreSpec::parse(&url, None, None, None).unwrap(),
        kind: Kind::Site,
        delete: false,
        dry_run: false,
        concurrency: 1,
        tuning: Tuning::default(),
        lock_wait: std::time::Duration::ZERO,
    };
    let cancel = AtomicBool::new(false);
    let uploaded = AtomicU64::new(0);
    let stop_after_five = |event: Event| {
        if matches!(event, Event::Uploaded) && uploaded.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let first = publish::run(&config, &cancel, &stop_after_five).unwrap();
    assert!(first.interrupted);
    assert_eq!(first.exit_code().code(), 130);
    assert_eq!(first.uploaded, 5, "one upload in flight at a time");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(target.join(".desk-archive-publish.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["objects"].as_object().unwrap().len(), 5);
    assert!(!target.join("index.html").exists());

    let cancel = AtomicBool::new(false);
    let second = publish::run(&config, &cancel, &|_| {}).unwrap();
    let total = site_keys(&out).len() as u64;
    assert_eq!((second.uploaded, second.unchanged), (total - 5, 5));
    assert_eq!(second.exit_code().code(), 0);
}
