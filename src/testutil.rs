//! Helpers shared by the library's unit tests.

use proptest::test_runner::Config;

/// Proptest's configuration with `PROPTEST_CASES` cases when set, else `default`, and no
/// failure files written into the source tree.
pub(crate) fn proptest_config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}
