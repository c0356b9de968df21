//! LAMMPS `metal` unit constants (the values LAMMPS itself uses, so results compare bit for bit).

/// Boltzmann constant (eV/K).
pub const BOLTZMANN_EV_PER_K: f64 = 8.617343e-5;
/// m·v² in amu·Å²/ps² → eV (LAMMPS `mvv2e`).
pub const MVV2E: f64 = 1.0364269e-4;
/// Force·time/mass in (eV/Å)·ps/amu → Å/ps (LAMMPS `ftm2v`).
pub const FTM2V: f64 = 1.0 / 1.0364269e-4;
/// Pressure·volume in eV/Å³ → bar (LAMMPS `nktv2p`).
pub const NKTV2P: f64 = 1.602_176_5e6;
/// One atomic mass unit in grams.
pub const AMU_TO_GRAM: f64 = 1.660_539_066_60e-24;
/// Boltzmann constant as CODATA 2018 gives it (eV/K), for the analysis side (SCIENCE.md).
pub const BOLTZMANN_CODATA_EV_PER_K: f64 = 8.617_333_262e-5;

/// The hottest temperature any run accepts (K): far above any melt (Cu–Zr melts near
/// 1200 K), so only a typo is refused, before it runs (1e9 K blows the first step up).
pub const MAX_TEMPERATURE_K: f64 = 1e5;
