//! Interatomic potentials. Each one turns positions and a neighbour list into energy, forces
//! and virial; it knows nothing about integrators or biases.

mod eam;
mod frozen;
pub mod mendelev;
pub mod setfl;
mod spline;

pub use eam::Eam;
pub use frozen::{FrozenEnvironment, FrozenEnvironmentError};
pub use setfl::{SetflError, SetflFlavor, SetflGrid, SetflTables};
pub use spline::{GridPoint, Spline};

use std::sync::Arc;

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

/// An interatomic potential: LAMMPS's `pair_style` in one trait. The potential holds only
/// its parameters (it is shared, read-only, between runs); each evaluator of forces gets its
/// own [`ForceKernel`], which keeps the potential's working memory.
pub trait Potential: Send + Sync + std::fmt::Debug {
    /// A short description (style and source) for logs and output headers.
    fn description(&self) -> String;
    /// Element symbols in the order [`ForceInput::element_of_atom`] refers to.
    fn elements(&self) -> &[String];
    /// Masses the potential file gives its elements (amu).
    fn masses_amu(&self) -> &[f64];
    /// Interaction range (Å).
    fn cutoff_angstrom(&self) -> f64;
    /// A force kernel of this potential with fresh working memory.
    fn kernel(self: Arc<Self>) -> Box<dyn ForceKernel>;
    /// The potential as EAM, for the frozen-environment evaluation ([`FrozenEnvironment`]);
    /// `None` for a potential without one.
    fn eam(self: Arc<Self>) -> Option<Arc<Eam>> {
        None
    }
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

/// A potential's force evaluation with the working memory it reuses between calls, so that
/// the step loop allocates nothing. One per [`crate::calculator::Calculator`].
pub trait ForceKernel: Send + Sync + std::fmt::Debug {
    /// Evaluates energy, forces and virial into `out`.
    fn compute(&mut self, input: &ForceInput, out: &mut ForceResult);
}
