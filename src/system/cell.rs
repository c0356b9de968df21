//! The orthorhombic periodic simulation cell.

use super::Vec3;

/// Why a cell cannot be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CellError {
    #[error("cell edge {axis} has length {length} Å: it must be positive and finite")]
    BadLength { axis: char, length: f64 },
    #[error(
        "triclinic cells (tilt xy={xy}, xz={xz}, yz={yz}) are not supported: only orthorhombic boxes"
    )]
    Triclinic { xy: f64, xz: f64, yz: f64 },
}

/// An orthorhombic box `[lo, lo + lengths)`, periodic in x, y and z.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    lo_angstrom: Vec3,
    lengths_angstrom: Vec3,
}

/// Positions further outside the cell than this many cell lengths are refused, not wrapped:
/// no periodic image is that far, and wrapping would keep only rounding noise of them
/// (at 1e3 lengths of 40 Å the wrapped coordinate keeps ~1e-11 Å).
pub const MAX_LENGTHS_OUTSIDE: f64 = 1e3;

impl Cell {
    /// A box with corner `lo` and edge lengths `lengths` (Å).
    pub fn new(lo_angstrom: Vec3, lengths_angstrom: Vec3) -> Result<Self, CellError> {
        for (axis, &length) in ['x', 'y', 'z'].iter().zip(&lengths_angstrom) {
            if !(length.is_finite() && length > 0.0) {
                return Err(CellError::BadLength {
                    axis: *axis,
                    length,
                });
            }
        }
        Ok(Self {
            lo_angstrom,
            lengths_angstrom,
        })
    }

    /// A cube of edge `edge_angstrom` with its corner at the origin.
    pub fn cubic(edge_angstrom: f64) -> Result<Self, CellError> {
        Self::new([0.0; 3], [edge_angstrom; 3])
    }

    /// Builds a cell from three lattice vectors, refusing any that are not axis-aligned.
    pub fn from_lattice_vectors(
        origin: Vec3,
        a: Vec3,
        b: Vec3,
        c: Vec3,
    ) -> Result<Self, CellError> {
        let off = [a[1], a[2], b[0], b[2], c[0], c[1]];
        if off.iter().any(|&x| x != 0.0) {
            return Err(CellError::Triclinic {
                xy: b[0],
                xz: c[0],
                yz: c[1],
            });
        }
        Self::new(origin, [a[0], b[1], c[2]])
    }

    pub fn lo_angstrom(&self) -> Vec3 {
        self.lo_angstrom
    }

    pub fn hi_angstrom(&self) -> Vec3 {
        std::array::from_fn(|k| self.lo_angstrom[k] + self.lengths_angstrom[k])
    }

    pub fn lengths_angstrom(&self) -> Vec3 {
        self.lengths_angstrom
    }

    pub fn volume_angstrom3(&self) -> f64 {
        self.lengths_angstrom.iter().product()
    }

    /// Shortest image of a separation vector.
    #[inline]
    pub fn minimum_image(&self, mut d: Vec3) -> Vec3 {
        for k in 0..3 {
            let l = self.lengths_angstrom[k];
            d[k] -= l * (d[k] / l).round();
        }
        d
    }

    /// How far `x` lies outside the cell, in cell lengths along its worst axis (0 inside).
    pub fn lengths_outside(&self, x: Vec3) -> f64 {
        (0..3)
            .map(|k| {
                let (lo, l) = (self.lo_angstrom[k], self.lengths_angstrom[k]);
                ((lo - x[k]).max(x[k] - (lo + l)) / l).max(0.0)
            })
            .fold(0.0, f64::max)
    }

    /// Why `x` is no position of this periodic cell, if it is not: more than
    /// [`MAX_LENGTHS_OUTSIDE`] cell lengths outside. Nearer positions are periodic images
    /// (LAMMPS data files and unwrapped trajectories hold them) and are wrapped exactly;
    /// a coordinate like 1e308 would wrap to rounding noise.
    pub fn position_problem(&self, x: Vec3) -> Option<String> {
        let outside = self.lengths_outside(x);
        (outside > MAX_LENGTHS_OUTSIDE).then(|| {
            format!(
                "position ({}, {}, {}) Å lies {outside:.3e} cell lengths outside the cell \
                 (at most {MAX_LENGTHS_OUTSIDE} are taken as a periodic image): a corrupt \
                 coordinate?",
                x[0], x[1], x[2]
            )
        })
    }

    /// The image of `x` inside `[lo, hi)`.
    #[inline]
    pub fn wrap(&self, mut x: Vec3) -> Vec3 {
        for k in 0..3 {
            let l = self.lengths_angstrom[k];
            let lo = self.lo_angstrom[k];
            x[k] -= l * ((x[k] - lo) / l).floor();
            // Rounding can land exactly on hi; fold it back so the half-open box holds.
            if x[k] >= lo + l {
                x[k] -= l;
            }
        }
        x
    }

    /// The same box scaled isotropically about its centre by `factor`.
    pub fn scaled_about_centre(&self, factor: f64) -> Self {
        let mut cell = *self;
        for k in 0..3 {
            let centre = self.lo_angstrom[k] + 0.5 * self.lengths_angstrom[k];
            cell.lengths_angstrom[k] *= factor;
            cell.lo_angstrom[k] = centre - 0.5 * cell.lengths_angstrom[k];
        }
        cell
    }

    /// Centre of the box.
    pub fn centre_angstrom(&self) -> Vec3 {
        std::array::from_fn(|k| self.lo_angstrom[k] + 0.5 * self.lengths_angstrom[k])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_tilted_boxes_and_bad_lengths() {
        assert!(matches!(
            Cell::from_lattice_vectors(
                [0.0; 3],
                [10.0, 0.0, 0.0],
                [1.0, 10.0, 0.0],
                [0.0, 0.0, 10.0]
            ),
            Err(CellError::Triclinic { .. })
        ));
        assert!(Cell::new([0.0; 3], [1.0, -2.0, 1.0]).is_err());
        assert!(Cell::new([0.0; 3], [1.0, f64::NAN, 1.0]).is_err());
    }

    #[test]
    fn wrap_and_minimum_image() {
        let cell = Cell::new([-1.0, 0.0, 0.0], [10.0, 10.0, 10.0]).unwrap();
        assert_eq!(cell.wrap([9.5, -0.5, 25.0]), [-0.5, 9.5, 5.0]);
        assert_eq!(cell.minimum_image([6.0, -6.0, 4.0]), [-4.0, 4.0, 4.0]);
    }
}
