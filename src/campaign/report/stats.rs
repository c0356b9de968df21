//! The statistics of a report: groups, per-temperature reductions (Eqs. 4–6), the fits of
//! Eq. 7, Arrhenius frequencies (Eq. 8), convergence and the cutoff points (Fig. 2).

use std::collections::BTreeMap;

use super::super::censoring::{self, Censored, Censoring, Rates};
use super::super::store::{SamplingRecord, SamplingStatus};
use super::{
    Arrhenius, ArrheniusRow, BarrierChoice, BarrierSample, CampaignReport, Convergence, Counts,
    CutoffPoint, Excluded, Fits, GroupKey, GroupReport, MeasuredRate, ReportOptions,
    TemperatureEntry,
};
use crate::analysis::barriers::{
    EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, LineFit, NU0_HZ, arrhenius_hz, fit_entropy,
    running_mean_std, seq_lognormal_truncated_ev, temperature_stats,
};
use crate::system::units::BOLTZMANN_CODATA_EV_PER_K;

const GROUP_RULE: &str = "the (centre, cutoff) group with the most usable barriers (with none \
                          anywhere, the most rows); ties go to the first in (centre, cutoff) order";

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
    type Point = fn(&&TemperatureEntry) -> Option<(f64, f64)>;
    let with: Vec<&TemperatureEntry> = entries.iter().filter(|e| e.mean_ev.is_some()).collect();
    let ([para, seq, eff, para_lognormal], reason) = eq7_fits(
        &with,
        [
            (|e| Some((e.temperature_k, e.para_ev?))) as Point,
            |e| Some((e.temperature_k, e.seq_ev?)),
            |e| Some((e.temperature_k, e.eff_ev?)),
            |e| Some((e.temperature_k, e.para_lognormal_ev?)),
        ],
        "only temperatures with at least 2 usable barriers count",
    );
    Fits {
        temperatures_k: with.iter().map(|e| e.temperature_k).collect(),
        para,
        seq,
        eff,
        para_lognormal,
        reason,
    }
}

/// One reduction's (T, ΔF) point of an entry, if it has one.
pub(crate) type Reduction<E> = fn(&E) -> Option<(f64, f64)>;

/// Eq. 7, ΔF(T) = ΔQ − TΔS, fitted to each reduction's (T, ΔF) points over `entries`, and
/// why the first fit that failed did (`which` says which temperatures count).
pub(crate) fn eq7_fits<E, const N: usize>(
    entries: &[E],
    reductions: [Reduction<E>; N],
    which: &str,
) -> ([Option<LineFit>; N], Option<String>) {
    let results = reductions.map(|point| {
        let points: Vec<(f64, f64)> = entries.iter().filter_map(point).collect();
        fit_entropy(&points)
    });
    let reason = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .map(|e| format!("{e} ({which})"));
    (results.map(Result::ok), reason)
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
        let (counts, excluded, groups) = tally(&ordered, samples.len(), options);
        let mut notes = notes_on_rows(samples, &counts, &groups, &excluded, options);
        let PerGroup {
            reports: group_reports,
            mut convergences,
            mut beyond,
            selected,
        } = per_group(&groups, options);

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

        let arrhenius = arrhenius_table(&fits, &temperatures, options);
        Self {
            source: None,
            barrier: options.barrier,
            barrier_column: barrier_column(options.barrier),
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
            cutoffs: cutoff_points(&group_reports),
            groups: group_reports,
            counts,
            excluded,
            notes,
            zero_k: None,
            censoring,
            rates,
        }
    }
}

/// Groups in (centre, cutoff) order; cutoffs compared by total order.
type Key = (String, Option<u64>);
/// Per group, its temperatures (keyed by order-preserving bits) and their rows.
type Temperatures = BTreeMap<u64, (f64, AtTemperature)>;
type Groups = BTreeMap<Key, (GroupKey, Temperatures)>;

/// The `rows` samples, `ordered` by sampling, counted and sorted into their group and
/// temperature, each used or excluded with why.
fn tally(
    ordered: &[&BarrierSample],
    rows: usize,
    options: &ReportOptions,
) -> (Counts, Vec<Excluded>, Groups) {
    let mut counts = Counts {
        rows,
        ..Counts::default()
    };
    let mut excluded = Vec::new();
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
    let mut groups = Groups::new();
    for s in ordered {
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
    (counts, excluded, groups)
}

/// What the report says of the rows: fallbacks, ok rows without the chosen barrier, the
/// estimators the stop rule produced.
fn notes_on_rows(
    samples: &[BarrierSample],
    counts: &Counts,
    groups: &Groups,
    excluded: &[Excluded],
    options: &ReportOptions,
) -> Vec<String> {
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
    notes
}

/// Every group's report, convergence, censoring and rates, and the group the report
/// describes.
struct PerGroup {
    reports: Vec<GroupReport>,
    convergences: Vec<Vec<Convergence>>,
    beyond: Vec<(Censoring, Rates)>,
    /// (index, usable barriers, rows): most barriers, then (none anywhere) most rows.
    selected: Option<(usize, usize, usize)>,
}

fn per_group(groups: &Groups, options: &ReportOptions) -> PerGroup {
    let mut group_reports = Vec::new();
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
    PerGroup {
        reports: group_reports,
        convergences,
        beyond,
        selected,
    }
}

/// Eq. 8 with each fit over the report's temperature range, and Eq. 2 on the measured
/// barriers.
fn arrhenius_table(
    fits: &Fits,
    temperatures: &[TemperatureEntry],
    options: &ReportOptions,
) -> Arrhenius {
    let rate = |f: &Option<LineFit>, t: f64| {
        f.as_ref()
            .map(|f| arrhenius_hz(f.dq_ev, f.ds_kb, t, NU0_HZ))
    };
    Arrhenius {
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
    }
}

/// Fig. 2's points: every group with a cutoff, at each temperature with numbers.
fn cutoff_points(group_reports: &[GroupReport]) -> Vec<CutoffPoint> {
    let mut cutoffs = Vec::new();
    for g in group_reports {
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
    cutoffs
}

/// The column (or columns) `choice` reads.
fn barrier_column(choice: BarrierChoice) -> &'static str {
    match choice {
        BarrierChoice::StopRule => "delta_f_ev",
        BarrierChoice::Profile => "delta_f_profile_ev",
        BarrierChoice::Crossing => "delta_f_filled_depth_ev",
        BarrierChoice::FinalElseCrossing => "delta_f_ev|delta_f_filled_depth_ev",
        BarrierChoice::Final => "delta_f_final_ev",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sampling: usize, centre: &str, cutoff: f64, t: f64, f: f64) -> BarrierSample {
        BarrierSample::ok(sampling, centre, cutoff, t, f)
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
}
