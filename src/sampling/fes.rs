//! The free-energy profile F(s) from a well-tempered bias, and the barrier ΔF read off it.
//!
//! F = −((T+ΔT)/ΔT)·V on the grid. Three estimators ([`Estimator`]), each reported with what
//! it used:
//! - **Profile** ([`read_profile`]): after the event the run goes on until F(s) shows the
//!   initial minimum, the saddle and the new minimum, and its stop rule
//!   ([`ProfileStopSettings`], [`ProfileWatch`]) holds; ΔF = F(s‡) − F(initial minimum), s‡
//!   the highest F between the minimum downhill from the starting level and the one downhill
//!   from the event's new level. The paper's reading of its Fig. 1 (0.25 → 1.05 → 1.46 Å).
//! - **Final** ([`find_barrier`]), a diagnostic: the first well at least `min_well_depth_ev`
//!   deep beyond the starting basin on the profile at the end of the run. A precursor's
//!   shallow well can come first, and after an event the bias fills the new basin.
//! - **Filled depth** ([`filled_depth`], once called "ΔF at crossing"): the depth
//!   (T+ΔT)/ΔT·V(basin) the bias had filled at t*, the last hill before the jump,
//!   F_t*(rim) − F_t*(s_min), with the rim the edge of the filled region the trajectory left
//!   from. It says how much bias the jump needed, not where the saddle is: it is not a
//!   reading of F at s‡, and it is a lower-side estimate when the jump came early.

use serde::{Deserialize, Serialize};

use super::bias::{CvGrid, Metadynamics};

/// F(s) on the bin centres of the bias grid, shifted to minimum 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FreeEnergyProfile {
    pub s_angstrom: Vec<f64>,
    pub free_energy_ev: Vec<f64>,
}

impl FreeEnergyProfile {
    /// F = −factor·V, minimum 0 (factor = (T+ΔT)/ΔT for WT-MetaD, 1 for plain).
    pub fn from_bias(grid: &CvGrid, bias_ev: &[f64], factor: f64) -> Self {
        let f: Vec<f64> = bias_ev.iter().map(|v| -factor * v).collect();
        let min = f.iter().copied().fold(f64::INFINITY, f64::min);
        Self {
            s_angstrom: grid.centres(),
            free_energy_ev: f.iter().map(|x| x - min).collect(),
        }
    }

    /// The profile of a metadynamics bias now.
    pub fn of_metadynamics(meta: &Metadynamics, temperature_k: f64) -> Self {
        let factor = meta.settings().free_energy_factor(temperature_k);
        Self::from_bias(meta.grid(), meta.grid_values_ev(), factor)
    }

    /// The profile from the hills deposited at or before `biased_step` (its history).
    pub fn of_metadynamics_at(meta: &Metadynamics, temperature_k: f64, biased_step: u64) -> Self {
        let factor = meta.settings().free_energy_factor(temperature_k);
        Self::from_bias(
            meta.grid(),
            &meta.grid_values_at_step_ev(biased_step),
            factor,
        )
    }

    /// Index of the grid point nearest s.
    fn index_near(&self, s: f64) -> usize {
        let mut best = 0;
        for (i, &x) in self.s_angstrom.iter().enumerate() {
            if (x - s).abs() < (self.s_angstrom[best] - s).abs() {
                best = i;
            }
        }
        best
    }

    /// Gaussian-smoothed values over the index range (kernel renormalised at the edges).
    fn smoothed(&self, range: std::ops::Range<usize>, width_angstrom: f64) -> Vec<f64> {
        if width_angstrom <= 0.0 || self.s_angstrom.len() < 2 {
            return self.free_energy_ev[range].to_vec();
        }
        let s = &self.s_angstrom;
        range
            .clone()
            .map(|i| {
                let (mut num, mut den) = (0.0, 0.0);
                for j in range.clone() {
                    let x = (s[j] - s[i]) / width_angstrom;
                    if x.abs() < 4.0 {
                        let w = (-0.5 * x * x).exp();
                        num += w * self.free_energy_ev[j];
                        den += w;
                    }
                }
                num / den
            })
            .collect()
    }
}

/// The ΔF estimators a sampling reports, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Estimator {
    /// F(s‡) − F(initial minimum) on the profile that shows both basins of the event, read
    /// when the stop rule ([`ProfileStopSettings`]) ended the sampling ([`read_profile`]).
    Profile,
    /// The filled depth (T+ΔT)/ΔT·V(basin) at the last hill before the event's jump
    /// ([`filled_depth`]): how much bias the jump took, not a reading of the saddle.
    FilledDepth,
    /// The first well beyond the starting basin on the profile at the end of the run
    /// ([`find_barrier`]): a diagnostic only (after an event the bias fills the new basin and
    /// the old side of F stops converging; a precursor's well can come first).
    Final,
}

impl Estimator {
    pub const ALL: [Estimator; 3] = [Self::Profile, Self::FilledDepth, Self::Final];

    /// As CSV files, JSON and figures name it: `profile`, `filled-depth`, `final`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::FilledDepth => "filled-depth",
            Self::Final => "final",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text.trim())
    }
}

/// How the barrier finder reads a noisy profile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarrierSettings {
    /// Gaussian smoothing of F before looking for extrema (Å).
    pub smoothing_angstrom: f64,
    /// A minimum counts only if it lies this far below the barrier on both sides (eV).
    pub min_well_depth_ev: f64,
}

impl Default for BarrierSettings {
    /// No smoothing: a profile summed from Gaussians of width σ is already smooth on the
    /// scale of σ, and smoothing of width w lowers a barrier by ~½w²(|F″_min| + |F″_saddle|)
    /// (0.4 k_BT in the 1D test at w = 0.05 Å). Noise is rejected by the well depth instead:
    /// 0.05 eV (~2 k_BT at 300 K, above the ~0.03 eV ripple of single hills).
    fn default() -> Self {
        Self {
            smoothing_angstrom: 0.0,
            min_well_depth_ev: 0.05,
        }
    }
}

/// ΔF read from a profile, with where it was read.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarrierReading {
    pub initial_minimum_angstrom: f64,
    pub saddle_angstrom: f64,
    pub next_minimum_angstrom: f64,
    pub barrier_ev: f64,
    /// F(saddle) − F(next minimum): the depth of the new basin (eV).
    #[serde(default)]
    pub next_basin_depth_ev: f64,
}

/// The barrier, or why it is not known yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Barrier {
    Determined(BarrierReading),
    NotYetDetermined { reason: String },
}

impl Barrier {
    pub fn barrier_ev(&self) -> Option<f64> {
        match self {
            Barrier::Determined(r) => Some(r.barrier_ev),
            Barrier::NotYetDetermined { .. } => None,
        }
    }
}

/// Index of the local minimum of `f` reached by walking downhill from `start`.
fn slide_to_minimum(f: &[f64], start: usize) -> usize {
    let mut m = start;
    loop {
        if m + 1 < f.len() && f[m + 1] < f[m] {
            m += 1;
        } else if m > 0 && f[m - 1] < f[m] {
            m -= 1;
        } else {
            return m;
        }
    }
}

/// End-of-run ΔF: from the basin holding `s_start`, uphill in s to the first well at least
/// `min_well_depth_ev` deep on both sides; only s in `visited` (the range the CV has
/// sampled) counts, since F beyond it is just the tails of hills.
pub fn find_barrier(
    profile: &FreeEnergyProfile,
    s_start_angstrom: f64,
    visited_angstrom: (f64, f64),
    settings: &BarrierSettings,
) -> Barrier {
    let not_yet = |reason: &str| Barrier::NotYetDetermined {
        reason: reason.to_string(),
    };
    if profile.s_angstrom.len() < 3 {
        return not_yet("the profile has fewer than 3 points");
    }
    let lo = profile.index_near(visited_angstrom.0);
    let hi = profile.index_near(visited_angstrom.1) + 1;
    if hi < lo + 3 {
        return not_yet("the CV has not explored enough of s");
    }
    let f = profile.smoothed(lo..hi, settings.smoothing_angstrom);
    let m = slide_to_minimum(
        &f,
        profile.index_near(s_start_angstrom).clamp(lo, hi - 1) - lo,
    );
    let depth = settings.min_well_depth_ev;
    let mut top = m;
    let mut j = m + 1;
    while j < f.len() {
        if f[j] > f[top] {
            top = j;
        }
        let local_min = f[j] <= f[j - 1] && (j + 1 == f.len() || f[j] <= f[j + 1]);
        let inner_end = j + 1 == f.len();
        if local_min && !inner_end && f[top] - f[m] >= depth && f[top] - f[j] >= depth {
            // The bottom of the next basin.
            let mut n = j;
            while n + 1 < f.len() && f[n + 1] <= f[n] {
                n += 1;
            }
            let s = &profile.s_angstrom[lo..hi];
            return Barrier::Determined(BarrierReading {
                initial_minimum_angstrom: s[m],
                saddle_angstrom: s[top],
                next_minimum_angstrom: s[n],
                barrier_ev: f[top] - f[m],
                next_basin_depth_ev: f[top] - f[n],
            });
        }
        j += 1;
    }
    not_yet(
        "no second basin yet: the CV has not left the starting basin and come to rest in another",
    )
}

/// The `profile` estimator: ΔF = F(s‡) − F(initial minimum) on a profile that shows both
/// basins of an event. The initial minimum is reached downhill from `s_initial_angstrom` (the
/// level of s the sampling started in), the new minimum downhill from `s_new_angstrom` (the
/// level after the event), and s‡ is the highest F between them. Only s in `visited` counts.
/// Undetermined while the new basin does not show yet (downhill from its level leads back
/// into the initial basin) or either side is shallower than `min_well_depth_ev`.
pub fn read_profile(
    profile: &FreeEnergyProfile,
    s_initial_angstrom: f64,
    s_new_angstrom: f64,
    visited_angstrom: (f64, f64),
    settings: &BarrierSettings,
) -> Barrier {
    let not_yet = |reason: String| Barrier::NotYetDetermined { reason };
    if profile.s_angstrom.len() < 3 {
        return not_yet("the profile has fewer than 3 points".into());
    }
    let lo = profile.index_near(visited_angstrom.0);
    let hi = profile.index_near(visited_angstrom.1) + 1;
    if hi < lo + 3 {
        return not_yet("the CV has not explored enough of s".into());
    }
    let f = profile.smoothed(lo..hi, settings.smoothing_angstrom);
    let at = |s: f64| profile.index_near(s).clamp(lo, hi - 1) - lo;
    let m = slide_to_minimum(&f, at(s_initial_angstrom));
    let n = slide_to_minimum(&f, at(s_new_angstrom));
    if m == n {
        return not_yet(format!(
            "the new basin (s ≈ {s_new_angstrom:.2} Å) does not show in F(s) yet: downhill \
             from it leads back to the initial minimum"
        ));
    }
    let (a, b) = (m.min(n), m.max(n));
    let top = (a..=b)
        .max_by(|&i, &j| f[i].total_cmp(&f[j]))
        .expect("a non-empty range");
    let depth = settings.min_well_depth_ev;
    if f[top] - f[m] < depth || f[top] - f[n] < depth {
        return not_yet(format!(
            "a basin is shallower than {depth} eV: F(s‡) − F(initial) = {:.3} eV, \
             F(s‡) − F(new) = {:.3} eV",
            f[top] - f[m],
            f[top] - f[n]
        ));
    }
    let s = &profile.s_angstrom[lo..hi];
    Barrier::Determined(BarrierReading {
        initial_minimum_angstrom: s[m],
        saddle_angstrom: s[top],
        next_minimum_angstrom: s[n],
        barrier_ev: f[top] - f[m],
        next_basin_depth_ev: f[top] - f[n],
    })
}

/// The `profile` estimator's stop rule: after the event, the run goes on until the new
/// basin's depth F(s‡) − F(new minimum) has stayed within `tolerance_ev` (max − min of the
/// readings) over the last `window_ps` of MD, every reading in that window determined.
/// (A second event or the step limit also end a sampling; the caller decides those.)
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileStopSettings {
    pub window_ps: f64,
    pub tolerance_ev: f64,
}

impl Default for ProfileStopSettings {
    /// 20 ps (ten hills at the paper's τ of 2 ps) within 0.05 eV (~2 k_BT at 300 K, the
    /// well depth the barrier finder already asks for, above single-hill ripple).
    fn default() -> Self {
        Self {
            window_ps: 20.0,
            tolerance_ev: 0.05,
        }
    }
}

impl ProfileStopSettings {
    /// Both must be finite and positive; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        for (name, x) in [
            ("profile window (ps)", self.window_ps),
            ("profile tolerance (eV)", self.tolerance_ev),
        ] {
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("{name} must be a positive number, got {x}"));
            }
        }
        Ok(())
    }
}

/// Profile readings after an event, and whether they have become stable.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileWatch {
    /// (MD time in ps, new-basin depth in eV) since the last undetermined reading.
    readings: Vec<(f64, f64)>,
}

impl ProfileWatch {
    /// Adds the reading at `md_time_ps`; true once the rule of [`ProfileStopSettings`] holds.
    pub fn observe(
        &mut self,
        md_time_ps: f64,
        reading: &Barrier,
        settings: &ProfileStopSettings,
    ) -> bool {
        let Barrier::Determined(r) = reading else {
            self.readings.clear();
            return false;
        };
        self.readings.push((md_time_ps, r.next_basin_depth_ev));
        let start = md_time_ps - settings.window_ps;
        // The window is covered only when a reading at or before its start exists.
        let Some(first) = self.readings.iter().rposition(|&(t, _)| t <= start + 1e-9) else {
            return false;
        };
        let window = &self.readings[first..];
        let (lo, hi) = window
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, d)| {
                (a.min(d), b.max(d))
            });
        hi - lo <= settings.tolerance_ev
    }
}

/// The filled depth before a jump (see the module doc), with what it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilledDepth {
    /// The last hill before the jump (biased step).
    pub t_star_step: u64,
    /// Bottom of the filled basin in F_t* (Å).
    pub basin_minimum_angstrom: f64,
    /// Rim of the filled region the trajectory left from: the first s beyond the minimum
    /// where F_t* comes within ½k_BT of its top (Å).
    pub rim_angstrom: f64,
    /// s of the trajectory just after the jump (Å).
    pub exit_angstrom: f64,
    /// F_t*(rim) − F_t*(basin minimum) (eV). Older files call it `barrier_ev`.
    #[serde(alias = "barrier_ev")]
    pub depth_ev: f64,
}

/// The filled depth from the hills deposited before `crossing_step` (a hill at the crossing
/// step sits at the exit point itself), for a CV that left the basin holding `s_start` and
/// was found at `s_exit` after the jump.
pub fn filled_depth(
    meta: &Metadynamics,
    temperature_k: f64,
    crossing_step: u64,
    s_start_angstrom: f64,
    s_exit_angstrom: f64,
    settings: &BarrierSettings,
) -> Option<FilledDepth> {
    let t_star = meta
        .hills()
        .iter()
        .take_while(|h| h.step < crossing_step)
        .last()?
        .step;
    let profile = FreeEnergyProfile::of_metadynamics_at(meta, temperature_k, t_star);
    let n = profile.s_angstrom.len();
    let f = profile.smoothed(0..n, settings.smoothing_angstrom);
    let (a, b) = (
        profile.index_near(s_start_angstrom),
        profile.index_near(s_exit_angstrom),
    );
    if a == b {
        return None;
    }
    // The bottom of the basin the run started in: downhill from s_start (not the lowest F
    // on the way out, which can lie in a region the CV wandered through before the jump).
    let basin = slide_to_minimum(&f, a);
    // The jump goes from the basin towards s_exit: search that way only.
    let path: Vec<usize> = if b >= basin {
        (basin..=b).collect()
    } else {
        (b..=basin).rev().collect()
    };
    let top = path.iter().map(|&i| f[i]).fold(f64::NEG_INFINITY, f64::max);
    let half_kt = 0.5 * crate::system::units::BOLTZMANN_EV_PER_K * temperature_k;
    let rim = *path.iter().find(|&&i| f[i] >= top - half_kt)?;
    Some(FilledDepth {
        t_star_step: t_star,
        basin_minimum_angstrom: profile.s_angstrom[basin],
        rim_angstrom: profile.s_angstrom[rim],
        exit_angstrom: s_exit_angstrom,
        depth_ev: top - f[basin],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_of(f: impl Fn(f64) -> f64) -> FreeEnergyProfile {
        let s: Vec<f64> = (0..300).map(|i| 0.005 + i as f64 * 0.01).collect();
        FreeEnergyProfile {
            free_energy_ev: s.iter().map(|&x| f(x)).collect(),
            s_angstrom: s,
        }
    }

    #[test]
    fn a_double_well_gives_its_barrier() {
        // Minima at 0.25 and 1.45 Å, saddle at 1.05 Å (the paper's Fig. 1 positions).
        let p = profile_of(|s| {
            -0.8 * (-((s - 0.25) / 0.2).powi(2)).exp() - 0.6 * (-((s - 1.45) / 0.2).powi(2)).exp()
                + 0.8
        });
        let b = find_barrier(&p, 0.2, (0.0, 2.5), &BarrierSettings::default());
        let Barrier::Determined(r) = b else {
            panic!("{b:?}")
        };
        assert!((r.initial_minimum_angstrom - 0.25).abs() < 0.02);
        assert!((r.next_minimum_angstrom - 1.45).abs() < 0.03);
        assert!(r.saddle_angstrom > 0.6 && r.saddle_angstrom < 1.2);
        assert!((r.barrier_ev - 0.8).abs() < 0.02, "{r:?}");
    }

    #[test]
    fn one_basin_is_not_yet_a_barrier() {
        let p = profile_of(|s| (s - 0.3).powi(2));
        assert!(matches!(
            find_barrier(&p, 0.3, (0.0, 1.0), &BarrierSettings::default()),
            Barrier::NotYetDetermined { .. }
        ));
        // Noise smaller than the well depth does not make a basin.
        let noisy = profile_of(|s| (s - 0.3).powi(2) + 0.01 * (s * 97.0).sin());
        assert!(matches!(
            find_barrier(&noisy, 0.3, (0.0, 1.5), &BarrierSettings::default()),
            Barrier::NotYetDetermined { .. }
        ));
    }

    /// The paper's Fig. 1 profile with a precursor's shallow well at 0.79 Å on the way.
    fn paper_like(s: f64) -> f64 {
        -0.8 * (-((s - 0.25) / 0.2).powi(2)).exp()
            - 0.6 * (-((s - 1.46) / 0.2).powi(2)).exp()
            - 0.25 * (-((s - 0.79) / 0.08).powi(2)).exp()
            + 0.8
    }

    #[test]
    fn the_profile_reads_the_event_not_the_precursor() {
        let p = profile_of(paper_like);
        let settings = BarrierSettings::default();
        let Barrier::Determined(r) = read_profile(&p, 0.28, 1.4, (0.0, 2.5), &settings) else {
            panic!("two basins show")
        };
        assert!((r.initial_minimum_angstrom - 0.25).abs() < 0.02, "{r:?}");
        assert!((r.next_minimum_angstrom - 1.46).abs() < 0.02, "{r:?}");
        // The saddle is the highest F between the two minima, read off the function itself.
        let (top, f_top) = (0..=2500)
            .map(|k| 0.25 + k as f64 * (1.46 - 0.25) / 2500.0)
            .map(|x| (x, paper_like(x)))
            .fold(
                (0.0, f64::NEG_INFINITY),
                |a, b| if b.1 > a.1 { b } else { a },
            );
        assert!((r.saddle_angstrom - top).abs() < 0.011, "{r:?} vs {top}");
        let exact = f_top - paper_like(0.25);
        assert!((r.barrier_ev - exact).abs() < 2e-3, "{r:?} vs {exact}");
        let depth = f_top - paper_like(1.46);
        assert!(
            (r.next_basin_depth_ev - depth).abs() < 2e-3,
            "{r:?} vs {depth}"
        );
        // The first-well reading stops at the precursor's well instead.
        let Barrier::Determined(first) = find_barrier(&p, 0.28, (0.0, 2.5), &settings) else {
            panic!()
        };
        assert!(
            (first.next_minimum_angstrom - 0.79).abs() < 0.03,
            "{first:?}"
        );
        // A new level that slides back into the initial basin is not yet a reading.
        let one = profile_of(|s| (s - 0.3).powi(2));
        assert!(matches!(
            read_profile(&one, 0.3, 0.8, (0.0, 1.5), &settings),
            Barrier::NotYetDetermined { .. }
        ));
    }

    #[test]
    fn the_stop_rule_waits_for_a_stable_new_basin() {
        let settings = ProfileStopSettings {
            window_ps: 10.0,
            tolerance_ev: 0.05,
        };
        let reading = |depth: f64| {
            Barrier::Determined(BarrierReading {
                initial_minimum_angstrom: 0.25,
                saddle_angstrom: 1.05,
                next_minimum_angstrom: 1.46,
                barrier_ev: 0.8,
                next_basin_depth_ev: depth,
            })
        };
        let undetermined = Barrier::NotYetDetermined { reason: "x".into() };
        // A filling new basin (depth growing 0.02 eV/ps) never holds within 0.05 eV.
        let mut watch = ProfileWatch::default();
        assert!((0..40).all(|k| !watch.observe(k as f64, &reading(0.02 * k as f64), &settings)));
        // A steady one holds once a full window is covered, not before.
        let mut watch = ProfileWatch::default();
        let stable: Vec<bool> = (0..12)
            .map(|k| watch.observe(k as f64, &reading(0.3 + 0.01 * (k % 2) as f64), &settings))
            .collect();
        assert_eq!(stable.iter().position(|&b| b), Some(10));
        // An undetermined reading restarts the window.
        watch.observe(12.0, &undetermined, &settings);
        assert!(!watch.observe(13.0, &reading(0.3), &settings));
        assert!(!watch.observe(22.0, &reading(0.3), &settings));
        assert!(watch.observe(23.0, &reading(0.3), &settings));
        // Bad settings are named.
        let bad = ProfileStopSettings {
            tolerance_ev: 0.0,
            ..settings
        };
        assert!(bad.validate().unwrap_err().contains("profile tolerance"));
    }
}
