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
//! - Arrhenius frequencies (Eq. 8, ν₀ = [`NU0_HZ`]) over a temperature range, next to the
//!   experimental Cu50Zr50 line, and the frequencies of the measured barriers (Eq. 2);
//! - the running mean and spread against the number of samplings (Fig. 3);
//! - mean ΔF and frequency against the cluster cutoff (Fig. 2);
//! - every sampling that does not enter the statistics, with the reason.
//!
//! The top-level `temperatures` and `fits` describe one group, [`CampaignReport::group`]:
//! the one with the most usable barriers (ties: the first in (centre, cutoff) order).
//! [`CampaignReport::groups`] has them all. [`CampaignReport::figures`] turns the report
//! into plain [`Figure`]s (Figs. 2–5) for [`crate::io::figures`] or the app.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::censoring::{self, Censored, Censoring, Rates};
use super::spec::centre_label;
use super::store::{SAMPLINGS_CSV, SamplingRecord, SamplingStatus, StoreError, split_csv_line};
use crate::analysis::barriers::{
    DEFAULT_BOOTSTRAP, DEFAULT_SEQ_QUANTILE, EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, Interval,
    Intervals, LineFit, NU0_HZ, RunningStat, arrhenius_hz, fit_entropy, running_mean_std,
    seq_lognormal_truncated_ev, temperature_stats,
};
use crate::analysis::figure::{Figure, Panel, Series, SeriesStyle};
use crate::io::shorten;
use crate::sampling::Estimator;
use crate::system::units::BOLTZMANN_CODATA_EV_PER_K;

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

/// One sampling's barrier as the statistics need it: a [`SamplingRecord`] reduced to the
/// columns `stats` reads, which a hand-made CSV may also supply.
#[derive(Clone, Debug, PartialEq)]
pub struct BarrierSample {
    /// The sampling's index; without a `sampling` column, the row's rank (0-based) in the
    /// file. Samples are taken in this order (Fig. 3 and the bootstrap's draws).
    pub sampling: usize,
    /// The centre's label (`nearest-cu`, an atom id …); `-` without a `centre` column.
    pub centre: String,
    pub cutoff_angstrom: Option<f64>,
    pub temperature_k: f64,
    /// The ΔF the stop rule produced (or the table's own `delta_f_ev`).
    pub delta_f_ev: Option<f64>,
    /// Which estimator `delta_f_ev` is, when the table names it.
    pub delta_f_estimator: Option<Estimator>,
    /// The filled depth (`delta_f_filled_depth_ev`, older tables `delta_f_crossing_ev`).
    pub delta_f_crossing_ev: Option<f64>,
    pub delta_f_profile_ev: Option<f64>,
    pub delta_f_final_ev: Option<f64>,
    /// `ok` when the table has no `status` column.
    pub status: SamplingStatus,
    pub reason: String,
    /// 1-based line in the source table, when read from one.
    pub line: Option<usize>,
    /// `no_event` rows: the barrier exceeds this (eV), a right-censored barrier
    /// (`delta_f_lower_bound_ev`; absent from tables written before that column).
    pub delta_f_lower_bound_ev: Option<f64>,
    /// Boosted (physical) time of the first event's crossing (ps), for the rate estimate.
    pub event_boosted_ps: Option<f64>,
}

impl From<&SamplingRecord> for BarrierSample {
    fn from(r: &SamplingRecord) -> Self {
        Self {
            sampling: r.sampling,
            centre: centre_label(&r.centre),
            cutoff_angstrom: Some(r.cutoff_angstrom),
            temperature_k: r.temperature_k,
            delta_f_ev: r.delta_f_ev,
            delta_f_estimator: r.delta_f_estimator,
            delta_f_crossing_ev: r.delta_f_filled_depth_ev,
            delta_f_profile_ev: r.delta_f_profile_ev,
            delta_f_final_ev: r.delta_f_final_ev,
            status: r.status,
            reason: r.reason.clone(),
            line: None,
            delta_f_lower_bound_ev: r.delta_f_lower_bound_ev,
            event_boosted_ps: r.event_boosted_ps,
        }
    }
}

/// A table read by [`read_barrier_samples`]: its rows and any warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarrierTable {
    pub samples: Vec<BarrierSample>,
    pub warnings: Vec<String>,
}

/// `DIR/samplings.csv` when `path` is a folder, else `path`.
pub fn samples_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(SAMPLINGS_CSV)
    } else {
        path.to_path_buf()
    }
}

/// Reads a barrier table: a campaign folder (its `samplings.csv`) or a CSV file.
pub fn read_barrier_samples(path: &Path) -> Result<BarrierTable, StoreError> {
    let file = samples_path(path);
    let text = crate::io::read_text(&file).map_err(|source| StoreError::Io {
        file: file.display().to_string(),
        source,
    })?;
    parse_barrier_samples(&text, &file.display().to_string())
}

/// Parses a CSV of barriers whose first line names its columns. Columns are found by
/// name, so they may come in any order and extra ones are ignored: `temperature_k` is
/// required, and at least one of `delta_f_ev` and `delta_f_crossing_ev`; `sampling`,
/// `centre`, `cutoff_angstrom`, `status` and `reason` are read when present (the rest of
/// `samplings.csv`'s columns are not needed). Quoting as RFC 4180, one row per line.
///
/// A malformed line is an error naming `origin:line`, the column and the value. A last
/// line without its newline that does not parse is what a kill leaves while a campaign
/// writes it: it is ignored with a warning (one that parses is kept).
pub fn parse_barrier_samples(text: &str, origin: &str) -> Result<BarrierTable, StoreError> {
    let error = |line: usize, message: String| StoreError::Parse {
        file: origin.to_string(),
        line,
        message,
    };
    let mut lines = text.split_inclusive('\n').enumerate();
    let Some((_, header_raw)) = lines.next() else {
        return Err(error(1, "the file is empty: expected a header line".into()));
    };
    let header: Vec<String> = split_csv_line(header_raw.trim_end_matches(['\n', '\r']))
        .map_err(|m| error(1, format!("header: {m}")))?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| -> Result<Option<usize>, StoreError> {
        let mut at = header.iter().enumerate().filter(|(_, h)| *h == name);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Ok(Some(i)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(error(1, format!("column `{name}` appears twice"))),
        }
    };
    let Some(col_t) = find("temperature_k")? else {
        return Err(error(
            1,
            format!(
                "no `temperature_k` column in the header {:?}",
                shorten(header_raw.trim_end())
            ),
        ));
    };
    // A samplings table from before the estimators were named: its `delta_f_ev` is the
    // end-of-run diagnostic, and the ΔF its stop rule produced is the filled depth.
    let before_estimators = header.join(",") == super::store::HEADER_BEFORE_ESTIMATORS;
    let col_crossing = match find("delta_f_filled_depth_ev")? {
        Some(c) => Some(c),
        None => find("delta_f_crossing_ev")?,
    };
    let col_stop_rule = if before_estimators {
        col_crossing
    } else {
        find("delta_f_ev")?
    };
    let col_final = if before_estimators {
        find("delta_f_ev")?
    } else {
        find("delta_f_final_ev")?
    };
    let col_profile = find("delta_f_profile_ev")?;
    let col_estimator = find("delta_f_estimator")?;
    if [col_stop_rule, col_crossing, col_final, col_profile]
        .iter()
        .all(Option::is_none)
    {
        return Err(error(
            1,
            format!(
                "no `delta_f_ev`, `delta_f_profile_ev`, `delta_f_filled_depth_ev` (or \
                 `delta_f_crossing_ev`) or `delta_f_final_ev` column in the header {:?}",
                shorten(header_raw.trim_end())
            ),
        ));
    }
    let col_sampling = find("sampling")?;
    let col_centre = find("centre")?;
    let col_cutoff = find("cutoff_angstrom")?;
    let col_status = find("status")?;
    let col_reason = find("reason")?;
    let col_lower_bound = find(super::store::LOWER_BOUND_COLUMN)?;
    let col_boosted = find("event_boosted_ps")?;

    let mut table = BarrierTable::default();
    let mut rank = 0usize;
    // Sampling id → (line, text, index in the table) of its first row: a repeated id would
    // count one sampling twice in every mean and fit.
    let mut first_row: HashMap<usize, (usize, String, usize)> = HashMap::new();
    for (i, raw) in lines {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = split_csv_line(line).and_then(|fields| {
            if fields.len() != header.len() {
                return Err(format!(
                    "expected {} columns (as the header), found {}",
                    header.len(),
                    fields.len()
                ));
            }
            let bad = |c: usize, what: &str| {
                format!(
                    "column `{}` = {:?}: expected {what}",
                    header[c],
                    shorten(&fields[c])
                )
            };
            let opt_float = |c: Option<usize>| -> Result<Option<f64>, String> {
                match c {
                    Some(c) if !fields[c].trim().is_empty() => fields[c]
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .map(Some)
                        .ok_or_else(|| bad(c, "a number")),
                    _ => Ok(None),
                }
            };
            let temperature_k =
                opt_float(Some(col_t))?.ok_or_else(|| bad(col_t, "a temperature in kelvin"))?;
            let sampling = match col_sampling {
                Some(c) => fields[c]
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| bad(c, "a sampling index"))?,
                None => rank,
            };
            let status = match col_status {
                Some(c) => SamplingStatus::parse(fields[c].trim())
                    .ok_or_else(|| bad(c, "ok, no_event or failed"))?,
                None => SamplingStatus::Ok,
            };
            Ok(BarrierSample {
                sampling,
                centre: col_centre
                    .map(|c| fields[c].trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "-".into()),
                cutoff_angstrom: opt_float(col_cutoff)?,
                temperature_k,
                delta_f_ev: opt_float(col_stop_rule)?,
                delta_f_estimator: if before_estimators {
                    opt_float(col_crossing)?.map(|_| Estimator::FilledDepth)
                } else {
                    match col_estimator.map(|c| fields[c].trim()) {
                        None | Some("") => None,
                        Some(e) => Some(Estimator::parse(e).ok_or_else(|| {
                            bad(
                                col_estimator.unwrap_or(0),
                                "profile, filled-depth, final or nothing",
                            )
                        })?),
                    }
                },
                delta_f_crossing_ev: opt_float(col_crossing)?,
                delta_f_profile_ev: opt_float(col_profile)?,
                delta_f_final_ev: opt_float(col_final)?,
                status,
                reason: col_reason.map(|c| fields[c].clone()).unwrap_or_default(),
                line: Some(line_no),
                delta_f_lower_bound_ev: opt_float(col_lower_bound)?,
                event_boosted_ps: opt_float(col_boosted)?,
            })
        });
        match parsed {
            Ok(sample) if col_sampling.is_some() => {
                match first_row.get(&sample.sampling) {
                    None => {
                        first_row.insert(
                            sample.sampling,
                            (line_no, line.to_string(), table.samples.len()),
                        );
                        table.samples.push(sample);
                    }
                    // Two runs of one campaign on one folder write the same row twice.
                    Some((first, text, _)) if text == line => table.warnings.push(format!(
                        "{origin}:{line_no}: sampling {} repeats line {first} exactly; \
                         counted once",
                        sample.sampling
                    )),
                    // `--resume --max-steps` continued a sampling that had no event: its
                    // new row supersedes the old one.
                    Some(&(_, _, at)) if table.samples[at].status == SamplingStatus::NoEvent => {
                        first_row.insert(sample.sampling, (line_no, line.to_string(), at));
                        table.samples[at] = sample;
                    }
                    Some((first, _, _)) => {
                        return Err(error(
                            line_no,
                            format!(
                                "sampling {} already has a different row at line {first}: \
                                 which one to count is not clear, so none is (remove one)",
                                sample.sampling
                            ),
                        ));
                    }
                }
                rank += 1;
            }
            Ok(sample) => {
                table.samples.push(sample);
                rank += 1;
            }
            Err(message) if !raw.ends_with('\n') => {
                table.warnings.push(format!(
                    "{origin}:{line_no}: ignoring the unfinished last line {:?} ({message}; was \
                     the campaign killed while writing it?)",
                    shorten(line)
                ));
            }
            Err(message) => return Err(error(line_no, message)),
        }
    }
    Ok(table)
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

const GROUP_RULE: &str = "the (centre, cutoff) group with the most usable barriers (with none \
                          anywhere, the most rows); ties go to the first in (centre, cutoff) order";

fn sort_f64(values: &mut Vec<f64>) {
    values.sort_by(f64::total_cmp);
    values.dedup();
}

/// The barrier of a sample under `choice`, with whether it was a fallback, or why none.
fn pick_barrier(s: &BarrierSample, choice: BarrierChoice) -> Result<(f64, bool), String> {
    if s.status != SamplingStatus::Ok {
        return Err(format!(
            "status {}: only samplings with a confirmed event (ok) give a barrier",
            s.status.as_str()
        ));
    }
    if !(s.temperature_k.is_finite() && s.temperature_k > 0.0) {
        return Err(format!("temperature {} K is not > 0", s.temperature_k));
    }
    let only = |v: Option<f64>, column: &str| v.map(|v| (v, false)).ok_or(format!("no {column}"));
    let value = match choice {
        BarrierChoice::StopRule => s.delta_f_ev.map(|v| (v, false)).ok_or_else(|| {
            let hint = if s.delta_f_crossing_ev.is_some() {
                " (the stop rule left ΔF undetermined; it has a filled depth, \
                 delta_f_filled_depth_ev or delta_f_crossing_ev: --barrier filled-depth or \
                 stop-rule-else-filled-depth would use that)"
            } else {
                " (the stop rule left ΔF undetermined)"
            };
            format!("no delta_f_ev{hint}")
        })?,
        BarrierChoice::Profile => only(s.delta_f_profile_ev, "delta_f_profile_ev")?,
        BarrierChoice::Crossing => only(s.delta_f_crossing_ev, "delta_f_filled_depth_ev")?,
        BarrierChoice::Final => only(s.delta_f_final_ev, "delta_f_final_ev")?,
        BarrierChoice::FinalElseCrossing => match (s.delta_f_ev, s.delta_f_crossing_ev) {
            (Some(v), _) => (v, false),
            (None, Some(v)) => (v, true),
            (None, None) => {
                return Err("neither delta_f_ev nor delta_f_filled_depth_ev".into());
            }
        },
    };
    if value.0 <= 0.0 {
        return Err(format!(
            "barrier {} eV is not > 0 (the log-normal fit needs ΔF > 0)",
            value.0
        ));
    }
    Ok(value)
}

/// A usable barrier.
#[derive(Clone, Debug)]
struct Used {
    sampling: usize,
    line: Option<usize>,
    value_ev: f64,
    fallback: bool,
}

/// Per-temperature rows of one group, usable and not, in sampling order.
#[derive(Default)]
struct AtTemperature {
    used: Vec<Used>,
    rows: usize,
    excluded: usize,
    /// Censored rows and boosted event times ([`super::censoring`]).
    censored: Censored,
}

fn bootstrap_seed(seed: u64, temperature_k: f64) -> u64 {
    // SplitMix64 of the seed and the temperature's bits: distinct, reproducible streams.
    let mut z = seed ^ temperature_k.to_bits();
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn temperature_entry(
    temperature_k: f64,
    at: &AtTemperature,
    options: &ReportOptions,
) -> TemperatureEntry {
    let values: Vec<f64> = at.used.iter().map(|u| u.value_ev).collect();
    let mut entry = TemperatureEntry {
        temperature_k,
        n: values.len(),
        samplings: at.rows,
        excluded: at.excluded,
        crossing_fallbacks: at.used.iter().filter(|u| u.fallback).count(),
        mean_ev: None,
        std_ev: None,
        lognormal_mu: None,
        lognormal_sigma: None,
        para_ev: None,
        seq_ev: None,
        eff_ev: None,
        para_lognormal_ev: None,
        seq_lognormal_truncated_ev: None,
        ci95: None,
        reason: None,
    };
    if values.len() < 2 {
        entry.reason = Some(format!(
            "{} usable barrier(s): the statistics need at least 2",
            values.len()
        ));
        return entry;
    }
    let seed = bootstrap_seed(options.seed, temperature_k);
    let stats = temperature_stats(temperature_k, &values, options.bootstrap, seed).and_then(|s| {
        let seq_ln = seq_lognormal_truncated_ev(
            s.lognormal_mu,
            s.lognormal_sigma,
            temperature_k,
            options.seq_quantile,
        )?;
        Ok((s, seq_ln))
    });
    match stats {
        Ok((s, seq_ln)) => {
            entry.mean_ev = Some(s.mean_ev);
            entry.std_ev = Some(s.std_ev);
            entry.lognormal_mu = Some(s.lognormal_mu);
            entry.lognormal_sigma = Some(s.lognormal_sigma);
            entry.para_ev = Some(s.para_ev);
            entry.seq_ev = Some(s.seq_ev);
            entry.eff_ev = Some(s.eff_ev);
            entry.para_lognormal_ev = Some(s.para_lognormal_ev);
            entry.seq_lognormal_truncated_ev = Some(seq_ln);
            entry.ci95 = s.ci95;
        }
        Err(e) => entry.reason = Some(e.to_string()),
    }
    entry
}

fn fits_of(entries: &[TemperatureEntry]) -> Fits {
    let with: Vec<&TemperatureEntry> = entries.iter().filter(|e| e.mean_ev.is_some()).collect();
    let temperatures_k: Vec<f64> = with.iter().map(|e| e.temperature_k).collect();
    let fit = |get: fn(&TemperatureEntry) -> Option<f64>| {
        let points: Vec<(f64, f64)> = with
            .iter()
            .filter_map(|e| get(e).map(|v| (e.temperature_k, v)))
            .collect();
        fit_entropy(&points)
    };
    let results = [
        fit(|e| e.para_ev),
        fit(|e| e.seq_ev),
        fit(|e| e.eff_ev),
        fit(|e| e.para_lognormal_ev),
    ];
    let reason = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .map(|e| format!("{e} (only temperatures with at least 2 usable barriers count)"));
    let [para, seq, eff, para_lognormal] = results.map(Result::ok);
    Fits {
        temperatures_k,
        para,
        seq,
        eff,
        para_lognormal,
        reason,
    }
}

/// Temperatures `from`..=`to`, `points` of them evenly spaced in 1/T.
fn arrhenius_temperatures(options: &ReportOptions) -> Vec<f64> {
    let (a, b) = (options.arrhenius_from_k, options.arrhenius_to_k);
    let points = options.arrhenius_points.max(2);
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return Vec::new();
    }
    (0..points)
        .map(|i| {
            let x = i as f64 / (points - 1) as f64;
            1.0 / (1.0 / a + x * (1.0 / b - 1.0 / a))
        })
        .collect()
}

impl CampaignReport {
    /// The report on a campaign's rows.
    pub fn from_records(records: &[SamplingRecord], options: &ReportOptions) -> Self {
        let samples: Vec<BarrierSample> = records.iter().map(BarrierSample::from).collect();
        Self::from_samples(&samples, options)
    }

    /// The report on barrier samples (in any order; they are taken in sampling order).
    pub fn from_samples(samples: &[BarrierSample], options: &ReportOptions) -> Self {
        let mut ordered: Vec<&BarrierSample> = samples.iter().collect();
        ordered.sort_by(|a, b| {
            (a.sampling, a.line.unwrap_or(0)).cmp(&(b.sampling, b.line.unwrap_or(0)))
        });

        let mut counts = Counts {
            rows: samples.len(),
            ..Counts::default()
        };
        let mut excluded = Vec::new();
        // Groups in (centre, cutoff) order; cutoffs compared by total order.
        type Key = (String, Option<u64>);
        let key_of = |s: &BarrierSample| -> Key {
            (
                s.centre.clone(),
                s.cutoff_angstrom.map(|c| {
                    // Order-preserving bits for non-negative and negative floats alike.
                    let bits = c.to_bits();
                    if c.is_sign_negative() {
                        !bits
                    } else {
                        bits | (1 << 63)
                    }
                }),
            )
        };
        // Per group, its temperatures (keyed by order-preserving bits) and their rows.
        type Temperatures = BTreeMap<u64, (f64, AtTemperature)>;
        let mut groups: BTreeMap<Key, (GroupKey, Temperatures)> = BTreeMap::new();
        for s in &ordered {
            match s.status {
                SamplingStatus::Ok => counts.ok += 1,
                SamplingStatus::NoEvent => counts.no_event += 1,
                SamplingStatus::Failed => counts.failed += 1,
            }
            let group = groups.entry(key_of(s)).or_insert_with(|| {
                (
                    GroupKey {
                        centre: s.centre.clone(),
                        cutoff_angstrom: s.cutoff_angstrom,
                    },
                    BTreeMap::new(),
                )
            });
            let t_key = if s.temperature_k >= 0.0 {
                s.temperature_k.to_bits() | (1 << 63)
            } else {
                !s.temperature_k.to_bits()
            };
            let at = &mut group
                .1
                .entry(t_key)
                .or_insert_with(|| (s.temperature_k, AtTemperature::default()))
                .1;
            at.rows += 1;
            at.censored.add(s);
            match pick_barrier(s, options.barrier) {
                Ok((value_ev, fallback)) => {
                    counts.used += 1;
                    counts.crossing_fallbacks += usize::from(fallback);
                    at.used.push(Used {
                        sampling: s.sampling,
                        line: s.line,
                        value_ev,
                        fallback,
                    });
                }
                Err(why) => {
                    at.excluded += 1;
                    if s.status == SamplingStatus::Ok {
                        if why.starts_with("no ") || why.starts_with("neither") {
                            counts.ok_without_barrier += 1;
                        } else {
                            counts.invalid += 1;
                        }
                    }
                    excluded.push(Excluded {
                        sampling: s.sampling,
                        line: s.line,
                        temperature_k: s.temperature_k,
                        centre: s.centre.clone(),
                        cutoff_angstrom: s.cutoff_angstrom,
                        status: s.status.as_str(),
                        reason: s.reason.clone(),
                        excluded_because: why,
                    });
                }
            }
        }

        let mut notes = Vec::new();
        if counts.crossing_fallbacks > 0 {
            let list: Vec<String> = groups
                .values()
                .flat_map(|(_, temps)| temps.values())
                .flat_map(|(_, at)| at.used.iter())
                .filter(|u| u.fallback)
                .map(|u| match u.line {
                    Some(l) => format!("{} (line {l})", u.sampling),
                    None => u.sampling.to_string(),
                })
                .collect();
            notes.push(format!(
                "{} barrier(s) are the filled depth (delta_f_filled_depth_ev) for want of \
                 delta_f_ev: samplings {}",
                counts.crossing_fallbacks,
                list.join(", ")
            ));
        }
        if options.barrier == BarrierChoice::StopRule
            && excluded
                .iter()
                .any(|e| e.excluded_because.contains("it has a filled depth"))
        {
            notes.push(
                "some ok samplings have only the filled depth; they are left out (see \
                 excluded). --barrier stop-rule-else-filled-depth would use it for them."
                    .into(),
            );
        }
        if options.barrier == BarrierChoice::StopRule {
            let mut named: Vec<&str> = samples
                .iter()
                .filter(|s| s.delta_f_ev.is_some())
                .map(|s| s.delta_f_estimator.map_or("as given", |e| e.as_str()))
                .collect();
            named.sort_unstable();
            named.dedup();
            if !named.is_empty() {
                notes.push(format!(
                    "ΔF estimator(s) the stop rule produced: {}",
                    named.join(", ")
                ));
            }
        }

        let mut group_reports = Vec::new();
        // (index, usable barriers, rows): most barriers, then (none anywhere) most rows.
        let mut selected: Option<(usize, usize, usize)> = None;
        let mut convergences: Vec<Vec<Convergence>> = Vec::new();
        let mut beyond: Vec<(Censoring, Rates)> = Vec::new();
        for (key, temps) in groups.values() {
            beyond.push(censoring::of_group(
                temps.values().map(|(t, at)| {
                    let events: Vec<f64> = at.used.iter().map(|u| u.value_ev).collect();
                    let seed = bootstrap_seed(options.seed, *t);
                    (*t, events, &at.censored, seed)
                }),
                options.seq_quantile,
            ));
            let entries: Vec<TemperatureEntry> = temps
                .values()
                .map(|(t, at)| temperature_entry(*t, at, options))
                .collect();
            let convergence: Vec<Convergence> = temps
                .values()
                .filter(|(_, at)| !at.used.is_empty())
                .map(|(t, at)| {
                    let barriers_ev: Vec<f64> = at.used.iter().map(|u| u.value_ev).collect();
                    Convergence {
                        temperature_k: *t,
                        samplings: at.used.iter().map(|u| u.sampling).collect(),
                        running: running_mean_std(&barriers_ev),
                        barriers_ev,
                    }
                })
                .collect();
            let n: usize = temps.values().map(|(_, at)| at.used.len()).sum();
            let rows: usize = temps.values().map(|(_, at)| at.rows).sum();
            let index = group_reports.len();
            if selected.is_none_or(|(_, best_n, best_rows)| (n, rows) > (best_n, best_rows)) {
                selected = Some((index, n, rows));
            }
            group_reports.push(GroupReport {
                centre: key.centre.clone(),
                cutoff_angstrom: key.cutoff_angstrom,
                n,
                fits: fits_of(&entries),
                temperatures: entries,
            });
            convergences.push(convergence);
        }

        let (censoring, rates) = match selected {
            Some((i, _, _)) => beyond.swap_remove(i),
            None => censoring::of_group(std::iter::empty(), options.seq_quantile),
        };
        notes.extend(censoring::notes(&censoring));
        let (group, temperatures, fits, convergence) = match selected {
            Some((i, n, _)) => {
                if n == 0 {
                    notes.push("no usable barrier in the table".into());
                }
                let g = &group_reports[i];
                (
                    Some(GroupKey {
                        centre: g.centre.clone(),
                        cutoff_angstrom: g.cutoff_angstrom,
                    }),
                    g.temperatures.clone(),
                    g.fits.clone(),
                    std::mem::take(&mut convergences[i]),
                )
            }
            None => {
                notes.push("the table has no rows".into());
                (None, Vec::new(), fits_of(&[]), Vec::new())
            }
        };
        if group_reports.len() > 1 {
            notes.push(format!(
                "{} (centre, cutoff) groups; temperatures, fits, arrhenius and convergence \
                 describe {} ({GROUP_RULE}); see groups for the others",
                group_reports.len(),
                group.as_ref().map(GroupKey::label).unwrap_or_default()
            ));
        }

        let rate = |f: &Option<LineFit>, t: f64| {
            f.as_ref()
                .map(|f| arrhenius_hz(f.dq_ev, f.ds_kb, t, NU0_HZ))
        };
        let arrhenius = Arrhenius {
            nu0_hz: NU0_HZ,
            experiment_dq_ev: EXPERIMENT_DQ_EV,
            experiment_ds_kb: EXPERIMENT_DS_KB,
            rows: arrhenius_temperatures(options)
                .into_iter()
                .map(|t| ArrheniusRow {
                    temperature_k: t,
                    inverse_temperature_1000_per_k: 1000.0 / t,
                    para_hz: rate(&fits.para, t),
                    seq_hz: rate(&fits.seq, t),
                    eff_hz: rate(&fits.eff, t),
                    experiment_hz: arrhenius_hz(EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, t, NU0_HZ),
                })
                .collect(),
            measured: temperatures
                .iter()
                .filter_map(|e| {
                    let t = e.temperature_k;
                    let nu = |f: f64| arrhenius_hz(f, 0.0, t, NU0_HZ);
                    Some(MeasuredRate {
                        temperature_k: t,
                        para_hz: nu(e.para_ev?),
                        seq_hz: nu(e.seq_ev?),
                        eff_hz: nu(e.eff_ev?),
                    })
                })
                .collect(),
        };

        let mut cutoffs = Vec::new();
        for g in &group_reports {
            let Some(cutoff) = g.cutoff_angstrom else {
                continue;
            };
            for e in &g.temperatures {
                if let (Some(mean), Some(eff)) = (e.mean_ev, e.eff_ev) {
                    cutoffs.push(CutoffPoint {
                        centre: g.centre.clone(),
                        temperature_k: e.temperature_k,
                        cutoff_angstrom: cutoff,
                        n: e.n,
                        mean_ev: mean,
                        mean_ci95: e.ci95.map(|c| c.mean_ev),
                        eff_ev: eff,
                        frequency_mean_hz: arrhenius_hz(mean, 0.0, e.temperature_k, NU0_HZ),
                        frequency_eff_hz: arrhenius_hz(eff, 0.0, e.temperature_k, NU0_HZ),
                    });
                }
            }
        }

        Self {
            source: None,
            barrier: options.barrier,
            barrier_column: match options.barrier {
                BarrierChoice::StopRule => "delta_f_ev",
                BarrierChoice::Profile => "delta_f_profile_ev",
                BarrierChoice::Crossing => "delta_f_filled_depth_ev",
                BarrierChoice::FinalElseCrossing => "delta_f_ev|delta_f_filled_depth_ev",
                BarrierChoice::Final => "delta_f_final_ev",
            },
            nu0_hz: NU0_HZ,
            boltzmann_ev_per_k: BOLTZMANN_CODATA_EV_PER_K,
            bootstrap_resamples: options.bootstrap,
            seq_truncation_quantile: options.seq_quantile,
            group,
            group_rule: GROUP_RULE,
            temperatures,
            fits,
            arrhenius,
            convergence,
            cutoffs,
            groups: group_reports,
            counts,
            excluded,
            notes,
            zero_k: None,
            censoring,
            rates,
        }
    }

    /// The report as a human-readable table.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let num = |v: Option<f64>, digits: usize| match v {
            Some(v) => format!("{v:.digits$}"),
            None => "-".into(),
        };
        let ci = |i: Option<Interval>| match i {
            Some(i) => format!("[{:.3}, {:.3}]", i.lo_ev, i.hi_ev),
            None => "-".into(),
        };
        if let Some(src) = &self.source {
            let _ = writeln!(s, "barrier statistics of {src}");
        }
        let _ = writeln!(s, "barrier: {}", self.barrier.describe());
        let c = &self.counts;
        let _ = writeln!(
            s,
            "samplings: {} rows, {} used; {} ok, {} no event, {} failed; {} ok without the \
             barrier, {} invalid",
            c.rows, c.used, c.ok, c.no_event, c.failed, c.ok_without_barrier, c.invalid
        );
        match &self.group {
            Some(g) => {
                let _ = writeln!(
                    s,
                    "group: {}{}",
                    g.label(),
                    if self.groups.len() > 1 {
                        format!(
                            " ({} groups; this one has the most usable barriers)",
                            self.groups.len()
                        )
                    } else {
                        String::new()
                    }
                );
            }
            None => {
                let _ = writeln!(s, "no usable barriers");
            }
        }
        let _ = writeln!(
            s,
            "\nper temperature (eV; μ, σ of ln ΔF; para/seq/eff Eqs. 4–6 on the samples, \
             [bootstrap 95 % interval, B = {}]; para_LN on the fitted log-normal; seq_LN cut \
             at its {} quantile)",
            self.bootstrap_resamples, self.seq_truncation_quantile
        );
        let _ = writeln!(
            s,
            "{:>7} {:>4} {:>6} {:>6} {:>7} {:>6} {:>24} {:>24} {:>24} {:>8} {:>7}",
            "T/K", "n", "mean", "std", "μ", "σ", "para", "seq", "eff", "para_LN", "seq_LN"
        );
        for e in &self.temperatures {
            let with_ci = |v: Option<f64>, i: Option<Interval>| match v {
                Some(v) => format!("{v:.3} {}", ci(i)),
                None => "-".into(),
            };
            let _ = writeln!(
                s,
                "{:>7} {:>4} {:>6} {:>6} {:>7} {:>6} {:>24} {:>24} {:>24} {:>8} {:>7}{}",
                e.temperature_k,
                e.n,
                num(e.mean_ev, 3),
                num(e.std_ev, 3),
                num(e.lognormal_mu, 4),
                num(e.lognormal_sigma, 4),
                with_ci(e.para_ev, e.ci95.map(|c| c.para_ev)),
                with_ci(e.seq_ev, e.ci95.map(|c| c.seq_ev)),
                with_ci(e.eff_ev, e.ci95.map(|c| c.eff_ev)),
                num(e.para_lognormal_ev, 3),
                num(e.seq_lognormal_truncated_ev, 3),
                e.reason
                    .as_ref()
                    .map(|r| format!("  ({r})"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(s, "\nEq. 7 fits ΔF(T) = ΔQ − TΔS (OLS; ± standard errors):");
        match &self.fits.reason {
            Some(r) if self.fits.para.is_none() => {
                let _ = writeln!(s, "  none: {r}");
            }
            _ => {
                for (name, fit) in [
                    ("para", &self.fits.para),
                    ("seq", &self.fits.seq),
                    ("eff", &self.fits.eff),
                    ("para_LN", &self.fits.para_lognormal),
                ] {
                    let Some(f) = fit else { continue };
                    let err = |e: Option<f64>, d: usize| {
                        e.map(|e| format!(" ± {e:.d$}")).unwrap_or_default()
                    };
                    let _ = writeln!(
                        s,
                        "  {name:<8} ΔQ = {:.3}{} eV   ΔS = {:.2}{} k_B   R² = {:.4}   ({} temperatures)",
                        f.dq_ev,
                        err(f.dq_err_ev, 3),
                        f.ds_kb,
                        err(f.ds_err_kb, 2),
                        f.r2,
                        f.n
                    );
                }
            }
        }
        if let Some(z) = &self.zero_k {
            let _ = writeln!(
                s,
                "  0 K (ART, {} saddles of {}): mean ΔQ = {:.3} eV{}, which ΔF(T → 0) should meet",
                z.count,
                z.source,
                z.mean_delta_q_ev,
                z.std_delta_q_ev
                    .map(|e| format!(" (std {e:.3} eV)"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            s,
            "\nArrhenius frequencies (Eq. 8, ν₀ = {:.0e} Hz; Hz) and the experimental line \
             (ΔE = {} eV, ΔS = {} k_B):",
            self.nu0_hz, EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB
        );
        let _ = writeln!(
            s,
            "{:>7} {:>7} {:>10} {:>10} {:>10} {:>10}",
            "T/K", "1000/T", "ν_para", "ν_seq", "ν_eff", "ν_exp"
        );
        let sci = |v: Option<f64>| v.map(|v| format!("{v:.3e}")).unwrap_or_else(|| "-".into());
        let mut temps: Vec<f64> = self.temperatures.iter().map(|e| e.temperature_k).collect();
        sort_f64(&mut temps);
        for t in temps.into_iter().filter(|t| *t > 0.0) {
            let rate = |f: &Option<LineFit>| {
                f.as_ref()
                    .map(|f| arrhenius_hz(f.dq_ev, f.ds_kb, t, self.nu0_hz))
            };
            let _ = writeln!(
                s,
                "{:>7} {:>7.3} {:>10} {:>10} {:>10} {:>10}",
                t,
                1000.0 / t,
                sci(rate(&self.fits.para)),
                sci(rate(&self.fits.seq)),
                sci(rate(&self.fits.eff)),
                sci(Some(arrhenius_hz(
                    EXPERIMENT_DQ_EV,
                    EXPERIMENT_DS_KB,
                    t,
                    self.nu0_hz
                )))
            );
        }
        s.push_str(&censoring::table(&self.censoring, &self.rates));
        if self.groups.len() > 1 {
            let _ = writeln!(s, "\ngroups (mean ΔF in eV per temperature):");
            for g in &self.groups {
                let per_t: Vec<String> = g
                    .temperatures
                    .iter()
                    .map(|e| format!("{} K: {} (n {})", e.temperature_k, num(e.mean_ev, 3), e.n))
                    .collect();
                let key = GroupKey {
                    centre: g.centre.clone(),
                    cutoff_angstrom: g.cutoff_angstrom,
                };
                let _ = writeln!(s, "  {}: {}", key.label(), per_t.join("; "));
            }
        }
        if !self.excluded.is_empty() {
            let _ = writeln!(s, "\nleft out ({}):", self.excluded.len());
            for e in &self.excluded {
                let line = e.line.map(|l| format!(", line {l}")).unwrap_or_default();
                let reason = if e.reason.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", e.reason)
                };
                let _ = writeln!(
                    s,
                    "  sampling {}{line} ({} K, centre {}{}): {}{reason}",
                    e.sampling,
                    e.temperature_k,
                    e.centre,
                    e.cutoff_angstrom
                        .map(|c| format!(", {c} Å"))
                        .unwrap_or_default(),
                    e.excluded_because
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }

    /// The paper's Figs. 2–5 as plain figures: `fig2_cutoff`, `fig3_convergence`,
    /// `fig4_spectra`, `fig4_barriers_vs_t`, `fig5_arrhenius`.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            self.figure_cutoff(),
            self.figure_convergence(),
            self.figure_spectra(),
            self.figure_barriers_vs_t(),
            self.figure_arrhenius(),
        ]
    }

    fn figure_cutoff(&self) -> Figure {
        let mut mean = Panel::new(
            "(a) mean barrier vs cluster cutoff",
            "cluster cutoff (Å)",
            "mean ΔF (eV)",
        );
        let mut freq = Panel::new(
            "(b) frequency vs cluster cutoff (Eq. 2)",
            "cluster cutoff (Å)",
            "log₁₀(ν / Hz)",
        );
        let mut series: BTreeMap<(String, u64), Vec<&CutoffPoint>> = BTreeMap::new();
        for p in &self.cutoffs {
            series
                .entry((p.centre.clone(), p.temperature_k.to_bits()))
                .or_default()
                .push(p);
        }
        let mut notes = Vec::new();
        // Temperatures sampled at one cutoff only say nothing about the cutoff: leave them
        // out when some temperature has several.
        if series.values().any(|v| v.len() > 1) {
            let single: Vec<String> = series
                .iter()
                .filter(|(_, v)| v.len() == 1)
                .map(|((c, _), v)| format!("{} K (centre {c})", v[0].temperature_k))
                .collect();
            if !single.is_empty() {
                notes.push(format!(
                    "left out, sampled at one cutoff only: {}",
                    single.join(", ")
                ));
            }
            series.retain(|_, v| v.len() > 1);
        }
        for (i, ((centre, _), mut points)) in series.into_iter().enumerate() {
            points.sort_by(|a, b| a.cutoff_angstrom.total_cmp(&b.cutoff_angstrom));
            let t = points[0].temperature_k;
            let label = format!("{t} K, centre {centre}");
            let xs = |f: &dyn Fn(&CutoffPoint) -> f64| -> Vec<[f64; 2]> {
                points.iter().map(|p| [p.cutoff_angstrom, f(p)]).collect()
            };
            let mut s =
                Series::new(label.clone(), xs(&|p| p.mean_ev), SeriesStyle::LineMarkers).colour(i);
            if points.iter().all(|p| p.mean_ci95.is_some()) {
                s = s.y_error(
                    points
                        .iter()
                        .filter_map(|p| p.mean_ci95.map(|c| [c.lo_ev, c.hi_ev]))
                        .collect(),
                );
            }
            mean.series.push(s);
            freq.series.push(
                Series::new(
                    format!("{label}: ν₀·exp(−mean ΔF/k_BT)"),
                    xs(&|p| p.frequency_mean_hz.log10()),
                    SeriesStyle::LineMarkers,
                )
                .colour(i),
            );
            freq.series.push(
                Series::new(
                    format!("{label}: ν₀·exp(−ΔF_eff/k_BT)"),
                    xs(&|p| p.frequency_eff_hz.log10()),
                    SeriesStyle::Dashed,
                )
                .colour(i),
            );
        }
        let mut distinct: Vec<f64> = self.cutoffs.iter().map(|p| p.cutoff_angstrom).collect();
        sort_f64(&mut distinct);
        if distinct.len() < 2 {
            let why = match distinct.first() {
                Some(c) => format!(
                    "only one cluster cutoff ({c} Å) in the data: Fig. 2 needs samplings at \
                     several cutoffs"
                ),
                None => "no cluster cutoff with at least 2 usable barriers in the data".into(),
            };
            if mean.series.is_empty() {
                mean.empty = Some(why.clone());
                freq.empty = Some(why.clone());
            }
            notes.push(why);
        }
        Figure {
            name: "fig2_cutoff".into(),
            title: format!(
                "Fig. 2: barrier and frequency vs cluster size (95 % bootstrap bars; ΔF: {})",
                self.barrier.as_str()
            ),
            panels: vec![mean, freq],
            columns: 2,
            notes,
        }
    }

    fn figure_convergence(&self) -> Figure {
        let mut mean = Panel::new(
            "(a) barriers (dots) and running mean (lines)",
            "number of samplings",
            "ΔF (eV)",
        );
        let mut spread = Panel::new(
            "(b) running standard deviation (ddof 0)",
            "number of samplings",
            "std of ΔF (eV)",
        );
        for (i, c) in self.convergence.iter().enumerate() {
            let t = c.temperature_k;
            mean.series.push(
                Series::new(
                    // No legend entry (empty name): the line of the same colour has one.
                    String::new(),
                    c.barriers_ev
                        .iter()
                        .enumerate()
                        .map(|(k, &v)| [(k + 1) as f64, v])
                        .collect(),
                    SeriesStyle::Markers,
                )
                .colour(i),
            );
            mean.series.push(
                Series::new(
                    format!("{t} K running mean"),
                    c.running.iter().map(|r| [r.n as f64, r.mean_ev]).collect(),
                    SeriesStyle::Line,
                )
                .colour(i),
            );
            spread.series.push(
                Series::new(
                    format!("{t} K"),
                    c.running.iter().map(|r| [r.n as f64, r.std_ev]).collect(),
                    SeriesStyle::Line,
                )
                .colour(i),
            );
        }
        let mut notes = Vec::new();
        if self.convergence.is_empty() {
            let why = "no usable barriers".to_string();
            mean.empty = Some(why.clone());
            spread.empty = Some(why.clone());
            notes.push(why);
        }
        Figure {
            name: "fig3_convergence".into(),
            title: format!(
                "Fig. 3: convergence with the number of samplings{}",
                self.group_suffix()
            ),
            panels: vec![mean, spread],
            columns: 2,
            notes,
        }
    }

    /// The group and the ΔF estimator, for figure titles.
    fn group_suffix(&self) -> String {
        let estimator = format!("ΔF: {}", self.barrier.as_str());
        match &self.group {
            Some(g) => format!(" ({}; {estimator})", g.label()),
            None => format!(" ({estimator})"),
        }
    }

    fn figure_spectra(&self) -> Figure {
        let all: Vec<f64> = self
            .convergence
            .iter()
            .flat_map(|c| c.barriers_ev.iter().copied())
            .collect();
        let mut panels = Vec::new();
        let mut notes = Vec::new();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if all.is_empty() {
            let mut p = Panel::new("barrier spectrum", "ΔF (eV)", "probability density (1/eV)");
            p.empty = Some("no usable barriers".into());
            notes.push("no usable barriers".into());
            panels.push(p);
        } else {
            let n_max = self
                .convergence
                .iter()
                .map(|c| c.barriers_ev.len())
                .max()
                .unwrap_or(1);
            let bins = ((n_max as f64).sqrt().round() as usize).clamp(5, 40);
            let span = if hi > lo {
                hi - lo
            } else {
                0.1 * hi.abs().max(0.1)
            };
            let (lo, hi) = if hi > lo {
                (lo, hi)
            } else {
                (lo - 0.5 * span, hi + 0.5 * span)
            };
            let width = span / bins as f64;
            let pad = 0.15 * (hi - lo);
            let x_range = [(lo - pad).max(0.0), hi + pad];
            for (i, c) in self.convergence.iter().enumerate() {
                let t = c.temperature_k;
                let mut p = Panel::new(
                    format!("{t} K (n = {})", c.barriers_ev.len()),
                    "ΔF (eV)",
                    "probability density (1/eV)",
                );
                p.x_range = Some(x_range);
                let n = c.barriers_ev.len() as f64;
                let mut counts = vec![0usize; bins];
                for &v in &c.barriers_ev {
                    let k = (((v - lo) / width).floor() as isize).clamp(0, bins as isize - 1);
                    counts[k as usize] += 1;
                }
                p.series.push(
                    Series::new(
                        "histogram",
                        counts
                            .iter()
                            .enumerate()
                            .map(|(k, &m)| [lo + (k as f64 + 0.5) * width, m as f64 / (n * width)])
                            .collect(),
                        SeriesStyle::Bars { width },
                    )
                    .colour(i),
                );
                let entry = self
                    .temperatures
                    .iter()
                    .find(|e| e.temperature_k == t)
                    .and_then(|e| Some((e.lognormal_mu?, e.lognormal_sigma?)));
                match entry {
                    Some((mu, sigma)) if sigma > 0.0 => {
                        let steps = 300;
                        let pdf: Vec<[f64; 2]> = (0..=steps)
                            .map(|k| {
                                x_range[0] + (x_range[1] - x_range[0]) * k as f64 / steps as f64
                            })
                            .filter(|&x| x > 0.0)
                            .map(|x| [x, lognormal_pdf(x, mu, sigma)])
                            .collect();
                        p.series.push(
                            Series::new(
                                format!("log-normal fit μ = {mu:.3}, σ = {sigma:.3}"),
                                pdf,
                                SeriesStyle::Line,
                            )
                            .colour(6),
                        );
                    }
                    _ => notes.push(format!("{t} K: no log-normal fit (n < 2 or no spread)")),
                }
                p.series
                    .extend(censoring::spectrum_series(&self.censoring, t, x_range));
                panels.push(p);
            }
        }
        Figure {
            name: "fig4_spectra".into(),
            title: format!(
                "Fig. 4(a): barrier spectra and log-normal fits{}",
                self.group_suffix()
            ),
            columns: 1,
            panels,
            notes,
        }
    }

    fn figure_barriers_vs_t(&self) -> Figure {
        let t_max = self
            .temperatures
            .iter()
            .map(|e| e.temperature_k)
            .fold(0.0, f64::max);
        let line = |fit: &Option<LineFit>, name: &str, colour: usize| -> Option<Series> {
            let f = fit.as_ref()?;
            let err =
                |e: Option<f64>, d: usize| e.map(|e| format!(" ± {e:.d$}")).unwrap_or_default();
            Some(
                Series::new(
                    format!(
                        "{name}: ΔQ = {:.3}{} eV, ΔS = {:.1}{} k_B",
                        f.dq_ev,
                        err(f.dq_err_ev, 3),
                        f.ds_kb,
                        err(f.ds_err_kb, 1)
                    ),
                    (0..=50)
                        .map(|k| {
                            let t = 1.05 * t_max * k as f64 / 50.0;
                            [t, f.dq_ev - t * f.ds_kb * BOLTZMANN_CODATA_EV_PER_K]
                        })
                        .collect(),
                    SeriesStyle::Dashed,
                )
                .colour(colour),
            )
        };
        type Get = fn(&TemperatureEntry) -> Option<(f64, Option<Interval>)>;
        let panel = |title: &str, y: &str, get: Get, fit: &Option<LineFit>, colour: usize| {
            let mut p = Panel::new(title, "temperature T (K)", y);
            let pts: Vec<(f64, f64, Option<Interval>)> = self
                .temperatures
                .iter()
                .filter_map(|e| get(e).map(|(v, ci)| (e.temperature_k, v, ci)))
                .collect();
            if !pts.is_empty() {
                let mut s = Series::new(
                    "samples (bootstrap 95 %)",
                    pts.iter().map(|p| [p.0, p.1]).collect(),
                    SeriesStyle::Markers,
                )
                .colour(colour);
                if pts.iter().all(|p| p.2.is_some()) {
                    s = s.y_error(
                        pts.iter()
                            .filter_map(|p| p.2.map(|c| [c.lo_ev, c.hi_ev]))
                            .collect(),
                    );
                }
                p.series.push(s);
            }
            p.series.extend(line(fit, "Eq. 7 fit", colour));
            if let Some(z) = &self.zero_k {
                let mut art = Series::new(
                    format!(
                        "ART at 0 K: mean ΔQ {:.3} eV (n = {}, ± std)",
                        z.mean_delta_q_ev, z.count
                    ),
                    vec![[0.0, z.mean_delta_q_ev]],
                    SeriesStyle::Markers,
                )
                .colour(6);
                if let Some(sd) = z.std_delta_q_ev {
                    art = art.y_error(vec![[z.mean_delta_q_ev - sd, z.mean_delta_q_ev + sd]]);
                }
                p.series.push(art);
            }
            if p.series.is_empty() {
                p.empty = Some("no temperature with at least 2 usable barriers".into());
            }
            p
        };
        let mut para = panel(
            "(c) parallel",
            "ΔF_para (eV)",
            |e| Some((e.para_ev?, e.ci95.map(|c| c.para_ev))),
            &self.fits.para,
            0,
        );
        let ln_points: Vec<[f64; 2]> = self
            .temperatures
            .iter()
            .filter_map(|e| Some([e.temperature_k, e.para_lognormal_ev?]))
            .collect();
        if !ln_points.is_empty() {
            para.series
                .push(Series::new("fitted log-normal", ln_points, SeriesStyle::Markers).colour(4));
            para.series
                .extend(line(&self.fits.para_lognormal, "log-normal fit", 4));
        }
        let mut seq = panel(
            "(d) sequential",
            "ΔF_seq (eV)",
            |e| Some((e.seq_ev?, e.ci95.map(|c| c.seq_ev))),
            &self.fits.seq,
            1,
        );
        let mut eff = panel(
            "(e) effective",
            "ΔF_eff (eV)",
            |e| Some((e.eff_ev?, e.ci95.map(|c| c.eff_ev))),
            &self.fits.eff,
            2,
        );
        censoring::add_barrier_markers(&self.censoring, &self.rates, &mut para, &mut seq, &mut eff);
        let mut notes: Vec<String> = censoring::rejected_note(&self.rates).into_iter().collect();
        if let Some(r) = &self.fits.reason {
            notes.push(format!("no Eq. 7 fit: {r}"));
        }
        Figure {
            name: "fig4_barriers_vs_t".into(),
            title: format!(
                "Fig. 4(c–e): ΔF(T) and ΔF = ΔQ − TΔS extrapolated to 0 K{}",
                self.group_suffix()
            ),
            panels: vec![para, seq, eff],
            columns: 3,
            notes,
        }
    }

    fn figure_arrhenius(&self) -> Figure {
        let mut p = Panel::new(
            "Arrhenius plot (Eq. 8, ν₀ = 2·10¹² Hz)",
            "1000 / T (1/K)",
            "log₁₀(ν / Hz)",
        );
        let rows = &self.arrhenius.rows;
        for (name, get, fit, colour) in [
            (
                "para",
                (|r: &ArrheniusRow| r.para_hz) as fn(&ArrheniusRow) -> Option<f64>,
                &self.fits.para,
                0,
            ),
            ("seq", |r: &ArrheniusRow| r.seq_hz, &self.fits.seq, 1),
            ("eff", |r: &ArrheniusRow| r.eff_hz, &self.fits.eff, 2),
        ] {
            let Some(f) = fit else { continue };
            p.series.push(
                Series::new(
                    format!("{name}: ΔQ = {:.2} eV, ΔS = {:.1} k_B", f.dq_ev, f.ds_kb),
                    rows.iter()
                        .filter_map(|r| Some([r.inverse_temperature_1000_per_k, get(r)?.log10()]))
                        .collect(),
                    SeriesStyle::Line,
                )
                .colour(colour),
            );
        }
        for (name, get, colour) in [
            (
                "para",
                (|m: &MeasuredRate| m.para_hz) as fn(&MeasuredRate) -> f64,
                0,
            ),
            ("seq", |m: &MeasuredRate| m.seq_hz, 1),
            ("eff", |m: &MeasuredRate| m.eff_hz, 2),
        ] {
            if self.arrhenius.measured.is_empty() {
                break;
            }
            p.series.push(
                Series::new(
                    format!("{name}: measured ΔF(T), Eq. 2"),
                    self.arrhenius
                        .measured
                        .iter()
                        .map(|m| [1000.0 / m.temperature_k, get(m).log10()])
                        .collect(),
                    SeriesStyle::Markers,
                )
                .colour(colour),
            );
        }
        p.series.push(
            Series::new(
                format!(
                    "experiment Cu50Zr50: ΔE = {} eV, ΔS = {} k_B",
                    EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB
                ),
                rows.iter()
                    .map(|r| [r.inverse_temperature_1000_per_k, r.experiment_hz.log10()])
                    .collect(),
                SeriesStyle::Dashed,
            )
            .colour(6),
        );
        p.series.extend(censoring::arrhenius_series(&self.rates));
        let mut notes: Vec<String> = censoring::rejected_note(&self.rates).into_iter().collect();
        if let Some(r) = &self.fits.reason {
            notes.push(format!(
                "no Eq. 7 fit, so no simulated Arrhenius lines: {r}"
            ));
        }
        Figure {
            name: "fig5_arrhenius".into(),
            title: format!("Fig. 5: frequency of β-relaxation{}", self.group_suffix()),
            panels: vec![p],
            columns: 1,
            notes,
        }
    }
}

/// The log-normal density p(x) = exp(−(ln x − μ)²/2σ²) / (x σ √(2π)), x > 0 (1/eV).
pub fn lognormal_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x.ln() - mu) / sigma;
    (-0.5 * z * z).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sampling: usize, centre: &str, cutoff: f64, t: f64, f: f64) -> BarrierSample {
        BarrierSample {
            sampling,
            centre: centre.into(),
            cutoff_angstrom: Some(cutoff),
            temperature_k: t,
            delta_f_ev: Some(f),
            delta_f_crossing_ev: None,
            delta_f_estimator: None,
            delta_f_profile_ev: None,
            delta_f_final_ev: None,
            status: SamplingStatus::Ok,
            reason: String::new(),
            line: None,
            delta_f_lower_bound_ev: None,
            event_boosted_ps: None,
        }
    }

    #[test]
    fn report_reads_minimal_tables_and_warns_on_an_unfinished_last_line() {
        let t =
            parse_barrier_samples("delta_f_ev,temperature_k\n0.5,300\n0.6,300", "m.csv").unwrap();
        // A last line without newline that parses is kept; defaults fill the rest.
        assert_eq!(t.samples.len(), 2);
        assert!(t.warnings.is_empty());
        let s = &t.samples[1];
        assert_eq!(
            (s.sampling, s.line, s.status),
            (1, Some(3), SamplingStatus::Ok)
        );
        assert_eq!((s.centre.as_str(), s.cutoff_angstrom), ("-", None));
        // One cut short by a kill is ignored with a warning naming the line.
        let cut = parse_barrier_samples(
            "temperature_k,delta_f_ev,status,reason\n300,0.5,ok,\"\"\n300,0.6,ok,\"unfin",
            "c.csv",
        )
        .unwrap();
        assert_eq!(cut.samples.len(), 1);
        assert!(
            cut.warnings[0].starts_with("c.csv:3:"),
            "{:?}",
            cut.warnings
        );
        // The same line with its newline is an error.
        let err = parse_barrier_samples(
            "temperature_k,delta_f_ev,status,reason\n300,0.6,ok,\"unfin\n",
            "c.csv",
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(2));
        let dup = parse_barrier_samples("temperature_k,delta_f_ev,delta_f_ev\n", "d.csv")
            .unwrap_err()
            .to_string();
        assert!(dup.contains("d.csv:1") && dup.contains("twice"), "{dup}");
        let no_barrier = parse_barrier_samples("temperature_k,x\n", "b.csv")
            .unwrap_err()
            .to_string();
        assert!(no_barrier.contains("delta_f_ev"), "{no_barrier}");
        assert!(parse_barrier_samples("", "e.csv").is_err());
    }

    #[test]
    fn report_reads_the_campaign_store_format() {
        // A samplings.csv as the campaign writes it, through its own record type.
        let record = SamplingRecord {
            sampling: 4,
            centre: crate::sampling::setup::CentreChoice::Atom(348),
            cutoff_angstrom: 4.0,
            temperature_k: 300.0,
            seed: 9,
            delta_f_ev: Some(0.41),
            delta_f_estimator: Some(crate::sampling::Estimator::Profile),
            delta_f_profile_ev: Some(0.41),
            delta_f_filled_depth_ev: Some(0.38),
            delta_f_final_ev: Some(0.2),
            s_min_angstrom: Some(0.25),
            s_saddle_angstrom: Some(1.05),
            s_new_angstrom: Some(1.46),
            profile_stop: Some(super::super::store::ProfileStop::Stable),
            precursors: 1,
            event_md_ps: Some(12.0),
            event_boosted_ps: Some(1e3),
            event_class: Some("pair exchange".into()),
            steps: 5000,
            status: SamplingStatus::Ok,
            reason: "a, b".into(),
            delta_f_lower_bound_ev: None,
        };
        let text = format!("{}\n{}", super::super::store::HEADER, record.to_csv_line());
        let table = parse_barrier_samples(&text, "s.csv").unwrap();
        let mut expected = BarrierSample::from(&record);
        expected.line = Some(2);
        assert_eq!(table.samples, vec![expected]);
    }

    #[test]
    fn report_picks_the_largest_group_and_keeps_the_others() {
        let mut samples = Vec::new();
        for i in 0..4 {
            samples.push(sample(i, "nearest-cu", 4.0, 300.0, 0.5 + 0.01 * i as f64));
        }
        for i in 0..6 {
            samples.push(sample(10 + i, "348", 5.2, 300.0, 0.4 + 0.01 * i as f64));
        }
        let report = CampaignReport::from_samples(
            &samples,
            &ReportOptions {
                bootstrap: 0,
                ..ReportOptions::default()
            },
        );
        assert_eq!(report.groups.len(), 2);
        let g = report.group.clone().unwrap();
        assert_eq!((g.centre.as_str(), g.cutoff_angstrom), ("348", Some(5.2)));
        assert_eq!(report.temperatures[0].n, 6);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("2 (centre, cutoff) groups"))
        );
        // Fig. 2 has one point per group; with one cutoff per temperature both stay.
        assert_eq!(report.cutoffs.len(), 2);
        let fig2 = &report.figures()[0];
        assert_eq!(fig2.panels[0].series.len(), 2);

        // A tie between two groups of 3 goes to the first in order: `a` before `b`.
        let tie: Vec<BarrierSample> = (0..3)
            .map(|i| sample(i, "b", 4.0, 300.0, 0.5 + 0.01 * i as f64))
            .chain((0..3).map(|i| sample(5 + i, "a", 4.0, 300.0, 0.6 + 0.01 * i as f64)))
            .collect();
        let report = CampaignReport::from_samples(
            &tie,
            &ReportOptions {
                bootstrap: 0,
                ..ReportOptions::default()
            },
        );
        assert_eq!(report.group.unwrap().centre, "a");
    }

    #[test]
    fn report_excludes_invalid_barriers_with_reasons() {
        let mut samples = vec![
            sample(0, "-", 4.0, 300.0, 0.5),
            sample(1, "-", 4.0, 300.0, 0.6),
            sample(2, "-", 4.0, 300.0, -0.1),
            sample(3, "-", 4.0, 0.0, 0.5),
        ];
        samples[1].status = SamplingStatus::NoEvent;
        let report = CampaignReport::from_samples(
            &samples,
            &ReportOptions {
                bootstrap: 0,
                ..ReportOptions::default()
            },
        );
        assert_eq!(report.counts.used, 1);
        assert_eq!(report.counts.invalid, 2);
        let why: Vec<&str> = report
            .excluded
            .iter()
            .map(|e| e.excluded_because.as_str())
            .collect();
        assert!(why[0].contains("no_event"), "{why:?}");
        assert!(why[1].contains("-0.1 eV is not > 0"), "{why:?}");
        assert!(why[2].contains("temperature 0 K"), "{why:?}");
        let table = report.to_table();
        assert!(
            table.contains("left out (3)") && table.contains("-0.1 eV"),
            "{table}"
        );
    }

    #[test]
    fn report_without_usable_barriers_still_lists_its_temperatures() {
        // The mini campaign's case: ok samplings with only the crossing barrier.
        let mut samples = vec![
            sample(0, "nearest-cu", 4.0, 500.0, 0.6),
            sample(1, "nearest-cu", 4.0, 600.0, 0.5),
            sample(2, "nearest-cu", 4.0, 600.0, 0.5),
        ];
        for s in &mut samples {
            s.delta_f_crossing_ev = s.delta_f_ev.take();
        }
        let options = ReportOptions {
            bootstrap: 0,
            ..ReportOptions::default()
        };
        let report = CampaignReport::from_samples(&samples, &options);
        assert_eq!(report.group.as_ref().unwrap().centre, "nearest-cu");
        let ns: Vec<(f64, usize, usize)> = report
            .temperatures
            .iter()
            .map(|e| (e.temperature_k, e.n, e.excluded))
            .collect();
        assert_eq!(ns, vec![(500.0, 0, 1), (600.0, 0, 2)]);
        assert!(report.temperatures.iter().all(|e| e.reason.is_some()));
        assert_eq!(report.counts.ok_without_barrier, 3);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("stop-rule-else-filled-depth"))
        );
        assert!(report.notes.iter().any(|n| n.contains("no usable barrier")));
        let empty = CampaignReport::from_samples(&[], &options);
        assert!(empty.group.is_none() && empty.fits.reason.is_some());
        for fig in empty.figures() {
            // Each figure says what is missing; only Fig. 5 has its experimental line.
            assert!(!fig.notes.is_empty(), "{}", fig.name);
            assert_eq!(fig.has_data(), fig.name == "fig5_arrhenius", "{}", fig.name);
        }
    }

    #[test]
    fn report_lognormal_pdf_integrates_to_one_with_its_mean() {
        let (mu, sigma) = (0.7f64.ln(), 0.3);
        let dx = 1e-5;
        let (mut mass, mut first) = (0.0, 0.0);
        for k in 1..1_000_000 {
            let x = k as f64 * dx;
            let p = lognormal_pdf(x, mu, sigma);
            mass += p * dx;
            first += x * p * dx;
        }
        assert!((mass - 1.0).abs() < 1e-6, "{mass}");
        assert!(
            (first - (mu + 0.5 * sigma * sigma).exp()).abs() < 1e-6,
            "{first}"
        );
    }
}
