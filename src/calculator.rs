//! The one force path: a [`Calculator`] is a potential's kernel (with its working memory),
//! the neighbour list, each atom's element, and the periodic wrapping. MD
//! ([`crate::simulation::Simulation`]), both FIRE minimisers and ART's energy surface
//! ([`crate::landscape::GlassSurface`]) all evaluate forces through it.
//!
//! Two ways in, for the two ways callers keep coordinates:
//! - [`Calculator::compute`] for wrapped positions the caller owns (MD wraps and re-sorts its
//!   atoms in place when the list is rebuilt: [`Calculator::needs_rebuild`] and
//!   [`Calculator::rebuild`]);
//! - [`Calculator::compute_unwrapped`] for a flat vector of unwrapped coordinates (ART): the
//!   calculator wraps them itself at each list build and applies the same box shift to each
//!   atom until the next build, so the list stays valid while the coordinates stay continuous.

use std::sync::Arc;

use crate::neighbor::NeighborList;
use crate::potential::{
    ForceInput, ForceKernel, ForceResult, FrozenEnvironment, FrozenEnvironmentError, Potential,
    potential_label,
};
use crate::system::{Cell, System, Vec3};

/// Why a calculator cannot be set up for a system.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalculatorError {
    /// A species of the system (first field) the potential does not have (its elements).
    #[error("species {0} is not in the potential {1}")]
    UnknownSpecies(String, String),
}

#[derive(Debug)]
pub struct Calculator {
    potential: Arc<dyn Potential>,
    kernel: Box<dyn ForceKernel>,
    /// Potential element of each species of the system.
    species_to_element: Vec<usize>,
    /// Per atom, in the caller's storage order.
    element_of_atom: Vec<usize>,
    neighbors: NeighborList,
    result: ForceResult,
    /// For [`Self::compute_unwrapped`]: per atom, the box vector added at the last list build
    /// to bring it into the box, and the shifted positions.
    shifts: Vec<Vec3>,
    positions: Vec<Vec3>,
}

impl Calculator {
    /// A calculator for `system`'s species and atom types, with a neighbour list of
    /// `skin_angstrom` beyond the potential's cutoff. No forces are computed yet.
    pub fn new(
        system: &System,
        potential: Arc<dyn Potential>,
        skin_angstrom: f64,
    ) -> Result<Self, CalculatorError> {
        let species_to_element = system
            .species_map(potential.elements())
            .map_err(|missing| {
                CalculatorError::UnknownSpecies(missing, potential_label(potential.as_ref()))
            })?;
        let mut calculator = Self {
            kernel: potential.clone().kernel(),
            neighbors: NeighborList::new(potential.cutoff_angstrom(), skin_angstrom),
            potential,
            species_to_element,
            element_of_atom: Vec::new(),
            result: ForceResult::default(),
            shifts: Vec::new(),
            positions: Vec::new(),
        };
        calculator.set_types(&system.types);
        Ok(calculator)
    }

    /// Re-reads each atom's species (after the caller reordered its atoms).
    pub fn set_types(&mut self, types: &[usize]) {
        let map = &self.species_to_element;
        self.element_of_atom.clear();
        self.element_of_atom.extend(types.iter().map(|&t| map[t]));
    }

    pub fn potential(&self) -> &Arc<dyn Potential> {
        &self.potential
    }

    pub fn neighbor_list(&self) -> &NeighborList {
        &self.neighbors
    }

    /// Interaction range plus skin (Å): the reach of one neighbour-list entry.
    pub fn list_range_angstrom(&self) -> f64 {
        self.potential.cutoff_angstrom() + self.neighbors.skin_angstrom()
    }

    /// Whether the atoms have used up the skin since the last build (or there is no list);
    /// when the list stays, narrows the force loops' scan to what the motion requires.
    pub fn needs_rebuild(&mut self, positions_angstrom: &[Vec3], cell: &Cell) -> bool {
        self.neighbors.check(positions_angstrom, cell)
    }

    /// Builds the neighbour list for wrapped positions.
    pub fn rebuild(&mut self, positions_angstrom: &[Vec3], cell: &Cell) {
        self.neighbors.build(positions_angstrom, cell);
    }

    /// Forgets the list, so the next [`Self::needs_rebuild`] says yes (after a rollback the
    /// list was made for positions that are gone).
    pub fn invalidate_neighbors(&mut self) {
        self.neighbors = NeighborList::new(
            self.potential.cutoff_angstrom(),
            self.neighbors.skin_angstrom(),
        );
    }

    /// Energy, forces and virial at wrapped `positions_angstrom` with the current list.
    pub fn compute(
        &mut self,
        positions_angstrom: &[Vec3],
        cell: &Cell,
        per_atom_energy: bool,
    ) -> &mut ForceResult {
        let input = ForceInput {
            positions_angstrom,
            element_of_atom: &self.element_of_atom,
            cell,
            neighbors: &self.neighbors,
            per_atom_energy,
        };
        self.kernel.compute(&input, &mut self.result);
        &mut self.result
    }

    /// Energy and forces at unwrapped flat coordinates `x` (3 per atom) in a fixed `cell`,
    /// rebuilding the list (and re-wrapping) when the atoms have used up the skin.
    pub fn compute_unwrapped(&mut self, x: &[f64], cell: &Cell) -> &ForceResult {
        let n = x.len() / 3;
        if self.shifts.len() != n {
            self.shifts = vec![[0.0; 3]; n];
            self.positions = vec![[0.0; 3]; n];
        }
        for ((p, c), s) in self.positions.iter_mut().zip(x.chunks(3)).zip(&self.shifts) {
            *p = [c[0] + s[0], c[1] + s[1], c[2] + s[2]];
        }
        if self.neighbors.check(&self.positions, cell) {
            for ((p, c), s) in self
                .positions
                .iter_mut()
                .zip(x.chunks(3))
                .zip(&mut self.shifts)
            {
                let raw = [c[0], c[1], c[2]];
                *p = cell.wrap(raw);
                *s = [p[0] - raw[0], p[1] - raw[1], p[2] - raw[2]];
            }
            self.neighbors.build(&self.positions, cell);
        }
        let input = ForceInput {
            positions_angstrom: &self.positions,
            element_of_atom: &self.element_of_atom,
            cell,
            neighbors: &self.neighbors,
            per_atom_energy: false,
        };
        self.kernel.compute(&input, &mut self.result);
        &self.result
    }

    /// A frozen environment of the atoms `mobile` (storage indices) at the unwrapped flat
    /// coordinates `x` in `cell`: one full evaluation here gives the reference energy and
    /// densities; the environment then evaluates the energy and the mobile atoms' forces with
    /// every other atom held at `x`, exactly (same kernel tables), at a cost ∝ `mobile.len()`.
    pub fn frozen_environment(
        &mut self,
        x: &[f64],
        cell: &Cell,
        mobile: &[usize],
    ) -> Result<FrozenEnvironment, FrozenEnvironmentError> {
        let eam = self.potential.clone().eam().ok_or_else(|| {
            FrozenEnvironmentError::NotEam(potential_label(self.potential.as_ref()))
        })?;
        let energy = self.compute_unwrapped(x, cell).energy_ev;
        let mut rho = Vec::new();
        let input = ForceInput {
            positions_angstrom: &self.positions,
            element_of_atom: &self.element_of_atom,
            cell,
            neighbors: &self.neighbors,
            per_atom_energy: false,
        };
        eam.densities(&input, &mut rho);
        FrozenEnvironment::new(
            eam,
            *cell,
            self.element_of_atom.clone(),
            x.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
            rho,
            energy,
            mobile,
            self.neighbors.skin_angstrom(),
        )
    }

    /// The result of the last evaluation (with whatever the caller's fixes added to it).
    pub fn result(&self) -> &ForceResult {
        &self.result
    }

    pub fn result_mut(&mut self) -> &mut ForceResult {
        &mut self.result
    }
}
