//! `serve DIR` (SPEC §11): the archive's site, `DIR/data/`, read-only over HTTP, so that the
//! site search (which fetches its index) works without publishing anything. tower-http's
//! `ServeDir` serves the files (media types, ranges, conditional requests); around it,
//! [`guard`] refuses foreign hosts, other methods and hostile paths, [`files`] refuses
//! symbolic links, and every answer carries the pages' security headers.

mod files;
mod guard;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{
    ALLOW, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, REFERRER_POLICY, RETRY_AFTER,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{Error, Result};
use crate::lock::{ArchiveLock, Mode};
use guard::Guard;

/// The Content-Security-Policy of the pages (`templates/_layout.html`), with what pages with
/// search add (SPEC §11): `'wasm-unsafe-eval'` in `script-src`, `'self'` in `connect-src`.
/// As a header it also covers files that carry no `<meta>` of their own.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self'; media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// [`CSP`] for a site rendered with `--remote-images`: its session pages allow remote https
/// images, and a header stricter than the pages would hide them.
pub const CSP_REMOTE_IMAGES: &str = "default-src 'none'; style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' https:; media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// How long requests in flight may take to finish after SIGINT or SIGTERM.
const GRACE: Duration = Duration::from_secs(5);

/// A resolved `serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The archive directory.
    pub dir: PathBuf,
    /// Where to listen.
    pub bind: SocketAddr,
    /// Host names answered besides the bound address and `localhost` (lowercase).
    pub allow_hosts: Vec<String>,
    /// How long a request waits for a command that is writing the archive.
    pub lock_wait: Duration,
    /// The site was rendered with `--remote-images` (as the archive remembers): the CSP
    /// header allows remote https images ([`CSP_REMOTE_IMAGES`]).
    pub remote_images: bool,
}

/// What every request needs.
struct Served {
    guard: Guard,
    /// The archive directory, whose shared lock each request holds.
    dir: PathBuf,
    lock_wait: Duration,
}

/// Whether `dir` is an archive `serve` can serve: a bag (`bagit.txt`) with a `data/`.
pub fn check_archive(dir: &Path) -> std::result::Result<(), String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    if !dir.join("bagit.txt").is_file() || !dir.join("data").is_dir() {
        return Err(format!(
            "`{}` is not an archive: it has no bagit.txt and data/ (make one with `desk-archive archive` or `render`)",
            dir.display()
        ));
    }
    Ok(())
}

/// Parses `--bind`: `IP:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
pub fn parse_bind(text: &str) -> std::result::Result<SocketAddr, String> {
    let text = text.trim();
    if let Some(port) = text.strip_prefix("localhost:")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse()
        .map_err(|_| format!("--bind `{text}`: not an address and port such as 127.0.0.1:8000"))
}

/// Serves until SIGINT or SIGTERM. Prints the URL to open on standard output first.
pub fn run(config: &ServeConfig) -> Result<()> {
    let data = config.dir.join("data");
    let data = data
        .canonicalize()
        .map_err(|e| Error::io("open", &data, e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the server: {e}")))?;
    runtime.block_on(serve(data, config))
}

async fn serve(data: PathBuf, config: &ServeConfig) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", config.bind)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", config.bind)))?;
    let guard = Guard {
        bound,
        allow_hosts: config.allow_hosts.clone(),
    };
    let served = Served {
        guard,
        dir: config.dir.clone(),
        lock_wait: config.lock_wait,
    };
    let csp = if config.remote_images {
        CSP_REMOTE_IMAGES
    } else {
        CSP
    };
    let app = router(data, served, csp);
    announce(&config.dir, bound);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        })
        .into_future();
    // Keep-alive connections that never go idle must not hold the process forever.
    let deadline = async move {
        let _ = stop_rx.wait_for(|stopped| *stopped).await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        result = server => result.map_err(|e| Error::io("serve", &config.dir, e)),
        () = deadline => Ok(()),
    }
}

fn announce(dir: &Path, bound: SocketAddr) {
    use std::io::Write;
    let host = match bound.ip() {
        ip if ip.is_unspecified() => "localhost".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Serving `{}` at http://{host}:{}/ (Ctrl-C to stop)",
        dir.display(),
        bound.port()
    );
    let _ = out.flush();
}

/// The files of `data` behind the guard, every answer with the security headers.
fn router(data: PathBuf, served: Served, csp: &'static str) -> Router {
    let files = ServeDir::with_backend(&data, files::NoSymlinks::new(data.clone()));
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(Arc::new(served), check))
        .layer(middleware::map_response(utf8_text))
        .layer(header(CONTENT_SECURITY_POLICY, csp))
        .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(REFERRER_POLICY, "no-referrer"))
}

async fn check(State(served): State<Arc<Served>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
    let verdict = served.guard.check(request.method(), request.uri(), host);
    tracing::debug!(
        "{} {:?}: {verdict:?}",
        request.method(),
        request.uri().path()
    );
    if let Err(status) = verdict {
        return refusal(status, &served.guard);
    }
    // A reader's lock for the request (SPEC §9): no writer is halfway through the files
    // while one is opened. Writers rename complete files into place, so a file opened
    // under the lock reads whole after it is released.
    let (dir, wait) = (served.dir.clone(), served.lock_wait);
    let lock = tokio::task::spawn_blocking(move || ArchiveLock::take(&dir, Mode::Shared, wait));
    match lock.await {
        Ok(Ok(_lock)) => next.run(request).await,
        Ok(Err(error)) => busy(&error),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// 503 while a writer keeps the archive past the lock wait.
fn busy(error: &Error) -> Response {
    let text = format!("503 service unavailable: {error}; try again shortly\n");
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, text).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn refusal(status: StatusCode, guard: &Guard) -> Response {
    let text = match status {
        StatusCode::MISDIRECTED_REQUEST => format!(
            "421 misdirected request: this server answers only for {} and localhost:{}\n",
            guard.bound,
            guard.bound.port()
        ),
        StatusCode::METHOD_NOT_ALLOWED => "405 method not allowed: GET and HEAD only\n".into(),
        _ => "400 bad request: this path is refused\n".into(),
    };
    let mut response = (status, text).into_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    response
}

/// Names UTF-8 on text types (every text file of an archive is UTF-8): a Markdown page
/// has no `<meta charset>` to say so.
async fn utf8_text(mut response: Response) -> Response {
    let typed = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.starts_with("text/") && !t.contains("charset"))
        .map(|t| format!("{t}; charset=utf-8"));
    if let Some(value) = typed.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
