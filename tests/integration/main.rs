//! The integration test binary: one module per feature.

mod archive;
mod bag;
mod browser;
mod cli;
mod conformance;
mod fetch;
mod fixity;
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
mod stats;
