//! ART's relaxations: the perpendicular relaxation and the descent to the new minimum, by the
//! engine's FIRE ([`crate::dynamics::fire`]) in its FIRE 1.0 form (Bitzek et al., PRL 97,
//! 170201 (2006)) on a flat coordinate vector with unit masses.
//!
//! Time here is a search parameter, not physical time: x += Δt·v, v += Δt·F, so one step from
//! rest moves Δt²·F. The optional projector removes a direction from forces and velocities
//! (relaxation in the hyperplane perpendicular to ART's push or eigenvector).

use serde::{Deserialize, Serialize};

use super::surface::{EnergySurface, max_particle_force};
use crate::dynamics::{Fire, FireLimits, FireVariant};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FireRelaxSettings {
    /// Initial time step (length/√(energy/length²)·… in surface units; 0.1 for the glass).
    pub dt_initial: f64,
    /// Largest time step.
    pub dt_max: f64,
    /// Largest displacement of one particle in one step (Å for the glass).
    pub max_step: f64,
}

impl Default for FireRelaxSettings {
    /// For the glass in eV and Å: the stiffest curvatures, ~16 eV/Å² (ω ≈ 2π·8 THz on Cu),
    /// keep the semi-implicit Euler step stable for Δt < 2/√16 = 0.5; Δt ≤ 0.4 and steps of at
    /// most 0.1 Å.
    fn default() -> Self {
        Self {
            dt_initial: 0.2,
            dt_max: 0.4,
            max_step: 0.1,
        }
    }
}

impl FireRelaxSettings {
    /// The engine's FIRE in its FIRE 1.0 form, unit masses, on `dim` coordinates in blocks of
    /// `block` per particle.
    pub fn fire(&self, dim: usize, block: usize) -> Fire {
        let limits = FireLimits {
            dt_initial: self.dt_initial,
            dt_max: self.dt_max,
            // FIRE 1.0 halves Δt on every uphill step, without a floor.
            dt_min: 0.0,
            max_step: self.max_step,
        };
        Fire::new(FireVariant::Bitzek2006, dim, block, limits)
    }
}

/// A relaxed configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub energy: f64,
    pub forces: Vec<f64>,
    /// Largest force on one particle at the end.
    pub max_force: f64,
    pub steps: usize,
    pub converged: bool,
}

/// FIRE from `x` until the largest particle force is below `force_tolerance` (or `max_steps`).
pub fn minimize(
    surface: &mut dyn EnergySurface,
    x: Vec<f64>,
    force_tolerance: f64,
    max_steps: usize,
    settings: FireRelaxSettings,
) -> Minimum {
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let mut x = x;
    let mut f = vec![0.0; x.len()];
    let mut energy = surface.energy_forces(&x, &mut f);
    let mut fire = settings.fire(x.len(), block);
    let mut steps = 0;
    while max_particle_force(&f, block) > force_tolerance && steps < max_steps {
        super::lanczos::project_out(&mut f, &null);
        fire.step(&mut x, &f);
        energy = surface.energy_forces(&x, &mut f);
        steps += 1;
    }
    let max_force = max_particle_force(&f, block);
    Minimum {
        x,
        energy,
        forces: f,
        max_force,
        steps,
        converged: max_force <= force_tolerance,
    }
}
