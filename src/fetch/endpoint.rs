//! Where requests go: the region → host table (API.md §3) and `--endpoint` base URLs.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

/// The path of the one API call we make, appended to every base URL.
pub const API_PATH: &str = "/v4/desk_http_svc/describe_chat_messages";

/// A Tencent Cloud Chat data-centre region (`--region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Region {
    /// Mainland China (the default; every Desk doc example uses it).
    #[default]
    China,
    /// Singapore.
    Singapore,
    /// Seoul.
    Seoul,
    /// Tokyo.
    Tokyo,
    /// Frankfurt.
    Frankfurt,
    /// Mumbai.
    Mumbai,
    /// Silicon Valley.
    SiliconValley,
    /// Jakarta.
    Jakarta,
}

impl Region {
    /// Every region, in the order of the documentation.
    pub const ALL: [Region; 8] = [
        Region::China,
        Region::Singapore,
        Region::Seoul,
        Region::Tokyo,
        Region::Frankfurt,
        Region::Mumbai,
        Region::SiliconValley,
        Region::Jakarta,
    ];

    /// The REST domain of the region (API.md §3).
    pub fn host(self) -> &'static str {
        match self {
            Region::China => "console.tim.qq.com",
            Region::Singapore => "adminapisgp.im.qcloud.com",
            Region::Seoul => "adminapikr.im.qcloud.com",
            Region::Tokyo => "adminapijpn.im.qcloud.com",
            Region::Frankfurt => "adminapiger.im.qcloud.com",
            Region::Mumbai => "adminapiind.im.qcloud.com",
            Region::SiliconValley => "adminapiusa.im.qcloud.com",
            Region::Jakarta => "adminapiidn.im.qcloud.com",
        }
    }

    /// The `--region` spelling.
    pub fn name(self) -> &'static str {
        match self {
            Region::China => "china",
            Region::Singapore => "singapore",
            Region::Seoul => "seoul",
            Region::Tokyo => "tokyo",
            Region::Frankfurt => "frankfurt",
            Region::Mumbai => "mumbai",
            Region::SiliconValley => "silicon-valley",
            Region::Jakarta => "jakarta",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown region `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// The full request URL (without query) for a region.
pub fn endpoint_for_region(region: Region) -> Url {
    let text = format!("https://{}{API_PATH}", region.host());
    // A fixed host from our own table always parses.
    Url::parse(&text).unwrap_or_else(|e| unreachable!("built-in endpoint {text}: {e}"))
}

/// Resolves an `--endpoint` base URL: a trailing `/` is dropped and [`API_PATH`] appended.
/// The second value is a warning for plain http to a host that is not loopback (the
/// UserSig would travel in clear).
pub fn endpoint_from_base(base: &str) -> Result<(Url, Option<String>), String> {
    let url = Url::parse(base.trim()).map_err(|e| format!("invalid endpoint `{base}`: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "endpoint `{base}` must start with https:// or http://"
        ));
    }
    let Some(host) = url.host() else {
        return Err(format!("endpoint `{base}` has no host"));
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "endpoint `{base}` must not have a query or fragment"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("endpoint must not carry a user name or password".to_owned());
    }
    let warning = (url.scheme() == "http" && !is_loopback(&host))
        .then(|| format!("endpoint `{base}` is plain http: the UserSig will travel unencrypted"));
    let mut full = url.clone();
    full.set_path(&format!("{}{API_PATH}", url.path().trim_end_matches('/')));
    Ok((full, warning))
}

/// Loopback addresses and the `localhost` names (RFC 6761 reserves them for loopback).
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_its_host() {
        let expected = [
            ("china", "console.tim.qq.com"),
            ("singapore", "adminapisgp.im.qcloud.com"),
            ("seoul", "adminapikr.im.qcloud.com"),
            ("tokyo", "adminapijpn.im.qcloud.com"),
            ("frankfurt", "adminapiger.im.qcloud.com"),
            ("mumbai", "adminapiind.im.qcloud.com"),
            ("silicon-valley", "adminapiusa.im.qcloud.com"),
            ("jakarta", "adminapiidn.im.qcloud.com"),
        ];
        for (name, host) in expected {
            let region: Region = name.parse().unwrap();
            assert_eq!(region.host(), host);
            assert_eq!(region.to_string(), name);
            assert_eq!(
                endpoint_for_region(region).as_str(),
                format!("https://{host}/v4/desk_http_svc/describe_chat_messages")
            );
        }
        assert_eq!(Region::default(), Region::China);
        assert!("China".parse::<Region>().is_err());
        assert!(
            "mars"
                .parse::<Region>()
                .unwrap_err()
                .contains("silicon-valley")
        );
    }

    #[test]
    fn base_urls_get_the_api_path() {
        let cases = [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/v4/desk_http_svc/describe_chat_messages",
            ),
            (
                "http://127.0.0.1:8080/",
                "http://127.0.0.1:8080/v4/desk_http_svc/describe_chat_messages",
            ),
            (
                "https://proxy.example.com/desk/",
                "https://proxy.example.com/desk/v4/desk_http_svc/describe_chat_messages",
            ),
            (
                "https://proxy.example.com/desk",
                "https://proxy.example.com/desk/v4/desk_http_svc/describe_chat_messages",
            ),
        ];
        for (base, full) in cases {
            let (url, warning) = endpoint_from_base(base).unwrap();
            assert_eq!(url.as_str(), full);
            assert_eq!(warning, None, "{base}");
        }
    }

    #[test]
    fn plain_http_warns_unless_loopback() {
        for quiet in [
            "http://127.0.0.2:1",
            "http://[::1]:8080",
            "http://localhost:9",
            "http://a.localhost",
        ] {
            assert_eq!(endpoint_from_base(quiet).unwrap().1, None, "{quiet}");
        }
        for loud in [
            "http://desk.example.com",
            "http://10.0.0.1:8080",
            "http://[::2]",
        ] {
            let warning = endpoint_from_base(loud).unwrap().1.unwrap();
            assert!(warning.contains("plain http"), "{loud}: {warning}");
        }
    }

    #[test]
    fn bad_bases_are_refused() {
        for bad in [
            "",
            "desk.example.com",
            "ftp://desk.example.com",
            "https://h.invalid/?a=1",
            "https://u:p@h.invalid",
        ] {
            assert!(endpoint_from_base(bad).is_err(), "{bad}");
        }
    }
}
