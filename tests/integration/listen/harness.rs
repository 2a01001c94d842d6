//! A real `desk-archive listen` process on 127.0.0.1 (ports chosen by the system, read
//! from its first log line), a small HTTP/1.1 client for it, and waits with ceilings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const SDKAPPID: &str = "1400000000";
pub(crate) const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// A fake desk API that checks UserSigs against [`KEY`].
pub(crate) fn fake_desk() -> crate::fetch::server::FakeDesk {
    crate::fetch::server::FakeDesk::start(options())
}

pub(crate) fn options() -> crate::fetch::server::Options {
    crate::fetch::server::Options {
        verify: Some((
            SDKAPPID.parse().unwrap(),
            KEY.to_owned(),
            "admin".to_owned(),
        )),
        ..Default::default()
    }
}

/// A running listener.
pub(crate) struct Listener {
    child: Child,
    /// The callback address.
    pub(crate) callback: SocketAddr,
    /// The admin address.
    pub(crate) admin: SocketAddr,
    stderr: Arc<Mutex<String>>,
    /// The listener's own process id (under a wrapper, the wrapper's child).
    pid: u32,
}

/// The arguments every test listener gets: loopback ports chosen by the system, the fake
/// API, fast retries, no media.
pub(crate) fn args<'a>(base: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "listen",
        "--out",
        "out",
        "--bind",
        "127.0.0.1:0",
        "--admin-bind",
        "127.0.0.1:0",
        "--endpoint",
        base,
        "--sdkappid",
        SDKAPPID,
        "--secret-key",
        KEY,
        "--backoff-ms",
        "2",
        "--rate",
        "5000",
        "--no-media",
    ];
    args.extend_from_slice(extra);
    args
}

impl Listener {
    /// Starts `desk-archive listen` in `dir` with `args`.
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Listener {
        Self::start_under(dir, &[], args)
    }

    /// Starts it under `wrapper` (e.g. strace and its options), or directly.
    pub(crate) fn start_under(dir: &Path, wrapper: &[&str], args: &[&str]) -> Listener {
        let bin = env!("CARGO_BIN_EXE_desk-archive");
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(args)
            .env_clear()
            .env("NO_COLOR", "1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_CACHE_HOME", dir.join(".cache"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn desk-archive listen");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let mut addrs = None;
        let deadline = Instant::now() + Duration::from_secs(30);
        while addrs.is_none() && Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "listen exited with {status} before listening: {}",
                    stderr.lock().unwrap()
                );
            }
            addrs = addresses(&stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
        let (callback, admin) =
            addrs.unwrap_or_else(|| panic!("listen did not start: {}", stderr.lock().unwrap()));
        let pid = if wrapper.is_empty() {
            child.id()
        } else {
            traced_child(child.id())
        };
        Listener {
            child,
            callback,
            admin,
            stderr,
            pid,
        }
    }

    /// Everything it printed so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// POSTs a callback with this query and body to `/desk/callback`.
    pub(crate) fn post(&self, query: &str, body: &str) -> (u16, String) {
        let target = format!("/desk/callback?{query}");
        http(self.callback, "POST", &target, body.as_bytes())
    }

    /// POSTs a valid event.
    pub(crate) fn event(&self, id: &str, key: Option<&str>, time_ms: i64) -> u16 {
        self.post(&query(), &event_body(id, key, time_ms)).0
    }

    /// GETs a path of the admin server.
    pub(crate) fn admin(&self, path: &str) -> (u16, String) {
        http(self.admin, "GET", path, b"")
    }

    /// The value of one metric line (`name{labels}`), 0 when absent.
    pub(crate) fn metric(&self, series: &str) -> f64 {
        let (_, text) = self.admin("/metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }

    /// Sends SIGTERM and waits (at most 60 s): the exit code and everything printed.
    pub(crate) fn terminate(mut self) -> (Option<i32>, String) {
        // The listener itself: strace, sent SIGTERM, would detach and leave it running.
        signal(self.pid, "-TERM");
        let status = wait_exit(&mut self.child, Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(50));
        (status, self.stderr())
    }

    /// Sends SIGTERM and returns at once (the listener keeps running while it drains).
    /// Wait with [`Listener::wait_exit`], not [`Listener::terminate`]: a second signal
    /// ends the process at once.
    pub(crate) fn sigterm(&self) {
        signal(self.pid, "-TERM");
    }

    /// Waits (at most 60 s) for the listener to exit after [`Listener::sigterm`].
    pub(crate) fn wait_exit(mut self) -> (Option<i32>, String) {
        let status = wait_exit(&mut self.child, Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(50));
        (status, self.stderr())
    }

    /// kill -9.
    pub(crate) fn kill9(mut self) {
        signal(self.pid, "-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits until `done` holds, at most `limit`; panics with what the listener printed.
    pub(crate) fn wait_for(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{what}: not within {limit:?}; listen printed:\n{}",
            self.stderr()
        );
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            signal(self.pid, "-KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, which: &str) {
    let _ = Command::new("kill")
        .args([which, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// The process a wrapper (strace) started, from `/proc`.
fn traced_child(wrapper: u32) -> u32 {
    let path = format!("/proc/{wrapper}/task/{wrapper}/children");
    std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no child of the wrapper in {path}"))
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("listen did not exit within {limit:?} of SIGTERM");
}

/// The two addresses of the first log line.
fn addresses(stderr: &str) -> Option<(SocketAddr, SocketAddr)> {
    let line = stderr
        .lines()
        .find(|l| l.contains("listening for callbacks on http://"))?;
    let callback = line.split("on http://").nth(1)?.split('/').next()?;
    let admin = line.rsplit("http://").next()?.trim();
    Some((callback.parse().ok()?, admin.parse().ok()?))
}

/// The query of a genuine callback.
pub(crate) fn query() -> String {
    format!(
        "SdkAppid={SDKAPPID}&CallbackCommand=Desk.SessionEventNotify&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
    )
}

/// A callback body: a message event when `key` is given, else a session event.
pub(crate) fn event_body(id: &str, key: Option<&str>, time_ms: i64) -> String {
    let mut body = serde_json::json!({
        "CallbackCommand": "Desk.SessionEventNotify",
        "SessionId": id,
        "Event": if key.is_some() { "ChatBot.UserSendMsg" } else { "SessionBegin" },
        "EventTime": time_ms,
        "ChannelType": "Web(H5)",
        "ClientUserId": "user-1",
    });
    if let Some(key) = key {
        body["MsgKey"] = key.into();
        body["MsgBody"] =
            serde_json::json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]);
    }
    body.to_string()
}

/// One HTTP/1.1 request on a new connection: the status and the body.
pub(crate) fn http(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the listener");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (and close) before it has read all of a body it refuses.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// The coverage.json entry of `id`, if any.
pub(crate) fn coverage(out: &Path, id: &str) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(out.join("data/coverage.json")).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    doc["sessions"]
        .as_array()?
        .iter()
        .find(|e| e["session_id"] == id)
        .cloned()
}

/// Whether coverage.json says `id` is archived.
pub(crate) fn archived(out: &Path, id: &str) -> bool {
    coverage(out, id).is_some_and(|e| e["state"] == "archived")
}

/// The archive directory of a test.
pub(crate) fn out(dir: &Path) -> PathBuf {
    dir.join("out")
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
