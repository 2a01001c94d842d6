//! Integration tests: `serve` — the real binary on an ephemeral loopback port, spoken to
//! over raw TCP so that hostile paths and hosts reach it exactly as written (an HTTP
//! client library would normalise `..` and refuse a NUL).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::search::render_archive;

/// A running `desk-archive serve`, stopped (SIGKILL) when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(archive: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_desk-archive"))
            .arg("serve")
            .arg(archive)
            .args(["--bind", "127.0.0.1:0"])
            .args(extra)
            .env_clear()
            .env("NO_COLOR", "1")
            .current_dir(archive.parent().unwrap())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn desk-archive serve");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no URL in the first line: {line:?}"));
        Server { child, port }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sends `request` as given and reads the whole answer.
    fn raw(&self, request: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request).unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        Answer::parse(&bytes)
    }

    fn request(&self, method: &str, target: &str, host: &str) -> Answer {
        let request =
            format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        self.raw(request.as_bytes())
    }

    fn get(&self, target: &str) -> Answer {
        self.request("GET", target, &self.host())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(bytes)));
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Answer {
            status,
            headers,
            body: bytes[split + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The demo rendered into a new temporary folder: (the folder, the archive in it).
fn demo_archive() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    render_archive("examples/demo/records", &archive);
    (dir, archive)
}

/// The directives of a CSP: name → sources.
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            (words.next().unwrap(), words.collect())
        })
        .collect()
}

/// The `img-src` of the served CSP header and of a session page's `<meta>`.
fn img_sources(server: &Server, page: &str) -> (Vec<String>, Vec<String>) {
    let answer = server.get(page);
    assert_eq!(answer.status, 200, "{page}");
    let img = |csp: &str| {
        directives(csp)
            .into_iter()
            .find(|(name, _)| name == "img-src")
            .map(|(_, sources)| sources)
            .unwrap_or_default()
    };
    let header = img(answer
        .header("content-security-policy")
        .expect("a CSP header"));
    let html = answer.text();
    let document = scraper::Html::parse_document(&html);
    let selector =
        scraper::Selector::parse(r#"meta[http-equiv="Content-Security-Policy"]"#).unwrap();
    let meta = document
        .select(&selector)
        .next()
        .and_then(|m| m.value().attr("content"))
        .expect("the page has a CSP meta");
    (header, img(meta))
}

#[test]
fn the_csp_header_allows_remote_images_exactly_when_the_pages_do() {
    let page = "/sessions/0f4ec911-1131-47d1-8d94-a1d34bd2838f.html";
    let (_dir, archive) = demo_archive();
    let server = Server::start(&archive, &[]);
    assert_eq!(
        img_sources(&server, page),
        (vec!["'self'".to_owned()], vec!["'self'".to_owned()])
    );
    drop(server);
    let (code, _, stderr) =
        crate::cli::run(&archive, &["render", "-q", "--out", ".", "--remote-images"]);
    assert_eq!(code, 0, "{stderr}");
    let server = Server::start(&archive, &[]);
    let both = vec!["'self'".to_owned(), "https:".to_owned()];
    assert_eq!(img_sources(&server, page), (both.clone(), both));
}

#[test]
fn files_come_with_their_types_and_the_pages_security_headers() {
    let (_dir, archive) = demo_archive();
    std::fs::write(archive.join("data/probe.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let server = Server::start(&archive, &[]);
    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(index.header("referrer-policy"), Some("no-referrer"));
    // The header is the page's own CSP, plus what site search needs and nothing more.
    let html = index.text();
    let document = scraper::Html::parse_document(&html);
    let selector =
        scraper::Selector::parse(r#"meta[http-equiv="Content-Security-Policy"]"#).unwrap();
    let meta = document
        .select(&selector)
        .next()
        .and_then(|m| m.value().attr("content"))
        .expect("the page has a CSP meta");
    let header = directives(
        index
            .header("content-security-policy")
            .expect("a CSP header"),
    );
    let mut expected = directives(meta);
    for (name, sources) in &mut expected {
        let extra = match name.as_str() {
            "script-src" => "'wasm-unsafe-eval'",
            "connect-src" => "'self'",
            _ => continue,
        };
        sources.retain(|s| s != "'none'" && s != extra);
        sources.push(extra.to_owned());
    }
    assert_eq!(header, expected);
    let wasm = server.get("/probe.wasm");
    assert_eq!(
        (wasm.status, wasm.header("content-type")),
        (200, Some("application/wasm"))
    );
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
    let css = server.get("/assets/style.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let md = server.get("/index.md");
    assert_eq!(
        md.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    let json = server.get("/stats.json");
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert_eq!(server.get("/no-such-file.html").status, 404);
}

#[test]
fn head_works_and_other_methods_are_refused() {
    let (_dir, archive) = demo_archive();
    let server = Server::start(&archive, &[]);
    let get = server.get("/index.html");
    let head = server.request("HEAD", "/index.html", &server.host());
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
    assert_eq!(head.header("x-content-type-options"), Some("nosniff"));
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let answer = server.request(method, "/index.html", &server.host());
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("GET, HEAD"), "{method}");
        assert!(
            answer.header("content-security-policy").is_some(),
            "{method}"
        );
    }
    assert!(archive.join("data/index.html").is_file());
}

/// Nothing outside data/ is ever served: not through `..` written plainly or encoded,
/// backslashes, NUL, nor a symbolic link inside data/ pointing out of it.
#[test]
fn hostile_paths_never_leave_data() {
    let (dir, archive) = demo_archive();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, archive.join("data/leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), archive.join("data/outside")).unwrap();
        std::os::unix::fs::symlink(archive.join("data/assets"), archive.join("data/inner"))
            .unwrap();
    }
    let server = Server::start(&archive, &[]);
    for target in [
        "/../bagit.txt",
        "/../../secret.txt",
        "/sessions/../../bagit.txt",
        "/%2e%2e/bagit.txt",
        "/%2E%2E/%2E%2E/secret.txt",
        "/.%2e/bagit.txt",
        "/..%2fbagit.txt",
        "/%2f..%2fbagit.txt",
        "/assets%2f..%2f..%2fbagit.txt",
        "/..\\bagit.txt",
        "/%5c..%5cbagit.txt",
        "/index.html%00.png",
        "/%00",
        "/leak.txt",
        "/outside/secret.txt",
        "/outside/archive/bagit.txt",
        "/inner/style.css",
        "/inner/",
    ] {
        let answer = server.get(target);
        assert!(
            matches!(answer.status, 400 | 404),
            "{target}: {} {}",
            answer.status,
            answer.text()
        );
        let text = answer.text();
        assert!(
            !text.contains("TOP-SECRET") && !text.contains("BagIt-Version"),
            "{target}: {text}"
        );
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{target}"
        );
    }
    // A raw NUL in the request line is refused before any file is looked up.
    let nul = server.raw(
        format!(
            "GET /index.html\0 HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.host()
        )
        .as_bytes(),
    );
    assert_eq!(nul.status, 400);
    // The real file behind the inner link is still served by its own path.
    assert_eq!(server.get("/assets/style.css").status, 200);
}

/// A `Host` other than the bound address, localhost or --allow-host gets 421, so a page
/// on another site cannot read the archive through DNS rebinding.
#[test]
fn foreign_hosts_get_421() {
    let (_dir, archive) = demo_archive();
    let server = Server::start(&archive, &["--allow-host", "Archive.Test"]);
    let port = server.port;
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("archive.test:{port}"),
    ] {
        assert_eq!(server.request("GET", "/", &host).status, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "localhost".to_owned(),
        format!("localhost.evil.example:{port}"),
        format!("[::1]:{port}"),
    ] {
        let answer = server.request("GET", "/", &host);
        assert_eq!(answer.status, 421, "{host}");
        assert!(!answer.text().contains("<html"), "{host}");
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    }
    // An absolute target names a host as well; no Host at all is foreign too.
    let absolute = server.request("GET", "http://evil.example/", &server.host());
    assert_eq!(absolute.status, 421);
    let no_host = server.raw(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(no_host.status, 421);
}

/// While a writer holds the archive, a request waits up to --lock-wait, then gets 503.
#[test]
fn requests_wait_for_a_writer_then_get_503() {
    let (_dir, archive) = demo_archive();
    let server = Server::start(&archive, &["--lock-wait", "0"]);
    assert_eq!(server.get("/").status, 200);
    let lock = desk_archive::lock::ArchiveLock::take(
        &archive,
        desk_archive::lock::Mode::Exclusive,
        Duration::ZERO,
    )
    .unwrap();
    let busy = server.get("/");
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(busy.header("retry-after"), Some("5"));
    drop(lock);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn stops_on_sigterm_and_sigint_with_exit_0() {
    let (_dir, archive) = demo_archive();
    for signal in ["-TERM", "-INT"] {
        let mut server = Server::start(&archive, &[]);
        assert_eq!(server.get("/").status, 200);
        // An idle keep-alive connection must not keep the server up.
        let idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let pid = server.child.id().to_string();
        Command::new("kill").args([signal, &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{signal}: still running");
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(idle);
        assert_eq!(status.code(), Some(0), "{signal}");
    }
}

#[test]
fn refuses_what_is_not_an_archive_and_bad_addresses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("plain")).unwrap();
    for (args, needle) in [
        (vec!["serve", "plain"], "is not an archive"),
        (vec!["serve", "missing"], "is not a directory"),
    ] {
        let (code, stdout, stderr) = crate::cli::run(dir.path(), &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stdout.is_empty());
    }
    let archive = dir.path().join("archive");
    render_archive("tests/fixtures/search/records", &archive);
    let (code, _, stderr) = crate::cli::run(dir.path(), &["serve", "archive", "--bind", "nowhere"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--bind `nowhere`"), "{stderr}");
    // A port already taken is a clear error, not a panic.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let (code, _, stderr) = crate::cli::run(dir.path(), &["serve", "archive", "--bind", &bind]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}
