//! (temporary stub, replaced by the fetch branch)
#![allow(missing_docs)]
use std::path::Path;
use std::time::Duration;

use crate::usersig::Secret;

#[derive(Debug, Clone, Copy)]
pub enum Region {
    China,
}
impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "china" {
            Ok(Region::China)
        } else {
            Err(s.into())
        }
    }
}
pub fn endpoint_from_base(base: &str) -> Result<(url::Url, Option<String>), String> {
    url::Url::parse(base)
        .map(|u| (u, None))
        .map_err(|e| e.to_string())
}
pub fn endpoint_for_region(_r: Region) -> url::Url {
    url::Url::parse("https://console.tim.qq.com/v4/desk_http_svc/describe_chat_messages").unwrap()
}
#[derive(Debug)]
pub enum Credential {
    SecretKey(Secret),
    UserSig(Secret),
}
#[derive(Debug)]
pub struct FetchSettings {
    pub endpoint: url::Url,
    pub sdkappid: u64,
    pub identifier: String,
    pub credential: Credential,
    pub concurrency: usize,
    pub rate: f64,
    pub retries: u32,
    pub timeout: Duration,
    pub refresh: bool,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub retry_after_cap: Duration,
}
pub struct SessionRequest {
    pub session_id: String,
    pub metadata: crate::records::Metadata,
}
pub enum SessionOutcome {
    Archived {
        messages: u64,
        grew: bool,
    },
    AlreadyComplete,
    Failed {
        error_code: Option<i64>,
        reason: String,
    },
    NotFound {
        error_info: String,
    },
    Pending,
}
pub enum FetchEvent {
    Request,
    Retry { session_id: String, reason: String },
    RecordWritten { session_id: String, messages: u64 },
    Warning(String),
}
pub struct FetchReport {
    pub outcomes: Vec<(String, SessionOutcome)>,
    pub stopped: Option<String>,
    pub requests: u64,
    pub retries: u64,
}
pub fn fetch_sessions(
    _s: &FetchSettings,
    _v: Vec<SessionRequest>,
    _d: &Path,
    _e: &(dyn Fn(FetchEvent) + Sync),
) -> crate::Result<FetchReport> {
    todo!()
}
