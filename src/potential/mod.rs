//! Interatomic potentials. Each one turns positions and a neighbour list into energy, forces
//! and virial; it knows nothing about integrators or biases.

mod eam;
pub mod mendelev;
pub mod setfl;
mod spline;

pub use eam::Eam;
pub use setfl::{SetflError, SetflFlavor, SetflTables};
pub use spline::{GridPoint, Spline};

use crate::neighbor::NeighborList;
use crate::system::{Cell, Vec3};

/// What a potential needs to evaluate one configuration.
pub struct ForceInput<'a> {
    pub positions_angstrom: &'a [Vec3],
    /// Per atom, the index of its element in [`Potential::elements`].
    pub element_of_atom: &'a [usize],
    pub cell: &'a Cell,
    pub neighbors: &'a NeighborList,
    /// Fill [`ForceResult::per_atom_energy_ev`] (costs a little; the step loop leaves it off).
    pub per_atom_energy: bool,
}

/// Energy, forces and virial of one configuration.
#[derive(Clone, Debug, Default)]
pub struct ForceResult {
    pub energy_ev: f64,
    pub forces_ev_per_angstrom: Vec<Vec3>,
    /// Empty unless requested in [`ForceInput::per_atom_energy`].
    pub per_atom_energy_ev: Vec<f64>,
    /// W_ab = Σ_pairs r_ab f_b, in the order xx yy zz xy xz yz (eV), as LAMMPS's virial.
    pub virial_ev: [f64; 6],
}

impl ForceResult {
    /// Largest force magnitude (eV/Å), for blow-up detection and minimiser convergence.
    pub fn max_force_ev_per_angstrom(&self) -> f64 {
        self.forces_ev_per_angstrom
            .iter()
            .map(|f| (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]).sqrt())
            .fold(0.0, f64::max)
    }

    /// Whether every number is finite.
    pub fn is_finite(&self) -> bool {
        self.energy_ev.is_finite()
            && self
                .forces_ev_per_angstrom
                .iter()
                .flatten()
                .all(|f| f.is_finite())
    }
}

/// An interatomic potential: LAMMPS's `pair_style` in one trait.
pub trait Potential: Send + Sync + std::fmt::Debug {
    /// A short description (style and source) for logs and output headers.
    fn description(&self) -> String;
    /// Element symbols in the order [`ForceInput::element_of_atom`] refers to.
    fn elements(&self) -> &[String];
    /// Masses the potential file gives its elements (amu).
    fn masses_amu(&self) -> &[f64];
    /// Interaction range (Å).
    fn cutoff_angstrom(&self) -> f64;
    /// Evaluates energy, forces and virial into `out`, reusing `scratch` between calls.
    fn compute(&self, input: &ForceInput, scratch: &mut Scratch, out: &mut ForceResult);
}

/// The potential as an error message names it: its description (for a setfl file, its
/// path) and its elements, e.g. `eam setfl pot/NiAl.eam.alloy (elements Ni, Al)`.
pub fn potential_label(potential: &dyn Potential) -> String {
    format!(
        "{} (elements {})",
        potential.description(),
        potential.elements().join(", ")
    )
}

/// Per-atom and per-thread working memory a potential keeps between calls, so that the
/// step loop allocates nothing.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) per_atom_a: Vec<f64>,
    pub(crate) per_atom_b: Vec<f64>,
    pub(crate) chunks: Vec<ChunkAccumulator>,
    /// Cartesian periodic-image vectors of the neighbour list, for the current box.
    pub(crate) images: Vec<Vec3>,
}

/// One thread's share of a force evaluation: partial sums over its atoms' half-list pairs.
#[derive(Debug, Default)]
pub(crate) struct ChunkAccumulator {
    pub atoms: std::ops::Range<usize>,
    /// Pair terms of the chunk's atoms that do not depend on F′ (filled by the density pass),
    /// and where each atom's terms start.
    pub pairs: Vec<PairTerm>,
    pub pair_starts: Vec<u32>,
    /// One atom's pairs inside the cutoff, gathered before the table walk (see `eam.rs`).
    pub near: Vec<NearPair>,
    pub density: Vec<f64>,
    pub forces: Vec<Vec3>,
    pub energies: Vec<f64>,
    pub pair_energy_ev: f64,
    pub virial_ev: [f64; 6],
}

/// One pair inside the cutoff, as the force pass needs it: the force is
/// −(F′_i·a + F′_j·b + c)·(x_i − x_j), with a = g′_{j→i}/r, b = g′_{i→j}/r, c = φ′/r.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PairTerm {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub j: u32,
    pub image: u16,
}

/// A pair found inside the cutoff: partner, image, distance and its table row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NearPair {
    pub r: f64,
    pub fraction: f64,
    pub row: u32,
    pub table: u32,
    pub j: u32,
    pub image: u16,
}
