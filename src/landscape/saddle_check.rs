//! Is a point a first-order saddle? Zero force (below a threshold) and exactly one negative
//! Hessian eigenvalue.
//!
//! For a small surface the Hessian is given whole and all eigenvalues counted. For the glass
//! (12 000 coordinates) the two lowest eigenvalues are found by Lanczos on central
//! differences of forces, the second with the first eigenvector and the uniform translations
//! deflated: λ₁ < 0 < λ₂ means exactly one negative eigenvalue. Lanczos Ritz values approach
//! the eigenvalues from above, so λ₂ is trusted only when its Lanczos converged; an unconverged
//! check counts as failed.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::lanczos::{LanczosSettings, lowest_eigenpair};
use super::surface::{EnergySurface, max_particle_force};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaddleCheck {
    pub max_force: f64,
    pub energy: f64,
    /// The two lowest eigenvalues (energy/length²).
    pub lowest_eigenvalue: f64,
    pub second_eigenvalue: f64,
    /// Number of negative eigenvalues: exact for a full Hessian; from λ₁ and λ₂ with Lanczos
    /// (0, 1, or 2 meaning "two or more").
    pub negative_count: usize,
    /// Whether the eigenvalues are converged (always for a full Hessian).
    pub converged: bool,
    /// Force calls the check used.
    pub force_calls: u64,
}

impl SaddleCheck {
    /// Force below `force_threshold`, exactly one negative eigenvalue, and a converged check.
    pub fn is_first_order_saddle(&self, force_threshold: f64) -> bool {
        self.converged && self.negative_count == 1 && self.max_force < force_threshold
    }

    /// From a full Hessian (`n × n`, row-major) and the forces.
    pub fn from_hessian(hessian: &DMatrix<f64>, energy: f64, forces: &[f64], block: usize) -> Self {
        let sym = 0.5 * (hessian + hessian.transpose());
        let mut values: Vec<f64> = SymmetricEigen::new(sym)
            .eigenvalues
            .iter()
            .copied()
            .collect();
        values.sort_by(f64::total_cmp);
        Self {
            max_force: max_particle_force(forces, block),
            energy,
            lowest_eigenvalue: values[0],
            second_eigenvalue: values.get(1).copied().unwrap_or(f64::INFINITY),
            negative_count: values.iter().filter(|&&l| l < 0.0).count(),
            converged: true,
            force_calls: 0,
        }
    }

    /// By Lanczos at `x`, starting from `start` (the search's eigenvector).
    pub fn by_lanczos(
        surface: &mut dyn EnergySurface,
        x: &[f64],
        start: &[f64],
        settings: &LanczosSettings,
    ) -> Option<Self> {
        let calls0 = surface.force_calls();
        let block = surface.components_per_particle();
        let mut f = vec![0.0; x.len()];
        let energy = surface.energy_forces(x, &mut f);
        let mut deflate = surface.null_modes();
        let first = lowest_eigenpair(surface, x, &f, start, &deflate, settings)?;
        deflate.push(first.eigenvector.clone());
        // A start vector with no special relation to the first mode: alternating signs.
        let start2: Vec<f64> = (0..x.len())
            .map(|i| if (i / block).is_multiple_of(2) { 1.0 } else { -1.0 } * (1.0 + (i % 7) as f64 * 0.1))
            .collect();
        let second = lowest_eigenpair(surface, x, &f, &start2, &deflate, settings)?;
        let negative_count = if first.eigenvalue >= 0.0 {
            0
        } else if second.eigenvalue >= 0.0 {
            1
        } else {
            2
        };
        Some(Self {
            max_force: max_particle_force(&f, block),
            energy,
            lowest_eigenvalue: first.eigenvalue,
            second_eigenvalue: second.eigenvalue,
            negative_count,
            converged: first.converged && second.converged,
            force_calls: surface.force_calls() - calls0,
        })
    }
}
