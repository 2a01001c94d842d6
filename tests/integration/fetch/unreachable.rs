//! An unreachable API is one problem, not one per session (SPEC §9): a first request that
//! cannot connect stops the run at once; a streak of failed connections trips the circuit
//! breaker, and the unfinished sessions stay pending instead of failing one by one.

use std::time::Duration;

use super::server::{FakeDesk, Options};
use super::{ADMIN, APPID, KEY, assert_archived, outcome, run, settings};
use desk_archive::fetch::{SessionOutcome, endpoint_from_base};

/// A loopback port nothing listens on (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

#[test]
fn a_first_request_that_cannot_connect_stops_the_run() {
    let desk = super::desk();
    let mut settings = settings(&desk);
    let port = closed_port();
    settings.endpoint = endpoint_from_base(&format!("http://127.0.0.1:{port}"))
        .expect("endpoint")
        .0;
    let dir = tempfile::tempdir().unwrap();
    let ids = ["a", "b", "c", "d"];
    let (report, events) = run(&settings, &ids, dir.path());
    let unreachable = report.unreachable.clone().expect("unreachable");
    assert!(unreachable.at_start, "{report:?}");
    assert!(
        unreachable
            .reason
            .contains(&format!("cannot connect to the API at 127.0.0.1:{port}")),
        "{}",
        unreachable.reason
    );
    assert_eq!(report.stopped, None);
    assert_eq!(report.requests, 1, "one request, not one storm per session");
    for id in ids {
        assert_eq!(outcome(&report, id), &SessionOutcome::Pending, "{id}");
    }
    let text = format!("{report:?}{events:?}");
    assert!(!text.contains(KEY) && !text.to_lowercase().contains("usersig="));
}

#[test]
fn the_circuit_breaker_leaves_unfinished_sessions_pending() {
    let desk = FakeDesk::start(Options {
        verify: Some((APPID, KEY.to_owned(), ADMIN.to_owned())),
        refuse_after: Some(3),
        ..Options::default()
    });
    let ids: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
    for id in &ids {
        desk.add_session(id, super::messages(5));
    }
    let mut settings = settings(&desk);
    settings.concurrency = 1;
    settings.retries = 2;
    settings.breaker_window = Duration::from_millis(300);
    let dir = tempfile::tempdir().unwrap();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (report, _) = run(&settings, &id_refs, dir.path());
    let unreachable = report.unreachable.clone().expect("unreachable");
    assert!(!unreachable.at_start);
    assert!(
        unreachable.reason.contains("the API became unreachable"),
        "{}",
        unreachable.reason
    );
    for id in &ids[..3] {
        assert_archived(&desk, &report, dir.path(), id);
    }
    for id in &ids[3..] {
        assert_eq!(outcome(&report, id), &SessionOutcome::Pending, "{id}");
    }
    assert_eq!(report.stopped, None);
}
