//! gasguard: a gas-regression checker for Solidity contracts.
//!
//! Data flows one way: config + artifacts → executor → report → diff + policy → renderers →
//! outputs. [`core`] is pure; everything else is an adapter at the edge.

pub mod accounts;
pub mod artifacts;
pub mod cli;
pub mod config;
pub mod core;
pub mod exec;
pub mod flamegraph;
pub mod fsutil;
pub mod git;
pub mod github;
pub mod import;
pub mod ipfs;
pub mod plan;
pub mod printer;
pub mod redact;
pub mod registry;
pub mod scaffold;
