//! ART nouveau (Barkema & Mousseau, PRL 77, 4358 (1996); Malek & Mousseau, PRE 62, 7723 (2000);
//! Machado-Charry et al., J. Chem. Phys. 135, 034102 (2011)) at the standard of pARTn
//! (github mammasmias/ARTn-Plugin, `src/artn.f90`, `src/artn_params_mod.f90`,
//! `src/check_force_convergence.f90`, `docs/params/`) and eOn's min-mode saddle search
//! (TheochemUI/eOn `client/MinModeSaddleSearch.cpp`): from a minimum, find a first-order
//! saddle point connected to it and the minimum on its other side.
//!
//! 1. **Activation** (pARTn's basin phase). Push by `push_step` (the largest displacement of one
//!    particle) along a given direction d (localised on the cluster by the caller) and relax
//!    the forces perpendicular to d (`perpendicular_steps_activation` FIRE steps from rest).
//!    After `min_activation_steps` pushes (pARTn `ninit`), compute the lowest Hessian eigenvalue
//!    λ by Lanczos after every push. As soon as λ < `eigenvalue_threshold` (pARTn `eigval_thr`)
//!    the configuration has left the basin's harmonic well: go to 2. After
//!    `max_activation_steps`: failure [`FailureKind::NoNegativeMode`].
//! 2. **Climbing.** With v the lowest eigenvector (signed away from the minimum), step uphill
//!    along v by min(`climbing_step`, |F·v| / max(|λ|, `step_curvature_floor`)) (pARTn's
//!    `current_step_size`; the first `smoothing_steps` steps go along a mix of v and the push,
//!    pARTn `nsmooth`), then relax perpendicular to the step with FIRE for at most
//!    `perpendicular_steps_limitation[k]` steps at climbing step k (pARTn `nperp_limitation`,
//!    0 = unlimited up to `max_perpendicular_steps`), stopping early once the largest
//!    perpendicular particle force is below the largest parallel one (pARTn
//!    `check_force_convergence`, C3) or the largest total force is below `force_threshold`.
//!    Repeat, updating v by Lanczos from the previous v, until the largest particle force is
//!    below `force_threshold`. Where λ ≥ 0 again (a convex region), step uphill along the
//!    lowest mode with no perpendicular relaxation (eOn) and start the next Lanczos from a
//!    fresh vector (pARTn `nnewchance`), at most `max_new_chances` times: then failure
//!    [`FailureKind::LostMode`]; after `max_climbing_steps`: [`FailureKind::NotConverged`].
//!    A converged point with a second negative eigenvalue (a higher-order saddle, where the
//!    perpendicular relaxation stalls) is left along that mode by `second_mode_nudge`, and the
//!    climb goes on (at most `max_second_mode_nudges` times). With `min_mode_climb`, the
//!    climb is eOn's min-mode following instead ([`ArtSettings::min_mode_climb`]).
//! 3. **Connection** ([`connect`], eOn's process search, client/ProcessSearchJob.cpp; pARTn
//!    `lpush_final`). Step from the saddle along ∓v by `minimization_offset` (eOn
//!    `process_search_minimization_offset`, 0.2 Å) and minimise (L-BFGS, `descent_lbfgs_memory`)
//!    both ways. Towards the minimum, the descent must return to it (no particle farther than
//!    `same_minimum_distance`, eOn `distance_difference`), else [`FailureKind::Disconnected`];
//!    away from it, it must reach another minimum, else [`FailureKind::ReturnedToInitial`].

use serde::{Deserialize, Serialize};

use super::lanczos::{LanczosSettings, lowest_eigenpair, project_out};
use super::relax::{FireRelaxSettings, Minimum, minimize, minimize_lbfgs};
use super::surface::{
    EnergySurface, dot, max_particle_distance, max_particle_force, norm, particle_distances,
};
use crate::dynamics::Fire;

/// The settings of one ART search. Lengths in the surface's unit (Å for the glass), energies in
/// its unit (eV), curvatures in energy/length² (eV/Å²). Defaults are for the Cu–Zr glass, taken
/// from pARTn (`src/artn_params_mod.f90`, `docs/params/`; its Ry/bohr units converted:
/// 1 Ry/bohr² = 48.59 eV/Å²) and eOn where the doc comment says so.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArtSettings {
    /// Atoms within this distance of the cluster's centre atom get a random push (Å). Used by
    /// the glass driver ([`super::explore`]), not by [`explore`] itself. Default 4.0 Å: the
    /// paper's cluster (centre and first shell).
    pub push_radius: f64,
    /// Largest displacement of one particle per push along the push direction (Å). Default
    /// 0.2 Å: pARTn `push_step_size` ("maximum size of a component in the initial displacement
    /// vector"; 0.4 bohr = 0.21 Å in its Ry units).
    pub push_step: f64,
    /// Activation ends when the lowest eigenvalue falls below this (eV/Å²). Default −0.5:
    /// pARTn `eigval_thr` −0.01 Ry/bohr² = −0.49 eV/Å². A shallower threshold (−0.05, the old
    /// default) switches to the mode among the glass's soft modes (the softest at the minimum is
    /// ~0.08 eV/Å²), which the climb then loses (71 % `lost_mode` in docs/art/summary.json).
    pub eigenvalue_threshold: f64,
    /// Pushes before the first Lanczos. Default 3: pARTn `ninit`.
    pub min_activation_steps: usize,
    /// Default 50 (10 Å of largest-particle push in all).
    pub max_activation_steps: usize,
    /// FIRE steps perpendicular to the push after each activation push. Default 4: pARTn's
    /// basin phase relaxes `nperp_limitation(1)` = 4 steps (`check_force_convergence.f90`, C2).
    pub perpendicular_steps_activation: usize,
    /// After activation, converge to the saddle by min-mode following (eOn
    /// `MinModeSaddleSearch`, the dimer method's translation): FIRE, its velocity kept from
    /// step to step, on the effective force F − 2(F·v)v (λ < 0) or −(F·v)v (λ ≥ 0, at most
    /// `max_new_chances` steps in a row), v from a Lanczos started at the previous v every
    /// step. Default false: pARTn's climb (step along v, then perpendicular relaxation). On
    /// the glass (64 searches, README) it kept 12 saddles against 15, lower ones (⟨ΔQ⟩ 1.62
    /// against 2.13 eV), at twice the force calls per saddle.
    pub min_mode_climb: bool,
    /// The min-mode climb gives up ([`FailureKind::NotConverged`]) when its largest force has
    /// not fallen below 0.9 of its best for this many steps. Default 300 (on the glass, seed 1,
    /// 16 searches: 100 ended 10 as `not_converged`, 300 kept 5 against 2).
    pub min_mode_stall_steps: usize,
    /// Largest step along the eigenvector per climbing step (Å). Default 0.2 Å: pARTn
    /// `eigen_step_size` (0.4 bohr).
    pub climbing_step: f64,
    /// The climbing step is |F·v| / max(|λ|, this) (eV/Å²), at most `climbing_step`. Default
    /// 0.49: pARTn's `current_step_size` floors |λ| at 0.01 Ry/bohr².
    pub step_curvature_floor: f64,
    /// Most FIRE steps perpendicular to the eigenvector at climbing steps 1, 2, …; the last
    /// entry holds for every later step, and 0 means no limit but `max_perpendicular_steps`.
    /// Default [4, 8, 12, 16, 0]: pARTn `nperp_limitation` [4, 8, 12, 16, −1]. The relaxation
    /// stops earlier once the largest perpendicular particle force is below the largest
    /// parallel one (pARTn `check_force_convergence.f90`, C3) or the total is converged.
    pub perpendicular_steps_limitation: [usize; 5],
    /// Bound on an "unlimited" perpendicular relaxation. Default 200.
    pub max_perpendicular_steps: usize,
    /// Stop a climbing step's perpendicular relaxation once the energy falls more than this
    /// below the energy before the step (eV): the relaxation is then sliding back down the
    /// unstable mode (the eigenvector is only approximate) and would undo the climb. Default
    /// 0.1 eV (betaglass's own guard, not in pARTn: in the glass, most searches without it
    /// lost their mode after a relaxation had dropped the energy by 0.7–1.3 eV in one step;
    /// with 0, the climb stalls where F∥ vanishes before F⊥ does). A large value (10⁹): no guard.
    pub max_relaxation_drop_ev: f64,
    /// Default 500.
    pub max_climbing_steps: usize,
    /// The first climbing steps mix the push into the step direction: step k of n goes along
    /// (k+1)/(n+1)·v + (n−k)/(n+1)·push (pARTn `nsmooth`). Default 3; 0: along v at once.
    pub smoothing_steps: usize,
    /// At a converged point whose second-lowest eigenvalue (Lanczos, the lowest mode and the
    /// translations deflated) is negative too, step this far along that mode (Å) and go on
    /// climbing, at most `max_second_mode_nudges` times. Defaults 0.3 Å and 3.
    pub second_mode_nudge: f64,
    pub max_second_mode_nudges: usize,
    /// Largest Krylov basis of the climb's Lanczos, started from the previous eigenvector
    /// (at most `lanczos.max_iterations`). Default 20 (pARTn `lanczos_max_size` 16).
    pub climbing_lanczos_iterations: usize,
    /// Convex steps (λ ≥ 0 after activation) allowed in one search: each steps uphill along the
    /// lowest mode without perpendicular relaxation (eOn `MinModeSaddleSearch`, positive
    /// eigenvalue: the effective force is −F∥ only) and restarts Lanczos from a fresh vector
    /// (pARTn `nnewchance`). More: [`FailureKind::LostMode`]. Default 40 (eOn bounds these
    /// steps only by its iteration limit): on the glass, 64 searches (seeds 1–4, 16 each), 40
    /// kept 15 saddles against 9 with 8, at the same force calls per kept saddle (5.9 k and
    /// 6.0 k).
    pub max_new_chances: usize,
    /// A new chance as pARTn takes it (`artn.f90`, `inewchance`): back to the basin phase,
    /// pushing along the initial push with perpendicular relaxation and a random Lanczos start,
    /// for at most this many pushes until λ < `eigenvalue_threshold` again; 0: the eOn step
    /// above. Default 0: on the glass (16 local searches, seed 1) the eOn step kept 5 saddles
    /// (6 `lost_mode`, 3 `disconnected`), pARTn's with 5 pushes 4 (3 `lost_mode`, 9
    /// `disconnected`: the searches it rescues end on saddles of other basins).
    pub new_chance_pushes: usize,
    /// The saddle is converged when the largest force on any particle is below this (eV/Å).
    /// Default 0.01 eV/Å.
    pub force_threshold: f64,
    /// The connectivity test's descents start this far from the saddle (length units, along
    /// the unit eigenvector), one each way. Default 0.2 Å: eOn
    /// `process_search_minimization_offset` (client/ProcessSearchJob.cpp displaces the saddle
    /// by ± the unit mode times this and minimises both). It replaces 0.2 × the saddle's
    /// distance from the minimum, which the far field inflated to 0.6–1.1 Å on the glass; the
    /// 16 descents of seed 1 ended in the same minima either way (the 7 disconnected saddles
    /// are not an offset effect), so the offset follows eOn and no longer depends on the far
    /// field.
    pub minimization_offset: f64,
    /// The connectivity test's descents minimise by L-BFGS with this many correction pairs
    /// ([`super::relax::minimize_lbfgs`], ASE's `LBFGS` form, steps capped at `fire.max_step`);
    /// 0: FIRE. Default 10 (Nocedal & Wright ch. 7, m = 3–20; eOn's default optimizer for its
    /// process-search minimisations is L-BFGS too, `optimizer.opt_method`).
    pub descent_lbfgs_memory: usize,
    /// The new minimum (and the initial one) is relaxed until the largest force is below this
    /// (eV/Å). Default 2·10⁻⁵: with 2·10⁻⁴ LAMMPS CG (ftol 10⁻⁶) moved 3 of 32 new minima by
    /// 0.08–0.25 Å more, down flat valleys (docs/art/check_art_lammps.log).
    pub minimum_force_threshold: f64,
    /// The descent back towards the initial minimum (connectivity) stops once the largest
    /// force is below this (eV/Å); it only has to tell which basin it is in. Default 10⁻³.
    pub return_force_threshold: f64,
    /// Default 50 000.
    pub max_minimization_steps: usize,
    /// Two minima are the same when no particle is farther apart than this (Å): the
    /// connectivity test's return distance (a largest per-particle distance, stricter than an
    /// RMSD) and the new minimum's distinctness. Default 0.1 Å.
    pub same_minimum_distance: f64,
    pub lanczos: LanczosSettings,
    pub fire: FireRelaxSettings,
}

impl Default for ArtSettings {
    fn default() -> Self {
        Self {
            push_radius: 4.0,
            push_step: 0.2,
            eigenvalue_threshold: -0.5,
            min_activation_steps: 3,
            max_activation_steps: 50,
            perpendicular_steps_activation: 4,
            min_mode_climb: false,
            min_mode_stall_steps: 300,
            climbing_step: 0.2,
            step_curvature_floor: 0.49,
            perpendicular_steps_limitation: [4, 8, 12, 16, 0],
            max_perpendicular_steps: 200,
            max_relaxation_drop_ev: 0.1,
            max_climbing_steps: 500,
            smoothing_steps: 3,
            second_mode_nudge: 0.3,
            max_second_mode_nudges: 3,
            climbing_lanczos_iterations: 20,
            max_new_chances: 40,
            new_chance_pushes: 0,
            force_threshold: 0.01,
            minimization_offset: 0.2,
            descent_lbfgs_memory: 10,
            minimum_force_threshold: 2e-5,
            return_force_threshold: 1e-3,
            max_minimization_steps: 50_000,
            same_minimum_distance: 0.1,
            lanczos: LanczosSettings::default(),
            fire: FireRelaxSettings::default(),
        }
    }
}

impl ArtSettings {
    /// Checks every setting is a usable number.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("push_radius", self.push_radius),
            ("push_step", self.push_step),
            ("climbing_step", self.climbing_step),
            ("step_curvature_floor", self.step_curvature_floor),
            ("max_relaxation_drop_ev", self.max_relaxation_drop_ev),
            ("second_mode_nudge", self.second_mode_nudge),
            ("force_threshold", self.force_threshold),
            ("minimization_offset", self.minimization_offset),
            ("minimum_force_threshold", self.minimum_force_threshold),
            ("return_force_threshold", self.return_force_threshold),
            ("same_minimum_distance", self.same_minimum_distance),
            (
                "lanczos.finite_difference_step",
                self.lanczos.finite_difference_step,
            ),
            (
                "lanczos.relative_tolerance",
                self.lanczos.relative_tolerance,
            ),
            ("fire.dt_initial", self.fire.dt_initial),
            ("fire.dt_max", self.fire.dt_max),
            ("fire.max_step", self.fire.max_step),
        ];
        for (name, value) in positive {
            if !(value > 0.0 && value.is_finite()) {
                return Err(format!(
                    "ART setting {name} must be positive and finite, got {value}"
                ));
            }
        }
        if !(self.eigenvalue_threshold < 0.0 && self.eigenvalue_threshold.is_finite()) {
            return Err(format!(
                "ART setting eigenvalue_threshold must be negative, got {}",
                self.eigenvalue_threshold
            ));
        }
        if self.lanczos.max_iterations == 0 || self.max_climbing_steps == 0 {
            return Err(
                "ART settings lanczos.max_iterations and max_climbing_steps must be ≥ 1".into(),
            );
        }
        if self.max_perpendicular_steps == 0 {
            return Err("ART setting max_perpendicular_steps must be ≥ 1".into());
        }
        Ok(())
    }

    /// The climb's Lanczos: started from the previous eigenvector, at most
    /// `climbing_lanczos_iterations` (and `lanczos.max_iterations`) long.
    fn climbing_lanczos(&self) -> LanczosSettings {
        LanczosSettings {
            max_iterations: self
                .lanczos
                .max_iterations
                .min(self.climbing_lanczos_iterations.max(1)),
            ..self.lanczos
        }
    }

    /// Perpendicular FIRE steps allowed at climbing step `k` (0-based).
    fn perpendicular_limit(&self, k: usize) -> usize {
        let list = &self.perpendicular_steps_limitation;
        let n = list[k.min(list.len() - 1)];
        if n == 0 {
            self.max_perpendicular_steps
        } else {
            n.min(self.max_perpendicular_steps)
        }
    }
}

/// Why an exploration found no usable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The lowest eigenvalue never fell below the threshold during activation.
    NoNegativeMode,
    /// The negative mode disappeared during the climb.
    LostMode,
    /// The force did not fall below the threshold within the climbing steps.
    NotConverged,
    /// The converged point is not a first-order saddle (a second negative eigenvalue, or none).
    NotFirstOrder,
    /// The saddle lies below the initial minimum: not a barrier out of it.
    SaddleBelowInitial,
    /// Pushed over the saddle, the system relaxed back into the initial minimum.
    ReturnedToInitial,
    /// The descent from the saddle did not converge.
    MinimizationFailed,
    /// Relaxed from the saddle towards the initial minimum, the system ended elsewhere: the
    /// saddle is not on a path out of the initial minimum (pARTn `lpush_final`).
    Disconnected,
    /// The atom moving farthest from the initial minimum to the saddle is not a cluster atom:
    /// the event is not the cluster's.
    OffCluster,
    /// More atoms move more than the arrow threshold than the glass driver's
    /// `max_moving_atoms` (eOn `nonlocal_count_abort`): not a local event.
    TooManyMovers,
}

impl FailureKind {
    pub const ALL: [FailureKind; 10] = [
        FailureKind::NoNegativeMode,
        FailureKind::LostMode,
        FailureKind::NotConverged,
        FailureKind::NotFirstOrder,
        FailureKind::SaddleBelowInitial,
        FailureKind::ReturnedToInitial,
        FailureKind::MinimizationFailed,
        FailureKind::Disconnected,
        FailureKind::OffCluster,
        FailureKind::TooManyMovers,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            FailureKind::NoNegativeMode => "no_negative_mode",
            FailureKind::LostMode => "lost_mode",
            FailureKind::NotConverged => "not_converged",
            FailureKind::NotFirstOrder => "not_first_order",
            FailureKind::SaddleBelowInitial => "saddle_below_initial",
            FailureKind::ReturnedToInitial => "returned_to_initial",
            FailureKind::MinimizationFailed => "minimization_failed",
            FailureKind::Disconnected => "disconnected",
            FailureKind::OffCluster => "off_cluster",
            FailureKind::TooManyMovers => "too_many_movers",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A converged saddle search.
#[derive(Clone, Debug, PartialEq)]
pub struct SaddleSearch {
    pub x: Vec<f64>,
    pub energy: f64,
    pub forces: Vec<f64>,
    pub max_force: f64,
    /// Lowest eigenvalue and its eigenvector at the last Lanczos of the climb.
    pub lowest_eigenvalue: f64,
    pub eigenvector: Vec<f64>,
    pub activation_steps: usize,
    pub climbing_steps: usize,
    /// Force calls from the push to the converged saddle.
    pub force_calls: u64,
}

/// A saddle and the minimum beyond it.
#[derive(Clone, Debug, PartialEq)]
pub struct ArtEvent {
    pub saddle: SaddleSearch,
    pub final_minimum: Minimum,
    /// Largest particle distance between the initial minimum and where the descent from the
    /// saddle back along −v ended (the connectivity test).
    pub return_distance: f64,
    /// Force calls of the whole exploration (search, push over, minimisation).
    pub force_calls: u64,
}

/// The outcome of one exploration.
#[derive(Clone, Debug, PartialEq)]
pub enum Exploration {
    Saddle(Box<ArtEvent>),
    Failure { kind: FailureKind, force_calls: u64 },
}

/// Step `x` along unit `d` by `s`.
fn axpy(x: &mut [f64], s: f64, d: &[f64]) {
    x.iter_mut().zip(d).for_each(|(a, b)| *a += s * b);
}

/// `f` minus its component along unit `d`.
fn perpendicular(f: &[f64], d: &[f64]) -> Vec<f64> {
    let c = dot(f, d);
    f.iter().zip(d).map(|(a, b)| a - c * b).collect()
}

/// `f`'s component along unit `d`.
fn parallel(f: &[f64], d: &[f64]) -> Vec<f64> {
    let c = dot(f, d);
    d.iter().map(|b| c * b).collect()
}

/// Up to `steps` FIRE steps on the forces perpendicular to `d`, from rest; stops early when
/// `done(f, f_perp, iteration, energy)` says so. Leaves `f` and returns the energy at the final `x`.
// The search's state is passed piecewise, as the two phases hold it in different variables.
#[allow(clippy::too_many_arguments)]
fn relax_perpendicular(
    surface: &mut dyn EnergySurface,
    x: &mut [f64],
    f: &mut [f64],
    mut energy: f64,
    d: &[f64],
    null: &[Vec<f64>],
    steps: usize,
    fire: &mut Fire,
    done: impl Fn(&[f64], &[f64], usize, f64) -> bool,
) -> f64 {
    for i in 0..steps {
        let mut fp = perpendicular(f, d);
        project_out(&mut fp, null);
        if done(f, &fp, i, energy) {
            break;
        }
        fire.project_velocity(d);
        fire.step(x, &fp);
        energy = surface.energy_forces(x, f);
    }
    energy
}

/// One ART exploration from the minimum `x_min` (energy `e_min`) along the push `direction`
/// (any norm; it is normalised): the saddle search and its connection to both minima.
/// Deterministic given its inputs.
pub fn explore(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    e_min: f64,
    direction: &[f64],
    settings: &ArtSettings,
) -> Exploration {
    let calls0 = surface.force_calls();
    let fail = |kind, surface: &dyn EnergySurface| Exploration::Failure {
        kind,
        force_calls: surface.force_calls() - calls0,
    };
    let saddle = match find_saddle(surface, x_min, direction, settings) {
        Ok(s) => s,
        Err(kind) => return fail(kind, surface),
    };
    if saddle.energy <= e_min {
        return fail(FailureKind::SaddleBelowInitial, surface);
    }
    let (final_minimum, return_distance) = match connect(surface, x_min, &saddle, settings) {
        Ok(m) => m,
        Err(kind) => return fail(kind, surface),
    };
    Exploration::Saddle(Box::new(ArtEvent {
        saddle,
        final_minimum,
        return_distance,
        force_calls: surface.force_calls() - calls0,
    }))
}

/// The connectivity test, as eOn's process search makes it (client/ProcessSearchJob.cpp,
/// `doProcessSearch`): displace the saddle by ∓`minimization_offset` along its unit mode and
/// minimise each side (pARTn `lpush_final` relaxes to both adjacent minima too). The descent
/// against the mode's sign (v points away from `x_min`) must come back to the initial minimum
/// (no particle farther than `same_minimum_distance`, eOn's `structure_comparison`
/// `distance_difference` 0.1 Å), else [`FailureKind::Disconnected`]; the other must reach
/// another minimum, else [`FailureKind::ReturnedToInitial`]. eOn also swaps the two ends when
/// only the forward one is the initial minimum; on the glass that never happened (16
/// explorations, seed 1: every forward descent of a disconnected saddle ended elsewhere too),
/// so it is not done, saving a descent per disconnected saddle. Returns the new minimum and
/// the return distance.
pub fn connect(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    saddle: &SaddleSearch,
    settings: &ArtSettings,
) -> Result<(Minimum, f64), FailureKind> {
    let block = surface.components_per_particle();
    let away: Vec<f64> = saddle.x.iter().zip(x_min).map(|(a, b)| a - b).collect();
    let v = &saddle.eigenvector;
    let sign = if dot(v, &away) >= 0.0 { 1.0 } else { -1.0 };
    let same = settings.same_minimum_distance;
    let trace = std::env::var_os("BETAGLASS_ART_TRACE").is_some();
    // FIRE from the saddle displaced by `s` along v: relaxed first only until it is clear
    // whether it is back in the initial minimum (`return_force_threshold`); in a flat valley
    // that leaves atoms ~0.1 Å off the minimum, so a descent not yet within reach is relaxed
    // on to the minima's threshold before it is called another minimum.
    let mut descend = |s: f64, first_threshold: f64| -> Result<(Minimum, f64), FailureKind> {
        let mut x = saddle.x.clone();
        axpy(&mut x, s, v);
        let mut relax = |x, threshold| {
            let r = match settings.descent_lbfgs_memory {
                0 => minimize(
                    surface,
                    x,
                    threshold,
                    settings.max_minimization_steps,
                    settings.fire,
                ),
                memory => minimize_lbfgs(
                    surface,
                    x,
                    threshold,
                    settings.max_minimization_steps,
                    settings.fire.max_step,
                    memory,
                ),
            };
            if r.converged {
                Ok(r)
            } else {
                Err(FailureKind::MinimizationFailed)
            }
        };
        let mut m = relax(x, first_threshold)?;
        let mut distance = max_particle_distance(&m.x, x_min, block);
        if distance >= same && first_threshold > settings.minimum_force_threshold {
            m = relax(m.x, settings.minimum_force_threshold)?;
            distance = max_particle_distance(&m.x, x_min, block);
        }
        if trace {
            art_eprintln!(
                "connect: from saddle E {:.5} {s:+.3} along v (|saddle − min| {:.3}, max particle {:.3}): {} steps, E {:.5}, max particle {distance:.3} from the initial minimum, {}",
                saddle.energy,
                norm(&away),
                max_particle_distance(&saddle.x, x_min, block),
                m.steps,
                m.energy,
                displacement_profile(&m.x, x_min, block)
            );
        }
        Ok((m, distance))
    };
    let offset = settings.minimization_offset;
    let (_, back_distance) = descend(-sign * offset, settings.return_force_threshold)?;
    if back_distance < same {
        let (forward, forward_distance) = descend(sign * offset, settings.minimum_force_threshold)?;
        if forward_distance < same {
            return Err(FailureKind::ReturnedToInitial);
        }
        return Ok((forward, back_distance));
    }
    Err(FailureKind::Disconnected)
}

/// How `x` differs from `x_min`, for the trace: RMSD over the particles, the particles moved
/// more than 0.1, 0.3 and 1 length units, and the three farthest (index: distance).
fn displacement_profile(x: &[f64], x_min: &[f64], block: usize) -> String {
    let mut d: Vec<(usize, f64)> = particle_distances(x, x_min, block).enumerate().collect();
    let n = d.len().max(1) as f64;
    let rmsd = (d.iter().map(|(_, r)| r * r).sum::<f64>() / n).sqrt();
    let over = |t: f64| d.iter().filter(|(_, r)| *r > t).count();
    let (n01, n03, n1) = (over(0.1), over(0.3), over(1.0));
    d.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<String> = d
        .iter()
        .take(3)
        .map(|(i, r)| format!("{i}:{r:.3}"))
        .collect();
    format!(
        "rmsd {rmsd:.4}, moved >0.1 {n01} >0.3 {n03} >1 {n1}, farthest {}",
        top.join(" ")
    )
}

/// A deterministic pseudo-random vector (splitmix64 → [−1, 1]) on the coordinates where
/// `support` is non-zero: the fresh Lanczos start of a new chance.
fn fresh_vector(support: &[f64], salt: u64) -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    support
        .iter()
        .map(|&s| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 11) as f64 / (1u64 << 53) as f64;
            if s != 0.0 { 2.0 * u - 1.0 } else { 0.0 }
        })
        .collect()
}

/// Activation and climbing from `x_min` along `direction`: a converged point with force below
/// the threshold and a negative lowest eigenvalue (the full check is [`super::saddle_check`]).
pub fn find_saddle(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    direction: &[f64],
    settings: &ArtSettings,
) -> Result<SaddleSearch, FailureKind> {
    let calls0 = surface.force_calls();
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let mut d = direction.to_vec();
    project_out(&mut d, &null);
    let d_norm = norm(&d);
    if !(d_norm > 0.0 && d_norm.is_finite()) {
        return Err(FailureKind::NoNegativeMode);
    }
    d.iter_mut().for_each(|c| *c /= d_norm);
    // One push moves the particle with the largest component of d by `push_step` (pARTn
    // `push_step_size`).
    let push_length = settings.push_step / max_particle_force(&d, block);
    let mut x = x_min.to_vec();
    let mut f = vec![0.0; x.len()];

    let dim = x.len();
    // FIRE restarts from rest at every step: momentum carried over from step to step would
    // slide the configuration back down into the basin.

    // 1. Activation: push, relax perpendicular, and (after `min_activation_steps` pushes)
    //    Lanczos.
    let mut mode: Option<(f64, Vec<f64>)> = None;
    let mut activation_steps = 0;
    let mut current_energy = surface.energy_forces(&x, &mut f);
    let e_start = current_energy;
    // In the basin, every Lanczos starts from the push: started from the last eigenvector (a
    // soft mode of the whole glass) it would stay in that mode's invariant space and miss the
    // local mode turning negative.
    let activation_lanczos = LanczosSettings {
        stop_below: Some(settings.eigenvalue_threshold),
        ..settings.lanczos
    };
    for step in 0..settings.max_activation_steps {
        activation_steps = step + 1;
        axpy(&mut x, push_length, &d);
        let energy = surface.energy_forces(&x, &mut f);
        if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
            art_eprintln!(
                "push {step}: E {:.4} above the minimum after the push, fmax {:.3}, push length {push_length:.3}",
                energy - e_start,
                max_particle_force(&f, block)
            );
        }
        current_energy = relax_perpendicular(
            surface,
            &mut x,
            &mut f,
            energy,
            &d,
            &null,
            settings.perpendicular_steps_activation,
            &mut settings.fire.fire(dim, block),
            |_, _, _, _| false,
        );
        if step + 1 >= settings.min_activation_steps {
            let pair = lowest_eigenpair(surface, &x, &f, &d, &null, &activation_lanczos)
                .ok_or(FailureKind::NoNegativeMode)?;
            if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
                art_eprintln!(
                    "activation {step}: E {:.4} λ {:.4} fmax {:.4} calls {}",
                    current_energy - e_start,
                    pair.eigenvalue,
                    max_particle_force(&f, block),
                    surface.force_calls() - calls0
                );
            }
            if pair.eigenvalue < settings.eigenvalue_threshold {
                mode = Some((pair.eigenvalue, pair.eigenvector));
                break;
            }
        }
    }
    let Some((lambda, mut v)) = mode else {
        return Err(FailureKind::NoNegativeMode);
    };
    if std::env::var_os("BETAGLASS_ART_DIAGNOSE_ACTIVATION").is_some() {
        // Diagnosis only (its force calls count): which basin the activated point is in.
        let m = minimize_lbfgs(
            surface,
            x.clone(),
            settings.minimum_force_threshold,
            settings.max_minimization_steps,
            settings.fire.max_step,
            10,
        );
        art_eprintln!(
            "activated point E {current_energy:.5} relaxes to E {:.5}, max particle {:.3} from the initial minimum, {}",
            m.energy,
            max_particle_distance(&m.x, x_min, block),
            displacement_profile(&m.x, x_min, block)
        );
    }

    // 2. Climbing.
    let away: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
    orient(&mut v, &away);
    // The push, signed like the mode: the first `smoothing_steps` steps mix it into the step
    // direction, so the climb turns from the push onto the mode gradually.
    let mut push = d.clone();
    orient(&mut push, &v);
    let state = ClimbState {
        x,
        f,
        energy: current_energy,
        lambda,
        v,
    };
    if settings.min_mode_climb {
        return climb_min_mode(surface, x_min, state, activation_steps, calls0, settings);
    }
    climb(
        surface,
        x_min,
        state,
        &push,
        settings.smoothing_steps,
        activation_steps,
        calls0,
        settings,
    )
}

/// `v` turned to point along `reference`.
fn orient(v: &mut [f64], reference: &[f64]) {
    if dot(v, reference) < 0.0 {
        v.iter_mut().for_each(|c| *c = -*c);
    }
}

/// Where a climb stands: the point, its forces and energy, and the lowest eigenpair there.
#[derive(Clone, Debug)]
pub struct ClimbState {
    pub x: Vec<f64>,
    pub f: Vec<f64>,
    pub energy: f64,
    pub lambda: f64,
    pub v: Vec<f64>,
}

/// Goes on climbing from a point near a saddle (a saddle of a smaller region, embedded in a
/// larger one, or of the frozen-environment surface taken to the full system) along its
/// unstable mode `v` (padded with zeros where it is new): a Lanczos from `v`, then the climb
/// of [`find_saddle`] without smoothing. A point already below the force threshold is returned
/// as it is, with the eigenpair of that Lanczos. `activation_steps` is carried into the result.
pub fn refine_saddle(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    x: &[f64],
    v: &[f64],
    activation_steps: usize,
    settings: &ArtSettings,
) -> Result<SaddleSearch, FailureKind> {
    let calls0 = surface.force_calls();
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let mut f = vec![0.0; x.len()];
    let energy = surface.energy_forces(x, &mut f);
    let climbing_lanczos = settings.climbing_lanczos();
    let pair = lowest_eigenpair(surface, x, &f, v, &null, &climbing_lanczos)
        .ok_or(FailureKind::LostMode)?;
    let mut w = pair.eigenvector;
    let away: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
    orient(&mut w, &away);
    let max_force = max_particle_force(&f, block);
    if max_force < settings.force_threshold && pair.eigenvalue < 0.0 {
        return Ok(SaddleSearch {
            x: x.to_vec(),
            energy,
            forces: f,
            max_force,
            lowest_eigenvalue: pair.eigenvalue,
            eigenvector: w,
            activation_steps,
            climbing_steps: 0,
            force_calls: surface.force_calls() - calls0,
        });
    }
    let state = ClimbState {
        x: x.to_vec(),
        f,
        energy,
        lambda: pair.eigenvalue,
        v: w.clone(),
    };
    if settings.min_mode_climb {
        return climb_min_mode(surface, x_min, state, activation_steps, calls0, settings);
    }
    climb(
        surface,
        x_min,
        state,
        &w,
        0,
        activation_steps,
        calls0,
        settings,
    )
}

/// pARTn's new chance (`artn.f90`: the eigenvalue lost outside the basin sends the search back
/// to the basin phase, "continue pushing along init", with a random Lanczos start): push along
/// `push` by `push_step`, relax perpendicular, and Lanczos from a fresh vector, until the
/// lowest eigenvalue is below the activation threshold again (at most `new_chance_pushes`
/// pushes, else [`FailureKind::LostMode`]). Returns the energy and the eigenpair.
fn repush(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    x: &mut [f64],
    f: &mut [f64],
    push: &[f64],
    chance: usize,
    settings: &ArtSettings,
) -> Result<(f64, super::lanczos::Eigenpair), FailureKind> {
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let dim = x.len();
    let push_length = settings.push_step / max_particle_force(push, block);
    let activation_lanczos = LanczosSettings {
        stop_below: Some(settings.eigenvalue_threshold),
        ..settings.lanczos
    };
    for k in 0..settings.new_chance_pushes {
        axpy(x, push_length, push);
        let energy = surface.energy_forces(x, f);
        let energy = relax_perpendicular(
            surface,
            x,
            f,
            energy,
            push,
            &null,
            settings.perpendicular_steps_activation,
            &mut settings.fire.fire(dim, block),
            |_, _, _, _| false,
        );
        let moved: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
        let start = fresh_vector(&moved, (chance * 1000 + k) as u64);
        let pair = lowest_eigenpair(surface, x, f, &start, &null, &activation_lanczos)
            .ok_or(FailureKind::LostMode)?;
        if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
            art_eprintln!("new chance {chance}, push {k}: λ {:.4}", pair.eigenvalue);
        }
        if pair.eigenvalue < settings.eigenvalue_threshold {
            return Ok((energy, pair));
        }
    }
    Err(FailureKind::LostMode)
}

/// Min-mode following from `state` (see [`ArtSettings::min_mode_climb`]).
fn climb_min_mode(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    state: ClimbState,
    activation_steps: usize,
    calls0: u64,
    settings: &ArtSettings,
) -> Result<SaddleSearch, FailureKind> {
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let ClimbState {
        mut x,
        mut f,
        energy: mut current_energy,
        mut lambda,
        mut v,
    } = state;
    let climbing_lanczos = settings.climbing_lanczos();
    let mut fire = settings.fire.fire(x.len(), block);
    let mut convex_run = 0;
    let (mut best_force, mut best_step) = (f64::INFINITY, 0);
    let trace = std::env::var_os("BETAGLASS_ART_TRACE").is_some();
    for step in 0..settings.max_climbing_steps {
        if step > 0 {
            let pair = lowest_eigenpair(surface, &x, &f, &v, &null, &climbing_lanczos)
                .ok_or(FailureKind::LostMode)?;
            let mut w = pair.eigenvector;
            orient(&mut w, &v);
            if dot(&w, &v) < 0.9 {
                // The mode turned: the velocity built along the old one would carry the
                // search across the new one's ridge.
                fire = settings.fire.fire(x.len(), block);
            }
            lambda = pair.eigenvalue;
            v = w;
        }
        let max_force = max_particle_force(&f, block);
        // A search whose largest force has not fallen below 0.9 of its best for
        // `min_mode_stall_steps` circles (one traced on the glass went 1 400 steps at 0.13
        // eV/Å, its λ swinging between +0.03 and −0.49 eV/Å²): give up rather than spend calls.
        if max_force < 0.9 * best_force {
            best_force = max_force;
            best_step = step;
        } else if step - best_step > settings.min_mode_stall_steps {
            return Err(FailureKind::NotConverged);
        }
        if trace && step % 10 == 0 {
            art_eprintln!(
                "min-mode {step}: λ {lambda:.4} E {current_energy:.5} fmax {max_force:.4} calls {} disp {:.3}",
                surface.force_calls() - calls0,
                max_particle_distance(&x, x_min, block)
            );
        }
        if max_force < settings.force_threshold && lambda < 0.0 {
            return Ok(SaddleSearch {
                x,
                energy: current_energy,
                forces: f,
                max_force,
                lowest_eigenvalue: lambda,
                eigenvector: v,
                activation_steps,
                climbing_steps: step + 1,
                force_calls: surface.force_calls() - calls0,
            });
        }
        let f_par = dot(&f, &v);
        let mut effective: Vec<f64> = if lambda < 0.0 {
            convex_run = 0;
            f.iter().zip(&v).map(|(a, b)| a - 2.0 * f_par * b).collect()
        } else {
            convex_run += 1;
            if convex_run > settings.max_new_chances {
                return Err(FailureKind::LostMode);
            }
            v.iter().map(|b| -f_par * b).collect()
        };
        project_out(&mut effective, &null);
        fire.step(&mut x, &effective);
        current_energy = surface.energy_forces(&x, &mut f);
    }
    Err(FailureKind::NotConverged)
}

/// ART's climbing phase from `state` (see the module documentation, 2.).
#[allow(clippy::too_many_arguments)]
fn climb(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    state: ClimbState,
    push: &[f64],
    smoothing_steps: usize,
    activation_steps: usize,
    calls0: u64,
    settings: &ArtSettings,
) -> Result<SaddleSearch, FailureKind> {
    let block = surface.components_per_particle();
    let null = surface.null_modes();
    let dim = state.x.len();
    let ClimbState {
        mut x,
        mut f,
        energy: mut current_energy,
        mut lambda,
        mut v,
    } = state;
    let climbing_lanczos = settings.climbing_lanczos();
    // The second mode of a glass sits among many soft ones: a longer Krylov basis than the
    // climb's finds it.
    let second_lanczos = LanczosSettings {
        max_iterations: settings.lanczos.max_iterations.max(200),
        min_iterations: settings.lanczos.min_iterations.max(10),
        relative_tolerance: settings.lanczos.relative_tolerance.min(1e-3),
        ..settings.lanczos
    };
    let threshold = settings.force_threshold;
    let mut nudges = 0;
    let mut new_chances = 0;
    // Climbing steps since activation or the last new chance: the index into
    // `perpendicular_steps_limitation`, reset by a new chance as pARTn's
    // `nperp_limitation_step(-1)` does.
    let mut perpendicular_index = 0;
    // The start of the next Lanczos: the last eigenvector, or a fresh vector after a convex step.
    let mut lanczos_start: Option<Vec<f64>> = None;
    // |v_new · v_old| of the last Lanczos (traced: how far the mode turned in one step).
    let mut overlap = 1.0;
    for step in 0..settings.max_climbing_steps {
        if step > 0 {
            let start = lanczos_start.take().unwrap_or_else(|| v.clone());
            let pair = lowest_eigenpair(surface, &x, &f, &start, &null, &climbing_lanczos)
                .ok_or(FailureKind::LostMode)?;
            let mut w = pair.eigenvector;
            orient(&mut w, &v);
            overlap = dot(&w, &v);
            lambda = pair.eigenvalue;
            v = w;
        }
        let f_par = dot(&f, &v);
        // pARTn's `current_step_size`: uphill along v (−sign(F·v)), by |F·v|/max(|λ|, floor),
        // at most `climbing_step`.
        let s = -f_par.signum()
            * settings
                .climbing_step
                .min(f_par.abs() / lambda.abs().max(settings.step_curvature_floor));
        if lambda >= 0.0 {
            // A convex region: eOn's positive-eigenvalue step (uphill along the lowest mode, no
            // perpendicular relaxation) and pARTn's new chance (a fresh Lanczos vector).
            new_chances += 1;
            if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
                art_eprintln!(
                    "climb {step}: convex, λ {lambda:.4}, overlap {overlap:.3}, E {current_energy:.5}, disp {:.3}, new chance {new_chances}",
                    max_particle_distance(&x, x_min, block)
                );
            }
            if new_chances > settings.max_new_chances {
                return Err(FailureKind::LostMode);
            }
            if settings.new_chance_pushes > 0 {
                let (e, pair) =
                    repush(surface, x_min, &mut x, &mut f, push, new_chances, settings)?;
                current_energy = e;
                lambda = pair.eigenvalue;
                v = pair.eigenvector;
                let away: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
                orient(&mut v, &away);
                perpendicular_index = 0;
                lanczos_start = None;
                continue;
            }
            axpy(&mut x, s, &v);
            current_energy = surface.energy_forces(&x, &mut f);
            let moved: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
            let mut fresh = fresh_vector(&moved, new_chances as u64);
            // Half the path from the minimum, half random on the atoms that moved: the local
            // region's modes, not the last (lost) one.
            let (nm, nf) = (norm(&moved), norm(&fresh));
            if nm > 0.0 && nf > 0.0 {
                fresh
                    .iter_mut()
                    .zip(&moved)
                    .for_each(|(r, m)| *r = *r / nf + m / nm);
                lanczos_start = Some(fresh);
            }
            perpendicular_index = 0;
            continue;
        }
        let smoothing = step < smoothing_steps;
        let u = if smoothing {
            let a = (step + 1) as f64 / (smoothing_steps + 1) as f64;
            let mut u: Vec<f64> = v
                .iter()
                .zip(push)
                .map(|(vi, pi)| a * vi + (1.0 - a) * pi)
                .collect();
            let n = norm(&u);
            u.iter_mut().for_each(|c| *c /= n);
            u
        } else {
            v.clone()
        };
        let limit = settings.perpendicular_limit(perpendicular_index);
        perpendicular_index += 1;
        let energy_before = current_energy;
        axpy(&mut x, s, &u);
        let energy = surface.energy_forces(&x, &mut f);
        current_energy = relax_perpendicular(
            surface,
            &mut x,
            &mut f,
            energy,
            &u,
            &null,
            limit,
            &mut settings.fire.fire(dim, block),
            |f, fp, i, e| {
                // pARTn's C0 (converged) and C3 (max F⊥ < max F∥, after at least one step and
                // not while smoothing).
                if max_particle_force(f, block) < threshold {
                    return true;
                }
                // The relaxation may not undo the climb: below the energy before the step, it
                // is sliding back down the unstable mode (v is only approximate), which is how
                // most searches lost their mode in the glass.
                if i > 0 && e < energy_before - settings.max_relaxation_drop_ev {
                    return true;
                }
                let f_par = max_particle_force(&parallel(f, &u), block);
                !smoothing && i > 0 && max_particle_force(fp, block) < f_par
            },
        );
        let max_force = max_particle_force(&f, block);
        if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
            art_eprintln!(
                "climb {step}: λ {lambda:.4} ov {overlap:.3} s {s:.4} E {current_energy:.5} fmax {max_force:.4} calls {} limit {limit} disp {:.3}",
                surface.force_calls() - calls0,
                max_particle_distance(&x, x_min, block)
            );
        }
        if max_force < threshold && nudges < settings.max_second_mode_nudges {
            // A second negative mode makes this a higher-order saddle, where the perpendicular
            // relaxation stalls (its force vanishes there too): roll off along that mode, away
            // from the minimum, and go on climbing.
            let mut deflate = null.clone();
            deflate.push(v.clone());
            let start: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
            if let Some(second) =
                lowest_eigenpair(surface, &x, &f, &start, &deflate, &second_lanczos)
                && second.eigenvalue < 0.0
            {
                nudges += 1;
                let mut w = second.eigenvector;
                orient(&mut w, &start);
                axpy(&mut x, settings.second_mode_nudge, &w);
                current_energy = surface.energy_forces(&x, &mut f);
                continue;
            }
        }
        if max_force < threshold {
            return Ok(SaddleSearch {
                x,
                energy: current_energy,
                forces: f,
                max_force,
                lowest_eigenvalue: lambda,
                eigenvector: v,
                activation_steps,
                climbing_steps: step + 1,
                force_calls: surface.force_calls() - calls0,
            });
        }
    }
    Err(FailureKind::NotConverged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perpendicular_limits_follow_partn() {
        let s = ArtSettings::default();
        let limits: Vec<usize> = (0..7).map(|k| s.perpendicular_limit(k)).collect();
        assert_eq!(limits, [4, 8, 12, 16, 200, 200, 200]);
    }

    #[test]
    fn every_failure_kind_has_a_distinct_name() {
        for k in FailureKind::ALL {
            assert_eq!(FailureKind::from_name(k.name()), Some(k));
        }
    }
}
