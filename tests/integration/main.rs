//! The integration test binary: one module per feature.

mod archive;
mod bag;
mod browser;
mod cli;
mod fetch;
mod fixity;
mod media;
mod moto;
mod publish;
mod render;
mod shard;
mod stats;
