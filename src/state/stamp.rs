//! File stamps: what identifies one version of a file without reading it.

use std::fs::Metadata;

/// What identifies one version of a file without reading it, as git's index does: size,
/// modification and change times, inode and device. If all five are unchanged, the
/// content is taken to be unchanged (the stat cache's key, see
/// [`statcache`](super::statcache)). The change time cannot be set back by `touch`, and a
/// file replaced by another gets a new inode, so neither a back-dated edit nor a swapped
/// file passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Status change time, nanoseconds since the Unix epoch (0 where the platform has none).
    pub ctime_ns: i64,
    /// Inode number (0 where the platform has none).
    pub inode: u64,
    /// Device number (0 where the platform has none).
    pub device: u64,
}

/// Nanoseconds from seconds and nanoseconds. Saturating: only times past the year 2262
/// collide, and a collision merely costs the cache its certainty about two such files.
#[cfg(unix)]
fn nanos(secs: i64, nsec: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nsec)
}

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                size: meta.len(),
                mtime_ns: nanos(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: nanos(meta.ctime(), meta.ctime_nsec()),
                inode: meta.ino(),
                device: meta.dev(),
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
                ctime_ns: 0,
                inode: 0,
                device: 0,
            }
        }
    }
}
