//! What the engine thread publishes for a display: everything a frame draws, copied out of
//! the simulation so the display never touches (or waits for) the physics.

use std::sync::{Arc, Mutex};

use crate::analysis::rdf::RdfLandmarks;
use crate::sampling::{Barrier, CvSample, Estimator, MotionKind, Precursor, SamplingSetup};

/// The atoms, in ascending id order (index `k` is the same atom in every snapshot of one
/// configuration), as the GPU wants them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AtomFrame {
    pub ids: Vec<u64>,
    /// Species index per atom, into `species`.
    pub types: Vec<u8>,
    pub species: Vec<String>,
    /// Positions wrapped into the box (Å).
    pub positions_angstrom: Vec<[f32; 3]>,
    /// Minimum-image displacement from the sampling's reference configuration (Å);
    /// zeros before the bias starts.
    pub displacements_angstrom: Vec<[f32; 3]>,
    pub cell_lo_angstrom: [f32; 3],
    pub cell_lengths_angstrom: [f32; 3],
}

impl AtomFrame {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Index of atom `id`, by binary search (ids are sorted).
    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    pub fn species_of(&self, k: usize) -> &str {
        &self.species[self.types[k] as usize]
    }

    /// How far atom `k` is from the sampling's reference configuration (Å).
    pub fn displacement_length_angstrom(&self, k: usize) -> f32 {
        let d = self.displacements_angstrom[k];
        (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
    }
}

/// An event as the display draws it: the motion between the two inherent structures of
/// every atom of the region around the cluster, and the class.
#[derive(Clone, Debug, PartialEq)]
pub struct EventView {
    pub number: usize,
    pub crossing_md_time_ps: f64,
    pub crossing_boosted_time_ps: f64,
    pub confirmed_md_time_ps: f64,
    pub basin_before_angstrom: f64,
    pub basin_after_angstrom: f64,
    pub inherent_rmsd_angstrom: f64,
    pub inherent_energy_change_ev: f64,
    pub motion: MotionKind,
    /// The filled depth (T+ΔT)/ΔT·V(basin) at the last hill before the jump (eV): how much
    /// bias the jump took, not a reading of the saddle (the `filled-depth` estimator).
    pub filled_depth_ev: Option<f64>,
    /// Atoms that moved more than the event threshold: (id, before, after) positions (Å),
    /// `after` = `before` + minimum-image displacement, so an arrow never spans the box.
    pub moved: Vec<(u64, [f32; 3], [f32; 3])>,
    /// Every atom within the event region: (id, before, after) as for `moved`, for replay.
    pub region: Vec<(u64, [f32; 3], [f32; 3])>,
}

/// One point of the thermodynamic history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThermoPoint {
    pub md_time_ps: f64,
    pub temperature_k: f64,
    pub potential_energy_ev: f64,
    pub total_energy_ev: f64,
}

/// What the engine is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineStatus {
    /// Unbiased MD before the bias is switched on.
    Equilibrating {
        done_steps: u64,
        total_steps: u64,
    },
    /// Quenching the starting inherent structure.
    Quenching,
    /// Biased MD.
    Sampling,
    Paused,
    /// No sampling: it could not start, or it stopped (the message says why). The last good
    /// state is kept and shown.
    Stopped {
        reason: String,
    },
}

impl EngineStatus {
    /// The status in a few words, for a status bar.
    pub fn label(&self) -> String {
        match self {
            EngineStatus::Equilibrating {
                done_steps,
                total_steps,
            } => format!("equilibrating {done_steps}/{total_steps} steps"),
            EngineStatus::Quenching => "quenching the starting inherent structure".into(),
            EngineStatus::Sampling => "sampling".into(),
            EngineStatus::Paused => "paused".into(),
            EngineStatus::Stopped { reason } => format!("stopped: {reason}"),
        }
    }
}

/// Everything the display draws, at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Increases with every publication: a display redraws what depends on it only when it
    /// changes.
    pub serial: u64,
    /// Changes when a new sampling (or configuration) begins: plots and arrows start over.
    pub sampling_serial: u64,
    pub status: EngineStatus,
    /// The last thing the user should read (a file written, an error), with its serial.
    pub message: Option<(u64, String)>,
    /// Where the configuration came from.
    pub configuration_label: String,
    pub setup: SamplingSetup,
    pub threads: usize,
    pub atoms: Arc<AtomFrame>,
    /// The cluster's atom ids (CV order) and its centre; empty before the sampling starts.
    pub cluster_ids: Vec<u64>,
    pub centre_id: Option<u64>,
    /// MD steps done since the configuration was opened (equilibration included).
    pub total_steps: u64,
    /// Biased steps of the sampling.
    pub biased_steps: u64,
    pub md_time_ps: f64,
    pub boosted_time_ps: f64,
    /// Measured over the last second or so.
    pub steps_per_s: f64,
    pub thermo: Option<ThermoPoint>,
    pub thermo_history: Arc<Vec<ThermoPoint>>,
    pub trace: Arc<Vec<CvSample>>,
    /// Bin centres of the bias grid (Å), V(s) and F(s) on them (eV; F's minimum is 0).
    pub grid_s_angstrom: Arc<Vec<f64>>,
    pub bias_ev: Arc<Vec<f64>>,
    pub free_energy_ev: Arc<Vec<f64>>,
    /// (MD time of the hill in ps, its height in eV).
    pub hills: Arc<Vec<(f64, f64)>>,
    /// The one ΔF the display shows, and the estimator that read it: `profile` (the paper's:
    /// F(s‡) − F(initial minimum) on the profile through the first event's two basins) once
    /// the first event's basins show on F(s), else `final` (the first well beyond the
    /// starting basin on the profile now: a diagnostic).
    pub barrier: Barrier,
    pub barrier_estimator: Estimator,
    /// (MD time in ps, ΔF then in eV by the estimator of the time, or none yet): the
    /// estimate's convergence.
    pub barrier_history: Arc<Vec<(f64, Option<f64>)>>,
    pub events: Arc<Vec<Arc<EventView>>>,
    /// Confirmed rearrangements with fewer movers than an event's (not the paper's event).
    pub precursors: Arc<Vec<Precursor>>,
    /// Partial-RDF landmarks of the opened configuration ("Cu–Zr", landmarks): the cutoffs
    /// that make sense for a cluster.
    pub rdf_landmarks: Arc<Vec<(String, RdfLandmarks)>>,
}

impl Snapshot {
    /// The state before the engine has published anything.
    pub fn empty(setup: SamplingSetup) -> Self {
        Self {
            serial: 0,
            sampling_serial: 0,
            status: EngineStatus::Equilibrating {
                done_steps: 0,
                total_steps: 0,
            },
            message: None,
            configuration_label: String::new(),
            setup,
            threads: 0,
            atoms: Arc::default(),
            cluster_ids: Vec::new(),
            centre_id: None,
            total_steps: 0,
            biased_steps: 0,
            md_time_ps: 0.0,
            boosted_time_ps: 0.0,
            steps_per_s: 0.0,
            thermo: None,
            thermo_history: Arc::default(),
            trace: Arc::default(),
            grid_s_angstrom: Arc::default(),
            bias_ev: Arc::default(),
            free_energy_ev: Arc::default(),
            hills: Arc::default(),
            barrier: Barrier::NotYetDetermined {
                reason: "no sampling yet".into(),
            },
            barrier_estimator: Estimator::Final,
            barrier_history: Arc::default(),
            events: Arc::default(),
            precursors: Arc::default(),
            rdf_landmarks: Arc::default(),
        }
    }
}

/// A latest-wins mailbox: the engine replaces the snapshot, a reader takes the newest.
/// The lock guards a pointer swap only (the snapshot is built before it is taken), so
/// neither side ever waits on the other's work.
#[derive(Debug)]
pub struct SnapshotSlot(Mutex<Arc<Snapshot>>);

impl SnapshotSlot {
    pub fn new(initial: Snapshot) -> Self {
        Self(Mutex::new(Arc::new(initial)))
    }

    pub fn publish(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        // A poisoned lock only means a reader panicked mid-clone of an Arc: the value is fine.
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = snapshot;
    }

    pub fn latest(&self) -> Arc<Snapshot> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
