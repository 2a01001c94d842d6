//! Integration tests: `desk-archive listen` as a real process on 127.0.0.1, fed callbacks by
//! a small HTTP client, fetching from the fake desk API (SPEC §10).

pub(crate) mod harness;
mod lifecycle;
mod resilience;
mod strace;

use std::time::Duration;

use harness::{Listener, archived, args, coverage, event_body, fake_desk, now_ms, out, query};

use crate::archive::assert_valid_bag;
use crate::fetch::server::messages;

#[test]
fn callbacks_are_checked_journaled_and_archived_after_settle() {
    let desk = fake_desk();
    desk.add_session("s-1", messages(3));
    desk.add_session("s-2", messages(1));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let listener = Listener::start(
        dir.path(),
        &args(&base, &["--settle", "0.5", "--render-every", "0.2"]),
    );
    let t = now_ms();
    // Valid events, duplicated and out of order: s-2's callbacks report two messages.
    assert_eq!(listener.event("s-1", Some("k1"), t), 200);
    assert_eq!(listener.event("s-1", Some("k1"), t), 200, "a duplicate");
    assert_eq!(listener.event("s-2", Some("a"), t + 20), 200);
    assert_eq!(
        listener.event("s-2", Some("b"), t + 10),
        200,
        "out of order"
    );
    assert_eq!(listener.event("s-2", None, t - 5_000), 200);
    let (status, body) = listener.post(&query(), &event_body("s-1", None, t));
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#)
    );
    // What is refused, and how.
    let wrong_app = query().replace("SdkAppid=1400000000", "SdkAppid=1400000099");
    assert_eq!(listener.post(&wrong_app, &event_body("x", None, t)).0, 403);
    let other = query().replace("Desk.SessionEventNotify", "C2C.CallbackAfterSendMsg");
    let (status, body) = listener.post(&other, &event_body("ignored", None, t));
    assert_eq!((status, body.contains("\"OK\"")), (200, true));
    assert_eq!(listener.post(&query(), "{not json").0, 400);
    assert_eq!(listener.post(&query(), r#"{"SessionId":""}"#).0, 400);
    assert_eq!(
        listener.post(&query(), r#"{"SessionId":"a\u0001b"}"#).0,
        400
    );
    let huge = format!(
        r#"{{"SessionId":"big","Pad":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    assert_eq!(listener.post(&query(), &huge).0, 400);
    let get = harness::http(listener.callback, "GET", "/desk/callback", b"");
    assert_eq!(get.0, 405);
    let wrong_path = harness::http(listener.callback, "POST", "/other", b"{}");
    assert_eq!(wrong_path.0, 404);

    let o = out(dir.path());
    listener.wait_for("both sessions archived", Duration::from_secs(30), || {
        archived(&o, "s-1") && archived(&o, "s-2")
    });
    assert!(coverage(&o, "x").is_none() && coverage(&o, "ignored").is_none());
    assert!(coverage(&o, "big").is_none());
    // The completeness check: two distinct MsgKeys reported, one message fetched.
    let s2 = coverage(&o, "s-2").unwrap();
    assert_eq!(s2["message_events"], 2, "{s2}");
    assert_eq!(s2["callback_messages"], 2, "{s2}");
    let s1 = coverage(&o, "s-1").unwrap();
    assert_eq!(s1["message_events"], 1, "{s1}");
    assert!(s1.get("callback_messages").is_none(), "{s1}");
    listener.wait_for("the index flags s-2", Duration::from_secs(30), || {
        std::fs::read_to_string(o.join("data/index.html")).is_ok_and(|html| {
            html.contains("transcript shorter than the callbacks reported: 1 &#60; 2")
        })
    });
    // Each session was fetched once: duplicates and late events within the settle period
    // did not fetch it twice.
    let fetched = |id: &str| desk.seen().iter().filter(|s| s.session_id == id).count();
    assert_eq!((fetched("s-1"), fetched("s-2")), (1, 1));

    // The phase that rendered may still be reporting to the metrics.
    listener.wait_for(
        "the metrics of both fetches",
        Duration::from_secs(10),
        || listener.metric("desk_archive_listen_sessions{state=\"archived\"}") == 2.0,
    );
    assert_eq!(
        listener.metric("desk_archive_listen_events_accepted_total"),
        6.0
    );
    let rejected = |reason: &str| {
        listener.metric(&format!(
            "desk_archive_listen_events_rejected_total{{reason=\"{reason}\"}}"
        ))
    };
    assert_eq!(rejected("sdkappid"), 1.0);
    assert_eq!(rejected("command"), 1.0);
    assert_eq!(rejected("malformed"), 3.0);
    assert_eq!(rejected("too_large"), 1.0);
    assert_eq!(rejected("method"), 1.0);
    assert_eq!(rejected("path"), 1.0);
    assert_eq!(
        listener.metric("desk_archive_listen_fetch_requests_total"),
        2.0
    );
    assert_eq!(
        listener.metric("desk_archive_listen_sessions{state=\"archived\"}"),
        2.0
    );
    assert_eq!(listener.admin("/healthz"), (200, "ok\n".to_owned()));
    let stderr = listener.stderr();
    assert!(
        stderr.contains("fetched 2 session(s)") || stderr.contains("fetched 1 session(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("rendered "), "{stderr}");

    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains(harness::KEY), "the key leaked: {stderr}");
    assert_valid_bag(&o);
    let journal = std::fs::read_to_string(o.join("listen.journal")).unwrap_or_default();
    assert!(journal.is_empty(), "folded events are cut: {journal}");
}

#[test]
fn killed_between_the_answer_and_the_fetch_nothing_is_lost() {
    let desk = fake_desk();
    desk.add_session("k-1", messages(2));
    desk.add_session("k-2", messages(5));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    // A long settle: the sessions are answered 200 but not fetched before the kill.
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "3600"]));
    let t = now_ms();
    assert_eq!(listener.event("k-1", Some("m1"), t), 200);
    assert_eq!(listener.event("k-2", None, t), 200);
    listener.kill9();
    let o = out(dir.path());
    let journal = std::fs::read_to_string(o.join("listen.journal")).unwrap();
    assert_eq!(journal.lines().count(), 2, "{journal}");
    assert!(desk.seen().is_empty(), "nothing was fetched yet");

    // Any writing command takes the journal in: `render` folds it into coverage.json.
    let (code, _, stderr) = crate::cli::run(dir.path(), &["render", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(coverage(&o, "k-1").unwrap()["state"], "pending");
    assert_eq!(coverage(&o, "k-1").unwrap()["message_events"], 1);
    assert_eq!(
        std::fs::read_to_string(o.join("listen.journal")).unwrap(),
        ""
    );
    assert_valid_bag(&o);

    // The next start fetches what is pending: its last event is older than the settle.
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "0.3"]));
    listener.wait_for("both sessions archived", Duration::from_secs(30), || {
        archived(&o, "k-1") && archived(&o, "k-2")
    });
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert_valid_bag(&o);
    let index = std::fs::read_to_string(o.join("data/index.html")).unwrap();
    assert!(index.contains("k-1") && index.contains("k-2"));
}

#[test]
fn a_restart_after_kill_recovers_from_the_journal_itself() {
    let desk = fake_desk();
    desk.add_session("r-1", messages(4));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "3600"]));
    assert_eq!(listener.event("r-1", Some("m1"), now_ms()), 200);
    listener.kill9();
    let o = out(dir.path());
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "0.2"]));
    listener.wait_for("r-1 archived", Duration::from_secs(30), || {
        archived(&o, "r-1")
    });
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert_valid_bag(&o);
}

#[test]
fn max_pending_and_the_callback_token() {
    let desk = fake_desk();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "s3cret-token\n").unwrap();
    let base = desk.base();
    let listener = Listener::start(
        dir.path(),
        &args(
            &base,
            &[
                "--settle",
                "3600",
                "--max-pending",
                "2",
                "--callback-token-file",
                "token.txt",
            ],
        ),
    );
    let signed = |time: i64, token: &str| {
        let sign = desk_archive::listen::sign::sign(token, &time.to_string());
        format!("{}&RequestTime={time}&Sign={sign}", query())
    };
    let now = chrono::Utc::now().timestamp();
    let post = |q: &str, id: &str| listener.post(q, &event_body(id, None, now_ms())).0;
    assert_eq!(post(&signed(now, "s3cret-token"), "a"), 200);
    assert_eq!(post(&signed(now - 100, "s3cret-token"), "b"), 200);
    assert_eq!(post(&query(), "c"), 403, "unsigned");
    assert_eq!(post(&signed(now, "guess"), "c"), 403, "wrong token");
    assert_eq!(post(&signed(now - 301, "s3cret-token"), "c"), 403, "stale");
    assert_eq!(post(&signed(now, "s3cret-token"), "c"), 503, "queue full");
    assert_eq!(
        post(&signed(now, "s3cret-token"), "a"),
        200,
        "known session"
    );
    assert_eq!(
        listener.metric("desk_archive_listen_events_rejected_total{reason=\"sign\"}"),
        3.0
    );
    assert_eq!(
        listener.metric("desk_archive_listen_events_rejected_total{reason=\"queue_full\"}"),
        1.0
    );
    assert_eq!(
        listener.metric("desk_archive_listen_sessions{state=\"pending\"}"),
        2.0
    );
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("s3cret-token"), "{stderr}");
    // Pending sessions stay in coverage.json for the next start.
    let o = out(dir.path());
    assert_eq!(coverage(&o, "a").unwrap()["state"], "pending");
    assert!(coverage(&o, "a").unwrap()["last_event"].is_string());
    assert!(coverage(&o, "c").is_none());
    assert_valid_bag(&o);
}

#[test]
fn usage_errors_of_listen() {
    let dir = tempfile::tempdir().unwrap();
    let base = "http://127.0.0.1:9";
    for (extra, needle) in [
        (vec!["--bind", "0.0.0.0:0"], "--callback-token-file"),
        (
            vec!["--bind", "nowhere"],
            "--bind `nowhere` is not an address",
        ),
        (vec!["--path", "desk"], "--path `desk` must start with /"),
        (vec!["--settle=-1"], "--settle must be"),
        (vec!["--max-pending", "0"], "--max-pending"),
        (
            vec!["--callback-token-file", "missing.txt"],
            "callback token file",
        ),
    ] {
        let mut a = args(base, &[]);
        if extra.contains(&"--bind") {
            let at = a.iter().position(|x| *x == "--bind").unwrap();
            a.drain(at..at + 2);
        }
        a.extend_from_slice(&extra);
        let (code, _, stderr) = crate::cli::run(dir.path(), &a);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
    }
    let with_sig = [
        "listen",
        "--out",
        "out",
        "--sdkappid",
        "1400000000",
        "--usersig",
        "sig",
    ];
    let (code, _, stderr) = crate::cli::run(dir.path(), &with_sig);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be renewed"), "{stderr}");
}

#[test]
fn the_site_is_published_after_each_render() {
    let desk = fake_desk();
    desk.add_session("p-1", messages(2));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("published");
    let url = format!("file://{}", target.display());
    let base = desk.base();
    let listener = Listener::start(
        dir.path(),
        &args(
            &base,
            &[
                "--settle",
                "0.1",
                "--render-every",
                "0",
                "--publish-to",
                &url,
            ],
        ),
    );
    assert_eq!(listener.event("p-1", None, now_ms()), 200);
    let page = format!("sessions/{}.html", desk_archive::records::stem("p-1"));
    listener.wait_for("p-1 published", Duration::from_secs(30), || {
        target.join(&page).is_file()
    });
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("published to file://"), "{stderr}");
    let (code, out, err) = crate::cli::run(dir.path(), &["verify", "out", "--remote", &url]);
    assert_eq!(code, 0, "{out}{err}");
}
