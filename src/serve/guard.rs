//! What `serve` refuses before a file is looked up (SPEC §11): a `Host` it does not answer
//! for (421, so a web page cannot read the archive through DNS rebinding), a method other
//! than GET and HEAD (405), and a path that could name something outside `data/` however a
//! file system or a later decoding reads it (400).

use std::net::{IpAddr, SocketAddr};

use axum::http::{Method, StatusCode, Uri};
use percent_encoding::percent_decode_str;

/// The request checks, resolved once.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// The address the server listens on (its real port, also when 0 was asked for).
    pub(crate) bound: SocketAddr,
    /// Extra host names (`--allow-host`), lowercase.
    pub(crate) allow_hosts: Vec<String>,
}

impl Guard {
    /// `Ok` when the request may go on to the files; else the status to answer with.
    pub(crate) fn check(
        &self,
        method: &Method,
        uri: &Uri,
        host: Option<&str>,
    ) -> Result<(), StatusCode> {
        // An absolute-form target (`GET http://name/ HTTP/1.1`) names its host too.
        let authority_ok = uri
            .authority()
            .is_none_or(|a| self.host_allowed(a.as_str()));
        if !(host.is_some_and(|h| self.host_allowed(h)) && authority_ok) {
            return Err(StatusCode::MISDIRECTED_REQUEST);
        }
        if method != Method::GET && method != Method::HEAD {
            return Err(StatusCode::METHOD_NOT_ALLOWED);
        }
        if !path_is_safe(uri.path()) {
            return Err(StatusCode::BAD_REQUEST);
        }
        Ok(())
    }

    /// Whether a `Host` value names this server: the bound address, `localhost` or an
    /// allowed name, with the bound port (which a client may leave out only when it is 80).
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        let port_ok = match port {
            Some(p) => p == self.bound.port(),
            None => self.bound.port() == 80,
        };
        if !port_ok {
            return false;
        }
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if name == "localhost" || self.allow_hosts.contains(&name) {
            return true;
        }
        match name.parse::<IpAddr>() {
            // Listening on every address, any of ours may be used. An address is never a
            // rebinding risk: a page can only send it as Host when served from it.
            Ok(ip) => self.bound.ip().is_unspecified() || ip == self.bound.ip(),
            Err(_) => false,
        }
    }
}

/// Splits `name[:port]` or `[v6][:port]`; `None` when it is neither.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (ip, port)
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty() || (!host.starts_with('[') && name.contains(':')) {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((name, port))
}

/// Whether a request path stays inside `data/` on any reading: no backslash, no encoded
/// dot, slash, backslash or NUL, no control character once decoded, and no segment that
/// starts with a dot (`.`, `..`, hidden files — the archive has none).
pub(crate) fn path_is_safe(raw: &str) -> bool {
    if !raw.starts_with('/') || raw.contains('\\') {
        return false;
    }
    let lower = raw.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return false;
    }
    let Ok(decoded) = percent_decode_str(raw).decode_utf8() else {
        return false;
    };
    !decoded.chars().any(char::is_control) && decoded.split('/').all(|s| !s.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(bound: &str, allow: &[&str]) -> Guard {
        Guard {
            bound: bound.parse().unwrap(),
            allow_hosts: allow.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn hosts_answered_are_the_bound_address_localhost_and_allowed_names() {
        let g = guard("127.0.0.1:8000", &["archive.internal"]);
        for ok in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST:8000",
            "localhost.:8000",
            "archive.internal:8000",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for refused in [
            "evil.example:8000",
            "127.0.0.1:8001",
            "127.0.0.1",
            "localhost",
            "127.0.0.2:8000",
            "localhost.evil.example:8000",
            "",
            ":8000",
            "localhost:80:8000",
            "[::1]:8000",
        ] {
            assert!(!g.host_allowed(refused), "{refused}");
        }
        let v6 = guard("[::1]:8000", &[]);
        assert!(v6.host_allowed("[::1]:8000") && !v6.host_allowed("[::2]:8000"));
        let port80 = guard("127.0.0.1:80", &[]);
        assert!(port80.host_allowed("localhost") && port80.host_allowed("127.0.0.1"));
    }

    #[test]
    fn only_get_and_head_with_a_known_host_reach_the_files() {
        let g = guard("127.0.0.1:8000", &[]);
        let uri: Uri = "/index.html".parse().unwrap();
        let host = Some("127.0.0.1:8000");
        assert_eq!(g.check(&Method::GET, &uri, host), Ok(()));
        assert_eq!(g.check(&Method::HEAD, &uri, host), Ok(()));
        assert_eq!(
            g.check(&Method::POST, &uri, host),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            g.check(&Method::GET, &uri, None),
            Err(StatusCode::MISDIRECTED_REQUEST)
        );
        let absolute: Uri = "http://evil.example:8000/index.html".parse().unwrap();
        assert_eq!(
            g.check(&Method::GET, &absolute, host),
            Err(StatusCode::MISDIRECTED_REQUEST)
        );
    }

    #[test]
    fn hostile_paths_are_refused() {
        for ok in [
            "/",
            "/index.html",
            "/sessions/a-1.html",
            "/search/x.pf_meta",
            "/a%20b",
        ] {
            assert!(path_is_safe(ok), "{ok}");
        }
        for bad in [
            "/../bagit.txt",
            "/sessions/../../etc/passwd",
            "/%2e%2e/bagit.txt",
            "/%2E%2E%2Fbagit.txt",
            "/..%2fbagit.txt",
            "/sessions%2f..%2f..%2fbagit.txt",
            "/..\\bagit.txt",
            "/%5c..%5cbagit.txt",
            "/index.html%00.png",
            "/a%0ab",
            "/.hidden",
            "/%ff",
            "relative",
        ] {
            assert!(!path_is_safe(bad), "{bad}");
        }
    }
}
