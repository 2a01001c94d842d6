//! Retention (SPEC §14): which sessions `prune` erases — those whose last message is older
//! than the retention period — and the archive's own retention policy in bag-info.txt.
//! The period is never read from a shared config file: only `--retention-days` or the
//! archive's [`RETENTION_LABEL`], set by `prune --set-retention-days`, which also records a
//! minimum ([`MINIMUM_LABEL`]) that no later prune goes below without `--lower-retention`.

use super::scan::SessionFacts;

/// bag-info.txt label of the archive's retention period, in days.
pub const RETENTION_LABEL: &str = "Desk-Archive-Retention-Days";

/// bag-info.txt label of the least retention period a prune may use without
/// `--lower-retention`, in days.
pub const MINIMUM_LABEL: &str = "Desk-Archive-Retention-Minimum-Days";

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The reason an erasure by retention records, per session.
pub fn reason(days: u64) -> String {
    format!("retention: last message more than {days} days old")
}

/// Reads a day count from bag-info.txt.
pub fn parse_days(value: Option<&str>) -> Option<u64> {
    value?.trim().parse().ok()
}

/// Why `days` may not be used, given the recorded minimum, unless `lower` (the
/// `--lower-retention` flag).
pub fn below_minimum(days: u64, minimum: Option<u64>, lower: bool) -> Option<String> {
    match minimum {
        Some(min) if days < min && !lower => Some(format!(
            "{days} days is below this archive's minimum retention of {min} days \
             ({MINIMUM_LABEL} in bag-info.txt): give --lower-retention to go below it"
        )),
        _ => None,
    }
}

/// What a prune finds.
#[derive(Debug, Default)]
pub struct Expiry<'a> {
    /// Sessions whose last message is older than the period.
    pub expired: Vec<&'a SessionFacts>,
    /// Sessions without a plausible message time: their age cannot be told, so they are
    /// kept.
    pub undated: Vec<&'a SessionFacts>,
}

/// Sorts `sessions` by the period: expired when the last message is more than `days`
/// days before `now_ms`.
pub fn expiry(sessions: &[SessionFacts], now_ms: i64, days: u64) -> Expiry<'_> {
    let cutoff = now_ms.saturating_sub((days as i64).saturating_mul(DAY_MS));
    let mut out = Expiry::default();
    for s in sessions {
        match s.last_ms {
            Some(last) if last < cutoff => out.expired.push(s),
            Some(_) => {}
            None => out.undated.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: &str, last_ms: Option<i64>) -> SessionFacts {
        SessionFacts {
            session_id: id.into(),
            accounts: Default::default(),
            last_ms,
        }
    }

    #[test]
    fn expired_by_the_last_message_and_undated_kept() {
        let now = 1_767_225_600_000; // 2026-01-01
        let sessions = [
            facts("old", Some(now - 31 * DAY_MS)),
            facts("edge", Some(now - 30 * DAY_MS)),
            facts("new", Some(now - DAY_MS)),
            facts("undated", None),
        ];
        let e = expiry(&sessions, now, 30);
        let ids = |v: &[&SessionFacts]| v.iter().map(|s| s.session_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&e.expired), ["old"]);
        assert_eq!(ids(&e.undated), ["undated"]);
        assert!(expiry(&sessions, now, 400).expired.is_empty());
    }

    #[test]
    fn the_minimum_holds_unless_lowered() {
        assert!(below_minimum(30, Some(365), false).is_some());
        assert!(below_minimum(30, Some(365), true).is_none());
        assert!(below_minimum(400, Some(365), false).is_none());
        assert!(below_minimum(1, None, false).is_none());
        assert_eq!(parse_days(Some(" 365 ")), Some(365));
        assert_eq!(parse_days(Some("x")), None);
    }
}
