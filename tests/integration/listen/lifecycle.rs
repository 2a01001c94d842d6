//! `listen` over a session's life and the archive's: settings from the config file, a
//! refresh when events come after the fetch, a backfill `archive` between write phases,
//! rejected credentials pausing the fetches, SIGTERM finishing the request in flight, and
//! `erase` and `hold` between write phases (later events leave those sessions alone).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::harness::{
    KEY, Listener, archived, args, coverage, event_body, fake_desk, now_ms, out, query,
};
use crate::archive::assert_valid_bag;
use crate::fetch::server::messages;

/// How many requests the fake API saw for `id`.
fn fetches(desk: &crate::fetch::server::FakeDesk, id: &str) -> usize {
    desk.seen().iter().filter(|s| s.session_id == id).count()
}

/// Messages in the session's record.
fn record_messages(o: &std::path::Path, id: &str) -> usize {
    let stem = desk_archive::records::stem(id);
    let text = std::fs::read_to_string(o.join(format!("data/records/{stem}.json"))).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    record["Messages"].as_array().map_or(0, Vec::len)
}

#[test]
fn config_keys_a_refresh_and_a_backfill_while_listening() {
    let desk = fake_desk();
    desk.add_session("f-1", messages(1));
    desk.add_session("b-1", messages(2));
    let dir = tempfile::tempdir().unwrap();
    // The settle and render period come from the config file (the default settle would
    // keep the session waiting ten minutes).
    std::fs::write(
        dir.path().join("listen.toml"),
        "settle = 0.3\nrender-every = 0\nmax-pending = 10\n",
    )
    .unwrap();
    let base = desk.base();
    let mut a = args(&base, &[]);
    a.splice(0..0, ["--config", "listen.toml"]);
    let listener = Listener::start(dir.path(), &a);
    let o = out(dir.path());
    assert_eq!(listener.event("f-1", Some("m1"), now_ms()), 200);
    listener.wait_for("f-1 archived", Duration::from_secs(30), || {
        archived(&o, "f-1")
    });
    assert_eq!(record_messages(&o, "f-1"), 1);

    // A backfill between the write phases: `archive` takes the lock the listener lets go.
    std::fs::write(dir.path().join("ids.txt"), "b-1\n").unwrap();
    let (code, _, stderr) = crate::cli::run(
        dir.path(),
        &[
            "archive",
            "--sessions",
            "ids.txt",
            "--out",
            "out",
            "--endpoint",
            &base,
            "--sdkappid",
            super::harness::SDKAPPID,
            "--secret-key",
            KEY,
            "--no-media",
            "--lock-wait",
            "30",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(archived(&o, "b-1"));

    // The session goes on after its fetch: a later event fetches it again, once.
    desk.add_session("f-1", messages(3));
    assert_eq!(listener.event("f-1", Some("m2"), now_ms()), 200);
    assert_eq!(
        listener.event("f-1", Some("m2"), now_ms()),
        200,
        "a duplicate"
    );
    // The record is written before coverage.json, at the end of the phase.
    listener.wait_for("f-1 refreshed", Duration::from_secs(30), || {
        record_messages(&o, "f-1") == 3
            && coverage(&o, "f-1").is_some_and(|e| e["message_events"] == 2)
    });
    let entry = coverage(&o, "f-1").unwrap();
    assert_eq!(entry["state"], "archived", "{entry}");
    assert_eq!(entry["message_events"], 2, "{entry}");
    assert!(entry.get("callback_messages").is_none(), "{entry}");
    // Settle 0.3 s: a third fetch would come within a second if duplicates caused one.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(fetches(&desk, "f-1"), 2);
    assert_eq!(fetches(&desk, "b-1"), 1);

    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert_valid_bag(&o);
    let index = std::fs::read_to_string(o.join("data/index.html")).unwrap();
    for id in ["f-1", "b-1"] {
        let page = format!("sessions/{}.html", desk_archive::records::stem(id));
        assert!(index.contains(&page), "{id} is not on the index");
    }
}

#[test]
fn rejected_credentials_pause_fetching_and_the_journal_keeps_accepting() {
    let desk = fake_desk();
    desk.add_session("x-1", messages(1));
    desk.add_session("x-2", messages(2));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let wrong = "0".repeat(KEY.len());
    let a: Vec<&str> = args(&base, &["--settle", "0.1"])
        .into_iter()
        .map(|arg| if arg == KEY { wrong.as_str() } else { arg })
        .collect();
    let listener = Listener::start(dir.path(), &a);
    assert_eq!(listener.event("x-1", None, now_ms()), 200);
    listener.wait_for(
        "/healthz says the credentials were rejected",
        Duration::from_secs(30),
        || {
            let (status, body) = listener.admin("/healthz");
            status == 503 && body.contains("rejected the credentials")
        },
    );
    assert_eq!(listener.metric("desk_archive_listen_paused"), 1.0);
    assert_eq!(
        listener.event("x-2", None, now_ms()),
        200,
        "still accepting"
    );
    let asked = desk.seen().len();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(desk.seen().len(), asked, "no fetch until a restart");
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains(&wrong), "the key leaked: {stderr}");
    let o = out(dir.path());
    for id in ["x-1", "x-2"] {
        assert_eq!(coverage(&o, id).unwrap()["state"], "pending", "{id}");
    }
    assert_valid_bag(&o);

    // A restart with the right key archives both.
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "0.1"]));
    listener.wait_for("both archived", Duration::from_secs(30), || {
        archived(&o, "x-1") && archived(&o, "x-2")
    });
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_refuses_new_ones() {
    let desk = fake_desk();
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let listener = Listener::start(dir.path(), &args(&base, &["--settle", "3600"]));
    // A request whose body is still on its way when SIGTERM comes.
    let body = event_body("t-1", Some("m1"), now_ms());
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(listener.callback).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /desk/callback?{} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        query(),
        listener.callback,
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    listener.sigterm();
    std::thread::sleep(Duration::from_millis(500));
    // A new request is answered 503 (the desk retries later): the server keeps answering
    // until the request in flight is done and the last render has run.
    let (status, _) = super::harness::http(
        listener.callback,
        "POST",
        &format!("/desk/callback?{}", query()),
        event_body("t-2", None, now_ms()).as_bytes(),
    );
    assert_eq!(status, 503, "a new request after SIGTERM");
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#));

    let (code, stderr) = listener.wait_exit();
    assert_eq!(code, Some(0), "{stderr}");
    // The final render folded the event in: the session waits for the next start.
    let o = out(dir.path());
    assert_eq!(coverage(&o, "t-1").unwrap()["state"], "pending");
    assert!(coverage(&o, "t-2").is_none());
    assert_valid_bag(&o);
}

#[test]
fn erase_and_hold_while_listening_and_later_events_leave_them_alone() {
    let desk = fake_desk();
    desk.add_session("e-1", messages(1));
    desk.add_session("h-1", messages(1));
    desk.add_session("n-1", messages(1));
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let listener = Listener::start(
        dir.path(),
        &args(&base, &["--settle", "0.3", "--render-every", "0"]),
    );
    let o = out(dir.path());
    assert_eq!(listener.event("e-1", Some("m1"), now_ms()), 200);
    assert_eq!(listener.event("h-1", Some("m1"), now_ms()), 200);
    listener.wait_for("e-1 and h-1 archived", Duration::from_secs(30), || {
        archived(&o, "e-1") && archived(&o, "h-1")
    });
    let (e_fetches, h_fetches) = (fetches(&desk, "e-1"), fetches(&desk, "h-1"));

    // `erase` and `hold` run while the listener runs: it holds the lock only per phase.
    let run = |a: &[&str]| {
        let mut a = a.to_vec();
        a.extend_from_slice(&["--lock-wait", "30"]);
        let (code, _, stderr) = crate::cli::run(dir.path(), &a);
        assert_eq!(code, 0, "{a:?}: {stderr}");
    };
    run(&["erase", "out", "--session", "e-1", "--reason", "request 7"]);
    run(&["hold", "out", "--session", "h-1", "--reason", "matter 9"]);
    assert_eq!(coverage(&o, "e-1").unwrap()["state"], "erased");

    // Later events: the erased session is not fetched, the held one not fetched again,
    // though both went on at the desk; a session reported after them is.
    desk.add_session("e-1", messages(3));
    desk.add_session("h-1", messages(3));
    assert_eq!(listener.event("e-1", Some("m2"), now_ms()), 200);
    assert_eq!(listener.event("h-1", Some("m2"), now_ms()), 200);
    assert_eq!(listener.event("n-1", Some("m1"), now_ms()), 200);
    listener.wait_for("n-1 archived", Duration::from_secs(30), || {
        archived(&o, "n-1")
    });
    // Give a phase that might still take the two a moment beyond n-1's.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        fetches(&desk, "e-1"),
        e_fetches,
        "the erased session was fetched"
    );
    assert_eq!(
        fetches(&desk, "h-1"),
        h_fetches,
        "the held session was fetched again"
    );
    let erased = coverage(&o, "e-1").unwrap();
    assert_eq!(erased["state"], "erased");
    assert_eq!(erased["reason"], "request 7");
    assert!(erased.get("message_events").is_none(), "{erased}");
    assert!(!desk_archive::records::record_path(&o.join("data/records"), "e-1").exists());
    assert_eq!(record_messages(&o, "h-1"), 1);

    // Each write phase of the listener is in the audit log, beside erase and hold.
    let audit = std::fs::read_to_string(o.join("data/audit.jsonl")).unwrap();
    let commands: Vec<String> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["command"].to_string())
        .collect();
    for command in ["\"listen\"", "\"erase\"", "\"hold\""] {
        assert!(commands.iter().any(|c| c == command), "{commands:?}");
    }
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert_valid_bag(&o);
}
