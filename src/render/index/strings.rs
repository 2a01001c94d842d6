//! UI strings of the index and agent pages, in English and Simplified Chinese, and the
//! formatting of durations and times that goes with them.

use chrono::TimeZone;

use crate::render::Lang;

/// Every UI string the index, agent pages and charts use.
#[derive(Debug)]
pub struct Strings {
    /// BCP 47 tag for `<html lang>`.
    pub lang_tag: &'static str,
    /// Default site title.
    pub title: &'static str,
    /// "Sessions" (heading, totals label).
    pub sessions: &'static str,
    /// "Messages".
    pub messages: &'static str,
    /// "Customers".
    pub customers: &'static str,
    /// "Agents".
    pub agents: &'static str,
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
    /// Sessions without any agent reply.
    pub unanswered_sessions: &'static str,
    /// Sessions ending with unanswered messages.
    pub ending_unanswered: &'static str,
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
    /// Pager label.
    pub pages: &'static str,
    /// Previous page.
    pub previous: &'static str,
    /// Next page.
    pub next: &'static str,
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
    /// Link back to the index.
    pub back_to_index: &'static str,
    /// Agent page heading prefix.
    pub agent: &'static str,
    /// Runs answered.
    pub answered: &'static str,
    /// Placeholder for a missing figure.
    pub none: &'static str,
    /// Placeholder for an empty account.
    pub unknown: &'static str,
    /// The site search box (`static/search.js`).
    pub search: &'static SearchStrings,
    /// Hour, minute, second, millisecond units.
    pub units: [&'static str; 4],
}

static EN: Strings = Strings {
    lang_tag: "en",
    title: "Customer-service sessions",
    sessions: "Sessions",
    messages: "Messages",
    customers: "Customers",
    agents: "Agents",
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
    ending_unanswered: "Sessions ending unanswered",
    not_archived: "Sessions not archived",
    longest_waits: "Longest customer waits",
    charts: "Charts",
    chart_sessions_per_day: "Sessions per day",
    chart_sessions_per_week: "Sessions per week",
    chart_sessions_per_month: "Sessions per month",
    chart_first_response: "First response times",
    chart_by_hour: "Messages by hour of day",
    no_reply: "no reply",
    status_answered: "answered",
    status_unanswered: "unanswered",
    status_waiting: "last message unanswered",
    status_no_customer: "no customer messages",
    status_empty: "empty",
    status_failed: "failed",
    status_not_found: "not found",
    status_pending: "pending",
    pages: "Pages",
    previous: "Previous",
    next: "Next",
    filter: "Filter",
    from: "From",
    to: "To",
    shown: "shown",
    page_note: "Sorting and filtering apply to this page.",
    more_rows: "Show more sessions",
    back_to_index: "All sessions",
    agent: "Agent",
    answered: "Customer runs answered",
    none: "—",
    unknown: "(unknown)",
    search: &SEARCH_EN,
    units: ["h", "min", "s", "ms"],
};

static ZH_CN: Strings = Strings {
    lang_tag: "zh-CN",
    title: "客服会话",
    sessions: "会话",
    messages: "消息",
    customers: "客户",
    agents: "客服",
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
    unanswered_sessions: "客服未回复的会话",
    ending_unanswered: "以未回复结束的会话",
    not_archived: "未归档的会话",
    longest_waits: "客户等待最久的会话",
    charts: "图表",
    chart_sessions_per_day: "每日会话数",
    chart_sessions_per_week: "每周会话数",
    chart_sessions_per_month: "每月会话数",
    chart_first_response: "首次响应时间分布",
    chart_by_hour: "各时段消息数",
    no_reply: "未回复",
    status_answered: "已回复",
    status_unanswered: "未回复",
    status_waiting: "最后消息未回复",
    status_no_customer: "无客户消息",
    status_empty: "空会话",
    status_failed: "失败",
    status_not_found: "不存在",
    status_pending: "待处理",
    pages: "页",
    previous: "上一页",
    next: "下一页",
    filter: "筛选",
    from: "从",
    to: "至",
    shown: "条显示",
    page_note: "排序和筛选仅作用于本页。",
    more_rows: "显示更多会话",
    back_to_index: "全部会话",
    agent: "客服",
    answered: "已回复的客户消息轮次",
    none: "—",
    unknown: "（未知）",
    search: &SEARCH_ZH_CN,
    units: ["小时", "分", "秒", "毫秒"],
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

static SEARCH_EN: SearchStrings = SearchStrings {
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

static SEARCH_ZH_CN: SearchStrings = SearchStrings {
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

/// The strings of a language.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

impl Strings {
    /// A duration for people: `2 h 5 min`, `3 min 4 s`, `12 s`, `850 ms`; the two largest
    /// units only. `None` gives the missing-figure placeholder.
    pub fn duration(&self, ms: Option<i64>) -> String {
        let Some(ms) = ms else {
            return self.none.to_owned();
        };
        let [h_u, m_u, s_u, ms_u] = self.units;
        let (sign, ms) = if ms < 0 {
            ("-", ms.unsigned_abs())
        } else {
            ("", ms as u64)
        };
        let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
        if h > 0 {
            format!("{sign}{h} {h_u} {m} {m_u}")
        } else if m > 0 {
            format!("{sign}{m} {m_u} {s} {s_u}")
        } else if ms >= 1000 {
            format!("{sign}{s} {s_u}")
        } else {
            format!("{sign}{ms} {ms_u}")
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS ZONE` in `zone` (the zone's abbreviation, e.g. `CST`, `CEST`).
pub fn local_time(ms: i64, zone: chrono_tz::Tz) -> Option<String> {
    let t = zone.timestamp_millis_opt(ms).single()?;
    Some(t.format("%Y-%m-%d %H:%M:%S %Z").to_string())
}

/// `YYYY-MM-DD` in `zone`.
pub fn local_day(ms: i64, zone: chrono_tz::Tz) -> Option<chrono::NaiveDate> {
    Some(zone.timestamp_millis_opt(ms).single()?.date_naive())
}

/// RFC 3339 in UTC with milliseconds, e.g. `2024-11-07T00:23:50.138Z`.
pub fn rfc3339_utc(ms: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(ms)?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        let t = strings(Lang::En);
        assert_eq!(t.duration(None), "—");
        assert_eq!(t.duration(Some(0)), "0 ms");
        assert_eq!(t.duration(Some(850)), "850 ms");
        assert_eq!(t.duration(Some(12_400)), "12 s");
        assert_eq!(t.duration(Some(184_000)), "3 min 4 s");
        assert_eq!(t.duration(Some(7_500_000)), "2 h 5 min");
        assert_eq!(strings(Lang::ZhCn).duration(Some(184_000)), "3 分 4 秒");
    }

    #[test]
    fn times_show_the_zone_and_handle_dst() {
        let winter = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        let summer = 1_719_792_000_000; // 2024-07-01T00:00:00Z
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            local_time(winter, berlin).unwrap(),
            "2024-01-01 01:00:00 CET"
        );
        assert_eq!(
            local_time(summer, berlin).unwrap(),
            "2024-07-01 02:00:00 CEST"
        );
        assert_eq!(
            rfc3339_utc(1_730_939_030_138).unwrap(),
            "2024-11-07T00:23:50.138Z"
        );
    }
}
