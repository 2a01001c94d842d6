//! UserSig (TLSSigAPIv2, API.md §2): generating and checking the signature that
//! authenticates REST calls, and [`Secret`], the wrapper that keeps keys out of output.

use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// Tencent's default UserSig lifetime (180 days), kept by the `usersig` command.
pub const DEFAULT_EXPIRE_SECS: u64 = 86_400 * 180;

/// A secret string (a secret key or a UserSig). Its `Debug` and `Display` print
/// `[redacted]`, so it can sit in structs that get logged without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: call only where it must go on the wire or into an HMAC.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Generates a UserSig for `identifier`, valid for `expire_secs` from `now_unix_secs`.
pub fn gen_usersig(
    sdkappid: u64,
    secret_key: &str,
    identifier: &str,
    expire_secs: u64,
    now_unix_secs: i64,
) -> String {
    gen_usersig_with_userbuf(
        sdkappid,
        secret_key,
        identifier,
        expire_secs,
        now_unix_secs,
        None,
    )
}

/// [`gen_usersig`] with an optional userbuf (only TRTC's PrivateMapKey uses one).
pub fn gen_usersig_with_userbuf(
    sdkappid: u64,
    secret_key: &str,
    identifier: &str,
    expire_secs: u64,
    now_unix_secs: i64,
    userbuf: Option<&[u8]>,
) -> String {
    let userbuf = userbuf.map(|b| STANDARD.encode(b));
    let fields = Fields {
        identifier,
        sdkappid,
        time: now_unix_secs,
        expire: expire_secs,
        userbuf: userbuf.as_deref(),
    };
    let sig = fields.hmac(secret_key);
    // Python's key order (ver, identifier, sdkappid, expire, time, userbuf, sig); serde_json's
    // preserve_order feature keeps insertion order.
    let mut doc = Map::new();
    doc.insert("TLS.ver".into(), "2.0".into());
    doc.insert("TLS.identifier".into(), identifier.into());
    doc.insert("TLS.sdkappid".into(), sdkappid.into());
    doc.insert("TLS.expire".into(), expire_secs.into());
    doc.insert("TLS.time".into(), now_unix_secs.into());
    if let Some(userbuf) = fields.userbuf {
        doc.insert("TLS.userbuf".into(), userbuf.into());
    }
    doc.insert("TLS.sig".into(), sig.into());
    let json = Value::Object(doc).to_string();
    encode_compressed(json.as_bytes())
}

/// The signed fields of a UserSig.
struct Fields<'a> {
    identifier: &'a str,
    sdkappid: u64,
    time: i64,
    expire: u64,
    userbuf: Option<&'a str>,
}

impl Fields<'_> {
    /// The exact string the HMAC covers (API.md §2 step 2).
    fn signed_string(&self) -> String {
        let mut s = format!(
            "TLS.identifier:{}\nTLS.sdkappid:{}\nTLS.time:{}\nTLS.expire:{}\n",
            self.identifier, self.sdkappid, self.time, self.expire
        );
        if let Some(userbuf) = self.userbuf {
            s.push_str(&format!("TLS.userbuf:{userbuf}\n"));
        }
        s
    }

    /// Standard base64 of HMAC-SHA256 keyed with the key's text (not hex-decoded).
    fn hmac(&self, secret_key: &str) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(self.signed_string().as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// zlib, standard base64, then `+ / =` → `* - _`.
fn encode_compressed(bytes: &[u8]) -> String {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let compressed = encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .unwrap_or_else(|_| unreachable!("in-memory zlib cannot fail"));
    STANDARD
        .encode(compressed)
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// Decodes a UserSig into its JSON document (reverse substitutions, base64, inflate),
/// without checking the signature. Errors say which step failed.
pub fn decode_usersig(usersig: &str) -> Result<Map<String, Value>, String> {
    let b64: String = usersig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect();
    let compressed = STANDARD
        .decode(b64)
        .map_err(|e| format!("not base64: {e}"))?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| format!("not zlib: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("not a JSON object: {e}"))
}

/// Checks a UserSig the way Tencent's verifiers do (Go's `VerifyUserSig`): sdkappid,
/// identifier, expiry (`now <= time + expire`) and the HMAC. The error names the first
/// mismatch (and never contains the key).
pub fn verify_usersig(
    sdkappid: u64,
    secret_key: &str,
    identifier: &str,
    usersig: &str,
    now_unix_secs: i64,
) -> Result<(), VerifyError> {
    let doc = decode_usersig(usersig).map_err(VerifyError::Malformed)?;
    let str_field = |k: &str| doc.get(k).and_then(Value::as_str);
    let malformed = |k: &str| VerifyError::Malformed(format!("missing or mistyped {k}"));
    let fields = Fields {
        identifier: str_field("TLS.identifier").ok_or_else(|| malformed("TLS.identifier"))?,
        sdkappid: doc
            .get("TLS.sdkappid")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("TLS.sdkappid"))?,
        time: doc
            .get("TLS.time")
            .and_then(Value::as_i64)
            .ok_or_else(|| malformed("TLS.time"))?,
        expire: doc
            .get("TLS.expire")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("TLS.expire"))?,
        userbuf: str_field("TLS.userbuf"),
    };
    if fields.sdkappid != sdkappid {
        return Err(VerifyError::SdkAppIdMismatch);
    }
    if fields.identifier != identifier {
        return Err(VerifyError::IdentifierMismatch);
    }
    let sig = str_field("TLS.sig").ok_or_else(|| malformed("TLS.sig"))?;
    if sig != fields.hmac(secret_key) {
        return Err(VerifyError::BadSignature);
    }
    let expires_at = fields
        .time
        .saturating_add(i64::try_from(fields.expire).unwrap_or(i64::MAX));
    if now_unix_secs > expires_at {
        return Err(VerifyError::Expired);
    }
    Ok(())
}

/// Why [`verify_usersig`] rejected a UserSig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a UserSig at all (bad encoding or fields).
    Malformed(String),
    /// Signed for another SDKAppID.
    SdkAppIdMismatch,
    /// Signed for another identifier.
    IdentifierMismatch,
    /// The HMAC does not match the key.
    BadSignature,
    /// Past `time + expire`.
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    const SIG: &str = "3cjTnO/gKL/+FXJRADCK1V3clKvy6z5MYmn9ENXsWkI=";
    const PYTHON: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkElNyM-NgUsUp2YkFBZkpQAlDEwMogMqlVhRkFqWCZExNTY0Q4iWZuWBRczT1xZnpIPONk7NC8vz107199LXdIryCHF2cvQ3DjJNzvMsqzapMfSNz8yxd-SKKw7M9bZVqAWFSMd8_";
    const NODE: &str = "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5UInilOzEgoLMFCUrQxMDKIDIlGTmpipZGZqjiqZWFGQWgcRNTU2N4KLFmelKVkrGyVkhef766d4**tpuEV5Bji7O3oZhxsk53mWVZlWmvpG5eZaufhHF4dmetkq1AO37MH8_";

    fn assert_vector_fields(doc: &Map<String, Value>, sig: &str) {
        assert_eq!(doc["TLS.ver"], "2.0");
        assert_eq!(doc["TLS.identifier"], "admin");
        assert_eq!(doc["TLS.sdkappid"], 1_400_000_000u64);
        assert_eq!(doc["TLS.expire"], 15_552_000u64);
        assert_eq!(doc["TLS.time"], 1_700_000_000u64);
        assert_eq!(doc["TLS.sig"], sig);
    }

    #[test]
    fn signed_string_is_exact() {
        let fields = Fields {
            identifier: "admin",
            sdkappid: 1_400_000_000,
            time: 1_700_000_000,
            expire: 15_552_000,
            userbuf: None,
        };
        assert_eq!(
            fields.signed_string(),
            "TLS.identifier:admin\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:15552000\n"
        );
        assert_eq!(fields.hmac(KEY), SIG);
    }

    #[test]
    fn generated_sig_matches_the_vector() {
        let usersig = gen_usersig(1_400_000_000, KEY, "admin", 15_552_000, 1_700_000_000);
        assert!(
            usersig
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "*-_".contains(c))
        );
        let doc = decode_usersig(&usersig).unwrap();
        assert_vector_fields(&doc, SIG);
        assert_eq!(doc.len(), 6, "no extra fields: {doc:?}");
        assert_eq!(
            verify_usersig(1_400_000_000, KEY, "admin", &usersig, 1_700_000_000),
            Ok(())
        );
    }

    #[test]
    fn official_examples_decode_and_verify() {
        for example in [PYTHON, NODE] {
            let doc = decode_usersig(example).unwrap();
            assert_vector_fields(&doc, SIG);
            assert_eq!(
                verify_usersig(1_400_000_000, KEY, "admin", example, 1_700_000_001),
                Ok(())
            );
        }
    }

    #[test]
    fn userbuf_vector() {
        let usersig = gen_usersig_with_userbuf(
            1_400_000_000,
            KEY,
            "admin",
            15_552_000,
            1_700_000_000,
            Some(b"abc"),
        );
        let doc = decode_usersig(&usersig).unwrap();
        assert_eq!(doc["TLS.userbuf"], "YWJj");
        assert_vector_fields(&doc, "5F/XZmuRRtj9HB00sSt1ookpB0r9YhUPnojI9z/np3E=");
    }

    #[test]
    fn verify_rejects_what_it_should() {
        let usersig = gen_usersig(1_400_000_000, KEY, "admin", 3600, 1_700_000_000);
        let verify = |appid, key, id, now| verify_usersig(appid, key, id, &usersig, now);
        assert_eq!(verify(1_400_000_000, KEY, "admin", 1_700_003_600), Ok(()));
        assert_eq!(
            verify(1_400_000_000, KEY, "admin", 1_700_003_601),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            verify(1_400_000_000, "other", "admin", 1_700_000_000),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(1_400_000_001, KEY, "admin", 1_700_000_000),
            Err(VerifyError::SdkAppIdMismatch)
        );
        assert_eq!(
            verify(1_400_000_000, KEY, "root", 1_700_000_000),
            Err(VerifyError::IdentifierMismatch)
        );
        assert!(matches!(
            verify_usersig(1, KEY, "admin", "not a sig!", 0),
            Err(VerifyError::Malformed(_))
        ));
    }

    #[test]
    fn secret_never_prints() {
        let secret = Secret::new(KEY);
        assert_eq!(
            format!("{secret} {secret:?} {:?}", Some(&secret)),
            "[redacted] [redacted] Some([redacted])"
        );
        assert_eq!(secret.expose(), KEY);
    }
}
