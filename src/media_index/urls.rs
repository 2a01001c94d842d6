//! Which media URLs a record references: image original/large/thumbnail, file, sound,
//! video and its thumbnail, product-card and order pictures, also inside forwarded
//! (relay) messages. Only absolute http(s) URLs are media we may capture; the rest are
//! shown as text by the pages and never requested.

use std::collections::BTreeSet;

use crate::model::custom::{self, Payload};
use crate::model::{Element, parse_message};
use crate::records::Record;

/// The distinct capturable media URLs of a record, as written in it, sorted.
pub fn record_urls(record: &Record) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    for (i, raw) in record.messages.iter().enumerate() {
        for element in &parse_message(i, raw.get()).elements {
            element_urls(element, &mut urls);
        }
    }
    urls
}

/// Adds the capturable URLs of one element (and of nested relay messages) to `out`.
pub fn element_urls(element: &Element, out: &mut BTreeSet<String>) {
    let mut add = |url: Option<&str>| {
        if let Some(u) = url.filter(|u| capturable(u)) {
            out.insert(u.to_owned());
        }
    };
    match element {
        Element::Image { infos, .. } => infos.iter().for_each(|i| add(i.url.as_deref())),
        Element::File { url, .. } | Element::Sound { url, .. } => add(url.as_deref()),
        Element::Video(v) => {
            add(v.url.as_deref());
            add(v.thumb_url.as_deref());
        }
        Element::Custom { data, .. } => match custom::parse(data) {
            Payload::ProductCard { pic, .. } => add(Some(&pic)),
            Payload::Order { image, .. } => add(Some(&image)),
            _ => {}
        },
        Element::Relay(relay) => {
            for m in relay.messages.iter().flatten() {
                m.elements.iter().for_each(|e| element_urls(e, out));
            }
        }
        _ => {}
    }
}

/// Whether `url` is an absolute http(s) URL with a host.
pub fn capturable(url: &str) -> bool {
    url::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_media_field_is_collected_once() {
        let messages = [
            r#"{"MsgBody":[{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":[{"Type":1,"URL":"https://example.com/o.jpg"},{"Type":3,"URL":"https://example.com/t.jpg"}]}}]}"#,
            r#"{"MsgBody":[{"MsgType":"TIMFileElem","MsgContent":{"Url":"https://example.com/o.jpg"}},{"MsgType":"TIMSoundElem","MsgContent":{"Url":"http://example.com/s.mp3"}}]}"#,
            r#"{"MsgBody":[{"MsgType":"TIMVideoFileElem","MsgContent":{"VideoUrl":"https://example.com/v.mp4","ThumbUrl":"https://example.com/vt.jpg"}}]}"#,
            r#"{"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"src\":\"22\",\"content\":{\"header\":\"P\",\"pic\":\"https://example.com/p.png\",\"url\":\"https://example.com/p\"}}"}}]}"#,
            r#"{"MsgBody":[{"MsgType":"TIMFileElem","MsgContent":{"Url":"javascript:alert(1)"}},{"MsgType":"TIMFileElem","MsgContent":{"Url":"//example.com/x"}}]}"#,
        ];
        let json = format!(
            r#"{{"SessionId":"s","TotalCount":5,"Messages":[{}],"FetchedAt":""}}"#,
            messages.join(",")
        );
        let record: Record = serde_json::from_str(&json).unwrap();
        let urls: Vec<String> = record_urls(&record).into_iter().collect();
        assert_eq!(
            urls,
            [
                "http://example.com/s.mp3",
                "https://example.com/o.jpg",
                "https://example.com/p.png",
                "https://example.com/t.jpg",
                "https://example.com/v.mp4",
                "https://example.com/vt.jpg",
            ]
        );
    }
}
