//! The integration test binary: one module per feature.

mod archive;
mod bag;
mod browser;
mod cli;
mod conformance;
mod fetch;
mod fixity;
mod media;
mod props;
mod render;
mod stats;
