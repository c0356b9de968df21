//! The harmonic (Vineyard) attempt frequency of an event:
//! ν* = Π_{i=1}^{3n} ν_i(minimum) / Π_{i=1}^{3n−1} ν_i(saddle, real modes),
//! ν_i = √λ_i / 2π with λ_i the eigenvalues of the mass-weighted Hessian
//! (G. H. Vineyard, J. Phys. Chem. Solids 3, 121 (1957)). In harmonic TST,
//! ν* = ν₀ exp(ΔS/k_B), which is how the program tests the paper's claim that the large ΔS of
//! the β-events is anharmonic.
//!
//! **Restriction.** The Hessian is that of a region only (the cluster, the atoms that carry
//! the saddle's unstable mode, the atoms that move by more than 0.1 Å between the minimum and
//! the saddle, and the shell of neighbours of all three; `ArtSetup::prefactor` in
//! [`super::explore`]), every other atom frozen at its position in the configuration. Frozen
//! surroundings remove the zero-frequency translations (so all 3n minimum modes are real) and
//! make the cost 6n force calls per configuration instead of 6N; modes that extend beyond the
//! region are cut off, so ν* is the prefactor of the region's motion in a fixed cage. When the
//! region's saddle Hessian has no negative eigenvalue (the unstable mode is not captured), the
//! region is widened along the mode before any prefactor is given up.

use nalgebra::{DMatrix, SymmetricEigen};

use super::surface::EnergySurface;
use crate::system::units::MVV2E;

/// Why no prefactor can be given.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VineyardError {
    #[error("the region's Hessian at the minimum has {0} non-positive eigenvalue(s)")]
    MinimumNotStable(usize),
    #[error(
        "the region's Hessian at the saddle has {0} negative eigenvalue(s), not 1 (the region does not capture the unstable mode)"
    )]
    SaddleNotFirstOrder(usize),
    #[error("the two Hessians differ in size ({0} and {1})")]
    SizeMismatch(usize, usize),
}

/// Hessian (eV/Å²) of the coordinates `dofs` at `x`, by central differences of forces with
/// step `step`, symmetrised. 2·len(dofs) force calls.
pub fn region_hessian(
    surface: &mut dyn EnergySurface,
    x: &[f64],
    dofs: &[usize],
    step: f64,
) -> DMatrix<f64> {
    let m = dofs.len();
    let mut h = DMatrix::<f64>::zeros(m, m);
    let mut xp = x.to_vec();
    let mut fp = vec![0.0; x.len()];
    let mut fm = vec![0.0; x.len()];
    for (col, &k) in dofs.iter().enumerate() {
        xp[k] = x[k] + step;
        surface.energy_forces(&xp, &mut fp);
        xp[k] = x[k] - step;
        surface.energy_forces(&xp, &mut fm);
        xp[k] = x[k];
        for (row, &i) in dofs.iter().enumerate() {
            h[(row, col)] = -(fp[i] - fm[i]) / (2.0 * step);
        }
    }
    0.5 * (&h + h.transpose())
}

/// Eigenvalues of the mass-weighted Hessian M^{-1/2} H M^{-1/2} (eV/(Å²·amu)), ascending.
pub fn mass_weighted_eigenvalues(hessian: &DMatrix<f64>, masses_amu: &[f64]) -> Vec<f64> {
    let m = hessian.nrows();
    let w = DMatrix::from_fn(m, m, |i, j| {
        hessian[(i, j)] / (masses_amu[i] * masses_amu[j]).sqrt()
    });
    let mut values: Vec<f64> = SymmetricEigen::new(w).eigenvalues.iter().copied().collect();
    values.sort_by(f64::total_cmp);
    values
}

/// Frequency ν = √λ/2π (Hz) of a mass-weighted eigenvalue λ (eV/(Å²·amu)).
pub fn frequency_hz(eigenvalue: f64) -> f64 {
    // λ/MVV2E is ω² in ps⁻².
    (eigenvalue / MVV2E).sqrt() / (2.0 * std::f64::consts::PI) * 1e12
}

/// ν* (Hz) from the mass-weighted eigenvalues of the region at the minimum and at the saddle.
pub fn vineyard_prefactor_hz(minimum: &[f64], saddle: &[f64]) -> Result<f64, VineyardError> {
    if minimum.len() != saddle.len() {
        return Err(VineyardError::SizeMismatch(minimum.len(), saddle.len()));
    }
    let bad = minimum.iter().filter(|&&l| l <= 0.0).count();
    if bad > 0 {
        return Err(VineyardError::MinimumNotStable(bad));
    }
    let negative = saddle.iter().filter(|&&l| l < 0.0).count();
    if negative != 1 || saddle.contains(&0.0) {
        return Err(VineyardError::SaddleNotFirstOrder(negative));
    }
    // In logarithms: 3n factors of ~10¹³ Hz overflow nothing this way.
    let log_min: f64 = minimum.iter().map(|&l| frequency_hz(l).ln()).sum();
    let log_sad: f64 = saddle
        .iter()
        .filter(|&&l| l > 0.0)
        .map(|&l| frequency_hz(l).ln())
        .sum();
    Ok((log_min - log_sad).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dimensional_prefactor_is_the_well_frequency() {
        // One coordinate: ν* = ν_min (the saddle has no real mode).
        let k = 2.5; // eV/Å²
        let m = 63.546;
        let nu = vineyard_prefactor_hz(&[k / m], &[-1.0 / m]).unwrap();
        let omega_per_ps = (k / (m * MVV2E)).sqrt();
        assert!((nu - omega_per_ps / (2.0 * std::f64::consts::PI) * 1e12).abs() < 1e-3 * nu);
        assert!(matches!(
            vineyard_prefactor_hz(&[k / m, 1.0], &[1.0, 2.0]),
            Err(VineyardError::SaddleNotFirstOrder(0))
        ));
    }

    #[test]
    fn prefactor_of_separable_modes_is_the_ratio_of_frequencies() {
        // Two uncoupled modes; the second is unchanged at the saddle: ν* = ν₁(min).
        let h_min = DMatrix::from_row_slice(2, 2, &[4.0, 0.0, 0.0, 9.0]);
        let h_sad = DMatrix::from_row_slice(2, 2, &[-3.0, 0.0, 0.0, 9.0]);
        let masses = [2.0, 2.0];
        let lm = mass_weighted_eigenvalues(&h_min, &masses);
        let ls = mass_weighted_eigenvalues(&h_sad, &masses);
        let nu = vineyard_prefactor_hz(&lm, &ls).unwrap();
        assert!((nu / frequency_hz(2.0) - 1.0).abs() < 1e-12);
    }
}
