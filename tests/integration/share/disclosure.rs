//! The disclosure entries `share` and `export` leave in the source archive's audit log —
//! what, with which profile, to which file; accounts salted and hashed — with the source
//! still a valid bag afterwards; the locks they take; and a source they cannot write.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use sha2::{Digest, Sha256};

use super::*;

const SALT: &str = "Desk-Archive-Audit-Salt";

fn audit_lines(arch: &Path) -> Vec<String> {
    fs::read_to_string(arch.join("data/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn entry(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap()
}

fn info_field(bag: &Path, label: &str) -> Option<String> {
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}: ")).map(str::to_owned))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn share_and_export_are_logged_in_the_source_which_stays_valid() {
    let w = work("disclosure-log");
    let arch = corpus(&w);
    let before = audit_lines(&arch);
    assert!(
        info_field(&arch, SALT).is_none(),
        "no salt before it is needed"
    );
    // A share that fails discloses nothing.
    let failed = run(bin().arg("share").arg(&arch).arg("nope"));
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(audit_lines(&arch), before);

    let html = w.join("shared.html");
    ok(run(bin()
        .arg("share")
        .arg(&arch)
        .arg("plain-1")
        .arg("--redact")
        .arg("external")
        .arg("--out")
        .arg(&html)));
    let lines = audit_lines(&arch);
    assert_eq!(lines.len(), before.len() + 1);
    let shared = entry(&lines[before.len()]);
    assert_eq!(shared["command"], "share");
    assert_eq!(shared["options"]["session"], "plain-1");
    assert_eq!(shared["options"]["profile"], "external");
    assert_eq!(shared["options"]["to"], html.display().to_string());
    assert_eq!(shared["counts"]["sessions"], 1);
    assert_eq!(
        shared["before"], shared["after"],
        "nothing but the log changed"
    );
    let last = before.last().expect("render left an entry");
    assert_eq!(shared["prev"], sha256_hex(last.as_bytes()), "chained");
    let salt = info_field(&arch, SALT).expect("the first disclosure makes the salt");
    assert_eq!(salt.len(), 32);

    let out = w.join("exported");
    ok(run(bin()
        .arg("export")
        .arg(&arch)
        .arg("--out")
        .arg(&out)
        .arg("--account")
        .arg("zhangsan_vip88")
        .arg("--agent")
        .arg("agent_wanglei")));
    let lines = audit_lines(&arch);
    assert_eq!(lines.len(), before.len() + 2);
    let exported = entry(&lines[before.len() + 1]);
    assert_eq!(exported["command"], "export");
    assert_eq!(exported["options"]["profile"], serde_json::Value::Null);
    assert_eq!(exported["options"]["to"], out.display().to_string());
    assert_eq!(
        exported["options"]["sessions"],
        json!(["cs-13800138000-leak"])
    );
    assert_eq!(exported["counts"]["sessions"], 1);
    let hashed = |account: &str| {
        format!(
            "sha256:{}",
            sha256_hex(format!("{salt}{account}").as_bytes())
        )
    };
    assert_eq!(
        exported["options"]["selection"]["account"],
        json!([hashed("zhangsan_vip88")])
    );
    assert_eq!(
        exported["options"]["selection"]["agent"],
        json!([hashed("agent_wanglei")])
    );
    let log = fs::read_to_string(arch.join("data/audit.jsonl")).unwrap();
    for account in ["zhangsan_vip88", "agent_wanglei"] {
        assert!(
            !log.contains(account),
            "{account} in clear in the audit log"
        );
    }
    assert_eq!(info_field(&arch, SALT).as_deref(), Some(salt.as_str()));
    // verify checks the chain; bagit.py the manifests the entries changed.
    validate(&arch);

    // The next writing command keeps the salt, and the new bag says where it came from.
    ok(run(bin().arg("render").arg("--out").arg(&arch).arg("-q")));
    assert_eq!(info_field(&arch, SALT).as_deref(), Some(salt.as_str()));
    validate(&arch);
    let first = entry(&audit_lines(&out)[0]);
    assert_eq!(first["command"], "export");
    assert_eq!(first["options"]["from"], arch.display().to_string());
    assert_eq!(audit_lines(&out).len(), 1, "the new bag discloses nothing");
}

#[test]
fn readers_share_the_lock_and_a_held_archive_gets_a_warning() {
    let w = work("disclosure-lock");
    let arch = corpus(&w);
    let before = audit_lines(&arch);
    let held = fs::File::open(&arch).unwrap();
    // Another reader: share and export read beside it, but their entries would need the
    // writer lock, which it keeps past --lock-wait: a warning, and the output all the same.
    held.lock_shared().unwrap();
    let out = ok(run(bin()
        .arg("share")
        .arg(&arch)
        .arg("plain-1")
        .arg("--lock-wait")
        .arg("0")
        .arg("--out")
        .arg(w.join("read.html"))));
    assert!(w.join("read.html").is_file());
    let err = stderr(&out);
    assert!(
        err.contains("the disclosure is not in the audit log") && err.contains("is locked by"),
        "{err}"
    );
    let out = ok(run(bin()
        .arg("export")
        .arg(&arch)
        .arg("--out")
        .arg(w.join("exported"))
        .arg("--lock-wait")
        .arg("0")));
    assert!(stderr(&out).contains("the disclosure is not in the audit log"));
    validate(&w.join("exported"));
    held.unlock().unwrap();
    assert_eq!(audit_lines(&arch), before);
    // A writer: share waits --lock-wait for it, then exits 4 and writes nothing.
    held.lock().unwrap();
    let out = run(bin()
        .arg("share")
        .arg(&arch)
        .arg("plain-1")
        .arg("--lock-wait")
        .arg("0")
        .arg("--out")
        .arg(w.join("blocked.html")));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!w.join("blocked.html").exists());
    drop(held);
    validate(&arch);
}

/// A command that runs the binary without write access to `arch`: as user `nobody` when
/// we are root (whom permissions do not stop), else with `arch` made read-only.
fn without_write_access(w: &Path, arch: &Path) -> Command {
    let probe = w.join("probe");
    fs::write(&probe, b"").unwrap();
    if fs::metadata(&probe).unwrap().uid() != 0 {
        set_writable(arch, false);
        return bin();
    }
    let mut cmd = Command::new("setpriv");
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin!("desk-archive"));
    cmd
}

fn set_writable(path: &Path, writable: bool) {
    let meta = fs::symlink_metadata(path).unwrap();
    if meta.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            set_writable(&e.unwrap().path(), writable);
        }
    }
    let mode = meta.permissions().mode();
    let mode = if writable {
        mode | 0o200
    } else {
        mode & !0o222
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_source_gets_a_warning_and_the_share_succeeds() {
    let w = work("disclosure-read-only");
    let arch = corpus(&w);
    let log = fs::read(arch.join("data/audit.jsonl")).unwrap();
    let info = fs::read(arch.join("bag-info.txt")).unwrap();
    // Where the outputs go: writable by anyone.
    let drop_box = w.join("outputs");
    fs::create_dir(&drop_box).unwrap();
    fs::set_permissions(&drop_box, fs::Permissions::from_mode(0o777)).unwrap();
    let html = drop_box.join("s.html");
    let shared = run(without_write_access(&w, &arch)
        .arg("share")
        .arg(&arch)
        .arg("plain-1")
        .arg("--redact")
        .arg("external")
        .arg("--out")
        .arg(&html));
    let exported = run(without_write_access(&w, &arch)
        .arg("export")
        .arg(&arch)
        .arg("--out")
        .arg(drop_box.join("exported")));
    set_writable(&arch, true);
    for out in [&shared, &exported] {
        let out = ok(out.clone());
        let err = stderr(&out);
        assert!(
            err.contains("the disclosure is not in the audit log")
                && err.contains("ermission denied"),
            "{err}"
        );
    }
    assert!(fs::read_to_string(&html).unwrap().contains("hello"));
    validate(&drop_box.join("exported"));
    assert_eq!(fs::read(arch.join("data/audit.jsonl")).unwrap(), log);
    assert_eq!(fs::read(arch.join("bag-info.txt")).unwrap(), info);
    validate(&arch);
}
