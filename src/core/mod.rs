//! The pure core: the report model, statistics, the diff, the policy and the renderers.
//!
//! Values in, values out. Nothing in here reads a file, touches the network, runs the EVM,
//! looks at the clock or at a global flag; adapters and commands do that at the edges.

pub mod attribution;
pub mod base;
pub mod build;
pub mod car;
pub mod cid;
pub mod diff;
pub mod entries;
pub mod explain;
pub mod history;
pub mod names;
pub mod number;
pub mod policy;
pub mod record;
pub mod render;
pub mod report;
pub mod shard;
pub mod stats;
pub mod summary;
pub mod unixfs;
