//! Every media wait is bounded (SPEC §9): a server that trickles one byte every few
//! hundred milliseconds never trips the read timeout, so each object has an overall
//! deadline (`--media-timeout`), and a cut-off download leaves no temporary file.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use desk_archive::media::{Entry, MediaIndex, MediaSettings};

use super::server::{MediaServer, Route};
use super::{SESSION, capture, file, message, png};

/// Every file under `data/media`, with its path.
fn media_tree(data: &std::path::Path) -> Vec<String> {
    crate::cli::files_under(&data.join("media"))
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_trickling_object_fails_at_its_deadline_and_the_rest_is_captured() {
    let server = MediaServer::start(HashMap::from([
        (
            "/drip".to_owned(),
            Route::Trickle(Duration::from_millis(200)),
        ),
        ("/a.png".to_owned(), Route::Bytes("image/png", png())),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let messages = [
        message(&file(&server.url("/drip"), "drip")),
        message(&file(&server.url("/a.png"), "a")),
    ];
    let record = format!(
        r#"{{"SessionId":"{SESSION}","TotalCount":2,"Messages":[{}],"FetchedAt":"2024-01-01T00:00:00Z"}}"#,
        messages.join(",")
    );
    std::fs::create_dir_all(data.join("records")).unwrap();
    std::fs::write(data.join("records").join(format!("{SESSION}.json")), record).unwrap();
    let settings = MediaSettings {
        allow_hosts: vec!["127.0.0.1".into()],
        // The idle timeout alone would never fire: a byte comes every 200 ms.
        timeout: Duration::from_secs(30),
        deadline: Duration::from_millis(1500),
        retries: 3,
        backoff_base: Duration::from_millis(5),
        rate: 1000.0,
        ..MediaSettings::default()
    };
    let (tx, rx) = mpsc::channel();
    let thread_data = data.clone();
    std::thread::spawn(move || {
        capture(&thread_data, &settings);
        let _ = tx.send(());
    });
    // A ceiling only: the old capture waited for the whole trickle (hours).
    rx.recv_timeout(Duration::from_secs(60))
        .expect("media capture did not end at its deadline");
    let index = MediaIndex::load(&data).expect("index");
    match index.get(&server.url("/drip")) {
        Some(Entry::Failed(f)) => assert!(f.error.contains("--media-timeout"), "{}", f.error),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        index.get(&server.url("/a.png")),
        Some(Entry::Stored(_))
    ));
    assert!(server.hits("/drip") >= 1);
    let leftovers: Vec<_> = media_tree(&data)
        .into_iter()
        .filter(|p| p.contains("desk-archive-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
