//! LAMMPS's cubic Hermite interpolation of tabulated EAM functions (`PairEAM::interpolate`).
//!
//! The slopes are fourth-order central differences of the table; value and derivative are
//! evaluated with the same operation order as LAMMPS so results agree to the last bits.

/// A function tabulated on `x_i = i·Δ`, i = 0..n, with LAMMPS's spline coefficients.
#[derive(Clone, Debug)]
pub struct Spline {
    delta: f64,
    inv_delta: f64,
    /// Per grid point: `[e0, e1, e2, c3, c4, s, f]` (LAMMPS's `spline[m][0..7]`).
    coeffs: Vec<[f64; 7]>,
}

/// Where `x` falls on the grid: interval index and fraction in [0, 1].
#[derive(Clone, Copy, Debug)]
pub struct GridPoint {
    pub index: usize,
    pub fraction: f64,
}

impl Spline {
    /// Builds the spline of `values` (at least 5 points) spaced `delta` apart.
    pub fn new(values: &[f64], delta: f64) -> Self {
        let n = values.len();
        assert!(n >= 5, "a spline table needs at least 5 points");
        let f = values;
        let mut s = vec![0.0; n];
        s[0] = f[1] - f[0];
        s[1] = 0.5 * (f[2] - f[0]);
        s[n - 2] = 0.5 * (f[n - 1] - f[n - 3]);
        s[n - 1] = f[n - 1] - f[n - 2];
        for m in 2..n - 2 {
            s[m] = ((f[m - 2] - f[m + 2]) + 8.0 * (f[m + 1] - f[m - 1])) / 12.0;
        }
        let coeffs = (0..n)
            .map(|m| {
                let (c4, c3) = if m + 1 < n {
                    (
                        3.0 * (f[m + 1] - f[m]) - 2.0 * s[m] - s[m + 1],
                        s[m] + s[m + 1] - 2.0 * (f[m + 1] - f[m]),
                    )
                } else {
                    (0.0, 0.0)
                };
                [
                    3.0 * c3 / delta,
                    2.0 * c4 / delta,
                    s[m] / delta,
                    c3,
                    c4,
                    s[m],
                    f[m],
                ]
            })
            .collect();
        Self {
            delta,
            inv_delta: 1.0 / delta,
            coeffs,
        }
    }

    /// LAMMPS's coefficients `[e0, e1, e2, c3, c4, s, f]` at grid point `i`.
    #[inline(always)]
    pub fn coefficients(&self, i: usize) -> &[f64; 7] {
        &self.coeffs[i]
    }

    pub fn len(&self) -> usize {
        self.coeffs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coeffs.is_empty()
    }

    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Last grid abscissa, `(n − 1)·Δ`.
    pub fn x_max(&self) -> f64 {
        (self.len() - 1) as f64 * self.delta
    }

    /// Grid lookup for a distance: beyond the table, the last point with p = 1.
    #[inline(always)]
    pub fn locate_r(&self, r: f64) -> GridPoint {
        let u = r * self.inv_delta + 1.0;
        let m = (u as usize).min(self.coeffs.len() - 1);
        GridPoint {
            index: m - 1,
            fraction: (u - m as f64).min(1.0),
        }
    }

    /// Grid lookup for a density: as for r, and also never below the first interval.
    #[inline(always)]
    pub fn locate_rho(&self, rho: f64) -> GridPoint {
        let u = rho * self.inv_delta + 1.0;
        // `as usize` saturates negative u at 0, then the clamp to 1 matches LAMMPS's MAX(1, m).
        let m = (u as usize).clamp(1, self.coeffs.len() - 1);
        GridPoint {
            index: m - 1,
            fraction: (u - m as f64).min(1.0),
        }
    }

    /// Interpolated value at a grid point.
    #[inline(always)]
    pub fn value(&self, g: GridPoint) -> f64 {
        let c = &self.coeffs[g.index];
        let p = g.fraction;
        ((c[3] * p + c[4]) * p + c[5]) * p + c[6]
    }

    /// Interpolated derivative with respect to x at a grid point.
    #[inline(always)]
    pub fn derivative(&self, g: GridPoint) -> f64 {
        let c = &self.coeffs[g.index];
        let p = g.fraction;
        (c[0] * p + c[1]) * p + c[2]
    }

    /// Value and derivative at once (one coefficient fetch).
    #[inline(always)]
    pub fn value_and_derivative(&self, g: GridPoint) -> (f64, f64) {
        let c = &self.coeffs[g.index];
        let p = g.fraction;
        (
            ((c[3] * p + c[4]) * p + c[5]) * p + c[6],
            (c[0] * p + c[1]) * p + c[2],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_a_cubic_and_its_derivative() {
        // The 4th-order slopes are exact for cubics, so interior intervals are exact.
        let f = |x: f64| 0.3 * x * x * x - x * x + 2.0 * x - 1.0;
        let df = |x: f64| 0.9 * x * x - 2.0 * x + 2.0;
        let delta = 0.1;
        let values: Vec<f64> = (0..50).map(|i| f(i as f64 * delta)).collect();
        let spline = Spline::new(&values, delta);
        for &x in &[0.55, 1.234, 3.0, 4.31] {
            let g = spline.locate_r(x);
            assert!((spline.value(g) - f(x)).abs() < 1e-12, "value at {x}");
            assert!(
                (spline.derivative(g) - df(x)).abs() < 1e-11,
                "derivative at {x}"
            );
        }
    }

    #[test]
    fn holds_the_last_value_beyond_the_table() {
        let values: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let spline = Spline::new(&values, 1.0);
        let g = spline.locate_r(100.0);
        assert_eq!(g.index, 8);
        assert_eq!(spline.value(g), 9.0);
    }
}
