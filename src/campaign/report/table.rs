//! The report as a human-readable table (`betaglass stats`' standard output).

use std::fmt::Write as _;

use super::super::censoring;
use super::{CampaignReport, GroupKey, sort_f64};
use crate::analysis::barriers::{
    EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, Interval, LineFit, arrhenius_hz,
};

impl CampaignReport {
    /// The report as a human-readable table.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
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
                reason_suffix(&e.reason)
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
                    line_fit(&mut s, name, 8, fit);
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
}

/// `v` with `digits` decimals, or `-`.
pub(crate) fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(v) => format!("{v:.digits$}"),
        None => "-".into(),
    }
}

/// A row's `reason`, as the tables append it: `  (reason)`, or nothing.
pub(crate) fn reason_suffix(reason: &Option<String>) -> String {
    reason
        .as_ref()
        .map(|r| format!("  ({r})"))
        .unwrap_or_default()
}

/// One Eq. 7 fit as a line of the table (nothing without a fit), its name padded to `width`.
pub(crate) fn line_fit(s: &mut String, name: &str, width: usize, fit: &Option<LineFit>) {
    let Some(f) = fit else { return };
    let err = |e: Option<f64>, d: usize| e.map(|e| format!(" ± {e:.d$}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "  {name:<width$} ΔQ = {:.3}{} eV   ΔS = {:.2}{} k_B   R² = {:.4}   ({} temperatures)",
        f.dq_ev,
        err(f.dq_err_ev, 3),
        f.ds_kb,
        err(f.ds_err_kb, 2),
        f.r2,
        f.n
    );
}
