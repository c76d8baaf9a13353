//! gasguard: a gas-regression checker for Solidity contracts.
//!
//! Data flows one way: config + artifacts → executor → report → diff + policy → renderers →
//! outputs. [`core`] is pure; everything else is an adapter at the edge.

pub mod core;
pub mod github;
