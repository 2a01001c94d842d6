//! The one place where message text becomes HTML or Markdown (SPEC §4, §7): pulldown-cmark
//! options, the URL rule ([`safe_url`]), raw-HTML neutralisation, control-character
//! placeholders, and [`MessageHtml`], the only way HTML built from content enters a template.

use super::escape::{Context, escape_into};
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// What a URL is for: links may be http, https, mailto or tel; images only https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// `href` of a link.
    Link,
    /// `src` of an image (also thumbnails).
    Image,
}

/// The URL rule of SPEC §4: `s` is used only if the WHATWG parser (the `url` crate) reads it
/// as an absolute URL with an allowed scheme; the result is the parser's serialisation.
/// Relative and `//host` URLs, and every other scheme, give `None` (show them as text).
pub fn safe_url(s: &str, kind: UrlKind) -> Option<String> {
    let url = url::Url::parse(s).ok()?;
    // `user:pass@` hides the real host from a reader (and HTML forbids it in href/src).
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let allowed = match kind {
        UrlKind::Link => matches!(url.scheme(), "http" | "https" | "mailto" | "tel"),
        UrlKind::Image => url.scheme() == "https",
    };
    allowed.then(|| url.into())
}

/// The `rel` of every link to content.
pub const CONTENT_REL: &str = "noopener noreferrer nofollow";

/// Whether `c` must be shown as a placeholder: C0 controls other than TAB, LF and CR, DEL,
/// and C1 controls (SPEC §7).
pub fn is_hidden_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// Replaces every hidden control character with a visible placeholder: C0 with its Control
/// Picture (U+2400 + code), DEL with U+2421, C1 with `⟨U+0085⟩`-style text. Never a raw
/// control and never a character reference.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !has_hidden_control(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// `s.chars().any(is_hidden_control)`, on bytes: C0 and DEL are single bytes, and a C1
/// control (U+0080–U+009F) is encoded as 0xC2 then 0x80–0x9F. Every message passes here,
/// and a byte scan is several times faster than decoding characters.
fn has_hidden_control(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => false,
        0..0x20 | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)),
        _ => false,
    })
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\x7f' => out.push('\u{2421}'),
        c if c < '\x20' && is_hidden_control(c) => {
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'));
        }
        c if is_hidden_control(c) => {
            let _ = write!(out, "\u{27e8}U+{:04X}\u{27e9}", c as u32);
        }
        c => out.push(c),
    }
}

/// Whether `c` is a bidi formatting character (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Isolates text for places where no element can (`<title>`, attribute values): when it
/// holds bidi controls, it is wrapped in FSI…PDI with every embedding, override and
/// isolate it opens closed, and stray closers given an opener, so that it cannot reorder
/// what follows. The controls themselves are kept.
pub fn isolate(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_bidi_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(isolate_always(s))
}

/// Wraps `s` in FSI…PDI whatever it holds, closing what it opens (see [`isolate`]): for
/// user-supplied names in plain text, whose direction is unknown (an Arabic name must not
/// pull the separators after it to its side).
pub fn isolate_always(s: &str) -> String {
    let (mut embeddings, mut isolates, mut stray_pdi) = (0usize, 0usize, 0usize);
    for c in s.chars() {
        match c {
            '\u{202c}' => embeddings = embeddings.saturating_sub(1),
            '\u{202a}'..='\u{202e}' => embeddings += 1,
            '\u{2066}'..='\u{2068}' => {
                isolates += 1;
                embeddings = 0;
            }
            '\u{2069}' if isolates > 0 => isolates -= 1,
            '\u{2069}' => stray_pdi += 1,
            _ => {}
        }
    }
    let mut out = String::with_capacity(s.len() + 3 * (2 + embeddings + isolates + stray_pdi));
    out.push('\u{2068}');
    out.extend(std::iter::repeat_n('\u{2068}', stray_pdi));
    out.push_str(s);
    out.extend(std::iter::repeat_n('\u{202c}', embeddings));
    out.extend(std::iter::repeat_n('\u{2069}', isolates + 1));
    out
}

/// HTML made from message Markdown by [`markdown_html`]: the only HTML from content that a
/// template may print unescaped (it implements askama's `HtmlSafe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHtml(String);

impl MessageHtml {
    /// The HTML text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for MessageHtml {}

/// The Markdown dialect of message text, for both outputs. No raw-HTML-like extensions:
/// heading attributes (classes), footnotes and wiki links (relative hrefs) stay off.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders message Markdown as HTML: raw HTML becomes text, URLs pass [`safe_url`] (unsafe
/// ones are shown as text after the link text), links get [`CONTENT_REL`], table
/// alignment (a `style` attribute) is dropped, hidden controls become placeholders.
pub fn markdown_html(text: &str) -> MessageHtml {
    markdown_html_with(text, true)
}

/// [`markdown_html`]; with `remote_images` false an image becomes a link to it (its alt
/// text, or "image", as the link text), for a page that must load nothing from outside
/// the archive (the default, SPEC §7; `share` always).
pub fn markdown_html_with(text: &str, remote_images: bool) -> MessageHtml {
    render_markdown(text, remote_images, false).0
}

/// [`markdown_html_with`] and [`markdown_text`] of the same Markdown from one parse (the
/// render feeds the search index this text rather than parsing each message twice).
pub fn markdown_html_and_text(text: &str, remote_images: bool) -> (MessageHtml, String) {
    let (html, words) = render_markdown(text, remote_images, true);
    (html, words.unwrap_or_default())
}

/// The HTML and, when `want_text`, the text (as [`markdown_text`] gives it) of `text`.
fn render_markdown(
    text: &str,
    remote_images: bool,
    want_text: bool,
) -> (MessageHtml, Option<String>) {
    let text = lf_lines(text);
    let text = visible(&text);
    let mut out = String::with_capacity(text.len() + text.len() / 2 + 16);
    if nests_too_deep(&text) {
        // Browsers flatten trees deeper than 513 elements, and such a message is an attack
        // or an accident, not prose: show it as plain text.
        out.push_str("<p class=\"md-plain\">");
        escape_into(&mut out, &text, Context::Text);
        out.push_str("</p>");
        return (MessageHtml(out), want_text.then(|| text.into_owned()));
    }
    let markup = has_markup(&text);
    let mut words = want_text.then(|| match markup {
        true => String::with_capacity(text.len()),
        false => text.to_string(),
    });
    let mut collect = words.as_mut().filter(|_| markup);
    let sanitiser = Sanitiser {
        no_images: !remote_images,
        ..Sanitiser::default()
    };
    let events = Parser::new_ext(&text, options()).flat_map({
        let mut s = sanitiser;
        let collect = &mut collect;
        move |event| {
            if let Some(words) = collect.as_deref_mut() {
                push_event_text(words, &event);
            }
            s.event(event)
        }
    });
    pulldown_cmark::html::push_html(&mut out, events);
    if let Some(words) = collect {
        let kept = words.trim_end().len();
        words.truncate(kept);
    }
    (MessageHtml(out), words)
}

/// Whether `text` holds a character that Markdown could take as markup (else its text is
/// itself, and [`markdown_text`] needs no parse).
fn has_markup(text: &str) -> bool {
    text.contains(['*', '_', '`', '[', '<', '#', '|', '~', '\\', '&', '!', '>'])
}

/// The text a reader sees of message Markdown, without its markup, for the search index:
/// text, code, raw HTML (shown as text) and image alt text, blocks and line breaks as
/// spaces. Text without a Markdown character is returned as it is, without a parse.
pub fn markdown_text(text: &str) -> String {
    let text = lf_lines(text);
    let text = visible(&text);
    if !has_markup(&text) || nests_too_deep(&text) {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    for event in Parser::new_ext(&text, options()) {
        push_event_text(&mut out, &event);
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    out
}

/// Adds what a reader sees of one parser event to `out` (see [`markdown_text`]).
fn push_event_text(out: &mut String, event: &Event<'_>) {
    match event {
        Event::Text(s) | Event::Code(s) | Event::Html(s) | Event::InlineHtml(s) => out.push_str(s),
        Event::InlineMath(s) | Event::DisplayMath(s) | Event::FootnoteReference(s) => {
            out.push_str(s)
        }
        // Inline markup ends inside a word ("**bo**ld"); blocks and breaks part words.
        Event::End(
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image,
        )
        | Event::Start(_)
        | Event::TaskListMarker(_) => {}
        Event::SoftBreak | Event::HardBreak | Event::Rule | Event::End(_) => {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        }
    }
}

/// `text` with every CR and CRLF turned into LF, CommonMark's other line endings:
/// pulldown-cmark 0.13 misreads a lone CR inside an indented code block (the block runs on
/// past it).
fn lf_lines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Deepest Markdown nesting (lists, quotes, emphasis…) rendered as Markdown.
const MAX_MARKDOWN_DEPTH: usize = 40;

/// Whether the Markdown nests deeper than [`MAX_MARKDOWN_DEPTH`]. Every level is opened
/// by ASCII punctuation (`>`, a list marker, `*`, `[`…), at most two levels per character
/// (a list and its item), plus a paragraph or a table's row and cell: text with few
/// punctuation characters cannot nest too deep and is not parsed twice.
fn nests_too_deep(text: &str) -> bool {
    let punctuation = text.bytes().filter(u8::is_ascii_punctuation).count();
    if 2 * punctuation + 4 <= MAX_MARKDOWN_DEPTH {
        return false;
    }
    let mut depth = 0usize;
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Start(_) => {
                depth += 1;
                if depth > MAX_MARKDOWN_DEPTH {
                    return true;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// A link being passed through: kept as our own `<a>`, or dropped with its URL as text.
enum LinkFrame {
    Kept,
    Dropped(Option<String>),
}

/// An image whose alt text is being collected.
struct ImageFrame {
    src: Option<String>,
    raw: String,
    title: String,
    alt: String,
    depth: usize,
}

#[derive(Default)]
struct Sanitiser {
    links: Vec<LinkFrame>,
    image: Option<ImageFrame>,
    /// Images become links (nothing may be loaded).
    no_images: bool,
}

impl Sanitiser {
    fn event<'a>(&mut self, event: Event<'a>) -> Vec<Event<'a>> {
        if let Some(image) = &mut self.image {
            match event {
                Event::Start(Tag::Image { .. }) => image.depth += 1,
                Event::End(TagEnd::Image) if image.depth > 0 => image.depth -= 1,
                Event::End(TagEnd::Image) => return self.end_image(),
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    image.alt.push_str(&visible(&t));
                }
                Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
                _ => {}
            }
            return Vec::new();
        }
        // A wide table scrolls inside a wrapper that keyboard users can focus. These two
        // Html events are ours, not content's (content HTML became text above and below).
        match event {
            Event::Start(Tag::Table(aligns)) => {
                let aligns = vec![pulldown_cmark::Alignment::None; aligns.len()];
                return vec![
                    Event::Html(r#"<div class="md-table" tabindex="0">"#.into()),
                    Event::Start(Tag::Table(aligns)),
                ];
            }
            Event::End(TagEnd::Table) => {
                return vec![Event::End(TagEnd::Table), Event::Html("</div>".into())];
            }
            _ => {}
        }
        let one = match event {
            Event::Html(t) | Event::InlineHtml(t) | Event::Text(t) => text(t),
            Event::Code(t) => Event::Code(into_visible(t)),
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::CodeBlock),
            Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
                level,
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            }),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                return self.start_link(link_type, &dest_url, &title);
            }
            Event::End(TagEnd::Link) => return self.end_link(),
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                self.image = Some(ImageFrame {
                    src: safe_url(&dest_url, UrlKind::Image),
                    raw: visible(&dest_url).into_owned(),
                    title: visible(&title).into_owned(),
                    alt: String::new(),
                    depth: 0,
                });
                return Vec::new();
            }
            Event::FootnoteReference(t) | Event::InlineMath(t) | Event::DisplayMath(t) => text(t),
            other => other,
        };
        vec![one]
    }

    fn start_link<'a>(&mut self, link_type: LinkType, dest: &str, title: &str) -> Vec<Event<'a>> {
        let dest: Cow<'_, str> = match link_type {
            LinkType::Email => Cow::Owned(format!("mailto:{dest}")),
            _ => Cow::Borrowed(dest),
        };
        match safe_url(&dest, UrlKind::Link) {
            Some(href) => {
                let mut tag = String::with_capacity(href.len() + 64);
                tag.push_str("<a href=\"");
                escape_into(&mut tag, &href, Context::Attribute);
                tag.push_str("\" rel=\"");
                tag.push_str(CONTENT_REL);
                tag.push('"');
                if !title.is_empty() {
                    tag.push_str(" title=\"");
                    escape_into(&mut tag, &visible(title), Context::Attribute);
                    tag.push('"');
                }
                tag.push('>');
                self.links.push(LinkFrame::Kept);
                vec![Event::InlineHtml(tag.into())]
            }
            None => {
                let shown = !matches!(link_type, LinkType::Autolink | LinkType::Email);
                let suffix = shown.then(|| format!(" ({})", visible(&dest)));
                self.links.push(LinkFrame::Dropped(suffix));
                Vec::new()
            }
        }
    }

    fn end_link<'a>(&mut self) -> Vec<Event<'a>> {
        match self.links.pop() {
            Some(LinkFrame::Kept) => vec![Event::InlineHtml("</a>".into())],
            Some(LinkFrame::Dropped(Some(suffix))) => vec![Event::Text(suffix.into())],
            _ => Vec::new(),
        }
    }

    fn end_image<'a>(&mut self) -> Vec<Event<'a>> {
        let Some(image) = self.image.take() else {
            return Vec::new();
        };
        let Some(src) = image.src else {
            let label = if image.alt.is_empty() {
                "image"
            } else {
                &image.alt
            };
            return vec![Event::Text(format!("{label} ({})", image.raw).into())];
        };
        let in_link = self.links.iter().any(|l| matches!(l, LinkFrame::Kept));
        if self.no_images {
            let label = if image.alt.is_empty() {
                "image"
            } else {
                &image.alt
            };
            if in_link {
                return vec![Event::Text(label.to_owned().into())];
            }
            let mut tag = String::with_capacity(src.len() + label.len() + 64);
            tag.push_str("<a class=\"md-image-link\" href=\"");
            escape_into(&mut tag, &src, Context::Attribute);
            tag.push_str("\" rel=\"");
            tag.push_str(CONTENT_REL);
            tag.push_str("\">");
            escape_into(&mut tag, label, Context::Text);
            tag.push_str("</a>");
            return vec![Event::InlineHtml(tag.into())];
        }
        let mut tag = String::with_capacity(src.len() * 2 + image.alt.len() + 96);
        if !in_link {
            tag.push_str("<a class=\"md-image\" href=\"");
            escape_into(&mut tag, &src, Context::Attribute);
            tag.push_str("\" rel=\"");
            tag.push_str(CONTENT_REL);
            tag.push_str("\">");
        }
        tag.push_str("<img src=\"");
        escape_into(&mut tag, &src, Context::Attribute);
        tag.push_str("\" alt=\"");
        escape_into(&mut tag, &image.alt, Context::Attribute);
        tag.push('"');
        if !image.title.is_empty() {
            tag.push_str(" title=\"");
            escape_into(&mut tag, &image.title, Context::Attribute);
            tag.push('"');
        }
        tag.push_str(" loading=\"lazy\" decoding=\"async\" referrerpolicy=\"no-referrer\">");
        if !in_link {
            tag.push_str("</a>");
        }
        vec![Event::InlineHtml(tag.into())]
    }
}

fn text(t: CowStr<'_>) -> Event<'_> {
    Event::Text(into_visible(t))
}

/// Entities such as `&#1;` decode to controls after parsing: placeholders again.
fn into_visible(t: CowStr<'_>) -> CowStr<'_> {
    match visible(&t) {
        Cow::Borrowed(_) => t,
        Cow::Owned(s) => s.into(),
    }
}

/// Makes message Markdown safe to embed in a Markdown page: it stays Markdown, but raw HTML
/// has its `<` escaped, unsafe links and images lose their link syntax (text and URL stay
/// as text), safe ones are rewritten inline with the parser's serialisation, reference
/// definitions (global to a page) are neutralised, hidden controls become placeholders.
/// Rewrites repeat until the text parses clean; text that never does is fully escaped.
pub fn markdown_neutralise(text: &str) -> String {
    // LF only: pulldown-cmark misreads some blocks ended by a lone CR (see `lf_lines`).
    let s = visible(&lf_lines(text)).into_owned();
    neutralise(s).unwrap_or_else(|s| escape_all_punctuation(&s))
}

/// Applies [`rewrite_once`] in every reader dialect until none has anything left to
/// rewrite: the clean text, or the last text when eight rounds were not enough.
fn neutralise(mut s: String) -> std::result::Result<String, String> {
    // Every edit of `rewrite_once` needs one of these: HTML and autolinks start with '<',
    // links, images and reference definitions with '[', a hidden control in parsed text
    // comes from a character reference ('&'). Most messages have none: no parse.
    if !s.bytes().any(|b| matches!(b, b'<' | b'[' | b'&')) {
        return Ok(s);
    }
    let dialects = reader_dialects();
    // Parsing is deterministic: a dialect that found this very text clean finds it clean
    // again. So the text is done once every dialect has seen it clean in a row — a link
    // rewritten by the first dialect costs 4 parses, not the 6 of a second full round.
    let mut clean_in_a_row = 0;
    for dialect in dialects.iter().cycle().take(8 * dialects.len()) {
        match rewrite_once(&s, *dialect) {
            Some(next) => {
                s = next;
                clean_in_a_row = 0;
            }
            None => clean_in_a_row += 1,
        }
        if clean_in_a_row == dialects.len() {
            return Ok(s);
        }
    }
    Err(s)
}

/// The Markdown dialects a page's reader may use: strict CommonMark (where a table's
/// surplus cells, which GFM drops unseen, are text again), ours, and every extension
/// pulldown-cmark knows (a definition list, for one, makes `:<!--` an HTML block).
/// Metadata blocks are left out: they exist only at the top of a document, and message
/// text never is.
fn reader_dialects() -> [Options; 3] {
    let all = Options::all()
        - Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        - Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    [Options::empty(), options(), all]
}

/// A link or image being scanned by [`rewrite_once`].
struct Frame {
    range: Range<usize>,
    image: bool,
    link_type: LinkType,
    dest: String,
    title: String,
    inner_end: usize,
}

/// One pass: the edits needed, applied; `None` when the text is already clean.
fn rewrite_once(s: &str, dialect: Options) -> Option<String> {
    let parser = Parser::new_ext(s, dialect);
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (_, def) in parser.reference_definitions().iter() {
        if let Some(at) = s.get(def.span.clone()).and_then(|d| d.find('[')) {
            let pos = def.span.start + at;
            edits.push((pos..pos + 1, "\\[".to_owned()));
        }
    }
    let mut frames: Vec<Frame> = Vec::new();
    for (event, range) in parser.into_offset_iter() {
        if !matches!(event, Event::End(TagEnd::Link | TagEnd::Image)) {
            extend_frames(&mut frames, &range);
        }
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                let source = s.get(range.clone()).unwrap_or_default();
                edits.push((range, source.replace('<', "&lt;")));
            }
            Event::Text(t) if has_hidden_control(&t) => {
                let source = s.get(range.clone()).unwrap_or_default();
                edits.push((range, source.replace('&', "\\&")));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                frames.push(frame(range, false, link_type, &dest_url, &title));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                frames.push(frame(range, true, link_type, &dest_url, &title));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some(edit) = frames.pop().and_then(|f| link_edit(s, &f)) {
                    edits.push(edit);
                }
                extend_frames(&mut frames, &range);
            }
            _ => {}
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut out = String::with_capacity(s.len() + 64);
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue; // overlaps an earlier edit: the next pass sees it again
        }
        out.push_str(s.get(at..range.start)?);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(s.get(at..)?);
    Some(out)
}

/// Text of enclosing links ends no earlier than the end of anything inside them.
fn extend_frames(frames: &mut [Frame], range: &Range<usize>) {
    for frame in frames {
        frame.inner_end = frame.inner_end.max(range.end.min(frame.range.end));
    }
}

fn frame(range: Range<usize>, image: bool, link_type: LinkType, dest: &str, title: &str) -> Frame {
    let text_start = range.start + if image { 2 } else { 1 };
    let dest = match link_type {
        LinkType::Email => format!("mailto:{dest}"),
        _ => dest.to_owned(),
    };
    Frame {
        inner_end: text_start,
        range,
        image,
        link_type,
        dest,
        title: title.to_owned(),
    }
}

/// The edit for one link or image: inline with the serialised URL when safe, its opening
/// bracket escaped (so it reads as text) when not.
fn link_edit(s: &str, f: &Frame) -> Option<(Range<usize>, String)> {
    let kind = if f.image {
        UrlKind::Image
    } else {
        UrlKind::Link
    };
    let source = s.get(f.range.clone())?;
    let Some(url) = safe_url(&f.dest, kind) else {
        let offset = if matches!(f.link_type, LinkType::Autolink | LinkType::Email) {
            return Some((f.range.start..f.range.start + 1, "&lt;".to_owned()));
        } else {
            source.find('[')?
        };
        let pos = f.range.start + offset;
        return Some((pos..pos + 1, "\\[".to_owned()));
    };
    let text_start = f.range.start + if f.image { 2 } else { 1 };
    // The label runs to its closing bracket: after the last event inside it only line
    // breaks, spaces and the quote's `>` can follow, and they must stay.
    let inner_end = f.inner_end.max(text_start);
    let tail = s.get(inner_end..f.range.end).unwrap_or_default();
    let label_end =
        inner_end + tail.len() - tail.trim_start_matches([' ', '\t', '\n', '\r', '>']).len();
    let label = s.get(text_start..label_end).unwrap_or_default();
    let mut new = String::with_capacity(source.len() + url.len() + 8);
    new.push_str(if f.image { "![" } else { "[" });
    new.push_str(label);
    new.push_str("](");
    push_md_destination(&mut new, &url);
    if !f.title.is_empty() {
        new.push_str(" \"");
        for c in f.title.chars() {
            match c {
                '"' | '\\' => {
                    new.push('\\');
                    new.push(c);
                }
                // A title may span lines; the text may be quoted, and a new line without
                // its `> ` would leave the quote.
                '\n' | '\r' => new.push(' '),
                c => new.push(c),
            }
        }
        new.push('"');
    }
    new.push(')');
    (new != source).then(|| (f.range.clone(), new))
}

/// Writes `<url>` as a Markdown link destination that parses back to exactly `url`.
pub fn push_md_destination(out: &mut String, url: &str) {
    out.push('<');
    for c in url.chars() {
        match c {
            '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push_str(if c == '\n' { "%0A" } else { "%0D" }),
            c => out.push(c),
        }
    }
    out.push('>');
}

/// Backslash-escapes every ASCII punctuation character: the text can hold no markup at all.
fn escape_all_punctuation(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a plain field (name, id, metadata, title) for a Markdown page: what could
/// start markup is backslash-escaped, and nothing else, so `09:14:05` and `Web(H5)` stay
/// as they are; line breaks and hidden controls become visible placeholders, so a field
/// stays on its line.
pub fn md_escape(s: &str) -> String {
    if is_plain_field(s) {
        return s.to_owned();
    }
    md_escape_chars(s)
}

/// [`md_escape`] of a string the caller owns (a template filter's `to_string()`): a plain
/// field is handed back as it is, without a copy.
pub fn md_escape_owned(s: String) -> String {
    if is_plain_field(&s) {
        return s;
    }
    md_escape_chars(&s)
}

/// Whether [`md_escape`] leaves `s` as it is, seen on bytes: it starts with a letter or
/// digit (no leading blank, no block marker) and holds only letters, digits, spaces, `-`
/// and non-ASCII characters other than controls and bidi controls (whose UTF-8 lead bytes
/// 0xC2, 0xD8 and 0xE2 are sent the long way, with the rest of their blocks). Names,
/// SessionIds and most labels are such fields.
fn is_plain_field(s: &str) -> bool {
    let plain = |b: &u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b' ' | b'-')
            || (*b >= 0x80 && !matches!(b, 0xc2 | 0xd8 | 0xe2))
    };
    s.as_bytes()
        .first()
        .is_some_and(|b| !matches!(b, b' ' | b'-'))
        && s.as_bytes().iter().all(plain)
}

/// [`md_escape`], character by character.
fn md_escape_chars(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    // Only blanks so far: the next character starts the field's text, where list,
    // heading, quote and rule markers count.
    let mut leading = true;
    // Only blanks and then 1–9 digits so far: a `.` or `)` would make an ordered list.
    let mut digits = 0;
    for (i, &c) in chars.iter().enumerate() {
        let at_start = leading && !matches!(c, ' ' | '\t');
        match c {
            // Leading blanks would indent a line into a code block, where the escapes
            // show: no-break spaces look the same and indent nothing.
            ' ' | '\t' if leading => out.push('\u{a0}'),
            '\n' => out.push('\u{240a}'),
            '\r' => out.push('\u{240d}'),
            c if needs_escape(&chars, i, at_start, digits) => {
                out.push('\\');
                out.push(c);
            }
            c => push_visible(&mut out, c),
        }
        leading &= matches!(c, ' ' | '\t');
        digits = match c {
            '0'..='9' if at_start || digits > 0 => digits + 1,
            _ => 0,
        };
        if digits > 9 {
            digits = 0;
        }
    }
    // Bidi controls stay, but cannot reorder what follows the field on its line.
    match isolate(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(isolated) => isolated,
    }
}

/// Whether `chars[i]` could start or end markup in CommonMark (with the extensions any
/// reader of the page may enable: tables, strikethrough, math, footnotes, heading
/// attributes, super- and subscript, definition lists) or a GFM autolink. `at_start`: it
/// is the field's first non-blank character; `digits`: it follows 1–9 leading digits.
fn needs_escape(chars: &[char], i: usize, at_start: bool, digits: usize) -> bool {
    let (prev, next) = (
        i.checked_sub(1).map(|p| chars[p]),
        chars.get(i + 1).copied(),
    );
    match chars[i] {
        // Code, emphasis, links, images, footnotes, raw HTML and autolinks, tables,
        // strikethrough and subscript, math, superscript, heading attributes, escapes.
        '`' | '*' | '[' | ']' | '<' | '|' | '~' | '$' | '^' | '{' | '}' | '\\' => true,
        // An underscore between two letters or digits can neither open nor close
        // emphasis (`agent_01`).
        '_' => {
            !(prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric))
        }
        // A character reference (`&amp;`, `&#38;`).
        '&' => {
            let name = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
                .count();
            name > 0 && chars.get(i + 1 + name) == Some(&';')
        }
        // Block quote, setext underline.
        '>' | '=' if at_start => true,
        // List item, rule, metadata block (`- `, `---`, `+++`), definition (`: `).
        '-' | '+' | ':' if at_start => next.is_none_or(|n| n == ' ' || n == '\t' || n == chars[i]),
        // An ATX heading, or its closing sequence (`#` after a blank, then only `#`s and
        // blanks to the end of the field).
        '#' => {
            (at_start && next.is_none_or(|n| matches!(n, ' ' | '\t' | '#')))
                || (prev.is_some_and(|p| p == ' ' || p == '\t')
                    && chars[i..].iter().all(|&c| matches!(c, '#' | ' ' | '\t')))
        }
        // An ordered list item (`1. ` or `1)` at the start).
        '.' | ')' if digits > 0 => next.is_none_or(|n| n == ' ' || n == '\t'),
        // GFM autolinks (`https://…`, `www.…`), which some readers of the page make links.
        ':' => chars[i + 1..].starts_with(&['/', '/']),
        '.' => {
            i >= 3
                && chars[i - 3..i].iter().all(|c| c.eq_ignore_ascii_case(&'w'))
                && (i == 3 || !chars[i - 4].is_alphanumeric())
        }
        _ => false,
    }
}

/// A user-supplied name (sender, account, SessionId) for a Markdown page: [`md_escape`],
/// always bidi-isolated (FSI…PDI), as the HTML pages isolate it with `<bdi>`.
pub fn md_name(s: &str) -> String {
    isolate_always(&md_escape(s))
}

/// Message Markdown for a Markdown page, quoted (`> ` before every line, so that an
/// unclosed fence or list cannot run into the rest of the page) and then neutralised as
/// quoted: the parse that finds raw HTML and links sees exactly the lines the page holds
/// (a tab, a lone CR or a parser's quirk cannot make the two differ).
pub fn md_quote(text: &str) -> String {
    let text = visible(text);
    match neutralise(quote_lines(&text)) {
        // Every rewrite keeps the lines' `>`; checked all the same, since a line without
        // one would leave the quote.
        Ok(quoted) if md_lines(&quoted).all(|line| line.starts_with('>')) => quoted,
        _ => quote_lines(&escape_all_punctuation(&text)),
    }
}

/// Raw text (JSON) as a quoted fenced code block whose fence is longer than any backtick run.
pub fn md_code(text: &str) -> String {
    let text = visible(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut block = String::with_capacity(text.len() + 16);
    block.push_str(&fence);
    block.push_str("json\n");
    block.push_str(&text);
    if !text.ends_with(['\n', '\r']) {
        block.push('\n');
    }
    block.push_str(&fence);
    quote_lines(&block)
}

/// The lines of `s` as CommonMark reads them: LF, CR and CRLF each end a line. (Splitting
/// on LF alone let a lone CR end a quote from inside it.)
fn md_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(at) => {
                let skip = if s[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[at + skip..]);
                Some(&s[..at])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Puts `> ` before every line of `s` (lines as CommonMark reads them), so that all of it
/// stays inside one block quote.
fn quote_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 32);
    for (i, line) in md_lines(s).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.is_empty() {
            out.push('>');
        } else {
            out.push_str("> ");
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_with_credentials_are_text() {
        assert_eq!(
            safe_url("https://user:pass@evil.example.com/", UrlKind::Link),
            None
        );
        assert_eq!(
            safe_url("https://user@evil.example.com/", UrlKind::Image),
            None
        );
    }

    #[test]
    fn markdown_nested_too_deep_is_plain_text() {
        let deep = format!("{}x", "> ".repeat(500));
        let html = markdown_html(&deep).as_str().to_owned();
        assert!(
            html.starts_with("<p class=\"md-plain\">&gt; &gt;"),
            "{html}"
        );
        let list = format!("{}x", "- ".repeat(60));
        assert!(
            markdown_html(&list)
                .as_str()
                .starts_with("<p class=\"md-plain\">")
        );
        assert!(
            markdown_html("> a\n> > b")
                .as_str()
                .contains("<blockquote>")
        );
        // One character a level, no spaces: still too deep.
        let tight = format!("{}x", ">".repeat(41));
        assert!(
            markdown_html(&tight)
                .as_str()
                .starts_with("<p class=\"md-plain\">")
        );
        // Long text with little punctuation is Markdown as usual.
        let long = format!("> {}", "word ".repeat(100));
        assert!(markdown_html(&long).as_str().starts_with("<blockquote>"));
    }

    #[test]
    fn one_parse_gives_the_same_html_and_text_as_two() {
        let samples = [
            "plain words",
            "1. item\n2. two",
            "**bold** and `code`\n\n- item <b>x</b>",
            "[link text](https://example.com) ![alt](https://example.com/i.png)",
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "line\r\nbreak\rhere",
            "trailing  \n",
        ];
        for text in samples.iter().chain(HOSTILE) {
            for remote in [true, false] {
                let (html, words) = markdown_html_and_text(text, remote);
                assert_eq!(
                    html.as_str(),
                    markdown_html_with(text, remote).as_str(),
                    "{text}"
                );
                assert_eq!(words, markdown_text(text), "{text}");
            }
        }
        let deep = format!("{}x", "> ".repeat(500));
        assert_eq!(markdown_html_and_text(&deep, true).1, markdown_text(&deep));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            ..proptest::prelude::ProptestConfig::default()
        })]
        #[test]
        fn one_parse_agrees_on_any_markdown(text in "[a-z \n*_`\\[\\]()<>#|~!&>:/.-]{0,60}") {
            let (html, words) = markdown_html_and_text(&text, false);
            let alone = markdown_html_with(&text, false);
            proptest::prop_assert_eq!(html.as_str(), alone.as_str());
            proptest::prop_assert_eq!(words, markdown_text(&text));
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::testutil::proptest_config(2000))]

        #[test]
        fn plain_fields_take_the_short_way_to_the_same_text(
            s in r"[a0 \t_.#:/\-=*\[\n会\x{85}\x{a0}\x{200e}]{0,6}|[a0 \-#.]{0,6}|[Z9会🙂\x{9f}\x{2066}\x{61c}\x{7f}\x{1} ]{0,6}"
        ) {
            proptest::prop_assert_eq!(md_escape(&s), md_escape_chars(&s));
        }

        #[test]
        fn hidden_controls_are_found_on_bytes(
            s in r"[a \t\n\r会\x{0}\x{1f}\x{7f}\x{80}\x{85}\x{9f}\x{a0}\x{c2}\x{100}\x{200e}]{0,12}"
        ) {
            proptest::prop_assert_eq!(has_hidden_control(&s), s.chars().any(is_hidden_control));
        }

        #[test]
        fn neutralise_stops_exactly_where_full_rounds_would(
            text in r"[a-z \n*_`\[\]()<>#|~!&:/.\\-]{0,50}|\[[a-z]{0,5}\]\((https?|javascript|data):[a-z/<>]{0,8}\)[ a-z\[\]<>&]{0,20}|((!?\[){1,3}[a-z<>&\n:]{0,3}(\]\((https?|javascript):[a-z<>]{0,3}\)|\]){1,3}){1,3}"
        ) {
            let quoted = quote_lines(&text);
            proptest::prop_assert_eq!(neutralise(quoted.clone()), neutralise_by_rounds(quoted));
        }
    }

    /// The rule `neutralise` replaced: full rounds of every dialect until one round is
    /// clean, eight at most.
    fn neutralise_by_rounds(mut s: String) -> std::result::Result<String, String> {
        if !s.contains(['<', '[', '&']) {
            return Ok(s);
        }
        for _ in 0..8 {
            let mut clean = true;
            for dialect in reader_dialects() {
                if let Some(next) = rewrite_once(&s, dialect) {
                    s = next;
                    clean = false;
                }
            }
            if clean {
                return Ok(s);
            }
        }
        Err(s)
    }

    use super::*;

    #[test]
    fn safe_url_accepts_only_absolute_allowed_schemes() {
        let link = |s| safe_url(s, UrlKind::Link);
        let image = |s| safe_url(s, UrlKind::Image);
        assert_eq!(
            link("https://Example.COM/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(
            link("http://example.com").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(
            link("mailto:a@example.com").as_deref(),
            Some("mailto:a@example.com")
        );
        assert_eq!(link("tel:+86-10-1234").as_deref(), Some("tel:+86-10-1234"));
        assert_eq!(
            image("https://example.com/i.png").as_deref(),
            Some("https://example.com/i.png")
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "//example.com/x",
            "/relative",
            "relative/path",
            "#frag",
            "?q=1",
            "",
            "ftp://example.com/",
            "blob:https://example.com/x",
        ] {
            assert_eq!(link(bad), None, "{bad:?}");
            assert_eq!(image(bad), None, "{bad:?}");
        }
        assert_eq!(image("http://example.com/i.png"), None);
        assert_eq!(image("mailto:a@example.com"), None);
    }

    #[test]
    fn serialisation_is_what_goes_out() {
        let href = safe_url("https://example.com/\"onmouseover=\"x", UrlKind::Link).unwrap();
        assert!(!href.contains('"'), "{href}");
    }

    #[test]
    fn isolate_closes_what_content_opens() {
        assert_eq!(isolate("plain"), "plain");
        assert_eq!(isolate("a\u{202e}b"), "\u{2068}a\u{202e}b\u{202c}\u{2069}");
        assert_eq!(isolate("\u{2069}x"), "\u{2068}\u{2068}\u{2069}x\u{2069}");
        assert_eq!(isolate("\u{2067}x"), "\u{2068}\u{2067}x\u{2069}\u{2069}");
    }

    #[test]
    fn controls_become_visible_placeholders() {
        assert_eq!(
            visible("a\u{0}b\u{1b}c\u{7f}d\u{85}e"),
            "a\u{2400}b\u{241b}c\u{2421}d\u{27e8}U+0085\u{27e9}e"
        );
        assert_eq!(visible("tab\tlf\ncr\r"), "tab\tlf\ncr\r");
        assert!(matches!(visible("plain \u{202e} bidi"), Cow::Borrowed(_)));
    }

    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<div style=\"position:fixed\">x</div>",
        "<style>body{display:none}</style>",
        "<!-- comment --> <?php x ?> <![CDATA[x]]>",
        "[a](javascript:alert(1))",
        "[a](JAVASCRIPT:alert(1) \"t\")",
        "[a](vbscript:x)",
        "[a](data:text/html;base64,PHNjcmlwdD4=)",
        "![i](javascript:alert(1))",
        "![i](data:image/svg+xml,<svg/onload=alert(1)>)",
        "![i](http://example.com/i.png)",
        "<javascript:alert(1)>",
        "[a][r]\n\n[r]: javascript:alert(1)",
        "[r]\n\n[r]: <javascript:alert(1)>",
        "[a](//example.com/x) [b](/rel) [c](rel)",
        "[x](https://example.com/\" onmouseover=\"alert(1))",
        "<a href=\"https://example.com\" onclick=\"alert(1)\">x</a>",
        "<div>\n[a](javascript:x)\n</div>",
        "`<script>` &#1; &#x85; &lt;script&gt;",
        "| a | b |\n|:--|--:|\n| <b>1</b> | 2 |",
        "# h {#id .cls style=x}",
        "[a ![b](javascript:x)](javascript:y)",
        "[![i](https://example.com/i.png)](javascript:y)",
        "x\u{0}y\u{7}z\u{9b}",
    ];

    fn assert_clean_html(html: &str) {
        let doc = scraper::Html::parse_fragment(html);
        for node in doc.root_element().descendants() {
            let Some(el) = node.value().as_element() else {
                continue;
            };
            assert!(
                !matches!(
                    el.name(),
                    "script" | "style" | "iframe" | "object" | "embed" | "svg" | "math"
                ),
                "{html}"
            );
            // The only div is our own scrolling wrapper around a table.
            if el.name() == "div" {
                let attrs: Vec<_> = el.attrs().collect();
                assert_eq!(attrs, [("class", "md-table"), ("tabindex", "0")], "{html}");
            }
            for (name, value) in el.attrs() {
                assert!(
                    !name.starts_with("on") && name != "style",
                    "{name} in {html}"
                );
                if matches!(name, "href" | "src") {
                    let kind = if name == "src" {
                        UrlKind::Image
                    } else {
                        UrlKind::Link
                    };
                    assert_eq!(safe_url(value, kind).as_deref(), Some(value), "{html}");
                }
            }
        }
        let lower = html.to_ascii_lowercase();
        for bad in ["<script", "<style", "<!--", "&#", "<?"] {
            assert!(!lower.contains(bad), "{bad:?} in {html}");
        }
        assert!(!html.chars().any(is_hidden_control), "{html:?}");
    }

    #[test]
    fn hostile_markdown_gives_clean_html() {
        for input in HOSTILE {
            assert_clean_html(markdown_html(input).as_str());
        }
    }

    #[test]
    fn markdown_html_keeps_text_and_safe_links() {
        let html = markdown_html("**hi** [site](https://example.com) <b>x</b>");
        assert_eq!(
            html.as_str(),
            "<p><strong>hi</strong> <a href=\"https://example.com/\" rel=\"noopener noreferrer nofollow\">site</a> &lt;b&gt;x&lt;/b&gt;</p>\n"
        );
        let html = markdown_html("[a](javascript:alert(1))");
        assert_eq!(html.as_str(), "<p>a (javascript:alert(1))</p>\n");
        let html = markdown_html("![cat](https://example.com/c.png)");
        assert!(
            html.as_str()
                .contains("<img src=\"https://example.com/c.png\" alt=\"cat\""),
            "{html}"
        );
        let html = markdown_html("| a |\n|:-:|\n| 1 |");
        assert!(!html.as_str().contains("style"), "{html}");
    }

    fn assert_clean_markdown(md: &str) {
        let parser = Parser::new_ext(md, Options::all());
        assert_eq!(parser.reference_definitions().iter().count(), 0, "{md}");
        for event in parser {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => panic!("html {h:?} in {md:?}"),
                Event::Start(Tag::Link { dest_url, .. }) => {
                    assert!(
                        safe_url(&dest_url, UrlKind::Link).is_some(),
                        "{dest_url} in {md:?}"
                    )
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    assert!(
                        safe_url(&dest_url, UrlKind::Image).is_some(),
                        "{dest_url} in {md:?}"
                    )
                }
                Event::Text(t) => assert!(!t.chars().any(is_hidden_control), "{md:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn markdown_text_drops_markup_and_keeps_words() {
        assert_eq!(markdown_text("plain words"), "plain words");
        assert_eq!(
            markdown_text("**bold** and `code`\n\n- item <b>x</b>"),
            "bold and code item <b>x</b>"
        );
        assert_eq!(
            markdown_text("[link text](https://example.com) ![alt](https://example.com/i.png)"),
            "link text alt"
        );
        assert_eq!(markdown_text("| a | b |\n|---|---|\n| 1 | 2 |"), "a b 1 2");
    }

    #[test]
    fn hostile_markdown_is_neutralised_for_markdown_pages() {
        for input in HOSTILE {
            let md = markdown_neutralise(input);
            assert_clean_markdown(&md);
            assert_clean_markdown(&md_quote(input));
        }
        assert_eq!(
            markdown_neutralise("[a](javascript:alert(1))"),
            "\\[a](javascript:alert(1))"
        );
        assert_eq!(markdown_neutralise("<b>x</b>"), "&lt;b>x&lt;/b>");
        assert_eq!(
            markdown_neutralise("see [s](https://EXAMPLE.com)"),
            "see [s](<https://example.com/>)"
        );
    }

    #[test]
    fn concatenated_messages_cannot_define_links_for_each_other() {
        let a = md_quote("[x]: https://example.com\n[x]: javascript:alert(1)");
        let b = md_quote("[x]");
        assert_clean_markdown(&format!("{a}\n\n{b}\n"));
    }

    #[test]
    fn md_escape_leaves_no_markup() {
        let hostile = "1. <b>x</b> [a](javascript:x) *e* `c` |t| \\ & # !\n- y";
        let escaped = md_escape(hostile);
        assert!(!escaped.contains('\n'));
        let events: Vec<_> = Parser::new_ext(&escaped, Options::all()).collect();
        assert!(
            events.iter().all(|e| matches!(
                e,
                Event::Text(_) | Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
            )),
            "{events:?}"
        );
        assert_eq!(md_escape("- x"), "\\- x");
        assert_eq!(md_escape(" \t x y"), "\u{a0}\u{a0}\u{a0}x y");
    }

    #[test]
    fn cr_and_crlf_end_quoted_lines() {
        assert_eq!(md_quote("a\rb\r\nc\n\rd"), "> a\n> b\n> c\n>\n> d");
        assert_eq!(md_code("x\ry"), "> ```json\n> x\n> y\n> ```");
        assert_eq!(md_code("x\r"), "> ```json\n> x\n> ```");
        // A tab indents code at a line's start but only by 2 columns after `> `.
        assert_eq!(md_quote("\t<b>"), "> \t&lt;b>");
    }

    #[test]
    fn names_are_isolated_and_fields_closed() {
        assert_eq!(md_name("bob"), "\u{2068}bob\u{2069}");
        assert_eq!(
            md_escape("a\u{202e}b"),
            "\u{2068}a\u{202e}b\u{202c}\u{2069}"
        );
        assert_eq!(md_escape("ab"), "ab");
    }

    #[test]
    fn md_code_fence_outlasts_backticks() {
        let code = md_code("a ```` b");
        assert!(code.starts_with("> `````json\n"), "{code}");
    }
}
