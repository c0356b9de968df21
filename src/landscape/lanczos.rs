//! The lowest eigenpair of the Hessian by the Lanczos method on finite-difference
//! Hessian–vector products: H·v ≈ −(F(x + εv) − F(x))/ε (forward, one force call) or
//! −(F(x + εv) − F(x − εv))/(2ε) (central, two calls, for verification).
//!
//! Full reorthogonalisation keeps the Krylov basis orthogonal (the basis is at most a few dozen
//! vectors); every basis vector is also kept orthogonal to a given set of directions, which
//! deflates null modes (translations) and already-known eigenvectors. Deterministic given the
//! start vector.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::surface::{EnergySurface, dot, norm};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LanczosSettings {
    /// Largest Krylov basis (force calls: one per iteration, two when `central`).
    pub max_iterations: usize,
    /// Iterations before convergence is tested.
    pub min_iterations: usize,
    /// Converged when the lowest Ritz value changes by less than this fraction of itself
    /// between two iterations.
    pub relative_tolerance: f64,
    /// …or by less than this (energy/length²): eigenvalues near zero cannot meet a relative
    /// tolerance.
    pub absolute_tolerance: f64,
    /// Stop as soon as the lowest Ritz value falls below this. Ritz values bound the lowest
    /// eigenvalue from above, so the eigenvalue is then below it too (ART's activation only
    /// needs to know that). `None`: never.
    pub stop_below: Option<f64>,
    /// Finite-difference step ε (length units of the surface: Å for the glass).
    pub finite_difference_step: f64,
    /// Central differences (2 calls per product, error O(ε²)) instead of forward (1 call, O(ε)).
    pub central: bool,
}

impl Default for LanczosSettings {
    /// Forward differences with ε = 10⁻³ Å, converged to 1 % (or 10⁻³ eV/Å²) in at most 30
    /// iterations, as ARTn
    /// uses it inside the search (the eigenvector only steers the climb; the saddle itself is
    /// checked separately with [`LanczosSettings::verification`]).
    fn default() -> Self {
        Self {
            max_iterations: 30,
            min_iterations: 3,
            relative_tolerance: 1e-2,
            absolute_tolerance: 1e-3,
            stop_below: None,
            finite_difference_step: 1e-3,
            central: false,
        }
    }
}

impl LanczosSettings {
    /// Tight settings for checking a saddle: central differences, 10⁻⁵ relative or 10⁻⁶
    /// absolute, ≤ 200 iterations.
    pub fn verification() -> Self {
        Self {
            max_iterations: 200,
            min_iterations: 10,
            relative_tolerance: 1e-5,
            absolute_tolerance: 1e-6,
            stop_below: None,
            finite_difference_step: 1e-3,
            central: true,
        }
    }
}

/// An approximate eigenpair of the Hessian.
#[derive(Clone, Debug, PartialEq)]
pub struct Eigenpair {
    /// Lowest Ritz value (energy / length²: eV/Å² for the glass).
    pub eigenvalue: f64,
    /// Unit eigenvector.
    pub eigenvector: Vec<f64>,
    pub iterations: usize,
    /// Whether the relative tolerance was met (or the Krylov space was exhausted).
    pub converged: bool,
}

/// Removes from `v` its components along the orthonormal `directions`.
pub fn project_out(v: &mut [f64], directions: &[Vec<f64>]) {
    for d in directions {
        let c = dot(v, d);
        v.iter_mut().zip(d).for_each(|(a, b)| *a -= c * b);
    }
}

/// Hessian–vector product by finite differences of forces; `f0` are the forces at `x`.
pub fn hessian_times(
    surface: &mut dyn EnergySurface,
    x: &[f64],
    f0: &[f64],
    v: &[f64],
    settings: &LanczosSettings,
    out: &mut [f64],
) {
    let eps = settings.finite_difference_step;
    let n = x.len();
    let mut xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + eps * b).collect();
    let mut fp = vec![0.0; n];
    surface.energy_forces(&xp, &mut fp);
    if settings.central {
        xp.iter_mut()
            .zip(x.iter().zip(v))
            .for_each(|(p, (a, b))| *p = a - eps * b);
        let mut fm = vec![0.0; n];
        surface.energy_forces(&xp, &mut fm);
        for i in 0..n {
            out[i] = -(fp[i] - fm[i]) / (2.0 * eps);
        }
    } else {
        for i in 0..n {
            out[i] = -(fp[i] - f0[i]) / eps;
        }
    }
}

/// The lowest eigenpair of the Hessian at `x` (forces `f0` there) restricted to the complement
/// of the orthonormal `deflate` directions, from the Krylov space of `start`.
///
/// Returns `None` when `start` has no component outside `deflate`.
pub fn lowest_eigenpair(
    surface: &mut dyn EnergySurface,
    x: &[f64],
    f0: &[f64],
    start: &[f64],
    deflate: &[Vec<f64>],
    settings: &LanczosSettings,
) -> Option<Eigenpair> {
    let n = x.len();
    let mut q = start.to_vec();
    project_out(&mut q, deflate);
    let q_norm = norm(&q);
    if !(q_norm > 0.0 && q_norm.is_finite()) {
        return None;
    }
    q.iter_mut().for_each(|c| *c /= q_norm);
    let mut basis: Vec<Vec<f64>> = vec![q];
    let mut alpha: Vec<f64> = Vec::new();
    let mut beta: Vec<f64> = Vec::new();
    let mut w = vec![0.0; n];
    let mut previous = f64::INFINITY;
    let mut best = (f64::INFINITY, Vec::new());
    let mut converged = false;
    for j in 0..settings.max_iterations.max(1) {
        hessian_times(surface, x, f0, &basis[j], settings, &mut w);
        project_out(&mut w, deflate);
        let a = dot(&w, &basis[j]);
        alpha.push(a);
        // Full reorthogonalisation, twice (Kahan–Parlett "twice is enough").
        for _ in 0..2 {
            for b in &basis {
                let c = dot(&w, b);
                w.iter_mut().zip(b).for_each(|(u, v)| *u -= c * v);
            }
            project_out(&mut w, deflate);
        }
        let m = alpha.len();
        let mut t = DMatrix::<f64>::zeros(m, m);
        for i in 0..m {
            t[(i, i)] = alpha[i];
            if i + 1 < m {
                t[(i, i + 1)] = beta[i];
                t[(i + 1, i)] = beta[i];
            }
        }
        let eig = SymmetricEigen::new(t);
        let (k, &theta) = eig
            .eigenvalues
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least one Ritz value");
        let y = eig.eigenvectors.column(k).into_owned();
        best = (theta, y.iter().copied().collect());
        let b = norm(&w);
        let exhausted = b <= 1e-12 * a.abs().max(1e-300) || m == n;
        if m >= settings.min_iterations.min(n)
            && ((theta - previous).abs() <= settings.relative_tolerance * theta.abs()
                || (theta - previous).abs() <= settings.absolute_tolerance)
            || exhausted
            || settings.stop_below.is_some_and(|b| theta < b)
        {
            converged = true;
            break;
        }
        previous = theta;
        if j + 1 == settings.max_iterations {
            break;
        }
        beta.push(b);
        basis.push(w.iter().map(|c| c / b).collect());
    }
    let (eigenvalue, y) = best;
    let mut v = vec![0.0; n];
    for (c, b) in y.iter().zip(&basis) {
        v.iter_mut().zip(b).for_each(|(u, e)| *u += c * e);
    }
    project_out(&mut v, deflate);
    let v_norm = norm(&v);
    v.iter_mut().for_each(|c| *c /= v_norm);
    Some(Eigenpair {
        eigenvalue,
        eigenvector: v,
        iterations: alpha.len(),
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E = ½ xᵀ A x for a fixed symmetric A: the Hessian is A everywhere.
    struct Quadratic {
        a: DMatrix<f64>,
        calls: u64,
    }

    impl EnergySurface for Quadratic {
        fn dim(&self) -> usize {
            self.a.nrows()
        }
        fn components_per_particle(&self) -> usize {
            1
        }
        fn energy_forces(&mut self, x: &[f64], f: &mut [f64]) -> f64 {
            self.calls += 1;
            let v = nalgebra::DVector::from_column_slice(x);
            let g = &self.a * &v;
            for i in 0..x.len() {
                f[i] = -g[i];
            }
            0.5 * v.dot(&g)
        }
        fn force_calls(&self) -> u64 {
            self.calls
        }
    }

    fn test_matrix(n: usize) -> DMatrix<f64> {
        // A dense symmetric matrix with a known spread of eigenvalues: Q diag(d) Qᵀ for a
        // Householder reflection Q.
        let d: Vec<f64> = (0..n).map(|i| -0.7 + 0.37 * i as f64).collect();
        let u = nalgebra::DVector::from_fn(n, |i, _| ((i * 7 + 3) % 11) as f64 - 5.0).normalize();
        let q = DMatrix::identity(n, n) - 2.0 * &u * u.transpose();
        &q * DMatrix::from_diagonal(&nalgebra::DVector::from_vec(d)) * q.transpose()
    }

    #[test]
    fn lanczos_finds_the_lowest_eigenvalue_of_a_known_matrix() {
        let n = 40;
        let a = test_matrix(n);
        let exact = SymmetricEigen::new(a.clone());
        let (kmin, &lmin) = exact
            .eigenvalues
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        assert!((lmin + 0.7).abs() < 1e-12);
        let mut s = Quadratic { a, calls: 0 };
        let x = vec![0.3; n];
        let mut f0 = vec![0.0; n];
        s.energy_forces(&x, &mut f0);
        let start: Vec<f64> = (0..n).map(|i| 1.0 + 0.1 * i as f64).collect();
        let settings = LanczosSettings {
            max_iterations: n,
            relative_tolerance: 1e-12,
            absolute_tolerance: 1e-14,
            central: true,
            ..LanczosSettings::default()
        };
        let e = lowest_eigenpair(&mut s, &x, &f0, &start, &[], &settings).unwrap();
        assert!(
            (e.eigenvalue - lmin).abs() < 1e-8,
            "{} vs {lmin}",
            e.eigenvalue
        );
        let exact_v = exact.eigenvectors.column(kmin);
        let overlap: f64 = e
            .eigenvector
            .iter()
            .zip(exact_v.iter())
            .map(|(a, b)| a * b)
            .sum();
        assert!((overlap.abs() - 1.0).abs() < 1e-8, "overlap {overlap}");
        // Deflating the lowest eigenvector gives the second lowest.
        let second = lowest_eigenpair(
            &mut s,
            &x,
            &f0,
            &start,
            std::slice::from_ref(&e.eigenvector),
            &settings,
        )
        .unwrap();
        assert!(
            (second.eigenvalue - (-0.7 + 0.37)).abs() < 1e-8,
            "{}",
            second.eigenvalue
        );
    }

    #[test]
    fn lanczos_is_deterministic_and_none_for_a_deflated_start() {
        let a = test_matrix(10);
        let mut s = Quadratic { a, calls: 0 };
        let x = vec![0.0; 10];
        let f0 = vec![0.0; 10];
        let start = vec![1.0; 10];
        let settings = LanczosSettings::default();
        let e1 = lowest_eigenpair(&mut s, &x, &f0, &start, &[], &settings).unwrap();
        let e2 = lowest_eigenpair(&mut s, &x, &f0, &start, &[], &settings).unwrap();
        assert_eq!(e1, e2);
        let unit: Vec<f64> = vec![1.0 / 10f64.sqrt(); 10];
        assert!(lowest_eigenpair(&mut s, &x, &f0, &start, &[unit], &settings).is_none());
    }
}
