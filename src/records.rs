//! Raw records (SPEC §3): one JSON file per session holding every message object exactly
//! as the API sent it, and the file-name stems that keep any SessionId safe on disk.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::bag::FileDigests;
use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};

/// Session metadata: the extra CSV columns of the sessions file, in column order.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// One session's complete transcript, as kept in `data/records/<stem>.json`.
///
/// `messages` are kept as [`RawValue`]s so that every byte the API sent (key order, number
/// spelling, unknown fields) survives a round trip.
#[derive(Debug, Serialize, Deserialize)]
pub struct Record {
    /// The session's id, as given by the user and sent to the API.
    #[serde(rename = "SessionId")]
    pub session_id: String,
    /// The API's TotalCount; equals `messages.len()` in records we write.
    #[serde(rename = "TotalCount", default)]
    pub total_count: u64,
    /// Every message object, oldest first, byte for byte.
    #[serde(rename = "Messages")]
    pub messages: Vec<Box<RawValue>>,
    /// When the record was completed (RFC 3339).
    #[serde(rename = "FetchedAt", default)]
    pub fetched_at: String,
    /// Extra columns of the sessions file.
    #[serde(rename = "Metadata", default)]
    pub metadata: Metadata,
}

/// A record parsed for reading only, its messages borrowed from the file's bytes (a
/// [`Record`] copies every message into an allocation of its own: 290 MB of copies for
/// 10,000 sessions). Accepts and rejects exactly what [`Record`] does.
#[derive(Debug, Deserialize)]
pub struct RecordRef<'a> {
    /// The session's id.
    #[serde(rename = "SessionId")]
    pub session_id: String,
    /// The API's TotalCount.
    #[serde(rename = "TotalCount", default)]
    pub total_count: u64,
    /// Every message object, oldest first, byte for byte.
    #[serde(rename = "Messages", borrow)]
    pub messages: Vec<&'a RawValue>,
    /// When the record was completed (RFC 3339).
    #[serde(rename = "FetchedAt", default)]
    pub fetched_at: String,
    /// Extra columns of the sessions file.
    #[serde(rename = "Metadata", default)]
    pub metadata: Metadata,
}

impl<'a> RecordRef<'a> {
    /// Parses a record file's bytes. `path` only labels the error.
    pub fn from_slice(bytes: &'a [u8], path: &Path) -> Result<RecordRef<'a>> {
        serde_json::from_slice(bytes).map_err(|source| Error::Json {
            path: path.into(),
            source,
        })
    }
}

impl Record {
    /// Parses a record file's bytes. `path` only labels the error.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Record> {
        serde_json::from_slice(bytes).map_err(|source| Error::Json {
            path: path.into(),
            source,
        })
    }

    /// Reads and parses a record file.
    pub fn read(path: &Path) -> Result<Record> {
        Record::from_slice(&fsutil::read(path)?, path)
    }

    /// Serialises the record: the header fields first, then one message per line, so that
    /// records diff and grep well. Messages are written verbatim.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size: usize = self.messages.iter().map(|m| m.get().len() + 2).sum();
        let mut out = Vec::with_capacity(size + 256);
        let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
        out.extend_from_slice(b"{\"SessionId\":");
        out.extend_from_slice(string(&self.session_id).as_bytes());
        out.extend_from_slice(format!(",\"TotalCount\":{}", self.total_count).as_bytes());
        out.extend_from_slice(b",\"FetchedAt\":");
        out.extend_from_slice(string(&self.fetched_at).as_bytes());
        out.extend_from_slice(b",\"Metadata\":");
        out.extend_from_slice(
            serde_json::to_string(&self.metadata)
                .unwrap_or_default()
                .as_bytes(),
        );
        out.extend_from_slice(b",\"Messages\":[");
        for (i, message) in self.messages.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            out.extend_from_slice(message.get().as_bytes());
        }
        out.extend_from_slice(if self.messages.is_empty() {
            b"]}\n"
        } else {
            b"\n]}\n"
        });
        out
    }
}

/// Path of the record for `session_id` inside a records directory.
pub fn record_path(records_dir: &Path, session_id: &str) -> PathBuf {
    records_dir.join(format!("{}.json", stem(session_id)))
}

/// Writes complete records into one directory, from many threads at once.
///
/// Each write is what [`fsutil::write_atomic`] does — temporary file, sync, rename, and
/// nothing rewritten when the bytes on disk are already these — except that creating and
/// renaming files in the directory take a lock of ours. On ext4, creating a file can scan
/// the inode bitmap for a millisecond while holding the directory's lock, and threads
/// waiting for that lock spin on a CPU: with 32 writers on 2 cores that was a tenth of the
/// fetcher's CPU time, taken from the requests. Waiting on our lock sleeps instead, and
/// the sync, the slow part, still runs in parallel.
#[derive(Debug)]
pub struct RecordWriter {
    dir: PathBuf,
    dir_lock: Mutex<()>,
    /// Size and digests of each record written, by stem, for the bag.
    written: Mutex<Vec<(String, FileDigests)>>,
}

impl RecordWriter {
    /// A writer into `records_dir` (created on the first write if missing).
    pub fn new(records_dir: &Path) -> RecordWriter {
        RecordWriter {
            dir: records_dir.to_owned(),
            dir_lock: Mutex::new(()),
            written: Mutex::new(Vec::new()),
        }
    }

    /// The directory written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a complete record atomically and durably; unchanged bytes are not rewritten.
    /// Blocks (it syncs to disk).
    pub fn write(&self, record: &Record) -> Result<WriteOutcome> {
        let path = record_path(&self.dir, &record.session_id);
        let bytes = record.to_bytes();
        let outcome = fsutil::write_atomic_in_shared_dir(&path, &bytes, &self.dir_lock)?;
        if outcome == WriteOutcome::Written {
            // Hashed while the bytes are at hand, so the bag need not read the record back.
            let digests = FileDigests::of(&bytes);
            let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
            written.push((stem(&record.session_id), digests));
        }
        Ok(outcome)
    }

    /// Every record written so far, by stem, with its size and digests; taken, so a second
    /// call gives only what was written since.
    pub fn take_written(&self) -> Vec<(String, FileDigests)> {
        std::mem::take(&mut *self.written.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The file-name stem for a SessionId (SPEC §3): `[a-z0-9-]`, at most 100 bytes, never
/// colliding. A lowercase canonical UUID is its own stem; anything else becomes
/// `<slug>-<first 20 hex digits of SHA-256(id)>`. A hashed stem ends in 20 hex digits after
/// its last `-`, a UUID in 12, so the two forms can never meet.
pub fn stem(session_id: &str) -> String {
    if is_lowercase_uuid(session_id) {
        return session_id.to_owned();
    }
    let mut slug = String::with_capacity(40);
    let mut in_run = false;
    for c in session_id.chars().flat_map(char::to_lowercase) {
        if slug.len() >= 40 {
            break;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
            in_run = false;
        } else if !in_run {
            slug.push('-');
            in_run = true;
        }
    }
    let digest = Sha256::digest(session_id.as_bytes());
    let hash = hex::encode(digest);
    format!("{slug}-{}", &hash[..20])
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with lowercase hex digits.
fn is_lowercase_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// What is needed of a record before rendering it, read in one parse without keeping the
/// messages: its SessionId, FetchedAt and earliest message time. The same records as
/// [`Record`] are rejected.
#[derive(Debug, Clone)]
pub struct RecordHead {
    /// The SessionId.
    pub session_id: String,
    /// When the record was completed.
    pub fetched_at: String,
    /// The earliest message `Timestamp`, which orders the sessions.
    pub first_ms: Option<i64>,
}

impl RecordHead {
    /// Parses a record file's bytes. `path` only labels the error.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<RecordHead> {
        let record: ScanRecord = serde_json::from_slice(bytes).map_err(|source| Error::Json {
            path: path.into(),
            source,
        })?;
        Ok(RecordHead {
            first_ms: record.messages.iter().filter_map(|s| s.0).min(),
            session_id: record.session_id,
            fetched_at: record.fetched_at,
        })
    }

    /// Reads and parses a record file's head.
    pub fn read(path: &Path) -> Result<RecordHead> {
        RecordHead::from_slice(&fsutil::read(path)?, path)
    }
}

/// The fields of [`Record`] with the same types, and each message's time.
#[derive(Deserialize)]
struct ScanRecord {
    #[serde(rename = "SessionId")]
    session_id: String,
    #[serde(rename = "TotalCount", default)]
    _total_count: u64,
    #[serde(rename = "Messages")]
    messages: Vec<Stamp>,
    #[serde(rename = "FetchedAt", default)]
    fetched_at: String,
    #[serde(rename = "Metadata", default)]
    _metadata: Metadata,
}

/// A message's `Timestamp` in ms, if it has exactly one that reads as an integer. Any JSON
/// value is accepted (as [`Record`] accepts any message); what is not an object with a
/// usable `Timestamp` gives `None`, as a failed per-message parse did before.
struct Stamp(Option<i64>);

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Stamp, D::Error> {
        d.deserialize_any(StampVisitor)
    }
}

struct StampVisitor;

impl<'de> serde::de::Visitor<'de> for StampVisitor {
    type Value = Stamp;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a message")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Stamp, A::Error> {
        let mut stamp: Option<Box<RawValue>> = None;
        let mut duplicate = false;
        while let Some(is_timestamp) = map.next_key::<IsTimestamp>()? {
            if is_timestamp.0 {
                duplicate |= stamp.is_some();
                stamp = Some(map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        // A duplicate field failed the derived per-message parse this replaces.
        Ok(Stamp(
            stamp.filter(|_| !duplicate).and_then(|raw| stamp_ms(&raw)),
        ))
    }
    /// The derived parse read a one-element array as the struct's one field.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Stamp, A::Error> {
        let first = seq.next_element::<Box<RawValue>>()?;
        let mut more = false;
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            more = true;
        }
        Ok(Stamp(
            first.filter(|_| !more).and_then(|raw| stamp_ms(&raw)),
        ))
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
    fn visit_unit<E>(self) -> std::result::Result<Stamp, E> {
        Ok(Stamp(None))
    }
}

/// A Timestamp's value in ms. Re-parsed from the raw text, so that one that is not valid
/// as a `Value` (a lone surrogate in a string) only loses this message's time, as before.
fn stamp_ms(raw: &RawValue) -> Option<i64> {
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        // The message view's rule (`model`): `1.7e12` is a time too, so that sessions are
        // ordered by the time their pages show.
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A map key, compared with `Timestamp` without allocating.
struct IsTimestamp(bool);

impl<'de> Deserialize<'de> for IsTimestamp {
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<IsTimestamp, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = IsTimestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, key: &str) -> std::result::Result<IsTimestamp, E> {
                Ok(IsTimestamp(key == "Timestamp"))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn scan_reads_times_like_a_per_message_parse() {
        let text = r#"{"SessionId":"s","Messages":[
            {"Timestamp":50},{"Timestamp":" 40 "},{"Timestamp":30,"Timestamp":1},
            [20],[10,11],5,"x",null,{"Timestamp":"\ud800"},{"T":1,"Timestamp":{"a":[1]}}]}"#;
        let record: ScanRecord = serde_json::from_str(text).unwrap();
        let times: Vec<_> = record.messages.iter().map(|s| s.0).collect();
        assert_eq!(
            times,
            [
                Some(50),
                Some(40),
                None,
                Some(20),
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
        assert!(
            serde_json::from_str::<ScanRecord>(r#"{"SessionId":"s","Messages":[],"Metadata":1}"#)
                .is_err()
        );
    }

    fn is_safe(stem: &str) -> bool {
        !stem.is_empty()
            && stem.len() <= 100
            && stem
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    #[test]
    fn uuid_is_its_own_stem() {
        let id = "b0f4ca12-4850-4218-a284-efe679a87066";
        assert_eq!(stem(id), id);
    }

    #[test]
    fn uppercase_uuid_is_hashed() {
        let id = "B0F4CA12-4850-4218-A284-EFE679A87066";
        let s = stem(id);
        assert!(
            s.starts_with("b0f4ca12-4850-4218-a284-efe679a87066-"),
            "{s}"
        );
        assert_ne!(s, stem(&id.to_lowercase()));
    }

    #[test]
    fn hostile_ids_get_safe_distinct_stems() {
        let long = "x".repeat(1000);
        let ids = [
            "../../x",
            "a/b",
            "a\\b",
            "CON",
            "con",
            "Con",
            "nul.txt",
            ".",
            "..",
            "",
            " ",
            "会话-123",
            "🙂",
            "a\u{202e}b",
            "a\0b",
            &long,
        ];
        let stems: Vec<String> = ids.iter().map(|id| stem(id)).collect();
        for (id, s) in ids.iter().zip(&stems) {
            assert!(is_safe(s), "{id:?} -> {s:?}");
        }
        let unique: std::collections::HashSet<_> = stems.iter().collect();
        assert_eq!(unique.len(), ids.len(), "stems collide: {stems:?}");
    }

    #[test]
    fn slug_follows_the_spec() {
        let digest = hex::encode(Sha256::digest(b"../../x"));
        assert_eq!(stem("../../x"), format!("-x-{}", &digest[..20]));
        let digest = hex::encode(Sha256::digest(b"Ticket #42"));
        assert_eq!(stem("Ticket #42"), format!("ticket-42-{}", &digest[..20]));
        let long = "ab".repeat(100);
        let s = stem(&long);
        assert_eq!(s.len(), 40 + 1 + 20);
    }

    #[test]
    fn record_round_trip_keeps_message_bytes() {
        let json = br#"{"SessionId":"s1","TotalCount":2,"Messages":[{"b":1.50,"a":"x"}, {"z":[1e3]}],"FetchedAt":"2026-01-01T00:00:00Z","Extra":1}"#;
        let record = Record::from_slice(json, Path::new("r.json")).unwrap();
        let bytes = record.to_bytes();
        let again = Record::from_slice(&bytes, Path::new("r.json")).unwrap();
        assert_eq!(again.messages[0].get(), r#"{"b":1.50,"a":"x"}"#);
        assert_eq!(again.messages[1].get(), r#"{"z":[1e3]}"#);
        assert_eq!(again.to_bytes(), bytes);
    }

    #[test]
    fn writer_writes_atomically_and_skips_unchanged_records() {
        let dir = tempfile::tempdir().unwrap();
        let writer = RecordWriter::new(&dir.path().join("records"));
        let json = br#"{"SessionId":"s/1","TotalCount":1,"Messages":[{"a":1}]}"#;
        let record = Record::from_slice(json, Path::new("r.json")).unwrap();
        assert_eq!(writer.write(&record).unwrap(), WriteOutcome::Written);
        assert_eq!(writer.write(&record).unwrap(), WriteOutcome::Unchanged);
        let path = record_path(writer.dir(), "s/1");
        assert_eq!(fs::read(&path).unwrap(), record.to_bytes());
        let names: Vec<_> = fs::read_dir(writer.dir()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    }

    #[test]
    fn lone_surrogates_are_accepted_in_raw_messages() {
        let json = br#"{"SessionId":"s","TotalCount":1,"Messages":[{"T":"\ud800x"}]}"#;
        let record = Record::from_slice(json, Path::new("r.json")).unwrap();
        assert_eq!(record.messages[0].get(), r#"{"T":"\ud800x"}"#);
    }
}
