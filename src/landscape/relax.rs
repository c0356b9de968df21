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

/// L-BFGS (Nocedal, Math. Comp. 35, 773 (1980)) in the form of ASE's `LBFGS` optimiser (no
/// line search, the largest particle step capped at `max_step`, initial inverse curvature
/// 1/70 Å²/eV), from `x` until the largest particle force is below `force_tolerance` (or
/// `max_steps` force calls). A step that raises the energy is taken back and the history
/// forgotten, so the next step is a short steepest-descent one. Near a minimum it needs a
/// fraction of FIRE's steps (the glass's new minima: see the README's ART section).
pub fn minimize_lbfgs(
    surface: &mut dyn EnergySurface,
    x: Vec<f64>,
    force_tolerance: f64,
    max_steps: usize,
    max_step: f64,
    memory: usize,
) -> Minimum {
    /// ASE's `alpha`: the initial Hessian guess (eV/Å²).
    const INITIAL_CURVATURE: f64 = 70.0;
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let mut x = x;
    let mut f = vec![0.0; x.len()];
    let mut energy = surface.energy_forces(&x, &mut f);
    super::lanczos::project_out(&mut f, &null);
    // (s, y, 1/(y·s)), oldest first.
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::new();
    let mut steps = 0;
    let mut f_new = vec![0.0; x.len()];
    while max_particle_force(&f, block) > force_tolerance && steps < max_steps {
        // Two-loop recursion: r = H·(−F), the step is −r.
        let mut q: Vec<f64> = f.iter().map(|v| -v).collect();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = history
            .back()
            .map_or(1.0 / INITIAL_CURVATURE, |(s, y, _)| dot(s, y) / dot(y, y));
        let mut r: Vec<f64> = q.iter().map(|v| gamma * v).collect();
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &r);
            r.iter_mut().zip(s).for_each(|(ri, si)| *ri += si * (a - b));
        }
        let mut p: Vec<f64> = r.iter().map(|v| -v).collect();
        if dot(&p, &f) <= 0.0 {
            history.clear();
            p = f.iter().map(|v| v / INITIAL_CURVATURE).collect();
        }
        let longest = max_particle_force(&p, block);
        if longest > max_step {
            p.iter_mut().for_each(|v| *v *= max_step / longest);
        }
        let x_new: Vec<f64> = x.iter().zip(&p).map(|(a, b)| a + b).collect();
        let e_new = surface.energy_forces(&x_new, &mut f_new);
        super::lanczos::project_out(&mut f_new, &null);
        steps += 1;
        // A rise beyond the energy's rounding (~1e-12 relative) is a bad step; a steepest-
        // descent step (no history) is kept whatever it does, so the loop always moves.
        let rounding = 1e-12 * energy.abs().max(1.0);
        if e_new > energy + rounding && !history.is_empty() {
            history.clear();
            continue;
        }
        let y: Vec<f64> = f.iter().zip(&f_new).map(|(a, b)| a - b).collect();
        let sy = dot(&p, &y);
        if sy > 0.0 {
            history.push_back((p, y, 1.0 / sy));
            if history.len() > memory.max(1) {
                history.pop_front();
            }
        }
        x = x_new;
        energy = e_new;
        std::mem::swap(&mut f, &mut f_new);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::surface::MullerBrown;

    #[test]
    fn lbfgs_finds_the_muller_brown_minima_fire_finds() {
        // The three minima of the Müller–Brown surface, from points beside them.
        for start in [[0.5, 0.1], [-0.3, 1.3], [0.0, 0.6]] {
            let mut a = MullerBrown::new();
            let fire = minimize(
                &mut a,
                start.to_vec(),
                1e-8,
                100_000,
                FireRelaxSettings {
                    dt_initial: 1e-3,
                    dt_max: 5e-3,
                    max_step: 0.01,
                },
            );
            let mut b = MullerBrown::new();
            let lbfgs = minimize_lbfgs(&mut b, start.to_vec(), 1e-8, 10_000, 0.01, 10);
            assert!(fire.converged && lbfgs.converged);
            let d = (fire.x[0] - lbfgs.x[0]).hypot(fire.x[1] - lbfgs.x[1]);
            assert!(
                d < 1e-9,
                "from {start:?}: FIRE {:?}, L-BFGS {:?}",
                fire.x,
                lbfgs.x
            );
            assert!(
                lbfgs.steps < fire.steps,
                "{} vs {}",
                lbfgs.steps,
                fire.steps
            );
        }
    }
}
