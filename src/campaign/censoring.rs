//! What `betaglass stats` adds beside the paper's Eqs. 4–8 on the measured barriers:
//!
//! - **censoring**: samplings that reached their step limit without an event are
//!   right-censored barriers (ΔF > `delta_f_lower_bound_ev`). Per temperature: the censored
//!   fraction, the log-normal fitted by maximum likelihood with them
//!   ([`fit_censored_lognormal`]) and Eqs. 4–6 on that fit with standard errors, then Eq. 7
//!   over temperatures;
//! - **rates**: the boosted first-event times (`event_boosted_ps`) fitted to an exponential
//!   and tested (Kolmogorov–Smirnov), giving ΔF_rate = k_BT ln(ν₀τ), a third single
//!   barrier ([`crate::analysis::rates`]), and Eq. 7 on the accepted ones.
//!
//! [`CampaignReport`](super::CampaignReport) carries both ([`Censoring`], [`Rates`]) for its
//! selected group; its table, JSON and Figs. 4–5 show them beside the uncensored numbers.

use std::fmt::Write as _;

use serde::Serialize;

use super::report::{BarrierSample, eq7_fits, line_fit, lognormal_curve, num, reason_suffix};
use super::store::SamplingStatus;
use crate::analysis::barriers::{LineFit, NU0_HZ};
use crate::analysis::censored::{
    CensoredLogNormal, LogNormalBarriers, fit_censored_lognormal, lognormal_barriers,
};
use crate::analysis::figure::{Panel, Series, SeriesStyle};
use crate::analysis::rates::{ExponentialFit, KS_ACCEPT_P, fit_exponential, rate_barrier_ev};

/// One temperature's rows as censoring and rates need them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Censored {
    /// Lower bounds (eV) of `no_event` rows that have one.
    pub bounds_ev: Vec<f64>,
    /// `no_event` rows without a bound (tables older than the column, or invalid values).
    pub unknown_bound: usize,
    /// Boosted first-event times (ps) of `ok` rows that have one.
    pub boosted_ps: Vec<f64>,
    /// `ok` rows at this temperature.
    pub ok: usize,
}

impl Censored {
    /// Takes a row in: `no_event` as censored (with its bound when it has a valid one),
    /// `ok` with its boosted event time.
    pub fn add(&mut self, s: &BarrierSample) {
        match s.status {
            SamplingStatus::NoEvent => match s.delta_f_lower_bound_ev {
                Some(b) if b.is_finite() && b > 0.0 => self.bounds_ev.push(b),
                _ => self.unknown_bound += 1,
            },
            SamplingStatus::Ok => {
                self.ok += 1;
                if let Some(t) = s.event_boosted_ps.filter(|t| t.is_finite() && *t > 0.0) {
                    self.boosted_ps.push(t);
                }
            }
            SamplingStatus::Failed => {}
        }
    }
}

/// Censoring and rates of one group from its temperatures: (T, usable barriers, rows,
/// bootstrap seed of τ's error).
pub(crate) fn of_group<'a>(
    temperatures: impl Iterator<Item = (f64, Vec<f64>, &'a Censored, u64)>,
    seq_quantile: f64,
) -> (Censoring, Rates) {
    let (mut censored, mut rates) = (Vec::new(), Vec::new());
    for (t, events, rows, seed) in temperatures {
        censored.push(censored_entry(t, &events, rows, seq_quantile));
        rates.push(rate_entry(t, rows, seed));
    }
    let fits = censored_fits(&censored);
    (
        Censoring {
            temperatures: censored,
            fits,
        },
        rates_of(rates),
    )
}

/// The censored log-normal at one temperature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CensoredEntry {
    pub temperature_k: f64,
    /// Uncensored barriers in the fit (the usable barriers of the main table).
    pub events: usize,
    /// `no_event` rows: all censored, with or without a known bound.
    pub censored: usize,
    /// Of those, without a bound: counted here, not in the fit (they carry no number).
    pub censored_unknown_bound: usize,
    /// censored / (ok + censored) rows at this temperature.
    pub censored_fraction: Option<f64>,
    /// The maximum-likelihood fit with the censored rows whose bound is known.
    pub fit: Option<CensoredLogNormal>,
    /// Eqs. 4–6 on that fit (seq cut at the report's quantile), with standard errors.
    pub barriers: Option<LogNormalBarriers>,
    pub reason: Option<String>,
}

/// Eq. 7 fits of the censored log-normal's para, seq, eff over temperatures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CensoredFits {
    pub para: Option<LineFit>,
    pub seq: Option<LineFit>,
    pub eff: Option<LineFit>,
    pub reason: Option<String>,
}

/// The censoring part of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Censoring {
    pub temperatures: Vec<CensoredEntry>,
    pub fits: CensoredFits,
}

/// The boosted-clock rate at one temperature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateEntry {
    pub temperature_k: f64,
    /// `no_event` rows: their escape times are longer than the run and not in the fit,
    /// so with any of them τ is too short (the times carry no end-of-run boosted time).
    pub no_event: usize,
    pub fit: Option<ExponentialFit>,
    /// k_BT ln(ν₀τ) with τ of the CDF fit (eV), and its standard error k_BT·se(τ)/τ.
    pub delta_f_rate_ev: Option<f64>,
    pub delta_f_rate_se_ev: Option<f64>,
    /// The KS test passed (p > 0.05): only then does ΔF_rate enter the Eq. 7 fit.
    pub accepted: bool,
    pub reason: Option<String>,
}

/// The rates part of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rates {
    pub nu0_hz: f64,
    pub ks_accept_p: f64,
    pub temperatures: Vec<RateEntry>,
    /// Eq. 7 on the accepted ΔF_rate.
    pub fit: Option<LineFit>,
    pub reason: Option<String>,
}

pub(crate) fn censored_entry(
    temperature_k: f64,
    events_ev: &[f64],
    rows: &Censored,
    seq_quantile: f64,
) -> CensoredEntry {
    let censored = rows.bounds_ev.len() + rows.unknown_bound;
    let all = rows.ok + censored;
    let mut entry = CensoredEntry {
        temperature_k,
        events: events_ev.len(),
        censored,
        censored_unknown_bound: rows.unknown_bound,
        censored_fraction: (all > 0).then(|| censored as f64 / all as f64),
        fit: None,
        barriers: None,
        reason: None,
    };
    let result = fit_censored_lognormal(events_ev, &rows.bounds_ev).and_then(|fit| {
        let barriers = lognormal_barriers(&fit, temperature_k, seq_quantile)?;
        Ok((fit, barriers))
    });
    match result {
        Ok((fit, barriers)) => {
            entry.fit = Some(fit);
            entry.barriers = Some(barriers);
        }
        Err(e) => entry.reason = Some(e.to_string()),
    }
    entry
}

pub(crate) fn censored_fits(entries: &[CensoredEntry]) -> CensoredFits {
    type Point = fn(&CensoredEntry) -> Option<(f64, f64)>;
    let ([para, seq, eff], reason) = eq7_fits(
        entries,
        [
            (|e| Some((e.temperature_k, e.barriers.as_ref()?.para_ev))) as Point,
            |e| Some((e.temperature_k, e.barriers.as_ref()?.seq_ev)),
            |e| Some((e.temperature_k, e.barriers.as_ref()?.eff_ev)),
        ],
        "only temperatures with a censored log-normal fit count",
    );
    CensoredFits {
        para,
        seq,
        eff,
        reason,
    }
}

pub(crate) fn rate_entry(temperature_k: f64, rows: &Censored, seed: u64) -> RateEntry {
    let no_event = rows.bounds_ev.len() + rows.unknown_bound;
    let mut entry = RateEntry {
        temperature_k,
        no_event,
        fit: None,
        delta_f_rate_ev: None,
        delta_f_rate_se_ev: None,
        accepted: false,
        reason: None,
    };
    match fit_exponential(&rows.boosted_ps, seed) {
        Ok(fit) => {
            let (df, se) = rate_barrier_ev(fit.tau_ps, fit.tau_se_ps, temperature_k, NU0_HZ);
            entry.delta_f_rate_ev = Some(df);
            entry.delta_f_rate_se_ev = Some(se);
            entry.accepted = fit.accepted;
            if !fit.accepted {
                entry.reason = Some(format!(
                    "KS test rejects the exponential (p = {:.3} ≤ {KS_ACCEPT_P}): the hills \
                     were not rare enough for the boosted clock",
                    fit.ks_p_value
                ));
            }
            entry.fit = Some(fit);
        }
        Err(e) => entry.reason = Some(e.to_string()),
    }
    entry
}

pub(crate) fn rates_of(temperatures: Vec<RateEntry>) -> Rates {
    let accepted =
        |e: &RateEntry| Some((e.temperature_k, e.delta_f_rate_ev?)).filter(|_| e.accepted);
    let ([fit], reason) = eq7_fits(
        &temperatures,
        [accepted],
        "only temperatures whose KS test passes count",
    );
    Rates {
        nu0_hz: NU0_HZ,
        ks_accept_p: KS_ACCEPT_P,
        temperatures,
        fit,
        reason,
    }
}

/// Notes for the report: what the censored rows without a bound mean.
pub(crate) fn notes(censoring: &Censoring) -> Vec<String> {
    let unknown: usize = censoring
        .temperatures
        .iter()
        .map(|e| e.censored_unknown_bound)
        .sum();
    if unknown == 0 {
        return Vec::new();
    }
    vec![format!(
        "{unknown} no_event sampling(s) have no delta_f_lower_bound_ev (tables written before \
         that column): they count as censored with an unknown bound in the censored \
         fraction, and cannot enter the censored log-normal fit, which is then biased low"
    )]
}

fn with_se(v: f64, se: f64) -> String {
    format!("{v:.3} ± {se:.3}")
}

/// The table's sections on censoring and on the boosted-clock rates.
pub(crate) fn table(censoring: &Censoring, rates: &Rates) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\ncensoring (no event by the step limit: ΔF > delta_f_lower_bound_ev); log-normal MLE \
         with the censored rows, Eqs. 4–6 on it (± standard errors; seq cut at the same \
         quantile):"
    );
    let _ = writeln!(
        s,
        "{:>7} {:>4} {:>5} {:>7} {:>7} {:>15} {:>15} {:>15} {:>15} {:>15}",
        "T/K", "n", "cens", "cens %", "unknown", "μ_c", "σ_c", "para_c", "seq_c", "eff_c"
    );
    for e in &censoring.temperatures {
        let (mu, sigma) = match &e.fit {
            Some(f) => (
                format!("{:.4} ± {:.4}", f.mu, f.mu_se),
                format!("{:.4} ± {:.4}", f.sigma, f.sigma_se),
            ),
            None => ("-".into(), "-".into()),
        };
        let b = e.barriers.as_ref();
        let _ = writeln!(
            s,
            "{:>7} {:>4} {:>5} {:>7} {:>7} {:>15} {:>15} {:>15} {:>15} {:>15}{}",
            e.temperature_k,
            e.events,
            e.censored,
            num(e.censored_fraction.map(|f| 100.0 * f), 1),
            e.censored_unknown_bound,
            mu,
            sigma,
            b.map(|b| with_se(b.para_ev, b.para_se_ev))
                .unwrap_or_else(|| "-".into()),
            b.map(|b| with_se(b.seq_ev, b.seq_se_ev))
                .unwrap_or_else(|| "-".into()),
            b.map(|b| with_se(b.eff_ev, b.eff_se_ev))
                .unwrap_or_else(|| "-".into()),
            reason_suffix(&e.reason)
        );
    }
    let f = &censoring.fits;
    if f.para.is_none() && f.seq.is_none() && f.eff.is_none() {
        let _ = writeln!(
            s,
            "  Eq. 7 on the censored fit: none: {}",
            f.reason.as_deref().unwrap_or("-")
        );
    } else {
        let _ = writeln!(s, "  Eq. 7 on the censored fit (OLS; ± standard errors):");
        line_fit(&mut s, "para_c", 12, &f.para);
        line_fit(&mut s, "seq_c", 12, &f.seq);
        line_fit(&mut s, "eff_c", 12, &f.eff);
    }

    let _ = writeln!(
        s,
        "\nrates from the boosted clock (infrequent metadynamics): τ fitted to the CDF of the \
         boosted first-event times, 1 − exp(−t/τ); accepted when the KS test gives p > {}; \
         ΔF_rate = k_BT ln(ν₀τ), ν₀ = {:.0e} Hz:",
        rates.ks_accept_p, rates.nu0_hz
    );
    let _ = writeln!(
        s,
        "{:>7} {:>4} {:>8} {:>11} {:>11} {:>11} {:>11} {:>6} {:>7} {:>15} {:>4}",
        "T/K", "n", "no_event", "τ/ps", "±", "mean/ps", "med/ln2", "D", "p", "ΔF_rate", "ok"
    );
    let sci = |v: f64| format!("{v:.3e}");
    for e in &rates.temperatures {
        let row = match &e.fit {
            Some(f) => format!(
                "{:>4} {:>8} {:>11} {:>11} {:>11} {:>11} {:>6.3} {:>7.3} {:>15} {:>4}",
                f.n,
                e.no_event,
                sci(f.tau_ps),
                sci(f.tau_se_ps),
                sci(f.tau_mean_ps),
                sci(f.tau_median_ps),
                f.ks_statistic,
                f.ks_p_value,
                match (e.delta_f_rate_ev, e.delta_f_rate_se_ev) {
                    (Some(v), Some(se)) => with_se(v, se),
                    _ => "-".into(),
                },
                if e.accepted { "yes" } else { "no" }
            ),
            None => format!("{:>4} {:>8}", "-", e.no_event),
        };
        let _ = writeln!(
            s,
            "{:>7} {row}{}",
            e.temperature_k,
            reason_suffix(&e.reason)
        );
    }
    if rates.temperatures.iter().any(|e| e.no_event > 0) {
        let _ = writeln!(
            s,
            "  (no_event samplings escape later than their run: they are not in the fit, \
             so τ there is too short and ΔF_rate a lower estimate)"
        );
    }
    match &rates.fit {
        Some(_) => line_fit(&mut s, "Eq. 7 rate", 12, &rates.fit),
        None => {
            let _ = writeln!(
                s,
                "  Eq. 7 on ΔF_rate: none: {}",
                rates.reason.as_deref().unwrap_or("-")
            );
        }
    }
    s
}

/// The censored log-normal's density at `t`, for Fig. 4(a)'s panel of that temperature.
pub(crate) fn spectrum_series(
    censoring: &Censoring,
    temperature_k: f64,
    x_range: [f64; 2],
) -> Option<Series> {
    let e = censoring
        .temperatures
        .iter()
        .find(|e| e.temperature_k == temperature_k)?;
    let f = e.fit.as_ref()?;
    if f.censored == 0 || f.sigma <= 0.0 {
        return None;
    }
    Some(
        Series::new(
            format!(
                "censored MLE ({} censored) μ = {:.3}, σ = {:.3}",
                f.censored, f.mu, f.sigma
            ),
            lognormal_curve(f.mu, f.sigma, x_range),
            SeriesStyle::Dashed,
        )
        .colour(3),
    )
}

fn markers_with_se(name: &str, points: Vec<(f64, f64, f64)>, colour: usize) -> Option<Series> {
    if points.is_empty() {
        return None;
    }
    Some(
        Series::new(
            name,
            points.iter().map(|p| [p.0, p.1]).collect(),
            SeriesStyle::Markers,
        )
        .colour(colour)
        .y_error(
            points
                .iter()
                .map(|p| [p.1 - 1.96 * p.2, p.1 + 1.96 * p.2])
                .collect(),
        ),
    )
}

/// Fig. 4(c–e): the censored fit's para, seq, eff (± 1.96 se) in their panels, and
/// ΔF_rate (accepted temperatures) in the effective panel.
pub(crate) fn add_barrier_markers(
    censoring: &Censoring,
    rates: &Rates,
    para: &mut Panel,
    seq: &mut Panel,
    eff: &mut Panel,
) {
    type Get = fn(&LogNormalBarriers) -> (f64, f64);
    let of = |get: Get| -> Vec<(f64, f64, f64)> {
        censoring
            .temperatures
            .iter()
            .filter(|e| e.censored > 0)
            .filter_map(|e| {
                let (v, se) = get(e.barriers.as_ref()?);
                Some((e.temperature_k, v, se))
            })
            .collect()
    };
    let name = "censored log-normal MLE (± 1.96 se)";
    for (panel, get) in [
        (
            &mut *para,
            (|b: &LogNormalBarriers| (b.para_ev, b.para_se_ev)) as Get,
        ),
        (&mut *seq, |b: &LogNormalBarriers| (b.seq_ev, b.seq_se_ev)),
        (&mut *eff, |b: &LogNormalBarriers| (b.eff_ev, b.eff_se_ev)),
    ] {
        if let Some(s) = markers_with_se(name, of(get), 3) {
            panel.series.push(s);
            panel.empty = None;
        }
    }
    let rate: Vec<(f64, f64, f64)> = rates
        .temperatures
        .iter()
        .filter(|e| e.accepted)
        .filter_map(|e| Some((e.temperature_k, e.delta_f_rate_ev?, e.delta_f_rate_se_ev?)))
        .collect();
    if let Some(s) = markers_with_se(
        "ΔF_rate = k_BT ln(ν₀τ), boosted clock, KS p > 0.05 (± 1.96 se)",
        rate,
        5,
    ) {
        eff.series.push(s);
        eff.empty = None;
    }
}

/// Fig. 5: the measured rate 1/τ of each accepted temperature.
pub(crate) fn arrhenius_series(rates: &Rates) -> Option<Series> {
    let points: Vec<[f64; 2]> = rates
        .temperatures
        .iter()
        .filter(|e| e.accepted)
        .filter_map(|e| {
            let tau_s = e.fit.as_ref()?.tau_ps * 1e-12;
            Some([1000.0 / e.temperature_k, (1.0 / tau_s).log10()])
        })
        .collect();
    (!points.is_empty()).then(|| {
        Series::new(
            "boosted clock: 1/τ (KS p > 0.05)",
            points,
            SeriesStyle::Markers,
        )
        .colour(5)
    })
}

/// Notes for a figure: temperatures whose boosted-clock fit was rejected.
pub(crate) fn rejected_note(rates: &Rates) -> Option<String> {
    let rejected: Vec<String> = rates
        .temperatures
        .iter()
        .filter(|e| e.fit.is_some() && !e.accepted)
        .map(|e| format!("{} K", e.temperature_k))
        .collect();
    (!rejected.is_empty()).then(|| {
        format!(
            "boosted-clock rate not shown at {} (KS p ≤ {KS_ACCEPT_P}: hills too frequent)",
            rejected.join(", ")
        )
    })
}
