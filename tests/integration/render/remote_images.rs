//! Remote images that were not captured (SPEC §7): links by default, so that opening the
//! archive makes no outside request; `--remote-images` shows them, and the archive
//! remembers the choice with its other render options. Markdown pages escape only what
//! could start markup.

use std::path::Path;

use crate::cli::run;

/// The demo session with an image (three sizes on media.example.com), and its URLs.
const PAGE: &str = "a/data/sessions/0f4ec911-1131-47d1-8d94-a1d34bd2838f.html";
const THUMB: &str =
    "https://media.example.com/im/c339ad9f05d355c00842a246adb36420/t/logout-error.png";
const ORIGINAL: &str =
    "https://media.example.com/im/c339ad9f05d355c00842a246adb36420/o/logout-error.png";

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records")
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

/// Every `<img src>` of the site's HTML pages that is not inside the archive.
fn remote_img_sources(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in crate::cli::files_under(&dir.join("a/data")) {
        if file.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&file).unwrap();
            for (at, _) in html.match_indices("<img src=\"") {
                let src = &html[at + 10..];
                let src = &src[..src.find('"').unwrap()];
                if src.contains("://") {
                    found.push(src.to_owned());
                }
            }
        }
    }
    found
}

#[test]
fn remote_images_are_links_unless_asked_for_and_the_choice_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo();
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "-q",
            "--records",
            demo.to_str().unwrap(),
            "--out",
            "a",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(remote_img_sources(dir.path()), Vec::<String>::new());
    let page = read(dir.path(), PAGE);
    assert!(
        page.contains(&format!("<a href=\"{ORIGINAL}\"")),
        "the image is a link"
    );
    assert!(
        page.contains("img-src 'self';"),
        "the CSP allows no remote image"
    );
    let info = read(dir.path(), "a/bag-info.txt");
    assert!(info.contains("\"remote_images\":false"), "{info}");

    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a", "--remote-images"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "desk-archive: remote images changed from off (as the archive remembered it) to on"
        ),
        "{stderr}"
    );
    let page = read(dir.path(), PAGE);
    assert!(
        page.contains(&format!("<img src=\"{THUMB}\"")),
        "shown inline"
    );
    assert!(
        page.contains("img-src 'self' https:;"),
        "and allowed by the CSP"
    );
    let shown = remote_img_sources(dir.path());
    assert!(shown.iter().all(|s| s.starts_with("https://")), "{shown:?}");

    // Remembered: a plain render keeps them, and says nothing.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("changed from"), "{stderr}");
    assert_eq!(read(dir.path(), PAGE), page);
    assert!(read(dir.path(), "a/bag-info.txt").contains("\"remote_images\":true"));

    // Turned off again by a flag, and by the config file's key.
    let (code, _, stderr) = run(dir.path(), &["render", "--out", "a", "--no-remote-images"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "desk-archive: remote images changed from on (as the archive remembered it) to off"
        ),
        "{stderr}"
    );
    assert!(remote_img_sources(dir.path()).is_empty());
    std::fs::write(
        dir.path().join("desk-archive.toml"),
        "remote-images = true\n",
    )
    .unwrap();
    let (code, _, stderr) = run(dir.path(), &["render", "-q", "--out", "a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(read(dir.path(), PAGE).contains(&format!("<img src=\"{THUMB}\"")));
    crate::archive::assert_valid_bag(&dir.path().join("a"));
}

#[test]
fn both_image_flags_at_once_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--out",
            "a",
            "--remote-images",
            "--no-remote-images",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the argument '--remote-images' cannot be used with '--no-remote-images'"),
        "{stderr}"
    );
}

#[test]
fn markdown_pages_escape_only_what_could_start_markup() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo();
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "-q",
            "--records",
            demo.to_str().unwrap(),
            "--out",
            "a",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut pages = vec![read(dir.path(), "a/data/index.md")];
    for file in crate::cli::files_under(&dir.path().join("a/data/sessions")) {
        if file.extension().is_some_and(|e| e == "md") {
            pages.push(std::fs::read_to_string(&file).unwrap());
        }
    }
    let all = pages.concat();
    for needless in [
        "\\:", "\\(", "\\)", "\\.", "\\-", "\\,", "\\/", "\\!", "\\?",
    ] {
        let lines: Vec<&str> = all.lines().filter(|l| l.contains(needless)).collect();
        assert!(lines.is_empty(), "{needless} escaped in {lines:#?}");
    }
    assert!(all.contains("Web(H5)"), "the channel name reads as it is");
}
