//! Media capture (SPEC §8) against a loopback media server: storage by content, the
//! index, coverage counts, safety (refused addresses and redirects, sniffed extensions),
//! limits, retries, pages using the local copies, and a re-run that downloads nothing.

#[path = "media/server.rs"]
pub(crate) mod server;

mod deadline;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use desk_archive::coverage::Coverage;
use desk_archive::media::{self, Entry, MediaIndex, MediaSettings};
use desk_archive::render::{Lang, RenderOptions};
use server::{MediaServer, Route};

const SESSION: &str = "0b9c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&[0u8; 40]);
    v
}

fn routes(base: &str) -> HashMap<String, Route> {
    let mut mp4 = b"\0\0\0\x18ftypmp42".to_vec();
    mp4.extend_from_slice(&[1u8; 64]);
    let host_port = base.trim_start_matches("http://127.0.0.1");
    let r = |p: &str, route: Route| (p.to_owned(), route);
    HashMap::from([
        r("/a.png", Route::Bytes("image/png", png())),
        r("/a-copy.png", Route::Bytes("image/png", png())),
        r("/photo", Route::Bytes("text/html", png())),
        r("/doc.pdf", Route::Bytes("application/pdf", b"%PDF-1.7 x".to_vec())),
        r("/voice.mp3", Route::Bytes("audio/mpeg", b"ID3\x04\0\0\0\0".to_vec())),
        r("/clip.mp4", Route::Bytes("video/mp4", mp4)),
        r("/clip-thumb.jpg", Route::Bytes("image/jpeg", b"\xFF\xD8\xFF\xE0jpeg".to_vec())),
        r("/hop1", Route::Redirect("/hop2".into())),
        r("/hop2", Route::Redirect(format!("{base}/card.gif"))),
        r("/card.gif", Route::Bytes("image/gif", b"GIF89a\x01\0\x01\0".to_vec())),
        r(
            "/evil.svg",
            Route::Bytes("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>".to_vec()),
        ),
        r("/missing", Route::Status(404)),
        r("/flaky", Route::Status(503)),
        r("/big", Route::Bytes("application/zip", vec![b'P'; 5000])),
        r("/slow", Route::Slow(Duration::from_secs(5))),
        r("/to-localhost", Route::Redirect(format!("http://localhost{host_port}/a.png"))),
        r("/to-v6", Route::Redirect(format!("http://[::1]{host_port}/a.png"))),
        r("/loop", Route::Redirect("/loop".into())),
    ])
}

fn message(body: &str) -> String {
    format!(
        r#"{{"FromAccount":"c1","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[{body}]}}"#
    )
}

fn file(url: &str, name: &str) -> String {
    format!(
        r#"{{"MsgType":"TIMFileElem","MsgContent":{{"Url":"{url}","UUID":"{name}","FileName":"{name}"}}}}"#
    )
}

/// A record referencing every route, written into `data/records/`.
fn write_record(data: &Path, s: &MediaServer) {
    let u = |p: &str| s.url(p);
    let mut messages = vec![
        message(&format!(
            r#"{{"MsgType":"TIMImageElem","MsgContent":{{"UUID":"img","ImageFormat":3,"ImageInfoArray":[{{"Type":1,"Width":4,"Height":4,"URL":"{}"}},{{"Type":3,"Width":2,"Height":2,"URL":"{}"}}]}}}}"#,
            u("/a.png"),
            u("/a-copy.png")
        )),
        message(&format!(
            r#"{{"MsgType":"TIMSoundElem","MsgContent":{{"Url":"{}","UUID":"snd","Second":3}}}}"#,
            u("/voice.mp3")
        )),
        message(&format!(
            r#"{{"MsgType":"TIMVideoFileElem","MsgContent":{{"VideoUrl":"{}","VideoUUID":"vid","ThumbUrl":"{}"}}}}"#,
            u("/clip.mp4"),
            u("/clip-thumb.jpg")
        )),
        message(&format!(
            r#"{{"MsgType":"TIMCustomElem","MsgContent":{{"Data":"{{\"src\":\"22\",\"customerServicePlugin\":0,\"content\":{{\"header\":\"Phone\",\"pic\":\"{}\",\"url\":\"https://example.com/p\"}}}}"}}}}"#,
            u("/hop1")
        )),
    ];
    for p in [
        "/photo",
        "/doc.pdf",
        "/evil.svg",
        "/missing",
        "/flaky",
        "/big",
        "/slow",
        "/to-localhost",
        "/to-v6",
        "/loop",
    ] {
        messages.push(message(&file(&u(p), &p[1..])));
    }
    let record = format!(
        r#"{{"SessionId":"{SESSION}","TotalCount":{},"Messages":[{}],"FetchedAt":"2024-01-01T00:00:00Z"}}"#,
        messages.len(),
        messages.join(",\n")
    );
    let path = data.join("records").join(format!("{SESSION}.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, record).unwrap();
}

fn settings(allow: &[&str]) -> MediaSettings {
    MediaSettings {
        allow_hosts: allow.iter().map(|s| s.to_string()).collect(),
        max_bytes: 1000,
        timeout: Duration::from_millis(300),
        retries: 1,
        backoff_base: Duration::from_millis(5),
        rate: 1000.0,
        ..MediaSettings::default()
    }
}

fn capture(data: &Path, settings: &MediaSettings) -> Coverage {
    let mut coverage = Coverage::default();
    coverage.set_archived(SESSION, "2024-01-01T00:00:00Z");
    media::capture_run(
        settings,
        data,
        &[SESSION],
        &mut coverage,
        &AtomicBool::new(false),
        &desk_archive::wal::Wal::disabled(),
    );
    coverage
}

fn stored<'a>(index: &'a MediaIndex, url: &str) -> &'a desk_archive::media_index::format::Stored {
    match index.get(url) {
        Some(Entry::Stored(s)) => s,
        other => panic!("{url}: {other:?}"),
    }
}

fn error(index: &MediaIndex, url: &str) -> String {
    match index.get(url) {
        Some(Entry::Failed(f)) => f.error.clone(),
        other => panic!("{url}: {other:?}"),
    }
}

fn media_files(data: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(data.join("media")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                out.push(f.unwrap().file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn captures_stores_once_refuses_unsafe_and_rerun_downloads_nothing() {
    let server = start_with_routes();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_record(&data, &server);

    let coverage = capture(&data, &settings(&["127.0.0.1"]));
    let index = MediaIndex::load(&data).unwrap();
    let u = |p: &str| server.url(p);

    let a = stored(&index, &u("/a.png"));
    let copy = stored(&index, &u("/a-copy.png"));
    assert_eq!(
        (a.sha256.as_str(), a.path.as_str()),
        (copy.sha256.as_str(), copy.path.as_str())
    );
    assert!(a.path.starts_with(&format!("media/{}/", &a.sha256[..2])) && a.path.ends_with(".png"));
    assert_eq!(a.media_type, "image/png");
    assert!(
        stored(&index, &u("/photo")).path.ends_with(".png"),
        "sniffed, not text/html"
    );
    assert!(stored(&index, &u("/doc.pdf")).path.ends_with(".pdf"));
    assert!(stored(&index, &u("/voice.mp3")).path.ends_with(".mp3"));
    assert!(stored(&index, &u("/clip.mp4")).path.ends_with(".mp4"));
    assert!(stored(&index, &u("/clip-thumb.jpg")).path.ends_with(".jpg"));
    assert!(
        stored(&index, &u("/hop1")).path.ends_with(".gif"),
        "redirects followed"
    );
    let svg = stored(&index, &u("/evil.svg"));
    assert!(svg.path.ends_with(".svg.txt"), "{}", svg.path);

    assert_eq!(error(&index, &u("/missing")), "HTTP 404");
    assert_eq!(error(&index, &u("/flaky")), "HTTP 503");
    assert_eq!(server.hits("/flaky"), 2, "5xx retried once");
    assert_eq!(server.hits("/missing"), 1, "4xx not retried");
    assert!(error(&index, &u("/slow")).starts_with("timed out"));
    assert!(
        error(&index, &u("/to-localhost")).starts_with("refused"),
        "{}",
        error(&index, &u("/to-localhost"))
    );
    assert!(
        error(&index, &u("/to-v6")).starts_with("refused"),
        "{}",
        error(&index, &u("/to-v6"))
    );
    assert!(error(&index, &u("/loop")).contains("redirects"));
    assert_eq!(server.hits("/loop"), 6);
    match index.get(&u("/big")) {
        Some(Entry::Failed(f)) => assert!(f.too_large && f.size == Some(5000), "{f:?}"),
        other => panic!("{other:?}"),
    }

    // One file per distinct content; no temporary files left.
    let files = media_files(&data);
    assert_eq!(files.len(), 7, "three URLs share one PNG: {files:?}");
    assert!(files.iter().all(|f| !f.ends_with(".desk-archive-tmp")));

    let counts = coverage.get(SESSION).unwrap().media.unwrap();
    assert_eq!((counts.archived, counts.skipped, counts.failed), (9, 1, 6));

    // Pages use the local copies.
    render(&data);
    let html = std::fs::read_to_string(data.join(format!("sessions/{SESSION}.html"))).unwrap();
    assert!(
        html.contains(&format!(r#"<img src="../{}""#, a.path)),
        "local thumbnail"
    );
    assert!(html.contains(&format!(
        r#"<audio class="media-player" controls preload="none" src="../{}""#,
        stored(&index, &u("/voice.mp3")).path
    )));
    assert!(html.contains(&format!(
        r#"<video class="media-player" controls preload="none" src="../{}""#,
        stored(&index, &u("/clip.mp4")).path
    )));
    assert!(
        html.contains(&format!(r#"<a href="../{}" download>"#, svg.path)),
        "SVG as a download"
    );
    assert!(
        !html.contains(&format!(r#"src="../{}""#, svg.path)),
        "SVG never inline"
    );
    assert!(html.contains("media not archived: HTTP 404"));
    assert!(html.contains("media not archived: too large: 5000 bytes"));
    let md = std::fs::read_to_string(data.join(format!("sessions/{SESSION}.md"))).unwrap();
    assert!(
        md.contains(&format!("](<../{}>)", stored(&index, &u("/doc.pdf")).path)),
        "{md}"
    );

    // A re-run downloads nothing it holds and rewrites nothing.
    let index_bytes = std::fs::read(data.join("media/index.json")).unwrap();
    let stored_hits: usize = [
        "/a.png",
        "/a-copy.png",
        "/photo",
        "/doc.pdf",
        "/voice.mp3",
        "/clip.mp4",
        "/card.gif",
    ]
    .iter()
    .map(|p| server.hits(p))
    .sum();
    capture(&data, &settings(&["127.0.0.1"]));
    let again: usize = [
        "/a.png",
        "/a-copy.png",
        "/photo",
        "/doc.pdf",
        "/voice.mp3",
        "/clip.mp4",
        "/card.gif",
    ]
    .iter()
    .map(|p| server.hits(p))
    .sum();
    assert_eq!(again, stored_hits);
    assert_eq!(
        server.hits("/missing"),
        2,
        "failures are retried by a later run"
    );
    assert_eq!(
        std::fs::read(data.join("media/index.json")).unwrap(),
        index_bytes
    );
}

fn start_with_routes() -> MediaServer {
    // The redirect routes name the server's own port, known only once it listens.
    let port_holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = port_holder.local_addr().unwrap().port();
    drop(port_holder);
    MediaServer::start_on(port, routes(&format!("http://127.0.0.1:{port}")))
}

fn render(data: &Path) {
    let options = RenderOptions {
        timezone: chrono_tz::UTC,
        title: None,
        lang: Lang::En,
        markdown_pages: true,
        search: false,
        remote_images: false,
        jobs: Some(1),
        progress: None,
        cancel: None,
    };
    desk_archive::render::render_site(&options, data, &[]).unwrap();
}

#[test]
fn loopback_is_refused_without_allow_host_and_nothing_is_sent() {
    let server = start_with_routes();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_record(&data, &server);
    let coverage = capture(&data, &settings(&[]));
    let index = MediaIndex::load(&data).unwrap();
    assert!(error(&index, &server.url("/a.png")).starts_with("refused: address 127.0.0.1"));
    assert_eq!(server.total_hits(), 0);
    assert_eq!(coverage.get(SESSION).unwrap().media.unwrap().failed, 16);
}

#[test]
fn no_media_captures_nothing() {
    let server = start_with_routes();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_record(&data, &server);
    let settings = MediaSettings {
        enabled: false,
        ..settings(&["127.0.0.1"])
    };
    let coverage = capture(&data, &settings);
    assert_eq!(server.total_hits(), 0);
    assert!(!data.join("media").exists());
    assert!(coverage.get(SESSION).unwrap().media.is_none());
}
