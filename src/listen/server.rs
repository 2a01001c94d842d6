//! The HTTP side (SPEC §10): the callback endpoint with its acceptance rules, and the
//! admin endpoints `/healthz` and `/metrics`. axum on the listener's runtime; tower-http
//! bounds how long one request may take.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt;
use tower_http::timeout::TimeoutLayer;

use super::daemon::Shared;
use super::journal::NewEvent;
use super::metrics::Reason;
use super::{COMMAND, MAX_BODY, MAX_SESSION_ID, sign};

/// The answer to an accepted (or ignored) callback.
const OK_BODY: &str = r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;

/// Longest a request may take, body included (a client that sends slowly is cut off).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The callback server: every path and method reaches [`callback`], which answers 404 and
/// 405 itself (so that each is counted).
pub(super) fn callback_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(callback)
        .with_state(shared)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

/// The admin server: `GET /healthz`, `GET /metrics`.
pub(super) fn admin_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(shared)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    match shared.unhealthy() {
        None => (StatusCode::OK, "ok\n").into_response(),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")).into_response(),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    shared.refresh_gauges();
    let mut response = shared.metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// A callback that is not accepted: its status, the counter, and a one-line reason.
struct Refusal {
    status: StatusCode,
    reason: Reason,
    text: String,
}

fn refuse(status: StatusCode, reason: Reason, text: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason,
        text: text.into(),
    }
}

async fn callback(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let _in_flight = shared.callback_started();
    match accept(&shared, request).await {
        Ok(response) => response,
        Err(refusal) => {
            shared.metrics.rejected(refusal.reason);
            let body = serde_json::json!({
                "ActionStatus": "FAIL",
                "ErrorCode": refusal.status.as_u16(),
                "ErrorInfo": refusal.text,
            });
            let mut response = (refusal.status, json(body.to_string())).into_response();
            if refusal.status == StatusCode::METHOD_NOT_ALLOWED {
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            response
        }
    }
}

fn json(text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The query values the rules look at.
#[derive(Default)]
struct Query {
    sdkappid: Option<String>,
    command: Option<String>,
    sign: Option<String>,
    request_time: Option<String>,
}

fn query(request: &Request) -> Query {
    let mut q = Query::default();
    let Some(raw) = request.uri().query() else {
        return q;
    };
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let slot = match key.as_ref() {
            "SdkAppid" => &mut q.sdkappid,
            "CallbackCommand" => &mut q.command,
            "Sign" => &mut q.sign,
            "RequestTime" => &mut q.request_time,
            _ => continue,
        };
        slot.get_or_insert_with(|| value.into_owned());
    }
    q
}

/// The acceptance rules, in order: path, method, shutdown, SdkAppid, signature, command,
/// body, room in the queue; then the journal, and only then the 200.
async fn accept(shared: &Shared, request: Request) -> Result<Response, Refusal> {
    let settings = &shared.settings;
    if request.uri().path() != settings.path {
        return Err(refuse(StatusCode::NOT_FOUND, Reason::path, "no such path"));
    }
    if request.method() != Method::POST {
        return Err(refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            Reason::method,
            "use POST",
        ));
    }
    if shared.closing() {
        return Err(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::shutting_down,
            "shutting down",
        ));
    }
    let q = query(&request);
    let ours = q
        .sdkappid
        .as_deref()
        .and_then(|s| s.trim().parse::<u64>().ok())
        == Some(settings.sdkappid);
    if !ours {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            Reason::sdkappid,
            "wrong SdkAppid",
        ));
    }
    if let Some(token) = &settings.token {
        let now = chrono::Utc::now().timestamp();
        let checked = sign::check(
            token.expose(),
            q.sign.as_deref(),
            q.request_time.as_deref(),
            now,
        );
        if let Err(why) = checked {
            let text = match why {
                sign::SignError::Missing => "Sign or RequestTime missing",
                sign::SignError::Stale => "RequestTime too far from now",
                sign::SignError::Mismatch => "wrong Sign",
            };
            return Err(refuse(StatusCode::FORBIDDEN, Reason::sign, text));
        }
    }
    if q.command.as_deref() != Some(COMMAND) {
        // Another webhook pointed here: answered so that its sender does not retry.
        shared.metrics.rejected(Reason::command);
        return Ok(json(OK_BODY.to_owned()));
    }
    let body = read_body(request).await?;
    let event = parse_event(&body)
        .map_err(|why| refuse(StatusCode::BAD_REQUEST, Reason::malformed, why))?;
    let id = event.session_id.clone();
    if !shared.admits(&id) {
        return Err(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::queue_full,
            "too many sessions waiting (--max-pending)",
        ));
    }
    if let Err(e) = shared.journal.append(event).await {
        tracing::error!("{e}");
        return Err(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::journal,
            "cannot journal the event",
        ));
    }
    shared.accepted(&id, Instant::now());
    Ok(json(OK_BODY.to_owned()))
}

/// The body, at most [`MAX_BODY`] bytes.
async fn read_body(request: Request) -> Result<bytes::Bytes, Refusal> {
    let too_large = || {
        refuse(
            StatusCode::BAD_REQUEST,
            Reason::too_large,
            "body over 1 MiB",
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(request.into_body(), MAX_BODY);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(refuse(
            StatusCode::BAD_REQUEST,
            Reason::malformed,
            "the body could not be read",
        )),
    }
}

/// The journaled fields of a callback body, or why it is malformed.
fn parse_event(body: &[u8]) -> Result<NewEvent, &'static str> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    let object = value.as_object().ok_or("the body is not a JSON object")?;
    let session_id = object
        .get("SessionId")
        .and_then(|v| v.as_str())
        .ok_or("no SessionId string")?;
    if !printable(session_id, MAX_SESSION_ID) {
        return Err("SessionId must be 1 to 256 printable characters");
    }
    let text = |key: &str| -> Result<Option<String>, &'static str> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if printable(s, MAX_SESSION_ID) => {
                Ok(Some(s.clone()))
            }
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => Err("Event and MsgKey must be strings of at most 256 printable characters"),
        }
    };
    let event_time = match object.get("EventTime") {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(NewEvent {
        session_id: session_id.to_owned(),
        event: text("Event")?,
        event_time,
        msg_key: text("MsgKey")?,
    })
}

/// 1 to `max` characters, none a control character.
fn printable(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked() {
        let ok = parse_event(
            br#"{"CallbackCommand":"Desk.SessionEventNotify","SessionId":"s-1","Event":"ChatBot.UserSendMsg","EventTime":1730939030138,"MsgKey":"k","MsgBody":[{"x":1}]}"#,
        )
        .unwrap();
        assert_eq!(ok.session_id, "s-1");
        assert_eq!(ok.event_time, Some(1_730_939_030_138));
        assert_eq!(ok.msg_key.as_deref(), Some("k"));
        for bad in [
            &b"not json"[..],
            b"[]",
            br#"{"SessionId":""}"#,
            br#"{"SessionId":7}"#,
            br#"{"SessionId":"a\u0007b"}"#,
            br#"{"SessionId":"a","MsgKey":{"x":1}}"#,
        ] {
            assert!(
                parse_event(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = format!(r#"{{"SessionId":"{}"}}"#, "é".repeat(256));
        assert!(parse_event(long.as_bytes()).is_ok());
        let longer = format!(r#"{{"SessionId":"{}"}}"#, "é".repeat(257));
        assert!(parse_event(longer.as_bytes()).is_err());
    }
}
