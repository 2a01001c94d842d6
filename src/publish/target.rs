//! Where objects go and come from: a `--to` / `--remote` / `--records` URL turned into an
//! object store and a key prefix (SPEC §13). `s3://`, `cos://`, `gs://`, `az://` and
//! `file://` are understood; credentials come from the store's standard environment
//! variables or from a `--store-credentials` file, never from a flag value, and every
//! error this module or the store gives passes [`Target::redact`] before it is shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

use super::credentials::{self, Settings};

/// The kinds of store a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `s3://bucket/prefix`: AWS S3 or an S3-compatible store (`--store-endpoint`).
    S3,
    /// `cos://bucket-appid/prefix`: Tencent COS, virtual-hosted-style requests.
    Cos,
    /// `gs://bucket/prefix`: Google Cloud Storage.
    Gcs,
    /// `az://container/prefix`: Azure Blob Storage.
    Azure,
    /// `file:///path`: a local directory.
    File,
}

/// A store URL and what goes with it, resolved from flags, environment and config file.
#[derive(Debug, Clone)]
pub struct StoreSpec {
    /// The URL as given (checked: no user name or password, no query).
    pub url: String,
    /// Which store.
    pub scheme: Scheme,
    /// Bucket (or container) name; empty for `file://`.
    pub bucket: String,
    /// Key prefix without leading or trailing `/`; for `file://` the directory.
    pub prefix: String,
    /// `--store-endpoint` / `DESK_STORE_ENDPOINT`: base URL of an S3-compatible store.
    pub endpoint: Option<Url>,
    /// `--cos-region` (COS only).
    pub cos_region: Option<String>,
    /// `--store-credentials FILE`.
    pub credentials_file: Option<PathBuf>,
    /// An HTTP proxy for every request (tests use it to see the URLs a request goes to).
    pub proxy: Option<String>,
}

/// An opened store: the object_store client, the key prefix, and what it supports.
pub struct Target {
    /// The store client.
    pub store: Arc<dyn ObjectStore>,
    /// The key prefix every object of this target lives under (may be empty).
    pub prefix: Key,
    /// Whether the store keeps Content-Type and Cache-Control (the local file store does not).
    pub attributes: bool,
    /// The URL, for messages.
    pub url: String,
    /// Which kind of store.
    pub scheme: Scheme,
    /// Secret values that must never be shown; [`Target::redact`] removes them.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Retries and timeouts of store requests.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Retries of a failed request (5xx, 429, timeouts, connection errors).
    pub retries: usize,
    /// First backoff; doubled after each retry up to 15 s.
    pub backoff: Duration,
    /// Give up on a request (with its retries) after this long.
    pub retry_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            retries: 6,
            backoff: Duration::from_millis(200),
            retry_timeout: Duration::from_secs(180),
        }
    }
}

impl StoreSpec {
    /// Parses `url` (the `--to`, `--remote` or `--records` value) with its companions.
    /// Errors are one sentence naming the URL part that is wrong.
    pub fn parse(
        url: &str,
        endpoint: Option<&str>,
        cos_region: Option<&str>,
        credentials_file: Option<PathBuf>,
    ) -> Result<StoreSpec, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let scheme = match parsed.scheme() {
            "s3" => Scheme::S3,
            "cos" => Scheme::Cos,
            "gs" => Scheme::Gcs,
            "az" => Scheme::Azure,
            "file" => Scheme::File,
            other => {
                return Err(format!(
                    "`{other}://` is not a store this tool knows: use s3://, cos://, gs://, az:// or file://"
                ));
            }
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(
                "credentials do not belong in the store URL: use the store's environment variables or --store-credentials FILE"
                    .to_owned(),
            );
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(format!("`{url}`: a store URL has no `?` or `#` part"));
        }
        let (bucket, prefix) = if scheme == Scheme::File {
            let path = parsed
                .to_file_path()
                .map_err(|()| format!("`{url}` is not an absolute file:/// URL"))?;
            (String::new(), path.to_string_lossy().into_owned())
        } else {
            let bucket = parsed.host_str().unwrap_or_default().to_owned();
            if bucket.is_empty() {
                return Err(format!("`{url}` names no bucket"));
            }
            let prefix = percent_decode(parsed.path().trim_matches('/'))?;
            (bucket, prefix)
        };
        if scheme == Scheme::Cos && !is_cos_bucket(&bucket) {
            return Err(format!(
                "`{bucket}` is not a COS bucket name: use <name>-<appid>, e.g. cos://examplebucket-1250000000/desk"
            ));
        }
        let endpoint = endpoint.map(|e| parse_endpoint(e, scheme)).transpose()?;
        let cos_region = match (scheme, cos_region) {
            (Scheme::Cos, None) => {
                return Err(
                    "cos:// needs the bucket's region: --cos-region ap-guangzhou (or DESK_COS_REGION)"
                        .to_owned(),
                );
            }
            (Scheme::Cos, Some(r)) if !is_region(r) => {
                return Err(format!(
                    "`{r}` is not a COS region (e.g. ap-guangzhou, ap-singapore)"
                ));
            }
            (_, region) => region.map(str::to_owned),
        };
        Ok(StoreSpec {
            url: url.to_owned(),
            scheme,
            bucket,
            prefix,
            endpoint,
            cos_region,
            credentials_file,
            proxy: None,
        })
    }

    /// The base URL COS requests go to: the bucket's own host (virtual-hosted style), or
    /// `--store-endpoint` when given.
    pub fn cos_endpoint(&self) -> String {
        match &self.endpoint {
            Some(e) => e.as_str().trim_end_matches('/').to_owned(),
            None => format!(
                "https://{}.cos.{}.myqcloud.com",
                self.bucket,
                self.cos_region.as_deref().unwrap_or_default()
            ),
        }
    }
}

/// Opens the store a spec names. Reads the credentials file, if any; builds no connection
/// yet (the first request does).
pub fn open(spec: &StoreSpec, tuning: Tuning) -> Result<Target, String> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = credentials::settings(spec.scheme, &env, spec.credentials_file.as_deref())?;
    let secrets = settings.secrets();
    let redact = |e: String| credentials::redact(&e, &secrets);
    let (store, prefix, attributes): (Arc<dyn ObjectStore>, String, bool) = match spec.scheme {
        Scheme::File => {
            let dir = Path::new(&spec.prefix);
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
            let store = LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| format!("cannot open `{}`: {e}", dir.display()))?;
            (Arc::new(store), String::new(), false)
        }
        Scheme::S3 => (
            Arc::new(s3(spec, &settings, tuning).map_err(redact)?),
            spec.prefix.clone(),
            true,
        ),
        Scheme::Cos => (
            Arc::new(cos(spec, &settings, tuning).map_err(redact)?),
            spec.prefix.clone(),
            true,
        ),
        Scheme::Gcs => (
            Arc::new(gcs(spec, &settings, tuning).map_err(redact)?),
            spec.prefix.clone(),
            true,
        ),
        Scheme::Azure => (
            Arc::new(azure(spec, &settings, tuning).map_err(redact)?),
            spec.prefix.clone(),
            true,
        ),
    };
    let prefix = Key::parse(&prefix).map_err(|e| format!("`{}`: bad key prefix: {e}", spec.url))?;
    Ok(Target {
        store,
        prefix,
        attributes,
        url: spec.url.clone(),
        scheme: spec.scheme,
        secrets,
    })
}

impl Target {
    /// The store key of `rel` (a `/`-separated path relative to the prefix).
    pub fn key(&self, rel: &str) -> Result<Key, String> {
        let mut key = self.prefix.clone();
        for part in rel.split('/') {
            let part = object_store::path::PathPart::parse(part)
                .map_err(|e| format!("`{rel}` cannot be a store key: {e}"))?;
            if part.as_ref().is_empty() || part.as_ref() == "." || part.as_ref() == ".." {
                return Err(format!("`{rel}` cannot be a store key"));
            }
            key = key.join(part);
        }
        Ok(key)
    }

    /// `key` relative to the prefix, or `None` when it is not below it.
    pub fn relative(&self, key: &Key) -> Option<String> {
        let parts: Vec<String> = key
            .prefix_match(&self.prefix)?
            .map(|p| p.as_ref().to_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// `text` with every secret value of this target's credentials replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        credentials::redact(text, &self.secrets)
    }

    /// The store's error as one line, with its causes and without secrets.
    pub fn describe(&self, error: &object_store::Error) -> String {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        self.redact(&text.replace('\n', " "))
    }

    /// Why the store refused a request, in a few words: the S3 error code and HTTP status
    /// when the answer has them (`SignatureDoesNotMatch, HTTP 403`), else the whole error.
    pub fn refusal(&self, error: &object_store::Error) -> String {
        let text = self.describe(error);
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.to_owned());
        let status = ["401", "403"]
            .into_iter()
            .find(|s| text.contains(&format!("{s} ")));
        match (code, status) {
            (Some(code), Some(status)) => format!("{code}, HTTP {status}"),
            (Some(code), None) => code,
            _ => text,
        }
    }

    /// Where this store's credentials come from, for messages.
    pub fn credentials_hint(&self) -> &'static str {
        match self.scheme {
            Scheme::S3 => "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            Scheme::Cos => "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
            Scheme::Gcs => "GOOGLE_SERVICE_ACCOUNT",
            Scheme::Azure => "AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY",
            Scheme::File => "the file system permissions",
        }
    }
}

fn client_options(spec: &StoreSpec) -> ClientOptions {
    let agent = reqwest::header::HeaderValue::from_static(concat!(
        "desk-archive/",
        env!("CARGO_PKG_VERSION")
    ));
    let mut options = ClientOptions::new()
        .with_user_agent(agent)
        .with_connect_timeout(Duration::from_secs(10))
        // A 16 MiB part over a slow link takes longer than the default 30 s.
        .with_timeout(Duration::from_secs(300));
    if let Some(endpoint) = &spec.endpoint {
        options = options.with_allow_http(endpoint.scheme() == "http");
    }
    if let Some(proxy) = &spec.proxy {
        options = options.with_proxy_url(proxy).with_allow_http(true);
    }
    options
}

fn retry(tuning: Tuning) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: tuning.backoff,
            max_backoff: Duration::from_secs(15),
            base: 2.0,
        },
        max_retries: tuning.retries,
        retry_timeout: tuning.retry_timeout,
    }
}

fn s3(
    spec: &StoreSpec,
    settings: &Settings,
    tuning: Tuning,
) -> Result<object_store::aws::AmazonS3, String> {
    let mut builder = AmazonS3Builder::new()
        .with_client_options(client_options(spec))
        .with_retry(retry(tuning));
    for (name, value) in settings.with_prefix("AWS_") {
        if let Ok(key) = name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(key, value);
        }
    }
    builder = builder.with_bucket_name(&spec.bucket);
    if let Some(endpoint) = &spec.endpoint {
        builder = builder
            .with_endpoint(endpoint.as_str().trim_end_matches('/'))
            .with_allow_http(endpoint.scheme() == "http");
    }
    builder
        .build()
        .map_err(|e| format!("cannot open `{}`: {e}", spec.url))
}

/// Tencent COS through its S3-compatible API: SecretId/SecretKey sign like an AWS key
/// pair; COS refuses path-style requests, so requests are virtual-hosted with the
/// bucket's own host as the endpoint (object_store does not prepend the bucket itself).
fn cos(
    spec: &StoreSpec,
    settings: &Settings,
    tuning: Tuning,
) -> Result<object_store::aws::AmazonS3, String> {
    let (Some(id), Some(key)) = (
        settings.get("TENCENTCLOUD_SECRET_ID"),
        settings.get("TENCENTCLOUD_SECRET_KEY"),
    ) else {
        return Err("cos:// needs TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (in the environment or in --store-credentials FILE)".to_owned());
    };
    let endpoint = spec.cos_endpoint();
    let mut builder = AmazonS3Builder::new()
        .with_client_options(client_options(spec))
        .with_retry(retry(tuning))
        .with_access_key_id(id)
        .with_secret_access_key(key)
        .with_region(spec.cos_region.as_deref().unwrap_or_default())
        .with_bucket_name(&spec.bucket)
        .with_endpoint(&endpoint)
        .with_virtual_hosted_style_request(true)
        .with_allow_http(endpoint.starts_with("http://"));
    if let Some(token) = settings.get("TENCENTCLOUD_SESSION_TOKEN") {
        builder = builder.with_token(token);
    }
    builder
        .build()
        .map_err(|e| format!("cannot open `{}`: {e}", spec.url))
}

fn gcs(
    spec: &StoreSpec,
    settings: &Settings,
    tuning: Tuning,
) -> Result<object_store::gcp::GoogleCloudStorage, String> {
    let mut builder = GoogleCloudStorageBuilder::new()
        .with_client_options(client_options(spec))
        .with_retry(retry(tuning));
    for (name, value) in settings.with_prefix("GOOGLE_") {
        if let Ok(key) = name.to_ascii_lowercase().parse::<GoogleConfigKey>() {
            builder = builder.with_config(key, value);
        }
    }
    builder
        .with_bucket_name(&spec.bucket)
        .build()
        .map_err(|e| format!("cannot open `{}`: {e}", spec.url))
}

fn azure(
    spec: &StoreSpec,
    settings: &Settings,
    tuning: Tuning,
) -> Result<object_store::azure::MicrosoftAzure, String> {
    let mut builder = MicrosoftAzureBuilder::new()
        .with_client_options(client_options(spec))
        .with_retry(retry(tuning));
    for (name, value) in settings.with_prefix("AZURE_") {
        if let Ok(key) = name.to_ascii_lowercase().parse::<AzureConfigKey>() {
            builder = builder.with_config(key, value);
        }
    }
    builder
        .with_container_name(&spec.bucket)
        .build()
        .map_err(|e| format!("cannot open `{}`: {e}", spec.url))
}

/// Checks `--store-endpoint`: http or https with a host; plain http only to a loopback
/// host, since credentials and content would travel in clear.
fn parse_endpoint(endpoint: &str, scheme: Scheme) -> Result<Url, String> {
    if !matches!(scheme, Scheme::S3 | Scheme::Cos) {
        return Err("--store-endpoint applies to s3:// and cos:// only".to_owned());
    }
    let url = Url::parse(endpoint)
        .map_err(|e| format!("--store-endpoint `{endpoint}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("--store-endpoint: credentials do not belong in the URL".to_owned());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "--store-endpoint `{endpoint}`: plain http is allowed only to a loopback address (credentials and content would travel in clear); use https"
        )),
        _ => Err(format!(
            "--store-endpoint `{endpoint}` must be an http(s) URL"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `<name>-<appid>`: lowercase letters, digits and `-`, ending in `-` and the digits of
/// the APPID (COS's naming rule).
fn is_cos_bucket(bucket: &str) -> bool {
    let Some((name, appid)) = bucket.rsplit_once('-') else {
        return false;
    };
    !name.is_empty()
        && !appid.is_empty()
        && appid.bytes().all(|b| b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn percent_decode(path: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map(|p| p.into_owned())
        .map_err(|_| format!("`{path}` is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str) -> Result<StoreSpec, String> {
        StoreSpec::parse(url, None, Some("ap-guangzhou"), None)
    }

    #[test]
    fn urls_give_scheme_bucket_and_prefix() {
        let s = spec("s3://my-bucket/desk/archive/").unwrap();
        assert_eq!(
            (s.scheme, s.bucket.as_str(), s.prefix.as_str()),
            (Scheme::S3, "my-bucket", "desk/archive")
        );
        let s = spec("cos://examplebucket-1250000000/desk").unwrap();
        assert_eq!(s.scheme, Scheme::Cos);
        assert_eq!(
            s.cos_endpoint(),
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
        );
        let s = spec("file:///srv/site").unwrap();
        assert_eq!((s.scheme, s.prefix.as_str()), (Scheme::File, "/srv/site"));
        let s = spec("s3://b/a%20b").unwrap();
        assert_eq!(s.prefix, "a b");
        assert_eq!(spec("gs://b").unwrap().prefix, "");
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_secrets() {
        for (url, needle) in [
            ("http://example.com/x", "not a store"),
            ("s3:///x", "names no bucket"),
            ("cos://nobucketappid/x", "not a COS bucket"),
            ("s3://b/x?y=1", "no `?`"),
            ("not a url", "not a URL"),
        ] {
            let err = spec(url).unwrap_err();
            assert!(err.contains(needle), "{url}: {err}");
        }
        let err = spec("s3://AKID:hunter2@bucket/x").unwrap_err();
        assert!(
            err.contains("do not belong") && !err.contains("hunter2"),
            "{err}"
        );
        let err = StoreSpec::parse("cos://b-1/x", None, None, None).unwrap_err();
        assert!(err.contains("--cos-region"), "{err}");
    }

    #[test]
    fn plain_http_endpoints_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:9000",
            "http://localhost:9000/",
            "https://minio.example.com",
            "http://[::1]:9",
        ] {
            assert!(
                StoreSpec::parse("s3://b/p", Some(ok), None, None).is_ok(),
                "{ok}"
            );
        }
        let err =
            StoreSpec::parse("s3://b/p", Some("http://minio.example.com"), None, None).unwrap_err();
        assert!(err.contains("loopback"), "{err}");
        let err =
            StoreSpec::parse("gs://b/p", Some("https://x.example.com"), None, None).unwrap_err();
        assert!(err.contains("s3:// and cos://"), "{err}");
    }

    #[test]
    fn keys_are_joined_below_the_prefix() {
        let spec =
            StoreSpec::parse("s3://b/desk/site", Some("http://127.0.0.1:1"), None, None).unwrap();
        let target = open(&spec, Tuning::default()).unwrap();
        let key = target.key("sessions/a-b.html").unwrap();
        assert_eq!(key.as_ref(), "desk/site/sessions/a-b.html");
        assert_eq!(target.relative(&key).as_deref(), Some("sessions/a-b.html"));
        assert!(target.key("a/../b").is_err());
        assert!(target.relative(&Key::from("other/x")).is_none());
    }

    /// What a COS request looks like on the wire: virtual-hosted, to the bucket's own
    /// host, the key alone as the path. The store is built as for a real COS bucket, with
    /// only the scheme made http and a proxy on 127.0.0.1 that records the request (a
    /// proxy sees the absolute URL, so nothing is resolved or sent elsewhere).
    #[test]
    fn cos_requests_are_virtual_hosted_on_the_bucket_host() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            conn.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        let mut spec = StoreSpec::parse(
            "cos://examplebucket-1250000000/desk/site",
            None,
            Some("ap-guangzhou"),
            None,
        )
        .unwrap();
        let real = spec.cos_endpoint();
        spec.endpoint = Some(Url::parse(&real.replacen("https://", "http://", 1)).unwrap());
        spec.proxy = Some(proxy);
        let settings = Settings::from_pairs(&[
            ("TENCENTCLOUD_SECRET_ID", "AKIDexample"),
            ("TENCENTCLOUD_SECRET_KEY", "example-secret-key"),
        ]);
        let tuning = Tuning {
            retries: 0,
            ..Tuning::default()
        };
        let store = cos(&spec, &settings, tuning).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let key = Key::from("desk/site/.desk-archive-publish.json");
        let got = runtime.block_on(async {
            use object_store::ObjectStoreExt;
            store.get(&key).await
        });
        assert!(
            matches!(got, Err(object_store::Error::NotFound { .. })),
            "{got:?}"
        );
        let head = server.join().unwrap();
        let request_line = head.lines().next().unwrap_or_default();
        assert_eq!(
            request_line,
            "GET http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/desk/site/.desk-archive-publish.json HTTP/1.1"
        );
        let host = head.lines().find_map(|l| {
            l.strip_prefix("host: ")
                .or_else(|| l.strip_prefix("Host: "))
        });
        assert_eq!(
            host,
            Some("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
        );
        assert!(head.contains("Credential=AKIDexample/"), "{head}");
        assert!(head.contains("/ap-guangzhou/s3/aws4_request"), "{head}");
        assert!(!head.contains("example-secret-key"));
    }
}
