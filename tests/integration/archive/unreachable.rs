//! The binary when the API cannot be reached (SPEC §9): exit 4 naming the endpoint when
//! not even the first request connects; exit 1, pending sessions and a rendered, valid
//! bag when the API goes down mid-run and the circuit breaker trips.

use super::{KEY, SDKAPPID, add_sessions, archive_args, assert_valid_bag};
use crate::cli::run;
use crate::fetch::server::{FakeDesk, Options};
use crate::fetch::unreachable::closed_port;

fn coverage_states(out: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("data/coverage.json")).expect("coverage.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut states: Vec<String> = json["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|v| v["state"].as_str().map(str::to_owned))
        .collect();
    states.sort();
    states
}

#[test]
fn an_endpoint_that_refuses_connections_exits_4_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..5).map(|i| format!("s{i}")).collect();
    std::fs::write(dir.path().join("ids.txt"), ids.join("\n")).unwrap();
    let port = closed_port();
    let base = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = run(dir.path(), &archive_args(&base, &["--json"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot connect to the API at 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        !stderr.contains(KEY) && !stdout.contains(KEY),
        "key printed"
    );
    assert!(!stderr.contains("usersig=") && !stdout.contains("usersig="));
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(summary["exit_code"], 4);
    assert_eq!(summary["requests"], 1);
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    assert_eq!(coverage_states(&out), vec!["pending"; 5]);
}

#[test]
fn the_api_going_down_mid_run_trips_the_breaker_and_the_rest_is_kept() {
    let desk = FakeDesk::start(Options {
        verify: Some((
            SDKAPPID.parse().unwrap(),
            KEY.to_owned(),
            "admin".to_owned(),
        )),
        refuse_after: Some(4),
        ..Options::default()
    });
    let dir = tempfile::tempdir().unwrap();
    // Sizes 0, 37, 74, 111, …: the first three fit in one page each.
    let ids = add_sessions(&desk, dir.path(), 12);
    let base = desk.base();
    let extra = [
        "--concurrency",
        "1",
        "--retries",
        "2",
        "--breaker-window-ms",
        "300",
    ];
    let (code, _, stderr) = run(dir.path(), &archive_args(&base, &extra));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the API became unreachable"), "{stderr}");
    assert!(stderr.contains("pending"), "{stderr}");
    let out = dir.path().join("out");
    assert_valid_bag(&out);
    let states = coverage_states(&out);
    assert_eq!(
        states.iter().filter(|s| *s == "archived").count(),
        3,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| *s == "pending").count(),
        9,
        "{states:?}"
    );
    for id in &ids[..3] {
        let page = out
            .join("data/sessions")
            .join(format!("{}.html", desk_archive::records::stem(id)));
        assert!(page.is_file(), "no page for {id}");
    }
}

#[test]
fn help_and_man_page_print_the_exit_code_table() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["man"]] {
        let (code, stdout, _) = run(dir.path(), args);
        assert_eq!(code, 0);
        for needle in [
            "Exit codes:",
            "3    integrity",
            "4    try again later",
            "the API could not be reached",
            "5    refused by policy",
            "130  interrupted",
        ] {
            assert!(stdout.contains(needle), "{args:?} lacks {needle:?}");
        }
    }
}
