//! An ART run as a report: its totals, the statistics of ΔQ, ΔE and the harmonic prefactors
//! of the kept saddles, and the spectrum figure (the paper's Fig. 4b, 0 K side). Read back
//! from the run's folder, so `betaglass art`, `betaglass stats` and the app show one set of
//! numbers, and the mean ΔQ can be set beside the campaign's ΔF(T) extrapolated to 0 K.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::store::{
    EventRow, ExplorationRow, RunSummary, StoreError, read_events, read_explorations,
};
use crate::analysis::figure::{Figure, Panel, Series, SeriesStyle};

/// Default width of the spectrum's bins (eV).
pub const DEFAULT_BIN_WIDTH_EV: f64 = 0.1;

/// Count, mean, sample standard deviation (n − 1), median and range of a set of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Moments {
    pub count: usize,
    pub mean: f64,
    /// `None` for a single value.
    pub std: Option<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Moments {
    /// `None` for no finite value (non-finite ones are left out).
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = (n > 1)
            .then(|| (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        Some(Self {
            count: n,
            mean,
            std,
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    /// Standard error of the mean, `None` for a single value.
    pub fn standard_error(&self) -> Option<f64> {
        self.std.map(|s| s / (self.count as f64).sqrt())
    }
}

/// What a run of ART explorations found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArtReport {
    /// The run's folder, when read from one.
    pub source: Option<String>,
    pub summary: RunSummary,
    /// ΔQ = E_saddle − E_initial over the kept (distinct) saddles (eV).
    pub delta_q_ev: Option<Moments>,
    /// ΔE = E_final − E_initial (eV).
    pub delta_e_ev: Option<Moments>,
    /// log₁₀ of the Vineyard prefactor ν* (Hz) of the saddles that have one.
    pub log10_prefactor_hz: Option<Moments>,
    /// Kept saddles by the class of their motion.
    pub classes: BTreeMap<String, usize>,
    /// ΔQ of each kept saddle (eV), in event order.
    pub delta_q_values_ev: Vec<f64>,
    pub delta_e_values_ev: Vec<f64>,
    /// log₁₀(ν*/Hz) of each saddle with a prefactor.
    pub log10_prefactor_values: Vec<f64>,
}

impl ArtReport {
    pub fn new(events: &[EventRow], explorations: &[ExplorationRow], bin_width_ev: f64) -> Self {
        let dq: Vec<f64> = events.iter().map(|e| e.delta_q_ev).collect();
        let de: Vec<f64> = events.iter().map(|e| e.delta_e_ev).collect();
        let log_nu: Vec<f64> = events
            .iter()
            .filter_map(|e| e.prefactor_hz)
            .filter(|&nu| nu > 0.0)
            .map(f64::log10)
            .collect();
        let mut classes = BTreeMap::new();
        for e in events {
            *classes.entry(e.class.clone()).or_insert(0) += 1;
        }
        Self {
            source: None,
            summary: RunSummary::new(events, explorations, bin_width_ev),
            delta_q_ev: Moments::of(&dq),
            delta_e_ev: Moments::of(&de),
            log10_prefactor_hz: Moments::of(&log_nu),
            log10_prefactor_values: log_nu,
            classes,
            delta_q_values_ev: dq,
            delta_e_values_ev: de,
        }
    }

    /// Reads `dir/events.csv` and `dir/explorations.csv`.
    pub fn read(dir: &Path, bin_width_ev: f64) -> Result<Self, StoreError> {
        let (events, explorations) = read_run_rows(dir)?;
        Ok(Self::of_run(dir, &events, &explorations, bin_width_ev))
    }

    /// The report of the rows [`read_run_rows`] read from `dir`.
    pub fn of_run(
        dir: &Path,
        events: &[EventRow],
        explorations: &[ExplorationRow],
        bin_width_ev: f64,
    ) -> Self {
        let mut report = Self::new(events, explorations, bin_width_ev);
        report.source = Some(dir.display().to_string());
        report
    }

    /// The report as plain text (what `betaglass stats ART_DIR` prints).
    pub fn to_table(&self) -> String {
        let s = &self.summary;
        let mut t = String::new();
        if let Some(src) = &self.source {
            t.push_str(&format!("ART run: {src}\n"));
        }
        t.push_str(&format!(
            "explorations {}: {} saddle(s) kept, {} duplicate(s), success rate {:.1} %\n",
            s.explorations,
            s.saddles_kept,
            s.duplicates,
            100.0 * s.success_rate
        ));
        if !s.failures.is_empty() {
            let f: Vec<String> = s.failures.iter().map(|(k, n)| format!("{k} {n}")).collect();
            t.push_str(&format!("failures: {}\n", f.join(", ")));
        }
        let line = |name: &str, m: &Option<Moments>, unit: &str| match m {
            Some(m) => format!(
                "{name:<18} n {:>4}  mean {:>8.4}{}  std {:>7}  median {:>8.4}  range [{:.4}, {:.4}]{unit}\n",
                m.count,
                m.mean,
                m.standard_error()
                    .map(|e| format!(" ± {e:.4}"))
                    .unwrap_or_default(),
                m.std.map(|x| format!("{x:.4}")).unwrap_or("-".into()),
                m.median,
                m.min,
                m.max
            ),
            None => format!("{name:<18} none\n"),
        };
        t.push_str(&line("ΔQ (eV)", &self.delta_q_ev, " eV"));
        t.push_str(&line("ΔE (eV)", &self.delta_e_ev, " eV"));
        t.push_str(&line("log10(ν*/Hz)", &self.log10_prefactor_hz, ""));
        if !self.classes.is_empty() {
            let c: Vec<String> = self
                .classes
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            t.push_str(&format!("classes: {}\n", c.join(", ")));
        }
        if let (Some(c), Some(w)) = (s.mean_force_calls_per_saddle, s.search_wall_s_per_saddle) {
            t.push_str(&format!(
                "cost: {c:.0} force calls from push to saddle (mean over kept saddles); {w:.2} s of search per verified saddle (all explorations' search time / verified saddles)\n"
            ));
        }
        if let (Some(all), Some(local), Some(full), Some(w)) = (
            s.force_calls_per_verified_saddle,
            s.local_force_calls_per_verified_saddle,
            s.full_force_calls_per_verified_saddle,
            s.wall_s_per_verified_saddle,
        ) {
            t.push_str(&format!(
                "per verified saddle, failed explorations included: {all:.0} force calls ({local:.0} local, {full:.0} full system), {w:.2} s of exploration wall time\n"
            ));
        }
        t.push_str("\nΔQ spectrum\n  bin (eV)        count\n");
        for (lo, hi, n) in &s.spectrum.bins {
            let row = format!("  {lo:>5.2}–{hi:<5.2}  {n:>6}  {}", "#".repeat(*n));
            t.push_str(row.trim_end());
            t.push('\n');
        }
        t
    }

    /// The spectrum figure: (a) ΔQ histogram with its mean, (b) ΔE histogram, (c) log₁₀ ν*
    /// histogram when prefactors were computed.
    pub fn figure(&self) -> Figure {
        let width = self.summary.spectrum.bin_width_ev;
        let mut dq = histogram_panel(
            "(a) ΔQ = E_saddle − E_initial",
            "ΔQ (eV)",
            &self.delta_q_values_ev,
            width,
            0,
        );
        if let Some(m) = &self.delta_q_ev {
            let top = self
                .summary
                .spectrum
                .bins
                .iter()
                .map(|b| b.2)
                .max()
                .unwrap_or(1) as f64;
            dq.series.push(
                Series::new(
                    format!("mean {:.3} eV (n = {})", m.mean, m.count),
                    vec![[m.mean, 0.0], [m.mean, 1.05 * top]],
                    SeriesStyle::Dashed,
                )
                .colour(1),
            );
        }
        let de = histogram_panel(
            "(b) ΔE = E_final − E_initial",
            "ΔE (eV)",
            &self.delta_e_values_ev,
            width,
            2,
        );
        let mut panels = vec![dq, de];
        if let Some(m) = &self.log10_prefactor_hz {
            let mut p = Panel::new("(c) Vineyard prefactors ν*", "log₁₀(ν* / Hz)", "saddles");
            p.series.push(
                Series::new(
                    format!("geometric mean 10^{:.2} Hz (n = {})", m.mean, m.count),
                    bin_counts(&self.log10_prefactor_values, 0.25),
                    SeriesStyle::Bars { width: 0.25 },
                )
                .colour(3),
            );
            panels.push(p);
        }
        let s = &self.summary;
        let mut notes = vec![format!(
            "{} explorations, {} kept saddles, {} duplicates, success rate {:.1} %",
            s.explorations,
            s.saddles_kept,
            s.duplicates,
            100.0 * s.success_rate
        )];
        if self.delta_q_ev.is_none() {
            notes.push("no saddle kept: nothing to histogram".into());
        }
        Figure {
            name: "art_spectrum".into(),
            title: "ART nouveau at 0 K: barrier spectrum of the cluster".into(),
            columns: panels.len(),
            panels,
            notes,
        }
    }
}

/// `dir/events.csv` and `dir/explorations.csv`; an error when no exploration is recorded (not
/// an ART run's folder, or one that has not finished an exploration yet).
pub fn read_run_rows(dir: &Path) -> Result<(Vec<EventRow>, Vec<ExplorationRow>), StoreError> {
    let explorations = read_explorations(&dir.join("explorations.csv"))?;
    if explorations.is_empty() {
        return Err(StoreError {
            file: dir.join("explorations.csv").display().to_string(),
            line: 0,
            message: "no exploration recorded: not an ART run's folder (betaglass art --output), or one that has not finished an exploration yet".into(),
        });
    }
    Ok((read_events(&dir.join("events.csv"))?, explorations))
}

/// Histogram bars (centre, count) of `values` in bins of `width` from 0 (or below, for
/// negative values) upward.
fn bin_counts(values: &[f64], width: f64) -> Vec<[f64; 2]> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for v in values.iter().filter(|v| v.is_finite()) {
        *counts.entry((v / width).floor() as i64).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .map(|(k, n)| [(k as f64 + 0.5) * width, n as f64])
        .collect()
}

fn histogram_panel(title: &str, x_label: &str, values: &[f64], width: f64, colour: usize) -> Panel {
    let mut p = Panel::new(title, x_label, "saddles");
    if values.is_empty() {
        p.empty = Some("no saddle kept".into());
    } else {
        p.series.push(
            Series::new(
                format!("{} saddles", values.len()),
                bin_counts(values, width),
                SeriesStyle::Bars { width },
            )
            .colour(colour),
        );
    }
    p
}

/// Whether `path` is an ART run's folder (it holds `explorations.csv` and no campaign's
/// `samplings.csv`).
pub fn is_art_run(path: &Path) -> bool {
    path.is_dir() && path.join("explorations.csv").is_file() && !path.join("samplings.csv").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize, dq: f64, de: f64, class: &str, nu: Option<f64>) -> EventRow {
        EventRow {
            event: n,
            exploration: n as u64,
            delta_q_ev: dq,
            delta_e_ev: de,
            force_calls: 1000,
            class: class.into(),
            saddle_file: format!("saddles/{n:04}.data"),
            final_file: format!("minima/{n:04}.data"),
            prefactor_hz: nu,
            saddle_energy_ev: dq,
            final_energy_ev: de,
            saddle_max_force_ev_per_angstrom: 0.005,
            lowest_eigenvalue_ev_per_angstrom2: -0.3,
            second_eigenvalue_ev_per_angstrom2: 0.01,
            force_calls_total: 2000,
            arrows: 3,
        }
    }

    fn exploration(k: u64, outcome: &str, event: Option<usize>) -> ExplorationRow {
        ExplorationRow {
            exploration: k,
            seed: 1,
            outcome: outcome.into(),
            event,
            force_calls: 1500,
            search_wall_s: 10.0,
            wall_s: 12.0,
            local_force_calls: 1000,
            full_force_calls: 500,
        }
    }

    #[test]
    fn moments_match_hand_computed_values() {
        let m = Moments::of(&[1.0, 2.0, 4.0, f64::NAN]).unwrap();
        assert_eq!((m.count, m.min, m.max, m.median), (3, 1.0, 4.0, 2.0));
        assert!((m.mean - 7.0 / 3.0).abs() < 1e-15);
        // Σ(x − x̄)² = 16/9 + 1/9 + 25/9 = 14/3, over n − 1 = 2.
        assert!((m.std.unwrap() - (7.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(Moments::of(&[1.0, 3.0]).unwrap().median, 2.0);
        assert_eq!(Moments::of(&[5.0]).unwrap().std, None);
        assert_eq!(Moments::of(&[]), None);
    }

    #[test]
    fn report_counts_outcomes_classes_and_draws_every_saddle_once() {
        let events = vec![
            event(1, 0.55, 0.10, "other", Some(1e13)),
            event(2, 1.25, -0.20, "string", Some(1e14)),
            event(3, 1.31, 0.40, "string", None),
        ];
        let explorations = vec![
            exploration(0, "saddle", Some(1)),
            exploration(1, "lost_mode", None),
            exploration(2, "saddle", Some(2)),
            exploration(3, "duplicate", Some(2)),
            exploration(4, "saddle", Some(3)),
        ];
        let r = ArtReport::new(&events, &explorations, 0.1);
        assert_eq!(r.summary.explorations, 5);
        assert!((r.summary.success_rate - 0.8).abs() < 1e-15);
        assert!((r.delta_q_ev.unwrap().mean - (0.55 + 1.25 + 1.31) / 3.0).abs() < 1e-15);
        assert_eq!(r.classes.get("string"), Some(&2));
        let nu = r.log10_prefactor_hz.unwrap();
        assert_eq!(nu.count, 2);
        assert!((nu.mean - 13.5).abs() < 1e-12);
        let fig = r.figure();
        assert_eq!(fig.panels.len(), 3);
        let bars = &fig.panels[0].series[0];
        assert_eq!(bars.points.iter().map(|p| p[1]).sum::<f64>(), 3.0);
        // 1.25 falls in the 1.2–1.3 bin, 1.31 in 1.3–1.4.
        assert!(
            bars.points
                .iter()
                .any(|p| (p[0] - 1.25).abs() < 1e-12 && p[1] == 1.0)
        );
        let mean_line = &fig.panels[0].series[1];
        assert!((mean_line.points[0][0] - r.delta_q_ev.unwrap().mean).abs() < 1e-15);
        // ΔE can be negative: its bins reach below 0.
        assert!(fig.panels[1].series[0].points.iter().any(|p| p[0] < 0.0));
        let table = r.to_table();
        assert!(
            table.contains("success rate 80.0 %") && table.contains("lost_mode 1"),
            "{table}"
        );
        let none = ArtReport::new(&[], &explorations[1..2], 0.1);
        assert!(none.figure().panels[0].empty.is_some() && none.delta_q_ev.is_none());
    }
}
