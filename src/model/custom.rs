//! `TIMCustomElem.Data` payloads (API.md §4): the desk customer-service plugin's `src`
//! messages and TUIKit `businessID` messages, parsed into what they mean. Anything not
//! recognised is [`Payload::Unknown`] and shown raw; nothing is dropped.

use serde_json::{Map, Value};

/// One choice of a menu, form or rating.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choice {
    /// `id` (ratings), may be empty.
    pub id: String,
    /// `content`: what is shown.
    pub content: String,
    /// `desc`, may be empty.
    pub desc: String,
}

/// What a custom element's `Data` means.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// src 22.
    ProductCard {
        /// `content.header`.
        header: String,
        /// `content.desc`.
        desc: String,
        /// `content.pic`: picture URL.
        pic: String,
        /// `content.url`: product link.
        url: String,
    },
    /// src 15, and 29 without the welcome subtype: bot choices.
    Branch {
        /// `content.header`.
        header: String,
        /// `content.items`.
        items: Vec<Choice>,
        /// `content.tail`.
        tail: String,
        /// `content.selected`.
        selected: Option<Choice>,
    },
    /// src 29 with `subtype: "welcome_msg"`.
    Welcome {
        /// `content.title`.
        title: String,
        /// `content.items`.
        items: Vec<Choice>,
    },
    /// src 9: satisfaction rating request (`menuContent`).
    RatingRequest {
        /// `head`.
        head: String,
        /// `tail`.
        tail: String,
        /// `type` 1: stars (else numbers).
        stars: bool,
        /// `menu`.
        menu: Vec<Choice>,
        /// `selected`.
        selected: Option<Choice>,
    },
    /// src 10: the user's rating (`menuSelected`).
    RatingAnswer(Choice),
    /// src 21.
    Form {
        /// `content.header`.
        header: String,
        /// `content.type == 1`: a choice list (else input fields).
        choice: bool,
        /// `content.items`.
        items: Vec<Choice>,
    },
    /// src 30: Markdown in `content`.
    RichText(String),
    /// src 31: `chunks` joined.
    Stream {
        /// The text.
        text: String,
        /// `isFinished == 1`.
        finished: bool,
    },
    /// A status payload shown as a muted note (typing 12, end 19, timeout 20, others).
    Status(Status),
    /// TUIKit `text_link`.
    TextLink {
        /// `text`.
        text: String,
        /// `link`.
        link: String,
    },
    /// TUIKit `evaluation`.
    Evaluation {
        /// `score`.
        score: String,
        /// `comment`.
        comment: String,
    },
    /// TUIKit `order`.
    Order {
        /// `title`.
        title: String,
        /// `description`.
        description: String,
        /// `price`.
        price: String,
        /// `imageUrl`.
        image: String,
        /// `link`.
        link: String,
    },
    /// TUIKit `av_call` signalling (`businessID: 1`).
    Call,
    /// JSON or text this module does not know.
    Unknown,
}

/// Status payloads: shown as muted, collapsed system notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// src 12 and TUIKit `user_typing_status`.
    Typing,
    /// src 19.
    SessionEnded,
    /// src 20.
    SessionTimeout,
    /// src 7.
    ConversationOpened,
    /// src 11.
    ClientState,
    /// src 13: `content.command`.
    BotCommand(String),
    /// src 18.
    NoAgent,
    /// src 23.
    SatisfactionSettings,
    /// Any other desk src.
    Other(String),
}

impl Payload {
    /// Whether a customer who sends this answers rather than asks (SPEC §5): a
    /// satisfaction rating (src 10, TUIKit `evaluation`; a src 9 menu too) or a status
    /// payload (typing, session end…). A message made only of these neither starts nor
    /// extends a customer run, so a closing 5-star rating is not an unanswered message.
    pub fn answers_without_asking(&self) -> bool {
        matches!(
            self,
            Payload::RatingAnswer(_)
                | Payload::RatingRequest { .. }
                | Payload::Evaluation { .. }
                | Payload::Status(_)
        )
    }
}

/// Parses a custom element's `Data`.
pub fn parse(data: &str) -> Payload {
    serde_json::from_str::<Value>(data).map_or(Payload::Unknown, |v| from_value(&v))
}

/// What an already parsed `Data` means (see [`parse`]): for callers that need the JSON
/// too, so that it is parsed once.
pub fn from_value(data: &Value) -> Payload {
    let Value::Object(o) = data else {
        return Payload::Unknown;
    };
    if let Some(src) = o.get("src").and_then(src_string) {
        return desk(&src, o);
    }
    match o.get("businessID") {
        Some(Value::String(id)) => tuikit(id, o),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Payload::Call,
        _ => Payload::Unknown,
    }
}

/// `src` is a string; numbers are tolerated (API.md §4).
fn src_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn desk(src: &str, o: &Map<String, Value>) -> Payload {
    let content = o.get("content").and_then(Value::as_object);
    let field = |k: &str| content.map(|c| text(c, k)).unwrap_or_default();
    let items = || content.map(|c| choices(c.get("items"))).unwrap_or_default();
    let selected =
        |m: Option<&Map<String, Value>>| m.and_then(|c| c.get("selected")).and_then(choice);
    match src {
        "22" if content.is_some() => Payload::ProductCard {
            header: field("header"),
            desc: field("desc"),
            pic: field("pic"),
            url: field("url"),
        },
        "29" if o.get("subtype").and_then(Value::as_str) == Some("welcome_msg")
            && content.is_some() =>
        {
            Payload::Welcome {
                title: field("title"),
                items: items(),
            }
        }
        "15" | "29" if content.is_some() => Payload::Branch {
            header: field("header"),
            items: items(),
            tail: field("tail"),
            selected: selected(content),
        },
        "9" => match o.get("menuContent").and_then(Value::as_object) {
            Some(m) => Payload::RatingRequest {
                head: text(m, "head"),
                tail: text(m, "tail"),
                stars: m.get("type").and_then(Value::as_i64) == Some(1),
                menu: choices(m.get("menu")),
                selected: selected(Some(m)),
            },
            None => Payload::Unknown,
        },
        "10" => o
            .get("menuSelected")
            .and_then(choice)
            .map_or(Payload::Unknown, Payload::RatingAnswer),
        "21" if content.is_some() => Payload::Form {
            header: field("header"),
            choice: content.and_then(|c| c.get("type")).and_then(Value::as_i64) == Some(1),
            items: items(),
        },
        "30" => match o.get("content") {
            Some(Value::String(s)) => Payload::RichText(s.clone()),
            _ => Payload::Unknown,
        },
        "31" => match o.get("chunks") {
            Some(Value::Array(chunks)) => Payload::Stream {
                text: chunks.iter().map(display).collect(),
                finished: o
                    .get("isFinished")
                    .is_some_and(|v| v.as_i64() == Some(1) || v == &Value::Bool(true)),
            },
            _ => Payload::Unknown,
        },
        "12" => Payload::Status(Status::Typing),
        "19" => Payload::Status(Status::SessionEnded),
        "20" => Payload::Status(Status::SessionTimeout),
        "7" => Payload::Status(Status::ConversationOpened),
        "11" => Payload::Status(Status::ClientState),
        "13" => Payload::Status(Status::BotCommand(field("command"))),
        "18" => Payload::Status(Status::NoAgent),
        "23" => Payload::Status(Status::SatisfactionSettings),
        other => Payload::Status(Status::Other(other.to_owned())),
    }
}

fn tuikit(id: &str, o: &Map<String, Value>) -> Payload {
    match id {
        "text_link" => Payload::TextLink {
            text: text(o, "text"),
            link: text(o, "link"),
        },
        "evaluation" => Payload::Evaluation {
            score: text(o, "score"),
            comment: text(o, "comment"),
        },
        "order" => Payload::Order {
            title: text(o, "title"),
            description: text(o, "description"),
            price: text(o, "price"),
            image: text(o, "imageUrl"),
            link: text(o, "link"),
        },
        "user_typing_status" => Payload::Status(Status::Typing),
        _ => Payload::Unknown,
    }
}

fn choices(v: Option<&Value>) -> Vec<Choice> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(choice).collect(),
        _ => Vec::new(),
    }
}

fn choice(v: &Value) -> Option<Choice> {
    match v {
        Value::Object(o) => Some(Choice {
            id: text(o, "id"),
            content: text(o, "content"),
            desc: text(o, "desc"),
        }),
        Value::String(s) => Some(Choice {
            content: s.clone(),
            ..Choice::default()
        }),
        _ => None,
    }
}

fn text(o: &Map<String, Value>, key: &str) -> String {
    o.get(key).map(display).unwrap_or_default()
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_payloads_parse() {
        let card = parse(
            r#"{"src":"22","customerServicePlugin":0,"content":{"header":"Phone","desc":"New","pic":"https://example.com/p.png","url":"https://example.com/p"}}"#,
        );
        assert!(
            matches!(card, Payload::ProductCard { ref header, ref url, .. } if header == "Phone" && url == "https://example.com/p")
        );
        let branch = parse(
            r#"{"src":15,"content":{"header":"Pick","items":[{"content":"A","desc":"a"},{"content":"B"}],"tail":"t","selected":{"content":"A"}}}"#,
        );
        let Payload::Branch {
            items, selected, ..
        } = branch
        else {
            panic!("{branch:?}")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(selected.map(|s| s.content).as_deref(), Some("A"));
        let welcome = parse(
            r#"{"src":"29","subtype":"welcome_msg","content":{"title":"Hi","items":[{"content":"Q1"}]}}"#,
        );
        assert!(matches!(welcome, Payload::Welcome { ref title, .. } if title == "Hi"));
        let not_welcome = parse(r#"{"src":"29","content":{"header":"H","items":[]}}"#);
        assert!(matches!(not_welcome, Payload::Branch { .. }));
        let rating = parse(
            r#"{"src":"9","menuContent":{"head":"Rate","tail":"Thanks","type":1,"menu":[{"id":"1","content":"Bad"},{"id":"5","content":"Good"}],"selected":{"id":"5","content":"Good"}}}"#,
        );
        assert!(
            matches!(rating, Payload::RatingRequest { stars: true, ref menu, .. } if menu.len() == 2)
        );
        let answer =
            parse(r#"{"src":"10","menuSelected":{"id":"5","content":"Good","sessionId":"s"}}"#);
        assert!(matches!(answer, Payload::RatingAnswer(ref c) if c.id == "5"));
        let form =
            parse(r#"{"src":"21","content":{"type":1,"header":"F","items":[{"content":"x"}]}}"#);
        assert!(matches!(form, Payload::Form { choice: true, .. }));
        assert_eq!(
            parse(r#"{"src":"30","content":"**b**"}"#),
            Payload::RichText("**b**".into())
        );
        assert_eq!(
            parse(r#"{"src":"31","chunks":["Hello, ","world"],"isFinished":1}"#),
            Payload::Stream {
                text: "Hello, world".into(),
                finished: true
            }
        );
        assert_eq!(parse(r#"{"src":"12"}"#), Payload::Status(Status::Typing));
        assert_eq!(
            parse(r#"{"src":"19"}"#),
            Payload::Status(Status::SessionEnded)
        );
        assert_eq!(
            parse(r#"{"src":"20"}"#),
            Payload::Status(Status::SessionTimeout)
        );
        assert_eq!(
            parse(r#"{"src":"99"}"#),
            Payload::Status(Status::Other("99".into()))
        );
    }

    #[test]
    fn ratings_and_status_payloads_answer_without_asking() {
        for data in [
            r#"{"src":"10","menuSelected":{"id":"5","content":"Good"}}"#,
            r#"{"src":"9","menuContent":{"head":"Rate","menu":[]}}"#,
            r#"{"businessID":"evaluation","score":5}"#,
            r#"{"businessID":"user_typing_status"}"#,
            r#"{"src":"12"}"#,
            r#"{"src":"19"}"#,
            r#"{"src":"99"}"#,
        ] {
            assert!(parse(data).answers_without_asking(), "{data}");
        }
        for data in [
            r#"{"src":"22","content":{"header":"Phone"}}"#,
            r#"{"src":"21","content":{"header":"F","items":[]}}"#,
            r#"{"src":"30","content":"help?"}"#,
            r#"{"businessID":"order","title":"o"}"#,
            r#"{"businessID":"text_link","text":"t"}"#,
            r#"{"businessID":1,"data":"{}"}"#,
            "[sticker:wave]",
        ] {
            assert!(!parse(data).answers_without_asking(), "{data}");
        }
    }

    #[test]
    fn tuikit_and_unknown_payloads_parse() {
        assert!(matches!(
            parse(r#"{"businessID":"text_link","text":"t","link":"https://example.com"}"#),
            Payload::TextLink { .. }
        ));
        assert!(
            matches!(parse(r#"{"businessID":"evaluation","score":5,"comment":"ok"}"#), Payload::Evaluation { ref score, .. } if score == "5")
        );
        assert!(matches!(
            parse(r#"{"businessID":"order","title":"o"}"#),
            Payload::Order { .. }
        ));
        assert_eq!(
            parse(r#"{"businessID":"user_typing_status","typingStatus":1}"#),
            Payload::Status(Status::Typing)
        );
        assert_eq!(parse(r#"{"businessID":1,"data":"{}"}"#), Payload::Call);
        assert_eq!(
            parse(r#"{"businessID":"group_room_message"}"#),
            Payload::Unknown
        );
        assert_eq!(parse("not json"), Payload::Unknown);
        assert_eq!(parse("[1]"), Payload::Unknown);
        assert_eq!(parse(r#"{"src":"9"}"#), Payload::Unknown);
        assert_eq!(parse(r#"{"src":"30","content":{}}"#), Payload::Unknown);
    }
}
