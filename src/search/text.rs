//! The text a session page shows for each message element, as plain text: what `search`
//! looks in (SPEC §11). Text and rich text as written (Markdown source), file names, card
//! titles and bodies, media UUIDs, choices, forwarded messages, and the JSON of what the
//! page shows raw. UI labels (“Image”, “Session ended”) and URLs add nothing.

use crate::model::custom::{self, Choice, Payload, Status};
use crate::model::{Element, Relay};

/// The searchable text of a message's elements: each visible piece on its own line, so
/// that no fixed string matches across two pieces.
pub(crate) fn message_text(elements: &[Element]) -> String {
    let mut out = String::new();
    for element in elements {
        element_text(element, &mut |piece| push_piece(&mut out, piece));
    }
    out
}

fn push_piece(out: &mut String, piece: &str) {
    if piece.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(piece);
}

/// Calls `push` with every piece of text the page shows for `element`.
fn element_text(element: &Element, push: &mut dyn FnMut(&str)) {
    match element {
        Element::Text { text } => push(text),
        Element::Location { desc, .. } => push(desc),
        Element::Face { data, .. } => push(data),
        // Media cards show their UUID (which often holds the original file name).
        Element::File { name, uuid, .. } => {
            push(name);
            push(uuid);
        }
        Element::Image { uuid, .. } | Element::Sound { uuid, .. } => push(uuid),
        Element::Video(video) => push(&video.uuid),
        Element::Custom { data, desc, .. } => custom_text(data, desc, push),
        Element::Relay(relay) => relay_text(relay, push),
        Element::Raw { json, .. } => push(json),
        // A redacted media element shows only a label; its content is gone.
        Element::Redacted { .. } => {}
    }
}

fn custom_text(data: &str, desc: &str, push: &mut dyn FnMut(&str)) {
    match custom::parse(data) {
        Payload::ProductCard { header, desc, .. } => {
            push(&header);
            push(&desc);
        }
        Payload::Branch {
            header,
            items,
            tail,
            selected,
        } => {
            push(&header);
            choices_text(&items, push);
            push(&tail);
            if let Some(s) = selected.filter(|s| !items.contains(s)) {
                push(&s.content);
            }
        }
        Payload::Welcome { title, items } => {
            push(&title);
            choices_text(&items, push);
        }
        Payload::RatingRequest {
            head,
            tail,
            menu,
            selected,
            ..
        } => {
            push(&head);
            choices_text(&menu, push);
            push(&tail);
            if let Some(s) = selected.filter(|s| !menu.contains(s)) {
                push(&s.content);
            }
        }
        Payload::RatingAnswer(choice) => push(&choice.content),
        Payload::Form { header, items, .. } => {
            push(&header);
            choices_text(&items, push);
        }
        Payload::RichText(text) | Payload::Stream { text, .. } => push(&text),
        Payload::TextLink { text, .. } => push(&text),
        Payload::Evaluation { score, comment } => {
            push(&score);
            push(&comment);
        }
        Payload::Order {
            title,
            description,
            price,
            ..
        } => {
            push(&title);
            push(&description);
            push(&price);
        }
        Payload::Status(Status::BotCommand(command)) => push(&command),
        Payload::Status(_) | Payload::Call => {}
        // Shown raw on the page: its description and the payload as given.
        Payload::Unknown => {
            push(desc);
            push(data);
        }
    }
}

fn choices_text(items: &[Choice], push: &mut dyn FnMut(&str)) {
    for item in items {
        push(&item.content);
        push(&item.desc);
    }
}

fn relay_text(relay: &Relay, push: &mut dyn FnMut(&str)) {
    push(&relay.title);
    match &relay.messages {
        Some(messages) => {
            for message in messages {
                for element in &message.elements {
                    element_text(element, push);
                }
            }
        }
        // Without an inline list the page shows the abstracts, or the compatible text.
        None if relay.abstract_list.is_empty() => push(&relay.compatible_text),
        None => relay.abstract_list.iter().for_each(|a| push(a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_message;

    fn text_of(body: &str) -> String {
        message_text(&parse_message(0, &format!(r#"{{"MsgBody":[{body}]}}"#)).elements)
    }

    #[test]
    fn text_file_names_and_media_ids_are_searched_urls_are_not() {
        let text = text_of(
            r#"{"MsgType":"TIMTextElem","MsgContent":{"Text":"see **this**"}},
               {"MsgType":"TIMFileElem","MsgContent":{"UUID":"u1","FileName":"报告.pdf"}},
               {"MsgType":"TIMImageElem","MsgContent":{"UUID":"img_凭证.jpg","ImageInfoArray":[{"URL":"https://example.com/i.jpg"}]}}"#,
        );
        assert_eq!(text, "see **this**\n报告.pdf\nu1\nimg_凭证.jpg");
    }

    #[test]
    fn custom_payloads_give_what_the_card_shows() {
        let card = r#"{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"src\":\"22\",\"content\":{\"header\":\"Phone X\",\"desc\":\"128 GB\",\"url\":\"https://example.com\"}}"}}"#;
        assert_eq!(text_of(card), "Phone X\n128 GB");
        let stream = r#"{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"src\":\"31\",\"chunks\":[\"Hel\",\"lo\"]}"}}"#;
        assert_eq!(text_of(stream), "Hello");
        let ended = r#"{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"src\":\"19\"}"}}"#;
        assert_eq!(text_of(ended), "");
        let unknown =
            r#"{"MsgType":"TIMCustomElem","MsgContent":{"Data":"plain words","Desc":"d"}}"#;
        assert_eq!(text_of(unknown), "d\nplain words");
    }

    #[test]
    fn relays_give_their_messages_or_abstracts() {
        let inline = r#"{"MsgType":"TIMRelayElem","MsgContent":{"Title":"Chat","MsgList":[{"From_Account":"a","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"inner"}}]}]}}"#;
        assert_eq!(text_of(inline), "Chat\ninner");
        let elsewhere = r#"{"MsgType":"TIMRelayElem","MsgContent":{"Title":"T","AbstractList":["a: one","b: two"],"JsonMsgKey":"k"}}"#;
        assert_eq!(text_of(elsewhere), "T\na: one\nb: two");
    }
}
