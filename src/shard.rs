//! `--shard I/N` (SPEC §13): a session belongs to shard `I` of `N` when the first 8 bytes
//! of SHA-256(SessionId), read as a big-endian unsigned integer, modulo N equal I. Every
//! machine computes the same answer from the id alone, so N workers given the same list
//! fetch disjoint shares that together cover it.

use sha2::{Digest, Sha256};

/// One share of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, `0 ≤ index < count`.
    pub index: u64,
    /// How many shares.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N`; the error says what is wrong (for a usage error).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard `{text}`: expected I/N with 0 ≤ I < N, e.g. 0/4");
        let (index, count) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u64 = index.trim().parse().map_err(|_| bad())?;
        let count: u64 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the session belongs to this shard.
    pub fn contains(&self, session_id: &str) -> bool {
        shard_of(session_id, self.count) == self.index
    }
}

/// The shard of `session_id` among `count`.
pub fn shard_of(session_id: &str, count: u64) -> u64 {
    let digest = Sha256::digest(session_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // SHA-256("abc") starts ba7816bf8f01cfea = 13436514500253700074.
        assert_eq!(shard_of("abc", 1), 0);
        assert_eq!(shard_of("abc", 2), 0);
        assert_eq!(shard_of("abc", 3), 0);
        assert_eq!(shard_of("abc", 1000), 74);
        // SHA-256("") starts e3b0c44298fc1c14 = 16406829232824261652.
        assert_eq!(shard_of("", 7), 1);
        assert_eq!(shard_of("", 10), 2);
        assert_eq!(shard_of("", u64::MAX), 16406829232824261652);
    }

    #[test]
    fn shards_partition_the_ids() {
        let ids: Vec<String> = (0..1000).map(|i| format!("session-{i}")).collect();
        let shards: Vec<Shard> = (0..4).map(|i| Shard { index: i, count: 4 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1, "{id}");
        }
        let first = ids.iter().filter(|id| shards[0].contains(id)).count();
        assert!(
            (150..350).contains(&first),
            "{first} of 1000 in shard 0 of 4"
        );
    }

    #[test]
    fn parsing_checks_the_range() {
        assert_eq!(Shard::parse("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(Shard::parse("0/1"), Ok(Shard { index: 0, count: 1 }));
        for bad in ["4/4", "0/0", "1", "-1/4", "a/b", "1/4/2", ""] {
            let err = Shard::parse(bad).unwrap_err();
            assert!(err.contains("expected I/N"), "{bad}: {err}");
        }
    }
}
