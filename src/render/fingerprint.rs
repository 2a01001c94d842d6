//! The fingerprint of what a session's pages depend on (see [`crate::state::entry`]):
//! the build of the tool, the render options that reach session pages, the media index,
//! the session's record and its neighbours. A session whose fingerprint and record are
//! unchanged is not rendered again.

use sha2::{Digest, Sha256};

use super::{Lang, RenderOptions};

/// Identifies the build of the tool (sources, templates, assets, dependency versions), set
/// by `build.rs`: pages of another build are rendered again.
pub const RENDERER: &str = env!("DESK_ARCHIVE_RENDERER");

/// The fingerprint of what every page depends on besides its own record and neighbours:
/// the build, the options that reach session pages, and the media index.
pub fn settings(options: &RenderOptions, media_index: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        RENDERER,
        options.timezone.name(),
        match options.lang {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        },
        if options.markdown_pages {
            "md"
        } else {
            "no-md"
        },
        options.title.as_deref().unwrap_or("\u{0}default"),
        if options.remote_images {
            "remote-images"
        } else {
            "no-remote-images"
        },
    ] {
        field(&mut h, part.as_bytes());
    }
    field(&mut h, media_index.unwrap_or(b"\0none"));
    h.finalize().into()
}

/// The fingerprint of one session's inputs: the settings, its record and its neighbours.
pub fn inputs(
    settings: &[u8; 32],
    record: &[u8; 32],
    prev: Option<&str>,
    next: Option<&str>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    field(&mut h, settings);
    field(&mut h, record);
    field(&mut h, prev.unwrap_or("\0none").as_bytes());
    field(&mut h, next.unwrap_or("\0none").as_bytes());
    h.finalize().into()
}

/// The fingerprint of a set of files (the search index's shards, the index pages): their
/// paths and SHA-256, sorted by path.
pub(crate) fn files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>) -> [u8; 32] {
    let mut files: Vec<_> = files.into_iter().collect();
    files.sort_unstable();
    let mut h = Sha256::new();
    for (path, sha256) in files {
        field(&mut h, path.as_bytes());
        field(&mut h, sha256);
    }
    h.finalize().into()
}

/// Hashes one length-prefixed field, so that no two sequences of fields collide.
pub(crate) fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> RenderOptions {
        RenderOptions {
            timezone: chrono_tz::UTC,
            title: None,
            lang: Lang::En,
            markdown_pages: true,
            search: false,
            remote_images: false,
            jobs: None,
            progress: None,
            cancel: None,
        }
    }

    #[test]
    fn every_setting_changes_the_fingerprint() {
        let base = settings(&options(), None);
        assert_eq!(base, settings(&options(), None));
        let zone = RenderOptions {
            timezone: chrono_tz::Asia::Shanghai,
            ..options()
        };
        let title = RenderOptions {
            title: Some("x".into()),
            ..options()
        };
        let md = RenderOptions {
            markdown_pages: false,
            ..options()
        };
        let lang = RenderOptions {
            lang: Lang::ZhCn,
            ..options()
        };
        let images = RenderOptions {
            remote_images: true,
            ..options()
        };
        for other in [
            settings(&images, None),
            settings(&zone, None),
            settings(&title, None),
            settings(&md, None),
            settings(&lang, None),
            settings(&options(), Some(b"{}")),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn neighbours_change_the_inputs() {
        let s = settings(&options(), None);
        let r = [7; 32];
        let a = inputs(&s, &r, Some("a"), Some("b"));
        assert_eq!(a, inputs(&s, &r, Some("a"), Some("b")));
        assert_ne!(a, inputs(&s, &r, Some("ab"), None));
        assert_ne!(a, inputs(&s, &r, None, Some("b")));
        assert_ne!(a, inputs(&s, &[8; 32], Some("a"), Some("b")));
    }
}
