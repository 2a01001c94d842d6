//! A media server on 127.0.0.1 (hyper, HTTP/1.1, its own thread) with a fixed route
//! table: bytes with a content type, statuses, redirects and slow answers; it counts the
//! requests per path so tests can prove a re-run downloads nothing.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

/// What a path answers.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// 200 with these bytes and this Content-Type.
    Bytes(&'static str, Vec<u8>),
    /// This status, empty body.
    Status(u16),
    /// 302 to this Location.
    Redirect(String),
    /// 200 after this delay.
    Slow(Duration),
    /// 200 with an image type, then one byte every this often, for hours: never idle
    /// long enough for a read timeout.
    Trickle(Duration),
}

/// The running server.
pub(crate) struct MediaServer {
    pub(crate) addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl MediaServer {
    /// Starts serving `routes` (path → route); other paths answer 404.
    pub(crate) fn start(routes: HashMap<String, Route>) -> MediaServer {
        MediaServer::start_on(0, routes)
    }

    /// Like [`MediaServer::start`] on a given port (0: any).
    pub(crate) fn start_on(port: u16, routes: HashMap<String, Route>) -> MediaServer {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let (routes, thread_hits) = (Arc::new(routes), hits.clone());
        std::thread::spawn(move || serve(listener, routes, thread_hits));
        MediaServer { addr, hits }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests seen for `path`.
    pub(crate) fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// Requests seen in all.
    pub(crate) fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

fn serve(
    listener: std::net::TcpListener,
    routes: Arc<HashMap<String, Route>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (routes, hits) = (routes.clone(), hits.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    handle(routes.clone(), hits.clone(), req)
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
}

async fn handle(
    routes: Arc<HashMap<String, Route>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let full = |b: Bytes| Full::new(b).boxed();
    let response = match routes.get(&path) {
        Some(Route::Bytes(ct, body)) => Response::builder()
            .header("content-type", *ct)
            .body(full(Bytes::from(body.clone()))),
        Some(Route::Status(code)) => Response::builder().status(*code).body(full(Bytes::new())),
        Some(Route::Redirect(to)) => Response::builder()
            .status(302)
            .header("location", to)
            .body(full(Bytes::new())),
        Some(Route::Slow(delay)) => {
            tokio::time::sleep(*delay).await;
            Response::builder().body(full(Bytes::from_static(b"late")))
        }
        Some(Route::Trickle(every)) => Response::builder()
            .header("content-type", "image/png")
            .body(Trickle::new(*every).boxed()),
        None => Response::builder().status(404).body(full(Bytes::new())),
    };
    Ok(response.unwrap())
}

type Body = BoxBody<Bytes, Infallible>;

/// A body of 100,000 bytes sent one at a time.
struct Trickle {
    left: u32,
    every: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Trickle {
    fn new(every: Duration) -> Trickle {
        Trickle {
            left: 100_000,
            every,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }
}

impl http_body::Body for Trickle {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.left -= 1;
        let next = tokio::time::Instant::now() + self.every;
        self.sleep.as_mut().reset(next);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"\x89")))))
    }
}
