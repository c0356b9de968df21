//! Isotropic Martyna–Tuckerman–Klein barostat, following LAMMPS `fix npt … iso`
//! (`nh_omega_dot`, `nh_v_press`, `remap`, `nhc_press_integrate`).
//!
//! The strain rate ω = d ln L / dt obeys LAMMPS's per-axis equation with mass
//! W = (N + 1) k_B T / ω_p², ω_p = 1/damping. The three axes move together, so the barostat is
//! one degree of freedom with kinetic energy 3/2 W ω² (Tuckerman's p_ε²/2W_ε with W_ε = 3W),
//! which its own Nosé–Hoover chain holds at k_B T/2.

use super::nose_hoover::NoseHooverChain;
use crate::system::units::{BOLTZMANN_EV_PER_K, NKTV2P};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MtkBarostat {
    target_bar: f64,
    frequency_per_ps: f64,
    /// Strain rate ω (1/ps).
    omega_dot: f64,
    chain: NoseHooverChain,
}

impl MtkBarostat {
    pub fn new(target_bar: f64, damping_ps: f64, target_k: f64) -> Self {
        Self {
            target_bar,
            frequency_per_ps: 1.0 / damping_ps,
            omega_dot: 0.0,
            chain: NoseHooverChain::new(target_k, damping_ps),
        }
    }

    pub fn target_bar(&self) -> f64 {
        self.target_bar
    }

    pub fn set_target_k(&mut self, target_k: f64) {
        self.chain.set_target_k(target_k);
    }

    /// Strain rate ω (1/ps).
    pub fn strain_rate_per_ps(&self) -> f64 {
        self.omega_dot
    }

    fn mass(&self, n_atoms: usize) -> f64 {
        (n_atoms as f64 + 1.0) * BOLTZMANN_EV_PER_K * self.chain.target_k()
            / (self.frequency_per_ps * self.frequency_per_ps)
    }

    /// Energy of the barostat and its chain plus P·V (eV), for the conserved quantity.
    pub fn energy_ev(&self, n_atoms: usize, volume_angstrom3: f64) -> f64 {
        0.5 * self.mass(n_atoms) * self.omega_dot * self.omega_dot * 3.0
            + self.chain.energy_ev(1.0)
            + self.target_bar * volume_angstrom3 / NKTV2P
    }

    /// Half-step of the barostat's own thermostat.
    pub fn thermostat_half_step(&mut self, n_atoms: usize, dt_ps: f64) {
        let w = self.mass(n_atoms);
        let scale = self
            .chain
            .half_step_single(1.5 * w * self.omega_dot * self.omega_dot, dt_ps);
        self.omega_dot *= scale;
    }

    /// Half-step of ω under the pressure difference. `kinetic2_ev` = N_f k_B T_current.
    pub fn omega_half_step(
        &mut self,
        pressure_bar: f64,
        volume_angstrom3: f64,
        kinetic2_ev: f64,
        n_atoms: usize,
        dt_ps: f64,
    ) {
        let w = self.mass(n_atoms);
        let mtk_term1 = kinetic2_ev / (3.0 * n_atoms as f64);
        let f_omega =
            (pressure_bar - self.target_bar) * volume_angstrom3 / (w * NKTV2P) + mtk_term1 / w;
        self.omega_dot += f_omega * 0.5 * dt_ps;
    }

    /// Factor to scale velocities by on a half-step: exp(−Δt/2 (ω + ω/N)), LAMMPS's
    /// `nh_v_press` with `mtk_term2`.
    pub fn velocity_scale(&self, n_atoms: usize, dt_ps: f64) -> f64 {
        let mtk_term2 = self.omega_dot / n_atoms as f64;
        (-0.5 * dt_ps * (self.omega_dot + mtk_term2)).exp()
    }

    /// Factor to scale box and positions by on a half-step (LAMMPS's `remap`).
    pub fn dilation(&self, dt_ps: f64) -> f64 {
        (0.5 * dt_ps * self.omega_dot).exp()
    }
}
