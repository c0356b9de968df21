//! Biases on one collective variable s: well-tempered metadynamics (Gaussian hills on a grid),
//! a harmonic restraint and an upper wall, each a bias style ([`CvBias`]). A bias knows CV
//! values only, never atoms; the fix that carries it ([`super::CvBiasFix`]) maps s back onto
//! the atoms.

use std::any::Any;

use serde::{Deserialize, Serialize};

use crate::system::units::BOLTZMANN_EV_PER_K;

/// Why a bias cannot be set up.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BiasError {
    #[error("hill width σ must be positive and finite, got {0} Å")]
    Sigma(f64),
    #[error("hill height must be positive and finite, got {0} eV")]
    Height(f64),
    #[error("bias temperature ΔT must be positive (or infinite for plain metadynamics), got {0} K")]
    BiasTemperature(f64),
    #[error("hill stride must be at least 1 step, got {0}")]
    Stride(u64),
    #[error("grid [{lower}, {upper}] Å with bin width {width} Å is not a valid grid")]
    Grid { lower: f64, upper: f64, width: f64 },
    #[error("force constant must be ≥ 0 and finite, got {0}")]
    ForceConstant(f64),
}

/// A regular grid over s. Values live at bin centres `lower + (i + ½)·width`, as Colvars
/// lays out its grids (the centres are the first column of a `.pmf` file).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvGrid {
    pub lower_angstrom: f64,
    pub width_angstrom: f64,
    pub n_bins: usize,
}

impl CvGrid {
    /// The grid Colvars builds from `lowerBoundary`, `upperBoundary` and `width`.
    pub fn new(
        lower_angstrom: f64,
        upper_angstrom: f64,
        width_angstrom: f64,
    ) -> Result<Self, BiasError> {
        let bad = BiasError::Grid {
            lower: lower_angstrom,
            upper: upper_angstrom,
            width: width_angstrom,
        };
        if !(lower_angstrom.is_finite()
            && upper_angstrom.is_finite()
            && width_angstrom.is_finite()
            && width_angstrom > 0.0
            && upper_angstrom > lower_angstrom)
        {
            return Err(bad);
        }
        let n_bins = ((upper_angstrom - lower_angstrom) / width_angstrom).round() as usize;
        if !(2..=1_000_000).contains(&n_bins) {
            return Err(bad);
        }
        Ok(Self {
            lower_angstrom,
            width_angstrom,
            n_bins,
        })
    }

    pub fn upper_angstrom(&self) -> f64 {
        self.lower_angstrom + self.n_bins as f64 * self.width_angstrom
    }

    /// Centre of bin `i` (Å).
    pub fn centre(&self, i: usize) -> f64 {
        self.lower_angstrom + (i as f64 + 0.5) * self.width_angstrom
    }

    /// All bin centres (Å).
    pub fn centres(&self) -> Vec<f64> {
        (0..self.n_bins).map(|i| self.centre(i)).collect()
    }

    /// The bin holding s, if s is on the grid.
    pub fn bin_of(&self, s: f64) -> Option<usize> {
        let x = (s - self.lower_angstrom) / self.width_angstrom;
        (x >= 0.0 && x < self.n_bins as f64).then(|| x.floor() as usize)
    }

    pub fn contains(&self, s: f64) -> bool {
        self.bin_of(s).is_some()
    }
}

/// One deposited Gaussian w·exp(−(s − c)²/(2σ²)).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hill {
    /// Step of deposition, counted from the start of the biased run.
    pub step: u64,
    pub centre_angstrom: f64,
    pub sigma_angstrom: f64,
    pub weight_ev: f64,
}

impl Hill {
    pub fn energy_ev(&self, s: f64) -> f64 {
        let x = (s - self.centre_angstrom) / self.sigma_angstrom;
        self.weight_ev * (-0.5 * x * x).exp()
    }

    /// dV/ds (eV/Å).
    pub fn derivative(&self, s: f64) -> f64 {
        let x = (s - self.centre_angstrom) / self.sigma_angstrom;
        -self.weight_ev * x / self.sigma_angstrom * (-0.5 * x * x).exp()
    }
}

/// Metadynamics parameters. Colvars' names: `hillWeight` = w₀, σ = `hillWidth`·`width`/2,
/// `newHillFrequency` = τ, `biasTemperature` = ΔT.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HillSettings {
    /// Initial hill height w₀ (eV).
    pub height_ev: f64,
    /// Gaussian standard deviation σ (Å).
    pub sigma_angstrom: f64,
    /// Steps between hills (τ).
    pub stride_steps: u64,
    /// Bias temperature ΔT (K); infinite for plain (untempered) metadynamics.
    pub bias_temperature_k: f64,
}

impl Default for HillSettings {
    /// The paper's values (w₀ 0.03 eV, τ 1000 steps, ΔT 2700 K) and σ = 0.175 Å: the
    /// "CV width 0.35 Å" read as the Gaussian's full width 2σ (Colvars `width 0.035`,
    /// `hillWidth 10`).
    fn default() -> Self {
        Self {
            height_ev: 0.03,
            sigma_angstrom: 0.175,
            stride_steps: 1000,
            bias_temperature_k: 2700.0,
        }
    }
}

impl HillSettings {
    pub fn validate(&self) -> Result<(), BiasError> {
        if !(self.sigma_angstrom.is_finite() && self.sigma_angstrom > 0.0) {
            return Err(BiasError::Sigma(self.sigma_angstrom));
        }
        if !(self.height_ev.is_finite() && self.height_ev > 0.0) {
            return Err(BiasError::Height(self.height_ev));
        }
        if self.bias_temperature_k.is_nan() || self.bias_temperature_k <= 0.0 {
            return Err(BiasError::BiasTemperature(self.bias_temperature_k));
        }
        if self.stride_steps == 0 {
            return Err(BiasError::Stride(0));
        }
        Ok(())
    }

    pub fn is_well_tempered(&self) -> bool {
        self.bias_temperature_k.is_finite()
    }

    /// Factor turning the bias into a free energy, F = −factor·V: (T + ΔT)/ΔT, or 1 for
    /// plain metadynamics.
    pub fn free_energy_factor(&self, temperature_k: f64) -> f64 {
        if self.is_well_tempered() {
            (temperature_k + self.bias_temperature_k) / self.bias_temperature_k
        } else {
            1.0
        }
    }
}

/// How the bias and its force are read off the grid between bin centres.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GridLookup {
    /// Cubic Hermite between bin centres: C¹, so the force is the exact derivative of the
    /// energy used (energy is conserved; betaglass's default).
    #[default]
    Hermite,
    /// Colvars' own scheme (`colvarbias_meta::calc_energy`/`calc_forces` with grids): V and
    /// dV/ds of the bin holding s, constant across the bin, and each hill cut off where
    /// (s − c)²/σ² > 23 (`calc_hills`). The force is then not the derivative of the energy,
    /// but a run follows `fix colvars` step for step (`metad --colvars`).
    ColvarsBin,
}

/// Colvars' hill cut-off: a Gaussian is zero where (s − c)²/σ² exceeds this (exp(−11.5) ≈
/// 1e-5, "log(1.0E-06)" in `colvarbias_meta::calc_hills`).
pub const COLVARS_HILL_CUTOFF_SQ: f64 = 23.0;

/// Well-tempered metadynamics on one CV: every hill kept exactly, and their sum kept on a
/// grid (values and derivatives at bin centres, read between them as [`GridLookup`] says)
/// for O(1) cost per step. Off the grid the exact sum of hills is used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadynamics {
    settings: HillSettings,
    grid: CvGrid,
    hills: Vec<Hill>,
    values_ev: Vec<f64>,
    derivatives_ev_per_angstrom: Vec<f64>,
    /// Restart files written before Colvars' scheme existed read as Hermite.
    #[serde(default)]
    lookup: GridLookup,
}

impl Metadynamics {
    pub fn new(settings: HillSettings, grid: CvGrid) -> Result<Self, BiasError> {
        settings.validate()?;
        Ok(Self {
            settings,
            grid,
            hills: Vec::new(),
            values_ev: vec![0.0; grid.n_bins],
            derivatives_ev_per_angstrom: vec![0.0; grid.n_bins],
            lookup: GridLookup::Hermite,
        })
    }

    /// The same bias read off its grid as `lookup` says. Set before the first hill: the
    /// cut-off of [`GridLookup::ColvarsBin`] applies to hills as they are projected.
    pub fn with_lookup(mut self, lookup: GridLookup) -> Self {
        self.lookup = lookup;
        self
    }

    pub fn lookup(&self) -> GridLookup {
        self.lookup
    }

    /// A hill's value and derivative at s as this bias sums them (Colvars' cut-off with
    /// [`GridLookup::ColvarsBin`]).
    fn hill_at(&self, hill: &Hill, s: f64) -> (f64, f64) {
        if self.lookup == GridLookup::ColvarsBin {
            let x = (s - hill.centre_angstrom) / hill.sigma_angstrom;
            if x * x > COLVARS_HILL_CUTOFF_SQ {
                return (0.0, 0.0);
            }
        }
        (hill.energy_ev(s), hill.derivative(s))
    }

    pub fn settings(&self) -> &HillSettings {
        &self.settings
    }

    /// Changes w₀, σ, τ or ΔT for hills from now on (earlier hills stay as they were).
    pub fn set_settings(&mut self, settings: HillSettings) -> Result<(), BiasError> {
        settings.validate()?;
        self.settings = settings;
        Ok(())
    }

    pub fn grid(&self) -> &CvGrid {
        &self.grid
    }

    pub fn hills(&self) -> &[Hill] {
        &self.hills
    }

    /// The bias on the grid's bin centres (eV).
    pub fn grid_values_ev(&self) -> &[f64] {
        &self.values_ev
    }

    /// Whether a hill is due at this step of the biased run (never at step 0, as Colvars).
    pub fn hill_due(&self, biased_step: u64) -> bool {
        biased_step > 0 && biased_step.is_multiple_of(self.settings.stride_steps)
    }

    /// Height of a hill deposited at s now: w₀·exp(−V/k_BΔT), with V taken, as Colvars
    /// takes it, at the centre of the grid bin holding s (exact sum off the grid).
    pub fn next_hill_weight_ev(&self, s: f64) -> f64 {
        if !self.settings.is_well_tempered() {
            return self.settings.height_ev;
        }
        let v = match self.grid.bin_of(s) {
            Some(i) => self.values_ev[i],
            None => self.exact_energy_ev(s),
        };
        self.settings.height_ev
            * (-v / (BOLTZMANN_EV_PER_K * self.settings.bias_temperature_k)).exp()
    }

    /// Deposits a hill at s and returns it.
    pub fn deposit(&mut self, biased_step: u64, s: f64) -> Hill {
        let hill = Hill {
            step: biased_step,
            centre_angstrom: s,
            sigma_angstrom: self.settings.sigma_angstrom,
            weight_ev: self.next_hill_weight_ev(s),
        };
        self.add_hill(hill);
        hill
    }

    /// Adds a hill (e.g. read from a hills file) to the record and the grid.
    pub fn add_hill(&mut self, hill: Hill) {
        for i in 0..self.grid.n_bins {
            let (v, d) = self.hill_at(&hill, self.grid.centre(i));
            self.values_ev[i] += v;
            self.derivatives_ev_per_angstrom[i] += d;
        }
        self.hills.push(hill);
    }

    /// Σ of all hills at s, exactly (O(number of hills); with Colvars' cut-off under
    /// [`GridLookup::ColvarsBin`]).
    pub fn exact_energy_ev(&self, s: f64) -> f64 {
        self.hills.iter().map(|h| self.hill_at(h, s).0).sum()
    }

    fn exact_derivative(&self, s: f64) -> f64 {
        self.hills.iter().map(|h| self.hill_at(h, s).1).sum()
    }

    /// V(s) and dV/ds: cubic Hermite between bin centres (C¹, so forces are the exact
    /// derivative of the energy used); the exact sum below the first or above the last centre.
    /// With [`GridLookup::ColvarsBin`]: the values of the bin holding s (exact sum off the grid).
    pub fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        let g = &self.grid;
        if self.lookup == GridLookup::ColvarsBin {
            return match g.bin_of(s) {
                Some(i) => (self.values_ev[i], self.derivatives_ev_per_angstrom[i]),
                None => (self.exact_energy_ev(s), self.exact_derivative(s)),
            };
        }
        let x = (s - g.lower_angstrom) / g.width_angstrom - 0.5;
        if !(x >= 0.0 && x < (g.n_bins - 1) as f64) {
            return (self.exact_energy_ev(s), self.exact_derivative(s));
        }
        let i = x.floor() as usize;
        let t = x - i as f64;
        let h = g.width_angstrom;
        let (v0, v1) = (self.values_ev[i], self.values_ev[i + 1]);
        let (d0, d1) = (
            self.derivatives_ev_per_angstrom[i] * h,
            self.derivatives_ev_per_angstrom[i + 1] * h,
        );
        let (t2, t3) = (t * t, t * t * t);
        let v = (2.0 * t3 - 3.0 * t2 + 1.0) * v0
            + (t3 - 2.0 * t2 + t) * d0
            + (-2.0 * t3 + 3.0 * t2) * v1
            + (t3 - t2) * d1;
        let dv_dt = (6.0 * t2 - 6.0 * t) * v0
            + (3.0 * t2 - 4.0 * t + 1.0) * d0
            + (-6.0 * t2 + 6.0 * t) * v1
            + (3.0 * t2 - 2.0 * t) * d1;
        (v, dv_dt / h)
    }

    /// The bias of the hills deposited at or before `biased_step`, on the bin centres (eV).
    pub fn grid_values_at_step_ev(&self, biased_step: u64) -> Vec<f64> {
        let mut v = vec![0.0; self.grid.n_bins];
        for hill in self.hills.iter().take_while(|h| h.step <= biased_step) {
            for (i, vi) in v.iter_mut().enumerate() {
                *vi += self.hill_at(hill, self.grid.centre(i)).0;
            }
        }
        v
    }
}

/// A bias style on one CV, as Colvars' `colvarbias`: the fix hands it s once per force
/// evaluation and applies −(dV/ds)·∇s.
pub trait CvBias: Send + Sync + std::fmt::Debug + Any {
    /// V(s) (eV) and dV/ds (eV/Å), leaving the bias as it is.
    fn energy_and_derivative(&self, s: f64) -> (f64, f64);

    /// Advances the bias to `biased_step` of an MD run at CV value s and returns V(s) and
    /// dV/ds with whatever it added (Colvars' `update_bias`): a history-dependent bias
    /// deposits its own hills here. A static bias only evaluates.
    fn update(&mut self, biased_step: u64, s: f64) -> (f64, f64) {
        let _ = biased_step;
        self.energy_and_derivative(s)
    }

    /// Whether this is a history-dependent bias whose energy rescales the clock
    /// (Tiwary–Parrinello's boosted time counts the metadynamics bias only).
    fn boosts_time(&self) -> bool {
        false
    }

    /// The bias as its restart record.
    fn record(&self) -> Bias;

    fn clone_box(&self) -> Box<dyn CvBias>;
}

impl Clone for Box<dyn CvBias> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl CvBias for Metadynamics {
    fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        Metadynamics::energy_and_derivative(self, s)
    }

    /// Colvars' order: deposit first (weight from the bias before this hill), then V and
    /// its derivative include the new hill.
    fn update(&mut self, biased_step: u64, s: f64) -> (f64, f64) {
        if self.hill_due(biased_step) {
            self.deposit(biased_step, s);
        }
        Metadynamics::energy_and_derivative(self, s)
    }

    fn boosts_time(&self) -> bool {
        true
    }

    fn record(&self) -> Bias {
        Bias::Metadynamics(self.clone())
    }

    fn clone_box(&self) -> Box<dyn CvBias> {
        Box::new(self.clone())
    }
}

/// A harmonic restraint ½k(s − s₀)² (Colvars `harmonic` with `width` 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HarmonicRestraint {
    pub centre_angstrom: f64,
    pub force_constant_ev_per_angstrom2: f64,
}

impl HarmonicRestraint {
    pub fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        let d = s - self.centre_angstrom;
        let k = self.force_constant_ev_per_angstrom2;
        (0.5 * k * d * d, k * d)
    }
}

/// A one-sided harmonic wall ½k(s − s_w)² for s > s_w: keeps s on the metadynamics grid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpperWall {
    pub position_angstrom: f64,
    pub force_constant_ev_per_angstrom2: f64,
}

impl UpperWall {
    pub fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        let d = s - self.position_angstrom;
        if d <= 0.0 {
            return (0.0, 0.0);
        }
        let k = self.force_constant_ev_per_angstrom2;
        (0.5 * k * d * d, k * d)
    }
}

impl CvBias for HarmonicRestraint {
    fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        HarmonicRestraint::energy_and_derivative(self, s)
    }

    fn record(&self) -> Bias {
        Bias::Harmonic(*self)
    }

    fn clone_box(&self) -> Box<dyn CvBias> {
        Box::new(*self)
    }
}

impl CvBias for UpperWall {
    fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        UpperWall::energy_and_derivative(self, s)
    }

    fn record(&self) -> Bias {
        Bias::UpperWall(*self)
    }

    fn clone_box(&self) -> Box<dyn CvBias> {
        Box::new(*self)
    }
}

/// The record of a bias, as run settings name it and restart files store it; each variant
/// is one [`CvBias`] style ([`Bias::into_style`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Bias {
    Metadynamics(Metadynamics),
    Harmonic(HarmonicRestraint),
    UpperWall(UpperWall),
}

impl Bias {
    /// The bias style this record describes.
    pub fn into_style(self) -> Box<dyn CvBias> {
        match self {
            Bias::Metadynamics(m) => Box::new(m),
            Bias::Harmonic(h) => Box::new(h),
            Bias::UpperWall(w) => Box::new(w),
        }
    }

    pub fn energy_and_derivative(&self, s: f64) -> (f64, f64) {
        match self {
            Bias::Metadynamics(m) => m.energy_and_derivative(s),
            Bias::Harmonic(h) => h.energy_and_derivative(s),
            Bias::UpperWall(w) => w.energy_and_derivative(s),
        }
    }

    pub fn validate(&self) -> Result<(), BiasError> {
        let k_ok = |k: f64| {
            if k.is_finite() && k >= 0.0 {
                Ok(())
            } else {
                Err(BiasError::ForceConstant(k))
            }
        };
        match self {
            Bias::Metadynamics(m) => m.settings.validate(),
            Bias::Harmonic(h) => k_ok(h.force_constant_ev_per_angstrom2),
            Bias::UpperWall(w) => k_ok(w.force_constant_ev_per_angstrom2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadynamics {
        Metadynamics::new(
            HillSettings::default(),
            CvGrid::new(0.0, 5.25, 0.035).unwrap(),
        )
        .unwrap()
    }

    /// Colvars' lookup: V and dV/ds are the bin's values across the whole bin, a hill is cut
    /// off beyond √23 σ, and an old restart record (no `lookup`) reads as Hermite.
    #[test]
    fn colvars_lookup_is_constant_across_a_bin_and_cuts_hills_off() {
        let mut m = meta().with_lookup(GridLookup::ColvarsBin);
        let hill = m.deposit(1000, 0.5);
        let g = *m.grid();
        let i = g.bin_of(0.62).unwrap();
        let centre = g.centre(i);
        let expected = (hill.energy_ev(centre), hill.derivative(centre));
        for s in [
            g.lower_angstrom + i as f64 * g.width_angstrom,
            centre,
            0.62,
            g.lower_angstrom + (i as f64 + 0.999) * g.width_angstrom,
        ] {
            assert_eq!(m.energy_and_derivative(s), expected, "s = {s}");
        }
        // Beyond √23 σ ≈ 0.839 Å from the centre: nothing (exp(−11.5)·w₀ ≈ 3e-7 eV otherwise).
        let far = g.bin_of(0.5 + 0.85).unwrap();
        assert_eq!(m.grid_values_ev()[far], 0.0);
        let mut hermite = meta();
        hermite.deposit(1000, 0.5);
        assert!(hermite.grid_values_ev()[far] > 0.0);
        assert_ne!(hermite.energy_and_derivative(0.62), expected);
        // Restart files from before the lookup existed.
        let mut json = serde_json::to_value(&hermite).unwrap();
        json.as_object_mut().unwrap().remove("lookup");
        let old: Metadynamics = serde_json::from_value(json).unwrap();
        assert_eq!(old.lookup(), GridLookup::Hermite);
    }

    #[test]
    fn colvars_grid_of_the_reference_set_up() {
        let g = CvGrid::new(0.0, 5.25, 0.035).unwrap();
        assert_eq!(g.n_bins, 150);
        assert!((g.centre(0) - 0.0175).abs() < 1e-15);
        assert_eq!(g.bin_of(0.0349), Some(0));
        assert_eq!(g.bin_of(0.0351), Some(1));
        assert_eq!(g.bin_of(-0.001), None);
        assert_eq!(g.bin_of(5.26), None);
    }

    #[test]
    fn grid_interpolation_matches_the_exact_sum_and_its_derivative() {
        let mut m = meta();
        for (k, s) in [0.2, 0.25, 0.31, 0.18, 0.4, 0.52].into_iter().enumerate() {
            m.deposit(1000 * (k as u64 + 1), s);
        }
        let mut worst_v: f64 = 0.0;
        let mut worst_d: f64 = 0.0;
        for k in 0..2000 {
            let s = 0.02 + k as f64 * 0.0012;
            let (v, d) = m.energy_and_derivative(s);
            worst_v = worst_v.max((v - m.exact_energy_ev(s)).abs());
            worst_d = worst_d.max((d - m.exact_derivative(s)).abs());
            // The force is the derivative of the interpolated energy itself.
            let h = 1e-6;
            let fd =
                (m.energy_and_derivative(s + h).0 - m.energy_and_derivative(s - h).0) / (2.0 * h);
            assert!((fd - d).abs() < 1e-6, "s {s}: {fd} vs {d}");
        }
        assert!(worst_v < 1e-5, "energy {worst_v}");
        assert!(worst_d < 1e-3, "derivative {worst_d}");
    }

    #[test]
    fn well_tempered_weights_use_the_bin_centre_bias() {
        let mut m = meta();
        let first = m.deposit(1000, 0.2);
        assert_eq!(first.weight_ev, 0.03);
        let second = m.deposit(2000, 0.21);
        let v_centre = first.energy_ev(m.grid().centre(m.grid().bin_of(0.21).unwrap()));
        let expected = 0.03 * (-v_centre / (BOLTZMANN_EV_PER_K * 2700.0)).exp();
        assert!((second.weight_ev - expected).abs() < 1e-15);
        assert!(!m.hill_due(0) && m.hill_due(1000) && !m.hill_due(1500));
    }

    #[test]
    fn bad_settings_are_errors() {
        let g = CvGrid::new(0.0, 5.25, 0.035).unwrap();
        let bad = |f: fn(&mut HillSettings)| {
            let mut s = HillSettings::default();
            f(&mut s);
            Metadynamics::new(s, g).unwrap_err()
        };
        assert_eq!(bad(|s| s.sigma_angstrom = 0.0), BiasError::Sigma(0.0));
        assert_eq!(
            bad(|s| s.bias_temperature_k = -1.0),
            BiasError::BiasTemperature(-1.0)
        );
        assert!(
            bad(|s| s.height_ev = f64::NAN)
                .to_string()
                .contains("height")
        );
        assert!(CvGrid::new(1.0, 0.5, 0.1).is_err());
        assert!(
            Metadynamics::new(
                HillSettings {
                    bias_temperature_k: f64::INFINITY,
                    ..HillSettings::default()
                },
                g
            )
            .is_ok()
        );
    }
}
