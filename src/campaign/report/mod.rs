//! From a campaign's barriers to the paper's numbers and figures (`betaglass stats`).
//!
//! A results table (`samplings.csv`, or any CSV with at least `temperature_k` and a ΔF
//! column, extra columns and any row order allowed) becomes a [`CampaignReport`]:
//!
//! - per (centre, cutoff) group and temperature: n, mean, spread, the log-normal MLE, the
//!   reductions ΔF_para, ΔF_seq, ΔF_eff of the samples (Eqs. 4–6), ΔF_para of the fitted
//!   log-normal (numerical integral) and ΔF_seq of that log-normal truncated at a stated
//!   quantile (the untruncated one diverges), with bootstrap 95 % intervals;
//! - per mechanism, the fit ΔF(T) = ΔQ − TΔS (Eq. 7) with standard errors;
//! - Arrhenius frequencies (Eq. 8, ν₀ = [`NU0_HZ`](crate::analysis::barriers::NU0_HZ)) over
//!   a temperature range, next to the experimental Cu50Zr50 line, and the frequencies of the
//!   measured barriers (Eq. 2);
//! - the running mean and spread against the number of samplings (Fig. 3);
//! - mean ΔF and frequency against the cluster cutoff (Fig. 2);
//! - every sampling that does not enter the statistics, with the reason.
//!
//! The top-level `temperatures` and `fits` describe one group, [`CampaignReport::group`]:
//! the one with the most usable barriers (ties: the first in (centre, cutoff) order).
//! [`CampaignReport::groups`] has them all. [`CampaignReport::figures`] turns the report
//! into plain [`Figure`](crate::analysis::figure::Figure)s (Figs. 2–5) for
//! [`crate::io::figures`] or the app.
//!
//! This file holds the report's types; [`read`] reads the tables, [`stats`] computes the
//! report, [`table`] writes it for people and [`figures`] draws it.

mod figures;
mod read;
mod stats;
mod table;

use serde::Serialize;

use super::censoring::{Censoring, Rates};
use crate::analysis::barriers::{
    DEFAULT_BOOTSTRAP, DEFAULT_SEQ_QUANTILE, Interval, Intervals, LineFit, RunningStat,
};
use crate::sampling::Estimator;

pub(crate) use figures::lognormal_curve;
pub use figures::lognormal_pdf;
pub use read::{
    BarrierSample, BarrierTable, parse_barrier_samples, read_barrier_samples, samples_path,
};
pub(crate) use stats::eq7_fits;
pub(crate) use table::{line_fit, num, reason_suffix};

/// Which ΔF of a sampling enters the statistics (the estimators: [`Estimator`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BarrierChoice {
    /// `delta_f_ev`: the ΔF of the estimator the sampling's stop rule produced, as its row
    /// names it in `delta_f_estimator` (`profile` for a campaign; `filled-depth` for tables
    /// from before the estimators were named and for LAMMPS decks). A sampling whose stop
    /// rule left ΔF undetermined is excluded (and listed), never replaced.
    #[default]
    StopRule,
    /// `delta_f_profile_ev`: F(s‡) − F(initial minimum) where the stop rule ended.
    Profile,
    /// `delta_f_filled_depth_ev` (older tables: `delta_f_crossing_ev`): the filled depth at
    /// the last hill before the event's jump.
    Crossing,
    /// `delta_f_ev` where there is one, else the filled depth; every fallback is counted per
    /// temperature and listed in the notes.
    FinalElseCrossing,
    /// `delta_f_final_ev` (older tables: `delta_f_ev`): the first well of the end-of-run
    /// profile. A diagnostic only.
    Final,
}

impl BarrierChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StopRule => "stop-rule",
            Self::Profile => "profile",
            Self::Crossing => "filled-depth",
            Self::FinalElseCrossing => "stop-rule-else-filled-depth",
            Self::Final => "final",
        }
    }

    /// What the choice reads, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::StopRule => {
                "delta_f_ev (the ΔF of the estimator the stop rule produced, named in \
                 delta_f_estimator)"
            }
            Self::Profile => "delta_f_profile_ev (F(s‡) − F(initial minimum) at the stop)",
            Self::Crossing => {
                "delta_f_filled_depth_ev (the filled depth at the last hill before the jump)"
            }
            Self::FinalElseCrossing => {
                "delta_f_ev, or delta_f_filled_depth_ev where a sampling has no delta_f_ev"
            }
            Self::Final => "delta_f_final_ev (the end-of-run F(s); a diagnostic only)",
        }
    }

    /// The estimator this choice reads, when it reads one alone.
    pub fn estimator(self) -> Option<Estimator> {
        match self {
            Self::Profile => Some(Estimator::Profile),
            Self::Crossing => Some(Estimator::FilledDepth),
            Self::Final => Some(Estimator::Final),
            Self::StopRule | Self::FinalElseCrossing => None,
        }
    }
}

/// Choices behind a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOptions {
    pub barrier: BarrierChoice,
    /// Bootstrap resamples per temperature (0: no intervals).
    pub bootstrap: usize,
    /// Seed of the bootstrap streams (each temperature's stream is derived from it).
    pub seed: u64,
    /// Upper quantile at which the fitted log-normal is cut for its ΔF_seq.
    pub seq_quantile: f64,
    /// Temperatures of the Arrhenius table (K): from, to, and how many (evenly in 1/T).
    pub arrhenius_from_k: f64,
    pub arrhenius_to_k: f64,
    pub arrhenius_points: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            barrier: BarrierChoice::StopRule,
            bootstrap: DEFAULT_BOOTSTRAP,
            seed: 2020,
            seq_quantile: DEFAULT_SEQ_QUANTILE,
            // From below the paper's lowest temperature to past T_g = 695 K, where the
            // experimental line was measured.
            arrhenius_from_k: 150.0,
            arrhenius_to_k: 800.0,
            arrhenius_points: 27,
        }
    }
}

/// A (centre, cutoff) group of samplings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupKey {
    pub centre: String,
    pub cutoff_angstrom: Option<f64>,
}

impl GroupKey {
    pub fn label(&self) -> String {
        match self.cutoff_angstrom {
            Some(c) => format!("centre {}, cutoff {c} Å", self.centre),
            None => format!("centre {}", self.centre),
        }
    }
}

/// The statistics of one temperature's barriers. Every number is `null` (with `reason`)
/// when fewer than 2 barriers are usable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemperatureEntry {
    pub temperature_k: f64,
    /// Usable barriers.
    pub n: usize,
    /// Rows at this temperature (usable or not).
    pub samplings: usize,
    /// Rows at this temperature left out (see [`CampaignReport::excluded`]).
    pub excluded: usize,
    /// Barriers taken from `delta_f_crossing_ev` for want of `delta_f_ev`
    /// ([`BarrierChoice::FinalElseCrossing`] only).
    pub crossing_fallbacks: usize,
    /// Arithmetic mean ⟨ΔF⟩ (eV).
    pub mean_ev: Option<f64>,
    /// Population standard deviation (ddof 0) of ΔF (eV).
    pub std_ev: Option<f64>,
    /// Log-normal MLE: mean and population std (ddof 0) of ln(ΔF / 1 eV).
    pub lognormal_mu: Option<f64>,
    pub lognormal_sigma: Option<f64>,
    /// Eq. 4, 5, 6 on the samples (eV).
    pub para_ev: Option<f64>,
    pub seq_ev: Option<f64>,
    pub eff_ev: Option<f64>,
    /// Eq. 4 on the fitted log-normal, by quadrature (eV).
    pub para_lognormal_ev: Option<f64>,
    /// Eq. 5 on the fitted log-normal cut at [`CampaignReport::seq_truncation_quantile`]
    /// (eV); untruncated it diverges.
    pub seq_lognormal_truncated_ev: Option<f64>,
    /// Percentile-bootstrap 95 % intervals of mean, para, seq and eff.
    pub ci95: Option<Intervals>,
    /// Why the numbers are null.
    pub reason: Option<String>,
}

/// The fits of Eq. 7, ΔF(T) = ΔQ − TΔS, one per reduction, over the temperatures whose
/// entries have numbers. `null` (with `reason`) with fewer than 2 such temperatures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fits {
    pub temperatures_k: Vec<f64>,
    pub para: Option<LineFit>,
    pub seq: Option<LineFit>,
    pub eff: Option<LineFit>,
    /// ΔF_para of the fitted log-normals.
    pub para_lognormal: Option<LineFit>,
    pub reason: Option<String>,
}

/// All results for one (centre, cutoff) group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupReport {
    pub centre: String,
    pub cutoff_angstrom: Option<f64>,
    /// Usable barriers, all temperatures.
    pub n: usize,
    pub temperatures: Vec<TemperatureEntry>,
    pub fits: Fits,
}

/// One row of the Arrhenius table (Eq. 8 with each fit's ΔQ, ΔS).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArrheniusRow {
    pub temperature_k: f64,
    /// 1000 / T (1/K), the paper's abscissa.
    pub inverse_temperature_1000_per_k: f64,
    pub para_hz: Option<f64>,
    pub seq_hz: Option<f64>,
    pub eff_hz: Option<f64>,
    /// The experimental line: ΔE = 1.41 eV, ΔS = −k_B.
    pub experiment_hz: f64,
}

/// Eq. 2, ν = ν₀ exp(−ΔF/k_BT), on a temperature's measured barriers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasuredRate {
    pub temperature_k: f64,
    pub para_hz: f64,
    pub seq_hz: f64,
    pub eff_hz: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrhenius {
    pub nu0_hz: f64,
    pub experiment_dq_ev: f64,
    pub experiment_ds_kb: f64,
    pub rows: Vec<ArrheniusRow>,
    pub measured: Vec<MeasuredRate>,
}

/// Fig. 3: one temperature's barriers in sampling order, and the running mean and
/// population spread after each.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Convergence {
    pub temperature_k: f64,
    pub samplings: Vec<usize>,
    pub barriers_ev: Vec<f64>,
    pub running: Vec<RunningStat>,
}

/// Fig. 2: a group's mean barrier at one temperature, and its frequency by Eq. 2.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CutoffPoint {
    pub centre: String,
    pub temperature_k: f64,
    pub cutoff_angstrom: f64,
    pub n: usize,
    pub mean_ev: f64,
    pub mean_ci95: Option<Interval>,
    pub eff_ev: f64,
    /// ν₀ exp(−⟨ΔF⟩/k_BT): the paper's Fig. 2(b).
    pub frequency_mean_hz: f64,
    /// ν₀ exp(−ΔF_eff/k_BT).
    pub frequency_eff_hz: f64,
}

/// A sampling that does not enter the statistics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub sampling: usize,
    pub line: Option<usize>,
    pub temperature_k: f64,
    pub centre: String,
    pub cutoff_angstrom: Option<f64>,
    pub status: &'static str,
    /// The row's own `reason` column.
    pub reason: String,
    /// Why `stats` leaves it out.
    pub excluded_because: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub rows: usize,
    pub used: usize,
    pub ok: usize,
    pub no_event: usize,
    pub failed: usize,
    /// Status `ok` rows without the chosen ΔF.
    pub ok_without_barrier: usize,
    /// Rows whose barrier is ≤ 0 eV or whose temperature is ≤ 0 K.
    pub invalid: usize,
    pub crossing_fallbacks: usize,
}

/// Everything `betaglass stats` reports. See the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CampaignReport {
    /// The table it was made from, when known.
    pub source: Option<String>,
    pub barrier: BarrierChoice,
    pub barrier_column: &'static str,
    pub nu0_hz: f64,
    pub boltzmann_ev_per_k: f64,
    pub bootstrap_resamples: usize,
    pub seq_truncation_quantile: f64,
    /// The group that `temperatures`, `fits`, `arrhenius` and `convergence` describe.
    pub group: Option<GroupKey>,
    pub group_rule: &'static str,
    pub temperatures: Vec<TemperatureEntry>,
    pub fits: Fits,
    pub arrhenius: Arrhenius,
    pub convergence: Vec<Convergence>,
    /// Fig. 2 across every group with a cutoff.
    pub cutoffs: Vec<CutoffPoint>,
    pub groups: Vec<GroupReport>,
    pub counts: Counts,
    pub excluded: Vec<Excluded>,
    pub notes: Vec<String>,
    /// ART's mean ΔQ at 0 K, which ΔF(T) = ΔQ − TΔS must meet at T = 0 (the paper's Fig. 4b),
    /// when given (`betaglass stats --art`).
    pub zero_k: Option<ZeroKReference>,
    /// The selected group's samplings without an event as right-censored barriers: the
    /// censored fraction, the log-normal fitted with them, Eqs. 4–7 on that fit.
    pub censoring: Censoring,
    /// The selected group's boosted first-event times: exponential fit, KS test,
    /// ΔF_rate = k_BT ln(ν₀τ) and Eq. 7 on it.
    pub rates: Rates,
}

/// The 0 K barrier spectrum's mean, from an ART run of the same cluster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroKReference {
    pub source: String,
    /// Kept saddles.
    pub count: usize,
    pub mean_delta_q_ev: f64,
    /// Sample standard deviation of ΔQ (eV); `None` for one saddle.
    pub std_delta_q_ev: Option<f64>,
}

impl ZeroKReference {
    /// The mean ΔQ of an ART run's kept saddles; `None` when it kept none.
    pub fn from_art(report: &crate::landscape::report::ArtReport) -> Option<Self> {
        let m = report.delta_q_ev?;
        Some(Self {
            source: report.source.clone().unwrap_or_else(|| "ART run".into()),
            count: m.count,
            mean_delta_q_ev: m.mean,
            std_delta_q_ev: m.std,
        })
    }
}

fn sort_f64(values: &mut Vec<f64>) {
    values.sort_by(f64::total_cmp);
    values.dedup();
}
