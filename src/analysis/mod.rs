//! Structural and statistical analysis of configurations and runs.

pub mod barriers;
pub mod censored;
pub mod figure;
pub mod rates;
pub mod rdf;
pub mod stats;
