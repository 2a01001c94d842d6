//! Raw records (SPEC §3): one JSON file per session holding every message object exactly
//! as the API sent it, and the file-name stems that keep any SessionId safe on disk.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::digest::FileDigests;
use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};
use crate::wal::Wal;

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
        let bytes = without_bom(bytes);
        serde_json::from_slice(bytes).map_err(|source| parse_error(bytes, path, source))
    }
}

impl Record {
    /// Parses a record file's bytes. `path` only labels the error.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Record> {
        let bytes = without_bom(bytes);
        serde_json::from_slice(bytes).map_err(|source| parse_error(bytes, path, source))
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

/// The bytes after a UTF-8 byte order mark, if the file starts with one (editors on
/// Windows add it; a record keeps its bytes, so every reader skips it).
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The error for bytes that do not parse as a record: "not a desk record" when they are
/// not a JSON object with a string SessionId and a Messages array (serde's own words,
/// "invalid type: map, expected a string", say nothing to a user), else serde's error.
fn parse_error(bytes: &[u8], path: &Path, source: serde_json::Error) -> Error {
    let shaped = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(o)) => {
            o.get("SessionId").is_some_and(serde_json::Value::is_string)
                && o.get("Messages").is_some_and(serde_json::Value::is_array)
        }
        Ok(_) => false,
        // Not JSON at all (or cut short): serde's position is the useful part.
        Err(_) => true,
    };
    if shaped {
        Error::Json {
            path: path.into(),
            source,
        }
    } else {
        Error::NotARecord { path: path.into() }
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
    wal: Wal,
    /// Size and digests of each record written, by stem, for the bag.
    written: Mutex<Vec<(String, FileDigests)>>,
    /// Records kept aside because a re-fetch did not extend them (bag-relative paths).
    superseded: Mutex<Vec<String>>,
}

/// What [`RecordWriter::write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// A new record, or one that extends the old (its messages a byte-equal prefix).
    Written,
    /// The old record holds exactly these messages: left as it was, FetchedAt included.
    Unchanged,
    /// The old record's messages are not a prefix of the new: the old one was kept as
    /// this file (bag-relative), and the new one written.
    Superseded(String),
}

impl RecordWriter {
    /// A writer into `records_dir` (created on the first write if missing); every record
    /// goes through the write-ahead list `wal` (SPEC §9).
    pub fn new(records_dir: &Path, wal: Wal) -> RecordWriter {
        RecordWriter {
            dir: records_dir.to_owned(),
            dir_lock: Mutex::new(()),
            wal,
            written: Mutex::new(Vec::new()),
            superseded: Mutex::new(Vec::new()),
        }
    }

    /// The directory written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a complete record atomically and durably (SPEC §9): an existing record is
    /// replaced only when its messages are a byte-equal prefix of the new one's; when they
    /// are the same, nothing is written; otherwise the old record is kept as
    /// `<stem>.superseded-<n>.json`. Blocks (it syncs to disk).
    pub fn write(&self, record: &Record) -> Result<Written> {
        let path = record_path(&self.dir, &record.session_id);
        let stem = stem(&record.session_id);
        let mut outcome = Written::Written;
        if let Ok(old) = std::fs::read(&path) {
            match Record::from_slice(&old, &path) {
                Ok(old) if same_messages(&old, record) => return Ok(Written::Unchanged),
                Ok(old) if extends(&old, record) => {}
                // An old record that is not even a record is kept aside too: nothing the
                // archive held is ever dropped.
                _ => outcome = Written::Superseded(self.set_aside(&path, &stem, &old)?),
            }
        }
        let bytes = record.to_bytes();
        let rel = format!("data/records/{stem}.json");
        let wrote = fsutil::write_atomic_in_shared_dir(
            &path,
            &bytes,
            &self.dir_lock,
            Some((&self.wal, &rel)),
        )?;
        if wrote == WriteOutcome::Written {
            // Hashed while the bytes are at hand, so the bag need not read the record back.
            let digests = FileDigests::of(&bytes);
            let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
            written.push((stem, digests));
        }
        Ok(outcome)
    }

    /// Copies the old record to the first free `<stem>.superseded-<n>.json` (durably,
    /// through the write-ahead list) and returns that file's bag-relative path.
    fn set_aside(&self, path: &Path, stem: &str, old: &[u8]) -> Result<String> {
        let name = (1..)
            .map(|n| format!("{stem}.superseded-{n}.json"))
            .find(|name| !self.dir.join(name).exists())
            .unwrap_or_default();
        let rel = format!("data/records/{name}");
        fsutil::write_evidence(&self.dir.join(&name), old, &self.wal, &rel)?;
        tracing::warn!(
            "`{}`: the API's messages no longer begin with the archived ones; the old record \
             is kept as `{name}`",
            path.display()
        );
        let mut superseded = self.superseded.lock().unwrap_or_else(|p| p.into_inner());
        superseded.push(rel.clone());
        Ok(rel)
    }

    /// Every record written so far, by stem, with its size and digests; taken, so a second
    /// call gives only what was written since.
    pub fn take_written(&self) -> Vec<(String, FileDigests)> {
        std::mem::take(&mut *self.written.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The records set aside so far (bag-relative paths); taken.
    pub fn take_superseded(&self) -> Vec<String> {
        std::mem::take(&mut *self.superseded.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Whether two records hold the same messages, byte for byte, and the same metadata.
fn same_messages(old: &Record, new: &Record) -> bool {
    old.metadata == new.metadata && old.messages.len() == new.messages.len() && extends(old, new)
}

/// Whether `old`'s messages are a byte-equal prefix of `new`'s.
fn extends(old: &Record, new: &Record) -> bool {
    old.messages.len() <= new.messages.len()
        && old
            .messages
            .iter()
            .zip(&new.messages)
            .all(|(a, b)| a.get() == b.get())
}

/// Whether the record file at `path` is complete (SPEC §9): it parses, and it holds as
/// many messages as its TotalCount says. A record that is not is fetched (or imported)
/// again.
pub fn is_complete(path: &Path) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => RecordRef::from_slice(&bytes, path)
            .is_ok_and(|r| r.messages.len() as u64 == r.total_count),
        Err(_) => false,
    }
}

/// Whether a file name in `records/` is a superseded record (`<stem>.superseded-<n>.json`),
/// kept as evidence but not part of the site.
pub fn is_superseded(name: &str) -> bool {
    name.strip_suffix(".json")
        .and_then(|n| n.rsplit_once(".superseded-"))
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
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
    // No file name may start with `-` (a shell reads it as an option), so the slug loses
    // its leading and trailing `-`, and is `s` when nothing is left (SPEC §3).
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() { "s" } else { slug };
    let digest = Sha256::digest(session_id.as_bytes());
    let hash = hex::encode(digest);
    format!("{slug}-{}", &hash[..20])
}

/// Whether a record file name may carry a stem made by the rule before leading and
/// trailing `-` were trimmed from slugs: `-…` or `…--<20 hex>` (with any
/// `.superseded-<n>` suffix). Only such files can need a new name.
pub fn may_have_an_old_stem(name: &str) -> bool {
    let Some(base) = name.strip_suffix(".json") else {
        return false;
    };
    let stem = base.split_once(".superseded-").map_or(base, |(s, _)| s);
    stem.starts_with('-')
        || stem
            .rsplit_once('-')
            .is_some_and(|(head, hash)| head.ends_with('-') && hash.len() == 20)
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
        let bytes = without_bom(bytes);
        let record: ScanRecord =
            serde_json::from_slice(bytes).map_err(|source| parse_error(bytes, path, source))?;
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
        assert_eq!(stem("../../x"), format!("x-{}", &digest[..20]));
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

    fn record(json: &str) -> Record {
        Record::from_slice(json.as_bytes(), Path::new("r.json")).unwrap()
    }

    #[test]
    fn writer_writes_atomically_and_skips_unchanged_records() {
        let dir = tempfile::tempdir().unwrap();
        let writer = RecordWriter::new(&dir.path().join("records"), Wal::new(dir.path()));
        let first =
            record(r#"{"SessionId":"s/1","TotalCount":1,"FetchedAt":"a","Messages":[{"a":1}]}"#);
        assert_eq!(writer.write(&first).unwrap(), Written::Written);
        let path = record_path(writer.dir(), "s/1");
        // The same messages fetched again later: nothing rewritten, FetchedAt included.
        let again =
            record(r#"{"SessionId":"s/1","TotalCount":1,"FetchedAt":"b","Messages":[{"a":1}]}"#);
        assert_eq!(writer.write(&again).unwrap(), Written::Unchanged);
        assert_eq!(fs::read(&path).unwrap(), first.to_bytes());
        let names: Vec<_> = fs::read_dir(writer.dir()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
        // Written through the write-ahead list.
        let finished = crate::wal::Finished::read(dir.path());
        let sha: [u8; 32] = Sha256::digest(first.to_bytes()).into();
        assert!(finished.vouches(&format!("data/records/{}.json", stem("s/1")), &sha));
    }

    #[test]
    fn a_refetch_extends_a_record_or_keeps_the_old_one_aside() {
        let dir = tempfile::tempdir().unwrap();
        let writer = RecordWriter::new(&dir.path().join("records"), Wal::disabled());
        let path = record_path(writer.dir(), "s");
        writer
            .write(&record(
                r#"{"SessionId":"s","TotalCount":1,"Messages":[{"a":1}]}"#,
            ))
            .unwrap();
        let longer = record(r#"{"SessionId":"s","TotalCount":2,"Messages":[{"a":1},{"b":2}]}"#);
        assert_eq!(writer.write(&longer).unwrap(), Written::Written);
        assert!(writer.take_superseded().is_empty());
        let changed = record(r#"{"SessionId":"s","TotalCount":2,"Messages":[{"a":9},{"b":2}]}"#);
        let kept = format!("data/records/{}.superseded-1.json", stem("s"));
        assert_eq!(
            writer.write(&changed).unwrap(),
            Written::Superseded(kept.clone())
        );
        assert_eq!(writer.take_superseded(), std::slice::from_ref(&kept));
        let aside = dir.path().join(kept.strip_prefix("data/").unwrap());
        assert_eq!(fs::read(aside).unwrap(), longer.to_bytes());
        assert_eq!(fs::read(&path).unwrap(), changed.to_bytes());
        assert!(is_superseded(&format!("{}.superseded-1.json", stem("s"))));
        assert!(!is_superseded("s.json"));
    }

    #[test]
    fn a_bom_is_skipped_and_a_stranger_file_is_named_not_a_record() {
        let with_bom = b"\xEF\xBB\xBF{\"SessionId\":\"s\",\"TotalCount\":0,\"Messages\":[]}";
        assert!(Record::from_slice(with_bom, Path::new("r.json")).is_ok());
        assert!(RecordRef::from_slice(with_bom, Path::new("r.json")).is_ok());
        assert!(RecordHead::from_slice(with_bom, Path::new("r.json")).is_ok());
        let err = RecordHead::from_slice(br#"{"sessions":[]}"#, Path::new("x.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`x.json` is not a desk record: expected a JSON object with SessionId and Messages"
        );
        let err = Record::from_slice(br#"{"SessionId":"s","Messages":[}"#, Path::new("y.json"))
            .unwrap_err();
        assert!(matches!(err, Error::Json { .. }), "{err}");
    }

    #[test]
    fn no_stem_starts_or_ends_its_slug_with_a_dash() {
        let at = stem("@customer_service_account");
        assert!(at.starts_with("customer-service-account-"), "{at}");
        assert!(stem("x@").starts_with("x-"));
        assert!(!stem("x@").starts_with("x--"));
        assert!(stem("@@@").starts_with("s-"));
        assert!(stem("").starts_with("s-"));
        assert!(may_have_an_old_stem("-customer-91451f49848ea1b4953e.json"));
        assert!(may_have_an_old_stem("x--91451f49848ea1b4953e.json"));
        assert!(may_have_an_old_stem(
            "-a-91451f49848ea1b4953e.superseded-2.json"
        ));
        assert!(!may_have_an_old_stem(&format!("{}.json", stem("x@"))));
        assert!(!may_have_an_old_stem(
            "0e62e965-258b-4a6f-8ae6-b5b5799f09b1.json"
        ));
    }

    #[test]
    fn incomplete_records_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        fs::write(
            &path,
            r#"{"SessionId":"s","TotalCount":2,"Messages":[{"a":1}]}"#,
        )
        .unwrap();
        assert!(!is_complete(&path));
        fs::write(
            &path,
            r#"{"SessionId":"s","TotalCount":1,"Messages":[{"a":1}"#,
        )
        .unwrap();
        assert!(!is_complete(&path));
        fs::write(
            &path,
            r#"{"SessionId":"s","TotalCount":1,"Messages":[{"a":1}]}"#,
        )
        .unwrap();
        assert!(is_complete(&path));
    }

    #[test]
    fn lone_surrogates_are_accepted_in_raw_messages() {
        let json = br#"{"SessionId":"s","TotalCount":1,"Messages":[{"T":"\ud800x"}]}"#;
        let record = Record::from_slice(json, Path::new("r.json")).unwrap();
        assert_eq!(record.messages[0].get(), r#"{"T":"\ud800x"}"#);
    }
}
