//! The one engine: a [`Simulation`] owns the atoms, the potential, the neighbour list and the
//! integrator. The CLI, the app and the tests all drive it through the same methods.

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::dynamics::velocities::{self, degrees_of_freedom, kinetic_energy_ev, kinetic_tensor_ev};
use crate::dynamics::{
    Ensemble, Fire, FireSettings, Langevin, MinimizeOutcome, MtkBarostat, NoseHooverChain,
};
use crate::fix::{AtomMap, Fix, FixContext};
use crate::neighbor::NeighborList;
use crate::potential::{ForceInput, ForceResult, Potential, Scratch, potential_label};
use crate::system::units::{FTM2V, NKTV2P};
use crate::system::{System, Vec3};

/// A force above this (eV/Å) means the run has blown up (atoms overlapping).
pub const BLOW_UP_FORCE_EV_PER_ANGSTROM: f64 = 1.0e3;

/// Settings of a molecular-dynamics run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MdSettings {
    pub timestep_ps: f64,
    pub skin_angstrom: f64,
    pub ensemble: Ensemble,
    /// Seeds the Langevin noise (and nothing else: velocities are seeded explicitly).
    pub seed: u64,
}

impl Default for MdSettings {
    fn default() -> Self {
        Self {
            timestep_ps: 0.002,
            skin_angstrom: 1.0,
            ensemble: Ensemble::Nvt {
                temperature_k: 300.0,
                damping_ps: 0.2,
            },
            seed: 1,
        }
    }
}

/// Why a simulation cannot be set up or continued.
#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("species {0} is not in the potential {1}")]
    UnknownSpecies(String, String),
    #[error("invalid configuration: {0}")]
    InvalidSystem(String),
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
    #[error(
        "the simulation became unstable at step {step} ({reason}); it was stopped and rolled back to step {restored_step}"
    )]
    Unstable {
        step: u64,
        restored_step: u64,
        reason: String,
    },
}

/// Thermodynamic state at the current step.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Thermo {
    pub step: u64,
    pub time_ps: f64,
    pub temperature_k: f64,
    pub potential_energy_ev: f64,
    pub kinetic_energy_ev: f64,
    pub total_energy_ev: f64,
    /// Total energy plus thermostat and barostat energies: constant for a correct integrator.
    pub conserved_energy_ev: f64,
    pub pressure_bar: f64,
    pub volume_angstrom3: f64,
    /// Energy of the fixes (biases, restraints), included in `conserved_energy_ev`.
    pub fix_energy_ev: f64,
}

/// The integrator with its thermostat and barostat variables: saved with a checkpoint so a
/// resumed run continues the same extended dynamics.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Integrator {
    Nve,
    Nvt(NoseHooverChain),
    Langevin(Langevin),
    Npt(NoseHooverChain, MtkBarostat),
}

/// A restorable copy of the dynamical state.
#[derive(Clone, Debug)]
struct Checkpoint {
    step: u64,
    time_ps: f64,
    system: System,
    integrator: Integrator,
    fixes: Vec<Box<dyn Fix>>,
}

/// Everything a run needs to continue bit for bit: written to a restart file by
/// [`Simulation::save_state`] and read back by [`Simulation::from_state`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimulationState {
    pub step: u64,
    pub time_ps: f64,
    pub settings: MdSettings,
    /// Atoms in the engine's storage order at the time of saving.
    pub system: System,
    pub integrator: Integrator,
    pub rng: ChaCha8Rng,
    /// Neighbour-list builds since the last spatial sort of the atoms.
    pub builds_since_sort: u64,
    /// Each fix's own state, by fix name.
    pub fixes: Vec<(String, serde_json::Value)>,
}

#[derive(Debug)]
pub struct Simulation {
    system: System,
    potential: Arc<dyn Potential>,
    /// Potential element of each species of `system`.
    species_to_element: Vec<usize>,
    /// Per atom, derived from `system.types` (kept in step with it by `refresh_per_atom`).
    element_of_atom: Vec<usize>,
    masses_amu: Vec<f64>,
    neighbors: NeighborList,
    scratch: Scratch,
    forces: ForceResult,
    settings: MdSettings,
    integrator: Integrator,
    rng: ChaCha8Rng,
    step: u64,
    time_ps: f64,
    last_good: Option<Checkpoint>,
    /// Extra force terms, called after the potential (see [`crate::fix`]).
    fixes: Vec<Box<dyn Fix>>,
    /// Sum of the fixes' energies at the last force evaluation (eV).
    fix_energy_ev: f64,
    atom_map: AtomMap,
    builds_since_sort: u64,
}

/// Steps between the automatic checkpoints a blow-up rolls back to.
const CHECKPOINT_INTERVAL: u64 = 100;
/// Neighbour-list builds between spatial sorts of the atoms.
const SORT_EVERY_BUILDS: u64 = 20;

impl Simulation {
    /// Sets up a run: maps species onto the potential's elements, wraps atoms into the box,
    /// builds the neighbour list and computes the first forces.
    pub fn new(
        system: System,
        potential: Arc<dyn Potential>,
        settings: MdSettings,
    ) -> Result<Self, SimulationError> {
        let mut sim = Self::new_unchecked(system, potential, settings)?;
        sim.refuse_unphysical_start()?;
        Ok(sim)
    }

    /// A configuration with overlapping atoms can be evaluated but not integrated.
    fn refuse_unphysical_start(&mut self) -> Result<(), SimulationError> {
        let Some(reason) = self.instability() else {
            return Ok(());
        };
        // Overlapping atoms are the usual cause: name them, so the file can be mended.
        let closest = self
            .system
            .closest_pair()
            .map_or(String::new(), |(a, b, r)| {
                format!("; the closest atoms are {a} and {b}, {r:.3} Å apart")
            });
        Err(SimulationError::InvalidSystem(format!(
            "the starting configuration is unphysical: {reason}{closest}"
        )))
    }

    /// Like [`Self::new`] but accepts any finite configuration, however large its forces.
    fn new_unchecked(
        mut system: System,
        potential: Arc<dyn Potential>,
        settings: MdSettings,
    ) -> Result<Self, SimulationError> {
        system.validate().map_err(SimulationError::InvalidSystem)?;
        settings
            .ensemble
            .validate()
            .map_err(SimulationError::InvalidSettings)?;
        if !(settings.timestep_ps > 0.0 && settings.timestep_ps.is_finite()) {
            return Err(SimulationError::InvalidSettings(format!(
                "timestep must be positive, got {} ps",
                settings.timestep_ps
            )));
        }
        if !(settings.skin_angstrom >= 0.0 && settings.skin_angstrom.is_finite()) {
            return Err(SimulationError::InvalidSettings(format!(
                "neighbour skin must be ≥ 0, got {} Å",
                settings.skin_angstrom
            )));
        }
        let map = system
            .species_map(potential.elements())
            .map_err(|missing| {
                SimulationError::UnknownSpecies(missing, potential_label(potential.as_ref()))
            })?;
        system.wrap_positions();
        let neighbors = NeighborList::new(potential.cutoff_angstrom(), settings.skin_angstrom);
        let mut sim = Self {
            integrator: Self::make_integrator(&settings.ensemble),
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            system,
            potential,
            species_to_element: map,
            element_of_atom: Vec::new(),
            masses_amu: Vec::new(),
            neighbors,
            scratch: Scratch::default(),
            forces: ForceResult::default(),
            settings,
            step: 0,
            time_ps: 0.0,
            last_good: None,
            fixes: Vec::new(),
            fix_energy_ev: 0.0,
            atom_map: AtomMap::default(),
            // The first rebuild inside the step loop sorts the atoms.
            builds_since_sort: SORT_EVERY_BUILDS,
        };
        sim.refresh_per_atom();
        sim.compute_forces(true);
        sim.save_checkpoint();
        Ok(sim)
    }

    /// Continues a run saved by [`Self::save_state`]: same storage order, thermostat, RNG,
    /// step count and fix states, so the continuation is bit-identical for the same thread
    /// count. `fixes` must be the same kinds of fix as were saved (by name); their saved
    /// state is restored into them.
    pub fn from_state(
        state: SimulationState,
        potential: Arc<dyn Potential>,
        fixes: Vec<Box<dyn Fix>>,
    ) -> Result<Self, SimulationError> {
        let mut sim = Self::new_unchecked(state.system, potential, state.settings)?;
        sim.integrator = state.integrator;
        sim.rng = state.rng;
        sim.step = state.step;
        sim.time_ps = state.time_ps;
        sim.builds_since_sort = state.builds_since_sort;
        let mut saved: std::collections::HashMap<String, serde_json::Value> =
            state.fixes.into_iter().collect();
        for mut fix in fixes {
            let value = saved.remove(fix.name()).ok_or_else(|| {
                SimulationError::InvalidSettings(format!(
                    "the saved state has no fix named {:?}",
                    fix.name()
                ))
            })?;
            fix.restore_state(value).map_err(|e| {
                SimulationError::InvalidSettings(format!("fix {}: {e}", fix.name()))
            })?;
            sim.fixes.push(fix);
        }
        if let Some(name) = saved.keys().next() {
            return Err(SimulationError::InvalidSettings(format!(
                "the saved state has a fix {name:?} that was not supplied"
            )));
        }
        sim.compute_forces(false);
        sim.refuse_unphysical_start()?;
        sim.save_checkpoint();
        Ok(sim)
    }

    /// The state to write to a restart file. The neighbour list is rebuilt and the forces
    /// recomputed first, exactly as [`Self::from_state`] will, so that this run and a run
    /// resumed from the returned state continue bit for bit alike.
    pub fn save_state(&mut self) -> SimulationState {
        self.system.wrap_positions();
        self.neighbors
            .build(&self.system.positions_angstrom, &self.system.cell);
        self.builds_since_sort += 1;
        self.evaluate_forces(false, false);
        self.save_checkpoint();
        SimulationState {
            step: self.step,
            time_ps: self.time_ps,
            settings: self.settings,
            system: self.system.clone(),
            integrator: self.integrator.clone(),
            rng: self.rng.clone(),
            builds_since_sort: self.builds_since_sort,
            fixes: self
                .fixes
                .iter()
                .map(|f| (f.name().to_string(), f.save_state()))
                .collect(),
        }
    }

    /// Adds an extra force term (a bias, a restraint) and recomputes the forces with it.
    /// A fix with the same name is replaced.
    pub fn add_fix(&mut self, fix: Box<dyn Fix>) {
        self.fixes.retain(|f| f.name() != fix.name());
        self.fixes.push(fix);
        self.compute_forces(false);
        self.save_checkpoint();
    }

    /// Removes the fix of this name (returns it) and recomputes the forces without it.
    pub fn remove_fix(&mut self, name: &str) -> Option<Box<dyn Fix>> {
        let k = self.fixes.iter().position(|f| f.name() == name)?;
        let fix = self.fixes.remove(k);
        self.compute_forces(false);
        self.save_checkpoint();
        Some(fix)
    }

    /// The first fix of type `T`.
    pub fn fix<T: Fix>(&self) -> Option<&T> {
        self.fixes.iter().find_map(|f| f.as_any().downcast_ref())
    }

    /// The first fix of type `T`, to change its parameters between chunks of steps.
    /// Forces are not recomputed: call [`Self::compute_forces`] if the change alters them.
    pub fn fix_mut<T: Fix>(&mut self) -> Option<&mut T> {
        self.fixes
            .iter_mut()
            .find_map(|f| f.as_any_mut().downcast_mut())
    }

    /// Energy of all fixes at the last force evaluation (eV).
    pub fn fix_energy_ev(&self) -> f64 {
        self.fix_energy_ev
    }

    /// Stable atom id → current storage index.
    pub fn atom_map(&self) -> &AtomMap {
        &self.atom_map
    }

    fn make_integrator(ensemble: &Ensemble) -> Integrator {
        match *ensemble {
            Ensemble::Nve => Integrator::Nve,
            Ensemble::Nvt {
                temperature_k,
                damping_ps,
            } => Integrator::Nvt(NoseHooverChain::new(temperature_k, damping_ps)),
            Ensemble::Langevin {
                temperature_k,
                damping_ps,
            } => Integrator::Langevin(Langevin::new(temperature_k, damping_ps)),
            Ensemble::Npt {
                temperature_k,
                temperature_damping_ps,
                pressure_bar,
                pressure_damping_ps,
            } => Integrator::Npt(
                NoseHooverChain::new(temperature_k, temperature_damping_ps),
                MtkBarostat::new(pressure_bar, pressure_damping_ps, temperature_k),
            ),
        }
    }

    pub fn system(&self) -> &System {
        &self.system
    }

    pub fn potential(&self) -> &Arc<dyn Potential> {
        &self.potential
    }

    pub fn forces(&self) -> &ForceResult {
        &self.forces
    }

    pub fn settings(&self) -> &MdSettings {
        &self.settings
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn time_ps(&self) -> f64 {
        self.time_ps
    }

    pub fn neighbor_list(&self) -> &NeighborList {
        &self.neighbors
    }

    pub fn masses_amu(&self) -> &[f64] {
        &self.masses_amu
    }

    /// The integrator's state (thermostat and barostat variables), for checkpoints.
    pub fn integrator(&self) -> &Integrator {
        &self.integrator
    }

    /// Continues with a saved integrator state; it must belong to the current ensemble.
    pub fn restore_integrator(&mut self, integrator: Integrator) -> Result<(), SimulationError> {
        if std::mem::discriminant(&integrator) != std::mem::discriminant(&self.integrator) {
            return Err(SimulationError::InvalidSettings(format!(
                "the saved integrator ({integrator:?}) does not match the ensemble {:?}",
                self.settings.ensemble
            )));
        }
        self.integrator = integrator;
        self.save_checkpoint();
        Ok(())
    }

    /// Switches ensemble (e.g. NPT melt → NVT production), keeping positions and velocities.
    pub fn set_ensemble(&mut self, ensemble: Ensemble) -> Result<(), SimulationError> {
        ensemble
            .validate()
            .map_err(SimulationError::InvalidSettings)?;
        self.settings.ensemble = ensemble;
        self.integrator = Self::make_integrator(&ensemble);
        // A rollback must not bring back the old ensemble's integrator.
        self.save_checkpoint();
        Ok(())
    }

    /// Changes the thermostat's target (a temperature ramp calls this as it goes).
    pub fn set_target_temperature_k(&mut self, target_k: f64) {
        match &mut self.integrator {
            Integrator::Nve => {}
            Integrator::Nvt(chain) => chain.set_target_k(target_k),
            Integrator::Langevin(l) => l.set_target_k(target_k),
            Integrator::Npt(chain, baro) => {
                chain.set_target_k(target_k);
                baro.set_target_k(target_k);
            }
        }
    }

    /// Draws Maxwell–Boltzmann velocities at `temperature_k` from `seed`, zero momentum.
    pub fn randomize_velocities(&mut self, temperature_k: f64, seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        velocities::maxwell_boltzmann(
            &self.masses_amu,
            temperature_k,
            &mut rng,
            &mut self.system.velocities_angstrom_per_ps,
        );
        self.save_checkpoint();
    }

    /// Recomputes forces at the current positions, rebuilding the neighbour list if needed.
    /// Atom order is never changed here, so per-atom results follow the input's order.
    pub fn compute_forces(&mut self, per_atom_energy: bool) {
        self.update_neighbors(false);
        self.evaluate_forces(per_atom_energy, false);
    }

    /// Element and mass of every atom, from `system.types`.
    fn refresh_per_atom(&mut self) {
        let map = &self.species_to_element;
        self.element_of_atom.clear();
        self.element_of_atom
            .extend(self.system.types.iter().map(|&t| map[t]));
        self.masses_amu.clear();
        let species = &self.system.species;
        self.masses_amu
            .extend(self.system.types.iter().map(|&t| species[t].mass_amu));
        self.atom_map.refresh(&self.system.ids);
    }

    /// Rebuilds the neighbour list if the skin is used up. With `allow_sort`, every
    /// `SORT_EVERY_BUILDS`-th rebuild first reorders atoms by cell (as LAMMPS's atom sort),
    /// so neighbours sit close in memory: ~10 % faster force loops.
    fn update_neighbors(&mut self, allow_sort: bool) {
        if !self
            .neighbors
            .check(&self.system.positions_angstrom, &self.system.cell)
        {
            return;
        }
        self.system.wrap_positions();
        if allow_sort && self.builds_since_sort >= SORT_EVERY_BUILDS {
            self.sort_atoms_spatially();
            self.builds_since_sort = 0;
        }
        self.neighbors
            .build(&self.system.positions_angstrom, &self.system.cell);
        self.builds_since_sort += 1;
    }

    /// The force choke point: the potential, then every fix. `dynamics` tells the fixes
    /// whether this evaluation belongs to an MD step (see [`FixContext::dynamics`]).
    fn evaluate_forces(&mut self, per_atom_energy: bool, dynamics: bool) {
        let input = ForceInput {
            positions_angstrom: &self.system.positions_angstrom,
            element_of_atom: &self.element_of_atom,
            cell: &self.system.cell,
            neighbors: &self.neighbors,
            per_atom_energy,
        };
        self.potential
            .compute(&input, &mut self.scratch, &mut self.forces);
        self.apply_fixes(dynamics);
    }

    /// What a fix sees of the engine now.
    fn fix_context(&self, dynamics: bool) -> FixContext<'_> {
        FixContext {
            step: self.step,
            time_ps: self.time_ps,
            timestep_ps: self.settings.timestep_ps,
            system: &self.system,
            atom_map: &self.atom_map,
            dynamics,
        }
    }

    fn apply_fixes(&mut self, dynamics: bool) {
        self.fix_energy_ev = 0.0;
        if self.fixes.is_empty() {
            return;
        }
        // The fixes and forces are moved out while the fixes run, so the context can borrow
        // the engine; moving a Vec allocates nothing.
        let mut fixes = std::mem::take(&mut self.fixes);
        let mut forces = std::mem::take(&mut self.forces);
        let ctx = self.fix_context(dynamics);
        let mut energy = 0.0;
        for fix in &mut fixes {
            energy += fix.post_force(
                &ctx,
                &mut forces.forces_ev_per_angstrom,
                &mut forces.virial_ev,
            );
        }
        self.fix_energy_ev = energy;
        self.forces = forces;
        self.fixes = fixes;
    }

    fn end_of_step_fixes(&mut self) {
        if self.fixes.is_empty() {
            return;
        }
        let mut fixes = std::mem::take(&mut self.fixes);
        let ctx = self.fix_context(true);
        for fix in &mut fixes {
            fix.end_of_step(&ctx);
        }
        self.fixes = fixes;
    }

    /// Reorders atoms by spatial bin (half the interaction range wide). Ids move with them.
    fn sort_atoms_spatially(&mut self) {
        let cell = self.system.cell;
        let (lo, l) = (cell.lo_angstrom(), cell.lengths_angstrom());
        let width = 0.5 * (self.potential.cutoff_angstrom() + self.settings.skin_angstrom);
        let bins: [usize; 3] = std::array::from_fn(|k| ((l[k] / width) as usize).max(1));
        let key = |x: &Vec3| -> usize {
            let b: [usize; 3] = std::array::from_fn(|k| {
                (((x[k] - lo[k]) / l[k] * bins[k] as f64) as usize).min(bins[k] - 1)
            });
            (b[0] * bins[1] + b[1]) * bins[2] + b[2]
        };
        let mut order: Vec<usize> = (0..self.system.n_atoms()).collect();
        order.sort_by_key(|&i| key(&self.system.positions_angstrom[i]));
        self.system.reorder(&order);
        self.refresh_per_atom();
    }

    fn instability(&self) -> Option<String> {
        if !self.forces.is_finite() {
            return Some("non-finite energy or force".into());
        }
        let f = self.forces.max_force_ev_per_angstrom();
        if f > BLOW_UP_FORCE_EV_PER_ANGSTROM {
            return Some(format!("a force of {f:.3e} eV/Å"));
        }
        let v_ok = self
            .system
            .velocities_angstrom_per_ps
            .iter()
            .flatten()
            .all(|c| c.is_finite());
        (!v_ok).then(|| "non-finite velocity".into())
    }

    /// Copies the dynamical state aside, reusing the previous copy's memory.
    fn save_checkpoint(&mut self) {
        match &mut self.last_good {
            Some(c) => {
                c.step = self.step;
                c.time_ps = self.time_ps;
                c.system.copy_from(&self.system);
                c.integrator.clone_from(&self.integrator);
                c.fixes.clone_from(&self.fixes);
            }
            None => {
                self.last_good = Some(Checkpoint {
                    step: self.step,
                    time_ps: self.time_ps,
                    system: self.system.clone(),
                    integrator: self.integrator.clone(),
                    fixes: self.fixes.clone(),
                })
            }
        }
    }

    fn restore_checkpoint(&mut self) -> u64 {
        if let Some(c) = self.last_good.clone() {
            self.step = c.step;
            self.time_ps = c.time_ps;
            self.system = c.system;
            self.integrator = c.integrator;
            self.fixes = c.fixes;
            self.refresh_per_atom();
            // Force a rebuild: the list was made for the lost positions.
            self.neighbors = NeighborList::new(
                self.potential.cutoff_angstrom(),
                self.settings.skin_angstrom,
            );
            self.compute_forces(false);
        }
        self.step
    }

    /// Advances `n` steps. On a blow-up (NaN or a huge force) stops, rolls back to the last
    /// good checkpoint (at most 100 steps old) and says so.
    pub fn step(&mut self, n: u64) -> Result<(), SimulationError> {
        for _ in 0..n {
            self.step_once();
            self.end_of_step_fixes();
            if let Some(reason) = self.instability() {
                let step = self.step;
                let restored_step = self.restore_checkpoint();
                return Err(SimulationError::Unstable {
                    step,
                    restored_step,
                    reason,
                });
            }
            if self.step.is_multiple_of(CHECKPOINT_INTERVAL) {
                self.save_checkpoint();
            }
        }
        Ok(())
    }

    fn kick(&mut self, dt_ps: f64) {
        let f = &self.forces.forces_ev_per_angstrom;
        for ((v, f), m) in self
            .system
            .velocities_angstrom_per_ps
            .iter_mut()
            .zip(f)
            .zip(&self.masses_amu)
        {
            let c = dt_ps * FTM2V / m;
            v[0] += c * f[0];
            v[1] += c * f[1];
            v[2] += c * f[2];
        }
    }

    fn drift(&mut self, dt_ps: f64) {
        for (x, v) in self
            .system
            .positions_angstrom
            .iter_mut()
            .zip(&self.system.velocities_angstrom_per_ps)
        {
            x[0] += dt_ps * v[0];
            x[1] += dt_ps * v[1];
            x[2] += dt_ps * v[2];
        }
    }

    fn scale_velocities(&mut self, factor: f64) {
        for v in &mut self.system.velocities_angstrom_per_ps {
            v[0] *= factor;
            v[1] *= factor;
            v[2] *= factor;
        }
    }

    fn thermostat_half_step(&mut self) {
        let (Integrator::Nvt(chain) | Integrator::Npt(chain, _)) = &mut self.integrator else {
            return;
        };
        let dt = self.settings.timestep_ps;
        let dof = degrees_of_freedom(self.system.n_atoms());
        let ke = kinetic_energy_ev(&self.masses_amu, &self.system.velocities_angstrom_per_ps);
        let scale = chain.half_step(ke, dof, dt);
        self.scale_velocities(scale);
    }

    /// Isotropic dilation of box and positions about the box centre.
    fn dilate(&mut self, factor: f64) {
        let c = self.system.cell.centre_angstrom();
        self.system.cell = self.system.cell.scaled_about_centre(factor);
        for x in &mut self.system.positions_angstrom {
            for k in 0..3 {
                x[k] = c[k] + (x[k] - c[k]) * factor;
            }
        }
    }

    fn barostat_omega_half_step(&mut self) {
        let n = self.system.n_atoms();
        let dt = self.settings.timestep_ps;
        let pressure = self.pressure_bar();
        let volume = self.system.cell.volume_angstrom3();
        let ke2 =
            2.0 * kinetic_energy_ev(&self.masses_amu, &self.system.velocities_angstrom_per_ps);
        if let Integrator::Npt(_, baro) = &mut self.integrator {
            baro.omega_half_step(pressure, volume, ke2, n, dt);
        }
    }

    fn step_once(&mut self) {
        let dt = self.settings.timestep_ps;
        match self.integrator {
            Integrator::Nve | Integrator::Nvt(_) => {
                self.thermostat_half_step();
                self.kick(0.5 * dt);
                self.drift(dt);
                self.step_forces();
                self.kick(0.5 * dt);
                self.thermostat_half_step();
            }
            Integrator::Langevin(_) => {
                self.kick(0.5 * dt);
                self.drift(0.5 * dt);
                if let Integrator::Langevin(l) = &self.integrator {
                    l.ornstein_uhlenbeck(
                        &self.masses_amu,
                        &mut self.system.velocities_angstrom_per_ps,
                        dt,
                        &mut self.rng,
                    );
                }
                self.drift(0.5 * dt);
                self.step_forces();
                self.kick(0.5 * dt);
            }
            Integrator::Npt(..) => {
                // LAMMPS fix nh order: barostat chain, thermostat chain, ω, velocity scaling,
                // kick, dilate, drift, dilate | forces | kick, velocity scaling, ω, chains.
                self.barostat_chain_half_step();
                self.thermostat_half_step();
                self.barostat_omega_half_step();
                self.barostat_velocity_scale();
                self.kick(0.5 * dt);
                let d = self.barostat_dilation();
                self.dilate(d);
                self.drift(dt);
                self.dilate(d);
                self.step_forces();
                self.kick(0.5 * dt);
                self.barostat_velocity_scale();
                self.barostat_omega_half_step();
                self.thermostat_half_step();
                self.barostat_chain_half_step();
            }
        }
    }

    /// Forces inside the step loop, where atoms may be reordered. The clock advances first,
    /// as LAMMPS's `ntimestep` does, so fixes see the step of the positions they act on.
    fn step_forces(&mut self) {
        self.step += 1;
        self.time_ps += self.settings.timestep_ps;
        self.update_neighbors(true);
        self.evaluate_forces(false, true);
    }

    fn barostat_chain_half_step(&mut self) {
        let n = self.system.n_atoms();
        let dt = self.settings.timestep_ps;
        if let Integrator::Npt(_, baro) = &mut self.integrator {
            baro.thermostat_half_step(n, dt);
        }
    }

    fn barostat_velocity_scale(&mut self) {
        let n = self.system.n_atoms();
        let dt = self.settings.timestep_ps;
        if let Integrator::Npt(_, baro) = &self.integrator {
            let s = baro.velocity_scale(n, dt);
            self.scale_velocities(s);
        }
    }

    fn barostat_dilation(&self) -> f64 {
        match &self.integrator {
            Integrator::Npt(_, baro) => baro.dilation(self.settings.timestep_ps),
            _ => 1.0,
        }
    }

    /// Instantaneous pressure from kinetic and virial parts (bar), as LAMMPS `compute pressure`.
    pub fn pressure_bar(&self) -> f64 {
        let t = self.pressure_tensor_bar();
        (t[0] + t[1] + t[2]) / 3.0
    }

    /// Pressure tensor xx yy zz xy xz yz (bar), kinetic plus virial.
    pub fn pressure_tensor_bar(&self) -> [f64; 6] {
        let k = kinetic_tensor_ev(&self.masses_amu, &self.system.velocities_angstrom_per_ps);
        let w = self.forces.virial_ev;
        let v = self.system.cell.volume_angstrom3();
        std::array::from_fn(|i| (k[i] + w[i]) / v * NKTV2P)
    }

    pub fn temperature_k(&self) -> f64 {
        velocities::temperature_k(&self.masses_amu, &self.system.velocities_angstrom_per_ps)
    }

    /// Thermodynamic summary of the current state.
    pub fn thermo(&self) -> Thermo {
        let ke = kinetic_energy_ev(&self.masses_amu, &self.system.velocities_angstrom_per_ps);
        let pe = self.forces.energy_ev;
        let n = self.system.n_atoms();
        let volume = self.system.cell.volume_angstrom3();
        let extra = match &self.integrator {
            Integrator::Nvt(chain) => chain.energy_ev(degrees_of_freedom(n)),
            Integrator::Npt(chain, baro) => {
                chain.energy_ev(degrees_of_freedom(n)) + baro.energy_ev(n, volume)
            }
            _ => 0.0,
        };
        Thermo {
            step: self.step,
            time_ps: self.time_ps,
            temperature_k: self.temperature_k(),
            potential_energy_ev: pe,
            kinetic_energy_ev: ke,
            total_energy_ev: pe + ke,
            conserved_energy_ev: pe + ke + extra + self.fix_energy_ev,
            pressure_bar: self.pressure_bar(),
            volume_angstrom3: volume,
            fix_energy_ev: self.fix_energy_ev,
        }
    }

    /// Relaxes positions at fixed cell with FIRE until the largest force is below tolerance.
    /// Velocities are zeroed before and after.
    pub fn minimize(&mut self, settings: FireSettings) -> MinimizeOutcome {
        let mut fire = Fire::new(settings);
        let mut directions = vec![[0.0; 3]; self.system.n_atoms()];
        let mut displacements: Vec<Vec3> = Vec::with_capacity(directions.len());
        self.compute_forces(false);
        let mut steps = 0;
        while steps < settings.max_steps
            && self.forces.max_force_ev_per_angstrom() > settings.force_tolerance_ev_per_angstrom
        {
            fire.step(
                &mut directions,
                &self.forces.forces_ev_per_angstrom,
                &self.masses_amu,
                &mut displacements,
            );
            for (x, d) in self
                .system
                .positions_angstrom
                .iter_mut()
                .zip(&displacements)
            {
                for k in 0..3 {
                    x[k] += d[k];
                }
            }
            self.compute_forces(false);
            steps += 1;
        }
        self.system
            .velocities_angstrom_per_ps
            .iter_mut()
            .for_each(|v| *v = [0.0; 3]);
        self.save_checkpoint();
        let max_force = self.forces.max_force_ev_per_angstrom();
        MinimizeOutcome {
            converged: max_force <= settings.force_tolerance_ev_per_angstrom,
            steps,
            energy_ev: self.forces.energy_ev,
            max_force_ev_per_angstrom: max_force,
        }
    }

    /// Energy, per-atom energies, forces and virial of the current configuration.
    pub fn evaluate(&mut self) -> ForceResult {
        self.compute_forces(true);
        self.forces.clone()
    }
}

/// One-shot evaluation of a configuration (no dynamics): what `betaglass eval` prints.
pub fn evaluate(
    system: &System,
    potential: Arc<dyn Potential>,
) -> Result<ForceResult, SimulationError> {
    let settings = MdSettings {
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    // No blow-up guard here: a single point reports any configuration, as LAMMPS does.
    let mut sim = Simulation::new_unchecked(system.clone(), potential, settings)?;
    Ok(sim.evaluate())
}
