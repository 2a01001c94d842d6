//! File-name stems (SPEC §3) for any SessionId: `[a-z0-9-]` only, at most 100 bytes, never
//! starting with `-`, a lowercase canonical UUID its own stem, and distinct ids never
//! sharing a stem.

use desk_archive::records::stem;
use proptest::prelude::*;

use super::{config, hostile_text};

fn uuid() -> impl Strategy<Value = String> {
    prop::array::uniform16(any::<u8>()).prop_map(|b| {
        let h = hex::encode(b);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    })
}

/// Ids that collide easily when squeezed into `[a-z0-9-]`: case, punctuation, accents,
/// long shared prefixes, UUIDs and near-UUIDs.
fn session_id() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_text(8),
        uuid(),
        uuid().prop_map(|u| u.to_uppercase()),
        uuid().prop_map(|u| format!("{u}-")),
        (prop::collection::vec(
            prop::sample::select(&["A", "a", "-", "_", " ", "é", "#", "0"][..]),
            0..60
        ))
        .prop_map(|v| v.concat()),
        hostile_text(4).prop_map(|s| format!("{}{s}", "x".repeat(45))),
    ]
}

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn stems_are_safe_file_names(id in session_id()) {
        let s = stem(&id);
        prop_assert!(!s.is_empty() && s.len() <= 100, "{:?} -> {:?}", id, s);
        prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{:?} -> {:?}", id, s);
        prop_assert!(s != "." && s != "..");
        // A shell would read a name starting with `-` as an option.
        prop_assert!(!s.starts_with('-'), "{:?} -> {:?}", id, s);
        let is_uuid = id.len() == 36 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-')
            && [8, 13, 18, 23].iter().all(|&i| id.as_bytes()[i] == b'-')
            && id.bytes().filter(|&b| b == b'-').count() == 4;
        if is_uuid {
            prop_assert_eq!(&s, &id);
        } else {
            // `<slug>-<20 hex digits of SHA-256(id)>`, so that it can never look like a UUID;
            // the slug has no `-` at either end, and is `s` when nothing else is left.
            let (slug, hash) = s.rsplit_once('-').expect("hashed stem");
            prop_assert_eq!(hash.len(), 20);
            prop_assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
            prop_assert!(!slug.is_empty() && slug.len() <= 40, "{:?}", s);
            prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{:?}", s);
        }
    }

    #[test]
    fn distinct_ids_have_distinct_stems(a in session_id(), b in session_id()) {
        prop_assume!(a != b);
        prop_assert_ne!(stem(&a), stem(&b), "{:?} and {:?}", a, b);
    }
}
