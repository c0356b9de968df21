//! One metadynamics sampling of one cluster: the library API the CLI, the app and the
//! campaigns drive. Advance it in chunks of steps; between chunks read the CV trace, the
//! hills, F(s), ΔF and the events, or change the hill parameters.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::bias::{
    Bias, BiasError, CvGrid, GridLookup, HarmonicRestraint, Hill, HillSettings, Metadynamics,
    UpperWall,
};
use super::biased_cv::{CV_BIAS_FIX_NAME, CvBiasFix, CvSample};
use super::cluster::Cluster;
use super::cv::RmsdCv;
use super::event::{
    Event, EventDetector, EventSettings, Precursor, Proposal, compare_inherent_structures,
    inherent_structure, mean_s,
};
use super::fes::{
    Barrier, BarrierSettings, FreeEnergyProfile, filled_depth, find_barrier, read_profile,
};
use crate::fix::FixHandle;
use crate::potential::Potential;
use crate::simulation::{Simulation, SimulationError, SimulationState};
use crate::system::System;

/// Everything that defines a sampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetadynamicsSettings {
    /// Temperature of the run (K): the thermostat's target, the boosted clock's and F's.
    pub temperature_k: f64,
    pub hills: HillSettings,
    pub grid: CvGrid,
    /// Keeps s on the grid; None for no wall.
    pub wall: Option<UpperWall>,
    pub restraint: Option<HarmonicRestraint>,
    /// Steps between CV samples (Colvars' `colvarsTrajFrequency`).
    pub sample_every_steps: u64,
    pub events: EventSettings,
    pub barrier: BarrierSettings,
    /// How the metadynamics bias is read off its grid: Colvars' bin values for a run that
    /// must follow LAMMPS + Colvars step for step (`metad --colvars`), else Hermite.
    /// Restart files without it read as Hermite, as they ran.
    #[serde(default)]
    pub grid_lookup: GridLookup,
}

impl MetadynamicsSettings {
    /// The paper's settings at `temperature_k`, on Colvars' grid of the reference set-up
    /// ([0, 5.25] Å, bins of 0.035 Å) with a wall at 5.0 Å.
    pub fn paper(temperature_k: f64) -> Self {
        Self {
            temperature_k,
            hills: HillSettings::default(),
            grid: CvGrid::new(0.0, 5.25, 0.035).expect("a valid grid"),
            wall: Some(UpperWall {
                position_angstrom: 5.0,
                force_constant_ev_per_angstrom2: 10.0,
            }),
            restraint: None,
            sample_every_steps: 100,
            events: EventSettings::default(),
            barrier: BarrierSettings::default(),
            grid_lookup: GridLookup::Hermite,
        }
    }

    pub fn validate(&self) -> Result<(), SamplingError> {
        self.events.validate().map_err(SamplingError::Settings)?;
        if !(self.temperature_k.is_finite() && self.temperature_k > 0.0) {
            return Err(SamplingError::Settings(format!(
                "temperature must be positive, got {} K",
                self.temperature_k
            )));
        }
        self.hills.validate()?;
        if self.sample_every_steps == 0 {
            return Err(SamplingError::Settings(
                "sample interval must be ≥ 1 step".into(),
            ));
        }
        if let Some(w) = self.wall
            && w.position_angstrom.partial_cmp(&self.grid.upper_angstrom())
                != Some(std::cmp::Ordering::Less)
        {
            return Err(SamplingError::Settings(format!(
                "the wall at {} Å must lie inside the grid (upper bound {} Å)",
                w.position_angstrom,
                self.grid.upper_angstrom()
            )));
        }
        Ok(())
    }

    fn biases(&self) -> Result<Vec<Bias>, SamplingError> {
        let mut biases = vec![Bias::Metadynamics(
            Metadynamics::new(self.hills, self.grid)?.with_lookup(self.grid_lookup),
        )];
        biases.extend(self.wall.map(Bias::UpperWall));
        biases.extend(self.restraint.map(Bias::Harmonic));
        for b in &biases {
            b.validate()?;
        }
        Ok(biases)
    }
}

/// Why a sampling cannot be set up or continued.
#[derive(Debug, thiserror::Error)]
pub enum SamplingError {
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    #[error(transparent)]
    Bias(#[from] BiasError),
    #[error("invalid metadynamics settings: {0}")]
    Settings(String),
    #[error("cluster: {0}")]
    Cluster(String),
    #[error(
        "the CV s = {s_angstrom} Å is outside the bias grid [{lower}, {upper}] Å: widen the grid"
    )]
    OffGrid {
        s_angstrom: f64,
        lower: f64,
        upper: f64,
    },
    #[error("restart state: {0}")]
    State(String),
}

/// A restart file's content.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetadynamicsState {
    pub settings: MetadynamicsSettings,
    pub cv: RmsdCv,
    pub simulation: SimulationState,
    pub trace: Vec<CvSample>,
    pub events: Vec<Event>,
    #[serde(default)]
    pub precursors: Vec<Precursor>,
    pub detector: EventDetector,
    /// The inherent structure of the current basin.
    pub inherent_basin: System,
    pub inherent_basin_energy_ev: f64,
    /// The basin before the first precursor since the last event, if there was one.
    #[serde(default)]
    pub event_origin: Option<BasinOrigin>,
}

/// The basin an event's movers are counted from: where the sampling was before the first
/// precursor since its last event (or its start).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BasinOrigin {
    pub inherent: System,
    pub energy_ev: f64,
    /// Level of s in that basin (Å).
    pub level_angstrom: f64,
    /// Precursors since it was left.
    pub precursors: usize,
}

/// What happened in one call to [`MetadynamicsRun::advance`].
#[derive(Clone, Debug, Default)]
pub struct Advance {
    /// Events confirmed during the call.
    pub new_events: Vec<Event>,
    /// Precursors (confirmed jumps with fewer than `min_movers` movers) during the call.
    pub new_precursors: Vec<Precursor>,
    /// Hills deposited during the call.
    pub new_hills: usize,
    /// CV samples added during the call.
    pub new_samples: usize,
}

/// Level of s in the starting basin of a CV trace: the mean over the first `dwell_ps` after
/// the sample at step 0 (or over what there is), 0 without samples. What
/// [`MetadynamicsRun::initial_basin_angstrom`] reports, and what `betaglass import` uses on
/// the trace of a LAMMPS run.
pub fn initial_basin_level(trace: &[CvSample], dwell_ps: f64) -> f64 {
    let first: Vec<CvSample> = trace
        .iter()
        .skip(1)
        .take_while(|c| c.md_time_ps <= dwell_ps)
        .copied()
        .collect();
    if first.is_empty() {
        0.0
    } else {
        mean_s(&first)
    }
}

/// End-of-run ΔF ([`find_barrier`]) of the profile of `meta` (all its hills) for the CV
/// `trace`: from the starting basin ([`initial_basin_level`]) over the range of s visited
/// after step 0. [`MetadynamicsRun::barrier`] is this on the run's own bias and trace.
pub fn end_of_run_barrier(
    meta: &Metadynamics,
    temperature_k: f64,
    trace: &[CvSample],
    dwell_ps: f64,
    settings: &BarrierSettings,
) -> Barrier {
    let visited = trace
        .iter()
        .skip(1)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
            (a.min(c.s_angstrom), b.max(c.s_angstrom))
        });
    if !visited.0.is_finite() {
        return Barrier::NotYetDetermined {
            reason: "no samples yet".into(),
        };
    }
    find_barrier(
        &FreeEnergyProfile::of_metadynamics(meta, temperature_k),
        initial_basin_level(trace, dwell_ps),
        visited,
        settings,
    )
}

/// A running metadynamics sampling.
pub struct MetadynamicsRun {
    sim: Simulation,
    /// The run's bias fix inside `sim`.
    bias: FixHandle<CvBiasFix>,
    settings: MetadynamicsSettings,
    cv: RmsdCv,
    trace: Vec<CvSample>,
    events: Vec<Event>,
    precursors: Vec<Precursor>,
    detector: EventDetector,
    inherent_basin: System,
    inherent_basin_energy_ev: f64,
    event_origin: Option<BasinOrigin>,
}

impl MetadynamicsRun {
    /// Starts a biased run on `cluster` from the simulation's current state. The RMSD
    /// reference is the cluster's configuration now, so s starts at 0 (as the Colvars runs
    /// with `refPositions` from the starting configuration).
    pub fn start(
        sim: Simulation,
        cluster_ids: &[u64],
        settings: MetadynamicsSettings,
    ) -> Result<Self, SamplingError> {
        Self::start_with_reference(sim, cluster_ids, None, settings)
    }

    /// As [`Self::start`], with explicit RMSD reference positions (unwrapped, in
    /// `cluster_ids` order; Colvars' `refPositions`) instead of the configuration now.
    pub fn start_with_reference(
        mut sim: Simulation,
        cluster_ids: &[u64],
        reference_angstrom: Option<&[crate::system::Vec3]>,
        settings: MetadynamicsSettings,
    ) -> Result<Self, SamplingError> {
        settings.validate()?;
        let cluster = Cluster::from_ids(sim.system(), cluster_ids)
            .map_err(|e| SamplingError::Cluster(e.to_string()))?;
        let reference = match reference_angstrom {
            Some(r) => r.to_vec(),
            None => cluster.positions_angstrom(),
        };
        let cv = RmsdCv::new(cluster.ids(), &reference)
            .map_err(|e| SamplingError::Cluster(e.to_string()))?;
        let fix = CvBiasFix::new(
            Box::new(cv.clone()),
            settings.biases()?,
            settings.temperature_k,
            sim.step_count(),
        );
        let bias = sim.add_fix(fix);
        let (inherent_basin, energy) = inherent_structure(
            sim.system(),
            sim.potential().clone(),
            settings.events.quench,
        )?;
        let mut run = Self {
            sim,
            bias,
            settings,
            cv,
            trace: Vec::new(),
            events: Vec::new(),
            precursors: Vec::new(),
            detector: EventDetector::default(),
            inherent_basin,
            inherent_basin_energy_ev: energy,
            event_origin: None,
        };
        run.record_sample()?;
        Ok(run)
    }

    /// Continues from a restart state; bit-identical to the run that saved it (same threads).
    pub fn resume(
        state: MetadynamicsState,
        potential: Arc<dyn Potential>,
    ) -> Result<Self, SamplingError> {
        state.settings.validate()?;
        let fix = CvBiasFix::new(
            Box::new(state.cv.clone()),
            Vec::new(),
            state.settings.temperature_k,
            0,
        );
        {
            use super::cv::CollectiveVariable;
            let ids = &state.simulation.system.ids;
            if let Some(id) = state.cv.atom_ids().iter().find(|id| !ids.contains(id)) {
                return Err(SamplingError::State(format!(
                    "cluster atom {id} is not in the saved configuration"
                )));
            }
        }
        let sim = Simulation::from_state(state.simulation, potential, vec![Box::new(fix)])?;
        let bias = sim
            .fix_handle::<CvBiasFix>(CV_BIAS_FIX_NAME)
            .filter(|&h| sim.fix(h).and_then(CvBiasFix::metadynamics).is_some())
            .ok_or_else(|| {
                SamplingError::State("the saved state holds no metadynamics bias".into())
            })?;
        Ok(Self {
            sim,
            bias,
            settings: state.settings,
            cv: state.cv,
            trace: state.trace,
            events: state.events,
            precursors: state.precursors,
            detector: state.detector,
            inherent_basin: state.inherent_basin,
            inherent_basin_energy_ev: state.inherent_basin_energy_ev,
            event_origin: state.event_origin,
        })
    }

    /// The restart state. Forces are recomputed as a resumed run will (see
    /// [`Simulation::save_state`]), so save only at sample boundaries you also resume from.
    pub fn save_state(&mut self) -> MetadynamicsState {
        MetadynamicsState {
            settings: self.settings.clone(),
            cv: self.cv.clone(),
            simulation: self.sim.save_state(),
            trace: self.trace.clone(),
            events: self.events.clone(),
            precursors: self.precursors.clone(),
            detector: self.detector.clone(),
            inherent_basin: self.inherent_basin.clone(),
            inherent_basin_energy_ev: self.inherent_basin_energy_ev,
            event_origin: self.event_origin.clone(),
        }
    }

    fn fix(&self) -> &CvBiasFix {
        self.sim.fix(self.bias).expect("the run owns its bias fix")
    }

    fn fix_mut(&mut self) -> &mut CvBiasFix {
        self.sim
            .fix_mut(self.bias)
            .expect("the run owns its bias fix")
    }

    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    pub fn settings(&self) -> &MetadynamicsSettings {
        &self.settings
    }

    pub fn cluster_ids(&self) -> Vec<u64> {
        use super::cv::CollectiveVariable;
        self.cv.atom_ids().to_vec()
    }

    /// CV samples, every `sample_every_steps`, from biased step 0.
    pub fn trace(&self) -> &[CvSample] {
        &self.trace
    }

    /// The paper's events: confirmed jumps with at least `min_movers` movers.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Smaller confirmed rearrangements, in order (see [`Precursor`]).
    pub fn precursors(&self) -> &[Precursor] {
        &self.precursors
    }

    pub fn hills(&self) -> &[Hill] {
        self.fix().hills()
    }

    pub fn metadynamics(&self) -> &Metadynamics {
        self.fix().metadynamics().expect("a metadynamics bias")
    }

    /// Steps since the start of the biased run.
    pub fn biased_steps(&self) -> u64 {
        self.fix().last_sample().biased_step
    }

    pub fn last_sample(&self) -> CvSample {
        self.fix().last_sample()
    }

    /// Unwrapped positions of the cluster atoms now, in CV order (Å).
    pub fn cluster_positions_angstrom(&self) -> &[crate::system::Vec3] {
        self.fix().unwrapped_positions_angstrom()
    }

    /// The inherent structure of the basin the cluster is in.
    pub fn inherent_basin(&self) -> &System {
        &self.inherent_basin
    }

    /// F(s) from the bias now.
    pub fn free_energy_profile(&self) -> FreeEnergyProfile {
        FreeEnergyProfile::of_metadynamics(self.metadynamics(), self.settings.temperature_k)
    }

    /// Level of s in the starting basin: the mean over the first dwell window (or over what
    /// has been sampled so far).
    pub fn initial_basin_angstrom(&self) -> f64 {
        initial_basin_level(&self.trace, self.settings.events.dwell_ps)
    }

    /// End-of-run ΔF from the profile now (see [`end_of_run_barrier`]).
    pub fn barrier(&self) -> Barrier {
        end_of_run_barrier(
            self.metadynamics(),
            self.settings.temperature_k,
            &self.trace,
            self.settings.events.dwell_ps,
            &self.settings.barrier,
        )
    }

    /// The `profile` estimator of the first event ([`read_profile`]): ΔF from the starting
    /// basin over the saddle to the event's new basin, on the profile of the hills deposited
    /// at or before `up_to_step` (all hills for `None`) and the s visited by then. `None`
    /// before the first event.
    pub fn profile_reading(&self, up_to_step: Option<u64>) -> Option<Barrier> {
        let event = self.events.first()?;
        let step = up_to_step.unwrap_or(u64::MAX);
        let visited = self
            .trace
            .iter()
            .skip(1)
            .take_while(|c| c.biased_step <= step)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                (a.min(c.s_angstrom), b.max(c.s_angstrom))
            });
        let meta = self.metadynamics();
        let t = self.settings.temperature_k;
        let profile = match up_to_step {
            Some(step) => FreeEnergyProfile::of_metadynamics_at(meta, t, step),
            None => FreeEnergyProfile::of_metadynamics(meta, t),
        };
        Some(read_profile(
            &profile,
            self.initial_basin_angstrom(),
            event.basin_after_angstrom,
            visited,
            &self.settings.barrier,
        ))
    }

    /// The end-of-run ΔF as it stood after every `every_hills`-th hill (biased step, reading):
    /// how the estimate converges, or drifts once the bias fills a new basin.
    pub fn barrier_history(&self, every_hills: usize) -> Vec<(u64, Barrier)> {
        let every = every_hills.max(1);
        let meta = self.metadynamics();
        let t = self.settings.temperature_k;
        let start = self.initial_basin_angstrom();
        meta.hills()
            .iter()
            .skip(every - 1)
            .step_by(every)
            .map(|h| {
                let visited = self
                    .trace
                    .iter()
                    .skip(1)
                    .take_while(|c| c.biased_step <= h.step)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                        (a.min(c.s_angstrom), b.max(c.s_angstrom))
                    });
                let profile = FreeEnergyProfile::of_metadynamics_at(meta, t, h.step);
                (
                    h.step,
                    find_barrier(&profile, start, visited, &self.settings.barrier),
                )
            })
            .collect()
    }

    /// Changes how events are detected from the next sample on.
    pub fn set_event_settings(&mut self, events: EventSettings) -> Result<(), SamplingError> {
        events.validate().map_err(SamplingError::Settings)?;
        self.settings.events = events;
        Ok(())
    }

    /// Changes w₀, σ, τ or ΔT from the next hill on (earlier hills stay).
    pub fn set_hill_settings(&mut self, hills: HillSettings) -> Result<(), SamplingError> {
        let meta = self
            .fix_mut()
            .metadynamics_mut()
            .expect("a metadynamics bias");
        meta.set_settings(hills)?;
        self.settings.hills = hills;
        Ok(())
    }

    /// Advances `n_steps` (rounded up to whole sample intervals), sampling the CV and
    /// looking for events at every sample.
    pub fn advance(&mut self, n_steps: u64) -> Result<Advance, SamplingError> {
        let every = self.settings.sample_every_steps;
        let hills_before = self.hills().len();
        let samples_before = self.trace.len();
        let mut news = Advance::default();
        let target = self.biased_steps() + n_steps;
        while self.biased_steps() < target {
            let to_boundary = every - self.biased_steps() % every;
            self.sim.step(to_boundary)?;
            self.record_sample()?;
            if let Proposal::Candidate { crossing_index } =
                self.detector.observe(&self.trace, &self.settings.events)
            {
                match self.examine(crossing_index)? {
                    Jump::Thermal => {}
                    Jump::Precursor(p) => news.new_precursors.push(p),
                    Jump::Event(e) => news.new_events.push(*e),
                }
            }
        }
        news.new_hills = self.hills().len() - hills_before;
        news.new_samples = self.trace.len() - samples_before;
        Ok(news)
    }

    fn record_sample(&mut self) -> Result<(), SamplingError> {
        let sample = self.fix().last_sample();
        let grid = self.settings.grid;
        if !grid.contains(sample.s_angstrom) {
            return Err(SamplingError::OffGrid {
                s_angstrom: sample.s_angstrom,
                lower: grid.lower_angstrom,
                upper: grid.upper_angstrom(),
            });
        }
        self.trace.push(sample);
        Ok(())
    }

    /// Quenches now and compares with the basin's inherent structure: a thermal excursion
    /// (same minimum), a precursor or an event (see [`EventSettings::min_movers`]).
    fn examine(&mut self, crossing_index: usize) -> Result<Jump, SamplingError> {
        let events = self.settings.events;
        let (after, energy_after) = inherent_structure(
            self.sim.system(),
            self.sim.potential().clone(),
            events.quench,
        )?;
        let ids = self.cluster_ids();
        let compare = |before: &System| {
            compare_inherent_structures(
                before,
                &after,
                &ids,
                events.region_radius_angstrom,
                &events.motion,
            )
            .map_err(SamplingError::Cluster)
        };
        let (rmsd, this_jump) = compare(&self.inherent_basin)?;
        if rmsd < events.min_inherent_rmsd_angstrom {
            self.detector.reject(self.trace.len());
            return Ok(Jump::Thermal);
        }
        let crossing = self.trace[crossing_index];
        let confirmed = *self.trace.last().expect("a sample");
        let new_level = mean_s(&self.trace[crossing_index..]);
        let level_now = self.detector.basin_level_angstrom().unwrap_or(0.0);
        let origin = self.event_origin.take().unwrap_or_else(|| BasinOrigin {
            inherent: self.inherent_basin.clone(),
            energy_ev: self.inherent_basin_energy_ev,
            level_angstrom: level_now,
            precursors: 0,
        });
        // Movers count from the basin before the first precursor: a precursor and the move
        // that completes it are one event.
        let (origin_rmsd, since_origin) = if origin.precursors == 0 {
            (rmsd, this_jump.clone())
        } else {
            compare(&origin.inherent)?
        };
        let jump = if events.is_event(&since_origin) {
            let depth = filled_depth(
                self.metadynamics(),
                self.settings.temperature_k,
                crossing.biased_step,
                origin.level_angstrom,
                crossing.s_angstrom,
                &self.settings.barrier,
            );
            let event = Event {
                number: self.events.len() + 1,
                crossing,
                confirmed,
                basin_before_angstrom: origin.level_angstrom,
                basin_after_angstrom: new_level,
                inherent_rmsd_angstrom: origin_rmsd,
                inherent_energy_before_ev: origin.energy_ev,
                inherent_energy_after_ev: energy_after,
                moved: since_origin.moved,
                motion: since_origin.kind,
                precursors: origin.precursors,
                filled_depth: depth,
                inherent_before: Some(Box::new(origin.inherent)),
                inherent_after: Some(Box::new(after.clone())),
            };
            self.events.push(event.clone());
            Jump::Event(Box::new(event))
        } else {
            let precursor = Precursor {
                number: self.precursors.len() + 1,
                crossing,
                confirmed,
                s_before_angstrom: level_now,
                s_after_angstrom: new_level,
                largest_displacement_angstrom: this_jump.largest_displacement_angstrom,
                largest_displacement_id: this_jump.largest_displacement_id,
                movers: since_origin.moved.len(),
                inherent_rmsd_angstrom: rmsd,
            };
            self.event_origin = Some(BasinOrigin {
                precursors: origin.precursors + 1,
                ..origin
            });
            self.precursors.push(precursor.clone());
            Jump::Precursor(precursor)
        };
        self.detector.accept(new_level, self.trace.len());
        self.inherent_basin = after;
        self.inherent_basin_energy_ev = energy_after;
        Ok(jump)
    }
}

/// What a quench made of a proposed jump.
enum Jump {
    /// Back in the same minimum.
    Thermal,
    Precursor(Precursor),
    Event(Box<Event>),
}
