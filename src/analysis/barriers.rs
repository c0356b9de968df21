//! Statistics of sampled β-relaxation barriers: Yang et al., PRB 102, 174103 (2020), Eqs. 4–8.
//!
//! Metadynamics gives one free-energy barrier ΔF per sampled site. The paper reduces a
//! temperature's samples to a single barrier three ways: `para` (all sites are parallel
//! channels, so the fastest dominate: −k_BT ln⟨e^{−βΔF}⟩), `seq` (sites in series, so the
//! slowest dominate: +k_BT ln⟨e^{+βΔF}⟩) and their mean `eff`. It then fits a log-normal
//! to the barrier spectrum, fits ΔF(T) = ΔQ − TΔS over temperatures and turns ΔQ, ΔS into
//! an Arrhenius rate (Eq. 8). Everything here works in eV and kelvin, entropies in k_B.
//!
//! βΔF reaches ~100 at low temperature (1.5 eV at 200 K is 87), where e^{±βΔF} leaves the
//! f64 range, so every exponential average is taken as a log-sum-exp.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::system::units::BOLTZMANN_CODATA_EV_PER_K;

/// Attempt frequency ν₀ of Eq. 8 (Hz), the paper's choice.
pub const NU0_HZ: f64 = 2e12;
/// Activation energy of the experimental β-relaxation line the paper compares with (eV).
pub const EXPERIMENT_DQ_EV: f64 = 1.41;
/// Activation entropy of that experimental line (units of k_B).
pub const EXPERIMENT_DS_KB: f64 = -1.0;
/// Bootstrap resamples used when the caller has no reason to choose otherwise.
pub const DEFAULT_BOOTSTRAP: usize = 2000;
/// Upper quantile at which [`seq_lognormal_truncated_ev`] cuts the log-normal by default.
pub const DEFAULT_SEQ_QUANTILE: f64 = 0.999;

/// Relative accuracy the log-normal quadrature aims for in ⟨g(x)⟩; the barrier it
/// yields is then good to about this many k_BT (≈ 1e-12 eV at room temperature).
pub const LOGNORMAL_QUADRATURE_REL_TOL: f64 = 1e-10;

/// Why a barrier statistic could not be formed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("no barrier samples")]
    Empty,
    #[error("barrier sample at index {index} is {value}, which is not a finite number")]
    NonFinite { index: usize, value: f64 },
    #[error(
        "barrier sample at index {index} is {value} eV; a log-normal fit needs every barrier > 0"
    )]
    NonPositive { index: usize, value: f64 },
    #[error("temperature {0} K must be finite and > 0")]
    Temperature(f64),
    #[error("a ΔF(T) fit needs at least 2 distinct temperatures, got {0}")]
    TooFewTemperatures(usize),
    #[error(
        "log-normal parameters mu = {mu}, sigma = {sigma} are invalid (need finite, sigma >= 0)"
    )]
    LogNormal { mu: f64, sigma: f64 },
    #[error("quantile {0} must lie strictly between 0 and 1")]
    Quantile(f64),
}

/// A two-sided interval (eV).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub lo_ev: f64,
    pub hi_ev: f64,
}

impl Interval {
    pub fn contains(&self, value_ev: f64) -> bool {
        self.lo_ev <= value_ev && value_ev <= self.hi_ev
    }
}

/// Bootstrap 95 % percentile intervals of the per-temperature reductions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Intervals {
    pub mean_ev: Interval,
    pub para_ev: Interval,
    pub seq_ev: Interval,
    pub eff_ev: Interval,
    /// Number of resamples B behind the percentiles.
    pub resamples: usize,
    /// ChaCha8 seed, so an interval can be reproduced exactly.
    pub seed: u64,
}

/// Everything the paper reports for one temperature's barrier samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemperatureStats {
    pub temperature_k: f64,
    pub n: usize,
    pub mean_ev: f64,
    /// Population standard deviation (ddof 0), as in Fig. 3.
    pub std_ev: f64,
    /// Log-normal MLE: mean of ln(ΔF / 1 eV).
    pub lognormal_mu: f64,
    /// Log-normal MLE: population std of ln(ΔF / 1 eV).
    pub lognormal_sigma: f64,
    pub para_ev: f64,
    pub seq_ev: f64,
    pub eff_ev: f64,
    /// `para` of the fitted log-normal rather than of the samples (smooths over the few
    /// lowest barriers that dominate the sample `para`).
    pub para_lognormal_ev: f64,
    /// `None` when called with zero bootstrap resamples.
    pub ci95: Option<Intervals>,
}

/// Log-normal parameters of ΔF in eV: ln ΔF ~ N(mu, sigma²).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LogNormal {
    pub mu: f64,
    pub sigma: f64,
}

impl LogNormal {
    /// ⟨ΔF⟩ = exp(μ + σ²/2) (eV).
    pub fn mean_ev(&self) -> f64 {
        (self.mu + 0.5 * self.sigma * self.sigma).exp()
    }
}

/// Result of fitting ΔF(T) = ΔQ − T ΔS.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LineFit {
    pub dq_ev: f64,
    /// ΔS in units of k_B.
    pub ds_kb: f64,
    /// OLS standard error of ΔQ with n − 2 degrees of freedom; `None` for n = 2.
    pub dq_err_ev: Option<f64>,
    /// OLS standard error of ΔS (k_B); `None` for n = 2.
    pub ds_err_kb: Option<f64>,
    /// Coefficient of determination; 1 when the ΔF values do not vary at all.
    pub r2: f64,
    pub n: usize,
}

/// Running mean and population std after the first `n` samplings (Fig. 3 convergence).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RunningStat {
    pub n: usize,
    pub mean_ev: f64,
    pub std_ev: f64,
}

fn beta_per_ev(temperature_k: f64) -> Result<f64, StatsError> {
    if temperature_k.is_finite() && temperature_k > 0.0 {
        Ok(1.0 / (BOLTZMANN_CODATA_EV_PER_K * temperature_k))
    } else {
        Err(StatsError::Temperature(temperature_k))
    }
}

fn check_finite(samples_ev: &[f64]) -> Result<(), StatsError> {
    if samples_ev.is_empty() {
        return Err(StatsError::Empty);
    }
    match samples_ev.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NonFinite {
            index,
            value: samples_ev[index],
        }),
        None => Ok(()),
    }
}

fn check_positive(samples_ev: &[f64]) -> Result<(), StatsError> {
    check_finite(samples_ev)?;
    match samples_ev.iter().position(|&v| v <= 0.0) {
        Some(index) => Err(StatsError::NonPositive {
            index,
            value: samples_ev[index],
        }),
        None => Ok(()),
    }
}

fn check_lognormal(mu: f64, sigma: f64) -> Result<(), StatsError> {
    if mu.is_finite() && sigma.is_finite() && sigma >= 0.0 {
        Ok(())
    } else {
        Err(StatsError::LogNormal { mu, sigma })
    }
}

/// ln( (1/n) Σ exp(scale · x_i) ), shifted by the largest exponent so nothing overflows
/// and the dominant term is exactly representable.
fn log_mean_exp(samples_ev: &[f64], scale: f64) -> f64 {
    let top = samples_ev
        .iter()
        .map(|&x| scale * x)
        .fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = samples_ev.iter().map(|&x| (scale * x - top).exp()).sum();
    top + sum.ln() - (samples_ev.len() as f64).ln()
}

fn para_unchecked(samples_ev: &[f64], beta: f64) -> f64 {
    -log_mean_exp(samples_ev, -beta) / beta
}

fn seq_unchecked(samples_ev: &[f64], beta: f64) -> f64 {
    log_mean_exp(samples_ev, beta) / beta
}

/// ΔF_para = −k_BT ln⟨e^{−βΔF}⟩ (eV): the barrier of sites acting as parallel channels.
pub fn para_ev(samples_ev: &[f64], temperature_k: f64) -> Result<f64, StatsError> {
    check_finite(samples_ev)?;
    Ok(para_unchecked(samples_ev, beta_per_ev(temperature_k)?))
}

/// ΔF_seq = +k_BT ln⟨e^{+βΔF}⟩ (eV): the barrier of sites that must be crossed in series.
pub fn seq_ev(samples_ev: &[f64], temperature_k: f64) -> Result<f64, StatsError> {
    check_finite(samples_ev)?;
    Ok(seq_unchecked(samples_ev, beta_per_ev(temperature_k)?))
}

/// ΔF_eff = (ΔF_para + ΔF_seq) / 2 (eV).
pub fn eff_ev(samples_ev: &[f64], temperature_k: f64) -> Result<f64, StatsError> {
    check_finite(samples_ev)?;
    let beta = beta_per_ev(temperature_k)?;
    Ok(0.5 * (para_unchecked(samples_ev, beta) + seq_unchecked(samples_ev, beta)))
}

/// Maximum-likelihood log-normal: μ = mean(ln ΔF), σ = population std of ln ΔF.
pub fn lognormal_mle(samples_ev: &[f64]) -> Result<LogNormal, StatsError> {
    check_positive(samples_ev)?;
    let logs: Vec<f64> = samples_ev.iter().map(|x| x.ln()).collect();
    let (mu, sigma) = mean_std_unchecked(&logs);
    Ok(LogNormal { mu, sigma })
}

fn mean_std_unchecked(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// ΔF_para of a log-normal barrier spectrum: −k_BT ln ∫ p(x) e^{−βx} dx (eV), by the
/// quadrature of [`log_lognormal_expectation`] (relative error of the integral below
/// [`LOGNORMAL_QUADRATURE_REL_TOL`]). Finite for every σ, unlike its `seq` counterpart.
pub fn para_lognormal_ev(mu: f64, sigma: f64, temperature_k: f64) -> Result<f64, StatsError> {
    check_lognormal(mu, sigma)?;
    let beta = beta_per_ev(temperature_k)?;
    Ok(-log_lognormal_expectation(mu, sigma, f64::INFINITY, |u| -beta * u.exp()) / beta)
}

/// ΔF_seq of a log-normal truncated at its `upper_quantile` x_q = exp(μ + σ Φ⁻¹(q)):
/// k_BT ln ⟨e^{+βx} | x ≤ x_q⟩ (eV), i.e. the integral up to x_q divided by q.
///
/// The untruncated ⟨e^{+βx}⟩ diverges for any log-normal (its tail falls slower than any
/// exponential), so a log-normal `seq` exists only with a cut; the result depends on the
/// cut and grows with `upper_quantile`. Report the quantile with the number
/// ([`DEFAULT_SEQ_QUANTILE`] = 0.999 unless there is reason otherwise). Φ⁻¹ is good to
/// ~1e-9 relative, the quadrature as in [`para_lognormal_ev`].
pub fn seq_lognormal_truncated_ev(
    mu: f64,
    sigma: f64,
    temperature_k: f64,
    upper_quantile: f64,
) -> Result<f64, StatsError> {
    check_lognormal(mu, sigma)?;
    let beta = beta_per_ev(temperature_k)?;
    if !(upper_quantile > 0.0 && upper_quantile < 1.0) {
        return Err(StatsError::Quantile(upper_quantile));
    }
    let z_max = inverse_normal_cdf(upper_quantile);
    let log_mean = log_lognormal_expectation(mu, sigma, z_max, |u| beta * u.exp());
    Ok((log_mean - upper_quantile.ln()) / beta)
}

/// ln ∫_{−∞}^{z_max} φ(z) exp(log_g(μ + σz)) dz, i.e. ln⟨g(x); ln x ≤ μ + σ z_max⟩ for
/// ln x ~ N(μ, σ²), with `log_g` taking u = ln x.
///
/// Working in z = (ln x − μ)/σ and in logs keeps the integrand's scale (e^{−87} and
/// smaller for `para` at 200 K) out of the quadrature: a scan on a 1/32 grid finds the
/// peak h_max of the log-integrand h(z) and the span where h > h_max − 80 (widening the
/// window until that span is bracketed); outside it the integrand is below e^{−80} of its
/// peak. Composite Simpson on the span, with doubled panel counts until two successive
/// estimates agree to [`LOGNORMAL_QUADRATURE_REL_TOL`]/10, supplies the rest.
fn log_lognormal_expectation(mu: f64, sigma: f64, z_max: f64, log_g: impl Fn(f64) -> f64) -> f64 {
    const GRID: f64 = 1.0 / 32.0;
    const LOG_CUTOFF: f64 = 80.0;
    let log_norm = -0.5 * (2.0 * std::f64::consts::PI).ln();
    let h = |z: f64| log_norm - 0.5 * z * z + log_g(mu + sigma * z);
    let mut half_width: f64 = 64.0;
    loop {
        let (lo, hi) = (-half_width, z_max.min(half_width));
        let steps = (((hi - lo) / GRID).ceil() as usize).max(2);
        let zs: Vec<f64> = (0..=steps)
            .map(|k| lo + (hi - lo) * k as f64 / steps as f64)
            .collect();
        let hs: Vec<f64> = zs.iter().map(|&z| h(z)).collect();
        let h_max = hs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let first = hs.iter().position(|&v| v > h_max - LOG_CUTOFF).unwrap_or(0);
        let last = hs
            .iter()
            .rposition(|&v| v > h_max - LOG_CUTOFF)
            .unwrap_or(steps);
        let bracketed = first > 0 && (last < steps || hi >= z_max);
        if bracketed || half_width >= 1024.0 {
            let a = zs[first.saturating_sub(1)];
            let b = zs[(last + 1).min(steps)];
            let integral = simpson_converged(|z| (h(z) - h_max).exp(), a, b);
            return h_max + integral.ln();
        }
        half_width *= 2.0;
    }
}

fn simpson(f: &impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    let dz = (b - a) / panels as f64;
    let inner: f64 = (1..panels)
        .map(|k| {
            let w = if k % 2 == 1 { 4.0 } else { 2.0 };
            w * f(a + k as f64 * dz)
        })
        .sum();
    (f(a) + f(b) + inner) * dz / 3.0
}

fn simpson_converged(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let mut panels = 64;
    let mut previous = simpson(&f, a, b, panels);
    loop {
        panels *= 2;
        let current = simpson(&f, a, b, panels);
        // Simpson's error is ~(current − previous)/15, so this leaves a margin of ~150.
        if (current - previous).abs() <= 0.1 * LOGNORMAL_QUADRATURE_REL_TOL * current.abs()
            || panels >= 1 << 20
        {
            return current;
        }
        previous = current;
    }
}

/// Standard normal quantile Φ⁻¹(p), 0 < p < 1, by Acklam's rational approximation
/// (relative error below 1.15e-9), which is plenty for placing a truncation point.
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (-p).ln_1p()).sqrt())
    }
}

/// Linear-interpolated percentile (the "type 7" rule of R and NumPy) of sorted values.
fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < sorted.len() {
        sorted[i] + frac * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

/// Percentile bootstrap: B resamples of the n samples drawn with replacement from a
/// ChaCha8 stream seeded with `seed`; the 2.5 % and 97.5 % points of each statistic
/// (type-7 interpolation). `resamples` below 1 is taken as 1.
pub fn bootstrap_ci95(
    samples_ev: &[f64],
    temperature_k: f64,
    resamples: usize,
    seed: u64,
) -> Result<Intervals, StatsError> {
    check_finite(samples_ev)?;
    let beta = beta_per_ev(temperature_k)?;
    let resamples = resamples.max(1);
    let n = samples_ev.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = vec![0.0; n];
    let mut stats: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(resamples));
    for _ in 0..resamples {
        for slot in draw.iter_mut() {
            *slot = samples_ev[rng.random_range(0..n)];
        }
        let para = para_unchecked(&draw, beta);
        let seq = seq_unchecked(&draw, beta);
        stats[0].push(draw.iter().sum::<f64>() / n as f64);
        stats[1].push(para);
        stats[2].push(seq);
        stats[3].push(0.5 * (para + seq));
    }
    let [mean_ev, para_ev, seq_ev, eff_ev] = stats.map(|mut values| {
        values.sort_by(f64::total_cmp);
        Interval {
            lo_ev: percentile_sorted(&values, 0.025),
            hi_ev: percentile_sorted(&values, 0.975),
        }
    });
    Ok(Intervals {
        mean_ev,
        para_ev,
        seq_ev,
        eff_ev,
        resamples,
        seed,
    })
}

/// All per-temperature statistics of positive barrier samples, with `bootstrap`
/// resamples (0 skips the intervals; [`DEFAULT_BOOTSTRAP`] is the usual choice).
pub fn temperature_stats(
    temperature_k: f64,
    samples_ev: &[f64],
    bootstrap: usize,
    seed: u64,
) -> Result<TemperatureStats, StatsError> {
    check_positive(samples_ev)?;
    let beta = beta_per_ev(temperature_k)?;
    let (mean_ev, std_ev) = mean_std_unchecked(samples_ev);
    let fit = lognormal_mle(samples_ev)?;
    let para = para_unchecked(samples_ev, beta);
    let seq = seq_unchecked(samples_ev, beta);
    let ci95 = if bootstrap > 0 {
        Some(bootstrap_ci95(samples_ev, temperature_k, bootstrap, seed)?)
    } else {
        None
    };
    Ok(TemperatureStats {
        temperature_k,
        n: samples_ev.len(),
        mean_ev,
        std_ev,
        lognormal_mu: fit.mu,
        lognormal_sigma: fit.sigma,
        para_ev: para,
        seq_ev: seq,
        eff_ev: 0.5 * (para + seq),
        para_lognormal_ev: para_lognormal_ev(fit.mu, fit.sigma, temperature_k)?,
        ci95,
    })
}

/// Ordinary least squares of ΔF(T) = ΔQ − T ΔS over `(temperature_k, barrier_ev)` points.
///
/// Unweighted because the per-temperature barriers come from comparable sample counts;
/// standard errors use the residual variance with n − 2 degrees of freedom, so they
/// need n ≥ 3 (with two points the line is exact and says nothing of its scatter).
pub fn fit_entropy(points: &[(f64, f64)]) -> Result<LineFit, StatsError> {
    for (index, &(t, f)) in points.iter().enumerate() {
        beta_per_ev(t)?;
        if !f.is_finite() {
            return Err(StatsError::NonFinite { index, value: f });
        }
    }
    let n = points.len();
    let nf = n as f64;
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_f = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let stt: f64 = points.iter().map(|p| (p.0 - mean_t).powi(2)).sum();
    if n < 2 || stt <= 0.0 {
        let mut distinct: Vec<f64> = points.iter().map(|p| p.0).collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        return Err(StatsError::TooFewTemperatures(distinct.len()));
    }
    let stf: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_f)).sum();
    let slope = stf / stt;
    let intercept = mean_f - slope * mean_t;
    let ssr: f64 = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let sst: f64 = points.iter().map(|p| (p.1 - mean_f).powi(2)).sum();
    let (dq_err_ev, ds_err_kb) = if n > 2 {
        let s2 = ssr / (nf - 2.0);
        (
            Some((s2 * (1.0 / nf + mean_t * mean_t / stt)).sqrt()),
            Some((s2 / stt).sqrt() / BOLTZMANN_CODATA_EV_PER_K),
        )
    } else {
        (None, None)
    };
    Ok(LineFit {
        dq_ev: intercept,
        ds_kb: -slope / BOLTZMANN_CODATA_EV_PER_K,
        dq_err_ev,
        ds_err_kb,
        r2: if sst > 0.0 { 1.0 - ssr / sst } else { 1.0 },
        n,
    })
}

/// Eq. 8: ν(T) = ν₀ exp(ΔS/k_B) exp(−ΔQ/(k_BT)) in Hz (ν₀ usually [`NU0_HZ`]).
/// A non-positive temperature gives 0 Hz, the T → 0⁺ limit for ΔQ > 0.
pub fn arrhenius_hz(dq_ev: f64, ds_kb: f64, temperature_k: f64, nu0_hz: f64) -> f64 {
    if temperature_k <= 0.0 {
        return 0.0;
    }
    nu0_hz * (ds_kb - dq_ev / (BOLTZMANN_CODATA_EV_PER_K * temperature_k)).exp()
}

/// The experimental β-relaxation line the paper plots for comparison:
/// ΔE = [`EXPERIMENT_DQ_EV`], ΔS = [`EXPERIMENT_DS_KB`], ν₀ = [`NU0_HZ`].
pub fn experimental_arrhenius_hz(temperature_k: f64) -> f64 {
    arrhenius_hz(EXPERIMENT_DQ_EV, EXPERIMENT_DS_KB, temperature_k, NU0_HZ)
}

/// Running mean and population std after 1, 2, …, n samplings (Welford's update, which
/// stays accurate when the mean is large against the spread).
pub fn running_mean_std(samples_ev: &[f64]) -> Vec<RunningStat> {
    let (mut mean, mut m2) = (0.0, 0.0);
    samples_ev
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let n = i + 1;
            let delta = x - mean;
            mean += delta / n as f64;
            m2 += delta * (x - mean);
            RunningStat {
                n,
                mean_ev: mean,
                std_ev: (m2 / n as f64).max(0.0).sqrt(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::{fit_line, mean_and_std};
    use rand_distr::{Distribution, LogNormal as LogNormalDist, Normal};

    const KB: f64 = BOLTZMANN_CODATA_EV_PER_K;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn lognormal_draws(mu: f64, sigma: f64, n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let dist = LogNormalDist::new(mu, sigma).unwrap();
        (0..n).map(|_| dist.sample(rng)).collect()
    }

    /// ∫ p(x) g(x) dx by the trapezoid rule in x itself (not ln x) on a uniform grid: a
    /// different variable, rule and range from the module's quadrature.
    fn trapezoid_in_x(mu: f64, sigma: f64, g: impl Fn(f64) -> f64, x_max: f64, n: usize) -> f64 {
        let pdf = |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                let z = (x.ln() - mu) / sigma;
                (-0.5 * z * z).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
            }
        };
        let dx = x_max / n as f64;
        let inner: f64 = (1..n).map(|k| pdf(k as f64 * dx) * g(k as f64 * dx)).sum();
        (inner + 0.5 * pdf(x_max) * g(x_max)) * dx
    }

    #[test]
    fn barriers_para_seq_match_direct_evaluation() {
        let samples = [0.21, 0.35, 0.28, 0.52, 0.44, 0.31, 0.6, 0.25];
        for t in [300.0, 800.0, 1500.0] {
            let beta = 1.0 / (KB * t);
            let n = samples.len() as f64;
            let direct_para =
                -(samples.iter().map(|x| (-beta * x).exp()).sum::<f64>() / n).ln() / beta;
            let direct_seq =
                (samples.iter().map(|x| (beta * x).exp()).sum::<f64>() / n).ln() / beta;
            let para = para_ev(&samples, t).unwrap();
            let seq = seq_ev(&samples, t).unwrap();
            assert!((para - direct_para).abs() < 1e-13, "{para} {direct_para}");
            assert!((seq - direct_seq).abs() < 1e-13, "{seq} {direct_seq}");
            let eff = eff_ev(&samples, t).unwrap();
            assert!((eff - 0.5 * (direct_para + direct_seq)).abs() < 1e-13);
            // Jensen: min ≤ para ≤ mean ≤ seq ≤ max.
            let mean = samples.iter().sum::<f64>() / n;
            assert!(0.21 <= para && para <= mean && mean <= seq && seq <= 0.6);
        }
    }

    #[test]
    fn barriers_log_sum_exp_survives_beta_df_of_hundreds() {
        // All-equal samples: para = seq = ΔF exactly, whatever βΔF.
        for (df, t) in [(1.5, 200.0), (1.5, 1.5 / (100.0 * KB)), (5.0, 50.0)] {
            let samples = vec![df; 17];
            assert!(df / (KB * t) > 80.0);
            // Direct evaluation overflows or underflows here, the point of log-sum-exp.
            let direct = (samples.iter().map(|x| (x / (KB * t)).exp()).sum::<f64>()).ln();
            assert!(df < 2.0 || !direct.is_finite());
            for v in [
                para_ev(&samples, t).unwrap(),
                seq_ev(&samples, t).unwrap(),
                eff_ev(&samples, t).unwrap(),
            ] {
                assert!((v - df).abs() < 1e-12 * df, "{v} vs {df} at {t} K");
            }
        }
        // Two barriers a < b: para = a − k_BT ln((1 + e^{−βΔ})/2) and
        // seq = b + k_BT ln((1 + e^{−βΔ})/2), Δ = b − a, analytically.
        let (a, b, t) = (1.2, 1.6, 200.0);
        let kt = KB * t;
        let ln_half_1p = ((-(b - a) / kt).exp()).ln_1p() - 2f64.ln();
        let para = para_ev(&[b, a], t).unwrap();
        let seq = seq_ev(&[a, b], t).unwrap();
        assert!((para - (a - kt * ln_half_1p)).abs() < 1e-13, "{para}");
        assert!((seq - (b + kt * ln_half_1p)).abs() < 1e-13, "{seq}");
    }

    #[test]
    fn barriers_inverse_normal_matches_tabulated_quantiles() {
        // Standard normal quantiles from tables (e.g. NIST/SEMATECH, scipy.stats.norm.ppf).
        for (p, z) in [
            (0.975, 1.959_963_984_540_054),
            (0.999, 3.090_232_306_167_813),
            (0.99, 2.326_347_874_040_841),
            (0.05, -1.644_853_626_951_472),
            (0.001, -3.090_232_306_167_813),
            (0.5, 0.0),
        ] {
            let got = inverse_normal_cdf(p);
            assert!(
                (got - z).abs() < 5e-9 * z.abs().max(1.0),
                "{p}: {got} vs {z}"
            );
        }
    }

    #[test]
    fn barriers_lognormal_quadrature_reproduces_moments() {
        // ⟨x⟩ = exp(μ + σ²/2), ⟨x²⟩ = exp(2μ + 2σ²) and ⟨1⟩ = 1 through the same integrator.
        for (mu, sigma) in [
            (0.5f64.ln(), 0.3),
            (1.5f64.ln(), 0.8),
            (-3.0, 2.0),
            (0.1, 0.0),
        ] {
            let m0 = log_lognormal_expectation(mu, sigma, f64::INFINITY, |_| 0.0);
            let m1 = log_lognormal_expectation(mu, sigma, f64::INFINITY, |u| u);
            let m2 = log_lognormal_expectation(mu, sigma, f64::INFINITY, |u| 2.0 * u);
            assert!(m0.abs() < 1e-11, "{m0}");
            assert!((m1 - (mu + 0.5 * sigma * sigma)).abs() < 1e-11, "{m1}");
            assert!(
                (m2 - (2.0 * mu + 2.0 * sigma * sigma)).abs() < 1e-11,
                "{m2}"
            );
        }
        // Truncated normalisation: ∫_{−∞}^{Φ⁻¹(q)} φ = q.
        let z = inverse_normal_cdf(0.999);
        let mass = log_lognormal_expectation(0.0, 0.3, z, |_| 0.0).exp();
        assert!((mass - 0.999).abs() < 1e-9, "{mass}");
    }

    #[test]
    fn barriers_para_lognormal_matches_fine_trapezoid_in_x() {
        // Moderate (βe^μ ≈ 5.8) and hard (1.5 eV at 200 K, βe^μ ≈ 87, integrand peak far
        // out in the low tail at z ≈ −5.3) cases.
        for (mu, sigma, t) in [(0.5f64.ln(), 0.3, 1000.0), (1.5f64.ln(), 0.3, 200.0)] {
            let beta = 1.0 / (KB * t);
            let reference = trapezoid_in_x(mu, sigma, |x| (-beta * x).exp(), 10.0, 2_000_000);
            let para_ref = -reference.ln() / beta;
            let para = para_lognormal_ev(mu, sigma, t).unwrap();
            assert!(
                (para - para_ref).abs() < 1e-10 * KB * t,
                "{para} vs {para_ref}"
            );
            // Sanity: the log-normal para lies below its mean, as Jensen demands.
            assert!(para < (mu + 0.5 * sigma * sigma).exp());
        }
        // σ = 0 is a single barrier: para = e^μ.
        let p = para_lognormal_ev(0.8f64.ln(), 0.0, 300.0).unwrap();
        assert!((p - 0.8).abs() < 1e-12, "{p}");
    }

    #[test]
    fn barriers_para_lognormal_matches_monte_carlo() {
        let (mu, sigma, t) = (0.3f64.ln(), 0.4, 600.0);
        let beta = 1.0 / (KB * t);
        let draws = lognormal_draws(mu, sigma, 1_000_000, &mut rng(11));
        let w: Vec<f64> = draws.iter().map(|x| (-beta * x).exp()).collect();
        let (mean_w, std_w) = mean_and_std(&w).unwrap();
        let se = std_w / (w.len() as f64).sqrt();
        let quad = (-beta * para_lognormal_ev(mu, sigma, t).unwrap()).exp();
        assert!(
            (quad - mean_w).abs() < 4.0 * se,
            "{quad} vs {mean_w} ± {se}"
        );
        assert!(se < 2e-3 * mean_w, "Monte-Carlo check too weak: se {se}");
    }

    #[test]
    fn barriers_seq_lognormal_truncated_matches_trapezoid_and_grows_with_cut() {
        let (mu, sigma, t) = (0.5f64.ln(), 0.3, 1000.0);
        let beta = 1.0 / (KB * t);
        let q = DEFAULT_SEQ_QUANTILE;
        // x_q from the tabulated Φ⁻¹(0.999), independent of the module's approximation.
        let x_q = (mu + sigma * 3.090_232_306_167_813).exp();
        let reference = trapezoid_in_x(mu, sigma, |x| (beta * x).exp(), x_q, 2_000_000) / q;
        let seq_ref = reference.ln() / beta;
        let seq = seq_lognormal_truncated_ev(mu, sigma, t, q).unwrap();
        // The trapezoid's O(dx²) error at the cut (integrand non-zero there) dominates.
        assert!((seq - seq_ref).abs() < 1e-8 * KB * t, "{seq} vs {seq_ref}");
        let mut last = f64::NEG_INFINITY;
        for q in [0.9, 0.99, 0.999, 0.9999] {
            let s = seq_lognormal_truncated_ev(mu, sigma, t, q).unwrap();
            // A mean of e^{βx} over x ≤ x_q cannot exceed the barrier at the cut.
            let cut = (mu + sigma * inverse_normal_cdf(q)).exp();
            assert!(s > last && s < cut, "q={q}: {s} vs cut {cut}");
            last = s;
        }
        // At βΔF ≈ 87 the result stays finite and below the cut barrier.
        let hard = seq_lognormal_truncated_ev(1.5f64.ln(), 0.3, 200.0, q).unwrap();
        let hard_cut = (1.5f64.ln() + 0.3 * 3.090_232_306_167_813).exp();
        assert!(hard.is_finite() && hard > 1.5 && hard < hard_cut, "{hard}");
        assert_eq!(
            seq_lognormal_truncated_ev(mu, sigma, t, 1.0),
            Err(StatsError::Quantile(1.0))
        );
    }

    #[test]
    fn barriers_mle_recovers_parameters_with_one_over_sqrt_n_error() {
        let (mu, sigma) = (0.8f64.ln(), 0.35);
        let mut r = rng(3);
        for n in [50usize, 500, 5000] {
            let reps = 100;
            let (mut se_mu, mut se_sigma) = (0.0, 0.0);
            for _ in 0..reps {
                let fit = lognormal_mle(&lognormal_draws(mu, sigma, n, &mut r)).unwrap();
                se_mu += (fit.mu - mu).powi(2);
                se_sigma += (fit.sigma - sigma).powi(2);
            }
            // RMS error × √n should sit at σ (for μ̂) and σ/√2 (for σ̂), for every n.
            let rms_mu = (se_mu / reps as f64).sqrt() * (n as f64).sqrt();
            let rms_sigma = (se_sigma / reps as f64).sqrt() * (n as f64).sqrt();
            assert!((rms_mu / sigma - 1.0).abs() < 0.25, "n={n}: {rms_mu}");
            assert!(
                (rms_sigma / (sigma / 2f64.sqrt()) - 1.0).abs() < 0.25,
                "n={n}: {rms_sigma}"
            );
        }
    }

    #[test]
    fn barriers_bad_inputs_are_named() {
        let err = lognormal_mle(&[0.3, 0.4, -0.1, 0.2]).unwrap_err();
        assert_eq!(
            err,
            StatsError::NonPositive {
                index: 2,
                value: -0.1
            }
        );
        let text = err.to_string();
        assert!(text.contains("index 2") && text.contains("-0.1"), "{text}");
        let nan = temperature_stats(300.0, &[0.3, f64::NAN], 10, 1).unwrap_err();
        assert!(
            matches!(nan, StatsError::NonFinite { index: 1, value } if value.is_nan()),
            "{nan}"
        );
        assert_eq!(para_ev(&[], 300.0), Err(StatsError::Empty));
        assert_eq!(seq_ev(&[0.5], 0.0), Err(StatsError::Temperature(0.0)));
        assert_eq!(
            temperature_stats(300.0, &[0.5, 0.0], 0, 1),
            Err(StatsError::NonPositive {
                index: 1,
                value: 0.0
            })
        );
        assert_eq!(
            fit_entropy(&[(300.0, 0.5)]),
            Err(StatsError::TooFewTemperatures(1))
        );
        assert_eq!(
            fit_entropy(&[(300.0, 0.5), (300.0, 0.6)]),
            Err(StatsError::TooFewTemperatures(1))
        );
        assert_eq!(
            para_lognormal_ev(0.0, -1.0, 300.0),
            Err(StatsError::LogNormal {
                mu: 0.0,
                sigma: -1.0
            })
        );
    }

    #[test]
    fn barriers_bootstrap_interval_covers_true_mean() {
        // 200 data sets of n = 50 from LN(ln 0.5, 0.3); the nominal 95 % percentile
        // interval of the mean should contain exp(μ + σ²/2) in roughly 88–99 % of them.
        let (mu, sigma) = (0.5f64.ln(), 0.3);
        let true_mean = (mu + 0.5 * sigma * sigma).exp();
        let mut r = rng(2020);
        let sets = 200;
        let mut covered = 0;
        for k in 0..sets {
            let data = lognormal_draws(mu, sigma, 50, &mut r);
            let ci = bootstrap_ci95(&data, 400.0, 500, k).unwrap();
            covered += usize::from(ci.mean_ev.contains(true_mean));
            assert!(ci.para_ev.hi_ev <= ci.seq_ev.hi_ev && ci.para_ev.lo_ev <= ci.seq_ev.lo_ev);
        }
        let coverage = covered as f64 / sets as f64;
        assert!((0.88..=0.99).contains(&coverage), "coverage {coverage}");
    }

    #[test]
    fn barriers_temperature_stats_are_consistent_and_reproducible() {
        let data = lognormal_draws(0.6f64.ln(), 0.35, 120, &mut rng(8));
        let t = 500.0;
        let s = temperature_stats(t, &data, DEFAULT_BOOTSTRAP, 42).unwrap();
        assert_eq!(
            s,
            temperature_stats(t, &data, DEFAULT_BOOTSTRAP, 42).unwrap()
        );
        let (mean, std) = mean_and_std(&data).unwrap();
        assert!((s.mean_ev - mean).abs() < 1e-14 && (s.std_ev - std).abs() < 1e-14);
        assert_eq!(s.n, 120);
        assert_eq!(s.para_ev, para_ev(&data, t).unwrap());
        assert_eq!(s.seq_ev, seq_ev(&data, t).unwrap());
        assert!((s.eff_ev - 0.5 * (s.para_ev + s.seq_ev)).abs() < 1e-15);
        let ci = s.ci95.unwrap();
        assert_eq!(ci.resamples, DEFAULT_BOOTSTRAP);
        assert!(ci.mean_ev.contains(s.mean_ev) && ci.para_ev.contains(s.para_ev));
        assert!(ci.seq_ev.contains(s.seq_ev) && ci.eff_ev.contains(s.eff_ev));
        // The fitted log-normal's para sits near the samples' para (same spectrum).
        assert!((s.para_lognormal_ev - s.para_ev).abs() < 0.1, "{s:?}");
        assert!(temperature_stats(t, &data, 0, 42).unwrap().ci95.is_none());
    }

    #[test]
    fn barriers_entropy_fit_recovers_exact_lines() {
        let (dq, ds_kb) = (0.9, 3.0);
        let line = |t: f64| dq - t * ds_kb * KB;
        let points: Vec<(f64, f64)> = (0..7)
            .map(|i| 200.0 + 100.0 * i as f64)
            .map(|t| (t, line(t)))
            .collect();
        let fit = fit_entropy(&points).unwrap();
        assert!(
            (fit.dq_ev - dq).abs() < 1e-12 && (fit.ds_kb - ds_kb).abs() < 1e-9,
            "{fit:?}"
        );
        assert!(fit.dq_err_ev.unwrap() < 1e-12 && fit.ds_err_kb.unwrap() < 1e-8);
        assert!((fit.r2 - 1.0).abs() < 1e-12 && fit.n == 7);
        let two = fit_entropy(&[(300.0, line(300.0)), (700.0, line(700.0))]).unwrap();
        assert!((two.dq_ev - dq).abs() < 1e-12 && (two.ds_kb - ds_kb).abs() < 1e-9);
        assert_eq!((two.dq_err_ev, two.ds_err_kb), (None, None));
    }

    #[test]
    fn barriers_entropy_fit_errors_match_scatter() {
        // 1000 noisy lines of 8 temperatures, noise 0.01 eV: the reported standard errors
        // must match the true spread of the estimates, and (estimate − truth)/SE must
        // follow Student's t with 6 dof (|t| < 2.4469 in 95 % of fits).
        let (dq, ds_kb, noise_ev) = (1.1, -2.0, 0.01);
        let temps: Vec<f64> = (0..8).map(|i| 250.0 + 75.0 * i as f64).collect();
        let normal = Normal::new(0.0, noise_ev).unwrap();
        let mut r = rng(77);
        let reps = 1000;
        let (mut dq_sq, mut ds_sq, mut dq_se_sq, mut ds_se_sq, mut inside) =
            (0.0, 0.0, 0.0, 0.0, 0);
        for _ in 0..reps {
            let points: Vec<(f64, f64)> = temps
                .iter()
                .map(|&t| (t, dq - t * ds_kb * KB + normal.sample(&mut r)))
                .collect();
            let fit = fit_entropy(&points).unwrap();
            dq_sq += (fit.dq_ev - dq).powi(2);
            ds_sq += (fit.ds_kb - ds_kb).powi(2);
            dq_se_sq += fit.dq_err_ev.unwrap().powi(2);
            ds_se_sq += fit.ds_err_kb.unwrap().powi(2);
            inside += usize::from(((fit.dq_ev - dq) / fit.dq_err_ev.unwrap()).abs() < 2.4469);
        }
        let reps_f = reps as f64;
        // Textbook OLS variances with the true noise, independent of the residuals.
        let n = temps.len() as f64;
        let mean_t = temps.iter().sum::<f64>() / n;
        let stt: f64 = temps.iter().map(|t| (t - mean_t).powi(2)).sum();
        let var_dq = noise_ev.powi(2) * (1.0 / n + mean_t * mean_t / stt);
        let var_ds = noise_ev.powi(2) / stt / (KB * KB);
        for (observed, reported, truth) in [
            (dq_sq / reps_f, dq_se_sq / reps_f, var_dq),
            (ds_sq / reps_f, ds_se_sq / reps_f, var_ds),
        ] {
            assert!(
                (observed / truth - 1.0).abs() < 0.15,
                "{observed} vs {truth}"
            );
            assert!(
                (reported / truth - 1.0).abs() < 0.1,
                "{reported} vs {truth}"
            );
        }
        let frac = inside as f64 / reps_f;
        assert!((0.93..=0.97).contains(&frac), "t coverage {frac}");
    }

    #[test]
    fn barriers_arrhenius_is_linear_in_inverse_temperature() {
        let (dq, ds_kb) = (0.95, 2.5);
        let temps = [150.0, 200.0, 300.0, 450.0, 700.0];
        let points: Vec<(f64, f64)> = temps
            .iter()
            .map(|&t| (1.0 / t, arrhenius_hz(dq, ds_kb, t, NU0_HZ).ln()))
            .collect();
        let (intercept, slope) = fit_line(&points).unwrap();
        assert!((slope - (-dq / KB)).abs() < 1e-8 * dq / KB, "{slope}");
        assert!(
            (intercept - (NU0_HZ.ln() + ds_kb)).abs() < 1e-9,
            "{intercept}"
        );
        // Going back through ΔF(T) = −k_BT ln(ν/ν₀) and the entropy fit returns ΔQ, ΔS.
        let barriers: Vec<(f64, f64)> = temps
            .iter()
            .map(|&t| (t, -KB * t * (experimental_arrhenius_hz(t) / NU0_HZ).ln()))
            .collect();
        let fit = fit_entropy(&barriers).unwrap();
        assert!((fit.dq_ev - EXPERIMENT_DQ_EV).abs() < 1e-12, "{fit:?}");
        assert!((fit.ds_kb - EXPERIMENT_DS_KB).abs() < 1e-9, "{fit:?}");
        // ν = 1 Hz where ΔQ/(k_BT) = ln ν₀ + ΔS/k_B.
        let t_1hz = EXPERIMENT_DQ_EV / (KB * (NU0_HZ.ln() + EXPERIMENT_DS_KB));
        assert!((experimental_arrhenius_hz(t_1hz) - 1.0).abs() < 1e-12);
        assert_eq!(arrhenius_hz(dq, ds_kb, 0.0, NU0_HZ), 0.0);
    }

    #[test]
    fn barriers_running_mean_std_match_prefix_recomputation() {
        // Large offset against a small spread: a naive Σx² would lose digits here.
        let data: Vec<f64> = lognormal_draws(0.0, 0.2, 300, &mut rng(5))
            .into_iter()
            .map(|x| 1e4 + x)
            .collect();
        let running = running_mean_std(&data);
        assert_eq!(running.len(), data.len());
        for r in &running {
            let (mean, std) = mean_and_std(&data[..r.n]).unwrap();
            assert!(
                (r.mean_ev - mean).abs() < 1e-10 && (r.std_ev - std).abs() < 1e-9,
                "{r:?}"
            );
        }
        assert_eq!(running[0].std_ev, 0.0);
        assert!(running_mean_std(&[]).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn barriers_reductions_are_ordered(
            samples in proptest::collection::vec(0.01f64..3.0, 1..40),
            t in 20.0f64..3000.0,
        ) {
            let (lo, hi) = samples.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            let mean = samples.iter().sum::<f64>() / samples.len() as f64;
            let para = para_ev(&samples, t).unwrap();
            let seq = seq_ev(&samples, t).unwrap();
            let tol = 1e-12;
            proptest::prop_assert!(lo - tol <= para && para <= mean + tol);
            proptest::prop_assert!(mean - tol <= seq && seq <= hi + tol);
        }
    }
}
