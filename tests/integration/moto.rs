//! A real S3-compatible server for the publish tests: `moto_server` (PyPI `moto[server]`,
//! installed by scripts/test.sh) on 127.0.0.1, one for the whole test binary, with
//! authentication on, so that wrong credentials are refused as a real store refuses them.
//! Test-side requests (making buckets, tampering, reading headers) go through
//! `tests/tools/s3tool.py` with boto3.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The running server and the key pair of a user allowed everything.
pub(crate) struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    pub(crate) key_id: String,
    pub(crate) secret: String,
    /// The wrapper shell kills moto when this pipe closes, i.e. when the tests end.
    _lifeline: Mutex<ChildStdin>,
    /// The wrapper shell (never waited for: it ends with the test binary).
    _shell: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();
static MOTO_AUTH: OnceLock<Moto> = OnceLock::new();

/// The shared server, started on first use. It accepts any signature: moto 5.2's own
/// signature check rejects a correctly signed list request whose prefix has a `/`, so the
/// tests that list use this one.
pub(crate) fn moto() -> &'static Moto {
    MOTO.get_or_init(|| start(false))
}

/// A second server that checks every signature against the key pair it made, for the
/// wrong-credentials test.
pub(crate) fn moto_with_auth() -> &'static Moto {
    MOTO_AUTH.get_or_init(|| start(true))
}

fn tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/s3tool.py")
}

fn start(auth: bool) -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let log = std::env::temp_dir().join(format!("desk-archive-moto-{port}.log"));
    // With auth: three unauthenticated actions (the bootstrap's IAM calls), then every
    // request must be signed by a known key.
    let script = "moto_server -H 127.0.0.1 -p \"$1\" >\"$2\" 2>&1 & pid=$!; read -r _; kill $pid";
    let mut command = Command::new("sh");
    if auth {
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
    }
    let mut child = command
        .args(["-c", script, "sh", &port.to_string()])
        .arg(&log)
        .stdin(Stdio::piped())
        .spawn()
        .expect("cannot run sh");
    let lifeline = child.stdin.take().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_listening(port, &log);
    let out = Command::new("python3")
        .arg(tool())
        .arg("bootstrap")
        .env("S3TOOL_ENDPOINT", &endpoint)
        .output()
        .expect("python3 is missing: run scripts/test.sh");
    assert!(
        out.status.success(),
        "moto bootstrap failed (is moto[server] installed? run scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let key_id = lines.next().unwrap_or_default().to_owned();
    let secret = lines.next().unwrap_or_default().to_owned();
    Moto {
        endpoint,
        key_id,
        secret,
        _lifeline: Mutex::new(lifeline),
        _shell: Mutex::new(child),
    }
}

fn wait_until_listening(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "moto_server did not start on port {port} (is moto[server] installed? run scripts/test.sh): {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

impl Moto {
    /// Runs s3tool.py with the server's endpoint and the good key pair; returns stdout.
    pub(crate) fn tool(&self, args: &[&str]) -> String {
        let out = Command::new("python3")
            .arg(tool())
            .args(args)
            .env("S3TOOL_ENDPOINT", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", &self.key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "s3tool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Makes a new bucket.
    pub(crate) fn bucket(&self, name: &str) {
        self.tool(&["mkbucket", name]);
    }

    /// Every key in the bucket under `prefix`, sorted.
    pub(crate) fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .tool(&["list", bucket, prefix])
            .lines()
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }

    /// (Content-Type, Cache-Control) of an object.
    pub(crate) fn headers(&self, bucket: &str, key: &str) -> (String, String) {
        let text = self.tool(&["head", bucket, key]);
        let mut lines = text.lines().map(str::to_owned);
        (
            lines.next().unwrap_or_default(),
            lines.next().unwrap_or_default(),
        )
    }

    /// The environment the binary needs to reach the server with the good key pair.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("DESK_STORE_ENDPOINT", self.endpoint.clone()),
        ]
    }
}

/// Rewrites the manifests of the bag in `dir` after a test changed a file by hand.
pub(crate) fn rebag(dir: &Path) {
    let status = Command::new("python3")
        .arg(tool())
        .arg("rebag")
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "rebag failed");
}
