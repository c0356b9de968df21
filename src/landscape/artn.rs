//! ART nouveau (Barkema & Mousseau, PRL 77, 4358 (1996); Malek & Mousseau, PRE 62, 7723 (2000);
//! Machado-Charry et al., J. Chem. Phys. 135, 034102 (2011)): from a minimum, find a first-order
//! saddle point and the minimum on its other side.
//!
//! 1. **Activation.** Displace the minimum by a push of norm `initial_push` along a given
//!    direction d (localised on the cluster by the caller). Then repeatedly step by `push_step`
//!    along d and relax the forces perpendicular to d (`perpendicular_steps_activation` FIRE
//!    steps), computing the lowest Hessian eigenvalue λ by Lanczos once
//!    `min_activation_steps` are done. As soon as λ < `eigenvalue_threshold` the configuration
//!    has left the basin's harmonic well: go to 2. After `max_activation_steps`: failure
//!    [`FailureKind::NoNegativeMode`].
//! 2. **Climbing.** With v the lowest eigenvector (signed away from the minimum), step along v
//!    by the Newton step F·v/λ (at most `climbing_step`), which goes up the negative mode (the
//!    first `smoothing_steps` steps go along a mix of v and the push), then relax perpendicular
//!    to the step with FIRE: `perpendicular_steps_activation` steps while the Newton step is
//!    clipped (far from the ridge) or the largest force is above `near_ridge_force_factor` ×
//!    `force_threshold`, up to `perpendicular_steps_climbing` otherwise (stopping once the perpendicular force is below half the threshold or below the parallel
//!    force). Repeat, updating v by Lanczos from the previous v (at most
//!    `climbing_lanczos_iterations`), until the largest particle force is below
//!    `force_threshold`. While λ ≥ 0, push uphill along the last v with the activation's
//!    relaxation; after more than `max_lost_mode_steps` such steps in a row: failure
//!    [`FailureKind::LostMode`]; after `max_climbing_steps`: [`FailureKind::NotConverged`].
//!    A converged point with a second negative eigenvalue (a higher-order saddle, where the
//!    perpendicular relaxation stalls) is left along that mode by `second_mode_nudge`, and the
//!    climb goes on (at most `max_second_mode_nudges` times).
//! 3. **Push over and relax.** Step from the saddle along v, away from the minimum, by
//!    `push_over_fraction` of the saddle's distance from the minimum, and FIRE-minimise. If
//!    that minimum is the starting one (no particle farther than `same_minimum_distance`):
//!    failure [`FailureKind::ReturnedToInitial`].

use serde::{Deserialize, Serialize};

use super::lanczos::{LanczosSettings, lowest_eigenpair, project_out};
use super::relax::{FireRelaxSettings, Minimum, minimize};
use super::surface::{EnergySurface, dot, max_particle_distance, max_particle_force, norm};
use crate::dynamics::Fire;

/// The settings of one ART search. Lengths in the surface's unit (Å for the glass), energies in
/// its unit (eV), curvatures in energy/length² (eV/Å²). Defaults are for the Cu–Zr glass.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArtSettings {
    /// Atoms within this distance of the cluster's centre atom get a random push (Å). Used by
    /// the glass driver ([`super::explore`]), not by [`explore`] itself. Default 4.0 Å: the
    /// paper's cluster (centre and first shell).
    pub push_radius: f64,
    /// Norm of the initial displacement along the push direction (Å). Default 0.1 Å.
    pub initial_push: f64,
    /// Increment along the push direction per activation step (Å). Default 0.1 Å.
    pub push_step: f64,
    /// Activation ends when the lowest eigenvalue falls below this (eV/Å²). Default −0.05:
    /// clearly negative against Lanczos's ~1 % error on curvatures of ~1 eV/Å², and reached
    /// soon after the basin's inflection (the embedded glass's softest mode at the minimum is
    /// ~0.08 eV/Å²).
    pub eigenvalue_threshold: f64,
    /// Activation steps before the first Lanczos (each costs ~5–30 force calls). Default 2.
    pub min_activation_steps: usize,
    /// Default 50 (5 Å of push in all).
    pub max_activation_steps: usize,
    /// FIRE steps perpendicular to the push per activation step, and per climbing step while
    /// the Newton step is clipped or the mode is lost. Default 3: stronger relaxation slides
    /// the configuration back into the basin.
    pub perpendicular_steps_activation: usize,
    /// Largest step along the eigenvector per climbing step (Å). Default 0.1 Å.
    pub climbing_step: f64,
    /// Most FIRE steps perpendicular to the eigenvector per climbing step once the Newton step
    /// is below `climbing_step` (near the ridge). Default 12.
    pub perpendicular_steps_climbing: usize,
    /// Default 500.
    pub max_climbing_steps: usize,
    /// The first climbing steps mix the push into the step direction: step k of n goes along
    /// (k+1)/(n+1)·v + (n−k)/(n+1)·push (ARTn's `nsmooth`). Default 3; 0: along v at once.
    pub smoothing_steps: usize,
    /// The climb relaxes with `perpendicular_steps_climbing` steps only once the largest force
    /// is below this multiple of `force_threshold`; above, with
    /// `perpendicular_steps_activation`. Default 10.
    pub near_ridge_force_factor: f64,
    /// At a converged point whose second-lowest eigenvalue (Lanczos, the lowest mode and the
    /// translations deflated) is negative too, step this far along that mode (Å) and go on
    /// climbing, at most `max_second_mode_nudges` times. Defaults 0.3 Å and 3.
    pub second_mode_nudge: f64,
    pub max_second_mode_nudges: usize,
    /// Largest Krylov basis of the climb's Lanczos, started from the previous eigenvector
    /// (at most `lanczos.max_iterations`). Default 20.
    pub climbing_lanczos_iterations: usize,
    /// Consecutive climbing steps with λ ≥ 0 tolerated, pushing up along the last mode (then the
    /// mode is lost): ARTn goes back to activation. Default 20.
    pub max_lost_mode_steps: usize,
    /// The saddle is converged when the largest force on any particle is below this (eV/Å).
    /// Default 0.01 eV/Å.
    pub force_threshold: f64,
    /// Push over the saddle by this fraction of its distance from the initial minimum.
    /// Default 0.2.
    pub push_over_fraction: f64,
    /// The new minimum (and the initial one) is relaxed until the largest force is below this
    /// (eV/Å). Default 2·10⁻⁴: at 10⁻³ the glass's soft modes (~0.01 eV/Å²) leave ~2·10⁻⁴ eV for
    /// a further minimisation to gain (LAMMPS CG measured it); the residual energy goes as F²,
    /// so 2·10⁻⁴ eV/Å leaves ~10⁻⁵ eV.
    pub minimum_force_threshold: f64,
    /// Default 20 000.
    pub max_minimization_steps: usize,
    /// Two minima are the same when no particle is farther apart than this (Å). Default 0.1 Å.
    pub same_minimum_distance: f64,
    pub lanczos: LanczosSettings,
    pub fire: FireRelaxSettings,
}

impl Default for ArtSettings {
    fn default() -> Self {
        Self {
            push_radius: 4.0,
            initial_push: 0.1,
            push_step: 0.1,
            eigenvalue_threshold: -0.05,
            min_activation_steps: 2,
            max_activation_steps: 50,
            perpendicular_steps_activation: 3,
            climbing_step: 0.1,
            perpendicular_steps_climbing: 12,
            max_climbing_steps: 500,
            smoothing_steps: 3,
            second_mode_nudge: 0.3,
            max_second_mode_nudges: 3,
            near_ridge_force_factor: 10.0,
            climbing_lanczos_iterations: 20,
            max_lost_mode_steps: 20,
            force_threshold: 0.01,
            push_over_fraction: 0.2,
            minimum_force_threshold: 2e-4,
            max_minimization_steps: 20_000,
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
            ("initial_push", self.initial_push),
            ("push_step", self.push_step),
            ("climbing_step", self.climbing_step),
            ("second_mode_nudge", self.second_mode_nudge),
            ("near_ridge_force_factor", self.near_ridge_force_factor),
            ("force_threshold", self.force_threshold),
            ("push_over_fraction", self.push_over_fraction),
            ("minimum_force_threshold", self.minimum_force_threshold),
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
        Ok(())
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
}

impl FailureKind {
    pub const ALL: [FailureKind; 7] = [
        FailureKind::NoNegativeMode,
        FailureKind::LostMode,
        FailureKind::NotConverged,
        FailureKind::NotFirstOrder,
        FailureKind::SaddleBelowInitial,
        FailureKind::ReturnedToInitial,
        FailureKind::MinimizationFailed,
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

/// Up to `steps` FIRE steps on the forces perpendicular to `d`; stops early when `done`
/// says so. Leaves `f` and returns the energy at the final `x`.
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
    done: impl Fn(&[f64], &[f64]) -> bool,
) -> f64 {
    for _ in 0..steps {
        let mut fp = perpendicular(f, d);
        project_out(&mut fp, null);
        if done(f, &fp) {
            break;
        }
        fire.project_velocity(d);
        fire.step(x, &fp);
        energy = surface.energy_forces(x, f);
    }
    energy
}

/// One ART exploration from the minimum `x_min` (energy `e_min`) along the push `direction`
/// (any norm; it is normalised). Deterministic given its inputs.
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
    let final_minimum = match descend(surface, x_min, &saddle, settings) {
        Ok(m) => m,
        Err(kind) => return fail(kind, surface),
    };
    Exploration::Saddle(Box::new(ArtEvent {
        saddle,
        final_minimum,
        force_calls: surface.force_calls() - calls0,
    }))
}

/// Push over the saddle, away from `x_min`, and minimise.
pub fn descend(
    surface: &mut dyn EnergySurface,
    x_min: &[f64],
    saddle: &SaddleSearch,
    settings: &ArtSettings,
) -> Result<Minimum, FailureKind> {
    let block = surface.components_per_particle();
    let away: Vec<f64> = saddle.x.iter().zip(x_min).map(|(a, b)| a - b).collect();
    let v = &saddle.eigenvector;
    let sign = if dot(v, &away) >= 0.0 { 1.0 } else { -1.0 };
    let mut x = saddle.x.clone();
    axpy(&mut x, sign * settings.push_over_fraction * norm(&away), v);
    let minimum = minimize(
        surface,
        x,
        settings.minimum_force_threshold,
        settings.max_minimization_steps,
        settings.fire,
    );
    if !minimum.converged {
        return Err(FailureKind::MinimizationFailed);
    }
    if max_particle_distance(&minimum.x, x_min, block) < settings.same_minimum_distance {
        return Err(FailureKind::ReturnedToInitial);
    }
    Ok(minimum)
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
    let mut x = x_min.to_vec();
    axpy(&mut x, settings.initial_push, &d);
    let mut f = vec![0.0; x.len()];
    surface.energy_forces(&x, &mut f);

    let dim = x.len();
    // FIRE restarts from rest at every step: momentum carried over from step to step would
    // slide the configuration back down into the basin.

    // 1. Activation.
    let mut mode: Option<(f64, Vec<f64>)> = None;
    let mut activation_steps = 0;
    // In the basin, every Lanczos starts from the push: started from the last eigenvector (a
    // soft mode of the whole glass) it would stay in that mode's invariant space and miss the
    // local mode turning negative.
    let activation_lanczos = LanczosSettings {
        stop_below: Some(settings.eigenvalue_threshold),
        ..settings.lanczos
    };
    for step in 0..settings.max_activation_steps {
        activation_steps = step + 1;
        if step >= settings.min_activation_steps {
            let pair = lowest_eigenpair(surface, &x, &f, &d, &null, &activation_lanczos)
                .ok_or(FailureKind::NoNegativeMode)?;
            if pair.eigenvalue < settings.eigenvalue_threshold {
                mode = Some((pair.eigenvalue, pair.eigenvector));
                break;
            }
        }
        axpy(&mut x, settings.push_step, &d);
        let energy = surface.energy_forces(&x, &mut f);
        relax_perpendicular(
            surface,
            &mut x,
            &mut f,
            energy,
            &d,
            &null,
            settings.perpendicular_steps_activation,
            &mut settings.fire.fire(dim, block),
            |_, _| false,
        );
    }
    let Some((mut lambda, mut v)) = mode else {
        return Err(FailureKind::NoNegativeMode);
    };

    // 2. Climbing.
    let orient = |v: &mut Vec<f64>, reference: &[f64]| {
        if dot(v, reference) < 0.0 {
            v.iter_mut().for_each(|c| *c = -*c);
        }
    };
    let away: Vec<f64> = x.iter().zip(x_min).map(|(a, b)| a - b).collect();
    orient(&mut v, &away);
    // The push, signed like the mode: the first `smoothing_steps` steps mix it into the step
    // direction, so the climb turns from the push onto the mode gradually.
    let mut push = d.clone();
    orient(&mut push, &v);
    let climbing_lanczos = LanczosSettings {
        max_iterations: settings
            .lanczos
            .max_iterations
            .min(settings.climbing_lanczos_iterations.max(1)),
        ..settings.lanczos
    };
    // The second mode of a glass sits among many soft ones: a longer Krylov basis than the
    // climb's finds it.
    let second_lanczos = LanczosSettings {
        max_iterations: settings.lanczos.max_iterations.max(200),
        min_iterations: settings.lanczos.min_iterations.max(10),
        relative_tolerance: settings.lanczos.relative_tolerance.min(1e-3),
        ..settings.lanczos
    };
    let threshold = settings.force_threshold;
    let mut lost = 0;
    let mut nudges = 0;
    for step in 0..settings.max_climbing_steps {
        if step > 0 {
            let pair = lowest_eigenpair(surface, &x, &f, &v, &null, &climbing_lanczos)
                .ok_or(FailureKind::LostMode)?;
            let mut w = pair.eigenvector;
            orient(&mut w, &v);
            lambda = pair.eigenvalue;
            if lambda < 0.0 {
                v = w;
            }
            // λ ≥ 0: keep the last negative mode (the lowest positive one is some soft mode of
            // the glass, not the way out); the next Lanczos starts from it again.
        }
        let f_par = dot(&f, &v);
        // The step direction u (unit), its length s, and how much to relax perpendicular to u.
        let (u, s, perpendicular_steps) = if lambda < 0.0 {
            lost = 0;
            // Newton's step to the maximum along v: −(F·v)/|λ| is uphill whatever the sign
            // of F·v (F = −∇E).
            let newton = f_par / lambda;
            let s = newton.clamp(-settings.climbing_step, settings.climbing_step);
            // Far from the ridge along v, or while the force is still large, climb with little
            // perpendicular relaxation between eigenvector updates (more would slide the
            // configuration back down into the basin); near the saddle, relax fully.
            let far = max_particle_force(&f, block) > settings.near_ridge_force_factor * threshold;
            let perpendicular_steps = if newton.abs() >= settings.climbing_step || far {
                settings.perpendicular_steps_activation
            } else {
                settings.perpendicular_steps_climbing
            };
            if step < settings.smoothing_steps {
                let a = (step + 1) as f64 / (settings.smoothing_steps + 1) as f64;
                let mut u: Vec<f64> = v
                    .iter()
                    .zip(&push)
                    .map(|(vi, pi)| a * vi + (1.0 - a) * pi)
                    .collect();
                let n = norm(&u);
                u.iter_mut().for_each(|c| *c /= n);
                (u, s, perpendicular_steps)
            } else {
                (v.clone(), s, perpendicular_steps)
            }
        } else {
            lost += 1;
            if lost > settings.max_lost_mode_steps {
                return Err(FailureKind::LostMode);
            }
            // Positive curvature again: back to activation, pushing uphill along the last
            // negative mode with the activation's light perpendicular relaxation.
            let s = if f_par > 0.0 { -1.0 } else { 1.0 } * settings.climbing_step;
            (v.clone(), s, settings.perpendicular_steps_activation)
        };
        axpy(&mut x, s, &u);
        let energy = surface.energy_forces(&x, &mut f);
        let energy = relax_perpendicular(
            surface,
            &mut x,
            &mut f,
            energy,
            &u,
            &null,
            perpendicular_steps,
            &mut settings.fire.fire(dim, block),
            |f, fp| {
                let f_par = dot(f, &u).abs();
                let perp = max_particle_force(fp, block);
                perp < 0.5 * threshold || norm(fp) < 0.5 * f_par
            },
        );
        let max_force = max_particle_force(&f, block);
        if max_force < threshold && lambda < 0.0 && nudges < settings.max_second_mode_nudges {
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
                surface.energy_forces(&x, &mut f);
                continue;
            }
        }
        if max_force < threshold && lambda < 0.0 {
            return Ok(SaddleSearch {
                x,
                energy,
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
