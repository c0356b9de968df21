//! Collective variables. A CV knows how to compute its value and gradient from the
//! (unwrapped) positions of its atoms, and nothing about biases (the PLUMED/Colvars split).

use nalgebra::{Matrix3, Matrix4, SymmetricEigen, Vector3};

use crate::system::Vec3;

/// A function of a few atoms' positions, with its gradient.
pub trait CollectiveVariable: Send + Sync + std::fmt::Debug {
    /// Stable ids of the atoms the CV depends on, in the order `positions` are given.
    fn atom_ids(&self) -> &[u64];

    /// Value of the CV at `positions_angstrom` (unwrapped, one per atom of `atom_ids`), and
    /// its gradient (per Å of each coordinate) written into `gradient`.
    fn value_and_gradient(&self, positions_angstrom: &[Vec3], gradient: &mut [Vec3]) -> f64;

    fn clone_box(&self) -> Box<dyn CollectiveVariable>;
}

impl Clone for Box<dyn CollectiveVariable> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Why a CV cannot be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CvError {
    #[error("an RMSD needs at least 2 atoms, got {0}")]
    TooFewAtoms(usize),
    #[error("{ids} atom ids but {positions} reference positions")]
    LengthMismatch { ids: usize, positions: usize },
    #[error("atom id {0} appears twice")]
    DuplicateId(u64),
    #[error("reference position of atom {0} is not finite")]
    NonFinite(u64),
}

/// Root-mean-square deviation from reference positions after removing the centre of geometry
/// and the optimal rotation (the paper's Eq. 1; Colvars' `rmsd`):
/// s = √( (1/N) Σ_i |U(x_i − x̄) − (x_i^ref − x̄^ref)|² ).
///
/// The rotation comes from the quaternion eigenvector method (Horn 1987; Coutsias et al.
/// 2004), as Colvars computes it: the eigenvector of the largest eigenvalue of the 4×4 key
/// matrix of the correlation matrix. It is branch-free and never returns a reflection.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RmsdCv {
    atom_ids: Vec<u64>,
    /// Reference positions with their centre of geometry removed (Å).
    reference_centred_angstrom: Vec<Vec3>,
}

impl RmsdCv {
    /// The RMSD of atoms `atom_ids` from `reference_angstrom` (unwrapped, same order).
    pub fn new(atom_ids: Vec<u64>, reference_angstrom: &[Vec3]) -> Result<Self, CvError> {
        if atom_ids.len() != reference_angstrom.len() {
            return Err(CvError::LengthMismatch {
                ids: atom_ids.len(),
                positions: reference_angstrom.len(),
            });
        }
        if atom_ids.len() < 2 {
            return Err(CvError::TooFewAtoms(atom_ids.len()));
        }
        let mut seen = std::collections::HashSet::new();
        for (&id, x) in atom_ids.iter().zip(reference_angstrom) {
            if !seen.insert(id) {
                return Err(CvError::DuplicateId(id));
            }
            if x.iter().any(|c| !c.is_finite()) {
                return Err(CvError::NonFinite(id));
            }
        }
        Ok(Self {
            reference_centred_angstrom: centred(reference_angstrom),
            atom_ids,
        })
    }

    /// Reference positions, centre of geometry removed (Å).
    pub fn reference_centred_angstrom(&self) -> &[Vec3] {
        &self.reference_centred_angstrom
    }

    /// The optimal rotation U (applied to the centred current positions) that best
    /// superimposes them on the reference.
    pub fn optimal_rotation(&self, positions_angstrom: &[Vec3]) -> Matrix3<f64> {
        optimal_rotation(
            &centred(positions_angstrom),
            &self.reference_centred_angstrom,
        )
    }
}

impl CollectiveVariable for RmsdCv {
    fn atom_ids(&self) -> &[u64] {
        &self.atom_ids
    }

    fn value_and_gradient(&self, positions_angstrom: &[Vec3], gradient: &mut [Vec3]) -> f64 {
        let n = self.atom_ids.len();
        assert_eq!(positions_angstrom.len(), n, "one position per CV atom");
        assert_eq!(gradient.len(), n, "one gradient entry per CV atom");
        let x = centred(positions_angstrom);
        let u = optimal_rotation(&x, &self.reference_centred_angstrom);
        // At the optimal rotation ∂s/∂U vanishes and the centre-of-geometry terms sum to
        // zero, so ∂s/∂x_i = (x_i − Uᵀ y_i) / (N s) with x, y centred. Summing |x_i − Uᵀy_i|²
        // directly (rather than from the eigenvalue) keeps full precision for small s.
        let mut sum_sq = 0.0;
        for ((g, xi), yi) in gradient
            .iter_mut()
            .zip(&x)
            .zip(&self.reference_centred_angstrom)
        {
            let back = u.transpose() * Vector3::from(*yi);
            let d = Vector3::from(*xi) - back;
            sum_sq += d.norm_squared();
            *g = [d.x, d.y, d.z];
        }
        let s = (sum_sq / n as f64).sqrt();
        // s = 0 is a cusp (the gradient has no limit): report a zero gradient there.
        let scale = if s > 1e-12 { 1.0 / (n as f64 * s) } else { 0.0 };
        gradient.iter_mut().for_each(|g| *g = g.map(|c| c * scale));
        s
    }

    fn clone_box(&self) -> Box<dyn CollectiveVariable> {
        Box::new(self.clone())
    }
}

/// Positions minus their centre of geometry.
fn centred(positions: &[Vec3]) -> Vec<Vec3> {
    let n = positions.len().max(1) as f64;
    let mut c = [0.0; 3];
    for x in positions {
        for k in 0..3 {
            c[k] += x[k] / n;
        }
    }
    positions
        .iter()
        .map(|x| [x[0] - c[0], x[1] - c[1], x[2] - c[2]])
        .collect()
}

/// The proper rotation U minimising Σ |U x_i − y_i|² (x, y centred), from the eigenvector
/// of the largest eigenvalue of Horn's key matrix.
fn optimal_rotation(x: &[Vec3], y: &[Vec3]) -> Matrix3<f64> {
    let mut r = Matrix3::zeros();
    for (xi, yi) in x.iter().zip(y) {
        r += Vector3::from(*xi) * Vector3::from(*yi).transpose();
    }
    let (r11, r12, r13) = (r[(0, 0)], r[(0, 1)], r[(0, 2)]);
    let (r21, r22, r23) = (r[(1, 0)], r[(1, 1)], r[(1, 2)]);
    let (r31, r32, r33) = (r[(2, 0)], r[(2, 1)], r[(2, 2)]);
    #[rustfmt::skip]
    let key = Matrix4::new(
        r11 + r22 + r33, r23 - r32,        r31 - r13,        r12 - r21,
        r23 - r32,       r11 - r22 - r33,  r12 + r21,        r13 + r31,
        r31 - r13,       r12 + r21,        -r11 + r22 - r33, r23 + r32,
        r12 - r21,       r13 + r31,        r23 + r32,        -r11 - r22 + r33,
    );
    let eigen = SymmetricEigen::new(key);
    let k = eigen.eigenvalues.imax();
    let q = eigen.eigenvectors.column(k);
    let (q0, q1, q2, q3) = (q[0], q[1], q[2], q[3]);
    #[rustfmt::skip]
    let u = Matrix3::new(
        q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3, 2.0 * (q1 * q2 - q0 * q3),             2.0 * (q1 * q3 + q0 * q2),
        2.0 * (q1 * q2 + q0 * q3),             q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3, 2.0 * (q2 * q3 - q0 * q1),
        2.0 * (q1 * q3 - q0 * q2),             2.0 * (q2 * q3 + q0 * q1),             q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3,
    );
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cluster(rng: &mut ChaCha8Rng, n: usize) -> Vec<Vec3> {
        (0..n)
            .map(|_| std::array::from_fn(|_| rng.random_range(-3.0..3.0)))
            .collect()
    }

    fn rotation(axis: Vector3<f64>, angle: f64) -> Matrix3<f64> {
        *nalgebra::Rotation3::from_axis_angle(&nalgebra::Unit::new_normalize(axis), angle).matrix()
    }

    #[test]
    fn a_rigid_motion_has_zero_rmsd() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let reference = cluster(&mut rng, 13);
        let u = rotation(Vector3::new(0.3, -1.0, 0.4), 2.1);
        let moved: Vec<Vec3> = reference
            .iter()
            .map(|x| {
                let y = u * Vector3::from(*x) + Vector3::new(5.0, -2.0, 7.0);
                [y.x, y.y, y.z]
            })
            .collect();
        let cv = RmsdCv::new((1..=13).collect(), &reference).unwrap();
        let mut g = vec![[0.0; 3]; 13];
        let s = cv.value_and_gradient(&moved, &mut g);
        assert!(s < 1e-12, "s = {s}");
    }

    #[test]
    fn the_rmsd_is_the_minimum_over_rotations() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let reference = cluster(&mut rng, 10);
        let current: Vec<Vec3> = cluster(&mut rng, 10);
        let cv = RmsdCv::new((1..=10).collect(), &reference).unwrap();
        let mut g = vec![[0.0; 3]; 10];
        let s = cv.value_and_gradient(&current, &mut g);
        let x = centred(&current);
        let y = centred(&reference);
        let rmsd_with = |u: &Matrix3<f64>| {
            let sum: f64 = x
                .iter()
                .zip(&y)
                .map(|(a, b)| (u * Vector3::from(*a) - Vector3::from(*b)).norm_squared())
                .sum();
            (sum / 10.0).sqrt()
        };
        let u = cv.optimal_rotation(&current);
        assert!((rmsd_with(&u) - s).abs() < 1e-12);
        assert!((u.determinant() - 1.0).abs() < 1e-12, "a proper rotation");
        for k in 0..2000 {
            let axis = Vector3::new(
                rng.random_range(-1.0..1.0),
                0.5,
                rng.random_range(-1.0..1.0),
            );
            let trial = rotation(axis, k as f64 * 0.0031);
            assert!(rmsd_with(&trial) >= s - 1e-12);
        }
    }

    #[test]
    fn the_gradient_equals_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let reference = cluster(&mut rng, 13);
        let current: Vec<Vec3> = reference
            .iter()
            .map(|x| x.map(|c| c + rng.random_range(-0.5..0.5)))
            .collect();
        let cv = RmsdCv::new((1..=13).collect(), &reference).unwrap();
        let mut g = vec![[0.0; 3]; 13];
        cv.value_and_gradient(&current, &mut g);
        let h = 1e-6;
        let mut scratch = vec![[0.0; 3]; 13];
        for i in 0..13 {
            for k in 0..3 {
                let mut p = current.clone();
                p[i][k] += h;
                let sp = cv.value_and_gradient(&p, &mut scratch);
                p[i][k] -= 2.0 * h;
                let sm = cv.value_and_gradient(&p, &mut scratch);
                let fd = (sp - sm) / (2.0 * h);
                assert!(
                    (fd - g[i][k]).abs() < 1e-8,
                    "atom {i} axis {k}: {fd} vs {}",
                    g[i][k]
                );
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            RmsdCv::new(vec![1], &[[0.0; 3]]).unwrap_err(),
            CvError::TooFewAtoms(1)
        );
        assert_eq!(
            RmsdCv::new(vec![1, 1], &[[0.0; 3], [1.0; 3]]).unwrap_err(),
            CvError::DuplicateId(1)
        );
        assert!(RmsdCv::new(vec![1, 2], &[[0.0; 3]]).is_err());
    }
}
