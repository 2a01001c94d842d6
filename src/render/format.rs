//! Human-readable figures for the pages: local times (IANA zones, DST by chrono-tz), days,
//! durations and byte sizes, in the page's language.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Offset as _, TimeZone, Timelike};
use chrono_tz::Tz;

use super::Lang;
use super::i18n::Strings;
use crate::model::plausible_ms;

/// One instant as shown on a page, in its zone. Its parts are written straight into the
/// page (no strftime pattern parsed, no string kept per message: that was 8 % of a render).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeView {
    local: DateTime<Tz>,
}

impl TimeView {
    /// `HH:MM`.
    pub fn short(&self) -> impl fmt::Display + '_ {
        Show(move |f| write!(f, "{:02}:{:02}", self.local.hour(), self.local.minute()))
    }

    /// The zone's abbreviation at that instant (e.g. `CST`, `CEST`, `+08`).
    pub fn zone(&self) -> impl fmt::Display + '_ {
        self.local.offset()
    }

    /// Date, time with milliseconds, zone and offset (for `title`):
    /// `2024-07-01 02:00:00.000 CEST (UTC+02:00)`.
    pub fn full(&self) -> impl fmt::Display + '_ {
        Show(move |f| {
            let l = &self.local;
            write!(
                f,
                "{} {:02}:{:02}:{:02}.{:03} {} (UTC{})",
                self.day(),
                l.hour(),
                l.minute(),
                l.second(),
                l.timestamp_subsec_millis(),
                l.offset(),
                Offset(l.offset().fix().local_minus_utc()),
            )
        })
    }

    /// RFC 3339 with milliseconds (for `<time datetime>`): `2024-07-01T02:00:00.000+02:00`.
    pub fn iso(&self) -> impl fmt::Display + '_ {
        Show(move |f| {
            let l = &self.local;
            write!(
                f,
                "{}T{:02}:{:02}:{:02}.{:03}{}",
                self.day(),
                l.hour(),
                l.minute(),
                l.second(),
                l.timestamp_subsec_millis(),
                Offset(l.offset().fix().local_minus_utc()),
            )
        })
    }

    /// The local calendar day.
    pub fn date(&self) -> NaiveDate {
        self.local.date_naive()
    }

    /// The local calendar day as `YYYY-MM-DD`.
    pub fn day(&self) -> impl fmt::Display + '_ {
        Show(move |f| {
            let l = &self.local;
            write!(f, "{:04}-{:02}-{:02}", l.year(), l.month(), l.day())
        })
    }
}

/// A closure that writes itself.
struct Show<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Show<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// A UTC offset in seconds as `+HH:MM`.
struct Offset(i32);

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let minutes = self.0.unsigned_abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// Formats Unix milliseconds in `tz`; `None` outside 2000–2100 ([`plausible_ms`]: such a
/// time is shown as its raw number, marked).
pub fn time_ms(ms: i64, tz: Tz) -> Option<TimeView> {
    if !plausible_ms(ms) {
        return None;
    }
    let local = DateTime::from_timestamp_millis(ms)?.with_timezone(&tz);
    Some(TimeView { local })
}

/// Formats Unix seconds in `tz` (relay messages); `None` outside 2000–2100.
pub fn time_s(s: i64, tz: Tz) -> Option<TimeView> {
    time_ms(s.checked_mul(1000)?, tz)
}

/// A date-time line for the overview: `2024-11-07 10:02:03 CST`.
pub fn date_time(ms: i64, tz: Tz) -> Option<String> {
    let local = DateTime::from_timestamp_millis(ms)?.with_timezone(&tz);
    Some(local.format("%Y-%m-%d %H:%M:%S %Z").to_string())
}

/// A day separator label: `Thursday, 7 November 2024` / `2024年11月7日 星期四`.
pub fn day_label(ms: i64, tz: Tz, lang: Lang, t: &Strings) -> String {
    let Some(utc) = DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    let local = utc.with_timezone(&tz);
    let weekday = t.weekdays[local.weekday().num_days_from_monday() as usize];
    match lang {
        Lang::En => format!("{weekday}, {}", local.format("%-d %B %Y")),
        Lang::ZhCn => format!(
            "{}年{}月{}日 {weekday}",
            local.year(),
            local.month(),
            local.day()
        ),
    }
}

/// A duration: `850 ms`, `45 s`, `3 min 05 s`, `1 h 02 min`, `2 d 3 h`.
pub fn duration_ms(ms: i64, lang: Lang) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (s, m, h, d) = (ms / 1000, ms / 60_000, ms / 3_600_000, ms / 86_400_000);
    let zh = lang == Lang::ZhCn;
    let text = if ms < 1000 {
        if zh {
            format!("{ms}毫秒")
        } else {
            format!("{ms} ms")
        }
    } else if s < 60 {
        if zh {
            format!("{s}秒")
        } else {
            format!("{s} s")
        }
    } else if m < 60 {
        if zh {
            format!("{m}分{:02}秒", s % 60)
        } else {
            format!("{m} min {:02} s", s % 60)
        }
    } else if h < 24 {
        if zh {
            format!("{h}小时{:02}分", m % 60)
        } else {
            format!("{h} h {:02} min", m % 60)
        }
    } else if zh {
        format!("{d}天{}小时", h % 24)
    } else {
        format!("{d} d {} h", h % 24)
    };
    format!("{sign}{text}")
}

/// A media length in seconds: `0:07`, `12:30`, `1:02:03`.
pub fn clock(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return String::new();
    }
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A byte size: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
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
    fn times_follow_the_zone_and_daylight_saving() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let winter = time_ms(1_704_067_200_000, berlin).unwrap(); // 2024-01-01T00:00Z
        assert_eq!(
            (winter.short().to_string(), winter.zone().to_string()),
            ("01:00".into(), "CET".into())
        );
        assert_eq!(
            winter.full().to_string(),
            "2024-01-01 01:00:00.000 CET (UTC+01:00)"
        );
        let summer = time_ms(1_719_792_000_000, berlin).unwrap(); // 2024-07-01T00:00Z
        assert_eq!(
            (summer.short().to_string(), summer.zone().to_string()),
            ("02:00".into(), "CEST".into())
        );
        assert_eq!(summer.iso().to_string(), "2024-07-01T02:00:00.000+02:00");
        let utc = time_s(1_704_067_200, chrono_tz::UTC).unwrap();
        assert_eq!(utc.short().to_string(), "00:00");
        assert_eq!(utc.iso().to_string(), "2024-01-01T00:00:00.000+00:00");
        let kolkata = time_ms(1_704_067_200_123, "Asia/Kolkata".parse().unwrap()).unwrap();
        assert_eq!(
            kolkata.full().to_string(),
            "2024-01-01 05:30:00.123 IST (UTC+05:30)"
        );
        let west = time_ms(946_684_800_000, "America/St_Johns".parse().unwrap()).unwrap();
        assert_eq!(west.iso().to_string(), "1999-12-31T20:30:00.000-03:30");
        // Outside 2000–2100 (UTC) a time is not formatted: the page shows the number.
        for hostile in [
            i64::MIN,
            -8_000_000_000_000_000,
            0,
            946_684_799_999,
            4_102_444_800_000,
        ] {
            assert!(time_ms(hostile, berlin).is_none(), "{hostile}");
        }
        assert!(time_s(i64::MAX, berlin).is_none());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(duration_ms(850, Lang::En), "850 ms");
        assert_eq!(duration_ms(185_000, Lang::En), "3 min 05 s");
        assert_eq!(duration_ms(3_720_000, Lang::ZhCn), "1小时02分");
        assert_eq!(clock(7.0), "0:07");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(100), "100 B");
        let t = super::super::i18n::strings(Lang::En);
        assert_eq!(
            day_label(1_730_939_030_138, chrono_tz::UTC, Lang::En, t),
            "Thursday, 7 November 2024"
        );
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
