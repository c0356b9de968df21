//! The fix that couples a collective variable to its biases inside the MD engine: it follows
//! the CV's atoms by id across atom re-sorts and periodic wraps, evaluates s and ∇s, lets
//! each bias style update itself at s (metadynamics deposits its own hills on schedule), and
//! adds −(dV/ds)·∇s to the CV's atoms only.

use std::any::Any;

use serde::{Deserialize, Serialize};

use super::bias::{Bias, CvBias, Hill, Metadynamics};
use super::cv::CollectiveVariable;
use crate::fix::{Fix, FixContext, FixError};
use crate::system::units::BOLTZMANN_EV_PER_K;
use crate::system::{Cell, Vec3};

/// The fix's name in saved states.
pub const CV_BIAS_FIX_NAME: &str = "cv_bias";

/// The CV and its bias at one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CvSample {
    /// Step counted from the start of the biased run.
    pub biased_step: u64,
    /// MD time since the start of the biased run (ps).
    pub md_time_ps: f64,
    /// Boosted (physical) time Σ Δt·exp(V_meta/k_BT) since the start of the biased run (ps).
    pub boosted_time_ps: f64,
    pub s_angstrom: f64,
    /// Metadynamics bias at s (eV).
    pub metadynamics_ev: f64,
    /// All biases at s, walls and restraints included (eV).
    pub total_bias_ev: f64,
}

/// Unwrapped positions of the CV atoms, carried from step to step: each atom moves by the
/// minimum image of its change since the last call, so crossing a box face never tears the
/// cluster apart (Colvars needs image flags for this; here it is automatic).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterTracker {
    unwrapped_angstrom: Vec<Vec3>,
}

impl ClusterTracker {
    /// Starts from the given positions, made whole around the first atom by minimum image.
    pub fn whole_around_first(positions_angstrom: &[Vec3], cell: &Cell) -> Self {
        let first = positions_angstrom.first().copied().unwrap_or([0.0; 3]);
        let unwrapped_angstrom = positions_angstrom
            .iter()
            .map(|x| {
                let d = cell.minimum_image([x[0] - first[0], x[1] - first[1], x[2] - first[2]]);
                [first[0] + d[0], first[1] + d[1], first[2] + d[2]]
            })
            .collect();
        Self { unwrapped_angstrom }
    }

    pub fn is_started(&self) -> bool {
        !self.unwrapped_angstrom.is_empty()
    }

    /// Follows the atoms to their new (possibly wrapped) positions.
    pub fn follow(&mut self, positions_angstrom: &[Vec3], cell: &Cell) {
        for (u, x) in self.unwrapped_angstrom.iter_mut().zip(positions_angstrom) {
            let d = cell.minimum_image([x[0] - u[0], x[1] - u[1], x[2] - u[2]]);
            for k in 0..3 {
                u[k] += d[k];
            }
        }
    }

    pub fn positions_angstrom(&self) -> &[Vec3] {
        &self.unwrapped_angstrom
    }
}

/// What of the fix changes as the run goes, as restart files store it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CvBiasRecord {
    tracker: ClusterTracker,
    biases: Vec<Bias>,
    start_step: u64,
    temperature_k: f64,
    boosted_time_ps: f64,
    last: CvSample,
}

/// What of the fix changes as the run goes: the biases as live styles.
#[derive(Clone, Debug)]
struct CvBiasState {
    tracker: ClusterTracker,
    biases: Vec<Box<dyn CvBias>>,
    start_step: u64,
    temperature_k: f64,
    boosted_time_ps: f64,
    last: CvSample,
}

/// A bias (or several) on one CV, as an engine fix.
#[derive(Clone, Debug)]
pub struct CvBiasFix {
    cv: Box<dyn CollectiveVariable>,
    state: CvBiasState,
    /// Storage index of each CV atom, valid for `indices_generation`.
    indices: Vec<usize>,
    indices_generation: u64,
    positions: Vec<Vec3>,
    gradient: Vec<Vec3>,
}

impl CvBiasFix {
    /// A fix on `cv` with `biases`, for a run at `temperature_k` (for the boosted clock) that
    /// starts its biased-step count at engine step `start_step`.
    pub fn new(
        cv: Box<dyn CollectiveVariable>,
        biases: Vec<Bias>,
        temperature_k: f64,
        start_step: u64,
    ) -> Self {
        let n = cv.atom_ids().len();
        Self {
            cv,
            state: CvBiasState {
                tracker: ClusterTracker::default(),
                biases: biases.into_iter().map(Bias::into_style).collect(),
                start_step,
                temperature_k,
                boosted_time_ps: 0.0,
                last: CvSample::default(),
            },
            indices: vec![0; n],
            indices_generation: u64::MAX,
            positions: vec![[0.0; 3]; n],
            gradient: vec![[0.0; 3]; n],
        }
    }

    pub fn cv(&self) -> &dyn CollectiveVariable {
        self.cv.as_ref()
    }

    /// The CV and bias at the last force evaluation.
    pub fn last_sample(&self) -> CvSample {
        self.state.last
    }

    /// Unwrapped positions of the CV atoms at the last evaluation (Å).
    pub fn unwrapped_positions_angstrom(&self) -> &[Vec3] {
        self.state.tracker.positions_angstrom()
    }

    /// Gradient of the CV at the last evaluation (per Å).
    pub fn gradient_per_angstrom(&self) -> &[Vec3] {
        &self.gradient
    }

    /// The biases' records, in the order they are applied.
    pub fn biases(&self) -> Vec<Bias> {
        self.state.biases.iter().map(|b| b.record()).collect()
    }

    /// The first bias of style `B`.
    pub fn bias<B: CvBias>(&self) -> Option<&B> {
        self.state.biases.iter().find_map(|b| {
            let any: &dyn Any = &**b;
            any.downcast_ref()
        })
    }

    /// The first bias of style `B`, to change its parameters between chunks of steps.
    pub fn bias_mut<B: CvBias>(&mut self) -> Option<&mut B> {
        self.state.biases.iter_mut().find_map(|b| {
            let any: &mut dyn Any = &mut **b;
            any.downcast_mut()
        })
    }

    pub fn metadynamics(&self) -> Option<&Metadynamics> {
        self.bias()
    }

    pub fn metadynamics_mut(&mut self) -> Option<&mut Metadynamics> {
        self.bias_mut()
    }

    /// The hills deposited so far.
    pub fn hills(&self) -> &[Hill] {
        self.metadynamics().map_or(&[], |m| m.hills())
    }

    pub fn temperature_k(&self) -> f64 {
        self.state.temperature_k
    }

    /// Target temperature of the boosted clock (follow the thermostat when it changes).
    pub fn set_temperature_k(&mut self, temperature_k: f64) {
        self.state.temperature_k = temperature_k;
    }

    fn refresh_indices(&mut self, ctx: &FixContext) {
        if self.indices_generation == ctx.atom_map.generation() {
            return;
        }
        for (slot, &id) in self.indices.iter_mut().zip(self.cv.atom_ids()) {
            // The cluster was validated against the system when the run was set up, and
            // atoms are never removed, so every id is present.
            *slot = ctx
                .atom_map
                .index_of(id)
                .expect("CV atom ids are checked when the bias is set up");
        }
        self.indices_generation = ctx.atom_map.generation();
    }
}

impl Fix for CvBiasFix {
    fn name(&self) -> &str {
        CV_BIAS_FIX_NAME
    }

    fn post_force(
        &mut self,
        ctx: &FixContext,
        forces_ev_per_angstrom: &mut [Vec3],
        virial_ev: &mut [f64; 6],
    ) -> f64 {
        self.refresh_indices(ctx);
        let x = &ctx.system.positions_angstrom;
        for (p, &i) in self.positions.iter_mut().zip(&self.indices) {
            *p = x[i];
        }
        let cell = &ctx.system.cell;
        if self.state.tracker.is_started() {
            self.state.tracker.follow(&self.positions, cell);
        } else {
            self.state.tracker = ClusterTracker::whole_around_first(&self.positions, cell);
        }
        let s = self
            .cv
            .value_and_gradient(self.state.tracker.positions_angstrom(), &mut self.gradient);
        let biased_step = ctx.step.saturating_sub(self.state.start_step);
        // In the MD loop each bias updates itself (metadynamics deposits its due hill before
        // it is evaluated, so this step's force includes it); elsewhere it only evaluates.
        let mut total = 0.0;
        let mut meta = 0.0;
        let mut dv_ds = 0.0;
        for bias in &mut self.state.biases {
            let (v, d) = if ctx.dynamics {
                bias.update(biased_step, s)
            } else {
                bias.energy_and_derivative(s)
            };
            total += v;
            dv_ds += d;
            if bias.boosts_time() {
                meta += v;
            }
        }
        let unwrapped = self.state.tracker.positions_angstrom();
        for ((g, &i), u) in self.gradient.iter().zip(&self.indices).zip(unwrapped) {
            let f = [-dv_ds * g[0], -dv_ds * g[1], -dv_ds * g[2]];
            for k in 0..3 {
                forces_ev_per_angstrom[i][k] += f[k];
            }
            virial_ev[0] += u[0] * f[0];
            virial_ev[1] += u[1] * f[1];
            virial_ev[2] += u[2] * f[2];
            virial_ev[3] += u[0] * f[1];
            virial_ev[4] += u[0] * f[2];
            virial_ev[5] += u[1] * f[2];
        }
        if ctx.dynamics && biased_step > self.state.last.biased_step {
            // Each MD step adds Δt·exp(V/k_BT) to the physical clock (Tiwary & Parrinello).
            let kt = BOLTZMANN_EV_PER_K * self.state.temperature_k;
            self.state.boosted_time_ps += ctx.timestep_ps * (meta / kt).exp();
        }
        self.state.last = CvSample {
            biased_step,
            md_time_ps: biased_step as f64 * ctx.timestep_ps,
            boosted_time_ps: self.state.boosted_time_ps,
            s_angstrom: s,
            metadynamics_ev: meta,
            total_bias_ev: total,
        };
        total
    }

    fn save_state(&self) -> serde_json::Value {
        let s = &self.state;
        let record = CvBiasRecord {
            tracker: s.tracker.clone(),
            biases: self.biases(),
            start_step: s.start_step,
            temperature_k: s.temperature_k,
            boosted_time_ps: s.boosted_time_ps,
            last: s.last,
        };
        serde_json::to_value(&record).expect("the fix state is plain data")
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), FixError> {
        let r: CvBiasRecord =
            serde_json::from_value(state).map_err(|source| FixError::Unreadable {
                fix: CV_BIAS_FIX_NAME.into(),
                source,
            })?;
        if r.tracker.positions_angstrom().len() != self.cv.atom_ids().len()
            && r.tracker.is_started()
        {
            return Err(FixError::Mismatch {
                fix: CV_BIAS_FIX_NAME.into(),
                reason: format!(
                    "saved cluster has {} atoms, the CV {}",
                    r.tracker.positions_angstrom().len(),
                    self.cv.atom_ids().len()
                ),
            });
        }
        self.state = CvBiasState {
            tracker: r.tracker,
            biases: r.biases.into_iter().map(Bias::into_style).collect(),
            start_step: r.start_step,
            temperature_k: r.temperature_k,
            boosted_time_ps: r.boosted_time_ps,
            last: r.last,
        };
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Fix> {
        Box::new(self.clone())
    }
}
