//! The plain text of a message as its page shows it, made ready for the search index:
//! Markdown without its markup, card titles and bodies, choices, notes, raw JSON of
//! elements shown raw; Chinese and Japanese split into words when the index language does
//! not segment them itself; and Pagefind's private markers neutralised, so that message
//! text cannot steer the index.

use crate::render::cmark::markdown_text;
use crate::render::elements::Block;

/// Appends the text of one message's blocks to `out`, pieces separated by spaces.
pub(super) fn blocks_text(blocks: &[Block], out: &mut String) {
    let mut push = |s: &str| {
        if !s.trim().is_empty() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(s.trim());
        }
    };
    for block in blocks {
        match block {
            Block::Markdown {
                text: Some(text), ..
            } => push(text),
            Block::Markdown { source, .. } => push(&markdown_text(source)),
            Block::Card(c) => {
                push(&c.title);
                push(&c.body);
                if let Some(link) = c.link.as_ref().filter(|l| l.href.is_none()) {
                    // A URL the page shows as text because it may not be a link.
                    push(&link.text);
                }
            }
            Block::Choices(c) => {
                push(&c.title);
                for item in &c.items {
                    push(&item.text);
                    push(&item.desc);
                }
                push(&c.tail);
                push(&c.selected);
            }
            Block::Note { label, .. } => push(label),
            Block::Raw { json, .. } => push(json),
            Block::RelayStart {
                title, abstracts, ..
            } => {
                push(title);
                for a in abstracts {
                    push(a);
                }
            }
            // The payload behind a rendered custom element repeats what it shows.
            Block::Payload { .. }
            | Block::RelayMessage { .. }
            | Block::RelayMessageEnd
            | Block::RelayEnd => {}
        }
    }
}

/// Whether `c` is written without spaces between words (Han, kana).
fn unspaced(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{31F0}'..='\u{31FF}' // katakana extensions
        | '\u{3400}'..='\u{4DBF}' // Han extension A
        | '\u{4E00}'..='\u{9FFF}' // Han
        | '\u{F900}'..='\u{FAFF}' // Han compatibility
        | '\u{FF66}'..='\u{FF9F}' // half-width katakana
        | '\u{20000}'..='\u{3134F}' // Han extensions B–G
    )
}

/// The dictionary segmenter (Pagefind's), made once: making it costs an eighth of a
/// segmentation.
pub(super) static SEGMENTER: std::sync::LazyLock<icu_segmenter::WordSegmenterBorrowed<'static>> =
    std::sync::LazyLock::new(|| icu_segmenter::WordSegmenter::new_dictionary(Default::default()));

/// Splits Chinese and Japanese runs of `text` into words with spaces, for an index whose
/// language splits on spaces only (English): the same dictionary segmenter Pagefind uses
/// for a Chinese index, so that a query for a word in the middle of a sentence finds it.
/// Other text is left as it is.
pub(super) fn split_unspaced(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(unspaced) {
        return std::borrow::Cow::Borrowed(text);
    }
    let segmenter = *SEGMENTER;
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, token) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if !token.chars().any(unspaced) {
            out.push_str(token);
            continue;
        }
        let mut start = 0;
        for end in segmenter.segment_str(token).skip(1) {
            if start > 0 {
                out.push(' ');
            }
            out.push_str(&token[start..end]);
            start = end;
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Appends `text` to `out` with Pagefind's private markers neutralised: a word starting
/// with `___` is a directive to its indexer (anchors, weights), and `<mark>` delimits a
/// match in its excerpts. A word joiner (U+2060, invisible, kept by the indexer) breaks
/// each, so message text is indexed and shown as the words it is and nothing more.
pub(super) fn push_neutralised(out: &mut String, text: &str) {
    if !text.contains("___") && !text.contains("mark>") {
        out.push_str(text);
        return;
    }
    let text = text
        .replace("___", "_\u{2060}__")
        .replace("<mark>", "<\u{2060}mark>")
        .replace("</mark>", "<\u{2060}/mark>");
    out.push_str(&text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::cmark::markdown_html;

    #[test]
    fn markers_cannot_pass() {
        let mut out = String::new();
        push_neutralised(
            &mut out,
            "___PAGEFIND_WEIGHT___9 hi <mark>x</mark> ___END_PAGEFIND_WEIGHT___",
        );
        assert!(!out.contains("___PAGEFIND"), "{out}");
        assert!(!out.contains("<mark>") && !out.contains("</mark>"), "{out}");
        assert!(
            !out.split_whitespace().any(|w| w.starts_with("___")),
            "{out}"
        );
        let mut plain = String::new();
        push_neutralised(&mut plain, "plain text");
        assert_eq!(plain, "plain text");
    }

    #[test]
    fn chinese_and_japanese_are_split_into_words() {
        assert_eq!(split_unspaced("refund please"), "refund please");
        let zh = split_unspaced("请问退款多久能到账？ ok");
        let words: Vec<&str> = zh.split(' ').collect();
        assert!(words.contains(&"退款"), "{zh}");
        assert!(words.len() > 3, "{zh}");
        assert!(zh.ends_with(" ok"), "{zh}");
        let ja = split_unspaced("東京へ行きます");
        assert!(ja.split(' ').count() > 1, "{ja}");
    }

    #[test]
    fn blocks_give_what_the_page_shows() {
        let blocks = vec![Block::Markdown {
            html: markdown_html(""),
            source: "**Order** `A-1` shipped".into(),
            text: None,
            note: "stream not finished".into(),
        }];
        let mut out = String::new();
        blocks_text(&blocks, &mut out);
        assert_eq!(out, "Order A-1 shipped");
    }
}
