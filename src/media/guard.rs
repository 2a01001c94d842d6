//! The network guard: which URLs may be requested and which addresses connected to. The
//! HTTP client's only DNS resolver is [`GuardedResolver`], which looks a name up once and
//! refuses it unless every address is public (or the host is allowed), so the connection
//! goes to exactly the addresses checked and no second lookup can rebind the name.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::address::is_public;

/// Hosts named with `--media-allow-host`, normalised (lowercase, no brackets, no final dot).
#[derive(Debug, Clone, Default)]
pub struct AllowList(HashSet<String>);

impl AllowList {
    /// Builds the list from the hosts as given.
    pub fn new<'a>(hosts: impl IntoIterator<Item = &'a String>) -> AllowList {
        AllowList(hosts.into_iter().map(|h| normalise(h)).collect())
    }

    /// Whether `host` was allowed.
    pub fn contains(&self, host: &str) -> bool {
        self.0.contains(&normalise(host))
    }
}

fn normalise(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Why a URL or address was refused (never retried).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A failed DNS lookup (never retried within a run).
#[derive(Debug, thiserror::Error)]
#[error("DNS lookup of `{host}` failed: {reason}")]
pub struct DnsFailed {
    /// The name looked up.
    pub host: String,
    /// Why.
    pub reason: String,
}

/// Checks a URL before it is requested: http(s) only, and an IP-literal host must be
/// public unless allowed (names are checked by [`GuardedResolver`]). Returns the URL
/// without user name or password, so no credentials are ever sent.
pub fn check_url(url: &Url, allow: &AllowList) -> Result<Url, Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused(format!("scheme `{}` is not http(s)", url.scheme())));
    }
    let ip: Option<IpAddr> = match url.host() {
        None => return Err(Refused("no host".into())),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(v4)) => Some(v4.into()),
        Some(Host::Ipv6(v6)) => Some(v6.into()),
    };
    if let Some(ip) = ip
        && !is_public(ip)
        && !allow.contains(url.host_str().unwrap_or_default())
    {
        return Err(Refused(format!("address {ip} is not public")));
    }
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_fragment(None);
    Ok(clean)
}

/// The DNS resolver of the media client.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// Allowed hosts.
    pub allow: Arc<AllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allow.contains(&host);
        Box::pin(async move {
            let addrs = lookup(&host).await?;
            if !allowed && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(Refused(format!(
                    "`{host}` resolves to {}, which is not public",
                    bad.ip()
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

async fn lookup(host: &str) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let failed = |reason: String| DnsFailed {
        host: host.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| Box::new(failed(e.to_string())))?
        .collect();
    if addrs.is_empty() {
        return Err(Box::new(failed("no address".into())));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, allow: &[&str]) -> Result<String, String> {
        let allow = AllowList::new(&allow.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        check_url(&Url::parse(url).unwrap(), &allow)
            .map(|u| u.to_string())
            .map_err(|e| e.0)
    }

    #[test]
    fn only_http_and_public_or_allowed_literals() {
        assert!(check("ftp://example.com/a", &[]).is_err());
        assert!(check("file:///etc/passwd", &[]).is_err());
        assert!(check("http://127.0.0.1/a", &[]).is_err());
        assert!(check("http://[::1]/a", &["127.0.0.1"]).is_err());
        assert!(check("http://[::ffff:10.0.0.1]/a", &[]).is_err());
        assert!(check("http://127.0.0.1:8/a", &["127.0.0.1"]).is_ok());
        assert!(check("http://[::1]/a", &["[::1]"]).is_ok());
        assert_eq!(
            check("https://u:p@example.com/a#f", &[]).unwrap(),
            "https://example.com/a"
        );
    }
}
