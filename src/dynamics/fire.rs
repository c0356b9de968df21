//! FIRE 2.0 energy minimiser (Guénolé et al., Comput. Mater. Sci. 175, 109584 (2020)):
//! damped dynamics that mixes velocity towards the force and restarts when going uphill.
//! Driven by [`crate::simulation::Simulation::minimize`].

use serde::{Deserialize, Serialize};

use crate::system::Vec3;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FireSettings {
    /// Converged when the largest atomic force is below this (eV/Å).
    pub force_tolerance_ev_per_angstrom: f64,
    pub max_steps: usize,
    pub initial_timestep_ps: f64,
    pub max_timestep_ps: f64,
    pub min_timestep_ps: f64,
    /// Largest displacement of any atom in one step (Å).
    pub max_displacement_angstrom: f64,
}

impl Default for FireSettings {
    fn default() -> Self {
        Self {
            force_tolerance_ev_per_angstrom: 1e-3,
            max_steps: 20_000,
            initial_timestep_ps: 0.002,
            max_timestep_ps: 0.01,
            min_timestep_ps: 0.0002,
            max_displacement_angstrom: 0.1,
        }
    }
}

/// How a minimisation ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinimizeOutcome {
    pub converged: bool,
    pub steps: usize,
    pub energy_ev: f64,
    pub max_force_ev_per_angstrom: f64,
}

const N_DELAY: usize = 5;
const F_INC: f64 = 1.1;
const F_DEC: f64 = 0.5;
const ALPHA_START: f64 = 0.25;
const F_ALPHA: f64 = 0.99;

/// FIRE's adaptive state.
#[derive(Clone, Debug)]
pub struct Fire {
    settings: FireSettings,
    dt_ps: f64,
    alpha: f64,
    steps_since_uphill: usize,
    steps_taken: usize,
}

impl Fire {
    pub fn new(settings: FireSettings) -> Self {
        Self {
            settings,
            dt_ps: settings.initial_timestep_ps,
            alpha: ALPHA_START,
            steps_since_uphill: 0,
            steps_taken: 0,
        }
    }

    /// One FIRE step: updates velocities (Å/ps, here a search direction) and returns the
    /// displacement to apply to every atom, given forces (eV/Å) and masses (amu).
    pub fn step(
        &mut self,
        velocities: &mut [Vec3],
        forces: &[Vec3],
        masses_amu: &[f64],
        displacements: &mut Vec<Vec3>,
    ) {
        let dot = |a: &[Vec3], b: &[Vec3]| -> f64 {
            a.iter()
                .zip(b)
                .map(|(x, y)| x[0] * y[0] + x[1] * y[1] + x[2] * y[2])
                .sum()
        };
        let power = dot(forces, velocities);
        self.steps_taken += 1;
        displacements.clear();
        if power > 0.0 {
            self.steps_since_uphill += 1;
            if self.steps_since_uphill > N_DELAY {
                self.dt_ps = (self.dt_ps * F_INC).min(self.settings.max_timestep_ps);
                self.alpha *= F_ALPHA;
            }
            displacements.resize(velocities.len(), [0.0; 3]);
        } else {
            // Going uphill (or at rest): FIRE 2.0 steps back half a step, stops, and shrinks
            // the time step; the MD step below then restarts from rest.
            self.steps_since_uphill = 0;
            if self.steps_taken >= N_DELAY {
                self.dt_ps = (self.dt_ps * F_DEC).max(self.settings.min_timestep_ps);
            }
            self.alpha = ALPHA_START;
            displacements.extend(velocities.iter().map(|v| v.map(|c| -0.5 * self.dt_ps * c)));
            velocities.iter_mut().for_each(|v| *v = [0.0; 3]);
        }
        // Semi-implicit Euler: kick, mix, drift.
        let ftm2v = crate::system::units::FTM2V;
        for ((v, f), m) in velocities.iter_mut().zip(forces).zip(masses_amu) {
            for k in 0..3 {
                v[k] += self.dt_ps * f[k] / m * ftm2v;
            }
        }
        let v_norm = dot(velocities, velocities).sqrt();
        let f_norm = dot(forces, forces).sqrt();
        if f_norm > 0.0 {
            let mix = self.alpha * v_norm / f_norm;
            for (v, f) in velocities.iter_mut().zip(forces) {
                for k in 0..3 {
                    v[k] = (1.0 - self.alpha) * v[k] + mix * f[k];
                }
            }
        }
        for (d, v) in displacements.iter_mut().zip(velocities.iter()) {
            for k in 0..3 {
                d[k] += self.dt_ps * v[k];
            }
        }
        let longest = displacements
            .iter()
            .map(|d| (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt())
            .fold(0.0, f64::max);
        if longest > self.settings.max_displacement_angstrom {
            let s = self.settings.max_displacement_angstrom / longest;
            displacements.iter_mut().for_each(|d| *d = d.map(|c| c * s));
        }
    }
}
