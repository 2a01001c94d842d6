//! desk-archive: turn Tencent Cloud Chat desk sessions into a durable, readable, verifiable
//! static website (a BagIt bag).
//!
//! Data flows one way: [`cli`] → [`config`] → [`fetch`] → [`records`] → [`render`] → [`bag`],
//! with [`stats`] computed from records.

pub mod assets;
pub mod bag;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod error;
pub mod fetch;
pub mod fsutil;
pub mod model;
pub mod progress;
pub mod records;
pub mod render;
pub mod sessions;
pub mod stats;
pub mod usersig;

pub use error::{Error, Result};
