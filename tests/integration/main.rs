//! The integration test binary: one module per feature.

mod archive;
mod bag;
mod browser;
mod cli;
mod fetch;
mod media;
mod render;
mod search;
mod stats;
