//! The free-energy profile F(s) from a well-tempered bias, and the barrier ΔF read off it.
//!
//! Two estimators, both reported with what they used:
//! - **End of run**: F = −((T+ΔT)/ΔT)·V on the grid; ΔF = F(saddle) − F(initial minimum), with
//!   the initial minimum the basin the run started in and the saddle the highest F between it
//!   and the next minimum. Valid once the bias has explored both sides (recrossing runs).
//! - **At the first crossing**: in a glass an event is usually irreversible; after it the bias
//!   fills the new basin and the old side of F stops converging. ΔF is then read from the
//!   profile of the hills deposited up to t*, the last hill before the jump:
//!   F_t*(s‡) − F_t*(s_min), with s‡ the rim of the filled region the trajectory left from.

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
            });
        }
        j += 1;
    }
    not_yet(
        "no second basin yet: the CV has not left the starting basin and come to rest in another",
    )
}

/// ΔF at the first crossing (see the module doc), with what it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossingBarrier {
    /// The last hill before the jump (biased step).
    pub t_star_step: u64,
    /// Bottom of the filled basin in F_t* (Å).
    pub basin_minimum_angstrom: f64,
    /// Rim of the filled region the trajectory left from: the first s beyond the minimum
    /// where F_t* comes within ½k_BT of its top (Å).
    pub rim_angstrom: f64,
    /// s of the trajectory just after the jump (Å).
    pub exit_angstrom: f64,
    pub barrier_ev: f64,
}

/// ΔF from the hills deposited before `crossing_step` (a hill at the crossing step sits at
/// the exit point itself), for a CV that left the basin holding `s_start` and was found at
/// `s_exit` after the jump.
pub fn barrier_at_crossing(
    meta: &Metadynamics,
    temperature_k: f64,
    crossing_step: u64,
    s_start_angstrom: f64,
    s_exit_angstrom: f64,
    settings: &BarrierSettings,
) -> Option<CrossingBarrier> {
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
    Some(CrossingBarrier {
        t_star_step: t_star,
        basin_minimum_angstrom: profile.s_angstrom[basin],
        rim_angstrom: profile.s_angstrom[rim],
        exit_angstrom: s_exit_angstrom,
        barrier_ev: top - f[basin],
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
}
