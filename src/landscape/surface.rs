//! Energy surfaces: a flat coordinate vector in, energy and forces out, with a count of the
//! force evaluations (the cost measure of saddle searches).

use std::sync::Arc;

use crate::calculator::{Calculator, CalculatorError};
use crate::potential::{FrozenEnvironment, FrozenEnvironmentError, Potential};
use crate::system::System;

/// A potential-energy surface over `dim()` coordinates.
pub trait EnergySurface {
    /// Number of coordinates.
    fn dim(&self) -> usize;
    /// Coordinates per particle (2 for a point on a plane, 3 for an atom): force thresholds
    /// apply to the force on each particle, as LAMMPS's `fmax`.
    fn components_per_particle(&self) -> usize;
    /// Energy at `x`; writes the forces (−∇E) into `f`. Counts one force call.
    fn energy_forces(&mut self, x: &[f64], f: &mut [f64]) -> f64;
    /// Force evaluations so far.
    fn force_calls(&self) -> u64;
    /// Orthonormal directions along which the energy is exactly constant (uniform translations
    /// of a periodic system); ART and the Lanczos solver keep out of them.
    fn null_modes(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }
}

/// Largest force on one particle: the norm of each block of `block` components, maximised.
pub fn max_particle_force(f: &[f64], block: usize) -> f64 {
    f.chunks(block)
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0, f64::max)
}

/// Each particle's displacement between `a` and `b` (blocks of `block` components).
pub fn particle_distances<'a>(
    a: &'a [f64],
    b: &'a [f64],
    block: usize,
) -> impl Iterator<Item = f64> + 'a {
    a.chunks(block).zip(b.chunks(block)).map(|(p, q)| {
        p.iter()
            .zip(q)
            .map(|(u, v)| (u - v) * (u - v))
            .sum::<f64>()
            .sqrt()
    })
}

/// Largest displacement of one particle between `a` and `b`.
pub fn max_particle_distance(a: &[f64], b: &[f64], block: usize) -> f64 {
    particle_distances(a, b, block).fold(0.0, f64::max)
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The Müller–Brown surface (K. Müller and L. D. Brown, Theor. Chim. Acta 53, 75 (1979)):
/// three minima and two saddles on a plane, the standard test of saddle searches.
/// V(x, y) = Σ_k A_k exp(a_k (x−x0_k)² + b_k (x−x0_k)(y−y0_k) + c_k (y−y0_k)²).
#[derive(Clone, Debug, Default)]
pub struct MullerBrown {
    calls: u64,
}

const MB_A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const MB_SA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const MB_SB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const MB_SC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const MB_X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const MB_Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

impl MullerBrown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Energy at (x, y).
    pub fn energy(p: [f64; 2]) -> f64 {
        (0..4)
            .map(|k| {
                let (dx, dy) = (p[0] - MB_X0[k], p[1] - MB_Y0[k]);
                MB_A[k] * (MB_SA[k] * dx * dx + MB_SB[k] * dx * dy + MB_SC[k] * dy * dy).exp()
            })
            .sum()
    }

    /// Analytic gradient at (x, y).
    pub fn gradient(p: [f64; 2]) -> [f64; 2] {
        let mut g = [0.0; 2];
        for k in 0..4 {
            let (dx, dy) = (p[0] - MB_X0[k], p[1] - MB_Y0[k]);
            let e = MB_A[k] * (MB_SA[k] * dx * dx + MB_SB[k] * dx * dy + MB_SC[k] * dy * dy).exp();
            g[0] += e * (2.0 * MB_SA[k] * dx + MB_SB[k] * dy);
            g[1] += e * (MB_SB[k] * dx + 2.0 * MB_SC[k] * dy);
        }
        g
    }

    /// Analytic Hessian at (x, y).
    pub fn hessian(p: [f64; 2]) -> [[f64; 2]; 2] {
        let mut h = [[0.0; 2]; 2];
        for k in 0..4 {
            let (dx, dy) = (p[0] - MB_X0[k], p[1] - MB_Y0[k]);
            let e = MB_A[k] * (MB_SA[k] * dx * dx + MB_SB[k] * dx * dy + MB_SC[k] * dy * dy).exp();
            let gx = 2.0 * MB_SA[k] * dx + MB_SB[k] * dy;
            let gy = MB_SB[k] * dx + 2.0 * MB_SC[k] * dy;
            h[0][0] += e * (gx * gx + 2.0 * MB_SA[k]);
            h[1][1] += e * (gy * gy + 2.0 * MB_SC[k]);
            h[0][1] += e * (gx * gy + MB_SB[k]);
        }
        h[1][0] = h[0][1];
        h
    }
}

impl EnergySurface for MullerBrown {
    fn dim(&self) -> usize {
        2
    }

    fn components_per_particle(&self) -> usize {
        2
    }

    fn energy_forces(&mut self, x: &[f64], f: &mut [f64]) -> f64 {
        self.calls += 1;
        let g = Self::gradient([x[0], x[1]]);
        f[0] = -g[0];
        f[1] = -g[1];
        Self::energy([x[0], x[1]])
    }

    fn force_calls(&self) -> u64 {
        self.calls
    }
}

/// Why a glass surface cannot be set up.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SurfaceError {
    #[error("species {0} is not in the potential {1}")]
    UnknownSpecies(String, String),
    #[error("invalid configuration: {0}")]
    InvalidSystem(String),
    #[error("neighbour skin must be positive and finite, got {0} Å")]
    Skin(f64),
}

/// The glass as an energy surface: coordinates are the 3N Cartesian positions (Å, unwrapped:
/// an atom crossing the box edge keeps a continuous coordinate), energies in eV, forces in
/// eV/Å. The cell is fixed. Forces come from the engine's [`Calculator`], which rebuilds the
/// neighbour list when the atoms have used up the skin.
#[derive(Debug)]
pub struct GlassSurface {
    system: System,
    calculator: Calculator,
    calls: u64,
}

impl GlassSurface {
    /// The surface of `system`'s atoms (its positions are the reference configuration
    /// returned by [`Self::coordinates`]).
    pub fn new(
        system: &System,
        potential: Arc<dyn Potential>,
        skin_angstrom: f64,
    ) -> Result<Self, SurfaceError> {
        system.validate().map_err(SurfaceError::InvalidSystem)?;
        if !(skin_angstrom > 0.0 && skin_angstrom.is_finite()) {
            return Err(SurfaceError::Skin(skin_angstrom));
        }
        let calculator = Calculator::new(system, potential, skin_angstrom).map_err(
            |CalculatorError::UnknownSpecies(missing, have)| {
                SurfaceError::UnknownSpecies(missing, have)
            },
        )?;
        Ok(Self {
            system: system.clone(),
            calculator,
            calls: 0,
        })
    }

    /// The reference configuration's positions as a flat vector.
    pub fn coordinates(&self) -> Vec<f64> {
        self.system
            .positions_angstrom
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    /// The reference system (ids, species, cell, reference positions).
    pub fn system(&self) -> &System {
        &self.system
    }

    /// A copy of the system with positions `x`, wrapped into the box, velocities zero.
    pub fn system_at(&self, x: &[f64]) -> System {
        let mut s = self.system.clone();
        for (p, c) in s.positions_angstrom.iter_mut().zip(x.chunks(3)) {
            *p = self.system.cell.wrap([c[0], c[1], c[2]]);
        }
        s.velocities_angstrom_per_ps
            .iter_mut()
            .for_each(|v| *v = [0.0; 3]);
        s
    }

    /// Mass of every atom (amu), in atom order.
    pub fn masses_amu(&self) -> Vec<f64> {
        self.system.masses_amu()
    }

    pub fn potential(&self) -> &Arc<dyn Potential> {
        self.calculator.potential()
    }

    /// The surface of the atoms `mobile` (storage indices) with every other atom frozen at
    /// the full coordinates `x` (one full force call, counted here, gives the reference).
    pub fn local(
        &mut self,
        x: &[f64],
        mobile: &[usize],
    ) -> Result<LocalGlassSurface, FrozenEnvironmentError> {
        self.calls += 1;
        let environment = self
            .calculator
            .frozen_environment(x, &self.system.cell, mobile)?;
        Ok(LocalGlassSurface {
            environment,
            reference: x.to_vec(),
            calls: 0,
        })
    }
}

/// The glass with only some atoms free: coordinates are the mobile atoms' 3·|M| Cartesian
/// positions (Å, unwrapped, in the order of [`Self::mobile`]); every other atom is frozen at
/// the reference configuration. Energies are the whole system's and forces exact (the
/// frozen-environment EAM, [`FrozenEnvironment`]); one force call costs ∝ |M|.
#[derive(Debug, Clone)]
pub struct LocalGlassSurface {
    environment: FrozenEnvironment,
    /// Full flat coordinates of the reference.
    reference: Vec<f64>,
    calls: u64,
}

impl LocalGlassSurface {
    /// Storage indices of the mobile atoms.
    pub fn mobile(&self) -> &[usize] {
        self.environment.mobile()
    }

    /// The full flat coordinates of the reference (where the frozen atoms are).
    pub fn reference(&self) -> &[f64] {
        &self.reference
    }

    /// The mobile atoms' coordinates out of full coordinates `x`.
    pub fn restrict(&self, x: &[f64]) -> Vec<f64> {
        self.mobile()
            .iter()
            .flat_map(|&i| &x[3 * i..3 * i + 3])
            .copied()
            .collect()
    }

    /// Full coordinates: the reference with the mobile atoms at `x_local`.
    pub fn embed(&self, x_local: &[f64]) -> Vec<f64> {
        let mut x = self.reference.clone();
        for (a, &i) in self.mobile().iter().enumerate() {
            x[3 * i..3 * i + 3].copy_from_slice(&x_local[3 * a..3 * a + 3]);
        }
        x
    }

    /// A full-length vector: `v_local` on the mobile atoms, zero elsewhere.
    pub fn embed_vector(&self, v_local: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.reference.len()];
        for (a, &i) in self.mobile().iter().enumerate() {
            v[3 * i..3 * i + 3].copy_from_slice(&v_local[3 * a..3 * a + 3]);
        }
        v
    }

    /// Frozen atoms that have come within reach of a mobile one.
    pub fn buffer_len(&self) -> usize {
        self.environment.buffer_len()
    }
}

impl EnergySurface for LocalGlassSurface {
    fn dim(&self) -> usize {
        3 * self.mobile().len()
    }

    fn components_per_particle(&self) -> usize {
        3
    }

    fn energy_forces(&mut self, x: &[f64], f: &mut [f64]) -> f64 {
        self.calls += 1;
        self.environment.energy_forces(x, f)
    }

    fn force_calls(&self) -> u64 {
        self.calls
    }
}

impl EnergySurface for GlassSurface {
    fn dim(&self) -> usize {
        3 * self.system.n_atoms()
    }

    fn components_per_particle(&self) -> usize {
        3
    }

    fn energy_forces(&mut self, x: &[f64], f: &mut [f64]) -> f64 {
        self.calls += 1;
        let result = self.calculator.compute_unwrapped(x, &self.system.cell);
        for (out, g) in f.chunks_mut(3).zip(&result.forces_ev_per_angstrom) {
            out.copy_from_slice(g);
        }
        result.energy_ev
    }

    fn force_calls(&self) -> u64 {
        self.calls
    }

    /// The three uniform translations (the box is periodic and fixed).
    fn null_modes(&self) -> Vec<Vec<f64>> {
        let n = self.system.n_atoms();
        let w = 1.0 / (n as f64).sqrt();
        (0..3)
            .map(|k| {
                let mut v = vec![0.0; 3 * n];
                for i in 0..n {
                    v[3 * i + k] = w;
                }
                v
            })
            .collect()
    }
}
