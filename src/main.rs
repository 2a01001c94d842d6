//! The `desk-archive` binary: parse, run, report.

fn main() {}
