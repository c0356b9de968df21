//! The physical system: species, the periodic cell, and the atoms (structure of arrays).
//!
//! Units are LAMMPS `metal` everywhere: Å, ps, eV, amu, K, bar.

mod cell;
pub mod units;

pub use cell::{Cell, CellError};

/// A 3-vector of `f64` (Å, Å/ps or eV/Å, as the field name says).
pub type Vec3 = [f64; 3];

/// One chemical species: its symbol and mass.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Species {
    pub symbol: String,
    pub mass_amu: f64,
}

impl Species {
    pub fn new(symbol: &str, mass_amu: f64) -> Self {
        Self {
            symbol: symbol.to_string(),
            mass_amu,
        }
    }

    /// Standard atomic mass of the elements the program knows by name (amu).
    pub fn standard_mass_amu(symbol: &str) -> Option<f64> {
        match symbol {
            "Cu" => Some(63.546),
            "Zr" => Some(91.224),
            "Al" => Some(26.981_538),
            "Ni" => Some(58.6934),
            "Fe" => Some(55.845),
            "Ag" => Some(107.8682),
            "Au" => Some(196.966_55),
            "Pd" => Some(106.42),
            "Pt" => Some(195.078),
            "Ti" => Some(47.867),
            "Mg" => Some(24.305),
            "Co" => Some(58.933_195),
            _ => None,
        }
    }
}

/// A configuration: cell, species table and per-atom arrays (structure of arrays).
///
/// `types[i]` indexes `species`. Atom `ids` are the file's 1-based ids, kept so that
/// output can be compared atom by atom with LAMMPS.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct System {
    pub cell: Cell,
    pub species: Vec<Species>,
    pub ids: Vec<u64>,
    pub types: Vec<usize>,
    pub positions_angstrom: Vec<Vec3>,
    pub velocities_angstrom_per_ps: Vec<Vec3>,
}

impl System {
    /// An empty system in `cell` with the given species.
    pub fn new(cell: Cell, species: Vec<Species>) -> Self {
        Self {
            cell,
            species,
            ids: Vec::new(),
            types: Vec::new(),
            positions_angstrom: Vec::new(),
            velocities_angstrom_per_ps: Vec::new(),
        }
    }

    /// Makes `self` a copy of `other`, reusing `self`'s memory (no allocation once sized).
    pub fn copy_from(&mut self, other: &System) {
        self.cell = other.cell;
        self.species.clone_from(&other.species);
        self.ids.clone_from(&other.ids);
        self.types.clone_from(&other.types);
        self.positions_angstrom
            .clone_from(&other.positions_angstrom);
        self.velocities_angstrom_per_ps
            .clone_from(&other.velocities_angstrom_per_ps);
    }

    /// Puts atom `order[k]` at position k in every per-atom array (ids move with the atoms).
    pub fn reorder(&mut self, order: &[usize]) {
        fn permute<T: Copy>(values: &mut Vec<T>, order: &[usize]) {
            *values = order.iter().map(|&i| values[i]).collect();
        }
        permute(&mut self.ids, order);
        permute(&mut self.types, order);
        permute(&mut self.positions_angstrom, order);
        permute(&mut self.velocities_angstrom_per_ps, order);
    }

    pub fn n_atoms(&self) -> usize {
        self.positions_angstrom.len()
    }

    /// Appends an atom at rest; its id is one past the largest so far.
    pub fn push_atom(&mut self, type_index: usize, position_angstrom: Vec3) {
        let id = self.ids.last().map_or(1, |&last| last + 1);
        self.ids.push(id);
        self.types.push(type_index);
        self.positions_angstrom.push(position_angstrom);
        self.velocities_angstrom_per_ps.push([0.0; 3]);
    }

    /// Mass of every atom (amu), in atom order.
    pub fn masses_amu(&self) -> Vec<f64> {
        self.types
            .iter()
            .map(|&t| self.species[t].mass_amu)
            .collect()
    }

    /// Number of atoms of each species, in species order.
    pub fn count_by_species(&self) -> Vec<usize> {
        let mut counts = vec![0; self.species.len()];
        for &t in &self.types {
            counts[t] += 1;
        }
        counts
    }

    /// Mass density (g/cm³).
    pub fn density_g_per_cm3(&self) -> f64 {
        let mass_amu: f64 = self.masses_amu().iter().sum();
        mass_amu * units::AMU_TO_GRAM / (self.cell.volume_angstrom3() * 1e-24)
    }

    /// Maps every position into the primary cell.
    pub fn wrap_positions(&mut self) {
        for x in &mut self.positions_angstrom {
            *x = self.cell.wrap(*x);
        }
    }

    /// Index of each species of `self` in `names`, or the first species missing there.
    pub fn species_map(&self, names: &[String]) -> Result<Vec<usize>, String> {
        self.species
            .iter()
            .map(|s| {
                names
                    .iter()
                    .position(|n| *n == s.symbol)
                    .ok_or_else(|| s.symbol.clone())
            })
            .collect()
    }

    /// The two atoms nearest each other (minimum image), as `(id, id, distance in Å)`, or
    /// `None` below two atoms. O(N²): for error messages about overlapping atoms, not for
    /// the step loop.
    pub fn closest_pair(&self) -> Option<(u64, u64, f64)> {
        let x = &self.positions_angstrom;
        let mut best: Option<(usize, usize, f64)> = None;
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let d = self.cell.minimum_image([
                    x[i][0] - x[j][0],
                    x[i][1] - x[j][1],
                    x[i][2] - x[j][2],
                ]);
                let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if best.is_none_or(|(_, _, b)| r2 < b) {
                    best = Some((i, j, r2));
                }
            }
        }
        best.map(|(i, j, r2)| (self.ids[i], self.ids[j], r2.sqrt()))
    }

    /// Checks that the arrays agree in length and every number is finite.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.n_atoms();
        if self.ids.len() != n
            || self.types.len() != n
            || self.velocities_angstrom_per_ps.len() != n
        {
            return Err("per-atom arrays differ in length".into());
        }
        if let Some(i) = self.types.iter().position(|&t| t >= self.species.len()) {
            return Err(format!(
                "atom {} has type {} but there are {} species",
                self.ids[i],
                self.types[i] + 1,
                self.species.len()
            ));
        }
        for (i, (x, v)) in self
            .positions_angstrom
            .iter()
            .zip(&self.velocities_angstrom_per_ps)
            .enumerate()
        {
            if x.iter().chain(v).any(|c| !c.is_finite()) {
                return Err(format!(
                    "atom {} has a non-finite position or velocity",
                    self.ids[i]
                ));
            }
            if let Some(problem) = self.cell.position_problem(*x) {
                return Err(format!("atom {}: {problem}", self.ids[i]));
            }
        }
        Ok(())
    }
}
