//! β-events: the cluster leaving its basin for good.
//!
//! Detection has two stages. The CV trace proposes: s has stayed more than `jump_angstrom`
//! away from the current basin's level for `dwell_ps`. Inherent structures decide: the
//! configuration now and the basin's configuration are both quenched (FIRE) and the event
//! is confirmed only if the cluster's RMSD between the two minima exceeds
//! `min_inherent_rmsd_angstrom`; a thermal excursion quenches back into the same minimum.
//!
//! A confirmed jump is the paper's *event* (Yang et al., Fig. 1: a few atoms each moving more
//! than 2 Å) only when at least [`EventSettings::min_movers`] atoms near the cluster moved more
//! than the mover threshold ([`MotionSettings::moved_threshold_angstrom`], 2 Å) between the
//! inherent structure of the basin the sampling was in before its last event (or at its
//! start) and the new one. A smaller confirmed rearrangement is a [`Precursor`]: it is
//! recorded, the new plateau becomes the detector's basin, and the bias keeps filling. The
//! movers are counted from the basin *before the first precursor*, so a precursor and the
//! move that completes it are one event, read as F(s) reads it: from the initial minimum.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::biased_cv::CvSample;
use super::cluster::Cluster;
use super::cv::{CollectiveVariable, RmsdCv};
use super::fes::FilledDepth;
use super::motion::{MotionAnalysis, MotionKind, MotionSettings, MovedAtom, classify_motion};
use crate::dynamics::{Ensemble, FireSettings};
use crate::potential::Potential;
use crate::simulation::{MdSettings, Simulation, SimulationError};
use crate::system::{System, Vec3};

/// How events are detected and described.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSettings {
    /// Change of the CV plateau that proposes an event (Å).
    pub jump_angstrom: f64,
    /// How long the CV must stay away from the basin level (ps).
    pub dwell_ps: f64,
    /// The cluster RMSD between the two inherent structures that confirms an event (Å).
    pub min_inherent_rmsd_angstrom: f64,
    /// Quench to the inherent structures.
    pub quench: FireSettings,
    /// Atoms within this distance of the cluster's centre take part in the motion analysis (Å).
    #[serde(default = "default_region_radius")]
    pub region_radius_angstrom: f64,
    /// A confirmed jump is an event when at least this many atoms moved more than the mover
    /// threshold, `motion.moved_threshold_angstrom`; otherwise it is a precursor. Default 2:
    /// the smallest rearrangement the paper draws (a pair exchange); a lone hop is not one.
    #[serde(default = "default_min_movers")]
    pub min_movers: usize,
    /// The classification of the motion; its `moved_threshold_angstrom` (default 2.0 Å, the
    /// paper's arrows) is also the mover threshold of `min_movers`.
    pub motion: MotionSettings,
}

impl Default for EventSettings {
    /// A plateau change of 0.4 Å held for 10 ps: thermal fluctuations of s are ~0.05 Å
    /// (0.1 Å at 600 K); the paper's first event goes from s ≈ 0.25 to ≈ 1.46 Å, and in the
    /// default glass a 600 K run of the cluster of atom 348 jumped from 0.35 to 0.8 Å. Confirmed by an inherent-
    /// structure RMSD of 0.3 Å: a real event moves a few of 13 atoms by 1–2.5 Å (≈ 1 Å RMSD),
    /// a quench from the same basin returns within a few 0.01 Å.
    fn default() -> Self {
        Self {
            jump_angstrom: 0.4,
            dwell_ps: 10.0,
            min_inherent_rmsd_angstrom: 0.3,
            quench: FireSettings {
                force_tolerance_ev_per_angstrom: 5e-3,
                ..FireSettings::default()
            },
            region_radius_angstrom: default_region_radius(),
            min_movers: default_min_movers(),
            motion: MotionSettings::default(),
        }
    }
}

impl EventSettings {
    /// An atom moved more than this counts as a mover (Å).
    pub fn mover_threshold_angstrom(&self) -> f64 {
        self.motion.moved_threshold_angstrom
    }

    /// Checks every number; the message names the setting and its value.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("event jump (Å)", self.jump_angstrom),
            ("event dwell (ps)", self.dwell_ps),
            ("mover threshold (Å)", self.motion.moved_threshold_angstrom),
            ("motion region radius (Å)", self.region_radius_angstrom),
        ];
        for (name, x) in positive {
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("{name} must be a positive number, got {x}"));
            }
        }
        let rmsd = self.min_inherent_rmsd_angstrom;
        if !(rmsd.is_finite() && rmsd >= 0.0) {
            return Err(format!(
                "inherent-structure RMSD threshold (Å) must be ≥ 0, got {rmsd}"
            ));
        }
        if self.min_movers == 0 {
            return Err("min movers must be at least 1 (an event moves an atom)".into());
        }
        self.motion.validate().map_err(|e| e.to_string())
    }

    /// Whether a confirmed jump with this motion is an event (else a precursor).
    pub fn is_event(&self, analysis: &MotionAnalysis) -> bool {
        analysis.moved.len() >= self.min_movers
    }
}

/// 2 movers: see [`EventSettings::min_movers`].
pub fn default_min_movers() -> usize {
    2
}

/// 8 Å: the cluster (4 Å) and two more shells around it, the neighbourhood the paper draws.
fn default_region_radius() -> f64 {
    8.0
}

/// A confirmed event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, … in order of occurrence.
    pub number: usize,
    /// When the CV left the old basin (the start of the dwell window).
    pub crossing: CvSample,
    /// When the event was confirmed (end of the dwell window).
    pub confirmed: CvSample,
    /// Level of s in the old and the new basin (Å).
    pub basin_before_angstrom: f64,
    pub basin_after_angstrom: f64,
    /// Cluster RMSD between the two inherent structures (Å).
    pub inherent_rmsd_angstrom: f64,
    /// Energies of the two inherent structures (eV).
    pub inherent_energy_before_ev: f64,
    pub inherent_energy_after_ev: f64,
    /// Atoms that moved more than the threshold between the inherent structures.
    pub moved: Vec<MovedAtom>,
    pub motion: MotionKind,
    /// Precursors (smaller confirmed rearrangements) between the previous event (or the
    /// start) and this one; the motion above counts from the basin before the first of them.
    #[serde(default)]
    pub precursors: usize,
    /// The filled depth at the last hill before the jump, (T+ΔT)/ΔT·V(basin): how deep the
    /// bias had filled the basin, not a reading of the saddle (None without hills before the
    /// jump). Older files call it `barrier_at_crossing`.
    #[serde(alias = "barrier_at_crossing")]
    pub filled_depth: Option<FilledDepth>,
    /// The inherent structures (written to files; not kept in restart files).
    #[serde(skip)]
    pub inherent_before: Option<Box<System>>,
    #[serde(skip)]
    pub inherent_after: Option<Box<System>>,
}

/// A confirmed rearrangement with fewer than `min_movers` movers: not the paper's event. The
/// sampling goes on after it, and the bias keeps filling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Precursor {
    /// 1, 2, … in order of occurrence over the whole sampling.
    pub number: usize,
    /// When the CV left the basin (time, biased step, s).
    pub crossing: CvSample,
    /// When it was confirmed.
    pub confirmed: CvSample,
    /// Level of s before and after (Å).
    pub s_before_angstrom: f64,
    pub s_after_angstrom: f64,
    /// The largest displacement of an atom near the cluster between the inherent structures
    /// of this jump (Å), and that atom's id.
    pub largest_displacement_angstrom: f64,
    pub largest_displacement_id: Option<u64>,
    /// Atoms moved more than the mover threshold since the last event (< `min_movers`).
    pub movers: usize,
    /// Cluster RMSD between the inherent structures of this jump (Å).
    pub inherent_rmsd_angstrom: f64,
}

impl Precursor {
    /// What moved, in words ("local rearrangement, largest displacement 0.9 Å").
    pub fn label(&self) -> String {
        format!(
            "local rearrangement, largest displacement {:.1} Å",
            self.largest_displacement_angstrom
        )
    }
}

/// The detector's state between samples (saved with the run).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventDetector {
    /// Level of s in the current basin; None until the first dwell window is complete.
    basin_level_angstrom: Option<f64>,
    /// Trace index where the current excursion from the basin level began.
    excursion_start: Option<usize>,
    /// Samples before this trace index may not start an excursion (after a rejected quench).
    quiet_until: usize,
    /// How many proposals the quench rejected.
    pub rejected: usize,
}

/// What the detector makes of the newest sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Proposal {
    Nothing,
    /// The CV has held a new plateau since `trace[crossing_index]`: quench and compare.
    Candidate {
        crossing_index: usize,
    },
}

impl EventDetector {
    pub fn basin_level_angstrom(&self) -> Option<f64> {
        self.basin_level_angstrom
    }

    /// Looks at the trace after a new sample was appended.
    pub fn observe(&mut self, trace: &[CvSample], settings: &EventSettings) -> Proposal {
        let Some(last) = trace.last() else {
            return Proposal::Nothing;
        };
        let Some(level) = self.basin_level_angstrom else {
            // The first dwell window of the run defines the starting basin's level.
            if last.md_time_ps >= settings.dwell_ps {
                self.basin_level_angstrom = Some(mean_s(&trace[1.min(trace.len() - 1)..]));
            }
            return Proposal::Nothing;
        };
        let i = trace.len() - 1;
        if i < self.quiet_until || (last.s_angstrom - level).abs() <= settings.jump_angstrom {
            self.excursion_start = None;
            return Proposal::Nothing;
        }
        let start = *self.excursion_start.get_or_insert(i);
        if last.md_time_ps - trace[start].md_time_ps >= settings.dwell_ps {
            Proposal::Candidate {
                crossing_index: start,
            }
        } else {
            Proposal::Nothing
        }
    }

    /// The quench found the same minimum: wait a full dwell window before asking again.
    pub fn reject(&mut self, trace_len: usize) {
        self.rejected += 1;
        self.excursion_start = None;
        self.quiet_until = trace_len;
    }

    /// An event was confirmed: the new plateau is the basin from now on.
    pub fn accept(&mut self, new_level_angstrom: f64, trace_len: usize) {
        self.basin_level_angstrom = Some(new_level_angstrom);
        self.excursion_start = None;
        self.quiet_until = trace_len;
    }
}

/// Mean s of some samples (Å).
pub fn mean_s(samples: &[CvSample]) -> f64 {
    samples.iter().map(|c| c.s_angstrom).sum::<f64>() / samples.len().max(1) as f64
}

/// The nearest local energy minimum of a configuration (FIRE at fixed cell, no bias).
pub fn inherent_structure(
    system: &System,
    potential: Arc<dyn Potential>,
    fire: FireSettings,
) -> Result<(System, f64), SimulationError> {
    let settings = MdSettings {
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    let mut sim = Simulation::new(system.clone(), potential, settings)?;
    let outcome = sim.minimize(fire);
    Ok((sim.system().clone(), outcome.energy_ev))
}

/// Ids in increasing order and the positions in that order.
fn by_id(system: &System) -> (Vec<u64>, Vec<Vec3>) {
    let mut order: Vec<usize> = (0..system.n_atoms()).collect();
    order.sort_by_key(|&i| system.ids[i]);
    (
        order.iter().map(|&i| system.ids[i]).collect(),
        order
            .iter()
            .map(|&i| system.positions_angstrom[i])
            .collect(),
    )
}

/// Compares two inherent structures: the cluster's RMSD between them, and the motion of the
/// atoms within `region_radius_angstrom` of the cluster's centre of geometry (by id). The
/// region keeps the description local, as the paper's arrows are: in a warm glass other
/// events happen elsewhere in the box between the two quenches.
pub fn compare_inherent_structures(
    before: &System,
    after: &System,
    cluster_ids: &[u64],
    region_radius_angstrom: f64,
    motion: &MotionSettings,
) -> Result<(f64, MotionAnalysis), String> {
    let ref_cluster = Cluster::from_ids(before, cluster_ids).map_err(|e| e.to_string())?;
    let new_cluster = Cluster::from_ids(after, cluster_ids).map_err(|e| e.to_string())?;
    let reference = ref_cluster.positions_angstrom();
    let cv = RmsdCv::new(cluster_ids.to_vec(), &reference).map_err(|e| e.to_string())?;
    let mut gradient = vec![[0.0; 3]; cluster_ids.len()];
    let rmsd = cv.value_and_gradient(&new_cluster.positions_angstrom(), &mut gradient);
    let (ids, x0) = by_id(before);
    let (ids_after, x1) = by_id(after);
    if ids != ids_after {
        return Err("the two structures hold different atoms".into());
    }
    let n = reference.len() as f64;
    let centre: Vec3 = std::array::from_fn(|k| reference.iter().map(|x| x[k]).sum::<f64>() / n);
    let near = |x: &Vec3| {
        let d = before
            .cell
            .minimum_image([x[0] - centre[0], x[1] - centre[1], x[2] - centre[2]]);
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= region_radius_angstrom * region_radius_angstrom
    };
    let keep: Vec<usize> = (0..ids.len()).filter(|&i| near(&x0[i])).collect();
    let pick = |v: &[Vec3]| keep.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let region_ids: Vec<u64> = keep.iter().map(|&i| ids[i]).collect();
    let analysis = classify_motion(&region_ids, &pick(&x0), &pick(&x1), &before.cell, motion)
        .map_err(|e| e.to_string())?;
    Ok((rmsd, analysis))
}
