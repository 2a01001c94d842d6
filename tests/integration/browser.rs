//! Integration tests: the rendered demo site in a real browser and in the W3C Nu HTML
//! checker, and self-tests proving that those checks catch what they are meant to.
//!
//! The checks live in `tests/browser/` (`check.mjs`: Debian's Chromium through
//! playwright-core, axe-core, screenshots; `wrap.mjs`: line breaks in tables;
//! `index-ui.mjs`: sorting and filters; `vnu.sh`: vnu.jar). Their tools are installed
//! by `scripts/test.sh`; when one is missing these tests fail and say so, never skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The fixed build stamp, so the demo site is the same on every run.
const SOURCE_DATE_EPOCH: &str = "1767225600";

const CHROMIUM: &str = "/usr/bin/chromium";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn browser_dir() -> PathBuf {
    repo().join("tests/browser")
}

/// Fails the test, naming what is missing, unless every browser-test tool is installed.
fn require_tools(java: bool) {
    let mut missing = Vec::new();
    let chromium = std::env::var_os("CHROMIUM_PATH").map_or_else(|| CHROMIUM.into(), PathBuf::from);
    if !chromium.exists() {
        missing.push(format!("Chromium ({})", chromium.display()));
    }
    if !runs("node", "--version") {
        missing.push("node".to_owned());
    }
    for module in ["playwright-core", "axe-core", "vnu-jar"] {
        if !browser_dir().join("node_modules").join(module).is_dir() {
            missing.push(format!("tests/browser/node_modules/{module}"));
        }
    }
    if java && !runs("java", "-version") {
        missing.push("java".to_owned());
    }
    assert!(
        missing.is_empty(),
        "browser-test tools missing: {}; run scripts/test.sh, which installs them",
        missing.join(", ")
    );
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Both output streams, for a failure message.
fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|err| panic!("cannot run {cmd:?}: {err}"))
}

/// Runs check.mjs on a site's `data/` folder, with screenshots when `shots` is given.
fn check_mjs(data: &Path, shots: Option<&Path>) -> Output {
    check_mjs_with(&[], data, shots)
}

/// [`check_mjs`] with options before the folder (`--no-remote`).
fn check_mjs_with(options: &[&str], data: &Path, shots: Option<&Path>) -> Output {
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("check.mjs"))
        .args(options)
        .arg(data);
    cmd.args(shots);
    run(&mut cmd)
}

fn vnu(data: &Path) -> Output {
    run(Command::new("bash")
        .arg(browser_dir().join("vnu.sh"))
        .arg(data))
}

/// Renders `examples/demo/records` once per test binary run with the real binary, in a
/// clean environment; returns the site's `data/` folder or why it could not be built.
fn demo_site() -> &'static Result<PathBuf, String> {
    static SITE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SITE.get_or_init(|| build_site("examples/demo/records", "browser-demo", &[]))
}

/// The demo's sessions with images, rendered with `--remote-images` (only those: the
/// whole demo is checked by the other tests, and checking it twice more took minutes).
fn remote_images_site() -> &'static Result<PathBuf, String> {
    static SITE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SITE.get_or_init(|| {
        let records = image_sessions("browser-remote-images-records")?;
        build_site(
            records
                .to_str()
                .ok_or("a temporary path that is not UTF-8")?,
            "browser-remote-images",
            &["--remote-images"],
        )
    })
}

/// Copies the demo records that hold an image message into a fresh folder under the
/// target's temporary folder; returns it.
fn image_sessions(name: &str) -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let demo = repo().join("examples/demo/records");
    let entries = std::fs::read_dir(&demo).map_err(|e| format!("cannot list the demo: {e}"))?;
    let mut copied = 0;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        if text.contains("TIMImageElem") {
            std::fs::write(dir.join(path.file_name().unwrap_or_default()), text)
                .map_err(|e| e.to_string())?;
            copied += 1;
        }
    }
    if copied == 0 {
        return Err("the demo has no session with an image".to_owned());
    }
    Ok(dir)
}

/// The hostile corpus (tests/fixtures/hostile), rendered once per run like the demo.
fn hostile_site() -> &'static Result<PathBuf, String> {
    static SITE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SITE.get_or_init(|| build_site("tests/fixtures/hostile/records", "browser-hostile", &[]))
}

fn build_site(records: &str, work: &str, options: &[&str]) -> Result<PathBuf, String> {
    let records = repo().join(records);
    if !records.is_dir() {
        return Err(format!("no records at `{}`", records.display()));
    }
    // A fixed folder under target/ (kept after the run for a look at a failure).
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(work);
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|err| format!("cannot remove `{}`: {err}", work.display()))?;
    }
    std::fs::create_dir_all(&work)
        .map_err(|err| format!("cannot create `{}`: {err}", work.display()))?;
    let out_dir = work.join("archive");
    let out = assert_cmd::cargo::cargo_bin_cmd!("desk-archive")
        .env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        // No desk-archive.toml is picked up from an empty working folder.
        .current_dir(&work)
        .arg("render")
        .arg("--records")
        .arg(&records)
        .arg("--out")
        .arg(&out_dir)
        .args(options)
        .output()
        .map_err(|err| format!("cannot run desk-archive: {err}"))?;
    if !out.status.success() {
        return Err(format!("desk-archive render failed: {}", describe(&out)));
    }
    let data = out_dir.join("data");
    if !data.join("index.html").is_file() {
        return Err(format!(
            "render wrote no `{}`",
            data.join("index.html").display()
        ));
    }
    Ok(data)
}

fn demo_data() -> &'static Path {
    match demo_site() {
        Ok(data) => data,
        Err(err) => panic!("could not build the demo site: {err}"),
    }
}

#[test]
fn demo_site_passes_browser_checks() {
    require_tools(false);
    let data = demo_data();
    let shots = repo().join("artifacts/screenshots");
    // Rendered without --remote-images: opening it asks for nothing outside it.
    let out = check_mjs_with(&["--no-remote"], data, Some(&shots));
    assert!(
        out.status.success(),
        "browser check failed: {}",
        describe(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("check.mjs: 0 remote image requests (aborted)"),
        "{stdout}"
    );
}

/// With `--remote-images` the demo's uncaptured images are asked for, from https only
/// (check.mjs aborts them and fails on anything else); without it `--no-remote` fails on
/// that site, so the check above can catch a remote image.
#[test]
fn remote_images_are_requested_only_when_rendered_with_remote_images() {
    require_tools(false);
    let data = match remote_images_site() {
        Ok(data) => data,
        Err(err) => panic!("could not build the site: {err}"),
    };
    let shots = repo().join("artifacts/screenshots-remote-images");
    let out = check_mjs(data, Some(&shots));
    assert!(
        out.status.success(),
        "browser check failed: {}",
        describe(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let requests: u64 = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("check.mjs: ")?
                .strip_suffix(" remote image requests (aborted)")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(requests > 0, "{stdout}");
    let strict = check_mjs_with(&["--no-remote"], data, None);
    assert!(!strict.status.success(), "{}", describe(&strict));
    assert!(
        String::from_utf8_lossy(&strict.stdout).contains("remote image requested: https://"),
        "{}",
        describe(&strict)
    );
}

/// Script tags, handlers, hostile URLs, control characters, pathological Markdown: no
/// dialog, no console error, no request outside the archive, no axe violation.
#[test]
fn hostile_site_runs_nothing_and_loads_nothing_from_outside() {
    require_tools(false);
    let data = match hostile_site() {
        Ok(data) => data,
        Err(err) => panic!("could not build the hostile site: {err}"),
    };
    let out = check_mjs(data, None);
    assert!(
        out.status.success(),
        "browser check failed: {}",
        describe(&out)
    );
}

#[test]
fn hostile_site_passes_nu_html_checker() {
    require_tools(true);
    let data = match hostile_site() {
        Ok(data) => data,
        Err(err) => panic!("could not build the hostile site: {err}"),
    };
    let out = vnu(data);
    assert!(
        out.status.success(),
        "Nu HTML checker failed: {}",
        describe(&out)
    );
}

/// index.js: sorting by a numeric column (largest first, missing last, reversed on a
/// second click), the text filter and the date-range filter, driven in Chromium.
#[test]
fn demo_index_sorts_and_filters_in_the_browser() {
    require_tools(false);
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("index-ui.mjs")).arg(demo_data());
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "index UI check failed: {}",
        describe(&out)
    );
}

/// Site search on the demo, served by `desk-archive serve`: an invoice number, a Chinese word and an
/// order number deep in a 284-message session each find their session and lead to the
/// message itself (on screen, containing the words); the agent filter narrows results;
/// axe-clean with results shown; from file:// the box says to run `desk-archive serve`.
/// The page with results shown passes the Nu HTML checker too.
#[test]
fn demo_search_finds_messages_in_the_browser() {
    require_tools(true);
    let snapshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("search-snapshot");
    let _ = std::fs::remove_dir_all(&snapshot);
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("search-ui.mjs"))
        .arg(demo_data())
        .arg("INV-2026-02-88410=7bd09592-0743-4f44-8cc7-f2a480e3dac7")
        .arg("增值税=9e4ac0bc-a311-467b-a17e-205ba043f2b0")
        .arg("2026030500326=d8d27021-938a-4611-90fa-f817159d7ad7")
        .env("DESK_ARCHIVE_BIN", env!("CARGO_BIN_EXE_desk-archive"))
        .env("SEARCH_SNAPSHOT", &snapshot);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "search UI check failed: {}",
        describe(&out)
    );
    let landed = String::from_utf8_lossy(&out.stdout);
    let landed: Vec<&str> = landed
        .lines()
        .filter(|l| l.starts_with("landed\t"))
        .collect();
    assert_eq!(
        landed.len(),
        3,
        "not every query landed: {}",
        describe(&out)
    );
    for line in landed {
        command_line_finds(demo_data(), line);
    }
    let checked = vnu(&snapshot);
    assert!(
        checked.status.success(),
        "Nu HTML checker failed on the page with results: {}",
        describe(&checked)
    );
}

/// The demo rendered in Chinese (`--lang zh-CN`), whose index Pagefind segments itself: a
/// query it splits into several words ("INV-2026-02-88410") still lands on the message that
/// holds the whole query, not on an earlier one holding one of its words.
#[test]
fn zh_cn_search_lands_on_the_message_holding_the_query() {
    require_tools(false);
    let data = match build_site(
        "examples/demo/records",
        "browser-zh-cn",
        &["--lang", "zh-CN"],
    ) {
        Ok(data) => data,
        Err(err) => panic!("could not build the site: {err}"),
    };
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("search-ui.mjs"))
        .arg(&data)
        .arg("INV-2026-02-88410=7bd09592-0743-4f44-8cc7-f2a480e3dac7")
        .arg("增值税=9e4ac0bc-a311-467b-a17e-205ba043f2b0")
        .env("DESK_ARCHIVE_BIN", env!("CARGO_BIN_EXE_desk-archive"));
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "search UI check failed: {}",
        describe(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("landed\t")).count(),
        2,
        "not every query landed: {}",
        describe(&out)
    );
}

/// `desk-archive search` finds the message the site search landed on (`line` is
/// `landed<TAB>QUERY<TAB>STEM<TAB>#m-N` from search-ui.mjs; `m-N` is the message at index
/// N - 1 of the record): the same query finds the same message on both sides.
fn command_line_finds(data: &Path, line: &str) {
    let [_, query, stem, hash] = line.split('\t').collect::<Vec<_>>()[..] else {
        panic!("not a landed line: {line:?}");
    };
    let n: usize = hash
        .strip_prefix("#m-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no message number in {line:?}"));
    let archive = data.parent().expect("data/ has a parent");
    let out = run(Command::new(env!("CARGO_BIN_EXE_desk-archive"))
        .args(["search", "--json", "--"])
        .arg(archive)
        .arg(query)
        .env_clear()
        .env("NO_COLOR", "1"));
    assert!(out.status.success(), "search {query}: {}", describe(&out));
    let found = String::from_utf8_lossy(&out.stdout).lines().any(|l| {
        let hit: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        hit["stem"] == stem && hit["index"] == n - 1
    });
    assert!(
        found,
        "`search {query}` does not list message {hash} of {stem}: {}",
        describe(&out)
    );
}

/// An archive of 5,003 sessions has two index pages; with JavaScript the index sorts and
/// filters all of them (index-rows.js), draws rows as the pages do, 200 at a time.
#[test]
fn index_sorts_and_filters_every_session_of_a_two_page_archive() {
    require_tools(false);
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-two-pages");
    let _ = std::fs::remove_dir_all(&work);
    let records = work.join("records");
    std::fs::create_dir_all(&records).unwrap();
    for i in 0..5003 {
        let ms = 1_767_225_600_000_i64 + i * 60_000;
        let message = format!(
            r#"{{"FromAccount":"cust{c}","FromAccountRole":1,"Timestamp":{ms},"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"message {i}"}}}}]}}"#,
            c = i % 7
        );
        let messages = vec![message; 1 + (i % 3) as usize].join(",");
        let record = format!(
            r#"{{"SessionId":"s{i:05}","TotalCount":1,"FetchedAt":"2026-01-01T00:00:00Z","Metadata":{{}},"Messages":[{messages}]}}"#
        );
        std::fs::write(records.join(format!("s{i:05}.json")), record).unwrap();
    }
    let out = assert_cmd::cargo::cargo_bin_cmd!("desk-archive")
        .env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .current_dir(&work)
        .args(["-q", "render", "--records", "records", "--out", "archive"])
        .args(["--no-search", "--no-markdown-pages"])
        .output()
        .unwrap();
    assert!(out.status.success(), "render failed: {}", describe(&out));
    let data = work.join("archive/data");
    assert!(data.join("index-2.html").is_file());
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("index-ui.mjs"))
        .arg(&data)
        .args(["--all", "5003", "--find", "s00000"]);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "index UI check failed: {}",
        describe(&out)
    );
}

/// Runs wrap.mjs on a site's `data/` folder.
fn wrap_mjs(data: &Path) -> Output {
    run(Command::new("node")
        .arg(browser_dir().join("wrap.mjs"))
        .arg(data))
}

/// Table headers and cells break between words only ("Custo|mer" was the bug), at 1280
/// and 375 px and in print on an A4 page (the index and every agent page), and no table
/// is wider than the page.
#[test]
fn demo_tables_never_break_inside_a_word() {
    require_tools(false);
    let out = wrap_mjs(demo_data());
    assert!(
        out.status.success(),
        "wrap check failed: {}",
        describe(&out)
    );
}

#[test]
fn wrap_check_rejects_split_words_and_wide_tables() {
    require_tools(false);
    let sample = browser_dir().join("sample");
    let good = wrap_mjs(&sample.join("good"));
    assert!(
        good.status.success(),
        "wrap check failed the good sample: {}",
        describe(&good)
    );
    for (case, reason) in [
        ("bad-wrap", r#""Customer" broken over"#),
        ("bad-wide", "beyond the page's 718 px"),
    ] {
        let out = wrap_mjs(&sample.join(case));
        let text = describe(&out);
        assert!(!out.status.success(), "wrap check passed `{case}`: {text}");
        assert!(text.contains(reason), "expected `{reason}` in: {text}");
    }
}

#[test]
fn demo_site_passes_nu_html_checker() {
    require_tools(true);
    let out = vnu(demo_data());
    assert!(
        out.status.success(),
        "Nu HTML checker failed: {}",
        describe(&out)
    );
}

/// Runs check.mjs on one committed sample site; returns success and the output.
fn check_sample(case: &str) -> (bool, String) {
    require_tools(false);
    let out = check_mjs(&browser_dir().join("sample").join(case), None);
    (out.status.success(), describe(&out))
}

/// Asserts that check.mjs fails on a sample for the expected reason.
fn assert_sample_rejected(case: &str, reason: &str) {
    let (ok, output) = check_sample(case);
    assert!(!ok, "browser check passed sample `{case}`: {output}");
    assert!(output.contains(reason), "expected `{reason}` in: {output}");
}

#[test]
fn browser_check_accepts_good_sample() {
    let (ok, output) = check_sample("good");
    assert!(ok, "browser check failed the good sample: {output}");
}

#[test]
fn browser_check_rejects_console_error() {
    assert_sample_rejected("bad-console", "console error: sample console error");
}

#[test]
fn browser_check_rejects_dialog() {
    assert_sample_rejected("bad-dialog", "JavaScript alert dialog");
}

#[test]
fn browser_check_rejects_inline_script() {
    assert_sample_rejected("bad-inline-script", "inline <script>");
}

#[test]
fn browser_check_rejects_outside_request() {
    assert_sample_rejected("bad-request", "request to http://127.0.0.1:9/x");
}

#[test]
fn browser_check_rejects_axe_violation() {
    assert_sample_rejected("bad-axe", "axe critical button-name");
}

#[test]
fn browser_check_rejects_missing_csp() {
    assert_sample_rejected("bad-no-csp", "no Content-Security-Policy <meta>");
}

#[test]
fn nu_checker_accepts_good_and_rejects_invalid_html() {
    require_tools(true);
    let sample = browser_dir().join("sample");
    let good = vnu(&sample.join("good"));
    assert!(
        good.status.success(),
        "vnu failed the good sample: {}",
        describe(&good)
    );
    let bad = vnu(&sample.join("bad-html"));
    assert!(
        !bad.status.success(),
        "vnu passed bad-html: {}",
        describe(&bad)
    );
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("Duplicate ID"),
        "expected a duplicate-id error: {text}"
    );
}
