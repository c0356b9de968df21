//! Structural and statistical analysis of configurations and runs.

pub mod rdf;
pub mod stats;
