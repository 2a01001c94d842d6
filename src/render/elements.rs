//! Message elements as display blocks: what each `MsgBody` item means to a reader (text,
//! image, file card, desk payload, status note, raw JSON…). Every string from a record is
//! passed through [`visible`] here; URLs through [`safe_url`]. Relays (merged-forward) are
//! flattened into start/message/end blocks so that templates need no recursion.

use chrono_tz::Tz;
use serde_json::Value;

use super::Lang;
use super::cmark::{
    MessageHtml, UrlKind, markdown_html_and_text, markdown_html_with, safe_url, visible,
};
use super::format::{self, TimeView};
use super::i18n::Strings;
use crate::media_index::Display;
use crate::media_index::{Local, MediaLookup};
use crate::model::custom::{self, Choice, Payload, Status};
use crate::model::{Element, ImageInfo, RawReason, Relay, Video};

/// What a block needs to know about the page.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// UI strings.
    pub t: &'static Strings,
    /// Display zone.
    pub tz: Tz,
    /// UI language.
    pub lang: Lang,
    /// Captured media (empty when there is none).
    pub media: &'a MediaLookup,
    /// Whether remote https images may be shown inline (`--remote-images`; `share` never).
    pub remote_images: bool,
    /// Keep the plain text of Markdown blocks for the search index (taken from the same
    /// parse as their HTML).
    pub index_text: bool,
}

/// A media URL of a card that is not in the archive, and why.
#[derive(Debug, Clone)]
pub struct NotArchived {
    /// The URL as text (placeholders for controls).
    pub url: String,
    /// Why (from data/media/index.json).
    pub reason: String,
}

/// A URL from a record: a link when [`safe_url`] accepts it, else text.
#[derive(Debug, Clone)]
pub struct UrlView {
    /// The serialised URL, when it may be a link.
    pub href: Option<String>,
    /// The URL as given (placeholders for controls), shown when it is not a link.
    pub text: String,
}

impl UrlView {
    fn new(raw: &str) -> Option<UrlView> {
        (!raw.is_empty()).then(|| UrlView {
            href: safe_url(raw, UrlKind::Link),
            text: visible(raw).into_owned(),
        })
    }
}

/// An https image shown inline.
#[derive(Debug, Clone)]
pub struct Thumb {
    /// The serialised https URL.
    pub src: String,
    /// Pixels, when known.
    pub width: Option<u64>,
    /// Pixels, when known.
    pub height: Option<u64>,
}

/// A card: media, file, location, product, order…
#[derive(Debug, Clone)]
pub struct Card {
    /// CSS modifier (`image`, `file`, `sound`, …).
    pub kind: &'static str,
    /// What it is ("Image").
    pub label: String,
    /// Its name or header.
    pub title: String,
    /// Description.
    pub body: String,
    /// Inline picture.
    pub thumb: Option<Thumb>,
    /// Main link.
    pub link: Option<UrlView>,
    /// Text of the main link.
    pub link_label: String,
    /// Short facts: size, dimensions, duration.
    pub facts: Vec<String>,
    /// An identifier (UUID) shown small.
    pub id: String,
    /// The captured copy of the card's main object.
    pub local: Option<Local>,
    /// Media of the card that capture tried and could not archive.
    pub not_archived: Vec<NotArchived>,
}

/// One choice as shown.
#[derive(Debug, Clone)]
pub struct ChoiceView {
    /// Its text.
    pub text: String,
    /// Its description.
    pub desc: String,
    /// Whether it is the selected one.
    pub selected: bool,
}

/// A menu, form, welcome or rating request.
#[derive(Debug, Clone)]
pub struct Choices {
    /// What it is.
    pub label: String,
    /// Its header.
    pub title: String,
    /// The choices.
    pub items: Vec<ChoiceView>,
    /// Closing text.
    pub tail: String,
    /// The selected choice, when it is not one of `items`.
    pub selected: String,
}

/// One display block of a message.
#[derive(Debug, Clone)]
pub enum Block {
    /// Markdown text (text element, rich text 30, stream 31).
    Markdown {
        /// Rendered, sanitised HTML.
        html: MessageHtml,
        /// The Markdown (placeholders applied later by the Markdown page).
        source: String,
        /// What a reader sees of it, without markup (`cmark::markdown_text`), when the
        /// search index wants it ([`Ctx::index_text`]).
        text: Option<String>,
        /// A note after it (e.g. stream not finished).
        note: String,
    },
    /// A card.
    Card(Card),
    /// Choices.
    Choices(Choices),
    /// A muted, collapsed system note with its payload.
    Note {
        /// What it says.
        label: String,
        /// The payload as JSON.
        json: String,
    },
    /// A labelled, collapsed raw JSON block (unknown or unreadable).
    Raw {
        /// What it is.
        label: String,
        /// The JSON.
        json: String,
    },
    /// The collapsed payload behind a rendered custom element.
    Payload {
        /// The JSON.
        json: String,
    },
    /// A forwarded-messages block begins.
    RelayStart {
        /// `Title`.
        title: String,
        /// Count and key facts.
        facts: Vec<String>,
        /// `AbstractList` / `CompatibleText`, shown when there is no inline list.
        abstracts: Vec<String>,
        /// The note that the list is stored elsewhere (`JsonMsgKey`), or empty.
        elsewhere: String,
    },
    /// A forwarded message begins.
    RelayMessage {
        /// `From_Account`.
        sender: String,
        /// `MsgTimeStamp` (seconds).
        time: Option<TimeView>,
        /// `MsgTimeStamp` when outside 2000–2100: shown as the raw number, marked.
        raw_time: Option<i64>,
    },
    /// A forwarded message ends.
    RelayMessageEnd,
    /// The forwarded-messages block ends.
    RelayEnd,
}

/// Appends the blocks of `element` to `out`.
pub fn push_blocks(out: &mut Vec<Block>, element: &Element, cx: Ctx<'_>) {
    let t = cx.t;
    match element {
        Element::Text { text } => out.push(markdown(text, String::new(), cx)),
        Element::Image {
            uuid,
            format,
            infos,
        } => out.push(Block::Card(image(uuid, *format, infos, cx))),
        Element::File {
            url,
            uuid,
            size,
            name,
        } => out.push(Block::Card(with_local(
            Card {
                title: visible(if name.is_empty() { uuid } else { name }).into_owned(),
                facts: size.map(format::bytes).into_iter().collect(),
                link_label: t.download.to_owned(),
                ..card("file", t.file, url.as_deref(), uuid)
            },
            url.as_deref(),
            cx,
        ))),
        Element::Sound {
            url,
            uuid,
            size,
            seconds,
        } => out.push(Block::Card(with_local(
            Card {
                facts: seconds
                    .map(format::clock)
                    .into_iter()
                    .chain(size.map(format::bytes))
                    .collect(),
                link_label: t.open.to_owned(),
                ..card("sound", t.voice, url.as_deref(), uuid)
            },
            url.as_deref(),
            cx,
        ))),
        Element::Video(video) => out.push(Block::Card(video_card(video, cx))),
        Element::Location {
            desc,
            latitude,
            longitude,
        } => out.push(Block::Card(location(desc, *latitude, *longitude, t))),
        Element::Face { index, data } => out.push(Block::Card(Card {
            title: visible(data).into_owned(),
            facts: index
                .map(|i| format!("{} {i}", t.index))
                .into_iter()
                .collect(),
            ..card("face", t.face, None, "")
        })),
        Element::Custom {
            data,
            desc,
            ext,
            sound,
        } => push_custom(out, data, desc, ext, sound, cx),
        Element::Relay(relay) => push_relay(out, relay, cx),
        Element::Redacted {
            msg_type,
            size,
            seconds,
        } => out.push(Block::Card(redacted(msg_type, *size, *seconds, t))),
        Element::Raw {
            msg_type,
            reason,
            json,
        } => {
            let what = match reason {
                RawReason::UnknownType => t.unsupported,
                RawReason::Malformed => t.unreadable,
            };
            let label = if msg_type.is_empty() {
                what.to_owned()
            } else {
                format!("{what}: {}", visible(msg_type))
            };
            out.push(Block::Raw {
                label,
                json: pretty(json),
            });
        }
    }
}

impl Card {
    /// The card's link target, when it may be a link.
    pub fn href(&self) -> Option<&str> {
        self.link.as_ref().and_then(|l| l.href.as_deref())
    }

    /// Where the main link goes: the captured copy, else the remote URL when safe.
    pub fn open_href(&self) -> Option<&str> {
        match &self.local {
            Some(l) => Some(&l.href),
            None => self.href(),
        }
    }

    /// `audio` or `video` when the captured copy can be played in the page.
    pub fn player(&self) -> Option<&'static str> {
        match self.local.as_ref()?.display {
            Display::Audio if self.kind == "sound" => Some("audio"),
            Display::Video if self.kind == "video" => Some("video"),
            _ => None,
        }
    }

    /// Whether the captured copy must be offered as a download only (not shown inline,
    /// e.g. an SVG stored as `.svg.txt`).
    pub fn download_only(&self) -> bool {
        self.local
            .as_ref()
            .is_some_and(|l| l.display == Display::Download)
    }

    /// Whether the record gave no address for media that should have one.
    pub fn missing_url(&self) -> bool {
        self.link.is_none() && matches!(self.kind, "image" | "file" | "sound" | "video")
    }
}

fn markdown(text: &str, note: String, cx: Ctx<'_>) -> Block {
    let (html, words) = match cx.index_text {
        true => {
            let (html, words) = markdown_html_and_text(text, cx.remote_images);
            (html, Some(words))
        }
        false => (markdown_html_with(text, cx.remote_images), None),
    };
    Block::Markdown {
        html,
        source: text.to_owned(),
        text: words,
        note,
    }
}

fn card(kind: &'static str, label: &str, url: Option<&str>, id: &str) -> Card {
    Card {
        kind,
        label: label.to_owned(),
        title: String::new(),
        body: String::new(),
        thumb: None,
        link: url.and_then(UrlView::new),
        link_label: String::new(),
        facts: Vec::new(),
        id: visible(id).into_owned(),
        local: None,
        not_archived: Vec::new(),
    }
}

/// The captured copy of `url`; a failed capture is noted on the card instead.
fn media_of(url: Option<&str>, cx: Ctx<'_>, notes: &mut Vec<NotArchived>) -> Option<Local> {
    let url = url.filter(|u| !u.is_empty())?;
    if let Some(local) = cx.media.local(url) {
        return Some(local);
    }
    if let Some(f) = cx.media.failure(url) {
        notes.push(NotArchived {
            url: visible(url).into_owned(),
            reason: visible(&f.error).into_owned(),
        });
    }
    None
}

/// The card with `url`'s captured copy as its main object.
fn with_local(mut card: Card, url: Option<&str>, cx: Ctx<'_>) -> Card {
    card.local = media_of(url, cx, &mut card.not_archived);
    card
}

/// An inline picture: the captured copy when it is a raster image, else the https URL.
fn local_or_remote_thumb(
    url: Option<&str>,
    width: Option<u64>,
    height: Option<u64>,
    cx: Ctx<'_>,
    notes: &mut Vec<NotArchived>,
) -> Option<Thumb> {
    match media_of(url, cx, notes) {
        Some(l) if l.display == Display::Image => Some(Thumb {
            src: l.href,
            width,
            height,
        }),
        _ if cx.remote_images => thumb(url, width, height),
        _ => None,
    }
}

fn thumb(url: Option<&str>, width: Option<u64>, height: Option<u64>) -> Option<Thumb> {
    let src = safe_url(url?, UrlKind::Image)?;
    Some(Thumb { src, width, height })
}

fn dimensions(width: Option<u64>, height: Option<u64>) -> Option<String> {
    Some(format!("{} × {}", width?, height?))
}

/// The thumbnail is the smallest https entry (by area, then bytes); the link goes to the
/// original (Type 1, else the largest).
fn image(uuid: &str, format: Option<i64>, infos: &[ImageInfo], cx: Ctx<'_>) -> Card {
    let t = cx.t;
    let area = |i: &ImageInfo| {
        i.width
            .zip(i.height)
            .map_or(u64::MAX, |(w, h)| w.saturating_mul(h))
    };
    let small = infos
        .iter()
        .filter(|i| {
            i.url
                .as_deref()
                .and_then(|u| safe_url(u, UrlKind::Image))
                .is_some()
        })
        .min_by_key(|i| (area(i), i.size.unwrap_or(u64::MAX)));
    let original = infos.iter().filter(|i| i.url.is_some()).max_by_key(|i| {
        (
            i.kind == Some(1),
            i.width
                .zip(i.height)
                .map_or(0, |(w, h)| w.saturating_mul(h)),
        )
    });
    let format_name = match format {
        Some(1) => Some("JPG"),
        Some(2) => Some("GIF"),
        Some(3) => Some("PNG"),
        Some(4) => Some("BMP"),
        _ => None,
    };
    let mut facts: Vec<String> = Vec::new();
    if let Some(o) = original {
        facts.extend(dimensions(o.width, o.height));
        facts.extend(o.size.map(format::bytes));
    }
    facts.extend(format_name.map(str::to_owned));
    let mut notes = Vec::new();
    let locals: Vec<(&ImageInfo, Local)> = infos
        .iter()
        .filter_map(|i| Some((i, media_of(i.url.as_deref(), cx, &mut notes)?)))
        .collect();
    let local_thumb = locals
        .iter()
        .filter(|(_, l)| l.display == Display::Image)
        .min_by_key(|(i, _)| (area(i), i.size.unwrap_or(u64::MAX)))
        .map(|(i, l)| Thumb {
            src: l.href.clone(),
            width: i.width,
            height: i.height,
        });
    let local_original = locals
        .iter()
        .max_by_key(|(i, _)| {
            let pixels = i
                .width
                .zip(i.height)
                .map_or(0, |(w, h)| w.saturating_mul(h));
            (i.kind == Some(1), pixels)
        })
        .map(|(_, l)| l.clone());
    Card {
        thumb: local_thumb.or_else(|| {
            small
                .filter(|_| cx.remote_images)
                .and_then(|i| thumb(i.url.as_deref(), i.width, i.height))
        }),
        link_label: t.open.to_owned(),
        facts,
        local: local_original,
        not_archived: notes,
        ..card(
            "image",
            t.image,
            original.and_then(|o| o.url.as_deref()),
            uuid,
        )
    }
}

fn video_card(v: &Video, cx: Ctx<'_>) -> Card {
    let t = cx.t;
    let mut facts: Vec<String> = v
        .seconds
        .filter(|s| *s > 0.0)
        .map(format::clock)
        .into_iter()
        .collect();
    facts.extend(v.size.map(format::bytes));
    if !v.format.is_empty() {
        facts.push(visible(&v.format).to_uppercase());
    }
    let mut notes = Vec::new();
    let local = media_of(v.url.as_deref(), cx, &mut notes);
    let thumb = local_or_remote_thumb(
        v.thumb_url.as_deref(),
        v.thumb_width,
        v.thumb_height,
        cx,
        &mut notes,
    );
    Card {
        thumb,
        link_label: t.open.to_owned(),
        facts,
        local,
        not_archived: notes,
        ..card("video", t.video, v.url.as_deref(), &v.uuid)
    }
}

/// The placeholder of a media element a redaction profile replaced: what it was and
/// how large, nothing more.
fn redacted(msg_type: &str, size: Option<u64>, seconds: Option<f64>, t: &Strings) -> Card {
    let label = match msg_type {
        "TIMImageElem" => t.image,
        "TIMFileElem" => t.file,
        "TIMSoundElem" => t.voice,
        _ => t.video,
    };
    Card {
        title: t.media_redacted.to_owned(),
        facts: seconds
            .filter(|s| *s > 0.0)
            .map(format::clock)
            .into_iter()
            .chain(size.map(format::bytes))
            .collect(),
        ..card("redacted", label, None, "")
    }
}

fn location(desc: &str, lat: Option<f64>, lon: Option<f64>, t: &Strings) -> Card {
    let coords = lat
        .zip(lon)
        .filter(|(la, lo)| la.abs() <= 90.0 && lo.abs() <= 180.0);
    let map = coords.map(|(la, lo)| {
        format!("https://www.openstreetmap.org/?mlat={la}&mlon={lo}#map=16/{la}/{lo}")
    });
    let mut facts = Vec::new();
    match (lat, lon) {
        (Some(la), Some(lo)) => facts.push(format!("{la}, {lo}")),
        (la, lo) => facts.extend(la.into_iter().chain(lo).map(|v| v.to_string())),
    }
    Card {
        title: visible(desc).into_owned(),
        link_label: t.open_map.to_owned(),
        facts,
        ..card("location", t.location, map.as_deref(), "")
    }
}

fn push_custom(out: &mut Vec<Block>, data: &str, desc: &str, ext: &str, sound: &str, cx: Ctx<'_>) {
    let t = cx.t;
    // `Data` is parsed once, for what it means and for the pretty-printed payload.
    let parsed = serde_json::from_str::<Value>(data).ok();
    let payload_json = payload_json(parsed.as_ref(), data, desc, ext, sound);
    let v = |s: &str| visible(s).into_owned();
    let mut notes = Vec::new();
    let block = match parsed.as_ref().map_or(Payload::Unknown, custom::from_value) {
        Payload::ProductCard {
            header,
            desc,
            pic,
            url,
        } => Block::Card(Card {
            title: v(&header),
            body: v(&desc),
            thumb: local_or_remote_thumb(Some(&pic), None, None, cx, &mut notes),
            not_archived: std::mem::take(&mut notes),
            link_label: t.open.to_owned(),
            facts: if pic.is_empty() || safe_url(&pic, UrlKind::Image).is_some() {
                Vec::new()
            } else {
                vec![v(&pic)]
            },
            ..card("product", t.product, Some(&url), "")
        }),
        Payload::Branch {
            header,
            items,
            tail,
            selected,
        } => choices(t.options, &header, &items, &tail, selected.as_ref()),
        Payload::Welcome { title, items } => choices(t.welcome, &title, &items, "", None),
        Payload::RatingRequest {
            head,
            tail,
            stars,
            menu,
            selected,
        } => {
            let menu: Vec<Choice> = if stars {
                menu.into_iter().map(star_choice).collect()
            } else {
                menu
            };
            choices(
                t.rating_request,
                &head,
                &menu,
                &tail,
                selected.map(star_choice).as_ref(),
            )
        }
        Payload::RatingAnswer(c) => Block::Card(Card {
            title: v(&c.content),
            facts: if c.id.is_empty() {
                Vec::new()
            } else {
                vec![v(&c.id)]
            },
            ..card("rating", t.rating_answer, None, "")
        }),
        Payload::Form { header, items, .. } => choices(t.form, &header, &items, "", None),
        Payload::RichText(text) => markdown(&text, String::new(), cx),
        Payload::Stream { text, finished } => markdown(
            &text,
            if finished {
                String::new()
            } else {
                t.stream_unfinished.to_owned()
            },
            cx,
        ),
        Payload::TextLink { text, link } => Block::Card(Card {
            title: v(&text),
            link_label: t.open.to_owned(),
            ..card("link", t.link, Some(&link), "")
        }),
        Payload::Evaluation { score, comment } => Block::Card(Card {
            title: v(&score),
            body: v(&comment),
            ..card("rating", t.evaluation, None, "")
        }),
        Payload::Order {
            title,
            description,
            price,
            image,
            link,
        } => Block::Card(Card {
            title: v(&title),
            body: v(&description),
            facts: if price.is_empty() {
                Vec::new()
            } else {
                vec![v(&price)]
            },
            thumb: local_or_remote_thumb(Some(&image), None, None, cx, &mut notes),
            not_archived: std::mem::take(&mut notes),
            link_label: t.open.to_owned(),
            ..card("order", t.order, Some(&link), "")
        }),
        Payload::Status(status) => {
            out.push(Block::Note {
                label: status_label(&status, t),
                json: payload_json,
            });
            return;
        }
        Payload::Call => {
            out.push(Block::Note {
                label: t.call.to_owned(),
                json: payload_json,
            });
            return;
        }
        Payload::Unknown => {
            let label = if desc.is_empty() {
                t.custom.to_owned()
            } else {
                format!("{}: {}", t.custom, v(desc))
            };
            out.push(Block::Raw {
                label,
                json: payload_json,
            });
            return;
        }
    };
    out.push(block);
    out.push(Block::Payload { json: payload_json });
}

fn star_choice(c: Choice) -> Choice {
    match c.id.parse::<usize>() {
        Ok(n @ 1..=5) => Choice {
            content: format!("{} {}", "★".repeat(n), c.content),
            ..c
        },
        _ => c,
    }
}

fn choices(
    label: &str,
    title: &str,
    items: &[Choice],
    tail: &str,
    selected: Option<&Choice>,
) -> Block {
    let is_selected = |c: &Choice| selected.is_some_and(|s| s.content == c.content && s.id == c.id);
    let listed = items.iter().any(is_selected);
    Block::Choices(Choices {
        label: label.to_owned(),
        title: visible(title).into_owned(),
        items: items
            .iter()
            .map(|c| ChoiceView {
                text: visible(&c.content).into_owned(),
                desc: visible(&c.desc).into_owned(),
                selected: is_selected(c),
            })
            .collect(),
        tail: visible(tail).into_owned(),
        selected: match selected {
            Some(s) if !listed => visible(&s.content).into_owned(),
            _ => String::new(),
        },
    })
}

fn status_label(status: &Status, t: &Strings) -> String {
    match status {
        Status::Typing => t.typing.to_owned(),
        Status::SessionEnded => t.session_ended.to_owned(),
        Status::SessionTimeout => t.session_timeout.to_owned(),
        Status::ConversationOpened => t.conversation_opened.to_owned(),
        Status::ClientState => t.client_state.to_owned(),
        Status::BotCommand(c) if c.is_empty() => t.bot_command.to_owned(),
        Status::BotCommand(c) => format!("{}: {}", t.bot_command, visible(c)),
        Status::NoAgent => t.no_agent.to_owned(),
        Status::SatisfactionSettings => t.satisfaction_settings.to_owned(),
        Status::Other(src) => format!("{} (src {})", t.desk_event, visible(src)),
    }
}

/// The custom element as an object, `Data` parsed when it is JSON (`parsed`, else the
/// text as a string), pretty-printed; `Desc`, `Ext` and `Sound` only when not empty.
fn payload_json(parsed: Option<&Value>, data: &str, desc: &str, ext: &str, sound: &str) -> String {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Shown<'a> {
        data: DataShown<'a>,
        #[serde(skip_serializing_if = "str::is_empty")]
        desc: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        ext: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        sound: &'a str,
    }
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum DataShown<'a> {
        Json(&'a Value),
        Text(&'a str),
    }
    let shown = Shown {
        data: parsed.map_or(DataShown::Text(data), DataShown::Json),
        desc,
        ext,
        sound,
    };
    visible(&serde_json::to_string_pretty(&shown).unwrap_or_default()).into_owned()
}

/// JSON text pretty-printed when it parses, as given otherwise; placeholders for controls.
pub fn pretty(json: &str) -> String {
    let text = serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_owned());
    visible(&text).into_owned()
}

fn push_relay(out: &mut Vec<Block>, relay: &Relay, cx: Ctx<'_>) {
    let t = cx.t;
    let mut facts = Vec::new();
    if let Some(n) = relay.msg_num {
        facts.push(format!("{n} {}", t.messages_counted));
    }
    let inline = relay.messages.as_ref();
    let mut abstracts: Vec<String> = Vec::new();
    if inline.is_none() {
        abstracts.extend(relay.abstract_list.iter().map(|a| visible(a).into_owned()));
        if abstracts.is_empty() && !relay.compatible_text.is_empty() {
            abstracts.push(visible(&relay.compatible_text).into_owned());
        }
    }
    let elsewhere = match (&relay.json_msg_key, inline) {
        (Some(key), None) => format!("{} (JsonMsgKey {})", t.forwarded_elsewhere, visible(key)),
        (Some(key), Some(_)) => format!("JsonMsgKey {}", visible(key)),
        _ => String::new(),
    };
    let title = if relay.title.is_empty() {
        t.forwarded.to_owned()
    } else {
        visible(&relay.title).into_owned()
    };
    out.push(Block::RelayStart {
        title,
        facts,
        abstracts,
        elsewhere,
    });
    for m in inline.into_iter().flatten() {
        let time = m.timestamp_s.and_then(|s| format::time_s(s, cx.tz));
        out.push(Block::RelayMessage {
            sender: visible(&m.from_account).into_owned(),
            raw_time: m.timestamp_s.filter(|_| time.is_none()),
            time,
        });
        for e in &m.elements {
            push_blocks(out, e, cx);
        }
        out.push(Block::RelayMessageEnd);
    }
    out.push(Block::RelayEnd);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ImageInfo;

    static NO_MEDIA: std::sync::LazyLock<MediaLookup> =
        std::sync::LazyLock::new(MediaLookup::default);

    fn cx() -> Ctx<'static> {
        Ctx {
            t: super::super::i18n::strings(Lang::En),
            tz: chrono_tz::UTC,
            lang: Lang::En,
            media: &NO_MEDIA,
            remote_images: true,
            index_text: false,
        }
    }

    /// The payload shown under a custom element, built the way it was before `Data` was
    /// parsed once: a `Value` object, then pretty-printed.
    fn payload_json_via_value(data: &str, desc: &str, ext: &str, sound: &str) -> String {
        let data_value =
            serde_json::from_str::<Value>(data).unwrap_or_else(|_| Value::String(data.to_owned()));
        let mut o = serde_json::Map::new();
        o.insert("Data".into(), data_value);
        for (k, s) in [("Desc", desc), ("Ext", ext), ("Sound", sound)] {
            if !s.is_empty() {
                o.insert(k.into(), Value::String(s.to_owned()));
            }
        }
        visible(&serde_json::to_string_pretty(&Value::Object(o)).unwrap_or_default()).into_owned()
    }

    #[test]
    fn payload_json_shows_what_the_value_object_showed() {
        let datas = [
            r#"{"src":"22","content":{"header":"A","pic":"https://x.invalid/p.png"}}"#,
            r#"{"z":1,"a":[1,2,{"b":null}],"m":"\u0001\u0085"}"#,
            r#"{"src":"9","src":"10"}"#,
            r#"not json {"#,
            "",
            "12",
            r#""a string""#,
            "text with \u{85} and \u{7} controls",
        ];
        for data in datas {
            for (desc, ext, sound) in [
                ("", "", ""),
                ("d", "", "s"),
                ("", "e\u{1}", ""),
                ("d", "e", "s"),
            ] {
                let parsed = serde_json::from_str::<Value>(data).ok();
                assert_eq!(
                    payload_json(parsed.as_ref(), data, desc, ext, sound),
                    payload_json_via_value(data, desc, ext, sound),
                    "{data:?} {desc:?} {ext:?} {sound:?}"
                );
            }
        }
    }

    #[test]
    fn image_uses_smallest_https_thumbnail_and_links_the_original() {
        let info = |kind, w, url: &str| ImageInfo {
            kind: Some(kind),
            size: Some(w * 10),
            width: Some(w),
            height: Some(w),
            url: Some(url.into()),
        };
        let infos = vec![
            info(1, 1000, "https://example.com/o.jpg"),
            info(2, 500, "https://example.com/l.jpg"),
            info(3, 100, "http://example.com/t.jpg"),
        ];
        let mut out = Vec::new();
        push_blocks(
            &mut out,
            &Element::Image {
                uuid: "u".into(),
                format: Some(1),
                infos,
            },
            cx(),
        );
        let Block::Card(card) = &out[0] else { panic!() };
        assert_eq!(
            card.thumb.as_ref().map(|t| t.src.as_str()),
            Some("https://example.com/l.jpg")
        );
        assert_eq!(
            card.link.as_ref().and_then(|l| l.href.as_deref()),
            Some("https://example.com/o.jpg")
        );
        assert_eq!(card.facts, ["1000 × 1000", "9.8 KiB", "JPG"]);
    }

    #[test]
    fn unsafe_urls_stay_text() {
        let mut out = Vec::new();
        let file = Element::File {
            url: Some("javascript:alert(1)".into()),
            uuid: "f".into(),
            size: None,
            name: "a".into(),
        };
        push_blocks(&mut out, &file, cx());
        let Block::Card(card) = &out[0] else { panic!() };
        let link = card.link.as_ref().unwrap();
        assert_eq!(
            (link.href.as_deref(), link.text.as_str()),
            (None, "javascript:alert(1)")
        );
    }

    #[test]
    fn custom_payloads_become_blocks_and_keep_their_payload() {
        let mut out = Vec::new();
        let custom = |data: &str| Element::Custom {
            data: data.into(),
            desc: String::new(),
            ext: String::new(),
            sound: String::new(),
        };
        push_blocks(&mut out, &custom(r#"{"src":"19"}"#), cx());
        push_blocks(
            &mut out,
            &custom(r#"{"src":"22","content":{"header":"P","url":"https://example.com"}}"#),
            cx(),
        );
        push_blocks(&mut out, &custom("plain"), cx());
        assert!(matches!(&out[0], Block::Note { label, .. } if label == "Session ended"));
        assert!(matches!(&out[1], Block::Card(c) if c.title == "P"));
        assert!(matches!(&out[2], Block::Payload { json } if json.contains("\"src\": \"22\"")));
        assert!(matches!(&out[3], Block::Raw { json, .. } if json.contains("plain")));
    }
}
