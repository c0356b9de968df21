//! A sampling from scratch: thermalise a configuration, choose the cluster, start the biased
//! run. [`SamplingSetup`] is what a person chooses (in the app's panel, in a scene file); the
//! app's engine thread, scenes and campaigns all start samplings through [`start_sampling`].

use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::bias::{CvGrid, HillSettings, UpperWall};
use super::cluster::Cluster;
use super::event::EventSettings;
use super::run::{MetadynamicsRun, MetadynamicsSettings, SamplingError};
use crate::dynamics::Ensemble;
use crate::potential::Potential;
use crate::simulation::{MdSettings, Simulation};
use crate::system::System;
use crate::system::units::MAX_TEMPERATURE_K;

/// Which atom the cluster is centred on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CentreChoice {
    /// The Cu atom nearest the centre of the box: a default far from any surface effect
    /// and the same for every run of a configuration.
    NearestCuToBoxCentre,
    /// An atom by its id.
    Atom(u64),
    /// A Cu atom drawn with the setup's seed.
    RandomCu,
}

/// Everything a person chooses for one sampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingSetup {
    /// Temperature of the thermostat, the boosted clock and F(s) (K).
    pub temperature_k: f64,
    pub timestep_fs: f64,
    /// Nosé–Hoover damping time (ps).
    pub thermostat_damping_ps: f64,
    /// Seeds the starting velocities (and the random centre).
    pub seed: u64,
    /// Unbiased NVT before the bias is switched on (ps).
    pub equilibrate_ps: f64,
    pub centre: CentreChoice,
    pub cutoff_angstrom: f64,
    pub hills: HillSettings,
    /// Steps between CV samples.
    pub sample_every_steps: u64,
    /// Upper end of the bias grid (Å); the wall sits 0.25 Å below it.
    pub grid_upper_angstrom: f64,
    /// Bin width of the bias grid (Å; Colvars' `width`).
    pub grid_width_angstrom: f64,
    /// Plateau change that proposes an event (Å).
    pub event_jump_angstrom: f64,
    /// How long the new plateau must hold (ps).
    pub event_dwell_ps: f64,
    /// A confirmed jump is an event with at least this many movers, else a precursor
    /// ([`EventSettings::min_movers`], default 2).
    #[serde(default = "super::event::default_min_movers")]
    pub event_min_movers: usize,
    /// An atom displaced more than this between the inherent structures is a mover (Å;
    /// default 2.0, the paper's).
    #[serde(default = "default_mover_threshold")]
    pub event_mover_threshold_angstrom: f64,
}

fn default_mover_threshold() -> f64 {
    EventSettings::default().mover_threshold_angstrom()
}

impl SamplingSetup {
    /// The paper's set-up at `temperature_k`: w₀ 0.03 eV, σ 0.175 Å, τ 1000 steps,
    /// ΔT 2700 K, 2 fs steps, 10 ps of equilibration, a 4.0 Å cluster.
    pub fn paper(temperature_k: f64) -> Self {
        let defaults = EventSettings::default();
        Self {
            temperature_k,
            timestep_fs: 2.0,
            thermostat_damping_ps: 0.2,
            seed: 1,
            equilibrate_ps: 10.0,
            centre: CentreChoice::NearestCuToBoxCentre,
            cutoff_angstrom: 4.0,
            hills: HillSettings::default(),
            sample_every_steps: 100,
            grid_upper_angstrom: 5.25,
            grid_width_angstrom: 0.035,
            event_jump_angstrom: defaults.jump_angstrom,
            event_dwell_ps: defaults.dwell_ps,
            event_min_movers: defaults.min_movers,
            event_mover_threshold_angstrom: defaults.mover_threshold_angstrom(),
        }
    }

    /// A fast set-up for watching: 550 K, a hill every 0.2 ps, 2 ps of equilibration and
    /// a 2 ps dwell (the paper's w₀, σ, ΔT, cutoff and event definition). In the default glass
    /// the first event, a four-atom loop, crosses at biased step 16 100 (17 100 MD steps with
    /// the equilibration; tests/teaching_scene.rs) — a minute or two, depending on the
    /// machine — at the price of a coarse, hot bias (not for measuring ΔF). At 500 K the
    /// same cluster made only a precursor (largest displacement 1.7 Å) in 20 000 steps.
    pub fn teaching() -> Self {
        Self {
            temperature_k: 550.0,
            equilibrate_ps: 2.0,
            hills: HillSettings {
                stride_steps: 100,
                ..HillSettings::default()
            },
            event_dwell_ps: 2.0,
            ..Self::paper(550.0)
        }
    }

    /// Checks every number before any work is done; the message names the quantity.
    pub fn validate(&self) -> Result<(), SamplingError> {
        let positive = |name: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(SamplingError::Settings(format!(
                    "{name} must be positive, got {x}"
                )))
            }
        };
        positive("temperature (K)", self.temperature_k)?;
        if self.temperature_k > MAX_TEMPERATURE_K {
            return Err(SamplingError::Settings(format!(
                "temperature {} K is above {MAX_TEMPERATURE_K:e} K: a typo?",
                self.temperature_k
            )));
        }
        positive("time step (fs)", self.timestep_fs)?;
        positive("thermostat damping (ps)", self.thermostat_damping_ps)?;
        positive("cluster cutoff (Å)", self.cutoff_angstrom)?;
        positive("grid bin width (Å)", self.grid_width_angstrom)?;
        positive("event jump (Å)", self.event_jump_angstrom)?;
        positive("event dwell (ps)", self.event_dwell_ps)?;
        positive("mover threshold (Å)", self.event_mover_threshold_angstrom)?;
        if self.event_min_movers == 0 {
            return Err(SamplingError::Settings(
                "min movers must be at least 1 (an event moves an atom)".into(),
            ));
        }
        if !(self.equilibrate_ps.is_finite() && self.equilibrate_ps >= 0.0) {
            return Err(SamplingError::Settings(format!(
                "equilibration must be ≥ 0 ps, got {}",
                self.equilibrate_ps
            )));
        }
        if self.grid_upper_angstrom <= WALL_BELOW_GRID_END_ANGSTROM {
            return Err(SamplingError::Settings(format!(
                "the grid must reach beyond {WALL_BELOW_GRID_END_ANGSTROM} Å, got {} Å",
                self.grid_upper_angstrom
            )));
        }
        self.metadynamics_settings()?.validate()
    }

    /// The sampling's metadynamics settings.
    pub fn metadynamics_settings(&self) -> Result<MetadynamicsSettings, SamplingError> {
        let mut s = MetadynamicsSettings::paper(self.temperature_k);
        s.hills = self.hills;
        s.grid = CvGrid::new(0.0, self.grid_upper_angstrom, self.grid_width_angstrom)?;
        s.wall = Some(UpperWall {
            position_angstrom: self.grid_upper_angstrom - WALL_BELOW_GRID_END_ANGSTROM,
            force_constant_ev_per_angstrom2: 10.0,
        });
        s.sample_every_steps = self.sample_every_steps;
        s.events.jump_angstrom = self.event_jump_angstrom;
        s.events.dwell_ps = self.event_dwell_ps;
        s.events.min_movers = self.event_min_movers;
        s.events.motion.moved_threshold_angstrom = self.event_mover_threshold_angstrom;
        Ok(s)
    }

    /// NVT (Nosé–Hoover) at the setup's temperature.
    pub fn md_settings(&self) -> MdSettings {
        MdSettings {
            timestep_ps: self.timestep_fs * 1e-3,
            skin_angstrom: 1.0,
            ensemble: Ensemble::Nvt {
                temperature_k: self.temperature_k,
                damping_ps: self.thermostat_damping_ps,
            },
            seed: self.seed,
        }
    }

    /// The id of the cluster's centre atom in `system`.
    pub fn centre_id(&self, system: &System) -> Result<u64, SamplingError> {
        let found = match self.centre {
            CentreChoice::Atom(id) => Some(id),
            CentreChoice::NearestCuToBoxCentre => nearest_cu_to_box_centre(system),
            CentreChoice::RandomCu => random_cu(system, self.seed),
        };
        found.ok_or_else(|| SamplingError::Cluster("the configuration holds no Cu atom".into()))
    }

    /// The cluster this setup selects in `system`.
    pub fn cluster(&self, system: &System) -> Result<Cluster, SamplingError> {
        Cluster::around(system, self.centre_id(system)?, self.cutoff_angstrom)
            .map_err(|e| SamplingError::Cluster(e.to_string()))
    }
}

/// The wall sits this far below the grid's upper end (5.0 Å on the paper's 5.25 Å grid).
const WALL_BELOW_GRID_END_ANGSTROM: f64 = 0.25;

fn cu_indices(system: &System) -> impl Iterator<Item = usize> + '_ {
    system
        .types
        .iter()
        .enumerate()
        .filter(|&(_, &t)| system.species[t].symbol == "Cu")
        .map(|(i, _)| i)
}

/// The id of the Cu atom nearest the box centre (minimum image), if there is a Cu atom.
pub fn nearest_cu_to_box_centre(system: &System) -> Option<u64> {
    let centre = system.cell.centre_angstrom();
    cu_indices(system)
        .map(|i| (distance_squared(system, i, centre), system.ids[i]))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// Squared minimum-image distance of atom `i` from `point` (Å²).
fn distance_squared(system: &System, i: usize, point: crate::system::Vec3) -> f64 {
    let x = system.positions_angstrom[i];
    let d = system
        .cell
        .minimum_image([x[0] - point[0], x[1] - point[1], x[2] - point[2]]);
    d.iter().map(|c| c * c).sum()
}

/// A Cu atom's id drawn with `seed`, if there is a Cu atom. The draw is over ids in
/// ascending order, so it does not depend on the storage order.
pub fn random_cu(system: &System, seed: u64) -> Option<u64> {
    let mut ids: Vec<u64> = cu_indices(system).map(|i| system.ids[i]).collect();
    ids.sort_unstable();
    if ids.is_empty() {
        return None;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Some(ids[rng.random_range(0..ids.len())])
}

/// How far a sampling's start has come.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StartProgress {
    /// Unbiased NVT: steps done of the total.
    Equilibrating { done_steps: u64, total_steps: u64 },
    /// Quenching the starting inherent structure (FIRE), the last step before the bias.
    Quenching,
}

/// Thermalises `system` at the setup's temperature (velocities drawn with its seed),
/// equilibrates, selects the cluster and starts the biased run.
///
/// `progress` is called between chunks of equilibration (with the simulation, to show it);
/// returning `false` cancels the start (the result is then `Ok(None)`), so a caller can
/// react to a new request. The cluster's centre comes first in the run's cluster ids.
pub fn start_sampling(
    system: System,
    potential: Arc<dyn Potential>,
    setup: &SamplingSetup,
    mut progress: impl FnMut(StartProgress, &Simulation) -> bool,
) -> Result<Option<MetadynamicsRun>, SamplingError> {
    setup.validate()?;
    let settings = setup.metadynamics_settings()?;
    let md = setup.md_settings();
    // The cluster is chosen on the configuration as given (the relaxed glass, as the CLI and
    // a Colvars atom list do), and a bad one fails before any MD.
    let ids = setup.cluster(&system)?.ids();
    let mut sim = Simulation::new(system, potential, md)?;
    sim.randomize_velocities(setup.temperature_k, setup.seed);
    let total_steps = (setup.equilibrate_ps / md.timestep_ps).round() as u64;
    let mut done_steps = 0;
    while done_steps < total_steps {
        let report = StartProgress::Equilibrating {
            done_steps,
            total_steps,
        };
        if !progress(report, &sim) {
            return Ok(None);
        }
        let n = EQUILIBRATION_CHUNK_STEPS.min(total_steps - done_steps);
        sim.step(n)?;
        done_steps += n;
    }
    if !progress(StartProgress::Quenching, &sim) {
        return Ok(None);
    }
    MetadynamicsRun::start(sim, &ids, settings).map(Some)
}

/// Steps between progress reports while equilibrating (a tenth of a second or so).
const EQUILIBRATION_CHUNK_STEPS: u64 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_cu_is_cu_and_nearest() {
        let system = crate::assets::default_glass();
        let id = nearest_cu_to_box_centre(&system).unwrap();
        let i = system.ids.iter().position(|&x| x == id).unwrap();
        assert_eq!(system.species[system.types[i]].symbol, "Cu");
        let centre = system.cell.centre_angstrom();
        let d = |k: usize| distance_squared(&system, k, centre);
        for k in cu_indices(&system) {
            assert!(d(i) <= d(k));
        }
    }

    #[test]
    fn random_cu_depends_on_seed_only() {
        let system = crate::assets::default_glass();
        let a = random_cu(&system, 5).unwrap();
        assert_eq!(a, random_cu(&system, 5).unwrap());
        let draws: std::collections::HashSet<u64> =
            (0..20).map(|s| random_cu(&system, s).unwrap()).collect();
        assert!(draws.len() > 10, "{draws:?}");
    }

    #[test]
    fn validation_names_the_quantity() {
        let mut s = SamplingSetup::teaching();
        s.cutoff_angstrom = -1.0;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("cutoff"), "{e}");
        let mut s = SamplingSetup::teaching();
        s.hills.sigma_angstrom = 0.0;
        assert!(s.validate().is_err());
        SamplingSetup::paper(300.0).validate().unwrap();
    }

    #[test]
    fn paper_setup_matches_the_paper_settings() {
        let s = SamplingSetup::paper(300.0).metadynamics_settings().unwrap();
        assert_eq!(s, MetadynamicsSettings::paper(300.0));
    }
}
