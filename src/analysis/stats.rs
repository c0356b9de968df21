//! Small statistics helpers: means, linear and quadratic least squares.

/// Mean and (population) standard deviation.
pub fn mean_and_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some((mean, var.sqrt()))
}

/// Least-squares line y = a + b x: returns (a, b).
pub fn fit_line(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| (my - sxy / sxx * mx, sxy / sxx))
}

/// Least-squares parabola y = a + b x + c x²: returns [a, b, c].
pub fn fit_quadratic(points: &[(f64, f64)]) -> Option<[f64; 3]> {
    if points.len() < 3 {
        return None;
    }
    let mut m = nalgebra::Matrix3::<f64>::zeros();
    let mut v = nalgebra::Vector3::<f64>::zeros();
    for &(x, y) in points {
        let basis = [1.0, x, x * x];
        for i in 0..3 {
            for j in 0..3 {
                m[(i, j)] += basis[i] * basis[j];
            }
            v[i] += basis[i] * y;
        }
    }
    let s = m.lu().solve(&v)?;
    Some([s[0], s[1], s[2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_recover_exact_polynomials() {
        let line: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 2.0 - 0.5 * i as f64)).collect();
        let (a, b) = fit_line(&line).unwrap();
        assert!((a - 2.0).abs() < 1e-12 && (b + 0.5).abs() < 1e-12);
        let par: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let x = i as f64 * 0.1;
                (x, 1.0 + x - 3.0 * x * x)
            })
            .collect();
        let c = fit_quadratic(&par).unwrap();
        assert!(
            (c[0] - 1.0).abs() < 1e-10 && (c[1] - 1.0).abs() < 1e-10 && (c[2] + 3.0).abs() < 1e-9
        );
        assert_eq!(mean_and_std(&[1.0, 3.0]), Some((2.0, 1.0)));
    }
}
