//! The one HTTP client, the UserSig it signs with (generated and renewed, or given), and
//! one request → [`Reply`]. The URL carries the UserSig, so it is never printed: reqwest
//! errors are stripped of it before they are described.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use super::wire::{Answer, PageRequest, parse_body};
use super::{Credential, FetchSettings};
use crate::throttle::parse_retry_after;
use crate::usersig::{Secret, gen_usersig};

/// Lifetime of the UserSigs we generate (SPEC §2).
const SIG_LIFETIME_SECS: u64 = 3600;
/// Generated UserSigs are replaced this long after creation, well before they expire.
const SIG_RENEW_AFTER: Duration = Duration::from_secs(50 * 60);

/// One request's result.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) answer: Answer,
    /// The server's Retry-After, on any status.
    pub(crate) retry_after: Option<Duration>,
    /// The UserSig generation the request was signed with (for renewal).
    pub(crate) generation: u64,
}

/// The HTTP side of the fetcher.
pub(crate) struct Client {
    http: reqwest::Client,
    endpoint: Url,
    sdkappid: String,
    identifier: String,
    sigs: SigSource,
    /// `random` query parameter: a random start, incremented per request, so that it is
    /// unique within a run (independent draws collide at 100k requests).
    random: AtomicU32,
}

impl Client {
    /// Builds the client for `settings`.
    pub(crate) fn new(settings: &FetchSettings) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("desk-archive/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(settings.concurrency.max(1))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| describe_error(&e.without_url()))?;
        Ok(Client {
            http,
            endpoint: settings.endpoint.clone(),
            sdkappid: settings.sdkappid.to_string(),
            identifier: settings.identifier.clone(),
            sigs: SigSource::new(settings),
            random: AtomicU32::new(rand::random()),
        })
    }

    /// Sends one page request and reads the whole answer.
    pub(crate) async fn send(&self, session_id: &str, offset: u64) -> Reply {
        let (sig, generation) = self.sigs.current();
        let url = self.url(&sig);
        let body = serde_json::to_vec(&PageRequest::new(session_id, offset)).unwrap_or_default();
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let (answer, retry_after) = match sent {
            Ok(response) => read_response(response).await,
            // reqwest reports DNS, refused connections, TLS handshakes and connect
            // timeouts as connect errors.
            Err(e) if e.is_connect() => {
                (Answer::NoConnection(describe_error(&e.without_url())), None)
            }
            Err(e) => (Answer::Transport(describe_error(&e.without_url())), None),
        };
        Reply {
            answer,
            retry_after,
            generation,
        }
    }

    /// The endpoint's host (and port, when given), for messages: no path, no query.
    pub(crate) fn endpoint_host(&self) -> String {
        let host = self.endpoint.host_str().unwrap_or("?");
        match self.endpoint.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// The request URL with its query. Holds the UserSig: never print it.
    fn url(&self, sig: &Secret) -> Url {
        let random = self.random.fetch_add(1, Ordering::Relaxed);
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("sdkappid", &self.sdkappid)
            .append_pair("identifier", &self.identifier)
            .append_pair("usersig", sig.expose())
            .append_pair("random", &random.to_string())
            .append_pair("contenttype", "json");
        url
    }

    /// Whether an expired UserSig can be replaced (only the ones we generate).
    pub(crate) fn can_renew(&self) -> bool {
        matches!(self.sigs, SigSource::Generated { .. })
    }

    /// Replaces the UserSig, unless another request already did since `generation`.
    pub(crate) fn renew(&self, generation: u64) {
        self.sigs.renew(generation);
    }

    /// `text` with every secret we hold or issued replaced by `[redacted]`: a last line of
    /// defence for text that came from the server or the HTTP stack.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.sigs
            .secrets()
            .iter()
            .fold(text.to_owned(), |text, secret| scrub_whole(&text, secret))
    }
}

/// `text` with every whole occurrence of `secret` replaced by `[redacted]`: one not
/// inside a longer token (letters, digits, `+/_-*`), so a short test key never mangles
/// ordinary words ("lookup" stays "lookup" when the key is "k"), while a key or UserSig
/// quoted anywhere, also in a URL (`usersig=<sig>&`), is still caught.
pub(crate) fn scrub_whole(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "+/_-*".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(token) || after.is_some_and(token) {
            out.push_str(secret);
        } else {
            out.push_str("[redacted]");
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// Turns a response into an answer; the body is read in full.
async fn read_response(response: reqwest::Response) -> (Answer, Option<Duration>) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    if !status.is_success() {
        return (
            Answer::Http {
                status: status.as_u16(),
            },
            retry_after,
        );
    }
    let answer = match response.bytes().await {
        Ok(body) => {
            let (answer, request_id) = parse_body(&body);
            if let Some(request_id) = request_id {
                tracing::debug!(%request_id, "answer received");
            }
            answer
        }
        Err(e) => Answer::Transport(describe_error(&e.without_url())),
    };
    (answer, retry_after)
}

/// A reqwest error (already without its URL) and its causes, on one line.
fn describe_error(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "request timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // hyper's "client error (Connect)" only repeats what `text` says.
        if !text.ends_with(&cause_text) && !cause_text.starts_with("client error (") {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Where UserSigs come from.
enum SigSource {
    /// `--usersig`: used as is, cannot be renewed.
    Given(Arc<Secret>),
    /// Generated from the secret key, renewed before expiry or on 70001/70052.
    Generated {
        key: Secret,
        sdkappid: u64,
        identifier: String,
        state: Mutex<Generated>,
    },
}

/// The current generated UserSig.
struct Generated {
    sig: Arc<Secret>,
    generation: u64,
    created: Instant,
    /// Every UserSig issued in this run, for [`Client::scrub`].
    issued: Vec<Arc<Secret>>,
}

impl SigSource {
    fn new(settings: &FetchSettings) -> SigSource {
        match &settings.credential {
            Credential::UserSig(sig) => SigSource::Given(Arc::new(sig.clone())),
            Credential::SecretKey(key) => {
                let sig = Arc::new(generate(key, settings.sdkappid, &settings.identifier));
                SigSource::Generated {
                    key: key.clone(),
                    sdkappid: settings.sdkappid,
                    identifier: settings.identifier.clone(),
                    state: Mutex::new(Generated {
                        sig: sig.clone(),
                        generation: 0,
                        created: Instant::now(),
                        issued: vec![sig],
                    }),
                }
            }
        }
    }

    /// The UserSig to sign with now, and its generation; renews an old one first.
    fn current(&self) -> (Arc<Secret>, u64) {
        match self {
            SigSource::Given(sig) => (sig.clone(), 0),
            SigSource::Generated { state, .. } => {
                let generation = {
                    let state = state.lock().unwrap_or_else(|p| p.into_inner());
                    if state.created.elapsed() < SIG_RENEW_AFTER {
                        return (state.sig.clone(), state.generation);
                    }
                    state.generation
                };
                self.renew(generation);
                let state = state.lock().unwrap_or_else(|p| p.into_inner());
                (state.sig.clone(), state.generation)
            }
        }
    }

    fn renew(&self, seen_generation: u64) {
        if let SigSource::Generated {
            key,
            sdkappid,
            identifier,
            state,
        } = self
        {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            if state.generation == seen_generation {
                let sig = Arc::new(generate(key, *sdkappid, identifier));
                state.issued.push(sig.clone());
                state.sig = sig;
                state.generation += 1;
                state.created = Instant::now();
                tracing::debug!(generation = state.generation, "UserSig renewed");
            }
        }
    }

    /// The secret key and every UserSig, as text.
    fn secrets(&self) -> Vec<String> {
        match self {
            SigSource::Given(sig) => vec![sig.expose().to_owned()],
            SigSource::Generated { key, state, .. } => {
                let state = state.lock().unwrap_or_else(|p| p.into_inner());
                let sigs = state.issued.iter().map(|s| s.expose().to_owned());
                std::iter::once(key.expose().to_owned())
                    .chain(sigs)
                    .collect()
            }
        }
    }
}

/// A fresh UserSig valid for [`SIG_LIFETIME_SECS`] from now.
fn generate(key: &Secret, sdkappid: u64, identifier: &str) -> Secret {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Secret::new(gen_usersig(
        sdkappid,
        key.expose(),
        identifier,
        SIG_LIFETIME_SECS,
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_takes_whole_secrets_only() {
        assert_eq!(scrub_whole("dns lookup failed", "k"), "dns lookup failed");
        assert_eq!(
            scrub_whole("key k rejected", "k"),
            "key [redacted] rejected"
        );
        let sig = "eJw1jV0L-gi*Ag_";
        assert_eq!(
            scrub_whole(&format!("GET /x?usersig={sig}&random=1"), sig),
            "GET /x?usersig=[redacted]&random=1"
        );
    }
}
