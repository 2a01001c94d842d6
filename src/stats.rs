//! Per-session statistics computed from records alone (SPEC §5), and archive totals.
//! (Skeleton: the stats helper owns and completes this file.)

use serde::Serialize;

use crate::model::Message;

/// Messages per role.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RoleCounts {
    /// All messages, whatever their role.
    pub total: u64,
    /// Role 1.
    pub customer: u64,
    /// Role 2.
    pub agent: u64,
    /// Role 3.
    pub system: u64,
}

/// One session's figures. Times are Unix ms; a figure that does not exist is `None`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionStats {
    /// Messages per role.
    pub messages: RoleCounts,
    /// Earliest Timestamp.
    pub first_message_ms: Option<i64>,
    /// Latest Timestamp.
    pub last_message_ms: Option<i64>,
    /// last − first.
    pub duration_ms: Option<i64>,
    /// First agent answer to the first customer run.
    pub first_response_ms: Option<i64>,
}

/// Computes a session's statistics.
pub fn session_stats(messages: &[Message]) -> SessionStats {
    let mut stats = SessionStats::default();
    for m in messages {
        stats.messages.total += 1;
        match m.role {
            crate::model::Role::Customer => stats.messages.customer += 1,
            crate::model::Role::Agent => stats.messages.agent += 1,
            crate::model::Role::System => stats.messages.system += 1,
            crate::model::Role::Other => {}
        }
    }
    stats
}
