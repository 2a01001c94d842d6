//! The Chat webhook's callback authentication: with an authentication token set in the
//! console, every callback URL carries `RequestTime` (Unix seconds) and
//! `Sign = hex(SHA-256(token + RequestTime))`. A request whose signature does not match, or
//! whose `RequestTime` is more than [`MAX_SKEW`] seconds off, is refused (a replayed request
//! is only good for that long).

use sha2::{Digest, Sha256};

/// How far `RequestTime` may be from our clock, in seconds.
pub const MAX_SKEW: i64 = 300;

/// Why a request failed the check (counted by reason; never holds the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignError {
    /// `Sign` or `RequestTime` is missing or not a number.
    Missing,
    /// `RequestTime` is more than [`MAX_SKEW`] seconds away from now.
    Stale,
    /// The signature does not match.
    Mismatch,
}

/// The signature of `request_time` under `token`, as lowercase hex.
pub fn sign(token: &str, request_time: &str) -> String {
    let digest = Sha256::new_with_prefix(token.as_bytes())
        .chain_update(request_time.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// Checks a request's `Sign` and `RequestTime` query values against `token` at `now`
/// (Unix seconds).
pub fn check(
    token: &str,
    sign_value: Option<&str>,
    request_time: Option<&str>,
    now: i64,
) -> Result<(), SignError> {
    let (Some(given), Some(time)) = (sign_value, request_time) else {
        return Err(SignError::Missing);
    };
    let seconds: i64 = time.parse().map_err(|_| SignError::Missing)?;
    if seconds.abs_diff(now) > MAX_SKEW.unsigned_abs() {
        return Err(SignError::Stale);
    }
    let expected = sign(token, time);
    if equal_ignoring_case(expected.as_bytes(), given.as_bytes()) {
        Ok(())
    } else {
        Err(SignError::Mismatch)
    }
}

/// Compares in time independent of where the first difference is, so that the signature
/// cannot be guessed byte by byte.
fn equal_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| {
        diff | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    }) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Tencent Cloud's callback documentation.
    #[test]
    fn documented_example() {
        assert_eq!(
            sign("xxxxyyyy", "1669872112"),
            "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
        );
        let good = "17773BC39A671D7B9AA835458704D2A6DB81360A5940292B587D6D760D484061";
        assert_eq!(
            check(
                "xxxxyyyy",
                Some(good),
                Some("1669872112"),
                1_669_872_112 + 300
            ),
            Ok(())
        );
    }

    #[test]
    fn stale_missing_and_wrong_are_refused() {
        let s = sign("t", "1000");
        assert_eq!(
            check("t", Some(&s), Some("1000"), 1301),
            Err(SignError::Stale)
        );
        assert_eq!(
            check("t", Some(&s), Some("1000"), 699),
            Err(SignError::Stale)
        );
        assert_eq!(
            check("t", None, Some("1000"), 1000),
            Err(SignError::Missing)
        );
        assert_eq!(
            check("t", Some(&s), Some("x"), 1000),
            Err(SignError::Missing)
        );
        assert_eq!(
            check("u", Some(&s), Some("1000"), 1000),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            check("t", Some(&s[..10]), Some("1000"), 1000),
            Err(SignError::Mismatch)
        );
    }
}
