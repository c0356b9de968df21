//! Campaigns: the paper's pipeline of many well-tempered metadynamics samplings
//! (temperatures × seeds × centres × cutoffs), each ending in one ΔF.
//!
//! - [`spec`]: the campaign file (`campaigns/*.toml`) and its plan of [`SamplingJob`]s;
//! - [`store`]: the output folder, above all `samplings.csv`, one row per sampling;
//! - [`run`]: [`run_campaign`], several samplings at once, resumable after a kill;
//! - [`report`]: the barrier statistics, fits and figures of a results table (`betaglass stats`);
//! - [`lammps`]: the campaign as LAMMPS + Colvars decks, and their results imported back.

pub mod censoring;
pub mod lammps;
pub mod report;
pub mod run;
pub mod spec;
pub mod store;

pub use report::{
    BarrierChoice, BarrierSample, CampaignReport, ReportOptions, parse_barrier_samples,
    read_barrier_samples,
};
pub use run::{
    CampaignError, CampaignOptions, CampaignProgress, CampaignSummary, FolderLock, LOCK_FILE,
    SamplingContext, run_campaign, run_campaign_with, run_sampling,
};
pub use spec::{CampaignSpec, CampaignSpecError, SamplingJob, StopRule};
pub use store::{
    SamplingRecord, SamplingStatus, Samplings, SamplingsCsv, StoreError, parse_samplings,
    read_samplings, read_samplings_with_warnings,
};
