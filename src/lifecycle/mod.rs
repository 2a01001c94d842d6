//! The archive's lifecycle (SPEC §14): erasure of sessions ([`erase`], and [`prune`] by
//! the retention period), legal holds that protect sessions from both ([`hold`]), what the
//! records say about each session for those decisions ([`scan`]), and the list of places
//! the archive was published to, so that an erasure can say where copies remain
//! ([`targets`]).

pub mod erase;
pub mod hold;
pub mod prune;
pub mod scan;
pub mod targets;
