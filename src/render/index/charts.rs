//! Inline SVG bar charts for the index, generated at render time from numbers.
//!
//! No JavaScript, no `style` attribute, no `<style>` element (the CSP forbids inline
//! styles): bars and text use `fill="currentColor"` and classes, so `index.css` decides the
//! colours, including in dark mode and print. [`Svg`] is the only way HTML gets from here
//! into a template unescaped; it is built only in this file, and every piece of text in it
//! passes [`escape`](crate::render::escape::escape).

use crate::render::escape::{Context, escape};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{Datelike, Months, NaiveDate};

use crate::render::i18n::Strings;

/// A finished `<svg>` element: markup generated here from numbers and our own UI strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Svg {}

impl Svg {
    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A chart with its visible caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// What it shows (also the SVG's `<title>`).
    pub caption: &'static str,
    /// The chart.
    pub svg: Svg,
}

/// One bar: its tooltip label, its axis label and its value.
#[derive(Debug, Clone)]
struct Bar {
    label: String,
    axis: String,
    value: u64,
}

impl Bar {
    /// A bar whose axis label is its label.
    fn new(label: String, value: u64) -> Bar {
        Bar {
            axis: label.clone(),
            label,
            value,
        }
    }
}

/// How a chart's axis labels are laid out. At most `max` labels are drawn (every n-th
/// bar's); every other one is `minor`, and narrow screens hide the minor ones and draw the
/// rest larger (index.css), so that labels stay legible and apart from 375 px up. With
/// `stagger`, long labels alternate between two rows.
#[derive(Debug, Clone, Copy)]
struct Labels {
    max: usize,
    stagger: bool,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// Draws a bar chart; `id` must be unique on the page (it labels the chart).
fn bar_chart(id: &str, title: &str, bars: &[Bar], labels: Labels) -> Svg {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / bars.len().max(1) as f64;
    let gap = if slot > 4.0 { slot * 0.15 } else { 0.0 };
    let every = bars.len().div_ceil(labels.max.max(1)).max(1);
    let mut s = String::with_capacity(256 + bars.len() * 160);
    let title = escape(title, Context::Attribute);
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{title}</title>"#
    );
    let base = TOP + plot_h;
    let _ = write!(
        s,
        r#"<g class="axis" fill="currentColor" font-size="11"><line x1="{LEFT}" y1="{base}" x2="{x2}" y2="{base}" stroke="currentColor" stroke-width="1"/><line class="grid" x1="{LEFT}" y1="{TOP}" x2="{x2}" y2="{TOP}" stroke="currentColor" stroke-width="0.5" stroke-dasharray="3 3"/><text x="{tx}" y="{ty}" text-anchor="end">{max}</text><text x="{tx}" y="{base}" text-anchor="end">0</text></g>"#,
        x2 = WIDTH - RIGHT,
        tx = LEFT - 4.0,
        ty = TOP + 4.0,
    );
    s.push_str(r#"<g class="bars" fill="currentColor">"#);
    for (i, bar) in bars.iter().enumerate() {
        let h = plot_h * bar.value as f64 / max as f64;
        let x = LEFT + slot * i as f64 + gap / 2.0;
        let label = escape(&bar.label, Context::Attribute);
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{label}: {v}</title></rect>"#,
            y = base - h,
            w = (slot - gap).max(0.5),
            v = bar.value,
        );
    }
    s.push_str("</g>");
    s.push_str(r#"<g class="labels" fill="currentColor" font-size="10" text-anchor="middle">"#);
    for (i, bar) in bars.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let rank = i / every;
        let x = LEFT + slot * (i as f64 + 0.5);
        let label = escape(&bar.axis, Context::Attribute);
        let class = if rank % 2 == 1 {
            r#" class="minor""#
        } else {
            ""
        };
        let row = if labels.stagger {
            (rank % 2) as f64
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<text{class} x="{x:.1}" y="{y}">{label}</text>"#,
            y = base + 14.0 + 12.0 * row
        );
    }
    s.push_str("</g></svg>");
    Svg(s)
}

/// The step of the sessions-over-time chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One bar per day: spans up to 92 days.
    Day,
    /// One bar per ISO week (Monday first): spans up to two years.
    Week,
    /// One bar per month: spans up to 400 months.
    Month,
    /// One bar per year: longer spans.
    Year,
}

/// The most bars a chart may have (SPEC §9): a chart never grows with the span of time.
pub const MAX_BARS: usize = 400;

/// Sessions per day (in the index's zone) as a chart; spans longer than 92 days are shown
/// per week, longer than two years per month, longer than 400 months per year, so that no
/// chart has more than [`MAX_BARS`] bars (a span that would need more draws no chart).
/// Days without sessions inside the span are zero bars.
pub fn sessions_over_time(per_day: &BTreeMap<NaiveDate, u64>, t: &Strings) -> Option<Chart> {
    let (&first, &last) = (per_day.keys().next()?, per_day.keys().next_back()?);
    let span = (last - first).num_days();
    let months = i64::from(last.year() - first.year()) * 12 + i64::from(last.month())
        - i64::from(first.month())
        + 1;
    let step = match span {
        ..=91 => Step::Day,
        92..=730 => Step::Week,
        _ if months <= MAX_BARS as i64 => Step::Month,
        _ => Step::Year,
    };
    let bucket = |d: NaiveDate| match step {
        Step::Day => d,
        Step::Week => d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday())),
        Step::Month => d.with_day(1).unwrap_or(d),
        Step::Year => d.with_ordinal(1).unwrap_or(d),
    };
    let mut counts: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut d = bucket(first);
    while d <= last {
        if counts.len() == MAX_BARS {
            return None;
        }
        counts.insert(d, 0);
        d = match step {
            Step::Day => d + chrono::Days::new(1),
            Step::Week => d + chrono::Days::new(7),
            Step::Month => d.checked_add_months(Months::new(1))?,
            Step::Year => d.checked_add_months(Months::new(12))?,
        };
    }
    for (&day, &n) in per_day {
        *counts.entry(bucket(day)).or_default() += n;
    }
    // Axis labels short (`MM-DD`, `YYYY-MM`); the tooltips give the whole date.
    let bars: Vec<Bar> = counts
        .into_iter()
        .map(|(d, value)| match step {
            Step::Year => Bar::new(d.format("%Y").to_string(), value),
            Step::Month => Bar::new(d.format("%Y-%m").to_string(), value),
            _ => Bar {
                label: d.format("%Y-%m-%d").to_string(),
                axis: d.format("%m-%d").to_string(),
                value,
            },
        })
        .collect();
    let title = match step {
        Step::Day => t.chart_sessions_per_day,
        Step::Week => t.chart_sessions_per_week,
        Step::Month => t.chart_sessions_per_month,
        Step::Year => t.chart_sessions_per_year,
    };
    let labels = Labels {
        max: 10,
        stagger: false,
    };
    Some(Chart {
        caption: title,
        svg: bar_chart("chart-sessions", title, &bars, labels),
    })
}

/// Upper bounds (exclusive, ms) of the first-response buckets; the last bucket is open.
pub const RESPONSE_BUCKETS_MS: [i64; 7] = [
    30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
];

/// Counts first-response times into [`RESPONSE_BUCKETS_MS`] buckets (8 counts).
pub fn response_buckets(times: impl IntoIterator<Item = i64>) -> [u64; 8] {
    let mut counts = [0u64; 8];
    for t in times {
        let i = RESPONSE_BUCKETS_MS.iter().position(|&b| t < b).unwrap_or(7);
        counts[i] += 1;
    }
    counts
}

/// Distribution of first response times, plus a bar for sessions no agent answered.
pub fn first_response_chart(buckets: &[u64; 8], no_reply: u64, t: &Strings) -> Chart {
    let [h, m, s, _] = t.units;
    let labels = [
        format!("<30 {s}"),
        format!("30 {s}–1 {m}"),
        format!("1–2 {m}"),
        format!("2–5 {m}"),
        format!("5–10 {m}"),
        format!("10–30 {m}"),
        format!("30 {m}–1 {h}"),
        format!("≥1 {h}"),
    ];
    let mut bars: Vec<Bar> = labels
        .into_iter()
        .zip(buckets)
        .map(|(label, &value)| Bar::new(label, value))
        .collect();
    bars.push(Bar::new(t.no_reply.to_owned(), no_reply));
    // Every bucket named: the labels are long, so they take two rows.
    let labels = Labels {
        max: bars.len(),
        stagger: true,
    };
    Chart {
        caption: t.chart_first_response,
        svg: bar_chart(
            "chart-first-response",
            t.chart_first_response,
            &bars,
            labels,
        ),
    }
}

/// Messages by hour of day (0–23, in the index's zone).
pub fn by_hour_chart(hours: &[u64; 24], t: &Strings) -> Chart {
    let bars: Vec<Bar> = hours
        .iter()
        .enumerate()
        .map(|(h, &value)| Bar::new(format!("{h:02}"), value))
        .collect();
    let labels = Labels {
        max: 12,
        stagger: false,
    };
    Chart {
        caption: t.chart_by_hour,
        svg: bar_chart("chart-by-hour", t.chart_by_hour, &bars, labels),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Lang;
    use crate::render::i18n::strings;

    #[test]
    fn buckets_are_half_open() {
        let b = response_buckets([0, 29_999, 30_000, 59_999, 3_600_000, 10_000_000]);
        assert_eq!(b, [2, 2, 0, 0, 0, 0, 0, 2]);
    }

    #[test]
    fn chart_has_one_rect_per_bar_and_no_style() {
        let svg = by_hour_chart(&[1; 24], strings(Lang::En)).svg;
        assert_eq!(svg.as_str().matches("<rect ").count(), 24);
        assert!(!svg.as_str().contains("style"));
        assert!(svg.as_str().starts_with("<svg ") && svg.as_str().ends_with("</svg>"));
    }

    #[test]
    fn long_spans_are_coarsened() {
        let t = strings(Lang::En);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let days = BTreeMap::from([(d(2024, 1, 1), 2), (d(2024, 1, 3), 1)]);
        let svg = sessions_over_time(&days, t).unwrap().svg;
        assert_eq!(svg.as_str().matches("<rect ").count(), 3);
        let weeks = BTreeMap::from([(d(2024, 1, 1), 2), (d(2024, 12, 30), 1)]);
        let svg = sessions_over_time(&weeks, t).unwrap().svg;
        assert_eq!(svg.as_str().matches("<rect ").count(), 53);
        let months = BTreeMap::from([(d(2020, 1, 31), 2), (d(2024, 12, 1), 1)]);
        let svg = sessions_over_time(&months, t).unwrap().svg;
        assert_eq!(svg.as_str().matches("<rect ").count(), 60);
        assert!(sessions_over_time(&BTreeMap::new(), t).is_none());
        let years = BTreeMap::from([(d(2000, 1, 1), 2), (d(2099, 12, 31), 1)]);
        let svg = sessions_over_time(&years, t).unwrap().svg;
        assert_eq!(svg.as_str().matches("<rect ").count(), 100);
        assert!(svg.as_str().contains(t.chart_sessions_per_year));
        // 400 months still per month; one more and it is per year.
        let edge = BTreeMap::from([(d(2000, 1, 31), 1), (d(2033, 4, 1), 1)]);
        let bars = sessions_over_time(&edge, t)
            .unwrap()
            .svg
            .as_str()
            .matches("<rect ")
            .count();
        assert_eq!(bars, 400);
        let edge = BTreeMap::from([(d(2000, 1, 31), 1), (d(2033, 5, 1), 1)]);
        let bars = sessions_over_time(&edge, t)
            .unwrap()
            .svg
            .as_str()
            .matches("<rect ")
            .count();
        assert_eq!(bars, 34);
        // Whatever the span, never more than MAX_BARS bars.
        let hostile = BTreeMap::from([(NaiveDate::MIN, 1), (NaiveDate::MAX, 1)]);
        assert!(sessions_over_time(&hostile, t).is_none());
    }

    #[test]
    fn long_axes_are_thinned_and_every_other_label_is_minor() {
        let t = strings(Lang::En);
        let d = |day| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
        let days: BTreeMap<_, _> = (0..60).map(|i| (d(i), 1)).collect();
        let chart = sessions_over_time(&days, t).unwrap();
        assert_eq!(chart.caption, "Sessions per day");
        let svg = chart.svg.as_str();
        let labels = svg.split(r#"<g class="labels""#).nth(1).unwrap();
        assert_eq!(labels.matches("<text").count(), 10);
        assert_eq!(labels.matches(r#"class="minor""#).count(), 5);
        assert!(labels.contains(">01-01<") && !labels.contains(">2024-01-01<"));
        // The whole date stays in the tooltip.
        assert!(svg.contains("<title>2024-01-01: 1</title>"));
    }
}
