//! Which words Pagefind 1.6 indexes for one word of text: its normalised, stemmed form,
//! the parts of compound words (`ThreeAntelopes`, `three-antelopes`, `a.b_c`), katakana
//! suffixes, emoji, pairs of Han/kana clusters, and the form with diacritics it came from.
//!
//! This is Pagefind's own `fossick/splitting.rs` (MIT licence, © CloudCannon), ported
//! line for line so that [`super::writer`] indexes exactly what Pagefind would, and the
//! browser's Pagefind (which stems and splits queries the same way) finds it. Keep it in
//! step with the `pagefind` crate's version: the equivalence tests in `writer.rs` build
//! the same records with both and compare every word.

use std::sync::LazyLock;

use convert_case::{Case, Casing};
use hashbrown::HashSet;
use pagefind_stem::Stemmer;
use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

const MAX_KATAKANA_SUFFIX_CHARS: usize = 16;
const MAX_DOTTED_TAIL_CHARS: usize = 64;

/// Symbols that count as part of a word (Unicode "Punctuation, Connector"): Pagefind's
/// `WORD_SYMBOLS`, also written to `pagefind-entry.json` as `include_characters`.
pub(super) const WORD_SYMBOLS: [char; 10] =
    ['_', '‿', '⁀', '⁔', '︳', '︴', '﹍', '﹎', '﹏', '＿'];

static EMOJI: LazyLock<Regex> = LazyLock::new(|| {
    // A fixed pattern: it compiles.
    Regex::new("\\p{Emoji}").expect("the emoji pattern compiles")
});

/// One word to index.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct IndexableWord {
    /// The word as indexed (normalised and stemmed).
    pub(super) stemmed: String,
    /// A part of a compound word (weighted down).
    pub(super) is_compound_part: bool,
    /// The word before its diacritics were taken off, when that differs.
    pub(super) original: Option<String>,
}

/// The stemmer Pagefind uses for a language code (`None`: no stemming).
pub(super) fn stemmer(lang: &str) -> Option<Stemmer> {
    use pagefind_stem::Algorithm;
    // Only the languages the archive writes; Pagefind knows more.
    match lang.split('-').next() {
        Some("en") => Some(Stemmer::create(Algorithm::English)),
        _ => None,
    }
}

/// Whether Pagefind segments text of this language into words itself.
pub(super) fn segments(lang: &str) -> bool {
    matches!(lang.split('-').next(), Some("zh" | "ja" | "th"))
}

/// Pagefind's `segment_words`: a run of text of a language written without spaces, split
/// into words by ICU4X's dictionary segmenter, never inside a grapheme cluster.
pub(super) fn segment_words<'a>(
    segmenter: icu_segmenter::WordSegmenterBorrowed<'static>,
    input: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    let mut grapheme_starts = input.grapheme_indices(true).map(|(i, _)| i).peekable();
    let mut start = 0;
    segmenter
        .segment_str(input)
        .skip(1)
        .filter(move |&end| {
            while grapheme_starts.next_if(|&g| g < end).is_some() {}
            end == input.len() || grapheme_starts.peek() == Some(&end)
        })
        .map(move |end| {
            let word = &input[start..end];
            start = end;
            word
        })
}

/// Pagefind's `get_indexable_words`: the primary word, katakana suffixes, compound parts
/// and emoji of `raw_word`.
pub(super) fn get_indexable_words(
    raw_word: &str,
    stemmer: Option<&Stemmer>,
    include_characters: &[char],
) -> Vec<IndexableWord> {
    let mut results = Vec::new();
    let normalized_word = normalize_word(raw_word, include_characters);
    if !normalized_word.is_empty() {
        results.push(stem_word(&normalized_word, stemmer, false));
    }
    for suffix in katakana_suffixes(raw_word) {
        let suffix_diacritic = normalize_diacritics(suffix);
        results.push(IndexableWord {
            stemmed: suffix_diacritic
                .clone()
                .unwrap_or_else(|| suffix.to_string()),
            original: suffix_diacritic.map(|_| suffix.to_string()),
            is_compound_part: true,
        });
    }
    let possibly_compound = raw_word.chars().any(|c| !c.is_alphanumeric())
        || raw_word.chars().skip(1).any(|c| c.is_uppercase());
    if !possibly_compound {
        return results;
    }
    let (word_parts, extras) = get_discrete_words(raw_word);
    if !normalized_word.is_empty()
        && (word_parts.contains(|c: char| c.is_whitespace())
            || !normalized_word.starts_with(&word_parts))
    {
        // Only two+ byte words, as Pagefind counts them.
        for part_word in word_parts.split_whitespace().filter(|w| w.len() > 1) {
            let part_diacritic = normalize_diacritics(part_word);
            let stemmed_part = match stemmer {
                Some(stemmer) => stemmer
                    .stem(part_diacritic.as_deref().unwrap_or(part_word))
                    .into_owned(),
                None => part_diacritic
                    .clone()
                    .unwrap_or_else(|| part_word.to_string()),
            };
            results.push(IndexableWord {
                stemmed: stemmed_part,
                original: part_diacritic.map(|_| part_word.to_string()),
                is_compound_part: true,
            });
        }
    }
    for extra in extras.into_iter().flatten() {
        results.push(IndexableWord {
            stemmed: extra,
            original: None,
            is_compound_part: false,
        });
    }
    results
}

/// Pagefind's `get_dotted_tails`: `is_python_build` of `sysconfig.is_python_build`.
pub(super) fn get_dotted_tails(
    raw_word: &str,
    stemmer: Option<&Stemmer>,
    include_characters: &[char],
    existing: &[IndexableWord],
) -> Vec<IndexableWord> {
    let mut tails = Vec::new();
    if !raw_word.contains('.') {
        return tails;
    }
    let seen: HashSet<&str> = existing.iter().map(|w| w.stemmed.as_str()).collect();
    let mut seen_tails: HashSet<String> = HashSet::new();
    for (i, _) in raw_word.match_indices('.') {
        let rest = &raw_word[i + 1..];
        let tail = match rest.char_indices().nth(MAX_DOTTED_TAIL_CHARS) {
            Some((end, _)) => &rest[..end],
            None => rest,
        };
        let tail_is_compound = tail.chars().any(|c| !c.is_alphanumeric())
            || tail.chars().skip(1).any(|c| c.is_uppercase());
        if !tail_is_compound {
            continue;
        }
        let tail_normalized = normalize_word(tail, include_characters);
        if tail_normalized.chars().count() < 2 {
            continue;
        }
        let tail_word = stem_word(&tail_normalized, stemmer, true);
        if !seen.contains(tail_word.stemmed.as_str())
            && seen_tails.insert(tail_word.stemmed.clone())
        {
            tails.push(tail_word);
        }
    }
    tails
}

/// Pagefind's `get_indexable_bigrams`: pairs of adjacent Han/kana/… clusters of a segment.
pub(super) fn get_indexable_bigrams(
    raw_word: &str,
    stemmer: Option<&Stemmer>,
    existing: &[IndexableWord],
) -> Vec<IndexableWord> {
    let mut seen: HashSet<String> = existing.iter().map(|w| w.stemmed.clone()).collect();
    let mut bigrams = Vec::new();
    for bigram in pair_bigrams(raw_word, None) {
        let bigram = stem_word(&bigram, stemmer, true);
        if seen.insert(bigram.stemmed.clone()) {
            bigrams.push(bigram);
        }
    }
    bigrams
}

/// Pagefind's `get_indexable_cross_bigram`: the pair spanning the boundary between the
/// previous segment's last cluster and `raw_word`, unless already indexable.
pub(super) fn get_indexable_cross_bigram(
    raw_word: &str,
    previous_cluster: Option<&str>,
    stemmer: Option<&Stemmer>,
    existing: &[IndexableWord],
) -> Option<IndexableWord> {
    let bigram = stem_word(&cross_pair(raw_word, previous_cluster)?, stemmer, true);
    if existing.iter().any(|w| w.stemmed == bigram.stemmed) {
        return None;
    }
    Some(bigram)
}

fn normalize_word(raw_word: &str, include_characters: &[char]) -> String {
    let mut normalized_word = String::with_capacity(raw_word.len());
    for mut c in raw_word.chars() {
        if c.is_alphanumeric() || include_characters.contains(&c) {
            c.make_ascii_lowercase();
            if c.is_uppercase() {
                // Non-ASCII upper case can lower to several characters.
                normalized_word.extend(c.to_lowercase());
            } else {
                normalized_word.push(c);
            }
        }
    }
    normalized_word
}

fn stem_word(
    normalized_word: &str,
    stemmer: Option<&Stemmer>,
    is_compound_part: bool,
) -> IndexableWord {
    let diacritic_normalized = normalize_diacritics(normalized_word);
    let stemmed = match stemmer {
        Some(stemmer) => stemmer
            .stem(diacritic_normalized.as_deref().unwrap_or(normalized_word))
            .into_owned(),
        None => diacritic_normalized
            .clone()
            .unwrap_or_else(|| normalized_word.to_string()),
    };
    IndexableWord {
        stemmed,
        original: diacritic_normalized.map(|_| normalized_word.to_string()),
        is_compound_part,
    }
}

/// Whether a grapheme cluster is of a script Pagefind pairs (Han, kana, Thai, …).
pub(super) fn is_segmented_cluster(cluster: &str) -> bool {
    matches!(
        cluster.chars().next().map(u32::from),
        Some(
            0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0x20000..=0x2FA1F
            | 0x30000..=0x323AF
            | 0x3041..=0x30FF
            | 0x31F0..=0x31FF
            | 0xFF66..=0xFF9F
            | 0x0E00..=0x0EFF
            | 0x1000..=0x109F
            | 0x1780..=0x17FF,
        )
    )
}

fn cross_pair(word: &str, previous_cluster: Option<&str>) -> Option<String> {
    let previous = previous_cluster.filter(|c| is_segmented_cluster(c))?;
    let first = word.graphemes(true).next()?;
    if !is_segmented_cluster(first) {
        return None;
    }
    let mut bigram = String::with_capacity(previous.len() + first.len());
    bigram.push_str(previous);
    bigram.push_str(first);
    Some(bigram)
}

fn pair_bigrams(word: &str, previous_cluster: Option<&str>) -> Vec<String> {
    let mut bigrams: Vec<String> = cross_pair(word, previous_cluster).into_iter().collect();
    let mut previous: Option<&str> = None;
    for cluster in word.graphemes(true) {
        if !is_segmented_cluster(cluster) {
            previous = None;
            continue;
        }
        if let Some(previous) = previous {
            let mut bigram = String::with_capacity(previous.len() + cluster.len());
            bigram.push_str(previous);
            bigram.push_str(cluster);
            bigrams.push(bigram);
        }
        previous = Some(cluster);
    }
    bigrams
}

fn is_katakana(c: char) -> bool {
    matches!(c as u32,
        0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

/// Every suffix of a katakana word (ICU4X's dictionary has no katakana entries).
fn katakana_suffixes(word: &str) -> Vec<&str> {
    if word.chars().count() < 3 || !word.chars().all(is_katakana) {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut suffixes = Vec::new();
    for (i, _) in word.char_indices().skip(1) {
        let rest = &word[i..];
        let suffix = match rest.char_indices().nth(MAX_KATAKANA_SUFFIX_CHARS) {
            Some((end, _)) => &rest[..end],
            None => rest,
        };
        if suffix.chars().count() >= 2 && seen.insert(suffix) {
            suffixes.push(suffix);
        }
    }
    suffixes
}

/// `café` → `cafe` (kana sound marks kept), or `None` when nothing changes.
fn normalize_diacritics(word: &str) -> Option<String> {
    if word.is_ascii() || !has_decomposition(word) {
        return None;
    }
    let stripped: String = word
        .nfd()
        .filter(|c| {
            !unicode_normalization::char::is_combining_mark(*c)
                || matches!(*c, '\u{3099}' | '\u{309A}')
        })
        .collect();
    let normalized = if stripped
        .chars()
        .any(|c| matches!(c, '\u{3099}' | '\u{309A}'))
    {
        stripped.nfc().collect::<String>()
    } else {
        stripped
    };
    (normalized != word).then_some(normalized)
}

fn has_decomposition(word: &str) -> bool {
    word.chars().any(|c| {
        unicode_normalization::char::is_combining_mark(c) || {
            let mut decomposes = false;
            unicode_normalization::char::decompose_canonical(c, |part| {
                decomposes = decomposes || part != c;
            });
            decomposes
        }
    })
}

fn get_discrete_words(s: &str) -> (String, Option<Vec<String>>) {
    let words = s
        .replace(|c: char| c.is_ascii_punctuation(), " ")
        .to_case(Case::Lower)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let extras = EMOJI.is_match(s).then(|| {
        s.graphemes(true)
            .filter(|x| emojis::get(x).is_some())
            .map(str::to_string)
            .collect()
    });
    (words, extras)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(raw: &str) -> Vec<(String, bool, Option<String>)> {
        get_indexable_words(raw, stemmer("en").as_ref(), &WORD_SYMBOLS)
            .into_iter()
            .map(|w| (w.stemmed, w.is_compound_part, w.original))
            .collect()
    }

    #[test]
    fn compound_words_give_their_parts() {
        let expected = vec![
            ("threeantelop".to_owned(), false, None),
            ("three".to_owned(), true, None),
            ("antelop".to_owned(), true, None),
        ];
        assert_eq!(words("ThreeAntelopes"), expected);
        assert_eq!(words("three-antelopes"), expected);
        assert_eq!(words("hello"), vec![("hello".to_owned(), false, None)]);
    }

    #[test]
    fn diacritics_are_kept_as_the_original() {
        assert_eq!(
            words("café"),
            vec![("cafe".to_owned(), false, Some("café".to_owned()))]
        );
    }
}
