//! The FIRE minimiser, one implementation for the engine's quench
//! ([`crate::simulation::Simulation::minimize`]) and ART's relaxations
//! ([`crate::landscape::relax`]): damped dynamics on a flat coordinate vector that mixes the
//! velocity towards the force and stops when going uphill.
//!
//! Two published variants, which the two callers have always used (their numbers are pinned
//! by the event, ART and golden-trajectory tests, so each keeps its own):
//! - [`FireVariant::Bitzek2006`], FIRE 1.0 (Bitzek et al., PRL 97, 170201 (2006)): mix, then
//!   semi-implicit Euler; α₀ = 0.1; uphill: stop and halve Δt. ART's choice, with unit
//!   masses and a search time.
//! - [`FireVariant::Guenole2020`], FIRE 2.0 (Guénolé et al., Comput. Mater. Sci. 175,
//!   109584 (2020)): kick, then mix; α₀ = 0.25; uphill: step back half a step, stop, and
//!   shrink Δt only after the first N_delay steps, never below Δt_min. The engine's choice,
//!   with atomic masses in physical time.

use serde::{Deserialize, Serialize};

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

/// Which published FIRE (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FireVariant {
    Bitzek2006,
    Guenole2020,
}

impl FireVariant {
    fn alpha_start(self) -> f64 {
        match self {
            FireVariant::Bitzek2006 => 0.1,
            FireVariant::Guenole2020 => 0.25,
        }
    }
}

/// Steps downhill before Δt may grow (and, in FIRE 2.0, steps before it may shrink).
const N_DELAY: usize = 5;
const F_INC: f64 = 1.1;
const F_DEC: f64 = 0.5;
const F_ALPHA: f64 = 0.99;

/// FIRE's time-step limits and step cap, in the caller's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FireLimits {
    pub dt_initial: f64,
    pub dt_max: f64,
    pub dt_min: f64,
    /// Largest displacement of one particle in one step.
    pub max_step: f64,
}

/// FIRE's adaptive state and search velocity.
#[derive(Clone, Debug)]
pub struct Fire {
    variant: FireVariant,
    limits: FireLimits,
    /// Coordinates per particle (3 for atoms, 2 for a point on a plane).
    block: usize,
    /// Mass of each particle and the factor turning force/mass·time into velocity; unit
    /// masses and 1 for a search in abstract units.
    masses: Vec<f64>,
    force_to_velocity: f64,
    v: Vec<f64>,
    displacement: Vec<f64>,
    dt: f64,
    alpha: f64,
    steps_since_uphill: usize,
    steps_taken: usize,
}

impl Fire {
    /// A FIRE on `dim` coordinates in blocks of `block` per particle, unit masses.
    pub fn new(variant: FireVariant, dim: usize, block: usize, limits: FireLimits) -> Self {
        Self {
            variant,
            limits,
            block,
            masses: vec![1.0; dim / block.max(1)],
            force_to_velocity: 1.0,
            v: vec![0.0; dim],
            displacement: Vec::with_capacity(dim),
            dt: limits.dt_initial,
            alpha: variant.alpha_start(),
            steps_since_uphill: 0,
            steps_taken: 0,
        }
    }

    /// Gives the particles masses; a kick is then Δt·F/m·`force_to_velocity`.
    pub fn with_masses(mut self, masses: &[f64], force_to_velocity: f64) -> Self {
        self.masses = masses.to_vec();
        self.force_to_velocity = force_to_velocity;
        self
    }

    /// Σ a·b. FIRE 2.0 sums each particle's components first (the engine's order), FIRE 1.0
    /// runs over the flat vector: each is the reduction its pinned numbers were made with.
    fn dot(&self, a: &[f64], b: &[f64]) -> f64 {
        match self.variant {
            FireVariant::Bitzek2006 => a.iter().zip(b).map(|(x, y)| x * y).sum(),
            FireVariant::Guenole2020 => a
                .chunks(self.block)
                .zip(b.chunks(self.block))
                .map(|(p, q)| {
                    p.iter()
                        .zip(q)
                        .map(|(x, y)| x * y)
                        .reduce(|s, t| s + t)
                        .unwrap_or(0.0)
                })
                .sum(),
        }
    }

    /// v ← (1 − α) v + α |v|/|F| F.
    fn mix(&mut self, f: &[f64]) {
        let v_norm = self.dot(&self.v, &self.v).sqrt();
        let f_norm = self.dot(f, f).sqrt();
        if f_norm > 0.0 {
            let mix = self.alpha * v_norm / f_norm;
            for (v, g) in self.v.iter_mut().zip(f) {
                *v = (1.0 - self.alpha) * *v + mix * g;
            }
        }
    }

    /// One step: moves `x` given the forces `f` there (already projected if a constraint
    /// applies).
    pub fn step(&mut self, x: &mut [f64], f: &[f64]) {
        let power = self.dot(f, &self.v);
        self.steps_taken += 1;
        self.displacement.clear();
        if power > 0.0 {
            if self.variant == FireVariant::Bitzek2006 {
                self.mix(f);
            }
            self.steps_since_uphill += 1;
            if self.steps_since_uphill > N_DELAY {
                self.dt = (self.dt * F_INC).min(self.limits.dt_max);
                self.alpha *= F_ALPHA;
            }
            if self.variant == FireVariant::Guenole2020 {
                self.displacement.resize(self.v.len(), 0.0);
            }
        } else {
            self.uphill();
        }
        // Semi-implicit Euler: kick (FIRE 2.0 then mixes), drift.
        let block = self.block;
        for ((v, g), m) in self
            .v
            .chunks_mut(block)
            .zip(f.chunks(block))
            .zip(&self.masses)
        {
            for (vk, gk) in v.iter_mut().zip(g) {
                *vk += self.dt * gk / m * self.force_to_velocity;
            }
        }
        if self.variant == FireVariant::Guenole2020 {
            self.mix(f);
        }
        // FIRE 1.0 moves Δt·v; FIRE 2.0 adds it to the half step back (or to zero).
        if self.displacement.is_empty() {
            let dt = self.dt;
            self.displacement.extend(self.v.iter().map(|v| dt * v));
        } else {
            for (d, v) in self.displacement.iter_mut().zip(&self.v) {
                *d += self.dt * v;
            }
        }
        self.cap_displacement();
        x.iter_mut()
            .zip(&self.displacement)
            .for_each(|(a, b)| *a += b);
    }

    /// Going uphill (or at rest): stop and shrink the time step; FIRE 2.0 first steps back
    /// half a step and keeps Δt for the first N_delay steps.
    fn uphill(&mut self) {
        self.steps_since_uphill = 0;
        self.alpha = self.variant.alpha_start();
        match self.variant {
            FireVariant::Bitzek2006 => self.dt *= F_DEC,
            FireVariant::Guenole2020 => {
                if self.steps_taken >= N_DELAY {
                    self.dt = (self.dt * F_DEC).max(self.limits.dt_min);
                }
                let back = -0.5 * self.dt;
                self.displacement.extend(self.v.iter().map(|v| back * v));
            }
        }
        self.v.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Scales the step down so that no particle moves more than `max_step`.
    fn cap_displacement(&mut self) {
        let longest = self
            .displacement
            .chunks(self.block)
            .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
            .fold(0.0, f64::max);
        if longest > self.limits.max_step {
            let s = self.limits.max_step / longest;
            self.displacement.iter_mut().for_each(|c| *c *= s);
        }
    }

    /// Removes the component along unit `direction` from the velocity.
    pub fn project_velocity(&mut self, direction: &[f64]) {
        let c: f64 = self.v.iter().zip(direction).map(|(x, y)| x * y).sum();
        self.v
            .iter_mut()
            .zip(direction)
            .for_each(|(v, d)| *v -= c * d);
    }
}
