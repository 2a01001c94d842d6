//! A media server on 127.0.0.1 (hyper, HTTP/1.1, its own thread) with a fixed route
//! table: bytes with a content type, statuses, redirects and slow answers; it counts the
//! requests per path so tests can prove a re-run downloads nothing.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
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
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let response = match routes.get(&path) {
        Some(Route::Bytes(ct, body)) => Response::builder()
            .header("content-type", *ct)
            .body(Full::new(Bytes::from(body.clone()))),
        Some(Route::Status(code)) => Response::builder()
            .status(*code)
            .body(Full::new(Bytes::new())),
        Some(Route::Redirect(to)) => Response::builder()
            .status(302)
            .header("location", to)
            .body(Full::new(Bytes::new())),
        Some(Route::Slow(delay)) => {
            tokio::time::sleep(*delay).await;
            Response::builder().body(Full::new(Bytes::from_static(b"late")))
        }
        None => Response::builder()
            .status(404)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.unwrap())
}
