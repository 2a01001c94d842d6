//! Fetch guards of SPEC §9: paging must advance, an empty success is not a session, and a
//! redirect is retried, never followed.

use std::sync::mpsc;
use std::time::Duration;

use super::server::{FakeDesk, Fault, Options};
use super::{ADMIN, APPID, KEY, assert_archived, outcome, run, settings};
use desk_archive::fetch::{FetchEvent, FetchReport, FetchSettings, SessionOutcome};
use desk_archive::records::record_path;

/// Runs a fetch in a thread and gives up after `ceiling` (the old fetcher looped for ever).
fn run_within(
    settings: FetchSettings,
    ids: &'static [&'static str],
    dir: std::path::PathBuf,
    ceiling: Duration,
) -> (FetchReport, Vec<FetchEvent>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run(&settings, ids, &dir));
    });
    rx.recv_timeout(ceiling)
        .unwrap_or_else(|_| panic!("the fetch did not end within {ceiling:?}"))
}

#[test]
fn a_server_that_ignores_offset_fails_the_session() {
    let desk = FakeDesk::start(Options {
        verify: Some((APPID, KEY.to_owned(), ADMIN.to_owned())),
        ignore_offset: true,
        ..Options::default()
    });
    desk.add_session("loop", super::messages(150));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run_within(
        settings(&desk),
        &["loop"],
        dir.path().to_owned(),
        Duration::from_secs(60),
    );
    let SessionOutcome::Failed { reason, .. } = outcome(&report, "loop") else {
        panic!("{report:?}");
    };
    assert!(reason.contains("does not honour Offset"), "{reason}");
    // ceil(150 / 100) + 3 pages at most, then one over to notice.
    let pages = desk
        .seen()
        .iter()
        .filter(|s| s.session_id == "loop")
        .count();
    assert!(pages <= 6, "{pages} requests");
    assert!(!record_path(dir.path(), "loop").exists());
}

#[test]
fn error_code_0_without_a_page_is_retried_never_archived_empty() {
    let desk = super::desk();
    desk.add_session("flaky", super::messages(3));
    desk.add_session("broken", super::messages(3));
    desk.faults("flaky", [Fault::BareOk, Fault::BareOk]);
    desk.faults("broken", std::iter::repeat_n(Fault::BareOk, 10));
    let mut settings = settings(&desk);
    settings.retries = 2;
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(&settings, &["flaky", "broken"], dir.path());
    assert_eq!(report.stopped, None);
    assert_archived(&desk, &report, dir.path(), "flaky");
    let SessionOutcome::Failed { reason, .. } = outcome(&report, "broken") else {
        panic!("{report:?}");
    };
    assert!(reason.contains("without TotalCount"), "{reason}");
    let tries = desk
        .seen()
        .iter()
        .filter(|s| s.session_id == "broken")
        .count();
    assert_eq!(tries, 3, "first try and 2 retries");
}

#[test]
fn redirects_are_retried_and_never_followed() {
    let desk = super::desk();
    desk.add_session("moved", super::messages(5));
    desk.faults(
        "moved",
        [
            Fault::Redirect(302),
            Fault::Redirect(307),
            Fault::Redirect(301),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(&settings(&desk), &["moved"], dir.path());
    assert_eq!(report.stopped, None, "{report:?}");
    assert_archived(&desk, &report, dir.path(), "moved");
    let seen = desk.seen();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter().all(|s| s.path != "/elsewhere"),
        "a redirect was followed"
    );
}
