//! Integration tests: `fetch --shard I/N` takes a disjoint share of the listed sessions.

use std::collections::BTreeSet;

use desk_archive::records::stem;
use desk_archive::shard::shard_of;

use crate::cli::run;
use crate::fetch::server::{FakeDesk, Options, messages};

#[test]
fn shards_split_the_sessions_between_workers() {
    let desk = FakeDesk::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..24).map(|i| format!("shard-session-{i}")).collect();
    for id in &ids {
        desk.add_session(id, messages(3));
    }
    std::fs::write(dir.path().join("ids.txt"), ids.join("\n")).unwrap();
    let base = desk.base();
    let mut seen = BTreeSet::new();
    for i in 0..3u64 {
        let out = format!("w{i}");
        let shard = format!("{i}/3");
        let args = [
            "fetch",
            "--sessions",
            "ids.txt",
            "--out",
            &out,
            "--shard",
            &shard,
            "--endpoint",
            &base,
            "--sdkappid",
            "1400000000",
            "--usersig",
            "sig",
            "--no-media",
        ];
        let (code, _, stderr) = run(dir.path(), &args);
        assert_eq!(code, 0, "{stderr}");
        let records = dir.path().join(&out).join("data/records");
        let got: BTreeSet<String> = std::fs::read_dir(&records)
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".json")
                    .to_owned()
            })
            .collect();
        let want: BTreeSet<String> = ids
            .iter()
            .filter(|id| shard_of(id, 3) == i)
            .map(|id| stem(id))
            .collect();
        assert_eq!(got, want, "shard {shard}");
        assert!(
            got.is_disjoint(&seen),
            "shard {shard} overlaps an earlier one"
        );
        seen.extend(got);
    }
    assert_eq!(seen.len(), ids.len());
}

#[test]
fn a_shard_out_of_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\n").unwrap();
    for shard in ["3/3", "0/0", "x"] {
        let args = [
            "fetch",
            "--sessions",
            "ids.txt",
            "--out",
            "o",
            "--shard",
            shard,
            "--sdkappid",
            "1",
            "--usersig",
            "s",
        ];
        let (code, _, stderr) = run(dir.path(), &args);
        assert_eq!(code, 2, "{shard}: {stderr}");
        assert!(stderr.contains("--shard"), "{stderr}");
        assert!(!dir.path().join("o").exists());
    }
}
