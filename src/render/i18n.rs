//! UI strings in English and Simplified Chinese: one table for every page (sessions, index,
//! agent pages, charts), one value of it per language, so a word reads the same everywhere.

use super::Lang;
use super::format::duration_ms;

/// Every UI string of the site.
#[derive(Debug)]
pub struct Strings {
    /// The language these strings are in.
    pub lang: Lang,
    /// BCP 47 tag for `<html lang>`.
    pub lang_tag: &'static str,
    /// Default site title.
    pub site_title: &'static str,
    /// "Session".
    pub session: &'static str,
    /// Link back to the index.
    pub all_sessions: &'static str,
    /// Previous session.
    pub previous: &'static str,
    /// Next session.
    pub next: &'static str,
    /// Session navigation label.
    pub navigation: &'static str,
    /// Overview heading.
    pub overview: &'static str,
    /// Participants heading.
    pub participants: &'static str,
    /// Metadata heading.
    pub metadata: &'static str,
    /// Transcript heading.
    pub transcript: &'static str,
    /// First message time.
    pub start: &'static str,
    /// Last message time.
    pub end: &'static str,
    /// Duration.
    pub duration: &'static str,
    /// First response time.
    pub first_response: &'static str,
    /// Message count.
    pub messages: &'static str,
    /// Role 1.
    pub customer: &'static str,
    /// Role 2.
    pub agent: &'static str,
    /// Role 3.
    pub system: &'static str,
    /// Any other role (followed by its number).
    pub other_role: &'static str,
    /// Total.
    pub total: &'static str,
    /// Empty session.
    pub no_messages: &'static str,
    /// A message without elements.
    pub empty_message: &'static str,
    /// A figure that does not exist.
    pub none: &'static str,
    /// Unknown sender.
    pub unknown_sender: &'static str,
    /// After a message time outside 2000–2100, shown as its raw number.
    pub time_out_of_range: &'static str,
    /// Message number label.
    pub message: &'static str,
    /// After a count of messages.
    pub messages_counted: &'static str,
    /// Image.
    pub image: &'static str,
    /// File.
    pub file: &'static str,
    /// Voice message.
    pub voice: &'static str,
    /// Video.
    pub video: &'static str,
    /// Location.
    pub location: &'static str,
    /// Face (sticker/emoji).
    pub face: &'static str,
    /// Open the original.
    pub open: &'static str,
    /// Open a map.
    pub open_map: &'static str,
    /// Download.
    pub download: &'static str,
    /// Shown beside a URL that is not used as a link.
    pub unsafe_url: &'static str,
    /// No URL in the record.
    pub no_url: &'static str,
    /// A media element a redaction profile replaced.
    pub media_redacted: &'static str,
    /// A shared file's footer, before the redaction profile's name.
    pub shared_with_profile: &'static str,
    /// A shared file's footer when nothing was redacted.
    pub shared_unredacted: &'static str,
    /// A captured image too large to go into a shared file.
    pub not_inlined: &'static str,
    /// Before the reason a media object is not in the archive.
    pub media_not_archived: &'static str,
    /// Link to a captured object's original address.
    pub original: &'static str,
    /// Product card (22).
    pub product: &'static str,
    /// Branch/menu (15).
    pub options: &'static str,
    /// Robot welcome (29).
    pub welcome: &'static str,
    /// Satisfaction rating request (9).
    pub rating_request: &'static str,
    /// Satisfaction rating answer (10).
    pub rating_answer: &'static str,
    /// Form (21).
    pub form: &'static str,
    /// Stream text (31) not finished.
    pub stream_unfinished: &'static str,
    /// Selected option.
    pub selected: &'static str,
    /// Typing indicator (12, user_typing_status).
    pub typing: &'static str,
    /// Session ended (19).
    pub session_ended: &'static str,
    /// Session timed out (20).
    pub session_timeout: &'static str,
    /// Conversation opened (7).
    pub conversation_opened: &'static str,
    /// Client state (11).
    pub client_state: &'static str,
    /// Robot command (13).
    pub bot_command: &'static str,
    /// No agent online (18).
    pub no_agent: &'static str,
    /// Satisfaction settings (23).
    pub satisfaction_settings: &'static str,
    /// Any other desk status payload (followed by its src).
    pub desk_event: &'static str,
    /// Link card (TUIKit text_link).
    pub link: &'static str,
    /// Evaluation (TUIKit evaluation).
    pub evaluation: &'static str,
    /// Order (TUIKit order).
    pub order: &'static str,
    /// Call (TUIKit av_call).
    pub call: &'static str,
    /// Custom message of unknown kind.
    pub custom: &'static str,
    /// The payload behind a rendered custom element.
    pub payload: &'static str,
    /// Element of unknown type.
    pub unsupported: &'static str,
    /// Known element type that could not be read.
    pub unreadable: &'static str,
    /// Extra message fields.
    pub other_fields: &'static str,
    /// Merged/forwarded messages.
    pub forwarded: &'static str,
    /// Relay list not inline.
    pub forwarded_elsewhere: &'static str,
    /// Face index label.
    pub index: &'static str,
    /// Time zone label.
    pub time_zone: &'static str,
    /// Weekday names, Monday first.
    pub weekdays: [&'static str; 7],

    // The index, agent pages and charts.
    /// "Sessions" (heading, totals label).
    pub sessions: &'static str,
    /// Headline figure: distinct customer accounts.
    pub customers: &'static str,
    /// "Agents" (heading of the agents table).
    pub agents: &'static str,
    /// Headline figure: distinct agent accounts (bots included).
    pub agent_accounts: &'static str,
    /// Column: start time.
    pub col_start: &'static str,
    /// Column: SessionId.
    pub col_session: &'static str,
    /// Column: customer.
    pub col_customer: &'static str,
    /// Column: agents.
    pub col_agents: &'static str,
    /// Column group label: messages per role (customer / agent / system / total).
    pub col_msg_customer: &'static str,
    /// Agent messages column.
    pub col_msg_agent: &'static str,
    /// System messages column.
    pub col_msg_system: &'static str,
    /// All messages column.
    pub col_msg_total: &'static str,
    /// Column: duration.
    pub col_duration: &'static str,
    /// Column: first response.
    pub col_first_response: &'static str,
    /// Column: longest wait.
    pub col_longest_wait: &'static str,
    /// Column: media captured (and not).
    pub col_media: &'static str,
    /// Media skipped for their size.
    pub media_skipped: &'static str,
    /// Media that could not be captured.
    pub media_failed: &'static str,
    /// Column: status.
    pub col_status: &'static str,
    /// "Times in".
    pub times_in: &'static str,
    /// Date range label.
    pub date_range: &'static str,
    /// Median first response.
    pub median_first_response: &'static str,
    /// 90th percentile first response.
    pub p90_first_response: &'static str,
    /// Headline figure: sessions in which a customer asked and no agent ever replied.
    pub unanswered_sessions: &'static str,
    /// Headline figure: sessions whose last customer messages got no agent reply.
    pub ending_unanswered: &'static str,
    /// Headline figure: the longest time a customer waited for a reply.
    pub longest_wait_figure: &'static str,
    /// Sessions without a record.
    pub not_archived: &'static str,
    /// Heading of the longest-wait table.
    pub longest_waits: &'static str,
    /// Heading of the charts section.
    pub charts: &'static str,
    /// Chart title: sessions per day.
    pub chart_sessions_per_day: &'static str,
    /// Chart title: sessions per week (coarsened).
    pub chart_sessions_per_week: &'static str,
    /// Chart title: sessions per month (coarsened).
    pub chart_sessions_per_month: &'static str,
    /// Chart title: sessions per year (coarsened further).
    pub chart_sessions_per_year: &'static str,
    /// Chart title: first-response distribution.
    pub chart_first_response: &'static str,
    /// Chart title: messages by hour of day.
    pub chart_by_hour: &'static str,
    /// Chart bucket: no reply.
    pub no_reply: &'static str,
    /// Status: answered.
    pub status_answered: &'static str,
    /// Status: the customer wrote and no agent ever replied.
    pub status_unanswered: &'static str,
    /// Status: agents replied, but the last customer messages were not answered.
    pub status_waiting: &'static str,
    /// Status: no customer messages.
    pub status_no_customer: &'static str,
    /// Status: empty record.
    pub status_empty: &'static str,
    /// Status: failed.
    pub status_failed: &'static str,
    /// Status: not found.
    pub status_not_found: &'static str,
    /// Status: pending.
    pub status_pending: &'static str,
    /// The index note on a session whose transcript holds fewer messages than the desk
    /// callbacks reported (followed by `: N < M`).
    pub transcript_shorter: &'static str,
    /// Beside the status of a session still going on when it was fetched (SPEC §7).
    pub status_open: &'static str,
    /// Index figure: sessions still going on when fetched.
    pub open_sessions: &'static str,
    /// Pager label.
    pub pages: &'static str,
    /// Previous page of the index.
    pub previous_page: &'static str,
    /// Next page of the index.
    pub next_page: &'static str,
    /// Text-filter label (used by index.js).
    pub filter: &'static str,
    /// Date-from label (used by index.js).
    pub from: &'static str,
    /// Date-to label (used by index.js).
    pub to: &'static str,
    /// "shown" count suffix (used by index.js).
    pub shown: &'static str,
    /// Note that sorting and filtering act on this page only.
    pub page_note: &'static str,
    /// Button showing the next rows of a sorted or filtered archive (used by index.js).
    pub more_rows: &'static str,
    /// The site search box (`static/search.js`).
    pub search: &'static SearchStrings,
    /// Runs answered.
    pub answered: &'static str,
    /// Placeholder for an empty account.
    pub unknown: &'static str,
    /// Hour, minute, second, millisecond units.
    pub units: [&'static str; 4],
    /// The index's link to the audit page.
    pub audit_log: &'static str,
    /// The day unit of long durations (`2 d 3 h`).
    pub day_unit: &'static str,
    /// Whether a space parts a duration's numbers and units (`3 min 05 s`, `3分05秒`).
    pub spaced_units: bool,
}

const EN: Strings = Strings {
    lang: Lang::En,
    lang_tag: "en",
    site_title: "Customer service archive",
    session: "Session",
    all_sessions: "All sessions",
    previous: "Previous",
    next: "Next",
    navigation: "Session navigation",
    overview: "Overview",
    participants: "Participants",
    metadata: "Metadata",
    transcript: "Transcript",
    start: "Start",
    end: "End",
    duration: "Duration",
    first_response: "First response",
    messages: "Messages",
    customer: "Customer",
    agent: "Agent",
    system: "System",
    other_role: "Role",
    total: "Total",
    no_messages: "This session has no messages.",
    empty_message: "(no content)",
    none: "—",
    unknown_sender: "(no account)",
    time_out_of_range: "time out of range",
    message: "Message",
    messages_counted: "messages",
    image: "Image",
    file: "File",
    voice: "Voice message",
    video: "Video",
    location: "Location",
    face: "Sticker",
    open: "Open",
    open_map: "Open map",
    download: "Download",
    unsafe_url: "address not linked",
    no_url: "no address in the record",
    media_redacted: "removed by redaction",
    shared_with_profile: "Shared transcript, redacted with the profile",
    shared_unredacted: "Shared transcript, not redacted",
    not_inlined: "not included: over the size limit of the shared file",
    media_not_archived: "media not archived",
    original: "original",
    product: "Product",
    options: "Options",
    welcome: "Welcome",
    rating_request: "Satisfaction survey",
    rating_answer: "Satisfaction rating",
    form: "Form",
    stream_unfinished: "(stream not finished)",
    selected: "Selected",
    typing: "Typing…",
    session_ended: "Session ended",
    session_timeout: "Session ended (timeout)",
    conversation_opened: "Conversation opened",
    client_state: "Client state",
    bot_command: "Bot command",
    no_agent: "No agent online",
    satisfaction_settings: "Satisfaction settings",
    desk_event: "Desk event",
    link: "Link",
    evaluation: "Evaluation",
    order: "Order",
    call: "Call",
    custom: "Custom message",
    payload: "Payload",
    unsupported: "Unsupported element",
    unreadable: "Unreadable element",
    other_fields: "Other fields",
    forwarded: "Forwarded messages",
    forwarded_elsewhere: "The forwarded messages are stored separately (JsonMsgKey) and are not part of this record.",
    index: "Index",
    time_zone: "Time zone",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    sessions: "Sessions",
    customers: "Customer accounts",
    agents: "Agents",
    agent_accounts: "Agent accounts (bots included)",
    col_start: "Start",
    col_session: "Session",
    col_customer: "Customer",
    col_agents: "Agents",
    col_msg_customer: "Customer msgs",
    col_msg_agent: "Agent msgs",
    col_msg_system: "System msgs",
    col_msg_total: "All msgs",
    col_duration: "Duration",
    col_first_response: "First response",
    col_longest_wait: "Longest wait",
    col_media: "Media",
    media_skipped: "too large",
    media_failed: "not archived",
    col_status: "Status",
    times_in: "Times in",
    date_range: "Date range",
    median_first_response: "Median first response",
    p90_first_response: "90th percentile first response",
    unanswered_sessions: "Sessions without any agent reply",
    ending_unanswered: "Sessions ending with an unanswered customer message",
    longest_wait_figure: "Longest customer wait for a reply",
    not_archived: "Sessions not archived",
    longest_waits: "Longest customer waits",
    charts: "Charts",
    chart_sessions_per_day: "Sessions per day",
    chart_sessions_per_week: "Sessions per week",
    chart_sessions_per_month: "Sessions per month",
    chart_sessions_per_year: "Sessions per year",
    chart_first_response: "First response times",
    chart_by_hour: "Messages by hour of day",
    no_reply: "no reply",
    status_answered: "answered",
    status_unanswered: "unanswered",
    status_waiting: "last customer message unanswered",
    status_no_customer: "no customer messages",
    status_empty: "empty",
    status_failed: "failed",
    status_not_found: "not found",
    status_pending: "pending",
    transcript_shorter: "transcript shorter than the callbacks reported",
    status_open: "still going on when fetched (fetched again by the next run)",
    open_sessions: "Sessions still going on when fetched",
    pages: "Pages",
    previous_page: "Previous",
    next_page: "Next",
    filter: "Filter",
    from: "From",
    to: "To",
    shown: "shown",
    page_note: "Sorting and filtering apply to this page.",
    more_rows: "Show more sessions",
    search: &SEARCH_EN,
    answered: "Customer runs answered",
    unknown: "(unknown)",
    units: ["h", "min", "s", "ms"],
    audit_log: "Audit log",
    day_unit: "d",
    spaced_units: true,
};

const ZH_CN: Strings = Strings {
    lang: Lang::ZhCn,
    lang_tag: "zh-CN",
    site_title: "客服会话存档",
    session: "会话",
    all_sessions: "全部会话",
    previous: "上一个",
    next: "下一个",
    navigation: "会话导航",
    overview: "概览",
    participants: "参与者",
    metadata: "元数据",
    transcript: "聊天记录",
    start: "开始",
    end: "结束",
    duration: "时长",
    first_response: "首次响应",
    messages: "消息",
    customer: "客户",
    agent: "客服",
    system: "系统",
    other_role: "角色",
    total: "合计",
    no_messages: "此会话没有消息。",
    empty_message: "（无内容）",
    none: "—",
    unknown_sender: "（无账号）",
    time_out_of_range: "时间超出范围",
    message: "消息",
    messages_counted: "条消息",
    image: "图片",
    file: "文件",
    voice: "语音消息",
    video: "视频",
    location: "位置",
    face: "表情",
    open: "打开",
    open_map: "打开地图",
    download: "下载",
    unsafe_url: "地址未设为链接",
    no_url: "记录中没有地址",
    media_redacted: "已按脱敏规则移除",
    shared_with_profile: "分享的会话记录，脱敏配置",
    shared_unredacted: "分享的会话记录，未脱敏",
    not_inlined: "未包含：超出分享文件的大小上限",
    media_not_archived: "媒体未存档",
    original: "原始地址",
    product: "商品",
    options: "选项",
    welcome: "欢迎语",
    rating_request: "满意度评价",
    rating_answer: "满意度结果",
    form: "表单",
    stream_unfinished: "（流式消息未结束）",
    selected: "已选择",
    typing: "正在输入…",
    session_ended: "会话已结束",
    session_timeout: "会话已结束（超时）",
    conversation_opened: "会话已打开",
    client_state: "客户端状态",
    bot_command: "机器人指令",
    no_agent: "暂无客服在线",
    satisfaction_settings: "满意度设置",
    desk_event: "客服事件",
    link: "链接",
    evaluation: "评价",
    order: "订单",
    call: "通话",
    custom: "自定义消息",
    payload: "原始数据",
    unsupported: "不支持的元素",
    unreadable: "无法读取的元素",
    other_fields: "其他字段",
    forwarded: "合并转发的消息",
    forwarded_elsewhere: "转发的消息单独存储（JsonMsgKey），不在此记录中。",
    index: "序号",
    time_zone: "时区",
    weekdays: [
        "星期一",
        "星期二",
        "星期三",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
    ],
    sessions: "会话",
    customers: "客户账号",
    agents: "客服",
    agent_accounts: "客服账号（含机器人）",
    col_start: "开始时间",
    col_session: "会话",
    col_customer: "客户",
    col_agents: "客服",
    col_msg_customer: "客户消息",
    col_msg_agent: "客服消息",
    col_msg_system: "系统消息",
    col_msg_total: "全部消息",
    col_duration: "时长",
    col_first_response: "首次响应",
    col_longest_wait: "最长等待",
    col_media: "媒体",
    media_skipped: "过大未存",
    media_failed: "未存档",
    col_status: "状态",
    times_in: "时区",
    date_range: "日期范围",
    median_first_response: "首次响应时间中位数",
    p90_first_response: "首次响应时间第 90 百分位",
    unanswered_sessions: "客服从未回复的会话",
    ending_unanswered: "以未获回复的客户消息结束的会话",
    longest_wait_figure: "客户等待回复的最长时间",
    not_archived: "未归档的会话",
    longest_waits: "客户等待最久的会话",
    charts: "图表",
    chart_sessions_per_day: "每日会话数",
    chart_sessions_per_week: "每周会话数",
    chart_sessions_per_month: "每月会话数",
    chart_sessions_per_year: "每年会话数",
    chart_first_response: "首次响应时间分布",
    chart_by_hour: "各时段消息数",
    no_reply: "未回复",
    status_answered: "已回复",
    status_unanswered: "未回复",
    status_waiting: "客户最后的消息未获回复",
    status_no_customer: "无客户消息",
    status_empty: "空会话",
    status_failed: "失败",
    status_not_found: "不存在",
    status_pending: "待处理",
    transcript_shorter: "记录少于回调报告的消息数",
    status_open: "抓取时仍在进行（下次运行将重新抓取）",
    open_sessions: "抓取时仍在进行的会话",
    pages: "页",
    previous_page: "上一页",
    next_page: "下一页",
    filter: "筛选",
    from: "从",
    to: "至",
    shown: "条显示",
    page_note: "排序和筛选仅作用于本页。",
    more_rows: "显示更多会话",
    search: &SEARCH_ZH_CN,
    answered: "已回复的客户消息轮次",
    unknown: "（未知）",
    units: ["小时", "分", "秒", "毫秒"],
    audit_log: "审计日志",
    day_unit: "天",
    spaced_units: false,
};

/// UI strings of the site search box; `{n}` stands for a number.
#[derive(Debug)]
pub struct SearchStrings {
    /// Section heading.
    pub heading: &'static str,
    /// Label of the search field.
    pub label: &'static str,
    /// Submit button.
    pub button: &'static str,
    /// While the index loads.
    pub loading: &'static str,
    /// "{n} results".
    pub results: &'static str,
    /// "1 result".
    pub one: &'static str,
    /// No result.
    pub none: &'static str,
    /// Opened from a file: what to do instead.
    pub file: &'static str,
    /// The index could not be loaded.
    pub failed: &'static str,
    /// Button showing the next results.
    pub more: &'static str,
    /// Filter label: agent.
    pub agent: &'static str,
    /// Filter label: month.
    pub month: &'static str,
    /// Filter label: status.
    pub status: &'static str,
    /// A filter's "no restriction" choice.
    pub any: &'static str,
    /// Accessible name of the filters group.
    pub filters: &'static str,
}

const SEARCH_EN: SearchStrings = SearchStrings {
    heading: "Search messages",
    label: "Words or numbers to find",
    button: "Search",
    loading: "Loading the search index…",
    results: "{n} results",
    one: "1 result",
    none: "No message matches.",
    file: "Search does not work on a page opened from a file. In a terminal, run \
           desk-archive serve DIR (DIR is this archive's folder) and open the address it \
           prints.",
    failed: "The search index could not be loaded.",
    more: "More results",
    agent: "Agent",
    month: "Month",
    status: "Status",
    any: "Any",
    filters: "Narrow the search",
};

const SEARCH_ZH_CN: SearchStrings = SearchStrings {
    heading: "搜索消息",
    label: "要查找的文字或号码",
    button: "搜索",
    loading: "正在加载搜索索引…",
    results: "{n} 条结果",
    one: "1 条结果",
    none: "没有匹配的消息。",
    file: "直接打开文件时无法搜索。请在终端运行 desk-archive serve DIR（DIR 为本存档的目录），\
           然后打开它显示的地址。",
    failed: "无法加载搜索索引。",
    more: "更多结果",
    agent: "客服",
    month: "月份",
    status: "状态",
    any: "全部",
    filters: "缩小搜索范围",
};

impl Strings {
    /// A duration as every page shows it ([`duration_ms`]); `None` gives the
    /// missing-figure placeholder.
    pub fn duration(&self, ms: Option<i64>) -> String {
        ms.map_or_else(|| self.none.to_owned(), |ms| duration_ms(ms, self.lang))
    }
}

/// The strings of `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// The strings of the audit page (`audit.html`, SPEC §14).
#[derive(Debug)]
pub struct AuditStrings {
    /// Heading and title.
    pub title: &'static str,
    /// What the page is and what the chain proves.
    pub intro: &'static str,
    /// Before the hash of the newest entry.
    pub chain_head: &'static str,
    /// No entry yet.
    pub no_entries: &'static str,
    /// Columns: number, time, command, what it did, payload after, entry hash.
    pub columns: [&'static str; 6],
    /// Labels of an entry's details.
    pub options: &'static str,
    /// Counts.
    pub counts: &'static str,
    /// Changed evidence accepted.
    pub accepted: &'static str,
    /// Records superseded by a re-fetch.
    pub superseded: &'static str,
    /// Files renamed.
    pub renamed: &'static str,
    /// Sessions erased.
    pub erased: &'static str,
    /// Settings changed.
    pub settings: &'static str,
    /// A line that is not an audit entry.
    pub unreadable: &'static str,
    /// Link to the newest entries.
    pub newest: &'static str,
    /// Link to newer entries.
    pub newer: &'static str,
    /// Link to older entries.
    pub older: &'static str,
    /// Heading of the list of older pages.
    pub older_pages: &'static str,
    /// Before an entry range (`Entries 1–1000`).
    pub entries: &'static str,
}

const AUDIT_EN: AuditStrings = AuditStrings {
    title: "Audit log",
    intro: "Every command that changed this archive, newest first. Each entry holds the \
            SHA-256 of the one before it, so an entry edited or removed in the middle breaks \
            the chain, and desk-archive verify names it. Entries cut from the end leave no \
            trace in the chain: compare the chain head with a copy kept elsewhere.",
    chain_head: "Chain head (SHA-256 of the newest entry):",
    no_entries: "No entries yet.",
    columns: [
        "#",
        "Time (UTC)",
        "Command",
        "What it did",
        "Payload after",
        "Entry SHA-256",
    ],
    options: "Options",
    counts: "Counts",
    accepted: "Changed evidence accepted",
    superseded: "Records superseded",
    renamed: "Files renamed",
    erased: "Sessions erased",
    settings: "Settings changed",
    unreadable: "Not an audit entry",
    newest: "Newest entries",
    newer: "Newer entries",
    older: "Older entries",
    older_pages: "Older entries",
    entries: "Entries",
};

const AUDIT_ZH_CN: AuditStrings = AuditStrings {
    title: "审计日志",
    intro: "更改过本存档的每条命令，最新的在前。每条记录都含有前一条记录的 SHA-256，\
            因此中间被修改或删除的记录会破坏哈希链，desk-archive verify 会指出是哪一条。\
            从末尾截掉的记录不会在链中留下痕迹：请将链头与保存在别处的副本比较。",
    chain_head: "链头（最新记录的 SHA-256）：",
    no_entries: "尚无记录。",
    columns: [
        "#",
        "时间（UTC）",
        "命令",
        "内容",
        "之后的载荷",
        "记录 SHA-256",
    ],
    options: "选项",
    counts: "计数",
    accepted: "接受的证据更改",
    superseded: "被取代的记录",
    renamed: "重命名的文件",
    erased: "已删除的会话",
    settings: "更改的设置",
    unreadable: "不是审计记录",
    newest: "最新的记录",
    newer: "较新的记录",
    older: "较早的记录",
    older_pages: "较早的记录",
    entries: "记录",
};

/// The audit page's strings in `lang`.
pub fn audit_strings(lang: Lang) -> &'static AuditStrings {
    match lang {
        Lang::En => &AUDIT_EN,
        Lang::ZhCn => &AUDIT_ZH_CN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// index.js formats durations from `units`, `day_unit` and `spaced_units` (through
    /// index-rows.js); they must say what `duration_ms` writes.
    #[test]
    fn duration_units_are_those_the_pages_write() {
        use crate::render::format::duration_ms;
        for lang in [Lang::En, Lang::ZhCn] {
            let t = strings(lang);
            let g = if t.spaced_units { " " } else { "" };
            let [h, m, s, ms] = t.units;
            let d = t.day_unit;
            assert_eq!(duration_ms(850, lang), format!("850{g}{ms}"));
            assert_eq!(duration_ms(45_000, lang), format!("45{g}{s}"));
            assert_eq!(duration_ms(185_000, lang), format!("3{g}{m}{g}05{g}{s}"));
            assert_eq!(duration_ms(3_720_000, lang), format!("1{g}{h}{g}02{g}{m}"));
            assert_eq!(duration_ms(183_600_000, lang), format!("2{g}{d}{g}3{g}{h}"));
        }
    }

    #[test]
    fn both_languages_are_complete() {
        for lang in [Lang::En, Lang::ZhCn] {
            let s = strings(lang);
            let debug = format!("{s:?}");
            assert!(!debug.contains("\"\""), "empty string in {lang:?}");
        }
        assert_eq!(strings(Lang::ZhCn).lang_tag, "zh-CN");
        for lang in [Lang::En, Lang::ZhCn] {
            let debug = format!("{:?}", audit_strings(lang));
            assert!(!debug.contains("\"\""), "empty audit string in {lang:?}");
        }
    }

    #[test]
    fn durations_read_the_same_on_every_page() {
        let t = strings(Lang::En);
        assert_eq!(t.duration(None), "—");
        assert_eq!(t.duration(Some(850)), "850 ms");
        assert_eq!(t.duration(Some(12_400)), "12 s");
        assert_eq!(t.duration(Some(184_000)), duration_ms(184_000, Lang::En));
        assert_eq!(
            strings(Lang::ZhCn).duration(Some(184_000)),
            duration_ms(184_000, Lang::ZhCn)
        );
    }
}
