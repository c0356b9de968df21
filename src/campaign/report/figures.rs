//! The report as the paper's Figs. 2–5, plain [`Figure`]s.

use std::collections::BTreeMap;

use super::super::censoring;
use super::{ArrheniusRow, CampaignReport, CutoffPoint, MeasuredRate, TemperatureEntry, sort_f64};
use crate::analysis::barriers::{EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, Interval, LineFit};
use crate::analysis::figure::{Figure, Panel, Series, SeriesStyle};
use crate::system::units::BOLTZMANN_CODATA_EV_PER_K;

impl CampaignReport {
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
                        p.series.push(
                            Series::new(
                                format!("log-normal fit μ = {mu:.3}, σ = {sigma:.3}"),
                                lognormal_curve(mu, sigma, x_range),
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

/// The log-normal density at 301 evenly spaced x of `x_range` (those > 0), for a spectrum's
/// panel.
pub(crate) fn lognormal_curve(mu: f64, sigma: f64, x_range: [f64; 2]) -> Vec<[f64; 2]> {
    let steps = 300;
    (0..=steps)
        .map(|k| x_range[0] + (x_range[1] - x_range[0]) * k as f64 / steps as f64)
        .filter(|&x| x > 0.0)
        .map(|x| [x, lognormal_pdf(x, mu, sigma)])
        .collect()
}

/// The log-normal density p(x) = exp(−(ln x − μ)²/2σ²) / (x σ √(2π)), x > 0 (1/eV).
pub fn lognormal_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x.ln() - mu) / sigma;
    (-0.5 * z * z).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

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
