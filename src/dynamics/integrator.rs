//! Integrator styles, in the manner of LAMMPS's integrating fixes (`fix nve`, `fix nvt`,
//! `fix langevin`, `fix npt`): each one splits its update into the half before the force
//! evaluation ([`Integrator::initial_integrate`]) and the half after it
//! ([`Integrator::final_integrate`]). The engine's step is the Verlet sequence around them
//! (see [`crate::simulation::Simulation::step`]); adding an ensemble means adding a style
//! here and a line in [`integrator_for`], nothing in the engine.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::velocities::{degrees_of_freedom, kinetic_energy_ev, kinetic_tensor_ev};
use super::{Ensemble, Langevin, MtkBarostat, NoseHooverChain};
use crate::potential::ForceResult;
use crate::system::System;
use crate::system::units::{FTM2V, NKTV2P};

/// What an integrator moves and reads during one half of a step.
pub struct Atoms<'a> {
    pub system: &'a mut System,
    pub masses_amu: &'a [f64],
    /// Forces and virial at the current positions (those of the previous step in
    /// `initial_integrate`, the fresh ones in `final_integrate`).
    pub forces: &'a ForceResult,
    pub timestep_ps: f64,
    /// The run's random stream (Langevin noise); saved with the run.
    pub rng: &'a mut ChaCha8Rng,
}

impl Atoms<'_> {
    /// v += Δt F/m.
    pub fn kick(&mut self, dt_ps: f64) {
        let f = &self.forces.forces_ev_per_angstrom;
        for ((v, f), m) in self
            .system
            .velocities_angstrom_per_ps
            .iter_mut()
            .zip(f)
            .zip(self.masses_amu)
        {
            let c = dt_ps * FTM2V / m;
            v[0] += c * f[0];
            v[1] += c * f[1];
            v[2] += c * f[2];
        }
    }

    /// x += Δt v.
    pub fn drift(&mut self, dt_ps: f64) {
        let system = &mut *self.system;
        for (x, v) in system
            .positions_angstrom
            .iter_mut()
            .zip(&system.velocities_angstrom_per_ps)
        {
            x[0] += dt_ps * v[0];
            x[1] += dt_ps * v[1];
            x[2] += dt_ps * v[2];
        }
    }

    pub fn scale_velocities(&mut self, factor: f64) {
        for v in &mut self.system.velocities_angstrom_per_ps {
            v[0] *= factor;
            v[1] *= factor;
            v[2] *= factor;
        }
    }

    /// Isotropic dilation of box and positions about the box centre.
    pub fn dilate(&mut self, factor: f64) {
        let c = self.system.cell.centre_angstrom();
        self.system.cell = self.system.cell.scaled_about_centre(factor);
        for x in &mut self.system.positions_angstrom {
            for k in 0..3 {
                x[k] = c[k] + (x[k] - c[k]) * factor;
            }
        }
    }

    pub fn kinetic_energy_ev(&self) -> f64 {
        kinetic_energy_ev(self.masses_amu, &self.system.velocities_angstrom_per_ps)
    }

    pub fn n_atoms(&self) -> usize {
        self.system.n_atoms()
    }

    /// Instantaneous pressure (bar), as LAMMPS `compute pressure`.
    pub fn pressure_bar(&self) -> f64 {
        pressure_bar(self.masses_amu, self.system, &self.forces.virial_ev)
    }
}

/// Pressure tensor xx yy zz xy xz yz (bar), kinetic plus virial.
pub fn pressure_tensor_bar(masses_amu: &[f64], system: &System, virial_ev: &[f64; 6]) -> [f64; 6] {
    let k = kinetic_tensor_ev(masses_amu, &system.velocities_angstrom_per_ps);
    let v = system.cell.volume_angstrom3();
    std::array::from_fn(|i| (k[i] + virial_ev[i]) / v * NKTV2P)
}

/// Instantaneous pressure (bar): a third of the trace of [`pressure_tensor_bar`].
pub fn pressure_bar(masses_amu: &[f64], system: &System, virial_ev: &[f64; 6]) -> f64 {
    let t = pressure_tensor_bar(masses_amu, system, virial_ev);
    (t[0] + t[1] + t[2]) / 3.0
}

/// The integrator's own variables (thermostat and barostat), as saved in restart files and
/// rollback checkpoints. Its serialized form is that of the engine's former `Integrator`
/// enum, so older restart files read unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum IntegratorState {
    Nve,
    Nvt(NoseHooverChain),
    Langevin(Langevin),
    Npt(NoseHooverChain, MtkBarostat),
}

impl IntegratorState {
    fn style_name(&self) -> &'static str {
        match self {
            IntegratorState::Nve => "nve",
            IntegratorState::Nvt(_) => "nvt",
            IntegratorState::Langevin(_) => "langevin",
            IntegratorState::Npt(..) => "npt",
        }
    }
}

/// Why an integrator cannot take a saved state.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IntegratorError {
    #[error("the saved integrator is {saved}, but this run integrates with {style}")]
    WrongStyle {
        style: &'static str,
        saved: &'static str,
    },
}

/// An integration style: the two halves of a step around the force evaluation.
pub trait Integrator: Send + Sync + std::fmt::Debug {
    /// LAMMPS's style name (`nve`, `nvt`, `langevin`, `npt`).
    fn style(&self) -> &'static str;
    /// The update before the forces: velocities to the half step, positions to the full.
    fn initial_integrate(&mut self, atoms: &mut Atoms);
    /// The update after the forces: velocities to the full step.
    fn final_integrate(&mut self, atoms: &mut Atoms);
    /// Energy held by the integrator's extended variables (thermostat and barostat, P·V),
    /// eV: the conserved quantity is E_pot + E_kin + this + the fixes' energy.
    fn conserved_energy_ev(&self, n_atoms: usize, volume_angstrom3: f64) -> f64;
    /// Changes the thermostat's target (a temperature ramp calls this as it goes).
    fn set_target_temperature_k(&mut self, target_k: f64);
    fn save_state(&self) -> IntegratorState;
    /// Continues from a state of the same style written by [`Integrator::save_state`].
    fn restore_state(&mut self, state: IntegratorState) -> Result<(), IntegratorError>;
    fn clone_box(&self) -> Box<dyn Integrator>;
}

impl Clone for Box<dyn Integrator> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The style that integrates `ensemble`, in its initial state.
pub fn integrator_for(ensemble: &Ensemble) -> Box<dyn Integrator> {
    match *ensemble {
        Ensemble::Nve => Box::new(Nve),
        Ensemble::Nvt {
            temperature_k,
            damping_ps,
        } => Box::new(Nvt {
            chain: NoseHooverChain::new(temperature_k, damping_ps),
        }),
        Ensemble::Langevin {
            temperature_k,
            damping_ps,
        } => Box::new(LangevinBaoab {
            langevin: Langevin::new(temperature_k, damping_ps),
        }),
        Ensemble::Npt {
            temperature_k,
            temperature_damping_ps,
            pressure_bar,
            pressure_damping_ps,
        } => Box::new(Npt {
            chain: NoseHooverChain::new(temperature_k, temperature_damping_ps),
            barostat: MtkBarostat::new(pressure_bar, pressure_damping_ps, temperature_k),
        }),
    }
}

fn wrong_style(style: &'static str, saved: &IntegratorState) -> IntegratorError {
    IntegratorError::WrongStyle {
        style,
        saved: saved.style_name(),
    }
}

/// Half-step of a Nosé–Hoover chain on the particles' kinetic energy.
fn thermostat_half_step(chain: &mut NoseHooverChain, atoms: &mut Atoms) {
    let dof = degrees_of_freedom(atoms.n_atoms());
    let scale = chain.half_step(atoms.kinetic_energy_ev(), dof, atoms.timestep_ps);
    atoms.scale_velocities(scale);
}

/// Plain velocity Verlet (LAMMPS `fix nve`).
#[derive(Clone, Debug, PartialEq)]
pub struct Nve;

impl Integrator for Nve {
    fn style(&self) -> &'static str {
        "nve"
    }

    fn initial_integrate(&mut self, atoms: &mut Atoms) {
        let dt = atoms.timestep_ps;
        atoms.kick(0.5 * dt);
        atoms.drift(dt);
    }

    fn final_integrate(&mut self, atoms: &mut Atoms) {
        atoms.kick(0.5 * atoms.timestep_ps);
    }

    fn conserved_energy_ev(&self, _n_atoms: usize, _volume_angstrom3: f64) -> f64 {
        0.0
    }

    fn set_target_temperature_k(&mut self, _target_k: f64) {}

    fn save_state(&self) -> IntegratorState {
        IntegratorState::Nve
    }

    fn restore_state(&mut self, state: IntegratorState) -> Result<(), IntegratorError> {
        match state {
            IntegratorState::Nve => Ok(()),
            other => Err(wrong_style(self.style(), &other)),
        }
    }

    fn clone_box(&self) -> Box<dyn Integrator> {
        Box::new(self.clone())
    }
}

/// Velocity Verlet inside a Nosé–Hoover chain's half-steps (LAMMPS `fix nvt`).
#[derive(Clone, Debug, PartialEq)]
pub struct Nvt {
    chain: NoseHooverChain,
}

impl Integrator for Nvt {
    fn style(&self) -> &'static str {
        "nvt"
    }

    fn initial_integrate(&mut self, atoms: &mut Atoms) {
        let dt = atoms.timestep_ps;
        thermostat_half_step(&mut self.chain, atoms);
        atoms.kick(0.5 * dt);
        atoms.drift(dt);
    }

    fn final_integrate(&mut self, atoms: &mut Atoms) {
        atoms.kick(0.5 * atoms.timestep_ps);
        thermostat_half_step(&mut self.chain, atoms);
    }

    fn conserved_energy_ev(&self, n_atoms: usize, _volume_angstrom3: f64) -> f64 {
        self.chain.energy_ev(degrees_of_freedom(n_atoms))
    }

    fn set_target_temperature_k(&mut self, target_k: f64) {
        self.chain.set_target_k(target_k);
    }

    fn save_state(&self) -> IntegratorState {
        IntegratorState::Nvt(self.chain.clone())
    }

    fn restore_state(&mut self, state: IntegratorState) -> Result<(), IntegratorError> {
        match state {
            IntegratorState::Nvt(chain) => {
                self.chain = chain;
                Ok(())
            }
            other => Err(wrong_style(self.style(), &other)),
        }
    }

    fn clone_box(&self) -> Box<dyn Integrator> {
        Box::new(self.clone())
    }
}

/// Langevin dynamics by BAOAB: kick, half drift, exact Ornstein–Uhlenbeck, half drift |
/// forces | kick.
#[derive(Clone, Debug, PartialEq)]
pub struct LangevinBaoab {
    langevin: Langevin,
}

impl Integrator for LangevinBaoab {
    fn style(&self) -> &'static str {
        "langevin"
    }

    fn initial_integrate(&mut self, atoms: &mut Atoms) {
        let dt = atoms.timestep_ps;
        atoms.kick(0.5 * dt);
        atoms.drift(0.5 * dt);
        self.langevin.ornstein_uhlenbeck(
            atoms.masses_amu,
            &mut atoms.system.velocities_angstrom_per_ps,
            dt,
            atoms.rng,
        );
        atoms.drift(0.5 * dt);
    }

    fn final_integrate(&mut self, atoms: &mut Atoms) {
        atoms.kick(0.5 * atoms.timestep_ps);
    }

    fn conserved_energy_ev(&self, _n_atoms: usize, _volume_angstrom3: f64) -> f64 {
        0.0
    }

    fn set_target_temperature_k(&mut self, target_k: f64) {
        self.langevin.set_target_k(target_k);
    }

    fn save_state(&self) -> IntegratorState {
        IntegratorState::Langevin(self.langevin.clone())
    }

    fn restore_state(&mut self, state: IntegratorState) -> Result<(), IntegratorError> {
        match state {
            IntegratorState::Langevin(langevin) => {
                self.langevin = langevin;
                Ok(())
            }
            other => Err(wrong_style(self.style(), &other)),
        }
    }

    fn clone_box(&self) -> Box<dyn Integrator> {
        Box::new(self.clone())
    }
}

/// Nosé–Hoover chains with the isotropic MTK barostat (LAMMPS `fix npt … iso`).
#[derive(Clone, Debug, PartialEq)]
pub struct Npt {
    chain: NoseHooverChain,
    barostat: MtkBarostat,
}

impl Npt {
    fn omega_half_step(&mut self, atoms: &Atoms) {
        let n = atoms.n_atoms();
        let pressure = atoms.pressure_bar();
        let volume = atoms.system.cell.volume_angstrom3();
        let ke2 = 2.0 * atoms.kinetic_energy_ev();
        self.barostat
            .omega_half_step(pressure, volume, ke2, n, atoms.timestep_ps);
    }

    fn velocity_scale(&self, atoms: &mut Atoms) {
        let s = self
            .barostat
            .velocity_scale(atoms.n_atoms(), atoms.timestep_ps);
        atoms.scale_velocities(s);
    }
}

impl Integrator for Npt {
    fn style(&self) -> &'static str {
        "npt"
    }

    /// LAMMPS fix nh order: barostat chain, thermostat chain, ω, velocity scaling, kick,
    /// dilate, drift, dilate.
    fn initial_integrate(&mut self, atoms: &mut Atoms) {
        let (n, dt) = (atoms.n_atoms(), atoms.timestep_ps);
        self.barostat.thermostat_half_step(n, dt);
        thermostat_half_step(&mut self.chain, atoms);
        self.omega_half_step(atoms);
        self.velocity_scale(atoms);
        atoms.kick(0.5 * dt);
        let d = self.barostat.dilation(dt);
        atoms.dilate(d);
        atoms.drift(dt);
        atoms.dilate(d);
    }

    /// Kick, velocity scaling, ω, chains.
    fn final_integrate(&mut self, atoms: &mut Atoms) {
        let (n, dt) = (atoms.n_atoms(), atoms.timestep_ps);
        atoms.kick(0.5 * dt);
        self.velocity_scale(atoms);
        self.omega_half_step(atoms);
        thermostat_half_step(&mut self.chain, atoms);
        self.barostat.thermostat_half_step(n, dt);
    }

    fn conserved_energy_ev(&self, n_atoms: usize, volume_angstrom3: f64) -> f64 {
        self.chain.energy_ev(degrees_of_freedom(n_atoms))
            + self.barostat.energy_ev(n_atoms, volume_angstrom3)
    }

    fn set_target_temperature_k(&mut self, target_k: f64) {
        self.chain.set_target_k(target_k);
        self.barostat.set_target_k(target_k);
    }

    fn save_state(&self) -> IntegratorState {
        IntegratorState::Npt(self.chain.clone(), self.barostat.clone())
    }

    fn restore_state(&mut self, state: IntegratorState) -> Result<(), IntegratorError> {
        match state {
            IntegratorState::Npt(chain, barostat) => {
                self.chain = chain;
                self.barostat = barostat;
                Ok(())
            }
            other => Err(wrong_style(self.style(), &other)),
        }
    }

    fn clone_box(&self) -> Box<dyn Integrator> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_restores_only_into_its_own_style() {
        let nvt = Ensemble::Nvt {
            temperature_k: 300.0,
            damping_ps: 0.1,
        };
        let mut a = integrator_for(&nvt);
        a.set_target_temperature_k(450.0);
        let saved = a.save_state();
        let mut b = integrator_for(&nvt);
        b.restore_state(saved.clone()).unwrap();
        assert_eq!(b.save_state(), saved);
        let mut nve = integrator_for(&Ensemble::Nve);
        assert_eq!(
            nve.restore_state(saved),
            Err(IntegratorError::WrongStyle {
                style: "nve",
                saved: "nvt"
            })
        );
    }

    #[test]
    fn the_state_serializes_as_the_former_integrator_enum() {
        let json = serde_json::to_string(&IntegratorState::Nve).unwrap();
        assert_eq!(json, "\"Nve\"");
        let chain = NoseHooverChain::new(300.0, 0.2);
        let json = serde_json::to_value(IntegratorState::Nvt(chain.clone())).unwrap();
        assert_eq!(json["Nvt"], serde_json::to_value(&chain).unwrap());
    }
}
