//! Ctrl-C during a media download that never ends (SPEC §9): the run stops within a
//! ceiling, exits 130 and leaves a valid bag with no temporary file.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{archive_args, assert_valid_bag, server};
use crate::media::server::{MediaServer, Route};

#[test]
fn sigint_ends_a_trickling_download_and_leaves_a_valid_bag() {
    let media = MediaServer::start(std::collections::HashMap::from([(
        "/drip.png".to_owned(),
        Route::Trickle(Duration::from_millis(300)),
    )]));
    let url = media.url("/drip.png");
    let desk = server(0, 0.0);
    desk.add_session(
        "with-slow-media",
        vec![format!(
            r#"{{"FromAccount":"c","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[{{"MsgType":"TIMFileElem","MsgContent":{{"Url":"{url}","UUID":"u","FileName":"drip.png"}}}}]}}"#
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "with-slow-media\n").unwrap();
    let base = desk.base();
    // The default --media-timeout (300 s): only the signal can end this download.
    let mut child = Command::new(env!("CARGO_BIN_EXE_desk-archive"))
        .args(archive_args(&base, &["--media-allow-host", "127.0.0.1"]))
        .env_clear()
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.txt")).unwrap())
        .spawn()
        .expect("spawn desk-archive");
    let started = Instant::now();
    while media.hits("/drip.png") == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(media.hits("/drip.png") > 0, "the download never started");
    // Let a few bytes arrive, so that a temporary file exists.
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended by itself"
    );
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let signalled = Instant::now();
    let ceiling = Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > ceiling {
            let _ = child.kill();
            panic!("still running {ceiling:?} after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    assert!(out.join("data/index.html").is_file());
}
