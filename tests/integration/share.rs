//! Integration tests of `share` and `export` through the real binary: the leak corpus (a
//! session full of planted personal data) must leave no trace in the shared HTML, the PDF's
//! text or anywhere in an exported bag — searched raw, as HTML character references,
//! percent-encoded and JSON-escaped — while ordinary text stays readable; exported bags
//! pass `bagit.py --validate` and `verify`; the shared file passes the Nu checker and loads
//! nothing in Chromium.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

mod disclosure;

const SOURCE_DATE_EPOCH: &str = "1767225600";

/// Values that must never appear in a redacted output.
const PLANTED: &[&str] = &[
    // phones
    "13800138000",
    "+86 139 1234 5678",
    "0755-26543210",
    "+1 (415) 555-2671",
    "+44 20 7946 0958",
    "１３７００１３７０００",
    "15012345678",
    "18612345678",
    // PRC resident identity numbers
    "11010519491231002X",
    "440306199001011236",
    "110101199003074477",
    // cards
    "4111 1111 1111 1111",
    "6212345678901265",
    "378282246310005",
    // e-mail and IPs
    "zhang.san@example.com",
    "li_si+vip@mail.example.cn",
    "203.0.113.45",
    "2001:db8:85a3::8a2e:370:7334",
    // tokens in URL queries
    "tok_9f8e7d6c5b4a",
    "SIGabc123xyz",
    // accounts
    "zhangsan_vip88",
    "agent_wanglei",
    // names (the profile's own rule)
    "张三丰",
    "Wang Wuji",
    // metadata that is not allow-listed
    "VIP-GOLD-7781",
];

/// Ordinary text that must stay readable.
const ORDINARY: &[&str] = &[
    "4111111111111112",
    "20240115-0032",
    "2024-01-15",
    "¥1,299.00",
    "$45.99",
    "v2.3.1",
    "您好，请问有什么可以帮您",
    "第3步",
];

const PROFILE: &str = r#"
name = "leak-test"
base = "external"
[metadata]
allow = ["Channel"]
[[rules]]
name = "names"
pattern = '张三丰|(?i)wang\s+wuji'
replacement = "[name]"
"#;

fn msg(from: &str, role: i64, ts: i64, body: serde_json::Value) -> serde_json::Value {
    json!({"FromAccount": from, "FromAccountRole": role, "Timestamp": ts, "MsgBody": body,
           "MsgSeq": ts % 1000, "MsgRandom": 1234})
}

fn text(t: &str) -> serde_json::Value {
    json!({"MsgType": "TIMTextElem", "MsgContent": {"Text": t}})
}

fn custom(data: &serde_json::Value) -> serde_json::Value {
    // Desk payloads are JSON in a string; non-ASCII escaped as `\u`, as some SDKs send it.
    let data = serde_json::to_string(data).unwrap();
    let escaped: String = data
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": escaped, "Desc": "", "Ext": ""}})
}

const IMG_URL: &str =
    "https://cdn.example.com/img/%E5%BC%A0%E4%B8%89%E4%B8%B0-id.png?sign=SIGabc123xyz";

/// The leak corpus: one session with every planted value in every kind of field.
fn leak_record() -> serde_json::Value {
    let c = "zhangsan_vip88";
    let a = "agent_wanglei";
    let t0 = 1_705_300_000_000_i64;
    let messages = vec![
        msg(
            c,
            1,
            t0,
            json!([text(
                "您好，请问有什么可以帮您? My phone is 13800138000, or +86 139 1234 5678; office 0755-26543210."
            )]),
        ),
        msg(
            a,
            2,
            t0 + 1000,
            json!([text(
                "Thanks zhangsan_vip88. US line +1 (415) 555-2671, UK +44 20 7946 0958, 全角１３７００１３７０００."
            )]),
        ),
        msg(
            c,
            1,
            t0 + 2000,
            json!([text(
                "身份证 11010519491231002X，另一个440306199001011236。卡号 4111 1111 1111 1111 和 6212345678901265, Amex 378282246310005. 订单号 4111111111111112 (20240115-0032), 2024-01-15 ¥1,299.00 $45.99 v2.3.1 第3步"
            )]),
        ),
        msg(
            c,
            1,
            t0 + 3000,
            json!([text(
                "mail zhang.san@example.com / li_si+vip@mail.example.cn from 203.0.113.45 and 2001:db8:85a3::8a2e:370:7334. [reset](https://example.com/reset?token=tok_9f8e7d6c5b4a) ![me](https://example.com/a.png?t=tok_9f8e7d6c5b4a)"
            )]),
        ),
        msg(
            a,
            2,
            t0 + 4000,
            json!([
                custom(
                    &json!({"src": "22", "content": {"header": "张三丰的订单", "desc": "收件人 Wang Wuji 15012345678", "pic": "https://cdn.example.com/p.png?sign=SIGabc123xyz", "url": "https://shop.example.com/o/1?token=tok_9f8e7d6c5b4a"}})
                ),
                custom(
                    &json!({"src": "99", "contact": {"mobile": 18612345678_u64, "idcard": "110101199003074477"}})
                ),
            ]),
        ),
        msg(
            c,
            1,
            t0 + 5000,
            json!([
                {"MsgType": "TIMImageElem", "MsgContent": {"UUID": "img-张三丰", "ImageFormat": 3, "ImageInfoArray": [{"Type": 1, "Size": 68, "Width": 1, "Height": 1, "URL": IMG_URL}]}},
                {"MsgType": "TIMFileElem", "MsgContent": {"Url": "https://cdn.example.com/f/%E5%BC%A0%E4%B8%89%E4%B8%B0.pdf?sign=SIGabc123xyz", "UUID": "f1", "FileSize": 2048, "FileName": "张三丰-身份证-11010519491231002X.pdf"}},
                {"MsgType": "TIMSoundElem", "MsgContent": {"Url": "https://cdn.example.com/v.amr?sign=SIGabc123xyz", "UUID": "s1", "Size": 900, "Second": 4}},
                {"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "Wang Wuji home, 13800138000", "Latitude": 22.543096, "Longitude": 114.057865}},
            ]),
        ),
        msg(
            a,
            2,
            t0 + 6000,
            json!([
                {"MsgType": "TIMRelayElem", "MsgContent": {"Title": "Chat of 张三丰", "MsgNum": 1, "CompatibleText": "", "AbstractList": ["zhangsan_vip88: 13800138000"],
                 "MsgList": [{"From_Account": "zhangsan_vip88", "MsgTimeStamp": 1705300000, "MsgBody": [text("ip 203.0.113.45")]}]}},
            ]),
        ),
        json!({"FromAccount": a, "FromAccountRole": 2, "Timestamp": t0 + 7000, "MsgBody": [text("bye")],
               "CloudCustomData": "{\"crm\":{\"phone\":\"13800138000\",\"email\":\"zhang.san@example.com\"}}"}),
    ];
    json!({"SessionId": "cs-13800138000-leak", "TotalCount": messages.len(),
           "FetchedAt": "2024-01-15T12:00:00Z",
           "Metadata": {"Channel": "web 张三丰", "Phone": "13800138000", "Tier": "VIP-GOLD-7781"},
           "Messages": messages})
}

/// A second, plain session (for selection).
fn plain_record() -> serde_json::Value {
    json!({"SessionId": "plain-1", "TotalCount": 1, "FetchedAt": "2024-03-01T00:00:00Z",
           "Metadata": {"Channel": "app"},
           "Messages": [msg("c2", 1, 1_709_251_200_000, json!([text("hello")]))]})
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0x0f, 0x04, 0x00,
    0x09, 0xfb, 0x03, 0xfd, 0xe3, 0x55, 0xf2, 0x9c, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("desk-archive"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An archive of the leak corpus and the plain session, with the image captured.
fn corpus(work: &Path) -> PathBuf {
    let records = work.join("in");
    fs::create_dir_all(&records).unwrap();
    for (name, r) in [("leak", leak_record()), ("plain", plain_record())] {
        fs::write(
            records.join(format!("{name}.json")),
            serde_json::to_vec(&r).unwrap(),
        )
        .unwrap();
    }
    let arch = work.join("arch");
    let media = arch.join("data/media");
    let sha = "9c".repeat(32);
    fs::create_dir_all(media.join("9c")).unwrap();
    fs::write(media.join(format!("9c/{sha}.png")), PNG).unwrap();
    let index = json!({"media": {
        IMG_URL: {"sha256": sha, "size": PNG.len(), "media_type": "image/png",
                  "path": format!("media/9c/{sha}.png"), "fetched": "2024-01-15T12:00:00Z"},
        "https://cdn.example.com/v.amr?sign=SIGabc123xyz": {"error": "refused: 203.0.113.45 for 13800138000", "when": "2024-01-15T12:00:00Z"}
    }});
    fs::write(
        media.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    ok(run(bin()
        .arg("render")
        .arg("--records")
        .arg(&records)
        .arg("--out")
        .arg(&arch)
        // The captured media were put in place by hand, before any manifest.
        .arg("--accept-changes")
        .arg("-q")));
    fs::write(work.join("profile.toml"), PROFILE).unwrap();
    arch
}

fn work(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every form of `value` that an output could carry.
fn encodings(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    forms.push(value.chars().map(|c| format!("&#{};", c as u32)).collect());
    forms.push(
        value
            .chars()
            .map(|c| format!("&#x{:x};", c as u32))
            .collect(),
    );
    forms.push(value.bytes().map(|b| format!("%{b:02X}")).collect());
    forms.push(value.bytes().map(|b| format!("%{b:02x}")).collect());
    // Percent-encoding of what a URL would escape only.
    forms.push(url_escape(value));
    let json = serde_json::to_string(value).unwrap();
    forms.push(json[1..json.len() - 1].to_owned());
    forms.push(
        value
            .encode_utf16()
            .map(|u| format!("\\u{u:04x}"))
            .collect(),
    );
    forms.push(
        value
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    c.encode_utf16(&mut [0; 2])
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                }
            })
            .collect(),
    );
    forms.sort();
    forms.dedup();
    forms
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The planted values (in any encoding) found in `haystack`, named by `what`.
fn leaks(haystack: &str, what: &str) -> Vec<String> {
    let mut found = Vec::new();
    for value in PLANTED {
        for form in encodings(value) {
            if haystack.contains(&form) {
                found.push(format!("{what}: {value:?} as {form:?}"));
            }
        }
    }
    found
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_corpus_is_visible_without_redaction() {
    // The check must be able to fail: unredacted, the planted values are all there.
    let w = work("share-unredacted");
    let arch = corpus(&w);
    let out = w.join("plain.html");
    ok(run(bin()
        .arg("share")
        .arg(&arch)
        .arg("cs-13800138000-leak")
        .arg("--out")
        .arg(&out)));
    let html = fs::read_to_string(&out).unwrap();
    let leaked = leaks(&html, "html");
    for value in [
        "13800138000",
        "zhang.san@example.com",
        "11010519491231002X",
        "tok_9f8e7d6c5b4a",
    ] {
        assert!(
            leaked.iter().any(|l| l.contains(value)),
            "{value} not found unredacted"
        );
    }
    assert!(
        html.contains("data:image/png;base64,"),
        "captured image inlined"
    );
}

#[test]
fn shared_html_leaks_nothing_and_keeps_ordinary_text() {
    let w = work("share-redacted");
    let arch = corpus(&w);
    for keep in [false, true] {
        let out = w.join(format!("red-{keep}.html"));
        let report = w.join(format!("report-{keep}.json"));
        let mut cmd = bin();
        cmd.arg("share")
            .arg(&arch)
            .arg("cs-13800138000-leak")
            .arg("--redact")
            .arg(w.join("profile.toml"))
            .arg("--redact-session-id")
            .arg("--out")
            .arg(&out)
            .arg("--report")
            .arg(&report);
        if keep {
            cmd.arg("--keep-media");
        }
        ok(run(&mut cmd));
        let html = fs::read_to_string(&out).unwrap();
        let report_text = fs::read_to_string(&report).unwrap();
        let mut found = leaks(&html, "html");
        found.extend(leaks(&report_text, "report"));
        assert!(found.is_empty(), "keep-media {keep}: {found:#?}");
        for text in ORDINARY {
            assert!(html.contains(text), "{text} lost (keep-media {keep})");
        }
        assert!(html.contains("Customer") && html.contains("Agent 1"));
        assert_eq!(
            html.contains("data:image/png;base64,"),
            keep,
            "image inlined only when kept"
        );
        assert!(!html.contains("<script"), "no script");
        let report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
        let rules: Vec<&str> = report["sessions"][0]["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["rule"].as_str().unwrap())
            .collect();
        for rule in [
            "phone",
            "prc-id",
            "card",
            "email",
            "ip",
            "url-query",
            "pseudonym",
            "names",
            "metadata",
        ] {
            assert!(rules.contains(&rule), "{rule} missing from the report");
        }
        assert_eq!(rules.contains(&"media"), !keep);
    }
}

#[test]
fn default_name_and_session_id_are_redacted() {
    let w = work("share-name");
    let arch = corpus(&w);
    ok(run(bin()
        .current_dir(&w)
        .arg("share")
        .arg(&arch)
        .arg("cs-13800138000-leak")
        .arg("--redact")
        .arg("external")));
    let names: Vec<String> = fs::read_dir(&w)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(!names[0].contains("13800138000"), "{names:?}");
    let out = run(bin()
        .current_dir(&w)
        .arg("share")
        .arg(&arch)
        .arg("cs-13800138000-leak")
        .arg("--redact")
        .arg("external")
        .arg("--redact-session-id")
        .arg("--out")
        .arg("-"));
    let html = String::from_utf8(ok(out).stdout).unwrap();
    assert!(!html.contains("cs-13800138000-leak") && html.contains("session-"));
}

#[test]
fn exported_bag_leaks_nothing_and_validates() {
    let w = work("export-redacted");
    let arch = corpus(&w);
    // Per-export pseudonyms redact sessions one after another, per-session ones in
    // parallel: both paths.
    for scope in ["per-export", "per-session"] {
        let out = w.join(format!("export-{scope}"));
        ok(run(bin()
            .arg("export")
            .arg(&arch)
            .arg("--out")
            .arg(&out)
            .arg("--redact")
            .arg(w.join("profile.toml"))
            .arg("--redact-session-id")
            .arg("--pseudonyms")
            .arg(scope)
            .arg("--keep-media")
            .arg("--report")
            .arg(w.join(format!("report-{scope}.json")))));
        let mut files = Vec::new();
        all_files(&out, &mut files);
        files.push(w.join(format!("report-{scope}.json")));
        let mut found = Vec::new();
        for file in &files {
            let bytes = fs::read(file).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            found.extend(leaks(&text, &file.display().to_string()));
            found.extend(leaks(&file.display().to_string(), "file name"));
        }
        assert!(found.is_empty(), "{scope}: {found:#?}");
        let stats = fs::read_to_string(out.join("data/stats.json")).unwrap();
        let customer = if scope == "per-export" {
            "Customer 1"
        } else {
            "\"Customer\""
        };
        assert!(
            stats.contains(customer),
            "{scope}: {customer} not in stats.json"
        );
        let records: Vec<_> = fs::read_dir(out.join("data/records")).unwrap().collect();
        assert_eq!(records.len(), 2, "{scope}");
        let info = fs::read_to_string(out.join("bag-info.txt")).unwrap();
        assert!(info.contains("Redaction-Profile: leak-test"), "{info}");
        assert!(
            out.join("data/media/index.json").is_file(),
            "kept media exported"
        );
        validate(&out);
    }
    // A message filter selects the session with the account only.
    let out = w.join("export-account");
    ok(run(bin()
        .arg("export")
        .arg(&arch)
        .arg("--out")
        .arg(&out)
        .arg("--redact")
        .arg("external")
        .arg("--account")
        .arg("zhangsan_vip88")));
    assert_eq!(fs::read_dir(out.join("data/records")).unwrap().count(), 1);
    let export = fs::read_to_string(out.join("data/export.json")).unwrap();
    assert!(
        !export.contains("zhangsan_vip88") && export.contains("[redacted]"),
        "{export}"
    );
}

#[test]
fn export_without_redaction_is_byte_exact_and_selects() {
    let w = work("export-plain");
    let arch = corpus(&w);
    // The source's Payload-Oxum as the export found it (its disclosure entry changes it).
    let info = fs::read_to_string(arch.join("bag-info.txt")).unwrap();
    let oxum = info
        .lines()
        .find_map(|l| l.strip_prefix("Payload-Oxum: "))
        .unwrap();
    let out = w.join("export");
    ok(run(bin()
        .arg("export")
        .arg(&arch)
        .arg("--out")
        .arg(&out)
        .arg("--since")
        .arg("2024-02-01")
        .arg("--metadata")
        .arg("Channel=app")));
    let name = "plain-1-".to_owned();
    let mut records: Vec<PathBuf> = fs::read_dir(out.join("data/records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(records.len(), 1);
    let exported = records.pop().unwrap();
    let file_name = exported.file_name().unwrap().to_string_lossy().into_owned();
    assert!(file_name.starts_with(&name), "{file_name}");
    assert_eq!(
        fs::read(&exported).unwrap(),
        fs::read(arch.join("data/records").join(&file_name)).unwrap(),
        "byte for byte"
    );
    let export: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("data/export.json")).unwrap()).unwrap();
    assert_eq!(export["sessions"], 1);
    assert_eq!(export["selection"]["since"], "2024-02-01");
    assert_eq!(export["selection"]["metadata"]["Channel"], "app");
    assert_eq!(export["source"]["payload_oxum"], oxum);
    assert!(
        !fs::read_to_string(out.join("bag-info.txt"))
            .unwrap()
            .contains("Redaction-Profile")
    );
    validate(&out);
    // A second export into the same, now full, directory is refused.
    let again = run(bin().arg("export").arg(&arch).arg("--out").arg(&out));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}

fn validate(bag: &Path) {
    ok(run(bin().arg("verify").arg(bag)));
    let out = Command::new("bagit.py")
        .arg("--validate")
        .arg(bag)
        .output()
        .expect("bagit.py is missing: run scripts/test.sh");
    assert!(
        out.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2_and_say_what() {
    let w = work("share-usage");
    let arch = corpus(&w);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["share".into(), arch.display().to_string(), "nope".into()],
            "is not in the archive",
        ),
        (
            vec![
                "share".into(),
                arch.display().to_string(),
                "plain-1".into(),
                "--redact".into(),
                "secret".into(),
            ],
            "unknown redaction profile",
        ),
        (
            vec![
                "share".into(),
                arch.display().to_string(),
                "plain-1".into(),
                "--report".into(),
                "r.json".into(),
            ],
            "--report needs --redact",
        ),
        (
            vec![
                "share".into(),
                arch.display().to_string(),
                "plain-1".into(),
                "--pdf".into(),
                "--chrome".into(),
                "/nonexistent/chrome".into(),
            ],
            "is not a file",
        ),
        (
            vec![
                "export".into(),
                arch.display().to_string(),
                "--out".into(),
                arch.join("data/x").display().to_string(),
            ],
            "inside the source archive",
        ),
        (
            vec![
                "export".into(),
                arch.display().to_string(),
                "--out".into(),
                w.join("e").display().to_string(),
                "--since".into(),
                "15/01/2024".into(),
            ],
            "not a date such as 2024-11-07",
        ),
    ];
    for (args, needle) in cases {
        let out = run(bin().current_dir(&w).args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // No browser on PATH: exit 2 naming what to install.
    let out = run(bin()
        .env("PATH", w.join("empty-path"))
        .arg("share")
        .arg(&arch)
        .arg("plain-1")
        .arg("--pdf"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
}

#[test]
fn pdf_text_leaks_nothing_and_keeps_chinese() {
    let w = work("share-pdf");
    let arch = corpus(&w);
    let pdf = w.join("out.pdf");
    ok(run(bin()
        .arg("share")
        .arg(&arch)
        .arg("cs-13800138000-leak")
        .arg("--redact")
        .arg(w.join("profile.toml"))
        .arg("--redact-session-id")
        .arg("--pdf")
        .arg("--out")
        .arg(&pdf)));
    assert!(fs::read(&pdf).unwrap().starts_with(b"%PDF"), "a PDF");
    let text = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is missing (Debian: poppler-utils): run scripts/test.sh");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let found = leaks(&text, "pdf text");
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        text.contains("请问有什么可以帮您"),
        "Chinese text extractable: {text}"
    );
    assert!(text.contains("[phone]"), "{text}");
    // Unredacted, the PDF text does hold the values (the check can fail).
    let plain = w.join("plain.pdf");
    ok(run(bin()
        .arg("share")
        .arg(&arch)
        .arg("cs-13800138000-leak")
        .arg("--pdf")
        .arg("--out")
        .arg(&plain)));
    let text = Command::new("pdftotext")
        .arg(&plain)
        .arg("-")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("13800138000"));
}

#[test]
fn shared_file_passes_the_nu_checker_and_loads_nothing() {
    let w = work("share-browser");
    let arch = corpus(&w);
    let site = w.join("shared");
    fs::create_dir_all(&site).unwrap();
    for (name, extra) in [
        ("plain.html", vec![]),
        ("red.html", vec!["--redact", "external", "--keep-media"]),
    ] {
        ok(run(bin()
            .arg("share")
            .arg(&arch)
            .arg("cs-13800138000-leak")
            .arg("--out")
            .arg(site.join(name))
            .args(extra)));
    }
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let vnu = run(Command::new("bash").arg(browser.join("vnu.sh")).arg(&site));
    assert!(
        vnu.status.success(),
        "vnu: {}{}",
        String::from_utf8_lossy(&vnu.stdout),
        String::from_utf8_lossy(&vnu.stderr)
    );
    let check = run(Command::new("node")
        .arg(browser.join("share-check.mjs"))
        .arg(&site));
    assert!(
        check.status.success(),
        "share-check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}
