//! A fake desk API on 127.0.0.1 (hyper, HTTP/1.1) that answers `describe_chat_messages`
//! like the real one and injects faults per request. Shared by the fetch tests and
//! `examples/fake-desk.rs`.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use desk_archive::fetch::API_PATH;
use desk_archive::usersig::{VerifyError, verify_usersig};
use http_body::Frame;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use tokio::sync::{Notify, oneshot};

/// One request's misbehaviour. Faults are consumed in order, one per request.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// Answer normally (lets a later fault hit a later page).
    Pass,
    /// HTTP 200 with this ErrorCode.
    Code(i64),
    /// HTTP 200 with this ErrorCode and the request's UserSig echoed in ErrorInfo.
    EchoSig(i64),
    /// This HTTP status with an optional Retry-After value.
    Http(u16, Option<&'static str>),
    /// Close the connection without answering.
    Drop,
    /// Send headers and part of the body, then break the connection.
    AbortBody,
    /// HTTP 200 with a JSON document cut in the middle.
    Truncated,
    /// HTTP 200 with an HTML page.
    NotJson,
    /// Answer normally after this delay.
    Slow(Duration),
    /// `Messages: []` with the real TotalCount.
    EmptyPage,
    /// Answer normally but claim this TotalCount.
    Total(u64),
    /// Append this many messages to the session, then answer.
    Grow(usize),
    /// HTTP 200 with `{"ErrorCode":0}` and neither TotalCount nor Messages.
    BareOk,
    /// This 3xx status with a `Location` to another path of this server.
    Redirect(u16),
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) started: Instant,
    pub(crate) finished: Option<Instant>,
    pub(crate) path: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) user_agent: String,
    pub(crate) session_id: String,
    pub(crate) offset: u64,
    pub(crate) limit: u64,
    pub(crate) order: u64,
}

/// How the server checks credentials and behaves overall.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `(sdkappid, secret key, identifier)`: every UserSig is verified against them.
    pub(crate) verify: Option<(u64, String, String)>,
    /// Every answer is sent this long after its request arrived (to within ~0.1 ms).
    pub(crate) latency: Duration,
    /// Probability of a random retryable fault per request (the example's `--fault-rate`).
    pub(crate) fault_rate: f64,
    /// Answer every page from Offset 0, like a proxy that drops the request body's Offset.
    pub(crate) ignore_offset: bool,
    /// Answer this many requests, then stop listening and drop every connection: each
    /// later request is refused, as by a server that went down.
    pub(crate) refuse_after: Option<usize>,
}

#[derive(Default)]
struct State {
    options: Options,
    sessions: Mutex<HashMap<String, Vec<String>>>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
    any_faults: Mutex<VecDeque<Fault>>,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Present when `options.latency` is not zero.
    timer: Option<PreciseTimer>,
    /// Told when `options.refuse_after` requests have been answered.
    going_down: Notify,
}

/// A running fake API. Dropping it stops the server.
pub(crate) struct FakeDesk {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Arc<Notify>,
}

impl FakeDesk {
    /// Starts a server on 127.0.0.1 with an OS-chosen port.
    pub(crate) fn start(options: Options) -> FakeDesk {
        Self::start_on(options, 0).expect("bind 127.0.0.1")
    }

    /// Starts a server on 127.0.0.1:`port` (0: any free port) in its own thread.
    pub(crate) fn start_on(options: Options, port: u16) -> std::io::Result<FakeDesk> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let timer = (!options.latency.is_zero()).then(PreciseTimer::start);
        let state = Arc::new(State {
            options,
            timer,
            ..State::default()
        });
        let shutdown = Arc::new(Notify::new());
        let (thread_state, thread_shutdown) = (state.clone(), shutdown.clone());
        std::thread::spawn(move || serve(listener, thread_state, thread_shutdown));
        Ok(FakeDesk {
            addr,
            state,
            shutdown,
        })
    }

    /// The base URL, for `endpoint_from_base`.
    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds (or replaces) a session with these raw message objects.
    pub(crate) fn add_session(&self, id: &str, messages: Vec<String>) {
        lock(&self.state.sessions).insert(id.to_owned(), messages);
    }

    /// The session's current messages.
    pub(crate) fn messages(&self, id: &str) -> Vec<String> {
        lock(&self.state.sessions)
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// Queues faults for the next requests of one session.
    pub(crate) fn faults(&self, id: &str, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state.faults)
            .entry(id.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Queues faults for the next requests, whatever their session (used first).
    pub(crate) fn faults_any(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state.any_faults).extend(faults);
    }

    /// Every request so far, in arrival order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }

    /// The most requests that were being handled at once.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for FakeDesk {
    fn drop(&mut self) {
        self.shutdown.notify_one();
        if let Some(timer) = &self.state.timer {
            timer.stop();
        }
    }
}

/// Wakes answers at their due time to within ~0.1 ms. tokio's timer rounds every sleep up
/// to a whole millisecond and its driver wakes up to another millisecond late, so a
/// 20 ms latency became ~21.4 ms, and a benchmark against `--latency-ms 20` measured the
/// fake as much as the fetcher. One thread sleeps (a futex with a timeout) until the
/// earliest deadline and wakes every answer that is due.
///
/// Waking a thread and then the answer's task still takes about 0.2 ms on a small virtual
/// machine, on every answer. The timer learns that delay (a running mean of how late
/// answers resume) and wakes them that much early, so that answers resume at their due
/// time on average rather than always after it.
#[derive(Clone)]
struct PreciseTimer {
    inner: Arc<TimerInner>,
}

#[derive(Default)]
struct TimerInner {
    /// Deadlines, earliest first, with their waiters; `None` once stopped.
    queue: Mutex<Option<BinaryHeap<Reverse<Waiter>>>>,
    changed: Condvar,
    /// How long a wake-up takes to reach the answer, in nanoseconds (a running mean).
    wake_lag_ns: AtomicI64,
}

/// The largest wake-up delay the timer makes up for.
const MAX_WAKE_LAG_NS: i64 = 1_000_000;

struct Waiter {
    at: Instant,
    /// Arrival order, so that equal deadlines wake first come, first served.
    seq: u64,
    wake: oneshot::Sender<()>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Waiter {}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl PreciseTimer {
    fn start() -> PreciseTimer {
        let timer = PreciseTimer {
            inner: Arc::new(TimerInner {
                queue: Mutex::new(Some(BinaryHeap::new())),
                changed: Condvar::new(),
                wake_lag_ns: AtomicI64::new(0),
            }),
        };
        let inner = timer.inner.clone();
        std::thread::spawn(move || inner.run());
        timer
    }

    /// Resolves at `at` (at once when the timer is stopped).
    async fn sleep_until(&self, at: Instant) {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let (wake, woken) = oneshot::channel();
        let seq = SEQ.fetch_add(1, Ordering::Relaxed) as u64;
        {
            let mut queue = lock(&self.inner.queue);
            let Some(queue) = queue.as_mut() else { return };
            let earliest = queue.peek().is_none_or(|w| at < w.0.at);
            queue.push(Reverse(Waiter { at, seq, wake }));
            if earliest {
                self.inner.changed.notify_one();
            }
        }
        let _ = woken.await;
        // How far from `at` the answer resumed (positive: late): folded into the lag, an
        // eighth at a time.
        let now = Instant::now();
        let off = match now.checked_duration_since(at) {
            Some(late) => i64::try_from(late.as_nanos()).unwrap_or(i64::MAX),
            None => -i64::try_from((at - now).as_nanos()).unwrap_or(i64::MAX),
        };
        let lag = &self.inner.wake_lag_ns;
        let old = lag.load(Ordering::Relaxed);
        let new = (old + off / 8).clamp(0, MAX_WAKE_LAG_NS);
        lag.store(new, Ordering::Relaxed);
    }

    fn stop(&self) {
        lock(&self.inner.queue).take();
        self.inner.changed.notify_one();
    }
}

impl TimerInner {
    fn run(&self) {
        let mut guard = lock(&self.queue);
        loop {
            let Some(queue) = guard.as_mut() else { return };
            let lag = self.wake_lag_ns.load(Ordering::Relaxed);
            let lag = Duration::from_nanos(u64::try_from(lag).unwrap_or(0));
            // Woken `lag` early, so that the answer resumes at its due time.
            let now = Instant::now() + lag;
            while queue.peek().is_some_and(|w| w.0.at <= now) {
                let Reverse(waiter) = queue.pop().expect("peeked");
                let _ = waiter.wake.send(());
            }
            let wait = queue.peek().map(|w| w.0.at - now);
            guard = match wait {
                Some(wait) => {
                    self.changed
                        .wait_timeout(guard, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.changed.wait(guard).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The server thread: accept until shut down, one task per connection.
fn serve(listener: std::net::TcpListener, state: Arc<State>, shutdown: Arc<Notify>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                () = shutdown.notified() => return,
                // Returning drops the listener (new connections are refused) and, with
                // the runtime, every connection task.
                () = state.going_down.notified() => return,
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
}

type Body = BoxBody<Bytes, std::io::Error>;

/// An error from the service makes hyper drop the connection: that is [`Fault::Drop`].
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let arrived = Instant::now();
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let index = {
        let seen = Seen {
            started: arrived,
            finished: None,
            path: req.uri().path().to_owned(),
            query: query_of(&req),
            user_agent: req
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            session_id: String::new(),
            offset: 0,
            limit: 0,
            order: 0,
        };
        let mut all = lock(&state.seen);
        all.push(seen);
        all.len() - 1
    };
    let result = answer(&state, req, index, arrived).await;
    lock(&state.seen)[index].finished = Some(Instant::now());
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    result
}

fn query_of(req: &Request<Incoming>) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn answer(
    state: &State,
    req: Request<Incoming>,
    index: usize,
    arrived: Instant,
) -> Result<Response<Body>, DropConnection> {
    if state.options.refuse_after.is_some_and(|n| index >= n) {
        state.going_down.notify_one();
        return Err(DropConnection);
    }
    if req.uri().path() != API_PATH || req.method() != hyper::Method::POST {
        return Ok(plain(StatusCode::NOT_FOUND, "no such API"));
    }
    let query = query_of(&req);
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|_| DropConnection)?
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let session_id = body["SessionId"].as_str().unwrap_or("").to_owned();
    let (offset, limit, order) = (
        num(&body, "Offset", 0),
        num(&body, "Limit", 20),
        num(&body, "Order", 2),
    );
    {
        let mut all = lock(&state.seen);
        let seen = &mut all[index];
        (seen.session_id, seen.offset, seen.limit, seen.order) =
            (session_id.clone(), offset, limit, order);
    }
    let response = respond(state, &query, &session_id, offset, limit, order).await;
    if let Some(timer) = &state.timer {
        // The answer is built first, so that it leaves at arrival + latency however long
        // building it took.
        timer.sleep_until(arrived + state.options.latency).await;
    }
    response
}

/// The answer to a well-formed request: a credentials error, a fault, or the page.
async fn respond(
    state: &State,
    query: &HashMap<String, String>,
    session_id: &str,
    offset: u64,
    limit: u64,
    order: u64,
) -> Result<Response<Body>, DropConnection> {
    if let Some(code) = check_credentials(&state.options, query) {
        return Ok(api_error(code, "UserSig check failed"));
    }
    let fault = next_fault(state, session_id);
    let usersig = query.get("usersig").cloned().unwrap_or_default();
    match apply_fault(state, &fault, session_id, &usersig).await {
        Some(response) => response,
        None => Ok(page(state, session_id, offset, limit, order, &fault)),
    }
}

fn num(body: &serde_json::Value, key: &str, default: u64) -> u64 {
    body.get(key)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(default)
}

/// The ErrorCode a real server would give for these credentials, if any.
fn check_credentials(options: &Options, query: &HashMap<String, String>) -> Option<i64> {
    let (sdkappid, key, identifier) = options.verify.as_ref()?;
    if query.get("contenttype").map(String::as_str) != Some("json") || !query.contains_key("random")
    {
        return Some(60002);
    }
    if query.get("sdkappid") != Some(&sdkappid.to_string()) {
        return Some(70014);
    }
    if query.get("identifier") != Some(identifier) {
        return Some(70013);
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let usersig = query.get("usersig").map(String::as_str).unwrap_or("");
    match verify_usersig(*sdkappid, key, identifier, usersig, now) {
        Ok(()) => None,
        Err(VerifyError::Expired) => Some(70001),
        Err(VerifyError::BadSignature) => Some(70009),
        Err(VerifyError::SdkAppIdMismatch) => Some(70014),
        Err(VerifyError::IdentifierMismatch) => Some(70013),
        Err(VerifyError::Malformed(_)) => Some(70003),
    }
}

fn next_fault(state: &State, session_id: &str) -> Fault {
    if let Some(fault) = lock(&state.any_faults).pop_front() {
        return fault;
    }
    if let Some(fault) = lock(&state.faults)
        .get_mut(session_id)
        .and_then(VecDeque::pop_front)
    {
        return fault;
    }
    random_fault(state.options.fault_rate)
}

/// The example's `--fault-rate`: a random retryable fault now and then.
fn random_fault(rate: f64) -> Fault {
    if rate <= 0.0 || rand::random::<f64>() >= rate {
        return Fault::Pass;
    }
    let faults = [
        Fault::Http(500, None),
        Fault::Code(141009),
        Fault::Drop,
        Fault::Truncated,
        Fault::Http(429, Some("1")),
    ];
    faults[rand::random_range(0..faults.len())].clone()
}

/// The response of a fault that replaces the page, if it does.
async fn apply_fault(
    state: &State,
    fault: &Fault,
    session_id: &str,
    usersig: &str,
) -> Option<Result<Response<Body>, DropConnection>> {
    let response = match fault {
        Fault::Pass | Fault::EmptyPage | Fault::Total(_) => return None,
        Fault::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            return None;
        }
        Fault::Grow(n) => {
            grow(state, session_id, *n);
            return None;
        }
        Fault::Code(code) => api_error(*code, "injected"),
        Fault::EchoSig(code) => api_error(*code, &format!("bad usersig {usersig}")),
        Fault::Http(status, retry_after) => {
            let mut response = plain(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::IM_A_TEAPOT),
                "injected",
            );
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", value.parse().expect("header value"));
            }
            response
        }
        Fault::Drop => return Some(Err(DropConnection)),
        Fault::AbortBody => Response::new(AbortingBody { sent: false }.boxed()),
        Fault::Truncated => json(
            r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":3,"Messages":[{"Fro"#
                .to_owned(),
        ),
        Fault::NotJson => plain(StatusCode::OK, "<html><body>gateway</body></html>"),
        Fault::BareOk => json(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#.to_owned()),
        Fault::Redirect(status) => {
            let mut response = plain(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::FOUND),
                "moved",
            );
            response.headers_mut().insert(
                "location",
                "/elsewhere?followed=1".parse().expect("header value"),
            );
            response
        }
    };
    Some(Ok(response))
}

fn grow(state: &State, session_id: &str, n: usize) {
    let mut sessions = lock(&state.sessions);
    let messages = sessions.entry(session_id.to_owned()).or_default();
    let start = messages.len();
    messages.extend((start..start + n).map(message));
}

/// A page of a session, like the real API (ErrorCode 141004 for a Limit over 100).
fn page(
    state: &State,
    session_id: &str,
    offset: u64,
    limit: u64,
    order: u64,
    fault: &Fault,
) -> Response<Body> {
    if limit > 100 || order != 1 {
        return api_error(
            141004,
            "invalid parameter (the fake serves Limit <= 100, Order 1)",
        );
    }
    let sessions = lock(&state.sessions);
    let Some(messages) = sessions.get(session_id) else {
        return api_error(141010, "session does not exist");
    };
    let total = match fault {
        Fault::Total(total) => *total,
        _ => messages.len() as u64,
    };
    let offset = if state.options.ignore_offset {
        0
    } else {
        offset
    };
    let start = (offset as usize).min(messages.len());
    let end = (start + limit as usize).min(messages.len());
    let slice = if matches!(fault, Fault::EmptyPage) {
        &messages[0..0]
    } else {
        &messages[start..end]
    };
    json(format!(
        r#"{{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"req-{offset}","TotalCount":{total},"Messages":[{}]}}"#,
        slice.join(",")
    ))
}

fn api_error(code: i64, info: &str) -> Response<Body> {
    let info = serde_json::to_string(info).unwrap_or_default();
    json(format!(
        r#"{{"ActionStatus":"FAIL","ErrorCode":{code},"ErrorInfo":{info},"RequestId":"req-err"}}"#
    ))
}

fn json(text: String) -> Response<Body> {
    let mut response = Response::new(full(text));
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    response
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(full(text.to_owned()));
    *response.status_mut() = status;
    response
}

fn full(text: String) -> Body {
    Full::new(Bytes::from(text))
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A body that sends a first chunk and then fails, so the connection breaks mid-answer.
struct AbortingBody {
    sent: bool,
}

impl http_body::Body for AbortingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.sent {
            return Poll::Ready(Some(Err(std::io::Error::other("aborted on purpose"))));
        }
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
            br#"{"ActionStatus":"OK","ErrorCode":0,"#,
        )))))
    }
}

/// An ordinary text message number `i` (roles alternate customer, agent, system).
pub(crate) fn message(i: usize) -> String {
    let role = i % 3 + 1;
    let timestamp = 1_730_939_030_138u64 + i as u64 * 1000;
    format!(
        r#"{{"FromAccount":"acct-{role}","FromAccountRole":{role},"MsgBody":[{{"MsgContent":{{"Text":"message {i}"}},"MsgType":"TIMTextElem"}}],"Timestamp":{timestamp}}}"#
    )
}

/// `n` ordinary messages.
pub(crate) fn messages(n: usize) -> Vec<String> {
    (0..n).map(message).collect()
}
