//! The fast path of [`super::parse_message`]: the common shapes of a message deserialised
//! straight into [`Message`], without building a `serde_json::Value` for every object.
//!
//! It answers only when its result is exactly what the general parser
//! ([`super::parse_message_slow`]) gives; anything else — a duplicate key, a field of an
//! unexpected type, an element that would be shown raw, a message that is not an object,
//! JSON the general parser rejects (lone surrogates, numbers out of range, nesting past the
//! parser's limit) — is an error here, and the caller falls back to the general parser.
//! Scalars are still read as `Value`s (cheap: no map), so the number and string rules of
//! the general parser (`as_i64`, `display_string`, …) apply to them unchanged; values this
//! view ignores are checked by [`Checked`] exactly as a `Value` would parse them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{
    Element, ImageInfo, Message, Relay, RelayMessage, Role, Video, as_f64, as_i64, as_u64,
};

/// Parses `raw` when it has a shape this path handles exactly; `None` otherwise.
pub(super) fn parse(index: usize, raw: &str) -> Option<Message> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let message = MessageSeed(index).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(message)
}

/// The error that sends a message to the general parser.
fn fall_back<E: de::Error>() -> E {
    E::custom("not a shape the fast path handles")
}

/// Stores `value` in `slot`, refusing a second value for the same key (the general
/// parser's map would keep the last one, in the first one's place).
fn set<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(fall_back());
    }
    *slot = Some(value);
    Ok(())
}

/// A string as itself, null as empty, anything else as its JSON text (`display_string`).
fn display_owned(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A non-empty string value (`opt_string`).
fn opt_owned(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// `display_owned` of a field that may be absent.
fn string_owned(v: Option<Value>) -> String {
    v.map(display_owned).unwrap_or_default()
}

/// A map key, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Any JSON value, checked as `Value` would parse it (same grammar, number range, escapes
/// and nesting limit) and then dropped without being built.
struct Checked;

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Key)?.is_some() {
            map.next_value_seed(Checked)?;
        }
        Ok(())
    }
}

/// A whole message object.
struct MessageSeed(usize);

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Message;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Message, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed {
    type Value = Message;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let (mut from, mut role, mut time, mut body) = (None, None, None, None);
        let mut extra_fields: Vec<(String, String)> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "FromAccount" => set(&mut from, map.next_value::<Value>()?)?,
                "FromAccountRole" => set(&mut role, map.next_value::<Value>()?)?,
                "Timestamp" => set(&mut time, map.next_value::<Value>()?)?,
                "MsgBody" => set(&mut body, map.next_value_seed(BODY)?)?,
                other => {
                    if extra_fields.iter().any(|(k, _)| k == other) {
                        return Err(fall_back());
                    }
                    let text = map.next_value::<Value>()?.to_string();
                    extra_fields.push((key.into_owned(), text));
                }
            }
        }
        let role_code = role.as_ref().and_then(as_i64);
        Ok(Message {
            index: self.0,
            from_account: string_owned(from),
            role_code,
            role: Role::from_code(role_code),
            timestamp_ms: time.as_ref().and_then(as_i64),
            elements: body.unwrap_or_default(),
            extra_fields,
        })
    }
}

/// An array whose every item `S` must parse (`MsgBody`, `ImageInfoArray`, a relay's
/// `MsgList`); `.1` names it in errors.
#[derive(Clone, Copy)]
struct Seq<S>(S, &'static str);

impl<'de, S: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for Seq<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Copy> Visitor<'de> for Seq<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(items)
    }
}

/// A message's (or a relayed message's) `MsgBody`.
const BODY: Seq<ElementSeed> = Seq(ElementSeed, "a MsgBody array");

/// One `MsgBody` item: `MsgType` and `MsgContent` in either order.
#[derive(Clone, Copy)]
struct ElementSeed;

impl<'de> DeserializeSeed<'de> for ElementSeed {
    type Value = Element;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Element, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed {
    type Value = Element;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an element object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        let (mut msg_type, mut content) = (None, None);
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                // Not a string: the general parser shows the element raw.
                "MsgType" => set(&mut msg_type, map.next_value_seed(Key)?)?,
                "MsgContent" => set(&mut content, map.next_value_seed(ContentSeed)?)?,
                _ => map.next_value_seed(Checked)?,
            }
        }
        let (Some(msg_type), Some(content)) = (msg_type, content) else {
            return Err(fall_back());
        };
        content.into_element(&msg_type).ok_or_else(fall_back)
    }
}

/// The `MsgContent` keys any element type reads, as indexes into [`Content::slots`].
mod k {
    pub(super) const TEXT: usize = 0;
    pub(super) const DESC: usize = 1;
    pub(super) const LATITUDE: usize = 2;
    pub(super) const LONGITUDE: usize = 3;
    pub(super) const INDEX: usize = 4;
    pub(super) const DATA: usize = 5;
    pub(super) const EXT: usize = 6;
    pub(super) const SOUND: usize = 7;
    pub(super) const URL: usize = 8;
    pub(super) const UUID: usize = 9;
    pub(super) const SIZE: usize = 10;
    pub(super) const SECOND: usize = 11;
    pub(super) const IMAGE_FORMAT: usize = 12;
    pub(super) const FILE_SIZE: usize = 13;
    pub(super) const FILE_NAME: usize = 14;
    pub(super) const FILE_NAME_LOWER: usize = 15;
    pub(super) const VIDEO_URL: usize = 16;
    pub(super) const VIDEO_UUID: usize = 17;
    pub(super) const VIDEO_SIZE: usize = 18;
    pub(super) const VIDEO_SECOND: usize = 19;
    pub(super) const VIDEO_FORMAT: usize = 20;
    pub(super) const THUMB_URL: usize = 21;
    pub(super) const THUMB_WIDTH: usize = 22;
    pub(super) const THUMB_HEIGHT: usize = 23;
    pub(super) const THUMB_SIZE: usize = 24;
    pub(super) const REDACTED: usize = 25;
    pub(super) const TITLE: usize = 26;
    pub(super) const MSG_NUM: usize = 27;
    pub(super) const COMPATIBLE_TEXT: usize = 28;
    pub(super) const ABSTRACT_LIST: usize = 29;
    pub(super) const JSON_MSG_KEY: usize = 30;
    pub(super) const COUNT: usize = 31;

    /// The slot of a `MsgContent` key, if any element type reads it.
    pub(super) fn slot(key: &str) -> Option<usize> {
        Some(match key {
            "Text" => TEXT,
            "Desc" => DESC,
            "Latitude" => LATITUDE,
            "Longitude" => LONGITUDE,
            "Index" => INDEX,
            "Data" => DATA,
            "Ext" => EXT,
            "Sound" => SOUND,
            "Url" => URL,
            "UUID" => UUID,
            "Size" => SIZE,
            "Second" => SECOND,
            "ImageFormat" => IMAGE_FORMAT,
            "FileSize" => FILE_SIZE,
            "FileName" => FILE_NAME,
            "fileName" => FILE_NAME_LOWER,
            "VideoUrl" => VIDEO_URL,
            "VideoUUID" => VIDEO_UUID,
            "VideoSize" => VIDEO_SIZE,
            "VideoSecond" => VIDEO_SECOND,
            "VideoFormat" => VIDEO_FORMAT,
            "ThumbUrl" => THUMB_URL,
            "ThumbWidth" => THUMB_WIDTH,
            "ThumbHeight" => THUMB_HEIGHT,
            "ThumbSize" => THUMB_SIZE,
            "Redacted" => REDACTED,
            "Title" => TITLE,
            "MsgNum" => MSG_NUM,
            "CompatibleText" => COMPATIBLE_TEXT,
            "AbstractList" => ABSTRACT_LIST,
            "JsonMsgKey" => JSON_MSG_KEY,
            _ => return None,
        })
    }
}

/// A `MsgContent` object: the values of the keys some element type reads.
#[derive(Default)]
struct Content {
    slots: [Option<Value>; k::COUNT],
    /// `ImageInfoArray`, when an array of objects.
    infos: Option<Vec<ImageInfo>>,
    /// `MsgList`: absent, `null` (`Some(None)`) or an array of objects.
    msg_list: Option<Option<Vec<RelayMessage>>>,
}

impl Content {
    fn take(&mut self, slot: usize) -> Option<Value> {
        self.slots[slot].take()
    }

    fn string(&mut self, slot: usize) -> String {
        string_owned(self.take(slot))
    }

    fn opt_string(&mut self, slot: usize) -> Option<String> {
        opt_owned(self.take(slot))
    }

    fn i64(&self, slot: usize) -> Option<i64> {
        self.slots[slot].as_ref().and_then(as_i64)
    }

    fn u64(&self, slot: usize) -> Option<u64> {
        self.slots[slot].as_ref().and_then(as_u64)
    }

    fn f64(&self, slot: usize) -> Option<f64> {
        self.slots[slot].as_ref().and_then(as_f64)
    }

    /// The element `parse_content` builds, or `None` where it would give a raw block.
    fn into_element(mut self, msg_type: &str) -> Option<Element> {
        let media = matches!(
            msg_type,
            "TIMImageElem" | "TIMFileElem" | "TIMSoundElem" | "TIMVideoFileElem"
        );
        if media && matches!(self.slots[k::REDACTED], Some(Value::String(_))) {
            return Some(Element::Redacted {
                msg_type: msg_type.to_owned(),
                size: self.u64(k::SIZE),
                seconds: self.f64(k::SECOND),
            });
        }
        Some(match msg_type {
            "TIMTextElem" => match self.take(k::TEXT) {
                Some(Value::String(text)) => Element::Text { text },
                _ => return None,
            },
            "TIMLocationElem" => Element::Location {
                desc: self.string(k::DESC),
                latitude: self.f64(k::LATITUDE),
                longitude: self.f64(k::LONGITUDE),
            },
            "TIMFaceElem" => Element::Face {
                index: self.i64(k::INDEX),
                data: self.string(k::DATA),
            },
            "TIMCustomElem" => Element::Custom {
                data: self.string(k::DATA),
                desc: self.string(k::DESC),
                ext: self.string(k::EXT),
                sound: self.string(k::SOUND),
            },
            "TIMSoundElem" => Element::Sound {
                url: self.opt_string(k::URL),
                uuid: self.string(k::UUID),
                size: self.u64(k::SIZE),
                seconds: self.f64(k::SECOND),
            },
            "TIMImageElem" => Element::Image {
                uuid: self.string(k::UUID),
                format: self.i64(k::IMAGE_FORMAT),
                infos: self.infos.take().unwrap_or_default(),
            },
            "TIMFileElem" => Element::File {
                url: self.opt_string(k::URL),
                uuid: self.string(k::UUID),
                size: self.u64(k::FILE_SIZE),
                name: self
                    .opt_string(k::FILE_NAME)
                    .or_else(|| self.opt_string(k::FILE_NAME_LOWER))
                    .unwrap_or_default(),
            },
            "TIMVideoFileElem" => Element::Video(Box::new(self.video())),
            "TIMRelayElem" => Element::Relay(Box::new(self.relay())),
            _ => return None,
        })
    }

    fn video(&mut self) -> Video {
        Video {
            url: self.opt_string(k::VIDEO_URL),
            uuid: self.string(k::VIDEO_UUID),
            size: self.u64(k::VIDEO_SIZE),
            seconds: self.f64(k::VIDEO_SECOND),
            format: self.string(k::VIDEO_FORMAT),
            thumb_url: self.opt_string(k::THUMB_URL),
            thumb_width: self.u64(k::THUMB_WIDTH),
            thumb_height: self.u64(k::THUMB_HEIGHT),
            thumb_size: self.u64(k::THUMB_SIZE),
        }
    }

    fn relay(&mut self) -> Relay {
        Relay {
            title: self.string(k::TITLE),
            msg_num: self.u64(k::MSG_NUM),
            compatible_text: self.string(k::COMPATIBLE_TEXT),
            abstract_list: match self.take(k::ABSTRACT_LIST) {
                Some(Value::Array(items)) => items.into_iter().map(display_owned).collect(),
                _ => Vec::new(),
            },
            messages: self.msg_list.take().flatten(),
            json_msg_key: self.opt_string(k::JSON_MSG_KEY),
        }
    }
}

/// A `MsgContent` object.
struct ContentSeed;

impl<'de> DeserializeSeed<'de> for ContentSeed {
    type Value = Content;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Content, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ContentSeed {
    type Value = Content;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MsgContent object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content, A::Error> {
        let mut content = Content::default();
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "ImageInfoArray" => set(
                    &mut content.infos,
                    map.next_value_seed(Seq(Info, "an ImageInfoArray"))?,
                )?,
                "MsgList" => set(&mut content.msg_list, map.next_value_seed(MsgList)?)?,
                name => match k::slot(name) {
                    Some(slot) => set(&mut content.slots[slot], map.next_value::<Value>()?)?,
                    None => map.next_value_seed(Checked)?,
                },
            }
        }
        Ok(content)
    }
}

/// One `ImageInfoArray` entry.
#[derive(Clone, Copy)]
struct Info;

impl<'de> DeserializeSeed<'de> for Info {
    type Value = ImageInfo;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ImageInfo, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Info {
    type Value = ImageInfo;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ImageInfoArray entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ImageInfo, A::Error> {
        let mut slots: [Option<Value>; 6] = Default::default();
        while let Some(key) = map.next_key_seed(Key)? {
            let slot = match &*key {
                "Type" => 0,
                "Size" => 1,
                "Width" => 2,
                "Height" => 3,
                "URL" => 4,
                "Url" => 5,
                _ => {
                    map.next_value_seed(Checked)?;
                    continue;
                }
            };
            set(&mut slots[slot], map.next_value::<Value>()?)?;
        }
        let [kind, size, width, height, upper, lower] = slots;
        Ok(ImageInfo {
            kind: kind.as_ref().and_then(as_i64),
            size: size.as_ref().and_then(as_u64),
            width: width.as_ref().and_then(as_u64),
            height: height.as_ref().and_then(as_u64),
            url: opt_owned(upper).or_else(|| opt_owned(lower)),
        })
    }
}

/// A relay's `MsgList`: `null`, or an array of message objects.
struct MsgList;

impl<'de> DeserializeSeed<'de> for MsgList {
    type Value = Option<Vec<RelayMessage>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for MsgList {
    type Value = Option<Vec<RelayMessage>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MsgList")
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Seq(RelayMessageSeed, "a MsgList array")
            .deserialize(d)
            .map(Some)
    }
}

/// One `MsgList` item of a relay.
#[derive(Clone, Copy)]
struct RelayMessageSeed;

impl<'de> DeserializeSeed<'de> for RelayMessageSeed {
    type Value = RelayMessage;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RelayMessage, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RelayMessageSeed {
    type Value = RelayMessage;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MsgList item")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RelayMessage, A::Error> {
        let (mut from, mut time, mut body) = (None, None, None);
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "From_Account" => set(&mut from, map.next_value::<Value>()?)?,
                "MsgTimeStamp" => set(&mut time, map.next_value::<Value>()?)?,
                "MsgBody" => set(&mut body, map.next_value_seed(BODY)?)?,
                _ => map.next_value_seed(Checked)?,
            }
        }
        Ok(RelayMessage {
            from_account: string_owned(from),
            timestamp_s: time.as_ref().and_then(as_i64),
            elements: body.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests;
