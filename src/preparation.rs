//! Glass preparation by melt and quench, as `in.glass` does it in LAMMPS: random alloy on an
//! fcc lattice, NPT melt at high temperature, NPT quench at a constant rate, optional anneal,
//! NPT hold at the final temperature. Every stage runs on the one [`Simulation`] engine.
//!
//! A [`Preparation`] can be checkpointed to a folder (configuration + progress) and resumed,
//! so a killed run loses at most the steps since its last checkpoint.

use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dynamics::Ensemble;
use crate::dynamics::IntegratorState;
use crate::potential::Potential;
use crate::simulation::{MdSettings, Simulation, SimulationError, SimulationState, Thermo};
use crate::system::{Cell, Species, System};

/// The melt–quench recipe. Defaults follow `in.glass` (reference glass, 1e13 K/s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuenchProtocol {
    pub n_atoms: usize,
    /// Fraction of Cu; the rest is Zr.
    pub cu_fraction: f64,
    pub seed: u64,
    /// Edge of the starting fcc lattice (Å); 4.12 Å is LAMMPS's `lattice fcc 4.12`.
    pub lattice_constant_angstrom: f64,
    pub melt_temperature_k: f64,
    pub melt_ps: f64,
    pub quench_rate_k_per_s: f64,
    pub final_temperature_k: f64,
    /// Optional anneal (temperature K, duration ps), reached and left at the quench rate.
    pub anneal: Option<(f64, f64)>,
    pub hold_ps: f64,
    pub timestep_ps: f64,
    pub temperature_damping_ps: f64,
    pub pressure_bar: f64,
    pub pressure_damping_ps: f64,
}

impl Default for QuenchProtocol {
    fn default() -> Self {
        Self {
            n_atoms: 4000,
            cu_fraction: 0.5,
            seed: 87287,
            lattice_constant_angstrom: 4.12,
            melt_temperature_k: 2000.0,
            melt_ps: 100.0,
            quench_rate_k_per_s: 1e13,
            final_temperature_k: 300.0,
            anneal: None,
            hold_ps: 50.0,
            timestep_ps: 0.002,
            temperature_damping_ps: 0.2,
            pressure_bar: 0.0,
            pressure_damping_ps: 2.0,
        }
    }
}

/// One NPT stage with a linear temperature ramp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub steps: u64,
    pub start_k: f64,
    pub end_k: f64,
}

impl QuenchProtocol {
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be positive, got {x}"))
            }
        };
        if self.n_atoms < 2 {
            return Err(format!("need at least 2 atoms, got {}", self.n_atoms));
        }
        if !(0.0..=1.0).contains(&self.cu_fraction) {
            return Err(format!(
                "Cu fraction must lie in [0, 1], got {}",
                self.cu_fraction
            ));
        }
        positive("lattice constant (Å)", self.lattice_constant_angstrom)?;
        positive("melt temperature (K)", self.melt_temperature_k)?;
        positive("final temperature (K)", self.final_temperature_k)?;
        positive("quench rate (K/s)", self.quench_rate_k_per_s)?;
        positive("timestep (ps)", self.timestep_ps)?;
        if !(self.melt_ps >= 0.0 && self.hold_ps >= 0.0) {
            return Err("melt and hold durations must be ≥ 0".into());
        }
        if let Some((t, ps)) = self.anneal {
            positive("anneal temperature (K)", t)?;
            positive("anneal duration (ps)", ps)?;
        }
        Ok(())
    }

    fn steps(&self, ps: f64) -> u64 {
        (ps / self.timestep_ps).round() as u64
    }

    /// Steps to ramp between two temperatures at the quench rate.
    fn ramp_steps(&self, from_k: f64, to_k: f64) -> u64 {
        let ps = (from_k - to_k).abs() / self.quench_rate_k_per_s * 1e12;
        self.steps(ps)
    }

    /// The stages in order, with their step counts.
    pub fn stages(&self) -> Vec<Stage> {
        let stage = |name: &str, steps, start_k, end_k| Stage {
            name: name.into(),
            steps,
            start_k,
            end_k,
        };
        let (t_melt, t_final) = (self.melt_temperature_k, self.final_temperature_k);
        let mut stages = vec![stage("melt", self.steps(self.melt_ps), t_melt, t_melt)];
        match self.anneal {
            Some((t_anneal, ps)) => {
                stages.push(stage(
                    "quench to anneal",
                    self.ramp_steps(t_melt, t_anneal),
                    t_melt,
                    t_anneal,
                ));
                stages.push(stage("anneal", self.steps(ps), t_anneal, t_anneal));
                stages.push(stage(
                    "quench",
                    self.ramp_steps(t_anneal, t_final),
                    t_anneal,
                    t_final,
                ));
            }
            None => stages.push(stage(
                "quench",
                self.ramp_steps(t_melt, t_final),
                t_melt,
                t_final,
            )),
        }
        stages.push(stage("hold", self.steps(self.hold_ps), t_final, t_final));
        stages
    }

    pub fn total_steps(&self) -> u64 {
        self.stages().iter().map(|s| s.steps).sum()
    }

    /// Random Cu–Zr alloy on an fcc lattice: the first `n_atoms` sites of the smallest cube
    /// of unit cells that holds them; exactly round(n·x_Cu) Cu atoms at random sites.
    pub fn initial_system(&self) -> System {
        let cells = ((self.n_atoms as f64 / 4.0).cbrt().ceil() as usize).max(1);
        let a = self.lattice_constant_angstrom;
        let cell = Cell::cubic(cells as f64 * a).expect("positive lattice constant (validated)");
        let mut system = System::new(
            cell,
            vec![Species::new("Cu", 63.546), Species::new("Zr", 91.224)],
        );
        let basis = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.0],
            [0.5, 0.0, 0.5],
            [0.0, 0.5, 0.5],
        ];
        let n_cu = (self.n_atoms as f64 * self.cu_fraction).round() as usize;
        let mut kinds: Vec<usize> = (0..self.n_atoms).map(|i| usize::from(i >= n_cu)).collect();
        kinds.shuffle(&mut ChaCha8Rng::seed_from_u64(self.seed));
        let mut placed = 0;
        'fill: for i in 0..cells {
            for j in 0..cells {
                for k in 0..cells {
                    for b in &basis {
                        if placed == self.n_atoms {
                            break 'fill;
                        }
                        let x = [
                            (i as f64 + b[0]) * a,
                            (j as f64 + b[1]) * a,
                            (k as f64 + b[2]) * a,
                        ];
                        system.push_atom(kinds[placed], x);
                        placed += 1;
                    }
                }
            }
        }
        system
    }

    fn ensemble(&self, temperature_k: f64) -> Ensemble {
        Ensemble::Npt {
            temperature_k,
            temperature_damping_ps: self.temperature_damping_ps,
            pressure_bar: self.pressure_bar,
            pressure_damping_ps: self.pressure_damping_ps,
        }
    }
}

/// Where a preparation stands: enough, with the configuration, to resume it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreparationProgress {
    pub protocol: QuenchProtocol,
    pub steps_done: u64,
    /// Thermostat and barostat variables; absent in a fresh start.
    #[serde(default)]
    pub integrator: Option<IntegratorState>,
    /// The engine's whole state (storage order, neighbor-list and sort counters, integrator,
    /// RNG), from which a resumed run continues bit for bit. Checkpoints written before it
    /// existed resume from `state.xyz` and `integrator`, not bit for bit.
    #[serde(default)]
    pub state: Option<SimulationState>,
}

/// A melt–quench run in progress.
pub struct Preparation {
    protocol: QuenchProtocol,
    stages: Vec<Stage>,
    sim: Simulation,
    steps_done: u64,
}

/// Steps between thermostat-target updates during a ramp: 0.02 ps at 2 fs, in which even a
/// 1e14 K/s quench moves the target by only 2 K.
const RAMP_UPDATE_STEPS: u64 = 10;

impl Preparation {
    /// Starts a new preparation: lattice, Maxwell–Boltzmann velocities at the melt temperature.
    pub fn new(
        protocol: QuenchProtocol,
        potential: Arc<dyn Potential>,
    ) -> Result<Self, SimulationError> {
        protocol
            .validate()
            .map_err(SimulationError::InvalidSettings)?;
        let system = protocol.initial_system();
        let mut prep = Self::resume(
            PreparationProgress {
                protocol,
                steps_done: 0,
                integrator: None,
                state: None,
            },
            system,
            potential,
        )?;
        let (t, seed) = (prep.protocol.melt_temperature_k, prep.protocol.seed);
        prep.sim.randomize_velocities(t, seed);
        Ok(prep)
    }

    /// Continues from a checkpointed configuration and progress record.
    pub fn resume(
        progress: PreparationProgress,
        system: System,
        potential: Arc<dyn Potential>,
    ) -> Result<Self, SimulationError> {
        let protocol = progress.protocol;
        let has_state = progress.state.is_some();
        protocol
            .validate()
            .map_err(SimulationError::InvalidSettings)?;
        let stages = protocol.stages();
        let settings = MdSettings {
            timestep_ps: protocol.timestep_ps,
            skin_angstrom: 1.0,
            ensemble: protocol.ensemble(protocol.melt_temperature_k),
            seed: protocol.seed,
        };
        let sim = match progress.state {
            Some(state) => Simulation::from_state(state, potential, Vec::new())?,
            None => Simulation::new(system, potential, settings)?,
        };
        let mut prep = Self {
            protocol,
            stages,
            sim,
            steps_done: progress.steps_done,
        };
        if let (false, Some(integrator)) = (has_state, progress.integrator) {
            prep.sim.restore_integrator(integrator)?;
        }
        prep.sim
            .set_target_temperature_k(prep.target_temperature_k());
        Ok(prep)
    }

    pub fn protocol(&self) -> &QuenchProtocol {
        &self.protocol
    }

    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    pub fn steps_done(&self) -> u64 {
        self.steps_done
    }

    pub fn total_steps(&self) -> u64 {
        self.stages.iter().map(|s| s.steps).sum()
    }

    pub fn is_finished(&self) -> bool {
        self.steps_done >= self.total_steps()
    }

    /// The stage the next step belongs to, and the step's index within it.
    pub fn current_stage(&self) -> Option<(&Stage, u64)> {
        let mut start = 0;
        for s in &self.stages {
            if self.steps_done < start + s.steps {
                return Some((s, self.steps_done - start));
            }
            start += s.steps;
        }
        None
    }

    /// Thermostat target at the current step (linear within a stage, as LAMMPS ramps).
    pub fn target_temperature_k(&self) -> f64 {
        match self.current_stage() {
            Some((s, k)) => s.start_k + (s.end_k - s.start_k) * k as f64 / s.steps.max(1) as f64,
            None => self.protocol.final_temperature_k,
        }
    }

    /// Runs up to `n` more steps; returns the thermodynamic state after them.
    pub fn advance(&mut self, n: u64) -> Result<Thermo, SimulationError> {
        let end = (self.steps_done + n).min(self.total_steps());
        while self.steps_done < end {
            let (stage, k) = self.current_stage().expect("not finished");
            // Never straddle a stage boundary or a ramp update.
            let chunk = (stage.steps - k)
                .min(RAMP_UPDATE_STEPS - k % RAMP_UPDATE_STEPS)
                .min(end - self.steps_done);
            self.sim
                .set_target_temperature_k(self.target_temperature_k());
            self.sim.step(chunk)?;
            self.steps_done += chunk;
        }
        // Leave the thermostat aimed at the next step, as a resumed run will be.
        self.sim
            .set_target_temperature_k(self.target_temperature_k());
        Ok(self.sim.thermo())
    }

    /// Writes the configuration (extended XYZ with velocities, to look at) and the progress
    /// with the engine's whole state into `dir`. Files are written under temporary names and
    /// renamed, so a kill never leaves half a checkpoint. Saving the state rebuilds the
    /// neighbor list and recomputes the forces exactly as a resumed run will, so the run goes
    /// on bit for bit the same whether it is resumed from here or not.
    pub fn save_checkpoint(&mut self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let progress = PreparationProgress {
            protocol: self.protocol.clone(),
            steps_done: self.steps_done,
            integrator: Some(self.sim.integrator_state()),
            state: Some(self.sim.save_state()),
        };
        let xyz_tmp = dir.join("state.tmp.xyz");
        let json_tmp = dir.join("progress.json.tmp");
        let written = self.write_checkpoint_files(&progress, &xyz_tmp, &json_tmp, dir);
        if written.is_err() {
            // A full disk must not leave partial temporary files behind.
            let _ = std::fs::remove_file(&xyz_tmp);
            let _ = std::fs::remove_file(&json_tmp);
        }
        written
    }

    fn write_checkpoint_files(
        &self,
        progress: &PreparationProgress,
        xyz_tmp: &Path,
        json_tmp: &Path,
        dir: &Path,
    ) -> Result<(), String> {
        crate::io::write_configuration(xyz_tmp, self.sim.system()).map_err(|e| e.to_string())?;
        let json = serde_json::to_string_pretty(progress).map_err(|e| e.to_string())?;
        std::fs::write(json_tmp, json).map_err(|e| format!("{}: {e}", json_tmp.display()))?;
        for (tmp, name) in [(xyz_tmp, "state.xyz"), (json_tmp, "progress.json")] {
            std::fs::rename(tmp, dir.join(name)).map_err(|e| format!("{}: {e}", tmp.display()))?;
        }
        Ok(())
    }

    /// Reads a checkpoint written by [`Self::save_checkpoint`].
    pub fn load_checkpoint(dir: &Path, potential: Arc<dyn Potential>) -> Result<Self, String> {
        let json_path = dir.join("progress.json");
        let text = std::fs::read_to_string(&json_path)
            .map_err(|e| format!("{}: {e}", json_path.display()))?;
        let progress: PreparationProgress =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()))?;
        let system =
            crate::io::read_configuration(&dir.join("state.xyz")).map_err(|e| e.to_string())?;
        Self::resume(progress, system, potential).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_quench_rate() {
        let p = QuenchProtocol::default();
        let stages = p.stages();
        // in.glass: 50000 melt + 85000 quench (1700 K at 1e13 K/s, 2 fs) + 25000 hold.
        assert_eq!(
            stages.iter().map(|s| s.steps).collect::<Vec<_>>(),
            vec![50000, 85000, 25000]
        );
        let annealed = QuenchProtocol {
            anneal: Some((700.0, 10.0)),
            ..p
        };
        let names: Vec<_> = annealed.stages().into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["melt", "quench to anneal", "anneal", "quench", "hold"]
        );
    }

    #[test]
    fn a_checkpoint_resumes_the_same_state() {
        let protocol = QuenchProtocol {
            n_atoms: 256,
            melt_ps: 0.1,
            quench_rate_k_per_s: 1e16,
            hold_ps: 0.1,
            ..Default::default()
        };
        let potential: Arc<dyn Potential> =
            Arc::new(crate::potential::mendelev::cu_zr_mendelev_2007());
        let mut prep = Preparation::new(protocol, potential.clone()).unwrap();
        prep.advance(60).unwrap();
        let dir = std::env::temp_dir().join(format!("betaglass-prep-test-{}", std::process::id()));
        prep.save_checkpoint(&dir).unwrap();
        let resumed = Preparation::load_checkpoint(&dir, potential).unwrap();
        std::fs::remove_dir_all(&dir).ok();

        assert_eq!(resumed.steps_done(), 60);
        assert_eq!(resumed.target_temperature_k(), prep.target_temperature_k());
        assert_eq!(
            resumed.simulation().integrator_state(),
            prep.simulation().integrator_state()
        );
        // Same atoms (by id), same velocities bit for bit, positions up to re-wrapping.
        let (a, b) = (prep.simulation().system(), resumed.simulation().system());
        let cell = a.cell;
        for (i, id) in a.ids.iter().enumerate() {
            let k = b.ids.iter().position(|x| x == id).unwrap();
            assert_eq!(
                a.velocities_angstrom_per_ps[i],
                b.velocities_angstrom_per_ps[k]
            );
            let d = cell.minimum_image(std::array::from_fn(|c| {
                a.positions_angstrom[i][c] - b.positions_angstrom[k][c]
            }));
            assert!(
                d.iter().all(|x| x.abs() < 1e-12),
                "atom {id} moved by {d:?}"
            );
        }
        let mut resumed = resumed;
        resumed.advance(1000).unwrap();
        assert!(resumed.is_finished());
    }

    #[test]
    fn lattice_has_the_composition_asked_for() {
        let p = QuenchProtocol {
            n_atoms: 500,
            cu_fraction: 0.64,
            ..Default::default()
        };
        let s = p.initial_system();
        assert_eq!(s.n_atoms(), 500);
        assert_eq!(s.count_by_species(), vec![320, 180]);
    }
}
