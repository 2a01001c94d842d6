//! What to do with each answer (the normative action table, API.md §5 / SPEC §2). How
//! long to wait before trying again is [`crate::throttle::Backoff`]'s business.

use super::wire::Answer;

/// The fetcher's reaction to one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A page: use it.
    Accept,
    /// Credentials or application rejected: stop the whole run (exit 2).
    StopRun,
    /// This session cannot be fetched; the others go on (exit 1).
    FailSession,
    /// The UserSig expired or was invalidated: renew it once, then retry.
    Renew,
    /// A transient failure: retry with backoff, up to `--retries` times.
    Retry,
    /// An unknown error code: retry at most `min(--retries, 3)` times.
    RetryUnknown,
}

/// Classifies an answer. Pure, so that every code of the table is unit-tested.
pub(crate) fn classify(answer: &Answer) -> Action {
    match answer {
        Answer::Page(_) => Action::Accept,
        Answer::ApiError { code, .. } => classify_code(*code),
        Answer::Http { status, .. } => classify_status(*status),
        Answer::NoConnection(_) | Answer::Transport(_) | Answer::BadBody(_) => Action::Retry,
    }
}

/// The action for a non-zero `ErrorCode`.
pub(crate) fn classify_code(code: i64) -> Action {
    match code {
        141000
        | 60002..=60006
        | 60009
        | 60010
        | 60012
        | 60015..=60017
        | 60020
        | 70002
        | 70003
        | 70005
        | 70009
        | 70013
        | 70014
        | 70016
        | 70020
        | 70050
        | 70051
        | 70107
        | 70403 => Action::StopRun,
        141004 | 141010 | 70402 => Action::FailSession,
        70001 | 70052 => Action::Renew,
        // 600xx rate limits, internal errors and timeouts; 909xx and 91000 are the message
        // service's internal errors.
        141002
        | 141009
        | 60007
        | 60008
        | 60011
        | 60013
        | 60014
        | 60018
        | 60019
        | 70169
        | 70500
        | 90900..=90999
        | 91000 => Action::Retry,
        _ => Action::RetryUnknown,
    }
}

/// The action for a non-2xx HTTP status.
fn classify_status(status: u16) -> Action {
    match status {
        408 | 429 => Action::Retry,
        // Redirects are never followed (the UserSig is in the query); a proxy or load
        // balancer sends them in passing, so they are retried like a 5xx (SPEC §9).
        300..=399 => Action::Retry,
        400..=499 => Action::StopRun,
        _ => Action::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(code: i64) -> Action {
        classify(&Answer::ApiError {
            code,
            info: String::new(),
        })
    }

    fn status(status: u16) -> Action {
        classify(&Answer::Http { status })
    }

    #[test]
    fn every_code_of_the_table() {
        let stop = [
            141000, 60002, 60003, 60004, 60005, 60006, 60009, 60010, 60012, 60015, 60016, 60017,
            60020, 70002, 70003, 70005, 70009, 70013, 70014, 70016, 70020, 70050, 70051, 70107,
            70403,
        ];
        let fail = [141004, 141010, 70402];
        let renew = [70001, 70052];
        let retry = [
            141002, 141009, 60007, 60008, 60011, 60013, 60014, 60018, 60019, 70169, 70500, 90992,
            90994, 90995, 91000,
        ];
        let unknown = [
            1, -1, 80001, 80002, 141001, 141003, 60001, 60021, 70000, 99999,
        ];
        let table = [
            (&stop[..], Action::StopRun),
            (&fail[..], Action::FailSession),
            (&renew[..], Action::Renew),
            (&retry[..], Action::Retry),
            (&unknown[..], Action::RetryUnknown),
        ];
        for (codes, action) in table {
            for &c in codes {
                assert_eq!(code(c), action, "ErrorCode {c}");
            }
        }
    }

    #[test]
    fn http_statuses_and_transport() {
        for s in [301, 302, 303, 307, 308, 408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(status(s), Action::Retry, "HTTP {s}");
        }
        for s in [400, 401, 403, 404, 405, 410, 413, 451] {
            assert_eq!(status(s), Action::StopRun, "HTTP {s}");
        }
        assert_eq!(
            classify(&Answer::Transport("timeout".into())),
            Action::Retry
        );
        assert_eq!(
            classify(&Answer::BadBody("truncated".into())),
            Action::Retry
        );
    }
}
