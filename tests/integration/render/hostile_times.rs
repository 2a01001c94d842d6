//! Hostile timestamps stay bounded (SPEC §9): messages sent "250,000 years" before and
//! after 1970 are shown as raw numbers with a mark and left out of charts and date
//! ranges, so the index stays small and the render's memory flat. (They once made a
//! 593 MB index.html, a bar per month across the whole span, and 1 GB of memory.)

use std::path::Path;

use crate::cli::run;

const HOSTILE: &str = r#"{"SessionId":"hostile-times","TotalCount":3,"Messages":[
{"FromAccount":"c","FromAccountRole":1,"Timestamp":-8000000000000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"early"}}]},
{"FromAccount":"a","FromAccountRole":2,"Timestamp":8000000000000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"late"}}]},
{"FromAccount":"a","FromAccountRole":2,"Timestamp":1704070800000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"on time"}}]}
],"FetchedAt":"2024-01-01T00:00:00Z"}"#;

const NORMAL: &str = r#"{"SessionId":"normal","TotalCount":1,"Messages":[
{"FromAccount":"c","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}
],"FetchedAt":"2024-01-01T00:00:00Z"}"#;

/// The largest "peak N MB" of `-v`'s step lines.
fn peak_mb(stderr: &str) -> f64 {
    stderr
        .lines()
        .filter_map(|l| l.split("peak ").nth(1))
        .filter_map(|rest| rest.trim_end_matches(" MB").trim().parse::<f64>().ok())
        .fold(0.0, f64::max)
}

fn page(out: &Path, id: &str, ext: &str) -> String {
    let stem = desk_archive::records::stem(id);
    std::fs::read_to_string(out.join(format!("data/sessions/{stem}.{ext}"))).expect("page")
}

#[test]
fn hostile_timestamps_keep_the_index_small_and_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("rec");
    std::fs::create_dir(&records).unwrap();
    std::fs::write(records.join("hostile.json"), HOSTILE).unwrap();
    std::fs::write(records.join("normal.json"), NORMAL).unwrap();
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "render",
            "--records",
            "rec",
            "--out",
            "out",
            "-v",
            "--timezone",
            "UTC",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let peak = peak_mb(&stderr);
    assert!(peak > 0.0, "no peak reported: {stderr}");
    // Generous ceilings: a render of two sessions peaks near 25 MB with a 10 kB index.
    assert!(peak < 150.0, "render peaked at {peak} MB");
    let out = dir.path().join("out");
    let index = std::fs::read_to_string(out.join("data/index.html")).unwrap();
    assert!(index.len() < 200_000, "index.html is {} bytes", index.len());
    for chart in index.split("<svg").skip(1) {
        let bars = chart
            .split("</svg>")
            .next()
            .unwrap_or("")
            .matches("<rect ")
            .count();
        assert!(bars <= 400, "a chart with {bars} bars");
    }
    // The date range is that of the plausible times only.
    assert!(
        !index.contains("-249") && !index.contains("253"),
        "hostile year shown"
    );
    assert!(index.contains("2024-01-01"), "no plausible date range");
    for ext in ["html", "md"] {
        let page = page(&out, "hostile-times", ext);
        for raw in ["-8000000000000000", "8000000000000000"] {
            assert!(page.contains(raw), "{ext}: raw timestamp {raw} not shown");
        }
        assert!(
            page.contains("out of range"),
            "{ext}: no mark on the raw times"
        );
        assert!(page.contains("01:00"), "{ext}: the plausible time is shown");
    }
    crate::archive::assert_valid_bag(&out);
}
