//! Durability before the answer (SPEC §10): kill -9 keeps the page cache, so it cannot
//! prove that an event was on disk when its 200 left. strace can: for every event, the
//! sync of the journal after the line was written must come before the answer is sent.

use std::time::Duration;

use super::harness::{Listener, args, fake_desk, now_ms};

/// One system call of the trace: its line number, thread, name, first argument (a file
/// descriptor), whether this line is where it returned, and the rest of the line.
struct Call<'a> {
    line: usize,
    pid: &'a str,
    name: &'a str,
    fd: Option<u32>,
    finished: bool,
    text: &'a str,
}

fn parse(trace: &str) -> Vec<Call<'_>> {
    let mut calls = Vec::new();
    for (line, text) in trace.lines().enumerate() {
        let Some((pid, rest)) = text.split_once(char::is_whitespace) else {
            continue;
        };
        let rest = rest.trim_start();
        // `<... fdatasync resumed>) = 0`: the call returns on this line.
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let name = resumed.split_whitespace().next().unwrap_or_default();
            calls.push(Call {
                line,
                pid,
                name,
                fd: None,
                finished: true,
                text: rest,
            });
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        let fd = args
            .split([',', ')', ' '])
            .next()
            .and_then(|f| f.parse().ok());
        let finished = !rest.contains("<unfinished ...>");
        calls.push(Call {
            line,
            pid,
            name,
            fd,
            finished,
            text: rest,
        });
    }
    calls
}

#[test]
fn each_event_is_synced_before_its_answer_is_sent() {
    let desk = fake_desk();
    let dir = tempfile::tempdir().unwrap();
    let base = desk.base();
    let trace = dir.path().join("trace.txt");
    let trace_arg = trace.to_string_lossy().into_owned();
    let wrapper = [
        "strace",
        "-f",
        "-qq",
        "-s",
        "200",
        "-e",
        "trace=write,writev,sendto,sendmsg,fsync,fdatasync",
        "-o",
        &trace_arg,
    ];
    let listener = Listener::start_under(
        dir.path(),
        &wrapper,
        &args(&base, &["--settle", "3600", "--render-every", "3600"]),
    );
    const N: usize = 12;
    for i in 0..N {
        assert_eq!(
            listener.event(&format!("strace-{i:02}"), None, now_ms()),
            200
        );
    }
    let (code, stderr) = listener.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    std::thread::sleep(Duration::from_millis(200));
    let text = std::fs::read_to_string(&trace).expect("strace wrote its trace");
    let calls = parse(&text);
    let answers: Vec<&Call<'_>> = calls
        .iter()
        .filter(|c| matches!(c.name, "write" | "writev" | "sendto" | "sendmsg"))
        .filter(|c| c.text.contains("HTTP/1.1 200 OK"))
        .collect();
    assert_eq!(answers.len(), N, "one 200 per event:\n{text}");
    for (i, answer) in answers.iter().enumerate() {
        let id = format!("\\\"SessionId\\\":\\\"strace-{i:02}\\\"");
        let write = calls
            .iter()
            .find(|c| c.name == "write" && c.text.contains(&id))
            .unwrap_or_else(|| panic!("no journal write of event {i}:\n{text}"));
        let fd = write.fd.expect("the journal's descriptor");
        // The sync of that descriptor after the write, and the line where it returned.
        let sync = calls
            .iter()
            .find(|c| {
                c.line > write.line && matches!(c.name, "fdatasync" | "fsync") && c.fd == Some(fd)
            })
            .unwrap_or_else(|| panic!("event {i} was never synced:\n{text}"));
        let returned = if sync.finished {
            sync.line
        } else {
            calls
                .iter()
                .find(|c| {
                    c.line > sync.line && c.pid == sync.pid && c.finished && c.name == sync.name
                })
                .map_or(usize::MAX, |c| c.line)
        };
        assert!(
            returned < answer.line,
            "event {i}: its 200 (trace line {}) left before the journal sync returned (line {returned})",
            answer.line + 1
        );
    }
}
