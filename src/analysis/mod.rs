//! Structural and statistical analysis of configurations and runs.

pub mod barriers;
pub mod censored;
pub mod rates;
pub mod figure;
pub mod rdf;
pub mod stats;
