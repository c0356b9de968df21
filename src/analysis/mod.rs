//! Structural and statistical analysis of configurations and runs.

pub mod barriers;
pub mod figure;
pub mod rdf;
pub mod stats;
