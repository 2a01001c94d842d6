//! `listen` does not end on what ends a batch run (SPEC §10): an unreachable API pauses
//! fetching, `/healthz` says why, and fetching resumes once the API answers.

use std::time::Duration;

use super::harness::{Listener, archived, args, now_ms, options, out};
use crate::fetch::server::{FakeDesk, messages};

#[test]
fn an_unreachable_api_pauses_fetching_until_it_answers() {
    // A port nothing listens on yet; the fake API starts there later.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "0.1"]));
    assert_eq!(listener.event("u-1", Some("m1"), now_ms()), 200);
    listener.wait_for(
        "/healthz says the API is unreachable",
        Duration::from_secs(30),
        || {
            let (status, body) = listener.admin("/healthz");
            status == 503 && body.contains("cannot be reached")
        },
    );
    assert_eq!(listener.metric("desk_archive_listen_paused"), 1.0);
    // The journal keeps accepting meanwhile.
    assert_eq!(listener.event("u-2", None, now_ms()), 200);
    let desk = FakeDesk::start_on(options(), port).expect("the port is still free");
    desk.add_session("u-1", messages(2));
    desk.add_session("u-2", messages(1));
    let o = out(dir.path());
    listener.wait_for("fetching resumed", Duration::from_secs(60), || {
        archived(&o, "u-1") && archived(&o, "u-2")
    });
    listener.wait_for("/healthz is ok again", Duration::from_secs(10), || {
        listener.admin("/healthz").0 == 200
    });
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    crate::archive::assert_valid_bag(&o);
}

#[test]
fn changed_evidence_pauses_until_restored() {
    let desk = crate::listen::harness::fake_desk();
    desk.add_session("c-1", messages(2));
    desk.add_session("c-2", messages(1));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let o = out(dir.path());
    let listener = Listener::start(
        dir.path(),
        &args(&base, &["--settle", "0.1", "--render-every", "0"]),
    );
    assert_eq!(listener.event("c-1", None, now_ms()), 200);
    let stem = desk_archive::records::stem("c-1");
    // Archived, in the manifest, and rendered: no phase is left to run.
    listener.wait_for("c-1 archived and rendered", Duration::from_secs(30), || {
        let manifest = std::fs::read_to_string(o.join("manifest-sha256.txt")).unwrap_or_default();
        let index = std::fs::read_to_string(o.join("data/index.html")).unwrap_or_default();
        archived(&o, "c-1")
            && manifest.contains(&format!("data/records/{stem}.json"))
            && index.contains(&format!("sessions/{stem}.html"))
    });
    // The phase that rendered may still be writing the bag and the state file: a record
    // changed before the state file is written would be trusted by its cached checksum.
    // Taking the archive's lock waits for that phase to end.
    drop(
        desk_archive::lock::ArchiveLock::take(
            &o,
            desk_archive::lock::Mode::Shared,
            Duration::from_secs(30),
        )
        .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let record = o.join(format!("data/records/{stem}.json"));
    let original = std::fs::read(&record).unwrap();
    let mut changed = original.clone();
    changed.extend_from_slice(b" ");
    std::fs::write(&record, &changed).unwrap();
    assert_eq!(listener.event("c-2", None, now_ms()), 200);
    listener.wait_for(
        "/healthz names the changed record",
        Duration::from_secs(30),
        || {
            let (status, body) = listener.admin("/healthz");
            status == 503 && body.contains(&format!("{stem}.json"))
        },
    );
    assert!(
        !archived(&o, "c-2"),
        "nothing is written while evidence is changed"
    );
    std::fs::write(&record, &original).unwrap();
    listener.wait_for(
        "c-2 archived after the restore",
        Duration::from_secs(60),
        || archived(&o, "c-2"),
    );
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    crate::archive::assert_valid_bag(&o);
}
