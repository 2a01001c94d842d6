//! Generates realistic raw records for benchmarks (`bench/run.sh`): N sessions of about M
//! messages each, deterministic from a seed, in the format of `examples/demo/records/`.
//!
//! ```text
//! cargo run --release --example gen-records -- --sessions 1000 --messages 100 --seed 1 --out DIR
//! ```
//!
//! Each session: lowercase UUID SessionId, CSV-like Metadata, customer / agent / bot /
//! system messages in English or Chinese, Markdown in agent replies, and the demo's mix of
//! images, files, sound, video, location, faces and desk custom payloads (`src` 7, 9, 10,
//! 12, 15, 19, 20, 21, 22, 29, 30, 31, business cards). A small xorshift keeps the output
//! stable across `rand` versions.
//!
//! Besides the records, writes `DIR.tsv` (beside DIR, not in it): one line per session,
//! `SessionId<TAB>messages<TAB>pages` (pages = what a fetch requests, Limit 100), whose
//! first column is a valid `--sessions` file; prints the totals on standard output.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

/// Command-line arguments.
struct Args {
    sessions: u64,
    messages: u64,
    seed: u64,
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("gen-records: {message}");
            eprintln!("usage: gen-records --sessions N --messages M --seed S --out DIR");
            return ExitCode::from(2);
        }
    };
    match generate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen-records: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        sessions: 100,
        messages: 100,
        seed: 1,
        out: PathBuf::new(),
    };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--sessions" => args.sessions = number()?,
            "--messages" => args.messages = number()?,
            "--seed" => args.seed = number()?,
            "--out" => args.out = PathBuf::from(&value),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    if args.out.as_os_str().is_empty() {
        return Err("--out is required".into());
    }
    Ok(args)
}

fn generate(args: &Args) -> Result<(), String> {
    fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut rng = Rng::new(args.seed);
    let mut buf = Vec::with_capacity(256 * 1024);
    let mut list = String::new();
    let (mut messages, mut pages) = (0, 0);
    for n in 0..args.sessions {
        buf.clear();
        let (id, count) = session(&mut rng, n, args.messages, &mut buf);
        write(&args.out.join(format!("{id}.json")), &buf)?;
        // Paging stops at the first short page, so a multiple of 100 costs one more.
        let session_pages = count / 100 + 1;
        list.push_str(&format!("{id}\t{count}\t{session_pages}\n"));
        messages += count;
        pages += session_pages;
    }
    // Beside the records, not among them: render --records reads every *.json.
    write(&args.out.with_extension("tsv"), list.as_bytes())?;
    println!(
        "{} sessions, {messages} messages, {pages} pages",
        args.sessions
    );
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// xorshift64*: tiny, fast, and stable across versions of anything.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len + 16);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

const CUSTOMERS: [(&str, &str); 6] = [
    ("dev_priyanka", "Priyanka Rao"),
    ("8613800000002", "王小明"),
    ("user_90311", "Tom Becker"),
    ("aiko_t", "Aiko Tanaka"),
    ("8613800000011", "李伟"),
    ("m.garcia", "María García"),
];
const AGENTS: [&str; 4] = [
    "agent_kim@support",
    "agent_wang@support",
    "agent_sam@support",
    "chatbot",
];
const SYSTEM: &str = "@customer_service_account";

const CUSTOMER_EN: [&str; 8] = [
    "Hi, our webhook gets `401 Unauthorized` since yesterday.",
    "I was charged twice for order #2026-0311, can you check?",
    "The app logs me out every time I switch networks.",
    "ok",
    "Thanks, that worked!",
    "Still not working <b>after</b> the update… any idea?",
    "Can I get an invoice for March?",
    "Here is the screenshot you asked for.",
];
const CUSTOMER_ZH: [&str; 6] = [
    "你好，我的订单一直没有发货。",
    "屏幕出现竖线，还在保修期内吗？",
    "好的，谢谢！",
    "请问退款多久能到账？",
    "我已经重启过了，还是不行 😢",
    "能帮我改一下收货地址吗？",
];
const AGENT_EN: [&str; 6] = [
    "Thanks for reaching out! Could you send the **request id** from the log?",
    "I have refunded the duplicate charge:\n\n- amount: **$19.99**\n- reference: `RF-77120`\n\nIt shows up in 3–5 business days.",
    "Please try these steps:\n\n1. Sign out\n2. Clear the cache\n3. Sign in again\n\nSee [our guide](https://example.com/help/login) for details.",
    "Our status page is at https://status.example.com — no incident right now.",
    "| Plan | Price |\n| --- | --- |\n| Basic | $5 |\n| Pro | $19 |",
    "> Your key was rotated on Monday.\n\nUpdate the secret in your dashboard and retry.",
];
const AGENT_ZH: [&str; 5] = [
    "您好，请提供一下**订单号**，我帮您查询。",
    "已为您登记退款：\n\n- 金额：**¥ 899.00**\n- 预计 3 个工作日内到账",
    "请按以下步骤操作：\n\n1. 退出登录\n2. 清除缓存\n3. 重新登录",
    "保修政策见 [这里](https://example.com/repair/warranty)。",
    "## 维修进度\n\n当前状态：`检测中`",
];

/// Writes one record into `out`; returns its SessionId and message count.
fn session(rng: &mut Rng, n: u64, messages: u64, out: &mut Vec<u8>) -> (String, u64) {
    let id = rng.uuid();
    let (account, name) = rng.pick(&CUSTOMERS);
    let agent = rng.pick(&AGENTS);
    let chinese = rng.chance(40);
    let count = if messages == 0 {
        0
    } else {
        messages / 2 + rng.below(messages + 1)
    };
    // Sessions spread over about a year from 2026-01-01, in order of n, with jitter.
    let mut ts = 1_767_225_600_000 + n as i64 * 3_000_000 + rng.below(2_000_000) as i64;
    let metadata = json!({"customer_name": name, "channel": rng.pick(&["web", "SDK", "WeChat"]),
        "ticket": format!("DEV-{}", 10_000 + n)});
    let _ = write!(
        out,
        "{{\"SessionId\":\"{id}\",\"TotalCount\":{count},\"FetchedAt\":\"2026-12-31T00:00:00Z\",\
         \"Metadata\":{metadata},\"Messages\":["
    );
    let mut seq = 10_000 + rng.below(50_000);
    for i in 0..count {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        ts += 1_000 + rng.below(90_000) as i64;
        seq += 1;
        let m = message(rng, i, count, &id, account, agent, chinese, ts, seq);
        let _ = serde_json::to_writer(&mut *out, &m);
    }
    out.extend_from_slice(if count == 0 { b"]}\n" } else { b"\n]}\n" });
    (id, count)
}

/// A custom element carrying a desk payload.
fn custom(data: Value, desc: &str) -> Value {
    json!({"MsgContent": {"Data": data.to_string(), "Desc": desc, "Ext": "", "Sound": ""},
        "MsgType": "TIMCustomElem"})
}

fn text(s: &str) -> Value {
    json!({"MsgContent": {"Text": s}, "MsgType": "TIMTextElem"})
}

#[allow(clippy::too_many_arguments)]
fn message(
    rng: &mut Rng,
    i: u64,
    count: u64,
    id: &str,
    customer: &str,
    agent: &str,
    chinese: bool,
    ts: i64,
    seq: u64,
) -> Value {
    let (role, from, body) = if i == 0 {
        (
            1,
            customer,
            custom(json!({"src": "7", "customerServicePlugin": 0}), ""),
        )
    } else if i + 1 == count {
        (
            3,
            SYSTEM,
            custom(json!({"src": "20", "customerServicePlugin": 0}), ""),
        )
    } else {
        match rng.below(100) {
            0..=39 => (1, customer, customer_element(rng, chinese)),
            40..=79 => (2, agent, agent_element(rng, chinese, id)),
            _ => (3, SYSTEM, system_element(rng, id)),
        }
    };
    let mut m = json!({"FromAccount": from, "FromAccountRole": role, "MsgBody": [body],
        "Timestamp": ts});
    if rng.chance(50)
        && let Some(o) = m.as_object_mut()
    {
        o.insert("MsgSeq".into(), json!(seq));
    }
    m
}

fn customer_element(rng: &mut Rng, chinese: bool) -> Value {
    let uuid = rng.hex(32);
    match rng.below(100) {
        0..=69 => text(if chinese {
            rng.pick(&CUSTOMER_ZH)
        } else {
            rng.pick(&CUSTOMER_EN)
        }),
        70..=75 => json!({"MsgContent": {"UUID": format!("{uuid}_screen.png"), "ImageFormat": 3,
            "ImageInfoArray": [
                {"Type": 1, "Size": 2_073_689, "Width": 1080, "Height": 2400,
                 "URL": format!("https://media.example.com/im/{uuid}/o/screen.png")},
                {"Type": 2, "Size": 921_639, "Width": 720, "Height": 1600,
                 "URL": format!("https://media.example.com/im/{uuid}/l/screen.png")},
                {"Type": 3, "Size": 69_698, "Width": 198, "Height": 439,
                 "URL": format!("https://media.example.com/im/{uuid}/t/screen.png")}]},
            "MsgType": "TIMImageElem"}),
        76..=79 => {
            json!({"MsgContent": {"Url": format!("https://media.example.com/files/{uuid}/errors.log"),
            "UUID": format!("{uuid}_errors.log"), "FileSize": 48_213, "FileName": "errors.log",
            "Download_Flag": 2}, "MsgType": "TIMFileElem"})
        }
        80..=83 => {
            json!({"MsgContent": {"Url": format!("https://media.example.com/voice/{uuid}.m4a"),
            "UUID": format!("{uuid}.m4a"), "Size": 39_489, "Second": 1 + rng.below(59),
            "Download_Flag": 2}, "MsgType": "TIMSoundElem"})
        }
        84..=86 => {
            json!({"MsgContent": {"VideoUrl": format!("https://media.example.com/video/{uuid}.mp4"),
            "VideoUUID": format!("{uuid}.mp4"), "VideoSize": 5_752_811, "VideoSecond": 14,
            "VideoFormat": "mp4", "VideoDownloadFlag": 2,
            "ThumbUrl": format!("https://media.example.com/video/{uuid}_thumb.jpg"),
            "ThumbUUID": format!("{uuid}_thumb.jpg"), "ThumbSize": 35_609, "ThumbWidth": 180,
            "ThumbHeight": 320, "ThumbFormat": "JPG", "ThumbDownloadFlag": 2},
            "MsgType": "TIMVideoFileElem"})
        }
        87..=88 => json!({"MsgContent": {"Desc": "Example Tower, 100 Sample Street",
            "Latitude": 51.507351, "Longitude": -0.127758}, "MsgType": "TIMLocationElem"}),
        89..=91 => json!({"MsgContent": {"Index": rng.below(10), "Data": "tt04"},
            "MsgType": "TIMFaceElem"}),
        92..=95 => custom(
            json!({"businessID": "order", "version": 1, "title": "无线降噪耳机 Pro（曜石黑）",
                "description": "订单号 2026022811203 · 共 1 件", "price": "¥ 899.00",
                "imageUrl": "https://media.example.com/products/earbuds-pro-black.jpg",
                "link": "https://example.com/orders/2026022811203"}),
            "[订单]",
        ),
        _ => custom(
            json!({"src": "99", "customerServicePlugin": 0,
                "content": {"kind": "app_diagnostics", "appVersion": "7.1.3", "os": "iOS 19.2"}}),
            "",
        ),
    }
}

fn agent_element(rng: &mut Rng, chinese: bool, _id: &str) -> Value {
    match rng.below(100) {
        0..=74 => text(if chinese {
            rng.pick(&AGENT_ZH)
        } else {
            rng.pick(&AGENT_EN)
        }),
        75..=79 => custom(
            json!({"src": "12", "customerServicePlugin": 0, "typingStatus": 1}),
            "",
        ),
        80..=84 => custom(
            json!({"src": "31", "customerServicePlugin": 0,
                "chunks": ["已为您预约 **3月12日 14:00** ", "的到店维修。\n\n", "请携带：\n- 购买凭证"],
                "isFinished": 1}),
            "",
        ),
        85..=88 => custom(
            json!({"src": "30", "customerServicePlugin": 0,
                "content": "## Warranty\n\n| Case | Cost |\n| --- | --- |\n| In warranty | **free** |\n\n> See [prices](https://example.com/repair/prices)."}),
            "",
        ),
        89..=91 => custom(
            json!({"src": "15", "customerServicePlugin": 0,
                "content": {"header": "Which of these describes your problem best?",
                    "items": [{"content": "Duplicate charge", "desc": "Charged twice"},
                              {"content": "Wrong amount", "desc": ""}],
                    "tail": "Pick one, or type your question."}}),
            "",
        ),
        92..=94 => custom(
            json!({"src": "21", "customerServicePlugin": 0,
                "content": {"type": 1, "header": "请选择需要维修的产品类型",
                    "items": [{"content": "手机", "desc": "含平板"}, {"content": "笔记本电脑", "desc": ""}]}}),
            "",
        ),
        95..=97 => custom(
            json!({"src": "22", "customerServicePlugin": 0,
                "content": {"header": "满 99 减 20 优惠券", "desc": "有效期至 2026-04-30",
                    "pic": "https://media.example.com/promo/coupon-20.png",
                    "url": "https://example.com/coupons/claim?c=SPRING20"}}),
            "",
        ),
        _ => custom(
            json!({"src": "29", "customerServicePlugin": 0, "subtype": "welcome_msg",
                "content": {"title": "您好！我是智能助手 🤖",
                    "items": [{"content": "预约维修"}, {"content": "保修政策"}]}}),
            "",
        ),
    }
}

fn system_element(rng: &mut Rng, id: &str) -> Value {
    match rng.below(4) {
        0 => custom(
            json!({"src": "9", "customerServicePlugin": 0, "menuContent": {
                "head": "How would you rate this conversation?", "tail": "Thanks for your feedback!",
                "type": 1, "menu": [{"id": "1", "content": "Poor"}, {"id": "5", "content": "Excellent"}],
                "expireTime": 0, "sessionId": id, "allowClientSendRating": true,
                "effectiveHour": 24, "selected": {"id": "", "content": ""}}}),
            "",
        ),
        1 => custom(
            json!({"src": "10", "customerServicePlugin": 0,
                "menuSelected": {"id": "5", "content": "Excellent", "sessionId": id}}),
            "",
        ),
        2 => custom(json!({"src": "19", "customerServicePlugin": 0}), ""),
        _ => json!({"MsgContent": {"OpType": 1, "Operator_Account": SYSTEM,
            "MemberList_Account": ["agent_sam@support"]}, "MsgType": "TIMGroupTipElem"}),
    }
}
