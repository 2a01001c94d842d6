//! File stamps: what identifies one version of a file without reading it.

use std::fs::Metadata;

/// What identifies one version of a file without reading it: if all three are unchanged,
/// the content is taken to be unchanged (the hash cache's key, see [`file`](super::file)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Inode number (0 where the platform has none).
    pub inode: u64,
}

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Saturating: only times past the year 2262 collide, and a collision merely
            // costs the cache its certainty about two such files.
            let mtime_ns = meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec());
            Stamp {
                size: meta.len(),
                mtime_ns,
                inode: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
            Stamp {
                size: meta.len(),
                mtime_ns,
                inode: 0,
            }
        }
    }
}
