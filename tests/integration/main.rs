//! The integration test binary: one module per feature.

mod archive;
mod bag;
mod browser;
mod cli;
mod conformance;
mod fetch;
mod fixity;
mod lifecycle;
mod listen;
mod media;
mod moto;
mod props;
mod publish;
mod render;
mod search;
mod serve;
mod shard;
mod share;
mod site_search;
mod stats;
