//! What a publish must do, decided from the archive and what the target holds: which
//! objects to upload, in which order (tiers), which to delete, and each object's headers.
//! Pure functions, so that the ordering guarantee is unit-tested without a store.
//!
//! Order (SPEC §13), so that a reader never meets a link to an object not yet there:
//! tier 0, every new or changed object that is not an index; tier 1, index pages — the
//! top-level files of the site (`index.html`, `index.md`, `stats.json`, `coverage.json`),
//! agent pages (`agents/…`), `media/index.json` and a search index's entry file; in a bag
//! publish tier 2, the tag files, then tier 3, the tag manifests that vouch for them. The
//! publish manifest follows, and deletions come last.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::Kind;
use super::manifest::NAME;
use super::source::LocalObject;

/// How many tiers there are.
pub const TIERS: usize = 4;

/// The work of one publish.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Indices into the local objects to upload, per tier, in key order.
    pub uploads: [Vec<usize>; TIERS],
    /// Objects the target already holds with the right checksum.
    pub unchanged: usize,
    /// Keys (relative to the prefix) to delete, sorted.
    pub deletions: Vec<String>,
}

impl Plan {
    /// Objects to upload in all tiers.
    pub fn upload_count(&self) -> usize {
        self.uploads.iter().map(Vec::len).sum()
    }
}

/// What the target holds, as far as the publish knows it.
#[derive(Debug)]
pub struct Remote<'a> {
    /// The publish manifest's objects.
    pub manifest: &'a BTreeMap<String, String>,
    /// Every key under the prefix, when the store was listed (for `--delete` and erasure).
    pub listing: Option<&'a [String]>,
}

/// Decides uploads and deletions. With `delete`, every object under the prefix that the
/// archive does not hold goes; without it, only objects of erased sessions do: those whose
/// key names an erased stem, and — once the archive has erased sessions — every object the
/// last publish put there that the archive no longer holds (media and search files of the
/// erased sessions are among them).
pub fn plan(
    local: &[LocalObject],
    remote: &Remote<'_>,
    erased: &[String],
    delete: bool,
    kind: Kind,
) -> Plan {
    let mut plan = Plan::default();
    for (i, object) in local.iter().enumerate() {
        if remote.manifest.get(&object.key) == Some(&object.sha256) {
            plan.unchanged += 1;
        } else {
            plan.uploads[tier(&object.key, kind)].push(i);
        }
    }
    let held: HashSet<&str> = local.iter().map(|o| o.key.as_str()).collect();
    let stems: HashSet<&str> = erased.iter().map(String::as_str).collect();
    let mut candidates: BTreeSet<&str> = remote.manifest.keys().map(String::as_str).collect();
    candidates.extend(
        remote
            .listing
            .unwrap_or_default()
            .iter()
            .map(String::as_str),
    );
    plan.deletions = candidates
        .into_iter()
        .filter(|key| *key != NAME && !held.contains(key))
        .filter(|key| {
            delete
                || (!stems.is_empty()
                    && (remote.manifest.contains_key(*key)
                        || erased_stem(key, kind).is_some_and(|s| stems.contains(s))))
        })
        .map(str::to_owned)
        .collect();
    plan
}

/// The stem a session's own object is named after (`records/<stem>.json`,
/// `records/<stem>.superseded-<n>.json`, `sessions/<stem>.html`, `sessions/<stem>.md`).
fn erased_stem(key: &str, kind: Kind) -> Option<&str> {
    let key = site_key(key, kind)?;
    let file = key
        .strip_prefix("records/")
        .or_else(|| key.strip_prefix("sessions/"))?;
    // Stems are `[a-z0-9-]`: the first `.` or `/` ends one.
    let end = file.find(['.', '/']).unwrap_or(file.len());
    Some(&file[..end])
}

/// The key relative to the site (`data/`), or `None` for a bag's tag files.
fn site_key(key: &str, kind: Kind) -> Option<&str> {
    match kind {
        Kind::Site => Some(key),
        Kind::Bag => key.strip_prefix("data/"),
    }
}

/// The upload tier of a key (see the module docs).
pub fn tier(key: &str, kind: Kind) -> usize {
    let Some(site) = site_key(key, kind) else {
        return if key.starts_with("tagmanifest-") {
            3
        } else {
            2
        };
    };
    let index = !site.contains('/')
        || site.starts_with("agents/")
        || site == "media/index.json"
        || site.ends_with("pagefind-entry.json");
    usize::from(index)
}

/// The Content-Type of an object, from its name. Media are stored under names whose
/// extension the tool chose from the content's magic bytes (never one a browser would
/// run), so the extension is trustworthy here.
pub fn content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "json" => "application/json",
        "jsonl" => "application/jsonl",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "wav" => "audio/wav",
        "amr" => "audio/amr",
        "ogg" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "aac" => "audio/aac",
        "m4a" => "audio/mp4",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The Cache-Control of an object: media files are named by their SHA-256 and never
/// change, everything else may change at the next publish.
pub fn cache_control(key: &str, kind: Kind) -> &'static str {
    let site = site_key(key, kind).unwrap_or(key);
    if site.starts_with("media/") && site != "media/index.json" {
        "max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(key: &str, sha: &str) -> LocalObject {
        LocalObject {
            key: key.into(),
            path: key.into(),
            sha256: sha.into(),
            size: 1,
        }
    }

    fn keys(local: &[LocalObject], ids: &[usize]) -> Vec<String> {
        ids.iter().map(|&i| local[i].key.clone()).collect()
    }

    #[test]
    fn uploads_only_what_differs_in_tier_order() {
        let local = vec![
            obj("assets/style.css", "1"),
            obj("index.html", "2"),
            obj("media/ab/ab12.png", "3"),
            obj("sessions/a.html", "4"),
            obj("stats.json", "5"),
        ];
        let manifest: BTreeMap<String, String> = [
            ("assets/style.css", "1"),
            ("sessions/a.html", "old"),
            ("index.html", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let remote = Remote {
            manifest: &manifest,
            listing: None,
        };
        let plan = plan(&local, &remote, &[], false, Kind::Site);
        assert_eq!(plan.unchanged, 2);
        assert_eq!(
            keys(&local, &plan.uploads[0]),
            ["media/ab/ab12.png", "sessions/a.html"]
        );
        assert_eq!(keys(&local, &plan.uploads[1]), ["stats.json"]);
        assert!(plan.deletions.is_empty());
    }

    #[test]
    fn bag_tiers_put_tag_manifests_last() {
        assert_eq!(tier("data/sessions/a.html", Kind::Bag), 0);
        assert_eq!(tier("data/index.html", Kind::Bag), 1);
        assert_eq!(tier("data/agents/x.html", Kind::Bag), 1);
        assert_eq!(tier("manifest-sha256.txt", Kind::Bag), 2);
        assert_eq!(tier("bag-info.txt", Kind::Bag), 2);
        assert_eq!(tier("tagmanifest-sha512.txt", Kind::Bag), 3);
        assert_eq!(tier("media/index.json", Kind::Site), 1);
        assert_eq!(tier("media/ab/x.png", Kind::Site), 0);
    }

    #[test]
    fn deletions_need_delete_or_an_erasure() {
        let local = vec![obj("index.html", "1")];
        let manifest: BTreeMap<String, String> = [
            ("index.html", "1"),
            ("sessions/gone.html", "2"),
            ("media/ab/x.png", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let listing: Vec<String> = [
            "index.html",
            NAME,
            "sessions/gone.html",
            "media/ab/x.png",
            "sessions/erased-1.html",
            "records/erased-1.superseded-1.json",
            "notes/mine.txt",
        ]
        .map(String::from)
        .to_vec();
        let remote = Remote {
            manifest: &manifest,
            listing: Some(&listing),
        };
        let none = plan(&local, &remote, &[], false, Kind::Site);
        assert!(none.deletions.is_empty());
        let all = plan(&local, &remote, &[], true, Kind::Site);
        assert_eq!(all.deletions.len(), 5, "{:?}", all.deletions);
        assert!(!all.deletions.contains(&NAME.to_owned()));
        let erased = plan(&local, &remote, &["erased-1".into()], false, Kind::Site);
        assert_eq!(
            erased.deletions,
            [
                "media/ab/x.png",
                "records/erased-1.superseded-1.json",
                "sessions/erased-1.html",
                "sessions/gone.html"
            ]
        );
    }

    #[test]
    fn headers_by_name() {
        assert_eq!(content_type("sessions/a.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("media/ab/x.svg.txt"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type("media/ab/x.bin"), "application/octet-stream");
        assert_eq!(content_type("bagit.txt"), "text/plain; charset=utf-8");
        assert_eq!(
            cache_control("media/ab/x.png", Kind::Site),
            "max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("data/media/ab/x.png", Kind::Bag),
            "max-age=31536000, immutable"
        );
        assert_eq!(cache_control("media/index.json", Kind::Site), "no-cache");
        assert_eq!(cache_control("index.md", Kind::Site), "no-cache");
    }
}
