//! Rates from the boosted clock: infrequent metadynamics (Tiwary & Parrinello, PRL 111,
//! 230602 (2013)) and its statistical check (Salvalaglio, Tiwary & Parrinello, JCTC 10,
//! 1420 (2014)).
//!
//! When hills are added rarely compared with the time the system takes to cross the
//! transition state, the bias never touches the barrier top, and the boosted time
//! t = Σ Δt·e^{βV} of the first escape is a sample of the unbiased escape time. Escapes
//! over one barrier are a Poisson process, so the times of independent samplings follow
//! P(t) = 1 − e^{−t/τ}. Following Salvalaglio et al., τ is fitted to the empirical CDF and
//! compared with the mean and median/ln 2 (all three agree for exponential data), and the
//! fit is trusted only if a one-sample Kolmogorov–Smirnov test against that exponential
//! gives p > [`KS_ACCEPT_P`]. A deposition too fast for the crossing shows up as times that
//! are not exponential (too narrow a distribution, mean ≫ median/ln 2), which the test
//! rejects.
//!
//! With τ, transition-state theory's ν = ν₀e^{−ΔF/k_BT} = 1/τ gives a third single barrier
//! beside Eqs. 4–6: ΔF_rate = k_BT ln(ν₀τ).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::system::units::BOLTZMANN_CODATA_EV_PER_K;

/// The significance level below which the exponential is rejected.
pub const KS_ACCEPT_P: f64 = 0.05;
/// Resamples behind the standard error of τ.
pub const TAU_BOOTSTRAP: usize = 500;

/// Why the times could not be fitted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("{0} event time(s): an exponential fit needs at least 2")]
    TooFew(usize),
    #[error("event time at index {index} is {value} ps; it must be a finite number > 0")]
    Time { index: usize, value: f64 },
}

/// The exponential fitted to first-event times, and its test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExponentialFit {
    pub n: usize,
    /// τ of the least-squares fit of 1 − e^{−t/τ} to the empirical CDF (ps).
    pub tau_ps: f64,
    /// Bootstrap standard error of `tau_ps` ([`TAU_BOOTSTRAP`] resamples of the times).
    /// The CDF fit scatters ~17 % more than τ/√n, the error of the mean (see the tests).
    pub tau_se_ps: f64,
    /// Mean time: the maximum-likelihood τ (ps).
    pub tau_mean_ps: f64,
    /// Median / ln 2 (ps).
    pub tau_median_ps: f64,
    /// Kolmogorov–Smirnov distance of the times from 1 − e^{−t/τ}.
    pub ks_statistic: f64,
    /// P(D_n ≥ observed) under that exponential (exact Kolmogorov distribution). τ comes
    /// from the same times, which makes the test lenient (Lilliefors): a reject is
    /// certain, a pass is necessary, not sufficient.
    pub ks_p_value: f64,
    /// `ks_p_value > KS_ACCEPT_P`.
    pub accepted: bool,
}

/// Fits an exponential to first-event times `times_ps` (any order) and tests it; `seed`
/// seeds the bootstrap of τ's error (ChaCha8), so a report is reproducible.
pub fn fit_exponential(times_ps: &[f64], seed: u64) -> Result<ExponentialFit, RateError> {
    if let Some(index) = times_ps.iter().position(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(RateError::Time {
            index,
            value: times_ps[index],
        });
    }
    if times_ps.len() < 2 {
        return Err(RateError::TooFew(times_ps.len()));
    }
    let mut t = times_ps.to_vec();
    t.sort_by(f64::total_cmp);
    let n = t.len();
    let tau = ecdf_fit_tau(&t);
    let mean = t.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        t[n / 2]
    } else {
        0.5 * (t[n / 2 - 1] + t[n / 2])
    };
    let d = ks_statistic_sorted(&t, |x| 1.0 - (-x / tau).exp());
    let p = kolmogorov_sf(d, n);
    Ok(ExponentialFit {
        n,
        tau_ps: tau,
        tau_se_ps: bootstrap_se(&t, seed),
        tau_mean_ps: mean,
        tau_median_ps: median / std::f64::consts::LN_2,
        ks_statistic: d,
        ks_p_value: p,
        accepted: p > KS_ACCEPT_P,
    })
}

/// Standard deviation of the CDF-fit τ over [`TAU_BOOTSTRAP`] resamples of the times.
fn bootstrap_se(times: &[f64], seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = times.len();
    let mut draw = vec![0.0; n];
    let taus: Vec<f64> = (0..TAU_BOOTSTRAP)
        .map(|_| {
            for slot in draw.iter_mut() {
                *slot = times[rng.random_range(0..n)];
            }
            draw.sort_by(f64::total_cmp);
            ecdf_fit_tau(&draw)
        })
        .collect();
    let mean = taus.iter().sum::<f64>() / taus.len() as f64;
    (taus.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (taus.len() - 1) as f64).sqrt()
}

/// Sum of squares between the empirical CDF i/n at the sorted times and 1 − e^{−t/τ}.
fn ecdf_residual(sorted: &[f64], tau: f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &t)| ((i + 1) as f64 / n - (1.0 - (-t / tau).exp())).powi(2))
        .sum()
}

/// τ minimising [`ecdf_residual`]: a coarse scan in u = ln τ over the data's range (and a
/// decade beyond each end), then Newton's method in u from the best scan point with the
/// analytic derivatives, falling back to golden-section search around that point if a
/// Newton step ever fails to lower the residual.
fn ecdf_fit_tau(sorted: &[f64]) -> f64 {
    let (lo, hi) = (
        sorted[0].ln() - std::f64::consts::LN_10,
        sorted[sorted.len() - 1].ln() + std::f64::consts::LN_10,
    );
    let f = |u: f64| ecdf_residual(sorted, u.exp());
    const SCAN: usize = 32;
    let du = (hi - lo) / SCAN as f64;
    let best = (0..=SCAN)
        .map(|k| lo + du * k as f64)
        .min_by(|a, b| f(*a).total_cmp(&f(*b)))
        .unwrap_or(lo);
    newton_in_log_tau(sorted, best).unwrap_or_else(|| golden(&f, best - du, best + du).exp())
}

/// Newton on S(u) = Σ (F_i − i/n)², F_i = 1 − e^{−x_i}, x_i = t_i e^{−u}: with
/// dF/du = −x e^{−x} and d²F/du² = x(1 − x) e^{−x}, S′ = 2Σ r F′, S″ = 2Σ (F′² + r F″).
/// `None` if a step does not lower S or S″ ≤ 0 before convergence.
fn newton_in_log_tau(sorted: &[f64], start: f64) -> Option<f64> {
    let n = sorted.len() as f64;
    let mut u = start;
    let mut value = ecdf_residual(sorted, u.exp());
    for _ in 0..100 {
        let scale = (-u).exp();
        let (mut g, mut h) = (0.0, 0.0);
        for (i, &t) in sorted.iter().enumerate() {
            let x = t * scale;
            let e = (-x).exp();
            let r = 1.0 - e - (i + 1) as f64 / n;
            let d1 = -x * e;
            g += 2.0 * r * d1;
            h += 2.0 * (d1 * d1 + r * x * (1.0 - x) * e);
        }
        if h <= 0.0 {
            return None;
        }
        let step = -g / h;
        if step.abs() < 1e-12 {
            return Some(u.exp());
        }
        let next = ecdf_residual(sorted, (u + step).exp());
        if next > value + 1e-15 * value.max(1e-300) {
            return None;
        }
        (u, value) = (u + step, next);
    }
    None
}

fn golden(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (mut a, mut b) = (a, b);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-10 {
        if fc < fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = f(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

/// The two-sided one-sample Kolmogorov–Smirnov statistic D_n = sup |F_n − F| of sorted
/// values against the continuous CDF `cdf`.
pub fn ks_statistic_sorted(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            ((i + 1) as f64 / n - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max)
}

/// P(D_n ≥ d) for the two-sided one-sample statistic: the exact distribution by
/// Marsaglia, Tsang & Wang, J. Stat. Softw. 8(18) (2003), up to n = 1000; beyond, the
/// limiting Kolmogorov distribution at Stephens' corrected λ = (√n + 0.12 + 0.11/√n)·d.
pub fn kolmogorov_sf(d: f64, n: usize) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    if n > 1000 {
        let sn = (n as f64).sqrt();
        return kolmogorov_limit_sf((sn + 0.12 + 0.11 / sn) * d);
    }
    (1.0 - kolmogorov_cdf_exact(d, n)).clamp(0.0, 1.0)
}

/// Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, the limit of P(√n D_n ≥ λ).
pub fn kolmogorov_limit_sf(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-17 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// P(D_n < d), Marsaglia–Tsang–Wang: n!/nⁿ times the (k, k) element of Hⁿ, with H the
/// m × m matrix of their Eq. (4), m = 2k − 1, k = ⌊nd⌋ + 1. Powers are rescaled as they
/// grow and the scale kept as a power of two, so nothing overflows.
fn kolmogorov_cdf_exact(d: f64, n: usize) -> f64 {
    let nd = n as f64 * d;
    let k = nd.floor() as usize + 1;
    let m = 2 * k - 1;
    let h = k as f64 - nd;
    let mut hm = vec![vec![0.0; m]; m];
    for i in 0..m {
        for j in 0..m {
            if i + 1 >= j {
                hm[i][j] = 1.0;
            }
        }
    }
    for i in 0..m {
        hm[i][0] -= h.powi(i as i32 + 1);
        hm[m - 1][i] -= h.powi((m - i) as i32);
    }
    if 2.0 * h - 1.0 > 0.0 {
        hm[m - 1][0] += (2.0 * h - 1.0).powi(m as i32);
    }
    for i in 0..m {
        for j in 0..m {
            if i + 1 > j {
                for g in 1..=(i + 1 - j) {
                    hm[i][j] /= g as f64;
                }
            }
        }
    }
    let (q, mut exponent) = matrix_power(&hm, n);
    let mut s = q[k - 1][k - 1];
    // Times n!/nⁿ, keeping s in range.
    for i in 1..=n {
        s *= i as f64 / n as f64;
        if s != 0.0 && s.abs() < 1e-140 {
            s *= 2f64.powi(465);
            exponent -= 465;
        }
    }
    s * 2f64.powi(exponent)
}

type Matrix = Vec<Vec<f64>>;

fn matrix_product(a: &Matrix, b: &Matrix) -> Matrix {
    let m = a.len();
    let mut c = vec![vec![0.0; m]; m];
    for i in 0..m {
        for l in 0..m {
            let ail = a[i][l];
            if ail != 0.0 {
                for j in 0..m {
                    c[i][j] += ail * b[l][j];
                }
            }
        }
    }
    c
}

/// Aⁿ as (matrix, e) with Aⁿ = matrix · 2^e; the matrix is rescaled whenever its (k, k)
/// scale passes 2^465 ≈ 1e140, as the original code does.
fn matrix_power(a: &Matrix, n: usize) -> (Matrix, i32) {
    if n == 1 {
        return (a.clone(), 0);
    }
    let (half, e) = matrix_power(a, n / 2);
    let mut p = matrix_product(&half, &half);
    let mut e = 2 * e;
    if n % 2 == 1 {
        p = matrix_product(a, &p);
    }
    let mid = p.len() / 2;
    if p[mid][mid].abs() > 1e140 {
        let scale = 2f64.powi(-465);
        for row in p.iter_mut() {
            for v in row.iter_mut() {
                *v *= scale;
            }
        }
        e += 465;
    }
    (p, e)
}

/// ΔF_rate = k_BT ln(ν₀τ) (eV) from a mean escape time τ (ps) and ν₀ (Hz), and its
/// standard error from τ's, k_BT·se(τ)/τ.
pub fn rate_barrier_ev(tau_ps: f64, tau_se_ps: f64, temperature_k: f64, nu0_hz: f64) -> (f64, f64) {
    let kt = BOLTZMANN_CODATA_EV_PER_K * temperature_k;
    (kt * (nu0_hz * tau_ps * 1e-12).ln(), kt * tau_se_ps / tau_ps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Exp};

    /// P(D_n ≥ d) against scipy 1.17's `stats.kstwo.sf(d, n)`, which is exact (Durbin's
    /// matrix) for n ≤ 140 and the Pelz–Good asymptotic series beyond (good to ~1e-6).
    #[test]
    fn kolmogorov_distribution_matches_scipy() {
        let p = kolmogorov_sf(0.06, 500);
        assert!((p - 0.052_434_634_890_262_23).abs() < 1e-6, "{p}");
        for (n, d, scipy) in [
            (1, 0.7, 0.600_000_000_000_000_1),
            (3, 0.9, 0.001_999_999_999_999_998_7),
            (5, 0.3, 0.664),
            (10, 0.274, 0.371_520_384_543_495_7),
            (20, 0.1, 0.976_255_094_592_155),
            (50, 0.2, 0.031_438_777_769_532_41),
            (100, 0.05, 0.953_215_971_063_572_5),
            (100, 0.15, 0.019_839_242_125_641_813),
            (140, 0.1, 0.113_536_572_900_909_46),
        ] {
            let p = kolmogorov_sf(d, n);
            assert!(
                (p - scipy).abs() < 1e-12,
                "n {n}, d {d}: {p} vs scipy {scipy}"
            );
        }
        // The limiting distribution: scipy's kstwobign.sf.
        for (lambda, scipy) in [
            (1.0, 0.269_999_671_677_354_56),
            (0.5, 0.963_945_243_664_875_1),
            (1.36, 0.049_485_876_755_377_876),
        ] {
            assert!((kolmogorov_limit_sf(lambda) - scipy).abs() < 1e-12);
        }
        // Large n goes to the corrected limit, which the exact one approaches.
        let exact = kolmogorov_sf(0.03, 1000);
        let limit = kolmogorov_sf(0.03, 1001);
        assert!((exact - limit).abs() < 2e-3, "{exact} {limit}");
        assert_eq!((kolmogorov_sf(0.0, 5), kolmogorov_sf(1.0, 5)), (1.0, 0.0));
    }

    /// D and p of a fixed sample against an exponential of given τ, as
    /// `scipy.stats.kstest(t, 'expon', args=(0, tau))` gives them.
    #[test]
    fn ks_test_matches_scipy_kstest() {
        let t = [0.8, 2.3, 0.15, 4.1, 1.2, 0.55, 3.3, 0.95, 1.7, 0.3];
        let mut sorted = t.to_vec();
        sorted.sort_by(f64::total_cmp);
        for (tau, d_scipy, p_scipy) in [
            (1.0, 0.250_671_035_882_778_45, 0.480_742_759_221_481_8),
            (1.5, 0.113_353_780_489_968_19, 0.997_493_694_856_768_9),
            (2.0, 0.148_811_636_094_026_37, 0.956_794_356_440_610_6),
        ] {
            let d = ks_statistic_sorted(&sorted, |x| 1.0 - (-x / tau).exp());
            assert!((d - d_scipy).abs() < 1e-14, "τ {tau}: D {d} vs {d_scipy}");
            let p = kolmogorov_sf(d, t.len());
            assert!((p - p_scipy).abs() < 1e-9, "τ {tau}: p {p} vs {p_scipy}");
        }
    }

    /// Exponential times: the CDF-fit τ is unbiased within its error, its bootstrap error
    /// is the real scatter over replicas, the mean and median/ln 2 agree with it, and the
    /// KS test passes at least 95 % of the time (more, as τ is fitted to the same data). Times of a narrow (log-normal σ = 0.3)
    /// distribution, as a too-fast deposition gives, are rejected.
    #[test]
    fn exponential_fit_recovers_tau_and_rejects_non_poisson_times() {
        let (tau, n, replicas) = (3.5e6, 50, 200);
        let exp = Exp::new(1.0 / tau).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2013);
        let (mut taus, mut se, mut pass) = (Vec::new(), 0.0, 0usize);
        for _ in 0..replicas {
            let t: Vec<f64> = (0..n).map(|_| exp.sample(&mut rng)).collect();
            let fit = fit_exponential(&t, taus.len() as u64).unwrap();
            taus.push(fit.tau_ps);
            se += fit.tau_se_ps / replicas as f64;
            pass += usize::from(fit.accepted);
        }
        let mean = taus.iter().sum::<f64>() / replicas as f64;
        let sd =
            (taus.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (replicas - 1) as f64).sqrt();
        let rate = pass as f64 / replicas as f64;
        eprintln!(
            "τ mean {mean:.4e} (truth {tau:.4e}), sd {sd:.4e}, mean se {se:.4e}, KS pass {rate}"
        );
        // Unbiased: within 3 standard errors of the replicas' mean.
        assert!(
            (mean - tau).abs() < 3.0 * sd / (replicas as f64).sqrt(),
            "{mean}"
        );
        // The reported error is the real scatter (to 12 %), and above τ/√n.
        assert!((se / sd - 1.0).abs() < 0.12, "sd {sd} se {se}");
        assert!(sd > tau / (n as f64).sqrt(), "sd {sd}");
        assert!(rate >= 0.95, "KS acceptance {rate}");

        let t: Vec<f64> = (0..n).map(|_| exp.sample(&mut rng)).collect();
        let fit = fit_exponential(&t, 1).unwrap();
        for est in [fit.tau_mean_ps, fit.tau_median_ps] {
            assert!((est - fit.tau_ps).abs() < 3.0 * fit.tau_se_ps, "{fit:?}");
        }

        let narrow = rand_distr::LogNormal::new(tau.ln(), 0.3).unwrap();
        let t: Vec<f64> = (0..n).map(|_| narrow.sample(&mut rng)).collect();
        let fit = fit_exponential(&t, 1).unwrap();
        assert!(!fit.accepted && fit.ks_p_value < 1e-3, "{fit:?}");
    }

    /// Newton's answer is the minimum: a fine golden-section search agrees, and so does
    /// scipy 1.17 (`curve_fit` of 1 − exp(−t/τ) to i/n at the sorted times, xtol 1e-14).
    #[test]
    fn the_cdf_fit_is_the_least_squares_minimum() {
        let mut t = vec![0.8, 2.3, 0.15, 4.1, 1.2, 0.55, 3.3, 0.95, 1.7, 0.3];
        t.sort_by(f64::total_cmp);
        let newton = ecdf_fit_tau(&t);
        let f = |u: f64| ecdf_residual(&t, u.exp());
        let search = golden(&f, (0.1f64).ln(), (10.0f64).ln()).exp();
        assert!((newton / search - 1.0).abs() < 1e-8, "{newton} {search}");
        assert!((newton - 1.402_705_301_357_846_3).abs() < 1e-8, "{newton}");
    }

    #[test]
    fn rate_barrier_inverts_transition_state_theory() {
        // τ = e^{ΔF/k_BT}/ν₀ ⇒ ΔF back.
        let (df, t) = (0.9, 300.0);
        let kt = BOLTZMANN_CODATA_EV_PER_K * t;
        let tau_ps = (df / kt).exp() / 2e12 * 1e12;
        let (got, se) = rate_barrier_ev(tau_ps, 0.1 * tau_ps, t, 2e12);
        assert!((got - df).abs() < 1e-12 && (se - 0.1 * kt).abs() < 1e-15);
        assert!(matches!(
            fit_exponential(&[1.0], 1),
            Err(RateError::TooFew(1))
        ));
        assert!(matches!(
            fit_exponential(&[1.0, -2.0], 1),
            Err(RateError::Time { index: 1, .. })
        ));
    }
}
