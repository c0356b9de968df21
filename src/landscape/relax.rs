//! FIRE (Bitzek et al., PRL 97, 170201 (2006)) on a flat coordinate vector with unit masses:
//! the minimiser of ART's perpendicular relaxation and of the descent to the new minimum.
//!
//! Time here is a search parameter, not physical time: x += Δt·v, v += Δt·F, so one step from
//! rest moves Δt²·F. The optional projector removes a direction from forces and velocities
//! (relaxation in the hyperplane perpendicular to ART's push or eigenvector).

use serde::{Deserialize, Serialize};

use super::surface::{EnergySurface, dot, max_particle_force, norm};

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

const N_MIN: usize = 5;
const F_INC: f64 = 1.1;
const F_DEC: f64 = 0.5;
const ALPHA_START: f64 = 0.1;
const F_ALPHA: f64 = 0.99;

/// FIRE's state.
#[derive(Clone, Debug)]
pub struct FireRelax {
    settings: FireRelaxSettings,
    v: Vec<f64>,
    dt: f64,
    alpha: f64,
    n_positive: usize,
}

impl FireRelax {
    pub fn new(dim: usize, settings: FireRelaxSettings) -> Self {
        Self {
            settings,
            v: vec![0.0; dim],
            dt: settings.dt_initial,
            alpha: ALPHA_START,
            n_positive: 0,
        }
    }

    /// One step: moves `x` given the forces `f` there (already projected if a constraint
    /// applies); `block` is the surface's components per particle.
    pub fn step(&mut self, x: &mut [f64], f: &[f64], block: usize) {
        let power = dot(f, &self.v);
        if power > 0.0 {
            let (v_norm, f_norm) = (norm(&self.v), norm(f));
            if f_norm > 0.0 {
                let mix = self.alpha * v_norm / f_norm;
                for (v, g) in self.v.iter_mut().zip(f) {
                    *v = (1.0 - self.alpha) * *v + mix * g;
                }
            }
            self.n_positive += 1;
            if self.n_positive > N_MIN {
                self.dt = (self.dt * F_INC).min(self.settings.dt_max);
                self.alpha *= F_ALPHA;
            }
        } else {
            self.n_positive = 0;
            self.dt *= F_DEC;
            self.alpha = ALPHA_START;
            self.v.iter_mut().for_each(|v| *v = 0.0);
        }
        for (v, g) in self.v.iter_mut().zip(f) {
            *v += self.dt * g;
        }
        let mut d: Vec<f64> = self.v.iter().map(|v| self.dt * v).collect();
        let longest = max_particle_force(&d, block);
        if longest > self.settings.max_step {
            let s = self.settings.max_step / longest;
            d.iter_mut().for_each(|c| *c *= s);
        }
        x.iter_mut().zip(&d).for_each(|(a, b)| *a += b);
    }

    /// Removes the component along unit `direction` from the velocity.
    pub fn project_velocity(&mut self, direction: &[f64]) {
        let c = dot(&self.v, direction);
        self.v
            .iter_mut()
            .zip(direction)
            .for_each(|(v, d)| *v -= c * d);
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
    let mut fire = FireRelax::new(x.len(), settings);
    let mut steps = 0;
    while max_particle_force(&f, block) > force_tolerance && steps < max_steps {
        super::lanczos::project_out(&mut f, &null);
        fire.step(&mut x, &f, block);
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
