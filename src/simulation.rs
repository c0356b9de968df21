//! The one engine: a [`Simulation`] owns the atoms, the potential, the neighbour list, the
//! integrator style and the fixes. The CLI, the app and the tests all drive it through the
//! same methods. One step is LAMMPS's Verlet sequence (src/verlet.cpp):
//!
//! ```text
//! initial_integrate → neighbours → forces → post_force (fixes) → final_integrate → end_of_step (fixes)
//! ```

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::calculator::{Calculator, CalculatorError};
use crate::dynamics::velocities::{self, kinetic_energy_ev};
use crate::dynamics::{
    Atoms, Ensemble, Fire, FireLimits, FireSettings, FireVariant, Integrator, IntegratorState,
    MinimizeOutcome, integrator_for,
};
use crate::fix::{AtomMap, Fix, FixContext, FixHandle, FixSlot};
use crate::neighbor::NeighborList;
use crate::potential::{ForceResult, Potential};
use crate::system::units::FTM2V;
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

/// A restorable copy of the dynamical state.
#[derive(Clone, Debug)]
struct Checkpoint {
    step: u64,
    time_ps: f64,
    system: System,
    integrator: Box<dyn Integrator>,
    fixes: Vec<FixSlot>,
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
    pub integrator: IntegratorState,
    pub rng: ChaCha8Rng,
    /// Neighbour-list builds since the last spatial sort of the atoms.
    pub builds_since_sort: u64,
    /// Each fix's own state, by fix name.
    pub fixes: Vec<(String, serde_json::Value)>,
}

#[derive(Debug)]
pub struct Simulation {
    system: System,
    /// Potential, neighbour list and the forces of the last evaluation (with the fixes').
    calculator: Calculator,
    /// Per atom, derived from `system.types` (kept in step with it by `refresh_per_atom`).
    masses_amu: Vec<f64>,
    settings: MdSettings,
    integrator: Box<dyn Integrator>,
    rng: ChaCha8Rng,
    step: u64,
    time_ps: f64,
    last_good: Option<Checkpoint>,
    /// Extra force terms, called after the potential (see [`crate::fix`]).
    fixes: Vec<FixSlot>,
    /// Id of the next fix added (what its handle names it by).
    next_fix_id: u64,
    /// Sum of the fixes' energies at the last force evaluation (eV).
    fix_energy_ev: f64,
    atom_map: AtomMap,
    builds_since_sort: u64,
}

/// The two halves of an integrator's step.
#[derive(Clone, Copy)]
enum Half {
    Initial,
    Final,
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
        let calculator = Calculator::new(&system, potential, settings.skin_angstrom).map_err(
            |CalculatorError::UnknownSpecies(missing, have)| {
                SimulationError::UnknownSpecies(missing, have)
            },
        )?;
        system.wrap_positions();
        let mut sim = Self {
            integrator: integrator_for(&settings.ensemble),
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            system,
            calculator,
            masses_amu: Vec::new(),
            settings,
            step: 0,
            time_ps: 0.0,
            last_good: None,
            fixes: Vec::new(),
            next_fix_id: 0,
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
        sim.integrator
            .restore_state(state.integrator)
            .map_err(|e| SimulationError::InvalidSettings(e.to_string()))?;
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
            fix.restore_state(value)
                .map_err(|e| SimulationError::InvalidSettings(e.to_string()))?;
            sim.push_fix(fix);
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
        self.calculator
            .rebuild(&self.system.positions_angstrom, &self.system.cell);
        self.builds_since_sort += 1;
        self.evaluate_forces(false, false);
        self.save_checkpoint();
        SimulationState {
            step: self.step,
            time_ps: self.time_ps,
            settings: self.settings,
            system: self.system.clone(),
            integrator: self.integrator.save_state(),
            rng: self.rng.clone(),
            builds_since_sort: self.builds_since_sort,
            fixes: self
                .fixes
                .iter()
                .map(|slot| (slot.fix.name().to_string(), slot.fix.save_state()))
                .collect(),
        }
    }

    /// Adds an extra force term (a bias, a restraint) and recomputes the forces with it.
    /// A fix with the same name is replaced. The handle reads or changes the fix later.
    pub fn add_fix<F: Fix>(&mut self, fix: F) -> FixHandle<F> {
        self.fixes.retain(|slot| slot.fix.name() != fix.name());
        let id = self.push_fix(Box::new(fix));
        self.compute_forces(false);
        self.save_checkpoint();
        FixHandle::new(id)
    }

    fn push_fix(&mut self, fix: Box<dyn Fix>) -> u64 {
        let id = self.next_fix_id;
        self.next_fix_id += 1;
        self.fixes.push(FixSlot { id, fix });
        id
    }

    /// Removes a fix (returns it) and recomputes the forces without it.
    pub fn remove_fix<F: Fix>(&mut self, handle: FixHandle<F>) -> Option<F> {
        let k = self.fixes.iter().position(|slot| slot.id == handle.id())?;
        let slot = self.fixes.remove(k);
        self.compute_forces(false);
        self.save_checkpoint();
        let any: Box<dyn std::any::Any> = slot.fix;
        any.downcast().ok().map(|fix| *fix)
    }

    /// The fix behind `handle`; `None` once it was removed or replaced.
    pub fn fix<F: Fix>(&self, handle: FixHandle<F>) -> Option<&F> {
        self.fixes
            .iter()
            .find(|slot| slot.id == handle.id())
            .and_then(FixSlot::downcast_ref)
    }

    /// The fix behind `handle`, to change its parameters between chunks of steps.
    /// Forces are not recomputed: call [`Self::compute_forces`] if the change alters them.
    pub fn fix_mut<F: Fix>(&mut self, handle: FixHandle<F>) -> Option<&mut F> {
        self.fixes
            .iter_mut()
            .find(|slot| slot.id == handle.id())
            .and_then(FixSlot::downcast_mut)
    }

    /// A handle on the fix called `name`, if it is an `F` (e.g. after [`Self::from_state`]).
    pub fn fix_handle<F: Fix>(&self, name: &str) -> Option<FixHandle<F>> {
        self.fixes
            .iter()
            .find(|slot| slot.fix.name() == name)
            .filter(|slot| slot.downcast_ref::<F>().is_some())
            .map(|slot| FixHandle::new(slot.id))
    }

    /// Energy of all fixes at the last force evaluation (eV).
    pub fn fix_energy_ev(&self) -> f64 {
        self.fix_energy_ev
    }

    /// Stable atom id → current storage index.
    pub fn atom_map(&self) -> &AtomMap {
        &self.atom_map
    }

    pub fn system(&self) -> &System {
        &self.system
    }

    pub fn potential(&self) -> &Arc<dyn Potential> {
        self.calculator.potential()
    }

    pub fn forces(&self) -> &ForceResult {
        self.calculator.result()
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
        self.calculator.neighbor_list()
    }

    pub fn masses_amu(&self) -> &[f64] {
        &self.masses_amu
    }

    /// The integrator's state (thermostat and barostat variables), for checkpoints.
    pub fn integrator_state(&self) -> IntegratorState {
        self.integrator.save_state()
    }

    /// Continues with a saved integrator state; it must belong to the current ensemble.
    pub fn restore_integrator(&mut self, state: IntegratorState) -> Result<(), SimulationError> {
        self.integrator.restore_state(state).map_err(|e| {
            SimulationError::InvalidSettings(format!("{e} (ensemble {:?})", self.settings.ensemble))
        })?;
        self.save_checkpoint();
        Ok(())
    }

    /// Switches ensemble (e.g. NPT melt → NVT production), keeping positions and velocities.
    pub fn set_ensemble(&mut self, ensemble: Ensemble) -> Result<(), SimulationError> {
        ensemble
            .validate()
            .map_err(SimulationError::InvalidSettings)?;
        self.settings.ensemble = ensemble;
        self.integrator = integrator_for(&ensemble);
        // A rollback must not bring back the old ensemble's integrator.
        self.save_checkpoint();
        Ok(())
    }

    /// Changes the thermostat's target (a temperature ramp calls this as it goes).
    pub fn set_target_temperature_k(&mut self, target_k: f64) {
        self.integrator.set_target_temperature_k(target_k);
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
        self.calculator.set_types(&self.system.types);
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
            .calculator
            .needs_rebuild(&self.system.positions_angstrom, &self.system.cell)
        {
            return;
        }
        self.system.wrap_positions();
        if allow_sort && self.builds_since_sort >= SORT_EVERY_BUILDS {
            self.sort_atoms_spatially();
            self.builds_since_sort = 0;
        }
        self.calculator
            .rebuild(&self.system.positions_angstrom, &self.system.cell);
        self.builds_since_sort += 1;
    }

    /// The force choke point: the potential, then every fix. `dynamics` tells the fixes
    /// whether this evaluation belongs to an MD step (see [`FixContext::dynamics`]).
    fn evaluate_forces(&mut self, per_atom_energy: bool, dynamics: bool) {
        self.calculator.compute(
            &self.system.positions_angstrom,
            &self.system.cell,
            per_atom_energy,
        );
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
        let mut forces = std::mem::take(self.calculator.result_mut());
        let ctx = self.fix_context(dynamics);
        let mut energy = 0.0;
        for FixSlot { fix, .. } in &mut fixes {
            energy += fix.post_force(
                &ctx,
                &mut forces.forces_ev_per_angstrom,
                &mut forces.virial_ev,
            );
        }
        self.fix_energy_ev = energy;
        *self.calculator.result_mut() = forces;
        self.fixes = fixes;
    }

    fn end_of_step_fixes(&mut self) {
        if self.fixes.is_empty() {
            return;
        }
        let mut fixes = std::mem::take(&mut self.fixes);
        let ctx = self.fix_context(true);
        for FixSlot { fix, .. } in &mut fixes {
            fix.end_of_step(&ctx);
        }
        self.fixes = fixes;
    }

    /// Reorders atoms by spatial bin (half the interaction range wide). Ids move with them.
    fn sort_atoms_spatially(&mut self) {
        let cell = self.system.cell;
        let (lo, l) = (cell.lo_angstrom(), cell.lengths_angstrom());
        let width = 0.5 * self.calculator.list_range_angstrom();
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
        if !self.forces().is_finite() {
            return Some("non-finite energy or force".into());
        }
        let f = self.forces().max_force_ev_per_angstrom();
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
            self.calculator.invalidate_neighbors();
            self.compute_forces(false);
        }
        self.step
    }

    /// Advances `n` steps, each LAMMPS's Verlet sequence: the clock advances (so fixes
    /// see the step of the positions they act on, as LAMMPS's `ntimestep`), the integrator's
    /// first half moves the atoms, the neighbour list follows, the potential and the fixes'
    /// `post_force` give the new forces, the integrator's second half completes the
    /// velocities, and the fixes' `end_of_step` runs (hill deposition, event checks).
    ///
    /// On a blow-up (NaN or a huge force) stops, rolls back to the last good checkpoint (at
    /// most 100 steps old) and says so.
    pub fn step(&mut self, n: u64) -> Result<(), SimulationError> {
        for _ in 0..n {
            self.step += 1;
            self.time_ps += self.settings.timestep_ps;
            self.integrate(Half::Initial);
            self.update_neighbors(true);
            self.evaluate_forces(false, true);
            self.integrate(Half::Final);
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

    /// One half of the integrator's update, on the engine's atoms and current forces.
    fn integrate(&mut self, half: Half) {
        let mut atoms = Atoms {
            system: &mut self.system,
            masses_amu: &self.masses_amu,
            forces: self.calculator.result(),
            timestep_ps: self.settings.timestep_ps,
            rng: &mut self.rng,
        };
        match half {
            Half::Initial => self.integrator.initial_integrate(&mut atoms),
            Half::Final => self.integrator.final_integrate(&mut atoms),
        }
    }

    /// Instantaneous pressure from kinetic and virial parts (bar), as LAMMPS `compute pressure`.
    pub fn pressure_bar(&self) -> f64 {
        crate::dynamics::pressure_bar(&self.masses_amu, &self.system, &self.forces().virial_ev)
    }

    /// Pressure tensor xx yy zz xy xz yz (bar), kinetic plus virial.
    pub fn pressure_tensor_bar(&self) -> [f64; 6] {
        crate::dynamics::pressure_tensor_bar(
            &self.masses_amu,
            &self.system,
            &self.forces().virial_ev,
        )
    }

    pub fn temperature_k(&self) -> f64 {
        velocities::temperature_k(&self.masses_amu, &self.system.velocities_angstrom_per_ps)
    }

    /// Thermodynamic summary of the current state.
    pub fn thermo(&self) -> Thermo {
        let ke = kinetic_energy_ev(&self.masses_amu, &self.system.velocities_angstrom_per_ps);
        let pe = self.forces().energy_ev;
        let n = self.system.n_atoms();
        let volume = self.system.cell.volume_angstrom3();
        let extra = self.integrator.conserved_energy_ev(n, volume);
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
        let limits = FireLimits {
            dt_initial: settings.initial_timestep_ps,
            dt_max: settings.max_timestep_ps,
            dt_min: settings.min_timestep_ps,
            max_step: settings.max_displacement_angstrom,
        };
        let dim = 3 * self.system.n_atoms();
        let mut fire = Fire::new(FireVariant::Guenole2020, dim, 3, limits)
            .with_masses(&self.masses_amu, FTM2V);
        self.compute_forces(false);
        let mut steps = 0;
        while steps < settings.max_steps
            && self.forces().max_force_ev_per_angstrom() > settings.force_tolerance_ev_per_angstrom
        {
            fire.step(
                self.system.positions_angstrom.as_flattened_mut(),
                self.calculator
                    .result()
                    .forces_ev_per_angstrom
                    .as_flattened(),
            );
            self.compute_forces(false);
            steps += 1;
        }
        self.system
            .velocities_angstrom_per_ps
            .iter_mut()
            .for_each(|v| *v = [0.0; 3]);
        self.save_checkpoint();
        let max_force = self.forces().max_force_ev_per_angstrom();
        MinimizeOutcome {
            converged: max_force <= settings.force_tolerance_ev_per_angstrom,
            steps,
            energy_ev: self.forces().energy_ev,
            max_force_ev_per_angstrom: max_force,
        }
    }

    /// Energy, per-atom energies, forces and virial of the current configuration.
    pub fn evaluate(&mut self) -> ForceResult {
        self.compute_forces(true);
        self.forces().clone()
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
